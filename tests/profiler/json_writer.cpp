// profiler_json_writer PATH [--scripted]: runs the profiler scenario
// (scenario.hpp) on the paths the environment selects (HYTM_HTM=off or
// emulate), or with --scripted on the scripted hardware path whose every
// attempt aborts with a conflict (so that the sites take samples on the
// software path, docs/conflicts.md), and writes hytm::stats_json() to PATH.  The profiler.report test feeds that file to
// tools/hytm-report.  (HYTM_STATS=json:PATH writes the same document at exit;
// the env.stats.json_file test covers that route.)
#include <hytm/htm/abort_status.hpp>
#include <hytm/stats.hpp>
#include <hytm/testing.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "scenario.hpp"

int main(int argc, char** argv) {
  const bool scripted = argc == 3 && std::strcmp(argv[2], "--scripted") == 0;
  if (argc != 2 && !scripted) {
    std::fprintf(stderr, "usage: profiler_json_writer PATH [--scripted]\n");
    return 2;
  }
  if (scripted) {
    namespace bit = hytm::htm::status_bit;
    hytm::testing::set_mode({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 8, 64});
    hytm::testing::script_htm_repeat(bit::conflict | bit::retry, 8000000);
  }
  // Scripted, every hardware attempt aborts: what counts is the samples' sightings.
  const auto shared_aborts = [scripted] {
    std::uint64_t n = 0;
    for (const auto& s : hytm::statistics().sites) {
      if (s.name != profiler::shared_site) continue;
      if (!scripted)
        return s.counters[hytm::ctr::stm_abort_validation] + s.counters[hytm::ctr::stm_abort_lock] +
               s.counters[hytm::ctr::htm_abort_conflict];
      for (const auto& f : s.sampled.findings) n += f.aborts * 25;  // 4 sightings suffice
    }
    return n;
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
