// solo.hpp: one thread pays no tax (docs/policy.md, "One thread alone").
//
// While only one thread runs transactions, the policy runs them on the
// serial path: the body runs uninstrumented (stores undo-logged), with no
// hardware attempt and no software read and write sets.  The moment a
// second thread starts a transaction, both go back to the normal policy.
//
// This is a choice between paths that are each correct at any time: a
// serial transaction takes the serial lock and drains software ones, and
// hardware ones subscribe to the lock (docs/protocol.md, (S1)-(S4)).  So the
// word below decides only which path is cheaper; nothing is published
// through it, and every access to it is relaxed.  A thread that reads a
// stale value only picks a path that is slower than it could be, never one
// that can run unsynchronized with another thread's transaction.
//
// The word (on its own cache line, read on every top-level start):
//   0          free: the next thread to start a transaction claims it
//   a context  that thread runs alone: its transactions go serial
//   1          contended: every thread takes the normal policy
// A start that finds another thread's context marks the word contended.  A
// thread that finds it contended retries the claim (CAS 1 -> itself) after a
// countdown, so a thread left alone regains solo mode; if the others still
// run, the first of them to start marks it contended again, so a retry
// costs about one serial transaction.  A claim that is lost again within
// solo_base transactions doubles the thread's countdown (up to solo_max):
// under steady contention the retries fade out.  Thread exit and fork()
// free the word, so the survivors decide again at their next start.
#pragma once

#include <atomic>
#include <cstdint>

#include "hytm/core/platform.hpp"

namespace hytm {

// Per thread, in its context (thread_ctx::solo); the owner only.
struct solo_state {
  std::uint64_t run = 0;        // transactions run solo since the last claim
  std::uint32_t countdown = 0;  // contended starts left before the next claim
  std::uint32_t interval = 0;   // the countdown's length (0: not yet set)
  bool owned = false;           // this thread held the word when it last looked
};

inline constexpr std::uint32_t solo_base = 256;
inline constexpr std::uint32_t solo_max = 65536;
inline constexpr std::uintptr_t solo_free = 0;
inline constexpr std::uintptr_t solo_contended = 1;

struct alignas(cache_line) solo_word {
  std::atomic<std::uintptr_t> owner{solo_free};
  char pad_[cache_line - sizeof(std::atomic<std::uintptr_t>)] = {};
};
static_assert(sizeof(solo_word) == cache_line, "the solo word shares its line with nothing");

namespace detail {

// The process's one word (solo.cpp, in libhytm.so); exported for
// solo_held(), which policy.hpp inlines.
extern HYTM_API solo_word g_solo;

// Out of line: every case but "the word names me already".
bool solo_claim_slow(solo_state& s, std::uintptr_t me, std::uintptr_t seen) noexcept;

// solo_claim()'s contended case: the word `seen` is contended and this
// thread's countdown to claiming it again has not run out.  True: counted
// down, and the answer is "the normal policy" (no claim, no call).
inline bool solo_counting_down(solo_state& s, std::uintptr_t seen) noexcept {
  if (seen != solo_contended || s.owned || s.countdown <= 1) return false;
  --s.countdown;
  return true;
}

// True: run this top-level transaction on the serial path, solo.  `me` is
// the calling thread's context.  Relaxed: see above.
// solo_held(): the common case alone, the word names `me` already (false
// says nothing: ask solo_claim()).
// solo_names(): the same test, changing nothing (the run is then counted
// with ++s.run, as solo_held() does).
inline bool solo_names(const void* me) noexcept {
  return g_solo.owner.load(std::memory_order_relaxed) == reinterpret_cast<std::uintptr_t>(me);
}
inline bool solo_held(solo_state& s, const void* me) noexcept {
  if (!solo_names(me)) return false;
  ++s.run;
  return true;
}
inline bool solo_claim(solo_state& s, const void* me) noexcept {
  const auto m = reinterpret_cast<std::uintptr_t>(me);
  const std::uintptr_t seen = g_solo.owner.load(std::memory_order_relaxed);
  if (HYTM_LIKELY(seen == m)) {
    ++s.run;
    return true;
  }
  if (solo_counting_down(s, seen)) return false;
  return solo_claim_slow(s, m, seen);
}

// A transaction of this thread waits for the serial lock (before or after
// an attempt): if a thread runs solo, this one is a second thread that runs
// transactions, so mark the word contended, as a start that saw the owner
// would.  Without it the waiter rarely started at all: the solo thread takes
// the lock again at once after each of its serial transactions, so the
// waiter only spun, the owner ran 256 and more transactions solo before the
// waiter's next start saw the word, and the claim came back after every
// countdown (hytm-bench, list 0 % at 2 threads on a real RTM Xeon: 52 % of
// all commits solo and 0.65x the throughput with solo mode off).
inline void solo_contend() noexcept {
  std::uintptr_t seen = g_solo.owner.load(std::memory_order_relaxed);
  if (seen != solo_free && seen != solo_contended)
    g_solo.owner.compare_exchange_strong(seen, solo_contended, std::memory_order_relaxed);
}

// solo_counting_down() for a caller that has not loaded the word
// (policy.hpp's first_path(), after solo_held()): false says nothing and
// changes nothing (ask solo_claim()).
inline bool solo_still_contended(solo_state& s) noexcept {
  return solo_counting_down(s, g_solo.owner.load(std::memory_order_relaxed));
}

// Thread exit (context.cpp): frees the word if it names `me` or is
// contended, so that the threads left decide again.
void solo_release(const void* me) noexcept;
// In the child of a fork(): only the forking thread exists.
void solo_after_fork() noexcept;

}  // namespace detail
}  // namespace hytm
