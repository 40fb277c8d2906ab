// signal_test: transactions and signal handlers (docs/lifetime.md).
//
// The rule: a signal handler may run a transaction when it interrupts no
// transaction of its thread; one that interrupted a transaction stops the
// program with a message (it could neither join the interrupted one, which
// may abort and lose the handler's writes, nor wait for it).  Nested
// atomic() calls in a body, and transactions in on_commit/on_abort
// handlers, go on working: they are not in a signal handler.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using hytm::htm_mode;
using hytm::stm_algorithm;

struct path_case {
  const char* name;
  hytm::testing::mode mode;
};

std::vector<path_case> paths() {
  return {{"stm", {htm_mode::off, stm_algorithm::norec}},
          {"serial", {htm_mode::off, stm_algorithm::off}},
          {"emulated", {htm_mode::emulated, stm_algorithm::norec}},
          {"environment", hytm::testing::current_mode()}};
}

long g_x = 0;
long g_in_handler = 0;

void tx_handler(int) {
  hytm::atomic([&](auto& tx) { tx.store(g_in_handler, tx.load(g_in_handler) + 1); });
}

void install(int sig, bool alt_stack = false) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = tx_handler;
  sa.sa_flags = alt_stack ? SA_ONSTACK : 0;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(sig, &sa, nullptr), 0);
}

class Signals : public ::testing::TestWithParam<path_case> {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    hytm::testing::set_mode(GetParam().mode);
  }
  void TearDown() override {
    std::signal(SIGUSR1, SIG_DFL);
    hytm::testing::restore_environment_mode();
  }
};

// Interrupts the body: raise() is a system call, so a hardware attempt
// aborts and the body re-runs on a path where the signal gets through.
void raise_inside_body() {
  hytm::atomic([&](auto& tx) {
    tx.store(g_x, tx.load(g_x) + 1);
    std::raise(SIGUSR1);
    tx.store(g_x, tx.load(g_x) + 1);
  });
}

constexpr const char* kMessage =
    "hytm::atomic\\(\\) in a signal handler that interrupted a transaction of the same thread";

// A transaction is not async-signal-safe (a thread's first one, and a
// site's, allocate): run the handler's once outside the handler first, as a
// program whose handler runs one must (docs/lifetime.md).
TEST_P(Signals, HandlerOutsideTransactionsRunsItsOwn) {
#if defined(__SANITIZE_THREAD__)
  // The RTM model allocates in every transaction; ThreadSanitizer reports
  // that as a signal-unsafe call (raise() is synchronous, so it is safe here).
  if (hytm::testing::current_mode().htm == htm_mode::emulated)
    GTEST_SKIP() << "the RTM model allocates in every transaction";
#endif
  tx_handler(0);
  install(SIGUSR1);
  const long before = g_in_handler;
  std::raise(SIGUSR1);
  EXPECT_EQ(g_in_handler, before + 1);
}

TEST_P(Signals, HandlerThatInterruptsATransactionStops) {
  install(SIGUSR1);
  EXPECT_DEATH(raise_inside_body(), kMessage);
}

TEST_P(Signals, HandlerOnAnAlternateStackStops) {
  install(SIGUSR1, /*alt_stack=*/true);
  EXPECT_DEATH(
      {
        std::vector<char> stack(1 << 16);
        stack_t ss{};
        ss.ss_sp = stack.data();
        ss.ss_size = stack.size();
        sigaltstack(&ss, nullptr);
        raise_inside_body();
      },
      kMessage);
}

// A handler that interrupts the engine between attempts (depth 0, but the
// transaction not over): an abort handler raises the signal.
TEST_P(Signals, HandlerBetweenAttemptsStops) {
  install(SIGUSR1);
  EXPECT_DEATH(
      {
        int attempts = 0;
        hytm::atomic([&](auto& tx) {
          tx.store(g_x, tx.load(g_x) + 1);
          if (attempts++ == 0) {
            tx.on_abort([] { std::raise(SIGUSR1); });
            tx.restart();
          }
        });
        // The hardware path rolls the registration back with the attempt:
        // interrupt the next transaction's body instead.
        raise_inside_body();
      },
      kMessage);
}

TEST_P(Signals, NestedCallsStillJoin) {
  const long before = g_x;
  hytm::atomic([&](auto& tx) {
    tx.store(g_x, tx.load(g_x) + 1);
    hytm::atomic([&](auto& inner) {
      inner.store(g_x, inner.load(g_x) + 10);
      EXPECT_TRUE(hytm::in_transaction());
    });
    EXPECT_EQ(tx.load(g_x), before + 11);  // the inner write is the outer's
  });
  EXPECT_EQ(g_x, before + 11);
}

// Deeper than detail::min_signal_frame: the nested call walks the stack,
// finds no signal frame, and joins.
[[gnu::noinline]] long deep(int levels, auto& tx) {
  volatile char pad[512];
  pad[0] = static_cast<char>(levels);
  if (levels > 0) return deep(levels - 1, tx) + pad[0] - levels;
  return hytm::atomic([&](auto& inner) {
    inner.store(g_x, inner.load(g_x) + 1);
    return inner.load(g_x);
  });
}

TEST_P(Signals, DeeplyNestedCallsStillJoin) {
  const long before = g_x;
  const long seen = hytm::atomic([&](auto& tx) { return deep(8, tx); });
  EXPECT_EQ(seen, before + 1);
  EXPECT_EQ(g_x, before + 1);
}

TEST_P(Signals, TransactionsInCommitHandlersStillRun) {
  const long before = g_x;
  hytm::atomic([&](auto& tx) {
    tx.store(g_x, tx.load(g_x) + 1);
    tx.on_commit([] { hytm::atomic([&](auto& t2) { t2.store(g_x, t2.load(g_x) + 1); }); });
  });
  EXPECT_EQ(g_x, before + 2);
}

INSTANTIATE_TEST_SUITE_P(Paths, Signals, ::testing::ValuesIn(paths()),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
