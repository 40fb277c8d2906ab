#include "hytm/hybrid/policy.hpp"

#include <algorithm>
#include <cstdio>

#include "hytm/fallback/serial_lock.hpp"
#include "hytm/hybrid/epilogue.hpp"
#include "hytm/hybrid/protocol.hpp"
#include "hytm/hybrid/solo.hpp"
#include "hytm/testing.hpp"

namespace hytm {

path_kind attempt_policy::software(ctr why) noexcept {
  count(why);
  return g_config.stm == stm_algorithm::off ? path_kind::serial : path_kind::stm;
}

namespace detail {
std::uint32_t g_software_share = 0;
}  // namespace detail
using detail::g_software_share;

// first() is asked only at the start of a top-level transaction.
using detail::engine_chooses;

path_kind attempt_policy::first() noexcept {
  if (engine_chooses()) {
    if (g_config.solo && detail::solo_claim(ctx_.solo, &ctx_)) return to_serial(ctr::fb_solo);
    if (g_config.htm == htm_mode::off && site_.htm_skip > 0) return skipped();
  }
  if (g_config.htm == htm_mode::off) return software(ctr::fb_no_rtm);
  if (HYTM_UNLIKELY(g_software_share != 0) && ctx_.rng.next() % g_software_share == 0)
    return g_config.stm == stm_algorithm::off ? path_kind::serial : path_kind::stm;
  if (site_.htm_skip > 0) return skipped();
  if (g_config.htm_retries == 0) return software(ctr::fb_budget);
  return path_kind::htm;
}

// A start while the site skips hardware: where, and why, the rule that set
// the skip said (site_disabled: software; cost: software or serial).
path_kind attempt_policy::skipped() noexcept {
  --site_.htm_skip;
  const ctr why = site_.cost.skip_why;
  if (site_.cost.skip_path == static_cast<std::uint8_t>(path_kind::serial)) return to_serial(why);
  return software(why);
}

void attempt_policy::disable_hardware_for_a_while() noexcept {
  site_.cost.skip_path = static_cast<std::uint8_t>(path_kind::stm);
  site_.cost.skip_why = ctr::fb_site_disabled;
  site_.htm_skip = site_.probe_interval;
  if (site_.probe_interval < max_probe_interval) site_.probe_interval *= 2;
  site_.capacity_streak = 0;
  site_.other_streak = 0;
}

// Randomized exponential backoff: two transactions that conflicted and wait
// equally long collide again.
// The pause is part of what the path costs (cost.cpp), timed like the
// attempts around it.
void attempt_policy::pause_after_conflict(path_kind p, std::uint32_t attempt) noexcept {
  const std::uint32_t shift = attempt < 10 ? attempt : 10;
  const std::uint64_t spins = ctx_.rng.next() & ((std::uint64_t{1} << shift) - 1);
  const bool timed = ctx_.timed && g_config.cost;
  const std::uint64_t t0 = timed ? detail::ticks() : 0;
  for (std::uint64_t i = 0; i < spins; ++i) cpu_relax();
  if (timed) detail::cost_spent(ctx_, p, detail::ticks() - t0, false);
}

namespace detail {
void count_htm_abort(site_local& site, unsigned status) noexcept {
  using htm::abort_code;
  const htm::abort_status st{status};
  const htm::abort_cause cause = st.cause();
  auto count = [&](ctr c) { site.counters[c].add(); };
  count(static_cast<ctr>(static_cast<int>(ctr::htm_abort_explicit) + static_cast<int>(cause)));
  if (st.retry_hint()) count(ctr::htm_abort_retry);
  if (cause != htm::abort_cause::explicit_abort) return;
  switch (static_cast<abort_code>(st.code())) {
    case abort_code::serial_lock: count(ctr::htm_code_serial_lock); break;
    case abort_code::stm_writer: count(ctr::htm_code_stm_writer); break;
    case abort_code::irrevocable: count(ctr::htm_code_irrevocable); break;
    case abort_code::exception: count(ctr::htm_code_exception); break;
    case abort_code::restart: count(ctr::htm_code_restart); break;
    case abort_code::lock_busy: count(ctr::htm_code_lock_busy); break;
    default: count(is_refill_code(st.code()) ? ctr::htm_code_refill : ctr::htm_code_user); break;
  }
}

bool is_refill_code(std::uint8_t code) noexcept {
  return code == static_cast<std::uint8_t>(htm::abort_code::refill_logs) ||
         (code >= static_cast<std::uint8_t>(htm::abort_code::alloc_class_first) &&
          code <= static_cast<std::uint8_t>(htm::abort_code::alloc_class_last));
}
}  // namespace detail

path_kind attempt_policy::after_htm_abort(htm::abort_status st) noexcept {
  using htm::abort_cause;
  using htm::abort_code;
  ctx_.hot = 64;  // time the attempts that follow (run.hpp, hot_window)
  detail::count_htm_abort(site_, st.raw);
  const abort_cause cause = st.cause();

  if (cause == abort_cause::explicit_abort) {
    switch (static_cast<abort_code>(st.code())) {
      case abort_code::serial_lock:
      case abort_code::stm_writer:
        // (H4): the lock holder or the software writer made progress.
        if (!uncharged()) break;
        count(ctr::htm_progress_waits);
        detail::wait_for_progress();
        return path_kind::htm;
      case abort_code::irrevocable: return to_serial(ctr::fb_irrevocable);
      case abort_code::exception:
        // Software, not serial: the exception is thrown again there and
        // leaves from a validated state, without draining every thread.
        return software(ctr::fb_exception);
      default:
        if (detail::is_refill_code(st.code()) && uncharged()) {
          detail::refill_for_code(ctx_, st.code());
          return path_kind::htm;
        }
        break;  // restart, lock_busy, user codes: charged below
    }
  }
  if (cause == abort_cause::capacity) {
    if (htm_attempts_ == 0 && ++site_.capacity_streak >= skip_after_capacity)
      disable_hardware_for_a_while();
    return software(ctr::fb_capacity);
  }
  if (cause == abort_cause::other && !st.retry_hint()) {
    // First touch until proven otherwise: no hardware retry can get past a
    // page fault or an unbound PLT slot, a software run does.
    if (++site_.other_streak >= skip_after_other) {
      if (detail::map_code_pages()) {
        // The first streak in the process (or since a dlopen): maybe the
        // body's hardware code was never mapped.  One more chance.
        count(ctr::htm_code_mapped);
        site_.other_streak = 0;
        return software(ctr::fb_first_touch);
      }
      disable_hardware_for_a_while();
      return software(ctr::fb_site_disabled);
    }
    return software(ctr::fb_first_touch);
  }
  if (cause == abort_cause::conflict &&
      (g_serial_lock.held_relaxed() ||
       stm::g_norec.seq.load(std::memory_order_relaxed) != ctx_.seq_seen) &&
      uncharged()) {
    // A conflict on the words the attempt subscribed to (H2): a software
    // commit or the serial path made progress.  (H4): wait it out, free.
    count(ctr::htm_progress_waits);
    detail::wait_for_progress();
    return path_kind::htm;
  }
  if (++htm_attempts_ >= g_config.htm_retries) return software(ctr::fb_budget);
  pause_after_conflict(path_kind::htm, htm_attempts_);
  return path_kind::htm;
}

path_kind attempt_policy::after_stm_abort(stm::abort_reason why) noexcept {
  ctx_.hot = 64;  // time the attempts that follow (run.hpp, hot_window)
  switch (why) {
    case stm::abort_reason::validation: count(ctr::stm_abort_validation); break;
    case stm::abort_reason::lock: count(ctr::stm_abort_lock); break;
    case stm::abort_reason::explicit_restart: count(ctr::stm_abort_explicit); break;
  }
  if (++stm_aborts_ > g_config.stm_retries) return to_serial(ctr::fb_starvation);
  pause_after_conflict(path_kind::stm, stm_aborts_);
  return path_kind::stm;
}

path_kind attempt_policy::to_serial(ctr why) noexcept {
  count(why);
  return path_kind::serial;
}

namespace detail {

bool elide_try_hardware(site_local& site) noexcept {
  if (site.htm_skip == 0) return true;
  --site.htm_skip;
  site.counters[ctr::fb_site_disabled].add();
  return false;
}

static void elide_disable(site_local& site) noexcept {
  site.htm_skip = site.probe_interval;
  if (site.probe_interval < attempt_policy::max_probe_interval) site.probe_interval *= 2;
  site.capacity_streak = 0;
  site.other_streak = 0;
}

bool elide_after_abort(site_local& site, unsigned status, std::uint32_t attempt) noexcept {
  const htm::abort_status st{status};
  count_htm_abort(site, status);
  switch (st.cause()) {
    case htm::abort_cause::capacity:
      if (attempt == 0 && ++site.capacity_streak >= attempt_policy::skip_after_capacity)
        elide_disable(site);
      site.counters[ctr::fb_capacity].add();
      return false;
    case htm::abort_cause::other:
      if (st.retry_hint()) return true;
      // First touch: the locked run maps the page or binds the PLT slot.
      if (++site.other_streak >= attempt_policy::skip_after_other) {
        if (map_code_pages()) {  // as in after_htm_abort: one more chance
          site.counters[ctr::htm_code_mapped].add();
          site.other_streak = 0;
          site.counters[ctr::fb_first_touch].add();
        } else {
          elide_disable(site);
          site.counters[ctr::fb_site_disabled].add();
        }
      } else {
        site.counters[ctr::fb_first_touch].add();
      }
      return false;
    case htm::abort_cause::explicit_abort:
      if (st.is(htm::abort_code::exception)) {
        site.counters[ctr::fb_exception].add();
        return false;
      }
      if (st.is(htm::abort_code::lock_busy)) return true;  // the caller waits, then retries
      return true;
    default: return true;
  }
}

std::string hardware_diagnosis(const counter_values& t, const char* htm_mode) {
  const std::string mode = htm_mode ? htm_mode : "";
  if (mode != "rtm" && mode != "forced") return "";
  const std::uint64_t starts = t[ctr::htm_starts], commits = t[ctr::htm_commits];
  const std::uint64_t solo = t[ctr::fb_solo];
  char note[200] = "";
  if (solo != 0)
    std::snprintf(note, sizeof note,
                  "solo mode ran %llu transactions on the serial path while one thread ran "
                  "alone (fallbacks.solo; docs/policy.md, \"One thread alone\")",
                  static_cast<unsigned long long>(solo));
  // Hardware that solo mode left idle is not hardware that fails.
  if (starts == 0) return solo ? std::string("hardware: not tried; ") + note : "";
  const bool none = commits == 0;
  if (!none && (starts < 100 || commits * 100 >= starts)) return "";
  const std::uint64_t aborts = starts - std::min(starts, commits);
  const std::uint64_t other = t[ctr::htm_abort_other], cap = t[ctr::htm_abort_capacity];
  char head[160];
  if (none)
    std::snprintf(head, sizeof head, "hardware: 0 of %llu attempts committed",
                  static_cast<unsigned long long>(starts));
  else
    std::snprintf(head, sizeof head, "hardware: only %llu of %llu attempts committed",
                  static_cast<unsigned long long>(commits), static_cast<unsigned long long>(starts));
  std::string o = head;
  if (other == aborts && t[ctr::htm_abort_retry] == 0) {
    o += none ? "; all aborted with status 0" : "; the others aborted with status 0";
    o += " - TSX disabled by microcode or the kernel (or a hypervisor that hides it), or a page "
         "fault, system call or lazily bound PLT call in every body; the sites turned hardware "
         "off (fallbacks.site_disabled) and run in software. See docs/policy.md, \"status 0\".";
  } else if (cap * 2 >= aborts) {
    o += "; most aborted for capacity: the transactions' footprints do not fit in the L1 "
         "(see footprint and docs/policy.md).";
  } else {
    char tail[200];
    std::snprintf(tail, sizeof tail,
                  "; aborts: explicit %llu, capacity %llu, conflict %llu, status 0 %llu "
                  "(see paths.htm.aborts and docs/policy.md).",
                  static_cast<unsigned long long>(t[ctr::htm_abort_explicit]),
                  static_cast<unsigned long long>(cap),
                  static_cast<unsigned long long>(t[ctr::htm_abort_conflict]),
                  static_cast<unsigned long long>(other));
    o += tail;
  }
  if (solo) o += std::string(" Besides, ") + note + ".";
  return o;
}

void elide_committed(site_local& site) noexcept {
  site.counters[ctr::htm_commits].add();
  site.counters[ctr::lock_elided].add();
  site.capacity_streak = 0;
  site.other_streak = 0;
  site.probe_interval = 16;
}

}  // namespace detail
namespace testing {
void set_software_share(std::uint32_t one_in) { g_software_share = one_in; }
}  // namespace testing
}  // namespace hytm
