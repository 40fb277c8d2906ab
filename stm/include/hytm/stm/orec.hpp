// orec.hpp: the second software algorithm, ownership records in the TL2
// family (Dice, Shalev, Shavit, DISC 2006), built for the hybrid: chosen for
// a whole process with HYTM_STM=orec (NOrec stays the default).
//
// What differs from NOrec (norec.hpp) is what a reader does once a software
// writer has committed since its snapshot.  A NOrec reader then revalidates
// everything it read.  Here it checks the ownership record (orec) of each
// stripe it loads from then on: only a commit that wrote a stripe the reader
// touches makes it revalidate.  While nothing has committed, a load is
// NOrec's (O0).  The writers' side stays NOrec's: buffered writes, and a
// write-back made while holding `seq` odd, plus the orec stores around it.
//
// Shared state:
//   g_orecs    2^orec_bits words.  An orec holds the `seq` value that the
//              last commit writing one of its stripes released (an even
//              number, its version), or `locked` while that commit writes
//              back.  A stripe is orec_stripe bytes (aligned); the stripe
//              number is hashed multiplicatively, so every address bit picks
//              the orec (glibc's per-thread arenas place two threads' fresh
//              nodes at addresses that agree in their low bits: a low-bits
//              table would make them conflict; RTM-FACTS.md).
//   g_norec.seq, g_norec.external: NOrec's words, with NOrec's meaning.
//              seq is the version clock: every writer commit moves it from
//              its even snapshot s to s + 1 (write-back) and s + 2, and gives
//              its orecs the version s + 2.  Hardware transactions subscribe
//              to it exactly as with NOrec (docs/protocol.md, (H2)).
// A transaction's snapshot is (seq, external), taken at start as NOrec's.
//
// Invariants and synchronization edges, each named where it is used:
//  (O0) A load first tries NOrec's check: the value (acquire), then seq and
//       external (acquire); if both still hold the snapshot, no write-back
//       and no announced hardware commit happened since it ((N1)/(N2) in
//       norec.hpp), and the value is the snapshot's.  Only once a commit
//       moved them does a load look at its orec, (O1): a commit elsewhere
//       costs a reader one orec check per later load, not a revalidation.
//  (O1) The orec (acquire), the value (acquire), the orec again (acquire).
//       The value is accepted only if both orec loads returned the same
//       version, not above the snapshot, and `external` still equals the
//       snapshot's.  The acquires keep the three loads in this order.
//  (O2) A writer stores `locked` to each orec it will write before its first
//       data store; the data stores are release, so a reader whose value
//       load sees a written value sees `locked` (or the new version) at its
//       second orec load and refuses the value.
//  (O3) After its data stores a writer stores the version s + 2 to its orecs
//       (release) and then s + 2 to seq (release, NOrec's (N6)).  A reader
//       that acquires a version v sees the data written under it, and any
//       later load of seq returns at least v - 1 (so waiting for seq even
//       gives a snapshot >= v).
//  (O4) A version is changed only by a write-back, which happens only while
//       seq is odd, i.e. by one writer at a time (NOrec's (N4)).  Hence a
//       version above the snapshot means "written since the snapshot", and
//       an orec's version never exceeds seq.
//  (O5) Revalidation (a version above the snapshot, `external` moved, a
//       writer's commit): wait for seq even (s), load external (x); every
//       logged piece's orec must still be at most the old snapshot and, if
//       `external` moved since it, every logged value must still be in
//       memory (hardware commits update no orec: DESIGN rule 2); then seq
//       and external are loaded again and, if unchanged, (s, x) is the new
//       snapshot and the activity slot advances ((A3), as NOrec).
//  (O6) The writer's commit: revalidate if either snapshot word moved; CAS
//       seq from the snapshot to snapshot + 1 (acq_rel; if another writer got
//       there first, revalidate and retry from the new one).  Holding seq
//       odd, no hardware transaction can commit, so one check of `external`
//       (and of the values if it moved) closes the window; then (O2), the
//       write-back, (O3).
//
// Opacity: every value a body receives was read while (seq, external) still
// held the snapshot (O0), or with its orec at a version not above the
// snapshot (so it was the value at the snapshot, (O4)) and no hardware
// commit announced since the snapshot (O1), and every earlier
// value was revalidated at the snapshot: the values belong to one state.  A
// doomed attempt's `external` snapshot is set to a value the counter never
// reaches, so the fast path's compare sends every later read to the slow
// path, which refuses it.
//
// Not built here: unlogged read-only attempts (a TL2 read-only transaction
// needs no log, but the hybrid's rule 2 needs the values when `external`
// moves; NOrec's stm_ro_tx mode stays NOrec's), and parallel write-back
// (seq as a count of writers in write-back, each holding its orecs):
// docs/stm.md.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "hytm/core/activity.hpp"
#include "hytm/core/platform.hpp"
#include "hytm/core/pieces.hpp"
#include "hytm/stm/norec.hpp"
#include "hytm/stm/read_log.hpp"
#include "hytm/stm/write_set.hpp"

