#include "hytm/fallback/serial_lock.hpp"

#include "hytm/core/write_observer.hpp"

namespace hytm {

serial_lock g_serial_lock;

void serial_lock::lock_contended(const activity_slot* self) noexcept {
  backoff b;
  for (;;) {
    std::uint32_t expected = 0;
    // seq_cst: (S3), as in lock().
    if (word_.load(std::memory_order_relaxed) == 0 &&
        word_.compare_exchange_weak(expected, 1, std::memory_order_seq_cst))
      break;
    b.pause();
  }
  drain_others(self);
}


}  // namespace hytm
