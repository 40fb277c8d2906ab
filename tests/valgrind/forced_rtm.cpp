// forced_rtm: the workload of the forced-RTM-under-valgrind test (ctest: valgrind.forced_rtm,
// driven by check_valgrind.cmake).
//
// Under valgrind the CPU has no RTM, but with HYTM_HTM=force the engine still executes real
// xbegin instructions; valgrind makes every one of them abort with status 0x08 (capacity), so
// every transaction must start in hardware, abort, and commit on another path.  The program
// checks its own results (a counter and a bank whose total is audited inside transactions and at
// the end, and a counter updated through both forms of the C API, forced_rtm_c.c) and prints how
// many transactions it ran, which the test compares with the statistics.
//
//   forced_rtm [iterations per thread]
#include <hytm/hytm.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

extern "C" long forced_rtm_c_round(std::uint64_t* counter, int iterations);

namespace {

constexpr int kThreads = 2;
constexpr int kAccounts = 8;
constexpr long kInitial = 1000;
constexpr int kAuditEvery = 8;

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (iterations <= 0) {
    std::fprintf(stderr, "usage: forced_rtm [iterations per thread > 0]\n");
    return 2;
  }

  long counter = 0;
  std::uint64_t c_counter = 0;  // the C API's
  long balance[kAccounts];
  for (long& b : balance) b = kInitial;

  std::atomic<long> transactions{0};
  std::atomic<long> bad_audits{0};

  auto worker = [&](int t) {
    long mine = 0;
    unsigned seed = 12345u + 977u * static_cast<unsigned>(t);
    auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
    for (int i = 0; i < iterations; ++i) {
      hytm::atomic([&](auto& tx) { tx.store(counter, tx.load(counter) + 1); });
      ++mine;

      const unsigned from = next() % kAccounts;
      const unsigned to = (from + 1 + next() % (kAccounts - 1)) % kAccounts;
      const long amount = static_cast<long>(next() % 50);
      hytm::atomic([&](auto& tx) {
        tx.store(balance[from], tx.load(balance[from]) - amount);
        tx.store(balance[to], tx.load(balance[to]) + amount);
      });
      ++mine;

      if (i % kAuditEvery == 0) {
        // The total, read inside one transaction, is always the initial total; only the
        // committed attempt's answer counts.
        const long sum = hytm::atomic([&](auto& tx) {
          long s = 0;
          for (long& b : balance) s += tx.load(b);
          return s;
        });
        if (sum != kAccounts * kInitial) bad_audits.fetch_add(1);
        ++mine;
      }
    }
    mine += forced_rtm_c_round(&c_counter, iterations);
    transactions.fetch_add(mine);
  };

  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) pool.emplace_back(worker, t);
  for (auto& th : pool) th.join();

  long total = 0;
  for (long b : balance) total += b;

  const bool ok = counter == long{kThreads} * iterations &&
                  c_counter == 2ull * kThreads * static_cast<unsigned>(iterations) &&
                  total == kAccounts * kInitial && bad_audits.load() == 0;
  std::printf("forced_rtm: htm=%s counter=%ld c_counter=%llu total=%ld bad_audits=%ld\n",
              hytm::machine().htm, counter, static_cast<unsigned long long>(c_counter), total,
              bad_audits.load());
  std::printf("forced_rtm: transactions %ld\n", transactions.load());
  std::puts(ok ? "forced_rtm: ok" : "forced_rtm: FAILED");
  return ok ? 0 : 1;
}
