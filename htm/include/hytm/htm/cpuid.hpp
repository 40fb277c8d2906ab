// cpuid.hpp: does this CPU offer usable RTM?
#pragma once

#include "hytm/core/platform.hpp"

namespace hytm::htm {

struct cpu_features {
  bool rtm = false;               // CPUID.7.0:EBX[11]
  bool hle = false;               // CPUID.7.0:EBX[4]
  bool rtm_always_abort = false;  // CPUID.7.0:EDX[11]: present, but every xbegin aborts
  bool tsx_force_abort = false;   // CPUID.7.0:EDX[13]: the TSX_FORCE_ABORT MSR exists
  // RTM that can commit: present and not forced to abort by microcode.
  bool usable_rtm() const noexcept { return rtm && !rtm_always_abort; }
};

// Read once, at first call.
HYTM_API const cpu_features& cpu() noexcept;

// The same decision from raw register values, for tests.
HYTM_API cpu_features decode_cpuid_leaf7(unsigned ebx, unsigned edx) noexcept;

}  // namespace hytm::htm
