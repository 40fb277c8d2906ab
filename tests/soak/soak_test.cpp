// soak_test: random transaction programs over shared state, on every path
// mix, each committed history checked against a sequential replay.
//
//   soak_test [--seed N] [--seconds S] [--threads T] [--modes a,b,...]
//
// Every transaction runs one program drawn from its own seed: loads and
// stores of 1 to 16 bytes at any offset of a small arena (so most are
// misaligned and many straddle words), read-modify-writes of a packed
// record's fields, tx.make / tx.destroy of nodes hung on a few shared slots,
// tx.restart (first attempts only), exceptions caught inside the body and
// nested transactions that throw (caught by the enclosing body, or leaving
// the whole transaction), tx.irrevocable, tx.on_commit.  Each program also
// increments a shared counter once, at a random point: the value it read is
// its place in the serial order.  What every load returned is logged (a hash
// per load).  When the threads are done, the committed transactions are
// replayed one at a time in that order on a plain copy of the initial
// state: each must read exactly what it read concurrently, and the final
// states must match (serializability, and no write of an aborted attempt or
// of a rolled-back nested transaction left behind).  Heap leaks are
// LeakSanitizer's to report (asan preset).
//
// Exit status 0: every mode passed; 1: a mismatch (the seed reproduces the
// programs, not the interleaving); 2: bad arguments.
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "conformance/modes.hpp"
#include "misaligned.hpp"

namespace {

constexpr std::size_t arena_size = 192;
constexpr std::size_t packed_at = arena_size - 16;  // a packed record: u8, u64, u16, u32, u8
constexpr int slot_count = 4;

struct node {
  std::uint64_t value;
  std::vector<std::uint64_t> pad;  // heap memory only ~node() returns (R4)
  explicit node(std::uint64_t v) : value(v), pad(4, v) {}
};

struct shared_state {
  alignas(64) unsigned char arena[arena_size];
  alignas(64) std::uint64_t counter;
  alignas(64) node* slots[slot_count];
};

struct plain_state {
  unsigned char arena[arena_size];
  std::uint64_t counter;
  std::uint64_t slots[slot_count];  // the node's value, 0: no node
};

struct soak_throw {};

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dull;
  return x ^ (x >> 33);
}

struct rng {
  std::uint64_t s;
  std::uint64_t next() { return s = mix(s + 0x9E3779B97F4A7C15ull); }
  unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
};

using hytm_test::load_at;   // tx.load / tx.store at any address
using hytm_test::store_at;
template <std::size_t N>
struct bytes {
  unsigned char b[N];
};

std::uint64_t hash_bytes(const void* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 0x100000001b3ull;
  return h;
}

// What one committed transaction did.
struct record {
  std::uint64_t seed;
  std::uint64_t order;
  bool on_commit;
  std::vector<std::uint64_t> reads;
};

// The concurrent side: tx operations, and what they read.
template <class Tx>
struct live_env {
  Tx& tx;
  shared_state& s;
  std::vector<std::uint64_t>& reads;
  unsigned attempt;  // this body run's number (R7: a hardware abort resets it)
  bool* on_commit_ran;
  std::uint64_t* order;

  template <std::size_t N>
  std::uint64_t load_n(std::size_t off) {
    void* p = s.arena + off;
    std::uint64_t h;
    if constexpr (N == 1 || N == 2 || N == 4 || N == 8) {
      using W = hytm::detail::word_of<bytes<N>>;
      const W v = load_at<W>(tx, p);
      h = hash_bytes(&v, N);
    } else {
      const bytes<N> v = load_at<bytes<N>>(tx, p);
      h = hash_bytes(&v, N);
    }
    reads.push_back(h);
    return h;
  }
  template <std::size_t N>
  void store_n(std::size_t off, std::uint64_t v) {
    bytes<N> b;
    for (std::size_t i = 0; i < N; ++i) b.b[i] = static_cast<unsigned char>(mix(v + i));
    void* p = s.arena + off;
    if constexpr (N == 1 || N == 2 || N == 4 || N == 8) {
      using W = hytm::detail::word_of<bytes<N>>;
      W w;
      std::memcpy(&w, b.b, N);
      store_at<W>(tx, p, w);
    } else {
      store_at<bytes<N>>(tx, p, b);
    }
  }
  std::uint64_t packed_rmw(std::uint64_t add) {
    void* v = s.arena + packed_at + 1;  // the record's u64, after its u8
    void* h = s.arena + packed_at + 9;  // its u16
    const std::uint64_t old = load_at<std::uint64_t>(tx, v);
    store_at<std::uint64_t>(tx, v, old + add);
    store_at<std::uint16_t>(tx, h, static_cast<std::uint16_t>(load_at<std::uint16_t>(tx, h) + 1));
    reads.push_back(old);
    return old;
  }
  std::uint64_t counter_step() {
    const std::uint64_t c = tx.load(s.counter);
    tx.store(s.counter, c + 1);
    reads.push_back(c);
    *order = c;
    return c;
  }
  std::uint64_t swap_node(int slot, std::uint64_t v) {
    node* old = tx.load(s.slots[slot]);
    const std::uint64_t ov = old ? tx.load(old->value) : 0;
    tx.store(s.slots[slot], v ? tx.template make<node>(v) : nullptr);
    if (old) tx.destroy(old);
    reads.push_back(ov);
    return ov;
  }
  template <class F>
  void nest(F&& f) {
    hytm::atomic([&](auto&) { f(*this); });
  }
  void irrevocable() { tx.irrevocable(); }
  void restart() {
    if (attempt < 2) tx.restart();
  }
  void on_commit() {
    bool* flag = on_commit_ran;
    tx.on_commit([flag] { *flag = true; });
  }
};

