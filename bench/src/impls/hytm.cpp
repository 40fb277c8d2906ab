// hytm.cpp: every workload on hytm. The body gets hytm's own transaction handle as its access
// policy, so the structure code is the sequential code with each shared access routed through
// tx.load/tx.store. Which path runs (auto, software only, serial only, emulated RTM) is hytm's
// environment, read once per process: the driver runs each configuration in its own child.
#include <hytm/hytm.hpp>

#include "../workloads/all.hpp"
#include "factories.hpp"

namespace hytm_bench {
namespace {

struct hytm_exec {
    template <class Body>
    auto run(const char* site, Body&& body) {
        return hytm::atomic(hytm::site(site), [&](auto& tx) { return body(tx); });
    }
};

}  // namespace

std::unique_ptr<workload_run> make_hytm_run(const workload_config& cfg) { return make_workload_run<hytm_exec>(cfg); }

void hytm_reset_stats() { hytm::reset_stats(); }
std::string hytm_stats_json() { return hytm::stats_json(); }

void hytm_write_lines(const char* site, char* base, int lines, std::size_t stride, int trials) {
    for (int t = 0; t < trials; ++t) {
        hytm::atomic(hytm::site(site), [&](auto& tx) {
            for (int i = 0; i < lines; ++i) tx.store(base[static_cast<std::size_t>(i) * stride], static_cast<char>(i + t));
            return 0;
        });
    }
}

}  // namespace hytm_bench
