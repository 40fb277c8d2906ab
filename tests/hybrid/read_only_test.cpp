// Unlogged read-only software attempts (hybrid/read_only.hpp, docs/stm.md):
// a site learns, unlearns at a store, restarts when the snapshot moves and
// falls back to a logged attempt after ro_attempts such restarts.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <type_traits>
#include <vector>

#include "misaligned.hpp"

extern "C" void ro_c_store(std::uint64_t* x, std::uint64_t v);
extern "C" void ro_c_store_bytes(std::uint64_t* x, std::uint64_t v);

namespace {

template <class Tx>
constexpr bool is_unlogged = std::is_same_v<std::decay_t<Tx>, hytm::stm_ro_tx>;

class ReadOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                             hytm::read_only_mode::learn});
    hytm::testing::forget_site_policy();
  }
  void TearDown() override {
    hytm::testing::forget_site_policy();
    hytm::testing::restore_environment_mode();
  }
};

// Commits from another thread on request, while the requester waits inside
// a transaction.  The requester waits for seq to move, not for the commit to
// return: the committer quiesces, i.e. waits for the requester's attempt to
// revalidate or end, which it does at its next load.
class mover {
 public:
  explicit mover(long& target) : target_(target), thread_([this] { loop(); }) {}
  ~mover() {
    stop_.store(true);
    thread_.join();
  }
  void move_now() {
    const std::uint64_t s = hytm::stm::g_norec.seq.load();
    asked_.fetch_add(1);
    while (hytm::stm::g_norec.seq.load() == s) std::this_thread::yield();
  }

 private:
  void loop() {
    int served = 0;
    while (!stop_.load()) {
      if (asked_.load() == served) {
        std::this_thread::yield();
        continue;
      }
      ++served;
      hytm::atomic([&](auto& tx) { tx.store(target_, tx.load(target_) + 1); });
    }
  }
  long& target_;
  std::atomic<int> asked_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A thread that has just aborted runs logged for a while (read_only.hpp);
// the tests that count attempts start each transaction calm.
void calm() { hytm::current_ctx().hot = 0; }

// `kinds` gets one entry per attempt: true if it ran unlogged.
template <class Body>
auto at_site(const char* name, std::vector<bool>& kinds, Body body) {
  calm();
  return hytm::atomic(hytm::site(name), [&](auto& tx) {
    kinds.push_back(is_unlogged<decltype(tx)>);
    return body(tx);
  });
}

TEST_F(ReadOnly, ASiteLearnsAfterReadOnlyCommitsAndUnlearnsAtAStore) {
  long x = 5;
  std::vector<bool> kinds;
  for (std::uint32_t i = 0; i < hytm::detail::ro_learn; ++i)
    EXPECT_EQ(at_site("ro.learn", kinds, [&](auto& tx) { return tx.load(x); }), 5);
  EXPECT_EQ(kinds, std::vector<bool>(hytm::detail::ro_learn, false));
  kinds.clear();
  EXPECT_EQ(at_site("ro.learn", kinds, [&](auto& tx) { return tx.load(x); }), 5);
  EXPECT_EQ(kinds, std::vector<bool>{true});
  // A store at the learnt site: the unlogged attempt ends before it writes,
  // the logged one commits it.
  kinds.clear();
  at_site("ro.learn", kinds, [&](auto& tx) {
    tx.store(x, tx.load(x) + 1);
    return 0L;
  });
  EXPECT_EQ(x, 6);
  EXPECT_EQ(kinds, (std::vector<bool>{true, false}));
  // Unlearnt, and learning again takes twice as long.
  kinds.clear();
  for (std::uint32_t i = 0; i < 2 * hytm::detail::ro_learn; ++i)
    at_site("ro.learn", kinds, [&](auto& tx) { return tx.load(x); });
  EXPECT_EQ(kinds, std::vector<bool>(2 * hytm::detail::ro_learn, false));
  kinds.clear();
  at_site("ro.learn", kinds, [&](auto& tx) { return tx.load(x); });
  EXPECT_EQ(kinds, std::vector<bool>{true});
}

// An unlogged commit does not clear the logs (epilogue.hpp, stm_committed):
// they must be empty already, after a learnt site's lookups and after an
// unlogged attempt that a store ended, whose logged retry wrote.
TEST_F(ReadOnly, AnUnloggedCommitLeavesTheLogsEmpty) {
  long x = 5;
  long y = 7;
  std::vector<bool> kinds;
  const hytm::stm::norec& n = hytm::current_ctx().stm;
  for (std::uint32_t i = 0; i <= hytm::detail::ro_learn; ++i)
    at_site("ro.empty_logs", kinds, [&](auto& tx) { return tx.load(x) + tx.load(y); });
  ASSERT_TRUE(kinds.back());
  EXPECT_EQ(n.reads().size(), 0u);
  EXPECT_TRUE(n.read_only());
  // A store ends the unlogged attempt; the logged retry logs and writes.
  kinds.clear();
  at_site("ro.empty_logs", kinds, [&](auto& tx) {
    tx.store(y, tx.load(x) + 1);
    return 0L;
  });
  EXPECT_EQ(kinds, (std::vector<bool>{true, false}));
  EXPECT_EQ(n.reads().size(), 0u);
  EXPECT_TRUE(n.read_only());
  // Learnt again, and read unlogged with the logs as they were left.
  kinds.clear();
  for (std::uint32_t i = 0; i <= 2 * hytm::detail::ro_learn; ++i)
    at_site("ro.empty_logs", kinds, [&](auto& tx) { return tx.load(x) + tx.load(y); });
  ASSERT_TRUE(kinds.back());
  EXPECT_EQ(n.reads().size(), 0u);
  EXPECT_TRUE(n.read_only());
  EXPECT_EQ(y, 6);
}

TEST_F(ReadOnly, OffNeverAndAlwaysFirstAttempt) {
  long x = 1;
  std::vector<bool> kinds;
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::off});
  for (int i = 0; i < 40; ++i) at_site("ro.off", kinds, [&](auto& tx) { return tx.load(x); });
  EXPECT_EQ(kinds, std::vector<bool>(40, false));
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::always});
  kinds.clear();
  at_site("ro.always", kinds, [&](auto& tx) {
    tx.store(x, 2L);
    return 0L;
  });
  EXPECT_EQ(kinds, (std::vector<bool>{true, false}));
  EXPECT_EQ(x, 2);
}

