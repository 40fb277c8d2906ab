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

  void push(const void* p, std::size_t k, std::uint64_t v) {
    if (HYTM_UNLIKELY(size_ == cap_)) reserve(cap_ * 2);
    // The piece size rides in the address's top byte: user-space addresses
    // on x86-64 use at most 57 bits.
    data_[size_++] = {reinterpret_cast<std::uintptr_t>(p) | (std::uintptr_t{k} << 58), v};
  }

  // Acquire loads: the caller re-reads the sequence lock after this, and
  // that load must not move before these ((N3) in norec.hpp).
  // Returns the first piece whose value changed, or null if none did.
  const void* first_changed() const noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
      const entry& e = data_[i];
      const auto* p = reinterpret_cast<const void*>(e.tagged & ((std::uintptr_t{1} << 58) - 1));
      if (pieces::load(p, e.tagged >> 58, std::memory_order_acquire) != e.value) return p;
    }
    return nullptr;
  }

  std::size_t size() const noexcept { return size_; }
  void clear() noexcept { size_ = 0; }
  template <class Out>
  void lines(Out& out) const {
    for (std::size_t i = 0; i < size_; ++i)
      out.push_back((data_[i].tagged & ((std::uintptr_t{1} << 58) - 1)) >> 6);
  }

 private:
  struct entry {
    std::uintptr_t tagged;
    std::uint64_t value;
  };
  void reserve(std::size_t n) {
    auto* d = static_cast<entry*>(std::realloc(data_, n * sizeof(entry)));
    if (!d) throw std::bad_alloc();
    data_ = d;
    cap_ = n;
  }
  entry* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

}  // namespace hytm::stm
