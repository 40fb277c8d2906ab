// The rules of docs/rules.md, each on every path and mix of paths (issue 12):
// R1 any address, R3 nested exceptions, R4 make<T> on abort, R5 handlers,
// R6 large objects.  R2 (an escaped tx) is in escape_test.cpp.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "misaligned.hpp"
#include "modes.hpp"

using hytm_test::ModeTest;

namespace {

struct boom : std::runtime_error {
  boom() : std::runtime_error("boom") {}
};
struct other : std::runtime_error {
  explicit other(const char* w) : std::runtime_error(w) {}
};

using hytm_test::load_at;
using hytm_test::plain;
using hytm_test::store_at;

#pragma pack(push, 1)
struct packed_record {
  std::uint8_t tag;
  std::uint64_t value;  // at offset 1
  std::uint16_t half;   // at offset 9
  std::uint32_t word;   // at offset 11
  std::uint8_t tail;
};
#pragma pack(pop)
static_assert(offsetof(packed_record, value) == 1);

// Counts live objects; holds heap memory that only ~tracked() returns.
struct tracked {
  static inline std::atomic<long> live{0};
  std::vector<int> payload = std::vector<int>(256, 7);
  tracked() { live.fetch_add(1); }
  tracked(const tracked&) = delete;
  ~tracked() { live.fetch_sub(1); }
};

}  // namespace

class Reliability : public ModeTest {};

// R1.  alignof(std::uint64_t) == 8 says nothing about a packed member: the
// access is split at run time, so no byte past the first word is lost.
TEST_P(Reliability, PackedMemberIsExactOnEveryPath) {
  packed_record rec{0xAA, 0, 0, 0, 0xBB};
  auto* base = reinterpret_cast<unsigned char*>(&rec);
  void* v = base + offsetof(packed_record, value);  // &rec.value, without the warning
  void* h = base + offsetof(packed_record, half);
  void* w = base + offsetof(packed_record, word);
  for (int i = 0; i < 3; ++i)
    hytm::atomic([&](auto& tx) {
      store_at<std::uint64_t>(tx, v, load_at<std::uint64_t>(tx, v) + 0x0100000000000001ull);
      store_at<std::uint16_t>(tx, h, static_cast<std::uint16_t>(load_at<std::uint16_t>(tx, h) + 0x0101));
      store_at<std::uint32_t>(tx, w, load_at<std::uint32_t>(tx, w) + 0x01000001u);
    });
  EXPECT_EQ(plain<std::uint64_t>(v), 0x0300000000000003ull);
  EXPECT_EQ(plain<std::uint16_t>(h), 0x0303);
  EXPECT_EQ(plain<std::uint32_t>(w), 0x03000003u);
  EXPECT_EQ(rec.tag, 0xAA);
  EXPECT_EQ(rec.tail, 0xBB);
}

TEST_P(Reliability, MisalignedPointerIsExactOnEveryPath) {
  alignas(16) unsigned char buf[48];
  std::memset(buf, 0x5A, sizeof buf);
  for (std::size_t off = 1; off < 8; ++off) {
    std::memset(buf, 0x5A, sizeof buf);
    void* x = buf + off;  // a misaligned long*
    std::memset(x, 0, sizeof(long));
    for (int i = 0; i < 3; ++i)
      hytm::atomic([&](auto& tx) { store_at<long>(tx, x, load_at<long>(tx, x) + 0x0100000000000001l); });
    EXPECT_EQ(plain<long>(x), 0x0300000000000003l) << "offset " << off;
    // Read back inside a transaction, and a 16-byte value across two words.
    struct pair {
      std::uint64_t a, b;
    };
    void* p = buf + 16 + off;
    hytm::atomic([&](auto& tx) {
      store_at<pair>(tx, p, pair{0x1111111111111111ull, 0x2222222222222222ull});
      pair q = load_at<pair>(tx, p);
      q.b += static_cast<std::uint64_t>(load_at<long>(tx, x));
      store_at<pair>(tx, p, q);
    });
    EXPECT_EQ(plain<std::uint64_t>(buf + 16 + off + 8), 0x2522222222222225ull) << "offset " << off;
    for (std::size_t i = 0; i < off; ++i) EXPECT_EQ(buf[i], 0x5A) << "byte " << i << " clobbered";
    EXPECT_EQ(buf[off + 8], 0x5A);
    EXPECT_EQ(buf[16 + off + 16], 0x5A);
  }
}

