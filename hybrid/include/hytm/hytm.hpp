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

template <class F>
detail::result_t<F> atomic(F&& body,
                           std::source_location loc = std::source_location::current()) {
  static_assert(detail::check_body<F>());
  thread_ctx& ctx = current_ctx();
  if (ctx.depth) return detail::nested(body, ctx);
  return detail::run(body, ctx, detail::site_for(ctx, loc));
}

template <class F>
detail::result_t<F> atomic(site s, F&& body) {
  static_assert(detail::check_body<F>());
  thread_ctx& ctx = current_ctx();
  if (ctx.depth) return detail::nested(body, ctx);
  return detail::run(body, ctx, detail::site_for(ctx, s));
}

// True inside a transaction on this thread.
inline bool in_transaction() { return current_ctx().depth > 0; }

}  // namespace hytm
