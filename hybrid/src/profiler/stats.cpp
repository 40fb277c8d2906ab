// Aggregation and presentation of the statistics (stats.hpp).
#include "hytm/stats.hpp"

#include "fork_hooks.hpp"
#include "sampling.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include "hytm/htm/cpuid.hpp"
#include "hytm/htm/emulator.hpp"
#include "hytm/htm/rtm.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/policy.hpp"
#include "hytm/hybrid/sites.hpp"
#include "symbols.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm {

namespace {

const char* const g_counter_names[] = {
#define HYTM_X(e, path) path,
    HYTM_COUNTERS(HYTM_X)
#undef HYTM_X
};

// ---- time: cycle counts are converted once, at report time ----

std::uint64_t now_ticks() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_ia32_rdtsc();
#else
  return 0;
#endif
}

struct tick_origin {
  std::uint64_t ticks = now_ticks();
  std::chrono::steady_clock::time_point time = std::chrono::steady_clock::now();
};
const tick_origin g_origin;

std::mutex g_tick_mutex;  // trivially destructible: safe at exit
static_assert(std::is_trivially_destructible_v<std::mutex>);

double ns_per_tick() {
  static double cached = 0;
  std::lock_guard g(g_tick_mutex);
  auto elapsed = std::chrono::steady_clock::now() - g_origin.time;
  if (elapsed < std::chrono::milliseconds(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20) - elapsed);
    elapsed = std::chrono::steady_clock::now() - g_origin.time;
  }
  const std::uint64_t dt = now_ticks() - g_origin.ticks;
  if (dt == 0) return 0;
  cached = std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(dt);
  return cached;
}

// ---- reset baseline ----

// A conflict finding: the address and, for false sharing, the other side's.
struct finding {
  std::uintptr_t addr;
  std::uintptr_t other;
  bool operator<(const finding& o) const { return addr != o.addr ? addr < o.addr : other < o.other; }
};
struct conflict_key {
  std::uint32_t site;
  finding f;
  bool operator<(const conflict_key& o) const { return site != o.site ? site < o.site : f < o.f; }
};
struct baseline_t {
  std::mutex m;
  std::vector<counter_values> sites;
  std::map<conflict_key, conflict_entry> conflicts;
  std::vector<capacity_entry> capacity;  // the sums only
  std::map<conflict_key, conflict_entry> sampled;  // sampled findings (sample_entry)
  std::vector<capacity_entry> sampled_fp;         // the samples' footprints, the sums only
};
baseline_t& baseline() {
  static auto* b = new baseline_t;
  return *b;
}

}  // namespace

// fork.cpp.  describe_address() (symbols.cpp) runs only under the
// baseline's lock, so holding it keeps the symbol cache whole as well.
void detail::stats_fork_prepare() {
  g_tick_mutex.lock();
  baseline().m.lock();
}

void detail::stats_fork_after() {
  baseline().m.unlock();
  g_tick_mutex.unlock();
}

namespace {

struct raw_site {
  counter_values counters;
  std::map<finding, conflict_entry> conflicts;
  capacity_entry capacity;
  std::map<finding, conflict_entry> sampled;
  capacity_entry sampled_fp;
};

// Adds one thread's top-k table to the site's sums, by finding.
void add_table(std::map<finding, conflict_entry>& t, const conflict_entry (&table)[conflict_slots]) {
  for (const conflict_entry& e : table) {
    if (!e.aborts) continue;
    conflict_entry& x = t[{e.addr, e.other}];
    x.addr = e.addr;
    x.other = e.other;
    x.aborts += e.aborts;
    x.ticks += e.ticks;
    x.writer_site = e.writer_site;
  }
}

// Sums the counts; of the shapes, keeps the largest latest one.
void add_capacity(capacity_entry& t, const capacity_entry& e) {
  if (!e.aborts) return;
  if (e.last_read + e.last_write >= t.last_read + t.last_write) {
    t.last_read = e.last_read;
    t.last_write = e.last_write;
    t.set = e.set;
    t.set_fill = e.set_fill;
    t.ways = e.ways;
    t.last_read_bound = e.last_read_bound;
  }
  t.aborts += e.aborts;
  t.ticks += e.ticks;
  t.read_lines += e.read_lines;
  t.write_lines += e.write_lines;
  t.read_bound += e.read_bound;
}

std::uint64_t minus(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

// Sums every thread's counters per site.
std::vector<raw_site> collect() {
  std::vector<raw_site> out(all_sites().size());
  for (thread_ctx* c = first_ctx(); c; c = c->next) {
    std::lock_guard g(c->sites_mutex);
    for (const site_local* s : c->sites) {
      if (!s) continue;
      if (s->rec->id >= out.size()) out.resize(s->rec->id + 1);
      raw_site& r = out[s->rec->id];
      r.counters.add(s->counters);
      add_capacity(r.capacity, s->capacity);
      add_table(r.conflicts, s->conflicts);
      add_capacity(r.sampled_fp, s->sampled.footprint);
      add_table(r.sampled, s->sampled.seen);
    }
  }
  return out;
}

}  // namespace

const char* counter_name(ctr c) noexcept { return g_counter_names[static_cast<std::size_t>(c)]; }

machine_info machine() {
  machine_info m;
  m.rtm = htm::cpu().usable_rtm();
  m.rtm_always_abort = htm::cpu().rtm_always_abort;
  m.rtm_compiled_in = htm::rtm_compiled_in;
  m.htm = name(g_config.htm);
  m.stm = name(g_config.stm);
  m.cpus = static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN));
  return m;
}

