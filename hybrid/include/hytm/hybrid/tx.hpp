// tx.hpp: the transaction objects a body receives, one type per path.
//
// A body is a generic lambda, instantiated once per path:
//   htm_tx     inside an RTM region: loads and stores are plain (one mov);
//              the hardware tracks them.
//   stm_tx     NOrec barriers, inlined: loads are logged and validated,
//              stores are buffered until commit (stm_orec_tx: the same over
//              the orec algorithm, when HYTM_STM=orec).
//   stm_ro_tx  the same at a site learned to be read-only: loads are
//              validated, not logged; a store restarts the attempt logged.
//   serial_tx  the thread runs alone: plain loads; stores log the old value
//              first, so that a throwing body can be rolled back.
// All three offer the same operations, so one body serves every path.
//
// The objects cannot be copied or moved, and exist only while the attempt
// that received them runs.  A reference that escapes the body (captured and
// called later) is refused at run time with a message: each tx carries the
// generation number its thread gave it, and every operation compares it
// with the thread's current one (one compare; docs/rules.md, rule R2).
//
// Any address works on every path (rule R1): an object whose address is
// not a multiple of its size (a packed member, a misaligned pointer) is
// split into naturally aligned pieces at run time.  tx.load and tx.store
// copy the value on the stack and so are limited to max_value_size bytes
// (rule R6, a compile-time error); tx.load_into / tx.store_from and
// tx.read / tx.write copy any size piece by piece.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

#include "hytm/htm/rtm.hpp"
#include "hytm/hybrid/read_only.hpp"
#include "hytm/hybrid/thread_ctx.hpp"
#include "hytm/hybrid/tx_memory.hpp"
#include "hytm/core/pieces.hpp"

namespace hytm {

// Thrown through a body to end a software attempt.  Not a std::exception:
// a body's `catch (const std::exception&)` does not see it.  A body that
// swallows it with `catch (...)` gains nothing: the attempt stays doomed
// and is re-run.  An abort thrown through a `noexcept` function terminates
// the program (as any exception does): keep noexcept off code that calls tx
// operations.
struct HYTM_API tx_abort {};

namespace detail {

// misuse() for R2, out of line and without arguments: the check inlined into
// every load and store stays one compare and one branch.
[[noreturn, gnu::cold]] HYTM_API void escaped_tx();
template <class T>
using word_of = std::conditional_t<
    sizeof(T) == 1, std::uint8_t,
    std::conditional_t<sizeof(T) == 2, std::uint16_t,
                       std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;

template <class T>
inline std::uint64_t to_bits(const T& v) noexcept {
  return static_cast<std::uint64_t>(std::bit_cast<word_of<T>>(v));
}
template <class T>
inline T from_bits(std::uint64_t v) noexcept {
  return std::bit_cast<T>(static_cast<word_of<T>>(v));
}

template <class T>
inline constexpr bool shareable = std::is_trivially_copyable_v<T> && !std::is_const_v<T>;

// Word-like types are one piece only where the object's address is a
// multiple of its size: alignof(T) says nothing about a packed member or an
// object reached through a cast pointer.
// (A pointer, not a reference: binding a reference to a misaligned object
// is what UBSan's alignment check reports.)
template <class T>
[[gnu::always_inline]] inline bool naturally_aligned(const T* obj) noexcept {
  return (reinterpret_cast<std::uintptr_t>(obj) & (sizeof(T) - 1)) == 0;
}

struct tx_access;

}  // namespace detail

// The largest object tx.load and tx.store take by value (they hold up to
// two copies of it on the stack).  Larger ones: tx.load_into(dst, src),
// tx.store_from(dst, src), tx.read(dst, src, n), tx.write(dst, src, n).
inline constexpr std::size_t max_value_size = 4096;

// What every path shares: memory, handlers, and the escape check.
class tx_base {
  friend struct detail::tx_access;

 public:
  tx_base(const tx_base&) = delete;
  tx_base& operator=(const tx_base&) = delete;

