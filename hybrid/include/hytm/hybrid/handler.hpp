// handler.hpp: a void() callable for tx.on_commit / tx.on_abort, stored in
// place when it fits.
//
// std::function keeps only 16 bytes in place, so a lambda that captures
// three references allocates, and a registration made inside a hardware
// region may then touch a fresh page (an abort with status 0 on every try,
// DESIGN rule 6).  A handler keeps up to 48 bytes in place; larger callables
// go to the heap (documented in tx.hpp).  The handler vectors in thread_ctx
// keep their capacity from one transaction to the next, so after a first
// use a registration writes only memory the thread has touched before.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace hytm {

class handler {
 public:
  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, handler> && std::is_invocable_v<std::decay_t<F>&>)
  explicit handler(F&& f) {
    using D = std::decay_t<F>;
    if constexpr (sizeof(D) <= sizeof(buf_) && alignof(D) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &in_place_ops<D>;
    } else {
      D* p = new D(std::forward<F>(f));
      ::new (static_cast<void*>(buf_)) D*(p);
      ops_ = &on_heap_ops<D>;
    }
  }
  handler(handler&& o) noexcept : ops_(o.ops_) {
    if (ops_) ops_->relocate(o.buf_, buf_);
    o.ops_ = nullptr;
  }
  handler(const handler&) = delete;
  handler& operator=(const handler&) = delete;
  handler& operator=(handler&&) = delete;
  ~handler() {
    if (ops_) ops_->destroy(buf_);
  }
  void operator()() { ops_->call(buf_); }

 private:
  struct ops {
    void (*call)(void*);
    void (*relocate)(void* from, void* to) noexcept;  // move, then destroy the source
    void (*destroy)(void*) noexcept;
  };
  template <class D>
  static void call_in_place(void* p) { (*std::launder(static_cast<D*>(p)))(); }
  template <class D>
  static void relocate_in_place(void* from, void* to) noexcept {
    D* f = std::launder(static_cast<D*>(from));
    ::new (to) D(std::move(*f));
    f->~D();
  }
  template <class D>
  static void destroy_in_place(void* p) noexcept { std::launder(static_cast<D*>(p))->~D(); }
  template <class D>
  static void call_on_heap(void* p) { (**std::launder(static_cast<D**>(p)))(); }
  template <class D>
  static void relocate_on_heap(void* from, void* to) noexcept {
    ::new (to) D*(*std::launder(static_cast<D**>(from)));
  }
  template <class D>
  static void destroy_on_heap(void* p) noexcept { delete *std::launder(static_cast<D**>(p)); }
  template <class D>
  static constexpr ops in_place_ops{&call_in_place<D>, &relocate_in_place<D>, &destroy_in_place<D>};
  template <class D>
  static constexpr ops on_heap_ops{&call_on_heap<D>, &relocate_on_heap<D>, &destroy_on_heap<D>};

  alignas(std::max_align_t) unsigned char buf_[48];
  const ops* ops_ = nullptr;
};

}  // namespace hytm
