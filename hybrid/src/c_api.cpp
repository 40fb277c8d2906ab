// The C interface (hytm/hytm.h).
//
// One attempt implementation: the C paths call the same attempt steps as
// hytm::atomic (hybrid/protocol.hpp: htm_start, htm_commit, the software and
// serial starts, and the out-of-line epilogues), so the protocol stands in
// one place.  What differs is only how an attempt ends early:
//
// A C transaction cannot be left by a C++ exception (the C frames between
// have no unwind tables), so the software and serial paths restart with a
// jump to the restart point, in the caller's frame (or in
// hytm_atomic_named): GCC's __builtin_longjmp to the __builtin_setjmp that
// HYTM_BEGIN made before hytm_block_begin_frame (hytm_tx::gnu_env), else
// siglongjmp to its sigsetjmp.  __builtin_setjmp saves only the frame
// pointer, the resume address and the stack pointer: the compiler treats
// every register as clobbered at the resume point and keeps the function's
// variables in its frame, so nothing else needs saving; the skipped frames
// hold no destructors (below), and the signal mask is not part of a
// restart (hytm.h).  The frames skipped are the C
// body's and those of the small functions below, none of which holds an
// object with a destructor.  A C++ hytm::atomic nested in a C transaction
// catches its own abort and jumps the same way (run.hpp, nested()).
//
// A hardware attempt needs no jump: block_attempt() executes xbegin (inline,
// htm_start) and returns into the block; on abort the CPU resumes right after
// that xbegin, with the registers of that point and every store since rolled
// back, the stack included, so block_attempt()'s frame is as it was and it
// carries on choosing the next path.  Nothing between xbegin and xend calls
// through a PLT inside libhytm: the exported functions call internal ones,
// and the thread context is a field of the hytm_tx object.
//
// The caller's side (hytm.h's inline tier, hytm/detail/c_inline.h) reads
// the head of the hytm_tx, hytm_detail_tx: while `mode` says the attempt is
// a hardware region, its loads and stores are plain and HYTM_END commits the
// region itself (H3, xend) before calling hytm_block_commit().  The library
// alone writes `mode`, on the owning thread, at these points:
//   CALL    when an object is made or an entry begins, after every abort,
//           and when a transaction ends;
//   REGION  just before a top-level block's xbegin (reset to CALL if the
//           region does not start);
//   SERIAL  when a serial attempt has started (it runs alone);
//   NOREC   when a logged NOrec attempt has started (CALL again when its
//           commit begins);
//   PLAIN   at the entry of a block nested in a hardware attempt (SERIAL in
//           a serial one);
//   ENDED   (written by the caller) after the inline xend.
// The exported loads and stores below stay the complete implementation:
// the inline tier calls them for everything but its fast path, and programs
// built without it (or against the first header) call them always.
#define HYTM_C_NO_INLINE 1  // this file defines the exported functions
#include "hytm/hytm.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <thread>
#include <type_traits>

#include "c_entry.hpp"
#include "hytm/hybrid/protocol.hpp"
#include "hytm/hybrid/run.hpp"
#include "hytm/hytm.hpp"

namespace hytm::detail {
std::uint8_t g_c_quick = 1;
void c_configured() noexcept {
  g_c_quick = g_config.solo || (g_config.htm == htm_mode::off && !g_config.adaptive);
}
}  // namespace hytm::detail

struct hytm_tx {
  hytm_tx(hytm::thread_ctx& c, bool is_nested);
  // First: the caller's inline code finds it at the object's address.
  hytm_detail_tx head;
  hytm::thread_ctx* ctx;
  sigjmp_buf env;
  bool nested;
  // Non-null: the restart point was set by __builtin_setjmp (hytm.h built
  // by GCC, and hytm_atomic_named), not by sigsetjmp, into this buffer: env
  // itself, or the caller's own (hytm_block_begin_frame).
  void** gnu_env = nullptr;
  hytm_tx* outer = nullptr;  // nested: the top-level C transaction, or null under C++
  hytm::path_kind next = hytm::path_kind::serial;
  std::optional<hytm::attempt_policy> policy;  // engaged from the first entry on
  std::uint64_t t0 = 0;
  // Where the top-level transaction was entered (misuse detection).
  std::uintptr_t frame = 0;
  const void* caller = nullptr;
  // The path's tx objects, for a C++ atomic() nested in the C transaction.
  hytm::htm_tx htm;
  hytm::stm_tx stm;
  hytm::stm_orec_tx orec;  // HYTM_STM=orec's
  hytm::serial_tx serial;
};

static_assert(sizeof(bool) == 1, "hytm_detail_tx::wrote points at a bool");
static_assert(std::is_trivially_destructible_v<hytm::attempt_policy>,
              "hytm_block_commit leaves the policy engaged for the next emplace()");
// hytm_detail_undo is the first two words of undo_log (its ABI note):
// standard layout puts end_ and limit_, declared first, at offsets 0 and 8.
static_assert(std::is_standard_layout_v<hytm::undo_log> &&
                  sizeof(hytm::undo_log::entry) == sizeof(hytm_detail_undo_entry) &&
                  hytm::undo_log::size_shift == HYTM_DETAIL_UNDO_SIZE_SHIFT,
              "hytm_detail_undo mirrors undo_log");
