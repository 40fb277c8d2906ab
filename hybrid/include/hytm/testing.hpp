// testing.hpp: switches for hytm's own tests.  Not for production code.
//
// Each call changes engine-wide settings and must be made while no
// transaction runs on any thread.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "hytm/core/platform.hpp"
#include "hytm/htm/emulator.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm::testing {

// Every configuration a conformance test runs under.
struct mode {
  htm_mode htm;
  stm_algorithm stm;
  std::uint32_t htm_retries = 8;
  std::uint32_t stm_retries = 64;
  read_only_mode read_only = read_only_mode::learn;
  // One-thread mode (hybrid/solo.hpp): off unless a mode asks for it, so
  // that a test that names its paths gets them on one thread too.  It runs
  // only where htm is off or rtm (as HYTM_HTM=auto gives) and stm is not off.
  bool solo = false;
  // The cost rule (docs/policy.md, "By measured cost"): off unless a mode
  // asks for it, for the same reason.  It runs in any hardware mode here
  // (the policy tests script it), where HYTM_POLICY=cost runs it with
  // HYTM_HTM=auto only.
  bool cost = false;
  // Sampled attribution of hardware aborts (docs/conflicts.md, "Sampled
  // findings"): on, as in every run; a test that counts hardware attempts
  // exactly turns it off, since a sample replaces hardware retries.
  bool sample = true;
};
HYTM_API void set_mode(const mode& m);
HYTM_API mode current_mode();

// Scripted hardware path: each xbegin takes the next status from the
// script (htm::started runs the body, unprotected, on this thread); when the
// script is empty, xbegin returns status 0 ("other").
HYTM_API void script_htm(std::initializer_list<unsigned> statuses);
// The same with `count` copies of one status (examples/costs: a scripted
// hardware path that starts every time).
HYTM_API void script_htm_repeat(unsigned status, std::size_t count);
HYTM_API std::size_t script_left();

// The RTM model's geometry for htm_mode::emulated (set_mode installs the
// model with the last geometry given here, or the environment's).
HYTM_API void set_emulator(const htm::emulator_config& c);
// Breaks the hybrid protocol on purpose, to show the model catches it.
HYTM_API void set_flaw(protocol_flaw f);

// Forgets what the adaptive policy learnt about every call site on the
// calling thread (so that one test's aborts do not steer the next).
HYTM_API void forget_site_policy();

// The cost rule's clock, for deterministic tests: with a function set, a
// timed attempt on path p lasts clock(p, committed) ticks for the rule (the
// statistics keep the real time), a backoff pause lasts nothing, and every
// transaction is timed.  Null restores the time stamp counter.
using attempt_clock = std::uint64_t (*)(path_kind p, bool committed);
HYTM_API void set_attempt_clock(attempt_clock clock);

// Sends one transaction in `one_in` (0: none) straight to the software path
// at its first attempt, so that hardware and software commits overlap
// (the conformance mode rtm_mixed).  Defined in policy.cpp.
HYTM_API void set_software_share(std::uint32_t one_in);

// Restores the configuration the environment gave at start-up.
HYTM_API void restore_environment_mode();

}  // namespace hytm::testing
