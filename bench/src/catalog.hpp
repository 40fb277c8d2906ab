// catalog.hpp: the names the driver accepts (--workloads, --impls, --list): each workload with its
// parameters and defaults, each implementation with its factory and process environment.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "impls/factories.hpp"
#include "workload.hpp"

namespace hytm_bench {

struct workload_info {
    std::string name;
    std::string description;
    params defaults;                    // every parameter the workload reads, with its default
    std::vector<long> default_updates;  // runs per update rate when --update is not given
    // Callgrind mode runs callgrind_ops / op_weight operations: more than one round for the
    // workloads that run in rounds, or the two counted runs would do the same work.
    int op_weight = 1;
};

struct impl_info {
    std::string name;
    std::string description;
    run_factory factory;  // nullptr: not built into this binary (see why_missing)
    std::string why_missing;
    // Environment of the child process that runs it; these variables are removed from the
    // inherited environment first, so a user's HYTM_HTM cannot change what "hytm-stm" means.
    std::vector<std::pair<std::string, std::string>> env;
    bool single_thread = false;  // seq: runs at one thread only, whatever --threads says
    bool hytm = false;           // has hytm statistics
    std::string only_workload;   // non-empty: implements this workload alone (tbb-chm)
    bool elides = false;         // a lock-elision peer: counts its sections run in hardware (rtm.hpp)
    std::vector<std::string> not_workloads;  // workloads it does not implement (tinystm)

    bool runs(const std::string& workload) const {
        if (!only_workload.empty() && only_workload != workload) return false;
        for (const std::string& w : not_workloads)
            if (w == workload) return false;
        return true;
    }
};

const std::vector<workload_info>& workloads();
const std::vector<impl_info>& implementations();
// Configurations only --model-check runs (not in --list or "all"): hytm-rtm, hytm on real RTM
// (HYTM_HTM=force), which it starts only where RTM commits.
const std::vector<impl_info>& model_check_implementations();
const workload_info* find_workload(const std::string& name);
const impl_info* find_impl(const std::string& name);  // in both lists

// Variables that select a TM path (and LD_BIND_NOW, which only itm-default sets); cleared in every
// child before its own are set.
const std::vector<std::string>& path_variables();

}  // namespace hytm_bench
