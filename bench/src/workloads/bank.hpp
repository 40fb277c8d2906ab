// bank.hpp: transfers between accounts, and audits that read every account.
//
// A transfer moves a random amount between two random accounts (a short read-modify-write of two
// words); with probability (100 - update)/100 an operation is instead an audit, one read-only
// transaction over all accounts. Money is conserved, so every audit must see the initial total,
// and so must the final sum; an audit that sees another total saw a half-done transfer.
#pragma once

#include <string>
#include <vector>

#include "../workload.hpp"
#include "failure.hpp"

namespace hytm_bench {

template <class Exec>
class bank_run final : public workload_run {
  public:
    static constexpr long initial_balance = 1000;

    explicit bank_run(const workload_config& cfg) : accounts_(static_cast<std::size_t>(cfg.get("size"))), update_(cfg.get("update")) {}

    void prepare(int /*threads*/) override {
        for (auto& b : accounts_) b = initial_balance;
    }

    std::uint64_t run_thread(int thread_id, const run_control& ctl) override {
        rng r(2000 + static_cast<std::uint64_t>(thread_id));
        std::uint64_t ops = 0;
        long n = static_cast<long>(accounts_.size());
        for (; ctl.keep_going(ops); ++ops) {
            if (static_cast<long>(r.below(100)) < update_) {
                long* from = &accounts_[r.below(static_cast<std::uint64_t>(n))];
                long* to = &accounts_[r.below(static_cast<std::uint64_t>(n))];
                long amount = 1 + static_cast<long>(r.below(100));
                ex_.run("bank.transfer", [&](auto& a) {
                    a.store(*from, a.load(*from) - amount);
                    a.store(*to, a.load(*to) + amount);
                    return 0;
                });
            } else {
                long total = ex_.run("bank.audit", [&](auto& a) {
                    long sum = 0;
                    for (long& b : accounts_) sum += a.load(b);
                    return sum;
                });
                if (total != expected_total()) failure_.record("an audit saw a total of " + std::to_string(total) + ", expected " + std::to_string(expected_total()));
            }
        }
        return ops;
    }

    std::string check() override {
        if (std::string f = failure_.get(); !f.empty()) return f;
        long total = 0;
        for (long b : accounts_) total += b;
        if (total != expected_total()) return "accounts sum to " + std::to_string(total) + ", expected " + std::to_string(expected_total());
        return {};
    }

  private:
    long expected_total() const { return initial_balance * static_cast<long>(accounts_.size()); }

    std::vector<long> accounts_;
    long update_;
    Exec ex_;
    first_failure failure_;
};

}  // namespace hytm_bench
