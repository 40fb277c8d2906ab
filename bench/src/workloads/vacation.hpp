// vacation.hpp: a travel-reservation system after STAMP's "vacation" (Minh et al., IISWC 2008).
//
// Four tables, each a red-black tree: cars, flights and rooms (id -> item with capacity and
// price) and customers (id -> customer with a sorted list of reservations). Client operations,
// each one transaction over several tables:
//   - reserve (user %):  query `queries` random items, then book the priciest of each kind for a
//                        random customer, creating the customer when new;
//   - delete customer:   bill the customer, release all its reservations, remove it;
//   - update tables:     add capacity to, or retire capacity from, `queries` random items.
// Half of the non-reserve operations are deletions, half updates, as in STAMP's client.
// Correctness: for every item used + free = total, none negative, and `used` equals the number
// of reservations that customers hold on it; every tree is a valid red-black tree.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "../access.hpp"
#include "../structures/rb_tree.hpp"
#include "../workload.hpp"
#include "failure.hpp"

namespace hytm_bench {

template <class Exec>
class vacation_run final : public workload_run {
  public:
    static constexpr int kinds = 3;  // car, flight, room
    static constexpr long capacity_step = 100;

    struct item {
        long used;
        long free;
        long total;
        long price;
        item(long capacity, long p) : used(0), free(capacity), total(capacity), price(p) {}
    };
    struct reservation {
        long kind;
        long id;
        long price;
        reservation* next;
        reservation(long k, long i, long p, reservation* n) : kind(k), id(i), price(p), next(n) {}
    };
    struct customer {
        reservation* reservations = nullptr;
    };

    explicit vacation_run(const workload_config& cfg)
        : relations_(cfg.get("size")),
          queries_(cfg.get("queries")),
          query_range_(std::max(1L, cfg.get("size") * cfg.get("range") / 100)),
          user_(cfg.get("user")) {}

    ~vacation_run() override {
        plain_access a;
        for (auto& t : items_) t.for_each([&](long, item* i) { a.destroy(i); });
        customers_.for_each([&](long, customer* c) {
            for (reservation* r = c->reservations; r != nullptr;) {
                reservation* next = r->next;
                a.destroy(r);
                r = next;
            }
            a.destroy(c);
        });
    }

    void prepare(int /*threads*/) override {
        plain_access a;
        rng r(3000);
        for (long id = 1; id <= relations_; ++id) {
            for (auto& t : items_) {
                long capacity = (static_cast<long>(r.below(5)) + 1) * capacity_step;
                long price = static_cast<long>(r.below(5)) * 10 + 50;
                t.insert(a, id, a.make<item>(capacity, price));
            }
            customers_.insert(a, id, a.make<customer>());
        }
    }

    std::uint64_t run_thread(int thread_id, const run_control& ctl) override {
        rng r(4000 + static_cast<std::uint64_t>(thread_id));
        std::vector<request> reqs(static_cast<std::size_t>(queries_));
        std::uint64_t ops = 0;
        for (; ctl.keep_going(ops); ++ops) {
            long action = static_cast<long>(r.below(100));
            long customer_id = random_id(r);
            for (auto& q : reqs) q = {static_cast<int>(r.below(kinds)), random_id(r), (r.next() & 1) != 0, static_cast<long>(r.below(5)) * 10 + 50};
            bool ok;
            if (action < user_) ok = ex_.run("vacation.reserve", [&](auto& a) { return make_reservation(a, customer_id, reqs); });
            else if (action & 1) ok = ex_.run("vacation.delete_customer", [&](auto& a) { return delete_customer(a, customer_id); });
            else ok = ex_.run("vacation.update_tables", [&](auto& a) { return update_tables(a, reqs); });
            if (!ok) failure_.record("a customer held a reservation on an item missing from its table");
        }
        return ops;
    }

    std::string check() override {
        if (std::string f = failure_.get(); !f.empty()) return f;
        for (auto& t : items_)
            if (validation v = t.validate(); !v.error.empty()) return "item table: " + v.error;
        if (validation v = customers_.validate(); !v.error.empty()) return "customer table: " + v.error;
        std::map<std::pair<long, long>, long> held;  // (kind, id) -> reservations found
        std::string error;
        customers_.for_each([&](long cid, customer* c) {
            std::pair<long, long> last{-1, -1};
            for (reservation* r = c->reservations; r != nullptr; r = r->next) {
                std::pair<long, long> key{r->kind, r->id};
                if (key <= last && error.empty()) error = "customer " + std::to_string(cid) + "'s reservations are not sorted";
                last = key;
                ++held[key];
            }
        });
        if (!error.empty()) return error;
        for (int k = 0; k < kinds; ++k) {
            items_[k].for_each([&](long id, item* i) {
                if (!error.empty()) return;
                std::string where = "item " + std::to_string(k) + "/" + std::to_string(id);
                if (i->used < 0 || i->free < 0 || i->used + i->free != i->total || i->total <= 0)
                    error = where + ": used " + std::to_string(i->used) + " + free " + std::to_string(i->free) + " != total " + std::to_string(i->total);
                else if (auto it = held.find({k, id}); (it == held.end() ? 0 : it->second) != i->used)
                    error = where + ": used " + std::to_string(i->used) + " but customers hold " + std::to_string(it == held.end() ? 0 : it->second);
                held.erase({k, id});
            });
        }
        if (error.empty() && !held.empty()) error = "a customer holds a reservation on a retired item";
        return error;
    }

