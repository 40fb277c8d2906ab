// The attempt path that C++ and C share (hybrid/protocol.hpp), on every path
// this machine can run: software, serial, the RTM model, scripted statuses,
// and HYTM_HTM=force where xbegin executes but never commits.
#include <gtest/gtest.h>
// The counting operator new below pairs with free(): GCC cannot see that.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <hytm/hytm.h>
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../rtm/rtm_support.hpp"

extern "C" {
void c_block_calls(void (*fn)(void*), void* arg);
int c_block_returns_early(uint64_t* x);
uint64_t c_misaligned(unsigned char* buf);
const char* c_block_add(uint64_t* x);
}

// Counts every operator new of the process (the library's too).  Not under
// AddressSanitizer, whose own operator new must pair with its delete.
static std::atomic<long> g_news{0};
#if defined(__SANITIZE_ADDRESS__)
#define HYTM_COUNTING_NEW 0
#else
#define HYTM_COUNTING_NEW 1
void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

#endif

namespace {

using hytm::ctr;
using hytm::htm_mode;
using hytm::stm_algorithm;
using mode = hytm::testing::mode;

std::uint64_t get(ctr c) { return hytm::statistics().total[c]; }

struct named_mode {
  const char* name;
  mode m;
};

std::vector<named_mode> c_modes() {
  std::vector<named_mode> v = {
      {"serial", {htm_mode::off, stm_algorithm::off, 8, 64}},
      {"stm", {htm_mode::off, stm_algorithm::norec, 8, 64}},
      {"stm_serial_mix", {htm_mode::off, stm_algorithm::norec, 8, 1}},
      {"emulated", {htm_mode::emulated, stm_algorithm::norec, 8, 64}},
      {"stm_orec", {htm_mode::off, stm_algorithm::orec, 8, 64}},
      {"emulated_orec", {htm_mode::emulated, stm_algorithm::orec, 8, 64}},
  };
  // Real xbegin where it executes (aborting with status 0 on this project's
  // KVM Xeons, committing on a CPU with RTM).
  if (hytm_test::probe_rtm() != hytm_test::rtm_here::sigill)
    v.push_back({"forced", {htm_mode::forced, stm_algorithm::norec, 8, 64}});
  return v;
}

class Attempt : public ::testing::TestWithParam<named_mode> {
 protected:
  void SetUp() override {
    hytm::testing::set_mode(GetParam().m);
    hytm::testing::forget_site_policy();
    hytm::reset_stats();
  }
  void TearDown() override { hytm::testing::restore_environment_mode(); }
};

// ---- a C++ transaction nested in a C block (issue 10 item 6) ----

struct nested_args {
  long* x;
  std::atomic<int>* restarts;
};

void nested_cxx(void* a) {
  auto* args = static_cast<nested_args*>(a);
  hytm::atomic([&](auto& tx) {
    tx.store(*args->x, tx.load(*args->x) + 1);
    // A restart from the nested C++ body re-runs the whole C block.
    if (args->restarts->load() > 0 && args->restarts->fetch_sub(1) > 0) tx.restart();
  });
}

TEST_P(Attempt, ACxxAtomicNestedInACBlockJoinsItOnEveryPath) {
  long x = 0;
  std::atomic<int> restarts{50};
  nested_args args{&x, &restarts};
  const long n = 4000 / HYTM_STRESS_SCALE;
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t)
    ts.emplace_back([&] {
      for (long i = 0; i < n; ++i) c_block_calls(nested_cxx, &args);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(x, 2 * n) << "every restart re-ran the block, none was lost or doubled";
  EXPECT_EQ(hytm_in_transaction(), 0);
}

TEST_P(Attempt, MisalignedFixedSizeAccessesTouchExactlyTheirBytes) {
  alignas(8) unsigned char buf[32];
  std::memset(buf, 0x5a, sizeof buf);
  const std::uint64_t r = c_misaligned(buf);
  EXPECT_EQ(r, 0x1122334455667788ull ^ 0xa1b2c3d4u ^ 0xbeefu);
  std::uint64_t p;
  std::uint32_t q;
  std::uint16_t h;
  std::memcpy(&p, buf + 3, 8);
  std::memcpy(&q, buf + 13, 4);
  std::memcpy(&h, buf + 19, 2);
  EXPECT_EQ(p, 0x1122334455667788ull);
  EXPECT_EQ(q, 0xa1b2c3d4u);
  EXPECT_EQ(h, 0xbeefu);
  for (int i : {0, 1, 2, 11, 12, 17, 18, 21, 22, 31}) EXPECT_EQ(buf[i], 0x5a) << "byte " << i;
}

// ---- one transaction waits for a value another sets (item 3) ----

// Thread A starts a transaction after B's commit and waits in it for a
// value B sets once its atomic() has returned.  B's commit must not wait
// for A (A began after it): before item 3 it did, and both hung.
TEST_P(Attempt, AWriterDoesNotWaitForATransactionThatBeganAfterIt) {
  // A transaction that waits inside its body cannot share the machine with
  // the serial path, which drains every transaction (hytm.hpp, "Not for"):
  // only the modes where nothing escalates to serial.
  if (GetParam().m.stm == stm_algorithm::off || GetParam().m.stm_retries < 8)
    GTEST_SKIP() << "needs a software path that does not escalate to serial";
  hytm::htm::emulator_config small;
  small.l1_size = 1024;
  small.l1_ways = 2;
  small.read_lines = 24;
  hytm::testing::set_emulator(small);
  hytm::testing::set_mode(GetParam().m);
  struct alignas(64) line {
    long v = 0;
  };
  static line big[64];  // read by A: over the small model's capacity, so A runs in software
  alignas(64) static long published;
  published = 0;  // each instance starts afresh
  std::atomic<long> ready{0}, a_inside{0}, c_inside{0};
  std::atomic<bool> done{false};
  const long rounds = 200 / HYTM_STRESS_SCALE + 5;
  auto read_big = [&](auto& tx) {
    long sum = 0;
    for (auto& l : big) sum += tx.load(l.v);
    (void)sum;
  };
  // C: a transaction that began before B's commit, so B rightly waits for
  // it; it ends only once A is inside its own transaction.  B's wait then
  // meets A too, whatever order it visits the threads in.
  std::thread c([&] {
    for (long r = 1; r <= rounds; ++r) {
      hytm::atomic([&](auto& tx) {
        read_big(tx);
        c_inside.store(r);
        while (a_inside.load() < r) std::this_thread::yield();
      });
    }
  });
  // A: begins after B's commit (it has seen its data), then waits inside for
  // a value B sets only once its atomic() has returned.
  std::thread a([&] {
    for (long r = 1; r <= rounds; ++r) {
      while (std::atomic_ref<long>(published).load(std::memory_order_acquire) < r)
        std::this_thread::yield();
      hytm::atomic([&](auto& tx) {
        read_big(tx);
        a_inside.store(r);
        while (ready.load() < r) std::this_thread::yield();
      });
    }
  });
  std::thread b([&] {
    for (long r = 1; r <= rounds; ++r) {
      while (c_inside.load() < r) std::this_thread::yield();
      hytm::atomic([&](auto& tx) { tx.store(published, r); });
      ready.store(r);
    }
    done = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!done) {
    ADD_FAILURE() << "hang: the writer's commit waits for a transaction that began after it";
    std::fflush(nullptr);
    std::_Exit(1);
  }
  a.join();
  b.join();
  c.join();
}

INSTANTIATE_TEST_SUITE_P(Paths, Attempt, ::testing::ValuesIn(c_modes()),
                         [](const auto& i) { return std::string(i.param.name); });

// ---- quiescence stamps (core/activity.hpp, (A5)) ----

// A C block nested in a hardware attempt takes hytm.h's inline tier (plain
// accesses, hytm/detail/c_inline.h): run here in the scripted mode, where
// the "hardware" body runs unprotected, so that the store's effect and the
// (H3) writer flag can be seen; the inline commit of a top-level region
// runs only on a CPU with RTM (tests/rtm).
TEST(CInlineTier, ABlockNestedInAHardwareAttemptStoresPlainlyAndMarksTheWriter) {
  hytm::testing::set_mode({htm_mode::scripted, stm_algorithm::norec, 8, 64});
  hytm::testing::forget_site_policy();
  hytm::reset_stats();
  hytm::testing::script_htm({hytm::htm::started});
  uint64_t x = 41;
  const char* path = nullptr;
  bool wrote = false;
  hytm::atomic([&](auto& tx) {
    path = c_block_add(&x);
    wrote = hytm::current_ctx().htm_wrote;
    (void)tx;
  });
  EXPECT_EQ(x, 42u);
  EXPECT_STREQ(path, "htm");
  EXPECT_TRUE(wrote) << "a nested C store marks the hardware attempt a writer (H3)";
  EXPECT_EQ(get(ctr::htm_commits), 1u);
  // Outside any transaction the same block runs alone (serial or software).
  EXPECT_STRNE(c_block_add(&x), "htm");
  EXPECT_EQ(x, 43u);
  hytm::testing::restore_environment_mode();
}

TEST(Quiescence, SkipsASlotStampedAfterTheCommitAndWaitsForAnEarlierOne) {
  hytm::activity_slot* me = hytm::activity().claim();
  hytm::activity_slot* other = hytm::activity().claim();
  other->enter();
  other->stamp(10, 7);
  hytm::activity().quiesce_before(me, 1, 7);   // began at 7: not before a commit that set 7
  hytm::activity().quiesce_before(me, 0, 10);
  std::atomic<bool> released{false};
  std::thread w([&] {
    hytm::activity().quiesce_before(me, 1, 8);  // began before: must wait
    released = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_FALSE(released.load());
  other->leave();
  w.join();
  EXPECT_TRUE(released.load());
  hytm::activity().give_back(other);
  hytm::activity().give_back(me);
}

// ---- read-only hardware commits (item 3), on the RTM model ----

TEST(ReadOnlyHardware, ACommitThatOnlyReadAnnouncesNothingWhileSoftwareRuns) {
  hytm::testing::set_mode({htm_mode::emulated, stm_algorithm::norec, 8, 64});
  hytm::reset_stats();
  long x = 0, y = 0;
  std::atomic<int> stage{0};
  std::atomic<std::uint64_t> before{0};
  // A software transaction in flight on another thread: (H3) applies.
  std::thread s([&] {
    hytm::atomic(hytm::site("attempt.software"), [&](auto& tx) {
      if (tx.path() != hytm::path_kind::stm) tx.restart();  // software only
      (void)tx.load(y);
      stage = 1;
      // Ends once the writer below has announced itself (it then waits for
      // this transaction, which began before it).
      while (stage.load() < 2 || hytm::stm::g_norec.external.load() == before.load())
        std::this_thread::yield();
    });
  });
  while (stage.load() < 1) std::this_thread::yield();
  before = hytm::stm::g_norec.external.load();
  EXPECT_EQ(hytm::atomic([&](auto& tx) { return tx.load(x); }), 0);
  EXPECT_EQ(hytm::stm::g_norec.external.load(), before.load())
      << "a read-only commit wrote `external`";
  stage = 2;
  hytm::atomic([&](auto& tx) { tx.store(x, 1); });
  EXPECT_EQ(hytm::stm::g_norec.external.load(), before.load() + 1) << "a writer announces itself";
  s.join();
  hytm::testing::restore_environment_mode();
}

// ---- the allocation cache (item 2) through scripted statuses ----

struct node {
  long key;
  node* next;
};

TEST(AllocCache, AnEmptyClassInHardwareRefillsAndRetriesUncharged) {
  hytm::testing::set_mode({htm_mode::scripted, stm_algorithm::norec, 1, 64});
  std::thread t([] {  // a fresh thread: its cache and logs are empty
    hytm::reset_stats();
    node* head = nullptr;
    hytm::testing::script_htm({hytm::htm::started, hytm::htm::started, hytm::htm::started});
    const auto path = hytm::atomic([&](auto& tx) {
      node* n = tx.template make<node>(node{1, nullptr});
      tx.store(head, n);
      return tx.path();
    });
    EXPECT_EQ(path, hytm::path_kind::htm) << "with a budget of 1: the refills were not charged";
    EXPECT_EQ(get(ctr::htm_code_refill), 2u) << "the log, then the class";
    ASSERT_NE(head, nullptr);
    EXPECT_EQ(head->key, 1);
    // Later transactions find the class topped up after each commit.
    hytm::reset_stats();
    for (int i = 0; i < 200; ++i) {
      hytm::testing::script_htm({hytm::htm::started, hytm::htm::started});
      hytm::atomic([&](auto& tx) {
        node* n = tx.template make<node>(node{i, tx.load(head)});
        tx.store(head, n);
      });
    }
    EXPECT_EQ(get(ctr::htm_commits), 200u);
    EXPECT_EQ(get(ctr::htm_code_refill), 0u);
    // Freed blocks go back to the cache (std::free stays valid for them).
    hytm::testing::set_mode({htm_mode::off, stm_algorithm::norec, 8, 64});
    while (head) {
      hytm::atomic([&](auto& tx) {
        node* n = tx.load(head);
        tx.store(head, tx.load(n->next));
        tx.free(n);
      });
    }
    hytm::testing::script_htm({});
  });
  t.join();
  hytm::testing::restore_environment_mode();
}

TEST(AllocCache, ABlockFromPlainMallocCanBeFreedTransactionally) {
  hytm::testing::set_mode({htm_mode::off, stm_algorithm::norec, 8, 64});
  for (std::size_t n : {8u, 100u, 600u, 5000u}) {
    void* p = std::malloc(n);
    hytm::atomic([&](auto& tx) { tx.free(p); });
  }
  void* big = nullptr;
  hytm::atomic([&](auto& tx) { big = tx.alloc(4096, 64); });
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big) % 64, 0u);
  std::free(big);
  hytm::testing::restore_environment_mode();
}

// ---- on_commit allocates nothing after first use (item 5) ----

TEST(Handlers, ARegistrationAfterFirstUseAllocatesNothing) {
  if (!HYTM_COUNTING_NEW) GTEST_SKIP() << "counts allocations with its own operator new (not under ASan)";
  hytm::testing::set_mode({htm_mode::off, stm_algorithm::norec, 8, 64});
  long a = 0, b = 0, c = 0, d = 0, e = 0;
  int ran = 0;
  auto once = [&](long* news) {
    hytm::atomic([&](auto& tx) {
      const long before = g_news.load();
      // Five references: 40 bytes, over std::function's 16 in place.
      tx.on_commit([&a, &b, &c, &d, &e, &ran] { ran += static_cast<int>(a + b + c + d + e) + 1; });
      *news = g_news.load() - before;
    });
  };
  long first = 0, second = 0;
  once(&first);
  once(&second);
  EXPECT_EQ(second, 0) << "the handler vector kept its capacity and the callable fit in place";
  EXPECT_EQ(ran, 2);
  hytm::testing::restore_environment_mode();
}

// ---- leaving a C transaction without ending it (issue 12 item 7) ----

TEST(CBlockRulesDeathTest, LeavingABlockByReturnIsCaughtAtTheNextEntry) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        hytm::testing::set_mode({htm_mode::off, stm_algorithm::norec, 8, 64});
        uint64_t x = 0;
        for (int i = 0; i < 2; ++i) c_block_returns_early(&x);
      },
      "left without ending it.*HYTM_END");
}

