// The RTM instructions are inline (rtm.hpp); this file only checks that the
// header compiles on its own, in the library's baseline ISA.
#include "hytm/htm/rtm.hpp"

namespace hytm::htm {
static_assert(started == ~0u, "xbegin's idiom relies on EAX = ~0 meaning started");
}  // namespace hytm::htm
