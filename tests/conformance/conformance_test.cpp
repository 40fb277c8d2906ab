// What every path, and every mix of paths, must do.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "modes.hpp"

using hytm_test::ModeTest;

namespace {

struct boom : std::runtime_error {
  boom() : std::runtime_error("boom") {}
};

struct triple {
  std::uint64_t a, b, c;
};
struct odd {
  char bytes[13];
};

}  // namespace

TEST_P(ModeTest, ReturnsTheBodysValue) {
  long x = 41;
  const long r = hytm::atomic([&](auto& tx) {
    tx.store(x, tx.load(x) + 1);
    return tx.load(x);
  });
  EXPECT_EQ(r, 42);
  EXPECT_EQ(x, 42);
  const std::string s = hytm::atomic([&](auto&) { return std::string("value"); });
  EXPECT_EQ(s, "value");
}

TEST_P(ModeTest, StoreConvertsToTheObjectsType) {
  long x = 0;
  double d = 0;
  hytm::atomic([&](auto& tx) {
    tx.store(x, 7);       // int -> long
    tx.store(d, 1.5f);    // float -> double
  });
  EXPECT_EQ(x, 7);
  EXPECT_EQ(d, 1.5);
}

TEST_P(ModeTest, ReadsItsOwnWritesOfAnySize) {
  alignas(8) unsigned char buf[32] = {};
  triple t{1, 2, 3};
  odd o{};
  std::memset(o.bytes, 'a', sizeof o.bytes);
  hytm::atomic([&](auto& tx) {
    auto& w = *reinterpret_cast<std::uint64_t*>(buf);
    tx.store(w, 0x1122334455667788ull);
    auto& b2 = buf[2];
    tx.store(b2, static_cast<unsigned char>(0xAB));  // one byte inside the written word
    EXPECT_EQ(tx.load(w), 0x1122334455AB7788ull);
    auto& h = *reinterpret_cast<std::uint16_t*>(buf + 8);
    tx.store(h, static_cast<std::uint16_t>(0xBEEF));
    auto& wide = *reinterpret_cast<std::uint64_t*>(buf + 8);
    // Half written, half memory (zeros).
    EXPECT_EQ(tx.load(wide), 0xBEEFull);
    triple n = tx.load(t);
    n.b = 20;
    tx.store(t, n);
    EXPECT_EQ(tx.load(t).b, 20u);
    odd q = tx.load(o);
    q.bytes[12] = 'z';
    q.bytes[0] = 'y';
    tx.store(o, q);
    EXPECT_EQ(tx.load(o).bytes[12], 'z');
  });
  EXPECT_EQ(*reinterpret_cast<std::uint64_t*>(buf), 0x1122334455AB7788ull);
  EXPECT_EQ(buf[8], 0xEF);
  EXPECT_EQ(buf[9], 0xBE);
  for (int i = 10; i < 32; ++i) EXPECT_EQ(buf[i], 0) << "byte " << i << " was clobbered";
  EXPECT_EQ(t.a, 1u);
  EXPECT_EQ(t.b, 20u);
  EXPECT_EQ(t.c, 3u);
  EXPECT_EQ(o.bytes[0], 'y');
  EXPECT_EQ(o.bytes[12], 'z');
  EXPECT_EQ(o.bytes[5], 'a');
}

TEST_P(ModeTest, NeighbouringBytesAreNeverClobbered) {
  // Two threads would be needed to see a lost update; here we check the
  // write-back writes exactly the bytes stored.
  struct alignas(8) packed {
    std::uint8_t a;
    std::uint8_t b;
    std::uint16_t c;
    std::uint32_t d;
  } p{1, 2, 3, 4};
  hytm::atomic([&](auto& tx) { tx.store(p.b, static_cast<std::uint8_t>(9)); });
  EXPECT_EQ(p.a, 1);
  EXPECT_EQ(p.b, 9);
  EXPECT_EQ(p.c, 3);
  EXPECT_EQ(p.d, 4u);
}

TEST_P(ModeTest, AThrowingBodyLeavesNoWriteBehind) {
  long x = 1, y = 2;
  std::array<long, 64> many{};
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.store(x, 100);
                 for (auto& m : many) tx.store(m, 5);
                 tx.store(y, tx.load(x) + 1);
                 throw boom();
               }),
               boom);
  EXPECT_EQ(x, 1);
  EXPECT_EQ(y, 2);
  for (long m : many) EXPECT_EQ(m, 0);
  // The thread can run transactions afterwards.
  hytm::atomic([&](auto& tx) { tx.store(x, 3); });
  EXPECT_EQ(x, 3);
}

