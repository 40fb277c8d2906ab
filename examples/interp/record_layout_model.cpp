// record_layout_model.cpp: what the RTM model says about hytm-interp's thread
// records, old layout against new (docs/conflicts.md, the primes demo).
//
// The interpreter keeps a thread's private state in plain memory, which no
// instrumented path sees, and the hardware tracks it all the same.  This
// program replays what one slice of primes.hy writes to its thread's record
// (the first stores of a slice to the record's head, plain work, then the
// store of `slice_instructions` to its tail) as one hytm::atomic whose stores
// go through tx.store, so that the RTM model sees those lines, on two
// threads, for two layouts:
//
//   packed   the records as calloc placed them before the fix: 20624 bytes
//            each, back to back with 16 bytes of malloc header between, so
//            the tail of thread 0's record shares a line with the head of
//            thread 1's (the addresses printed in docs/conflicts.md);
//   aligned  each record on lines of its own, as alloc_lines now gives them.
//
//   HYTM_HTM=emulate hytm-interp-layout-model [SLICES [WORK]]
//
// It prints the modelled hardware conflicts per slice of each layout and
// fails if the aligned one has any.  Only the RTM model (HYTM_HTM=emulate)
// says something here; on the software path neither layout ever conflicts.
#include <hytm/hytm.hpp>
#include <hytm/stats.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

// The old struct vm_thread (at e30ba0d): its size and the offsets a slice
// writes.  Head: tx (8), wake_registered and sp (16), nframes and state
// (24); the worker's locals `count` and `n` in the operand stack (48 + 8 *
// slot); tail: slice_instructions (20608).
constexpr std::size_t kRecord = 20624;
constexpr std::size_t kMallocHeader = 16;
constexpr std::size_t kHead[] = {8, 16, 24, 48 + 8 * 3, 48 + 8 * 5};
constexpr std::size_t kTail = 20608;
constexpr std::size_t kLine = 128;  // INTERP_LINE

std::uint64_t& word(unsigned char* record, std::size_t offset) {
  return *reinterpret_cast<std::uint64_t*>(record + offset);
}

// Plain work, as the bytecodes of a slice between its first stores and its
// last one (the interpreter's loop touches only its own record and the
// constant bytecode); returns something so that it is not optimized away.
std::uint64_t work(std::uint64_t n, std::uint64_t seed) {
  for (std::uint64_t i = 0; i < n; ++i) seed = seed * 6364136223846793005u + 1442695040888963407u;
  return seed;
}

struct result {
  std::uint64_t commits = 0, conflicts = 0, htm_commits = 0;
};

result run(const char* site, unsigned char* records[2], long slices, std::uint64_t work_n) {
  std::atomic<int> ready{0};
  std::thread threads[2];
  for (int t = 0; t < 2; ++t) {
    threads[t] = std::thread([&, t] {
      unsigned char* mine = records[t];
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
      for (long s = 0; s < slices; ++s) {
        hytm::atomic(hytm::site(site), [&](auto& tx) {
          for (std::size_t off : kHead) tx.store(word(mine, off), tx.load(word(mine, off)) + 1);
          const std::uint64_t r = work(work_n, static_cast<std::uint64_t>(s));
          tx.store(word(mine, kTail), r);
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  result r;
  for (const hytm::site_stats& ss : hytm::statistics().sites) {
    if (ss.name != site) continue;
    r.commits = ss.counters[hytm::ctr::htm_commits] + ss.counters[hytm::ctr::stm_commits] +
                ss.counters[hytm::ctr::serial_commits];
    r.htm_commits = ss.counters[hytm::ctr::htm_commits];
    r.conflicts = ss.counters[hytm::ctr::htm_abort_conflict];
  }
  return r;
}

long number(const char* s, const char* what) {
  char* end;
  const long v = std::strtol(s, &end, 10);
  if (*end || v < 1) {
    std::fprintf(stderr, "hytm-interp-layout-model: %s must be a positive integer, not '%s'\n", what, s);
    std::exit(64);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const long slices = argc > 1 ? number(argv[1], "SLICES") : 2000;
  const std::uint64_t work_n = argc > 2 ? static_cast<std::uint64_t>(number(argv[2], "WORK")) : 20000;

  // packed: thread 0's record at a line boundary (as it was, at 0x...7500),
  // thread 1's right after it.
  const std::size_t arena_size = 2 * (kRecord + kMallocHeader) + kLine;
  auto* arena = static_cast<unsigned char*>(std::aligned_alloc(kLine, (arena_size + kLine - 1) / kLine * kLine));
  std::memset(arena, 0, arena_size);
  unsigned char* packed[2] = {arena, arena + kRecord + kMallocHeader};

  const std::size_t aligned_size = (kRecord + kLine - 1) / kLine * kLine;
  unsigned char* aligned[2];
  for (auto& r : aligned) {
    r = static_cast<unsigned char*>(std::aligned_alloc(kLine, aligned_size));
    std::memset(r, 0, aligned_size);
  }

  const auto line = [](const unsigned char* p) { return reinterpret_cast<std::uintptr_t>(p) / 64; };
  std::printf("packed: thread 0's tail line %#llx, thread 1's head line %#llx%s\n",
              static_cast<unsigned long long>(line(packed[0] + kTail) * 64),
              static_cast<unsigned long long>(line(packed[1] + kHead[0]) * 64),
              line(packed[0] + kTail) == line(packed[1] + kHead[0]) ? " (the same)" : "");

  const result p = run("layout.packed", packed, slices, work_n);
  const result a = run("layout.aligned", aligned, slices, work_n);
  std::printf("%-8s %10s %14s %18s %20s\n", "layout", "slices", "hw commits", "hw conflict aborts",
              "conflicts per slice");
  for (const auto& [name, r] : {std::pair<const char*, result>{"packed", p}, {"aligned", a}})
    std::printf("%-8s %10llu %14llu %18llu %20.3f\n", name, static_cast<unsigned long long>(r.commits),
                static_cast<unsigned long long>(r.htm_commits), static_cast<unsigned long long>(r.conflicts),
                r.commits ? static_cast<double>(r.conflicts) / static_cast<double>(r.commits) : 0.0);
  if (hytm::machine().htm != std::string("emulated"))
    std::printf("(hytm's hardware path here: %s; run with HYTM_HTM=emulate for the model)\n", hytm::machine().htm);

  const bool ok = a.conflicts == 0;
  std::free(arena);
  for (auto* r : aligned) std::free(r);
  if (!ok) {
    std::fprintf(stderr, "hytm-interp-layout-model: the aligned records conflicted\n");
    return 1;
  }
  return 0;
}
