#include "hytm/testing.hpp"

#include <deque>

#include "c_entry.hpp"
#include "hytm/hybrid/thread_ctx.hpp"
#include "hytm/hybrid/policy.hpp"
#include "profiler/sampling.hpp"

namespace hytm {
namespace detail {
void set_script(std::deque<unsigned> s);
std::size_t script_left();
void configure_from_environment();
}  // namespace detail

namespace testing {

void set_emulator(const htm::emulator_config& c) {
  htm::emulator_install(c);
  if (g_config.htm != htm_mode::emulated) htm::emulator_uninstall();
}

void set_flaw(protocol_flaw f) { g_flaw = f; }

void set_mode(const mode& m) {
  if (m.htm == htm_mode::emulated)
    htm::emulator_install(htm::emulator_settings());
  else
    htm::emulator_uninstall();
  g_config.htm = m.htm;
  g_config.stm = m.stm;
  g_config.htm_retries = m.htm_retries;
  g_config.stm_retries = m.stm_retries;
  g_config.read_only = m.read_only;
  g_config.solo = m.solo;
  g_config.cost = m.cost;
  g_config.adaptive = m.solo || m.cost;
  g_config.sample = m.sample;
  g_config.derive();
  detail::c_configured();
}

mode current_mode() {
  return {g_config.htm, g_config.stm, g_config.htm_retries, g_config.stm_retries,
          g_config.read_only, g_config.solo, g_config.cost, g_config.sample};
}

void script_htm(std::initializer_list<unsigned> statuses) {
  detail::set_script(std::deque<unsigned>(statuses));
}

void script_htm_repeat(unsigned status, std::size_t count) {
  detail::set_script(std::deque<unsigned>(count, status));
}

std::size_t script_left() { return detail::script_left(); }

void forget_site_policy() {
  thread_ctx& ctx = current_ctx();
  for (site_local* s : ctx.sites) {
    if (!s) continue;
    s->htm_skip = 0;
    s->capacity_streak = 0;
    s->other_streak = 0;
    s->probe_interval = 16;
    s->ro_streak = 0;
    s->ro_debt = 0;
    s->ro_shift = 0;
    s->unlogged = false;
    s->cost = {};
    detail::sample_forget(*s);
  }
  ctx.cost_calm = 0;  // the cost rule's timing interval starts short again
  // The code mapping too: the next status-0 streak maps again, so that a
  // test's status-0 aborts lead to the same decisions in every run.
  detail::forget_code_pages();
}

void restore_environment_mode() { detail::configure_from_environment(); }

}  // namespace testing
}  // namespace hytm
