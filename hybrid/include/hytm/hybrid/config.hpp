// config.hpp: what the engine was told to do, read once at start-up from the
// environment (validated: see core/env.hpp) and, in tests only, changed
// through hytm/testing.hpp while no transaction runs.
//
//   HYTM_HTM=auto|off|force|emulate  hardware path: by CPUID / never / always
//                                  (force: for valgrind, where xbegin aborts) /
//                                  on the RTM model (htm/emulator.hpp)
//   HYTM_EMU_L1=SIZE:WAYS          the model's L1 (default: hwloc's, else 32K:8);
//                                  SIZE with K or M, at most 1M
//   HYTM_EMU_READ_LINES=N          the model's read-set bound in lines (default 8 x L1 lines)
//   HYTM_EMU_INTERRUPT=N           mean accesses between modelled interrupts (0: none)
//   HYTM_EMU_SEED=N                the model's random seed
//   HYTM_HTM_RETRIES=N             hardware attempts per transaction (0-1000)
//   HYTM_STM=norec|orec|off        software path algorithm (docs/stm.md), or none
//   HYTM_STM_RETRIES=N             software aborts before serial (0-1000000)
//   HYTM_STM_READ_ONLY=learn|off|always  unlogged read-only software attempts:
//                                  at sites learned to be read-only / never /
//                                  first attempt of every transaction (tests)
//   HYTM_STATS=off|text|json|json:PATH   statistics at exit (PATH opened at start)
//   HYTM_SOLO=auto|off             one thread alone runs serially (solo.hpp),
//                                  with HYTM_HTM=auto only / never
//   HYTM_POLICY=cost|rules         each site starts on the path of least measured
//                                  cost, with HYTM_HTM=auto only / the fixed rules
// Every value is checked at start, used or not (core/env.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "hytm/core/platform.hpp"

namespace hytm {

enum class htm_mode : std::uint8_t {
  off,       // no hardware attempts
  rtm,       // real RTM, chosen by CPUID
  forced,    // real RTM instructions without the CPUID check
  scripted,  // tests: xbegin's statuses come from a script (hytm/testing.hpp)
  emulated,  // the RTM model (htm/emulator.hpp)
};

enum class stm_algorithm : std::uint8_t { off, norec, orec };

// Which software attempts run unlogged (docs/stm.md).
enum class read_only_mode : std::uint8_t { learn, off, always };

// How a software attempt runs (read_only.hpp, start_kind()).  never_unlogged
// is a value of g_config.first_software only (NOrec with HYTM_STM_READ_ONLY
// =off: every attempt logged, even at a site learnt read-only before a test
// switched the mode), so that `logged` there means NOrec, mode learn, and
// start_kind() tests one byte for the mode and the algorithm.
enum class software_start : std::uint8_t { logged, unlogged, orec, never_unlogged };

struct engine_config {
  htm_mode htm = htm_mode::off;
  stm_algorithm stm = stm_algorithm::norec;
  // Sampled attribution of hardware aborts (profiler/sampling.cpp): on,
  // except in tests that count hardware retries exactly (testing::mode).
  // In the padding before htm_retries, as is first_software.
  bool sample = true;
  // How a transaction's first software attempt runs at a site not learnt
  // read-only, from stm and read_only (derive()): one byte, so that the
  // software path's start tests one compare for the default (logged NOrec).
  software_start first_software = software_start::logged;
  std::uint32_t htm_retries = 8;
  std::uint32_t stm_retries = 64;
  read_only_mode read_only = read_only_mode::learn;
  // One-thread mode (solo.hpp): HYTM_SOLO=auto with HYTM_HTM=auto.
  bool solo = false;
  // Each site starts on the path of least measured cost (policy.cpp,
  // cost_decide): HYTM_POLICY=cost with HYTM_HTM=auto.  In the padding after
  // solo: the struct's size and every other member's offset stay.
  bool cost = false;
  // solo || cost: first() tests this one byte where it tested solo, so that
  // a configuration with neither pays nothing for either.
  bool adaptive = false;
  void derive() noexcept {
    first_software = stm == stm_algorithm::orec            ? software_start::orec
                     : read_only == read_only_mode::always ? software_start::unlogged
                     : read_only == read_only_mode::off    ? software_start::never_unlogged
                                                           : software_start::logged;
  }
  // Hardware transactions may run, so software ones must announce
  // themselves ((H1) in docs/protocol.md).
  bool hardware_possible() const noexcept { return htm != htm_mode::off; }
  // A test mode runs the hardware path (scripted or on the model): one
  // compare on the hardware fast path, for both (the enum puts them last).
  bool htm_modelled() const noexcept { return htm >= htm_mode::scripted; }
};
static_assert(htm_mode::scripted > htm_mode::forced && htm_mode::emulated > htm_mode::scripted);
static_assert(sizeof(engine_config) == 16, "programs hold a copy-relocated g_config of this size");

// Written before main() (or by the testing API when quiescent), read
// everywhere without synchronization.
extern HYTM_API engine_config g_config;

// Names for statistics and messages.
HYTM_API const char* name(htm_mode m) noexcept;
HYTM_API const char* name(stm_algorithm a) noexcept;

// Test-only flaws in the hybrid protocol, which the RTM model must catch
// (tests/htm/model_catches_flaws_test.cpp).  Only the emulated path obeys.
enum class protocol_flaw : std::uint8_t {
  none,
  no_announce,        // a hardware commit skips (H3): software never hears of it
  late_subscription,  // subscribe to the serial and sequence locks only at commit
};
extern HYTM_API protocol_flaw g_flaw;

namespace detail {
// Reads the environment; exits with a message on a bad value.  Runs from a
// constructor in libhytm.so, before main().
void configure_from_environment();
}  // namespace detail

}  // namespace hytm
