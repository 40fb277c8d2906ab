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
// transactions run at the same time); and whatever the environment chose
// (auto, or HYTM_HTM=force under valgrind).
std::vector<mode_case> all_modes();

// Scales a stress loop count to the build (sanitizers and valgrind are slow).
long scaled(long n);

class ModeTest : public ::testing::TestWithParam<mode_case> {
 protected:
  void SetUp() override { hytm::testing::set_mode(GetParam().mode); }
  void TearDown() override { hytm::testing::restore_environment_mode(); }
};

std::string mode_name(const ::testing::TestParamInfo<mode_case>& info);

}  // namespace hytm_test
