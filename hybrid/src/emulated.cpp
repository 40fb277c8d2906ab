// The hardware path's protocol steps on the RTM model (run.hpp,
// run_emulated): the same loads and stores as run_htm(), made through the
// model so that it tracks the lines of the protocol's words too.
#include "profiler/attribution.hpp"
#include "hytm/hybrid/protocol.hpp"
#include "hytm/hybrid/run.hpp"

namespace hytm::detail {

namespace {

std::uint64_t read_or_abort(thread_ctx& ctx, const void* p, std::size_t k) {
  std::uint64_t v;
  if (!ctx.emu.read(p, k, v)) throw_abort();
  return v;
}

// The model's commit is atomic for other emulated transactions by its own
// lock; for software readers, which the model does not track, the write-back
// runs with the sequence lock odd, as a software write-back does, and the
// lock is then put back to the value it had: real hardware commits do not
// move it, so software learns of this commit only through (H3), exactly as
// with RTM.  A protocol that skipped (H3) is caught (model_test.cpp).
thread_local std::uint64_t t_seq_before = 0;

// An announced commit (H3) also makes its new `external` visible before its
// data: real RTM makes both visible at once, and the orec algorithm's readers
// (stm/orec.hpp, (O1)) do not look at seq, only at `external`.  Under the
// model's lock no other emulated commit can move `external` (the model
// validated the attempt's read of it), and nothing else writes it, so the
// model's own store of the same value a moment later changes nothing.
bool try_publish_begin(void* arg) {
  const thread_ctx& ctx = *static_cast<const thread_ctx*>(arg);
  std::uint64_t s = stm::g_norec.seq.load(std::memory_order_acquire);
  if ((s & 1) == 0 && stm::g_norec.seq.compare_exchange_strong(s, s + 1, std::memory_order_acq_rel)) {
    t_seq_before = s;
    if (ctx.saw_software) stm::g_norec.external.store(ctx.commit_stamp, std::memory_order_release);
    return true;
  }
  return false;
}

void publish_end(void*) { stm::g_norec.seq.store(t_seq_before, std::memory_order_release); }

}  // namespace

void emulated_subscribe(thread_ctx& ctx) {
  if (read_or_abort(ctx, g_serial_lock.address(), 4) != 0) {
    ctx.emu.xabort(static_cast<std::uint8_t>(htm::abort_code::serial_lock));
    throw_abort();
  }
  if (read_or_abort(ctx, &stm::g_norec.seq, 8) & 1) {
    ctx.emu.xabort(static_cast<std::uint8_t>(htm::abort_code::stm_writer));
    throw_abort();
  }
}

void emulated_announce(thread_ctx& ctx) {
  if (g_flaw == protocol_flaw::no_announce) return;
  // (H3): only a writer announces itself; a read-only commit writes nothing.
  if (!ctx.htm_wrote && ctx.frees.empty()) return;
  if (read_or_abort(ctx, &g_hybrid.software, 8) == 0) return;
  const std::uint64_t e = read_or_abort(ctx, &stm::g_norec.external, 8);
  if (!ctx.emu.write(&stm::g_norec.external, 8, e + 1)) throw_abort();
  ctx.saw_software = true;
  ctx.commit_stamp = e + 1;
}

unsigned emulated_commit(thread_ctx& ctx) {
  const unsigned st = ctx.emu.commit(try_publish_begin, publish_end, &ctx);
  if (st == htm::started) {
    ctx.slot->leave();
    ctx.depth = 0;
  }
  return st;
}

void emulated_aborted(thread_ctx& ctx, std::uint64_t t0) {
  record_model_abort(ctx, aborted_time(t0));
  ctx.emu.end();
  ctx.slot->leave();
  ctx.depth = 0;
  ctx.saw_software = false;
  abort_epilogue(ctx);
}

}  // namespace hytm::detail
