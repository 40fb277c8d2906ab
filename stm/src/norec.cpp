#include "hytm/stm/norec.hpp"

#include "hytm/core/write_observer.hpp"
#include "hytm/stm/algorithm.hpp"
#include "seq_writer.hpp"

namespace hytm::stm {

norec_globals g_norec;

static_assert(software_algorithm<norec>);

std::uint64_t norec::wait_even() noexcept { return seq_writer::wait_even(); }

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

// seq is odd, and every other transaction's reads go to their slow path,
// only for the write-back (N5): seq_writer.hpp has the steps around it.
bool norec::commit_writer() {
  std::uint64_t s;
  if (!seq_writer::lock(snap_, ext_snap_, writes_, [&] { return revalidate(); }, s)) {
    last_abort_ = abort_reason::lock;
    return false;
  }
  if (const void* changed = seq_writer::changed_under_lock(ext_snap_, reads_, s)) {
    conflict_addr_ = changed;
    doom(abort_reason::lock);
    return false;
  }
  writes_.write_back(std::memory_order_release);  // (N5)
  if (HYTM_UNLIKELY(g_write_observer != nullptr)) writes_.observe();
  seq_writer::unlock(s, tag_);
  return true;
}

}  // namespace hytm::stm
