// profiler_json_writer PATH: runs the profiler scenario (scenario.hpp) on the
// paths the environment selects (HYTM_HTM=off or emulate) and writes
// hytm::stats_json() to PATH.  The profiler.report test feeds that file to
// tools/hytm-report.  (HYTM_STATS=json:PATH writes the same document at exit;
// the env.stats.json_file test covers that route.)
#include <hytm/stats.hpp>

#include <cstdio>
#include <fstream>

#include "scenario.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: profiler_json_writer PATH\n");
    return 2;
  }
  const auto shared_aborts = [] {
    for (const auto& s : hytm::statistics().sites)
      if (s.name == profiler::shared_site)
        return s.counters[hytm::ctr::stm_abort_validation] + s.counters[hytm::ctr::stm_abort_lock] +
               s.counters[hytm::ctr::htm_abort_conflict];
    return std::uint64_t{0};
  };
  const profiler::round_result r = profiler::run_until_conflicts(100, shared_aborts);
  if (static_cast<std::uint64_t>(total_count) != r.shared_commits) {
    std::fprintf(stderr, "total_count is %ld after %llu increments\n", total_count,
                 static_cast<unsigned long long>(r.shared_commits));
    return 1;
  }
  std::ofstream out(argv[1]);
  out << hytm::stats_json() << "\n";
  out.close();
  if (!out) {
    std::fprintf(stderr, "could not write %s\n", argv[1]);
    return 1;
  }
  std::printf("%llu shared and %llu disjoint increments\n",
              static_cast<unsigned long long>(r.shared_commits),
              static_cast<unsigned long long>(r.disjoint_commits));
  return 0;
}