TEST_P(ModeTest, AThrowingBodyReleasesItsAllocations) {
  long* published = nullptr;
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 long* p = tx.template make<long>(5);
                 tx.store(published, p);
                 throw boom();
               }),
               boom);
  EXPECT_EQ(published, nullptr);  // ASan reports the leak if it were kept
}

TEST_P(ModeTest, NestedTransactionsAreFlattened) {
  long x = 0;
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.store(x, 1);
                 hytm::atomic([&](auto& inner) { inner.store(x, inner.load(x) + 1); });
                 EXPECT_EQ(tx.load(x), 2);
                 throw boom();  // undoes the inner one too
               }),
               boom);
  EXPECT_EQ(x, 0);
  const long r = hytm::atomic([&](auto& tx) {
    tx.store(x, 10);
    return hytm::atomic([&](auto& inner) { return inner.load(x) * 2; });
  });
  EXPECT_EQ(r, 20);
}

TEST_P(ModeTest, CommitHandlersRunOnceAfterCommit) {
  long x = 0;
  int committed = 0;
  hytm::atomic([&](auto& tx) {
    tx.store(x, 1);
    tx.on_commit([&] {
      ++committed;
      EXPECT_FALSE(hytm::in_transaction());
    });
  });
  EXPECT_EQ(committed, 1);
  int aborted = 0;
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.on_commit([&] { ++committed; });
                 tx.on_abort([&] { ++aborted; });
                 throw boom();
               }),
               boom);
  EXPECT_EQ(committed, 1);
  // The handler runs after each aborted attempt that registered it: at
  // least on the path where the exception escaped (on real hardware the
  // registration itself is rolled back with the attempt).
  EXPECT_GE(aborted, 1);
}

TEST_P(ModeTest, RestartRunsTheBodyAgain) {
  long x = 0;
  int runs = 0;
  hytm::atomic([&](auto& tx) {
    if (++runs < 3) tx.restart();
    tx.store(x, runs);
  });
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(x, 3);
}

TEST_P(ModeTest, IrrevocableRunsOnTheSerialPath) {
  long x = 0;
  hytm::path_kind seen = hytm::path_kind::htm;
  hytm::atomic([&](auto& tx) {
    tx.irrevocable();
    seen = tx.path();
    tx.store(x, 1);
  });
  EXPECT_EQ(seen, hytm::path_kind::serial);
  EXPECT_EQ(x, 1);
}

TEST_P(ModeTest, SwallowedAbortsStillRestart) {
  // A body that catches everything: the engine must not commit a doomed
  // attempt.  Force an abort with restart() and swallow it.
  long x = 0;
  int runs = 0;
  hytm::atomic([&](auto& tx) {
    ++runs;
    try {
      if (runs == 1) tx.restart();
    } catch (...) {
    }
    tx.store(x, runs);
  });
  EXPECT_GE(runs, 2);
  EXPECT_EQ(x, runs);
}

TEST_P(ModeTest, FreedMemoryIsReclaimedAfterCommit) {
  struct node {
    long v;
    node* next;
  };
  node* head = nullptr;
  for (int i = 0; i < 100; ++i)
    hytm::atomic([&](auto& tx) {
      node* n = tx.template make<node>(node{i, tx.load(head)});
      tx.store(head, n);
    });
  long sum = 0;
  while (head)
    sum += hytm::atomic([&](auto& tx) {
      node* n = tx.load(head);
      tx.store(head, tx.load(n->next));
      const long v = tx.load(n->v);
      tx.destroy(n);
      return v;
    });
  EXPECT_EQ(sum, 99 * 100 / 2);  // ASan checks nothing leaked or was used after free
}

TEST_P(ModeTest, StatisticsCountEveryCommitOnce) {
  hytm::reset_stats();
  long x = 0;
  for (int i = 0; i < 50; ++i) hytm::atomic([&](auto& tx) { tx.store(x, tx.load(x) + 1); });
  const hytm::stats s = hytm::statistics();
  using hytm::ctr;
  const auto commits =
      s.total[ctr::htm_commits] + s.total[ctr::stm_commits] + s.total[ctr::serial_commits];
  EXPECT_EQ(commits, 50u);
  // Per-site counts add up to the totals.
  std::uint64_t site_commits = 0;
  for (const auto& site : s.sites)
    site_commits += site.counters[ctr::htm_commits] + site.counters[ctr::stm_commits] +
                    site.counters[ctr::serial_commits];
  EXPECT_EQ(site_commits, commits);
}

INSTANTIATE_TEST_SUITE_P(AllPaths, ModeTest, ::testing::ValuesIn(hytm_test::all_modes()),
                         hytm_test::mode_name);
