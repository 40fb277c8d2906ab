// The C interface (hytm/hytm.h).
//
// A C transaction cannot be left by a C++ exception (the C frames between
// have no unwind tables), so the C paths restart with siglongjmp to the
// restart point: the sigsetjmp in HYTM_BEGIN, in the caller's frame.  The
// frames skipped are the C body's and those of the small extern "C"
// functions below, none of which holds an object with a destructor.
//
// A hardware attempt needs no jump: hytm_block_attempt() executes xbegin
// (through htm::begin()) and returns into the block; on abort the CPU
// resumes inside htm::begin() with the stack as it was, and
// hytm_block_attempt() carries on choosing the next path.
#include "hytm/hytm.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#include "hytm/hybrid/protocol.hpp"
#include "hytm/hybrid/run.hpp"
#include "hytm/hytm.hpp"

struct hytm_tx {
  hytm::thread_ctx* ctx = nullptr;
  sigjmp_buf env;
  hytm_tx* outer = nullptr;  // nested: the top-level C transaction, or null under C++
  bool nested = false;
  bool in_attempt = false;   // an attempt has started and not ended
  hytm::path_kind next = hytm::path_kind::serial;
  std::optional<hytm::attempt_policy> policy;
  std::uint64_t t0 = 0;
};

namespace {

using hytm::ctr;
using hytm::path_kind;

// One top-level C transaction per thread at a time (nesting is flattened),
// plus one object for nested blocks.
thread_local hytm_tx t_top;
thread_local hytm_tx t_nested;

[[noreturn]] void c_abort(hytm_tx* tx) {
  if (!tx->nested) siglongjmp(tx->env, 1);
  if (tx->outer) siglongjmp(tx->outer->env, 1);
  // Nested in a C++ transaction: only an exception reaches its restart
  // point (the C frames between must be built with -fexceptions).
  hytm::detail::throw_abort();
}

void check(const hytm_tx* tx) {
  if (!tx || !tx->ctx || tx->ctx->depth == 0)
    hytm::detail::misuse("a hytm_* transactional call outside its transaction");
}

// The end of an attempt that jumped back to the restart point.
void finish_aborted(hytm_tx* tx) {
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::stm: {
      const auto why = ctx.stm.last_abort();
      const bool serial = ctx.want_serial;
      hytm::detail::stm_aborted(ctx, tx->t0);
      if (serial) ctx.site->counters[ctr::stm_abort_explicit].add();
      tx->next = serial ? tx->policy->to_serial(ctr::fb_irrevocable)
                        : tx->policy->after_stm_abort(why);
      break;
    }
    case path_kind::serial:  // hytm_restart(): roll back, let others run, re-run
      ctx.undo.rollback();
      ctx.depth = 0;
      hytm::detail::abort_epilogue(ctx);
      hytm::g_serial_lock.unlock();
      ctx.site->counters[ctr::serial_rollbacks].add();
      ctx.site->counters[ctr::ns_aborted].add(hytm::detail::aborted_time(tx->t0));
      std::this_thread::yield();
      tx->next = path_kind::serial;
      break;
    case path_kind::htm: break;  // never: hardware aborts do not jump
  }
  tx->in_attempt = false;
}

}  // namespace

