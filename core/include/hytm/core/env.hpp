// env.hpp: validated configuration from environment variables.
//
// A bad value is a user error that must not be guessed around: it prints the
// variable, the value and what is allowed, and ends the process with exit
// status 2 before any transaction runs.  Every variable is checked at start,
// also those that the configuration makes unused (HYTM_EMU_* without
// HYTM_HTM=emulate), so that a typo never waits for the day it matters.
//
// A variable whose name is a near miss of one the engine reads (HYTM_STAT,
// hytm_htm, HYTM_EMU_LI: at most two letters off, or differing in case only)
// is ignored, as any other, but warned about on stderr.  Other HYTM_* names
// pass silently: the project's tools and tests have variables of their own
// (HYTM_TEST_SLOW, HYTM_MICRO_PATH).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace hytm::env {

// The value of `name`, which must be one of `allowed`; `fallback` if unset or
// empty.  Returns the index into `allowed`.
std::size_t choice(const char* name, std::initializer_list<std::string_view> allowed,
                   std::size_t fallback);

// An unsigned integer in [lo, hi]; `fallback` if unset or empty.
std::uint64_t integer(const char* name, std::uint64_t lo, std::uint64_t hi,
                      std::uint64_t fallback);

// The raw value, or "" if unset.
std::string raw(const char* name);

// Warns, once per name, about every environment variable that is a near miss
// of a name in `known` (see above).
void warn_unknown(std::span<const std::string_view> known);

// Prints "hytm: NAME=VALUE is not valid: WHY" and exits with status 2.
[[noreturn]] void reject(const char* name, std::string_view value, std::string_view why);

}  // namespace hytm::env
