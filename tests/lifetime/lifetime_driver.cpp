// lifetime_driver: transactions at the very end of a thread's and of the
// process's life (docs/lifetime.md), run by check_lifetime.cmake under every
// path.  Each transaction adds 1 to a shared counter; the last static
// destructor to run checks that every one of them counted, prints
// "lifetime_driver: ok N" and, on a mismatch, ends the process with status 1.
//
// Where the transactions run:
//   - in the destructor of a thread_local made before the thread's first
//     transaction (its destructor runs after any the engine registers);
//   - in the destructor of a thread_local made after it;
//   - in pthread key destructors, from a key made before the engine's and
//     from one made after it (glibc runs key destructors in key order, after
//     every thread_local destructor);
//   - in the main thread's thread_local destructors and in static
//     destructors, at exit;
// while other threads start, run transactions and exit, adopting the
// contexts the exiting threads give back.  A context adopted while its old
// thread still used it would lose increments (or crash).
#include <hytm/hytm.h>
#include <hytm/hytm.hpp>

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

long g_count = 0;
std::atomic<long> g_expected{0};

void c_body(hytm_tx* tx, void*) {
  auto* p = reinterpret_cast<std::uint64_t*>(&g_count);
  hytm_store_u64(tx, p, hytm_load_u64(tx, p) + 1);
}

// Every other one through the C interface, whose per-thread state must last
// as long as the C++ one's.
void add_one() {
  thread_local bool c_next = false;  // trivially destructible: lives to the end
  g_expected.fetch_add(1, std::memory_order_relaxed);
  if ((c_next = !c_next))
    hytm_atomic(c_body, nullptr);
  else
    hytm::atomic([&](auto& tx) { tx.store(g_count, tx.load(g_count) + 1); });
}

struct tx_in_destructor {
  int n = 1;
  ~tx_in_destructor() {
    for (int i = 0; i < n; ++i) add_one();
  }
};

// Defined first: constructed first, destroyed last, after every other
// static destructor of this file and after the main thread's thread_locals.
struct final_check {
  ~final_check() {
    add_one();
    const long got = hytm::atomic([&](auto& tx) { return tx.load(g_count); });
    const long want = g_expected.load();
    std::printf("lifetime_driver: %s %ld of %ld\n", got == want ? "ok" : "LOST", got, want);
    std::fflush(stdout);
    if (got != want) std::_Exit(1);
  }
} g_final;

tx_in_destructor g_static_before;  // constructed before main, before any transaction

thread_local tx_in_destructor t_before;
thread_local tx_in_destructor t_after;

pthread_key_t g_key_low, g_key_high;
void key_destructor(void*) { add_one(); }

void worker(int transactions) {
  t_before.n = 2;  // odr-use before the first transaction: destroyed after the engine's hooks
  for (int i = 0; i < transactions; ++i) add_one();
  t_after.n = 1;
  pthread_setspecific(g_key_low, &g_count);
  pthread_setspecific(g_key_high, &g_count);
}

}  // namespace

int main() {
  // A key made before the engine's (which it makes at the first transaction).
  pthread_key_create(&g_key_low, key_destructor);
  t_before.n = 1;
  add_one();
  pthread_key_create(&g_key_high, key_destructor);
  static tx_in_destructor made_after_first_transaction;

  for (int round = 0; round < 20; ++round) {
    std::vector<std::thread> pool;
    for (int t = 0; t < 4; ++t) pool.emplace_back(worker, 50);
    for (auto& th : pool) th.join();
  }
  // Exiting threads and newcomers at once.
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t)
    pool.emplace_back([] {
      for (int k = 0; k < 10; ++k) std::thread(worker, 20).join();
    });
  for (auto& th : pool) th.join();

  t_after.n = 1;
  std::printf("lifetime_driver: main done, htm=%s stm=%s\n", hytm::machine().htm,
              hytm::machine().stm);
  std::fflush(stdout);
  return 0;  // then: main's thread_locals, the statics, g_final's check
}