void reset_stats() {
  detail::sample_ring_clear();
  std::vector<raw_site> now = collect();
  auto& b = baseline();
  std::lock_guard g(b.m);
  b.sites.assign(now.size(), {});
  b.conflicts.clear();
  b.capacity.assign(now.size(), {});
  b.sampled.clear();
  b.sampled_fp.assign(now.size(), {});
  for (std::size_t i = 0; i < now.size(); ++i) {
    b.sites[i] = now[i].counters;
    b.capacity[i] = now[i].capacity;
    b.sampled_fp[i] = now[i].sampled_fp;
    for (auto& [f, e] : now[i].conflicts) b.conflicts[{static_cast<std::uint32_t>(i), f}] = e;
    for (auto& [f, e] : now[i].sampled) b.sampled[{static_cast<std::uint32_t>(i), f}] = e;
  }
}

namespace {

// A site's capacity entry less the reset baseline's, as reported.
capacity_stat capacity_since(capacity_entry c, const capacity_entry* o, double npt) {
  capacity_stat cs;
  if (!c.aborts) return cs;
  if (o) {
    c.aborts = minus(c.aborts, o->aborts);
    c.ticks = minus(c.ticks, o->ticks);
    c.read_lines = minus(c.read_lines, o->read_lines);
    c.write_lines = minus(c.write_lines, o->write_lines);
    c.read_bound = minus(c.read_bound, o->read_bound);
  }
  if (!c.aborts) return cs;
  cs.aborts = c.aborts;
  cs.wasted_ns = static_cast<double>(c.ticks) * npt;
  cs.mean_read_lines = static_cast<double>(c.read_lines) / static_cast<double>(c.aborts);
  cs.mean_write_lines = static_cast<double>(c.write_lines) / static_cast<double>(c.aborts);
  cs.read_bound_aborts = c.read_bound;
  cs.read_lines = c.last_read;
  cs.write_lines = c.last_write;
  cs.fullest_set = c.set;
  cs.fullest_set_lines = c.set_fill;
  cs.l1_ways = c.ways;
  cs.read_bound = c.last_read_bound;
  return cs;
}

// A site's findings less the reset baseline's, named, most time lost first.
std::vector<conflict_stat> findings_since(const std::map<finding, conflict_entry>& raw,
                                          const std::map<conflict_key, conflict_entry>& base,
                                          std::uint32_t site, double npt) {
  std::vector<conflict_stat> out;
  for (const auto& [f, e0] : raw) {
    conflict_entry e = e0;
    if (auto it = base.find({site, f}); it != base.end()) {
      e.aborts = minus(e.aborts, it->second.aborts);
      e.ticks = minus(e.ticks, it->second.ticks);
    }
    if (!e.aborts) continue;
    conflict_stat cs;
    cs.addr = f.addr;
    cs.symbol = describe_address(f.addr);
    if (const site_record* w = site_by_id(e.writer_site)) cs.writer_site = w->name;
    cs.aborts = e.aborts;
    cs.wasted_ns = static_cast<double>(e.ticks) * npt;
    if (f.other) {
      cs.other_addr = f.other;
      cs.other_symbol = describe_address(f.other);
    }
    out.push_back(std::move(cs));
  }
  std::sort(out.begin(), out.end(),
            [](const conflict_stat& a, const conflict_stat& c) { return a.wasted_ns > c.wasted_ns; });
  return out;
}

}  // namespace

