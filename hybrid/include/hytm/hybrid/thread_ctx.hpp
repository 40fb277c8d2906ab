// thread_ctx.hpp: everything the engine keeps per thread.
//
// A thread_ctx is created at a thread's first transaction and never freed: at
// thread exit it is given back and a later thread adopts it, with its
// statistics, so that counts survive thread exit without a merge step and
// aggregation walks a list that only grows (no lock against thread exit).
// It is given back by a pthread key destructor, after every thread_local
// destructor of the thread, so that transactions work in those too; the main
// thread keeps its context through exit() (docs/lifetime.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "hytm/core/activity.hpp"
#include "hytm/hybrid/alloc_cache.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/handler.hpp"
#include "hytm/core/backoff.hpp"
#include "hytm/fallback/undo_log.hpp"
#include "hytm/htm/emulator.hpp"
#include "hytm/hybrid/site.hpp"
#include "hytm/hybrid/solo.hpp"
#include "hytm/stm/norec.hpp"
#include "hytm/stm/orec.hpp"

struct hytm_tx;  // the C interface's transaction (hytm.h)

namespace hytm {

enum class path_kind : std::uint8_t { htm, stm, serial };
inline constexpr std::uint8_t cost_clock_stage = 0x80;  // thread_ctx::tx_stages
HYTM_API const char* name(path_kind p) noexcept;

struct deferred_free {
  void* ptr;
  void (*destroy)(void*);  // runs the destructor (may be null), then frees
};

// How far a transaction's logs had grown when a nested transaction began:
// the serial path rolls back to it when an exception leaves the nested one
// (run.hpp, nested()).
struct savepoint {
  std::size_t undo, allocs, frees, on_commit, on_abort;
};

// Cache-line aligned, so that no other object shares the lines a hardware
// attempt writes (depth, flags): a write by another thread to a neighbour
// would abort the attempt.
struct site_index;  // context.cpp

struct alignas(cache_line) thread_ctx {
  thread_ctx* next = nullptr;  // registry list; immutable once published
  std::atomic<bool> claimed{false};
  activity_slot* slot = nullptr;

  // The transaction in flight (depth 0: none).
  int depth = 0;
  // Set by a top-level hytm::atomic() for as long as it runs (the address of
  // a local in its caller's frame), so that a transaction begun in a signal
  // handler that interrupted it can be told apart from a nested one
  // (docs/lifetime.md).
  const void* outer = nullptr;
  path_kind path = path_kind::serial;
  void* tx = nullptr;  // the path's tx object, for flattened nesting
  // Where the tx objects live, one slot per attempt in turn (tx.hpp,
  // tx_in_slot): a reference that escapes an attempt names a slot the
  // following attempts do not use, until 63 more have run.
  static constexpr std::size_t tx_slot_count = 64;
  alignas(16) unsigned char tx_slots[tx_slot_count][32];  // stm_ro_tx: 32 bytes
  site_local* site = nullptr;
  bool want_serial = false;     // irrevocable() asked for the serial path
  ctr serial_why = ctr::fb_irrevocable;  // ... or an exception left a nested transaction
  bool body_threw = false;      // a body's exception is leaving (epilogue.cpp)
  bool restart_asked = false;   // restart() was called (and maybe swallowed)
  bool saw_software = false;    // a hardware commit announced itself (H3)
  bool htm_wrote = false;       // the hardware attempt stored to shared data or freed (H3)
  bool scripted = false;        // a scripted "hardware" attempt runs (tests)
  bool emulated = false;        // the hardware path runs on the RTM model
  std::uint8_t scripted_abort = 0;  // its xabort code
  std::uint32_t last_writer_site = ~0u;
  std::uint64_t commit_stamp = 0;  // the clock value the last announced hardware commit set (H3)
  std::uint64_t seq_seen = 0;      // seq before the last xbegin (policy: progress waits)
  // The C interface's transaction objects (c_api.cpp), created on first use.
  // c_active: a top-level C transaction runs an attempt now, so a nested C++
  // atomic() restarts it through c_restart() rather than by exception.
  ::hytm_tx* c_top = nullptr;
  ::hytm_tx* c_nested = nullptr;
  bool c_active = false;

  // The software algorithm's state: one of the two is used, the one
  // g_config.stm names (every software transaction of a process runs the
  // same algorithm, docs/stm.md).
  stm::norec stm;
  stm::orec orec;
  htm::emulated_tx emu;
  undo_log undo;
  // The logs below keep their capacity across transactions; a hardware
  // attempt that finds one full aborts (code refill_logs) and the policy
  // grows it outside the region (epilogue.cpp).
  std::vector<deferred_free> allocs;  // destroyed and released if the attempt aborts
  std::vector<deferred_free> frees;  // done after commit
  std::vector<handler> on_commit;
  std::vector<handler> on_abort;
  alloc_cache blocks;  // tx.alloc / tx.make (alloc_cache.hpp)
  // Set by every append to the four logs above (tx_memory.hpp), cleared by
  // commit_epilogue() once they are empty: a commit that finds it false has
  // nothing to free, release or run, and skips the call (epilogue.hpp).
  // Never false while a log holds something; true with empty logs costs
  // one call.  Inside a hardware region it is rolled back with the logs.
  bool logs_used = false;

