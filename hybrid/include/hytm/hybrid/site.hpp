// site.hpp: call sites, the unit of policy and of statistics.
//
// A site is where hytm::atomic() is called (its std::source_location), or a
// name the user gives (hytm::site("bank.transfer")); two names with the same
// contents are one site.  Each site has one process-wide record and, per
// thread, a site_local with that thread's counters and that thread's view of
// the adaptive policy.  Keeping the policy per thread means the hot path
// writes no line another thread reads.
#pragma once

#include <cstdint>
#include <string>

#include "hytm/hybrid/counters.hpp"

namespace hytm {

// A named call site.  Cheap to construct at every call: the name is looked
// up by pointer in a per-thread cache first.
class site {
 public:
  constexpr explicit site(const char* name) noexcept : name_(name) {}
  constexpr const char* name() const noexcept { return name_; }

 private:
  const char* name_;
};

struct site_record {
  std::uint32_t id = 0;  // dense, from 0
  std::string name;      // the user's name, or "file:line"
  std::string file;
  std::uint32_t line = 0;
  std::string function;
};

// Conflict attribution: the addresses that doomed this site's software
// attempts most, with the time lost to them (see docs/conflicts.md).
struct conflict_entry {
  std::uintptr_t addr = 0;
  std::uint32_t writer_site = ~0u;  // the site whose commit changed it, if known
  std::uint64_t aborts = 0;
  std::uint64_t ticks = 0;
  // False sharing (RTM model only): the other side's address on addr's line,
  // which shares no byte with what this site touched there; 0: a true
  // conflict.  An entry is one (addr, other) pair.
  std::uintptr_t other = 0;
};
inline constexpr std::size_t conflict_slots = 16;

// Capacity attribution (RTM model only): a capacity abort has no conflicting
// address, but its footprint says what to shrink (docs/conflicts.md).
struct capacity_entry {
  std::uint64_t aborts = 0;
  std::uint64_t ticks = 0;
  std::uint64_t read_lines = 0;   // sums over the aborts, for the means
  std::uint64_t write_lines = 0;
  std::uint64_t read_bound = 0;   // aborts on the read-set bound, not an L1 set
  // The latest abort's shape.
  std::uint32_t last_read = 0, last_write = 0;
  std::uint32_t set = 0, set_fill = 0, ways = 0;
  bool last_read_bound = false;
};

// Sampled attribution of hardware aborts (hybrid/src/profiler/sampling.hpp,
// docs/conflicts.md): real RTM says why a hardware attempt aborted, never
// where, so some aborting transactions of a site run again as samples on the
// software path, whose logs say what they touched.
struct sample_entry {
  // The trigger, owner-only (no lock): a window of the site's hardware
  // attempts and its conflict and capacity aborts; the samples still owed.
  std::uint64_t window_start = 0;  // hardware attempts of the site when the window began
  std::uint32_t window_aborts = 0;
  std::uint32_t left = 0;      // samples still to take (0: not armed)
  std::uint64_t next_at = 0;   // hardware attempts of the site before the next may be taken
  // What the samples saw; the owner writes under the sites mutex, readers
  // take it.  In `seen`, `aborts` counts sightings (a sample's aborted
  // attempt on the address, or a sample that found the line in the writers'
  // ring) and `ticks` is unused.
  conflict_entry seen[conflict_slots];
  // The samples' footprints, measured where a sample ended on the software
  // path: `aborts` counts the samples measured.
  capacity_entry footprint;
};

struct site_local {
  const site_record* rec = nullptr;
  counter_block counters;
  // Owner-only policy state (policy.cpp).
  std::uint32_t htm_skip = 0;          // starts left that skip the hardware path
  std::uint32_t capacity_streak = 0;   // consecutive first attempts that overflowed
  std::uint32_t other_streak = 0;      // consecutive status-0 aborts
  std::uint32_t probe_interval = 16;   // next skip length; doubles while probes fail
  // Owner-only read-only learning (read_only.hpp).
  std::uint32_t ro_streak = 0;   // consecutive read-only software commits, logged
  std::uint32_t ro_debt = 0;     // unlogged restarts, weighed against unlogged commits
  std::uint8_t ro_shift = 0;     // learning needs ro_learn << ro_shift commits
  bool unlogged = false;         // software attempts start unlogged
  // Owner writes under the owning thread's sites mutex; readers take it.
  // Only the library touches what follows (no inline path does), so it may
  // grow without moving a member that programs compile in (cmake/abi.cmake).
  conflict_entry conflicts[conflict_slots];
  capacity_entry capacity;
  sample_entry sampled;
};

}  // namespace hytm
