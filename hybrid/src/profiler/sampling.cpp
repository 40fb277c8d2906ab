// Sampled attribution of hardware aborts (sampling.hpp; docs/conflicts.md).
#include "sampling.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "attribution.hpp"
#include "fork_hooks.hpp"
#include "hytm/htm/abort_status.hpp"
#include "hytm/htm/emulator.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/epilogue.hpp"

namespace hytm::detail {

__thread active_sample t_sample __attribute__((tls_model("initial-exec")));

namespace {

// The writers' ring: the lines that recent samples wrote, with the bytes
// written and by which site on which thread.  Only samples write it and read
// it (rarely: at a sample's commit), under one mutex.  What it can see: a
// writer whose transactions are themselves sampled (its site aborts too, as
// both sides of false sharing do in hardware); not a writer that never
// aborts, nor a hardware commit, which can write no shared word (DESIGN.md,
// rule 3).
struct ring_entry {
  std::uintptr_t line = 0;  // line number (address / 64); 0: empty
  std::uint64_t bytes = 0;  // bit i: byte i of the line was written
  std::uint32_t site = ~0u;
  const thread_ctx* writer = nullptr;
  std::int64_t when = 0;    // steady-clock ns of the publishing sample's commit
};
struct writers_ring {
  std::mutex m;
  ring_entry e[ring_size];
  std::size_t next = 0;
};
writers_ring g_ring;  // constant-initialized; its mutex is trivially destructible

// The hardware attempts the site made on this thread, this abort included:
// each ended in a commit or in an abort counted under one cause
// (count_htm_abort, which the policy ran before this).
std::uint64_t hardware_attempts(const counter_block& c) noexcept {
  using k = ctr;
  std::uint64_t n = c.c[static_cast<std::size_t>(k::htm_commits)].get();
  for (ctr a : {k::htm_abort_explicit, k::htm_abort_capacity, k::htm_abort_conflict,
                k::htm_abort_debug, k::htm_abort_nested, k::htm_abort_other})
    n += c.c[static_cast<std::size_t>(a)].get();
  return n;
}

// The window step of the rule (sampling.hpp).  True: this abort is a sample.
// `can`: the path after it can be instrumented (not serial); if not, a
// sample that is due stays due.
bool due(sample_entry& e, std::uint64_t attempts, bool can) noexcept {
  if (attempts - e.window_start > sample_window) {
    e.window_start = attempts - 1;  // the window begins with this attempt
    e.window_aborts = 0;
  }
  ++e.window_aborts;
  if (e.window_aborts >= sample_min_aborts && e.window_aborts * 4 >= attempts - e.window_start) {
    if (e.left == 0) e.next_at = attempts;  // newly armed: this abort is the first sample
    e.left = sample_burst;
    e.window_start = attempts;
    e.window_aborts = 0;
  }
  if (e.left == 0 || attempts < e.next_at || !can) return false;
  e.next_at = attempts + sample_gap;
  --e.left;
  return true;
}

void begin_sample(thread_ctx& ctx, site_local& s) noexcept {
  if (t_sample.site) ctx.footprint_clock = t_sample.saved_clock;  // a stale one: give it back
  t_sample = {&s, ctx.footprint_clock, false};
  // footprint_due() fires at the next commit, the sample's own: its commit
  // then reaches sample_commit() without a test on any commit's fast path.
  ctx.footprint_clock = 1;
}

void end_sample(thread_ctx& ctx) noexcept {
  const std::uint64_t saved = t_sample.saved_clock;
  t_sample.site = nullptr;
  // The countdown resumes where the sample found it; one that was due at
  // this commit is served by the caller.
  ctx.footprint_clock = saved > 1 ? saved - 1 : footprint_sample;
}

// The L1 the footprint is held against: the model's geometry where the model
// is configured (HYTM_HTM=emulate, HYTM_EMU_L1, the tests' set_emulator),
// else the CPU's from hwloc, else the model's defaults.
htm::emulator_config l1() {
  static const htm::emulator_config g = [] {
    htm::emulator_config c = htm::emulator_settings();
    const char* env = std::getenv("HYTM_EMU_L1");
    if ((env == nullptr || *env == '\0') && g_config.htm != htm_mode::emulated) {
      std::size_t size = 0, ways = 0;
      if (l1_geometry_from_hwloc(size, ways)) {
        c.l1_size = size;
        c.l1_ways = ways;
      }
    }
    return c;
  }();
  return g;
}

// The bytes one sample touched, per line.
struct line_bytes {
  std::uintptr_t line;
  std::uint64_t read;
  std::uint64_t written;
};

std::vector<line_bytes> touched(const thread_ctx& ctx) {
  std::vector<line_bytes> v;
  ctx.stm.reads().for_each_piece([&](const void* p, std::size_t k) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    v.push_back({a >> 6, ((std::uint64_t{1} << k) - 1) << (a & 63), 0});
  });
  for (const auto& w : ctx.stm.writes().entries())
    v.push_back({w.word >> 6, 0, std::uint64_t{w.mask} << (w.word & 63)});
  std::sort(v.begin(), v.end(), [](const line_bytes& a, const line_bytes& b) { return a.line < b.line; });
  std::vector<line_bytes> out;
  for (const line_bytes& x : v) {
    if (!out.empty() && out.back().line == x.line) {
      out.back().read |= x.read;
      out.back().written |= x.written;
    } else {
      out.push_back(x);
    }
  }
  return out;
}

// The footprint in the shape the model gives a capacity abort: lines read
// and not written, lines written, and the L1 set with the most written lines.
htm::capacity_detail footprint_of(const std::vector<line_bytes>& lines) {
  const htm::emulator_config g = l1();
  const std::size_t sets = g.sets() ? g.sets() : 1;
  std::vector<std::uint32_t> fill(sets, 0);
  htm::capacity_detail d;
  d.ways = g.l1_ways;
  for (const line_bytes& x : lines) {
    if (!x.written) {
      ++d.read_lines;
      continue;
    }
    ++d.write_lines;
    const std::size_t set = x.line % sets;
    if (++fill[set] > d.fullest_fill) {
      d.fullest_fill = fill[set];
      d.fullest_set = set;
    }
  }
  return d;
}

struct ring_finding {
  std::uintptr_t addr, other;
  std::uint32_t writer;
  bool operator==(const ring_finding& o) const { return addr == o.addr && other == o.other; }
};

// What the ring says about the lines this sample touched, then this
// sample's own written lines into it.
std::vector<ring_finding> consult_ring(const thread_ctx& ctx, const site_local& s,
                                       const std::vector<line_bytes>& lines, bool look) {
  std::vector<ring_finding> found;
  // Entries older than ring_max_age_ns are another time's writers (a thread
  // since gone, whose stack or context a new thread now has).
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::lock_guard g(g_ring.m);
  if (look) {
    for (const ring_entry& r : g_ring.e) {
      if (r.line == 0 || r.writer == &ctx || now - r.when > ring_max_age_ns) continue;
      const auto it = std::lower_bound(lines.begin(), lines.end(), r.line,
                                       [](const line_bytes& x, std::uintptr_t l) { return x.line < l; });
      if (it == lines.end() || it->line != r.line) continue;
      const std::uint64_t mine = it->read | it->written;
      const std::uintptr_t base = r.line * 64;
      if (const std::uint64_t both = mine & r.bytes)
        found.push_back({base + static_cast<unsigned>(__builtin_ctzll(both)), 0, r.site});
      else
        found.push_back({base + static_cast<unsigned>(__builtin_ctzll(mine)),
                         base + static_cast<unsigned>(__builtin_ctzll(r.bytes)), r.site});
    }
  }
  std::size_t published = 0;
  for (const line_bytes& x : lines) {
    if (!x.written) continue;
    if (published++ == ring_lines_per_sample) break;
    g_ring.e[g_ring.next] = {x.line, x.written, s.rec->id, &ctx, now};
    g_ring.next = (g_ring.next + 1) % ring_size;
  }
  return found;
}

}  // namespace