// The sequential side: the same operations on a plain state.
struct replay_env {
  plain_state& s;
  const std::vector<std::uint64_t>& expected;
  std::size_t next = 0;
  bool ok = true;
  std::uint64_t order = 0;
  bool registered = false;  // an on_commit handler that survives

  std::uint64_t check(std::uint64_t v) {
    if (next >= expected.size() || expected[next] != v) ok = false;
    ++next;
    return v;
  }
  template <std::size_t N>
  std::uint64_t load_n(std::size_t off) {
    return check(hash_bytes(s.arena + off, N));
  }
  template <std::size_t N>
  void store_n(std::size_t off, std::uint64_t v) {
    for (std::size_t i = 0; i < N; ++i) s.arena[off + i] = static_cast<unsigned char>(mix(v + i));
  }
  std::uint64_t packed_rmw(std::uint64_t add) {
    std::uint64_t old;
    std::memcpy(&old, s.arena + packed_at + 1, 8);
    const std::uint64_t nv = old + add;
    std::memcpy(s.arena + packed_at + 1, &nv, 8);
    std::uint16_t h;
    std::memcpy(&h, s.arena + packed_at + 9, 2);
    ++h;
    std::memcpy(s.arena + packed_at + 9, &h, 2);
    return check(old);
  }
  std::uint64_t counter_step() {
    const std::uint64_t c = s.counter++;
    if (c != order) ok = false;
    return check(c);
  }
  std::uint64_t swap_node(int slot, std::uint64_t v) {
    const std::uint64_t ov = s.slots[slot];
    s.slots[slot] = v;
    return check(ov);
  }
  template <class F>
  void nest(F&& f) {
    const plain_state saved = s;
    const bool was = registered;
    try {
      f(*this);
    } catch (const soak_throw&) {
      s = saved;  // the nested transaction rolls back alone, handlers too
      registered = was;
      throw;
    }
  }
  void irrevocable() {}
  void restart() {}
  void on_commit() { registered = true; }
};

template <std::size_t... N, class Env>
std::uint64_t load_any(Env& e, std::size_t size, std::size_t off, std::index_sequence<N...>) {
  std::uint64_t r = 0;
  ((size == N + 1 ? (r = e.template load_n<N + 1>(off), true) : false) || ...);
  return r;
}
template <std::size_t... N, class Env>
void store_any(Env& e, std::size_t size, std::size_t off, std::uint64_t v, std::index_sequence<N...>) {
  ((size == N + 1 ? (e.template store_n<N + 1>(off, v), true) : false) || ...);
}

