// attribution.hpp: what the RTM model's aborts are blamed on (attribution.cpp,
// docs/conflicts.md).  Private to libhytm.
#pragma once

#include <cstdint>

#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm::detail {

// Records an ended emulated attempt of ctx's site: a capacity abort as
// capacity, with its footprint; a conflict as a conflict on the variable this
// side touched, or as false sharing when the two sides touched disjoint bytes
// of the line.  `spent`: the attempt's ticks (0 if it was not timed).
void record_model_abort(thread_ctx& ctx, std::uint64_t spent) noexcept;

}  // namespace hytm::detail
