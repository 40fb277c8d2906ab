// tx.hpp: the transaction objects a body receives, one type per path.
//
// A body is a generic lambda, instantiated once per path:
//   htm_tx     inside an RTM region: loads and stores are plain (one mov);
//              the hardware tracks them.
//   stm_tx     NOrec barriers, inlined: loads are logged and validated,
//              stores are buffered until commit.
//   stm_ro_tx  the same at a site learned to be read-only: loads are
//              validated, not logged; a store restarts the attempt logged.
//   serial_tx  the thread runs alone: plain loads; stores log the old value
//              first, so that a throwing body can be rolled back.
// All three offer the same operations, so one body serves every path.
//
// The objects cannot be copied or moved, and exist only while the body runs:
// a tx operation outside a transaction does not compile unless a reference
// escapes the body; operations that are not on the hot path then check it
// at run time.
#pragma once

#include <array>
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
#include "hytm/core/pieces.hpp"

namespace hytm {

// Thrown through a body to end a software attempt.  Not a std::exception:
// a body's `catch (const std::exception&)` does not see it.  A body that
// swallows it with `catch (...)` gains nothing: the attempt stays doomed
// and is re-run.  An abort thrown through a `noexcept` function terminates
// the program (as any exception does): keep noexcept off code that calls tx
// operations.
struct tx_abort {};

namespace detail {

[[noreturn]] HYTM_API void throw_abort();
[[noreturn]] HYTM_API void misuse(const char* what);
HYTM_API void* tx_allocate(std::size_t size, std::size_t align);
// A store in an unlogged attempt (stm_ro_tx): the site is not read-only
// after all.  Unlearns, dooms the attempt (counted as an explicit restart)
// and ends it; the next attempt is logged.
[[noreturn]] HYTM_COLD inline void unlogged_store(thread_ctx& ctx) {
  unlearn_read_only(*ctx.site);
  ctx.stm.doom(stm::abort_reason::explicit_restart);
  throw_abort();
}

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

}  // namespace detail

// What every path shares: memory and handlers.
class tx_base {
 public:
  tx_base(const tx_base&) = delete;
  tx_base& operator=(const tx_base&) = delete;

  // Raw memory, released if the transaction aborts.
  void* alloc(std::size_t n, std::size_t align = alignof(std::max_align_t)) {
    live();
    void* p = detail::tx_allocate(n, align);
    ctx_->allocs.push_back(p);
    return p;
  }
  // Frees after commit, once no transaction can still read it; nothing if
  // the transaction aborts.
  void free(void* p) {
    live();
    if (p) ctx_->frees.push_back({p, nullptr});
  }
  // A new T, destroyed and freed if the transaction aborts.  The object is
  // private until the transaction publishes it, so its constructor runs
  // uninstrumented.
  template <class T, class... A>
  T* make(A&&... args) {
    void* p = alloc(sizeof(T), alignof(T));
    return ::new (p) T(std::forward<A>(args)...);
  }
  // Runs ~T() and frees, after commit.
  template <class T>
  void destroy(T* p) {
    live();
    if (p) ctx_->frees.push_back({p, [](void* q) { static_cast<T*>(q)->~T(); }});
  }
  // fn runs after the transaction commits (once), outside it.
  void on_commit(std::function<void()> fn) {
    live();
    ctx_->on_commit.push_back(std::move(fn));
  }
  // fn runs after an attempt aborts (the transaction will run again, or an
  // exception leaves it).  On the hardware path the registration itself is
  // rolled back with the attempt's memory, which the hardware has already
  // restored: abort handlers serve state that lives outside shared memory.
  void on_abort(std::function<void()> fn) {
    live();
    ctx_->on_abort.push_back(std::move(fn));
  }
  path_kind path() const noexcept { return ctx_->path; }

 protected:
  explicit tx_base(thread_ctx& ctx) noexcept : ctx_(&ctx) {}
  void live() const {
    if (HYTM_UNLIKELY(ctx_->depth == 0)) detail::misuse("a tx operation outside its transaction");
  }
  thread_ctx* ctx_;
};

// The hardware path.
class htm_tx : public tx_base {
 public:
  explicit htm_tx(thread_ctx& ctx) noexcept : tx_base(ctx) {}

  template <class T>
  T load(T& obj) noexcept {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    if constexpr (pieces::is_word_like<T>) {
      return std::atomic_ref<T>(obj).load(std::memory_order_relaxed);
    } else {
      std::array<unsigned char, sizeof(T)> b;
      std::memcpy(b.data(), &obj, sizeof(T));
      return std::bit_cast<T>(b);
    }
  }
  template <class T>
  void store(T& obj, std::type_identity_t<T> v) noexcept {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    if constexpr (pieces::is_word_like<T>)
      std::atomic_ref<T>(obj).store(v, std::memory_order_relaxed);
    else
      std::memcpy(&obj, &v, sizeof(T));
  }
  // Aborts the hardware attempt; the policy re-runs the body serially.
  void irrevocable() { abort_with<htm::abort_code::irrevocable>(); }
  [[noreturn]] void restart() {
    abort_with<htm::abort_code::restart>();
    __builtin_unreachable();
  }

