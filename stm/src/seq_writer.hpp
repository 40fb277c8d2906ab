// seq_writer.hpp: the software writer's side of the sequence lock, shared by
// NOrec (norec.cpp) and the orec algorithm (orec.cpp), whose writers hold
// g_norec.seq odd for their write-back in exactly the same way.  Internal to
// stm/src: the labels are NOrec's (norec.hpp, docs/protocol.md); orec.hpp's
// (O6) is this sequence with its orec stores inside the write-back.
#pragma once

#include <atomic>
#include <cstdint>

#include "hytm/core/backoff.hpp"
#include "hytm/core/write_observer.hpp"
#include "hytm/stm/norec.hpp"
#include "hytm/stm/read_log.hpp"
#include "hytm/stm/write_set.hpp"

namespace hytm::stm::seq_writer {

// The first even value of seq from now on: no write-back in progress.
inline std::uint64_t wait_even() noexcept {
  backoff b;
  for (;;) {
    const std::uint64_t s = g_norec.seq.load(std::memory_order_acquire);  // (N6)
    if ((s & 1) == 0) return s;
    b.pause();
  }
}

// Takes seq from the snapshot s to s + 1 for a write-back, and returns s in
// `s`; false: a revalidation failed (the caller counts a lock abort).
// Everything but the write-back is done before the lock:
//  - a snapshot that moved is revalidated first, outside the lock, so that
//    the CAS succeeds at its first try and the check of `external` under the
//    lock finds nothing to re-read, unless a commit slips in between;
//  - the lines to be written are requested in exclusive state.
// `snap` and `ext_snap` are the caller's snapshot words, which revalidate()
// moves.
template <class Revalidate>
[[gnu::always_inline]] inline bool lock(const std::uint64_t& snap, const std::uint64_t& ext_snap, write_set& writes,
          Revalidate&& revalidate, std::uint64_t& s) {
  if (g_norec.seq.load(std::memory_order_acquire) != snap ||
      g_norec.external.load(std::memory_order_acquire) != ext_snap) {
    if (!revalidate()) return false;
  }
  writes.prefetch_for_write();
  s = snap;
  // (N4): acq_rel, from our snapshot; if another writer got there first,
  // revalidate against its writes and try from the new one.
  while (!g_norec.seq.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
    if (!revalidate()) return false;
    s = snap;
  }
  observe_write(&g_norec.seq, sizeof g_norec.seq);  // a model of the cache sees it
  return true;
}

// Under the lock taken at s: seq is odd, so hardware transactions in flight
// had read it and abort, and new ones see it odd and do not start.  So
// `external` can no longer move, and one check of it (plus values if it
// moved) closes the window since the last validation.  Returns the first
// logged piece whose value changed, having released the lock with nothing
// written ((N6)); null: go on to the write-back.
[[gnu::always_inline]] inline const void* changed_under_lock(std::uint64_t ext_snap, const read_log& reads,
                                      std::uint64_t s) noexcept {
  if (g_norec.external.load(std::memory_order_acquire) == ext_snap) return nullptr;
  const void* changed = reads.first_changed();
  if (changed) {
    g_norec.seq.store(s + 2, std::memory_order_release);  // (N6): nothing written
    observe_write(&g_norec.seq, sizeof g_norec.seq);
  }
  return changed;
}

// After the write-back: the last-writer hint (on seq's line, which this
// store writes anyway) and the release of seq + 2 ((N6)), which publishes
// the write-back to every acquire load of seq.
[[gnu::always_inline]] inline void unlock(std::uint64_t s, std::uint32_t tag) noexcept {
  g_norec.last_writer.store(tag, std::memory_order_relaxed);  // a hint only
  g_norec.seq.store(s + 2, std::memory_order_release);  // (N6)
  observe_write(&g_norec.seq, sizeof g_norec.seq);
}

}  // namespace hytm::stm::seq_writer
