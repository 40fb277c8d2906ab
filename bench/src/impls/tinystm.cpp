// tinystm.cpp: the integer sets, bank and counter on TinySTM (Felber, Fetzer, Riegel; the
// word-based, ownership-record STM of issue 14's table), for measuring hytm's software path side
// by side with it on the same machine. TinySTM is no Debian package: this file is compiled only
// when HYTM_BENCH_TINYSTM_DIR names a built copy (its include/ and lib/libstm.a), and nothing of
// it is in this tree (docs/benchmarks.md says how to build one).
//
// A TinySTM transaction restarts by siglongjmp to the sigsetjmp in run(), through the body's
// frames: only bodies whose frames own nothing to destroy can run on it, which is why vacation,
// kmeans and maze (std:: containers in their bodies) are not offered.
#include <atomic>
#include <bit>
#include <csetjmp>
#include <cstring>
#include <mutex>
#include <string_view>

// TinySTM's headers are C (an anonymous struct in stm_tx_attr_t).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
extern "C" {
#include <mod_mem.h>
#include <stm.h>
#include <wrappers.h>
}
#pragma GCC diagnostic pop

#include "../workloads/all.hpp"
#include "exec.hpp"
#include "factories.hpp"

namespace hytm_bench {
namespace {

// Each access through TinySTM's typed wrappers; an object of another size byte by byte.
struct tinystm_access {
    template <class T>
    T load(T& x) const {
        if constexpr (sizeof(T) == 8 && alignof(T) >= 8) {
            return std::bit_cast<T>(stm_load_u64(reinterpret_cast<volatile std::uint64_t*>(&x)));
        } else if constexpr (sizeof(T) == 4 && alignof(T) >= 4) {
            return std::bit_cast<T>(stm_load_u32(reinterpret_cast<volatile std::uint32_t*>(&x)));
        } else if constexpr (sizeof(T) == 1) {
            return std::bit_cast<T>(stm_load_u8(reinterpret_cast<volatile std::uint8_t*>(&x)));
        } else {
            alignas(T) unsigned char b[sizeof(T)];
            stm_load_bytes(reinterpret_cast<volatile std::uint8_t*>(&x), b, sizeof(T));
            T v;
            std::memcpy(&v, b, sizeof(T));
            return v;
        }
    }
    template <class T>
    void store(T& x, std::type_identity_t<T> v) const {
        if constexpr (sizeof(T) == 8 && alignof(T) >= 8) {
            stm_store_u64(reinterpret_cast<volatile std::uint64_t*>(&x), std::bit_cast<std::uint64_t>(v));
        } else if constexpr (sizeof(T) == 4 && alignof(T) >= 4) {
            stm_store_u32(reinterpret_cast<volatile std::uint32_t*>(&x), std::bit_cast<std::uint32_t>(v));
        } else if constexpr (sizeof(T) == 1) {
            stm_store_u8(reinterpret_cast<volatile std::uint8_t*>(&x), std::bit_cast<std::uint8_t>(v));
        } else {
            unsigned char b[sizeof(T)];
            std::memcpy(b, &v, sizeof(T));
            stm_store_bytes(reinterpret_cast<volatile std::uint8_t*>(&x), b, sizeof(T));
        }
    }
    // TinySTM's allocator module: released if the transaction aborts, freed after it commits.
    template <class T, class... Args>
    T* make(Args&&... args) const {
        return new (alloc(sizeof(T))) T(std::forward<Args>(args)...);
    }
    template <class T>
    void destroy(T* p) const {
        p->~T();
        stm_free(p, sizeof(T));
    }
    void* alloc(std::size_t n) const {
        void* p = stm_malloc(n);
        if (p == nullptr) out_of_memory();
        return p;
    }
    void free(void* p) const { stm_free(p, 0); }
};

// stm_init_thread once per thread (undone when the thread ends); stm_init is the factory's.
struct tinystm_thread {
    tinystm_thread() { stm_init_thread(); }
    ~tinystm_thread() { stm_exit_thread(); }
};

struct tinystm_exec {
    template <class Body>
    auto run(const char* site, Body&& body) {
        thread_local tinystm_thread registered;
        (void)registered;
        // The read-only hint that TinySTM's own intset benchmark gives its lookups.
        stm_tx_attr_t attr{};
        attr.read_only = std::string_view(site).ends_with(".contains") ? 1 : 0;
        tinystm_access a;
        sigjmp_buf* env = stm_start(attr);
        if (env != nullptr) sigsetjmp(*env, 0);  // a restart comes back here
        auto result = body(a);
        stm_commit();
        return result;
    }
};

}  // namespace

// The catalog does not offer it vacation, kmeans or maze (impl_info::not_workloads).
// TinySTM's process-wide set-up (its lock table) runs here, before any run: in a worker it would
// fall in the first counted run alone, and --callgrind's difference of two runs would lose it.
std::unique_ptr<workload_run> make_tinystm_run(const workload_config& cfg) {
    static std::once_flag once;
    std::call_once(once, [] {
        stm_init();
        mod_mem_init(0);
    });
    return make_workload_run<tinystm_exec>(cfg);
}

}  // namespace hytm_bench
