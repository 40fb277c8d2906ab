#include "hytm/hybrid/policy.hpp"

#include "hytm/fallback/serial_lock.hpp"

namespace hytm {

path_kind attempt_policy::software(ctr why) noexcept {
  count(why);
  return g_config.stm == stm_algorithm::off ? path_kind::serial : path_kind::stm;
}

path_kind attempt_policy::first() noexcept {
  if (g_config.htm == htm_mode::off) return software(ctr::fb_no_rtm);
  if (g_config.htm_retries == 0) return software(ctr::fb_budget);
  if (site_.htm_skip > 0) {
    --site_.htm_skip;
    return software(ctr::fb_site_disabled);
  }
  return path_kind::htm;
}

void attempt_policy::disable_hardware_for_a_while() noexcept {
  site_.htm_skip = site_.probe_interval;
  if (site_.probe_interval < max_probe_interval) site_.probe_interval *= 2;
  site_.capacity_streak = 0;
  site_.other_streak = 0;
}

// Randomized exponential backoff: two transactions that conflicted and wait
// equally long collide again.
void attempt_policy::pause_after_conflict(std::uint32_t attempt) noexcept {
  const std::uint32_t shift = attempt < 10 ? attempt : 10;
  const std::uint64_t spins = ctx_.rng.next() & ((std::uint64_t{1} << shift) - 1);
  for (std::uint64_t i = 0; i < spins; ++i) cpu_relax();
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
    default: count(ctr::htm_code_user); break;
  }
}
}  // namespace detail

path_kind attempt_policy::after_htm_abort(htm::abort_status st) noexcept {
  using htm::abort_cause;
  using htm::abort_code;
  ctx_.hot = 64;  // time the attempts that follow (run.hpp, hot_window)
  detail::count_htm_abort(site_, st.raw);
  const abort_cause cause = st.cause();
  if (cause != abort_cause::other) site_.other_streak = 0;

  if (cause == abort_cause::explicit_abort) {
    switch (static_cast<abort_code>(st.code())) {
      case abort_code::serial_lock:
        g_serial_lock.wait_until_free();  // (H4)
        return path_kind::htm;  // not charged: the lock holder made progress
      case abort_code::stm_writer:
        spin_until([] { return (stm::g_norec.seq.load(std::memory_order_acquire) & 1) == 0; });
        return path_kind::htm;  // (H4), likewise
      case abort_code::irrevocable: return to_serial(ctr::fb_irrevocable);
      case abort_code::exception: return to_serial(ctr::fb_exception);
      default: break;  // restart, lock_busy, user codes: charged below
    }
  }
  if (cause == abort_cause::capacity) {
    if (htm_attempts_ == 0 && ++site_.capacity_streak >= skip_after_capacity)
      disable_hardware_for_a_while();
    return software(ctr::fb_capacity);
  }
  if (cause == abort_cause::other && ++site_.other_streak >= skip_after_other) {
    disable_hardware_for_a_while();
    return software(ctr::fb_site_disabled);
  }
  if (++htm_attempts_ >= g_config.htm_retries) return software(ctr::fb_budget);
  pause_after_conflict(htm_attempts_);
  return path_kind::htm;
}

void attempt_policy::htm_committed() noexcept {
  site_.capacity_streak = 0;
  site_.other_streak = 0;
  site_.probe_interval = 16;
}

path_kind attempt_policy::after_stm_abort(stm::abort_reason why) noexcept {
  ctx_.hot = 64;  // time the attempts that follow (run.hpp, hot_window)
  switch (why) {
    case stm::abort_reason::validation: count(ctr::stm_abort_validation); break;
    case stm::abort_reason::lock: count(ctr::stm_abort_lock); break;
    case stm::abort_reason::explicit_restart: count(ctr::stm_abort_explicit); break;
  }
  if (++stm_aborts_ > g_config.stm_retries) return to_serial(ctr::fb_starvation);
  pause_after_conflict(stm_aborts_);
  return path_kind::stm;
}

path_kind attempt_policy::to_serial(ctr why) noexcept {
  count(why);
  return path_kind::serial;
}

}  // namespace hytm
