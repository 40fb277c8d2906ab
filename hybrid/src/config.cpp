// Start-up: the environment is read and validated before main(), so a bad
// value stops the program before any transaction runs.
#include "hytm/hybrid/config.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "hytm/core/env.hpp"
#include "hytm/htm/cpuid.hpp"
#include "hytm/htm/probe.hpp"
#include "hytm/htm/rtm.hpp"
#include "hytm/stats.hpp"

namespace hytm {

engine_config g_config;

const char* name(htm_mode m) noexcept {
  switch (m) {
    case htm_mode::off: return "off";
    case htm_mode::rtm: return "rtm";
    case htm_mode::forced: return "forced";
    case htm_mode::scripted: return "scripted";
  }
  return "?";
}

const char* name(stm_algorithm a) noexcept { return a == stm_algorithm::off ? "off" : "norec"; }

namespace {

enum class stats_output { off, text, json, json_file };
stats_output g_stats_output = stats_output::off;
std::string g_stats_path;

void print_stats_at_exit() {
  switch (g_stats_output) {
    case stats_output::off: return;
    case stats_output::text: std::fputs(stats_text().c_str(), stderr); return;
    case stats_output::json: std::fprintf(stderr, "%s\n", stats_json().c_str()); return;
    case stats_output::json_file: {
      std::ofstream f(g_stats_path);
      f << stats_json() << "\n";
      if (!f) std::fprintf(stderr, "hytm: could not write HYTM_STATS file %s\n", g_stats_path.c_str());
      return;
    }
  }
}

}  // namespace

namespace detail {

void configure_from_environment() {
  engine_config c;
  const std::size_t htm = env::choice("HYTM_HTM", {"auto", "off", "force"}, 0);
  if (htm == 0) {
    c.htm = htm::rtm_compiled_in && htm::cpu().usable_rtm() ? htm_mode::rtm : htm_mode::off;
  } else if (htm == 1) {
    c.htm = htm_mode::off;
  } else {
    if (!htm::rtm_compiled_in)
      env::reject("HYTM_HTM", "force",
                  "this build has no RTM instructions (the tsan preset compiles them out); "
                  "allowed values here are auto, off");
    if (!htm::can_execute_rtm())
      env::reject("HYTM_HTM", "force",
                  "this CPU cannot execute RTM instructions (xbegin raises SIGILL); force is "
                  "for running under valgrind, where every xbegin aborts; allowed values "
                  "here are auto, off");
    c.htm = htm_mode::forced;
  }
  c.htm_retries = static_cast<std::uint32_t>(env::integer("HYTM_HTM_RETRIES", 0, 1000, 8));
  c.stm = env::choice("HYTM_STM", {"norec", "off"}, 0) == 0 ? stm_algorithm::norec
                                                             : stm_algorithm::off;
  c.stm_retries = static_cast<std::uint32_t>(env::integer("HYTM_STM_RETRIES", 0, 1000000, 64));

  const std::string s = env::raw("HYTM_STATS");
  if (s.empty() || s == "off") {
    g_stats_output = stats_output::off;
  } else if (s == "text") {
    g_stats_output = stats_output::text;
  } else if (s == "json") {
    g_stats_output = stats_output::json;
  } else if (s.rfind("json:", 0) == 0 && s.size() > 5) {
    g_stats_output = stats_output::json_file;
    g_stats_path = s.substr(5);
  } else {
    env::reject("HYTM_STATS", s, "allowed values are off, text, json, json:PATH");
  }
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
