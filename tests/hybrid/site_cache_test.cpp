// The site cache (thread_ctx::cache, run.hpp) and the per-context index
// behind it (context.cpp, site_slow): a site evicted from its cache slot by
// another is found again as the same site_local, with its counts, and a
// thread with many sites keeps each one's apart.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <utility>

namespace {

class SiteCache : public ::testing::Test {
 protected:
  void SetUp() override {
    hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                             hytm::read_only_mode::learn});
  }
  void TearDown() override { hytm::testing::restore_environment_mode(); }
};

// Names that outlive the program's transactions, as a named site needs.
constexpr int name_count = 600;
std::array<std::array<char, 24>, name_count> names = [] {
  std::array<std::array<char, 24>, name_count> n{};
  for (int i = 0; i < name_count; ++i) std::snprintf(n[i].data(), n[i].size(), "site_cache.%d", i);
  return n;
}();

std::uint64_t writes_committed(const char* name) {
  hytm::site_local& s = hytm::detail::site_for(hytm::current_ctx(), hytm::site(name));
  return s.counters[hytm::ctr::stm_commits].get();
}

// Two sites whose keys share a cache slot, run in turn: each start evicts
// the other's entry.  Each keeps one site_local and its own counts.
TEST_F(SiteCache, TwoSitesInOneSlotKeepTheirOwnState) {
  std::pair<int, int> pair{-1, -1};
  for (int i = 0; i < name_count && pair.first < 0; ++i)
    for (int j = i + 1; j < name_count; ++j)
      if (hytm::thread_ctx::cache_slot(names[i].data()) ==
          hytm::thread_ctx::cache_slot(names[j].data())) {
        pair = {i, j};
        break;
      }
  ASSERT_GE(pair.first, 0) << "600 keys in 64 slots must collide";
  const char* a = names[pair.first].data();
  const char* b = names[pair.second].data();
  hytm::thread_ctx& ctx = hytm::current_ctx();
  hytm::site_local* sa = &hytm::detail::site_for(ctx, hytm::site(a));
  hytm::site_local* sb = &hytm::detail::site_for(ctx, hytm::site(b));
  ASSERT_NE(sa, sb);
  const std::uint64_t a0 = writes_committed(a), b0 = writes_committed(b);
  long x = 0;
  constexpr int rounds = 1000;
  for (int i = 0; i < rounds; ++i) {
    hytm::atomic(hytm::site(a), [&](auto& tx) { tx.store(x, tx.load(x) + 1); });
    EXPECT_EQ(&hytm::detail::site_for(ctx, hytm::site(a)), sa);
    hytm::atomic(hytm::site(b), [&](auto& tx) { tx.store(x, tx.load(x) + 2); });
    EXPECT_EQ(&hytm::detail::site_for(ctx, hytm::site(b)), sb);
  }
  EXPECT_EQ(x, 3 * rounds);
  EXPECT_EQ(writes_committed(a) - a0, std::uint64_t{rounds});
  EXPECT_EQ(writes_committed(b) - b0, std::uint64_t{rounds});
}

// More sites than the cache and the index's first size hold (the index
// grows and rehashes): every site is found as itself, with its counts.
TEST_F(SiteCache, ManySitesEachCountedApart) {
  hytm::thread_ctx& ctx = hytm::current_ctx();
  std::array<hytm::site_local*, name_count> first{};
  std::array<std::uint64_t, name_count> before{};
  for (int i = 0; i < name_count; ++i) {
    first[i] = &hytm::detail::site_for(ctx, hytm::site(names[i].data()));
    before[i] = writes_committed(names[i].data());
  }
  long x = 0;
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < name_count; ++i)
      hytm::atomic(hytm::site(names[i].data()), [&](auto& tx) { tx.store(x, tx.load(x) + 1); });
  EXPECT_EQ(x, 3 * name_count);
  for (int i = 0; i < name_count; ++i) {
    EXPECT_EQ(&hytm::detail::site_for(ctx, hytm::site(names[i].data())), first[i]) << i;
    EXPECT_EQ(writes_committed(names[i].data()) - before[i], 3u) << names[i].data();
  }
}

}  // namespace
