// policy.hpp: which path the next attempt of a transaction takes.
//
// The rules (../../../docs/policy.md has the reasons):
//   - a thread that runs transactions alone (HYTM_HTM=auto, HYTM_SOLO=auto):
//     serial at its first attempt ("solo", solo.hpp); a second thread's
//     start ends it for both.
//   - no RTM (or HYTM_HTM=off): software at once (fallback "no_rtm"); no
//     software path either (HYTM_STM=off): serial.
//   - capacity: never retried in hardware; software at once ("capacity").
//     A site whose first attempts keep overflowing skips hardware for its
//     next probe_interval starts ("site_disabled"), then probes again; each
//     failed probe doubles the interval (to 1024).
//   - status 0 without the retry hint is a first touch until proven
//     otherwise (a page fault or a first PLT call, which no hardware retry
//     can get past): the rest of the transaction runs in software once
//     ("first_touch"), which maps the page or binds the slot, and the next
//     transaction tries hardware again.  Only when status 0 keeps coming
//     after such runs (skip_after_other of them with no hardware commit at
//     the site) is the site's hardware turned off ("site_disabled"), and
//     not even then if objects were loaded since the code was last mapped
//     (map_code_pages): a body's hardware code, run only inside regions,
//     can sit on a page of text that was never mapped, whose fault no
//     software run services ("paths.htm.code_mapped").
//   - conflict, retry hint, debug, nested, user restart: back off and retry
//     in hardware while the budget (HYTM_HTM_RETRIES) lasts, then software
//     ("budget").
//   - another transaction's progress (H4): the serial lock or a software
//     write-back seen before xbegin, an explicit "serial lock held" /
//     "software writer" abort, or a conflict abort during which the serial
//     lock was taken or seq moved: wait until the word clears, retry, not
//     charged (up to free_waits per transaction, so that a stream of
//     software commits cannot starve it: then charged).
//   - the allocation cache or a log ran empty inside the region (codes
//     0xe0-0xef, refill_logs): refill outside the region, retry, not charged.
//   - irrevocable(): serial.  A body that threw in hardware: software
//     ("exception"), where the exception is thrown again from a validated
//     state and leaves.
//   - after HYTM_STM_RETRIES software aborts: serial ("starvation"), so
//     every transaction finishes.
//   - by measured cost (HYTM_POLICY=cost with HYTM_HTM=auto; cost.cpp):
//     where the rules above leave the first path open, a site whose
//     transactions cost clearly less when they start on software (or serial)
//     than where the rules start them starts there for a while ("cost"),
//     then probes the rules' path again, with exponential backoff.
#pragma once

#include <cstdint>
#include <string>

#include "hytm/htm/abort_status.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/solo.hpp"
#include "hytm/hybrid/thread_ctx.hpp"
#include "hytm/stm/norec.hpp"

namespace hytm {

namespace detail {
// Counts one hardware abort under its cause, retry hint and explicit code.
HYTM_API void count_htm_abort(site_local& site, unsigned status) noexcept;
// Refills what an explicit refill abort (codes 0xe0-0xef, refill_logs)
// found empty (epilogue.cpp).
void refill_for_code(thread_ctx& ctx, std::uint8_t code) noexcept;
bool is_refill_code(std::uint8_t code) noexcept;
// Maps the read-only segments (text, constants) of every loaded object into
// the page tables, if objects were loaded since the last call; true if it
// did (code_pages.cpp).
bool map_code_pages() noexcept;
void forget_code_pages() noexcept;  // testing::forget_site_policy()

// Lock elision's per-site learning (elide.hpp), the same rules as
// attempt_policy where they apply.
// Should this elided section try hardware at all?
HYTM_API bool elide_try_hardware(site_local& site) noexcept;
// After an abort: true retries in hardware, false takes the lock.
HYTM_API bool elide_after_abort(site_local& site, unsigned status, std::uint32_t attempt) noexcept;
HYTM_API void elide_committed(site_local& site) noexcept;

// Why the hardware path does not work, from the totals, for the report
// (stats.cpp): "" when it commits, or when it is not meant to run.  A path
// that silently stops working is a bug: this says so, and why.
HYTM_API std::string hardware_diagnosis(const counter_values& t, const char* htm_mode);

// Where the engine picks the paths itself (HYTM_HTM=auto gives off or rtm;
// force, emulate and scripted tests exist to exercise the hardware path,
// unless a test mode asks) and a software path exists to be cheaper than:
// one-thread mode (solo.hpp), and the cost rule's serial choice without
// hardware (cost.cpp; with hardware, its skips are read like
// site_disabled's).
inline bool engine_chooses() noexcept {
  return g_config.adaptive && g_config.stm != stm_algorithm::off &&
         (g_config.htm == htm_mode::off || g_config.htm == htm_mode::rtm);
}

// Tests only (testing.hpp, set_software_share): one transaction in this
// many starts on software; 0: none.
extern HYTM_API std::uint32_t g_software_share;

// The cost rule's record of a timed transaction (cost.cpp): `ticks` lost on
// path p to an aborted attempt (attempt true) or to a backoff pause.
void cost_spent(thread_ctx& ctx, path_kind p, std::uint64_t ticks, bool attempt) noexcept;
}  // namespace detail

class attempt_policy {
 public:
  attempt_policy(thread_ctx& ctx, site_local& site) noexcept : ctx_(ctx), site_(site) {}

