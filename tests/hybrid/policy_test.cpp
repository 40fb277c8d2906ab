#include <dlfcn.h>
// Every branch of the dispatcher's policy, driven by scripted xbegin statuses
// (hytm/testing.hpp): the real RTM instructions are not executed, the body
// runs on this thread only.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <stdexcept>

namespace {

using hytm::ctr;
using hytm::htm::abort_code;
using hytm::htm::abort_status;
namespace bit = hytm::htm::status_bit;

constexpr unsigned started = hytm::htm::started;
constexpr unsigned capacity = bit::capacity;                    // 0x08
constexpr unsigned conflict_retry = bit::conflict | bit::retry;  // 0x06
unsigned explicit_code(abort_code c) { return abort_status::explicit_with(c).raw; }

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hytm::testing::set_mode({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 3, 4});
    hytm::testing::forget_site_policy();
    hytm::reset_stats();
  }
  void TearDown() override {
    hytm::testing::script_htm({});
    hytm::testing::restore_environment_mode();
  }
  static std::uint64_t get(ctr c) { return hytm::statistics().total[c]; }
  // A transaction at one fixed call site.
  static hytm::path_kind run_once(long& x) {
    return hytm::atomic(hytm::site("policy.site"), [&](auto& tx) {
      tx.store(x, tx.load(x) + 1);
      return tx.path();
    });
  }
};

TEST_F(PolicyTest, AStartedTransactionCommitsInHardware) {
  long x = 0;
  hytm::testing::script_htm({started});
  EXPECT_EQ(run_once(x), hytm::path_kind::htm);
  EXPECT_EQ(x, 1);
  EXPECT_EQ(get(ctr::htm_starts), 1u);
  EXPECT_EQ(get(ctr::htm_commits), 1u);
  EXPECT_EQ(get(ctr::stm_starts), 0u);
}

TEST_F(PolicyTest, CapacityGoesToSoftwareAtOnce) {
  long x = 0;
  hytm::testing::script_htm({capacity, started});
  EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  EXPECT_EQ(hytm::testing::script_left(), 1u) << "capacity must not be retried in hardware";
  EXPECT_EQ(get(ctr::htm_abort_capacity), 1u);
  EXPECT_EQ(get(ctr::fb_capacity), 1u);
  EXPECT_EQ(get(ctr::stm_commits), 1u);
}

TEST_F(PolicyTest, ConflictsRetryWithinTheBudgetThenFallBack) {
  long x = 0;
  hytm::testing::script_htm({conflict_retry, conflict_retry, started});
  EXPECT_EQ(run_once(x), hytm::path_kind::htm);
  EXPECT_EQ(get(ctr::htm_abort_conflict), 2u);
  EXPECT_EQ(get(ctr::htm_abort_retry), 2u) << "the retry hint is counted apart from the cause";
  hytm::reset_stats();
  hytm::testing::script_htm({conflict_retry, conflict_retry, conflict_retry, started});
  EXPECT_EQ(run_once(x), hytm::path_kind::stm);  // budget of 3 spent
  EXPECT_EQ(get(ctr::htm_starts), 3u);
  EXPECT_EQ(get(ctr::fb_budget), 1u);
  EXPECT_EQ(x, 2);
}

TEST_F(PolicyTest, EachAbortIsCountedOnceByPrecedence) {
  long x = 0;
  // explicit beats capacity; capacity beats conflict.
  hytm::testing::script_htm({explicit_code(abort_code::restart) | capacity, started});
  run_once(x);
  EXPECT_EQ(get(ctr::htm_abort_explicit), 1u);
  EXPECT_EQ(get(ctr::htm_abort_capacity), 0u);
  EXPECT_EQ(get(ctr::htm_code_restart), 1u);
  hytm::reset_stats();
  hytm::testing::script_htm({capacity | bit::conflict});
  run_once(x);
  EXPECT_EQ(get(ctr::htm_abort_capacity), 1u);
  EXPECT_EQ(get(ctr::htm_abort_conflict), 0u);
  hytm::reset_stats();
  hytm::testing::script_htm({bit::debug, bit::nested, 0u, started});
  run_once(x);
  EXPECT_EQ(get(ctr::htm_abort_debug), 1u);
  EXPECT_EQ(get(ctr::htm_abort_nested), 1u);
  EXPECT_EQ(get(ctr::htm_abort_other), 1u);
}

