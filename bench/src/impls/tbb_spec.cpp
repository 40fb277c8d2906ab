// tbb_spec.cpp: every workload under one tbb::speculative_spin_mutex. oneTBB elides the lock with
// RTM only when its user is compiled with -mrtm (CMake sets it on this file alone); it checks
// CPUID at run time and takes the lock for real where there is no TSX, as on AMD.
#include <oneapi/tbb/spin_mutex.h>

#include "../workloads/all.hpp"
#include "exec.hpp"
#include "factories.hpp"

namespace hytm_bench {

std::unique_ptr<workload_run> make_tbb_spec_run(const workload_config& cfg) {
    return make_workload_run<lock_exec<tbb::speculative_spin_mutex>>(cfg);
}

}  // namespace hytm_bench