  // The first path, by first()'s rules.  Inline where neither solo mode nor
  // the cost rule runs and no rule diverts the site: each transaction then
  // starts with a few compares and no call.  The rest goes to first().
  // Solo mode's common case, the thread that holds the word already, is
  // decided inline too; auto mode without hardware asks
  // first_without_htm(), a cheaper call than first().
  // (With no hardware path, engine_chooses() is adaptive && stm != off.)
  [[gnu::always_inline]] path_kind first_path() noexcept {
    if (g_config.htm == htm_mode::off) {
      if (HYTM_LIKELY(!g_config.adaptive)) {
        count(ctr::fb_no_rtm);
        return g_config.stm == stm_algorithm::off ? path_kind::serial : path_kind::stm;
      }
      if (g_config.solo && g_config.stm != stm_algorithm::off &&
          detail::solo_held(ctx_.solo, &ctx_)) {
        count(ctr::fb_solo);
        return path_kind::serial;
      }
      return first_without_htm();
    } else if (HYTM_LIKELY(site_.htm_skip == 0 && g_config.htm_retries != 0 &&
                           detail::g_software_share == 0)) {
      if (HYTM_LIKELY(!g_config.adaptive)) return path_kind::htm;
      // Adaptive (HYTM_HTM=auto's default, solo mode): first() would ask
      // solo mode first, then make the tests above.  Its two common
      // answers are decided here: the thread holds the word (serial), or
      // others run and this thread's countdown to claim it again has not
      // run out (hardware; solo_still_contended() counts it down, as
      // solo_claim() would).  A test mode's hardware path ignores solo.
      if (!detail::engine_chooses() || !g_config.solo) return path_kind::htm;
      if (detail::solo_held(ctx_.solo, &ctx_)) {
        count(ctr::fb_solo);
        return path_kind::serial;
      }
      if (detail::solo_still_contended(ctx_.solo)) return path_kind::htm;
    }
    return first();
  }
  // Auto mode on a CPU without RTM, with several threads or solo mode off:
  // first()'s answers in first()'s order (solo mode's countdown, then the
  // site's skip, then software), cheaper than its exported call (29 of the
  // 209 instructions of an empty transaction with HYTM_SOLO=off, callgrind).
  // Out of line but in the program (not exported): inline, it made the
  // serial path's code around it slower (solo mode's ++counter 151 -> 160).
  // solo_still_contended() changes nothing when it says false, and first()
  // then asks solo mode itself.
  [[gnu::noinline]] path_kind first_without_htm() noexcept {
    if (HYTM_LIKELY(g_config.stm != stm_algorithm::off &&
                    (!g_config.solo || detail::solo_still_contended(ctx_.solo)))) {
      if (HYTM_LIKELY(site_.htm_skip == 0)) {
        count(ctr::fb_no_rtm);
        return path_kind::stm;
      }
      // skipped(): the cost rule or site_disabled holds a path.
      --site_.htm_skip;
      count(site_.cost.skip_why);
      return site_.cost.skip_path == static_cast<std::uint8_t>(path_kind::serial) ? path_kind::serial
                                                                                  : path_kind::stm;
    }
    return first();
  }
  // first_path()'s answers that need neither a call nor a write, decided
  // from the configuration and the solo word alone (the site's part is
  // site_lets_solo()), for the C entry's frameless cases (c_api.cpp,
  // top_entry), which ask before they change anything:
  //   serial       HYTM_HTM=off, software off, no adaptive rule (fb_no_rtm);
  //   stm          HYTM_HTM=off, software on, no adaptive rule (fb_no_rtm);
  //   serial_solo  this thread holds solo mode, without hardware (fb_solo,
  //                and solo_held()'s ++run);
  //   serial_solo_if_site  the same with the hardware path on: serial if
  //                site_lets_solo() (else first_path() tries hardware);
  //   none         first_path() would call first() or first_without_htm(),
  //                or pick hardware.
  // The test SoloTest.QuickFirstAnswersAsFirstPathDoes holds these to
  // first_path() in every configuration and solo state.
  enum class quick : std::uint8_t { none, serial, stm, serial_solo, serial_solo_if_site };
  [[gnu::always_inline]] static quick quick_first(const thread_ctx& ctx) noexcept {
    // In first_path()'s order (the forced case is three tests).  Solo mode
    // sets adaptive (config.cpp, testing.cpp).
    if (g_config.htm == htm_mode::off) {
      if (HYTM_LIKELY(!g_config.adaptive))
        return g_config.stm == stm_algorithm::off ? quick::serial : quick::stm;
      return g_config.solo && g_config.stm != stm_algorithm::off && detail::solo_names(&ctx)
                 ? quick::serial_solo
                 : quick::none;
    }
    return g_config.solo && g_config.stm != stm_algorithm::off && g_config.htm == htm_mode::rtm &&
                   g_config.htm_retries != 0 && detail::solo_names(&ctx)
               ? quick::serial_solo_if_site
               : quick::none;
  }
  // serial_solo_if_site: the site tries hardware (first_path()'s first
  // test), so solo mode's answer stands.
  [[gnu::always_inline]] static bool site_lets_solo(const site_local& site) noexcept {
    return site.htm_skip == 0 && detail::g_software_share == 0;
  }
  // Every rule (policy.cpp); exported, for the C interface and for programs
  // built before first_path().
  HYTM_API path_kind first() noexcept;
  // Counts the abort, waits or backs off as the rules say, returns the path
  // of the next attempt.
  HYTM_API path_kind after_htm_abort(htm::abort_status st) noexcept;
  // A hardware commit: the site's hardware works (inline: every hardware
  // commit runs it).
  void htm_committed() noexcept {
    site_.capacity_streak = 0;
    site_.other_streak = 0;
    site_.probe_interval = 16;
  }
  HYTM_API path_kind after_stm_abort(stm::abort_reason why) noexcept;
  // irrevocable(): serial, counted under `why`.
  HYTM_API path_kind to_serial(ctr why) noexcept;

