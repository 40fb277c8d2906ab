// line_set (hybrid/src/profiler/line_set.hpp) counts what sort + unique
// counts, for every log size it takes, with lines that collide in its
// table, repeat, and sit next to each other.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "profiler/line_set.hpp"

namespace {

std::uint64_t sorted_count(std::vector<std::uintptr_t> v) {
  std::sort(v.begin(), v.end());
  return static_cast<std::uint64_t>(std::unique(v.begin(), v.end()) - v.begin());
}

}  // namespace

TEST(LineSet, CountsDistinctLinesAsSortAndUniqueDo) {
  std::mt19937_64 rng(7);
  for (std::size_t n = 0; n <= hytm::detail::line_set::max_lines; ++n) {
    for (int round = 0; round < 20; ++round) {
      // Few distinct values (many repeats), or spread ones, or neighbours.
      const std::uintptr_t spread = round % 3 == 0 ? 4 : round % 3 == 1 ? (1ull << 40) : 64;
      const std::uintptr_t base = rng() >> 8;
      std::vector<std::uintptr_t> lines;
      hytm::detail::line_set set(n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::uintptr_t l = base + rng() % spread;
        lines.push_back(l);
        set.push_back(l);
      }
      ASSERT_EQ(set.count(), sorted_count(lines)) << "n=" << n << " round=" << round;
    }
  }
}

TEST(LineSet, LineZeroAndTheHighestLineAreLines) {
  hytm::detail::line_set set(3);
  set.push_back(0);
  set.push_back(0);
  set.push_back(~std::uintptr_t{0} >> 6);
  EXPECT_EQ(set.count(), 2u);
}
