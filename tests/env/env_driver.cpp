// env_driver: a small program linked with libhytm for the environment tests
// (tests/env/check_env.cmake).  The engine reads and validates HYTM_* before
// main(), so a bad value ends the program before the first line below runs.
//
// With good values it runs a short multi-threaded counter, checks the total,
// and prints "env_driver: transactions N" so a test can compare N with the
// statistics that HYTM_STATS prints or writes at exit.
#include <hytm/hytm.hpp>

#include <cstdio>
#include <thread>
#include <vector>

int main() {
  constexpr int threads = 2;
  constexpr int per_thread = 2000;
  long counter = 0;

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        hytm::atomic([&](auto& tx) { tx.store(counter, tx.load(counter) + 1); });
    });
  for (auto& th : pool) th.join();

  const long expected = long{threads} * per_thread;
  std::printf("env_driver: htm=%s stm=%s\n", hytm::machine().htm, hytm::machine().stm);
  std::printf("env_driver: transactions %ld\n", expected);
  if (counter != expected) {
    std::printf("env_driver: counter is %ld, expected %ld\n", counter, expected);
    return 1;
  }
  return 0;
}
