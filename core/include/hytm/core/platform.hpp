// platform.hpp: the few machine facts and compiler switches every component
// shares, chosen in one place.
#pragma once

#include <cstddef>

namespace hytm {

// 64 bytes on every x86-64 part that has RTM.  Not
// std::hardware_destructive_interference_size: g++ warns that its value is not
// ABI-stable, and the layout of the shared protocol words must not move.
inline constexpr std::size_t cache_line = 64;

}  // namespace hytm

#if defined(__SANITIZE_THREAD__)
#define HYTM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HYTM_TSAN 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define HYTM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HYTM_ASAN 1
#endif
#endif

// Symbols that user code inlines against must resolve to the one copy in
// libhytm.so, so that the engine's state is one per process.
#define HYTM_API __attribute__((visibility("default")))
#define HYTM_NOINLINE __attribute__((noinline))
#define HYTM_COLD __attribute__((cold, noinline))
#define HYTM_LIKELY(x) __builtin_expect(!!(x), 1)
#define HYTM_UNLIKELY(x) __builtin_expect(!!(x), 0)
