// The one-thread mode (hybrid/solo.hpp, docs/policy.md "One thread alone"):
// a thread that runs transactions alone runs them serially, counted as
// fallbacks.solo; a second thread's first start sends both back to the
// normal policy; a thread left alone regains the mode; and whatever threads
// come and go, no transaction sees or leaves a state that mixes two.
#include <gtest/gtest.h>
#include <hytm/hytm.h>
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern "C" const char* solo_c_function(std::uint64_t* x);
extern "C" const char* solo_c_block(std::uint64_t* x);

namespace {

using hytm::ctr;
using hytm::path_kind;

// Solo mode on the paths HYTM_HTM=auto gives on this machine: rtm where the
// CPU has it, else none.
hytm::testing::mode solo_mode(bool solo = true) {
  hytm::testing::mode m = hytm::testing::current_mode();
  if (m.htm != hytm::htm_mode::rtm) m.htm = hytm::htm_mode::off;
  m.stm = hytm::stm_algorithm::norec;
  m.solo = solo;
  return m;
}

long scaled(long n) {
  const long r = n / HYTM_STRESS_SCALE;
  return r > 0 ? r : 1;
}

class SoloTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hytm::testing::set_mode(solo_mode());
    hytm::testing::forget_site_policy();
    hytm::reset_stats();
  }
  void TearDown() override {
    hytm::testing::script_htm({});
    hytm::testing::restore_environment_mode();
  }
  static std::uint64_t get(ctr c) { return hytm::statistics().total[c]; }
  static path_kind increment(long& x) {
    return hytm::atomic([&](auto& tx) {
      tx.store(x, tx.load(x) + 1);
      return tx.path();
    });
  }
};

TEST_F(SoloTest, OneThreadRunsSeriallyCountedAsSolo) {
  long x = 0;
  constexpr int n = 1000;
  for (int i = 0; i < n; ++i) ASSERT_EQ(increment(x), path_kind::serial) << i;
  EXPECT_EQ(x, n);
  EXPECT_EQ(get(ctr::fb_solo), std::uint64_t{n});
  EXPECT_EQ(get(ctr::serial_commits), std::uint64_t{n});
  EXPECT_EQ(get(ctr::stm_starts), 0u);
  EXPECT_EQ(get(ctr::htm_starts), 0u);
  EXPECT_EQ(get(ctr::fb_no_rtm), 0u) << "a solo transaction is counted under solo only";
}

TEST_F(SoloTest, SemanticsAreThoseOfTheSerialPath) {
  long x = 0, y = 0;
  // Nested: flattened, counted once.
  hytm::atomic([&](auto& tx) {
    tx.store(x, 1);
    hytm::atomic([&](auto& inner) { inner.store(y, inner.load(x) + 1); });
  });
  EXPECT_EQ(y, 2);
  EXPECT_EQ(get(ctr::fb_solo), 1u);
  // irrevocable(): already serial, nothing to move.
  hytm::atomic([&](auto& tx) {
    tx.irrevocable();
    tx.store(x, 3);
  });
  EXPECT_EQ(x, 3);
  EXPECT_EQ(get(ctr::fb_irrevocable), 0u);
  // An exception rolls the writes back and propagates.
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.store(x, 99);
                 throw std::runtime_error("no");
               }),
               std::runtime_error);
  EXPECT_EQ(x, 3);
  // restart(): runs again, still alone.
  int runs = 0;
  hytm::atomic([&](auto& tx) {
    tx.store(x, tx.load(x) + 1);
    if (++runs < 3) tx.restart();
  });
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(x, 4);
  EXPECT_EQ(get(ctr::serial_commits), 3u);
  EXPECT_EQ(get(ctr::serial_rollbacks), 3u) << "the exception and two restarts";
  EXPECT_EQ(get(ctr::fb_solo), 4u) << "one per top-level transaction";
}

