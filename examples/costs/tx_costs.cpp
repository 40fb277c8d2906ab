// tx_costs: the fixed cost of a transaction, for callgrind.
//
//   valgrind --tool=callgrind ./hytm-tx-costs KIND N
//
// runs N operations of KIND on one thread:
//   empty          hytm::atomic with an empty body
//   increment      hytm::atomic that increments a counter
//   mutex-empty    lock and unlock a std::mutex
//   mutex-increment  the same around the increment
//   elide-empty, elide-increment  a hand-written RTM elision of a
//                  test-and-test-and-set lock (xbegin, read the lock word,
//                  the body, xend; the lock after a failed xbegin): what
//                  hardware elision itself costs, the reference for hytm's
//                  hardware path on a CPU with RTM (measure.sh times it
//                  there; elsewhere it takes the lock every time)
//   htm-empty, htm-increment  empty / increment on the scripted hardware
//                  path (hytm/testing.hpp): every xbegin "starts" and the
//                  body runs unprotected, so callgrind counts the hardware
//                  path's own instructions on a machine without RTM.  The
//                  script's status source (a locked deque) stands in for
//                  xbegin; measure.sh subtracts it.
// Run each at two N and subtract, so start-up cancels: the difference over
// the extra operations is the cost of one.  The path follows the environment
// (HYTM_HTM=off HYTM_STM=off: serial; HYTM_HTM=off: software).
// examples/costs/measure.sh does this for every kind and path.
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <immintrin.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace {
long counter = 0;
std::mutex m;
std::atomic<int> elide_lock{0};

#if defined(__x86_64__)
// One elided section: the lock word is read inside the region, so a holder
// aborts it.  noinline keeps the region in one function, as a user's would.
template <class Body>
[[gnu::target("rtm"), gnu::noinline]] void elided(bool rtm, Body body) {
  if (rtm && _xbegin() == _XBEGIN_STARTED) {
    if (elide_lock.load(std::memory_order_relaxed) != 0) _xabort(0xff);
    body();
    _xend();
    return;
  }
  int expected = 0;
  while (!elide_lock.compare_exchange_weak(expected, 1, std::memory_order_acquire)) expected = 0;
  body();
  elide_lock.store(0, std::memory_order_release);
}
#endif
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s [htm-]empty|[htm-]increment|mutex-empty|mutex-increment N\n", argv[0]);
    return 2;
  }
  const char* kind = argv[1];
  const long n = std::atol(argv[2]);
  if (!std::strncmp(kind, "htm-", 4)) {
    hytm::testing::mode m = hytm::testing::current_mode();
    m.htm = hytm::htm_mode::scripted;
    hytm::testing::set_mode(m);
    hytm::testing::script_htm_repeat(hytm::htm::started, static_cast<std::size_t>(n));
    kind += 4;
  }
  if (!std::strcmp(kind, "empty")) {
    for (long i = 0; i < n; ++i) hytm::atomic([](auto&) {});
  } else if (!std::strcmp(kind, "increment")) {
    for (long i = 0; i < n; ++i) hytm::atomic([](auto& tx) { tx.store(counter, tx.load(counter) + 1); });
#if defined(__x86_64__)
  } else if (!std::strcmp(kind, "elide-empty") || !std::strcmp(kind, "elide-increment")) {
    const bool rtm = hytm::statistics().machine.rtm;
    const bool inc = kind[6] == 'i';
    for (long i = 0; i < n; ++i)
      elided(rtm, [&] {
        if (inc) counter = counter + 1;
        asm volatile("" ::: "memory");
      });
#endif
  } else if (!std::strcmp(kind, "mutex-empty")) {
    for (long i = 0; i < n; ++i) {
      std::lock_guard g(m);
      asm volatile("" ::: "memory");
    }
  } else if (!std::strcmp(kind, "mutex-increment")) {
    for (long i = 0; i < n; ++i) {
      std::lock_guard g(m);
      counter = counter + 1;
      asm volatile("" ::: "memory");  // keep the store in the loop
    }
  } else {
    std::fprintf(stderr, "unknown kind %s\n", kind);
    return 2;
  }
  return counter == (std::strstr(kind, "increment") ? n : 0) ? 0 : 1;
}
