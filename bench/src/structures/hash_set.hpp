// hash_set.hpp: a fixed-size table of sorted chains (short transactions that touch few cache lines:
// the friendliest case for hardware TM).
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "../access.hpp"
#include "check.hpp"

namespace hytm_bench {

class hash_set {
  public:
    struct node {
        long key;
        node* next;
        node(long k, node* n) : key(k), next(n) {}
    };

    // One bucket per expected key: chains stay about one node long at the steady state.
    explicit hash_set(std::size_t expected_size) {
        std::size_t n = 1;
        while (n < expected_size) n <<= 1;
        buckets_.assign(n, nullptr);
        mask_ = n - 1;
    }
    ~hash_set() {
        for (node* head : buckets_) {
            while (head != nullptr) {
                node* next = head->next;
                plain_access{}.destroy(head);
                head = next;
            }
        }
    }
    hash_set(const hash_set&) = delete;
    hash_set& operator=(const hash_set&) = delete;

    template <class A>
    bool contains(A& a, long key) {
        return locate(a, key).key == key;
    }

    template <class A>
    bool insert(A& a, long key) {
        position p = locate(a, key);
        if (p.key == key) return false;
        a.store(*p.link, a.template make<node>(key, p.n));
        return true;
    }

    template <class A>
    bool remove(A& a, long key) {
        position p = locate(a, key);
        if (p.key != key) return false;
        a.store(*p.link, a.load(p.n->next));
        a.destroy(p.n);
        return true;
    }

    validation validate() const {
        validation v;
        for (std::size_t b = 0; b < buckets_.size(); ++b) {
            long last = LONG_MIN;
            for (node* n = buckets_[b]; n != nullptr; n = n->next) {
                if ((hash(n->key) & mask_) != b) return {v.size, "key " + std::to_string(n->key) + " in the wrong bucket"};
                if (n->key <= last) return {v.size, "chain not strictly increasing in bucket " + std::to_string(b)};
                last = n->key;
                ++v.size;
            }
        }
        return v;
    }

  private:
    // n is the first node of the key's chain whose key is >= the key searched for (or null), and
    // link the pointer to it (the bucket head or the previous node's next).
    struct position {
        node** link;
        node* n;
        long key;  // n's key, read once; LONG_MAX when n is null (no key is LONG_MAX: range is 2 x size)
    };

    template <class A>
    position locate(A& a, long key) {
        node** link = &bucket(key);
        for (node* n = a.load(*link); n != nullptr; n = a.load(*link)) {
            long k = a.load(n->key);
            if (k >= key) return {link, n, k};
            link = &n->next;
        }
        return {link, nullptr, LONG_MAX};
    }

    // Fibonacci hashing: spreads consecutive keys over the table, as keys from a real program would.
    static std::uint64_t hash(long key) { return (static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ull) >> 20; }
    node*& bucket(long key) { return buckets_[hash(key) & mask_]; }

    std::vector<node*> buckets_;
    std::size_t mask_;
};

}  // namespace hytm_bench
