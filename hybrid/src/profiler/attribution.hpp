// attribution.hpp: what the RTM model's aborts are blamed on (attribution.cpp,
// docs/conflicts.md).  Private to libhytm.
#pragma once

#include <cstdint>

#include "hytm/htm/emulator.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm::detail {

// Records an ended emulated attempt of ctx's site: a capacity abort as
// capacity, with its footprint; a conflict as a conflict on the variable this
// side touched, or as false sharing when the two sides touched disjoint bytes
// of the line.  `spent`: the attempt's ticks (0 if it was not timed).
void record_model_abort(thread_ctx& ctx, std::uint64_t spent) noexcept;

// Counts an abort of ctx's site against `addr` in its top-k conflict table
// (epilogue.cpp), with the writer site if known (else ~0u).  `other` != 0:
// false sharing with the variable at `other`, an entry of its own per pair.
void record_conflict(thread_ctx& ctx, std::uintptr_t addr, std::uint32_t writer,
                     std::uint64_t spent, std::uintptr_t other = 0) noexcept;

// The top-k step of record_conflict() on any table of conflict_slots
// entries (the sampled findings use it too).  The caller holds the owning
// thread's sites mutex.
void count_in_table(conflict_entry (&table)[conflict_slots], std::uintptr_t addr,
                    std::uint32_t writer, std::uint64_t spent, std::uintptr_t other) noexcept;

// Adds one footprint (an abort's on the model, a sample's on the software
// path) to `c`.  The caller holds the owning thread's sites mutex.
void count_capacity(capacity_entry& c, const htm::capacity_detail& d, std::uint64_t spent) noexcept;

}  // namespace hytm::detail