  // Raw memory, released if the transaction aborts.
  [[gnu::always_inline]] void* alloc(std::size_t n, std::size_t align = alignof(std::max_align_t)) {
    live();
    return detail::tx_alloc(*ctx_, n, align);
  }
  // Frees after commit, once no transaction can still read it; nothing if
  // the transaction aborts.
  [[gnu::always_inline]] void free(void* p) {
    live();
    if (p) detail::tx_defer_free(*ctx_, p, nullptr);
  }
  // A new T, destroyed (~T() runs) and freed if the attempt aborts.  The
  // object is private until the transaction publishes it, so its
  // constructor runs uninstrumented.
  template <class T, class... A>
  [[gnu::always_inline]] T* make(A&&... args) {
    void* p = alloc(sizeof(T), alignof(T));
    // By index: the constructor may run a (nested) transaction that
    // allocates too.
    const std::size_t at = ctx_->allocs.size() - 1;
    T* t = ::new (p) T(std::forward<A>(args)...);
    if constexpr (!std::is_trivially_destructible_v<T>)
      ctx_->allocs[at].destroy = [](void* q) { static_cast<T*>(q)->~T(); };
    return t;
  }
  // Runs ~T() and frees, after commit.
  template <class T>
  [[gnu::always_inline]] void destroy(T* p) {
    live();
    if (p) detail::tx_defer_free(*ctx_, p, [](void* q) { static_cast<T*>(q)->~T(); });
  }
  // fn runs after the transaction commits (once), outside it.  A callable
  // of up to 48 bytes is kept in place (handler.hpp): no allocation.  Every
  // handler runs, in registration order; if some throw, the first
  // exception leaves atomic() after the last handler ran (the transaction
  // stays committed).
  template <class F>
  [[gnu::always_inline]] void on_commit(F&& fn) {
    live();
    detail::tx_add_handler(*ctx_, ctx_->on_commit, std::forward<F>(fn));
  }
  // fn runs after an attempt aborts (the transaction will run again, or an
  // exception leaves it).  On the hardware path the registration itself is
  // rolled back with the attempt's memory, which the hardware has already
  // restored: abort handlers serve state that lives outside shared memory.
  // Every handler runs; if some throw, the first exception leaves atomic()
  // and the transaction is not run again (it stays rolled back), unless
  // the body's own exception is leaving it, which then wins.
  template <class F>
  [[gnu::always_inline]] void on_abort(F&& fn) {
    live();
    detail::tx_add_handler(*ctx_, ctx_->on_abort, std::forward<F>(fn));
  }
  [[gnu::always_inline]] path_kind path() const noexcept { return ctx_->path; }

 protected:
  [[gnu::always_inline]] explicit tx_base(thread_ctx& ctx) noexcept
      : ctx_(&ctx), gen_(++detail::t_tx_gen) {}
  // The attempt is over: a reference kept past it no longer matches.
  // ctx->tx is left as it is: it is read only by a nested transaction
  // (joined(), at depth > 0), which an attempt begins only after storing
  // its own tx there (tx_in_slot, or the C entry's), and a stale one would
  // fail live() anyway.  A C transaction's tx outlives its end in the same
  // way (tx_access::renew).
  [[gnu::always_inline]] ~tx_base() { ++detail::t_tx_gen; }
  // One compare on every operation (R2), before anything else is read from
  // the object.  Reading gen_ is safe even for a stale reference: tx
  // objects live in the thread context's slots (detail::tx_in_slot).  A
  // stale tx of this thread mismatches, as the number only grows, unless
  // its slot holds the thread's current tx (64 attempts later: the stale
  // reference then names the current tx).
  [[gnu::always_inline]] void live() const {
    if (HYTM_UNLIKELY(gen_ != detail::t_tx_gen)) detail::escaped_tx();
  }
  thread_ctx* ctx_;
  std::uint64_t gen_;
};

// Typed forms of every path's read(dst, src, n) / write(dst, src, n), for
// objects of any size, without a copy on the stack.
template <class Tx>
class tx_bulk : public tx_base {
 public:
  // dst = src, src read transactionally.
  template <class T>
  void load_into(T& dst, T& src) {
    static_assert(detail::shareable<T>, "tx.load_into needs a non-const trivially copyable object");
    static_cast<Tx*>(this)->read(&dst, &src, sizeof(T));
  }
  // dst = src, dst written transactionally.
  template <class T>
  void store_from(T& dst, const T& src) {
    static_assert(detail::shareable<T>, "tx.store_from needs a non-const trivially copyable object");
    static_cast<Tx*>(this)->write(&dst, &src, sizeof(T));
  }

