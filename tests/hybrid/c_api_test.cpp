// The C interface on every path, with C bodies compiled as C.
#include <gtest/gtest.h>
#include <hytm/hytm.h>
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../conformance/modes.hpp"

extern "C" {
struct bank {
  uint64_t accounts[16];
};
void c_transfer(bank* b);
uint64_t c_block_audit(bank* b);
void c_block_increment(uint64_t* counter);
int c_restart_twice(uint64_t* x, int* aborts);
int c_mixed(void);
int c_restart_undoes_every_store(void);
const char* c_irrevocable_path(void);
uint64_t c_nested(uint64_t* x);
struct sized {
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
};
void c_sized_bump(sized* s);
int c_sized_agree(sized* s);
uint64_t c_null_name(uint64_t* x);
}

namespace {

class CApi : public ::testing::TestWithParam<hytm::testing::mode> {
 protected:
  void SetUp() override { hytm::testing::set_mode(GetParam()); }
  void TearDown() override { hytm::testing::restore_environment_mode(); }
};

TEST_P(CApi, BankAndBlockAuditKeepTheTotal) {
  bank b{};
  for (auto& a : b.accounts) a = 100;
  std::atomic<int> bad{0};
  const long n = 20000 / HYTM_STRESS_SCALE;
  std::thread mover([&] {
    for (long i = 0; i < n; ++i) c_transfer(&b);
  });
  std::thread auditor([&] {
    for (long i = 0; i < n / 4; ++i)
      if (c_block_audit(&b) != 1600) bad.fetch_add(1);
  });
  mover.join();
  auditor.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(c_block_audit(&b), 1600u);
  EXPECT_EQ(b.accounts[1], 100u + static_cast<uint64_t>(n));
}

TEST_P(CApi, BlockCounterFromTwoThreads) {
  uint64_t counter = 0;
  const long n = 20000 / HYTM_STRESS_SCALE;
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t)
    ts.emplace_back([&] {
      for (long i = 0; i < n; ++i) c_block_increment(&counter);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(counter, static_cast<uint64_t>(2 * n));
}

// Loads of 1, 2, 4 and 8 bytes in a block that stores nothing, against a
// writer: each is logged with its size and revalidated, so what a block
// sees agrees.
TEST_P(CApi, SizedLoadsSeeOneState) {
  sized s{};
  const long n = 20000 / HYTM_STRESS_SCALE;
  std::atomic<bool> done{false};
  std::thread w([&] {
    for (long i = 0; i < n; ++i) c_sized_bump(&s);
    done = true;
  });
  long bad = 0;
  while (!done) bad += !c_sized_agree(&s);
  w.join();
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(s.d, static_cast<uint64_t>(n));
  EXPECT_EQ(c_sized_agree(&s), 1);
}

TEST_P(CApi, NullNameRuns) {
  uint64_t x = 0;
  EXPECT_EQ(c_null_name(&x), 1u);
  EXPECT_EQ(c_null_name(&x), 2u);
}

TEST_P(CApi, RestartRunsAbortHandlers) {
  uint64_t x = 0;
  int aborts = 0;
  EXPECT_EQ(c_restart_twice(&x, &aborts), 3);
  EXPECT_EQ(x, 3u);
  EXPECT_EQ(aborts, 2);
}

TEST_P(CApi, MixedSizesBytesAndMemory) { EXPECT_TRUE(c_mixed()); }

TEST_P(CApi, RestartUndoesEveryStore) { EXPECT_EQ(c_restart_undoes_every_store(), 0); }

TEST_P(CApi, IrrevocableIsSerial) { EXPECT_STREQ(c_irrevocable_path(), "serial"); }

TEST_P(CApi, NestedBlocksFlatten) {
  uint64_t x = 0;
  EXPECT_EQ(c_nested(&x), 2u);
}

TEST_P(CApi, StatsJsonNamesTheSites) {
  bank b{};
  c_transfer(&b);
  char* j = hytm_stats_json();
  ASSERT_NE(j, nullptr);
  EXPECT_NE(std::string(j).find("\"name\":\"c.transfer\""), std::string::npos) << j;
  std::free(j);
  EXPECT_EQ(hytm_in_transaction(), 0);
}

// The entry's and the serial commit's frameless cases (c_api.cpp,
// top_entry, commit_serial) count what the whole entry and commit count: on
// one thread, every block of a loop is one commit on the mode's path and
// one first-path fallback (solo's under solo, no_rtm's otherwise), nothing
// aborts, and the timed one in 32 and the sampled one in 16, which take the
// whole entry and commit, are counted too.  An entry that counted nothing,
// or counted on the wrong path, fails it.
TEST_P(CApi, TheEntrysFastCasesCountAsTheWholeEntry) {
  uint64_t counter = 0;
  c_block_increment(&counter);  // the thread's first entry takes the whole one
  // Solo: the word may still be contended from an earlier test's threads,
  // and this thread counting down before it claims it again.
  for (int i = 0; GetParam().solo && i < 100000; ++i)
    if (hytm::atomic([](auto& tx) { return tx.path(); }) == hytm::path_kind::serial) break;
  hytm_reset_stats();
  constexpr int n = 1000;
  for (int i = 0; i < n; ++i) c_block_increment(&counter);
  EXPECT_EQ(counter, uint64_t{n} + 1);
  EXPECT_EQ(hytm_in_transaction(), 0);
  const hytm::stats st = hytm::statistics();
  const auto& t = st.total;
  EXPECT_EQ(t[hytm::ctr::serial_commits] + t[hytm::ctr::stm_commits], uint64_t{n});
  // The cost rule picks the path by what it measures: no fast case (the
  // entry goes straight to the whole one, c_entry.hpp), and no fixed path.
  if (GetParam().cost) return;
  const bool serial = GetParam().stm == hytm::stm_algorithm::off || GetParam().solo;
  EXPECT_EQ(t[hytm::ctr::serial_commits], serial ? uint64_t{n} : 0u);
  EXPECT_EQ(t[hytm::ctr::stm_commits], serial ? 0u : uint64_t{n});
  EXPECT_EQ(t[hytm::ctr::fb_solo], GetParam().solo ? uint64_t{n} : 0u);
  EXPECT_EQ(t[hytm::ctr::fb_no_rtm], GetParam().solo ? 0u : uint64_t{n});
  EXPECT_EQ(t[hytm::ctr::stm_abort_validation] + t[hytm::ctr::stm_abort_lock] +
                t[hytm::ctr::stm_abort_explicit] + t[hytm::ctr::serial_rollbacks],
            0u);
  EXPECT_GT(t[hytm::ctr::ns_committed], 0u) << "the timed entries took the whole entry";
  std::uint64_t sampled = 0;
  for (auto c : t.fp[static_cast<std::size_t>(serial ? hytm::footprint::serial_writes
                                                       : hytm::footprint::stm_writes)])
    sampled += c;
  EXPECT_GE(sampled, uint64_t{n / 16}) << "the sampled commits took the whole commit";
  EXPECT_LE(sampled, uint64_t{n / 16 + 1});
}

INSTANTIATE_TEST_SUITE_P(
    Paths, CApi,
    ::testing::Values(hytm::testing::mode{hytm::htm_mode::off, hytm::stm_algorithm::off, 8, 64},
                      hytm::testing::mode{hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64},
                      hytm::testing::mode{hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 0},
                      hytm::testing::mode{hytm::htm_mode::off, hytm::stm_algorithm::orec, 8, 64},
                      // One thread alone runs serially (solo.hpp), handed
                      // over when a second thread starts.
                      hytm::testing::mode{hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                                          hytm::read_only_mode::learn, true},
                      // The cost rule alone: the entry's fast cases are off.
                      hytm::testing::mode{hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                                          hytm::read_only_mode::learn, false, true}),
    [](const auto& p) {
      return std::string(p.param.solo                                ? "solo"
                         : p.param.cost                              ? "cost"
                         : p.param.stm == hytm::stm_algorithm::off     ? "serial"
                         : p.param.stm == hytm::stm_algorithm::orec  ? "stm_orec"
                         : p.param.stm_retries == 0                ? "stm_to_serial"
                                                                       : "stm");
    });

}  // namespace
