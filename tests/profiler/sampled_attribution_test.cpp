// Sampled attribution of hardware aborts (issue 13, item 1; docs/conflicts.md,
// "Sampled findings"): a site whose hardware attempts abort often runs some
// of its aborting transactions as samples on the software path, and the
// report names what they saw, marked sampled, with the sample size.
//
// Three scenarios, each while transactions really run on two threads (one
// for capacity):
//   * a systematic conflict on a global counter: the samples name it;
//   * a false-sharing pair of per-thread counters in one line: named as
//     false sharing, with both variables;
//   * a capacity overflow: the samples' footprint (lines written, fullest L1
//     set) is reported.
// Built twice (profiler.cmake): with the scripted hardware path, whose
// statuses make the site's hardware attempts abort with conflict or capacity
// while the bodies run for real on the software path (runs everywhere); and
// with HYTM_SAMPLED_ON_RTM on the real hardware path (label `rtm`; skips with
// "no usable RTM on this CPU" elsewhere).
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>
#include <hytm/htm/abort_status.hpp>
#include <hytm/stats.hpp>
#include <hytm/testing.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>

#include "rtm/rtm_support.hpp"

#ifndef HYTM_STRESS_SCALE
#define HYTM_STRESS_SCALE 1
#endif

// The shared counter, on a line of its own.
alignas(64) long sampled_total = 0;

// Two distinct variables in one line, defined in assembly so that no
// compiler or linker moves them apart (as in hardware_attribution_test.cpp).
asm(".pushsection .data.hytm_sampled_fs,\"aw\",@progbits\n"
    ".balign 64\n"
    ".globl sp_left\n.type sp_left,@object\n.size sp_left,8\nsp_left: .quad 0\n"
    ".globl sp_right\n.type sp_right,@object\n.size sp_right,8\nsp_right: .quad 0\n"
    ".popsection\n");
extern "C" long sp_left;
extern "C" long sp_right;

// 2048 lines (128 KiB): more than any L1 data cache holds, and more lines per
// set than any has ways.
constexpr int kLines = 2048;
alignas(64) long sampled_table[kLines * 8];

namespace {

using hytm::ctr;
namespace bit = hytm::htm::status_bit;

constexpr const char* kCounterSite = "sampled.counter";
constexpr const char* kPairSite = "sampled.false_sharing";
constexpr const char* kCapacitySite = "sampled.capacity";

#if defined(HYTM_SAMPLED_ON_RTM)
constexpr bool kReal = true;
#else
constexpr bool kReal = false;
#endif

const hytm::site_stats* find_site(const hytm::stats& s, const std::string& name) {
  for (const auto& ss : s.sites)
    if (ss.name == name) return &ss;
  return nullptr;
}

std::string describe(const hytm::site_stats& ss) {
  std::ostringstream o;
  const auto& c = ss.counters;
  o << ss.name << ": htm starts " << c[ctr::htm_starts] << " commits " << c[ctr::htm_commits]
    << " conflict " << c[ctr::htm_abort_conflict] << " capacity " << c[ctr::htm_abort_capacity]
    << "; samples " << c[ctr::stm_samples] << " (fallbacks.sample " << c[ctr::fb_sample] << "), "
    << ss.sampled.findings.size() << " sampled findings";
  for (const auto& f : ss.sampled.findings)
    o << "\n  " << (f.symbol.empty() ? "?" : f.symbol)
      << (f.false_sharing() ? " false sharing with " + f.other_symbol : std::string()) << " seen " << f.aborts;
  return o.str();
}

// Sightings of a finding at `site` that satisfies `match`.
template <class Match>
std::uint64_t seen(const char* site, Match match) {
  const hytm::stats s = hytm::statistics();
  const hytm::site_stats* ss = find_site(s, site);
  std::uint64_t n = 0;
  if (ss)
    for (const auto& f : ss->sampled.findings)
      if (match(f)) n += f.aborts;
  return n;
}

bool names(const hytm::conflict_stat& f, const char* a) { return f.symbol.rfind(a, 0) == 0; }
bool pair_named(const hytm::conflict_stat& f) {
  return f.false_sharing() && ((f.symbol == "sp_left" && f.other_symbol == "sp_right") ||
                               (f.symbol == "sp_right" && f.other_symbol == "sp_left"));
}

// Hardware attempts that keep aborting for `status` (scripted), or real ones.
void script(unsigned status) {
  if (!kReal) hytm::testing::script_htm_repeat(status, 4000000);
}

// Two threads, started together, each running transactions of `body(t)` at
// `site`, in rounds until `done()` or the time is up.  A little private work
// in each transaction (a thread-private line read 64 times) lengthens it, so
// that on real hardware two threads' attempts overlap.  A scripted round is
// `n` transactions (the script is finite); a real round lasts 100 ms, since
// a fixed count of 60 ns transactions ends within one time slice: with a
// third busy process on two cores (ctest -j2), one thread then ran all of
// its round before the other was scheduled, and 8 s of rounds saw 51
// conflicts in 125 M commits and took no sample.
template <class Body, class Done>
void run_two(const char* site, Body body, Done done) {
  const long n = 4000 / HYTM_STRESS_SCALE;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kReal ? 8 : 6);
  do {
    std::atomic<int> ready{0};
    std::atomic<bool> stop{false};
    std::thread ts[2];
    for (int t = 0; t < 2; ++t) {
      ts[t] = std::thread([&, t] {
        alignas(64) long mine[8] = {};
        ready.fetch_add(1);
        while (ready.load() < 2) std::this_thread::yield();
        for (long i = 0; kReal ? !stop.load(std::memory_order_relaxed) : i < n; ++i)
          hytm::atomic(hytm::site(site), [&](auto& tx) {
            body(tx, t);
            long sum = 0;
            for (int k = 0; k < 64; ++k) sum += tx.load(mine[k & 7]);
            tx.store(mine[0], sum & 1);
          });
      });
    }
    if (kReal) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      stop = true;
    }
    for (auto& th : ts) th.join();
  } while (!done() && std::chrono::steady_clock::now() < deadline);
}

