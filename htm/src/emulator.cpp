#include "hytm/htm/emulator.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "hytm/core/pieces.hpp"
#include "hytm/core/write_observer.hpp"
#include "hytm/htm/abort_status.hpp"

namespace hytm::htm {

namespace {
constexpr unsigned status_conflict = status_bit::conflict | status_bit::retry;
constexpr unsigned status_capacity = status_bit::capacity;
}  // namespace

// Everything the model shares, behind one lock.  A spin lock that yields:
// waits are short, and valgrind runs one thread at a time.
struct emulator_state {
  std::atomic<bool> locked{false};
  emulator_config config;
  std::vector<emulated_tx*> active;
  std::uint64_t generation = 1;  // bumped by each install: streams restart
  std::uint64_t streams = 0;

  void lock() noexcept {
    backoff b;
    while (locked.load(std::memory_order_relaxed) ||
           locked.exchange(true, std::memory_order_acquire))
      b.pause();
  }
  void unlock() noexcept { locked.store(false, std::memory_order_release); }

  // Dooms every active transaction but `self` whose sets hold `line`
  // (writes only, or reads too).
  void conflict(const emulated_tx* self, std::uintptr_t line, bool with_readers) {
    for (emulated_tx* t : active) {
      if (t == self || t->status() != 0) continue;
      if (t->writes_.count(line) || (with_readers && t->reads_.count(line)))
        t->doom(status_conflict, line);
    }
  }
};

namespace {
emulator_state& state() {
  static auto* s = new emulator_state;
  return *s;
}

// The write observer: a store made outside the model is a remote write to
// every line it covers.
void observe(const void* p, std::size_t n) {
  emulator_state& s = state();
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  s.lock();
  for (std::uintptr_t l = a >> 6; l <= (a + n - 1) >> 6; ++l) s.conflict(nullptr, l, true);
  s.unlock();
}
}  // namespace

void emulator_install(const emulator_config& c) {
  emulator_state& s = state();
  s.lock();
  s.config = c;
  ++s.generation;
  s.streams = 0;
  s.unlock();
  g_write_observer = observe;
}

void emulator_uninstall() { g_write_observer = nullptr; }

const emulator_config& emulator_settings() noexcept { return state().config; }

emulated_tx::emulated_tx() = default;

emulated_tx::~emulated_tx() { end(); }

void emulated_tx::doom(unsigned status, std::uintptr_t line) noexcept {
  unsigned expected = 0;
  if (status_.compare_exchange_strong(expected, status, std::memory_order_relaxed))
    conflict_line_.store(line, std::memory_order_relaxed);
}

void emulated_tx::begin() {
  emulator_state& s = state();
  s.lock();
  status_.store(0, std::memory_order_relaxed);
  conflict_line_.store(0, std::memory_order_relaxed);
  reads_.clear();
  writes_.clear();
  set_fill_.assign(s.config.sets(), 0);
  if (seeded_generation_ != s.generation) {
    // One stream per thread, numbered in the order threads first run an
    // emulated transaction after the model was installed: the same program
    // with the same HYTM_EMU_SEED aborts at the same accesses.
    rng_ = xorshift((s.config.seed + ++s.streams) * 0x9E3779B97F4A7C15ull);
    seeded_generation_ = s.generation;
    clock_ = 0;
    next_interrupt_ = 0;
  }
  if (s.config.interrupt_every && next_interrupt_ <= clock_)
    next_interrupt_ = clock_ + 1 + rng_.next() % (2 * s.config.interrupt_every);
  s.active.push_back(this);
  active_ = true;
  s.unlock();
}

void emulated_tx::end() noexcept {
  if (!active_) return;
  emulator_state& s = state();
  s.lock();
  s.active.erase(std::find(s.active.begin(), s.active.end(), this));
  active_ = false;
  s.unlock();
}

void emulated_tx::xabort(std::uint8_t code) noexcept {
  doom(status_bit::explicit_abort | (unsigned{code} << 24), 0);
}

// Under the lock: is the attempt still alive after one more access?
bool emulated_tx::check_and_tick() {
  if (status() != 0) return false;
  ++clock_;
  const auto& c = state().config;
  if (c.interrupt_every && clock_ >= next_interrupt_) {
    next_interrupt_ = clock_ + 1 + rng_.next() % (2 * c.interrupt_every);
    doom(0, 0);  // status 0: an interrupt
    return false;
  }
  return true;
}

bool emulated_tx::read(const void* p, std::size_t k, std::uint64_t& v) {
  emulator_state& s = state();
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t line = a >> 6;
  s.lock();
  if (!check_and_tick()) {
    s.unlock();
    return false;
  }
  auto w = writes_.find(line);
  if (w == writes_.end() && !reads_.count(line)) {
    if (reads_.size() >= s.config.read_lines) {
      doom(status_capacity, line);
      s.unlock();
      return false;
    }
    s.conflict(this, line, false);  // requester wins: a writer of it aborts
    reads_.insert(line);
  }
  // Acquire pairs with the release stores of software write-back (N5);
  // emulated commits are ordered by the model lock.
  v = pieces::load(p, k, std::memory_order_acquire);
  if (w != writes_.end()) {
    const unsigned off = static_cast<unsigned>(a & 63);
    for (unsigned i = 0; i < k; ++i)
      if (w->second.mask & (std::uint64_t{1} << (off + i))) {
        v &= ~(std::uint64_t{0xff} << (8 * i));
        v |= std::uint64_t{w->second.bytes[off + i]} << (8 * i);
      }
  }
  s.unlock();
  return true;
}

bool emulated_tx::write(void* p, std::size_t k, std::uint64_t v) {
  emulator_state& s = state();
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t line = a >> 6;
  s.lock();
  if (!check_and_tick()) {
    s.unlock();
    return false;
  }
  auto w = writes_.find(line);
  if (w == writes_.end()) {
    // The write set lives in L1: a line beyond the ways of its set evicts
    // a transactional line, which aborts.
    std::uint16_t& fill = set_fill_[line % set_fill_.size()];
    if (fill >= s.config.l1_ways) {
      doom(status_capacity, line);
      s.unlock();
      return false;
    }
    ++fill;
    s.conflict(this, line, true);
    w = writes_.emplace(line, line_buffer{}).first;
  }
  const unsigned off = static_cast<unsigned>(a & 63);
  for (unsigned i = 0; i < k; ++i) {
    w->second.bytes[off + i] = static_cast<unsigned char>(v >> (8 * i));
    w->second.mask |= std::uint64_t{1} << (off + i);
  }
  s.unlock();
  return true;
}

unsigned emulated_tx::commit(bool (*try_publish_begin)(void*), void (*publish_end)(void*),
                             void* arg) {
  emulator_state& s = state();
  // Writers outside the model report their stores (taking the model lock)
  // while holding their own lock, so under the model lock we may only try
  // theirs, and let go of ours if it is taken.
  backoff b;
  for (;;) {
    s.lock();
    if (writes_.empty() || status() != 0 || try_publish_begin(arg)) break;
    s.unlock();
    b.pause();
  }
  const bool published = !writes_.empty() && status() == 0;
  unsigned st = status();
  if (st == 0) {
    for (const auto& [line, buf] : writes_) {
      // Store the written bytes as aligned pieces, release: software
      // readers that see one of them see the rest (they acquire).
      pieces::store_masked(line * 64, buf.bytes, buf.mask, 64, std::memory_order_release);
    }
    st = started;
  }
  if (published) publish_end(arg);
  s.active.erase(std::find(s.active.begin(), s.active.end(), this));
  active_ = false;
  s.unlock();
  return st;
}

}  // namespace hytm::htm