 protected:
  using tx_base::tx_base;
};

namespace detail {
template <class T>
consteval bool by_value() {
  static_assert(sizeof(T) <= max_value_size,
                "tx.load / tx.store copy the object on the stack and take at most "
                "hytm::max_value_size (4096) bytes: for a larger object use "
                "tx.load_into(dst, src) / tx.store_from(dst, src) or tx.read(dst, src, n) / "
                "tx.write(dst, src, n) (docs/rules.md R6)");
  return true;
}
}  // namespace detail

// The hardware path.
class htm_tx : public tx_bulk<htm_tx> {
 public:
  explicit htm_tx(thread_ctx& ctx) noexcept : tx_bulk(ctx) {}

  template <class T>
  [[gnu::always_inline]] T load(T& obj) noexcept {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    live();
    if constexpr (pieces::is_word_like<T>) {
      if (HYTM_LIKELY(detail::naturally_aligned(&obj)))
        return std::atomic_ref<T>(obj).load(std::memory_order_relaxed);
    }
    // atomic_ref on a misaligned address is undefined; the hardware tracks
    // a plain copy of any bytes.
    std::array<unsigned char, sizeof(T)> b;
    std::memcpy(b.data(), &obj, sizeof(T));
    return std::bit_cast<T>(b);
  }
  template <class T>
  [[gnu::always_inline]] void store(T& obj, std::type_identity_t<T> v) noexcept {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    live();
    ctx_->htm_wrote = true;  // (H3): only a writer announces its commit
    if constexpr (pieces::is_word_like<T>) {
      if (HYTM_LIKELY(detail::naturally_aligned(&obj))) {
        std::atomic_ref<T>(obj).store(v, std::memory_order_relaxed);
        return;
      }
    }
    std::memcpy(&obj, &v, sizeof(T));
  }
  [[gnu::always_inline]] void read(void* dst, const void* src, std::size_t n) noexcept {
    live();
    std::memcpy(dst, src, n);
  }
  [[gnu::always_inline]] void write(void* dst, const void* src, std::size_t n) noexcept {
    live();
    ctx_->htm_wrote = true;
    std::memcpy(dst, src, n);
  }
  // Aborts the hardware attempt; the policy re-runs the body serially.
  [[gnu::always_inline]] void irrevocable() {
    live();
    abort_with<htm::abort_code::irrevocable>();
  }
  [[noreturn, gnu::always_inline]] void restart() {
    live();
    abort_with<htm::abort_code::restart>();
    __builtin_unreachable();
  }

 private:
  friend struct detail::tx_access;
  // An exception left a nested transaction (run.hpp, nested()): the
  // hardware cannot undo only the nested part, so the whole attempt goes,
  // and the policy re-runs it serially (fallbacks.exception), where a
  // savepoint undoes the nested part alone.
  [[noreturn]] void nested_threw() {
    abort_with<htm::abort_code::exception>();
    __builtin_unreachable();
  }
  template <htm::abort_code C>
  [[gnu::always_inline]] void abort_with() {
    // Scripted test mode runs "hardware" bodies outside a real region,
    // where xabort would do nothing.
    if (HYTM_UNLIKELY(ctx_->scripted)) {
      ctx_->scripted_abort = static_cast<std::uint8_t>(C);
      detail::throw_abort();
    }
    htm::abort<C>();
  }
};

// The hardware path on the RTM model (HYTM_HTM=emulate): every access goes
// through the model, which tracks lines and buffers writes.
class emu_tx : public tx_bulk<emu_tx> {
 public:
  explicit emu_tx(thread_ctx& ctx) noexcept : tx_bulk(ctx) {}

