#include "hytm/htm/rtm.hpp"

#if !defined(HYTM_NO_RTM) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define HYTM_RTM_TARGET [[gnu::target("rtm")]]
#define HYTM_RTM_ON 1
#else
#define HYTM_RTM_TARGET
#define HYTM_RTM_ON 0
#endif

namespace hytm::htm {

HYTM_RTM_TARGET HYTM_NOINLINE unsigned begin() noexcept {
#if HYTM_RTM_ON
  return _xbegin();
#else
  return 0;  // "other": never started
#endif
}

HYTM_RTM_TARGET void end() noexcept {
#if HYTM_RTM_ON
  _xend();
#endif
}

HYTM_RTM_TARGET bool test() noexcept {
#if HYTM_RTM_ON
  return _xtest() != 0;
#else
  return false;
#endif
}

}  // namespace hytm::htm
