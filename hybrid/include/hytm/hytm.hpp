// hytm.hpp: hybrid transactional memory, the C++ interface.
//
//   #include <hytm/hytm.hpp>
//
//   long r = hytm::atomic([&](auto& tx) {
//     tx.store(x, tx.load(x) + 1);
//     return tx.load(y);
//   });
//
// hytm::atomic(body) runs body as one transaction: it appears to run alone,
// as if every transaction in the process held one global lock.  It first
// tries a hardware transaction (Intel RTM, where the CPU has it), then the
// software path (NOrec), and as the last resort runs serially, alone; the
// policy is in hybrid/policy.hpp, the protocol in docs/protocol.md.
//
// The body:
//   - is a callable taking `auto& tx` (it is instantiated once per path) and
//     may return a value, which atomic() returns;
//   - reads and writes shared data only through tx.load(obj) and
//     tx.store(obj, value), for trivially copyable objects of up to
//     hytm::max_value_size (4096) bytes, at any address (a packed member, a
//     misaligned pointer: split into aligned pieces at run time, exact on
//     every path); larger objects through tx.load_into(dst, src),
//     tx.store_from(dst, src), tx.read(dst, src, n), tx.write(dst, src, n)
//     (a larger tx.load / tx.store does not compile);
//   - may run more than once: its only effects are its tx operations (use
//     tx.on_commit for anything else, or tx.irrevocable() before I/O);
//   - must not be noexcept (refused at compile time): an abort leaves it by
//     exception (hytm::tx_abort, which a catch (...) may not swallow: the
//     attempt stays doomed and is re-run);
//   - if it throws, the transaction is rolled back (none of its writes
//     remain, on any path) and the exception propagates;
//   - must not keep its tx past the attempt: a tx used after its body
//     returned (captured and called later) stops the program with a message;
//   - sees its captured locals restored by a hardware abort but not by a
//     software or serial one: reset them at the body's start.
// Nested atomic() calls join the enclosing transaction; an exception that
// leaves a nested one and is caught by the enclosing body undoes the nested
// one alone (its writes, allocations and handlers; on the hardware and
// software paths by re-running the whole transaction serially).
// tx.make<T>: ~T() runs for objects made in an attempt that aborts.
// Handlers: every on_commit / on_abort handler runs even when some throw; the
// first exception then leaves atomic() (after a commit: still committed;
// after an abort: not re-run, unless the body's own exception is leaving).
// The rules in full, with their tests: docs/rules.md (R1 to R7).
//
// Not in a signal handler that interrupted a transaction of the same thread
// (it could neither join the interrupted transaction, which may abort, nor
// wait for it): such a call stops the program with a message.  A handler
// that interrupted a thread outside any transaction may run one, if what it
// interrupted allows malloc (a transaction may allocate).  See
// docs/lifetime.md, with thread exit, process exit and fork().
//
// hytm::atomic(hytm::site("name"), body) counts the transaction under a
// named site instead of its source location (see stats.hpp).
//
// Not for: code that must block while in a transaction (waiting for another
// thread's write inside a body spins forever on the serial path); use
// tx.restart() to re-run when a precondition is unmet.
#pragma once

#include <source_location>
#include <utility>

#include "hytm/elide.hpp"
#include "hytm/hybrid/run.hpp"
#include "hytm/stats.hpp"

namespace hytm {

namespace detail {

// A transaction begun while this thread's transaction runs: nested in its
// body, or in an on_commit/on_abort handler (both fine), or in a signal
// handler that interrupted it, which stops the program with a message
// (docs/lifetime.md).  Out of line: it walks the stack from its caller up
// to the frame of ctx.outer, looking for a signal frame.
HYTM_API void check_reentry(const thread_ctx& ctx);

// The kernel's x86-64 signal frame (return address, ucontext, siginfo, the
// FPU state: 512 bytes even in the legacy format) and the 128-byte red zone
// it skips take more than this, so a call less deep than this below the
// running transaction's frame cannot be in a signal handler.  Most nested
// calls are, and skip the stack walk.
inline constexpr std::uintptr_t min_signal_frame = 1024;

[[gnu::always_inline]] inline void check_nested(const thread_ctx& ctx, const void* here) {
  // Inside a real RTM region nothing may call out (DESIGN rule 6), and
  // nothing needs to: a signal aborts the region before its handler runs,
  // and the abort discards depth = 1, so the handler sees depth 0.
  if (ctx.path == path_kind::htm && !ctx.emulated && !ctx.scripted) return;
  const auto o = reinterpret_cast<std::uintptr_t>(ctx.outer);
  const auto h = reinterpret_cast<std::uintptr_t>(here);
  if (h <= o && o - h < min_signal_frame) return;
  check_reentry(ctx);
}

// Marks the thread as running a top-level transaction.
class outer_guard {
 public:
  // `frame`: the caller's frame address (a real stack address, also where
  // AddressSanitizer moves locals to a fake stack).
  outer_guard(thread_ctx& ctx, const void* frame) : ctx_(ctx), prev_(ctx.outer) {
    if (HYTM_UNLIKELY(prev_ != nullptr)) check_reentry(ctx);
    ctx.outer = frame;
  }
  ~outer_guard() { ctx_.outer = prev_; }
  outer_guard(const outer_guard&) = delete;
  outer_guard& operator=(const outer_guard&) = delete;

 private:
  thread_ctx& ctx_;
  const void* prev_;
};

}  // namespace detail

template <class F>
detail::result_t<F> atomic(F&& body,
                           std::source_location loc = std::source_location::current()) {
  static_assert(detail::check_body<F>());
  thread_ctx& ctx = current_ctx();
  if (ctx.depth) {
    detail::check_nested(ctx, __builtin_frame_address(0));
    return detail::nested(body, ctx);
  }
  detail::outer_guard g(ctx, __builtin_frame_address(0));
  return detail::run(body, ctx, detail::site_for(ctx, loc));
}

template <class F>
detail::result_t<F> atomic(site s, F&& body) {
  static_assert(detail::check_body<F>());
  thread_ctx& ctx = current_ctx();
  if (ctx.depth) {
    detail::check_nested(ctx, __builtin_frame_address(0));
    return detail::nested(body, ctx);
  }
  detail::outer_guard g(ctx, __builtin_frame_address(0));
  return detail::run(body, ctx, detail::site_for(ctx, s));
}

// True inside a transaction on this thread.
inline bool in_transaction() { return current_ctx().depth > 0; }

}  // namespace hytm