  template <class T>
  T load(T& obj) {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    std::array<unsigned char, sizeof(T)> b;
    read(b.data(), &obj, sizeof(T));
    return std::bit_cast<T>(b);
  }
  template <class T>
  void store(T& obj, std::type_identity_t<T> v) {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    const auto b = std::bit_cast<std::array<unsigned char, sizeof(T)>>(v);
    write(&obj, b.data(), sizeof(T));
  }
  // Piece by piece through the model (pieces are naturally aligned, so
  // none crosses a line).
  void read(void* dst, const void* src, std::size_t n) {
    live();
    auto* out = static_cast<unsigned char*>(dst);
    pieces::split(src, n, [&](void* p, std::size_t k) {
      std::uint64_t v;
      if (HYTM_UNLIKELY(!ctx_->emu.read(p, k, v))) detail::throw_abort();
      std::memcpy(out, &v, k);
      out += k;
    });
  }
  void write(void* dst, const void* src, std::size_t n) {
    live();
    ctx_->htm_wrote = true;  // (H3): only a writer announces its commit
    const auto* in = static_cast<const unsigned char*>(src);
    pieces::split(dst, n, [&](void* p, std::size_t k) {
      std::uint64_t w = 0;
      std::memcpy(&w, in, k);
      if (HYTM_UNLIKELY(!ctx_->emu.write(p, k, w))) detail::throw_abort();
      in += k;
    });
  }
  // As on real RTM: an explicit abort, then the serial path.
  void irrevocable() {
    live();
    ctx_->emu.xabort(static_cast<std::uint8_t>(htm::abort_code::irrevocable));
    detail::throw_abort();
  }
  [[noreturn]] void restart() {
    live();
    ctx_->emu.xabort(static_cast<std::uint8_t>(htm::abort_code::restart));
    detail::throw_abort();
  }

 private:
  friend struct detail::tx_access;
  [[noreturn]] void nested_threw() {  // as htm_tx::nested_threw
    ctx_->emu.xabort(static_cast<std::uint8_t>(htm::abort_code::exception));
    detail::throw_abort();
  }
};

// The software path, over algorithm A (stm::norec or stm::orec, the one
// g_config.stm names): stm_tx is NOrec's, stm_orec_tx the orec algorithm's.
//
// The tx object keeps a copy of the attempt's snapshot, and its fast
// load compares the global words with the copy: the generation check (R2)
// is folded into that compare.  When the attempt ends the destructor
// poisons the copy with a value seq never reaches, so a load through a
// reference that escaped the attempt misses, and the slow path runs live()
// before anything else, as every other operation does first.  The copy
// may lag the algorithm's snapshot (read_slow() moved it; it is copied
// back after each slow call), never lead it: a lagging copy only sends a
// load to the slow path, which checks the algorithm's own snapshot.
template <class A>
class stm_tx_on : public tx_bulk<stm_tx_on<A>> {
 public:
  using algorithm = A;
  explicit stm_tx_on(thread_ctx& ctx) noexcept : tx_bulk<stm_tx_on<A>>(ctx) { resync(); }
  // The store outlives the object on purpose: a plain store to a member in
  // a destructor is dead to the compiler (GCC's lifetime DSE removes it);
  // an atomic one is kept.
  [[gnu::always_inline]] ~stm_tx_on() {
    std::atomic_ref<std::uint64_t>(snap_.seq).store(stm::norec::dead_seq, std::memory_order_relaxed);
  }

