// The cost rule (docs/policy.md, "By measured cost"), driven by scripted
// xbegin statuses and a scripted clock (hytm::testing::set_attempt_clock):
// every attempt lasts what the test says, so the rule's choices are
// deterministic.  The statuses decide what happens, the clock what it costs.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

using hytm::ctr;
using hytm::path_kind;
namespace bit = hytm::htm::status_bit;

constexpr unsigned started = hytm::htm::started;
constexpr unsigned capacity = bit::capacity;
constexpr unsigned conflict_retry = bit::conflict | bit::retry;
constexpr std::uint32_t hold = hytm::attempt_policy::cost_hold_min;

// Ticks of one attempt: [path][committed].
std::uint64_t g_ticks[3][2];
std::uint64_t scripted_clock(path_kind p, bool committed) {
  return g_ticks[static_cast<int>(p)][committed ? 1 : 0];
}
void set_ticks(path_kind p, std::uint64_t aborted, std::uint64_t committed) {
  g_ticks[static_cast<int>(p)][0] = aborted;
  g_ticks[static_cast<int>(p)][1] = committed;
}

class CostTest : public ::testing::Test {
 protected:
  void SetUp() override { use({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 3, 4}); }
  static void use(hytm::testing::mode m, bool cost = true) {
    m.cost = cost;
    m.sample = false;  // a sample would replace the hardware retries these tests count
    hytm::testing::set_mode(m);
    hytm::testing::forget_site_policy();
    hytm::testing::set_attempt_clock(&scripted_clock);
    hytm::reset_stats();
    // Hardware and software cheap, serial dear unless a test says otherwise.
    set_ticks(path_kind::htm, 10, 10);
    set_ticks(path_kind::stm, 20, 20);
    set_ticks(path_kind::serial, 1000, 1000);
  }
  void TearDown() override {
    hytm::testing::set_attempt_clock(nullptr);
    hytm::testing::script_htm({});
    hytm::testing::restore_environment_mode();
  }
  static std::uint64_t get(ctr c) { return hytm::statistics().total[c]; }
  // A transaction at one fixed call site; the body restarts on the software
  // path while `stm_restarts` says so.
  static path_kind run_once(long& x, bool stm_restarts = false) {
    return hytm::atomic(hytm::site("cost.site"), [&](auto& tx) {
      if (stm_restarts && tx.path() == path_kind::stm) tx.restart();
      tx.store(x, tx.load(x) + 1);
      return tx.path();
    });
  }
  // n transactions whose hardware attempts all conflict (budget 3 each).
  static void run_conflicting(long& x, int n) {
    for (int i = 0; i < n; ++i) {
      hytm::testing::script_htm({conflict_retry, conflict_retry, conflict_retry});
      EXPECT_EQ(run_once(x), path_kind::stm);
    }
  }
};

TEST_F(CostTest, ConflictingHardwareAndCheapSoftwareGoToSoftware) {
  long x = 0;
  // Hardware-first: 3 aborted attempts (30) then software (20) = 50 per
  // commit; software-first 20.  The first decision comes after 4 samples.
  run_conflicting(x, 4);
  EXPECT_EQ(get(ctr::fb_budget), 4u);
  EXPECT_EQ(get(ctr::fb_cost), 0u);
  hytm::testing::script_htm({started});
  for (int i = 0; i < 20; ++i) EXPECT_EQ(run_once(x), path_kind::stm);
  EXPECT_EQ(hytm::testing::script_left(), 1u) << "no hardware attempt once software is cheaper";
  EXPECT_EQ(get(ctr::fb_cost), 20u);
  EXPECT_EQ(get(ctr::htm_starts), 12u);
  EXPECT_EQ(x, 24);
  EXPECT_NE(hytm::stats_text().find("cost 20"), std::string::npos) << hytm::stats_text();
  const std::string j = hytm::stats_json();
  EXPECT_NE(j.find("\"solo\":0,\"cost\":20"), std::string::npos) << j;
}

TEST_F(CostTest, UnderTheRulesAConflictingSiteKeepsTryingHardware) {
  use({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 3, 4}, false);
  long x = 0;
  run_conflicting(x, 24);
  EXPECT_EQ(get(ctr::fb_cost), 0u);
  EXPECT_EQ(get(ctr::htm_starts), 72u);
}

