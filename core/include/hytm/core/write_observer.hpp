// write_observer.hpp: lets a model of the cache see the engine's writes.
//
// The RTM model (htm/emulator.hpp) must abort an emulated hardware
// transaction when anyone else writes a line it has read, as a real cache
// would.  Writes made through the model are seen by it directly; the others
// the engine makes to shared data and to its protocol words (software
// write-back, the sequence lock, the serial lock, the software counter) are
// reported here, after the store, while a model is installed.  Without one,
// the cost is one load of a pointer that is null.
#pragma once

#include <cstddef>

#include "hytm/core/platform.hpp"

namespace hytm {

using write_observer_fn = void (*)(const void* addr, std::size_t size);
extern HYTM_API write_observer_fn g_write_observer;

inline void observe_write(const void* addr, std::size_t size) {
  if (HYTM_UNLIKELY(g_write_observer != nullptr)) g_write_observer(addr, size);
}

}  // namespace hytm