  // Inlined whole into the body: the fast path is a dozen instructions
  // (docs/stm.md), the rest is one call.
  template <class T>
  [[gnu::always_inline]] T load(T& obj) {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    if constexpr (pieces::is_word_like<T>) {
      if (HYTM_LIKELY(detail::naturally_aligned(&obj))) {
        std::uint64_t v;
        if (HYTM_UNLIKELY(!alg().read_fast_at(&obj, sizeof(T), v, snap_))) v = read_missed(&obj, sizeof(T));
        return detail::from_bits<T>(v);
      }
      this->live();
      return load_split<T>(&obj);  // out of line: the fast path stays small
    } else {
      this->live();
      std::array<unsigned char, sizeof(T)> b;
      read_pieces(b.data(), &obj, sizeof(T));
      return std::bit_cast<T>(b);
    }
  }
  template <class T>
  [[gnu::always_inline]] void store(T& obj, std::type_identity_t<T> v) {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    this->live();
    if constexpr (pieces::is_word_like<T>) {
      if (HYTM_LIKELY(detail::naturally_aligned(&obj))) {
        alg().write(&obj, sizeof(T), detail::to_bits(v));
        return;
      }
      store_split<T>(&obj, v);
    } else {
      const auto b = std::bit_cast<std::array<unsigned char, sizeof(T)>>(v);
      write_pieces(&obj, b.data(), sizeof(T));
    }
  }
  void read(void* dst, const void* src, std::size_t n) {
    this->live();
    read_pieces(dst, src, n);
  }
  void write(void* dst, const void* src, std::size_t n) {
    this->live();
    write_pieces(dst, src, n);
  }
  void irrevocable() {
    this->live();
    this->ctx_->want_serial = true;
    this->ctx_->serial_why = ctr::fb_irrevocable;
    doom(stm::abort_reason::explicit_restart);
    detail::throw_abort();
  }
  [[noreturn]] void restart() {
    this->live();
    this->ctx_->restart_asked = true;
    doom(stm::abort_reason::explicit_restart);
    detail::throw_abort();
  }

 protected:
  [[gnu::always_inline]] A& alg() const noexcept { return detail::algorithm_state<A>(*this->ctx_); }
  // After anything that may have moved the algorithm's snapshot.
  [[gnu::always_inline]] void resync() noexcept { snap_ = alg().current_snapshot(); }
  // As the algorithm's doom(), whose poisoned snapshot sends every later
  // load of the attempt (a body that swallowed the abort) to the slow
  // path, which fails it: the copy is poisoned with it.
  void doom(stm::abort_reason why) noexcept {
    alg().doom(why);
    resync();
  }
  // Read only by the fast loads, stm_ro_tx's included.
  stm::snapshot snap_;

 private:
  friend struct detail::tx_access;
  // The fast load missed: an escaped reference (R2), a moved snapshot, a
  // full read log, a written word or a doomed attempt (read_slow()).
  [[gnu::always_inline]] std::uint64_t read_missed(const void* p, std::size_t k) {
    this->live();
    const stm::read_result r = alg().read_slow(p, k);
    resync();
    if (HYTM_UNLIKELY(!r.ok)) detail::throw_abort();
    return r.value;
  }
  // By pointer: a reference to a misaligned object is what UBSan reports.
  template <class T>
  HYTM_NOINLINE T load_split(const T* obj) {
    std::array<unsigned char, sizeof(T)> b;
    read_pieces(b.data(), obj, sizeof(T));
    return std::bit_cast<T>(b);
  }
  template <class T>
  HYTM_NOINLINE void store_split(T* obj, T v) {
    const auto b = std::bit_cast<std::array<unsigned char, sizeof(T)>>(v);
    write_pieces(obj, b.data(), sizeof(T));
  }
  void read_pieces(void* dst, const void* src, std::size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    pieces::split(src, n, [&](void* p, std::size_t k) {
      const stm::read_result r = alg().read(p, k);
      if (HYTM_UNLIKELY(!r.ok)) detail::throw_abort();
      std::memcpy(out, &r.value, k);  // little-endian: low bytes first
      out += k;
    });
    resync();
  }
  void write_pieces(void* dst, const void* src, std::size_t n) {
    const auto* in = static_cast<const unsigned char*>(src);
    pieces::split(dst, n, [&](void* p, std::size_t k) {
      std::uint64_t w = 0;
      std::memcpy(&w, in, k);
      alg().write(p, k, w);
      in += k;
    });
  }
  // An exception left a nested transaction.  The write set has no
  // savepoints: if the attempt is consistent, re-run it serially
  // (fallbacks.exception), where a savepoint undoes the nested part alone;
  // if not, the exception came from a doomed attempt and it simply runs
  // again.
  [[noreturn]] void nested_threw() {
    if (!alg().doomed() && alg().validate()) {
      this->ctx_->want_serial = true;
      this->ctx_->serial_why = ctr::fb_exception;
      doom(stm::abort_reason::explicit_restart);
    }
    detail::throw_abort();
  }
};

using stm_tx = stm_tx_on<stm::norec>;
using stm_orec_tx = stm_tx_on<stm::orec>;

// The software path at a site that has been read-only (docs/stm.md): loads
// are validated against the start snapshot but not logged; a moved snapshot
// or a store ends the attempt, and the policy runs it again logged
// (hybrid/read_only.hpp).  The same object as stm_tx otherwise.
//
// Its fast load compares the global words with stm_tx's copy of the
// snapshot (R2 folded in, as there), which an unlogged attempt never moves
// (it restarts instead), and needs neither ctx_ nor the read log.
class stm_ro_tx : public stm_tx {
 public:
  explicit stm_ro_tx(thread_ctx& ctx) noexcept : stm_tx(ctx) {}

