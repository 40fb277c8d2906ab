// task_pool_hashmap: counts the words of a generated text into one shared
// hash map, with a hytm::task_pool whose tasks each add a chunk of words as
// one transaction -- code written as if under one global lock.  Checks the
// result against a sequential count and exits 1 if they differ.
//
//   hytm-task-pool-hashmap [--words N] [--vocabulary N] [--chunk N] [--stats]
#include <hytm/task_pool.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <unordered_map>
#include <vector>

namespace {

// A chained hash map with a fixed bucket array, in transactional memory: the
// bucket heads, the links and the counts are read and written through tx.
class tx_hash_map {
 public:
  explicit tx_hash_map(std::size_t buckets) : heads_(std::bit_ceil(buckets), nullptr) {}
  tx_hash_map(const tx_hash_map&) = delete;
  tx_hash_map& operator=(const tx_hash_map&) = delete;

  ~tx_hash_map() {
    // Nodes come from tx.make: give them back through a transaction too.
    hytm::atomic([&](auto& tx) {
      for (node*& head : heads_)
        for (node* n = tx.load(head); n; n = tx.load(n->next)) tx.destroy(n);
    });
  }

  template <class Tx>
  void add(Tx& tx, std::uint64_t key, std::uint64_t n) {
    node*& head = heads_[bucket(key)];
    for (node* p = tx.load(head); p; p = tx.load(p->next)) {
      if (tx.load(p->key) == key) {
        tx.store(p->count, tx.load(p->count) + n);
        return;
      }
    }
    // The new node is private until the store to head publishes it.
    tx.store(head, tx.template make<node>(node{key, n, tx.load(head)}));
  }

  // Reads without a transaction: only once no task runs.
  std::unordered_map<std::uint64_t, std::uint64_t> snapshot() const {
    std::unordered_map<std::uint64_t, std::uint64_t> out;
    for (node* head : heads_)
      for (node* n = head; n; n = n->next) out[n->key] = n->count;
    return out;
  }

 private:
  struct node {
    std::uint64_t key;
    std::uint64_t count;
    node* next;
  };

  std::size_t bucket(std::uint64_t key) const {
    // Fibonacci hashing: consecutive word ids land in distant buckets.
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & (heads_.size() - 1);
  }

  std::vector<node*> heads_;
};

struct options {
  std::size_t words = 400000, vocabulary = 50000, chunk = 64;
  bool stats = false;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; i++) {
    auto number = [&](std::size_t& out) {
      if (i + 1 >= argc || (out = std::strtoull(argv[++i], nullptr, 10)) == 0) {
        std::fputs("usage: hytm-task-pool-hashmap [--words N] [--vocabulary N] [--chunk N] [--stats]\n",
                   stderr);
        std::exit(64);
      }
    };
    if (!std::strcmp(argv[i], "--words")) number(o.words);
    else if (!std::strcmp(argv[i], "--vocabulary")) number(o.vocabulary);
    else if (!std::strcmp(argv[i], "--chunk")) number(o.chunk);
    else if (!std::strcmp(argv[i], "--stats")) o.stats = true;
    else number(o.words);  // prints the usage
  }
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);

  // A text whose word frequencies fall off like a natural language's (the
  // square of a uniform number favours small word ids), fixed by the seed.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::uint64_t> text(o.words);
  for (auto& w : text) w = static_cast<std::uint64_t>(u(rng) * u(rng) * static_cast<double>(o.vocabulary));

  auto t0 = std::chrono::steady_clock::now();
  std::unordered_map<std::uint64_t, std::uint64_t> expected;
  for (std::uint64_t w : text) expected[w]++;
  const double sequential_s = seconds_since(t0);

  tx_hash_map map(o.vocabulary);
  t0 = std::chrono::steady_clock::now();
  hytm::task_pool pool(hytm::site("hashmap.count_chunk"));
  for (std::size_t lo = 0; lo < text.size(); lo += o.chunk) {
    const std::size_t hi = std::min(text.size(), lo + o.chunk);
    pool.run([&map, &text, lo, hi](auto& tx) {
      for (std::size_t i = lo; i < hi; i++) map.add(tx, text[i], 1);
    });
  }
  pool.wait();
  const double pool_s = seconds_since(t0);

  const auto counted = map.snapshot();
  std::printf("%zu words, %zu distinct: sequential %.3f s, task pool %.3f s\n", text.size(),
              counted.size(), sequential_s, pool_s);
  if (o.stats) std::fputs(hytm::stats_text().c_str(), stderr);
  if (counted != expected) {
    std::printf("MISMATCH: the task pool's counts differ from the sequential ones\n");
    return 1;
  }
  std::printf("counts match the sequential run\n");
  return 0;
}
