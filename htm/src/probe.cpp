#include "hytm/htm/probe.hpp"

#include <csetjmp>
#include <csignal>

#include "hytm/htm/rtm.hpp"

namespace hytm::htm {

namespace {
sigjmp_buf probe_env;
extern "C" void on_sigill(int) { siglongjmp(probe_env, 1); }
}  // namespace

bool can_execute_rtm() noexcept {
  if (!rtm_compiled_in) return false;
  struct sigaction sa = {};
  struct sigaction old = {};
  sa.sa_handler = on_sigill;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGILL, &sa, &old);
  volatile bool ok = false;
  if (sigsetjmp(probe_env, 1) == 0) {
    if (begin() == started) end();
    ok = true;
  }
  sigaction(SIGILL, &old, nullptr);
  return ok;
}

}  // namespace hytm::htm
