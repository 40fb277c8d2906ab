// epilogue.hpp: what follows a committed attempt, shared by hytm::atomic
// (run.hpp) and the C interface (c_api.cpp).
//
// Inline, with what is rare out of line (epilogue.cpp): most transactions
// free, allocate and register nothing, are not timed and have no footprint
// sampled, and then nothing here calls into the library.
#pragma once

#include <cstdint>

#include "hytm/hybrid/policy.hpp"
#include "hytm/hybrid/protocol.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm::detail {

// Cycle counter for the time spent in attempts (converted at report time).
inline std::uint64_t ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_ia32_rdtsc();
#else
  return 0;
#endif
}

// Attempt timing.  rdtsc costs about 24 ns in this project's VMs (a half of
// a 45 ns hash-set lookup), so a thread reads it only where the figures need
// it: committed attempts in one transaction in an interval's length,
// counted that many times (an unbiased estimate); aborted attempts whenever the
// thread is "hot", i.e. had an abort in its last hot_window transactions.
// Under contention, which is what the conflict report is about, every
// attempt is timed; a calm thread pays nothing, and only the first abort
// after a calm stretch goes untimed.
// The interval: 8 where the cost rule runs, which decides from these samples
// and must do so within a few dozen transactions of a site's start
// (docs/policy.md); 32 elsewhere, where only the report's times use them.
// An empty software transaction (examples/costs, HYTM_HTM=off, 5 million
// in a row, 2-core Xeon VM) took 30 ns at 8 and 26 ns at 32 (median of 7
// paired runs): the clock reads were a seventh of it.
inline constexpr std::uint64_t time_sample_cost = 8;
inline constexpr std::uint64_t time_sample_report = 32;
inline constexpr std::uint32_t hot_window = 64;
// The cost rule's interval applies only while the rule has something to
// learn: not once the thread's last cost_calm_after decisions all left their
// sites where the rules start them (a read-only set on two threads lost a
// tenth of its throughput to the clock reads: docs/benchmarks.md), nor while
// this thread runs alone (solo.hpp decides before the rule).
inline constexpr std::uint8_t cost_calm_after = 4;
inline std::uint64_t time_interval(const thread_ctx& ctx) noexcept {
  return g_config.cost && ctx.cost_calm < cost_calm_after && !solo_names(&ctx)
             ? time_sample_cost
             : time_sample_report;
}
// Whether this transaction is timed: one in time_interval() on average.  A
// countdown whose lengths are drawn at random (1 to 2m - 1, mean m), not
// every m-th: a thread that alternates sites would otherwise time the same
// site every time.  The generator runs once per timed transaction, not once
// per transaction.  A timed commit's time counts as many times as the mean
// of the countdown that picked it (time_weight), so that the report's
// estimate stays unbiased across a change of interval.
inline bool draw_timed(thread_ctx& ctx) noexcept {
  if (HYTM_LIKELY(--ctx.time_clock != 0)) return false;
  const std::uint64_t m = time_interval(ctx);
  ctx.time_clock = 1 + ctx.rng.next() % (2 * m - 1);
  ctx.time_weight = ctx.time_next_weight;
  ctx.time_next_weight = static_cast<std::uint8_t>(m);
  ctx.tx_stages &= cost_clock_stage;  // the cost rule's record of it starts empty
  return true;
}
inline std::uint64_t attempt_start(const thread_ctx& ctx) noexcept {
  return ctx.timed || ctx.hot ? ticks() : 0;
}
inline std::uint64_t aborted_time(std::uint64_t t0) noexcept { return t0 ? ticks() - t0 : 0; }

// One transaction in this many has its footprint measured: counting distinct
// lines sorts the logs, which costs more than a small transaction.  (The
// JSON's footprint.sampled_one_in says so.)
inline constexpr std::uint64_t footprint_sample = 16;
// Every footprint_sample-th commit of the thread (software or serial).  A
// countdown: one decrement and one branch per commit.
inline bool footprint_due(thread_ctx& ctx) noexcept {
  if (HYTM_LIKELY(--ctx.footprint_clock != 0)) return false;
  ctx.footprint_clock = footprint_sample;
  return true;
}

// Which commits the committer must wait behind before it frees or returns
// (docs/protocol.md, privatization): none, software transactions that
// began before a software writer's commit, or before an announced hardware
// commit (H3).
enum class quiesce_after : std::uint8_t { none, stm_commit, htm_commit };
// Out of line, in libhytm.so.
HYTM_API void commit_epilogue(thread_ctx& ctx, quiesce_after q);
HYTM_API void abort_epilogue(thread_ctx& ctx);  // may throw: an on_abort handler's exception
// The footprint of the attempt that committed on path p (stm or serial),
// before its logs are cleared.
[[gnu::cold]] HYTM_API void sample_footprint(thread_ctx& ctx, path_kind p);
// Runs the deferred frees (tx.free, tx.destroy) of a committed attempt.
HYTM_API void do_frees(thread_ctx& ctx);

// The test commit_epilogue() would make first, made here so that the common
// transaction does not call it to find nothing to do.
inline void commit_done(thread_ctx& ctx, quiesce_after q) {
  if (HYTM_UNLIKELY(q != quiesce_after::none || ctx.logs_used)) commit_epilogue(ctx, q);
}

