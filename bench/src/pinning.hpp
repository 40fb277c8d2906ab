// pinning.hpp: where worker threads run. Worker i goes to the i-th processing unit in the order
// "first PU of every core, then second PU of every core, ...", so two threads use two cores before
// any pair of hyper-threads shares one core's L1 (and, with RTM, its transactional capacity).
#pragma once

#include <string>
#include <vector>

struct hwloc_topology;

namespace hytm_bench {

class cpu_pinning {
  public:
    cpu_pinning();
    ~cpu_pinning();
    cpu_pinning(const cpu_pinning&) = delete;
    cpu_pinning& operator=(const cpu_pinning&) = delete;

    // Binds the calling thread; returns the OS index of its PU, or -1 if binding failed.
    int pin_this_thread(int worker) const;
    int cores() const { return cores_; }
    int pus() const { return static_cast<int>(order_.size()); }
    std::string cpu_model() const { return model_; }
    // The L1 data cache of the first PU: size in bytes and ways; 0 where hwloc does not know.
    long l1d_size() const { return l1d_size_; }
    int l1d_ways() const { return l1d_ways_; }

  private:
    hwloc_topology* topology_ = nullptr;
    std::vector<unsigned> order_;  // OS indexes of PUs, in pinning order
    int cores_ = 0;
    std::string model_;
    long l1d_size_ = 0;
    int l1d_ways_ = 0;
};

}  // namespace hytm_bench