TEST_F(CostTest, AnOverflowingSiteStopsAttemptingHardware) {
  long x = 0;
  // A capacity abort (10) then software (20): 30 against 20.
  for (int i = 0; i < 4; ++i) {
    hytm::testing::script_htm({capacity});
    EXPECT_EQ(run_once(x), path_kind::stm);
  }
  hytm::testing::script_htm_repeat(capacity, 200);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(run_once(x), path_kind::stm);
  EXPECT_EQ(hytm::testing::script_left(), 200u)
      << "the cost rule rests hardware for " << hold << " starts, longer than site_disabled's 16";
  EXPECT_EQ(get(ctr::fb_cost), 200u);
  EXPECT_EQ(get(ctr::fb_capacity), 4u);
}

TEST_F(CostTest, UnderTheRulesAnOverflowingSiteProbesHardwareSooner) {
  use({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 3, 4}, false);
  long x = 0;
  hytm::testing::script_htm_repeat(capacity, 204);
  for (int i = 0; i < 204; ++i) EXPECT_EQ(run_once(x), path_kind::stm);
  EXPECT_GT(get(ctr::htm_starts), 8u) << "probes after 16, 32, 64 and 128 skipped starts";
  EXPECT_EQ(get(ctr::fb_cost), 0u);
}

TEST_F(CostTest, CheapHardwareStaysThere) {
  set_ticks(path_kind::stm, 40, 40);
  long x = 0;
  // Three hardware commits (10) and one overflow (10 + software 40) in four:
  // hardware-first costs 20 per commit, software 40.
  for (int i = 0; i < 64; ++i) {
    hytm::testing::script_htm({i % 4 == 3 ? capacity : started});
    EXPECT_EQ(run_once(x), i % 4 == 3 ? path_kind::stm : path_kind::htm);
  }
  EXPECT_EQ(get(ctr::fb_cost), 0u);
  EXPECT_EQ(get(ctr::htm_commits), 48u);
  EXPECT_EQ(hytm::testing::script_left(), 0u);
}

TEST_F(CostTest, ASiteWhoseHardwareRecoversComesBackAfterTheHold) {
  long x = 0;
  run_conflicting(x, 4);
  hytm::testing::script_htm_repeat(started, 400);
  int htm = 0;
  for (int i = 0; i < 300; ++i) htm += run_once(x) == path_kind::htm;
  EXPECT_EQ(get(ctr::fb_cost), std::uint64_t{hold}) << "software for the hold, then a probe";
  EXPECT_EQ(htm, 300 - static_cast<int>(hold)) << "the probe commits in hardware and stays";
  for (int i = 0; i < 100; ++i) EXPECT_EQ(run_once(x), path_kind::htm);
  EXPECT_EQ(get(ctr::fb_cost), std::uint64_t{hold});
}

TEST_F(CostTest, ASiteThatStaysExpensiveIsProbedWithExponentialBackoff) {
  long x = 0;
  run_conflicting(x, 4);
  hytm::testing::script_htm_repeat(conflict_retry, 100000);
  // Holds of 256, 512 and 1024 starts, each followed by a probe of 4 to 7
  // hardware-first transactions (a decision every 4 timed commits).
  int hardware_first = 0;
  const std::uint64_t before = get(ctr::htm_starts);
  for (int i = 0; i < 256 + 512 + 1024 + 24; ++i) EXPECT_EQ(run_once(x), path_kind::stm);
  hardware_first = static_cast<int>((get(ctr::htm_starts) - before) / 3);
  EXPECT_GE(hardware_first, 3 * 4);
  EXPECT_LE(hardware_first, 3 * 7);
  EXPECT_EQ(get(ctr::fb_cost), 256u + 512u + 1024u + 24u - static_cast<unsigned>(hardware_first));
}

// A second thread that has run a transaction and holds its context until
// the object goes: while it lives, serial costs its time twice.
class other_thread {
 public:
  other_thread() {
    std::promise<void> ready;
    thread_ = std::thread([&ready, f = done_.get_future()]() mutable {
      long y = 0;
      hytm::atomic([&](auto& tx) { tx.store(y, 1); });
      ready.set_value();
      f.wait();
    });
    ready.get_future().wait();
  }
  ~other_thread() {
    done_.set_value();
    thread_.join();
  }

 private:
  std::promise<void> done_;
  std::thread thread_;
};

