// solo.cpp: the one-thread mode's word (solo.hpp; docs/policy.md).
//
// Every access is relaxed: the word chooses among paths that are each
// correct whatever another thread runs at the same time (the serial path
// synchronizes through the serial lock and its drain), so it orders
// nothing and needs no partner.
#include "hytm/hybrid/solo.hpp"

namespace hytm::detail {

solo_word g_solo;

namespace {

// The thread held the word and has lost it: a claim that did not last
// solo_base transactions means other threads still run, so the next one
// waits twice as long.
void lost(solo_state& s) noexcept {
  s.owned = false;
  if (s.run < solo_base)
    s.interval = s.interval == 0 ? solo_base : (s.interval < solo_max ? s.interval * 2 : solo_max);
  else
    s.interval = solo_base;
  s.countdown = s.interval;
}

bool claimed(solo_state& s) noexcept {
  s.owned = true;
  s.run = 1;
  return true;
}

}  // namespace

bool solo_claim_slow(solo_state& s, std::uintptr_t me, std::uintptr_t seen) noexcept {
  auto& w = g_solo.owner;
  if (s.owned) lost(s);
  if (seen == solo_free) {
    // On failure `seen` is what beat us: another thread's claim, or a mark.
    if (w.compare_exchange_strong(seen, me, std::memory_order_relaxed)) return claimed(s);
  }
  if (seen != solo_contended) {
    // Another thread runs alone: from now on, neither does.  A failed CAS
    // means the word changed under us (freed, marked or claimed anew);
    // this start takes the normal policy either way.
    w.compare_exchange_strong(seen, solo_contended, std::memory_order_relaxed);
    if (s.interval == 0) s.countdown = s.interval = solo_base;
    return false;
  }
  if (s.interval == 0) s.countdown = s.interval = solo_base;
  if (--s.countdown > 0) return false;
  s.countdown = s.interval;
  if (w.compare_exchange_strong(seen, me, std::memory_order_relaxed)) return claimed(s);
  return false;
}

void solo_release(const void* me) noexcept {
  auto& w = g_solo.owner;
  std::uintptr_t seen = reinterpret_cast<std::uintptr_t>(me);
  if (!w.compare_exchange_strong(seen, solo_free, std::memory_order_relaxed) &&
      seen == solo_contended)
    w.compare_exchange_strong(seen, solo_free, std::memory_order_relaxed);
}

void solo_after_fork() noexcept { g_solo.owner.store(solo_free, std::memory_order_relaxed); }

}  // namespace hytm::detail
