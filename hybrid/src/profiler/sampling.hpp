// sampling.hpp: sampled attribution of hardware aborts (sampling.cpp;
// docs/conflicts.md, "Sampled findings").  Private to libhytm.
//
// Real RTM reports why an attempt aborted (conflict, capacity) and never
// where.  When a site's hardware attempts abort often, some of its aborting
// transactions run on as *samples* on the software path, whose read log and
// write set say what they touch: NOrec's validation names the address whose
// value changed (whoever changed it: a software writer, or a hardware commit,
// which moves `external`), the sample's logs give its footprint, and a small
// ring of the lines recent samples wrote shows false sharing.
//
// Everything here runs after an abort or at a sample's end, never at a
// start or a commit of a site that does not abort: a site pays for sampling
// only once its hardware attempts abort.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm::detail {

// The rule.  A window is sample_window hardware attempts of the site (per
// thread); it arms the sampler once its conflict and capacity aborts are at
// least sample_min_aborts and at least a quarter of its attempts so far.
// Armed, the site owes sample_burst samples: the transaction of the arming
// abort is the first, and each later one is the transaction of the first
// conflict or capacity abort at least sample_gap hardware attempts after the
// previous sample.  An abort that arms it again while it still owes some
// refills the burst, it does not add to it.  So at most one hardware attempt
// in sample_gap leads to a sample, and only at a site that aborts.
inline constexpr std::uint32_t sample_window = 64;
inline constexpr std::uint32_t sample_min_aborts = 8;
inline constexpr std::uint32_t sample_gap = 16;
inline constexpr std::uint32_t sample_burst = 4;
// Written lines a sample publishes in the writers' ring, the ring's size, and
// the age past which an entry is no longer a recent writer's.
inline constexpr std::size_t ring_lines_per_sample = 8;
inline constexpr std::size_t ring_size = 64;
inline constexpr std::int64_t ring_max_age_ns = 10'000'000;

// After a hardware attempt of ctx's site aborted with `status` and the policy
// chose `next`: the path to take.  `next`, or the software path when this
// abort's transaction is to be a sample (counted paths.stm.samples, and
// fallbacks.sample where the policy would have stayed in hardware).
path_kind sample_after_htm_abort(thread_ctx& ctx, unsigned status, path_kind next) noexcept;

// A software attempt aborted (epilogue.cpp, stm_aborted, before the logs
// are cleared).  True: the transaction is a sample, and what the attempt saw
// is recorded as sampled; false: it is not, the caller records as usual.
bool sample_attempt_aborted(thread_ctx& ctx) noexcept;

// The sample in flight on this thread: its site, and the footprint
// countdown it borrowed.  Only this thread's out-of-line code, outside any
// hardware region, reads or writes it.
struct active_sample {
  site_local* site = nullptr;     // null: no sample runs
  std::uint64_t saved_clock = 0;  // ctx.footprint_clock before the sample took it
  bool saw_change = false;        // one of its attempts found a changed value
};
extern __thread active_sample t_sample __attribute__((tls_model("initial-exec")));

// A commit on path p reached sample_footprint() with a sample in flight
// (t_sample.site; epilogue.hpp: a sample sets the footprint countdown to fire
// at its commit).  Ends the sample there (its footprint, the writers' ring)
// and restores the countdown.  Returns whether the ordinary footprint sample
// is due at this commit.
bool sample_commit(thread_ctx& ctx, path_kind p);

// The transaction leaves by an exception: a sample in flight ends unmeasured.
void sample_dropped(thread_ctx& ctx) noexcept;

// Empties the writers' ring (reset_stats: what was seen before is forgotten).
void sample_ring_clear() noexcept;

// Forgets the site's trigger (testing::forget_site_policy).
void sample_forget(site_local& s) noexcept;

// The L1 data cache of processor 0 from hwloc (config.cpp); false if unknown.
bool l1_geometry_from_hwloc(std::size_t& size, std::size_t& ways);

}  // namespace hytm::detail
