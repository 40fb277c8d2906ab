// run.hpp: one transaction, from its first attempt to its commit.
//
// The loop asks the policy (policy.hpp) for a path, runs one attempt on it,
// and either returns the body's value or asks again.  Each attempt function
// leaves the thread context as it found it (depth 0, logs empty), whatever
// happens, so the next attempt starts clean.
#pragma once

#include <cxxabi.h>

#include <bit>
#include <optional>
#include <thread>
#include <source_location>
#include <type_traits>
#include <utility>

#include "hytm/htm/rtm.hpp"
#include "hytm/hybrid/epilogue.hpp"
#include "hytm/hybrid/policy.hpp"
#include "hytm/hybrid/protocol.hpp"
#include "hytm/hybrid/tx.hpp"

namespace hytm::detail {

template <class F>
using result_t = std::decay_t<std::invoke_result_t<F&, serial_tx&>>;

template <class F>
consteval bool check_body() {
  static_assert(std::is_invocable_v<F&, htm_tx&> && std::is_invocable_v<F&, stm_tx&> &&
                    std::is_invocable_v<F&, stm_ro_tx&> && std::is_invocable_v<F&, stm_orec_tx&> &&
                    std::is_invocable_v<F&, serial_tx&> && std::is_invocable_v<F&, emu_tx&>,
                "a transaction body is a callable taking `auto& tx`");
  static_assert(!noexcept(std::declval<F&>()(std::declval<stm_tx&>())),
                "a transaction body must not be noexcept: aborts leave it by exception");
  static_assert(std::is_same_v<result_t<F>, std::decay_t<std::invoke_result_t<F&, stm_tx&>>> &&
                    std::is_same_v<result_t<F>, std::decay_t<std::invoke_result_t<F&, htm_tx&>>> &&
                    std::is_same_v<result_t<F>, std::decay_t<std::invoke_result_t<F&, emu_tx&>>> &&
                    std::is_same_v<result_t<F>, std::decay_t<std::invoke_result_t<F&, stm_ro_tx&>>> &&
                    std::is_same_v<result_t<F>, std::decay_t<std::invoke_result_t<F&, stm_orec_tx&>>>,
                "a transaction body must return the same type on every path");
  return true;
}

template <class R>
struct result_slot {
  std::optional<R> v;
  template <class F, class Tx>
  void run(F& f, Tx& tx) {
    v.emplace(f(tx));
  }
  R take() { return std::move(*v); }
};
template <>
struct result_slot<void> {
  template <class F, class Tx>
  void run(F& f, Tx& tx) {
    f(tx);
  }
  void take() noexcept {}
};

// Out of line, in libhytm.so.
HYTM_API site_local& site_slow(thread_ctx& ctx, const void* key, std::uint32_t line,
                               std::uint32_t column, const char* file, const char* function);
HYTM_API void stm_aborted(thread_ctx& ctx, std::uint64_t t0);
HYTM_API unsigned scripted_status() noexcept;
// The model's side of (H2) and (H3), and the end of an emulated attempt.
HYTM_API void emulated_subscribe(thread_ctx& ctx);
HYTM_API void emulated_announce(thread_ctx& ctx);
HYTM_API unsigned emulated_commit(thread_ctx& ctx);
HYTM_API void emulated_aborted(thread_ctx& ctx, std::uint64_t t0);
// A C++ transaction nested in a C one (hytm.h) restarts the C transaction
// at its restart point: a tx_abort cannot cross the C frames between.
[[noreturn]] HYTM_API void c_restart(thread_ctx& ctx);

// The site cache (thread_ctx::cache) is keyed on one word.  libstdc++'s
// and libc++'s source_location is one pointer to a static record per call
// site (per translation unit: an inline function's site may have several
// keys, which intern() maps to one site), so the pointer itself is the key:
// one compare, no field loaded through it.  A named site's key is its name's
// address, a different object.  Elsewhere: the file name's address, with the
// line and column compared as well.
inline constexpr bool loc_is_pointer = sizeof(std::source_location) == sizeof(const void*);
inline const void* site_key(const std::source_location& loc) noexcept {
  if constexpr (loc_is_pointer)
    return std::bit_cast<const void*>(loc);
  else
    return loc.file_name();
}
[[gnu::always_inline]] inline site_local& site_for(thread_ctx& ctx, const std::source_location& loc) {
  const void* key = site_key(loc);
  auto& e = ctx.cache[thread_ctx::cache_slot(key)];
  if constexpr (loc_is_pointer) {
    if (HYTM_LIKELY(e.key == key)) return *e.site;
  } else {
    if (HYTM_LIKELY(e.key == key && e.line == loc.line() && e.column == loc.column()))
      return *e.site;
  }
  return site_slow(ctx, key, loc.line(), loc.column(), loc.file_name(), loc.function_name());
}
// site_for()'s cached case alone: null where it would call site_slow().
[[gnu::always_inline]] inline site_local* site_cached(const thread_ctx& ctx, const site& s) noexcept {
  const auto& e = ctx.cache[thread_ctx::cache_slot(s.name())];
  return e.key == s.name() && (loc_is_pointer || e.column == ~0u) ? e.site : nullptr;
}
[[gnu::always_inline]] inline site_local& site_for(thread_ctx& ctx, const site& s) {
  if (site_local* p = site_cached(ctx, s); HYTM_LIKELY(p != nullptr)) return *p;
  return site_slow(ctx, s.name(), 0, ~0u, nullptr, nullptr);
}

// A hardware attempt on the RTM model.  The same protocol steps as
// run_htm(), made through the model so that it sees every line they touch.
template <class F, class R>
unsigned run_emulated(F& body, result_slot<R>& out, thread_ctx& ctx, std::uint64_t t0) {
  ctx.slot->enter();  // software-visible: the serial path drains it
  stamp_start(ctx);   // (H5)
  ctx.emu.begin();
  ctx.depth = 1;
  ctx.path = path_kind::htm;
  ctx.emulated = true;
  ctx.saw_software = false;
  ctx.htm_wrote = false;
  tx_in_slot<emu_tx> held(ctx);
  emu_tx& tx = held.tx;
  unsigned st;
  try {
    if (g_flaw != protocol_flaw::late_subscription) emulated_subscribe(ctx);  // (H2)
    out.run(body, tx);
    if (g_flaw == protocol_flaw::late_subscription) emulated_subscribe(ctx);
    emulated_announce(ctx);  // (H3)
    st = emulated_commit(ctx);
  } catch (const tx_abort&) {
    st = ctx.emu.status();
  } catch (...) {
    // Like RTM's catch-and-xabort: re-run where the exception can escape
    // from a validated state.
    ctx.body_threw = true;  // it wins over an on_abort handler's (R5)
    ctx.emu.xabort(static_cast<std::uint8_t>(htm::abort_code::exception));
    st = ctx.emu.status();
  }
  ctx.emulated = false;
  if (st != htm::started) emulated_aborted(ctx, t0);
  return st;
}

// A hardware attempt.  Returns htm::started if it committed, else the abort
// status.  The hardware restores memory, including ctx, on abort.
template <class F, class R>
unsigned run_htm(F& body, result_slot<R>& out, thread_ctx& ctx, std::uint64_t t0) {
  if (HYTM_UNLIKELY(g_config.htm_modelled())) {
    if (g_config.htm == htm_mode::emulated) return run_emulated(body, out, ctx, t0);
    ctx.seq_seen = stm::g_norec.seq.load(std::memory_order_relaxed);
    const unsigned s = scripted_status();
    if (s != htm::started) return s;
    // A scripted start runs the body for real, outside any region (tests
    // run it on one thread); an abort the body asks for comes back as the
    // explicit status real RTM would give.
    ctx.scripted = true;
    ctx.depth = 1;
    ctx.path = path_kind::htm;
    ctx.htm_wrote = false;
    tx_in_slot<htm_tx> held(ctx);
    htm_tx& tx = held.tx;
    unsigned st = htm::started;
    try {
      out.run(body, tx);
    } catch (const tx_abort&) {
      st = htm::abort_status::explicit_with(static_cast<htm::abort_code>(ctx.scripted_abort)).raw;
    } catch (...) {
      ctx.body_threw = true;  // as in run_emulated()
      st = htm::abort_status::explicit_with(htm::abort_code::exception).raw;
    }
    ctx.scripted = false;
    ctx.depth = 0;
    ctx.saw_software = false;
    if (st != htm::started) abort_epilogue(ctx);
    return st;
  }
  // Made before xbegin: what the attempt writes to ctx is written outside
  // the region (the tx slot, the generation, ctx.tx).
  tx_in_slot<htm_tx> held(ctx);
  htm_tx& tx = held.tx;
  const unsigned s = htm_start(ctx);
  if (s != htm::started) return s;
  try {
    out.run(body, tx);
  } catch (...) {
    htm::abort<htm::abort_code::exception>();
  }
  htm_commit(ctx);
  return htm::started;
}

// One software attempt's body on tx object type Tx (stm_tx, stm_ro_tx for
// an unlogged read-only attempt, stm_orec_tx).  True: the body ran and the
// attempt committed; false: it aborted.  A user exception leaves from a
// consistent state only; the tx object ends before the commit handlers run.
template <class Tx, class F, class R>
bool stm_body(F& body, result_slot<R>& out, thread_ctx& ctx, std::uint64_t t0) {
  tx_in_slot<Tx> held(ctx);
  Tx& tx = held.tx;
  auto& alg = algorithm_state<typename Tx::algorithm>(ctx);
  try {
    out.run(body, tx);
    return alg.commit_tagged([&ctx] { return ctx.site->rec->id; });
  } catch (const tx_abort&) {
  } catch (...) {
    // A user exception escapes only from a consistent state: if the
    // attempt was doomed (an abort swallowed by the body) it runs again.
    if (!alg.doomed() && alg.validate()) {
      ctx.body_threw = true;  // it wins over an on_abort handler's (R5)
      stm_aborted(ctx, t0);
      ctx.site->counters[ctr::exceptions].add();
      throw;
    }
  }
  return false;
}

// A software attempt on the orec algorithm (HYTM_STM=orec).  Every attempt
// logged: the orec algorithm has no unlogged mode.  Out of line, so that
// the NOrec attempt below, inlined into the caller, compiles as it would
// without it (examples/costs/measure.sh: its instruction counts).
template <class F, class R>
HYTM_NOINLINE bool run_stm_orec(F& body, result_slot<R>& out, thread_ctx& ctx,
                                attempt_policy& pol, path_kind& next) {
  const std::uint64_t t0 = attempt_start(ctx);
  stm_attempt_start<stm::orec>(ctx);
  if (stm_body<stm_orec_tx>(body, out, ctx, t0)) {
    stm_committed<stm::orec>(ctx, t0);
    return true;
  }
  next = stm_attempt_failed(ctx, pol, t0);
  return false;
}

// A software attempt.  True: committed.  False: `next` says where to go.
template <class F, class R>
bool run_stm(F& body, result_slot<R>& out, thread_ctx& ctx, attempt_policy& pol,
             path_kind& next) {
  const software_start how = start_kind(ctx, pol.stm_aborts());  // read_only.hpp
  if (HYTM_UNLIKELY(how == software_start::orec)) return run_stm_orec(body, out, ctx, pol, next);
  const std::uint64_t t0 = attempt_start(ctx);
  const bool unlogged = how == software_start::unlogged;
  stm_attempt_start(ctx, unlogged);
  // Outside the try: an on_commit handler's exception leaves atomic() (R5).
  // Each kind of attempt has its own commit epilogue: an unlogged one that
  // committed wrote nothing (norec::commit() refuses one with a buffered
  // write), so its epilogue tests nothing about writes (read-only
  // lookups: 12 instructions fewer, callgrind).
  if (unlogged) {
    if (stm_body<stm_ro_tx>(body, out, ctx, t0)) {
      note_stm_commit(*ctx.site, true, true);
      stm_committed(ctx, t0, false, false);
      return true;
    }
  } else if (stm_body<stm_tx>(body, out, ctx, t0)) {
    note_stm_commit(*ctx.site, false, ctx.stm.read_only());
    stm_committed(ctx, t0);
    return true;
  }
  note_stm_abort(*ctx.site, unlogged,
                 ctx.want_serial ? stm::abort_reason::explicit_restart : ctx.stm.last_abort());
  next = stm_attempt_failed(ctx, pol, t0);
  return false;
}

// A serial attempt: alone, cannot conflict.  False only after restart().
template <class F, class R>
bool run_serial(F& body, result_slot<R>& out, thread_ctx& ctx) {
  // Timed from the moment it holds the lock and has drained the others: the
  // wait before is the other transactions' time, which the cost rule counts
  // for serial as its time once per live thread (cost.cpp).
  serial_attempt_start(ctx);
  const std::uint64_t t0 = attempt_start(ctx);
  tx_in_slot<serial_tx> held(ctx);
  serial_tx& tx = held.tx;
  try {
    out.run(body, tx);
  } catch (const tx_abort&) {
  } catch (...) {
    ctx.body_threw = true;  // it wins over an on_abort handler's (R5)
    serial_rolled_back(ctx, t0);
    ctx.site->counters[ctr::exceptions].add();
    throw;
  }
  if (ctx.restart_asked) {
    serial_rolled_back(ctx, t0);
    std::this_thread::yield();  // let the others change what it waits for
    return false;
  }
  serial_committed(ctx, t0);
  return true;
}

// Left to GCC's inlining, as are the attempt functions above.  Forcing
// run() and its attempts inline into the caller was tried (2026-12-04, AMD
// EPYC, hytm-bench --callgrind and the clock, docs/benchmarks.md): it moved
// instructions between the paths (solo mode fewer, the software path more,
// from register pressure in the caller's loop), and on the clock software
// hash-set lookups ran about 13 % slower than with GCC's own choice.
template <class F>
result_t<F> run(F& body, thread_ctx& ctx, site_local& site) {
  using R = result_t<F>;
  result_slot<R> out;
  ctx.site = &site;
  ctx.timed = draw_timed(ctx);
  if (ctx.hot) --ctx.hot;
  attempt_policy pol(ctx, site);
  path_kind p = pol.first_path();
  for (;;) {
    switch (p) {
      case path_kind::htm: {
        const std::uint64_t t0 = attempt_start(ctx);
        const unsigned s = run_htm(body, out, ctx, t0);
        if (s == htm::started) {
          htm_attempt_committed(ctx, pol, t0);
          return out.take();
        }
        p = htm_attempt_failed(ctx, pol, t0, s);
        break;
      }
      case path_kind::stm:
        if (run_stm(body, out, ctx, pol, p)) return out.take();
        break;
      case path_kind::serial:
        if (run_serial(body, out, ctx)) return out.take();
        break;
    }
  }
}

// A transaction inside a transaction joins it (flattened nesting), except
// that an exception leaving the nested one undoes the nested one's writes,
// allocations and handlers while the enclosing one goes on (rule R3):
//   - serial path: a savepoint in the logs, rolled back before the
//     exception leaves the nested atomic();
//   - hardware and software paths: neither the hardware nor the redo log
//     can drop only the nested part, so the whole attempt aborts and runs
//     again serially (fallbacks.exception), where the savepoint does it.
// An abort (tx_abort) always ends the whole attempt.
HYTM_API void rollback_to(thread_ctx& ctx, const savepoint& sp);

template <class F, class Tx>
result_t<F> nested_speculative(F& body, Tx& tx) {
  try {
    return static_cast<result_t<F>>(body(tx));
  } catch (const tx_abort&) {
    throw;
  } catch (abi::__forced_unwind&) {  // thread cancellation: not ours to stop
    throw;
  } catch (...) {
    tx_access::nested_threw(tx);
  }
}

template <class F>
result_t<F> joined(F& body, thread_ctx& ctx) {
  switch (ctx.path) {
    case path_kind::htm:
      if (ctx.emulated) return nested_speculative(body, *static_cast<emu_tx*>(ctx.tx));
      return nested_speculative(body, *static_cast<htm_tx*>(ctx.tx));
    case path_kind::stm:
      if (g_config.stm == stm_algorithm::orec)
        return nested_speculative(body, *static_cast<stm_orec_tx*>(ctx.tx));
      if (ctx.stm.unlogged()) return nested_speculative(body, *static_cast<stm_ro_tx*>(ctx.tx));
      return nested_speculative(body, *static_cast<stm_tx*>(ctx.tx));
    case path_kind::serial: break;
  }
  const savepoint sp{ctx.undo.size(), ctx.allocs.size(), ctx.frees.size(), ctx.on_commit.size(),
                     ctx.on_abort.size()};
  try {
    return static_cast<result_t<F>>(body(*static_cast<serial_tx*>(ctx.tx)));
  } catch (const tx_abort&) {
    throw;
  } catch (abi::__forced_unwind&) {
    throw;
  } catch (...) {
    rollback_to(ctx, sp);
    throw;
  }
}

template <class F>
result_t<F> nested(F& body, thread_ctx& ctx) {
  if (HYTM_LIKELY(!ctx.c_active)) return joined(body, ctx);
  // Inside a C transaction (HYTM_BEGIN or hytm_atomic): its restart point
  // is a sigsetjmp, which an exception cannot reach through C frames.  The
  // abort unwinds this body's frames (their destructors run), then jumps.
  try {
    return joined(body, ctx);
  } catch (const tx_abort&) {
  }
  c_restart(ctx);
}

}  // namespace hytm::detail
