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
  const char* stm = "norec";      // or "orec", "off" (HYTM_STM)
  unsigned cpus = 0;              // online processors
};

struct conflict_stat {
  std::uintptr_t addr = 0;
  std::string symbol;       // "total_count+8 (globals.cpp)", or "" if unknown
  std::string writer_site;  // "" if unknown
  std::uint64_t aborts = 0;
  double wasted_ns = 0;
  // False sharing (RTM model): the other side touched other_addr, on addr's
  // cache line but no byte this site touched there.  0: a true conflict.
  std::uintptr_t other_addr = 0;
  std::string other_symbol;  // as symbol
  bool false_sharing() const noexcept { return other_addr != 0; }
};

// Capacity aborts of the RTM model, which have no conflicting address.
struct capacity_stat {
  std::uint64_t aborts = 0;  // 0: none attributed (real RTM does not say)
  double wasted_ns = 0;
  double mean_read_lines = 0;   // lines read and not written, at the abort
  double mean_write_lines = 0;  // lines written
  std::uint64_t read_bound_aborts = 0;  // the read set passed its bound
  // One abort's shape: the largest of the threads' latest.
  std::uint32_t read_lines = 0;
  std::uint32_t write_lines = 0;
  std::uint32_t fullest_set = 0;        // L1 set index: the one the next write did not fit
  std::uint32_t fullest_set_lines = 0;  // lines it held, against l1_ways
  std::uint32_t l1_ways = 0;
  bool read_bound = false;              // that abort was on the read-set bound
};

// What samples of a site's aborting hardware transactions saw on the
// software path (docs/conflicts.md, "Sampled findings").  Present where the
// site took samples (real RTM, HYTM_HTM=force, the scripted tests; never
// under the RTM model, which attributes every abort itself).
struct sampled_stat {
  std::uint64_t samples = 0;  // the sample size: paths.stm.samples of the site
  double htm_aborted_ns = 0;  // the site's aborted hardware time, which the findings share
  // Most seen first.  Here `aborts` counts sightings (a sample's aborted
  // attempt on the address, or a sample that found the line in the writers'
  // ring), and `wasted_ns` is the estimate htm_aborted_ns * aborts / (all
  // sightings of the site): the hardware time lost, shared as the samples saw it.
  std::vector<conflict_stat> findings;
  // The samples' footprints: `aborts` counts the samples measured, the rest
  // as for the model's capacity aborts (wasted_ns: 0).
  capacity_stat footprint;
};

struct site_stats {
  std::string name;
  std::string file;
  std::uint32_t line = 0;
  counter_values counters;
  double committed_ns = 0;
  double aborted_ns = 0;
  std::vector<conflict_stat> conflicts;  // most wasted time first
  capacity_stat capacity;
  sampled_stat sampled;
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
