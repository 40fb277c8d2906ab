// R2 (docs/rules.md): a tx that escapes its transaction is refused with a
// message, on every path, for loads, stores and every other operation,
// whether it is used between transactions or inside the thread's next one.
#include <gtest/gtest.h>
#include <hytm/hytm.hpp>

#include <functional>

#include "modes.hpp"

namespace {

class EscapedTx : public hytm_test::ModeTest {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    ModeTest::SetUp();
  }
};

constexpr const char* message = "escaped its transaction body";

long x = 0;
std::function<void()> later;

// Keeps the tx past the body: the misuse the rule refuses.
template <class Op>
void escape(Op op) {
  hytm::atomic([&](auto& tx) {
    later = [&tx, op] { op(tx); };
  });
}

}  // namespace

TEST_P(EscapedTx, StoreAfterTheTransactionIsRefused) {
  EXPECT_DEATH(
      {
        escape([](auto& tx) { tx.store(x, 1); });
        later();
      },
      message);
}

TEST_P(EscapedTx, StoreInTheNextTransactionIsRefused) {
  // The case: without the check, the thread's next, unrelated
  // transaction would commit the stray store.
  EXPECT_DEATH(
      {
        escape([](auto& tx) { tx.store(x, 1); });
        hytm::atomic([&](auto& tx) {
          tx.store(x, tx.load(x) + 0);
          later();
        });
      },
      message);
}

TEST_P(EscapedTx, LoadInTheNextTransactionIsRefused) {
  // The software path's fast load makes no generation check of its own: a
  // stale tx's snapshot copy is poisoned when its attempt ends, so the
  // load misses even inside a new attempt whose snapshot is current.
  EXPECT_DEATH(
      {
        escape([](auto& tx) { (void)tx.load(x); });
        hytm::atomic([&](auto& tx) {
          (void)tx.load(x);
          later();
        });
      },
      message);
}

TEST_P(EscapedTx, LoadAndOtherOperationsAreRefused) {
  EXPECT_DEATH(
      {
        escape([](auto& tx) { (void)tx.load(x); });
        later();
      },
      message);
  EXPECT_DEATH(
      {
        escape([](auto& tx) { tx.on_commit([] {}); });
        hytm::atomic([&](auto&) { later(); });
      },
      message);
  EXPECT_DEATH(
      {
        escape([](auto& tx) { (void)tx.template make<long>(1); });
        later();
      },
      message);
}

TEST_P(EscapedTx, ATxUsedInsideItsOwnTransactionIsFine) {
  // Nested transactions share the tx: a reference kept from a nested body
  // is still good while the enclosing transaction runs.
  long y = 0;
  hytm::atomic([&](auto& tx) {
    std::function<void()> f;
    hytm::atomic([&](auto& inner) { f = [&inner, &y] { inner.store(y, 3L); }; });
    f();
    tx.store(y, tx.load(y) + 1);
  });
  EXPECT_EQ(y, 4);
}

INSTANTIATE_TEST_SUITE_P(AllPaths, EscapedTx, ::testing::ValuesIn(hytm_test::all_modes()),
                         hytm_test::mode_name);
