#include "hytm/stm/orec.hpp"

#include "hytm/core/backoff.hpp"
#include "hytm/core/write_observer.hpp"
#include "hytm/stm/algorithm.hpp"
#include "seq_writer.hpp"

namespace hytm::stm {

orec_table g_orecs;

static_assert(software_algorithm<orec>);
static_assert(orec_table::locked > (std::uint64_t{1} << 63),
              "a locked orec must compare above every snapshot (one compare on the fast path)");

std::uint64_t orec::wait_even() noexcept { return seq_writer::wait_even(); }  // (O3)

namespace {

// An orec's version once no write-back holds it.  `locked` lasts only while
// the one writer that holds seq odd writes back (O4), which waits for nobody.
std::uint64_t unlocked_version(const std::atomic<std::uint64_t>& o) noexcept {
  backoff b;
  for (;;) {
    const std::uint64_t v = o.load(std::memory_order_acquire);  // (O3)
    if (v != orec_table::locked) return v;
    b.pause();
  }
}

}  // namespace

// (O5): the first logged piece that changed since the snapshot: its orec
// moved past it, or (values: a hardware commit was announced since) its
// value is not what was read.
const void* orec::first_invalid(bool values) const noexcept {
  return reads_.find_if([&](const void* p, std::size_t k, std::uint64_t v) {
    if (unlocked_version(orec_of(reinterpret_cast<std::uintptr_t>(p))) > snap_) return true;
    return values && pieces::load(p, k, std::memory_order_acquire) != v;
  });
}

// (O5): every check between two loads of (seq, external) that agree.
bool orec::revalidate() noexcept {
  if (doomed_) return false;
  for (;;) {
    const std::uint64_t s = wait_even();
    const std::uint64_t x = g_norec.external.load(std::memory_order_acquire);
    if (const void* changed = first_invalid(x != ext_snap_)) {
      conflict_addr_ = changed;
      doom(abort_reason::validation);
      return false;
    }
    if (g_norec.seq.load(std::memory_order_acquire) == s &&
        g_norec.external.load(std::memory_order_acquire) == x) {
      snap_ = s;
      ext_snap_ = x;
      slot_->advance();  // (A3), as NOrec
      return true;
    }
  }
}

bool orec::validate() noexcept {
  if (doomed_) return false;
  if (g_norec.seq.load(std::memory_order_acquire) == snap_ &&
      g_norec.external.load(std::memory_order_acquire) == ext_snap_)
    return true;
  return revalidate();
}

// A value of [p, p + k) consistent with the snapshot, moving the snapshot
// forward (O5) if its orec is newer or a hardware commit was announced;
// not logged.
read_result orec::read_checked(const void* p, std::size_t k) {
  std::atomic<std::uint64_t>& o = orec_of(reinterpret_cast<std::uintptr_t>(p));
  for (;;) {
    const std::uint64_t first = pieces::load(p, k, std::memory_order_acquire);  // (O0)
    if (g_norec.seq.load(std::memory_order_acquire) == snap_ &&
        g_norec.external.load(std::memory_order_acquire) == ext_snap_)
      return {first, true};
    const std::uint64_t before = unlocked_version(o);  // (O1)
    const std::uint64_t v = pieces::load(p, k, std::memory_order_acquire);
    if (o.load(std::memory_order_acquire) != before) continue;  // written meanwhile: again
    if (before <= snap_ && g_norec.external.load(std::memory_order_acquire) == ext_snap_)
      return {v, true};
    // The stripe was written after the snapshot, or hardware committed: a
    // snapshot at or past `before` (O3) if what was read still holds.
    if (!revalidate()) return {0, false};
  }
}

read_result orec::read_slow(const void* p, std::size_t k) {
  if (doomed_) return {0, false};
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  if (writes_.may_contain(a & ~std::uintptr_t{7})) return read_own(p, k);
  const read_result r = read_checked(p, k);
  if (r.ok) reads_.push(p, k, r.value);
  return r;
}

// A load of a word the transaction has written: its own bytes from the
// write set, any other byte from memory (logged).
read_result orec::read_own(const void* p, std::size_t k) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const write_set::entry* e = writes_.find(a & ~std::uintptr_t{7});
  const unsigned off = static_cast<unsigned>(a & 7);
  const auto want = static_cast<std::uint8_t>(((1u << k) - 1) << off);
  std::uint64_t mem = 0;
  if (!e || (e->mask & want) != want) {
    const read_result r = read_checked(p, k);
    if (!r.ok) return r;
    reads_.push(p, k, r.value);
    mem = r.value;
    if (!e) return {mem, true};
  }
  return {write_set::overlay(*e, off, k, mem), true};
}

// (O6).
bool orec::commit_writer() {
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
  const std::vector<write_set::entry>& w = writes_.entries();
  // (O2): relaxed, ordered before the data by the data's release stores.
  for (const write_set::entry& e : w) orec_of(e.word).store(orec_table::locked, std::memory_order_relaxed);
  writes_.write_back(std::memory_order_release);
  if (HYTM_UNLIKELY(g_write_observer != nullptr)) writes_.observe();
  for (const write_set::entry& e : w) orec_of(e.word).store(s + 2, std::memory_order_release);  // (O3)
  seq_writer::unlock(s, tag_);  // (O3), (N6)
  return true;
}

}  // namespace hytm::stm
