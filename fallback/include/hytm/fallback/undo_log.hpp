// undo_log.hpp: old values of the serial path's in-place writes.
//
// The serial path writes shared data directly (it runs alone), so the only
// reason to log is a body that throws: rollback() restores every byte it
// wrote, newest first, and the exception then propagates with no write of
// the transaction left behind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "hytm/core/platform.hpp"

namespace hytm {

class undo_log {
 public:
  // Saves the n bytes at p before they are overwritten.
  void save(void* p, std::size_t n) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + n);
    std::memcpy(bytes_.data() + at, p, n);
    entries_.push_back({p, at, n});
  }
  void rollback() noexcept { rollback_to(0); }
  // Restores, newest first, every byte saved since size() was `mark`, and
  // forgets those entries; older ones stay, for the enclosing transaction.
  void rollback_to(std::size_t mark) noexcept {
    if (mark >= entries_.size()) return;
    for (std::size_t i = entries_.size(); i-- > mark;)
      std::memcpy(entries_[i].addr, bytes_.data() + entries_[i].offset, entries_[i].size);
    bytes_.resize(entries_[mark].offset);
    entries_.resize(mark);
  }
  // One test when nothing was saved (most serial transactions, and every
  // read-only one).  Bytes without an entry (a save whose push_back threw)
  // are unreachable, and go at the next clear() that has entries.
  void clear() noexcept {
    if (HYTM_LIKELY(entries_.empty())) return;
    entries_.clear();
    bytes_.clear();
  }
  std::size_t size() const noexcept { return entries_.size(); }
  // Distinct cache lines written, for the footprint statistics.
  template <class Out>
  void lines(Out& out) const {
    for (const auto& e : entries_) {
      const auto a = reinterpret_cast<std::uintptr_t>(e.addr);
      for (std::uintptr_t l = a >> 6; l <= (a + e.size - 1) >> 6; ++l) out.push_back(l);
    }
  }

 private:
  struct entry {
    void* addr;
    std::size_t offset;
    std::size_t size;
  };
  std::vector<entry> entries_;
  std::vector<unsigned char> bytes_;
};

}  // namespace hytm