// A few operations; the values stored depend on the values read.
template <class Env>
void ops(Env& e, rng& r, std::uint64_t& acc, unsigned n, bool outer) {
  for (unsigned i = 0; i < n; ++i) {
    const unsigned kind = r.below(outer ? 12 : 5);
    const std::size_t size = 1 + r.below(16);
    const std::size_t off = r.below(static_cast<unsigned>(arena_size - 16 - size + 1));
    switch (kind) {
      case 0:
      case 1: acc = acc * 31 + load_any(e, size, off, std::make_index_sequence<16>{}); break;
      case 2: store_any(e, size, off, acc ^ r.next(), std::make_index_sequence<16>{}); break;
      case 3: {  // read-modify-write of the same bytes
        const std::uint64_t v = load_any(e, size, off, std::make_index_sequence<16>{});
        store_any(e, size, off, v + 1, std::make_index_sequence<16>{});
        acc ^= v;
        break;
      }
      case 4: acc += e.packed_rmw(0x0100000000000001ull); break;
      case 5: acc ^= e.swap_node(static_cast<int>(r.below(slot_count)), r.below(4) ? (acc | 1) : 0); break;
      case 6: {  // an exception caught inside the body
        try {
          if (r.below(2)) throw soak_throw{};
        } catch (const soak_throw&) {
          acc += 7;
        }
        break;
      }
      case 7:
      case 8: {  // a nested transaction, which may throw
        const bool throws = r.below(2);
        const std::uint64_t inner_seed = r.next();
        try {
          e.nest([&](Env& in) {
            rng ir{inner_seed};
            std::uint64_t iacc = acc;
            ops(in, ir, iacc, 1 + ir.below(3), false);
            if (throws) throw soak_throw{};
            acc = iacc;
          });
        } catch (const soak_throw&) {
          acc += 3;
        }
        break;
      }
      case 9:
        if (r.below(16) == 0) e.irrevocable();
        break;
      case 10: e.on_commit(); break;
      case 11:
        if (r.below(8) == 0) e.restart();
        break;
    }
  }
}

// One transaction's program.  Returns normally, or throws soak_throw out of
// the whole transaction (then nothing of it may remain).
template <class Env>
void program(Env& e, std::uint64_t seed) {
  rng r{seed};
  std::uint64_t acc = seed;
  const unsigned n = 1 + r.below(10);
  const unsigned counter_at = r.below(n + 1);
  const bool escape = r.below(20) == 0;
  for (unsigned i = 0; i <= n; ++i) {
    if (i == counter_at) acc += e.counter_step();
    if (i < n) ops(e, r, acc, 1, true);
  }
  if (escape) throw soak_throw{};
}

struct totals {
  std::uint64_t committed = 0, escaped = 0, failures = 0;
};