void throwing_body(hytm_tx*, void*) { throw std::runtime_error("out of a C transaction"); }

TEST(CBlockRulesDeathTest, AnExceptionOutOfHytmAtomicIsCaughtAtTheNextEntry) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        hytm::testing::set_mode({htm_mode::off, stm_algorithm::off, 8, 64});
        for (int i = 0; i < 2; ++i) {
          try {
            hytm_atomic(throwing_body, nullptr);
          } catch (const std::runtime_error&) {
          }
        }
      },
      "left without ending it");
}

// ---- HYTM_HTM=force where xbegin runs but never commits (item 8) ----

class ForcedNeverCommits : public ::testing::Test {
 protected:
  void SetUp() override {
    if (hytm_test::probe_rtm() != hytm_test::rtm_here::never_commits)
      GTEST_SKIP() << "needs a CPU that executes xbegin but never commits (KVM Xeon, RTM hidden)";
    hytm::testing::set_mode({htm_mode::forced, stm_algorithm::norec, 8, 64});
    hytm::testing::forget_site_policy();
    hytm::reset_stats();
  }
  void TearDown() override { hytm::testing::restore_environment_mode(); }
};

TEST_F(ForcedNeverCommits, TheSiteStopsPayingAndTheReportSaysWhy) {
  long x = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i)
    hytm::atomic(hytm::site("forced.site"), [&](auto& tx) { tx.store(x, tx.load(x) + 1); });
  EXPECT_EQ(x, n);
  EXPECT_EQ(get(ctr::htm_commits), 0u);
  EXPECT_EQ(get(ctr::htm_abort_other), get(ctr::htm_starts)) << "status 0, every time";
  EXPECT_GT(get(ctr::fb_first_touch), 0u) << "first runs in software once, then hardware again";
  EXPECT_GT(get(ctr::fb_site_disabled), 0u);
  EXPECT_LT(get(ctr::htm_starts), 60u) << "the probes back off exponentially";
  const std::string text = hytm::stats_text();
  EXPECT_NE(text.find("diagnosis: hardware: 0 of"), std::string::npos) << text;
  EXPECT_NE(text.find("status 0"), std::string::npos) << text;
  const std::string json = hytm::stats_json();
  EXPECT_NE(json.find("\"diagnosis\":\"hardware: 0 of"), std::string::npos) << json;
}

