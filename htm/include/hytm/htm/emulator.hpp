// emulator.hpp: a software model of RTM, for machines without TSX.
//
// It runs the hardware path's logic where real RTM cannot: an emulated
// transaction tracks its read and write sets per 64-byte line, buffers its
// writes and publishes them at once at commit, and aborts with the status
// bits real RTM would give:
//   conflict (0x06, with retry)  another transaction or a non-transactional
//                                write touched a line in its sets
//   capacity (0x08)              a write put a (ways+1)-th line into one L1
//                                set, or the read set passed its bound
//   other (0x00)                 an asynchronous abort (a modelled timer
//                                interrupt, on a virtual clock of accesses)
//   explicit (code << 24 | 1)    xabort
// Conflicts between emulated transactions are eager, requester wins, as in
// RTM.  Writes made outside the model are reported to it through
// core/write_observer.hpp.
//
// Unlike hardware, a fault inside an emulated transaction is real, so every
// access first checks whether the transaction was doomed and, if so, ends
// the attempt before a stale value can be used: bodies never see an
// inconsistent state, as long as the protocol above the model is right.
//
// The model is one lock around all emulated state: every emulated access is
// atomic with every other and with each commit.  It is a model, built for
// fidelity, not speed (docs/rtm-model.md has the rules and the differences
// from real hardware).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hytm/core/backoff.hpp"
#include "hytm/core/platform.hpp"

namespace hytm::htm {

struct emulator_config {
  std::size_t l1_size = 32 * 1024;  // bytes
  std::size_t l1_ways = 8;
  std::size_t read_lines = 4096;    // read-set bound, in lines
  std::uint64_t interrupt_every = 0;  // mean accesses between async aborts; 0: none
  std::uint64_t seed = 1;
  std::size_t sets() const noexcept { return l1_size / (l1_ways * 64); }
};

// Installs the model (and its write observer) with this geometry.  Call
// while no emulated transaction runs.
HYTM_API void emulator_install(const emulator_config& c);
HYTM_API void emulator_uninstall();
HYTM_API const emulator_config& emulator_settings() noexcept;

// The bytes of one line an attempt had touched and the bytes the access
// that doomed it touched: the model knows both sides to the byte, which is
// what tells a true conflict from false sharing (docs/conflicts.md).
struct conflict_detail {
  std::uintptr_t line = 0;   // line number; 0: not doomed by a conflict
  std::uint64_t mine = 0;    // bit i: byte i of the line, which this side's conflict is about
  std::uint64_t theirs = 0;  // bit i: byte i, touched by the dooming access
};

// The shape of an attempt that overflowed, at the abort.
struct capacity_detail {
  std::size_t read_lines = 0;    // lines read and not written
  std::size_t write_lines = 0;   // lines written
  std::size_t fullest_set = 0;   // the set the overflowing write mapped to, else the fullest
  std::size_t fullest_fill = 0;  // written lines that set held
  std::size_t ways = 0;
  bool read_bound = false;       // the read set passed its bound (not an L1 set)
};

// One thread's emulated transaction.
class HYTM_API emulated_tx {
 public:
  emulated_tx();
  ~emulated_tx();
  emulated_tx(const emulated_tx&) = delete;
  emulated_tx& operator=(const emulated_tx&) = delete;

  void begin();
  // False: the attempt is over (status() says why) and v must not be used.
  bool read(const void* p, std::size_t k, std::uint64_t& v);
  bool write(void* p, std::size_t k, std::uint64_t v);
  // Dooms the attempt with an explicit abort code.
  void xabort(std::uint8_t code) noexcept;
  // Publishes the write buffer atomically.  `try_publish_begin/end` bracket
  // the write-back with whatever makes it atomic for observers outside the
  // model (hybrid/ passes the software sequence lock); both run under the
  // model lock, so no emulated transaction ever sees that bracket, and
  // try_publish_begin must not block (false: try again).  Returns the abort
  // status, or `started` (~0u) if it committed.
  unsigned commit(bool (*try_publish_begin)(void*), void (*publish_end)(void*), void* arg);
  // Ends an aborted attempt (commit() ends committed ones).
  void end() noexcept;
  unsigned status() const noexcept { return status_.load(std::memory_order_relaxed); }
  std::size_t read_set_lines() const noexcept { return reads_.size(); }
  std::size_t write_set_lines() const noexcept { return writes_.size(); }
  // The line whose conflict doomed the attempt (0 if none), for statistics.
  // Relaxed: the dooming thread stores it after winning status_, so the
  // victim may still see 0 (a statistic only), but the access is no race.
  std::uintptr_t conflict_line() const noexcept {
    return conflict_line_.load(std::memory_order_relaxed);
  }
  // For attribution, after the attempt ended and before the next begin(), on
  // the attempt's own thread: both sides' bytes of the conflicting line
  // (line 0 unless a conflict doomed it), and the shape of a capacity abort.
  // Out of line, and kept outside this object, whose layout programs compile
  // in (cmake/abi.cmake).
  conflict_detail conflict() const noexcept;
  capacity_detail capacity() const noexcept;

 private:
  friend struct emulator_state;
  bool check_and_tick();  // under the model lock
  bool doom(unsigned status, std::uintptr_t line) noexcept;  // true: this doomed it

  struct line_buffer {
    unsigned char bytes[64];
    std::uint64_t mask = 0;  // bit i: byte i written
  };
  std::atomic<unsigned> status_{0};  // 0: alive, else the abort status
  bool active_ = false;
  std::unordered_set<std::uintptr_t> reads_;          // line numbers
  std::unordered_map<std::uintptr_t, line_buffer> writes_;
  std::vector<std::uint16_t> set_fill_;               // written lines per L1 set
  std::uint64_t clock_ = 0;                           // accesses, the virtual clock
  std::uint64_t next_interrupt_ = 0;
  xorshift rng_{1};
  std::uint64_t seeded_generation_ = 0;
  std::atomic<std::uintptr_t> conflict_line_{0};  // written by the dooming thread
};

}  // namespace hytm::htm