stats statistics() {
  stats s;
  s.machine = machine();
  std::vector<raw_site> raw = collect();
  const auto records = all_sites();
  const double npt = ns_per_tick();
  auto& b = baseline();
  std::lock_guard g(b.m);
  for (std::size_t i = 0; i < raw.size() && i < records.size(); ++i) {
    if (i < b.sites.size()) raw[i].counters.subtract(b.sites[i]);
    site_stats ss;
    ss.name = records[i]->name;
    ss.file = records[i]->file;
    ss.line = records[i]->line;
    ss.counters = raw[i].counters;
    ss.committed_ns = static_cast<double>(ss.counters[ctr::ns_committed]) * npt;
    ss.aborted_ns = static_cast<double>(ss.counters[ctr::ns_aborted]) * npt;
    ss.capacity = capacity_since(raw[i].capacity, i < b.capacity.size() ? &b.capacity[i] : nullptr, npt);
    ss.conflicts = findings_since(raw[i].conflicts, b.conflicts, static_cast<std::uint32_t>(i), npt);
    if (const std::uint64_t n = ss.counters[ctr::stm_samples]) {
      sampled_stat& sp = ss.sampled;
      sp.samples = n;
      sp.htm_aborted_ns = static_cast<double>(ss.counters[ctr::ns_htm_aborted]) * npt;
      sp.footprint = capacity_since(raw[i].sampled_fp, i < b.sampled_fp.size() ? &b.sampled_fp[i] : nullptr, npt);
      sp.findings = findings_since(raw[i].sampled, b.sampled, static_cast<std::uint32_t>(i), npt);
      // The site's lost hardware time, shared as the samples saw it.
      double all = 0;
      for (const conflict_stat& f : sp.findings) all += static_cast<double>(f.aborts);
      for (conflict_stat& f : sp.findings) f.wasted_ns = sp.htm_aborted_ns * static_cast<double>(f.aborts) / all;
      std::stable_sort(sp.findings.begin(), sp.findings.end(),
                       [](const conflict_stat& a, const conflict_stat& c) { return a.aborts > c.aborts; });
    }
    s.total.add(ss.counters);
    bool any = false;
    for (auto v : ss.counters.c) any |= v != 0;
    if (any) s.sites.push_back(std::move(ss));
  }
  s.committed_ns = static_cast<double>(s.total[ctr::ns_committed]) * npt;
  s.aborted_ns = static_cast<double>(s.total[ctr::ns_aborted]) * npt;
  std::stable_sort(s.sites.begin(), s.sites.end(),
                   [](const site_stats& a, const site_stats& c) { return a.aborted_ns > c.aborted_ns; });
  return s;
}

// ---- JSON ----

