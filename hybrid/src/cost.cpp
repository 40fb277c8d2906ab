// cost.cpp: the cost rule (docs/policy.md, "By measured cost").
//
// Where the fixed rules (policy.cpp) leave a site's first path open, the
// site starts where a committed transaction costs least.  The estimate of
// path p is the mean time a timed transaction takes from the moment it runs
// on p until it commits: its attempts on p (committed or aborted), the
// backoff between them, and whatever it then ran on the paths it fell back
// to.  A transaction's paths only move forward (hardware, software,
// serial), so one timed transaction that started in hardware, gave up after
// its retry budget and committed in software is a sample of both: of
// hardware from its first attempt, of software from its first software
// attempt.  With per-attempt abort probability a, mean committed time c and
// mean aborted time w on p, and a share f of transactions that leave p for
// a fallback costing E', that mean is c·(1-f) + w·(aborts per transaction)
// + f·E', i.e. c + w·a/(1-a) when nothing falls back: the rule measures the
// sum instead of its parts, so it includes the backoff and the retry budget
// as they are.
//
// Everything here runs only for timed transactions (one in time_sample_cost,
// epilogue.hpp) and off the fast path: the fast path reads the decision as
// the site's skip count (site_local::htm_skip), which first() reads anyway.
#include <algorithm>
#include <atomic>

#include "hytm/hybrid/epilogue.hpp"
#include "hytm/hybrid/policy.hpp"
#include "hytm/testing.hpp"

namespace hytm {

namespace {

testing::attempt_clock g_attempt_clock = nullptr;  // tests only (testing.hpp)

constexpr std::uint64_t none = ~std::uint64_t{0};
constexpr unsigned idx(path_kind p) noexcept { return static_cast<unsigned>(p); }

// Threads that hold a context now (live threads that ran a transaction).
std::uint32_t live_threads() noexcept {
  std::uint32_t k = 0;
  for (thread_ctx* t = first_ctx(); t; t = t->next) k += t->claimed.load(std::memory_order_relaxed);
  return k;
}

class decision {
 public:
  explicit decision(site_local& site) : site_(site), c_(site.cost) {
    usable_[idx(path_kind::htm)] = g_config.htm != htm_mode::off && g_config.htm_retries != 0;
    usable_[idx(path_kind::stm)] = g_config.stm != stm_algorithm::off;
    // Serial runs alone: while it runs, each other thread's transactions
    // wait, so it costs its time once per live thread.  On one thread it
    // would win nearly always; that choice is solo mode's (solo.hpp), which
    // also knows when a second thread comes.
    // (Counted only when serial has an estimate: a walk of the contexts.)
    const unsigned sp = idx(path_kind::serial);
    const std::uint32_t k = c_.samples[sp] >= attempt_policy::cost_min_samples ? live_threads() : 0;
    usable_[sp] = k >= 2;
    for (unsigned p = 0; p < 3; ++p) {
      est_[p] = none;
      if (!usable_[p] || c_.samples[p] < attempt_policy::cost_min_samples) continue;
      est_[p] = c_.estimate(p) * (p == idx(path_kind::serial) ? k : 1);
    }
    // Where the rules start a transaction (htm, or stm without hardware).
    rules_ = usable_[idx(path_kind::htm)] ? path_kind::htm : path_kind::stm;
  }

  // Decides, and returns the number of timed commits until the next
  // decision: cost_decide_every on the rules' path; cost_probe_every off it,
  // so that a probe is decided as soon as it has its samples.
  std::uint32_t run() noexcept {
    decide();
    return c_.choice == idx(path_kind::htm) ? attempt_policy::cost_decide_every
                                            : attempt_policy::cost_probe_every;
  }

