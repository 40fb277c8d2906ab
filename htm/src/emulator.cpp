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

// Bytes [off, off + n) of a line, clipped to the line.
std::uint64_t byte_mask(std::uintptr_t off, std::size_t n) noexcept {
  if (off >= 64 || n == 0) return 0;
  if (n >= 64 - off) return ~std::uint64_t{0} << off;
  return ((std::uint64_t{1} << n) - 1) << off;
}

// What one attempt's aborts are blamed on.  Kept beside the attempt, not
// in it: emulated_tx's layout is part of the ABI.
struct attribution_rec {
  std::unordered_map<std::uintptr_t, std::uint64_t> read_bytes;  // line -> bytes read
  std::uint64_t mine = 0;    // of the conflict that doomed it
  std::uint64_t theirs = 0;
  bool read_bound = false;   // its capacity abort was on the read-set bound
};
}  // namespace

// Everything the model shares, behind one lock.  A spin lock that yields:
// waits are short, and valgrind runs one thread at a time.
struct emulator_state {
  std::atomic<bool> locked{false};
  emulator_config config;
  std::vector<emulated_tx*> active;
  std::uint64_t generation = 1;  // bumped by each install: streams restart
  std::uint64_t streams = 0;
  std::unordered_map<const emulated_tx*, attribution_rec> blame;

  void lock() noexcept {
    backoff b;
    while (locked.load(std::memory_order_relaxed) ||
           locked.exchange(true, std::memory_order_acquire))
      b.pause();
  }
  void unlock() noexcept { locked.store(false, std::memory_order_release); }

  // Dooms every active transaction but `self` whose sets hold `line`
  // (writes only, or reads too); `theirs`: the bytes of the line the
  // requesting access touches.
  void conflict(const emulated_tx* self, std::uintptr_t line, bool with_readers, std::uint64_t theirs) {
    for (emulated_tx* t : active) {
      if (t == self || t->status() != 0) continue;
      if (t->writes_.count(line) || (with_readers && t->reads_.count(line)))
        if (t->doom(status_conflict, line)) {
          attribution_rec& r = blame[t];
          r.mine = touched(t, r, line, with_readers);
          r.theirs = theirs;
        }
    }
  }

  // A remote read conflicts only with what t wrote; a remote write with
  // everything t touched.
  static std::uint64_t touched(const emulated_tx* t, const attribution_rec& r, std::uintptr_t line,
                               bool with_reads) {
    std::uint64_t m = 0;
    if (auto w = t->writes_.find(line); w != t->writes_.end()) m |= w->second.mask;
    if (with_reads)
      if (auto b = r.read_bytes.find(line); b != r.read_bytes.end()) m |= b->second;
    return m;
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
  for (std::uintptr_t l = a >> 6; l <= (a + n - 1) >> 6; ++l) {
    const std::uintptr_t lo = std::max(a, l * 64), hi = std::min(a + n, l * 64 + 64);
    s.conflict(nullptr, l, true, byte_mask(lo - l * 64, hi - lo));
  }
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

emulated_tx::~emulated_tx() {
  end();
  emulator_state& s = state();
  s.lock();
  s.blame.erase(this);
  s.unlock();
}

bool emulated_tx::doom(unsigned status, std::uintptr_t line) noexcept {
  unsigned expected = 0;
  if (!status_.compare_exchange_strong(expected, status, std::memory_order_relaxed)) return false;
  conflict_line_.store(line, std::memory_order_relaxed);
  return true;
}

// Both read the record under the model lock: a dooming thread writes it
// under that lock, and the map is shared with every other attempt's.
conflict_detail emulated_tx::conflict() const noexcept {
  conflict_detail d;
  if ((status() & status_bit::conflict) == 0) return d;
  emulator_state& s = state();
  s.lock();
  d.line = conflict_line();
  if (auto r = s.blame.find(this); r != s.blame.end()) {
    d.mine = r->second.mine;
    d.theirs = r->second.theirs;
  }
  s.unlock();
  return d;
}

capacity_detail emulated_tx::capacity() const noexcept {
  capacity_detail d;
  emulator_state& s = state();
  s.lock();
  d.write_lines = writes_.size();
  for (const std::uintptr_t l : reads_) d.read_lines += writes_.count(l) ? 0 : 1;
  d.ways = s.config.l1_ways;
  if (auto r = s.blame.find(this); r != s.blame.end()) d.read_bound = r->second.read_bound;
  if (!set_fill_.empty()) {
    // The set the write did not fit in is the finding; on the read bound,
    // the fullest set only gives the write set's shape.
    d.fullest_set = d.read_bound ? static_cast<std::size_t>(std::max_element(set_fill_.begin(), set_fill_.end()) -
                                                            set_fill_.begin())
                                 : conflict_line() % set_fill_.size();
    d.fullest_fill = set_fill_[d.fullest_set];
  }
  s.unlock();
  return d;
}

void emulated_tx::begin() {
  emulator_state& s = state();
  s.lock();
  status_.store(0, std::memory_order_relaxed);
  conflict_line_.store(0, std::memory_order_relaxed);
  reads_.clear();
  writes_.clear();
  set_fill_.assign(s.config.sets(), 0);
  {
    attribution_rec& r = s.blame[this];
    r.read_bytes.clear();
    r.mine = r.theirs = 0;
    r.read_bound = false;
  }
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
  const std::uint64_t bytes = byte_mask(a & 63, k);
  attribution_rec& blame = s.blame[this];
  auto w = writes_.find(line);
  if (w == writes_.end() && !reads_.count(line)) {
    if (reads_.size() >= s.config.read_lines) {
      doom(status_capacity, line);
      blame.read_bound = true;
      s.unlock();
      return false;
    }
    s.conflict(this, line, false, bytes);  // requester wins: a writer of it aborts
    reads_.insert(line);
  }
  blame.read_bytes[line] |= bytes;
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
    s.conflict(this, line, true, byte_mask(a & 63, k));
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