class Sampled : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kReal) HYTM_REQUIRE_RTM();
    hytm::testing::set_mode(
        {kReal ? hytm::htm_mode::rtm : hytm::htm_mode::scripted, hytm::stm_algorithm::norec, 8, 64});
    hytm::testing::forget_site_policy();
    sampled_total = 0;
    sp_left = sp_right = 0;
    for (long& w : sampled_table) w = 0;
    hytm::reset_stats();
  }
  void TearDown() override {
    hytm::testing::script_htm({});
    hytm::testing::restore_environment_mode();
  }

  // What every sampled site shows, in the struct, the report and the JSON.
  static void expect_marked(const hytm::site_stats& ss, const std::string& what) {
    const auto& c = ss.counters;
    EXPECT_GT(ss.sampled.samples, 0u) << describe(ss);
    EXPECT_EQ(ss.sampled.samples, c[ctr::stm_samples]);
    EXPECT_LE(c[ctr::fb_sample], c[ctr::stm_samples]) << "a sample is counted once, at its start";
    EXPECT_LE(c[ctr::stm_samples], c[ctr::stm_starts]) << "every sample starts on the software path";
    EXPECT_LE(c[ctr::ns_htm_aborted], c[ctr::ns_aborted]);
    const std::string report = hytm::conflict_report();
    const std::string size = "in " + std::to_string(ss.sampled.samples) + " samples";
    EXPECT_NE(report.find(std::to_string(ss.sampled.samples) + " samples of its aborting hardware transactions"),
              std::string::npos)
        << report;
    EXPECT_NE(report.find(what), std::string::npos) << report;
    const std::string json = hytm::stats_json();
    EXPECT_NE(json.find("\"sampled\":{\"samples\":" + std::to_string(ss.sampled.samples)), std::string::npos)
        << json;
    if (std::getenv("HYTM_TEST_PRINT_REPORT")) std::printf("%s", report.c_str());
  }
};

TEST_F(Sampled, SharedCounterIsNamedBySamples) {
  script(bit::conflict | bit::retry);
  run_two(kCounterSite, [](auto& tx, int) { tx.store(sampled_total, tx.load(sampled_total) + 1); },
          [] { return seen(kCounterSite, [](const auto& f) { return names(f, "sampled_total"); }) >= 3; });
  const hytm::stats s = hytm::statistics();
  const hytm::site_stats* ss = find_site(s, kCounterSite);
  ASSERT_NE(ss, nullptr);
  const auto& c = ss->counters;
  EXPECT_EQ(sampled_total, static_cast<long>(c[ctr::htm_commits] + c[ctr::stm_commits] + c[ctr::serial_commits]));
  ASSERT_GT(c[ctr::htm_abort_conflict], 0u) << describe(*ss);
  ASSERT_FALSE(ss->sampled.findings.empty()) << "no sample saw the counter; " << describe(*ss);
  const hytm::conflict_stat& top = ss->sampled.findings.front();
  EXPECT_TRUE(names(top, "sampled_total")) << describe(*ss);
  EXPECT_FALSE(top.false_sharing()) << describe(*ss);
  expect_marked(*ss, "sampled conflict: sampled_total");
  const std::string json = hytm::stats_json();
  EXPECT_NE(json.find("\"symbol\":\"sampled_total\""), std::string::npos);
  EXPECT_NE(json.find("\"sampled\":true"), std::string::npos);
}