TEST_F(PolicyTest, LockBusyAbortsWaitAndAreNotCharged) {
  long x = 0;
  const unsigned busy = explicit_code(abort_code::serial_lock);
  const unsigned writer = explicit_code(abort_code::stm_writer);
  hytm::testing::script_htm({busy, writer, busy, writer, busy, writer, started});
  EXPECT_EQ(run_once(x), hytm::path_kind::htm) << "six lock waits with a budget of three";
  EXPECT_EQ(get(ctr::htm_code_serial_lock), 3u);
  EXPECT_EQ(get(ctr::htm_code_stm_writer), 3u);
  EXPECT_EQ(get(ctr::fb_budget), 0u);
}

TEST_F(PolicyTest, IrrevocableInHardwareRerunsSerially) {
  long x = 0;
  hytm::testing::script_htm({started});
  const auto path = hytm::atomic([&](auto& tx) {
    tx.irrevocable();
    tx.store(x, 1);
    return tx.path();
  });
  EXPECT_EQ(path, hytm::path_kind::serial);
  EXPECT_EQ(get(ctr::htm_code_irrevocable), 1u);
  EXPECT_EQ(get(ctr::fb_irrevocable), 1u);
  EXPECT_EQ(get(ctr::serial_commits), 1u);
}

TEST_F(PolicyTest, AnExceptionInHardwareIsRethrownFromTheSoftwarePath) {
  long x = 0;
  hytm::testing::script_htm({started});
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 if (tx.load(x) == 0) throw std::runtime_error("from the body");
               }),
               std::runtime_error);
  EXPECT_EQ(get(ctr::htm_code_exception), 1u);
  EXPECT_EQ(get(ctr::fb_exception), 1u);
  EXPECT_EQ(get(ctr::stm_starts), 1u) << "re-run in software, not serially (no drain)";
  EXPECT_EQ(get(ctr::serial_starts), 0u);
  EXPECT_EQ(get(ctr::exceptions), 1u);
}

TEST_F(PolicyTest, RepeatedCapacityDisablesHardwareAtTheSiteThenProbesAgain) {
  long x = 0;
  for (int i = 0; i < 4; ++i) {
    hytm::testing::script_htm({capacity});
    run_once(x);
  }
  EXPECT_EQ(get(ctr::fb_capacity), 4u);
  // Now the site skips hardware for 16 starts without consuming statuses.
  hytm::testing::script_htm({started});
  for (int i = 0; i < 16; ++i) EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  EXPECT_EQ(get(ctr::fb_site_disabled), 16u);
  EXPECT_EQ(hytm::testing::script_left(), 1u);
  EXPECT_EQ(run_once(x), hytm::path_kind::htm) << "the probe after the interval";
  EXPECT_EQ(x, 21);
}

TEST_F(PolicyTest, StatusZeroIsAFirstTouchRunInSoftwareOnceThenHardwareAgain) {
  hytm::testing::set_mode({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 100, 4});
  long x = 0;
  hytm::testing::script_htm({0, started, 0, started});
  EXPECT_EQ(run_once(x), hytm::path_kind::stm) << "no hardware retry after status 0";
  EXPECT_EQ(hytm::testing::script_left(), 3u);
  EXPECT_EQ(get(ctr::fb_first_touch), 1u);
  EXPECT_EQ(run_once(x), hytm::path_kind::htm) << "the next transaction tries hardware again";
  EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  EXPECT_EQ(run_once(x), hytm::path_kind::htm);
  EXPECT_EQ(get(ctr::fb_site_disabled), 0u) << "a commit in between proves it was a first touch";
  EXPECT_EQ(x, 4);
}

TEST_F(PolicyTest, StatusZeroWithTheRetryHintIsRetriedInHardware) {
  long x = 0;
  hytm::testing::script_htm({bit::retry, started});
  EXPECT_EQ(run_once(x), hytm::path_kind::htm);
  EXPECT_EQ(get(ctr::fb_first_touch), 0u);
}

TEST_F(PolicyTest, StatusZeroThatPersistsAfterSoftwareRunsDisablesHardwareAtTheSite) {
  hytm::testing::set_mode({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 100, 4});
  long x = 0;
  // The first streak of four maps the loaded objects' code (SetUp forgot
  // any earlier mapping) and gives the site another four; the second
  // streak turns its hardware off.
  hytm::testing::script_htm({0, 0, 0, 0, 0, 0, 0, 0});
  for (int i = 0; i < 8; ++i) EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  EXPECT_EQ(hytm::testing::script_left(), 0u) << "one hardware attempt per transaction";
  EXPECT_EQ(get(ctr::htm_code_mapped), 1u);
  EXPECT_EQ(get(ctr::fb_first_touch), 7u);
  EXPECT_EQ(get(ctr::fb_site_disabled), 1u);
  hytm::testing::script_htm({started});
  for (int i = 0; i < 16; ++i) EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  EXPECT_EQ(hytm::testing::script_left(), 1u) << "the site skips hardware for 16 starts";
  EXPECT_EQ(run_once(x), hytm::path_kind::htm) << "then probes again";
}

