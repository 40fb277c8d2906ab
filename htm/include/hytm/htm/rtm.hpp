// rtm.hpp: the RTM instructions, each behind a small wrapper.
//
// Only these wrappers carry __attribute__((target("rtm"))); the rest of the
// engine is compiled for the baseline ISA and calls them only after the
// dispatcher has decided RTM may run (CPUID, or HYTM_HTM=force for testing).
// Executing any of them on a CPU without RTM raises SIGILL.
//
// begin() is a real function, not inlined: when a transaction aborts, the
// CPU restores the registers of the xbegin point and rolls back every store
// made since, including the stack frames pushed after begin() returned, so
// execution resumes inside begin() with its frame intact and begin() returns
// the status to its caller a second time.  (That is also what lets the C
// API's block form start a transaction in a library function.)
//
// Built with HYTM_NO_RTM (the TSan preset), the instructions are compiled
// out: begin() reports that nothing can start and the others are never
// reached.
#pragma once

#include <cstdint>

#include "hytm/core/platform.hpp"
#include "hytm/htm/abort_status.hpp"

namespace hytm::htm {

#if defined(HYTM_NO_RTM) || !(defined(__x86_64__) || defined(__i386__))
inline constexpr bool rtm_compiled_in = false;
#else
inline constexpr bool rtm_compiled_in = true;
#endif

// xbegin: started on success, else the abort status.
HYTM_API unsigned begin() noexcept;
// xend.  Outside a transaction it faults (#GP): call it only after begin().
HYTM_API void end() noexcept;
// xtest: inside a hardware transaction?
HYTM_API bool test() noexcept;

// xabort with an immediate code.  Outside a transaction it does nothing.
template <abort_code C>
[[gnu::noinline]]
#if !defined(HYTM_NO_RTM) && (defined(__x86_64__) || defined(__i386__))
[[gnu::target("rtm")]]
#endif
void abort() noexcept {
#if !defined(HYTM_NO_RTM) && (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_xabort(static_cast<unsigned char>(C));
#endif
}

}  // namespace hytm::htm
