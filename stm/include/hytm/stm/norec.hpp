// norec.hpp: NOrec, the default software algorithm (Dalessandro, Spear,
// Scott, PPoPP 2010), extended with a second counter for commits that bypass
// it (hardware transactions; see docs/protocol.md).
//
// Shared state: two words, each on its own cache line.
//   seq       even: no software writer; odd: one is writing back.  Every
//             software writer commit adds 2 (acquire: +1, release: +1).
//   external  bumped by every commit made outside this algorithm (a hardware
//             transaction) while software transactions are running.
// A transaction takes a snapshot (seq, external) at start.  It is consistent
// as long as both are unchanged; when either moves, it re-reads every value
// it logged (value-based validation) and, if all match, moves its snapshot.
//
// Synchronization edges, each named where it is used:
//  (N1) a data load is acquire, so that (N2), the re-load of the snapshot
//       words that follows it, cannot be satisfied before it.  (On x86 both
//       are plain movs.)
//  (N3) validation loads values (acquire) between two snapshot loads; the
//       second must see every writer whose values the first part saw.
//  (N4) the writer's lock CAS is acq_rel; (N5) its write-back stores are
//       release, so a reader that sees one written value (N1) also sees seq
//       odd or later, and goes to validate; (N6) the unlock store of seq + 2
//       is release and pairs with the acquire loads of seq in (N2)/(N3).
//
// Opacity: every value a body receives was read under an unchanged snapshot,
// i.e. belongs to one consistent state, including in a transaction that will
// abort.  A doomed transaction's snapshot is set to an impossible value so
// that the fast path's single compare sends every later read to the slow path,
// which refuses it: a body that swallows an abort cannot read on.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "hytm/core/activity.hpp"
#include "hytm/core/platform.hpp"
#include "hytm/core/pieces.hpp"
#include "hytm/stm/read_log.hpp"
#include "hytm/stm/write_set.hpp"

namespace hytm::stm {

struct norec_globals {
  alignas(cache_line) std::atomic<std::uint64_t> seq{0};
  // The tag (a call-site id, for conflict attribution) of the last software
  // writer.  On seq's line: the commit writes that line anyway.
  std::atomic<std::uint32_t> last_writer{~0u};
  alignas(cache_line) std::atomic<std::uint64_t> external{0};
};
extern HYTM_API norec_globals g_norec;

// A load's value, or ok == false: the transaction is doomed.  Returned in
// two registers, so the fast path never spills the value to memory.
struct read_result {
  std::uint64_t value;
  bool ok;
};

// Why a software attempt failed.
enum class abort_reason : std::uint8_t {
  validation,  // a value it read changed while it ran
  lock,        // its commit found a value changed by a commit that won the lock first
  explicit_restart,  // tx.restart()
};

// (seq, external) as a transaction saw them at its start or last validation.
struct snapshot {
  std::uint64_t seq;
  std::uint64_t external;
};

class norec {
 public:
  static constexpr const char* name = "norec";

  // Starts an attempt.  The caller has entered `slot` already (the serial
  // handshake, (S3) in serial_lock.hpp, comes first).  An unlogged attempt
  // (a read-only site's, docs/stm.md) reads with read_unlogged() and keeps no
  // read log, so it cannot revalidate: when the snapshot moves it is doomed.
  void start(activity_slot* slot, std::uint32_t tag = ~0u, bool unlogged = false) noexcept {
    const std::uint64_t s = g_norec.seq.load(std::memory_order_acquire);  // (N6)
    bind(slot);
    start_at(unlogged, HYTM_LIKELY((s & 1) == 0) ? s : wait_even(),
             g_norec.external.load(std::memory_order_acquire));
    tag_ = tag;
  }
  // The activity slot the owner's attempts run in, which a revalidation
  // advances (A3).  The hybrid binds it once, when a thread claims its
  // context (context.cpp): the slot is the thread's for as long as the
  // context is, so start_at() stores nothing for it.
  void bind(activity_slot* slot) noexcept { slot_ = slot; }
  // start() from a snapshot the caller loaded: seq even and then external,
  // both acquire (N6), after the slot was entered.  (The hybrid's start
  // loads them once, for its stamp and for this.)  It names no writer:
  // commit_tagged() does, for an attempt that writes.
  void start_at(bool unlogged, std::uint64_t seq, std::uint64_t external) noexcept {
    doomed_ = false;
    unlogged_ = unlogged;
    conflict_addr_ = nullptr;
    snap_ = seq;
    ext_snap_ = external;
  }

