// Start-up: the environment is read and validated before main(), so a bad
// value stops the program before any transaction runs.
#include "hytm/hybrid/config.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#if defined(HYTM_HAVE_HWLOC)
#include <hwloc.h>
#endif

#include "hytm/core/env.hpp"
#include "hytm/htm/emulator.hpp"
#include "hytm/htm/cpuid.hpp"
#include "hytm/htm/probe.hpp"
#include "hytm/htm/rtm.hpp"
#include "c_entry.hpp"
#include "hytm/stats.hpp"
#include "profiler/sampling.hpp"

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

const char* name(stm_algorithm a) noexcept {
  switch (a) {
    case stm_algorithm::off: return "off";
    case stm_algorithm::norec: return "norec";
    case stm_algorithm::orec: return "orec";
  }
  return "?";
}

namespace {

// Every variable the engine reads; a near miss of one of these names is
// warned about at start (core/env.hpp).
constexpr std::string_view known_variables[] = {
    "HYTM_HTM",    "HYTM_HTM_RETRIES",    "HYTM_STM",           "HYTM_STM_RETRIES",
    "HYTM_STATS",  "HYTM_EMU_L1",         "HYTM_EMU_READ_LINES", "HYTM_EMU_INTERRUPT",
    "HYTM_EMU_SEED", "HYTM_STM_READ_ONLY", "HYTM_SOLO", "HYTM_POLICY"};

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

// HYTM_EMU_L1=SIZE:WAYS, SIZE in bytes or with a K (1024) or M (1048576)
// suffix, at most 1M: the model is of an L1 data cache, and real ones are
// 32K to 64K.
constexpr std::size_t max_l1 = std::size_t{1} << 20;

void parse_l1(const std::string& v, std::size_t& size, std::size_t& ways) {
  const std::string form =
      "expected SIZE:WAYS, SIZE in bytes or with a suffix K (x1024) or M (x1048576), at most "
      "1M, a multiple of WAYS x 64, WAYS 1 to 64 (e.g. 32K:8, 48K:12)";
  const auto colon = v.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == v.size())
    env::reject("HYTM_EMU_L1", v, form);
  std::string sz = v.substr(0, colon);
  std::size_t mult = 1;
  if (sz.back() == 'K' || sz.back() == 'k') {
    mult = 1024;
    sz.pop_back();
  } else if (sz.back() == 'M' || sz.back() == 'm') {
    mult = 1024 * 1024;
    sz.pop_back();
  }
  const std::string w_text = v.substr(colon + 1);
  auto digits = [](const std::string& t) {
    return !t.empty() && t.size() <= 12 && t.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(sz) || !digits(w_text)) env::reject("HYTM_EMU_L1", v, form);
  const unsigned long long n = std::strtoull(sz.c_str(), nullptr, 10) * mult;
  const unsigned long long w = std::strtoull(w_text.c_str(), nullptr, 10);
  if (n == 0 || n > max_l1) env::reject("HYTM_EMU_L1", v, "SIZE is more than the limit, 1M; " + form);
  if (w == 0 || w > 64) env::reject("HYTM_EMU_L1", v, "WAYS is not 1 to 64; " + form);
  if (n % (w * 64) != 0) env::reject("HYTM_EMU_L1", v, "SIZE is not a multiple of WAYS x 64; " + form);
  size = static_cast<std::size_t>(n);
  ways = static_cast<std::size_t>(w);
}

// Read and checked whatever HYTM_HTM says, so that a bad value is refused
// even when the model will not run; hwloc is asked only when it will.
htm::emulator_config emulator_from_environment(bool will_run) {
  htm::emulator_config e;
  const std::string l1 = env::raw("HYTM_EMU_L1");
  if (!l1.empty())
    parse_l1(l1, e.l1_size, e.l1_ways);
  else if (will_run)
    l1_from_hwloc(e.l1_size, e.l1_ways);
  e.read_lines = env::integer("HYTM_EMU_READ_LINES", 1, 1u << 24, 8 * e.l1_size / 64);
  e.interrupt_every = env::integer("HYTM_EMU_INTERRUPT", 0, 1ull << 40, 0);
  e.seed = env::integer("HYTM_EMU_SEED", 0, ~0ull, 1);
  return e;
}

// HYTM_STATS=json:PATH: the file is opened (created, emptied) now, so that
// a path that cannot be written stops the program at start, not at exit
// with its results lost.  It is written again at exit.
void check_stats_path(const std::string& value, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    const int e = errno;
    env::reject("HYTM_STATS", value,
                "cannot open " + path + " for writing (" + std::strerror(e) +
                    "); allowed values are off, text, json, json:PATH with PATH a file that "
                    "can be written");
  }
  std::fclose(f);
}

}  // namespace

namespace detail {

bool l1_geometry_from_hwloc(std::size_t& size, std::size_t& ways) { return l1_from_hwloc(size, ways); }

void configure_from_environment() {
  engine_config c;
  static bool warned = false;  // restore_environment_mode() comes here again
  if (!warned) env::warn_unknown(known_variables);
  warned = true;
  const std::size_t htm = env::choice("HYTM_HTM", {"auto", "off", "force", "emulate"}, 0);
  const htm::emulator_config model = emulator_from_environment(htm == 3);
  if (htm == 3) {
    c.htm = htm_mode::emulated;
    htm::emulator_install(model);
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
  constexpr stm_algorithm algorithms[] = {stm_algorithm::norec, stm_algorithm::orec,
                                          stm_algorithm::off};
  c.stm = algorithms[env::choice("HYTM_STM", {"norec", "orec", "off"}, 0)];
  c.stm_retries = static_cast<std::uint32_t>(env::integer("HYTM_STM_RETRIES", 0, 1000000, 64));
  c.read_only = static_cast<read_only_mode>(env::choice("HYTM_STM_READ_ONLY", {"learn", "off", "always"}, 0));
  // Only where the engine chooses the paths: force and emulate exist to
  // exercise the hardware path, off to run without it.
  c.solo = env::choice("HYTM_SOLO", {"auto", "off"}, 0) == 0 && htm == 0;
  c.cost = env::choice("HYTM_POLICY", {"cost", "rules"}, 0) == 0 && htm == 0;
  c.adaptive = c.solo || c.cost;

  const std::string s = env::raw("HYTM_STATS");
  if (s.empty() || s == "off") {
    g_stats_output = stats_output::off;
  } else if (s == "text") {
    g_stats_output = stats_output::text;
  } else if (s == "json") {
    g_stats_output = stats_output::json;
  } else if (s.rfind("json:", 0) == 0 && s.size() > 5) {
    check_stats_path(s, s.substr(5));
    g_stats_output = stats_output::json_file;
    stats_path() = s.substr(5);
  } else {
    env::reject("HYTM_STATS", s, "allowed values are off, text, json, json:PATH");
  }
  if (c.htm != htm_mode::emulated) htm::emulator_uninstall();
  c.derive();
  g_config = c;
  c_configured();
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
