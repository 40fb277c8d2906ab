// policy.hpp: which path the next attempt of a transaction takes.
//
// The rules (../../../docs/policy.md has the reasons):
//   - no RTM (or HYTM_HTM=off): software at once (fallback "no_rtm"); no
//     software path either (HYTM_STM=off): serial.
//   - capacity: never retried in hardware; software at once ("capacity").
//     A site whose first attempts keep overflowing skips hardware for its
//     next probe_interval starts ("site_disabled"), then probes again; each
//     failed probe doubles the interval (to 1024).
//   - conflict, retry hint, status 0, debug, nested, user restart: back off
//     and retry in hardware while the budget (HYTM_HTM_RETRIES) lasts, then
//     software ("budget").  A run of 8 status-0 aborts at a site (interrupts,
//     system calls, TSX off in microcode) disables hardware there like
//     capacity does.
//   - explicit "serial lock held" / "software writer": wait until the lock
//     is free, then retry; not charged to the budget (lemming avoidance).
//   - irrevocable(): serial.  A body that threw in hardware: serial, where
//     the exception object can be had ("exception").
//   - after HYTM_STM_RETRIES software aborts: serial ("starvation"), so
//     every transaction finishes.
// This class is plain logic plus counters, so tests drive every branch
// through it (tests/hybrid/policy_test.cpp) and through scripted statuses.
#pragma once

#include <cstdint>

#include "hytm/htm/abort_status.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/thread_ctx.hpp"
#include "hytm/stm/norec.hpp"

namespace hytm {

namespace detail {
// Counts one hardware abort under its cause, retry hint and explicit code.
HYTM_API void count_htm_abort(site_local& site, unsigned status) noexcept;
}  // namespace detail

class attempt_policy {
 public:
  attempt_policy(thread_ctx& ctx, site_local& site) noexcept : ctx_(ctx), site_(site) {}

  HYTM_API path_kind first() noexcept;
  // Counts the abort, waits or backs off as the rules say, returns the path
  // of the next attempt.
  HYTM_API path_kind after_htm_abort(htm::abort_status st) noexcept;
  HYTM_API void htm_committed() noexcept;
  HYTM_API path_kind after_stm_abort(stm::abort_reason why) noexcept;
  // irrevocable() or an exception in hardware: serial, counted under `why`.
  HYTM_API path_kind to_serial(ctr why) noexcept;

  std::uint32_t htm_attempts() const noexcept { return htm_attempts_; }
  std::uint32_t stm_aborts() const noexcept { return stm_aborts_; }

  // Limits (docs/policy.md).
  static constexpr std::uint32_t skip_after_capacity = 4;
  static constexpr std::uint32_t skip_after_other = 8;
  static constexpr std::uint32_t max_probe_interval = 1024;

 private:
  path_kind software(ctr why) noexcept;
  void disable_hardware_for_a_while() noexcept;
  void pause_after_conflict(std::uint32_t attempt) noexcept;
  void count(ctr c) noexcept { site_.counters[c].add(); }

  thread_ctx& ctx_;
  site_local& site_;
  std::uint32_t htm_attempts_ = 0;
  std::uint32_t stm_aborts_ = 0;
};

}  // namespace hytm
