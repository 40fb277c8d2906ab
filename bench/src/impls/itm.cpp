// itm.cpp: every workload as GCC transactional memory (libitm). This file alone is compiled with
// -fgnu-tm; GCC instruments the plain accesses of the workload code it instantiates inside
// __transaction_atomic. The TM method (ml_wt, gl_wt, serialirr) is libitm's ITM_DEFAULT_METHOD,
// which it reads once per process: the driver runs each method in its own child process.
#include <cstddef>

#include "../workloads/all.hpp"
#include "exec.hpp"
#include "factories.hpp"

// libitm's bulk copy with a transactional read and a non-transactional write: what GCC emits for
// a memcpy into memory it can prove private. Declared here because libitm installs no header.
extern "C" __attribute__((transaction_pure)) void _ITM_memcpyRtWn(void* dst, const void* src, std::size_t n);

namespace hytm_bench {
namespace {

struct itm_access : plain_access {
    // The maze copies the grid into the thread's own buffer: only the reads are shared data.
    template <class T>
    void copy_in(T* dst, const T* src, std::size_t n) const {
        _ITM_memcpyRtWn(dst, src, n * sizeof(T));
    }
};

struct itm_exec {
    template <class Body>
    auto run(const char* /*site*/, Body&& body) {
        itm_access a;
        decltype(body(a)) result;
        __transaction_atomic {
            result = body(a);
        }
        return result;
    }
};

}  // namespace

std::unique_ptr<workload_run> make_itm_run(const workload_config& cfg) { return make_workload_run<itm_exec>(cfg); }

}  // namespace hytm_bench
