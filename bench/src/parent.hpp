// parent.hpp: the driver's parent side: one child process per implementation, run one after
// the other (never two benchmarks at once), with a progress display, collecting the runs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "json.hpp"
#include "options.hpp"

namespace hytm_bench {

struct outcome {
    std::vector<json> runs;                                  // run objects, in plan order
    std::vector<std::pair<std::string, std::string>> unavailable;  // implementation, why
    std::vector<std::string> failures;                              // wrong results and crashes
    double wall_seconds = 0;
};

// Timed runs (or, with o.callgrind, counted runs under valgrind, each run then carrying
// "instructions" and "instructions_per_op").
outcome run_all(const options& o);

}  // namespace hytm_bench
