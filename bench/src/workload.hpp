// workload.hpp: the interface between the driver and one benchmark run.
//
// A run is made by an implementation's factory (impls/) from a workload_config, prepared on one
// thread, then run_thread() is called on every worker at once until run_control says stop, then
// check() verifies the final state. The driver owns threads, pinning, timing and statistics;
// a workload owns its data and its notion of one "operation" (the unit of the throughput figure).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace hytm_bench {

// Named integer parameters (size, update, ...), printed into the report as they are.
using params = std::map<std::string, long>;

struct workload_config {
    std::string workload;  // a name from the workload catalogue
    params p;

    long get(const std::string& key) const { return p.at(key); }
    std::string label() const;  // "list size=256 update=20"
};

// When to stop: a timed run stops on a flag the driver raises; a counted run (callgrind mode)
// after a fixed number of operations per thread, so that two runs do identical work.
class run_control {
  public:
    explicit run_control(std::uint64_t op_budget) : budget_(op_budget) {}
    bool keep_going(std::uint64_t ops_done) const {
        // Every worker does at least one operation, so that a run on a loaded machine, whose
        // worker was scheduled only after the stop, still measures something.
        // Relaxed: the flag carries no data, and a worker that sees it late runs one more op.
        return ops_done == 0 || (ops_done < budget_ && !stop_.load(std::memory_order_relaxed));
    }
    void stop() { stop_.store(true, std::memory_order_relaxed); }

  private:
    std::uint64_t budget_;
    std::atomic<bool> stop_{false};
};

class workload_run {
  public:
    virtual ~workload_run() = default;
    // Builds the initial state for `threads` workers; not timed.
    virtual void prepare(int threads) = 0;
    // The worker's loop; returns the number of operations it completed.
    virtual std::uint64_t run_thread(int thread_id, const run_control& ctl) = 0;
    // After all workers joined: an empty string when the final state is correct, else what is wrong.
    virtual std::string check() = 0;
};

// xoshiro256** (Blackman and Vigna): fast, and seeded per thread so a one-thread run is repeatable
// instruction for instruction (callgrind mode depends on it).
class rng {
  public:
    explicit rng(std::uint64_t seed) {
        for (auto& w : s_) w = seed = splitmix(seed);
    }
    std::uint64_t next() {
        std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    // Uniform in [0, n) for n < 2^32 (Lemire's multiply-shift on the high 32 bits; bias < n / 2^32).
    std::uint64_t below(std::uint64_t n) { return ((next() >> 32) * n) >> 32; }

  private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix(std::uint64_t x) {
        x += 0x9E3779B97F4A7C15ull;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        return x ^ (x >> 31);
    }
    std::uint64_t s_[4];
};

// Per-thread counters live on their own cache lines, so counting does not add false conflicts.
template <class T>
struct alignas(64) padded {
    T value{};
};

}  // namespace hytm_bench