  // Per-site state, indexed by site_record::id.  The owner reads without
  // the lock (it is the only writer); it grows the vector, and other threads
  // read it, under the lock.
  std::mutex sites_mutex;
  std::vector<site_local*> sites;
  // Call site -> site_local, by site_key() (run.hpp).  An empty entry's key
  // is 1, the address of no object: a default-constructed source_location's
  // key is null, and must miss.
  struct cache_entry {
    const void* key = reinterpret_cast<const void*>(std::uintptr_t{1});
    std::uint32_t line = 0, column = 0;
    site_local* site = nullptr;
  };
  static constexpr std::size_t cache_size = 64;
  cache_entry cache[cache_size];
  static std::size_t cache_slot(const void* key) noexcept {
    // Fibonacci hashing: the top bits of the product depend on every bit of
    // the key (source_location records lie 24 bytes apart).
    return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(key) * 0x9E3779B97F4A7C15ull) >> 58);
  }

  xorshift rng{0x9E3779B97F4A7C15ull};
  std::uint64_t footprint_clock = 16;  // commits until the next footprint sample (footprint_due)
  std::uint64_t time_clock = 1;  // transactions until the next timed one (draw_timed)
  bool timed = false;            // this transaction's attempts are timed
  std::uint32_t hot = 0;         // transactions left to time aborts in (run.hpp)
  std::vector<std::uintptr_t> scratch;
  solo_state solo;  // one-thread mode (solo.hpp)
  // A timed transaction's time so far on each path it ran on (indexed by
  // path_kind): its aborted attempts and their backoff, for the cost rule
  // (cost.cpp).  tx_spent[p] holds only while bit p of tx_stages is set;
  // draw_timed clears those bits at each timed start, and only timed
  // transactions set them.  Bit cost_clock_stage: a test clock runs
  // (testing.hpp, set_attempt_clock), so every sample takes the slow path.
  std::uint8_t tx_stages = 0;
  std::uint64_t tx_spent[3] = {0, 0, 0};
  // How many transactions a timed one's committed time stands for (the
  // mean of the countdown that picked it: draw_timed), and the mean of the
  // countdown running now.  Last: only the library makes a thread_ctx, so
  // inline code compiled against an earlier header, which reads neither,
  // finds every other member where it was.
  std::uint8_t time_weight = 32;
  std::uint8_t time_next_weight = 32;
  // Decisions of the cost rule in a row, at any of this thread's sites, that
  // left the site on the rules' path (cost.cpp, cost_decide; saturating):
  // from cost_calm_after on, the thread times one transaction in 32 rather
  // than 8 (draw_timed).  A new site sets it to 0.
  std::uint8_t cost_calm = 0;
  // Every call site this context has met, by its cache key (context.cpp,
  // site_slow): the cache above is direct-mapped, so two hot sites that
  // share a slot evict each other at every start, and the one that missed
  // is found here, with no lock and no string, instead of in the process's
  // registry (a std::string built, a mutex every thread takes, a map).
  // The library's own table; last, like the members above.
  hytm::site_index* site_index = nullptr;
};

namespace detail {
// The thread's state for software algorithm A.
template <class A>
A& algorithm_state(thread_ctx& ctx) noexcept;
template <>
[[gnu::always_inline]] inline stm::norec& algorithm_state<stm::norec>(thread_ctx& ctx) noexcept {
  return ctx.stm;
}
template <>
[[gnu::always_inline]] inline stm::orec& algorithm_state<stm::orec>(thread_ctx& ctx) noexcept {
  return ctx.orec;
}
// f(state) with the state of the algorithm this process runs (g_config.stm),
// for the code outside the attempt's body (the epilogues, the C interface),
// which is not instantiated per algorithm.
template <class F>
decltype(auto) with_algorithm(thread_ctx& ctx, F&& f) {
  if (HYTM_UNLIKELY(g_config.stm == stm_algorithm::orec)) return f(ctx.orec);
  return f(ctx.stm);
}
}  // namespace detail

namespace detail {
// The generation of the calling thread's tx object in flight, bumped when a
// tx object is made and when it ends: a tx whose number differs escaped its
// attempt (tx.hpp, tx_base::live(); docs/rules.md R2).  Apart from the
// context, so that the check never follows a pointer read from a tx object
// that may be dead; __thread and initial-exec: one %fs-relative load, no
// TLS wrapper call, also inside a hardware region.
extern HYTM_API __thread std::uint64_t t_tx_gen __attribute__((tls_model("initial-exec")));
}  // namespace detail

namespace detail {
// The calling thread's context, null until its first transaction (and again
// once a thread-exit hook gave it back: context.cpp).  __thread and
// initial-exec, like t_tx_gen: current_ctx() is one %fs-relative load
// inline, with no call and no TLS wrapper, also inside a hardware region.
extern HYTM_API __thread thread_ctx* t_ctx __attribute__((tls_model("initial-exec")));
// Claims a context for the calling thread (context.cpp).
[[gnu::cold]] HYTM_API thread_ctx& claim_current_ctx();
}  // namespace detail

// The calling thread's context (created on first use).
inline thread_ctx& current_ctx() {
  if (thread_ctx* c = detail::t_ctx; HYTM_LIKELY(c != nullptr)) return *c;
  return detail::claim_current_ctx();
}
// Walks every context ever created.
HYTM_API thread_ctx* first_ctx() noexcept;

}  // namespace hytm
