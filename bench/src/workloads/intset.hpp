// intset.hpp: the integer-set workloads (list, skip list, red-black tree, hash set).
//
// Each operation picks a key uniformly from [0, 2 * size) and, with probability update/100,
// inserts or removes it (half each), otherwise looks it up. Starting from `size` keys, the set
// then stays near its initial size, so a run's length does not change what is measured.
// Correctness: the structure's own invariants hold at the end, and its size equals the initial
// size plus the successful inserts minus the successful removes that the transactions reported.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "../access.hpp"
#include "../structures/hash_set.hpp"
#include "../structures/list_set.hpp"
#include "../structures/rb_tree.hpp"
#include "../structures/skip_list.hpp"
#include "../workload.hpp"

namespace hytm_bench {

// The red-black tree as a set: each key maps to itself.
class rb_set : public rb_tree<long> {
  public:
    using rb_tree::rb_tree;
    template <class A>
    bool insert(A& a, long key) {
        return rb_tree::insert(a, key, key);
    }
};

// Call-site names, so hytm's per-site statistics tell the operations apart.
template <class Set> struct intset_sites;
template <> struct intset_sites<list_set> {
    static constexpr const char *contains = "list.contains", *insert = "list.insert", *remove = "list.remove";
};
template <> struct intset_sites<skip_list> {
    static constexpr const char *contains = "skiplist.contains", *insert = "skiplist.insert", *remove = "skiplist.remove";
};
template <> struct intset_sites<rb_set> {
    static constexpr const char *contains = "rbtree.contains", *insert = "rbtree.insert", *remove = "rbtree.remove";
};
template <> struct intset_sites<hash_set> {
    static constexpr const char *contains = "hashset.contains", *insert = "hashset.insert", *remove = "hashset.remove";
};

// Exec runs a body atomically (impls/exec.hpp); Set is one of the structures, or any type with the
// same contains/insert/remove/validate members (impls/tbb_chm.cpp).
template <class Exec, class Set>
class intset_run final : public workload_run {
  public:
    explicit intset_run(const workload_config& cfg)
        : size_(cfg.get("size")), update_(cfg.get("update")), set_(static_cast<std::size_t>(size_)) {}

    void prepare(int threads) override {
        counts_.assign(static_cast<std::size_t>(threads), {});
        plain_access a;
        rng r(42);
        long filled = 0;
        while (filled < size_) {
            long key = static_cast<long>(r.below(range()));
            filled += insert_key(a, set_, key, skip_list::random_level(r.next()));
        }
    }

    std::uint64_t run_thread(int thread_id, const run_control& ctl) override {
        rng r(1000 + static_cast<std::uint64_t>(thread_id));
        counts& c = counts_[static_cast<std::size_t>(thread_id)].value;
        std::uint64_t ops = 0;
        using sites = intset_sites<Set>;
        for (; ctl.keep_going(ops); ++ops) {
            bool update = static_cast<long>(r.below(100)) < update_;
            bool add = (r.next() & 1) != 0;
            long key = static_cast<long>(r.below(range()));
            if (!update) {
                // Counted so that the compiler cannot drop an uninstrumented lookup whose result is unused.
                c.found += ex_.run(sites::contains, [&](auto& a) { return set_.contains(a, key); });
            } else if (add) {
                // Drawn here for every set, so all impls and all sets consume the same random stream.
                int level = skip_list::random_level(r.next());
                c.inserted += ex_.run(sites::insert, [&](auto& a) { return insert_key(a, set_, key, level); });
            } else {
                c.removed += ex_.run(sites::remove, [&](auto& a) { return set_.remove(a, key); });
            }
        }
        return ops;
    }

    std::string check() override {
        validation v = set_.validate();
        if (!v.error.empty()) return v.error;
        long expected = size_;
        for (const auto& c : counts_) expected += c.value.inserted - c.value.removed;
        if (static_cast<long>(v.size) != expected) {
            return "set holds " + std::to_string(v.size) + " keys, but the committed inserts and removes leave " +
                   std::to_string(expected);
        }
        return {};
    }

  private:
    struct counts {
        long inserted = 0;
        long removed = 0;
        long found = 0;
    };

    long range() const { return 2 * size_; }

    // The skip list alone takes the new node's height, drawn outside the transaction because a body
    // may run more than once and must make the same choice every time.
    template <class A>
    static bool insert_key(A& a, Set& set, long key, int level) {
        if constexpr (std::is_same_v<Set, skip_list>) {
            return set.insert(a, key, level);
        } else {
            return set.insert(a, key);
        }
    }

    long size_;
    long update_;
    Set set_;
    Exec ex_;
    std::vector<padded<counts>> counts_;
};

}  // namespace hytm_bench
