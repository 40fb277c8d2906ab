#include "hytm/core/activity.hpp"

#include "hytm/core/backoff.hpp"

namespace hytm {

constinit activity_registry g_activity;

activity_slot* activity_registry::claim() {
  for (activity_slot* s = head_.load(std::memory_order_acquire); s; s = s->next) {
    bool expected = false;
    if (!s->claimed.load(std::memory_order_relaxed) &&
        s->claimed.compare_exchange_strong(expected, true, std::memory_order_acquire))
      return s;
  }
  auto* s = new activity_slot;
  s->claimed.store(true, std::memory_order_relaxed);
  s->next = head_.load(std::memory_order_relaxed);
  // Release: a walker that acquires the new head sees `next` initialized.
  while (!head_.compare_exchange_weak(s->next, s, std::memory_order_release,
                                      std::memory_order_relaxed)) {
  }
  return s;
}

void activity_registry::give_back(activity_slot* s) noexcept {
  s->leave();
  // Release: the next owner (acquire in claim) starts after our last use.
  s->claimed.store(false, std::memory_order_release);
}

void activity_registry::reset_after_fork(const activity_slot* keep) noexcept {
  for (activity_slot* s = head_.load(std::memory_order_relaxed); s; s = s->next) {
    if (s == keep) continue;
    s->word.store(0, std::memory_order_relaxed);
    s->claimed.store(false, std::memory_order_relaxed);
  }
}

void activity_registry::wait_idle(const activity_slot& s) noexcept {
  spin_until([&] { return (s.word.load(std::memory_order_seq_cst) & 1) == 0; });
}

void activity_registry::quiesce(const activity_slot* self) const noexcept {
  for_each([&](const activity_slot& s) {
    if (&s == self) return;
    const std::uint64_t w = s.word.load(std::memory_order_acquire);
    if ((w & 1) == 0) return;
    spin_until([&] { return s.word.load(std::memory_order_acquire) != w; });
  });
}

void activity_registry::quiesce_before(const activity_slot* self, int clock,
                                       std::uint64_t value) const noexcept {
  for_each([&](const activity_slot& s) {
    if (&s == self) return;
    const std::uint64_t w = s.word.load(std::memory_order_acquire);
    if ((w & 1) == 0) return;
    // Read after the word: a stamp of the transaction that owns w, or of a
    // later one (w has then changed already).  (A5)
    if (s.stamps[clock].load(std::memory_order_acquire) >= value) return;
    spin_until([&] {
      return s.word.load(std::memory_order_acquire) != w ||
             s.stamps[clock].load(std::memory_order_acquire) >= value;
    });
  });
}

}  // namespace hytm

#include "hytm/core/write_observer.hpp"

namespace hytm {
write_observer_fn g_write_observer = nullptr;
}  // namespace hytm
