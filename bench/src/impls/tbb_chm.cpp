// tbb_chm.cpp: the hash-set workload on tbb::concurrent_hash_map, the fine-grained structure a
// programmer would reach for instead of a transaction. Only "hashset" has this implementation.
#include <oneapi/tbb/concurrent_hash_map.h>

#include "../workloads/intset.hpp"
#include "exec.hpp"
#include "factories.hpp"

namespace hytm_bench {
namespace {

// The integer-set interface over concurrent_hash_map: the access policy is ignored, since the
// map synchronizes itself (seq_exec passes a plain one through).
class chm_set {
  public:
    explicit chm_set(std::size_t expected_size) : map_(expected_size) {}

    template <class A>
    bool contains(A&, long key) {
        return map_.count(key) != 0;
    }
    template <class A>
    bool insert(A&, long key) {
        return map_.insert({key, 0});
    }
    template <class A>
    bool remove(A&, long key) {
        return map_.erase(key);
    }
    validation validate() const { return {map_.size(), {}}; }

  private:
    tbb::concurrent_hash_map<long, char> map_;
};

}  // namespace

template <> struct intset_sites<chm_set> {
    static constexpr const char *contains = "", *insert = "", *remove = "";
};

std::unique_ptr<workload_run> make_tbb_chm_run(const workload_config& cfg) {
    if (cfg.workload != "hashset") return nullptr;
    return std::make_unique<intset_run<seq_exec, chm_set>>(cfg);
}

}  // namespace hytm_bench