  template <class T>
  [[gnu::always_inline]] T load(T& obj) {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    if constexpr (pieces::is_word_like<T>) {
      if (HYTM_LIKELY(detail::naturally_aligned(&obj))) {
        std::uint64_t v;
        if (HYTM_UNLIKELY(!stm::norec::read_at_snapshot(&obj, sizeof(T), v, snap_))) moved();
        return detail::from_bits<T>(v);
      }
    }
    live();
    std::array<unsigned char, sizeof(T)> b;
    read(b.data(), &obj, sizeof(T));
    return std::bit_cast<T>(b);
  }
  // The site writes after all: unlearn, and re-run logged.  Every form of
  // store is covered (tx_bulk's are not virtual): an unlogged attempt that
  // buffered a write would commit it without a read log to validate.
  template <class T>
  void store(T& obj, std::type_identity_t<T> v) {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    live();
    (void)obj;
    (void)v;
    refuse_store();
  }
  template <class T>
  void store_from(T& dst, const T& src) {
    live();
    (void)dst;
    (void)src;
    refuse_store();
  }
  void write(void* dst, const void* src, std::size_t n) {
    live();
    (void)dst;
    (void)src;
    (void)n;
    refuse_store();
  }
  // Unlogged, piece by piece.
  void read(void* dst, const void* src, std::size_t n) {
    live();
    auto* out = static_cast<unsigned char*>(dst);
    pieces::split(src, n, [&](void* p, std::size_t k) {
      const stm::read_result r = ctx_->stm.read_unlogged(p, k);
      if (HYTM_UNLIKELY(!r.ok)) detail::throw_abort();
      std::memcpy(out, &r.value, k);
      out += k;
    });
  }
  template <class T>
  void load_into(T& dst, T& src) {
    static_assert(detail::shareable<T>, "tx.load_into needs a non-const trivially copyable object");
    read(&dst, &src, sizeof(T));
  }

 private:
  // A store: the site is not read-only after all.  Unlearns, dooms the
  // attempt (counted as an explicit restart; doom() poisons the copy too)
  // and ends it; the next attempt is logged.
  [[noreturn]] HYTM_COLD void refuse_store() {
    detail::unlearn_read_only(*ctx_->site);
    doom(stm::abort_reason::explicit_restart);
    detail::throw_abort();
  }
  // A fast load missed: an escaped reference (R2, the poisoned copy), or
  // the snapshot moved (U1).  Out of line: the body keeps one call.
  [[noreturn]] HYTM_NOINLINE void moved() {
    live();
    ctx_->stm.unlogged_moved();
    detail::throw_abort();
  }
};

// The serial path: alone, in place, with an undo log.
class serial_tx : public tx_bulk<serial_tx> {
 public:
  explicit serial_tx(thread_ctx& ctx) noexcept : tx_bulk(ctx) {}

