// task_pool.hpp: a pool of workers whose every task runs as one hytm
// transaction -- the "one coarse lock around each task" model, run in
// parallel.  Header-only on top of oneTBB: link TBB::tbb next to hytm::hytm.
//
//   hytm::task_pool pool(hytm::site("wordcount.task"));
//   for (const chunk& c : chunks)
//     pool.run([&map, &c](auto& tx) {        // a body, as for hytm::atomic
//       for (word w : c) map.add(tx, w, 1);
//     });
//   pool.wait();                              // rethrows a task's exception
//
//   hytm::parallel_for_each(items.begin(), items.end(),
//                           [&](auto& tx, const item& it) { ... });
//
// Task bodies follow hytm::atomic's rules (hytm.hpp): shared data only
// through tx, re-executable, not noexcept.  A task that throws is rolled back
// like any transaction, and the exception propagates to the caller of wait()
// (or of parallel_for_each); as with tbb::task_group, the tasks not yet
// started are then cancelled.  Statistics and the conflict report count all
// tasks of a pool under its site.
//
// Not for: tasks that wait for each other (a transaction cannot block), and
// starting tasks from inside a transaction -- an aborted attempt would
// start them again; register the run() with tx.on_commit instead.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include <oneapi/tbb/task_group.h>

#include "hytm/hytm.hpp"

namespace hytm {

namespace detail {

// libtbb is not built with ThreadSanitizer, so TSan cannot see the
// happens-before edges of a task hand-off (from run() to the task, from the
// task's end to wait()) and would report every capture as a race.  These
// declare them, on one token for all pools: a task must acquire before it
// reads its own closure, so the token cannot live in the closure.  They
// compile to nothing in other builds.
#if defined(HYTM_TSAN)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
inline char handoff_token;
inline void handoff_release() { __tsan_release(&handoff_token); }
inline void handoff_acquire() { __tsan_acquire(&handoff_token); }
#else
inline void handoff_release() {}
inline void handoff_acquire() {}
#endif

// Acquires at the start of a task, releases at its end, exception or not.
struct task_handoff {
  task_handoff() { handoff_acquire(); }
  ~task_handoff() { handoff_release(); }
  task_handoff(const task_handoff&) = delete;
  task_handoff& operator=(const task_handoff&) = delete;
};

// Releases the tasks' inputs on construction; acquires their results when
// the waiting call returns or throws.
struct wait_handoff {
  wait_handoff() { handoff_release(); }
  ~wait_handoff() { handoff_acquire(); }
  wait_handoff(const wait_handoff&) = delete;
  wait_handoff& operator=(const wait_handoff&) = delete;
};

}  // namespace detail

class task_pool {
 public:
  explicit task_pool(site s = site("hytm.task_pool")) : site_(s) {}
  task_pool(const task_pool&) = delete;
  task_pool& operator=(const task_pool&) = delete;
  // Like tbb::task_group, a pool must be waited for before it is destroyed.
  ~task_pool() = default;

  // Queues body to run, on some worker, as one transaction.
  template <class Body>
  void run(Body body) {
    refuse_inside_transaction("task_pool::run");
    detail::handoff_release();
    group_.run([this, body = std::move(body)] {
      detail::task_handoff h;
      hytm::atomic(site_, body);
    });
  }

  // Runs queued tasks on this thread too, until all are done; rethrows the
  // exception of a task that threw.  The pool can be used again afterwards.
  void wait() {
    refuse_inside_transaction("task_pool::wait");
    detail::wait_handoff h;
    group_.wait();
  }

 private:
  static void refuse_inside_transaction(const char* what) {
    if (hytm::in_transaction())
      throw std::logic_error(std::string(what) +
                             " inside a transaction: call it from tx.on_commit");
  }

  site site_;
  tbb::task_group group_;
};

// body(tx, item) for every item of [first, last), each call one transaction,
// as tasks of a task_pool: the same exceptions and cancellation.  (Not
// tbb::parallel_for_each: its range splitting is inline code ThreadSanitizer
// sees without the library's synchronization.)
template <class It, class Body>
void parallel_for_each(It first, It last, Body body, site s = site("hytm.parallel_for_each")) {
  task_pool pool(s);
  for (; first != last; ++first)
    pool.run([&body, &item = *first](auto& tx) { body(tx, item); });
  pool.wait();
}

}  // namespace hytm