  // Loads the piece [p, p + k).  !ok: the transaction is doomed and the
  // value must not be used.
  // The fast path (docs/stm.md has its instructions): load, compare both
  // snapshot words, one compare that says the read log has room and the
  // transaction has written nothing (read_log::fast()), two stores.  The
  // value is loaded before the write set is consulted: if the transaction
  // wrote the word, the slow path discards it and reads its own.
  [[gnu::always_inline]] read_result read(const void* p, std::size_t k) {
    std::uint64_t v;
    if (HYTM_LIKELY(read_fast(p, k, v))) return {v, true};
    return read_slow(p, k);
  }
  // The fast path alone: true, and v holds the value; false: call
  // read_slow().  Callers that test `ok` only after read_slow() keep the
  // fast path free of that test.
  [[gnu::always_inline]] bool read_fast(const void* p, std::size_t k, std::uint64_t& v) {
    return read_fast_at(p, k, v, {snap_, ext_snap_});
  }
  // The same against a copy of the snapshot kept by the caller (stm_tx's),
  // which may lag snap_ (then it misses), never lead it.
  [[gnu::always_inline]] bool read_fast_at(const void* p, std::size_t k, std::uint64_t& v, const snapshot& at) {
    if (HYTM_LIKELY(read_at_snapshot(p, k, v, at) && reads_.fast())) {
      reads_.push_fast(p, k, v);
      return true;
    }
    return false;
  }
  // Everything the fast path does not do: a doomed attempt, a word the
  // transaction may have written, a moved snapshot, a full read log.
  HYTM_API HYTM_NOINLINE read_result read_slow(const void* p, std::size_t k);
  // A load of an unlogged attempt: valid only while the snapshot has not
  // moved since start(), since nothing can be revalidated.  (N1)/(N2) as in
  // read().
  [[gnu::always_inline]] read_result read_unlogged(const void* p, std::size_t k) {
    std::uint64_t v;
    if (HYTM_LIKELY(read_at_snapshot(p, k, v, current_snapshot()))) return {v, true};
    return unlogged_moved();
  }
  // The same against a copy of the snapshot kept elsewhere (stm_ro_tx's).
  [[gnu::always_inline]] static bool read_at_snapshot(const void* p, std::size_t k, std::uint64_t& v,
                                                      const snapshot& at) {
    v = pieces::load(p, k, std::memory_order_acquire);  // (N1)
    return HYTM_LIKELY(g_norec.seq.load(std::memory_order_acquire) == at.seq &&  // (N2)
                       g_norec.external.load(std::memory_order_acquire) == at.external);
  }
  snapshot current_snapshot() const noexcept { return {snap_, ext_snap_}; }
  // A value of seq no snapshot holds and seq never reaches (2^63 commits):
  // a copy set to it makes every read miss.
  static constexpr std::uint64_t dead_seq = ~std::uint64_t{0};
  // (U1): the snapshot moved under an unlogged attempt (or it was doomed).
  HYTM_API HYTM_NOINLINE read_result unlogged_moved() noexcept;
  // The same, for callers that prefer an out parameter (the concept).
  bool read(const void* p, std::size_t k, std::uint64_t& v) {
    const read_result r = read(p, k);
    v = r.value;
    return r.ok;
  }

  // Buffers a store.  From the first one on, loads take the slow path, which
  // looks in the write set (read_log::close_fast).
  void write(void* p, std::size_t k, std::uint64_t v) {
    reads_.close_fast();
    writes_.put(p, k, v);
  }

  // Commits.  False: aborted (reason in last_abort()), nothing written.
  // Inline for read-only attempts, which have nothing to do: consistent at
  // their last snapshot, their serialization point.
  // The writer is named by the tag start() was given.
  bool commit() {
    return commit_tagged([this] { return tag_; });
  }
  // commit() for a caller that names the writer (the tag its unlock
  // publishes) only when there is a write to commit: tag() runs once, for
  // a writer, so a read-only commit skips its loads (the hybrid's site id:
  // three loads and a store of every read-only transaction before).
  template <class TagFn>
  bool commit_tagged(TagFn&& tag) {
    if (doomed_) return false;
    if (writes_.empty()) return true;
    tag_ = tag();
    // An unlogged attempt never commits a write: with no read log, the
    // writer's check under the lock (seq_writer::changed_under_lock) would
    // find nothing changed after a hardware commit moved `external`, and
    // write back what stale reads computed.  Its stores are refused before
    // they are buffered (stm_ro_tx, and the C interface's); this is the
    // backstop.
    if (HYTM_UNLIKELY(unlogged_)) {
      doom(abort_reason::validation);
      return false;
    }
    return commit_writer();
  }
  // Re-checks consistency now (before letting a user exception escape).
  HYTM_API bool validate() noexcept;
  // Discards the attempt's reads and writes.
  void rollback() noexcept {
    reads_.clear();
    writes_.clear();
  }
  void doom(abort_reason why) noexcept {
    doomed_ = true;
    last_abort_ = why;
    snap_ = dead_seq;  // every read goes slow
  }
  bool doomed() const noexcept { return doomed_; }
  abort_reason last_abort() const noexcept { return last_abort_; }
  bool read_only() const noexcept { return writes_.empty(); }
  bool unlogged() const noexcept { return unlogged_; }

  const read_log& reads() const noexcept { return reads_; }
  const write_set& writes() const noexcept { return writes_; }
  // The address whose change doomed the attempt (for conflict attribution);
  // null if not known.
  const void* conflict_address() const noexcept { return conflict_addr_; }

 private:
  HYTM_API static std::uint64_t wait_even() noexcept;
  HYTM_API bool commit_writer();
  HYTM_API HYTM_NOINLINE read_result read_extend(const void* p, std::size_t k);
  HYTM_API HYTM_NOINLINE read_result read_own(const void* p, std::size_t k);
  bool revalidate() noexcept;

  // hytm.h's inline software load reads the four words below by offset
  // (hytm_detail_norec in hytm/detail/c_tx.h); c_api.cpp checks them.
  friend struct c_view;

  // The fast path's words first, on one line: the snapshot and the read
  // log's end and fast limit.
  std::uint64_t snap_ = 0;
  std::uint64_t ext_snap_ = 0;
  read_log reads_;
  std::uint32_t tag_ = ~0u;
  activity_slot* slot_ = nullptr;
  bool doomed_ = false;
  bool unlogged_ = false;
  abort_reason last_abort_ = abort_reason::validation;
  const void* conflict_addr_ = nullptr;
  write_set writes_;
};

}  // namespace hytm::stm