namespace {

std::string quote(const std::string& v) {
  std::string o = "\"";
  for (unsigned char ch : v) {
    if (ch == '"' || ch == '\\') {
      o += '\\';
      o += static_cast<char>(ch);
    } else if (ch < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      o += buf;
    } else {
      o += static_cast<char>(ch);
    }
  }
  return o + "\"";
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// Emits the counters as nested objects from their dotted names.  The names
// are grouped by prefix in counters.hpp, so one pass that opens and closes
// objects as the prefix changes builds the tree.
std::string counters_json(const counter_values& v, double npt) {
  std::string o = "{";
  std::vector<std::string> open;
  bool first = true;
  for (std::size_t i = 0; i < counter_count; ++i) {
    std::string path = g_counter_names[i];
    std::vector<std::string> parts;
    for (std::size_t a = 0, b; a <= path.size(); a = b + 1) {
      b = path.find('.', a);
      if (b == std::string::npos) b = path.size();
      parts.push_back(path.substr(a, b - a));
    }
    const std::string leaf = parts.back();
    parts.pop_back();
    std::size_t common = 0;
    while (common < open.size() && common < parts.size() && open[common] == parts[common]) ++common;
    while (open.size() > common) {
      o += "}";
      open.pop_back();
    }
    for (std::size_t k = common; k < parts.size(); ++k) {
      if (!first) o += ",";
      o += quote(parts[k]) + ":{";
      open.push_back(parts[k]);
      first = true;
    }
    if (!first) o += ",";
    first = false;
    const bool is_time = parts.size() == 1 && parts[0] == "time";
    o += quote(leaf) + ":" +
         (is_time ? num(static_cast<double>(v.c[i]) * npt) : std::to_string(v.c[i]));
  }
  while (!open.empty()) {
    o += "}";
    open.pop_back();
  }
  o += ",\"footprint\":{\"sampled_one_in\":16";
  const char* fp_names[] = {"stm_read_lines", "stm_write_lines", "serial_write_lines"};
  for (std::size_t f = 0; f < footprint_count; ++f) {
    o += std::string(",") + quote(fp_names[f]) + ":[";
    for (std::size_t k = 0; k < footprint_buckets; ++k)
      o += (k ? "," : "") + std::to_string(v.fp[f][k]);
    o += "]";
  }
  o += "}}";
  return o;
}

// One entry of a site's `conflicts` or, sampled, of its `sampled.findings`
// (whose counts are sightings and whose time is the estimated hardware time).
std::string finding_json(const conflict_stat& c, bool sampled) {
  char addr[32];
  std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(c.addr));
  std::string o = "{\"addr\":" + quote(addr) + ",\"line\":" + quote(addr_line(c.addr)) +
                  ",\"symbol\":" + quote(c.symbol) + ",\"writer_site\":" + quote(c.writer_site) +
                  (sampled ? ",\"seen\":" : ",\"aborts\":") + std::to_string(c.aborts) +
                  (sampled ? ",\"htm_lost_ns\":" : ",\"wasted_ns\":") + num(c.wasted_ns);
  o += std::string(",\"kind\":") + (c.false_sharing() ? "\"false_sharing\"" : "\"conflict\"");
  if (c.false_sharing()) {
    char other[32];
    std::snprintf(other, sizeof other, "0x%llx", static_cast<unsigned long long>(c.other_addr));
    o += ",\"other_addr\":" + quote(other) + ",\"other_symbol\":" + quote(c.other_symbol);
  }
  if (sampled) o += ",\"sampled\":true";
  return o + "}";
}

// A site's `capacity` (the model's capacity aborts) or `sampled.footprint`
// (the samples measured: `aborts` is their number there).
std::string capacity_json(const capacity_stat& c) {
  char mean[64];
  std::snprintf(mean, sizeof mean, "%.1f,\"mean_write_lines\":%.1f", c.mean_read_lines, c.mean_write_lines);
  return "{\"aborts\":" + std::to_string(c.aborts) + ",\"wasted_ns\":" + num(c.wasted_ns) +
         ",\"mean_read_lines\":" + mean + ",\"read_bound_aborts\":" + std::to_string(c.read_bound_aborts) +
         ",\"read_lines\":" + std::to_string(c.read_lines) + ",\"write_lines\":" +
         std::to_string(c.write_lines) + ",\"read_bound\":" + (c.read_bound ? "true" : "false") +
         ",\"fullest_set\":{\"index\":" + std::to_string(c.fullest_set) +
         ",\"lines\":" + std::to_string(c.fullest_set_lines) + ",\"ways\":" + std::to_string(c.l1_ways) + "}}";
}

}  // namespace

