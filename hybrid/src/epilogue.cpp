// What happens after an attempt: statistics, memory, handlers.  Out of line
// so that the inlined attempt loop stays small.
#include <cxxabi.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <deque>
#include <mutex>

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

// One transaction in this many has its footprint measured: counting distinct
// lines sorts the logs, which costs more than a small transaction.  (The
// JSON's footprint.sampled_one_in says so.)
constexpr std::uint64_t footprint_sample = 16;

void record_footprint(thread_ctx& ctx, footprint which, auto&& fill) {
  auto& v = ctx.scratch;
  v.clear();
  fill(v);
  std::sort(v.begin(), v.end());
  const auto lines = static_cast<std::uint64_t>(std::unique(v.begin(), v.end()) - v.begin());
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
  return first;
}

// Destroys (~T() for tx.make) and frees the allocations from `from` on,
// newest first: an object made later may point into one made earlier.
void release_allocs(thread_ctx& ctx, std::size_t from) noexcept {
  for (std::size_t i = ctx.allocs.size(); i-- > from;) {
    const deferred_free& a = ctx.allocs[i];
    if (a.destroy) a.destroy(a.ptr);
    std::free(a.ptr);
  }
  ctx.allocs.resize(from);
}

}  // namespace

void commit_epilogue(thread_ctx& ctx, bool quiesce) {
  // Most transactions allocate nothing and register nothing.
  if (!quiesce && ctx.allocs.empty() && ctx.frees.empty() && ctx.on_commit.empty() &&
      ctx.on_abort.empty())
    return;
  ctx.allocs.clear();  // now owned by the data they were linked into
  if (quiesce || !ctx.frees.empty()) {
    // Privatization and reclamation: wait until every software transaction
    // that might have seen the old state has finished or revalidated
    // (core/activity.hpp).
    if (quiesce) activity().quiesce(ctx.slot);
    for (const deferred_free& f : ctx.frees) {
      if (f.destroy) f.destroy(f.ptr);
      std::free(f.ptr);
    }
    ctx.frees.clear();
  }
  ctx.on_abort.clear();
  // The transaction is committed whatever the handlers do.
  if (std::exception_ptr e = run_handlers(ctx.on_commit)) std::rethrow_exception(e);
}

void abort_epilogue(thread_ctx& ctx) {
  release_allocs(ctx, 0);
  ctx.frees.clear();
  ctx.on_commit.clear();
  // The body's own exception, if one is leaving, wins (R5); else the first
  // handler exception ends the transaction, rolled back and not re-run.
  const bool body_threw = ctx.body_threw;
  ctx.body_threw = false;
  std::exception_ptr e = run_handlers(ctx.on_abort);
  if (e && !body_threw) std::rethrow_exception(e);
}

// A nested transaction's exception, on the serial path (run.hpp, nested()):
// its writes, allocations and commit handlers go; its abort handlers run
// now, inside the enclosing transaction; the enclosing one goes on.
void rollback_to(thread_ctx& ctx, const savepoint& sp) {
  ctx.undo.rollback_to(sp.undo);
  release_allocs(ctx, sp.allocs);
  ctx.frees.resize(sp.frees);
  ctx.on_commit.resize(sp.on_commit, std::function<void()>{});
  if (ctx.on_abort.size() <= sp.on_abort) return;
  std::vector<std::function<void()>> mine(
      std::make_move_iterator(ctx.on_abort.begin() + static_cast<std::ptrdiff_t>(sp.on_abort)),
      std::make_move_iterator(ctx.on_abort.end()));
  ctx.on_abort.resize(sp.on_abort);
  // The nested body's exception is leaving: it wins over the handlers'.
  (void)run_handlers(mine);
}

void stm_committed(thread_ctx& ctx, std::uint64_t t0) {
  site_local& site = *ctx.site;
  const bool wrote = !ctx.stm.read_only();
  if (++ctx.sample % footprint_sample == 0) {
    record_footprint(ctx, footprint::stm_reads, [&](auto& v) { ctx.stm.reads().lines(v); });
    record_footprint(ctx, footprint::stm_writes, [&](auto& v) { ctx.stm.writes().lines(v); });
  }
  ctx.stm.rollback();  // the logs are spent
  software_leave(ctx);
  ctx.depth = 0;
  site.counters[ctr::stm_commits].add();
  if (!wrote) site.counters[ctr::stm_commits_read_only].add();
  site.counters[ctr::ns_committed].add(committed_time(ctx, t0));
  // A read-only commit unlinked nothing: no one to wait for.
  commit_epilogue(ctx, wrote);
}

// Space-saving top-k: the address takes its own entry, or evicts the entry
// with the fewest aborts.
void record_conflict(thread_ctx& ctx, std::uintptr_t addr, std::uint32_t writer,
                     std::uint64_t spent) noexcept {
  site_local& site = *ctx.site;
  std::lock_guard g(ctx.sites_mutex);
  conflict_entry* victim = &site.conflicts[0];
  conflict_entry* hit = nullptr;
  for (auto& e : site.conflicts) {
    if (e.addr == addr) {
      hit = &e;
      break;
    }
    if (e.aborts < victim->aborts) victim = &e;
  }
  if (!hit) {
    *victim = {addr, writer, victim->aborts, victim->ticks};
    hit = victim;
  }
  ++hit->aborts;
  hit->ticks += spent;
  hit->writer_site = writer;
}

void stm_aborted(thread_ctx& ctx, std::uint64_t t0) {
  site_local& site = *ctx.site;
  const std::uint64_t spent = aborted_time(t0);
  site.counters[ctr::ns_aborted].add(spent);
  if (const void* a = ctx.stm.conflict_address())
    record_conflict(ctx, reinterpret_cast<std::uintptr_t>(a),
                    stm::g_norec.last_writer.load(std::memory_order_relaxed), spent);
  ctx.stm.rollback();
  software_leave(ctx);
  ctx.depth = 0;
  abort_epilogue(ctx);
}

void serial_committed(thread_ctx& ctx, std::uint64_t t0) {
  site_local& site = *ctx.site;
  if (++ctx.sample % footprint_sample == 0)
    record_footprint(ctx, footprint::serial_writes, [&](auto& v) { ctx.undo.lines(v); });
  ctx.undo.clear();
  ctx.depth = 0;
  // Frees before unlocking: the drain guarantees no other transaction runs,
  // so nothing can still read the memory.
  for (const deferred_free& f : ctx.frees) {
    if (f.destroy) f.destroy(f.ptr);
    std::free(f.ptr);
  }
  ctx.frees.clear();
  g_serial_lock.unlock();
  site.counters[ctr::serial_commits].add();
  site.counters[ctr::ns_committed].add(committed_time(ctx, t0));
  commit_epilogue(ctx, false);
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

bool elision_gives_up(unsigned status) noexcept {
  const htm::abort_status st{status};
  return st.cause() == htm::abort_cause::capacity || st.is(htm::abort_code::exception);
}

}  // namespace hytm::detail
