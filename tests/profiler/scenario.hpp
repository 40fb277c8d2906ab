// scenario.hpp: the conflict profiler's test program, shared by the
// GoogleTest cases (profiler_test.cpp) and the JSON writer that the
// hytm-report test runs (json_writer.cpp).
//
// Two named call sites run on two threads:
//   profiler.shared    increments the global `total_count`: every pair of
//                      concurrent transactions conflicts on it;
//   profiler.disjoint  increments the calling thread's own slot of
//                      `disjoint_slots` (its own cache line): no conflict.
#pragma once

#include <hytm/hytm.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#ifndef HYTM_STRESS_SCALE
#define HYTM_STRESS_SCALE 1
#endif

// Namespace scope, external linkage: the symbol the report must name.  One
// line of its own, so the RTM model's conflict line is the counter's line and
// nothing else's (docs/conflicts.md explains what an unaligned one shows).
alignas(64) extern long total_count;

namespace profiler {

inline constexpr const char* shared_site = "profiler.shared";
inline constexpr const char* disjoint_site = "profiler.disjoint";

struct alignas(64) slot {
  long value = 0;
};
extern slot disjoint_slots[2];

struct round_result {
  std::uint64_t shared_commits = 0;    // increments of total_count
  std::uint64_t disjoint_commits = 0;  // increments of the slots
};

// Both threads start together (a spin barrier, so that on two cores they
// overlap) and each runs `iterations` of: one shared increment, one
// disjoint increment.
inline round_result run_round(long iterations) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  std::uint64_t shared[2] = {0, 0};
  std::uint64_t disjoint[2] = {0, 0};
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
      for (long i = 0; i < iterations; ++i) {
        hytm::atomic(hytm::site(shared_site), [&](auto& tx) {
          tx.store(total_count, tx.load(total_count) + 1);
        });
        ++shared[t];
        hytm::atomic(hytm::site(disjoint_site), [&](auto& tx) {
          tx.store(disjoint_slots[t].value, tx.load(disjoint_slots[t].value) + 1);
        });
        ++disjoint[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  return {shared[0] + shared[1], disjoint[0] + disjoint[1]};
}

// Rounds until the shared site has aborted at least `min_aborts` times
// (two threads on two cores conflict within the first round; a loaded
// machine may need more), or the time is up.
template <class AbortsSoFar>
round_result run_until_conflicts(std::uint64_t min_aborts, AbortsSoFar aborts_so_far,
                                 std::chrono::milliseconds limit = std::chrono::seconds(4)) {
  const long iterations = 20000 / HYTM_STRESS_SCALE;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  round_result total;
  do {
    const round_result r = run_round(iterations);
    total.shared_commits += r.shared_commits;
    total.disjoint_commits += r.disjoint_commits;
  } while (aborts_so_far() < min_aborts && std::chrono::steady_clock::now() < deadline);
  return total;
}

}  // namespace profiler
