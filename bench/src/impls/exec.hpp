// exec.hpp: how each implementation runs one atomic body. An Exec has one member,
//     R run(const char* site, Body body)    // body: [&](auto& a) -> R, a an access policy
// and lives inside the workload run, so a lock is shared by that run's threads and by no other.
#pragma once

#include <mutex>

#include "../access.hpp"

namespace hytm_bench {

// Uninstrumented code, no synchronization: the single-thread limit every TM is measured against.
struct seq_exec {
    template <class Body>
    auto run(const char* /*site*/, Body&& body) {
        plain_access a;
        return body(a);
    }
};

// One global lock around every body (std::mutex, tbb::spin_mutex, tbb::speculative_spin_mutex).
template <class Mutex>
struct lock_exec {
    template <class Body>
    auto run(const char* /*site*/, Body&& body) {
        plain_access a;
        if constexpr (requires { typename Mutex::scoped_lock; }) {
            // TBB's RTM mutex keeps per-acquisition state in its scoped_lock; it has no lock().
            typename Mutex::scoped_lock lock(mutex);
            return body(a);
        } else {
            std::lock_guard lock(mutex);
            return body(a);
        }
    }
    Mutex mutex;
};

}  // namespace hytm_bench
