// skip_list.hpp: a sequential skip list (Pugh 1990) of integer keys. Searches read O(log n) nodes
// spread over the heap; an update writes one link per level of the new or removed node.
#pragma once

#include <climits>
#include <cstdint>
#include <string>

#include "../access.hpp"
#include "check.hpp"

namespace hytm_bench {

class skip_list {
  public:
    static constexpr int max_level = 16;  // enough for 2^16 keys at p = 1/2

    struct node {
        long key;
        int level;  // number of links in use, 1..max_level
        node* next[max_level];
        node(long k, int lvl) : key(k), level(lvl) {
            for (node*& n : next) n = nullptr;
        }
    };

    explicit skip_list(std::size_t /*expected_size*/) {
        plain_access p;
        tail_ = p.make<node>(LONG_MAX, max_level);
        head_ = p.make<node>(LONG_MIN, max_level);
        for (node*& n : head_->next) n = tail_;
    }
    ~skip_list() {
        for (node* n = head_; n != nullptr;) {
            node* next = n->next[0];
            plain_access{}.destroy(n);
            n = next;
        }
    }
    skip_list(const skip_list&) = delete;
    skip_list& operator=(const skip_list&) = delete;

    // The height of a new node, from random bits the caller draws outside the transaction.
    static int random_level(std::uint64_t random_bits) {
        int level = 1;
        while (level < max_level && (random_bits & 1)) {
            ++level;
            random_bits >>= 1;
        }
        return level;
    }

    template <class A>
    bool contains(A& a, long key) {
        node* preds[max_level];
        return a.load(find(a, key, preds)->key) == key;
    }

    template <class A>
    bool insert(A& a, long key, int level) {
        node* preds[max_level];
        node* cur = find(a, key, preds);
        if (a.load(cur->key) == key) return false;
        node* n = a.template make<node>(key, level);
        // n is private until the first store below publishes it: its own links need no tx store.
        for (int l = 0; l < level; ++l) n->next[l] = a.load(preds[l]->next[l]);
        for (int l = 0; l < level; ++l) a.store(preds[l]->next[l], n);
        return true;
    }

    template <class A>
    bool remove(A& a, long key) {
        node* preds[max_level];
        node* cur = find(a, key, preds);
        if (a.load(cur->key) != key) return false;
        int level = a.load(cur->level);
        for (int l = 0; l < level; ++l) a.store(preds[l]->next[l], a.load(cur->next[l]));
        a.destroy(cur);
        return true;
    }

    validation validate() const {
        validation v;
        for (node* n = head_->next[0]; n != tail_; n = n->next[0]) {
            if (n == nullptr) return {v.size, "level 0 ends without reaching the tail"};
            if (n->next[0]->key <= n->key) return {v.size, "level 0 not strictly increasing at " + std::to_string(n->key)};
            ++v.size;
        }
        // Every upper level must be a sorted sub-list of the one below it.
        for (int l = 1; l < max_level; ++l) {
            node* below = head_;
            for (node* n = head_->next[l]; n != tail_; n = n->next[l]) {
                if (n == nullptr || n->level <= l) return {v.size, "bad link at level " + std::to_string(l)};
                while (below != n && below != tail_) below = below->next[l - 1];
                if (below != n) return {v.size, "level " + std::to_string(l) + " node missing from the level below"};
            }
        }
        return v;
    }

  private:
    template <class A>
    node* find(A& a, long key, node** preds) {
        node* pred = head_;
        node* cur = nullptr;
        for (int l = max_level - 1; l >= 0; --l) {
            cur = a.load(pred->next[l]);
            while (a.load(cur->key) < key) {
                pred = cur;
                cur = a.load(pred->next[l]);
            }
            preds[l] = pred;
        }
        return cur;
    }

    node* head_;
    node* tail_;
};

}  // namespace hytm_bench