namespace hytm::stm {

inline constexpr unsigned orec_bits = 20;         // 2^20 orecs, 8 MiB (TinySTM's default count)
inline constexpr unsigned orec_stripe_shift = 5;  // 32-byte stripes: a small node's fields share one

struct orec_table {
  // Above every version: a version is a value of seq, which stays below 2^63.
  static constexpr std::uint64_t locked = ~std::uint64_t{0};
  alignas(cache_line) std::atomic<std::uint64_t> words[std::size_t{1} << orec_bits];
};
extern HYTM_API orec_table g_orecs;

// The orec of the stripe holding address a: the stripe number times the
// 64-bit golden ratio, top orec_bits bits (Fibonacci hashing: every bit of
// the address moves the result).
[[gnu::always_inline]] inline std::atomic<std::uint64_t>& orec_of(std::uintptr_t a) noexcept {
  const std::uint64_t h = ((a >> orec_stripe_shift) * 0x9E3779B97F4A7C15ull) >> (64 - orec_bits);
  return g_orecs.words[h];
}

class orec {
 public:
  static constexpr const char* name = "orec";

  // Starts an attempt (the caller has entered `slot`, as for NOrec).  No
  // unlogged mode: `unlogged` must be false.
  void start(activity_slot* slot, std::uint32_t tag = ~0u, bool unlogged = false) noexcept {
    const std::uint64_t s = g_norec.seq.load(std::memory_order_acquire);  // (O3)
    bind(slot);
    start_at(unlogged, HYTM_LIKELY((s & 1) == 0) ? s : wait_even(),
             g_norec.external.load(std::memory_order_acquire));
    tag_ = tag;
  }
  // As NOrec's bind().
  void bind(activity_slot* slot) noexcept { slot_ = slot; }
  // start() from a snapshot the caller loaded, as NOrec's start_at() (O3);
  // the writer's tag comes with commit_tagged(), as NOrec's.
  void start_at(bool unlogged, std::uint64_t seq, std::uint64_t external) noexcept {
    (void)unlogged;
    doomed_ = false;
    conflict_addr_ = nullptr;
    snap_ = seq;
    ext_snap_ = external;
  }

  [[gnu::always_inline]] read_result read(const void* p, std::size_t k) {
    std::uint64_t v;
    if (HYTM_LIKELY(read_fast(p, k, v))) return {v, true};
    return read_slow(p, k);
  }
  // The fast path, (O0): while no commit has moved (seq, external) since
  // the snapshot, NOrec's check says the value is the snapshot's, and the
  // orec need not be looked at; then an append to the read log
  // (read_log::fast(): room, and nothing written yet).  Once seq moved,
  // read_slow() checks the orec (O1).
  [[gnu::always_inline]] bool read_fast(const void* p, std::size_t k, std::uint64_t& v) {
    return read_fast_at(p, k, v, {snap_, ext_snap_});
  }
  // The same against the tx object's copy of the snapshot, which may lag
  // (snap_, ext_snap_), never lead them (as NOrec's, norec::read_fast_at).
  [[gnu::always_inline]] bool read_fast_at(const void* p, std::size_t k, std::uint64_t& v, const snapshot& at) {
    if (HYTM_LIKELY(norec::read_at_snapshot(p, k, v, at) && reads_.fast())) {  // (O0)
      reads_.push_fast(p, k, v);
      return true;
    }
    return false;
  }
  snapshot current_snapshot() const noexcept { return {snap_, ext_snap_}; }
  HYTM_API HYTM_NOINLINE read_result read_slow(const void* p, std::size_t k);
  bool read(const void* p, std::size_t k, std::uint64_t& v) {
    const read_result r = read(p, k);
    v = r.value;
    return r.ok;
  }

  void write(void* p, std::size_t k, std::uint64_t v) {
    reads_.close_fast();
    writes_.put(p, k, v);
  }

  // The writer is named by the tag start() was given.
  bool commit() {
    return commit_tagged([this] { return tag_; });
  }
  // NOrec's commit_tagged(): tag() only for a writer.
  template <class TagFn>
  bool commit_tagged(TagFn&& tag) {
    if (doomed_) return false;
    if (writes_.empty()) return true;  // consistent at its last snapshot
    tag_ = tag();
    return commit_writer();
  }
  HYTM_API bool validate() noexcept;
  void rollback() noexcept {
    reads_.clear();
    writes_.clear();
  }
  void doom(abort_reason why) noexcept {
    doomed_ = true;
    last_abort_ = why;
    ext_snap_ = ~std::uint64_t{0};  // external never gets there: every read goes slow
  }
  bool doomed() const noexcept { return doomed_; }
  abort_reason last_abort() const noexcept { return last_abort_; }
  bool read_only() const noexcept { return writes_.empty(); }
  static constexpr bool unlogged() noexcept { return false; }

  const read_log& reads() const noexcept { return reads_; }
  const write_set& writes() const noexcept { return writes_; }
  const void* conflict_address() const noexcept { return conflict_addr_; }

 private:
  HYTM_API static std::uint64_t wait_even() noexcept;
  HYTM_API bool commit_writer();
  HYTM_API HYTM_NOINLINE read_result read_own(const void* p, std::size_t k);
  read_result read_checked(const void* p, std::size_t k);
  bool revalidate() noexcept;
  const void* first_invalid(bool values) const noexcept;

  // The fast path's words first: the snapshot and the read log's end and
  // fast limit.
  std::uint64_t snap_ = 0;
  std::uint64_t ext_snap_ = 0;
  read_log reads_;
  std::uint32_t tag_ = ~0u;
  activity_slot* slot_ = nullptr;
  bool doomed_ = false;
  abort_reason last_abort_ = abort_reason::validation;
  const void* conflict_addr_ = nullptr;
  write_set writes_;
};

}  // namespace hytm::stm
