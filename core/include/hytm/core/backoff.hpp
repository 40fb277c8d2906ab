// backoff.hpp: bounded exponential backoff for every spin loop in hytm.
//
// Every wait in the engine spins a little, then yields the processor.  The
// yield matters beyond politeness: valgrind runs one thread at a time, and on
// a 2-core machine a waiter that only spins holds the core its lock holder
// needs.
#pragma once

#include <cstdint>
#include <thread>

namespace hytm {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class backoff {
 public:
  // One step: spin 2^k pauses, doubling up to a cap; past the cap, yield.
  void pause() noexcept {
    if (spins_ <= max_spins) {
      for (std::uint32_t i = 0; i < spins_; ++i) cpu_relax();
      spins_ <<= 1;
    } else {
      std::this_thread::yield();
    }
  }
  void reset() noexcept { spins_ = 1; }

 private:
  static constexpr std::uint32_t max_spins = 1u << 8;
  std::uint32_t spins_ = 1;
};

// Spins (with backoff) until pred() holds.
template <class Pred>
void spin_until(Pred&& pred) noexcept(noexcept(pred())) {
  backoff b;
  while (!pred()) b.pause();
}

// A small per-thread pseudo-random generator for randomized backoff after
// conflicts (two transactions that back off equally collide again).
class xorshift {
 public:
  explicit xorshift(std::uint64_t seed) noexcept : s_(seed | 1) {}
  std::uint64_t next() noexcept {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }

 private:
  std::uint64_t s_;
};

}  // namespace hytm
