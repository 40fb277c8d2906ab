// access.hpp: the "access policy" that the benchmark's data structures are written against.
//
// Every structure in structures/ and every workload in workloads/ is a template over an object `a`
// with the same member functions as hytm's transaction handle:
//
//     T  a.load(T& x)            void a.store(T& x, T v)
//     T* a.template make<T>(...) void a.destroy(T* p)
//     void* a.alloc(n)           void a.free(p)
//
// For hytm the handle itself is passed (no wrapper), so the instrumented code is exactly the code
// the sequential baseline runs, and the ratios measure the engine and nothing else. plain_access
// below is what the sequential, lock-based and libitm implementations pass: a load is a plain read.
// (libitm instruments those plain reads itself, because its translation unit is built with
// -fgnu-tm and the structure code is instantiated inside __transaction_atomic.)
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "tm_pure.hpp"

namespace hytm_bench {

struct plain_access {
    template <class T>
    T load(T& x) const {
        return x;
    }
    template <class T>
    void store(T& x, std::type_identity_t<T> v) const {
        x = v;
    }
    // malloc/free rather than new/delete: GCC's TM knows malloc and free (it maps them to
    // _ITM_malloc/_ITM_free, which undo and defer), so the libitm build can share this policy.
    template <class T, class... Args>
    T* make(Args&&... args) const {
        void* p = std::malloc(sizeof(T));
        if (p == nullptr) out_of_memory();
        return new (p) T(std::forward<Args>(args)...);
    }
    template <class T>
    void destroy(T* p) const {
        p->~T();
        std::free(p);
    }
    void* alloc(std::size_t n) const { return std::malloc(n); }
    void free(void* p) const { std::free(p); }

    // Reads n shared values into private memory (the maze's grid copy).
    template <class T>
    void copy_in(T* dst, const T* src, std::size_t n) const {
        std::memcpy(dst, src, n * sizeof(T));
    }
};

// The grid copy through whatever policy `a` is: a policy with a bulk read uses it; hytm's handle
// reads word by word, as a hand-instrumented STM program would.
template <class A, class T>
void copy_in(A& a, T* dst, T* src, std::size_t n) {
    if constexpr (requires { a.copy_in(dst, src, n); }) {
        a.copy_in(dst, src, n);
    } else {
        for (std::size_t i = 0; i < n; ++i) dst[i] = a.load(src[i]);
    }
}

}  // namespace hytm_bench
