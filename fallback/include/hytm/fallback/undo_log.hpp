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
  void rollback() noexcept {
    for (auto e = entries_.rbegin(); e != entries_.rend(); ++e)
      std::memcpy(e->addr, bytes_.data() + e->offset, e->size);
    clear();
  }
  void clear() noexcept {
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
