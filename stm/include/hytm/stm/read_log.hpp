// read_log.hpp: the values a software transaction has read, for value-based
// validation (NOrec): the transaction is consistent as long as every logged
// piece still holds the value it read.
//
// The hot path (push_fast) is one compare and three stores: the compare
// `end_ < fast_limit_` is both the room test and the owner's "may append
// without further checks" test.  fast_limit_ equals the capacity while the
// owner allows fast appends, and the start of the log once it closes them
// (close_fast(), which NOrec calls at a transaction's first write, so that
// the loads that follow go to the slow path, which looks in the write set
// first).  A full log or a closed one sends the caller to its slow path,
// which appends with push() (bounds-checked, grows).  See docs/stm.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "hytm/core/platform.hpp"
#include "hytm/core/pieces.hpp"

namespace hytm::stm {

class read_log {
 public:
  read_log() { reserve(256); }
  ~read_log() { std::free(data_); }
  read_log(const read_log&) = delete;
  read_log& operator=(const read_log&) = delete;

  // True: push_fast may append now.
  [[gnu::always_inline]] bool fast() const noexcept { return end_ < fast_limit_; }
  // Appends without a bounds test: the caller checked fast().
  [[gnu::always_inline]] void push_fast(const void* p, std::size_t k, std::uint64_t v) noexcept {
    *end_++ = {tag(p, k), v};
  }
  // Appends, growing the log if it is full.
  void push(const void* p, std::size_t k, std::uint64_t v) {
    if (HYTM_UNLIKELY(end_ == limit_)) grow();
    *end_++ = {tag(p, k), v};
  }
  // Sends every later fast-path append to the slow path (until clear()).
  void close_fast() noexcept { fast_limit_ = data_; }

  // Acquire loads: the caller re-reads the sequence lock after this, and
  // that load must not move before these ((N3) in norec.hpp).
  // Returns the first piece whose value changed, or null if none did.
  const void* first_changed() const noexcept {
    for (const entry* i = data_; i != end_; ++i) {
      const entry& e = *i;
      if (pieces::load(address(e), size(e), std::memory_order_acquire) != e.value)
        return address(e);
    }
    return nullptr;
  }

  // The first piece, in log order, for which pred(address, size, logged
  // value) is true; null if none.  (The orec algorithm's validation, which
  // also looks at each piece's ownership record.)
  template <class P>
  const void* find_if(P&& pred) const noexcept {
    for (const entry* i = data_; i != end_; ++i)
      if (pred(address(*i), size(*i), i->value)) return address(*i);
    return nullptr;
  }

  std::size_t size() const noexcept { return static_cast<std::size_t>(end_ - data_); }
  void clear() noexcept {
    end_ = data_;
    fast_limit_ = limit_;
  }
  template <class Out>
  void lines(Out& out) const {
    for (const entry* i = data_; i != end_; ++i)
      out.push_back(reinterpret_cast<std::uintptr_t>(address(*i)) >> 6);
  }
  // f(address, size) for every logged piece: the bytes read, for the
  // sampled attribution's false-sharing check (hybrid/src/profiler/sampling.cpp).
  template <class F>
  void for_each_piece(F&& f) const {
    for (const entry* i = data_; i != end_; ++i) f(address(*i), size(*i));
  }

 private:
  struct entry {
    std::uintptr_t tagged;
    std::uint64_t value;
  };
  // The piece size rides in the address's top bits (user-space addresses on
  // x86-64 use at most 57 bits), coded so that a word (k = 8) has code 0 and
  // its entry is the bare address: the fast path of a word load spends no
  // instruction on the tag.  Code c means k = 8 >> c.
  static std::uintptr_t tag(const void* p, std::size_t k) noexcept {
    const std::uintptr_t c = k == 8 ? 0 : k == 4 ? 1 : k == 2 ? 2 : 3;
    return reinterpret_cast<std::uintptr_t>(p) | (c << 58);
  }
  static const void* address(const entry& e) noexcept {
    return reinterpret_cast<const void*>(e.tagged & ((std::uintptr_t{1} << 58) - 1));
  }
  static std::size_t size(const entry& e) noexcept { return std::size_t{8} >> (e.tagged >> 58); }

  void reserve(std::size_t n) {
    const std::size_t used = size();
    const bool was_fast = fast_limit_ == limit_;
    auto* d = static_cast<entry*>(std::realloc(data_, n * sizeof(entry)));
    if (!d) throw std::bad_alloc();
    data_ = d;
    end_ = d + used;
    limit_ = d + n;
    fast_limit_ = was_fast ? limit_ : data_;
  }
  HYTM_NOINLINE void grow() { reserve(2 * static_cast<std::size_t>(limit_ - data_)); }

  // hytm_detail_norec (hytm/detail/c_tx.h) mirrors end_ and fast_limit_
  // and the entry's shape; c_api.cpp checks them.
  friend struct c_view;

  entry* end_ = nullptr;
  entry* fast_limit_ = nullptr;  // limit_ or data_ (see the top of the file)
  entry* data_ = nullptr;
  entry* limit_ = nullptr;
};

}  // namespace hytm::stm
