// undo_log.hpp: old values of the serial path's in-place writes.
//
// The serial path writes shared data directly (it runs alone), so the only
// reason to log is a body that throws or restarts: rollback() restores every
// byte it wrote, newest first, and nothing of the transaction is left behind.
//
// Why this shape.  Every serial store appends here, and a lone thread's
// transactions all run serially (solo mode, docs/policy.md), so the append
// is on the hot path of one-thread programs.  An entry is one piece of at
// most 8 bytes, with its old bytes kept in the entry itself: the append of a
// word store is a compare, two stores and a pointer bump, inline, with no
// second buffer to size.  A longer write is saved as consecutive pieces.
//
// ABI.  end_ and limit_ are the object's first two words, and an entry is
// (tagged address, old bytes): hytm.h's inline tier appends to the log of a
// serial C transaction itself (hytm/detail/c_tx.h, hytm_detail_undo), so this
// layout is part of libhytm's ABI (cmake/abi.cmake).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "hytm/core/platform.hpp"

namespace hytm {

class undo_log {
 public:
  // A piece's size rides in the address's top bits (user-space addresses on
  // x86-64 use at most 57), as 8 - size, so that a word's entry is its bare
  // address.  The old bytes are the first `size` bytes of `old` (for a store
  // of an integer of that size: its value zero-extended, on little-endian x86).
  struct entry {
    std::uintptr_t tagged;
    std::uint64_t old;
  };
  static constexpr unsigned size_shift = 58;

  undo_log() = default;
  ~undo_log() { std::free(data_); }
  undo_log(const undo_log&) = delete;
  undo_log& operator=(const undo_log&) = delete;

  // Saves the n bytes at p before they are overwritten.
  void save(void* p, std::size_t n) {
    if (HYTM_LIKELY(n <= 8)) {
      piece(p, n);
      return;
    }
    save_long(p, n);
  }
  void rollback() noexcept { rollback_to(0); }
  // Restores, newest first, every piece saved since size() was `mark`, and
  // forgets those entries; older ones stay, for the enclosing transaction.
  void rollback_to(std::size_t mark) noexcept {
    entry* const stop = data_ + mark;
    if (stop >= end_) return;
    for (entry* e = end_; e-- != stop;) std::memcpy(address(*e), &e->old, size(*e));
    end_ = stop;
  }
  void clear() noexcept { end_ = data_; }
  std::size_t size() const noexcept { return data_ ? static_cast<std::size_t>(end_ - data_) : 0; }
  // Distinct cache lines written, for the footprint statistics.
  template <class Out>
  void lines(Out& out) const {
    for (const entry* e = data_; e != end_; ++e) {
      const auto a = reinterpret_cast<std::uintptr_t>(address(*e));
      for (std::uintptr_t l = a >> 6; l <= (a + size(*e) - 1) >> 6; ++l) out.push_back(l);
    }
  }

 private:
  void piece(void* p, std::size_t n) {
    if (HYTM_UNLIKELY(end_ == limit_)) grow();
    end_->tagged = reinterpret_cast<std::uintptr_t>(p) | (std::uintptr_t{8 - n} << size_shift);
    end_->old = 0;
    std::memcpy(&end_->old, p, n);
    ++end_;
  }
  HYTM_NOINLINE void save_long(void* p, std::size_t n) {
    auto* b = static_cast<unsigned char*>(p);
    for (; n > 8; n -= 8, b += 8) piece(b, 8);
    piece(b, n);
  }
  HYTM_NOINLINE void grow() {
    const std::size_t used = size();
    const std::size_t cap = data_ ? 2 * static_cast<std::size_t>(limit_ - data_) : 64;
    auto* d = static_cast<entry*>(std::realloc(data_, cap * sizeof(entry)));
    if (!d) throw std::bad_alloc();
    data_ = d;
    end_ = d + used;
    limit_ = d + cap;
  }
  static void* address(const entry& e) noexcept {
    return reinterpret_cast<void*>(e.tagged & ((std::uintptr_t{1} << size_shift) - 1));
  }
  static std::size_t size(const entry& e) noexcept { return 8 - (e.tagged >> size_shift); }

  // First, in this order (the ABI note above).
  entry* end_ = nullptr;
  entry* limit_ = nullptr;
  entry* data_ = nullptr;
};

}  // namespace hytm