// The pieces of one misaligned counter are read and written as one: two
// threads lose no increment, although the counter straddles two words.
TEST_P(Reliability, MisalignedCounterLosesNoIncrement) {
  alignas(16) unsigned char buf[32] = {};
  void* c = buf + 5;
  const long n = hytm_test::scaled(20000);
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t)
    ts.emplace_back([&] {
      for (long i = 0; i < n; ++i)
        hytm::atomic([&](auto& tx) {
          store_at<std::uint64_t>(tx, c, load_at<std::uint64_t>(tx, c) + 0x0100000000000001ull);
        });
    });
  for (auto& t : ts) t.join();
  const auto k = static_cast<std::uint64_t>(2 * n);
  EXPECT_EQ(plain<std::uint64_t>(c), k * 0x0100000000000001ull);
}

// R3.  The nested transaction's writes, allocations and commit handlers go;
// the enclosing one's stay and it commits.
TEST_P(Reliability, ACaughtNestedExceptionUndoesOnlyTheNestedTransaction) {
  hytm::reset_stats();
  long x = 0, y = 0, z = 0;
  tracked* published = nullptr;
  int inner_commits = 0, outer_commits = 0;
  std::atomic<int> inner_aborts{0};
  const long before = tracked::live.load();
  hytm::atomic([&](auto& tx) {
    tx.store(x, 1);
    tx.on_commit([&] { ++outer_commits; });
    try {
      hytm::atomic([&](auto& in) {
        in.store(x, 2);
        in.store(y, 5);
        in.store(published, in.template make<tracked>());
        in.on_commit([&] { ++inner_commits; });
        in.on_abort([&] { inner_aborts.fetch_add(1); });
        throw boom();
      });
    } catch (const boom&) {
    }
    // Two levels: the innermost throws, the middle one catches and commits.
    hytm::atomic([&](auto& mid) {
      mid.store(z, mid.load(x) + 10);
      try {
        hytm::atomic([&](auto& in) {
          in.store(z, 99);
          throw boom();
        });
      } catch (const boom&) {
      }
      mid.store(y, mid.load(y) + 1);
    });
  });
  EXPECT_EQ(x, 1);
  EXPECT_EQ(y, 1);
  EXPECT_EQ(z, 11);
  EXPECT_EQ(published, nullptr);
  EXPECT_EQ(tracked::live.load(), before);
  EXPECT_EQ(inner_commits, 0);
  EXPECT_EQ(outer_commits, 1);
  EXPECT_GE(inner_aborts.load(), 1);
  const hytm_test::mode_case& m = GetParam();
  if ((m.mode.htm != hytm::htm_mode::off || m.mode.stm != hytm::stm_algorithm::off) &&
      !m.mode.solo) {
    // Speculative paths re-run the transaction serially, under its own reason
    // (solo mode ran it serially from the start).
    EXPECT_GE(hytm::statistics().total[hytm::ctr::fb_exception], 1u);
  }
}

TEST_P(Reliability, ANestedExceptionNobodyCatchesRollsEverythingBack) {
  long x = 0;
  std::vector<long> many(40, 0);
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.store(x, 1);
                 hytm::atomic([&](auto& in) {
                   for (auto& m : many) in.store(m, 3);
                   throw boom();
                 });
               }),
               boom);
  EXPECT_EQ(x, 0);
  for (long m : many) EXPECT_EQ(m, 0);
}

// R4.  ~T() runs for every object made in an attempt that aborted.
TEST_P(Reliability, MadeObjectsAreDestroyedWhenTheAttemptAborts) {
  const long before = tracked::live.load();
  tracked* p = nullptr;
  int runs = 0;
  hytm::atomic([&](auto& tx) {
    tracked* t = tx.template make<tracked>();
    tx.store(p, t);
    if (++runs < 1000) tx.restart();
  });
  EXPECT_EQ(tracked::live.load(), before + 1);
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.template make<tracked>();
                 throw boom();
               }),
               boom);
  EXPECT_EQ(tracked::live.load(), before + 1);
  hytm::atomic([&](auto& tx) { tx.destroy(tx.load(p)); });
  EXPECT_EQ(tracked::live.load(), before);  // LeakSanitizer checks the vectors at exit
}

// R5.  Every commit handler runs; the first exception leaves atomic() after
// the commit.
TEST_P(Reliability, EveryCommitHandlerRunsAndTheFirstExceptionPropagates) {
  long x = 0;
  int ran = 0;
  try {
    hytm::atomic([&](auto& tx) {
      tx.store(x, 5);
      tx.on_commit([&] { ++ran; });
      tx.on_commit([&] {
        ++ran;
        throw other("first");
      });
      tx.on_commit([&] {
        ++ran;
        throw other("second");
      });
      tx.on_commit([&] { ++ran; });
    });
    ADD_FAILURE() << "no exception";
  } catch (const other& e) {
    EXPECT_STREQ(e.what(), "first");
  }
  EXPECT_EQ(ran, 4);
  EXPECT_EQ(x, 5);  // committed
  EXPECT_FALSE(hytm::in_transaction());
  hytm::atomic([&](auto& tx) { tx.store(x, tx.load(x) + 1); });  // the thread goes on
  EXPECT_EQ(x, 6);
}

