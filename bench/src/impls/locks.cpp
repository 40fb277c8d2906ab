// locks.cpp: every workload under one global lock (std::mutex; tbb::spin_mutex).
#include <mutex>

#include "../workloads/all.hpp"
#include "exec.hpp"
#include "factories.hpp"

#if HYTM_BENCH_HAVE_TBB
#include <oneapi/tbb/spin_mutex.h>
#endif

namespace hytm_bench {

std::unique_ptr<workload_run> make_mutex_run(const workload_config& cfg) { return make_workload_run<lock_exec<std::mutex>>(cfg); }

#if HYTM_BENCH_HAVE_TBB
std::unique_ptr<workload_run> make_tbb_spin_run(const workload_config& cfg) {
    return make_workload_run<lock_exec<tbb::spin_mutex>>(cfg);
}
#endif

}  // namespace hytm_bench
