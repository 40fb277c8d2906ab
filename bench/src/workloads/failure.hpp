// failure.hpp: the first wrong result a worker saw during a run, reported by check() at the end.
// A worker cannot stop the run itself; it records what it saw and the run fails afterwards.
#pragma once

#include <mutex>
#include <string>

namespace hytm_bench {

class first_failure {
  public:
    void record(std::string what) {
        std::lock_guard lock(mutex_);
        if (what_.empty()) what_ = std::move(what);
    }
    std::string get() const {
        std::lock_guard lock(mutex_);
        return what_;
    }

  private:
    mutable std::mutex mutex_;
    std::string what_;
};

}  // namespace hytm_bench