 private:
  void decide() noexcept {
    if (!usable_[idx(rules_)]) return;  // no hardware, no software: serial anyway
    // A skip set by site_disabled (policy.cpp) is not a hold: the cost rule
    // may lengthen it into one.
    const bool cost_holds = site_.htm_skip > 0 && c_.skip_why == ctr::fb_cost;
    const path_kind cur = c_.choice == idx(path_kind::htm) ? rules_ : static_cast<path_kind>(c_.choice);
    if (cur == rules_) {
      age_serial();
      if (serial_probe_due()) return probe_serial(std::max(c_.hold, attempt_policy::cost_hold_min));
      const path_kind b = cheapest_after(rules_);
      if (clearly_cheaper(b, rules_)) hold(b, std::max(c_.hold, attempt_policy::cost_hold_min));
      return;
    }
    if (cost_holds) {
      // Software or serial while hardware rests: serial may take over from
      // software (never back: serial starts leave software unmeasured).
      if (cur == path_kind::stm && clearly_cheaper(path_kind::serial, path_kind::stm)) {
        c_.choice = c_.skip_path = idx(path_kind::serial);
        c_.reset(idx(path_kind::stm));
      }
      return;
    }
    // The hold ended: the starts since are the rules' probe.  Decide once
    // it has measured the rules' path afresh: back to the rules unless the
    // cheapest other path still is not clearly dearer than them (the other
    // half of the hysteresis band), else hold again, twice as long.
    if (est_[idx(rules_)] == none) return;
    if (serial_probe_due()) return probe_serial(std::min(c_.hold * 2, attempt_policy::cost_hold_max));
    const path_kind b = cheapest_after(rules_);
    if (b == rules_ || clearly_cheaper(rules_, b)) {
      c_.choice = idx(path_kind::htm);
      c_.hold = attempt_policy::cost_hold_min;
      return;
    }
    hold(b, std::min(c_.hold * 2, attempt_policy::cost_hold_max));
  }

  // Serial gets samples only where a transaction falls back to it (the
  // starvation rule's 65th software abort) or where the rule holds it, and
  // the rule holds it only once it has samples: a site whose software
  // attempts conflict often but commit within the rules' budget would never
  // learn that serial is cheaper.  (On two cores a contended writer ran 1.6x
  // to 6x faster serial than in software, docs/benchmarks.md.)  So a site
  // with a fresh estimate on the rules' path and too few serial samples runs
  // a short stretch serial, then decides with all three estimates.
  // Serial's estimate is kept through later holds and probes of the other
  // paths (hold() resets only the paths before the one it holds): serial
  // runs alone, so its time depends on the transaction more than on the
  // contention, which the live-thread factor follows at every decision.
  // But one probe's few samples can be wrong for long: its first serial
  // transactions meet cold caches (the undo log's first allocation, lines
  // the other thread wrote), and a site that then stays on the rules' path
  // never measures serial again.  So the estimate ages: after 4, 8, ... up
  // to 1024 decisions on the rules' path it is dropped and probed afresh.
  void age_serial() noexcept {
    if (c_.serial_age != 0 && --c_.serial_age == 0) c_.reset(idx(path_kind::serial));
  }
  bool serial_probe_due() const noexcept {
    return c_.samples[idx(path_kind::serial)] < attempt_policy::cost_min_samples &&
           est_[idx(rules_)] != none && live_threads() >= 2;
  }
  // Like hold(serial, cost_serial_probe), but a probe is not a
  // confirmation: `next` is the hold this decision would have made, and the
  // decision after the probe holds twice c_.hold, so that hold is `next`
  // (holds are powers of two, at least cost_hold_min).
  void probe_serial(std::uint32_t next) noexcept {
    hold(path_kind::serial, attempt_policy::cost_serial_probe);
    c_.hold = next / 2;
    c_.serial_age = static_cast<std::uint16_t>(attempt_policy::cost_serial_reprobe << c_.serial_shift);
    if (c_.serial_shift < attempt_policy::cost_serial_reprobe_max_shift) ++c_.serial_shift;
  }