// hytm_detail_norec is the first four words of norec, the last two its
// read_log's end_ and fast_limit_ (friends of both, for the offsets).
namespace hytm::stm {
struct c_view {
  static_assert(offsetof(norec, snap_) == offsetof(hytm_detail_norec, snap) &&
                offsetof(norec, ext_snap_) == offsetof(hytm_detail_norec, ext_snap) &&
                offsetof(norec, reads_) + offsetof(read_log, end_) == offsetof(hytm_detail_norec, end) &&
                offsetof(norec, reads_) + offsetof(read_log, fast_limit_) ==
                    offsetof(hytm_detail_norec, fast_limit),
                "hytm_detail_norec mirrors norec's fast-path words");
  static_assert(sizeof(read_log::entry) == sizeof(hytm_detail_read_entry) &&
                offsetof(read_log::entry, tagged) == offsetof(hytm_detail_read_entry, tagged) &&
                offsetof(read_log::entry, value) == offsetof(hytm_detail_read_entry, value),
                "hytm_detail_read_entry mirrors read_log::entry");
  static hytm_detail_norec* of(norec& n) { return reinterpret_cast<hytm_detail_norec*>(&n.snap_); }
  // The size code of the entry's tag, as read_log::tag() writes it.
  static bool same_tags() {
    return read_log::tag(nullptr, 8) == 0 &&
           read_log::tag(nullptr, 4) == std::uintptr_t{1} << HYTM_DETAIL_READ_SIZE_SHIFT &&
           read_log::tag(nullptr, 2) == std::uintptr_t{2} << HYTM_DETAIL_READ_SIZE_SHIFT &&
           read_log::tag(nullptr, 1) == std::uintptr_t{3} << HYTM_DETAIL_READ_SIZE_SHIFT;
  }
};
}  // namespace hytm::stm
static_assert(sizeof(std::atomic<std::uint64_t>) == sizeof(std::uint64_t) &&
                  std::atomic<std::uint64_t>::is_always_lock_free,
              "hytm_detail_tx points at the protocol's atomic words as plain uint64_t");

namespace {
void commit_any(hytm_tx* tx);
void commit_nested(hytm_tx* tx);
}

hytm_tx::hytm_tx(hytm::thread_ctx& c, bool is_nested)
    : head{}, ctx(&c), nested(is_nested), htm(c), stm(c), orec(c), serial(c) {
  // The caller's inline code casts a hytm_tx* to hytm_detail_tx*.
  if (static_cast<void*>(&head) != static_cast<void*>(this))
    hytm::detail::misuse("hytm_tx: the detail head is not at the start of the object");
  head.mode = HYTM_DETAIL_CALL;
  head.nested = is_nested;
  head.layout = HYTM_DETAIL_TX_LAYOUT;
  head.wrote = reinterpret_cast<std::uint8_t*>(&c.htm_wrote);
  head.software = reinterpret_cast<const std::uint64_t*>(&hytm::g_hybrid.software);
  head.external = reinterpret_cast<std::uint64_t*>(&hytm::stm::g_norec.external);
  head.env = &env;
  head.undo = reinterpret_cast<hytm_detail_undo*>(&c.undo);
  head.commit = is_nested ? &commit_nested : &commit_any;
  head.norec = hytm::stm::c_view::of(c.stm);
  head.seq = reinterpret_cast<const std::uint64_t*>(&hytm::stm::g_norec.seq);
  if (!hytm::stm::c_view::same_tags())
    hytm::detail::misuse("hytm_tx: the read log's size codes differ from hytm_detail_read_entry's");
}

