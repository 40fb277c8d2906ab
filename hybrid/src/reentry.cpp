// reentry.cpp: a transaction begun while the same thread's transaction runs
// (hytm.hpp, docs/lifetime.md).
//
// Legitimate: a nested atomic() in a body (it joins the transaction), or a
// transaction in an on_commit/on_abort handler (the engine runs them after
// the attempt, when depth is 0 again).  Not supportable: a transaction in a
// signal handler that interrupted the thread's transaction.  Joining the
// interrupted one would lose the handler's writes if it aborts (and could
// interrupt the engine halfway through an undo-log or write-set update);
// running on its own would wait for the interrupted one, which cannot move
// until the handler returns (the serial drain, NOrec's odd sequence word,
// the serial lock itself).
//
// Both look the same from the thread's state, so this walks the stack from
// the new call up to the frame of the running top-level atomic() (whose
// guard's address is ctx.outer): a signal frame in between means a handler
// interrupted the transaction.  libgcc's unwinder marks the frame a signal
// interrupted (_Unwind_GetIPInfo's ip_before_insn), through the kernel's
// signal trampoline, whose unwind information glibc provides.
#include <unistd.h>
#include <unwind.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "hytm/hytm.hpp"

namespace hytm::detail {

namespace {

struct walk {
  std::uintptr_t outer;
  std::uintptr_t prev = 0;  // the last frame's CFA
  bool signal = false;
  int frames = 0;
};

_Unwind_Reason_Code visit(_Unwind_Context* uc, void* p) {
  auto& w = *static_cast<walk*>(p);
  int before = 0;
  _Unwind_GetIPInfo(uc, &before);
  if (before) {  // this frame was interrupted by a signal
    w.signal = true;
    return _URC_END_OF_STACK;
  }
  const std::uintptr_t cfa = _Unwind_GetCFA(uc);
  // The stack grows down: the frame that holds the guard is the first whose
  // CFA lies above it, coming from below.  A handler on an alternate stack
  // (sigaltstack) starts elsewhere, so "from below" is checked too.
  if (cfa > w.outer && w.prev != 0 && w.prev <= w.outer) return _URC_END_OF_STACK;
  w.prev = cfa;
  return ++w.frames < 512 ? _URC_NO_REASON : _URC_END_OF_STACK;
}

[[noreturn]] void refuse() {
  // write(2), not stdio: this runs in a signal handler.
  static const char msg[] =
      "hytm: misuse: hytm::atomic() in a signal handler that interrupted a transaction of "
      "the same thread; a handler may run a transaction only when it interrupts none "
      "(docs/lifetime.md)\n";
  ssize_t r = ::write(2, msg, sizeof msg - 1);
  (void)r;
  std::abort();
}

}  // namespace

void check_reentry(const thread_ctx& ctx) {
  if (ctx.outer == nullptr) return;
  walk w{reinterpret_cast<std::uintptr_t>(ctx.outer)};
  // This frame: below the guard, if on its stack.
  w.prev = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  _Unwind_Backtrace(visit, &w);
  if (w.signal) refuse();
}

}  // namespace hytm::detail