// R5.  Every abort handler runs; the first exception ends the transaction
// (rolled back, not re-run), without std::terminate.
TEST_P(Reliability, AThrowingAbortHandlerEndsTheTransaction) {
  long x = 0;
  int runs = 0, ran = 0;
  try {
    hytm::atomic([&](auto& tx) {
      ++runs;
      tx.store(x, 7);
      tx.on_abort([&] { throw other("handler"); });
      tx.on_abort([&] { ++ran; });
      tx.restart();
    });
    ADD_FAILURE() << "no exception";
  } catch (const other& e) {
    EXPECT_STREQ(e.what(), "handler");
  }
  EXPECT_EQ(x, 0);
  EXPECT_GE(ran, 1);
  EXPECT_GE(runs, 1);
  // The body's own exception wins over a handler's.
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.store(x, 8);
                 tx.on_abort([&] { throw other("handler"); });
                 throw boom();
               }),
               boom);
  EXPECT_EQ(x, 0);
  hytm::atomic([&](auto& tx) { tx.store(x, 1); });
  EXPECT_EQ(x, 1);
}

// R5.  An abort handler may run a transaction of its own; the aborted
// transaction's retries and commit are still counted under its own site, not
// under the handler's (each transaction's site is the thread's current one
// while it runs, so the handler's must not outlive the handler).
TEST_P(Reliability, AHandlersTransactionDoesNotTakeOverTheSite) {
  hytm::reset_stats();
  long x = 0, y = 0;
  // Set by the handler, so that attempts that abort before registering it
  // (an unlogged attempt at its store, a small model's capacity) try again.
  bool handled = false;
  hytm::atomic(hytm::site("reliability.outer"), [&](auto& tx) {
    tx.store(x, tx.load(x) + 1);
    if (!handled) {
      tx.on_abort([&] {
        handled = true;
        hytm::atomic(hytm::site("reliability.handler"), [&](auto& in) { in.store(y, 1); });
      });
      tx.restart();
    }
  });
  EXPECT_EQ(x, 1);
  EXPECT_EQ(y, 1);
  const auto commits = [](const hytm::site_stats& s) {
    return s.counters[hytm::ctr::htm_commits] + s.counters[hytm::ctr::stm_commits] +
           s.counters[hytm::ctr::serial_commits];
  };
  std::uint64_t outer = ~0ull, handler = ~0ull;
  for (const auto& s : hytm::statistics().sites) {
    if (s.name == "reliability.outer") outer = commits(s);
    if (s.name == "reliability.handler") handler = commits(s);
  }
  EXPECT_EQ(outer, 1u);
  EXPECT_EQ(handler, 1u);
}

// R6.  Objects of any size, without a copy on the stack (tx.load of a
// 4 MiB object is refused at compile time: tests/conformance/compile_fail).
TEST_P(Reliability, LargeObjectsCopyPieceByPiece) {
  struct big {
    unsigned char b[4 << 20];
  };
  auto src = std::make_unique<big>();
  auto shared = std::make_unique<big>();
  auto back = std::make_unique<big>();
  for (std::size_t i = 0; i < sizeof(big); ++i) src->b[i] = static_cast<unsigned char>(i * 7);
  std::memset(shared.get(), 0, sizeof(big));
  hytm::atomic([&](auto& tx) { tx.store_from(*shared, *src); });
  EXPECT_EQ(std::memcmp(shared.get(), src.get(), sizeof(big)), 0);
  hytm::atomic([&](auto& tx) { tx.load_into(*back, *shared); });
  EXPECT_EQ(std::memcmp(back.get(), src.get(), sizeof(big)), 0);
  // Raw bytes at an odd address, read back in the same transaction; and
  // rolled back by an exception.
  EXPECT_THROW(hytm::atomic([&](auto& tx) {
                 tx.write(shared->b + 3, src->b + 100, 1000);
                 unsigned char check[1000];
                 tx.read(check, shared->b + 3, sizeof check);
                 if (std::memcmp(check, src->b + 100, sizeof check) == 0) throw boom();
               }),
               boom);
  EXPECT_EQ(std::memcmp(shared.get(), src.get(), sizeof(big)), 0);
}

INSTANTIATE_TEST_SUITE_P(AllPaths, Reliability, ::testing::ValuesIn(hytm_test::all_modes()),
                         hytm_test::mode_name);
