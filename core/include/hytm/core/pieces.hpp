// pieces.hpp: shared data as naturally aligned pieces of 1, 2, 4 or 8 bytes.
//
// Every transactional access is split into pieces that are naturally aligned
// and so never cross an 8-byte word: each piece is one std::atomic_ref access,
// which makes concurrent speculative reads well-defined C++ and, on x86, one
// plain mov.  A piece never touches a byte outside the object accessed, so a
// store never clobbers its neighbours and AddressSanitizer sees only what the
// program asked for.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace hytm::pieces {

// Calls f(address, size) for each piece of [p, p + n), in address order.
template <class F>
inline void split(const void* p, std::size_t n, F&& f) {
  auto a = reinterpret_cast<std::uintptr_t>(p);
  while (n) {
    std::size_t k = 8;
    while (k > 1 && ((a & (k - 1)) != 0 || k > n)) k >>= 1;
    f(reinterpret_cast<void*>(a), k);
    a += k;
    n -= k;
  }
}

template <class U>
inline U& as(const void* p) noexcept {
  return *static_cast<U*>(const_cast<void*>(p));
}

inline std::uint64_t load(const void* p, std::size_t k, std::memory_order mo) noexcept {
  switch (k) {
    case 8: return std::atomic_ref<std::uint64_t>(as<std::uint64_t>(p)).load(mo);
    case 4: return std::atomic_ref<std::uint32_t>(as<std::uint32_t>(p)).load(mo);
    case 2: return std::atomic_ref<std::uint16_t>(as<std::uint16_t>(p)).load(mo);
    default: return std::atomic_ref<std::uint8_t>(as<std::uint8_t>(p)).load(mo);
  }
}

inline void store(void* p, std::size_t k, std::uint64_t v, std::memory_order mo) noexcept {
  switch (k) {
    case 8: std::atomic_ref<std::uint64_t>(as<std::uint64_t>(p)).store(v, mo); break;
    case 4:
      std::atomic_ref<std::uint32_t>(as<std::uint32_t>(p)).store(static_cast<std::uint32_t>(v), mo);
      break;
    case 2:
      std::atomic_ref<std::uint16_t>(as<std::uint16_t>(p)).store(static_cast<std::uint16_t>(v), mo);
      break;
    default:
      std::atomic_ref<std::uint8_t>(as<std::uint8_t>(p)).store(static_cast<std::uint8_t>(v), mo);
  }
}

// A value of a type that is one whole piece when naturally aligned.
template <class T>
inline constexpr bool is_word_like =
    (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8) &&
    alignof(T) == sizeof(T);

// Bytes of a little-endian 8-byte word: the piece at byte offset o, size k.
inline std::uint64_t piece_mask(std::size_t k) noexcept {
  return k == 8 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (8 * k)) - 1);
}

// Stores the bytes of `bytes` that `mask` selects (bit i: byte i) to
// [base, base + width), width at most 64, as the largest naturally aligned
// pieces the mask allows; bytes outside the mask are never touched.  A
// buffered write (a redo-log word, a model's cache line) is published with it.
inline void store_masked(std::uintptr_t base, const unsigned char* bytes, std::uint64_t mask,
                         unsigned width, std::memory_order mo) noexcept {
  for (unsigned off = 0; off < width;) {
    if (!(mask & (std::uint64_t{1} << off))) {
      ++off;
      continue;
    }
    unsigned k = 8;
    while (k > 1 && ((off & (k - 1)) || off + k > width ||
                     ((mask >> off) & ((std::uint64_t{1} << k) - 1)) != ((std::uint64_t{1} << k) - 1)))
      k >>= 1;
    std::uint64_t v = 0;
    __builtin_memcpy(&v, bytes + off, k);  // little-endian: the piece's low bytes first
    store(reinterpret_cast<void*>(base + off), k, v, mo);
    off += k;
  }
}

}  // namespace hytm::pieces
