// counters.hpp: the engine's statistics as one flat array of counters per
// thread (and per thread and call site).
//
// A counter is written only by its owning thread, with a relaxed load and a
// relaxed store (no locked instruction, no shared line); readers on other
// threads load it relaxed and may see a slightly old value, which is all a
// statistic needs.  Aggregation sums the arrays of every thread, including
// threads that have exited (their records are kept).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace hytm {

// X(enumerator, json path)
#define HYTM_COUNTERS(X)                                   \
  X(htm_starts, "paths.htm.starts") /* derived */          \
  X(htm_commits, "paths.htm.commits")                      \
  X(htm_abort_explicit, "paths.htm.aborts.explicit")       \
  X(htm_abort_capacity, "paths.htm.aborts.capacity")       \
  X(htm_abort_conflict, "paths.htm.aborts.conflict")       \
  X(htm_abort_debug, "paths.htm.aborts.debug")             \
  X(htm_abort_nested, "paths.htm.aborts.nested")           \
  X(htm_abort_other, "paths.htm.aborts.other")             \
  X(htm_abort_retry, "paths.htm.aborts.retry")             \
  X(htm_code_serial_lock, "paths.htm.explicit.serial_lock") \
  X(htm_code_stm_writer, "paths.htm.explicit.stm_writer")  \
  X(htm_code_irrevocable, "paths.htm.explicit.irrevocable") \
  X(htm_code_exception, "paths.htm.explicit.exception")    \
  X(htm_code_restart, "paths.htm.explicit.restart")        \
  X(htm_code_lock_busy, "paths.htm.explicit.lock_busy")    \
  X(htm_code_refill, "paths.htm.explicit.refill")          \
  X(htm_code_user, "paths.htm.explicit.user")              \
  X(htm_progress_waits, "paths.htm.progress_waits")        \
  X(htm_code_mapped, "paths.htm.code_mapped")              \
  X(stm_starts, "paths.stm.starts") /* derived, in part */ \
  X(stm_commits, "paths.stm.commits") /* derived, in part */ \
  X(stm_commits_read_only, "paths.stm.commits_read_only")  \
  X(stm_abort_validation, "paths.stm.aborts.validation")   \
  X(stm_abort_lock, "paths.stm.aborts.lock")               \
  X(stm_abort_explicit, "paths.stm.aborts.explicit")       \
  X(stm_samples, "paths.stm.samples") /* sampling.hpp */   \
  X(serial_starts, "paths.serial.starts") /* derived */    \
  X(serial_commits, "paths.serial.commits")                \
  X(serial_rollbacks, "paths.serial.rollbacks")            \
  X(lock_elided, "paths.elide.elided")                     \
  X(lock_taken, "paths.elide.locked")                      \
  X(fb_capacity, "fallbacks.capacity")                     \
  X(fb_budget, "fallbacks.budget")                         \
  X(fb_no_rtm, "fallbacks.no_rtm")                         \
  X(fb_site_disabled, "fallbacks.site_disabled")           \
  X(fb_first_touch, "fallbacks.first_touch")               \
  X(fb_irrevocable, "fallbacks.irrevocable")               \
  X(fb_exception, "fallbacks.exception")                   \
  X(fb_starvation, "fallbacks.starvation")                 \
  X(fb_solo, "fallbacks.solo")                             \
  X(fb_cost, "fallbacks.cost")                             \
  X(fb_sample, "fallbacks.sample")                         \
  X(exceptions, "exceptions")                              \
  X(ns_committed, "time.committed_ns")                     \
  X(ns_aborted, "time.aborted_ns")                         \
  X(ns_htm_aborted, "time.htm_aborted_ns") /* of ns_aborted */

enum class ctr : std::uint16_t {
#define HYTM_X(e, path) e,
  HYTM_COUNTERS(HYTM_X)
#undef HYTM_X
  count_
};
inline constexpr std::size_t counter_count = static_cast<std::size_t>(ctr::count_);

