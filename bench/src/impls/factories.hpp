// factories.hpp: one factory per implementation family, each defined in its own translation unit
// because the families need different compiler flags (-mrtm, -fgnu-tm) or libraries. A factory
// returns nullptr for a workload it does not implement.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "../workload.hpp"

namespace hytm_bench {

using run_factory = std::unique_ptr<workload_run> (*)(const workload_config&);

std::unique_ptr<workload_run> make_seq_run(const workload_config& cfg);
std::unique_ptr<workload_run> make_mutex_run(const workload_config& cfg);
#if HYTM_BENCH_HAVE_RTM_ELIDE
std::unique_ptr<workload_run> make_rtm_elide_run(const workload_config& cfg);
#endif
#if HYTM_BENCH_HAVE_TBB
std::unique_ptr<workload_run> make_tbb_spin_run(const workload_config& cfg);
std::unique_ptr<workload_run> make_tbb_spec_run(const workload_config& cfg);
std::unique_ptr<workload_run> make_tbb_chm_run(const workload_config& cfg);
#endif
#if HYTM_BENCH_HAVE_ITM
std::unique_ptr<workload_run> make_itm_run(const workload_config& cfg);
#endif
#if HYTM_BENCH_HAVE_TINYSTM
std::unique_ptr<workload_run> make_tinystm_run(const workload_config& cfg);
#endif
#if HYTM_BENCH_HAVE_HYTM
std::unique_ptr<workload_run> make_hytm_run(const workload_config& cfg);
void hytm_reset_stats();
std::string hytm_stats_json();
// `trials` transactions at the site named `site` (a string that outlives the process's use of
// it), each storing one byte into each of `lines` lines, `stride` bytes apart, from `base`.
void hytm_write_lines(const char* site, char* base, int lines, std::size_t stride, int trials);
#endif

}  // namespace hytm_bench
