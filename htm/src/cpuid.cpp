#include "hytm/htm/cpuid.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace hytm::htm {

cpu_features decode_cpuid_leaf7(unsigned ebx, unsigned edx) noexcept {
  cpu_features f;
  f.hle = ebx & (1u << 4);
  f.rtm = ebx & (1u << 11);
  f.rtm_always_abort = edx & (1u << 11);
  f.tsx_force_abort = edx & (1u << 13);
  return f;
}

static cpu_features read_cpu() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return {};
  __cpuid_count(7, 0, a, b, c, d);
  return decode_cpuid_leaf7(b, d);
#else
  return {};
#endif
}

const cpu_features& cpu() noexcept {
  static const cpu_features f = read_cpu();
  return f;
}

}  // namespace hytm::htm
