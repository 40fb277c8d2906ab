// probe.hpp: can this process execute RTM instructions at all?
#pragma once

namespace hytm::htm {

// Executes one xbegin (and xend if it started) with a SIGILL handler in
// place.  True on a CPU with RTM, and under valgrind (where xbegin always
// aborts); false where the instruction faults (natively on AMD) or the build
// has no RTM.  Used only to refuse HYTM_HTM=force with a message instead of
// dying of SIGILL.
bool can_execute_rtm() noexcept;

}  // namespace hytm::htm