namespace {

using hytm::ctr;
using hytm::path_kind;
namespace d = hytm::detail;

// Back to the restart point of the top-level C transaction `top`.
[[noreturn]] void jump(hytm_tx* top) {
  // __builtin_longjmp: GCC's own format (frame pointer, receiver, stack
  // pointer), written by a GCC-compiled __builtin_setjmp (hytm.h tells the
  // library so through hytm_block_begin_gnu).
  if (top->gnu_env) __builtin_longjmp(top->gnu_env, 1);
  siglongjmp(top->env, 1);
}

[[noreturn]] void c_abort(hytm_tx* tx) {
  if (!tx->nested) jump(tx);
  if (tx->outer) jump(tx->outer);
  // Nested in a C++ transaction: only an exception reaches its restart
  // point (the C frames between must be built with -fexceptions).
  d::throw_abort();
}

void check(const hytm_tx* tx) {
  if (!tx || !tx->ctx || tx->ctx->depth == 0)
    d::misuse("a hytm_* transactional call outside its transaction");
}

// The end of an attempt that jumped back to the restart point.
void finish_aborted(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  tx->head.mode = HYTM_DETAIL_CALL;
  ctx.c_active = false;
  switch (ctx.path) {
    case path_kind::stm: tx->next = d::stm_attempt_failed(ctx, *tx->policy, tx->t0); break;
    case path_kind::serial:  // restart(): roll back, let others run, re-run
      d::serial_rolled_back(ctx, tx->t0);
      std::this_thread::yield();
      tx->next = path_kind::serial;
      break;
    case path_kind::htm: break;  // never: hardware aborts do not jump
  }
}

// A thread that is "in a transaction" at a new top-level-looking entry: was
// the running C transaction left without HYTM_END?  A legitimate nested
// entry is made from inside the body, so from the same frame as the outer
// entry (a nested block in the same function: another call site) or a deeper
// one.  An entry from a shallower frame, or from the very same call site and
// frame, can only follow a block that was left.
bool left_without_end(const hytm_tx* top, std::uintptr_t frame, const void* caller) {
  return frame > top->frame || (frame == top->frame && caller == top->caller);
}

// The attempt reads with NOrec's logged fast path, which hytm.h's inline
// load repeats (NOREC): not the orec algorithm, nor an unlogged
// attempt (a C++ read-only site's, that a C block is nested in).
bool norec_inline(const hytm::thread_ctx& ctx) {
  return ctx.path == path_kind::stm && hytm::g_config.stm != hytm::stm_algorithm::orec &&
         !ctx.stm.unlogged();
}

// An entry inside a transaction: the block joins it.
[[gnu::always_inline]] inline hytm_tx* enter_nested(hytm::thread_ctx& ctx, std::uintptr_t frame,
                                                   const void* caller) {
  {
    if (ctx.c_active && left_without_end(ctx.c_top, frame, caller))
      d::misuse(
          "a C transaction was left without ending it: a return, break, goto or longjmp out of "
          "a HYTM_BEGIN block, or a C++ exception out of a hytm_atomic body (rule: leave a "
          "block only through HYTM_END, and let no exception leave a body; see hytm.h)");
    if (!ctx.c_nested) ctx.c_nested = new hytm_tx(ctx, true);
    hytm_tx* const n = ctx.c_nested;
    n->outer = ctx.c_active ? ctx.c_top : nullptr;
    // Inside a hardware attempt (a real region, or the scripted mode's
    // unprotected run) the accesses are plain, serially the loads; on the
    // model and in software they go through the library.
    n->head.mode = ctx.path == path_kind::serial                ? HYTM_DETAIL_SERIAL
                   : ctx.path == path_kind::htm && !ctx.emulated ? HYTM_DETAIL_PLAIN
                   : norec_inline(ctx)                           ? HYTM_DETAIL_NOREC
                                                                 : HYTM_DETAIL_CALL;
    return n;
  }
}

// A top-level entry (depth 0).  `site` may be null ("c") unless
// site_nonnull.
template <bool site_nonnull = false>
[[gnu::always_inline]] inline hytm_tx* enter_top(hytm::thread_ctx& ctx, const char* site,
                                                std::uintptr_t frame, const void* caller,
                                                path_kind& next) {
  if (!ctx.c_top) {
    // Both now, outside any region: a nested entry may come inside one.
    ctx.c_top = new hytm_tx(ctx, false);
    // A nested entry may have come first (a C block inside a C++ transaction).
    if (!ctx.c_nested) ctx.c_nested = new hytm_tx(ctx, true);
  }
  // ctx.c_active is false (depth 0: every attempt has ended, and each end
  // clears it) and head.mode is CALL (each end sets it).
  hytm_tx* tx = ctx.c_top;
  tx->frame = frame;
  tx->caller = caller;
  hytm::site_local& s = d::site_for(ctx, hytm::site(site_nonnull || site ? site : "c"));
  ctx.site = &s;
  ctx.timed = d::draw_timed(ctx);  // as hytm::atomic (epilogue.hpp)
  if (ctx.hot) --ctx.hot;
  tx->policy.emplace(ctx, s);
  next = tx->policy->first_path();  // the inline rules first, as hytm::atomic
  // The C interface runs no scripted hardware attempts (they cannot be
  // aborted from C); tests script the C++ interface.  Nor emulated ones: the
  // model's aborts are exceptions, which cannot cross C frames.  Both run
  // the software path instead.
  if (next == path_kind::htm && (hytm::g_config.htm == hytm::htm_mode::scripted ||
                                     hytm::g_config.htm == hytm::htm_mode::emulated)) {
    ctx.site->counters[ctr::fb_no_rtm].add();  // no (usable) hardware path for C here
    next = hytm::g_config.stm == hytm::stm_algorithm::off ? path_kind::serial : path_kind::stm;
  }
  return tx;
}

[[gnu::always_inline]] inline hytm_tx* block_enter(const char* site, std::uintptr_t frame,
                                                  const void* caller) {
  hytm::thread_ctx& ctx = hytm::current_ctx();
  if (ctx.depth > 0) return enter_nested(ctx, frame, caller);
  path_kind next;
  hytm_tx* const tx = enter_top(ctx, site, frame, caller, next);
  tx->next = next;  // for the first hytm_block_attempt()
  return tx;
}

// A fresh tx object for this attempt: it takes the thread's current
// generation (tx.hpp, tx_base::live()), so a C++ atomic() nested in the
// block may use it, and the previous attempt's object no longer passes.
// Made before xbegin: nothing here may run inside a region.
template <class Tx>
Tx& fresh(Tx& obj, hytm::thread_ctx& ctx) {
  obj.~Tx();
  return *::new (&obj) Tx(ctx);
}
// The same for the types whose state is tx_base's (the serial and
// hardware paths'), without the dead reset of ctx.tx (tx_access::renew).
// The objects are this thread's: made with its context (hytm_tx's
// constructor), never rebound.
hytm::serial_tx& fresh(hytm::serial_tx& obj, hytm::thread_ctx&) {
  return hytm::detail::tx_access::renew(obj);
}
hytm::htm_tx& fresh(hytm::htm_tx& obj, hytm::thread_ctx&) {
  return hytm::detail::tx_access::renew(obj);
}

void commit_htm(hytm_tx* tx);
void commit_orec(hytm_tx* tx);
void commit_norec(hytm_tx* tx);
void commit_serial(hytm_tx* tx);

// One hardware attempt: true inside the region (the caller returns into the
// block), else false with tx->next the policy's next path.  Always inline,
// so that the region begins in the exported function the block called.
[[gnu::always_inline]] inline bool htm_attempt(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  tx->t0 = d::attempt_start(ctx);
  ctx.tx = &fresh(tx->htm, ctx);
  // Written before xbegin, reset below if it aborts.
  ctx.c_active = true;
  tx->head.mode = HYTM_DETAIL_REGION;
  tx->head.announced = 0;
  tx->head.commit = &commit_htm;
  const unsigned s = d::htm_start(ctx);
  if (s == hytm::htm::started) return true;
  tx->head.mode = HYTM_DETAIL_CALL;
  ctx.c_active = false;
  tx->next = d::htm_attempt_failed(ctx, *tx->policy, tx->t0, s);
  return false;
}

// The next attempt of a top-level transaction whose last one has ended.
// ctx.c_active: an attempt runs (the top-level object's own flag as well:
// a nested C++ transaction reads it, run.hpp).
[[gnu::always_inline]] inline void start_attempt(hytm_tx* tx, path_kind next) {
  hytm::thread_ctx& ctx = *tx->ctx;
  for (;;) {
    switch (next) {
      case path_kind::htm:
        if (htm_attempt(tx)) return;  // into the block, inside the region
        next = tx->next;
        break;
      case path_kind::stm:
        tx->t0 = d::attempt_start(ctx);
        if (HYTM_UNLIKELY(hytm::g_config.stm == hytm::stm_algorithm::orec)) {
          d::stm_attempt_start<hytm::stm::orec>(ctx);
          ctx.tx = &fresh(tx->orec, ctx);
          tx->head.mode = HYTM_DETAIL_CALL;
          tx->head.commit = &commit_orec;
        } else {
          d::stm_attempt_start(ctx);
          ctx.tx = &fresh(tx->stm, ctx);
          tx->head.mode = HYTM_DETAIL_NOREC;  // logged NOrec: the caller's loads inline
          tx->head.commit = &commit_norec;
        }
        ctx.c_active = true;
        return;
      case path_kind::serial:
        d::serial_attempt_start(ctx);
        tx->t0 = d::attempt_start(ctx);  // after the wait, as run_serial() times it
        ctx.tx = &fresh(tx->serial, ctx);
        ctx.c_active = true;
        tx->head.mode = HYTM_DETAIL_SERIAL;  // alone: the caller's loads are plain
        tx->head.commit = &commit_serial;
        return;
    }
  }
}

// hytm_block_attempt: a nested block has nothing to start; a top-level one
// that jumped back ends its aborted attempt first.
[[gnu::always_inline]] inline void block_attempt(hytm_tx* tx) {
  if (tx->nested) return;
  if (tx->ctx->c_active) finish_aborted(tx);
  start_attempt(tx, tx->next);
}

// The commit, one function per path.  Not inlined into hytm_block_commit:
// that entry is then a test and a tail jump, with no frame of its own, and
// each path saves only the registers it needs (the serial path's commit is
// a few stores; the software path's calls NOrec and the epilogues).
HYTM_NOINLINE void commit_htm(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  if (tx->head.mode == HYTM_DETAIL_ENDED) {
    // HYTM_END committed the region inline (c_inline.h): take over what
    // htm_commit() would have left in ctx.
    ctx.depth = 0;
    if (tx->head.announced) {
      ctx.commit_stamp = tx->head.stamp;
      ctx.saw_software = true;
    }
  } else {
    d::htm_commit(ctx);  // (H3), xend: hytm_atomic, or a program built without the inline tier
  }
  tx->head.mode = HYTM_DETAIL_CALL;
  ctx.c_active = false;
  d::htm_attempt_committed(ctx, *tx->policy, tx->t0);
}

// One per algorithm: the attempt's start picks head.commit, so HYTM_END's
// call does not test the configuration again.
HYTM_NOINLINE void commit_orec(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  if (!ctx.orec.commit_tagged([&ctx] { return ctx.site->rec->id; })) c_abort(tx);
  ctx.c_active = false;
  d::stm_committed<hytm::stm::orec>(ctx, tx->t0);
}

HYTM_NOINLINE void commit_norec(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  // Before the commit, which may jump back: a dead attempt's loads call.
  tx->head.mode = HYTM_DETAIL_CALL;
  if (!ctx.stm.commit_tagged([&ctx] { return ctx.site->rec->id; })) c_abort(tx);
  ctx.c_active = false;
  d::stm_committed(ctx, tx->t0);
}

void commit_stm(hytm_tx* tx) {
  if (HYTM_UNLIKELY(hytm::g_config.stm == hytm::stm_algorithm::orec)) return commit_orec(tx);
  commit_norec(tx);
}

HYTM_NOINLINE void commit_serial_full(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  tx->head.mode = HYTM_DETAIL_CALL;
  ctx.c_active = false;
  d::serial_committed(ctx, tx->t0);
}
// The common commit makes no call (serial_commit_is_plain), so that this
// function keeps no frame; anything else takes the whole commit, by a tail
// jump, before anything is written.
HYTM_NOINLINE void commit_serial(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  if (HYTM_UNLIKELY(!d::serial_commit_is_plain(ctx))) return commit_serial_full(tx);
  tx->head.mode = HYTM_DETAIL_CALL;
  ctx.c_active = false;
  d::serial_committed_plain(ctx);
}

// The policy object is not reset here: the next entry's emplace() replaces
// it (attempt_policy is trivially destructible).
[[gnu::always_inline]] inline void block_commit(hytm_tx* tx) {
  if (tx->nested) {
    tx->head.mode = HYTM_DETAIL_CALL;
    return;
  }
  switch (tx->ctx->path) {
    case path_kind::htm: return commit_htm(tx);
    case path_kind::stm: return commit_stm(tx);
    case path_kind::serial: return commit_serial(tx);
  }
}

// head.commit outside an attempt's own: the dispatch (and the library's
// report of a commit outside its transaction).
void commit_any(hytm_tx* tx) { block_commit(tx); }
// A nested object's head.commit, which HYTM_END calls: block_commit's
// nested case, the end of the block (inside a region, it runs in it).
void commit_nested(hytm_tx* tx) { tx->head.mode = HYTM_DETAIL_CALL; }

}  // namespace

