// hytm-conflict-demo: one systematic conflict, found and fixed (docs/conflicts.md).
//
// Every thread files records into a table of its own (disjoint data: no
// conflict); each transaction first takes the record's number from a count:
//
//   --counter shared      one global `total_count`, incremented by every
//                         transaction: every pair of concurrent transactions
//                         conflicts on it, and the program serializes;
//   --counter per-thread  `thread_counts[t]`, one padded counter per thread,
//                         summed when read: nothing is shared any more.
//
//   hytm-conflict-demo [--counter shared|per-thread] [--threads N] [--ops N] [--work N]
//
// Run it with HYTM_STATS=text (or HYTM_STATS=json 2>FILE, then
// tools/hytm-report FILE) to see where the time goes.  It prints the wall
// time, throughput and CPU time, and checks the count.
#include <hytm/hytm.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

// The statistic.  Before: one global counter.
long total_count = 0;

// After: one counter per thread, each on its own cache line.
struct alignas(64) padded_count {
  long value = 0;
};
padded_count thread_counts[64];

namespace {

constexpr std::size_t table_words = 4096;  // per thread: 32 KiB

struct alignas(64) table {
  long words[table_words];
};

void usage() {
  std::fprintf(stderr,
               "usage: hytm-conflict-demo [--counter shared|per-thread] [--threads N] [--ops N] "
               "[--work N]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  bool shared = true;
  int threads = 2;
  long ops = 200000;  // per thread
  int work = 32;      // table words updated per transaction
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage();
    const char* v = argv[++i];
    if (a == "--counter") {
      if (std::strcmp(v, "shared") == 0) shared = true;
      else if (std::strcmp(v, "per-thread") == 0) shared = false;
      else usage();
    } else if (a == "--threads") {
      threads = std::atoi(v);
    } else if (a == "--ops") {
      ops = std::atol(v);
    } else if (a == "--work") {
      work = std::atoi(v);
    } else {
      usage();
    }
  }
  if (threads < 1 || threads > 64 || ops < 1 || work < 0 || work > 512) usage();

  std::vector<table> tables(static_cast<std::size_t>(threads));
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  const std::clock_t c0 = std::clock();  // CPU time of all threads
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      table& mine = tables[static_cast<std::size_t>(t)];
      unsigned x = 12345u + static_cast<unsigned>(t);
      for (long i = 0; i < ops; ++i) {
        x = x * 1664525u + 1013904223u;
        const std::size_t at = (x >> 8) % table_words;
        hytm::atomic(hytm::site("demo.file_record"), [&](auto& tx) {
          // The record's number comes first (a sequence number, a size,
          // an allocation count: a common shape) ...
          long& count = shared ? total_count : thread_counts[t].value;
          const long number = tx.load(count);
          tx.store(count, number + 1);
          // ... then the record itself, in this thread's own table.
          for (int k = 0; k < work; ++k) {
            long& w = mine.words[(at + static_cast<std::size_t>(k) * 8) % table_words];
            tx.store(w, tx.load(w) + number);
          }
        });
      }
    });
  }
  for (auto& th : pool) th.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;

  long counted = 0;
  if (shared) {
    counted = total_count;
  } else {
    for (int t = 0; t < threads; ++t) counted += thread_counts[t].value;
  }
  const long expected = ops * threads;
  // Wall time says how long it took; CPU time says how much work it burnt,
  // and is the steadier figure on a machine that other programs share.
  std::printf("counter=%s threads=%d tx=%ld work=%d: %.3f s wall, %.3f Mtx/s; %.3f s CPU, %.2f us CPU/tx; "
              "count %ld%s\n",
              shared ? "shared" : "per-thread", threads, expected, work, s,
              static_cast<double>(expected) / s / 1e6, cpu, cpu / static_cast<double>(expected) * 1e6,
              counted, counted == expected ? " (right)" : " (WRONG)");
  return counted == expected ? 0 : 1;
}