void c_increment(hytm_tx* tx, void* arg) {
  auto* x = static_cast<uint64_t*>(arg);
  hytm_store_u64(tx, x, hytm_load_u64(tx, x) + 1);
}

TEST_F(ForcedNeverCommits, TheCInterfaceRunsRealXbeginAndFallsBackTheSameWay) {
  uint64_t x = 0;
  for (int i = 0; i < 1000; ++i) hytm_atomic_named("forced.c", c_increment, &x);
  EXPECT_EQ(x, 1000u);
  EXPECT_GT(get(ctr::htm_starts), 0u) << "the C path tried hardware";
  EXPECT_EQ(get(ctr::htm_commits), 0u);
  EXPECT_GT(get(ctr::fb_site_disabled), 0u);
  EXPECT_LT(get(ctr::htm_starts), 60u);
}

TEST_F(ForcedNeverCommits, ElisionLearnsPerSiteToTakeTheLock) {
  hytm::spin_mutex m;
  long x = 0;
  for (int i = 0; i < 2000; ++i) hytm::elide(m, [&] { ++x; });
  EXPECT_EQ(x, 2000);
  EXPECT_EQ(get(ctr::lock_taken), 2000u);
  EXPECT_LT(get(ctr::htm_starts), 60u) << "an elided section that cannot commit stops trying";
  EXPECT_GT(get(ctr::fb_site_disabled), 0u);
}

}  // namespace

// ---- a named site without a name ----

// hytm::site(nullptr) is refused with a message at its first start (it
// crashed in the site table before).
TEST(SiteRulesDeathTest, ANullSiteNameIsRefusedWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        long x = 0;
        hytm::atomic(hytm::site(nullptr), [&](auto& tx) { tx.store(x, 1L); });
      },
      "hytm::site\\(nullptr\\): a named site needs a name");
}