TEST_F(SoloTest, OffWhereTheConfigurationNamesThePaths) {
  long x = 0;
  hytm::testing::set_mode(solo_mode(false));  // HYTM_SOLO=off
  EXPECT_NE(increment(x), path_kind::serial);
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::learn, true});
  EXPECT_EQ(increment(x), path_kind::serial) << "HYTM_HTM=auto on a machine without RTM";
  // Scripted and modelled hardware exist to be exercised.
  hytm::testing::set_mode({hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::learn, true});
  hytm::testing::script_htm({hytm::htm::started});
  EXPECT_EQ(increment(x), path_kind::htm);
  hytm::testing::set_mode({hytm::htm_mode::emulated, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::learn, true});
  EXPECT_EQ(increment(x), path_kind::htm);
  // No software path: serial anyway, and not for solo's sake.
  hytm::reset_stats();
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::off, 8, 64,
                           hytm::read_only_mode::learn, true});
  EXPECT_EQ(increment(x), path_kind::serial);
  EXPECT_EQ(get(ctr::fb_solo), 0u);
  EXPECT_EQ(x, 5);
}

TEST_F(SoloTest, TheEnvironmentSwitch) {
  const char* was = std::getenv("HYTM_SOLO");
  const std::string saved = was ? was : "";
  const char* h = std::getenv("HYTM_HTM");
  const bool htm_auto = !h || !*h || std::strcmp(h, "auto") == 0;
  ::setenv("HYTM_SOLO", "off", 1);
  hytm::testing::restore_environment_mode();
  EXPECT_FALSE(hytm::testing::current_mode().solo);
  ::setenv("HYTM_SOLO", "auto", 1);
  hytm::testing::restore_environment_mode();
  EXPECT_EQ(hytm::testing::current_mode().solo, htm_auto) << "only with HYTM_HTM=auto";
  ::unsetenv("HYTM_SOLO");
  hytm::testing::restore_environment_mode();
  EXPECT_EQ(hytm::testing::current_mode().solo, htm_auto) << "the default is auto";
  if (was)
    ::setenv("HYTM_SOLO", saved.c_str(), 1);
  hytm::testing::restore_environment_mode();
}

