// rb_tree.hpp: a red-black tree map from long keys to trivially copyable values, with parent
// links, written after java.util.TreeMap (as STAMP's rbtree.c is). Lookups read a root-to-leaf
// path; an update may recolour and rotate up to the root, so writers conflict near the top.
#pragma once

#include <climits>
#include <string>

#include "../access.hpp"
#include "check.hpp"

namespace hytm_bench {

template <class V>
class rb_tree {
  public:
    static constexpr long red = 0;
    static constexpr long black = 1;

    struct node {
        long key;
        V value;
        node* left = nullptr;
        node* right = nullptr;
        node* parent;
        long color = black;
        node(long k, V v, node* p) : key(k), value(v), parent(p) {}
    };

    explicit rb_tree(std::size_t /*expected_size*/ = 0) {}
    ~rb_tree() { destroy_subtree(root_); }
    rb_tree(const rb_tree&) = delete;
    rb_tree& operator=(const rb_tree&) = delete;

    template <class A>
    bool contains(A& a, long key) {
        return lookup(a, key) != nullptr;
    }

    // Sets *out to the key's value when present.
    template <class A>
    bool find(A& a, long key, V* out) {
        node* n = lookup(a, key);
        if (n == nullptr) return false;
        *out = a.load(n->value);
        return true;
    }

    // False (and no change) when the key is already present.
    template <class A>
    bool insert(A& a, long key, V value) {
        node* t = a.load(root_);
        if (t == nullptr) {
            a.store(root_, a.template make<node>(key, value, nullptr));
            return true;
        }
        node* parent;
        long k;
        do {
            parent = t;
            k = a.load(t->key);
            if (key < k) t = a.load(t->left);
            else if (key > k) t = a.load(t->right);
            else return false;
        } while (t != nullptr);
        node* e = a.template make<node>(key, value, parent);
        if (key < k) a.store(parent->left, e);
        else a.store(parent->right, e);
        fix_after_insertion(a, e);
        return true;
    }

    template <class A>
    bool remove(A& a, long key) {
        node* p = lookup(a, key);
        if (p == nullptr) return false;
        delete_entry(a, p);
        return true;
    }

    // Calls f(key, value) for every entry in key order (single-threaded use only).
    template <class F>
    void for_each(F&& f) const {
        walk(root_, f);
    }

    validation validate() const {
        validation v;
        if (root_ != nullptr && root_->color != black) return {0, "red root"};
        if (root_ != nullptr && root_->parent != nullptr) return {0, "root has a parent"};
        long last = LONG_MIN;
        bool first = true;
        black_height(root_, v, last, first);
        return v;
    }

  private:
    template <class A>
    node* lookup(A& a, long key) {
        node* p = a.load(root_);
        while (p != nullptr) {
            long k = a.load(p->key);
            if (key == k) return p;
            p = key < k ? a.load(p->left) : a.load(p->right);
        }
        return nullptr;
    }

    // Null-safe accessors, as in TreeMap: a null leaf is black and has no relatives.
    template <class A> static long color_of(A& a, node* p) { return p == nullptr ? black : a.load(p->color); }
    template <class A> static node* parent_of(A& a, node* p) { return p == nullptr ? nullptr : a.load(p->parent); }
    template <class A> static node* left_of(A& a, node* p) { return p == nullptr ? nullptr : a.load(p->left); }
    template <class A> static node* right_of(A& a, node* p) { return p == nullptr ? nullptr : a.load(p->right); }
    template <class A> static void set_color(A& a, node* p, long c) { if (p != nullptr) a.store(p->color, c); }

    template <class A>
    void replace_child(A& a, node* parent, node* old_child, node* new_child) {
        if (parent == nullptr) a.store(root_, new_child);
        else if (a.load(parent->left) == old_child) a.store(parent->left, new_child);
        else a.store(parent->right, new_child);
    }

    template <class A>
    void rotate_left(A& a, node* p) {
        if (p == nullptr) return;
        node* r = a.load(p->right);
        node* rl = a.load(r->left);
        a.store(p->right, rl);
        if (rl != nullptr) a.store(rl->parent, p);
        node* pp = a.load(p->parent);
        a.store(r->parent, pp);
        replace_child(a, pp, p, r);
        a.store(r->left, p);
        a.store(p->parent, r);
    }

    template <class A>
    void rotate_right(A& a, node* p) {
        if (p == nullptr) return;
        node* l = a.load(p->left);
        node* lr = a.load(l->right);
        a.store(p->left, lr);
        if (lr != nullptr) a.store(lr->parent, p);
        node* pp = a.load(p->parent);
        a.store(l->parent, pp);
        replace_child(a, pp, p, l);
        a.store(l->right, p);
        a.store(p->parent, l);
    }

    template <class A>
    void fix_after_insertion(A& a, node* x) {
        a.store(x->color, red);
        while (x != nullptr && x != a.load(root_) && color_of(a, parent_of(a, x)) == red) {
            node* xp = parent_of(a, x);
            node* xpp = parent_of(a, xp);
            if (xp == left_of(a, xpp)) {
                node* y = right_of(a, xpp);
                if (color_of(a, y) == red) {
                    set_color(a, xp, black);
                    set_color(a, y, black);
                    set_color(a, xpp, red);
                    x = xpp;
                } else {
                    if (x == right_of(a, xp)) {
                        x = xp;
                        rotate_left(a, x);
                    }
                    set_color(a, parent_of(a, x), black);
                    set_color(a, parent_of(a, parent_of(a, x)), red);
                    rotate_right(a, parent_of(a, parent_of(a, x)));
                }
            } else {
                node* y = left_of(a, xpp);
                if (color_of(a, y) == red) {
                    set_color(a, xp, black);
                    set_color(a, y, black);
                    set_color(a, xpp, red);
                    x = xpp;
                } else {
                    if (x == left_of(a, xp)) {
                        x = xp;
                        rotate_right(a, x);
                    }
                    set_color(a, parent_of(a, x), black);
                    set_color(a, parent_of(a, parent_of(a, x)), red);
                    rotate_left(a, parent_of(a, parent_of(a, x)));
                }
            }
        }
        a.store(a.load(root_)->color, black);
    }

