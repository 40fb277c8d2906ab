// alloc_cache.hpp: per-thread blocks for tx.alloc / tx.make, pre-touched.
//
// A hardware region that touches a page for the first time aborts with
// status 0, and so does every retry: the fault is never serviced inside the
// region (docs/policy.md, "first touch").  Fresh malloc memory is exactly
// that, so tx.make in a hardware transaction takes its block from this
// cache, whose blocks were allocated and written outside any region.  It
// also keeps an insert-heavy transaction out of malloc's arenas on its fast
// path.
//
// The blocks are ordinary malloc blocks: std::free is always valid for them,
// and tx.free of a block that came from plain malloc is fine too.  A
// deferred free (after commit) or an aborted attempt's allocation goes back
// to the cache of its size class when malloc_usable_size fits one, else to
// std::free.  The cache is refilled outside regions only: after a commit
// that took from it, and when a hardware attempt found a class empty (it
// aborts with the class's refill code, and the policy refills and retries,
// uncharged).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hytm {

struct alloc_cache {
  static constexpr std::size_t granule = 32;
  static constexpr std::size_t classes = 16;  // 32, 64, ..., 512 bytes
  static constexpr std::size_t max_size = granule * classes;
  static constexpr std::uint32_t capacity = 32;  // blocks kept per class at most
  static constexpr std::uint32_t low = 4;        // refill a used class below this...
  static constexpr std::uint32_t target = 16;    // ...up to this

  static constexpr std::size_t class_of(std::size_t n) noexcept { return n ? (n - 1) / granule : 0; }
  static constexpr std::size_t class_size(std::size_t k) noexcept { return (k + 1) * granule; }

  void* pop(std::size_t k) noexcept {
    if (count[k] == 0) return nullptr;
    used |= 1u << k;
    return blocks[k][--count[k]];
  }

  std::uint32_t count[classes] = {};
  std::uint32_t used = 0;  // classes taken from since the last top-up
  void* blocks[classes][capacity] = {};
};

}  // namespace hytm
