// stats.hpp: what happened, per path, per fallback reason and per call site.
//
// Counting costs the transaction a few relaxed increments of lines its own
// thread owns; everything else (summing threads, JSON, text) happens here, on
// demand.  reset_stats() may be called while other threads run: it records a
// baseline that later reports subtract, and touches no thread's counters.
//
//   hytm::stats s = hytm::statistics();
//   std::printf("%llu hardware commits\n", (unsigned long long)s.total[hytm::ctr::htm_commits]);
//   std::puts(hytm::stats_text().c_str());     // a table
//   std::string j = hytm::stats_json();        // the same as JSON
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hytm/core/platform.hpp"
#include "hytm/hybrid/counters.hpp"

namespace hytm {

struct machine_info {
  bool rtm = false;               // the CPU offers RTM that can commit
  bool rtm_always_abort = false;  // RTM present but disabled by microcode
  bool rtm_compiled_in = false;   // this build contains the RTM instructions
  const char* htm = "off";        // "rtm", "off", "forced", "scripted"
  const char* stm = "norec";      // or "off"
  unsigned cpus = 0;              // online processors
};

struct conflict_stat {
  std::uintptr_t addr = 0;
  std::string symbol;       // "total_count+8 (globals.cpp)", or "" if unknown
  std::string writer_site;  // "" if unknown
  std::uint64_t aborts = 0;
  double wasted_ns = 0;
};

struct site_stats {
  std::string name;
  std::string file;
  std::uint32_t line = 0;
  counter_values counters;
  double committed_ns = 0;
  double aborted_ns = 0;
  std::vector<conflict_stat> conflicts;  // most wasted time first
};

struct stats {
  machine_info machine;
  counter_values total;
  double committed_ns = 0;
  double aborted_ns = 0;
  std::vector<site_stats> sites;  // most time lost to aborts first
};

HYTM_API stats statistics();
HYTM_API std::string stats_json();
HYTM_API std::string stats_text();
HYTM_API std::string conflict_report();
HYTM_API void reset_stats();
HYTM_API machine_info machine();

// The name of counter c in the JSON document ("paths.htm.starts").
HYTM_API const char* counter_name(ctr c) noexcept;

}  // namespace hytm