    template <class A>
    void delete_entry(A& a, node* p) {
        // A node with two children swaps contents with its successor, which has at most one.
        if (a.load(p->left) != nullptr && a.load(p->right) != nullptr) {
            node* s = a.load(p->right);
            for (node* l; (l = a.load(s->left)) != nullptr;) s = l;
            a.store(p->key, a.load(s->key));
            a.store(p->value, a.load(s->value));
            p = s;
        }
        node* replacement = a.load(p->left) != nullptr ? a.load(p->left) : a.load(p->right);
        node* pp = a.load(p->parent);
        if (replacement != nullptr) {
            a.store(replacement->parent, pp);
            replace_child(a, pp, p, replacement);
            if (a.load(p->color) == black) fix_after_deletion(a, replacement);
        } else if (pp == nullptr) {
            a.store(root_, static_cast<node*>(nullptr));
        } else {
            // p is its own phantom leaf during the fix-up, then is unlinked.
            if (a.load(p->color) == black) fix_after_deletion(a, p);
            pp = a.load(p->parent);
            if (pp != nullptr) {
                if (a.load(pp->left) == p) a.store(pp->left, static_cast<node*>(nullptr));
                else if (a.load(pp->right) == p) a.store(pp->right, static_cast<node*>(nullptr));
            }
        }
        a.destroy(p);
    }

    template <class A>
    void fix_after_deletion(A& a, node* x) {
        while (x != a.load(root_) && color_of(a, x) == black) {
            node* xp = parent_of(a, x);
            if (x == left_of(a, xp)) {
                node* sib = right_of(a, xp);
                if (color_of(a, sib) == red) {
                    set_color(a, sib, black);
                    set_color(a, xp, red);
                    rotate_left(a, xp);
                    sib = right_of(a, parent_of(a, x));
                }
                if (color_of(a, left_of(a, sib)) == black && color_of(a, right_of(a, sib)) == black) {
                    set_color(a, sib, red);
                    x = parent_of(a, x);
                } else {
                    if (color_of(a, right_of(a, sib)) == black) {
                        set_color(a, left_of(a, sib), black);
                        set_color(a, sib, red);
                        rotate_right(a, sib);
                        sib = right_of(a, parent_of(a, x));
                    }
                    set_color(a, sib, color_of(a, parent_of(a, x)));
                    set_color(a, parent_of(a, x), black);
                    set_color(a, right_of(a, sib), black);
                    rotate_left(a, parent_of(a, x));
                    x = a.load(root_);
                }
            } else {
                node* sib = left_of(a, xp);
                if (color_of(a, sib) == red) {
                    set_color(a, sib, black);
                    set_color(a, xp, red);
                    rotate_right(a, xp);
                    sib = left_of(a, parent_of(a, x));
                }
                if (color_of(a, right_of(a, sib)) == black && color_of(a, left_of(a, sib)) == black) {
                    set_color(a, sib, red);
                    x = parent_of(a, x);
                } else {
                    if (color_of(a, left_of(a, sib)) == black) {
                        set_color(a, right_of(a, sib), black);
                        set_color(a, sib, red);
                        rotate_left(a, sib);
                        sib = left_of(a, parent_of(a, x));
                    }
                    set_color(a, sib, color_of(a, parent_of(a, x)));
                    set_color(a, parent_of(a, x), black);
                    set_color(a, left_of(a, sib), black);
                    rotate_right(a, parent_of(a, x));
                    x = a.load(root_);
                }
            }
        }
        set_color(a, x, black);
    }

    // Returns the subtree's black height, or -1 after recording the first broken invariant.
    int black_height(const node* n, validation& v, long& last, bool& first) const {
        if (n == nullptr) return 1;
        if (!v.error.empty()) return -1;
        if (n->left != nullptr && n->left->parent != n) v.error = "broken parent link below " + std::to_string(n->key);
        if (n->right != nullptr && n->right->parent != n) v.error = "broken parent link below " + std::to_string(n->key);
        if (n->color == red && (n->left != nullptr && n->left->color == red)) v.error = "red node with a red child";
        if (n->color == red && (n->right != nullptr && n->right->color == red)) v.error = "red node with a red child";
        int hl = black_height(n->left, v, last, first);
        if (!first && n->key <= last) v.error = "keys out of order at " + std::to_string(n->key);
        first = false;
        last = n->key;
        ++v.size;
        int hr = black_height(n->right, v, last, first);
        if (!v.error.empty()) return -1;
        if (hl != hr) {
            v.error = "unequal black heights below " + std::to_string(n->key);
            return -1;
        }
        return hl + (n->color == black ? 1 : 0);
    }

    template <class F>
    static void walk(const node* n, F& f) {
        if (n == nullptr) return;
        walk(n->left, f);
        f(n->key, n->value);
        walk(n->right, f);
    }

    static void destroy_subtree(node* n) {
        if (n == nullptr) return;
        destroy_subtree(n->left);
        destroy_subtree(n->right);
        plain_access{}.destroy(n);
    }

    node* root_ = nullptr;
};

}  // namespace hytm_bench