TEST_F(PolicyTest, AStatusZeroStreakMapsTheCodeAgainOnlyAfterAnObjectIsLoaded) {
  hytm::testing::set_mode({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 100, 4});
  long x = 0;
  auto streak = [&] {
    hytm::testing::script_htm({0, 0, 0, 0});
    for (int i = 0; i < 4; ++i) EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  };
  streak();
  EXPECT_EQ(get(ctr::htm_code_mapped), 1u);
  EXPECT_EQ(get(ctr::fb_site_disabled), 0u);
  streak();
  EXPECT_EQ(get(ctr::htm_code_mapped), 1u) << "nothing was loaded since: the site's hardware goes off";
  EXPECT_EQ(get(ctr::fb_site_disabled), 1u);
  // A newly loaded object's code may be unmapped: once the site probes
  // hardware again (after 16 skipped starts), its next streak maps it.
  void* h = dlopen(HYTM_TEST_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  hytm::testing::script_htm({});
  for (int i = 0; i < 16; ++i) EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  streak();
  EXPECT_EQ(get(ctr::htm_code_mapped), 2u);
  EXPECT_EQ(hytm::testing::script_left(), 0u) << "the probe and the three after it tried hardware";
  dlclose(h);
}

TEST_F(PolicyTest, ARefillAbortRefillsAndRetriesUncharged) {
  // Budget 3; four refill aborts in a row still end in a hardware commit.
  long x = 0;
  const unsigned refill = explicit_code(abort_code::refill_logs);
  const unsigned cls = abort_status{bit::explicit_abort | (0xe3u << 24)}.raw;
  hytm::testing::script_htm({refill, cls, refill, cls, started});
  EXPECT_EQ(run_once(x), hytm::path_kind::htm);
  EXPECT_EQ(get(ctr::htm_code_refill), 4u);
  EXPECT_EQ(get(ctr::htm_code_user), 0u);
  EXPECT_EQ(get(ctr::fb_budget), 0u);
}

TEST_F(PolicyTest, SoftwareAbortsEscalateToSerial) {
  long x = 0;
  int runs = 0;
  hytm::testing::script_htm({capacity});
  const auto path = hytm::atomic([&](auto& tx) {
    if (++runs <= 5 && tx.path() == hytm::path_kind::stm) tx.restart();
    tx.store(x, 1);
    return tx.path();
  });
  // stm_retries = 4: the fifth software abort sends it to serial.
  EXPECT_EQ(path, hytm::path_kind::serial);
  EXPECT_EQ(get(ctr::stm_abort_explicit), 5u);
  EXPECT_EQ(get(ctr::fb_starvation), 1u);
}

TEST_F(PolicyTest, NoSoftwarePathMeansSerial) {
  hytm::testing::set_mode({hytm::htm_mode::scripted, hytm::stm_algorithm::off, 3, 4});
  long x = 0;
  hytm::testing::script_htm({capacity});
  EXPECT_EQ(run_once(x), hytm::path_kind::serial);
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::off, 3, 4});
  EXPECT_EQ(run_once(x), hytm::path_kind::serial);
  EXPECT_EQ(get(ctr::fb_no_rtm), 1u);
}

TEST_F(PolicyTest, NoRtmGoesStraightToSoftware) {
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 3, 4});
  long x = 0;
  EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  EXPECT_EQ(get(ctr::fb_no_rtm), 1u);
  EXPECT_EQ(get(ctr::htm_starts), 0u);
}

TEST_F(PolicyTest, ZeroHardwareRetriesMeansNoHardwareAttempt) {
  hytm::testing::set_mode({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 0, 4});
  long x = 0;
  hytm::testing::script_htm({started});
  EXPECT_EQ(run_once(x), hytm::path_kind::stm);
  EXPECT_EQ(get(ctr::fb_budget), 1u);
}

TEST_F(PolicyTest, StatsJsonHasTheDocumentedShape) {
  long x = 0;
  hytm::testing::script_htm({conflict_retry, started});
  run_once(x);
  const std::string j = hytm::stats_json();
  for (const char* key :
       {"\"machine\":{\"rtm\":", "\"htm\":\"scripted\"", "\"paths\":{\"htm\":{\"starts\":2,\"commits\":1,",
        "\"aborts\":{\"explicit\":0,\"capacity\":0,\"conflict\":1,\"debug\":0,\"nested\":0,\"other\":0,\"retry\":1}",
        "\"serial\":{\"starts\":0,\"commits\":0", "\"fallbacks\":{\"capacity\":0", "\"sites\":["})
    EXPECT_NE(j.find(key), std::string::npos) << key << "\n" << j;
}

}  // namespace
