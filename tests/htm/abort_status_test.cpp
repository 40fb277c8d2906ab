#include <gtest/gtest.h>
#include <hytm/htm/abort_status.hpp>
#include <hytm/htm/cpuid.hpp>

using namespace hytm::htm;

TEST(AbortStatus, PrecedenceGivesOneCause) {
  EXPECT_EQ(abort_status{0x06}.cause(), abort_cause::conflict);
  EXPECT_TRUE(abort_status{0x06}.retry_hint());
  EXPECT_EQ(abort_status{0x08}.cause(), abort_cause::capacity);
  EXPECT_FALSE(abort_status{0x08}.retry_hint());
  EXPECT_EQ(abort_status{0x0c}.cause(), abort_cause::capacity);
  EXPECT_EQ(abort_status{0x10}.cause(), abort_cause::debug);
  EXPECT_EQ(abort_status{0x20}.cause(), abort_cause::nested);
  EXPECT_EQ(abort_status{0x24}.cause(), abort_cause::conflict);
  EXPECT_EQ(abort_status{0}.cause(), abort_cause::other);
  EXPECT_EQ(abort_status{0x02}.cause(), abort_cause::other);
  const abort_status e{0xf1000009u};
  EXPECT_EQ(e.cause(), abort_cause::explicit_abort);
  EXPECT_EQ(e.code(), 0xf1);
  EXPECT_TRUE(e.is(abort_code::stm_writer));
  EXPECT_EQ(abort_status::explicit_with(abort_code::restart).code(), 0xf4);
}

TEST(AbortStatus, Names) {
  EXPECT_EQ(name(abort_cause::explicit_abort), "explicit");
  EXPECT_EQ(name(abort_cause::other), "other");
}

TEST(Cpuid, DecodesLeaf7) {
  EXPECT_TRUE(decode_cpuid_leaf7(1u << 11, 0).usable_rtm());
  EXPECT_FALSE(decode_cpuid_leaf7(0, 0).usable_rtm());
  const auto always_abort = decode_cpuid_leaf7(1u << 11, 1u << 11);
  EXPECT_TRUE(always_abort.rtm);
  EXPECT_FALSE(always_abort.usable_rtm()) << "RTM_ALWAYS_ABORT counts as no RTM";
  EXPECT_TRUE(decode_cpuid_leaf7(1u << 4, 1u << 13).hle);
  EXPECT_TRUE(decode_cpuid_leaf7(0, 1u << 13).tsx_force_abort);
}
