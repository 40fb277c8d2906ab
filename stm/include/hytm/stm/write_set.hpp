// write_set.hpp: a software transaction's buffered writes (a redo log).
//
// Writes are kept per aligned 8-byte word, with a byte mask of what the
// transaction wrote, so that
//   - a later load of the same bytes reads the transaction's own value, even
//     when it was written with another size;
//   - write-back stores exactly the bytes written, as the largest aligned
//     pieces the mask allows, and never a neighbouring byte.
// A 64-bit Bloom filter answers "never written" for most loads without a
// probe of the hash index.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hytm/core/platform.hpp"
#include "hytm/core/write_observer.hpp"
#include "hytm/core/pieces.hpp"

namespace hytm::stm {

class write_set {
 public:
  struct entry {
    std::uintptr_t word;  // 8-byte aligned address
    std::uint64_t value;  // the bytes under `mask` are the transaction's
    std::uint32_t slot;   // position in index_, to clear it cheaply
    std::uint8_t mask;    // bit i: byte i of the word was written
  };

  write_set() : index_(64, 0) {}

  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  const std::vector<entry>& entries() const noexcept { return entries_; }

  // Two tests: an empty set (read-only transactions) costs one compare.
  [[gnu::always_inline]] bool may_contain(std::uintptr_t word) const noexcept {
    return HYTM_UNLIKELY(bloom_ != 0) && (bloom_ & bloom_bit(word));
  }

  const entry* find(std::uintptr_t word) const noexcept {
    const std::size_t m = index_.size() - 1;
    for (std::size_t i = hash(word) & m;; i = (i + 1) & m) {
      const std::uint32_t e = index_[i];
      if (e == 0) return nullptr;
      if (entries_[e - 1].word == word) return &entries_[e - 1];
    }
  }

  // The piece of k bytes at byte `off` of e's word: the bytes the
  // transaction wrote from e, the others from `mem` (what memory holds for
  // the piece, its low byte first).  A load of a word it has written.
  // Masks, not a loop over bytes: a read of a word the transaction wrote
  // is what an update transaction does most after its first store.
  static std::uint64_t overlay(const entry& e, unsigned off, std::size_t k, std::uint64_t mem) noexcept {
    const std::uint64_t piece = pieces::piece_mask(k);
    const std::uint64_t own = (byte_mask(e.mask) >> (8 * off)) & piece;
    return ((e.value >> (8 * off)) & own) | (mem & piece & ~own);
  }
  // Bit i of `bits` -> byte i of the result all ones.
  static std::uint64_t byte_mask(std::uint8_t bits) noexcept {
    static constexpr auto table = [] {
      std::array<std::uint64_t, 256> t{};
      for (unsigned b = 0; b < 256; ++b)
        for (unsigned i = 0; i < 8; ++i)
          if (b & (1u << i)) t[b] |= std::uint64_t{0xff} << (8 * i);
      return t;
    }();
    return table[bits];
  }

  // Records the piece [p, p + k) with value v (k in 1, 2, 4, 8; aligned).
  void put(void* p, std::size_t k, std::uint64_t v) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t word = a & ~std::uintptr_t{7};
    const unsigned off = static_cast<unsigned>(a & 7);
    const std::uint64_t bytes = pieces::piece_mask(k) << (8 * off);
    const auto bits = static_cast<std::uint8_t>(((1u << k) - 1) << off);
    entry& e = slot_for(word);
    e.value = (e.value & ~bytes) | ((v << (8 * off)) & bytes);
    e.mask |= bits;
  }

  // Stores every buffered byte to memory with order `mo`.
  void write_back(std::memory_order mo) const noexcept {
    for (const entry& e : entries_) {
      if (e.mask == 0xff) {
        pieces::store(reinterpret_cast<void*>(e.word), 8, e.value, mo);
        continue;
      }
      pieces::store_masked(e.word, reinterpret_cast<const unsigned char*>(&e.value), e.mask, 8, mo);
    }
  }

  // Asks for each line the write-back will store to in exclusive state
  // (prefetchw: a hint, a no-op where the CPU lacks it), so that the stores
  // made while seq is odd hit lines this core owns instead of waiting for
  // another core to give them up.  On a line a hardware transaction has
  // read, the request aborts that transaction, as the store would a moment
  // later.
  [[gnu::target("prfchw")]] void prefetch_for_write() const noexcept {
    for (const entry& e : entries_) __builtin_prefetch(reinterpret_cast<const void*>(e.word), 1, 3);
  }

  // Reports every written word to the write observer (a cache model).
  void observe() const {
    for (const entry& e : entries_) observe_write(reinterpret_cast<const void*>(e.word), 8);
  }

  void clear() noexcept {
    for (const entry& e : entries_) index_[e.slot] = 0;
    entries_.clear();
    bloom_ = 0;
  }

  template <class Out>
  void lines(Out& out) const {
    for (const entry& e : entries_) out.push_back(e.word >> 6);
  }

 private:
  static std::uint64_t bloom_bit(std::uintptr_t word) noexcept {
    return std::uint64_t{1} << (((word >> 3) ^ (word >> 9)) & 63);
  }
  static std::size_t hash(std::uintptr_t word) noexcept {
    return static_cast<std::size_t>(((word >> 3) * 0x9E3779B97F4A7C15ull) >> 40);
  }

  entry& slot_for(std::uintptr_t word) {
    if (may_contain(word)) {
      if (const entry* e = find(word)) return const_cast<entry&>(*e);
    }
    if ((entries_.size() + 1) * 2 > index_.size()) grow();
    const std::size_t m = index_.size() - 1;
    std::size_t i = hash(word) & m;
    while (index_[i] != 0) i = (i + 1) & m;
    entries_.push_back({word, 0, static_cast<std::uint32_t>(i), 0});
    index_[i] = static_cast<std::uint32_t>(entries_.size());
    bloom_ |= bloom_bit(word);
    return entries_.back();
  }

  HYTM_NOINLINE void grow() {
    index_.assign(index_.size() * 2, 0);
    const std::size_t m = index_.size() - 1;
    for (std::size_t n = 0; n < entries_.size(); ++n) {
      std::size_t i = hash(entries_[n].word) & m;
      while (index_[i] != 0) i = (i + 1) & m;
      index_[i] = static_cast<std::uint32_t>(n + 1);
      entries_[n].slot = static_cast<std::uint32_t>(i);
    }
  }

  std::vector<entry> entries_;
  std::vector<std::uint32_t> index_;  // 0: empty; else 1 + index into entries_
  std::uint64_t bloom_ = 0;
};

}  // namespace hytm::stm
