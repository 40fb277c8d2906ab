// list_set.hpp: a sorted singly linked list of integer keys (the classic "linked list" integer set
// of the STM literature: long read sets, since a traversal reads every node before the key).
#pragma once

#include <climits>
#include <string>

#include "../access.hpp"
#include "check.hpp"

namespace hytm_bench {

class list_set {
  public:
    struct node {
        long key;
        node* next;
        node(long k, node* n) : key(k), next(n) {}
    };

    explicit list_set(std::size_t /*expected_size*/) {
        plain_access p;
        tail_ = p.make<node>(LONG_MAX, nullptr);
        head_ = p.make<node>(LONG_MIN, tail_);
    }
    ~list_set() {
        for (node* n = head_; n != nullptr;) {
            node* next = n->next;
            plain_access{}.destroy(n);
            n = next;
        }
    }
    list_set(const list_set&) = delete;
    list_set& operator=(const list_set&) = delete;

    template <class A>
    bool contains(A& a, long key) {
        return locate(a, key).key == key;
    }

    template <class A>
    bool insert(A& a, long key) {
        position p = locate(a, key);
        if (p.key == key) return false;
        a.store(p.prev->next, a.template make<node>(key, p.cur));
        return true;
    }

    template <class A>
    bool remove(A& a, long key) {
        position p = locate(a, key);
        if (p.key != key) return false;
        a.store(p.prev->next, a.load(p.cur->next));
        a.destroy(p.cur);
        return true;
    }

    validation validate() const {
        validation v;
        long last = LONG_MIN;
        for (node* n = head_->next; n != tail_; n = n->next) {
            if (n == nullptr) return {v.size, "list ends without reaching its tail sentinel"};
            if (n->key <= last) return {v.size, "list keys not strictly increasing at " + std::to_string(n->key)};
            last = n->key;
            ++v.size;
        }
        return v;
    }

  private:
    // cur is the first node whose key is >= the key searched for, prev the node before it.
    struct position {
        node* prev;
        node* cur;
        long key;  // cur's key, read once
    };

    template <class A>
    position locate(A& a, long key) {
        node* prev = head_;
        node* cur = a.load(prev->next);
        long k;
        while ((k = a.load(cur->key)) < key) {
            prev = cur;
            cur = a.load(cur->next);
        }
        return {prev, cur, k};
    }

    node* head_;
    node* tail_;
};

}  // namespace hytm_bench