TEST_F(Sampled, FalseSharingPairIsNamedWithBothVariables) {
  ASSERT_EQ(reinterpret_cast<std::uintptr_t>(&sp_left) / 64, reinterpret_cast<std::uintptr_t>(&sp_right) / 64)
      << "the linker split the pair";
  script(bit::conflict | bit::retry);
  run_two(kPairSite,
          [](auto& tx, int t) {
            long& mine = t ? sp_right : sp_left;
            tx.store(mine, tx.load(mine) + 1);
          },
          [] { return seen(kPairSite, pair_named) >= 2; });
  const hytm::stats s = hytm::statistics();
  const hytm::site_stats* ss = find_site(s, kPairSite);
  ASSERT_NE(ss, nullptr);
  EXPECT_EQ(sp_left + sp_right, static_cast<long>(ss->counters[ctr::htm_commits] + ss->counters[ctr::stm_commits] +
                                                   ss->counters[ctr::serial_commits]));
  ASSERT_GT(ss->counters[ctr::htm_abort_conflict], 0u) << describe(*ss);
  // The software path validates values: no sample ever sees either word change.
  bool named = false;
  for (const auto& f : ss->sampled.findings) {
    if (f.addr / 64 != reinterpret_cast<std::uintptr_t>(&sp_left) / 64) continue;
    EXPECT_TRUE(f.false_sharing()) << describe(*ss);
    named |= pair_named(f);
    EXPECT_EQ(f.writer_site, kPairSite) << "the other side is this site on the other thread";
  }
  EXPECT_TRUE(named) << describe(*ss);
  expect_marked(*ss, "sampled false sharing: sp_");
  const std::string json = hytm::stats_json();
  EXPECT_NE(json.find("\"kind\":\"false_sharing\""), std::string::npos);
  EXPECT_TRUE(json.find("\"other_symbol\":\"sp_right\"") != std::string::npos ||
              json.find("\"other_symbol\":\"sp_left\"") != std::string::npos)
      << json;
}

TEST_F(Sampled, CapacityOverflowHasItsFootprintSampled) {
  script(bit::capacity);
  constexpr int kTx = 64;
  for (int i = 0; i < kTx; ++i)
    hytm::atomic(hytm::site(kCapacitySite), [&](auto& tx) {
      for (int k = 0; k < kLines; ++k) tx.store(sampled_table[k * 8], tx.load(sampled_table[k * 8]) + 1);
    });
  for (int k = 0; k < kLines; ++k) ASSERT_EQ(sampled_table[k * 8], kTx) << "line " << k;
  const hytm::stats s = hytm::statistics();
  const hytm::site_stats* ss = find_site(s, kCapacitySite);
  ASSERT_NE(ss, nullptr);
  const auto& c = ss->counters;
  ASSERT_GE(c[ctr::htm_abort_capacity], 4u) << describe(*ss);
  EXPECT_EQ(c[ctr::fb_sample], 0u) << "capacity goes to software anyway: the sample rides on that fallback";
  const hytm::capacity_stat& fp = ss->sampled.footprint;
  ASSERT_GT(fp.aborts, 0u) << "no sample measured; " << describe(*ss);
  EXPECT_EQ(fp.aborts, ss->sampled.samples) << "every sample here ends on the software path";
  EXPECT_EQ(fp.write_lines, static_cast<std::uint32_t>(kLines));
  EXPECT_EQ(fp.read_lines, 0u) << "every line read was written";
  EXPECT_GT(fp.l1_ways, 0u);
  EXPECT_GT(fp.fullest_set_lines, fp.l1_ways) << "2048 lines put more in a set than it has ways";
  EXPECT_TRUE(ss->sampled.findings.empty()) << "one thread: nothing conflicts; " << describe(*ss);
  expect_marked(*ss, "sampled footprint: ");
  const std::string json = hytm::stats_json();
  EXPECT_NE(json.find("\"footprint\":{\"aborts\":" + std::to_string(fp.aborts)), std::string::npos) << json;
  EXPECT_NE(json.find("\"write_lines\":2048"), std::string::npos) << json;
}

// A site that does not abort takes no sample.
TEST_F(Sampled, NoSampleWithoutAborts) {
  if (!kReal) hytm::testing::script_htm_repeat(hytm::htm::started, 100000);
  long x = 0;
  for (int i = 0; i < 20000 / HYTM_STRESS_SCALE; ++i)
    hytm::atomic(hytm::site(kCounterSite), [&](auto& tx) { tx.store(x, tx.load(x) + 1); });
  const hytm::stats s = hytm::statistics();
  const hytm::site_stats* ss = find_site(s, kCounterSite);
  ASSERT_NE(ss, nullptr);
  EXPECT_EQ(ss->counters[ctr::stm_samples], 0u) << describe(*ss);
  EXPECT_EQ(ss->sampled.samples, 0u);
  EXPECT_EQ(hytm::stats_json().find("\"sampled\":{"), std::string::npos);
}

}  // namespace
