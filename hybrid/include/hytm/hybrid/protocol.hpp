// protocol.hpp: the hybrid protocol's words and the steps that touch them.
// docs/protocol.md states the protocol and argues it; the numbers here are
// the ones used there.
//
// Words (each on its own cache line):
//   g_serial_lock      fallback/serial_lock.hpp  (S1)-(S4)
//   g_norec.seq        stm/norec.hpp            software commit sequence lock
//   g_norec.external   stm/norec.hpp            hardware commits seen by software
//   g_hybrid.software  here                     software transactions running
//
//  (H1) A software transaction, when hardware transactions are possible,
//       increments `software` (seq_cst RMW) after its serial handshake and
//       before its snapshot of (seq, external); it decrements it (release)
//       when it ends.
//  (H2) A hardware transaction subscribes right after xbegin: it loads the
//       serial lock and seq, and aborts explicitly if either is held.  Both
//       lines stay in its read set, so a later serial acquisition or
//       software commit aborts it before it can commit (DESIGN rules 1, 4).
//  (H3) Just before xend, a hardware transaction loads `software`; if it is
//       not zero it increments `external` inside the transaction, so its
//       writes and the increment become visible at once (rule 2).  With no
//       software transaction running it writes no shared word (rule 3).
//  (H3) only for a transaction that stored: a read-only hardware commit
//       writes no shared word and waits for nobody (DESIGN rule 7).
//  (H4) Lemming avoidance: before xbegin, and after an explicit "serial
//       lock" or "software writer" abort (or a conflict abort that came
//       with a move of either word), the thread waits for that word to clear;
//       the abort is not charged to the hardware budget.
//  (H5) A software (or emulated) transaction stamps its activity slot with
//       (seq, external) after (H1) and before its snapshot (A5): a writer's
//       commit then quiesces only behind transactions that began before it.
//
// The attempt steps below are the ONE implementation of an attempt's
// protocol: hytm::atomic (run.hpp) and the C interface (c_api.cpp) both call
// them, so the two cannot drift apart.
#pragma once

#include <atomic>
#include <cstdint>

#include "hytm/core/write_observer.hpp"
#include "hytm/fallback/serial_lock.hpp"
#include "hytm/htm/rtm.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/policy.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm {

struct hybrid_globals {
  alignas(cache_line) std::atomic<std::uint64_t> software{0};
};
extern HYTM_API hybrid_globals g_hybrid;