// The cost rule's sample (cost.cpp; g_config.cost only): a timed
// transaction committed on path p after `ticks` in its last attempt.  Inline
// for the common case, a commit at the first attempt (about 20 instructions,
// one transaction in time_sample_cost); out of line otherwise, and for the
// decision every few samples.
HYTM_API void cost_commit_slow(thread_ctx& ctx, path_kind p, std::uint64_t ticks) noexcept;
HYTM_API void cost_decide(site_local& site) noexcept;
inline void cost_sample(thread_ctx& ctx, path_kind p, std::uint64_t ticks) noexcept {
  if (HYTM_UNLIKELY(ctx.tx_stages != 0)) return cost_commit_slow(ctx, p, ticks);
  site_cost& c = ctx.site->cost;
  c.add(static_cast<unsigned>(p), ticks);
  if (HYTM_UNLIKELY(--c.clock == 0)) cost_decide(*ctx.site);
}

// Untimed attempts (ctx.timed false) add nothing: no load, no store.
inline void count_committed_time(thread_ctx& ctx, path_kind p, std::uint64_t t0) noexcept {
  if (HYTM_UNLIKELY(ctx.timed)) {
    const std::uint64_t d = ticks() - t0;
    ctx.site->counters[ctr::ns_committed].add(d * ctx.time_weight);
    if (g_config.cost) cost_sample(ctx, p, d);
  }
}

// A: the software algorithm that ran the attempt (g_config.stm's).
// Always inline: a frame of its own costs a dozen instructions, as many as
// it runs.
// `wrote`: the attempt buffered a write (!alg.read_only()); a caller that
// knows it already passes it (an unlogged commit wrote nothing), so that
// the counter, the quiescence and their tests fold away.  `logged`: false
// for an unlogged attempt, whose read log and write set stayed empty (its
// loads log nothing, its stores are refused before they buffer, and the
// attempt before it left both empty): nothing to clear.  The test
// ReadOnly.AnUnloggedCommitLeavesTheLogsEmpty holds that.
template <class A = stm::norec>
[[gnu::always_inline]] inline void stm_committed(thread_ctx& ctx, std::uint64_t t0, bool wrote,
                                                 bool logged = true) {
  site_local& site = *ctx.site;
  A& alg = algorithm_state<A>(ctx);
  if (HYTM_UNLIKELY(footprint_due(ctx))) sample_footprint(ctx, path_kind::stm);
  if (logged) alg.rollback();  // the logs are spent
  software_leave(ctx);
  ctx.depth = 0;
  // One counter per commit (counters.hpp: stm_commits adds the read-only ones).
  site.counters[wrote ? ctr::stm_commits : ctr::stm_commits_read_only].add();
  count_committed_time(ctx, path_kind::stm, t0);
  // A read-only commit unlinked nothing: no one to wait for.
  commit_done(ctx, wrote ? quiesce_after::stm_commit : quiesce_after::none);
}
template <class A = stm::norec>
[[gnu::always_inline]] inline void stm_committed(thread_ctx& ctx, std::uint64_t t0) {
  stm_committed<A>(ctx, t0, !algorithm_state<A>(ctx).read_only());
}

// serial_committed()'s case with nothing out of line to do: no footprint
// sample due, no logs (frees, handlers: logs_used), untimed.  The C
// interface's commit tests it first and then makes no call, so it keeps no
// frame (c_api.cpp, commit_serial); serial_committed_plain() is then what
// serial_committed() would do.
inline bool serial_commit_is_plain(const thread_ctx& ctx) noexcept {
  return ctx.footprint_clock != 1 && !ctx.logs_used && !ctx.timed;
}
inline void serial_committed_plain(thread_ctx& ctx) noexcept {
  --ctx.footprint_clock;  // not due: serial_commit_is_plain()
  ctx.undo.clear();
  ctx.depth = 0;
  g_serial_lock.unlock();
  ctx.site->counters[ctr::serial_commits].add();
}
inline void serial_committed(thread_ctx& ctx, std::uint64_t t0) {
  site_local& site = *ctx.site;
  if (HYTM_UNLIKELY(footprint_due(ctx))) sample_footprint(ctx, path_kind::serial);
  ctx.undo.clear();
  ctx.depth = 0;
  // Frees before unlocking: the drain guarantees no other transaction runs,
  // so nothing can still read the memory.
  if (HYTM_UNLIKELY(ctx.logs_used && !ctx.frees.empty())) do_frees(ctx);
  g_serial_lock.unlock();
  site.counters[ctr::serial_commits].add();
  count_committed_time(ctx, path_kind::serial, t0);
  commit_done(ctx, quiesce_after::none);
}

inline void htm_attempt_committed(thread_ctx& ctx, attempt_policy& pol, std::uint64_t t0) {
  ctx.site->counters[ctr::htm_commits].add();
  count_committed_time(ctx, path_kind::htm, t0);
  pol.htm_committed();
  commit_done(ctx, ctx.saw_software ? quiesce_after::htm_commit : quiesce_after::none);
}

}  // namespace hytm::detail
