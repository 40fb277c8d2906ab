// serial_lock.hpp: the lock of the serial irrevocable path.
//
// A transaction on the serial path takes this lock, waits until no other
// transaction runs, then runs alone: it cannot conflict, so it may do I/O.
//
// Invariants (relied on by hybrid/ and argued in docs/protocol.md):
//  (S1) word_ != 0 exactly while one thread owns the serial path or is
//       acquiring it; owners are serialized by the CAS in lock().
//  (S2) No hardware transaction commits while word_ != 0.  Every hardware
//       transaction loads word_ right after xbegin (its subscription) and
//       aborts if it is set; the store that sets it is a write to a line in
//       the read set of every hardware transaction already running, so they
//       all abort.  The lemming rule: a thread waits until word_ == 0 before
//       it calls xbegin again (wait_until_free()).
//  (S3) No software (or emulated) transaction is active while the owner
//       runs.  A software transaction enters its activity slot (seq_cst,
//       (A1) in core/activity.hpp) and then loads word_ (seq_cst, (A2)); if
//       set, it leaves and waits.  lock() sets word_ (seq_cst CAS) and then
//       drains every slot (seq_cst loads).  By the single total order of
//       seq_cst operations, either the transaction sees word_ set and backs
//       out, or the drain sees its slot active and waits for it to leave.
//  (S4) unlock() is a release store, and every path that starts after it
//       acquires word_ == 0 (subscription or (A2)), so all of the serial
//       transaction's plain writes happen-before anything that follows.
#pragma once

#include <atomic>
#include <cstdint>

#include "hytm/core/activity.hpp"
#include "hytm/core/backoff.hpp"
#include "hytm/core/platform.hpp"
#include "hytm/core/write_observer.hpp"

namespace hytm {

class alignas(cache_line) serial_lock {
 public:
  // Takes the lock and drains every software transaction but `self`'s.
  // Inline: the first CAS, which is all an uncontended lock needs, and the
  // drain, one load per slot; a call only to wait.
  void lock(const activity_slot* self) noexcept {
    std::uint32_t expected = 0;
    // seq_cst: (S3) needs this store in the single total order before the
    // drain's loads; its partners are the software side's (A1) store and
    // (A2) load.  A failed CAS orders nothing: lock_contended() retries.
    if (HYTM_UNLIKELY(!word_.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)))
      return lock_contended(self);
    drain_others(self);
  }
  // After the CAS: tells the RTM model, then waits until every other slot
  // is idle (S3; the drain's loads are seq_cst).
  void drain_others(const activity_slot* self) noexcept {
    observe_write(&word_, sizeof word_);  // emulated transactions subscribed to it
    activity().drain(self);
  }
  // lock()'s case that makes no call: the CAS succeeds, no model watches
  // the word, and the drain finds every other slot idle.  False: the lock
  // is not held (released again if the drain would have waited) and
  // nothing else changed; take lock() instead.  The same orders as lock().
  bool try_lock_idle(const activity_slot* self) noexcept {
    if (HYTM_UNLIKELY(g_write_observer != nullptr)) return false;
    std::uint32_t expected = 0;
    if (HYTM_UNLIKELY(!word_.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)))
      return false;
    if (HYTM_LIKELY(activity().others_idle(self))) return true;
    unlock();
    return false;
  }
  void unlock() noexcept { word_.store(0, std::memory_order_release); }  // (S4)

  // For the hardware subscription (S2): a relaxed load suffices inside an
  // RTM region, where the hardware orders it and tracks the line.
  bool held_relaxed() const noexcept { return word_.load(std::memory_order_relaxed) != 0; }
  // (A2): the software side of the Dekker handshake (S3).
  bool held_for_software() const noexcept { return word_.load(std::memory_order_seq_cst) != 0; }
  // Acquire: pairs with unlock() (S4).
  void wait_until_free() const noexcept {
    spin_until([&] { return word_.load(std::memory_order_acquire) == 0; });
  }
  // The lock word's address, for tools that model hardware conflicts.
  const void* address() const noexcept { return &word_; }

 private:
  [[gnu::cold]] HYTM_API void lock_contended(const activity_slot* self) noexcept;

  std::atomic<std::uint32_t> word_{0};
  char pad_[cache_line - sizeof(std::atomic<std::uint32_t>)] = {};
};
static_assert(sizeof(serial_lock) == cache_line, "the serial lock shares its line with nothing");

// The process's one serial lock (in libhytm.so, so one per process).
extern HYTM_API serial_lock g_serial_lock;

}  // namespace hytm
