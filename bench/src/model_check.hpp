// model_check.hpp: hytm-bench --model-check, the RTM model held against the CPU.
//
// Runs the selected workloads on hytm's hardware path twice with the same settings, on real RTM
// (HYTM_HTM=force) and on the RTM model (HYTM_HTM=emulate), and prints side by side the share of
// hardware starts that commit and that abort by cause, with the difference; then the capacity
// curve (commit rate against lines written, consecutive and in one L1 set) of a plain RTM region
// on the CPU and of hytm's hardware path on the model, with plots. Real RTM runs only where it
// commits (rtm::usable()); elsewhere the command says so and runs the model alone.
#pragma once

#include "options.hpp"

namespace hytm_bench {

int model_check_main(const options& o);

// The child that probes the model's capacity (--child hytm-emu --capacity-probe): one JSON event
// per point on the result pipe.
int capacity_child_main(const options& o);

}  // namespace hytm_bench
