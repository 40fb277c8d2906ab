// rtm.hpp: the bench's own view of Intel RTM, independent of the engine under test: whether the
// CPU offers it, whether a region really commits, the capacity of a plain RTM region, and the
// per-thread counters of the lock-elision peers (tbb-spec, rtm-elide).
//
// The RTM instructions live in functions marked target("rtm") (rtm.cpp, impls/rtm_elide.cpp) and
// run only after cpu_has_rtm(): on a CPU without RTM (AMD) they would raise SIGILL.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hytm_bench::rtm {

// CPUID.7.0:EBX[11] (RTM) and not EDX[11] (RTM_ALWAYS_ABORT). Cached after the first call, which
// must happen outside any transaction (CPUID aborts one).
bool cpu_has_rtm();

// cpu_has_rtm() and at least one of 1000 tiny regions commits: a CPU whose CPUID shows RTM but
// whose transactions all abort (TSX force-disabled, a hypervisor) is not usable.
bool usable();

// Commits of `trials` plain RTM regions that each write one byte in each of `lines` cache lines,
// `stride` bytes apart (64: consecutive lines; L1 size / ways: lines of one L1 set). The lines are
// touched before every region so that no page fault aborts it. Requires usable().
struct capacity_point {
    int lines = 0;
    int trials = 0;
    int commits = 0;
};
capacity_point capacity_probe(int lines, std::size_t stride, int trials);

// How many critical sections of a lock-elision peer ran, and how many of them as a hardware
// transaction, summed over the threads of one run. Each thread counts in its own cache line,
// outside its critical sections, with plain (relaxed load + store) updates.
struct elision_counts {
    std::uint64_t sections = 0;
    std::uint64_t hardware = 0;
};

class elision_counter {
  public:
    void reset();               // between runs, while no worker runs
    elision_counts total() const;
    void count(bool hardware);  // once per critical section, after it ended

  private:
    static constexpr std::size_t slots = 1024;  // the most threads --threads accepts
    struct alignas(64) slot {
        std::atomic<std::uint64_t> sections{0}, hardware{0};
    };
    slot& mine();
    slot slots_[slots];
    std::atomic<std::size_t> next_{0};
    std::atomic<std::uint64_t> generation_{1};
};

// The process's one counter: each child process runs one implementation, so one is enough.
elision_counter& elision();

}  // namespace hytm_bench::rtm
