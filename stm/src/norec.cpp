#include "hytm/stm/norec.hpp"

#include "hytm/core/backoff.hpp"
#include "hytm/core/write_observer.hpp"
#include "hytm/stm/algorithm.hpp"

namespace hytm::stm {

norec_globals g_norec;

static_assert(software_algorithm<norec>);

std::uint64_t norec::wait_even() noexcept {
  backoff b;
  for (;;) {
    const std::uint64_t s = g_norec.seq.load(std::memory_order_acquire);  // (N6)
    if ((s & 1) == 0) return s;
    b.pause();
  }
}

// Waits out a writer, re-reads every logged value and, if all still match,
// moves the snapshot.  (N3): the value loads are acquire and sit between the
// two loads of each snapshot word.
bool norec::revalidate() noexcept {
  if (doomed_) return false;
  if (unlogged_) {
    // Nothing to re-read: an unlogged attempt is consistent only at its
    // first snapshot (docs/stm.md, (U1)).
    doom(abort_reason::validation);
    return false;
  }
  for (;;) {
    const std::uint64_t s = wait_even();
    const std::uint64_t x = g_norec.external.load(std::memory_order_acquire);
    if (const void* changed = reads_.first_changed()) {
      conflict_addr_ = changed;
      doom(abort_reason::validation);
      return false;
    }
    if (g_norec.seq.load(std::memory_order_acquire) == s &&
        g_norec.external.load(std::memory_order_acquire) == x) {
      snap_ = s;
      ext_snap_ = x;
      // (A3): what we read before this point happens-before a quiescing
      // writer's later plain writes.
      slot_->advance();
      return true;
    }
  }
}

bool norec::validate() noexcept {
  if (doomed_) return false;
  if (g_norec.seq.load(std::memory_order_acquire) == snap_ &&
      g_norec.external.load(std::memory_order_acquire) == ext_snap_)
    return true;
  return revalidate();
}

read_result norec::read_slow(const void* p, std::size_t k) {
  if (doomed_) return {0, false};
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  if (writes_.may_contain(a & ~std::uintptr_t{7})) return read_own(p, k);
  const std::uint64_t v = pieces::load(p, k, std::memory_order_acquire);  // (N1)
  if (g_norec.seq.load(std::memory_order_acquire) != snap_ ||  // (N2)
      g_norec.external.load(std::memory_order_acquire) != ext_snap_)
    return read_extend(p, k);
  reads_.push(p, k, v);
  return {v, true};
}

read_result norec::unlogged_moved() noexcept {
  if (!doomed_) doom(abort_reason::validation);
  return {0, false};
}

read_result norec::read_extend(const void* p, std::size_t k) {
  if (doomed_) return {0, false};
  for (;;) {
    if (!revalidate()) return {0, false};
    const std::uint64_t v = pieces::load(p, k, std::memory_order_acquire);  // (N1)
    if (g_norec.seq.load(std::memory_order_acquire) == snap_ &&
        g_norec.external.load(std::memory_order_acquire) == ext_snap_) {
      reads_.push(p, k, v);
      return {v, true};
    }
  }
}

// A load of a word the transaction has written: its own bytes come from the
// write set; any byte it has not written comes from memory and is logged.
read_result norec::read_own(const void* p, std::size_t k) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const write_set::entry* e = writes_.find(a & ~std::uintptr_t{7});
  const unsigned off = static_cast<unsigned>(a & 7);
  const auto want = static_cast<std::uint8_t>(((1u << k) - 1) << off);
  std::uint64_t mem = 0;
  if (!e || (e->mask & want) != want) {
    if (doomed_) return {0, false};
    mem = pieces::load(p, k, std::memory_order_acquire);  // (N1)
    if (g_norec.seq.load(std::memory_order_acquire) != snap_ ||
        g_norec.external.load(std::memory_order_acquire) != ext_snap_) {
      const read_result r = read_extend(p, k);
      if (!r.ok) return r;
      mem = r.value;
    } else {
      reads_.push(p, k, mem);
    }
    if (!e) return {mem, true};
  }
  return {write_set::overlay(*e, off, k, mem), true};
}

bool norec::commit_writer() {
  // seq is odd, and every other transaction's reads go to their slow path,
  // only for the write-back: everything else is done before the lock.
  //  - A snapshot that moved is revalidated now, outside the lock, so that
  //    the CAS below succeeds at its first try and the check of `external`
  //    under the lock finds nothing to re-read, unless a commit slips in
  //    between.
  //  - The lines to be written are requested in exclusive state.
  if (g_norec.seq.load(std::memory_order_acquire) != snap_ ||
      g_norec.external.load(std::memory_order_acquire) != ext_snap_) {
    if (!revalidate()) {
      last_abort_ = abort_reason::lock;
      return false;
    }
  }
  writes_.prefetch_for_write();
  std::uint64_t s = snap_;
  // (N4): take the sequence lock from our snapshot; if another writer got
  // there first, revalidate against its writes and try from the new one.
  while (!g_norec.seq.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
    if (!revalidate()) {
      last_abort_ = abort_reason::lock;
      return false;
    }
    s = snap_;
  }
  observe_write(&g_norec.seq, sizeof g_norec.seq);  // a model of the cache sees it
  // seq is odd now: hardware transactions in flight had read it and abort;
  // new ones see it odd and do not start.  So `external` can no longer move,
  // and one check of it (plus values if it moved) closes the window since our
  // last validation.
  if (g_norec.external.load(std::memory_order_acquire) != ext_snap_) {
    if (const void* changed = reads_.first_changed()) {
      g_norec.seq.store(s + 2, std::memory_order_release);  // (N6): nothing written
      observe_write(&g_norec.seq, sizeof g_norec.seq);
      conflict_addr_ = changed;
      doom(abort_reason::lock);
      return false;
    }
  }
  writes_.write_back(std::memory_order_release);  // (N5)
  if (HYTM_UNLIKELY(g_write_observer != nullptr)) writes_.observe();
  g_norec.last_writer.store(tag_, std::memory_order_relaxed);  // a hint only
  g_norec.seq.store(s + 2, std::memory_order_release);  // (N6)
  observe_write(&g_norec.seq, sizeof g_norec.seq);
  return true;
}

}  // namespace hytm::stm
