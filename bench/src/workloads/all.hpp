// all.hpp: every workload, instantiated for one Exec. Included once per implementation family's
// translation unit, so each family gets the same workload code compiled with its own flags.
#pragma once

#include <memory>

#include "bank.hpp"
#include "counter.hpp"
#include "intset.hpp"
#include "kmeans.hpp"
#include "maze.hpp"
#include "vacation.hpp"

namespace hytm_bench {

template <class Exec>
std::unique_ptr<workload_run> make_workload_run(const workload_config& cfg) {
    const std::string& w = cfg.workload;
    if (w == "list") return std::make_unique<intset_run<Exec, list_set>>(cfg);
    if (w == "skiplist") return std::make_unique<intset_run<Exec, skip_list>>(cfg);
    if (w == "rbtree") return std::make_unique<intset_run<Exec, rb_set>>(cfg);
    if (w == "hashset") return std::make_unique<intset_run<Exec, hash_set>>(cfg);
    if (w == "bank") return std::make_unique<bank_run<Exec>>(cfg);
    if (w == "counter") return std::make_unique<counter_run<Exec>>(cfg);
    if (w == "vacation") return std::make_unique<vacation_run<Exec>>(cfg);
    if (w == "kmeans") return std::make_unique<kmeans_run<Exec>>(cfg);
    if (w == "maze") return std::make_unique<maze_run<Exec>>(cfg);
    return nullptr;
}

}  // namespace hytm_bench