namespace hytm::detail {
void c_restart(thread_ctx& ctx) { jump(ctx.c_top); }
}  // namespace hytm::detail

namespace {

// The entry of HYTM_BEGIN: enters the transaction and starts its first
// attempt on whatever path the policy picks.  A hardware attempt returns
// inside the region and needs no restart point (an abort resumes here, and
// the next path starts before this returns); after any other start the
// caller sets the restart point in its own frame, which is in time: nothing
// can abort before the block's first transactional call.
enum class restart_point {
  sigsetjmp,   // into tx->env, after the entry
  gnu,         // __builtin_setjmp into tx->env, after the entry
  gnu_caller,  // __builtin_setjmp into `env`, in the caller's frame, set already
};
template <restart_point R>
[[gnu::always_inline]] inline hytm_tx* block_begin(const char* site, std::uintptr_t frame,
                                                  const void* caller, void** env = nullptr) {
  hytm::thread_ctx& ctx = hytm::current_ctx();
  if (ctx.depth > 0) return enter_nested(ctx, frame, caller);
  // hytm_block_begin_frame's site is HYTM_BEGIN_NAMED's name: never null.
  path_kind next;
  hytm_tx* const tx = enter_top<R == restart_point::gnu_caller>(ctx, site, frame, caller, next);
  tx->gnu_env = R == restart_point::sigsetjmp ? nullptr
                : R == restart_point::gnu     ? reinterpret_cast<void**>(&tx->env)
                                              : env;
  start_attempt(tx, next);
  return tx;
}

HYTM_NOINLINE hytm_tx* begin_frame_full(const char* site, void** env, const void* caller) {
  return block_begin<restart_point::gnu_caller>(site, reinterpret_cast<std::uintptr_t>(env[2]),
                                                caller, env);
}
// The same, for an entry that stored its env and caller in tx already.
HYTM_NOINLINE hytm_tx* begin_frame_stored(const char* site, hytm_tx* tx) {
  return begin_frame_full(site, tx->gnu_env, tx->caller);
}

// HYTM_BEGIN's common cases, with no call, so that hytm_block_begin_frame
// keeps (almost) no frame: its register saves and restores were a tenth of
// an empty serial block.  A top-level entry (tx, its env and caller
// stored), at a site this thread has cached, untimed and not hot, whose
// first path the policy's inline rules decide:
//   - serial (one thread in auto mode, or HYTM_STM=off), with the serial
//     lock free and no other transaction to drain;
//   - logged NOrec with no hardware path (HYTM_HTM=off), with the serial
//     lock free.
// Every test comes before the first write that matters (the lock's CAS, or
// the slot's (A1), undone if the lock is held or the drain would wait), so
// every other case tail-calls the whole entry, block_begin, which starts
// from the beginning.  What each writes is what block_begin writes on that
// path (enter_top, then start_attempt's case); the policy's side is held to
// first_path() by SoloTest.QuickFirstAnswersAsFirstPathDoes, the counts to
// the whole entry's by CApi.TheEntrysFastCasesCountAsTheWholeEntry.
[[gnu::always_inline]] inline void enter_top_fast(hytm::thread_ctx& ctx, hytm::site_local* s) {
  // enter_top(), after tx->frame and caller:
  ctx.site = s;
  --ctx.time_clock;  // draw_timed(), not due
  ctx.timed = false;
}
// top_entry()'s software case.
[[gnu::always_inline]] inline hytm_tx* norec_entry(const char* site, hytm::thread_ctx& ctx,
                                                  hytm_tx* tx, hytm::site_local* s) {
  // stm_attempt_start() needs ctx.site; a failed try leaves it for
  // block_begin, which sets it again.
  ctx.site = s;
  if (HYTM_UNLIKELY(!d::stm_attempt_try_start_software_only(ctx)))
    return begin_frame_stored(site, tx);
  enter_top_fast(ctx, s);
  tx->policy.emplace(ctx, *s);  // a failed attempt asks it
  s->counters[ctr::fb_no_rtm].add();  // first_path()'s count
  // start_attempt(path_kind::stm):
  tx->t0 = 0;  // attempt_start(): untimed, not hot
  ctx.tx = &fresh(tx->stm, ctx);
  tx->head.mode = HYTM_DETAIL_NOREC;
  tx->head.commit = &commit_norec;
  ctx.c_active = true;
  return tx;
}
[[gnu::always_inline]] inline hytm_tx* top_entry(const char* site, hytm::thread_ctx& ctx,
                                                hytm_tx* tx) {
  using quick = hytm::attempt_policy::quick;
  // time_clock 1: draw_timed() would time this transaction.
  if (HYTM_UNLIKELY(ctx.time_clock == 1 || ctx.hot != 0)) return begin_frame_stored(site, tx);
  hytm::site_local* const s = d::site_cached(ctx, hytm::site(site));
  if (HYTM_UNLIKELY(s == nullptr)) return begin_frame_stored(site, tx);
  // Asked right before the branches it feeds, so that the compiler jumps
  // from its tests straight to them (asked first, it cost every case a
  // register and a dispatch).  Anything else (a hardware path without solo
  // mode, solo mode held elsewhere or contended, the cost rule) takes the
  // whole entry.
  const quick q = hytm::attempt_policy::quick_first(ctx);
  if (HYTM_UNLIKELY(q == quick::none)) return begin_frame_stored(site, tx);
  // HYTM_HTM=off, software on: NOrec (norec_inline's case, a logged attempt).
  if (q == quick::stm) {
    if (HYTM_UNLIKELY(hytm::g_config.stm != hytm::stm_algorithm::norec))
      return begin_frame_stored(site, tx);
    return norec_entry(site, ctx, tx, s);
  }
  if (q == quick::serial_solo_if_site && !hytm::attempt_policy::site_lets_solo(*s))
    return begin_frame_stored(site, tx);
  if (HYTM_UNLIKELY(!hytm::g_serial_lock.try_lock_idle(ctx.slot)))
    return begin_frame_stored(site, tx);
  enter_top_fast(ctx, s);
  // No policy.emplace(): only the hardware and software paths consult the
  // policy (their failures and hardware commits), and a transaction whose
  // first attempt is serial stays serial (finish_aborted restarts it
  // there), so the object left engaged by an earlier entry is never read.
  // first_path()'s count, and solo_held()'s run:
  if (q == quick::serial) {
    s->counters[ctr::fb_no_rtm].add();
  } else {
    s->counters[ctr::fb_solo].add();
    ++ctx.solo.run;
  }
  // start_attempt(path_kind::serial) (block_begin's gnu_env is written):
  tx->t0 = 0;  // attempt_start(): untimed, not hot
  d::serial_attempt_started(ctx);
  ctx.tx = &fresh(tx->serial, ctx);
  ctx.c_active = true;
  tx->head.mode = HYTM_DETAIL_SERIAL;
  tx->head.commit = &commit_serial;
  return tx;
}

}  // namespace