path_kind sample_after_htm_abort(thread_ctx& ctx, unsigned status, path_kind next) noexcept {
  // The model attributes every abort itself, to the byte (attribution.cpp).
  // Samples read NOrec's logs (ctx.stm): with HYTM_STM=orec (or off) none are taken.
  if (g_config.htm == htm_mode::emulated || g_config.stm != stm_algorithm::norec || !g_config.sample)
    return next;
  const htm::abort_cause cause = htm::abort_status{status}.cause();
  if (cause != htm::abort_cause::conflict && cause != htm::abort_cause::capacity) return next;
  site_local& s = *ctx.site;
  // The serial path logs no reads: a sample due then waits for the next abort.
  if (!due(s.sampled, hardware_attempts(s.counters), next != path_kind::serial)) return next;
  begin_sample(ctx, s);
  s.counters[ctr::stm_samples].add();
  if (next == path_kind::htm) s.counters[ctr::fb_sample].add();
  return path_kind::stm;
}

bool sample_attempt_aborted(thread_ctx& ctx) noexcept {
  if (t_sample.site == nullptr || t_sample.site != ctx.site) return false;
  if (const void* a = ctx.stm.conflict_address()) {
    t_sample.saw_change = true;
    std::lock_guard g(ctx.sites_mutex);
    count_in_table(ctx.site->sampled.seen, reinterpret_cast<std::uintptr_t>(a),
                   stm::g_norec.last_writer.load(std::memory_order_relaxed), 0, 0);
  }
  return true;
}

bool sample_commit(thread_ctx& ctx, path_kind p) {
  site_local* const s = t_sample.site;
  const bool saw_change = t_sample.saw_change;
  const bool regular = t_sample.saved_clock <= 1;
  end_sample(ctx);
  // A sample that ended on the serial path (starvation, irrevocable) has no
  // read log to measure; another site's commit here is a handler's
  // transaction, which ends the sample unmeasured.
  if (s != ctx.site || p != path_kind::stm) return regular;
  const std::vector<line_bytes> lines = touched(ctx);
  const htm::capacity_detail d = footprint_of(lines);
  // The ring is consulted only where validation named nothing: a changed
  // value is the better finding.
  const std::vector<ring_finding> found = consult_ring(ctx, *s, lines, !saw_change);
  std::lock_guard g(ctx.sites_mutex);
  count_capacity(s->sampled.footprint, d, 0);
  for (std::size_t i = 0; i < found.size(); ++i)
    if (std::find(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(i), found[i]) ==
        found.begin() + static_cast<std::ptrdiff_t>(i))
      count_in_table(s->sampled.seen, found[i].addr, found[i].writer, 0, found[i].other);
  return regular;
}

void sample_dropped(thread_ctx& ctx) noexcept {
  if (t_sample.site) end_sample(ctx);
}

void sampling_fork_prepare() { g_ring.m.lock(); }
void sampling_fork_after() { g_ring.m.unlock(); }

void sample_ring_clear() noexcept {
  std::lock_guard g(g_ring.m);
  for (ring_entry& r : g_ring.e) r = {};
}

void sample_forget(site_local& s) noexcept {
  s.sampled.window_start = 0;
  s.sampled.window_aborts = 0;
  s.sampled.left = 0;
  s.sampled.next_at = 0;
}

}  // namespace hytm::detail