 private:
  template <htm::abort_code C>
  void abort_with() {
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
class emu_tx : public tx_base {
 public:
  explicit emu_tx(thread_ctx& ctx) noexcept : tx_base(ctx) {}

  template <class T>
  T load(T& obj) {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    std::array<unsigned char, sizeof(T)> b;
    std::size_t off = 0;
    pieces::split(&obj, sizeof(T), [&](void* p, std::size_t k) {
      std::uint64_t v;
      if (HYTM_UNLIKELY(!ctx_->emu.read(p, k, v))) detail::throw_abort();
      std::memcpy(b.data() + off, &v, k);
      off += k;
    });
    return std::bit_cast<T>(b);
  }
  template <class T>
  void store(T& obj, std::type_identity_t<T> v) {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    const auto b = std::bit_cast<std::array<unsigned char, sizeof(T)>>(v);
    std::size_t off = 0;
    pieces::split(&obj, sizeof(T), [&](void* p, std::size_t k) {
      std::uint64_t w = 0;
      std::memcpy(&w, b.data() + off, k);
      if (HYTM_UNLIKELY(!ctx_->emu.write(p, k, w))) detail::throw_abort();
      off += k;
    });
  }
  // As on real RTM: an explicit abort, then the serial path.
  void irrevocable() {
    ctx_->emu.xabort(static_cast<std::uint8_t>(htm::abort_code::irrevocable));
    detail::throw_abort();
  }
  [[noreturn]] void restart() {
    ctx_->emu.xabort(static_cast<std::uint8_t>(htm::abort_code::restart));
    detail::throw_abort();
  }
};

// The software path, over NOrec.
class stm_tx : public tx_base {
 public:
  explicit stm_tx(thread_ctx& ctx) noexcept : tx_base(ctx) {}

  // Inlined whole into the body: the fast path is a dozen instructions
  // (docs/stm.md), the rest is one call.
  template <class T>
  [[gnu::always_inline]] T load(T& obj) {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    if constexpr (pieces::is_word_like<T>) {
      std::uint64_t v;
      if (HYTM_UNLIKELY(!ctx_->stm.read_fast(&obj, sizeof(T), v))) {
        const stm::read_result r = ctx_->stm.read_slow(&obj, sizeof(T));
        if (HYTM_UNLIKELY(!r.ok)) detail::throw_abort();
        v = r.value;
      }
      return detail::from_bits<T>(v);
    } else {
      std::array<unsigned char, sizeof(T)> b;
      std::size_t off = 0;
      pieces::split(&obj, sizeof(T), [&](void* p, std::size_t k) {
        const stm::read_result r = ctx_->stm.read(p, k);
        if (HYTM_UNLIKELY(!r.ok)) detail::throw_abort();
        std::memcpy(b.data() + off, &r.value, k);  // little-endian: low bytes first
        off += k;
      });
      return std::bit_cast<T>(b);
    }
  }
  template <class T>
  void store(T& obj, std::type_identity_t<T> v) {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    if constexpr (pieces::is_word_like<T>) {
      ctx_->stm.write(&obj, sizeof(T), detail::to_bits(v));
    } else {
      const auto b = std::bit_cast<std::array<unsigned char, sizeof(T)>>(v);
      std::size_t off = 0;
      pieces::split(&obj, sizeof(T), [&](void* p, std::size_t k) {
        std::uint64_t w = 0;
        std::memcpy(&w, b.data() + off, k);
        ctx_->stm.write(p, k, w);
        off += k;
      });
    }
  }
  void irrevocable() {
    ctx_->want_serial = true;
    ctx_->stm.doom(stm::abort_reason::explicit_restart);
    detail::throw_abort();
  }
  [[noreturn]] void restart() {
    ctx_->restart_asked = true;
    ctx_->stm.doom(stm::abort_reason::explicit_restart);
    detail::throw_abort();
  }
};

// The software path at a site that has been read-only (docs/stm.md): loads
// are validated against the start snapshot but not logged; a moved snapshot
// or a store ends the attempt, and the policy runs it again logged
// (hybrid/read_only.hpp).  The same object as stm_tx otherwise.
class stm_ro_tx : public stm_tx {
 public:
  explicit stm_ro_tx(thread_ctx& ctx) noexcept : stm_tx(ctx) {}

  template <class T>
  [[gnu::always_inline]] T load(T& obj) {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    if constexpr (pieces::is_word_like<T>) {
      std::uint64_t v;
      if (HYTM_UNLIKELY(!ctx_->stm.read_unlogged_fast(&obj, sizeof(T), v))) {
        ctx_->stm.unlogged_moved();
        detail::throw_abort();
      }
      return detail::from_bits<T>(v);
    } else {
      std::array<unsigned char, sizeof(T)> b;
      std::size_t off = 0;
      pieces::split(&obj, sizeof(T), [&](void* p, std::size_t k) {
        const stm::read_result r = ctx_->stm.read_unlogged(p, k);
        if (HYTM_UNLIKELY(!r.ok)) detail::throw_abort();
        std::memcpy(b.data() + off, &r.value, k);
        off += k;
      });
      return std::bit_cast<T>(b);
    }
  }
  // The site writes after all: unlearn, and re-run logged.
  template <class T>
  void store(T& obj, std::type_identity_t<T> v) {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    (void)obj;
    (void)v;
    detail::unlogged_store(*ctx_);
  }
};

// The serial path: alone, in place, with an undo log.
class serial_tx : public tx_base {
 public:
  explicit serial_tx(thread_ctx& ctx) noexcept : tx_base(ctx) {}

  template <class T>
  T load(T& obj) noexcept {
    static_assert(detail::shareable<T>, "tx.load needs a non-const trivially copyable object");
    std::array<unsigned char, sizeof(T)> b;
    std::memcpy(b.data(), &obj, sizeof(T));
    return std::bit_cast<T>(b);
  }
  template <class T>
  void store(T& obj, std::type_identity_t<T> v) {
    static_assert(detail::shareable<T>, "tx.store needs a non-const trivially copyable object");
    ctx_->undo.save(&obj, sizeof(T));
    std::memcpy(&obj, &v, sizeof(T));
  }
  void irrevocable() noexcept {}  // already alone
  [[noreturn]] void restart() {
    ctx_->restart_asked = true;
    detail::throw_abort();
  }
};

}  // namespace hytm