  // The cheapest estimated path after `from` (from itself if none is known).
  path_kind cheapest_after(path_kind from) const noexcept {
    path_kind b = from;
    for (unsigned p = idx(from) + 1; p < 3; ++p)
      if (est_[p] != none && (est_[idx(b)] == none || est_[p] < est_[idx(b)]))
        b = static_cast<path_kind>(p);
    return b;
  }
  // Hysteresis: a move needs a path at least 1/8 cheaper, so that two
  // paths of about the same cost do not make the site swing between them.
  bool clearly_cheaper(path_kind a, path_kind b) const noexcept {
    if (a == b || est_[idx(a)] == none || est_[idx(b)] == none) return false;
    return est_[idx(a)] * 8 < est_[idx(b)] * 7;
  }
  // The site starts on p for the next `length` starts (policy.cpp, skipped),
  // then probes the rules' path.  The paths before p get no samples while
  // it holds: their estimates start afresh in the probe.
  void hold(path_kind p, std::uint32_t length) noexcept {
    c_.choice = c_.skip_path = static_cast<std::uint8_t>(idx(p));
    c_.skip_why = ctr::fb_cost;
    c_.hold = length;
    site_.htm_skip = std::max(site_.htm_skip, length);
    for (unsigned q = 0; q < idx(p); ++q) c_.reset(q);
  }

  site_local& site_;
  site_cost& c_;
  bool usable_[3];
  std::uint64_t est_[3];
  path_kind rules_;
};

}  // namespace

namespace detail {

void cost_spent(thread_ctx& ctx, path_kind p, std::uint64_t ticks, bool attempt) noexcept {
  if (!ctx.timed || !g_config.cost) return;
  if (ctx.tx_stages & cost_clock_stage) ticks = attempt && g_attempt_clock ? g_attempt_clock(p, false) : 0;
  const unsigned bit = 1u << idx(p);
  if (ctx.tx_stages & bit) {
    ctx.tx_spent[idx(p)] += ticks;
  } else {
    ctx.tx_stages |= bit;
    ctx.tx_spent[idx(p)] = ticks;
  }
}

void cost_decide(site_local& site) noexcept {
  const bool was_rules = site.cost.choice == idx(path_kind::htm);
  site.cost.clock = decision(site).run();
  // Calm: the site stays where the rules start it (a hold or a probe moves
  // the choice off it).  The site is the calling thread's.
  thread_ctx* const ctx = t_ctx;
  if (ctx == nullptr) return;
  std::uint8_t& calm = ctx->cost_calm;
  if (was_rules && site.cost.choice == idx(path_kind::htm))
    calm += calm < 255;
  else
    calm = 0;
}

// A transaction that did not commit at its first attempt, or a test clock.
void cost_commit_slow(thread_ctx& ctx, path_kind pc, std::uint64_t ticks) noexcept {
  site_cost& c = ctx.site->cost;
  if ((ctx.tx_stages & cost_clock_stage) && g_attempt_clock) {
    ticks = g_attempt_clock(pc, true);
    ctx.time_clock = 1;  // time the next transaction too
  }
  // One sample per path the transaction ran on, each from the moment it got
  // there: walk back from the commit, adding each earlier path's time.
  const unsigned ran = ctx.tx_stages & ~unsigned{cost_clock_stage};
  const unsigned stages = ran | (1u << idx(pc));
  std::uint64_t s = ticks;
  for (unsigned p = idx(pc) + 1; p-- > 0;) {
    if (ran & (1u << p)) s += ctx.tx_spent[p];
    if (stages & (1u << p)) c.add(p, s);
  }
  ctx.tx_stages &= cost_clock_stage;
  if (--c.clock == 0) cost_decide(*ctx.site);
}


}  // namespace detail

namespace testing {
void set_attempt_clock(attempt_clock clock) {
  g_attempt_clock = clock;
  thread_ctx& ctx = current_ctx();
  ctx.tx_stages = clock ? cost_clock_stage : 0;
  if (clock) ctx.time_clock = 1;  // from the next transaction on
}
}  // namespace testing

}  // namespace hytm
