// The read log's fast path (one compare, no bounds test of its own) and the
// NOrec read paths built on it: growth, reads after a write, every piece size.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>
#include <hytm/stm/read_log.hpp>
#include <hytm/testing.hpp>

#include <cstdint>
#include <vector>

using hytm::stm::read_log;

TEST(ReadLog, FastUntilFullThenPushGrows) {
  read_log log;
  std::vector<std::uint64_t> words(1000, 7);
  std::size_t fast = 0;
  for (auto& w : words) {
    if (log.fast()) {
      log.push_fast(&w, 8, w);
      ++fast;
    } else {
      log.push(&w, 8, w);  // full: the slow path grows the log
    }
  }
  EXPECT_EQ(log.size(), words.size());
  EXPECT_EQ(fast, words.size() - 2);  // full at 256 and at 512 entries
  EXPECT_EQ(log.first_changed(), nullptr);
  words[600] = 8;
  EXPECT_EQ(log.first_changed(), &words[600]);
}

TEST(ReadLog, CloseFastSendsEveryAppendToTheSlowPathUntilClear) {
  read_log log;
  std::uint64_t w = 1;
  ASSERT_TRUE(log.fast());
  log.close_fast();
  EXPECT_FALSE(log.fast());
  log.push(&w, 8, w);
  for (int i = 0; i < 600; ++i) log.push(&w, 8, w);  // grows while closed
  EXPECT_FALSE(log.fast());
  log.clear();
  EXPECT_TRUE(log.fast());
  EXPECT_EQ(log.size(), 0u);
}

TEST(ReadLog, EveryPieceSizeIsValidatedWithItsOwnWidth) {
  alignas(8) unsigned char mem[16] = {};
  read_log log;
  log.push(mem + 0, 8, 0);
  log.push(mem + 8, 4, 0);
  log.push(mem + 12, 2, 0);
  log.push(mem + 14, 1, 0);
  EXPECT_EQ(log.first_changed(), nullptr);
  mem[15] = 1;  // outside every piece
  EXPECT_EQ(log.first_changed(), nullptr);
  mem[14] = 1;
  EXPECT_EQ(log.first_changed(), mem + 14);
  mem[14] = 0;
  mem[13] = 1;
  EXPECT_EQ(log.first_changed(), mem + 12);
  mem[13] = 0;
  mem[11] = 1;
  EXPECT_EQ(log.first_changed(), mem + 8);
  std::vector<std::uintptr_t> lines;
  log.lines(lines);
  ASSERT_EQ(lines.size(), 4u);
  for (auto l : lines) EXPECT_EQ(l, reinterpret_cast<std::uintptr_t>(mem) >> 6);
}

// A software transaction that reads past the log's first capacity, writes,
// then reads again: reads after the first write take the slow path, which
// must see the transaction's own values (whole words and bytes) and log the
// rest.
TEST(NorecReads, ManyReadsThenReadsAfterAWriteSeeOwnValues) {
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::off});
  std::vector<long> v(2000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<long>(i);
  alignas(8) unsigned char bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  long sum = 0, after = 0;
  unsigned b0 = 0, b1 = 0;
  hytm::atomic([&](auto& tx) {
    sum = 0;
    for (auto& x : v) sum += tx.load(x);
    tx.store(v[5], 1000L);
    tx.store(bytes[1], static_cast<unsigned char>(42));
    after = 0;
    for (auto& x : v) after += tx.load(x);
    b0 = tx.load(bytes[0]);
    b1 = tx.load(bytes[1]);
  });
  const long n = static_cast<long>(v.size());
  EXPECT_EQ(sum, n * (n - 1) / 2);
  EXPECT_EQ(after, sum - 5 + 1000);
  EXPECT_EQ(b0, 1u);
  EXPECT_EQ(b1, 42u);
  EXPECT_EQ(v[5], 1000);
  EXPECT_EQ(bytes[1], 42);
  hytm::testing::restore_environment_mode();
}
