// options.hpp: the command line of hytm-bench, and the run plan it implies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workload.hpp"

namespace hytm_bench {

struct options {
    std::vector<std::string> workloads;  // catalogue names, in catalogue order
    std::vector<std::string> impls;
    std::vector<int> threads;
    double duration = 0.2;        // seconds per timed run
    std::vector<long> updates;    // empty: each workload's default update rates
    std::optional<long> size;     // overrides every selected workload's "size"
    params overrides;             // --param key=value
    std::string out_dir = "hytm-bench-out";
    std::optional<std::string> json_path, csv_path, plots_dir;  // default: inside out_dir
    bool pin = true;
    bool list = false;
    bool help = false;
    bool callgrind = false;
    bool model_check = false;     // --model-check: the RTM model against the CPU (model_check.hpp)
    std::uint64_t callgrind_ops = 4000;

    // Internal: set by the parent when it re-executes itself for one implementation.
    std::string child_impl;
    int result_fd = -1;
    bool capacity_probe = false;  // the model's capacity probe (model_check.hpp)
    bool counted = false;  // count runs of callgrind_ops and 2 x callgrind_ops operations for callgrind

    std::vector<std::string> argv;  // as given, for re-execution and the report

    std::string json_file() const;
    std::string csv_file() const;
    std::string plots_directory() const;
};

// Throws std::invalid_argument with a message for the user.
options parse_options(int argc, char** argv);
std::string usage();

// The workload configurations to run, in order: one per workload and update rate.
std::vector<workload_config> plan_configs(const options& o);
// The thread counts an implementation runs at.
std::vector<int> plan_threads(const options& o, bool single_thread);

}  // namespace hytm_bench
