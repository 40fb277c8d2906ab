// activity.hpp: one word per thread saying whether, and how far, the thread
// is inside a software-visible transaction.
//
// Two waits in hytm are built on these words, and nothing else:
//   - the serial path *drains*: after taking the serial lock it waits until
//     every slot is idle (no software or emulated transaction is running);
//   - a software writer *quiesces* after its commit: it waits until every
//     transaction that was running when it committed has either finished or
//     revalidated (and so can no longer act on what the commit unlinked).
//     That makes privatization safe and lets frees be reclaimed right after.
//
// Slot word layout (64 bits):
//     0                       idle
//     (progress << 1) | 1     active; progress grows at every enter() and
//                             every successful revalidation (advance())
// A waiter that saw an odd word w is released as soon as the word differs
// from w: the owner then either left, or revalidated after the waiter's
// commit, or started anew after it.
//
// Start stamps.  Beside the word, a slot holds two stamps: lower bounds of
// the clocks (the hybrid's software commit sequence and its external-commit
// counter) that the owner's current transaction started from, written by the
// owner at each start (A5).  A quiescer whose commit moved clock k to c need
// not wait for a transaction whose stamp k is >= c: that transaction started
// after the commit, so it cannot hold a pointer the commit unlinked.  A stamp
// left over from an earlier transaction of the same slot is smaller than the
// current one's (the clocks only grow), so reading a stale stamp can only make
// the quiescer wait when it need not, never the reverse.
//
// Slots are never freed: a thread that exits gives its slot back for reuse,
// so the registry is a list that only grows, and walking it needs no lock.
#pragma once

#include <atomic>
#include <cstdint>

#include "hytm/core/platform.hpp"

namespace hytm {

struct alignas(cache_line) activity_slot {
  std::atomic<std::uint64_t> word{0};
  std::atomic<bool> claimed{false};
  activity_slot* next = nullptr;  // written once, before the slot is published
  std::uint64_t progress = 0;     // owner only

  // (A1) seq_cst store: it is one half of a Dekker handshake with the serial
  // lock.  The owner then loads the serial lock word (seq_cst, (A2) in
  // serial_lock.hpp); the serial path stores the lock word and then loads
  // this slot (both seq_cst).  In the single total order at least one side
  // sees the other, so they never both proceed.
  void enter() noexcept {
    ++progress;
    word.store((progress << 1) | 1, std::memory_order_seq_cst);
  }
  // (A3) release: whatever the owner read before revalidating happens-before
  // the waiter's acquire load that sees the new word, so a privatizer's plain
  // writes after the wait cannot race with those reads.
  void advance() noexcept {
    ++progress;
    word.store((progress << 1) | 1, std::memory_order_release);
  }
  // (A4) release, for the same reason as (A3), and so that the serial path,
  // whose drain load acquires the 0, sees every effect of the transaction.
  void leave() noexcept { word.store(0, std::memory_order_release); }
  bool active() const noexcept { return word.load(std::memory_order_relaxed) & 1; }

  // (A5) release, after enter(): a quiescer that acquires a stamp written by
  // a later transaction of this slot also sees the earlier one's leave()
  // (program order), so that transaction's reads happen-before the
  // quiescer's plain writes, as with (A4).
  void stamp(std::uint64_t clock0, std::uint64_t clock1) noexcept {
    stamps[0].store(clock0, std::memory_order_release);
    stamps[1].store(clock1, std::memory_order_release);
  }
  std::atomic<std::uint64_t> stamps[2] = {0, 0};
};

class HYTM_API activity_registry {
 public:
  // A slot for the calling thread (reused where one was given back).
  activity_slot* claim();
  void give_back(activity_slot* s) noexcept;

  // Waits until every slot but `self` is idle.  The word loads are seq_cst,
  // the other half of (S3) with (A1)'s store; the head's acquire pairs with
  // claim()'s release CAS, so a new slot's `next` is seen initialized.
  // Inline: the serial path's drain (serial_lock.hpp) is one loop, with a
  // call only to wait.
  void drain(const activity_slot* self) const noexcept {
    for (activity_slot* s = head_.load(std::memory_order_acquire); s; s = s->next)
      if (s != self && HYTM_UNLIKELY(s->word.load(std::memory_order_seq_cst) & 1)) wait_idle(*s);
  }
  // drain()'s case with nothing to wait for: true when every slot but
  // `self` is idle, by the same seq_cst loads, so that a true answer after
  // the serial lock's CAS is the drain done (S3).
  bool others_idle(const activity_slot* self) const noexcept {
    for (activity_slot* s = head_.load(std::memory_order_acquire); s; s = s->next)
      if (s != self && HYTM_UNLIKELY(s->word.load(std::memory_order_seq_cst) & 1)) return false;
    return true;
  }
  // Waits until every slot but `self` that is active now has advanced or
  // left.  Acquire loads pair with (A3)/(A4).
  void quiesce(const activity_slot* self) const noexcept;
  // The same, but does not wait for a slot whose stamp `clock` is at least
  // `value`: it started after the commit that moved the clock to `value`.
  // Acquire loads pair with (A3)/(A4)/(A5).
  void quiesce_before(const activity_slot* self, int clock, std::uint64_t value) const noexcept;

  // In the child of a fork(): every slot but `keep` belonged to a thread
  // that does not exist there; all are made idle and free.  Only the forking
  // thread runs, so plain stores suffice.
  void reset_after_fork(const activity_slot* keep) noexcept;

  template <class F>
  void for_each(F&& f) const {
    for (activity_slot* s = head_.load(std::memory_order_acquire); s; s = s->next) f(*s);
  }

 private:
  // Spins until s is idle (seq_cst, as in drain()).
  static void wait_idle(const activity_slot& s) noexcept;
  std::atomic<activity_slot*> head_{nullptr};
};

// The process's registry: constant-initialized (no guard, usable before
// main and in static destructors), reached without a call.
extern HYTM_API activity_registry g_activity;
inline activity_registry& activity() noexcept { return g_activity; }

}  // namespace hytm
