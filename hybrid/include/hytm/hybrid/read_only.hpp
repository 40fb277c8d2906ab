// read_only.hpp: which software attempts run unlogged (docs/stm.md).
//
// A site whose software commits have been read-only ro_learn times in a row,
// with no aborted attempt between them, starts its software attempts unlogged
// (stm_ro_tx): loads are checked against the start snapshot and not logged,
// so a load is a load and two compares, and the commit has nothing to do.
// Without a log the attempt cannot revalidate: if a commit moves the
// snapshot, it restarts; after ro_attempts unlogged restarts in one
// transaction the next attempt is logged.  A site unlearns
//   - at its first store in an unlogged attempt (which restarts, logged);
//   - when unlogged restarts outweigh unlogged commits: each restart adds
//     ro_restart_weight to a debt that each unlogged commit pays down by 1;
//     past ro_debt_limit (about one restart in ro_restart_weight commits,
//     sustained) it runs logged again.
// Each unlearning doubles the streak needed to learn again (up to
// ro_learn << ro_max_shift), so a site that alternates does not flip-flop.
// An unlogged restart cannot say which address moved, so conflicts are seen
// logged: the streak counts only conflict-free commits, and a thread that
// has just aborted runs logged for a while (start_kind), so the conflict
// report keeps its addresses (docs/conflicts.md).  All of it is per thread
// (site_local), like the rest of the policy.
#pragma once

#include <cstdint>

#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm::detail {

inline constexpr std::uint32_t ro_learn = 8;
inline constexpr std::uint8_t ro_max_shift = 10;
inline constexpr std::uint32_t ro_restart_weight = 8;
inline constexpr std::uint32_t ro_debt_limit = 64;
inline constexpr std::uint32_t ro_attempts = 1;

// `aborts`: the transaction's software aborts so far.  Two tests in the
// common case (a site that writes, NOrec, mode learn): g_config.first_software
// and the site's flag; a read-only site's adds the aborts and the thread's
// heat.  A "hot" thread (one that had a software abort in its last
// hot_window transactions, run.hpp) runs logged, so that conflicts keep
// their addresses while they happen and revalidate instead of restarting.
// The other modes out of the way: the orec algorithm has no unlogged
// attempts, though a site may still carry a flag learnt under NOrec (tests
// switch algorithms).  HYTM_STM_READ_ONLY=always starts the first attempt
// unlogged everywhere (at a site learnt read-only, only on a calm thread).
[[gnu::noinline, gnu::cold]] inline software_start start_kind_other(const thread_ctx& ctx,
                                                                 std::uint32_t aborts) noexcept {
  switch (g_config.first_software) {
    case software_start::unlogged:
      return aborts < ro_attempts && (!ctx.site->unlogged || ctx.hot == 0)
                 ? software_start::unlogged
                 : software_start::logged;
    case software_start::orec: return software_start::orec;
    default: return software_start::logged;
  }
}

inline software_start start_kind(const thread_ctx& ctx, std::uint32_t aborts) noexcept {
  if (HYTM_LIKELY(g_config.first_software == software_start::logged)) {  // NOrec, learn
    if (HYTM_LIKELY(!ctx.site->unlogged) || aborts >= ro_attempts || ctx.hot != 0)
      return software_start::logged;
    return software_start::unlogged;
  }
  return start_kind_other(ctx, aborts);
}

inline void unlearn_read_only(site_local& s) noexcept {
  s.unlogged = false;
  s.ro_streak = 0;
  s.ro_debt = 0;
  if (s.ro_shift < ro_max_shift) ++s.ro_shift;
}

// After a software commit; `read_only`: it wrote nothing.
inline void note_stm_commit(site_local& s, bool unlogged, bool read_only) noexcept {
  if (!read_only) {
    s.ro_streak = 0;
  } else if (unlogged) {
    if (HYTM_UNLIKELY(s.ro_debt != 0)) --s.ro_debt;  // a store only when there is debt
  } else if (HYTM_UNLIKELY(++s.ro_streak >= (ro_learn << s.ro_shift))) {
    s.unlogged = g_config.read_only == read_only_mode::learn;
  }
}

// After a software attempt that did not commit.  A logged one breaks the
// streak: a site whose reads conflict would restart unlogged, and its
// conflicts would lose their addresses (docs/conflicts.md), so it learns only
// from commits in a row with no abort between them.  An unlogged attempt
// that saw its snapshot move (`validation`; not a store, which unlearns at
// once, nor tx.restart()) adds to the debt.
inline void note_stm_abort(site_local& s, bool unlogged, stm::abort_reason why) noexcept {
  if (!unlogged) {
    s.ro_streak = 0;
    return;
  }
  if (!s.unlogged || why != stm::abort_reason::validation) return;
  s.ro_debt += ro_restart_weight;
  if (s.ro_debt > ro_debt_limit) unlearn_read_only(s);
}

}  // namespace hytm::detail
