#include <gtest/gtest.h>
#include <hytm/hytm.hpp>

TEST(Smoke, CounterIncrements) {
  long x = 0;
  for (int i = 0; i < 100; ++i) hytm::atomic([&](auto& tx) { tx.store(x, tx.load(x) + 1); });
  EXPECT_EQ(x, 100);
  std::puts(hytm::stats_text().c_str());
}