std::string stats_json() {
  const stats s = statistics();
  const double npt = ns_per_tick();
  std::string o = "{\"machine\":{";
  o += "\"rtm\":" + std::string(s.machine.rtm ? "true" : "false");
  o += ",\"rtm_always_abort\":" + std::string(s.machine.rtm_always_abort ? "true" : "false");
  o += ",\"rtm_compiled_in\":" + std::string(s.machine.rtm_compiled_in ? "true" : "false");
  o += ",\"htm\":" + quote(s.machine.htm) + ",\"stm\":" + quote(s.machine.stm);
  // Whether the cost rule chose first paths (fallbacks.cost; docs/policy.md).
  o += std::string(",\"policy\":") + (g_config.cost ? "\"cost\"" : "\"rules\"");
  o += ",\"cpus\":" + std::to_string(s.machine.cpus);
  if (std::string(s.machine.htm) == "emulated") {
    const auto& e = htm::emulator_settings();
    o += ",\"model\":{\"l1_size\":" + std::to_string(e.l1_size) +
         ",\"l1_ways\":" + std::to_string(e.l1_ways) +
         ",\"read_lines\":" + std::to_string(e.read_lines) +
         ",\"interrupt_every\":" + std::to_string(e.interrupt_every) +
         ",\"seed\":" + std::to_string(e.seed) + "}";
  }
  o += "},";
  // Why the hardware path does not commit, if it does not ("" otherwise).
  o += "\"diagnosis\":" + quote(detail::hardware_diagnosis(s.total, s.machine.htm)) + ",";
  // The totals' members (paths, fallbacks, ...) sit at the top level.
  std::string totals = counters_json(s.total, npt);
  o += totals.substr(1, totals.size() - 2);
  o += ",\"footprint_buckets\":\"bucket k counts transactions of [2^(k-1), 2^k) lines; 0: none\"";
  o += ",\"sites\":[";
  for (std::size_t i = 0; i < s.sites.size(); ++i) {
    const site_stats& ss = s.sites[i];
    const double all = ss.committed_ns + ss.aborted_ns;
    o += i ? "," : "";
    o += "{\"name\":" + quote(ss.name) + ",\"file\":" + quote(ss.file) +
         ",\"line\":" + std::to_string(ss.line);
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.1f", all > 0 ? 100.0 * ss.aborted_ns / all : 0.0);
    o += ",\"wasted_pct\":" + std::string(pct);
    o += ",\"counters\":" + counters_json(ss.counters, npt);
    // Under the RTM model: what real RTM would likely do at this site.
    if (std::string(s.machine.htm) == "emulated" && ss.counters[ctr::htm_starts] > 0) {
      const double starts = static_cast<double>(ss.counters[ctr::htm_starts]);
      auto frac = [&](ctr c) {
        char b[32];
        std::snprintf(b, sizeof b, "%.4f", static_cast<double>(ss.counters[c]) / starts);
        return std::string(b);
      };
      const std::uint64_t aborts = ss.counters[ctr::htm_starts] - ss.counters[ctr::htm_commits];
      char any[32];
      std::snprintf(any, sizeof any, "%.4f", static_cast<double>(aborts) / starts);
      o += ",\"prediction\":{\"source\":\"RTM model (HYTM_HTM=emulate)\",\"htm_starts\":" +
           std::to_string(ss.counters[ctr::htm_starts]) + ",\"abort_fraction\":{\"any\":" + any +
           ",\"explicit\":" + frac(ctr::htm_abort_explicit) + ",\"capacity\":" +
           frac(ctr::htm_abort_capacity) + ",\"conflict\":" + frac(ctr::htm_abort_conflict) +
           ",\"other\":" + frac(ctr::htm_abort_other) + "}}";
    }
    o += ",\"conflicts\":[";
    for (std::size_t k = 0; k < ss.conflicts.size(); ++k) o += (k ? "," : "") + finding_json(ss.conflicts[k], false);
    o += "]";
    if (ss.capacity.aborts) o += ",\"capacity\":" + capacity_json(ss.capacity);
    if (const sampled_stat& sp = ss.sampled; sp.samples) {
      o += ",\"sampled\":{\"samples\":" + std::to_string(sp.samples) +
           ",\"htm_aborted_ns\":" + num(sp.htm_aborted_ns) + ",\"findings\":[";
      for (std::size_t k = 0; k < sp.findings.size(); ++k) o += (k ? "," : "") + finding_json(sp.findings[k], true);
      o += "]";
      if (sp.footprint.aborts) o += ",\"footprint\":" + capacity_json(sp.footprint);
      o += "}";
    }
    o += "}";
  }
  o += "]}";
  return o;
}

// ---- text ----