  template <class T>
  [[gnu::always_inline]] T load(T& obj) noexcept {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    live();
    std::array<unsigned char, sizeof(T)> b;
    std::memcpy(b.data(), &obj, sizeof(T));
    return std::bit_cast<T>(b);
  }
  template <class T>
  [[gnu::always_inline]] void store(T& obj, std::type_identity_t<T> v) {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    static_assert(detail::by_value<T>());
    live();
    ctx_->undo.save(&obj, sizeof(T));
    std::memcpy(&obj, &v, sizeof(T));
  }
  void read(void* dst, const void* src, std::size_t n) noexcept {
    live();
    std::memcpy(dst, src, n);
  }
  void write(void* dst, const void* src, std::size_t n) {
    live();
    ctx_->undo.save(dst, n);
    std::memcpy(dst, src, n);
  }
  void irrevocable() noexcept { live(); }  // already alone
  [[noreturn]] void restart() {
    live();
    ctx_->restart_asked = true;
    detail::throw_abort();
  }
};

namespace detail {
// An attempt's tx object, in the thread's next slot (thread_ctx::tx_slots)
// rather than on the stack: an escaped reference then still names live
// memory, and a different slot from the tx objects of the 63 attempts that
// follow, so that the generation check (tx_base::live()) cannot be fooled
// by the next attempt's tx sitting at the same stack address.
// Slot ((t_tx_gen + 1) / 2) % tx_slot_count, the next generation's half
// (the number moves by 2 per attempt), at byte offset ((t_tx_gen + 1) & mask)
// * 16 (32-byte slots) with the mask keeping bits 1..6: one and, one shift
// or scaled add.
template <class Tx>
struct tx_in_slot {
  static_assert(sizeof(Tx) <= sizeof(thread_ctx::tx_slots[0]) && alignof(Tx) <= 16);
  static_assert(sizeof(thread_ctx::tx_slots[0]) == 32 && thread_ctx::tx_slot_count == 64);
  // Always inline, like the rest of an attempt's start and end: a run()
  // with several commit epilogues (run_stm) outgrows GCC's inlining budget,
  // and a call here cost 3-4 instructions a transaction.
  [[gnu::always_inline]] explicit tx_in_slot(thread_ctx& ctx) noexcept
      : tx(*::new (&ctx.tx_slots[0][0] + ((t_tx_gen + 1) & 0x7e) * 16) Tx(ctx)) {
    ctx.tx = &tx;
  }
  [[gnu::always_inline]] ~tx_in_slot() { tx.~Tx(); }
  tx_in_slot(const tx_in_slot&) = delete;
  tx_in_slot& operator=(const tx_in_slot&) = delete;
  Tx& tx;
};

// What nested() may do that a body may not.
struct tx_access {
  // A tx object that lives on in the thread's C transaction (c_api.cpp),
  // for the thread's next attempt: what destroying it and constructing it
  // again for the same thread does, the generation moved past every
  // reference to the attempt before (~tx_base, then tx_base's constructor);
  // the caller stores ctx.tx.  Only for a type whose state is tx_base's, and an
  // object made for this thread (a hytm_tx's are made with its context
  // and never rebound).
  template <class Tx>
  static Tx& renew(Tx& tx) noexcept {
    static_assert(sizeof(Tx) == sizeof(tx_base), "renew() knows only tx_base's state");
    ++t_tx_gen;
    tx.gen_ = ++t_tx_gen;
    return tx;
  }
  template <class Tx>
  [[noreturn]] static void nested_threw(Tx& tx) {
    // The attempt ends for a body's exception: an on_abort handler's
    // exception does not replace it (R5).
    tx.ctx_->body_threw = true;
    tx.nested_threw();
  }
};
}  // namespace detail

}  // namespace hytm
