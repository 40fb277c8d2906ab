// plots.hpp: SVG plots drawn with gnuplot: throughput against threads for each workload, and
// hytm's aborts per commit, stacked by cause, for each path of each hytm configuration.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "options.hpp"
#include "parent.hpp"

namespace hytm_bench {

// Returns a line for the user: where the plots went, or why there are none.
std::string draw_plots(const std::string& dir, const options& o, const outcome& r);

// One line per curve, x against y, drawn with gnuplot into DIR/NAME.svg (with NAME.dat and
// NAME.gp beside it); returns a line for the user: where the plot is, or why there is none.
struct curve {
    std::string title;
    std::vector<std::pair<double, double>> points;  // y may be NaN: a gap
};
std::string line_plot(const std::string& dir, const std::string& name, const std::string& title, const std::string& xlabel,
                      const std::string& ylabel, const std::vector<curve>& curves);

}  // namespace hytm_bench
