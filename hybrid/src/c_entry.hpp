// What the C interface's entry (c_api.cpp) learns from the configuration.
#pragma once

#include <cstdint>

namespace hytm::detail {

// Whether HYTM_BEGIN's frameless cases (c_api.cpp, top_entry) can apply in
// this configuration at all: solo mode, or HYTM_HTM=off without the
// adaptive rules.  Where they cannot (the hardware path without solo mode,
// an RTM CPU's usual case with several threads, or the cost rule alone) the
// entry goes straight to the whole one after one test of this byte, instead
// of failing top_entry's tests first.  A hint only: top_entry tests the
// configuration itself, so a stale true costs those tests and a stale false
// only the fast cases; it starts true.  Library-internal (not exported), so
// the test is one RIP-relative compare.
extern std::uint8_t g_c_quick;
// Sets g_c_quick from g_config: after every change of it (config.cpp's
// configure_from_environment, testing.cpp's set_mode).
void c_configured() noexcept;

}  // namespace hytm::detail
