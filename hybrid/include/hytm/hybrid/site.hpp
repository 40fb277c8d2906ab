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
};
inline constexpr std::size_t conflict_slots = 16;

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
  conflict_entry conflicts[conflict_slots];
};

}  // namespace hytm