extern "C" {

hytm_tx* hytm_block_begin(const char* site) {
  return block_begin<restart_point::sigsetjmp>(
      site, reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)), __builtin_return_address(0));
}

hytm_tx* hytm_block_begin_gnu(const char* site) {
  return block_begin<restart_point::gnu>(
      site, reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)), __builtin_return_address(0));
}

// HYTM_BEGIN's entry (layout 3 on, GCC): the restart point is set already,
// by __builtin_setjmp into `env`, in the caller's frame, which outlives
// the attempt.  Written before the attempt starts: an abort of its first
// attempt jumps there.  A nested block's buffer is never used (it restarts
// with its outer transaction).
hytm_tx* hytm_block_begin_frame(const char* site, void** env) {
  // The frame record is the caller's stack pointer at its setjmp, which GCC
  // keeps in the buffer's third word (builtins.cc: the frame pointer, the
  // resume address, then the stack save area, on x86-64 the stack pointer):
  // the same for every block of one function, lower in a deeper frame, like
  // the frame address of this function (which would cost it a frame
  // pointer).  Only the misuse check reads it.
  const void* const caller = __builtin_return_address(0);
  if (HYTM_UNLIKELY(!d::g_c_quick)) return begin_frame_full(site, env, caller);
  hytm::thread_ctx* const c = d::t_ctx;
  hytm_tx* const tx = c != nullptr ? c->c_top : nullptr;
  if (HYTM_UNLIKELY(tx == nullptr || c->depth != 0)) return begin_frame_full(site, env, caller);
  // A top-level entry: block_begin would write these three before it reads
  // any of them.  Written now, they free their registers for top_entry.
  tx->frame = reinterpret_cast<std::uintptr_t>(env[2]);
  tx->caller = caller;
  tx->gnu_env = env;
  return top_entry(site, *c, tx);
}