// A C block nested in an unlogged attempt stores: refused as the C++
// store is (the unlogged attempt ends before it buffers the write, the site
// unlearns, the logged attempt commits it), through the inline tier and the
// exported bytes form alike.  Before, the write was buffered and committed
// by an attempt with no read log to validate against a hardware commit.
TEST_F(ReadOnly, ACStoreNestedInAnUnloggedAttemptIsRefusedAsACxxOneIs) {
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::always});
  std::uint64_t x = 1;
  std::vector<bool> kinds;
  at_site("ro.c_nested", kinds, [&](auto& tx) {
    ro_c_store(&x, tx.load(x) + 1);
    return 0L;
  });
  EXPECT_EQ(kinds, (std::vector<bool>{true, false}));
  EXPECT_EQ(x, 2u);
  kinds.clear();
  at_site("ro.c_nested_bytes", kinds, [&](auto& tx) {
    ro_c_store_bytes(&x, tx.load(x) + 1);
    return 0L;
  });
  EXPECT_EQ(kinds, (std::vector<bool>{true, false}));
  EXPECT_EQ(x, 3u);
}

// The algorithm's backstop: an unlogged NOrec attempt that buffered a write
// does not commit it.
TEST_F(ReadOnly, AnUnloggedAttemptNeverCommitsAWrite) {
  std::uint64_t x = 5;
  hytm::stm::norec n;
  n.start(nullptr, ~0u, true);
  n.write(&x, sizeof x, 9);
  EXPECT_FALSE(n.commit());
  EXPECT_TRUE(n.doomed());
  EXPECT_EQ(x, 5u);
  n.rollback();
}

// Another thread commits between the two loads of an attempt: an unlogged
// attempt that sees the snapshot move restarts; after ro_attempts of them
// the attempt is logged and revalidates instead.
TEST_F(ReadOnly, AMovedSnapshotRestartsThenFallsBackToLogging) {
  long x = 0, y = 0, z = 0;
  std::vector<bool> kinds;
  for (std::uint32_t i = 0; i < hytm::detail::ro_learn; ++i)
    at_site("ro.moved", kinds, [&](auto& tx) { return tx.load(x) - tx.load(y); });
  kinds.clear();
  int attempt = 0;
  long diff = 0;
  {
    mover m(z);  // z is not read: the logged attempt revalidates fine
    diff = at_site("ro.moved", kinds, [&](auto& tx) {
      const long a = tx.load(x);
      if (attempt < 3) {
        ++attempt;
        m.move_now();
      }
      return a - tx.load(y);
    });
  }
  EXPECT_EQ(diff, 0);
  std::vector<bool> want(hytm::detail::ro_attempts, true);
  want.push_back(false);  // logged: revalidates past the commit
  EXPECT_EQ(kinds, want);
}

// Restarts that outweigh unlogged commits make the site run logged again.
TEST_F(ReadOnly, FrequentRestartsUnlearn) {
  long x = 0;
  std::vector<bool> kinds;
  for (std::uint32_t i = 0; i < hytm::detail::ro_learn; ++i)
    at_site("ro.debt", kinds, [&](auto& tx) { return tx.load(x); });
  // Each transaction's first attempt sees the snapshot move and restarts.
  long other = 0;
  mover m(other);
  int unlogged_restarts = 0;
  for (int round = 0; round < 20; ++round) {
    kinds.clear();
    bool first = true;
    at_site("ro.debt", kinds, [&](auto& tx) {
      const long a = tx.load(x);
      if (first && is_unlogged<decltype(tx)>) {
        first = false;
        m.move_now();
        ++unlogged_restarts;
      }
      return a + tx.load(x);
    });
    if (!kinds.front()) break;  // unlearnt
  }
  EXPECT_FALSE(kinds.front());
  // Each round adds a restart's weight; its retry runs logged (ro_attempts
  // is 1), so no unlogged commit pays any of it back.
  static_assert(hytm::detail::ro_attempts == 1);
  EXPECT_EQ(static_cast<std::uint32_t>(unlogged_restarts),
            hytm::detail::ro_debt_limit / hytm::detail::ro_restart_weight + 1);
}

