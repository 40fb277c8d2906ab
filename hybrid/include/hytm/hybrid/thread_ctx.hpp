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
#include <functional>
#include <mutex>
#include <vector>

#include "hytm/core/activity.hpp"
#include "hytm/core/backoff.hpp"
#include "hytm/fallback/undo_log.hpp"
#include "hytm/htm/emulator.hpp"
#include "hytm/hybrid/site.hpp"
#include "hytm/stm/norec.hpp"

namespace hytm {

enum class path_kind : std::uint8_t { htm, stm, serial };
HYTM_API const char* name(path_kind p) noexcept;

struct deferred_free {
  void* ptr;
  void (*destroy)(void*);  // runs the destructor (may be null), then frees
};

struct thread_ctx {
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
  site_local* site = nullptr;
  bool want_serial = false;     // irrevocable() asked for the serial path
  bool restart_asked = false;   // restart() was called (and maybe swallowed)
  bool saw_software = false;    // a hardware commit announced itself (H3)
  bool scripted = false;        // a scripted "hardware" attempt runs (tests)
  bool emulated = false;        // the hardware path runs on the RTM model
  std::uint8_t scripted_abort = 0;  // its xabort code
  std::uint32_t last_writer_site = ~0u;

  stm::norec stm;
  htm::emulated_tx emu;
  undo_log undo;
  std::vector<void*> allocs;         // released if the attempt aborts
  std::vector<deferred_free> frees;  // done after commit
  std::vector<std::function<void()>> on_commit;
  std::vector<std::function<void()>> on_abort;

  // Per-site state, indexed by site_record::id.  The owner reads without
  // the lock (it is the only writer); it grows the vector, and other threads
  // read it, under the lock.
  std::mutex sites_mutex;
  std::vector<site_local*> sites;
  struct cache_entry {
    const void* key = nullptr;
    std::uint32_t line = 0, column = 0;
    site_local* site = nullptr;
  };
  cache_entry cache[64];

  xorshift rng{0x9E3779B97F4A7C15ull};
  std::uint64_t sample = 0;      // footprint sampling clock
  std::uint64_t time_clock = 0;  // attempt-timing sampling clock (run.hpp)
  bool timed = false;            // this transaction's attempts are timed
  std::uint32_t hot = 0;         // transactions left to time aborts in (run.hpp)
  std::vector<std::uintptr_t> scratch;
};

// The calling thread's context (created on first use).
HYTM_API thread_ctx& current_ctx();
// Walks every context ever created.
HYTM_API thread_ctx* first_ctx() noexcept;

}  // namespace hytm