TEST_F(CostTest, SoftwareThatKeepsAbortingGoesSerialWhileAnotherThreadLives) {
  use({hytm::htm_mode::off, hytm::stm_algorithm::norec, 3, 4});
  set_ticks(path_kind::serial, 30, 30);
  other_thread other;
  long x = 0;
  // Five software aborts (100) then serial (30): 130 against 2 x 30.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(run_once(x, true), path_kind::serial);
  EXPECT_EQ(get(ctr::fb_starvation), 4u);
  const std::uint64_t stm_starts = get(ctr::stm_starts);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(run_once(x, true), path_kind::serial);
  EXPECT_EQ(get(ctr::stm_starts), stm_starts) << "no software attempt any more";
  EXPECT_EQ(get(ctr::fb_cost), 10u);
}

// Software that commits within its budget never falls back to serial, so
// serial would have no samples to be compared by: the site probes it.
TEST_F(CostTest, ExpensiveSoftwareProbesSerialAndHoldsItWhileAnotherThreadLives) {
  use({hytm::htm_mode::off, hytm::stm_algorithm::norec, 3, 4});
  set_ticks(path_kind::stm, 200, 200);
  set_ticks(path_kind::serial, 30, 30);  // 2 x 30 against 200
  other_thread other;
  long x = 0;
  const std::uint32_t probe = hytm::attempt_policy::cost_serial_probe;
  // Software until the first decision has its 4 samples, then the probe.
  int before = 0;
  while (run_once(x) == path_kind::stm) ASSERT_LE(++before, 8);
  for (std::uint32_t i = 1; i < probe; ++i) EXPECT_EQ(run_once(x), path_kind::serial);
  // Software measured afresh, then serial held: it is 3x cheaper.
  int remeasured = 0;
  while (run_once(x) == path_kind::stm) ASSERT_LE(++remeasured, 8);
  for (std::uint32_t i = 1; i < hold; ++i) EXPECT_EQ(run_once(x), path_kind::serial);
  EXPECT_EQ(get(ctr::fb_cost), std::uint64_t{probe + hold});
  EXPECT_EQ(get(ctr::fb_starvation), 0u);
}

// Serial's estimate ages: a site that stays in software measures serial
// again after 4, 8, 16, ... decisions (one per 32 timed commits on the
// rules' path; every transaction is timed here).
TEST_F(CostTest, CheapSoftwareReprobesSerialWithExponentialBackoffAndStays) {
  use({hytm::htm_mode::off, hytm::stm_algorithm::norec, 3, 4});
  set_ticks(path_kind::stm, 50, 50);
  set_ticks(path_kind::serial, 30, 30);  // 2 x 30 against 50: not 1/8 cheaper
  other_thread other;
  long x = 0;
  const std::uint32_t probe = hytm::attempt_policy::cost_serial_probe;
  // Probe runs: their starts (the index of the first serial start of each).
  std::vector<int> probes;
  path_kind last = path_kind::stm;
  const int n = 9000;
  for (int i = 0; i < n; ++i) {
    const path_kind p = run_once(x);
    if (p == path_kind::serial && last != path_kind::serial) probes.push_back(i);
    last = p;
  }
  EXPECT_EQ(x, n);
  EXPECT_EQ(get(ctr::fb_cost), probe * probes.size()) << "serial only in probes";
  // Each probe is followed by 4 software transactions (the fresh estimate),
  // then 4 << k decisions of 32 software transactions before the next one.
  ASSERT_GE(probes.size(), 5u);
  for (std::size_t k = 1; k < probes.size(); ++k) {
    const int gap = probes[k] - probes[k - 1] - static_cast<int>(probe);
    const int decisions = 4 << (k - 1);
    EXPECT_GE(gap, decisions * 32) << "probe " << k;
    EXPECT_LE(gap, decisions * 32 + 40) << "probe " << k;
  }
}

