// read_log.hpp: the values a software transaction has read, for value-based
// validation (NOrec): the transaction is consistent as long as every logged
// piece still holds the value it read.
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

  [[gnu::always_inline]] void push(const void* p, std::size_t k, std::uint64_t v) {
    if (HYTM_UNLIKELY(end_ == limit_)) grow();
    // The piece size rides in the address's top bits: user-space addresses
    // on x86-64 use at most 57 bits.
    *end_++ = {reinterpret_cast<std::uintptr_t>(p) | (std::uintptr_t{k} << 58), v};
  }

  // Acquire loads: the caller re-reads the sequence lock after this, and
  // that load must not move before these ((N3) in norec.hpp).
  // Returns the first piece whose value changed, or null if none did.
  const void* first_changed() const noexcept {
    for (const entry* i = data_; i != end_; ++i) {
      const entry& e = *i;
      const auto* p = reinterpret_cast<const void*>(e.tagged & ((std::uintptr_t{1} << 58) - 1));
      if (pieces::load(p, e.tagged >> 58, std::memory_order_acquire) != e.value) return p;
    }
    return nullptr;
  }

  std::size_t size() const noexcept { return static_cast<std::size_t>(end_ - data_); }
  void clear() noexcept { end_ = data_; }
  template <class Out>
  void lines(Out& out) const {
    for (const entry* i = data_; i != end_; ++i)
      out.push_back((i->tagged & ((std::uintptr_t{1} << 58) - 1)) >> 6);
  }

 private:
  struct entry {
    std::uintptr_t tagged;
    std::uint64_t value;
  };
  void reserve(std::size_t n) {
    const std::size_t used = size();
    auto* d = static_cast<entry*>(std::realloc(data_, n * sizeof(entry)));
    if (!d) throw std::bad_alloc();
    data_ = d;
    end_ = d + used;
    limit_ = d + n;
  }
  HYTM_NOINLINE void grow() { reserve(2 * static_cast<std::size_t>(limit_ - data_)); }
  entry* data_ = nullptr;
  entry* end_ = nullptr;
  entry* limit_ = nullptr;
};

}  // namespace hytm::stm
