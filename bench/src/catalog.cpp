#include "catalog.hpp"

namespace hytm_bench {

std::string workload_config::label() const {
    std::string s = workload;
    for (const auto& [k, v] : p) s += " " + k + "=" + std::to_string(v);
    return s;
}

const std::vector<workload_info>& workloads() {
    // Sizes follow the classic settings: 256 keys in the list, 4096 in the other sets (the key
    // range is twice that); 0, 20 and 100 % updates. STAMP-like kernels use STAMP's smaller inputs
    // (vacation-high: 4 queries, 60 % of the ids, 90 % reservations; kmeans 16 dims, 16 clusters;
    // labyrinth with 64 routes per round, on a 64x64x4 grid so that its 64 KiB copy, written to
    // private memory inside the transaction, overflows the L1 (32 or 48 KiB) that holds an RTM
    // write set), scaled so that a run takes a fraction of a second.
    static const std::vector<workload_info> list = {
        {"list", "sorted linked list set (long read sets)", {{"size", 256}, {"update", 20}}, {0, 20, 100}},
        {"skiplist", "skip list set", {{"size", 4096}, {"update", 20}}, {0, 20, 100}},
        {"rbtree", "red-black tree set (rotations near the root)", {{"size", 4096}, {"update", 20}}, {0, 20, 100}},
        {"hashset", "hash set, chained (short transactions)", {{"size", 4096}, {"update", 20}}, {0, 20, 100}},
        {"bank", "transfers between `size` accounts; the rest of the ops audit the total", {{"size", 1024}, {"update", 98}}, {98}},
        {"counter", "one counter incremented by every transaction (systematic conflict)", {}, {}},
        {"vacation", "STAMP-like travel reservations: 4 red-black tree tables, multi-table transactions",
         {{"size", 4096}, {"queries", 4}, {"range", 60}, {"user", 90}}, {}},
        {"kmeans", "STAMP-like k-means: `size` points; each assignment updates a cluster's sums",
         {{"size", 2048}, {"dims", 16}, {"clusters", 16}}, {}},
        {"maze", "STAMP-like maze routing: each route copies the size x size x layers grid (big transactions)",
         {{"size", 64}, {"layers", 4}, {"paths", 64}}, {}, 60},
    };
    return list;
}

const std::vector<impl_info>& implementations() {
    static const std::vector<impl_info> list = [] {
        std::vector<impl_info> v;
        auto add = [&](std::string name, std::string description, run_factory f, std::string why_missing = {}) -> impl_info& {
            v.push_back({std::move(name), std::move(description), f, std::move(why_missing), {}, false, false, {}, false, {}});
            return v.back();
        };
        add("seq", "sequential, uninstrumented, one thread (the limit)", &make_seq_run).single_thread = true;
        add("mutex", "one global std::mutex", &make_mutex_run);
#if HYTM_BENCH_HAVE_TBB
        add("tbb-spin", "one global tbb::spin_mutex", &make_tbb_spin_run);
        add("tbb-spec", "one global tbb::speculative_spin_mutex, built with -mrtm (RTM lock elision where TSX exists)", &make_tbb_spec_run)
            .elides = true;
#else
        add("tbb-spin", "one global tbb::spin_mutex", nullptr, "built without oneTBB");
        add("tbb-spec", "one global tbb::speculative_spin_mutex", nullptr, "built without oneTBB");
#endif
#if HYTM_BENCH_HAVE_RTM_ELIDE
        add("rtm-elide", "a test-and-test-and-set lock elided by hand with RTM (the lock where CPUID shows no RTM)", &make_rtm_elide_run)
            .elides = true;
#else
        add("rtm-elide", "a test-and-test-and-set lock elided by hand with RTM", nullptr, "not an x86-64 build");
#endif
        // libitm's own choice of method: serialirr on one thread, ml_wt with more, and its HTM
        // fast path where RTM works. That path calls malloc/free through the PLT, so this child
        // alone runs with LD_BIND_NOW=1 (lazy binding would abort its first transactions).
        {
            const char* description = "GCC libitm, __transaction_atomic, libitm's default method (HTM where RTM works); LD_BIND_NOW=1";
#if HYTM_BENCH_HAVE_ITM
            add("itm-default", description, &make_itm_run).env = {{"LD_BIND_NOW", "1"}};
#else
            add("itm-default", description, nullptr, "built without libitm (not GCC, or a sanitizer build)");
#endif
        }
        for (const char* method : {"ml_wt", "gl_wt", "serialirr"}) {
            std::string name = std::string("itm-") + (std::string(method) == "serialirr" ? "serial" : method);
            std::string description = std::string("GCC libitm, __transaction_atomic, ITM_DEFAULT_METHOD=") + method;
#if HYTM_BENCH_HAVE_ITM
            add(name, description, &make_itm_run).env = {{"ITM_DEFAULT_METHOD", method}};
#else
            add(name, description, nullptr, "built without libitm (not GCC, or a sanitizer build)");
#endif
        }
        {
            // Their bodies own objects that TinySTM's siglongjmp restart would skip (tinystm.cpp).
            const std::vector<std::string> tinystm_skips = {"vacation", "kmeans", "maze"};
#if HYTM_BENCH_HAVE_TINYSTM
            add("tinystm", "TinySTM (write-back, encounter-time locking), built beside: -DHYTM_BENCH_TINYSTM_DIR", &make_tinystm_run)
                .not_workloads = tinystm_skips;
#else
            add("tinystm", "TinySTM", nullptr, "built without TinySTM (-DHYTM_BENCH_TINYSTM_DIR)").not_workloads = tinystm_skips;
#endif
        }
#if HYTM_BENCH_HAVE_TBB
        add("tbb-chm", "tbb::concurrent_hash_map (hashset only)", &make_tbb_chm_run).only_workload = "hashset";
#else
        add("tbb-chm", "tbb::concurrent_hash_map (hashset only)", nullptr, "built without oneTBB").only_workload = "hashset";
#endif
        struct hytm_config {
            const char* name;
            const char* description;
            std::vector<std::pair<std::string, std::string>> env;
        };
        for (const hytm_config& c : std::vector<hytm_config>{
                 {"hytm-auto", "hytm, default policy: RTM where the CPU has it, else software; serial while one thread runs alone",
                  {{"HYTM_HTM", "auto"}, {"HYTM_SOLO", "auto"}}},
                 {"hytm-auto-nosolo", "hytm, default policy without the one-thread mode (HYTM_SOLO=off)",
                  {{"HYTM_HTM", "auto"}, {"HYTM_SOLO", "off"}}},
                 {"hytm-stm", "hytm, software path only, NOrec (HYTM_HTM=off HYTM_STM=norec)",
                  {{"HYTM_HTM", "off"}, {"HYTM_STM", "norec"}}},
                 {"hytm-stm-orec", "hytm, software path only, ownership records (HYTM_HTM=off HYTM_STM=orec)",
                  {{"HYTM_HTM", "off"}, {"HYTM_STM", "orec"}}},
                 {"hytm-serial", "hytm, serial irrevocable path only", {{"HYTM_HTM", "off"}, {"HYTM_STM", "off"}}},
                 {"hytm-emu", "hytm, emulated RTM (HYTM_HTM=emulate) with software fallback", {{"HYTM_HTM", "emulate"}}},
             }) {
#if HYTM_BENCH_HAVE_HYTM
            impl_info& i = add(c.name, c.description, &make_hytm_run);
#else
            impl_info& i = add(c.name, c.description, nullptr, "built without the hytm engine");
#endif
            i.env = c.env;
            i.hytm = true;
        }
        return v;
    }();
    return list;
}

const std::vector<impl_info>& model_check_implementations() {
    static const std::vector<impl_info> list = [] {
        std::vector<impl_info> v;
#if HYTM_BENCH_HAVE_HYTM
        v.push_back({"hytm-rtm", "hytm, hardware path on real RTM (HYTM_HTM=force)", &make_hytm_run, {}, {{"HYTM_HTM", "force"}}, false, true, {}, false, {}});
#else
        v.push_back({"hytm-rtm", "hytm, hardware path on real RTM (HYTM_HTM=force)", nullptr, "built without the hytm engine", {{"HYTM_HTM", "force"}},
                     false, true, {}, false});
#endif
        return v;
    }();
    return list;
}

const workload_info* find_workload(const std::string& name) {
    for (const auto& w : workloads())
        if (w.name == name) return &w;
    return nullptr;
}

const impl_info* find_impl(const std::string& name) {
    for (const auto& i : implementations())
        if (i.name == name) return &i;
    for (const auto& i : model_check_implementations())
        if (i.name == name) return &i;
    return nullptr;
}

const std::vector<std::string>& path_variables() {
    // LD_BIND_NOW: a user's setting must not reach hytm's children (their figures are taken with
    // lazy binding, as a program runs by default); itm-default sets it for itself.
    static const std::vector<std::string> v = {"HYTM_HTM", "HYTM_STM", "ITM_DEFAULT_METHOD", "LD_BIND_NOW"};
    return v;
}

}  // namespace hytm_bench