// A probe that comes where a hold ended (a second thread started during
// it) does not shorten the hold that follows: serial wins and holds twice
// the first hold, as software would have.
TEST_F(CostTest, AProbeAfterAHoldKeepsTheDoubledHold) {
  set_ticks(path_kind::htm, 20, 20);
  set_ticks(path_kind::stm, 200, 200);   // 3 x 20 + 200 in hardware first
  set_ticks(path_kind::serial, 30, 30);  // 2 x 30
  long x = 0;
  run_conflicting(x, 4);  // alone: software held for 256 starts, no probe
  hytm::testing::script_htm_repeat(conflict_retry, 100000);
  other_thread other;
  std::vector<int> serial_runs;  // lengths of the runs of serial starts
  path_kind last = path_kind::stm;
  for (int i = 0; i < 2000; ++i) {
    const path_kind p = run_once(x);
    if (p == path_kind::serial) {
      if (last != path_kind::serial) serial_runs.push_back(0);
      ++serial_runs.back();
    }
    last = p;
  }
  ASSERT_GE(serial_runs.size(), 2u);
  EXPECT_EQ(serial_runs[0], static_cast<int>(hytm::attempt_policy::cost_serial_probe));
  EXPECT_EQ(serial_runs[1], static_cast<int>(2 * hold));
}

TEST_F(CostTest, OnOneThreadNoSerialProbe) {
  use({hytm::htm_mode::off, hytm::stm_algorithm::norec, 3, 4});
  set_ticks(path_kind::stm, 200, 200);
  set_ticks(path_kind::serial, 30, 30);
  long x = 0;
  for (int i = 0; i < 500; ++i) EXPECT_EQ(run_once(x), path_kind::stm);
  EXPECT_EQ(get(ctr::fb_cost), 0u);
}

TEST_F(CostTest, OnOneThreadSerialIsLeftToSoloMode) {
  use({hytm::htm_mode::off, hytm::stm_algorithm::norec, 3, 4});
  set_ticks(path_kind::serial, 30, 30);
  long x = 0;
  for (int i = 0; i < 40; ++i) EXPECT_EQ(run_once(x, true), path_kind::serial);
  EXPECT_EQ(get(ctr::fb_starvation), 40u) << "every transaction tried software first";
  EXPECT_EQ(get(ctr::fb_cost), 0u);
}

// The timing interval (epilogue.hpp, draw_timed): one transaction in 8
// while the rule may have something to learn, one in 32 once the thread's
// last cost_calm_after decisions all left their site on the rules' path.
// A decision that holds another path, or a new site, makes it short again.
TEST_F(CostTest, ACalmThreadTimesOneTransactionIn32UntilAHoldOrANewSite) {
  using hytm::detail::cost_calm_after;
  hytm::testing::set_attempt_clock(nullptr);  // real ticks: the draw picks the timed ones
  hytm::thread_ctx& ctx = hytm::current_ctx();
  EXPECT_EQ(ctx.cost_calm, 0) << "forget_site_policy() starts it short";
  long x = 0;
  // Hardware commits: the rules' path (hardware) stays the cheapest.  A
  // decision per 32 timed commits, one transaction in 8 timed: about 1024
  // transactions for 4 decisions.
  hytm::testing::script_htm_repeat(started, 40000);
  int i = 0;
  for (; i < 40000 && ctx.cost_calm < cost_calm_after; ++i) EXPECT_EQ(run_once(x), path_kind::htm);
  ASSERT_GE(ctx.cost_calm, cost_calm_after) << i << " transactions";
  EXPECT_EQ(ctx.time_next_weight, 8) << "drawn at the last timed start, before the decision";
  for (int j = 0; j < 2000 && ctx.time_next_weight != 32; ++j) run_once(x);
  EXPECT_EQ(ctx.time_next_weight, 32);
  EXPECT_EQ(get(ctr::fb_cost), 0u);
  // A new site (a name no other test uses): short again.
  hytm::atomic(hytm::site("cost.calm.fresh"), [&](auto& tx) { tx.store(x, tx.load(x) + 1); });
  EXPECT_EQ(ctx.cost_calm, 0);
  for (int j = 0; j < 2000 && ctx.time_next_weight != 8; ++j) run_once(x);
  EXPECT_EQ(ctx.time_next_weight, 8);
  // Calm again, then hardware conflicts and software is cheap: the decision
  // that holds software makes the interval short.
  for (i = 0; i < 40000 && ctx.cost_calm < cost_calm_after; ++i) run_once(x);
  ASSERT_GE(ctx.cost_calm, cost_calm_after);
  hytm::testing::script_htm({});
  hytm::testing::set_attempt_clock(&scripted_clock);
  for (i = 0; i < 200 && get(ctr::fb_cost) == 0; ++i) run_conflicting(x, 1);
  EXPECT_GT(get(ctr::fb_cost), 0u) << "software held";
  EXPECT_EQ(ctx.cost_calm, 0);
}

}  // namespace
