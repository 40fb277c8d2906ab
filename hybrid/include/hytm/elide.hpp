// elide.hpp: lock elision for an existing lock's critical section.
//
//   hytm::spin_mutex m;
//   hytm::elide(m, [&] { ++plain_counter; });   // body is not instrumented
//
// Where RTM runs, the body first runs as a hardware transaction that only
// reads the lock (so sections that do not touch the same data run in
// parallel); after a capacity abort, an exception, or the retry budget, it
// takes the lock for real.  Without RTM it simply takes the lock.  The lock
// must be readable without a write (an `is_locked()` member), as
// hytm::spin_mutex is; with any other lockable type elide() just locks.
//
// Elided sections and hytm::atomic transactions do not isolate each other:
// data touched by elided sections must not be touched by transactions.
#pragma once

#include <atomic>
#include <concepts>
#include <mutex>
#include <optional>
#include <source_location>
#include <type_traits>

#include "hytm/core/backoff.hpp"
#include "hytm/htm/rtm.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm {

// A test-and-test-and-set lock whose state can be read without writing it.
class spin_mutex {
 public:
  void lock() noexcept {
    backoff b;
    // The relaxed pre-check keeps waiters off the line in exclusive state.
    while (locked_.load(std::memory_order_relaxed) ||
           locked_.exchange(true, std::memory_order_acquire))
      b.pause();
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }
  // Relaxed: inside a hardware transaction the hardware orders it; outside,
  // it is only a hint for waiting.
  bool is_locked() const noexcept { return locked_.load(std::memory_order_relaxed); }

 private:
  alignas(cache_line) std::atomic<bool> locked_{false};
};

template <class M>
concept elidable_lock = requires(const M& m) {
  { m.is_locked() } -> std::convertible_to<bool>;
};

namespace detail {
HYTM_API site_local& elide_site(thread_ctx& ctx, const std::source_location& loc);
HYTM_API void count_event(site_local& site, ctr c, std::uint64_t n = 1) noexcept;
HYTM_API bool elide_try_hardware(site_local& site) noexcept;
HYTM_API bool elide_after_abort(site_local& site, unsigned status, std::uint32_t attempt) noexcept;
// Counts the elided commit and resets the site's abort streaks.
HYTM_API void elide_committed(site_local& site) noexcept;
}  // namespace detail

// Per site, elision learns like atomic() does (docs/policy.md): a status-0
// abort takes the lock this time (the locked run maps the page or binds the
// PLT slot that aborted it) and, when it persists, turns the site's hardware
// attempts off for a growing number of calls; so does repeated capacity.  A
// section that cannot commit in hardware stops paying for the attempt, and
// is re-probed now and then.
template <class M, class F>
std::invoke_result_t<F&> elide(M& m, F&& body,
                               std::source_location loc = std::source_location::current()) {
  using R = std::invoke_result_t<F&>;
  if constexpr (elidable_lock<M>) {
    if (g_config.htm == htm_mode::rtm || g_config.htm == htm_mode::forced) {
      site_local& site = detail::elide_site(current_ctx(), loc);
      if (detail::elide_try_hardware(site)) {
        for (std::uint32_t attempt = 0; attempt < g_config.htm_retries; ++attempt) {
          spin_until([&] { return !m.is_locked(); });  // no lemming effect
          const unsigned s = htm::begin();
          if (s == htm::started) {
            if (m.is_locked()) htm::abort<htm::abort_code::lock_busy>();  // subscribe
            if constexpr (std::is_void_v<R>) {
              try {
                body();
              } catch (...) {
                htm::abort<htm::abort_code::exception>();
              }
              htm::end();
              detail::elide_committed(site);
              return;
            } else {
              std::optional<R> r;
              try {
                r.emplace(body());
              } catch (...) {
                htm::abort<htm::abort_code::exception>();
              }
              htm::end();
              detail::elide_committed(site);
              return std::move(*r);
            }
          }
          if (!detail::elide_after_abort(site, s, attempt)) break;
        }
      }
      detail::count_event(site, ctr::lock_taken);
    }
  }
  std::lock_guard<M> g(m);
  return body();
}

}  // namespace hytm