std::string stats_text() {
  const stats s = statistics();
  const auto& t = s.total;
  std::string o;
  char line[512];
  std::snprintf(line, sizeof line,
                "hytm statistics  (machine: rtm=%s%s, htm=%s, stm=%s, cpus=%u; policy=%s)\n",
                s.machine.rtm ? "yes" : "no", s.machine.rtm_always_abort ? " (always aborts)" : "",
                s.machine.htm, s.machine.stm, s.machine.cpus, g_config.cost ? "cost" : "rules");
  o += line;
  std::snprintf(line, sizeof line, "  %-8s %14s %14s %14s\n", "path", "starts", "commits", "aborts");
  o += line;
  auto row = [&](const char* p, std::uint64_t st, std::uint64_t cm) {
    std::snprintf(line, sizeof line, "  %-8s %14llu %14llu %14llu\n", p,
                  static_cast<unsigned long long>(st), static_cast<unsigned long long>(cm),
                  static_cast<unsigned long long>(st >= cm ? st - cm : 0));
    o += line;
  };
  row("htm", t[ctr::htm_starts], t[ctr::htm_commits]);
  row("stm", t[ctr::stm_starts], t[ctr::stm_commits]);
  row("serial", t[ctr::serial_starts], t[ctr::serial_commits]);
  std::snprintf(line, sizeof line,
                "  htm aborts: explicit %llu, capacity %llu, conflict %llu, debug %llu, nested "
                "%llu, other %llu; retry hint %llu\n",
                (unsigned long long)t[ctr::htm_abort_explicit], (unsigned long long)t[ctr::htm_abort_capacity],
                (unsigned long long)t[ctr::htm_abort_conflict], (unsigned long long)t[ctr::htm_abort_debug],
                (unsigned long long)t[ctr::htm_abort_nested], (unsigned long long)t[ctr::htm_abort_other],
                (unsigned long long)t[ctr::htm_abort_retry]);
  o += line;
  std::snprintf(line, sizeof line, "  stm aborts: validation %llu, lock %llu, explicit %llu\n",
                (unsigned long long)t[ctr::stm_abort_validation], (unsigned long long)t[ctr::stm_abort_lock],
                (unsigned long long)t[ctr::stm_abort_explicit]);
  o += line;
  std::snprintf(line, sizeof line,
                "  fallbacks: capacity %llu, budget %llu, no_rtm %llu, site_disabled %llu, "
                "first_touch %llu, irrevocable %llu, exception %llu, starvation %llu, solo %llu, "
                "cost %llu, sample %llu\n",
                (unsigned long long)t[ctr::fb_capacity], (unsigned long long)t[ctr::fb_budget],
                (unsigned long long)t[ctr::fb_no_rtm], (unsigned long long)t[ctr::fb_site_disabled],
                (unsigned long long)t[ctr::fb_first_touch],
                (unsigned long long)t[ctr::fb_irrevocable], (unsigned long long)t[ctr::fb_exception],
                (unsigned long long)t[ctr::fb_starvation], (unsigned long long)t[ctr::fb_solo],
                (unsigned long long)t[ctr::fb_cost], (unsigned long long)t[ctr::fb_sample]);
  o += line;
  if (const std::string d = detail::hardware_diagnosis(t, s.machine.htm); !d.empty())
    o += "  diagnosis: " + d + "\n";
  if (t[ctr::lock_elided] || t[ctr::lock_taken]) {
    std::snprintf(line, sizeof line, "  elided locks: elided %llu, taken %llu\n",
                  (unsigned long long)t[ctr::lock_elided], (unsigned long long)t[ctr::lock_taken]);
    o += line;
  }
  if (!s.sites.empty()) {
    std::snprintf(line, sizeof line, "  %-32s %12s %12s %12s %12s %8s\n", "site", "commits", "htm",
                  "stm", "serial", "wasted");
    o += line;
    for (const site_stats& ss : s.sites) {
      const auto& c = ss.counters;
      const double all = ss.committed_ns + ss.aborted_ns;
      std::snprintf(line, sizeof line, "  %-32.32s %12llu %12llu %12llu %12llu %7.1f%%\n",
                    ss.name.c_str(),
                    (unsigned long long)(c[ctr::htm_commits] + c[ctr::stm_commits] + c[ctr::serial_commits]),
                    (unsigned long long)c[ctr::htm_commits], (unsigned long long)c[ctr::stm_commits],
                    (unsigned long long)c[ctr::serial_commits], all > 0 ? 100.0 * ss.aborted_ns / all : 0.0);
      o += line;
    }
  }
  o += conflict_report();
  return o;
}