// Back at hytm_block_begin_frame's restart point: the jump came from this
// thread's top-level C transaction (jump()), whose next attempt starts now.
hytm_tx* hytm_block_resume(void) {
  hytm_tx* const tx = hytm::current_ctx().c_top;
  block_attempt(tx);
  return tx;
}

// The entry of programs built against the first hytm.h: enter only, then
// sigsetjmp and hytm_block_attempt() in the caller.
hytm_tx* hytm_block_enter(const char* site) {
  hytm_tx* const tx = block_enter(site, reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)),
                                  __builtin_return_address(0));
  tx->gnu_env = nullptr;
  return tx;
}

sigjmp_buf* hytm_block_jmpbuf(hytm_tx* tx) { return &tx->env; }

void hytm_block_attempt(hytm_tx* tx) { block_attempt(tx); }

void hytm_block_commit(hytm_tx* tx) { block_commit(tx); }

// GCC's -Wclobbered (in the sanitizer builds, where sigsetjmp is the
// restart point) names `tx` and `n`, locals of the inlined enter_top() and
// enter_nested(): both are dead before the setjmp, and the one value used
// after it, this function's `tx`, is set before it and never written again,
// so a longjmp back finds it as it was (C11 7.13.2.1p3).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wclobbered"
void hytm_atomic_named(const char* name, hytm_body_fn body, void* arg) {
  // The block form, with the internal functions (no call through the PLT
  // between xbegin and xend).  `tx` is not modified after the setjmp.  The
  // restart point is this file's own, of the kind hytm.h would set in code
  // built like this file (c_tx.h), so jump() reads what it wrote.
  constexpr bool gnu = HYTM_DETAIL_GNU_RESTART;
  hytm_tx* const tx =
      block_begin<gnu ? restart_point::gnu : restart_point::sigsetjmp>(
          name, reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)),
          reinterpret_cast<const void*>(&hytm_atomic_named));
  if (hytm_detail_head_needs_restart_point(&tx->head)) {
    if constexpr (gnu) {
      if (__builtin_setjmp(reinterpret_cast<void**>(&tx->env)))
        block_attempt(tx);  // back from a restart: the next attempt
    } else {
      if (sigsetjmp(tx->env, 0)) block_attempt(tx);
    }
  }
  body(tx, arg);
  block_commit(tx);
}
#pragma GCC diagnostic pop

