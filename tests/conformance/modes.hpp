// modes.hpp: every configuration a conformance test must pass.
#pragma once

#include <gtest/gtest.h>
#include <hytm/testing.hpp>

#include <string>
#include <vector>

namespace hytm_test {

struct mode_case {
  std::string name;
  hytm::testing::mode mode;
  // Fraction (per mille) of transactions that call tx.irrevocable(), to mix
  // serial transactions into the others.
  int irrevocable_per_mille = 0;
};

// serial only; software only; software with frequent escalation to serial
// (starvation budget 0 and irrevocable calls: software and serial
// transactions run at the same time); the one-thread mode (solo: serial
// while one thread runs, software once several do); and whatever the
// environment chose (auto, or HYTM_HTM=force under valgrind; the tests run
// with HYTM_SOLO=off, tests/CMakeLists.txt).
std::vector<mode_case> all_modes();

// Scales a stress loop count to the build (sanitizers and valgrind are slow).
long scaled(long n);

// Modes on real RTM (issue 10), built into the executables labelled `rtm`
// (HYTM_TEST_RTM_MODES): "rtm" is auto on real RTM; "rtm_mixed" also sends
// every software_share-th transaction to software, so that hardware and
// software commits overlap.  Both skip where RTM does not commit.
inline constexpr std::uint32_t rtm_mixed_software_share = 4;
bool needs_real_rtm(const mode_case& m);
// Skips the test where the mode needs real RTM and this CPU has none.
bool skip_without_rtm(const mode_case& m);

class ModeTest : public ::testing::TestWithParam<mode_case> {
 protected:
  void SetUp() override {
    if (skip_without_rtm(GetParam())) GTEST_SKIP() << "no usable RTM on this CPU";
    hytm::testing::set_mode(GetParam().mode);
    if (GetParam().name == "rtm_mixed")
      hytm::testing::set_software_share(rtm_mixed_software_share);
  }
  void TearDown() override {
    hytm::testing::set_software_share(0);
    hytm::testing::restore_environment_mode();
  }
};

std::string mode_name(const ::testing::TestParamInfo<mode_case>& info);

}  // namespace hytm_test
