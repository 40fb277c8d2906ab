// code_pages.cpp: maps the loaded objects' code into the page tables, so
// that a hardware region does not take the page fault of its first
// instruction fetch.
//
// Why: the hardware instantiation of a body (htm_tx) is code that runs only
// inside RTM regions.  If its page of text was never mapped into this
// process (file pages are mapped on first use, with the kernel's
// fault-around mapping the 64 KiB window around a fault), the fetch faults
// inside the region, the region aborts with status 0, and the fault is never
// serviced: the software path that runs the block next executes its own
// instantiation, on other pages.  Whether a neighbour's fault-around already
// covered the page depends on where the executable was loaded (ASLR), so the
// symptom is per process: on a 2-core RTM Xeon guest (2026-12-02),
// hytm-bench's vacation committed nothing in hardware in 2 of 20 processes
// (0 of ~400 starts, every one status 0) and ~99 % in the others; with the
// code mapped at start-up, 44 of 44 processes committed, and with this rule
// 30 of 30.  Read-only data (jump tables,
// constants only hardware code reads) has the same problem and the same fix.
//
// MADV_POPULATE_READ (Linux 5.14) fills the page tables of a range without
// touching its contents otherwise; writable segments are left alone (a
// populate of .bss would make it resident).  Errors are ignored: an old
// kernel leaves the first-touch rule as it was.
#include <link.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>

#include "hytm/hybrid/policy.hpp"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

namespace hytm::detail {
namespace {

// dlpi_adds when the code was last mapped: objects loaded since (dlopen)
// bring unmapped code.  0: never.
std::atomic<unsigned long long> g_mapped_adds{0};

int map_object(dl_phdr_info* info, std::size_t, void*) noexcept {
  constexpr std::uintptr_t page = 4096;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0 || ph.p_memsz == 0) continue;
    const std::uintptr_t begin = (info->dlpi_addr + ph.p_vaddr) & ~(page - 1);
    const std::uintptr_t end = (info->dlpi_addr + ph.p_vaddr + ph.p_memsz + page - 1) & ~(page - 1);
    (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ);
  }
  return 0;
}

int read_adds(dl_phdr_info* info, std::size_t, void* out) noexcept {
  *static_cast<unsigned long long*>(out) = info->dlpi_adds;
  return 1;  // the counter is the same in every entry: stop at the first
}

}  // namespace

bool map_code_pages() noexcept {
  unsigned long long adds = 0;
  dl_iterate_phdr(read_adds, &adds);
  // Relaxed: two threads that both see a change both map, which is harmless.
  if (adds == g_mapped_adds.load(std::memory_order_relaxed)) return false;
  dl_iterate_phdr(map_object, nullptr);
  g_mapped_adds.store(adds, std::memory_order_relaxed);
  return true;
}

void forget_code_pages() noexcept { g_mapped_adds.store(0, std::memory_order_relaxed); }

}  // namespace hytm::detail