TEST_F(SoloTest, ASecondThreadEndsItForBothAndALoneThreadRegainsIt) {
  // Without the cost rule: two threads incrementing one word is where it
  // would (rightly) hold the serial path, and this test tells solo starts
  // from the others by their path.
  hytm::testing::mode m = solo_mode();
  m.cost = false;
  hytm::testing::set_mode(m);
  long x = 0;
  ASSERT_EQ(increment(x), path_kind::serial);
  std::atomic<int> stage{0};
  std::atomic<int> b_serial{0}, b_other{0};
  auto note = [&](path_kind p) { (p == path_kind::serial ? b_serial : b_other).fetch_add(1); };
  std::thread b([&] {
    note(increment(x));  // its first start marks the word contended
    stage.store(1);
    while (stage.load() != 2) std::this_thread::yield();  // alive, running nothing
    for (int i = 0; i < 200; ++i) note(increment(x));
    stage.store(3);
    while (stage.load() != 4) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  EXPECT_EQ(b_serial.load(), 0) << "the second thread's first start is not solo";
  EXPECT_NE(increment(x), path_kind::serial) << "the first thread left solo mode";
  EXPECT_GT(get(ctr::stm_commits) + get(ctr::htm_commits), 0u);

  // The second thread idles: the first regains the mode after its countdown.
  long n = 0;
  while (increment(x) != path_kind::serial) ASSERT_LE(++n, long{hytm::solo_max} + 1);
  EXPECT_LE(n, long{hytm::solo_max});

  // Both run: the second's first start ends it again; after that, most
  // transactions of both take the normal policy.
  stage.store(2);
  long a_serial = 0, a_other = 0;
  while (stage.load() != 3) (increment(x) == path_kind::serial ? a_serial : a_other)++;
  EXPECT_GT(b_other.load(), 0);
  EXPECT_GT(b_other.load(), b_serial.load()) << b_serial.load() << " solo of the second thread";

  // The second thread exits: its exit frees the word, the first claims it
  // at its next start.
  stage.store(4);
  b.join();
  EXPECT_EQ(increment(x), path_kind::serial);
  EXPECT_EQ(increment(x), path_kind::serial);
  EXPECT_EQ(x, 1 + 1 + 1 + n + 1 + 200 + a_serial + a_other + 2);
}

// A transaction that waits for the serial lock is a second thread running
// transactions: it marks a solo owner's word contended, as a start that saw
// the owner does, and leaves a free or contended word as it is
// (solo.hpp, solo_contend(); without it a thread that only ever waited for
// a solo owner's serial transactions never got to a start that could end
// them).
TEST_F(SoloTest, AWaitForTheSerialLockEndsAnotherThreadsSoloMode) {
  auto& word = hytm::detail::g_solo.owner;
  long x = 0;
  ASSERT_EQ(increment(x), path_kind::serial);
  ASSERT_NE(word.load(), hytm::solo_free) << "this thread runs solo";
  std::thread([] { hytm::detail::solo_contend(); }).join();
  EXPECT_EQ(word.load(), hytm::solo_contended);
  EXPECT_NE(increment(x), path_kind::serial) << "the owner's next start takes the normal policy";
  hytm::detail::solo_contend();
  EXPECT_EQ(word.load(), hytm::solo_contended);
  word.store(hytm::solo_free);
  hytm::detail::solo_contend();
  EXPECT_EQ(word.load(), hytm::solo_free) << "nobody runs solo: nothing to end";
}

// On a CPU with RTM, attempt_policy::first_path() answers solo mode's two
// common cases itself (policy.hpp) and leaves the rest to first(): from any
// state of the solo word and of the thread's countdown, the two must pick the
// same path and leave the same state and counts.  The policy alone runs here,
// in rtm mode, so this runs on every CPU (no transaction starts).
TEST_F(SoloTest, TheHardwareModesInlineRulesAnswerAsFirstDoes) {
  hytm::testing::mode m = solo_mode();
  m.htm = hytm::htm_mode::rtm;
  hytm::testing::set_mode(m);
  hytm::thread_ctx& ctx = hytm::current_ctx();
  hytm::site_local& site = hytm::detail::site_for(ctx, hytm::site("solo.inline_rules"));
  auto& word = hytm::detail::g_solo.owner;
  const std::uintptr_t saved_word = word.load();
  const hytm::solo_state saved_state = ctx.solo;
  const auto me = reinterpret_cast<std::uintptr_t>(&ctx);
  const std::uintptr_t other = me + 4096;  // another thread's context, as the word names it
  struct start {
    std::uintptr_t word;
    hytm::solo_state state;
  };
  const start starts[] = {
      {me, {7, 0, 0, true}},                                      // held: serial
      {hytm::solo_contended, {0, 5, 256, false}},                // contended, counting down
      {hytm::solo_contended, {0, 1, 256, false}},                // the countdown runs out: claims
      {hytm::solo_contended, {3, 9, 256, true}},                  // lost it since it last looked
      {hytm::solo_free, {0, 0, 0, false}},                        // free: claims
      {other, {0, 0, 0, false}},                                  // another runs alone: contends
  };
  struct outcome {
    path_kind p;
    std::uintptr_t word;
    hytm::solo_state state;
    std::uint64_t solo_count, no_rtm_count;
  };
  auto run = [&](const start& st, bool inline_rules) {
    word.store(st.word);
    ctx.solo = st.state;
    hytm::reset_stats();
    hytm::attempt_policy pol(ctx, site);
    const path_kind p = inline_rules ? pol.first_path() : pol.first();
    return outcome{p, word.load(), ctx.solo, get(ctr::fb_solo), get(ctr::fb_no_rtm)};
  };
  int n = 0;
  for (const start& st : starts) {
    const outcome a = run(st, true), b = run(st, false);
    EXPECT_EQ(a.p, b.p) << "start " << n;
    EXPECT_EQ(a.word, b.word) << "start " << n;
    EXPECT_EQ(a.state.run, b.state.run) << "start " << n;
    EXPECT_EQ(a.state.countdown, b.state.countdown) << "start " << n;
    EXPECT_EQ(a.state.interval, b.state.interval) << "start " << n;
    EXPECT_EQ(a.state.owned, b.state.owned) << "start " << n;
    EXPECT_EQ(a.solo_count, b.solo_count) << "start " << n;
    EXPECT_EQ(a.no_rtm_count, b.no_rtm_count) << "start " << n;
    ++n;
  }
  // The cases are the ones meant: held runs serially, a countdown that has
  // not run out stays on hardware.
  EXPECT_EQ(run(starts[0], true).p, path_kind::serial);
  EXPECT_EQ(run(starts[1], true).p, path_kind::htm);
  EXPECT_EQ(run(starts[1], true).state.countdown, 4u);
  word.store(saved_word);
  ctx.solo = saved_state;
}

// attempt_policy::quick_first() and site_lets_solo(), which the C entry
// asks before it takes a frameless case (c_api.cpp, top_entry), against
// first_path(): in every configuration and solo state below they answer
// exactly where the rule says, first_path() then picks the same path, and
// it counts the counter the entry counts (and, for solo, the run).
// Removing a test from them (the site's htm_skip, the stm test) fails it.
TEST_F(SoloTest, QuickFirstAnswersAsFirstPathDoes) {
  using quick = hytm::attempt_policy::quick;
  hytm::thread_ctx& ctx = hytm::current_ctx();
  auto& word = hytm::detail::g_solo.owner;
  const std::uintptr_t saved_word = word.load();
  const hytm::solo_state saved_state = ctx.solo;
  const auto me = reinterpret_cast<std::uintptr_t>(&ctx);
  int n = 0, answered = 0;
  for (hytm::htm_mode htm : {hytm::htm_mode::off, hytm::htm_mode::rtm})
    for (hytm::stm_algorithm stm : {hytm::stm_algorithm::off, hytm::stm_algorithm::norec})
      for (bool solo : {false, true})
        for (bool cost : {false, true})
          for (std::uintptr_t w : {me, me + 4096, hytm::solo_free})
            for (std::uint32_t skip : {0u, 3u}) {
              hytm::testing::mode m = hytm::testing::current_mode();
              m.htm = htm;
              m.stm = stm;
              m.solo = solo;
              m.cost = cost;
              hytm::testing::set_mode(m);
              hytm::site_local& site =
                  hytm::detail::site_for(ctx, hytm::site("solo.quick_first"));
              site.htm_skip = skip;
              word.store(w);
              ctx.solo = {7, 0, 0, w == me};
              hytm::reset_stats();
              const bool off = htm == hytm::htm_mode::off;
              const bool held = solo && stm != hytm::stm_algorithm::off && w == me;
              quick expected = quick::none;
              if (!solo && !cost && off)
                expected = stm == hytm::stm_algorithm::off ? quick::serial : quick::stm;
              else if (held && (off || skip == 0))
                expected = quick::serial_solo;
              quick q = hytm::attempt_policy::quick_first(ctx);
              if (q == quick::serial_solo_if_site)
                q = hytm::attempt_policy::site_lets_solo(site) ? quick::serial_solo : quick::none;
              EXPECT_EQ(static_cast<int>(q), static_cast<int>(expected)) << "case " << n;
              // It changed nothing.
              EXPECT_EQ(word.load(), w) << "case " << n;
              EXPECT_EQ(ctx.solo.run, 7u) << "case " << n;
              if (q != quick::none) {
                ++answered;
                hytm::attempt_policy pol(ctx, site);
                EXPECT_EQ(pol.first_path(), q == quick::stm ? path_kind::stm : path_kind::serial)
                    << "case " << n;
                const bool by_solo = q == quick::serial_solo;
                EXPECT_EQ(get(by_solo ? ctr::fb_solo : ctr::fb_no_rtm), 1u) << "case " << n;
                EXPECT_EQ(get(ctr::fb_solo) + get(ctr::fb_no_rtm), 1u) << "case " << n;
                EXPECT_EQ(ctx.solo.run, by_solo ? 8u : 7u) << "case " << n;
              }
              site.htm_skip = 0;
              ++n;
            }
  // HYTM_HTM=off with neither solo nor cost (every software setting, word
  // and skip); solo held with htm off (either skip) and with rtm (skip 0),
  // with and without the cost rule.
  EXPECT_EQ(answered, 12 + 2 * (2 + 1));
  word.store(saved_word);
  ctx.solo = saved_state;
}

// first_path() without hardware in auto mode (first_without_htm(), out of
// line in the program, not exported) against the exported first() on the
// same state: the same path, the same counter, the same skip and solo
// countdown left behind, in every solo word, countdown, skip and held path.
TEST_F(SoloTest, FirstWithoutHardwareAnswersAsFirstDoes) {
  hytm::thread_ctx& ctx = hytm::current_ctx();
  auto& word = hytm::detail::g_solo.owner;
  const std::uintptr_t saved_word = word.load();
  const hytm::solo_state saved_state = ctx.solo;
  const auto me = reinterpret_cast<std::uintptr_t>(&ctx);
  int n = 0;
  for (bool solo : {false, true})
    for (bool cost : {false, true})
      for (std::uintptr_t w : {me, me + 4096, hytm::solo_free, hytm::solo_contended})
        for (std::uint32_t countdown : {0u, 1u, 5u})
          for (std::uint32_t skip : {0u, 3u})
            for (path_kind held : {path_kind::stm, path_kind::serial}) {
              if (!solo && !cost) continue;  // not adaptive: first_path() answers inline
              hytm::testing::mode m = hytm::testing::current_mode();
              m.htm = hytm::htm_mode::off;
              m.stm = hytm::stm_algorithm::norec;
              m.solo = solo;
              m.cost = cost;
              hytm::testing::set_mode(m);
              hytm::site_local& site = hytm::detail::site_for(ctx, hytm::site("solo.first_no_htm"));
              struct outcome {
                path_kind p;
                std::uint32_t skip, countdown;
                std::uintptr_t word;
                std::uint64_t no_rtm, solo, cost, disabled;
              };
              auto one = [&](bool inline_path) {
                site.htm_skip = skip;
                site.cost.skip_path = static_cast<std::uint8_t>(held);
                site.cost.skip_why = held == path_kind::serial ? ctr::fb_cost : ctr::fb_site_disabled;
                word.store(w);
                ctx.solo = {7, countdown, 256, w == me};
                hytm::reset_stats();
                hytm::attempt_policy pol(ctx, site);
                const path_kind p = inline_path ? pol.first_path() : pol.first();
                return outcome{p,          site.htm_skip,   ctx.solo.countdown, word.load(),
                               get(ctr::fb_no_rtm), get(ctr::fb_solo), get(ctr::fb_cost),
                               get(ctr::fb_site_disabled)};
              };
              const outcome a = one(false), b = one(true);
              EXPECT_EQ(a.p, b.p) << "case " << n;
              EXPECT_EQ(a.skip, b.skip) << "case " << n;
              EXPECT_EQ(a.countdown, b.countdown) << "case " << n;
              EXPECT_EQ(a.word, b.word) << "case " << n;
              EXPECT_EQ(a.no_rtm, b.no_rtm) << "case " << n;
              EXPECT_EQ(a.solo, b.solo) << "case " << n;
              EXPECT_EQ(a.cost, b.cost) << "case " << n;
              EXPECT_EQ(a.disabled, b.disabled) << "case " << n;
              site.htm_skip = 0;
              ++n;
            }
  EXPECT_EQ(n, 3 * 4 * 3 * 2 * 2);
  word.store(saved_word);
  ctx.solo = saved_state;
  hytm::testing::forget_site_policy();
}

TEST_F(SoloTest, TheCInterfaceGetsItToo) {
  std::uint64_t x = 0;
  EXPECT_STREQ(solo_c_function(&x), "serial");
  EXPECT_STREQ(solo_c_block(&x), "serial");
  EXPECT_EQ(x, 2u);
  EXPECT_EQ(get(ctr::fb_solo), 2u);
  // A second thread's C transaction ends it for both.
  std::string other_path;
  std::thread b([&] { other_path = solo_c_function(&x); });
  b.join();
  EXPECT_NE(other_path, "serial");
  EXPECT_EQ(x, 3u);
  EXPECT_STREQ(solo_c_block(&x), "serial") << "the exit freed the word";
}

TEST_F(SoloTest, TheReportSaysWhySerialRan) {
  long x = 0;
  for (int i = 0; i < 5; ++i) increment(x);
  EXPECT_NE(hytm::stats_text().find("solo 5"), std::string::npos) << hytm::stats_text();
  const std::string j = hytm::stats_json();
  EXPECT_NE(j.find("\"solo\":5"), std::string::npos) << j;
  // Hardware that solo mode kept idle is not reported as broken.
  hytm::counter_values t = hytm::statistics().total;
  const std::string d = hytm::detail::hardware_diagnosis(t, "rtm");
  EXPECT_NE(d.find("solo mode ran 5 transactions"), std::string::npos) << d;
  EXPECT_EQ(d.find("aborted"), std::string::npos) << d;
  // ... also where hardware did fail otherwise: the note is added.
  t.c[static_cast<std::size_t>(ctr::htm_starts)] = 200;
  t.c[static_cast<std::size_t>(ctr::htm_abort_other)] = 200;
  const std::string d2 = hytm::detail::hardware_diagnosis(t, "rtm");
  EXPECT_NE(d2.find("0 of 200"), std::string::npos) << d2;
  EXPECT_NE(d2.find("solo mode ran 5"), std::string::npos) << d2;
  t = {};
  EXPECT_EQ(hytm::detail::hardware_diagnosis(t, "rtm"), "");
}

// Bank transfers with threads that start and stop all the time, while the
// first thread keeps going: every transaction (transfer or audit, on any
// path) sees the total, and the total never changes.
TEST_F(SoloTest, BankInvariantWhileThreadsComeAndGo) {
  constexpr int accounts = 32;
  constexpr long initial = 1000;
  constexpr long total = accounts * initial;
  std::vector<long> bank(accounts, initial);
  std::atomic<long> bad{0};

  auto audit = [&] {
    const long sum = hytm::atomic([&](auto& tx) {
      long s = 0;
      for (int i = 0; i < accounts; ++i) s += tx.load(bank[i]);
      return s;
    });
    if (sum != total) bad.fetch_add(1);
  };
  auto transfer = [&](std::minstd_rand& rng) {
    const int from = static_cast<int>(rng() % accounts), to = static_cast<int>(rng() % accounts);
    const long amount = static_cast<long>(rng() % 50);
    const bool irrevocable = rng() % 64 == 0;
    hytm::atomic([&](auto& tx) {
      if (irrevocable) tx.irrevocable();
      const long a = tx.load(bank[from]);
      tx.store(bank[from], a - amount);
      // A nested transaction, flattened; checks a pair it has not touched yet.
      hytm::atomic([&](auto& inner) {
        const int k = (from + 1) % accounts;
        const long before = inner.load(bank[k]);
        if (inner.load(bank[k]) != before) bad.fetch_add(1);
      });
      tx.store(bank[to], tx.load(bank[to]) + amount);
    });
  };

  std::minstd_rand main_rng(1);
  const long rounds = scaled(60);
  for (long r = 0; r < rounds; ++r) {
    // Alone: solo.
    for (int i = 0; i < 200; ++i) transfer(main_rng);
    audit();
    // 1 to 3 threads that each live for a short while, started and joined
    // while this thread goes on transferring.
    const int k = 1 + static_cast<int>(r % 3);
    std::atomic<int> done{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < k; ++t)
      ts.emplace_back([&, t] {
        std::minstd_rand rng(static_cast<unsigned>(r * 7 + t + 2));
        const int n = 50 + static_cast<int>(rng() % 300);
        for (int i = 0; i < n; ++i) {
          transfer(rng);
          if (i % 16 == 0) audit();
        }
        done.fetch_add(1);
      });
    while (done.load() < k) {
      transfer(main_rng);
      if (main_rng() % 8 == 0) audit();
    }
    for (auto& t : ts) t.join();
  }
  audit();
  long sum = 0;
  for (long v : bank) sum += v;
  EXPECT_EQ(sum, total);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(get(ctr::fb_solo), 0u) << "the thread alone ran solo";
  EXPECT_GT(get(ctr::stm_commits) + get(ctr::htm_commits), 0u) << "and the others did not";
}

}  // namespace