// Footprint histograms: distinct cache lines per committed transaction, in
// power-of-two buckets: [0], [1], [2,3], [4,7], ... , [2^14, inf).
enum class footprint : std::uint8_t { stm_reads, stm_writes, serial_writes, count_ };
inline constexpr std::size_t footprint_count = static_cast<std::size_t>(footprint::count_);
inline constexpr std::size_t footprint_buckets = 16;

inline std::size_t footprint_bucket(std::uint64_t lines) noexcept {
  if (lines == 0) return 0;
  const std::size_t b = 64 - static_cast<std::size_t>(__builtin_clzll(lines));
  return b < footprint_buckets ? b : footprint_buckets - 1;
}

struct counter {
  std::atomic<std::uint64_t> v{0};
  // Always inline: GCC made an out-of-line clone of it in hytm-bench.
  [[gnu::always_inline]] void add(std::uint64_t n = 1) noexcept {
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

struct counter_block {
  std::array<counter, counter_count> c;
  std::array<std::array<counter, footprint_buckets>, footprint_count> fp;
  counter& operator[](ctr i) noexcept { return c[static_cast<std::size_t>(i)]; }
};

// A plain copy, for aggregation.
struct counter_values {
  std::array<std::uint64_t, counter_count> c{};
  std::array<std::array<std::uint64_t, footprint_buckets>, footprint_count> fp{};
  std::uint64_t operator[](ctr i) const noexcept { return c[static_cast<std::size_t>(i)]; }
  void add(const counter_block& b) noexcept {
    for (std::size_t i = 0; i < counter_count; ++i) c[i] += b.c[i].get();
    // Implied counts, not counted on the fast path: every serial attempt
    // ends in a commit or a rollback; every hardware attempt (hytm::atomic,
    // the C interface, hytm::elide) in a commit or an abort counted under
    // exactly one cause (count_htm_abort); every software attempt in a
    // commit or in stm_aborted(), which counts it in the raw stm_starts; a
    // software commit is counted once, raw stm_commits holding the writers'.
    auto raw = [&](ctr k) { return b.c[static_cast<std::size_t>(k)].get(); };
    c[static_cast<std::size_t>(ctr::stm_commits)] += raw(ctr::stm_commits_read_only);
    c[static_cast<std::size_t>(ctr::stm_starts)] +=
        raw(ctr::stm_commits) + raw(ctr::stm_commits_read_only);
    c[static_cast<std::size_t>(ctr::serial_starts)] +=
        raw(ctr::serial_commits) + raw(ctr::serial_rollbacks);
    c[static_cast<std::size_t>(ctr::htm_starts)] +=
        raw(ctr::htm_commits) + raw(ctr::htm_abort_explicit) + raw(ctr::htm_abort_capacity) +
        raw(ctr::htm_abort_conflict) + raw(ctr::htm_abort_debug) + raw(ctr::htm_abort_nested) +
        raw(ctr::htm_abort_other);
    for (std::size_t f = 0; f < footprint_count; ++f)
      for (std::size_t k = 0; k < footprint_buckets; ++k) fp[f][k] += b.fp[f][k].get();
  }
  void add(const counter_values& o) noexcept {
    for (std::size_t i = 0; i < counter_count; ++i) c[i] += o.c[i];
    for (std::size_t f = 0; f < footprint_count; ++f)
      for (std::size_t k = 0; k < footprint_buckets; ++k) fp[f][k] += o.fp[f][k];
  }
  // Saturating: a reset baseline taken while threads run may be a little
  // ahead of a later relaxed read.
  void subtract(const counter_values& o) noexcept {
    for (std::size_t i = 0; i < counter_count; ++i) c[i] = c[i] > o.c[i] ? c[i] - o.c[i] : 0;
    for (std::size_t f = 0; f < footprint_count; ++f)
      for (std::size_t k = 0; k < footprint_buckets; ++k)
        fp[f][k] = fp[f][k] > o.fp[f][k] ? fp[f][k] - o.fp[f][k] : 0;
  }
};

}  // namespace hytm
