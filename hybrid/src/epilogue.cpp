// What happens after an attempt: statistics, memory, handlers.  Out of line
// so that the inlined attempt loop stays small.
#include <cxxabi.h>
#include <malloc.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <iterator>
#include <deque>
#include <mutex>

#include "hytm/elide.hpp"
#include "profiler/attribution.hpp"
#include "profiler/line_set.hpp"
#include "profiler/sampling.hpp"
#include "hytm/hybrid/protocol.hpp"
#include "hytm/hybrid/run.hpp"

namespace hytm::detail {

__thread std::uint64_t t_tx_gen __attribute__((tls_model("initial-exec"))) = 0;

void escaped_tx() {
  misuse(
      "a tx operation outside the attempt that received the tx (the tx escaped its "
      "transaction body: keep no reference to it past the body; docs/rules.md R2)");
}

namespace {

// The distinct lines of a non-empty log; at_most: a bound on the lines
// fill() pushes.  Out of line: its line set is an 8 KiB frame, which the
// stack-clash probes make cost on every call, and most samples of small
// transactions have an empty log (an unlogged read-only attempt's reads, a
// reader's writes) that needs none of it.
[[gnu::noinline]] std::uint64_t count_lines(thread_ctx& ctx, std::size_t at_most, auto&& fill) {
  if (at_most <= line_set::max_lines) {
    line_set set(at_most);
    fill(set);
    return set.count();
  }
  auto& v = ctx.scratch;
  v.clear();
  fill(v);
  std::sort(v.begin(), v.end());
  return static_cast<std::uint64_t>(std::unique(v.begin(), v.end()) - v.begin());
}

void record_footprint(thread_ctx& ctx, footprint which, std::size_t at_most, auto&& fill) {
  const std::uint64_t lines = at_most == 0 ? 0 : count_lines(ctx, at_most, fill);
  ctx.site->counters.fp[static_cast<std::size_t>(which)][footprint_bucket(lines)].add();
}

// Runs every handler, in registration order, even when some throw, and
// returns the first exception (R5).  Moved out first: a handler may run a
// transaction of its own.  An abort of the enclosing transaction (a handler
// run by rollback_to() inside it) and thread cancellation are not the
// handler's to report: they go on at once.
template <class V>
std::exception_ptr run_handlers(V& handlers) {
  if (handlers.empty()) return nullptr;
  V mine;
  mine.swap(handlers);
  std::exception_ptr first;
  for (auto& h : mine) {
    try {
      h();
    } catch (const tx_abort&) {
      throw;
    } catch (abi::__forced_unwind&) {
      throw;
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  // The vector's storage comes back, so that a later registration inside a
  // hardware region finds room without allocating (handler.hpp).
  mine.clear();
  if (handlers.empty()) handlers.swap(mine);
  return first;
}

// ---- the allocation cache (alloc_cache.hpp) ----

// A block of class k, allocated and written now, outside any region, so
// that its pages are mapped when a hardware transaction takes it.
void* fresh_block(std::size_t k) {
  const std::size_t n = alloc_cache::class_size(k);
  void* p = std::malloc(n);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, n);
  return p;
}

void refill_class(thread_ctx& ctx, std::size_t k) {
  alloc_cache& c = ctx.blocks;
  while (c.count[k] < alloc_cache::target) c.blocks[k][c.count[k]++] = fresh_block(k);
}

// After a commit that took blocks: refill the classes it ran low on.
void top_up(thread_ctx& ctx) {
  alloc_cache& c = ctx.blocks;
  for (std::uint32_t used = c.used; used; used &= used - 1) {
    const auto k = static_cast<std::size_t>(__builtin_ctz(used));
    if (c.count[k] < alloc_cache::low) refill_class(ctx, k);
  }
  c.used = 0;
}

// A block the engine owns again (an aborted attempt's allocation, or a
// deferred free after commit): back to the cache of the class it can serve,
// or to malloc.  Any malloc block will do: its usable size says which
// requests it can serve.
void give_back_block(thread_ctx& ctx, void* p) noexcept {
  const std::size_t u = malloc_usable_size(p);
  alloc_cache& c = ctx.blocks;
  if (u >= alloc_cache::granule && u < alloc_cache::max_size + alloc_cache::granule * 2) {
    std::size_t k = u / alloc_cache::granule - 1;
    if (k >= alloc_cache::classes) k = alloc_cache::classes - 1;
    if (c.count[k] < alloc_cache::capacity) {
      c.blocks[k][c.count[k]++] = p;
      return;
    }
  }
  std::free(p);
}

template <class V>
void grow_and_touch(V& v) {
  const std::size_t want = v.capacity() < 16 ? 32 : v.capacity() * 2;
  v.reserve(want);
  // Touch the new storage now (reserve does not write it).
  std::memset(static_cast<void*>(v.data() + v.size()), 0,
              (v.capacity() - v.size()) * sizeof(typename V::value_type));
}

}  // namespace

void do_frees(thread_ctx& ctx) {
  for (const deferred_free& f : ctx.frees) {
    if (f.destroy) f.destroy(f.ptr);
    give_back_block(ctx, f.ptr);
  }
  ctx.frees.clear();
}

namespace {

// Destroys (~T() for tx.make) and releases the allocations from `from` on,
// newest first: an object made later may point into one made earlier.
void release_allocs(thread_ctx& ctx, std::size_t from) noexcept {
  for (std::size_t i = ctx.allocs.size(); i-- > from;) {
    const deferred_free& a = ctx.allocs[i];
    if (a.destroy) a.destroy(a.ptr);
    give_back_block(ctx, a.ptr);
  }
  ctx.allocs.resize(from);
}

}  // namespace

void refill_logs_or_class(thread_ctx& ctx, std::uint8_t code);

// What an explicit refill abort asks for (policy.cpp).
void refill_for_code(thread_ctx& ctx, std::uint8_t code) noexcept {
  try {
    refill_logs_or_class(ctx, code);
  } catch (const std::bad_alloc&) {
    // Nothing refilled: the policy's bound on uncharged refills then sends
    // the transaction to software, where tx.alloc throws bad_alloc itself.
  }
}

void refill_logs_or_class(thread_ctx& ctx, std::uint8_t code) {
  using htm::abort_code;
  if (code >= static_cast<std::uint8_t>(abort_code::alloc_class_first) &&
      code <= static_cast<std::uint8_t>(abort_code::alloc_class_last)) {
    refill_class(ctx, code - static_cast<std::uint8_t>(abort_code::alloc_class_first));
    return;
  }
  // refill_logs: whichever log is full grows (the others are cheap to check).
  if (ctx.allocs.size() == ctx.allocs.capacity()) grow_and_touch(ctx.allocs);
  if (ctx.frees.size() == ctx.frees.capacity()) grow_and_touch(ctx.frees);
  if (ctx.on_commit.size() == ctx.on_commit.capacity()) ctx.on_commit.reserve(ctx.on_commit.capacity() * 2 + 8);
  if (ctx.on_abort.size() == ctx.on_abort.capacity()) ctx.on_abort.reserve(ctx.on_abort.capacity() * 2 + 8);
}

// Privatization and reclamation: wait until every software transaction
// that began before this commit, and so might have seen the old state,
// has finished or revalidated (core/activity.hpp, (H5)).  One that began
// after it cannot reach what the commit unlinked: waiting for it would
// make this thread depend on a transaction that may be waiting for it.
static void quiesce(thread_ctx& ctx, quiesce_after q) noexcept {
  switch (q) {
    case quiesce_after::none: break;
    case quiesce_after::stm_commit:
      // seq now is at least this commit's value: a conservative bound.
      activity().quiesce_before(ctx.slot, 0, stm::g_norec.seq.load(std::memory_order_acquire));
      break;
    case quiesce_after::htm_commit: activity().quiesce_before(ctx.slot, 1, ctx.commit_stamp); break;
  }
}

// Runs handlers, which may run transactions of their own (R5): each of those
// makes its site the thread's current one (run.hpp, c_api.cpp) and draws
// whether it is timed.  The transaction whose handlers these are goes on
// counting (an aborted one retries) under its own site and draw.
template <class List>
std::exception_ptr handlers_keeping_the_site(thread_ctx& ctx, List& handlers) {
  site_local* const site = ctx.site;
  const bool timed = ctx.timed;
  std::exception_ptr e = run_handlers(handlers);
  ctx.site = site;
  ctx.timed = timed;
  return e;
}

// The end of commit_epilogue() when handlers were registered.
[[gnu::noinline]] static void run_commit_handlers(thread_ctx& ctx) {
  // The transaction is committed whatever the handlers do.
  std::exception_ptr e = handlers_keeping_the_site(ctx, ctx.on_commit);
  // A handler's own transactions have run their epilogues; a handler that
  // registered outside any transaction leaves the flag set.
  ctx.logs_used = !(ctx.allocs.empty() && ctx.frees.empty() && ctx.on_commit.empty() &&
                    ctx.on_abort.empty());
  if (e) std::rethrow_exception(e);
}

void commit_epilogue(thread_ctx& ctx, quiesce_after q) {
  if (!ctx.logs_used) {
    quiesce(ctx, q);  // the logs are empty: nothing else to do
    return;
  }
  if (!ctx.allocs.empty()) {
    ctx.allocs.clear();  // now owned by the data they were linked into
    top_up(ctx);
  }
  quiesce(ctx, q);
  if (!ctx.frees.empty()) {
    // A hardware commit that saw no software transaction frees at once: no
    // software transaction ran while it did, so none holds a pointer into
    // what it unlinked; hardware readers are isolated by the CPU.
    do_frees(ctx);
  }
  ctx.on_abort.clear();
  // Most commits that get here allocated or freed and registered no
  // handler: they build no exception_ptr.
  if (HYTM_UNLIKELY(!ctx.on_commit.empty())) return run_commit_handlers(ctx);
  ctx.logs_used = !(ctx.allocs.empty() && ctx.frees.empty());
}

void abort_epilogue(thread_ctx& ctx) {
  release_allocs(ctx, 0);
  ctx.frees.clear();
  ctx.on_commit.clear();
  // The body's own exception, if one is leaving, wins (R5); else the first
  // handler exception ends the transaction, rolled back and not re-run.
  const bool body_threw = ctx.body_threw;
  ctx.body_threw = false;
  std::exception_ptr e = handlers_keeping_the_site(ctx, ctx.on_abort);
  if (e && !body_threw) std::rethrow_exception(e);
}

// A nested transaction's exception, on the serial path (run.hpp, nested()):
// its writes, allocations and commit handlers go; its abort handlers run
// now, inside the enclosing transaction; the enclosing one goes on.
void rollback_to(thread_ctx& ctx, const savepoint& sp) {
  ctx.undo.rollback_to(sp.undo);
  release_allocs(ctx, sp.allocs);
  ctx.frees.resize(sp.frees);
  // handler is move-constructible only (handler.hpp): truncate from the end.
  while (ctx.on_commit.size() > sp.on_commit) ctx.on_commit.pop_back();
  if (ctx.on_abort.size() <= sp.on_abort) return;
  std::vector<handler> mine;
  mine.reserve(ctx.on_abort.size() - sp.on_abort);
  for (std::size_t i = sp.on_abort; i < ctx.on_abort.size(); ++i)
    mine.emplace_back(std::move(ctx.on_abort[i]));
  while (ctx.on_abort.size() > sp.on_abort) ctx.on_abort.pop_back();
  // The nested body's exception is leaving: it wins over the handlers'.
  (void)handlers_keeping_the_site(ctx, mine);
}

void sample_footprint(thread_ctx& ctx, path_kind p) {
  // A sampled transaction's commit (sampling.hpp); one load otherwise.
  if (HYTM_UNLIKELY(t_sample.site != nullptr) && !sample_commit(ctx, p)) return;
  if (p == path_kind::serial) {
    // A saved piece of at most 8 bytes touches at most two lines.
    record_footprint(ctx, footprint::serial_writes, 2 * ctx.undo.size(), [&](auto& v) { ctx.undo.lines(v); });
    return;
  }
  with_algorithm(ctx, [&](auto& alg) {
    record_footprint(ctx, footprint::stm_reads, alg.reads().size(), [&](auto& v) { alg.reads().lines(v); });
    record_footprint(ctx, footprint::stm_writes, alg.writes().size(), [&](auto& v) { alg.writes().lines(v); });
  });
}

// Space-saving top-k: the (address, other) pair takes its own entry, or
// evicts the entry with the fewest aborts (attribution.hpp).
void record_conflict(thread_ctx& ctx, std::uintptr_t addr, std::uint32_t writer,
                     std::uint64_t spent, std::uintptr_t other) noexcept {
  std::lock_guard g(ctx.sites_mutex);
  count_in_table(ctx.site->conflicts, addr, writer, spent, other);
}

void count_in_table(conflict_entry (&table)[conflict_slots], std::uintptr_t addr,
                    std::uint32_t writer, std::uint64_t spent, std::uintptr_t other) noexcept {
  conflict_entry* victim = &table[0];
  conflict_entry* hit = nullptr;
  for (auto& e : table) {
    if (e.addr == addr && e.other == other) {
      hit = &e;
      break;
    }
    if (e.aborts < victim->aborts) victim = &e;
  }
  if (!hit) {
    *victim = {addr, writer, victim->aborts, victim->ticks, other};
    hit = victim;
  }
  ++hit->aborts;
  hit->ticks += spent;
  hit->writer_site = writer;
}

// abort_epilogue() for an attempt after which the transaction may leave by
// exception (the body's, or an abort handler's): a sample in flight ends.
static void leave_epilogue(thread_ctx& ctx) {
  if (HYTM_UNLIKELY(ctx.body_threw)) sample_dropped(ctx);
  try {
    abort_epilogue(ctx);
  } catch (...) {
    sample_dropped(ctx);
    throw;
  }
}

void stm_aborted(thread_ctx& ctx, std::uint64_t t0) {
  site_local& site = *ctx.site;
  // Raw, the starts counter holds the attempts that did not commit
  // (counters.hpp: read, it adds the commits).
  site.counters[ctr::stm_starts].add();
  const std::uint64_t spent = aborted_time(t0);
  site.counters[ctr::ns_aborted].add(spent);
  if (ctx.timed) cost_spent(ctx, path_kind::stm, spent, true);
  with_algorithm(ctx, [&](auto& alg) {
    // A sample's findings go to its own table (sampling.hpp).
    if (const void* a = alg.conflict_address(); a && !sample_attempt_aborted(ctx))
      record_conflict(ctx, reinterpret_cast<std::uintptr_t>(a),
                      stm::g_norec.last_writer.load(std::memory_order_relaxed), spent);
    alg.rollback();
  });
  software_leave(ctx);
  ctx.depth = 0;
  leave_epilogue(ctx);
}

// ---- the attempt steps (protocol.hpp) ----

void model_abort(thread_ctx& ctx, std::uint8_t code) {
  if (ctx.scripted) {
    ctx.scripted_abort = code;
    throw_abort();
  }
  if (ctx.emulated) {
    ctx.emu.xabort(code);
    throw_abort();
  }
  misuse("a hardware-path abort outside a hardware region");
}

void wait_for_progress() noexcept {
  if (g_serial_lock.held_relaxed()) solo_contend();
  spin_until([] { return !progress_pending(); });
}

void wait_before_htm(thread_ctx& ctx) noexcept {
  ctx.site->counters[ctr::htm_progress_waits].add();
  wait_for_progress();
}

path_kind htm_attempt_failed(thread_ctx& ctx, attempt_policy& pol, std::uint64_t t0,
                             unsigned status) noexcept {
  // The region's writes to ctx are gone; what was written before xbegin
  // (htm_start) is reset here.
  ctx.depth = 0;
  const std::uint64_t spent = aborted_time(t0);
  ctx.site->counters[ctr::ns_aborted].add(spent);
  ctx.site->counters[ctr::ns_htm_aborted].add(spent);
  if (ctx.timed) cost_spent(ctx, path_kind::htm, spent, true);
  return sample_after_htm_abort(ctx, status, pol.after_htm_abort(htm::abort_status{status}));
}

path_kind stm_attempt_failed(thread_ctx& ctx, attempt_policy& pol, std::uint64_t t0) {
  const bool serial = ctx.want_serial;
  // irrevocable() ends the attempt like restart() does: explicit.
  const stm::abort_reason why = serial ? stm::abort_reason::explicit_restart
                                        : with_algorithm(ctx, [](auto& alg) { return alg.last_abort(); });
  stm_aborted(ctx, t0);
  return serial ? pol.to_serial(ctx.serial_why) : pol.after_stm_abort(why);
}

void serial_rolled_back(thread_ctx& ctx, std::uint64_t t0) {
  ctx.undo.rollback();
  ctx.depth = 0;
  g_serial_lock.unlock();
  ctx.site->counters[ctr::serial_rollbacks].add();
  const std::uint64_t spent = aborted_time(t0);
  ctx.site->counters[ctr::ns_aborted].add(spent);
  if (ctx.timed) cost_spent(ctx, path_kind::serial, spent, true);
  // The handlers run after the unlock: they may throw (R5) or run
  // transactions of their own.
  leave_epilogue(ctx);
}

// ---- scripted hardware statuses (tests) ----

namespace {
std::mutex g_script_mutex;
std::deque<unsigned> g_script;
}  // namespace

void set_script(std::deque<unsigned> s) {
  std::lock_guard g(g_script_mutex);
  g_script = std::move(s);
}

unsigned scripted_status() noexcept {
  std::lock_guard g(g_script_mutex);
  if (g_script.empty()) return 0;  // "other": as if interrupted
  const unsigned s = g_script.front();
  g_script.pop_front();
  return s;
}

std::size_t script_left() {
  std::lock_guard g(g_script_mutex);
  return g_script.size();
}

// ---- elision ----

site_local& elide_site(thread_ctx& ctx, const std::source_location& loc) {
  return site_for(ctx, loc);
}

void count_event(site_local& site, ctr c, std::uint64_t n) noexcept { site.counters[c].add(n); }

}  // namespace hytm::detail
