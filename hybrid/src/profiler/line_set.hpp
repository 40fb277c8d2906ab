// line_set.hpp: the number of distinct cache lines in a log, for the
// footprint statistics of a sampled commit (epilogue.cpp, sample_footprint).
//
// Exact, in one pass and without sorting, for the short logs most sampled
// commits have: an open-addressed set of line + 1 (0 marks an empty slot;
// a line number is an address >> 6, so + 1 cannot wrap), on the stack, at
// most half full, sized to the log so that clearing it costs little.  It
// replaced a sort and unique of every line (about 30 instructions an
// operation on hytm-bench's red-black tree at 20 % updates).  A log of more
// than max_lines lines is counted by the caller the old way.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace hytm::detail {

class line_set {
 public:
  static constexpr std::size_t max_lines = 512;

  // n: at most how many lines will be pushed (no more than max_lines).
  explicit line_set(std::size_t n) noexcept {
    const std::size_t slots = std::bit_ceil(n < 8 ? std::size_t{16} : 2 * n);
    mask_ = slots - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots));
    std::memset(table_, 0, slots * sizeof table_[0]);
  }
  // The name lets the logs' lines(out) fill it as they fill a vector.
  void push_back(std::uintptr_t line) noexcept {
    const std::uintptr_t key = line + 1;
    // Fibonacci hashing: the top bits depend on every bit of the line.
    for (std::size_t i = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);;
         i = (i + 1) & mask_) {
      if (table_[i] == key) return;
      if (table_[i] == 0) {
        table_[i] = key;
        ++count_;
        return;
      }
    }
  }
  std::uint64_t count() const noexcept { return count_; }

 private:
  std::uintptr_t table_[2 * max_lines];
  std::size_t mask_;
  unsigned shift_;
  std::uint64_t count_ = 0;
};

}  // namespace hytm::detail