extern "C" {

hytm_tx* hytm_block_enter(const char* site) {
  hytm::thread_ctx& ctx = hytm::current_ctx();
  if (ctx.depth > 0) {
    t_nested.ctx = &ctx;
    t_nested.nested = true;
    t_nested.outer = t_top.in_attempt ? &t_top : nullptr;
    return &t_nested;
  }
  hytm_tx* tx = &t_top;
  tx->ctx = &ctx;
  tx->nested = false;
  tx->in_attempt = false;
  hytm::site_local& s = hytm::detail::site_for(ctx, hytm::site(site ? site : "c"));
  ctx.site = &s;
  ctx.timed = (ctx.rng.next() & (hytm::detail::time_sample - 1)) == 0;
  if (ctx.hot) --ctx.hot;
  tx->policy.emplace(ctx, s);
  tx->next = tx->policy->first();
  // The C interface runs no scripted hardware attempts (they cannot be
  // aborted from C); tests script the C++ interface.
  // Nor emulated ones: the model's aborts are exceptions, which cannot cross
  // C frames.  Both run the software path instead.
  if (tx->next == path_kind::htm && (hytm::g_config.htm == hytm::htm_mode::scripted ||
                                     hytm::g_config.htm == hytm::htm_mode::emulated)) {
    ctx.site->counters[ctr::fb_no_rtm].add();  // no (usable) hardware path for C here
    tx->next = hytm::g_config.stm == hytm::stm_algorithm::off ? path_kind::serial : path_kind::stm;
  }
  return tx;
}

sigjmp_buf* hytm_block_jmpbuf(hytm_tx* tx) { return &tx->env; }

void hytm_block_attempt(hytm_tx* tx) {
  if (tx->nested) return;
  hytm::thread_ctx& ctx = *tx->ctx;
  if (tx->in_attempt) finish_aborted(tx);
  for (;;) {
    switch (tx->next) {
      case path_kind::htm: {
        ctx.site->counters[ctr::htm_starts].add();
        tx->t0 = hytm::detail::attempt_start(ctx);
        const unsigned s = hytm::htm::begin();
        if (s == hytm::htm::started) {
          // (H2), as in run_htm().
          if (hytm::g_serial_lock.held_relaxed())
            hytm::htm::abort<hytm::htm::abort_code::serial_lock>();
          if (hytm::stm::g_norec.seq.load(std::memory_order_relaxed) & 1)
            hytm::htm::abort<hytm::htm::abort_code::stm_writer>();
          ctx.depth = 1;
          ctx.path = path_kind::htm;
          ctx.saw_software = false;
          tx->in_attempt = true;
          return;
        }
        ctx.site->counters[ctr::ns_aborted].add(hytm::detail::aborted_time(tx->t0));
        tx->next = tx->policy->after_htm_abort(hytm::htm::abort_status{s});
        break;
      }
      case path_kind::stm:
        ctx.site->counters[ctr::stm_starts].add();
        tx->t0 = hytm::detail::attempt_start(ctx);
        hytm::detail::software_enter(ctx);
        ctx.stm.start(ctx.slot, ctx.site->rec->id);
        ctx.depth = 1;
        ctx.path = path_kind::stm;
        ctx.want_serial = false;
        ctx.restart_asked = false;
        tx->in_attempt = true;
        return;
      case path_kind::serial:
        ctx.site->counters[ctr::serial_starts].add();
        tx->t0 = hytm::detail::attempt_start(ctx);
        hytm::g_serial_lock.lock(ctx.slot);
        ctx.depth = 1;
        ctx.path = path_kind::serial;
        ctx.restart_asked = false;
        tx->in_attempt = true;
        return;
    }
  }
}

void hytm_block_commit(hytm_tx* tx) {
  if (tx->nested) return;
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::htm:
      // (H3), as in run_htm().
      if (hytm::g_hybrid.software.load(std::memory_order_relaxed) != 0) {
        hytm::stm::g_norec.external.fetch_add(1, std::memory_order_relaxed);
        ctx.saw_software = true;
      }
      hytm::htm::end();
      ctx.depth = 0;
      tx->in_attempt = false;
      ctx.site->counters[ctr::htm_commits].add();
      ctx.site->counters[ctr::ns_committed].add(hytm::detail::committed_time(ctx, tx->t0));
      tx->policy->htm_committed();
      hytm::detail::commit_epilogue(ctx, ctx.saw_software);
      break;
    case path_kind::stm:
      if (!ctx.stm.commit()) c_abort(tx);
      tx->in_attempt = false;
      hytm::detail::stm_committed(ctx, tx->t0);
      break;
    case path_kind::serial:
      tx->in_attempt = false;
      hytm::detail::serial_committed(ctx, tx->t0);
      break;
  }
  tx->policy.reset();
}

void hytm_atomic_named(const char* name, hytm_body_fn body, void* arg) {
  HYTM_BEGIN_NAMED(tx, name) { body(tx, arg); }
  HYTM_END(tx);
}

void hytm_atomic(hytm_body_fn body, void* arg) { hytm_atomic_named("hytm_atomic", body, arg); }

}  // extern "C"

// ---- loads and stores ----

namespace {

template <class T>
T c_load(hytm_tx* tx, const T* addr) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::htm:
      return std::atomic_ref<T>(*const_cast<T*>(addr)).load(std::memory_order_relaxed);
    case path_kind::stm: {
      std::uint64_t v;
      if (!ctx.stm.read(addr, sizeof(T), v)) c_abort(tx);
      return static_cast<T>(v);
    }
    case path_kind::serial: break;
  }
  return *addr;
}

template <class T>
void c_store(hytm_tx* tx, T* addr, T value) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::htm:
      std::atomic_ref<T>(*addr).store(value, std::memory_order_relaxed);
      return;
    case path_kind::stm: ctx.stm.write(addr, sizeof(T), value); return;
    case path_kind::serial:
      ctx.undo.save(addr, sizeof(T));
      *addr = value;
      return;
  }
}

}  // namespace

