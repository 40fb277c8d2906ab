// rtm_support.hpp: does real RTM run, and commit, on this CPU?  For the tests
// labelled `rtm` (which skip with "no usable RTM on this CPU" otherwise) and
// for the tests of what HYTM_HTM=force does where xbegin runs but never
// commits (this project's KVM Xeons whose CPUID hides RTM).
#pragma once

#include <cpuid.h>
#include <hytm/htm/rtm.hpp>

#include <csetjmp>
#include <csignal>

namespace hytm_test {

enum class rtm_here { sigill, never_commits, commits };

namespace rtm_detail {
inline sigjmp_buf env;
extern "C" inline void on_sigill(int) { siglongjmp(env, 1); }
}  // namespace rtm_detail

// CPUID.7.0:EBX[11] and not EDX[11] (RTM_ALWAYS_ABORT).
inline bool cpuid_says_rtm() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, a, b, c, d);
  return (b & (1u << 11)) && !(d & (1u << 11));
}

// Executes xbegin (guarded against SIGILL) and says what happened: an empty
// region that commits most of the time is usable RTM.
inline rtm_here probe_rtm() {
  if (!hytm::htm::rtm_compiled_in) return rtm_here::sigill;
  struct sigaction sa = {}, old = {};
  sa.sa_handler = rtm_detail::on_sigill;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGILL, &sa, &old);
  volatile int commits = 0;
  volatile bool ill = false;
  if (sigsetjmp(rtm_detail::env, 1) == 0) {
    for (int i = 0; i < 100; ++i) {
      if (hytm::htm::begin() == hytm::htm::started) {
        hytm::htm::end();
        commits = commits + 1;
      }
    }
  } else {
    ill = true;
  }
  sigaction(SIGILL, &old, nullptr);
  if (ill) return rtm_here::sigill;
  return commits >= 50 ? rtm_here::commits : rtm_here::never_commits;
}

inline bool usable_rtm() {
  static const bool ok = cpuid_says_rtm() && probe_rtm() == rtm_here::commits;
  return ok;
}

}  // namespace hytm_test

#define HYTM_REQUIRE_RTM() \
  if (!::hytm_test::usable_rtm()) GTEST_SKIP() << "no usable RTM on this CPU"
