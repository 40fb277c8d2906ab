// rtm.hpp: the RTM instructions, always inline.
//
// A hardware region must never leave the code of the function that runs it
// (DESIGN rule 6): a call to a function of a shared library goes through
// the PLT, and with lazy binding the first such call runs the dynamic
// linker's resolver, which aborts the transaction and whose GOT update is
// rolled back with it, so the slot is never bound and the abort repeats
// forever.  So the instructions are written here as inline asm, by their
// bytes, and inlined into every caller: no function call, no
// target("rtm") attribute (the assembler never sees a mnemonic it might
// refuse for the baseline ISA), nothing for the linker to resolve.
//
// begin() uses the "xbegin rel32 = 0" idiom (as GCC's libitm does): the
// fallback address is the next instruction, and EAX holds ~0 when the
// region started or the abort status after an abort.  On abort the CPU
// restores every register of the xbegin point (EAX aside) and discards every
// store made since, stack frames included, so control arrives right after
// the asm as if it had produced the status the first time: for the compiler
// the asm simply returned one value.  That also holds when the function
// containing xbegin has returned before the abort (the C API's block form
// starts a region in hytm_block_attempt() and returns into the caller's
// block): the frames written since are rolled back with everything else, so
// the function's frame is as it was at xbegin.
//
// Executing any of them on a CPU without RTM raises SIGILL: the engine
// reaches them only after the dispatcher has decided RTM may run (CPUID, or
// HYTM_HTM=force for testing).
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
#define HYTM_RTM_ASM 0
#else
inline constexpr bool rtm_compiled_in = true;
#define HYTM_RTM_ASM 1
#endif

// xbegin: started on success, else the abort status.
[[gnu::always_inline]] inline unsigned begin() noexcept {
#if HYTM_RTM_ASM
  unsigned status = started;
  // xbegin rel32 (C7 F8 cd) with rel32 = 0.  "memory": no load or store may
  // move across the start of the region.
  asm volatile(".byte 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00" : "+a"(status) : : "memory");
  return status;
#else
  return 0;  // "other": never started
#endif
}

// xend (0F 01 D5).  Outside a transaction it faults (#GP): call it only
// after begin() returned started.
[[gnu::always_inline]] inline void end() noexcept {
#if HYTM_RTM_ASM
  asm volatile(".byte 0x0f, 0x01, 0xd5" : : : "memory");
#endif
}

// xtest (0F 01 D6): ZF is clear inside a hardware transaction.
[[gnu::always_inline]] inline bool test() noexcept {
#if HYTM_RTM_ASM
  bool inside;
  asm volatile(".byte 0x0f, 0x01, 0xd6\n\tsetnz %0" : "=q"(inside) : : "cc", "memory");
  return inside;
#else
  return false;
#endif
}

// xabort imm8 (C6 F8 ib).  Outside a transaction it does nothing.
template <abort_code C>
[[gnu::always_inline]] inline void abort() noexcept {
#if HYTM_RTM_ASM
  asm volatile(".byte 0xc6, 0xf8, %c0" : : "i"(static_cast<unsigned char>(C)) : "memory");
#endif
}

// xabort with a code known only at run time, among the allocation cache's
// refill codes (0xe0-0xef) and refill_logs: xabort takes an immediate, so a
// switch picks the instruction.  Only on rare paths.
[[gnu::always_inline]] inline void abort_dynamic(std::uint8_t code) noexcept {
#if HYTM_RTM_ASM
#define HYTM_XABORT_CASE(n) \
  case n: asm volatile(".byte 0xc6, 0xf8, " #n : : : "memory"); break;
  switch (code) {
    HYTM_XABORT_CASE(0xe0) HYTM_XABORT_CASE(0xe1) HYTM_XABORT_CASE(0xe2) HYTM_XABORT_CASE(0xe3)
    HYTM_XABORT_CASE(0xe4) HYTM_XABORT_CASE(0xe5) HYTM_XABORT_CASE(0xe6) HYTM_XABORT_CASE(0xe7)
    HYTM_XABORT_CASE(0xe8) HYTM_XABORT_CASE(0xe9) HYTM_XABORT_CASE(0xea) HYTM_XABORT_CASE(0xeb)
    HYTM_XABORT_CASE(0xec) HYTM_XABORT_CASE(0xed) HYTM_XABORT_CASE(0xee) HYTM_XABORT_CASE(0xef)
    default: asm volatile(".byte 0xc6, 0xf8, 0xf6" : : : "memory"); break;
  }
#undef HYTM_XABORT_CASE
#else
  (void)code;
#endif
}

#undef HYTM_RTM_ASM

}  // namespace hytm::htm
