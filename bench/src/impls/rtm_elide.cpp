// rtm_elide.cpp: every workload under one test-and-test-and-set lock, elided by hand with RTM: the
// reference for what hardware lock elision costs on this CPU, in the fewest instructions.
//
//   wait until the lock is free; xbegin; read the lock word (it joins the read set, so a thread
//   that takes the lock aborts us); if it is held, xabort; run the body; xend.
//
// A conflict (or another abort with the retry hint, or our own lock-busy abort) is retried, after
// the lock is free again, up to `attempts` times; a capacity abort, or any abort past that, takes
// the lock. Where CPUID shows no RTM (AMD; Intel with TSX disabled) every section takes the lock,
// and the report says so (the elision counts are 0).
#include <immintrin.h>

#include <atomic>

#include "../rtm.hpp"
#include "../workloads/all.hpp"
#include "exec.hpp"
#include "factories.hpp"

namespace hytm_bench {
namespace {

class rtm_elide_exec {
  public:
    template <class Body>
    auto run(const char* /*site*/, Body&& body) {
        plain_access a;
        if (rtm_) {
            decltype(body(a)) result{};
            if (elided(body, a, result)) {
                rtm::elision().count(true);
                return result;
            }
        }
        acquire();
        auto result = body(a);
        lock_.store(0, std::memory_order_release);
        rtm::elision().count(false);
        return result;
    }

  private:
    static constexpr int attempts = 5;
    static constexpr unsigned lock_busy = 0xff;

    // The RTM instructions are compiled for this function alone; the body inlines into it.
    template <class Body>
    __attribute__((target("rtm"))) bool elided(Body& body, plain_access& a, decltype(body(a))& result) {
        for (int i = 0; i < attempts; ++i) {
            wait_until_free();
            unsigned status = _xbegin();
            if (status == _XBEGIN_STARTED) {
                // Relaxed is enough: inside a transaction the read only subscribes to the line.
                if (lock_.load(std::memory_order_relaxed) != 0) _xabort(lock_busy);
                result = body(a);
                _xend();
                return true;
            }
            bool busy = (status & _XABORT_EXPLICIT) != 0 && _XABORT_CODE(status) == lock_busy;
            if (!busy && (status & (_XABORT_RETRY | _XABORT_CONFLICT)) == 0) return false;  // capacity, status 0, ...
        }
        return false;
    }

    void wait_until_free() const {
        while (lock_.load(std::memory_order_relaxed) != 0) _mm_pause();
    }

    void acquire() {
        for (;;) {
            wait_until_free();
            if (lock_.exchange(1, std::memory_order_acquire) == 0) return;
        }
    }

    alignas(64) std::atomic<int> lock_{0};
    const bool rtm_ = rtm::cpu_has_rtm();  // read here, outside any transaction
};

}  // namespace

std::unique_ptr<workload_run> make_rtm_elide_run(const workload_config& cfg) { return make_workload_run<rtm_elide_exec>(cfg); }

}  // namespace hytm_bench