void hytm_atomic(hytm_body_fn body, void* arg) { hytm_atomic_named("hytm_atomic", body, arg); }

}  // extern "C"

// ---- loads and stores ----

namespace {

// Any address, any length, piece by piece on the paths that log pieces.
void load_bytes(hytm_tx* tx, void* dst, const void* src, std::size_t n) {
  hytm::thread_ctx& ctx = *tx->ctx;
  auto* out = static_cast<unsigned char*>(dst);
  if (ctx.path == path_kind::stm) {
    hytm::pieces::split(src, n, [&](void* p, std::size_t k) {
      std::uint64_t v;
      if (!d::with_algorithm(ctx, [&](auto& alg) { return alg.read(p, k, v); })) c_abort(tx);
      std::memcpy(out, &v, k);
      out += k;
    });
  } else if (ctx.path == path_kind::htm && ctx.emulated) {
    // Nested in a C++ transaction on the RTM model.
    hytm::pieces::split(src, n, [&](void* p, std::size_t k) {
      std::uint64_t v;
      if (!ctx.emu.read(p, k, v)) d::throw_abort();
      std::memcpy(out, &v, k);
      out += k;
    });
  } else {
    std::memcpy(dst, src, n);  // hardware: tracked by the CPU; serial: alone
  }
}

// A store in an unlogged software attempt (a C block nested in a C++
// attempt at a site learnt read-only, docs/stm.md): refused as
// stm_ro_tx::store refuses it.  An unlogged attempt keeps no read log, so
// it could not be validated against a hardware commit at its commit; the
// site unlearns, and the next attempt runs logged.
[[noreturn]] HYTM_NOINLINE void refuse_unlogged_store(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  d::unlearn_read_only(*ctx.site);
  ctx.stm.doom(hytm::stm::abort_reason::explicit_restart);
  c_abort(tx);
}
// The software path's stores: true if the attempt may buffer one.
bool stores_allowed(const hytm::thread_ctx& ctx) {
  return hytm::g_config.stm == hytm::stm_algorithm::orec || !ctx.stm.unlogged();
}

void store_bytes(hytm_tx* tx, void* dst, const void* src, std::size_t n) {
  hytm::thread_ctx& ctx = *tx->ctx;
  const auto* in = static_cast<const unsigned char*>(src);
  switch (ctx.path) {
    case path_kind::htm:
      ctx.htm_wrote = true;
      if (!ctx.emulated) {
        std::memcpy(dst, src, n);
        return;
      }
      hytm::pieces::split(dst, n, [&](void* p, std::size_t k) {
        std::uint64_t v = 0;
        std::memcpy(&v, in, k);
        if (!ctx.emu.write(p, k, v)) d::throw_abort();
        in += k;
      });
      return;
    case path_kind::serial:
      ctx.undo.save(dst, n);
      std::memcpy(dst, src, n);
      return;
    case path_kind::stm:
      if (HYTM_UNLIKELY(!stores_allowed(ctx))) refuse_unlogged_store(tx);
      break;
  }
  hytm::pieces::split(dst, n, [&](void* p, std::size_t k) {
    std::uint64_t v = 0;
    std::memcpy(&v, in, k);
    d::with_algorithm(ctx, [&](auto& alg) { alg.write(p, k, v); });
    in += k;
  });
}

// The fixed-size forms: one piece when naturally aligned (the fast path),
// else exactly the bytes of the object, split like the _bytes forms.
template <class T>
T c_load(hytm_tx* tx, const T* addr) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  if (HYTM_LIKELY(reinterpret_cast<std::uintptr_t>(addr) % sizeof(T) == 0) && !ctx.emulated) {
    switch (ctx.path) {
      case path_kind::htm:
        return std::atomic_ref<T>(*const_cast<T*>(addr)).load(std::memory_order_relaxed);
      case path_kind::stm: {
        std::uint64_t v;
        if (!d::with_algorithm(ctx, [&](auto& alg) { return alg.read(addr, sizeof(T), v); }))
          c_abort(tx);
        return static_cast<T>(v);
      }
      case path_kind::serial: return *addr;
    }
  }
  T v;
  load_bytes(tx, &v, addr, sizeof(T));
  return v;
}

