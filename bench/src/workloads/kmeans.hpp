// kmeans.hpp: k-means clustering after STAMP's "kmeans" (Minh et al., IISWC 2008).
//
// Each iteration, workers claim chunks of points, find each point's nearest centre (reading the
// centres without a transaction: they change only between iterations), and add the point to
// that cluster's accumulators in one small transaction (a count and `dims` sums) — the only
// shared writes, contended when clusters are few. At the barrier one thread checks the
// accumulators, computes the new centres and resets them. One operation = one point assigned.
// Features are integers, so the checks are exact: each iteration the counts sum to the number
// of points and the per-dimension sums to the sum of all features.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "../workload.hpp"
#include "failure.hpp"
#include "rounds.hpp"

namespace hytm_bench {

template <class Exec>
class kmeans_run final : public workload_run {
  public:
    static constexpr long chunk = 32;  // points claimed at once, as STAMP's CHUNK

    explicit kmeans_run(const workload_config& cfg)
        : points_(cfg.get("size")), dims_(cfg.get("dims")), clusters_(cfg.get("clusters")) {}

    void prepare(int threads) override {
        // Points scattered around `clusters_` hidden centres, so the clustering has something to find.
        rng r(5000);
        std::vector<long> hidden(static_cast<std::size_t>(clusters_ * dims_));
        for (auto& h : hidden) h = static_cast<long>(r.below(1000000));
        feature_.resize(static_cast<std::size_t>(points_ * dims_));
        feature_total_.assign(static_cast<std::size_t>(dims_), 0);
        for (long p = 0; p < points_; ++p) {
            long c = static_cast<long>(r.below(static_cast<std::uint64_t>(clusters_)));
            for (long d = 0; d < dims_; ++d) {
                long v = hidden[static_cast<std::size_t>(c * dims_ + d)] + static_cast<long>(r.below(100000));
                feature_[static_cast<std::size_t>(p * dims_ + d)] = v;
                feature_total_[static_cast<std::size_t>(d)] += v;
            }
        }
        // Initial centres: the first `clusters_` points, as STAMP does.
        centre_.assign(feature_.begin(), feature_.begin() + clusters_ * dims_);
        sum_.assign(static_cast<std::size_t>(clusters_ * dims_), 0);
        count_.assign(static_cast<std::size_t>(clusters_), 0);
        next_chunk_.store(0, std::memory_order_relaxed);
        iterations_ = 0;
        rounds_.prepare(threads, this);
    }

    std::uint64_t run_thread(int thread_id, const run_control& ctl) override {
        return rounds_.run(thread_id, ctl, [&](std::uint64_t& ops) {
            for (long begin; (begin = next_chunk_.fetch_add(chunk, std::memory_order_relaxed)) < points_;) {
                long end = std::min(points_, begin + chunk);
                for (long p = begin; p < end; ++p) {
                    const long* x = &feature_[static_cast<std::size_t>(p * dims_)];
                    long c = nearest(x);
                    long* sum = &sum_[static_cast<std::size_t>(c * dims_)];
                    long* count = &count_[static_cast<std::size_t>(c)];
                    ex_.run("kmeans.accumulate", [&](auto& a) {
                        a.store(*count, a.load(*count) + 1);
                        for (long d = 0; d < dims_; ++d) a.store(sum[d], a.load(sum[d]) + x[d]);
                        return 0;
                    });
                    ++ops;
                }
            }
        });
    }

    std::string check() override {
        if (std::string f = failure_.get(); !f.empty()) return f;
        if (iterations_ == 0) return "no iteration completed";
        return {};
    }

    // The barrier's completion step: all other workers wait meanwhile.
    void end_round() {
        verify_and_recentre();
        ++iterations_;
        next_chunk_.store(0, std::memory_order_relaxed);
    }

  private:
    void verify_and_recentre() {
        long points = 0;
        for (long c = 0; c < clusters_; ++c) points += count_[static_cast<std::size_t>(c)];
        if (points != points_) failure_.record("iteration " + std::to_string(iterations_) + ": cluster counts sum to " + std::to_string(points) + ", not " + std::to_string(points_));
        for (long d = 0; d < dims_; ++d) {
            long total = 0;
            for (long c = 0; c < clusters_; ++c) total += sum_[static_cast<std::size_t>(c * dims_ + d)];
            if (total != feature_total_[static_cast<std::size_t>(d)]) failure_.record("iteration " + std::to_string(iterations_) + ": feature sums lost an update in dimension " + std::to_string(d));
        }
        for (long c = 0; c < clusters_; ++c) {
            long n = count_[static_cast<std::size_t>(c)];
            for (long d = 0; d < dims_; ++d) {
                long& s = sum_[static_cast<std::size_t>(c * dims_ + d)];
                if (n > 0) centre_[static_cast<std::size_t>(c * dims_ + d)] = s / n;  // an empty cluster keeps its centre
                s = 0;
            }
            count_[static_cast<std::size_t>(c)] = 0;
        }
    }

    long nearest(const long* x) const {
        long best = 0;
        long best_distance = -1;
        for (long c = 0; c < clusters_; ++c) {
            const long* m = &centre_[static_cast<std::size_t>(c * dims_)];
            long distance = 0;
            for (long d = 0; d < dims_; ++d) {
                long diff = (x[d] - m[d]) >> 8;  // scaled so that the squares cannot overflow
                distance += diff * diff;
            }
            if (best_distance < 0 || distance < best_distance) {
                best = c;
                best_distance = distance;
            }
        }
        return best;
    }

    long points_;
    long dims_;
    long clusters_;
    std::vector<long> feature_;        // points_ x dims_, read-only during the run
    std::vector<long> feature_total_;  // per dimension, for the exact check
    std::vector<long> centre_;         // clusters_ x dims_, written only in the completion step
    std::vector<long> sum_;            // clusters_ x dims_, the transactional accumulators
    std::vector<long> count_;          // clusters_
    std::atomic<long> next_chunk_{0};
    long iterations_ = 0;
    rounds<kmeans_run> rounds_;
    Exec ex_;
    first_failure failure_;
};

}  // namespace hytm_bench
