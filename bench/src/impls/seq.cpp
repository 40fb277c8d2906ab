// seq.cpp: the uninstrumented single-thread build of every workload.
#include "../workloads/all.hpp"
#include "exec.hpp"
#include "factories.hpp"

namespace hytm_bench {

std::unique_ptr<workload_run> make_seq_run(const workload_config& cfg) { return make_workload_run<seq_exec>(cfg); }

}  // namespace hytm_bench
