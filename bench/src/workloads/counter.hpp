// counter.hpp: one shared counter that every transaction increments: the systematic conflict.
// No TM can run these in parallel; the figure shows what each one pays for finding that out.
#pragma once

#include <string>
#include <vector>

#include "../workload.hpp"

namespace hytm_bench {

template <class Exec>
class counter_run final : public workload_run {
  public:
    explicit counter_run(const workload_config& /*cfg*/) {}

    void prepare(int threads) override {
        counter_ = 0;
        done_.assign(static_cast<std::size_t>(threads), {});
    }

    std::uint64_t run_thread(int thread_id, const run_control& ctl) override {
        std::uint64_t ops = 0;
        for (; ctl.keep_going(ops); ++ops) {
            ex_.run("counter.increment", [&](auto& a) {
                a.store(counter_, a.load(counter_) + 1);
                return 0;
            });
        }
        done_[static_cast<std::size_t>(thread_id)].value = ops;
        return ops;
    }

    std::string check() override {
        unsigned long expected = 0;
        for (const auto& d : done_) expected += d.value;
        if (counter_ != expected) return "counter is " + std::to_string(counter_) + " after " + std::to_string(expected) + " increments";
        return {};
    }

  private:
    unsigned long counter_ = 0;
    std::vector<padded<std::uint64_t>> done_;
    Exec ex_;
};

}  // namespace hytm_bench