  private:
    struct request {
        int kind;
        long id;
        bool add;
        long price;
    };

    long random_id(rng& r) const { return static_cast<long>(r.below(static_cast<std::uint64_t>(query_range_))) + 1; }

    template <class A>
    bool make_reservation(A& a, long customer_id, const std::vector<request>& reqs) {
        long best_price[kinds] = {-1, -1, -1};
        long best_id[kinds] = {-1, -1, -1};
        for (const request& q : reqs) {
            item* i;
            if (!items_[q.kind].find(a, q.id, &i)) continue;
            long price = a.load(i->price);
            if (price > best_price[q.kind]) {
                best_price[q.kind] = price;
                best_id[q.kind] = q.id;
            }
        }
        if (best_id[0] < 0 && best_id[1] < 0 && best_id[2] < 0) return true;
        customer* c;
        if (!customers_.find(a, customer_id, &c)) {
            c = a.template make<customer>();
            customers_.insert(a, customer_id, c);
        }
        for (int k = 0; k < kinds; ++k)
            if (best_id[k] >= 0) reserve(a, c, k, best_id[k]);
        return true;
    }

    // Books one unit of item (kind, id) for c unless it is sold out or c already holds one.
    template <class A>
    void reserve(A& a, customer* c, long kind, long id) {
        item* i;
        if (!items_[kind].find(a, id, &i) || a.load(i->free) <= 0) return;
        reservation** link = &c->reservations;
        reservation* r = a.load(*link);
        while (r != nullptr) {
            long rk = a.load(r->kind);
            long ri = a.load(r->id);
            if (rk == kind && ri == id) return;
            if (rk > kind || (rk == kind && ri > id)) break;
            link = &r->next;
            r = a.load(*link);
        }
        a.store(*link, a.template make<reservation>(kind, id, a.load(i->price), r));
        a.store(i->free, a.load(i->free) - 1);
        a.store(i->used, a.load(i->used) + 1);
    }

    // False only if the tables are inconsistent (a reservation on a missing item).
    template <class A>
    bool delete_customer(A& a, long customer_id) {
        customer* c;
        if (!customers_.find(a, customer_id, &c)) return true;
        long bill = 0;
        for (reservation* r = a.load(c->reservations); r != nullptr;) {
            item* i;
            if (!items_[a.load(r->kind)].find(a, a.load(r->id), &i)) return false;
            a.store(i->free, a.load(i->free) + 1);
            a.store(i->used, a.load(i->used) - 1);
            bill += a.load(r->price);
            reservation* next = a.load(r->next);
            a.destroy(r);
            r = next;
        }
        (void)bill;  // STAMP computes the bill before deleting; the reads are part of the workload
        customers_.remove(a, customer_id);
        a.destroy(c);
        return true;
    }

    template <class A>
    bool update_tables(A& a, const std::vector<request>& reqs) {
        for (const request& q : reqs) {
            auto& table = items_[q.kind];
            item* i;
            bool found = table.find(a, q.id, &i);
            if (q.add) {
                if (found) {
                    a.store(i->free, a.load(i->free) + capacity_step);
                    a.store(i->total, a.load(i->total) + capacity_step);
                    a.store(i->price, q.price);
                } else {
                    table.insert(a, q.id, a.template make<item>(capacity_step, q.price));
                }
            } else if (found && a.load(i->free) >= capacity_step) {
                long total = a.load(i->total) - capacity_step;
                a.store(i->free, a.load(i->free) - capacity_step);
                a.store(i->total, total);
                if (total == 0) {  // then used == 0 too: nobody holds a reservation on it
                    table.remove(a, q.id);
                    a.destroy(i);
                }
            }
        }
        return true;
    }

    long relations_;
    long queries_;
    long query_range_;
    long user_;
    rb_tree<item*> items_[kinds];
    rb_tree<customer*> customers_;
    Exec ex_;
    first_failure failure_;
};

}  // namespace hytm_bench
