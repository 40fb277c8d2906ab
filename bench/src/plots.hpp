// plots.hpp: SVG plots drawn with gnuplot: throughput against threads for each workload, and
// hytm's aborts per commit, stacked by cause, for each path of each hytm configuration.
#pragma once

#include <string>

#include "options.hpp"
#include "parent.hpp"

namespace hytm_bench {

// Returns a line for the user: where the plots went, or why there are none.
std::string draw_plots(const std::string& dir, const options& o, const outcome& r);

}  // namespace hytm_bench
