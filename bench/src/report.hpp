// report.hpp: what the parent makes of the runs: the tables on stdout, JSON, CSV.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"
#include "options.hpp"
#include "parent.hpp"

namespace hytm_bench {

std::string format_rate(double per_second);  // "12.3M", "456k"

// hytm's statistics for one run, reduced to what the tables and plots show. The engine's JSON is
// read tolerantly: each member of "paths" is a path with "commits" and "aborts", where "aborts"
// is either a number or an object of per-cause counts.
struct path_summary {
    double commits = 0;
    std::map<std::string, double> aborts;  // cause -> count
    double total_aborts() const;
};
std::map<std::string, path_summary> summarize_stats(const json& stats);

// A hytm run's commits and aborts summed over all paths; nothing for runs without statistics.
struct tx_totals {
    double commits = 0;
    double aborts = 0;
};
std::optional<tx_totals> hytm_totals(const json& run);

// The thread counts that occur in the runs, ascending.
std::vector<int> thread_counts(const outcome& r);

void print_tables(const options& o, const outcome& r);
void print_callgrind_tables(const options& o, const outcome& r);

json report_json(const options& o, const outcome& r);
void write_csv(const std::string& path, const outcome& r);

// Writes text to path, creating the parent directories; throws std::runtime_error.
void write_file(const std::string& path, const std::string& text);

}  // namespace hytm_bench
