// tx_memory.hpp: what tx.alloc / tx.free / tx.on_commit do, on every path.
//
// Inside a hardware region these must not call out of the caller's code
// (a PLT call or a fresh page aborts the region with status 0 every time,
// DESIGN rule 6): blocks come from the thread's alloc_cache, and the logs
// have room reserved.  When a class or a log is empty or full, the attempt
// aborts with an explicit refill code; the policy refills outside the
// region and retries, uncharged (docs/policy.md).  The software and serial
// paths run outside regions and simply allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "hytm/htm/rtm.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm::detail {

[[noreturn]] HYTM_API void throw_abort();
[[noreturn]] HYTM_API void misuse(const char* what);
HYTM_API void* tx_allocate(std::size_t size, std::size_t align);

// The scripted or emulated side of hardware_abort (out of line: neither
// runs inside a real region).  Outside either it stops with a message.
[[noreturn]] HYTM_API void model_abort(thread_ctx& ctx, std::uint8_t code);

// Ends the hardware attempt that runs on this thread with an explicit code:
// a real xabort, or the model's, or (scripted tests) the scripted code.
// Always inline, like everything this header runs inside a region: an
// inline function that the compiler keeps out of line is called through the
// PLT from a -fPIC shared library (semantic interposition).
[[noreturn, gnu::always_inline]] inline void hardware_abort(thread_ctx& ctx, std::uint8_t code) {
  if (HYTM_UNLIKELY(ctx.scripted || ctx.emulated)) model_abort(ctx, code);
  htm::abort_dynamic(code);
  model_abort(ctx, code);  // never reached inside a region: xabort does not return
}

// Room for one more entry in a log.  In hardware a full log aborts: growing
// it would call malloc inside the region.
template <class V>
[[gnu::always_inline]] inline void log_room(thread_ctx& ctx, const V& v) {
  if (HYTM_UNLIKELY(v.size() == v.capacity()) && ctx.path == path_kind::htm)
    hardware_abort(ctx, static_cast<std::uint8_t>(htm::abort_code::refill_logs));
}

[[gnu::always_inline]] inline void* tx_alloc(thread_ctx& ctx, std::size_t n, std::size_t align) {
  // Room first: on the model and scripted paths an abort is an exception
  // that rolls nothing back, so no block may be taken before it.
  log_room(ctx, ctx.allocs);
  void* p;
  if (HYTM_LIKELY(n <= alloc_cache::max_size && align <= alignof(std::max_align_t))) {
    const std::size_t k = alloc_cache::class_of(n);
    p = ctx.blocks.pop(k);
    if (HYTM_UNLIKELY(!p)) {
      if (ctx.path == path_kind::htm)
        hardware_abort(ctx, static_cast<std::uint8_t>(
                                static_cast<std::size_t>(htm::abort_code::alloc_class_first) + k));
      p = tx_allocate(alloc_cache::class_size(k), align);
    }
  } else {
    // Large or over-aligned: malloc (in hardware this may fault; then the
    // first-touch rule runs the attempt in software).
    p = tx_allocate(n, align);
  }
  ctx.allocs.push_back({p, nullptr});
  ctx.logs_used = true;
  return p;
}

[[gnu::always_inline]] inline void tx_defer_free(thread_ctx& ctx, void* p, void (*destroy)(void*)) {
  // (H3): a hardware attempt that frees announces its commit like one that
  // stores (the memory is reused after it, so software transactions must
  // revalidate).  The C interface's inline commit sees only this flag
  // (hytm/detail/c_inline.h); on the other paths it is not read.
  ctx.htm_wrote = true;
  log_room(ctx, ctx.frees);
  ctx.frees.push_back({p, destroy});
  ctx.logs_used = true;
}

template <class F>
[[gnu::always_inline]] inline void tx_add_handler(thread_ctx& ctx, std::vector<handler>& v, F&& fn) {
  log_room(ctx, v);
  v.emplace_back(std::forward<F>(fn));
  ctx.logs_used = true;
}

}  // namespace hytm::detail
