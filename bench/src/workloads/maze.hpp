// maze.hpp: maze routing after STAMP's "labyrinth" (Lee's algorithm; Minh et al., IISWC 2008).
//
// A round routes `paths` random source/destination pairs through an x*y*z grid, each route one
// big transaction: copy the whole grid into private memory (a read set the size of the grid, far
// past what hardware TM can track together with the private copy it writes), search it privately,
// then claim the path's cells in the shared grid. Routes that cross an earlier path's cells find
// another way or fail; two routes that raced for a cell conflict. At the end of a round one
// thread checks every route and clears the grid for the next. One operation = one route attempt.
// Correctness: each successful route owns exactly its reported number of cells, which connect its
// source to its destination; a failed route owns none.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "../access.hpp"
#include "../workload.hpp"
#include "failure.hpp"
#include "maze_route.hpp"
#include "rounds.hpp"

namespace hytm_bench {

template <class Exec>
class maze_run final : public workload_run {
  public:
    explicit maze_run(const workload_config& cfg)
        : geometry_{static_cast<int>(cfg.get("size")), static_cast<int>(cfg.get("size")), static_cast<int>(cfg.get("layers"))},
          paths_(static_cast<int>(cfg.get("paths"))),
          grid_(static_cast<std::size_t>(geometry_.cells()), 0),
          length_(static_cast<std::size_t>(paths_), 0),
          endpoints_(2 * static_cast<std::size_t>(paths_)) {}

    void prepare(int threads) override {
        scratch_.assign(static_cast<std::size_t>(threads), {});
        for (auto& s : scratch_) s.value.grid.resize(grid_.size());
        round_ = 0;
        new_round();
        rounds_.prepare(threads, this);
    }

    std::uint64_t run_thread(int thread_id, const run_control& ctl) override {
        maze_scratch& s = scratch_[static_cast<std::size_t>(thread_id)].value;
        return rounds_.run(thread_id, ctl, [&](std::uint64_t& ops) {
            for (int p; (p = next_path_.fetch_add(1, std::memory_order_relaxed)) < paths_;) {
                int src = endpoints_[2 * static_cast<std::size_t>(p)];
                int dst = endpoints_[2 * static_cast<std::size_t>(p) + 1];
                std::int32_t id = p + 1;
                length_[static_cast<std::size_t>(p)] = ex_.run("maze.route", [&](auto& a) {
                    copy_in(a, s.grid.data(), grid_.data(), grid_.size());
                    int length = maze_route(geometry_, src, dst, s);
                    for (int i = 0; i < length; ++i) a.store(grid_[static_cast<std::size_t>(s.path[static_cast<std::size_t>(i)])], id);
                    return length;
                });
                ++ops;
            }
        });
    }

    std::string check() override {
        if (std::string f = failure_.get(); !f.empty()) return f;
        if (round_ == 0) return "no round completed";
        return {};
    }

    // The barrier's completion step: all other workers wait meanwhile.
    void end_round() {
        verify_round();
        ++round_;
        new_round();
    }

  private:
    // Clears the grid and draws distinct endpoints for the next round's routes.
    void new_round() {
        std::fill(grid_.begin(), grid_.end(), 0);
        std::fill(length_.begin(), length_.end(), 0);
        rng r(6000 + static_cast<std::uint64_t>(round_));
        std::vector<bool> used(grid_.size(), false);
        for (int& e : endpoints_) {
            do e = static_cast<int>(r.below(grid_.size()));
            while (used[static_cast<std::size_t>(e)]);
            used[static_cast<std::size_t>(e)] = true;
        }
        next_path_.store(0, std::memory_order_relaxed);
    }

    void verify_round() {
        std::vector<int> owned(static_cast<std::size_t>(paths_) + 1, 0);
        for (std::int32_t v : grid_) {
            if (v < 0 || v > paths_) return failure_.record("a grid cell holds the unknown path id " + std::to_string(v));
            ++owned[static_cast<std::size_t>(v)];
        }
        std::vector<int> queue;
        std::vector<bool> seen(grid_.size());
        for (int p = 0; p < paths_; ++p) {
            int id = p + 1;
            int length = length_[static_cast<std::size_t>(p)];
            std::string what = "round " + std::to_string(round_) + ", route " + std::to_string(id) + ": ";
            if (owned[static_cast<std::size_t>(id)] != length)
                return failure_.record(what + "owns " + std::to_string(owned[static_cast<std::size_t>(id)]) + " cells, reported " + std::to_string(length));
            if (length == 0) continue;
            int src = endpoints_[2 * static_cast<std::size_t>(p)];
            int dst = endpoints_[2 * static_cast<std::size_t>(p) + 1];
            // Flood from src through the route's own cells: it must reach dst and all of them.
            std::fill(seen.begin(), seen.end(), false);
            queue.assign(1, src);
            if (grid_[static_cast<std::size_t>(src)] != id) return failure_.record(what + "does not own its source");
            seen[static_cast<std::size_t>(src)] = true;
            for (std::size_t head = 0; head < queue.size(); ++head) {
                for_each_neighbour(geometry_, queue[head], [&](int n) {
                    if (!seen[static_cast<std::size_t>(n)] && grid_[static_cast<std::size_t>(n)] == id) {
                        seen[static_cast<std::size_t>(n)] = true;
                        queue.push_back(n);
                    }
                });
            }
            if (!seen[static_cast<std::size_t>(dst)] || static_cast<int>(queue.size()) != length)
                return failure_.record(what + "its cells do not connect source and destination");
        }
    }

    maze_geometry geometry_;
    int paths_;
    std::vector<std::int32_t> grid_;  // 0 = free, else the id of the route that owns the cell
    std::vector<int> length_;         // per route of this round: cells claimed, 0 = failed
    std::vector<int> endpoints_;      // src, dst per route
    std::vector<padded<maze_scratch>> scratch_;
    std::atomic<int> next_path_{0};
    long round_ = 0;
    rounds<maze_run> rounds_;
    Exec ex_;
    first_failure failure_;
};

}  // namespace hytm_bench