namespace detail {

// (H5): lower bounds of the clocks this transaction starts from.  A
// write-back in progress (seq odd: a software writer, or the RTM model
// publishing a commit) is waited out first, so that a thread that already
// sees a commit's data also stamps a value that covers that commit: the
// commit's writer then does not wait for it.
// Returns the clocks it stamped.
struct start_clocks {
  std::uint64_t seq, external;
};
[[gnu::always_inline]] inline start_clocks stamp_start(thread_ctx& ctx) noexcept {
  std::uint64_t s = stm::g_norec.seq.load(std::memory_order_acquire);
  while (HYTM_UNLIKELY(s & 1)) {
    cpu_relax();
    s = stm::g_norec.seq.load(std::memory_order_acquire);
  }
  const std::uint64_t x = stm::g_norec.external.load(std::memory_order_acquire);
  ctx.slot->stamp(s, x);
  return {s, x};
}

// One try of software_enter()'s (S3) handshake.  True: the slot is active
// and the serial lock was free; false: the lock is held, and the slot is
// idle again.
[[gnu::always_inline]] inline bool software_try_enter(thread_ctx& ctx) noexcept {
  ctx.slot->enter();                                                // (A1)
  if (HYTM_LIKELY(!g_serial_lock.held_for_software())) return true;  // (A2)
  ctx.slot->leave();
  return false;
}
// Start of a software (or emulated) attempt: (S3) handshake, then (H1), (H5).
// Returns the stamp's clocks.
[[gnu::always_inline]] inline start_clocks software_enter(thread_ctx& ctx) noexcept {
  while (HYTM_UNLIKELY(!software_try_enter(ctx))) {
    solo_contend();
    g_serial_lock.wait_until_free();  // (S4)
  }
  if (g_config.hardware_possible()) {
    g_hybrid.software.fetch_add(1, std::memory_order_seq_cst);  // (H1)
    observe_write(&g_hybrid.software, sizeof g_hybrid.software);
  }
  return stamp_start(ctx);
}

[[gnu::always_inline]] inline void software_leave(thread_ctx& ctx) noexcept {
  if (g_config.hardware_possible()) {
    g_hybrid.software.fetch_sub(1, std::memory_order_release);  // (H1)
    observe_write(&g_hybrid.software, sizeof g_hybrid.software);
  }
  ctx.slot->leave();  // (A4)
}

// (H4): another transaction holds a word every hardware attempt subscribes
// to; an xbegin now would only abort.
inline bool progress_pending() noexcept {
  return g_serial_lock.held_relaxed() || (stm::g_norec.seq.load(std::memory_order_relaxed) & 1);
}
HYTM_API void wait_for_progress() noexcept;
// The same wait before an xbegin, counted in paths.htm.progress_waits: a
// hardware transaction that waits out a serial one before it starts is
// serialized as surely as one that aborted on it (uncharged either way).
HYTM_API void wait_before_htm(thread_ctx& ctx) noexcept;

// ---- the attempt steps ----

// A hardware attempt, up to the body: (H4), then xbegin and (H2).  Returns
// htm::started inside the region, else the abort status (ctx.depth 0 again).
// Everything the attempt keeps in ctx is written before xbegin, so it is not
// in the region's write set (and is not rolled back: hence the reset).
// Always inline: the region must not be entered or left through a call.
[[gnu::always_inline]] inline unsigned htm_start(thread_ctx& ctx) noexcept {
  if (HYTM_UNLIKELY(progress_pending())) wait_before_htm(ctx);  // (H4), uncharged
  ctx.depth = 1;
  ctx.path = path_kind::htm;
  ctx.saw_software = false;
  ctx.htm_wrote = false;
  ctx.seq_seen = stm::g_norec.seq.load(std::memory_order_relaxed);
  const unsigned s = htm::begin();
  if (HYTM_UNLIKELY(s != htm::started)) {
    ctx.depth = 0;
    return s;
  }
  // (H2): subscribe to the serial lock and to the software commit lock.
  if (g_serial_lock.held_relaxed()) htm::abort<htm::abort_code::serial_lock>();
  if (stm::g_norec.seq.load(std::memory_order_relaxed) & 1)
    htm::abort<htm::abort_code::stm_writer>();
  return s;
}

// The end of a hardware attempt whose body ran: (H3), then xend.
[[gnu::always_inline]] inline void htm_commit(thread_ctx& ctx) noexcept {
  // (H3): a writer announces its commit to software transactions, if any
  // run.  The relaxed RMW is inside the region: it becomes visible
  // atomically with the data writes.  A read-only one writes nothing.
  if ((ctx.htm_wrote || !ctx.frees.empty()) &&
      g_hybrid.software.load(std::memory_order_relaxed) != 0) {
    ctx.commit_stamp = stm::g_norec.external.fetch_add(1, std::memory_order_relaxed) + 1;
    ctx.saw_software = true;
  }
  htm::end();
  ctx.depth = 0;
}

// Out of line, in libhytm.so (epilogue.cpp): what follows an attempt.
// htm_attempt_committed(): epilogue.hpp.
HYTM_API path_kind htm_attempt_failed(thread_ctx& ctx, attempt_policy& pol, std::uint64_t t0,
                                      unsigned status) noexcept;
// stm_attempt_start()'s writes once the slot is entered (software_enter).
template <class A = stm::norec>
[[gnu::always_inline]] inline void stm_attempt_started(thread_ctx& ctx, bool unlogged,
                                                       start_clocks c) {
  // The site's id, the tag a writer's unlock publishes, comes at the commit
  // (commit_tagged): a read-only attempt never loads it.
  // ctx.slot is bound already (claim_current_ctx).
  algorithm_state<A>(ctx).start_at(unlogged, c.seq, c.external);
  ctx.depth = 1;
  ctx.path = path_kind::stm;
  ctx.want_serial = false;
  ctx.restart_asked = false;
}
// A software attempt: start; after a failed one, the next path.
// unlogged: a read-only site's attempt without a read log (docs/stm.md).
// Inline: every software transaction runs it, and it is a few stores.
// Not counted: software starts = commits + the attempts stm_aborted() ends,
// which it counts (counter_values::add).
// A: the software algorithm (g_config.stm's).
template <class A = stm::norec>
[[gnu::always_inline]] inline void stm_attempt_start(thread_ctx& ctx, bool unlogged = false) {
  // The stamp's clocks are the snapshot too: loaded after (H1), seq even,
  // acquire, as the algorithm's own start() would load them again; the
  // stamp's release stores between would order nothing for the snapshot.
  // Equal to the stamp, the snapshot is at least it, as (H5) asks.
  stm_attempt_started<A>(ctx, unlogged, software_enter(ctx));
}
// stm_attempt_start() where no hardware transaction can run (no (H1)
// count to make), if the serial lock is free.  False: it is held, and
// nothing changed (stm_attempt_start() would wait).  For the C entry's
// frameless case (c_api.cpp), which must make no call.
template <class A = stm::norec>
[[gnu::always_inline]] inline bool stm_attempt_try_start_software_only(thread_ctx& ctx) {
  if (HYTM_UNLIKELY(!software_try_enter(ctx))) return false;
  stm_attempt_started<A>(ctx, false, stamp_start(ctx));
  return true;
}
// May throw: an on_abort handler's exception (R5).
HYTM_API path_kind stm_attempt_failed(thread_ctx& ctx, attempt_policy& pol, std::uint64_t t0);
// A serial attempt: start (takes the lock, drains); roll back after restart()
// or an exception.  Not counted: serial starts = commits + rollbacks, derived
// when the counters are read (counter_values::add).
// serial_attempt_started(): the start's writes after the lock is held (the
// C entry's frameless case takes the lock its own way, c_api.cpp).
inline void serial_attempt_started(thread_ctx& ctx) {
  ctx.depth = 1;
  ctx.path = path_kind::serial;
  ctx.restart_asked = false;
}
inline void serial_attempt_start(thread_ctx& ctx) {
  if (HYTM_UNLIKELY(g_serial_lock.held_relaxed())) solo_contend();  // then lock() waits
  g_serial_lock.lock(ctx.slot);
  serial_attempt_started(ctx);
}
HYTM_API void serial_rolled_back(thread_ctx& ctx, std::uint64_t t0);  // may throw, likewise

}  // namespace detail
}  // namespace hytm
