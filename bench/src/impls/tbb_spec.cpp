// tbb_spec.cpp: every workload under one tbb::speculative_spin_mutex. oneTBB elides the lock with
// RTM only when its user is compiled with -mrtm (CMake sets it on this file alone); it checks
// CPUID at run time and takes the lock for real where there is no TSX, as on AMD.
//
// Whether it really elided is counted: inside each critical section _xtest() says whether it runs
// as a hardware transaction (an aborted section re-runs, so only the run that completed counts).
// _xtest() is executed only where CPUID shows RTM; elsewhere (AMD) it would raise SIGILL, and
// oneTBB takes the lock anyway.
#include <immintrin.h>

#include <oneapi/tbb/spin_mutex.h>

#include "../rtm.hpp"
#include "../workloads/all.hpp"
#include "exec.hpp"
#include "factories.hpp"

namespace hytm_bench {
namespace {

struct tbb_spec_exec {
    template <class Body>
    auto run(const char* /*site*/, Body&& body) {
        plain_access a;
        decltype(body(a)) result{};
        bool hardware = false;
        {
            // oneTBB's RTM mutex keeps per-acquisition state in its scoped_lock; it has no lock().
            tbb::speculative_spin_mutex::scoped_lock lock(mutex);
            result = body(a);
#if defined(__RTM__)
            hardware = rtm && _xtest() != 0;
#endif
        }
        rtm::elision().count(hardware);
        return result;
    }
    tbb::speculative_spin_mutex mutex;
    const bool rtm = rtm::cpu_has_rtm();  // read here, outside any transaction (CPUID aborts one)
};

}  // namespace

std::unique_ptr<workload_run> make_tbb_spec_run(const workload_config& cfg) { return make_workload_run<tbb_spec_exec>(cfg); }

}  // namespace hytm_bench