  std::uint32_t htm_attempts() const noexcept { return htm_attempts_; }
  std::uint32_t stm_aborts() const noexcept { return stm_aborts_; }

  // Limits (docs/policy.md).
  static constexpr std::uint32_t skip_after_capacity = 4;
  static constexpr std::uint32_t skip_after_other = 4;
  static constexpr std::uint32_t free_waits = 64;
  static constexpr std::uint32_t max_probe_interval = 1024;
  // The cost rule (cost.cpp; docs/policy.md, "By measured cost").
  static constexpr std::uint32_t cost_decide_every = 32;  // timed commits at the site
  static constexpr std::uint32_t cost_probe_every = 4;    // ... while it is off the rules' path
  static constexpr std::uint32_t cost_min_samples = 4;   // per path compared
  static constexpr std::uint32_t cost_hold_min = 256;    // starts on the cheaper path
  static constexpr std::uint32_t cost_hold_max = 16384;
  // A site with no serial estimate runs this many starts serial once (about
  // 8 timed ones; cost_min_samples are needed), while others live.
  static constexpr std::uint32_t cost_serial_probe = 64;
  // ... and again after 4, 8, ... up to 1024 decisions on the rules' path
  // (a decision per cost_decide_every timed commits there).
  static constexpr std::uint32_t cost_serial_reprobe = 4;
  static constexpr std::uint32_t cost_serial_reprobe_max_shift = 8;

 private:
  path_kind software(ctr why) noexcept;
  // Out of line and cold: first()'s fast path keeps no frame for it.
  [[gnu::noinline, gnu::cold]] path_kind skipped() noexcept;
  void disable_hardware_for_a_while() noexcept;
  void pause_after_conflict(path_kind p, std::uint32_t attempt) noexcept;
  void count(ctr c) noexcept { site_.counters[c].add(); }

  thread_ctx& ctx_;
  site_local& site_;
  bool uncharged() noexcept { return ++free_waits_ <= free_waits; }

  std::uint32_t htm_attempts_ = 0;
  std::uint32_t stm_aborts_ = 0;
  std::uint32_t free_waits_ = 0;
};

}  // namespace hytm
