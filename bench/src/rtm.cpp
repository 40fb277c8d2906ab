#include "rtm.hpp"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HYTM_BENCH_X86 1
#endif

namespace hytm_bench::rtm {

bool cpu_has_rtm() {
#if HYTM_BENCH_X86
    static const bool has = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (__get_cpuid_max(0, nullptr) < 7) return false;
        __cpuid_count(7, 0, a, b, c, d);
        return (b & (1u << 11)) != 0 && (d & (1u << 11)) == 0;
    }();
    return has;
#else
    return false;
#endif
}

#if HYTM_BENCH_X86
namespace {

__attribute__((target("rtm"), noinline)) bool tiny_region_commits(volatile int* x) {
    if (_xbegin() == _XBEGIN_STARTED) {
        *x = *x + 1;
        _xend();
        return true;
    }
    return false;
}

// The region: xbegin, one byte stored into each line, xend. Nothing else between them, so what
// aborts it is the footprint (or an interrupt), as in the plain RTM code the model is held against.
__attribute__((target("rtm"), noinline)) bool write_lines(volatile char* base, int lines, std::size_t stride) {
    if (_xbegin() == _XBEGIN_STARTED) {
        for (int i = 0; i < lines; ++i) base[static_cast<std::size_t>(i) * stride] = static_cast<char>(i);
        _xend();
        return true;
    }
    return false;
}

}  // namespace
#endif

bool usable() {
#if HYTM_BENCH_X86
    if (!cpu_has_rtm()) return false;
    static const bool commits = [] {
        volatile int x = 0;
        for (int i = 0; i < 1000; ++i)
            if (tiny_region_commits(&x)) return true;
        return false;
    }();
    return commits;
#else
    return false;
#endif
}

capacity_point capacity_probe(int lines, std::size_t stride, int trials) {
    capacity_point p{lines, trials, 0};
#if HYTM_BENCH_X86
    if (!usable() || lines <= 0) return p;
    const std::size_t bytes = (static_cast<std::size_t>(lines) * stride + 4095) / 4096 * 4096;
    auto* buf = static_cast<char*>(std::aligned_alloc(4096, bytes));
    if (buf == nullptr) return p;
    std::memset(buf, 0, bytes);  // maps every page before the first region
    volatile char* v = buf;
    for (int t = 0; t < trials; ++t) {
        for (int i = 0; i < lines; ++i) v[static_cast<std::size_t>(i) * stride] = 0;  // lines and TLB warm
        p.commits += write_lines(v, lines, stride) ? 1 : 0;
    }
    std::free(buf);
#else
    (void)stride;
#endif
    return p;
}

// A worker finds its slot through a thread_local (index, generation) pair: a thread that last
// counted in an earlier run takes a new slot. Slots are assigned outside critical sections (the
// first count() of a thread comes after its first section ended).
elision_counter::slot& elision_counter::mine() {
    thread_local std::uint64_t gen = 0;
    thread_local std::size_t index = 0;
    const std::uint64_t g = generation_.load(std::memory_order_relaxed);
    if (gen != g) {
        gen = g;
        index = next_.fetch_add(1, std::memory_order_relaxed) % slots;
    }
    return slots_[index];
}

void elision_counter::count(bool hardware) {
    slot& s = mine();
    // One writer per slot: a load and a store, no read-modify-write on the measured path. The
    // driver reads the totals after joining the workers (join orders these stores before it).
    s.sections.store(s.sections.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (hardware) s.hardware.store(s.hardware.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void elision_counter::reset() {
    for (auto& s : slots_) {
        s.sections.store(0, std::memory_order_relaxed);
        s.hardware.store(0, std::memory_order_relaxed);
    }
    next_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_relaxed);
}

elision_counter& elision() {
    static elision_counter c;
    return c;
}

elision_counts elision_counter::total() const {
    elision_counts c;
    for (const auto& s : slots_) {
        c.sections += s.sections.load(std::memory_order_relaxed);
        c.hardware += s.hardware.load(std::memory_order_relaxed);
    }
    return c;
}

}  // namespace hytm_bench::rtm
