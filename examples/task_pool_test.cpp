// hytm::task_pool and hytm::parallel_for_each: results equal a sequential
// run, a task's exception reaches the caller and its writes are rolled back.
#include <hytm/task_pool.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace {

#ifdef HYTM_SANITIZED
constexpr int scale = 8;
#else
constexpr int scale = 1;
#endif

// A histogram whose bins many tasks update at once.
std::vector<std::uint64_t> sequential_histogram(const std::vector<int>& xs, std::size_t bins) {
  std::vector<std::uint64_t> h(bins);
  for (int x : xs) h[static_cast<std::size_t>(x) % bins] += static_cast<std::uint64_t>(x);
  return h;
}

std::vector<int> inputs() {
  std::vector<int> xs(40000 / scale);
  std::iota(xs.begin(), xs.end(), 1);
  return xs;
}

TEST(TaskPool, EqualsSequentialRun) {
  const auto xs = inputs();
  std::vector<std::uint64_t> h(61);
  hytm::task_pool pool(hytm::site("test.pool.histogram"));
  for (std::size_t lo = 0; lo < xs.size(); lo += 16)
    pool.run([&h, &xs, lo](auto& tx) {
      for (std::size_t i = lo; i < std::min(xs.size(), lo + 16); i++) {
        std::uint64_t& bin = h[static_cast<std::size_t>(xs[i]) % h.size()];
        tx.store(bin, tx.load(bin) + static_cast<std::uint64_t>(xs[i]));
      }
    });
  pool.wait();
  EXPECT_EQ(h, sequential_histogram(xs, h.size()));
}

TEST(TaskPool, ReusableAfterWait) {
  std::uint64_t counter = 0;
  hytm::task_pool pool;
  for (int round = 1; round <= 3; round++) {
    for (int i = 0; i < 200; i++) pool.run([&counter](auto& tx) { tx.store(counter, tx.load(counter) + 1); });
    pool.wait();
    EXPECT_EQ(counter, 200u * static_cast<unsigned>(round));
  }
}

TEST(TaskPool, ExceptionPropagatesAndTheTaskIsRolledBack) {
  std::uint64_t touched = 0, done = 0;  // `done` gives the pool other work to cancel
  hytm::task_pool pool;
  for (int i = 0; i < 100; i++)
    pool.run([&done](auto& tx) { tx.store(done, tx.load(done) + 1); });
  pool.run([&touched](auto& tx) {
    tx.store(touched, std::uint64_t{1});
    if (tx.load(touched) == 1) throw std::runtime_error("task failed");
  });
  try {
    pool.wait();
    FAIL() << "wait() returned normally";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "task failed");
  }
  EXPECT_EQ(touched, 0u) << "the throwing task's store survived";
}

TEST(TaskPool, RunInsideATransactionIsRefused) {
  hytm::task_pool pool;
  std::uint64_t x = 0;
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.store(x, std::uint64_t{1});
                 pool.run([](auto&) {});
               }),
               std::logic_error);
  EXPECT_EQ(x, 0u);
  pool.wait();
}

TEST(ParallelForEach, EqualsSequentialRun) {
  const auto xs = inputs();
  std::vector<std::uint64_t> h(17);
  hytm::parallel_for_each(xs.begin(), xs.end(), [&h](auto& tx, int x) {
    std::uint64_t& bin = h[static_cast<std::size_t>(x) % h.size()];
    tx.store(bin, tx.load(bin) + static_cast<std::uint64_t>(x));
  });
  EXPECT_EQ(h, sequential_histogram(xs, h.size()));
}

TEST(ParallelForEach, ExceptionPropagates) {
  const auto xs = inputs();
  std::uint64_t sum = 0;
  EXPECT_THROW(hytm::parallel_for_each(xs.begin(), xs.end(),
                                       [&sum](auto& tx, int x) {
                                         tx.store(sum, tx.load(sum) + static_cast<std::uint64_t>(x));
                                         if (x == 777) throw std::out_of_range("777");
                                       }),
               std::out_of_range);
  // Item 777 was rolled back whatever else ran: the sum cannot include it
  // alone, so it is at most the total without it.
  const std::uint64_t total = std::accumulate(xs.begin(), xs.end(), std::uint64_t{0});
  EXPECT_LE(sum, total - 777);
}

}  // namespace