// Right after an abort a thread runs logged, even at a learnt site.
TEST_F(ReadOnly, AHotThreadRunsLogged) {
  long x = 0;
  std::vector<bool> kinds;
  for (std::uint32_t i = 0; i <= hytm::detail::ro_learn; ++i)
    at_site("ro.hot", kinds, [&](auto& tx) { return tx.load(x); });
  EXPECT_TRUE(kinds.back());
  hytm::current_ctx().hot = 5;
  kinds.clear();
  hytm::atomic(hytm::site("ro.hot"), [&](auto& tx) {
    kinds.push_back(is_unlogged<decltype(tx)>);
    return tx.load(x);
  });
  EXPECT_EQ(kinds, std::vector<bool>{false});
}

// A word at any address, through the unlogged load (stm_ro_tx::load: an
// aligned word in one load, any other split into aligned pieces, each
// checked against the snapshot).
using hytm_test::load_at;
using hytm_test::plain;
using hytm_test::store_at;

// Every offset in an 8-byte word and across a cache line's end, each size:
// exact, and no attempt leaves the unlogged mode for it.
TEST_F(ReadOnly, AnUnloggedAttemptReadsAMisalignedWordExactly) {
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::always});
  alignas(64) unsigned char buf[192];
  for (std::size_t i = 0; i < sizeof buf; ++i) buf[i] = static_cast<unsigned char>(i * 37 + 11);
  for (std::size_t off : {0, 1, 2, 3, 4, 5, 6, 7, 57, 60, 63, 121}) {
    const void* p = buf + off;
    std::vector<bool> kinds;
    const auto got = at_site("ro.misaligned", kinds, [&](auto& tx) {
      return std::array<std::uint64_t, 3>{load_at<std::uint64_t>(tx, p), load_at<std::uint32_t>(tx, p),
                                          load_at<std::uint16_t>(tx, p)};
    });
    EXPECT_EQ(got[0], plain<std::uint64_t>(p)) << "offset " << off;
    EXPECT_EQ(got[1], plain<std::uint32_t>(p)) << "offset " << off;
    EXPECT_EQ(got[2], plain<std::uint16_t>(p)) << "offset " << off;
    EXPECT_EQ(kinds, std::vector<bool>{true}) << "offset " << off;
  }
}

// x + y == 0 in every attempt, where x and y each straddle two cache lines
// and a writer changes every byte of both at each commit: an unlogged load
// may read a word's pieces on either side of a write-back, and the snapshot
// test after each piece must refuse the value.  (Checked to fail when a piece's
// failed test is ignored.)
TEST_F(ReadOnly, AnUnloggedAttemptNeverSeesATornMisalignedPair) {
  hytm::testing::set_mode({hytm::htm_mode::off, hytm::stm_algorithm::norec, 8, 64,
                           hytm::read_only_mode::always});
  alignas(64) unsigned char buf[256] = {};
  void* x = buf + 60;   // bytes 60..67: lines 0 and 1
  void* y = buf + 189;  // bytes 189..196: lines 2 and 3
  constexpr std::uint64_t d = 0x0101010101010101ull;  // moves every byte
  std::atomic<bool> stop{false};
  std::atomic<long> written{0};
  std::thread writer([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      hytm::atomic(hytm::site("ro.torn.writer"), [&](auto& tx) {
        store_at<std::uint64_t>(tx, x, load_at<std::uint64_t>(tx, x) + d);
        store_at<std::uint64_t>(tx, y, load_at<std::uint64_t>(tx, y) - d);
      });
      written.fetch_add(1, std::memory_order_relaxed);
    }
  });
  while (written.load() == 0) std::this_thread::yield();  // the writer runs
  long bad = 0, unlogged = 0, attempts = 0, n = 0;
  // Until the writer has committed 20000 times (a second or two at most
  // under the sanitizers), for at least 20000 reads.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (; n < 20000 || (written.load() < 20000 && std::chrono::steady_clock::now() < until); ++n)
    hytm::atomic(hytm::site("ro.torn.reader"), [&](auto& tx) {
      ++attempts;
      if (is_unlogged<decltype(tx)>) ++unlogged;
      const std::uint64_t a = load_at<std::uint64_t>(tx, x);
      for (int k = 0; k < 64; ++k) asm volatile("");  // widens the window for a commit between the loads
      const std::uint64_t b = load_at<std::uint64_t>(tx, y);
      if (a + b != 0) ++bad;
    });
  stop.store(true);
  writer.join();
  EXPECT_EQ(bad, 0) << "of " << attempts << " attempts, " << unlogged << " unlogged, "
                     << written.load() << " writer commits";
  EXPECT_GE(unlogged, n);  // every transaction's first attempt
  EXPECT_EQ(plain<std::uint64_t>(x) + plain<std::uint64_t>(y), 0u);
}

}  // namespace
