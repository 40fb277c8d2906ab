// rounds.hpp: the loop of workloads that run in rounds with a barrier between them, as STAMP's
// kmeans and labyrinth do. In each round every worker does its share of the round's work; at the
// barrier one thread (the last to arrive) runs the owner's end_round() — check this round, set up
// the next — while the others wait, then decides for all whether another round runs.
#pragma once

#include <atomic>
#include <barrier>
#include <cstdint>
#include <memory>
#include <vector>

#include "../workload.hpp"

namespace hytm_bench {

template <class Owner>
class rounds {
  public:
    void prepare(int threads, Owner* owner) {
        threads_ = threads;
        ops_.assign(static_cast<std::size_t>(threads), {});
        running_ = true;
        barrier_ = std::make_unique<std::barrier<completion>>(threads, completion{this, owner});
    }

    // Calls work(ops) once per round, where ops is this worker's operation count to add to;
    // returns the count when the run ends.
    template <class Work>
    std::uint64_t run(int thread_id, const run_control& ctl, Work&& work) {
        // Every worker passes the same control; the barrier orders this store before the
        // completion step reads it.
        control_.store(&ctl, std::memory_order_relaxed);
        std::uint64_t& ops = ops_[static_cast<std::size_t>(thread_id)].value;
        while (running_) {
            work(ops);
            barrier_->arrive_and_wait();
        }
        return ops;
    }

  private:
    struct completion {
        rounds* self;
        Owner* owner;
        void operator()() noexcept {
            owner->end_round();
            self->decide();
        }
    };

    void decide() {
        std::uint64_t done = 0;
        for (const auto& o : ops_) done += o.value;
        // keep_going() budgets per thread; rounds are shared, so compare the mean.
        running_ = control_.load(std::memory_order_relaxed)->keep_going(done / static_cast<std::uint64_t>(threads_));
    }

    int threads_ = 1;
    std::vector<padded<std::uint64_t>> ops_;
    std::atomic<const run_control*> control_{nullptr};
    bool running_ = true;  // written only in the completion step; the barrier orders it
    std::unique_ptr<std::barrier<completion>> barrier_;
};

}  // namespace hytm_bench
