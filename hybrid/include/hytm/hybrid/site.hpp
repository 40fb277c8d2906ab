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

// The cost rule's per-site state (cost.cpp; docs/policy.md, "By measured
// cost").  Indexed by path_kind (htm 0, stm 1, serial 2).  Owner only.
struct site_cost {
  // Mean ticks per committed transaction from the moment it runs on path p:
  // an exponentially weighted mean of the timed transactions, started from
  // 0 when reset (estimate() corrects for that), and how many samples went
  // into it since (wraps after 2^32: the mean then looks fresh, which is
  // harmless).
  std::uint64_t mean[3] = {0, 0, 0};
  std::uint32_t samples[3] = {0, 0, 0};
  std::uint32_t clock = 4;   // timed commits until the next decision
  std::uint32_t hold = 0;    // the next hold's length in starts (0: not yet set)
  std::uint8_t choice = 0;   // the path the site starts on: htm (the rules), stm or serial
  // Where a start that skips hardware goes (htm_skip > 0), and why.
  std::uint8_t skip_path = 1;  // stm
  ctr skip_why = ctr::fb_site_disabled;
  // Serial's re-probe (cost.cpp, probe_serial): decisions on the rules'
  // path until serial's estimate is dropped and measured again (0: none
  // scheduled), and how often it has been measured (the next wait is
  // cost_serial_reprobe << shift).  After the members that inline code
  // reads: a site_local is made only by the library (context.cpp).
  std::uint16_t serial_age = 0;
  std::uint16_t serial_shift = 0;

  // Weight 1/4 for the new sample: a few samples follow a change, one
  // outlier (a preemption) moves the mean by a quarter of itself.  No
  // branch: it runs inline for one transaction in time_sample_cost.
  void add(unsigned p, std::uint64_t s) noexcept {
    mean[p] = mean[p] - mean[p] / 4 + s / 4;
    ++samples[p];
  }
  void reset(unsigned p) noexcept { mean[p] = 0, samples[p] = 0; }
  // The mean of the samples since the reset: after n samples the weights
  // sum to 1 - (3/4)^n, not 1.
  std::uint64_t estimate(unsigned p) const noexcept {
    const std::uint32_t n = samples[p];
    if (n == 0 || n >= 64) return mean[p];
    double missing = 1;
    for (std::uint32_t i = 0; i < n; ++i) missing *= 0.75;
    return static_cast<std::uint64_t>(static_cast<double>(mean[p]) / (1 - missing));
  }
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
  // The cost rule (epilogue.hpp, cost_sample, inline: its samples; cost.cpp:
  // the rest).
  site_cost cost;
  // Owner writes under the owning thread's sites mutex; readers take it.
  // Only the library touches what follows (no inline path does), so it may
  // grow without moving a member that programs compile in (cmake/abi.cmake).
  conflict_entry conflicts[conflict_slots];
  capacity_entry capacity;
  sample_entry sampled;
};

}  // namespace hytm