template <class T>
void c_store(hytm_tx* tx, T* addr, T value) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  if (HYTM_LIKELY(reinterpret_cast<std::uintptr_t>(addr) % sizeof(T) == 0) && !ctx.emulated) {
    switch (ctx.path) {
      case path_kind::htm:
        ctx.htm_wrote = true;  // (H3): a writer announces its commit
        std::atomic_ref<T>(*addr).store(value, std::memory_order_relaxed);
        return;
      case path_kind::stm:
        if (HYTM_UNLIKELY(!stores_allowed(ctx))) refuse_unlogged_store(tx);
        d::with_algorithm(ctx, [&](auto& alg) { alg.write(addr, sizeof(T), value); });
        return;
      case path_kind::serial:
        ctx.undo.save(addr, sizeof(T));
        *addr = value;
        return;
    }
  }
  store_bytes(tx, addr, &value, sizeof(T));
}

template <std::size_t K>
HYTM_NOINLINE void norec_write(hytm::stm::norec& alg, void* addr, std::uint64_t value) {
  if (reinterpret_cast<std::uintptr_t>(addr) % K != 0) __builtin_unreachable();
  alg.write(addr, K, value);
}

}  // namespace

extern "C" {

uint8_t hytm_load_u8(hytm_tx* tx, const uint8_t* a) { return c_load(tx, a); }
uint16_t hytm_load_u16(hytm_tx* tx, const uint16_t* a) { return c_load(tx, a); }
uint32_t hytm_load_u32(hytm_tx* tx, const uint32_t* a) { return c_load(tx, a); }
uint64_t hytm_load_u64(hytm_tx* tx, const uint64_t* a) { return c_load(tx, a); }
void* hytm_load_ptr(hytm_tx* tx, void* const* a) {
  return reinterpret_cast<void*>(c_load(tx, reinterpret_cast<const std::uintptr_t*>(a)));
}
void hytm_store_u8(hytm_tx* tx, uint8_t* a, uint8_t v) { c_store(tx, a, v); }
void hytm_store_u16(hytm_tx* tx, uint16_t* a, uint16_t v) { c_store(tx, a, v); }
void hytm_store_u32(hytm_tx* tx, uint32_t* a, uint32_t v) { c_store(tx, a, v); }
void hytm_store_u64(hytm_tx* tx, uint64_t* a, uint64_t v) { c_store(tx, a, v); }
void hytm_store_ptr(hytm_tx* tx, void** a, void* v) {
  c_store(tx, reinterpret_cast<std::uintptr_t*>(a), reinterpret_cast<std::uintptr_t>(v));
}

// The caller's mode was NOREC: a live NOrec attempt of this thread (the bit
// is set only then, and cleared when the attempt ends).  One function per
// size, of a naturally aligned piece (the caller tested it), each a tail
// jump away: the write set's merge of the piece into its word is then
// shifts by constants (a word: none), which one body for all sizes, merged
// by the compiler, would compute at run time.
void hytm_detail_norec_write(hytm_tx* tx, void* addr, uint64_t value, size_t size) {
  switch (size) {
    case 8: return norec_write<8>(tx->ctx->stm, addr, value);
    case 4: return norec_write<4>(tx->ctx->stm, addr, value);
    case 2: return norec_write<2>(tx->ctx->stm, addr, value);
    default: return norec_write<1>(tx->ctx->stm, addr, value);
  }
}

void hytm_load_bytes(hytm_tx* tx, void* dst, const void* src, size_t n) {
  check(tx);
  load_bytes(tx, dst, src, n);
}

void hytm_store_bytes(hytm_tx* tx, void* dst, const void* src, size_t n) {
  check(tx);
  store_bytes(tx, dst, src, n);
}

void* hytm_malloc(hytm_tx* tx, size_t size) {
  check(tx);
  try {
    return d::tx_alloc(*tx->ctx, size ? size : 1, alignof(std::max_align_t));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

void hytm_free(hytm_tx* tx, void* ptr) {
  check(tx);
  if (ptr) d::tx_defer_free(*tx->ctx, ptr, nullptr);
}

void hytm_irrevocable(hytm_tx* tx) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::htm:
      d::hardware_abort(ctx, static_cast<std::uint8_t>(hytm::htm::abort_code::irrevocable));
    case path_kind::stm:
      ctx.want_serial = true;
      d::with_algorithm(ctx, [](auto& alg) { alg.doom(hytm::stm::abort_reason::explicit_restart); });
      c_abort(tx);
    case path_kind::serial: return;
  }
}

void hytm_restart(hytm_tx* tx) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::htm:
      d::hardware_abort(ctx, static_cast<std::uint8_t>(hytm::htm::abort_code::restart));
    case path_kind::stm:
      ctx.restart_asked = true;
      d::with_algorithm(ctx, [](auto& alg) { alg.doom(hytm::stm::abort_reason::explicit_restart); });
      break;
    case path_kind::serial: ctx.restart_asked = true; break;
  }
  c_abort(tx);
}

void hytm_on_commit(hytm_tx* tx, hytm_handler_fn fn, void* arg) {
  check(tx);
  d::tx_add_handler(*tx->ctx, tx->ctx->on_commit, [fn, arg] { fn(arg); });
}

void hytm_on_abort(hytm_tx* tx, hytm_handler_fn fn, void* arg) {
  check(tx);
  d::tx_add_handler(*tx->ctx, tx->ctx->on_abort, [fn, arg] { fn(arg); });
}

const char* hytm_path_name(const hytm_tx* tx) { return hytm::name(tx->ctx->path); }

int hytm_in_transaction(void) { return hytm::current_ctx().depth > 0; }

char* hytm_stats_json(void) { return strdup(hytm::stats_json().c_str()); }

char* hytm_stats_text(void) { return strdup(hytm::stats_text().c_str()); }

void hytm_reset_stats(void) { hytm::reset_stats(); }

}  // extern "C"
