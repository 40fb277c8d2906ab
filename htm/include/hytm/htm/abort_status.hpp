// abort_status.hpp: what an RTM abort status says, reduced to one cause.
//
// EAX after an abort is a bit mask, and several bits are often set at once
// (0x06: conflict with the retry hint).  For statistics and policy each abort
// is counted once, under the first cause in this precedence:
//   explicit (xabort, with its 8-bit code) > capacity > conflict > debug >
//   nested > other (no bit set: interrupt, system call, CPUID, page fault,
//   or TSX disabled by microcode).
// The RETRY hint is independent of the cause and is reported separately.
#pragma once

#include <cstdint>
#include <string_view>

#include "hytm/core/platform.hpp"

namespace hytm::htm {

enum class abort_cause : std::uint8_t { explicit_abort, capacity, conflict, debug, nested, other };
inline constexpr int abort_cause_count = 6;

// Bit positions of EAX (Intel SDM vol. 1, 16.3.5).
namespace status_bit {
inline constexpr unsigned explicit_abort = 1u << 0;
inline constexpr unsigned retry = 1u << 1;
inline constexpr unsigned conflict = 1u << 2;
inline constexpr unsigned capacity = 1u << 3;
inline constexpr unsigned debug = 1u << 4;
inline constexpr unsigned nested = 1u << 5;
}  // namespace status_bit

// The value _xbegin() returns when the transaction started.
inline constexpr unsigned started = ~0u;

// Codes hytm passes to xabort.  0x00-0xdf are free for users of the RTM
// wrappers; hytm's own are at the top so a status from a user's xabort never
// reads as one of ours.
enum class abort_code : std::uint8_t {
  serial_lock = 0xf0,   // the serial lock was held at subscription
  stm_writer = 0xf1,    // a software commit was writing back at subscription
  irrevocable = 0xf2,   // tx.irrevocable(): re-run on the serial path
  exception = 0xf3,     // the body threw: re-run elsewhere to get the object back
  restart = 0xf4,       // tx.restart()
  lock_busy = 0xf5,     // elide(): the elided lock was held
  refill_logs = 0xf6,   // a transaction log (allocs, frees, handlers) was full
  // 0xe0 + k: the allocation cache's size class k was empty (alloc_cache.hpp)
  alloc_class_first = 0xe0,
  alloc_class_last = 0xef,
};

struct abort_status {
  unsigned raw = 0;

  abort_cause cause() const noexcept {
    if (raw & status_bit::explicit_abort) return abort_cause::explicit_abort;
    if (raw & status_bit::capacity) return abort_cause::capacity;
    if (raw & status_bit::conflict) return abort_cause::conflict;
    if (raw & status_bit::debug) return abort_cause::debug;
    if (raw & status_bit::nested) return abort_cause::nested;
    return abort_cause::other;
  }
  bool retry_hint() const noexcept { return raw & status_bit::retry; }
  // The xabort argument; meaningful only for explicit aborts.
  std::uint8_t code() const noexcept { return static_cast<std::uint8_t>(raw >> 24); }
  bool is(abort_code c) const noexcept {
    return cause() == abort_cause::explicit_abort && code() == static_cast<std::uint8_t>(c);
  }
  static constexpr abort_status explicit_with(abort_code c) noexcept {
    return {status_bit::explicit_abort | (unsigned{static_cast<std::uint8_t>(c)} << 24)};
  }
};

HYTM_API std::string_view name(abort_cause c) noexcept;

}  // namespace hytm::htm