bool run_mode(const hytm_test::mode_case& m, std::uint64_t seed, double seconds, int threads,
              totals& all) {
  hytm::testing::set_mode(m.mode);
  auto* s = new shared_state{};
  for (std::size_t i = 0; i < arena_size; ++i) s->arena[i] = static_cast<unsigned char>(mix(seed + i));
  plain_state init{};
  std::memcpy(init.arena, s->arena, arena_size);

  // In rounds of at most two seconds, so that the histories stay small; each
  // round is replayed from the state the previous one was checked to reach.
  plain_state st = init;
  bool ok = true;
  std::size_t n_total = 0;
  std::uint64_t escaped_total = 0;
  const auto t_end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (ok && std::chrono::steady_clock::now() < t_end) {
    const double left = std::chrono::duration<double>(t_end - std::chrono::steady_clock::now()).count();
    const double round = left < 2 ? left : 2;
    const std::uint64_t base = st.counter;
    std::vector<std::vector<record>> histories(static_cast<std::size_t>(threads));
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> escaped{0}, handler_mismatch{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        auto& hist = histories[static_cast<std::size_t>(t)];
        std::vector<std::uint64_t> reads;
        reads.reserve(1 << 12);  // no allocation inside a hardware attempt
        for (std::uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
          const std::uint64_t tseed = mix(seed ^ mix(static_cast<std::uint64_t>(t) << 40 | i));
          bool ran = false;
          unsigned attempt = 0;
          std::uint64_t order = ~0ull;
          try {
            hytm::atomic([&](auto& tx) {
              reads.clear();
              live_env<std::remove_reference_t<decltype(tx)>> e{tx, *s, reads, ++attempt, &ran, &order};
              program(e, tseed);
            });
          } catch (const soak_throw&) {
            escaped.fetch_add(1, std::memory_order_relaxed);
            if (ran) handler_mismatch.fetch_add(1);
            continue;
          }
          hist.push_back({tseed, order, ran, reads});
        }
      });
    std::this_thread::sleep_for(std::chrono::duration<double>(round));
    stop.store(true);
    for (auto& t : ts) t.join();

    if (handler_mismatch.load() != 0) ok = false;
    if (!ok)
      std::fprintf(stderr, "soak: %s: an on_commit handler ran for a transaction that escaped\n",
                   m.name.c_str());
    // The serial order: each transaction's counter read, which must number
    // them 0, 1, 2, ... without a gap or a repeat.
    std::size_t n = 0;
    for (auto& h : histories) n += h.size();
    std::vector<const record*> by_order(n, nullptr);
    for (auto& h : histories)
      for (auto& r : h) {
        if (r.order < base || r.order - base >= n || by_order[r.order - base]) {
          std::fprintf(stderr, "soak: %s: seed %llu: two commits or a gap at counter value %llu\n",
                       m.name.c_str(), static_cast<unsigned long long>(seed),
                       static_cast<unsigned long long>(r.order));
          ok = false;
          break;
        }
        by_order[r.order - base] = &r;
      }
    for (std::size_t k = 0; k < n && ok; ++k) {
      const record& r = *by_order[k];
      replay_env e{st, r.reads};
      e.order = base + k;
      try {
        program(e, r.seed);
      } catch (const soak_throw&) {
        e.ok = false;  // a committed transaction cannot have escaped
      }
      if (!e.ok || e.next != r.reads.size()) {
        std::fprintf(stderr,
                     "soak: %s: seed %llu: transaction %zu of %zu (program seed %llu) read other "
                     "values than its sequential replay: not serializable, or a rolled-back write "
                     "stayed\n",
                     m.name.c_str(), static_cast<unsigned long long>(seed), k, n,
                     static_cast<unsigned long long>(r.seed));
        ok = false;
      } else if (e.registered != r.on_commit) {
        std::fprintf(stderr, "soak: %s: transaction %zu: on_commit handler %s\n", m.name.c_str(), k,
                     r.on_commit ? "ran although its registration was rolled back" : "did not run");
        ok = false;
      }
    }
    n_total += n;
    escaped_total += escaped.load();
  }
  if (ok) {
    if (std::memcmp(st.arena, s->arena, arena_size) != 0 || st.counter != s->counter) {
      std::fprintf(stderr, "soak: %s: final state differs from the sequential replay\n", m.name.c_str());
      ok = false;
    }
    for (int i = 0; i < slot_count; ++i) {
      const std::uint64_t v = s->slots[i] ? s->slots[i]->value : 0;
      if (v != st.slots[i]) {
        std::fprintf(stderr, "soak: %s: slot %d differs from the replay\n", m.name.c_str(), i);
        ok = false;
      }
    }
  }
  // Made by tx.make (the engine's allocator): destroyed through a transaction.
  hytm::atomic([&](auto& tx) {
    for (node*& p : s->slots) {
      if (node* q = tx.load(p)) tx.destroy(q);
      tx.store(p, static_cast<node*>(nullptr));
    }
  });
  delete s;
  all.committed += n_total;
  all.escaped += escaped_total;
  std::printf("soak: %-16s %8zu committed, %6llu escaped by exception, %s\n", m.name.c_str(),
              n_total, static_cast<unsigned long long>(escaped_total),
              ok ? "serializable" : "FAILED");
  std::fflush(stdout);
  hytm::testing::restore_environment_mode();
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 1;
  double seconds = 5;
  int threads = 3;
  std::string modes;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "soak_test: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    char* end = nullptr;
    if (a == "--seed") {
      const std::string v = value();
      seed = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end) return std::fprintf(stderr, "soak_test: --seed takes a number, not '%s'\n", v.c_str()), 2;
    } else if (a == "--seconds") {
      const std::string v = value();
      seconds = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || seconds <= 0)
        return std::fprintf(stderr, "soak_test: --seconds takes a positive number, not '%s'\n", v.c_str()), 2;
    } else if (a == "--threads") {
      const std::string v = value();
      threads = static_cast<int>(std::strtol(v.c_str(), &end, 10));
      if (v.empty() || *end || threads < 1 || threads > 64)
        return std::fprintf(stderr, "soak_test: --threads takes 1 to 64, not '%s'\n", v.c_str()), 2;
    } else if (a == "--modes") {
      modes = "," + value() + ",";
    } else {
      std::fprintf(stderr, "usage: soak_test [--seed N] [--seconds S per mode] [--threads T] [--modes a,b]\n");
      return 2;
    }
  }
  std::vector<hytm_test::mode_case> all = hytm_test::all_modes();
  totals t;
  bool ok = true;
  int ran = 0;
  for (const auto& m : all) {
    if (!modes.empty() && modes.find("," + m.name + ",") == std::string::npos) continue;
    ++ran;
    ok = run_mode(m, seed, seconds, threads, t) && ok;
  }
  if (ran == 0) return std::fprintf(stderr, "soak_test: no mode matches --modes\n"), 2;
  std::printf("soak: seed %llu: %llu committed, %llu escaped: %s\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(t.committed), static_cast<unsigned long long>(t.escaped),
              ok ? "passed" : "FAILED");
  return ok ? 0 : 1;
}
