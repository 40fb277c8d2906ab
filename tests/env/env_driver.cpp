// env_driver: a small program linked with libhytm for the environment tests
// (tests/env/check_env.cmake).  The engine reads and validates HYTM_* before
// main(), so a bad value ends the program before the first line below runs.
//
// With good values it runs a short multi-threaded counter, checks the total,
// and prints "env_driver: transactions N" so a test can compare N with the
// statistics that HYTM_STATS prints or writes at exit.
//
// `env_driver conflict` first makes one software conflict happen for sure (a
// second thread commits a write to a word the first has read, while the
// first waits inside its first attempt), then calls statistics(),
// stats_text() and stats_json() itself, as a program that reports its own
// figures does, before the HYTM_STATS printer runs at exit.  The printer
// must not depend on anything those calls created and exit() destroyed
// (issue 12, item 5).
#include <hytm/hytm.hpp>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

long g_hot = 0;

// One transaction reads g_hot, waits (first attempt only) until another
// thread's committed write to it is visible, and reads again: on the
// software path that is a validation abort whose address is g_hot.  (It
// waits for the value, not for the writer's transaction to end: a software
// writer's commit waits for the readers that were running to move on.)  Two
// transactions commit in all.
void one_conflict() {
  std::atomic<int> stage{0};
  std::thread writer([&] {
    while (stage.load() != 1) std::this_thread::yield();
    hytm::atomic([&](auto& tx) { tx.store(g_hot, tx.load(g_hot) + 1); });
  });
  int attempts = 0;
  hytm::atomic([&](auto& tx) {
    long v = tx.load(g_hot);
    if (attempts++ == 0) {
      stage.store(1);
      while (std::atomic_ref<long>(g_hot).load() == v) std::this_thread::yield();
    }
    v += tx.load(g_hot);
    tx.store(g_hot, v + 1);
  });
  writer.join();
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int threads = 2;
  constexpr int per_thread = 2000;
  long counter = 0;
  long extra = 0;
  if (argc > 1 && std::strcmp(argv[1], "conflict") == 0) {
    one_conflict();
    extra = 2;
    const hytm::stats s = hytm::statistics();
    std::size_t conflicts = 0;
    for (const auto& site : s.sites) conflicts += site.conflicts.size();
    const std::string text = hytm::stats_text();
    const std::string json = hytm::stats_json();
    std::printf("env_driver: conflicts recorded %zu, text %zu bytes, json %zu bytes\n", conflicts,
                text.size(), json.size());
  }

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        hytm::atomic([&](auto& tx) { tx.store(counter, tx.load(counter) + 1); });
    });
  for (auto& th : pool) th.join();

  const long expected = long{threads} * per_thread;
  std::printf("env_driver: htm=%s stm=%s policy=%s\n", hytm::machine().htm, hytm::machine().stm,
              hytm::g_config.cost ? "cost" : "rules");
  std::printf("env_driver: transactions %ld\n", expected + extra);
  if (counter != expected) {
    std::printf("env_driver: counter is %ld, expected %ld\n", counter, expected);
    return 1;
  }
  return 0;
}