namespace {

std::string named(const std::string& symbol, std::uintptr_t addr) {
  return symbol.empty() ? addr_line(addr) : symbol;
}

std::string conflict_line(const conflict_stat& cs) {
  char line[1024];
  if (cs.false_sharing()) {
    // Not truncated: both names are the finding.
    std::snprintf(line, sizeof line,
                  "      false sharing: %s (this site) and %s (the other side), cache line 0x%llx  "
                  "%llu aborts %.0f ns lost\n",
                  named(cs.symbol, cs.addr).c_str(), named(cs.other_symbol, cs.other_addr).c_str(),
                  static_cast<unsigned long long>(cs.addr & ~std::uintptr_t{63}),
                  static_cast<unsigned long long>(cs.aborts), cs.wasted_ns);
    return line;
  }
  std::snprintf(line, sizeof line, "      %-48.48s %10llu aborts %12.0f ns lost%s%s\n",
                named(cs.symbol, cs.addr).c_str(), static_cast<unsigned long long>(cs.aborts), cs.wasted_ns,
                cs.writer_site.empty() ? "" : "  writer ", cs.writer_site.c_str());
  return line;
}

std::string capacity_line(const capacity_stat& c) {
  char line[512];
  char mean[96] = "";
  // The shape is one abort's; the means say whether it is typical.
  if (c.aborts > 1 && (std::abs(c.mean_read_lines - c.read_lines) >= 0.5 ||
                       std::abs(c.mean_write_lines - c.write_lines) >= 0.5))
    std::snprintf(mean, sizeof mean, " (mean %.0f + %.0f)", c.mean_read_lines, c.mean_write_lines);
  char why[128];
  if (c.read_bound)
    std::snprintf(why, sizeof why, "the read set passed its bound");
  else
    std::snprintf(why, sizeof why, "fullest L1 set %u with %u of %u ways%s", c.fullest_set, c.fullest_set_lines,
                  c.l1_ways, c.fullest_set_lines >= c.l1_ways ? " (the next line for it did not fit)" : "");
  std::snprintf(line, sizeof line,
                "      capacity: %llu aborts, footprint %u read + %u written lines%s, %s  %.0f ns lost\n",
                static_cast<unsigned long long>(c.aborts), c.read_lines, c.write_lines, mean, why,
                c.wasted_ns);
  return line;
}

// What the samples of a site's aborting hardware transactions saw, marked
// sampled, with the sample size; ranked by the share of the site's lost
// hardware time (sampled_stat).
std::string sampled_lines(const sampled_stat& sp) {
  std::string o;
  char line[1024];
  const auto n = static_cast<unsigned long long>(sp.samples);
  std::snprintf(line, sizeof line,
                "      sampled: %llu samples of its aborting hardware transactions, run on the software "
                "path; %.0f ns lost in aborted hardware attempts\n",
                n, sp.htm_aborted_ns);
  o += line;
  for (std::size_t k = 0; k < sp.findings.size() && k < 5; ++k) {
    const conflict_stat& f = sp.findings[k];
    if (f.false_sharing())
      std::snprintf(line, sizeof line,
                    "      sampled false sharing: %s (this site) and %s (the other side%s%s), cache line 0x%llx  "
                    "seen %llu times in %llu samples  ~%.0f ns of hardware time\n",
                    named(f.symbol, f.addr).c_str(), named(f.other_symbol, f.other_addr).c_str(),
                    f.writer_site.empty() ? "" : ", site ", f.writer_site.c_str(),
                    static_cast<unsigned long long>(f.addr & ~std::uintptr_t{63}),
                    static_cast<unsigned long long>(f.aborts), n, f.wasted_ns);
    else
      std::snprintf(line, sizeof line,
                    "      sampled conflict: %-40.40s seen %llu times in %llu samples  ~%.0f ns of hardware "
                    "time%s%s\n",
                    named(f.symbol, f.addr).c_str(), static_cast<unsigned long long>(f.aborts), n, f.wasted_ns,
                    f.writer_site.empty() ? "" : "  writer ", f.writer_site.c_str());
    o += line;
  }
  if (const capacity_stat& c = sp.footprint; c.aborts) {
    std::snprintf(line, sizeof line,
                  "      sampled footprint: %llu samples measured, %u read + %u written lines (mean %.0f + %.0f), "
                  "fullest L1 set %u with %u written lines for %u ways%s\n",
                  static_cast<unsigned long long>(c.aborts), c.read_lines, c.write_lines, c.mean_read_lines,
                  c.mean_write_lines, c.fullest_set, c.fullest_set_lines, c.l1_ways,
                  c.fullest_set_lines > c.l1_ways ? " (more than the set holds: a write-capacity abort)" : "");
    o += line;
  }
  return o;
}

// The headline of a site whose only findings are sampled.
std::string sampled_headline(const sampled_stat& sp) {
  if (sp.findings.empty())
    return sp.footprint.aborts ? "hardware aborts; sampled: no conflicting address, see its footprint"
                               : "hardware aborts; sampled: nothing found";
  const conflict_stat& top = sp.findings.front();
  if (top.false_sharing())
    return "sampled: most to false sharing: " + named(top.symbol, top.addr) + " and " +
           named(top.other_symbol, top.other_addr) + ", one cache line";
  return "sampled: most to conflicts on " + named(top.symbol, top.addr) +
         (top.writer_site.empty() ? "" : ", written by site " + top.writer_site);
}

}  // namespace