extern "C" {

uint8_t hytm_load_u8(hytm_tx* tx, const uint8_t* a) { return c_load(tx, a); }
uint16_t hytm_load_u16(hytm_tx* tx, const uint16_t* a) { return c_load(tx, a); }
uint32_t hytm_load_u32(hytm_tx* tx, const uint32_t* a) { return c_load(tx, a); }
uint64_t hytm_load_u64(hytm_tx* tx, const uint64_t* a) { return c_load(tx, a); }
void* hytm_load_ptr(hytm_tx* tx, void* const* a) {
  return reinterpret_cast<void*>(c_load(tx, reinterpret_cast<const std::uintptr_t*>(a)));
}
void hytm_store_u8(hytm_tx* tx, uint8_t* a, uint8_t v) { c_store(tx, a, v); }
void hytm_store_u16(hytm_tx* tx, uint16_t* a, uint16_t v) { c_store(tx, a, v); }
void hytm_store_u32(hytm_tx* tx, uint32_t* a, uint32_t v) { c_store(tx, a, v); }
void hytm_store_u64(hytm_tx* tx, uint64_t* a, uint64_t v) { c_store(tx, a, v); }
void hytm_store_ptr(hytm_tx* tx, void** a, void* v) {
  c_store(tx, reinterpret_cast<std::uintptr_t*>(a), reinterpret_cast<std::uintptr_t>(v));
}

void hytm_load_bytes(hytm_tx* tx, void* dst, const void* src, size_t n) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  if (ctx.path != path_kind::stm) {
    std::memcpy(dst, src, n);  // hardware: tracked by the CPU; serial: alone
    return;
  }
  auto* out = static_cast<unsigned char*>(dst);
  hytm::pieces::split(src, n, [&](void* p, std::size_t k) {
    std::uint64_t v;
    if (!ctx.stm.read(p, k, v)) c_abort(tx);
    std::memcpy(out, &v, k);
    out += k;
  });
}

void hytm_store_bytes(hytm_tx* tx, void* dst, const void* src, size_t n) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::htm: std::memcpy(dst, src, n); return;
    case path_kind::serial:
      ctx.undo.save(dst, n);
      std::memcpy(dst, src, n);
      return;
    case path_kind::stm: break;
  }
  const auto* in = static_cast<const unsigned char*>(src);
  hytm::pieces::split(dst, n, [&](void* p, std::size_t k) {
    std::uint64_t v = 0;
    std::memcpy(&v, in, k);
    ctx.stm.write(p, k, v);
    in += k;
  });
}

void* hytm_malloc(hytm_tx* tx, size_t size) {
  check(tx);
  void* p = std::malloc(size ? size : 1);
  if (p) tx->ctx->allocs.push_back({p, nullptr});
  return p;
}

void hytm_free(hytm_tx* tx, void* ptr) {
  check(tx);
  if (ptr) tx->ctx->frees.push_back({ptr, nullptr});
}

void hytm_irrevocable(hytm_tx* tx) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::htm: hytm::htm::abort<hytm::htm::abort_code::irrevocable>(); return;
    case path_kind::stm:
      ctx.want_serial = true;
      ctx.stm.doom(hytm::stm::abort_reason::explicit_restart);
      c_abort(tx);
    case path_kind::serial: return;
  }
}

void hytm_restart(hytm_tx* tx) {
  check(tx);
  hytm::thread_ctx& ctx = *tx->ctx;
  switch (ctx.path) {
    case path_kind::htm: hytm::htm::abort<hytm::htm::abort_code::restart>(); break;
    case path_kind::stm: ctx.stm.doom(hytm::stm::abort_reason::explicit_restart); break;
    case path_kind::serial: ctx.restart_asked = true; break;
  }
  c_abort(tx);
}

void hytm_on_commit(hytm_tx* tx, hytm_handler_fn fn, void* arg) {
  check(tx);
  tx->ctx->on_commit.push_back([fn, arg] { fn(arg); });
}

void hytm_on_abort(hytm_tx* tx, hytm_handler_fn fn, void* arg) {
  check(tx);
  tx->ctx->on_abort.push_back([fn, arg] { fn(arg); });
}

const char* hytm_path_name(const hytm_tx* tx) { return hytm::name(tx->ctx->path); }

int hytm_in_transaction(void) { return hytm::current_ctx().depth > 0; }

char* hytm_stats_json(void) { return strdup(hytm::stats_json().c_str()); }

char* hytm_stats_text(void) { return strdup(hytm::stats_text().c_str()); }

void hytm_reset_stats(void) { hytm::reset_stats(); }

}  // extern "C"
