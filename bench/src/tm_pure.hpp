// tm_pure.hpp: HYTM_BENCH_TM_PURE marks a function that GCC's -fgnu-tm must call from inside a
// transaction without instrumenting it: it touches only private memory (the maze's search on its
// own grid copy) or never returns. Only the libitm translation unit defines HYTM_BENCH_GNU_TM; in
// every other one the attribute would be ignored with a warning.
#pragma once

#if defined(HYTM_BENCH_GNU_TM)
#define HYTM_BENCH_TM_PURE __attribute__((transaction_pure))
#else
#define HYTM_BENCH_TM_PURE
#endif

namespace hytm_bench {

// Ends the process: a benchmark that cannot allocate has no result worth reporting.
[[noreturn]] HYTM_BENCH_TM_PURE void out_of_memory();

}  // namespace hytm_bench
