// Start-up: the environment is read and validated before main(), so a bad
// value stops the program before any transaction runs.
#include "hytm/hybrid/config.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#if defined(HYTM_HAVE_HWLOC)
#include <hwloc.h>
#endif

#include "hytm/core/env.hpp"
#include "hytm/htm/emulator.hpp"
#include "hytm/htm/cpuid.hpp"
#include "hytm/htm/probe.hpp"
#include "hytm/htm/rtm.hpp"
#include "hytm/stats.hpp"

namespace hytm {

engine_config g_config;
protocol_flaw g_flaw = protocol_flaw::none;

const char* name(htm_mode m) noexcept {
  switch (m) {
    case htm_mode::off: return "off";
    case htm_mode::rtm: return "rtm";
    case htm_mode::forced: return "forced";
    case htm_mode::scripted: return "scripted";
    case htm_mode::emulated: return "emulated";
  }
  return "?";
}

const char* name(stm_algorithm a) noexcept { return a == stm_algorithm::off ? "off" : "norec"; }

namespace {

enum class stats_output { off, text, json, json_file };
stats_output g_stats_output = stats_output::off;  // constant-initialized
// Reached through a function: the start-up constructor below may run before
// this file's dynamic initializers, which would reset a plain global string.
std::string& stats_path() {
  static auto* p = new std::string;  // never destroyed: read at exit
  return *p;
}

void print_stats_at_exit() {
  switch (g_stats_output) {
    case stats_output::off: return;
    case stats_output::text: std::fputs(stats_text().c_str(), stderr); return;
    case stats_output::json: std::fprintf(stderr, "%s\n", stats_json().c_str()); return;
    case stats_output::json_file: {
      std::ofstream f(stats_path());
      f << stats_json() << "\n";
      if (!f) std::fprintf(stderr, "hytm: could not write HYTM_STATS file %s\n", stats_path().c_str());
      return;
    }
  }
}

// The L1 data cache of processor 0, from hwloc; false if unknown.
bool l1_from_hwloc(std::size_t& size, std::size_t& ways) {
#if defined(HYTM_HAVE_HWLOC)
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) return false;
  bool ok = false;
  if (hwloc_topology_load(topo) == 0) {
    hwloc_obj_t o = hwloc_get_obj_by_type(topo, HWLOC_OBJ_L1CACHE, 0);
    if (o && o->attr && o->attr->cache.size && o->attr->cache.associativity > 0) {
      size = o->attr->cache.size;
      ways = static_cast<std::size_t>(o->attr->cache.associativity);
      ok = size % (ways * 64) == 0;
    }
  }
  hwloc_topology_destroy(topo);
  return ok;
#else
  (void)size;
  (void)ways;
  return false;
#endif
}

// HYTM_EMU_L1=SIZE:WAYS, SIZE in bytes or with a K suffix (1024).
void parse_l1(const std::string& v, std::size_t& size, std::size_t& ways) {
  const char* why = "expected SIZE:WAYS with SIZE a multiple of WAYS x 64, e.g. 32K:8 or 1K:2";
  const auto colon = v.find(':');
  if (colon == std::string::npos || colon == 0) env::reject("HYTM_EMU_L1", v, why);
  std::string sz = v.substr(0, colon);
  std::size_t mult = 1;
  if (sz.back() == 'K' || sz.back() == 'k') {
    mult = 1024;
    sz.pop_back();
  }
  char* end = nullptr;
  const unsigned long long n = std::strtoull(sz.c_str(), &end, 10);
  const unsigned long long w = std::strtoull(v.c_str() + colon + 1, &end, 10);
  if (sz.empty() || n == 0 || w == 0 || w > 64 || *end != '\0' ||
      v.find_first_not_of("0123456789Kk:") != std::string::npos)
    env::reject("HYTM_EMU_L1", v, why);
  size = static_cast<std::size_t>(n * mult);
  ways = static_cast<std::size_t>(w);
  if (size % (ways * 64) != 0 || size > (1u << 30)) env::reject("HYTM_EMU_L1", v, why);
}

htm::emulator_config emulator_from_environment() {
  htm::emulator_config e;
  const std::string l1 = env::raw("HYTM_EMU_L1");
  if (!l1.empty())
    parse_l1(l1, e.l1_size, e.l1_ways);
  else
    l1_from_hwloc(e.l1_size, e.l1_ways);
  e.read_lines = env::integer("HYTM_EMU_READ_LINES", 1, 1u << 24, 8 * e.l1_size / 64);
  e.interrupt_every = env::integer("HYTM_EMU_INTERRUPT", 0, 1ull << 40, 0);
  e.seed = env::integer("HYTM_EMU_SEED", 0, ~0ull, 1);
  return e;
}

}  // namespace

namespace detail {

void configure_from_environment() {
  engine_config c;
  const std::size_t htm = env::choice("HYTM_HTM", {"auto", "off", "force", "emulate"}, 0);
  if (htm == 3) {
    c.htm = htm_mode::emulated;
    htm::emulator_install(emulator_from_environment());
  } else if (htm == 0) {
    c.htm = htm::rtm_compiled_in && htm::cpu().usable_rtm() ? htm_mode::rtm : htm_mode::off;
  } else if (htm == 1) {
    c.htm = htm_mode::off;
  } else {
    if (!htm::rtm_compiled_in)
      env::reject("HYTM_HTM", "force",
                  "this build has no RTM instructions (the tsan preset compiles them out); "
                  "allowed values here are auto, off, emulate");
    if (!htm::can_execute_rtm())
      env::reject("HYTM_HTM", "force",
                  "this CPU cannot execute RTM instructions (xbegin raises SIGILL); force is "
                  "for running under valgrind, where every xbegin aborts; allowed values "
                  "here are auto, off, emulate");
    c.htm = htm_mode::forced;
  }
  c.htm_retries = static_cast<std::uint32_t>(env::integer("HYTM_HTM_RETRIES", 0, 1000, 8));
  c.stm = env::choice("HYTM_STM", {"norec", "off"}, 0) == 0 ? stm_algorithm::norec
                                                             : stm_algorithm::off;
  c.stm_retries = static_cast<std::uint32_t>(env::integer("HYTM_STM_RETRIES", 0, 1000000, 64));
  c.read_only = static_cast<read_only_mode>(env::choice("HYTM_STM_READ_ONLY", {"learn", "off", "always"}, 0));

  const std::string s = env::raw("HYTM_STATS");
  if (s.empty() || s == "off") {
    g_stats_output = stats_output::off;
  } else if (s == "text") {
    g_stats_output = stats_output::text;
  } else if (s == "json") {
    g_stats_output = stats_output::json;
  } else if (s.rfind("json:", 0) == 0 && s.size() > 5) {
    g_stats_output = stats_output::json_file;
    stats_path() = s.substr(5);
  } else {
    env::reject("HYTM_STATS", s, "allowed values are off, text, json, json:PATH");
  }
  if (c.htm != htm_mode::emulated) htm::emulator_uninstall();
  g_config = c;
  static bool registered = false;
  if (g_stats_output != stats_output::off && !registered) {
    registered = true;
    std::atexit(print_stats_at_exit);
  }
}

}  // namespace detail

namespace {
// Before main(), in the library that holds the engine's one state.
[[gnu::constructor]] void hytm_start() { detail::configure_from_environment(); }
}  // namespace

}  // namespace hytm
