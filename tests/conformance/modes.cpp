#include "modes.hpp"

#include "../rtm/rtm_support.hpp"

#include <cstdlib>
#include <cstring>

namespace hytm_test {

std::vector<mode_case> all_modes() {
  using hytm::htm_mode;
  using hytm::stm_algorithm;
  const hytm::testing::mode env = hytm::testing::current_mode();
  // A model small enough that many transactions overflow it and run in
  // software while others commit in (emulated) hardware.
  hytm::htm::emulator_config small;
  small.l1_size = 1024;
  small.l1_ways = 2;
  small.read_lines = 24;
  hytm::testing::set_emulator(small);
#ifdef HYTM_TEST_RTM_MODES
  return {
      {"rtm", {htm_mode::rtm, stm_algorithm::norec, 8, 64}, 10},
      {"rtm_mixed", {htm_mode::rtm, stm_algorithm::norec, 8, 64}, 10},
  };
#endif
  return {
      {"serial", {htm_mode::off, stm_algorithm::off, 8, 64}, 0},
      {"stm", {htm_mode::off, stm_algorithm::norec, 8, 64}, 0},
      // Every transaction's first software attempt unlogged (docs/stm.md).
      {"stm_unlogged", {htm_mode::off, stm_algorithm::norec, 8, 64, hytm::read_only_mode::always}, 0},
      {"stm_serial_mix", {htm_mode::off, stm_algorithm::norec, 8, 1}, 50},
      {"emulated_small", {htm_mode::emulated, stm_algorithm::norec, 8, 64}, 10},
      // The orec algorithm (HYTM_STM=orec, docs/stm.md): alone, with serial
      // transactions beside it, and beside hardware commits on the model.
      {"stm_orec", {htm_mode::off, stm_algorithm::orec, 8, 64}, 0},
      {"stm_orec_serial_mix", {htm_mode::off, stm_algorithm::orec, 8, 1}, 50},
      {"emulated_orec", {htm_mode::emulated, stm_algorithm::orec, 8, 64}, 10},
      // One thread alone runs serially, threads together the normal way
      // (hybrid/solo.hpp): auto mode on a machine without RTM, solo on.
      {"solo", {htm_mode::off, stm_algorithm::norec, 8, 64, hytm::read_only_mode::learn, true}, 10},
      {"environment", env, 20},
  };
}

bool needs_real_rtm(const mode_case& m) { return m.name == "rtm" || m.name == "rtm_mixed"; }

bool skip_without_rtm(const mode_case& m) { return needs_real_rtm(m) && !usable_rtm(); }

long scaled(long n) {
  long s = HYTM_STRESS_SCALE;
  // Under valgrind threads run one at a time and every instruction is slow.
  if (const char* v = std::getenv("HYTM_TEST_SLOW")) s *= std::atol(v) > 0 ? std::atol(v) : 1;
  const long r = n / s;
  return r > 0 ? r : 1;
}

std::string mode_name(const ::testing::TestParamInfo<mode_case>& info) { return info.param.name; }

}  // namespace hytm_test
