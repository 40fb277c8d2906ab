// The installed package, used from C++: a multi-threaded counter and a small bank, with the
// totals checked at the end and the statistics read back through the public API.
#include <hytm/hytm.hpp>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

int main() {
  constexpr int threads = 4;
  constexpr int per_thread = 5000;
  constexpr int accounts = 8;
  constexpr long initial = 1000;

  long counter = 0;
  long balance[accounts];
  for (long& b : balance) b = initial;

  hytm::reset_stats();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        hytm::atomic([&](auto& tx) { tx.store(counter, tx.load(counter) + 1); });
        const int from = (i + t) % accounts, to = (i * 7 + t + 1) % accounts;
        hytm::atomic([&](auto& tx) {
          tx.store(balance[from], tx.load(balance[from]) - 1);
          tx.store(balance[to], tx.load(balance[to]) + 1);
        });
      }
    });
  for (auto& th : pool) th.join();

  long total = 0;
  for (long b : balance) total += b;
  const hytm::stats s = hytm::statistics();
  const auto commits = s.total[hytm::ctr::htm_commits] + s.total[hytm::ctr::stm_commits] +
                       s.total[hytm::ctr::serial_commits];
  std::printf("consumer_cxx: htm=%s counter=%ld total=%ld commits=%llu\n", s.machine.htm, counter,
              total, static_cast<unsigned long long>(commits));
  const std::string json = hytm::stats_json();
  bool ok = counter == long{threads} * per_thread && total == accounts * initial &&
            commits == 2ull * threads * per_thread && json.rfind("{\"machine\"", 0) == 0;
  std::puts(ok ? "consumer_cxx: ok" : "consumer_cxx: FAILED");
  return ok ? 0 : 1;
}
