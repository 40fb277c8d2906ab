// protocol.hpp: the hybrid protocol's words and the steps that touch them.
// docs/protocol.md states the protocol and argues it; the numbers here are
// the ones used there.
//
// Words (each on its own cache line):
//   g_serial_lock      fallback/serial_lock.hpp  (S1)-(S4)
//   g_norec.seq        stm/norec.hpp            software commit sequence lock
//   g_norec.external   stm/norec.hpp            hardware commits seen by software
//   g_hybrid.software  here                     software transactions running
//
//  (H1) A software transaction, when hardware transactions are possible,
//       increments `software` (seq_cst RMW) after its serial handshake and
//       before its snapshot of (seq, external); it decrements it (release)
//       when it ends.
//  (H2) A hardware transaction subscribes right after xbegin: it loads the
//       serial lock and seq, and aborts explicitly if either is held.  Both
//       lines stay in its read set, so a later serial acquisition or
//       software commit aborts it before it can commit (DESIGN rules 1, 4).
//  (H3) Just before xend, a hardware transaction loads `software`; if it is
//       not zero it increments `external` inside the transaction, so its
//       writes and the increment become visible at once (rule 2).  With no
//       software transaction running it writes no shared word (rule 3).
//  (H4) Lemming avoidance: after an explicit "serial lock" or "software
//       writer" abort the thread waits for that word to clear before xbegin.
#pragma once

#include <atomic>
#include <cstdint>

#include "hytm/core/write_observer.hpp"
#include "hytm/fallback/serial_lock.hpp"
#include "hytm/hybrid/config.hpp"
#include "hytm/hybrid/thread_ctx.hpp"

namespace hytm {

struct hybrid_globals {
  alignas(cache_line) std::atomic<std::uint64_t> software{0};
};
extern HYTM_API hybrid_globals g_hybrid;

namespace detail {

// Start of a software (or emulated) attempt: (S3) handshake, then (H1).
inline void software_enter(thread_ctx& ctx) noexcept {
  for (;;) {
    ctx.slot->enter();                                         // (A1)
    if (HYTM_LIKELY(!g_serial_lock.held_for_software())) break;  // (A2)
    ctx.slot->leave();
    g_serial_lock.wait_until_free();  // (S4)
  }
  if (g_config.hardware_possible()) {
    g_hybrid.software.fetch_add(1, std::memory_order_seq_cst);  // (H1)
    observe_write(&g_hybrid.software, sizeof g_hybrid.software);
  }
}

inline void software_leave(thread_ctx& ctx) noexcept {
  if (g_config.hardware_possible()) {
    g_hybrid.software.fetch_sub(1, std::memory_order_release);  // (H1)
    observe_write(&g_hybrid.software, sizeof g_hybrid.software);
  }
  ctx.slot->leave();  // (A4)
}

}  // namespace detail
}  // namespace hytm