std::string conflict_report() {
  const stats s = statistics();
  std::string o;
  char line[1024];
  bool header = false;
  for (const site_stats& ss : s.sites) {
    const auto& c = ss.counters;
    const std::uint64_t aborts = c[ctr::htm_starts] - std::min(c[ctr::htm_starts], c[ctr::htm_commits]) +
                                 c[ctr::stm_abort_validation] + c[ctr::stm_abort_lock] +
                                 c[ctr::stm_abort_explicit];
    if (aborts == 0 && ss.aborted_ns <= 0) continue;
    if (!header) {
      o += "conflicts (most time lost first):\n";
      header = true;
    }
    const double all = ss.committed_ns + ss.aborted_ns;
    const double pct = all > 0 ? 100.0 * ss.aborted_ns / all : 0.0;
    const capacity_stat& cap = ss.capacity;
    const bool capacity_first =
        cap.aborts && (ss.conflicts.empty() || cap.wasted_ns > ss.conflicts.front().wasted_ns ||
                       (cap.wasted_ns == ss.conflicts.front().wasted_ns && cap.aborts > ss.conflicts.front().aborts));
    if (capacity_first) {
      std::snprintf(line, sizeof line,
                    "  site %s lost %.0f %% of its time to aborts, most to capacity (its transactions "
                    "did not fit in the modelled L1)\n",
                    ss.name.c_str(), pct);
      o += line;
      o += capacity_line(cap);
      for (std::size_t k = 0; k < ss.conflicts.size() && k < 5; ++k) o += conflict_line(ss.conflicts[k]);
      if (ss.sampled.samples) o += sampled_lines(ss.sampled);
      continue;
    }
    if (ss.conflicts.empty()) {
      std::snprintf(line, sizeof line, "  site %s lost %.0f %% of its time to aborts (%s)\n",
                    ss.name.c_str(), pct,
                    ss.sampled.samples ? sampled_headline(ss.sampled).c_str()
                    : ss.counters[ctr::htm_starts] > ss.counters[ctr::htm_commits]
                        ? "hardware aborts: see paths.htm.aborts"
                        : "no conflicting address recorded");
      o += line;
      if (ss.sampled.samples) o += sampled_lines(ss.sampled);
      continue;
    }
    const conflict_stat& top = ss.conflicts.front();
    std::string what = named(top.symbol, top.addr);
    if (top.false_sharing()) {
      std::snprintf(line, sizeof line,
                    "  site %s lost %.0f %% of its time to false sharing: %s and %s, one cache line\n",
                    ss.name.c_str(), pct, what.c_str(), named(top.other_symbol, top.other_addr).c_str());
    } else {
      std::snprintf(line, sizeof line, "  site %s lost %.0f %% of its time to conflicts on %s%s%s\n",
                    ss.name.c_str(), pct, what.c_str(),
                    top.writer_site.empty() ? "" : ", written by site ", top.writer_site.c_str());
    }
    o += line;
    for (std::size_t k = 0; k < ss.conflicts.size() && k < 5; ++k) o += conflict_line(ss.conflicts[k]);
    if (cap.aborts) o += capacity_line(cap);
    if (ss.sampled.samples) o += sampled_lines(ss.sampled);
  }
  return o;
}

}  // namespace hytm
