#include "pinning.hpp"

#include <hwloc.h>

namespace hytm_bench {

cpu_pinning::cpu_pinning() {
    if (hwloc_topology_init(&topology_) != 0) {
        topology_ = nullptr;
        return;
    }
    if (hwloc_topology_load(topology_) != 0) {
        hwloc_topology_destroy(topology_);
        topology_ = nullptr;
        return;
    }
    cores_ = hwloc_get_nbobjs_by_type(topology_, HWLOC_OBJ_CORE);
    for (unsigned round = 0;; ++round) {
        bool any = false;
        for (int c = 0; c < cores_; ++c) {
            hwloc_obj_t core = hwloc_get_obj_by_type(topology_, HWLOC_OBJ_CORE, static_cast<unsigned>(c));
            hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(topology_, core->cpuset, HWLOC_OBJ_PU, round);
            if (pu == nullptr) continue;
            order_.push_back(pu->os_index);
            any = true;
        }
        if (!any) break;
    }
    if (hwloc_obj_t l1 = hwloc_get_obj_by_type(topology_, HWLOC_OBJ_L1CACHE, 0); l1 != nullptr && l1->attr != nullptr) {
        l1d_size_ = static_cast<long>(l1->attr->cache.size);
        l1d_ways_ = l1->attr->cache.associativity > 0 ? l1->attr->cache.associativity : 0;
    }
    if (hwloc_obj_t package = hwloc_get_obj_by_type(topology_, HWLOC_OBJ_PACKAGE, 0)) {
        if (const char* m = hwloc_obj_get_info_by_name(package, "CPUModel")) model_ = m;
    }
}

cpu_pinning::~cpu_pinning() {
    if (topology_ != nullptr) hwloc_topology_destroy(topology_);
}

int cpu_pinning::pin_this_thread(int worker) const {
    if (topology_ == nullptr || order_.empty()) return -1;
    // More workers than PUs share PUs round-robin: oversubscribed, but still deterministic.
    unsigned pu = order_[static_cast<std::size_t>(worker) % order_.size()];
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_bitmap_only(set, pu);
    int rc = hwloc_set_cpubind(topology_, set, HWLOC_CPUBIND_THREAD);
    hwloc_bitmap_free(set);
    return rc == 0 ? static_cast<int>(pu) : -1;
}

}  // namespace hytm_bench
