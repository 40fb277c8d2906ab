#include "runner.hpp"

#include <valgrind/callgrind.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <latch>
#include <limits>
#include <thread>
#include <unistd.h>

#include "catalog.hpp"
#include "json.hpp"
#include "pinning.hpp"

namespace hytm_bench {
namespace {

class event_writer {
  public:
    explicit event_writer(int fd) : out_(fd >= 0 ? fdopen(fd, "w") : stdout) {}
    void emit(const json::value& v) {
        std::string line = json::dump(v) + "\n";
        std::fwrite(line.data(), 1, line.size(), out_);
        std::fflush(out_);  // the parent's progress display follows these lines
    }

  private:
    std::FILE* out_;
};

json::value params_json(const params& p) {
    json::object o;
    for (const auto& [k, v] : p) o.emplace_back(k, json::value(v));
    return json::value(std::move(o));
}

// One run: prepare, start all workers at once, stop them, check, collect statistics.
json::value execute(const impl_info& impl, const workload_config& cfg, int threads, const options& o, const cpu_pinning* pins) {
    json::object run{{"workload", cfg.workload}, {"params", params_json(cfg.p)}, {"label", cfg.label()},
                     {"impl", impl.name}, {"threads", threads}};
    std::string error;
    std::unique_ptr<workload_run> w = impl.factory(cfg);
    if (!w) error = impl.name + " does not implement " + cfg.workload;

    double seconds = 0;
    std::uint64_t total = 0;
    json::array per_thread, cpus;
    json::value stats;
    if (w) {
        w->prepare(threads);
        // A maze route costs as much as hundreds of set operations: counted runs scale by weight.
        std::uint64_t weight = static_cast<std::uint64_t>(find_workload(cfg.workload)->op_weight);
        run_control ctl(o.counted ? std::max<std::uint64_t>(1, o.callgrind_ops / weight) : std::numeric_limits<std::uint64_t>::max());
        std::vector<std::uint64_t> ops(static_cast<std::size_t>(threads), 0);
        std::vector<int> cpu(static_cast<std::size_t>(threads), -1);
        std::vector<std::string> thrown(static_cast<std::size_t>(threads));
        std::latch parked(threads);
        std::atomic<bool> go{false};
#if HYTM_BENCH_HAVE_HYTM
        if (impl.hytm) hytm_reset_stats();
#endif
        std::vector<std::thread> workers;
        for (int i = 0; i < threads; ++i) {
            workers.emplace_back([&, i] {
                auto k = static_cast<std::size_t>(i);
                if (pins != nullptr) cpu[k] = pins->pin_this_thread(i);
                parked.count_down();
                // A blocking wait, not a spin: under valgrind a spinning thread would be counted.
                go.wait(false, std::memory_order_acquire);
                // callgrind's collection switch is per thread: the worker flips its own.
                if (o.counted) CALLGRIND_TOGGLE_COLLECT;
                try {
                    ops[k] = w->run_thread(i, ctl);
                } catch (const std::exception& e) {
                    thrown[k] = e.what();
                }
                if (o.counted) CALLGRIND_TOGGLE_COLLECT;
            });
        }
        parked.wait();
        if (o.counted) CALLGRIND_ZERO_STATS;
        auto t0 = std::chrono::steady_clock::now();
        go.store(true, std::memory_order_release);
        go.notify_all();
        if (!o.counted) {
            std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
            ctl.stop();
        }
        for (auto& t : workers) t.join();
        auto t1 = std::chrono::steady_clock::now();
        if (o.counted) {
            std::string name = impl.name + "|" + cfg.label();
            CALLGRIND_DUMP_STATS_AT(name.c_str());
        }
        seconds = std::chrono::duration<double>(t1 - t0).count();
        for (int i = 0; i < threads; ++i) {
            auto k = static_cast<std::size_t>(i);
            total += ops[k];
            per_thread.emplace_back(ops[k]);
            cpus.emplace_back(cpu[k]);
            if (!thrown[k].empty() && error.empty()) error = "worker " + std::to_string(i) + " threw: " + thrown[k];
        }
#if HYTM_BENCH_HAVE_HYTM
        if (impl.hytm) {
            try {
                stats = json::parse(hytm_stats_json());
            } catch (const json::parse_error& e) {
                if (error.empty()) error = std::string("hytm::stats_json() is not valid JSON: ") + e.what();
            }
        }
#endif
        if (error.empty()) error = w->check();
    }
    run.emplace_back("seconds", seconds);
    run.emplace_back("ops", total);
    run.emplace_back("throughput", seconds > 0 ? static_cast<double>(total) / seconds : 0.0);
    run.emplace_back("stats", stats);
    run.emplace_back("ops_per_thread", json::value(std::move(per_thread)));
    run.emplace_back("cpus", json::value(std::move(cpus)));
    if (!error.empty()) run.emplace_back("error", error);
    return json::value(std::move(run));
}

}  // namespace

int child_main(const options& o) {
    const impl_info* impl = find_impl(o.child_impl);
    if (impl == nullptr || impl->factory == nullptr) {
        std::fprintf(stderr, "hytm-bench: cannot run implementation '%s' in this build\n", o.child_impl.c_str());
        return 2;
    }
    event_writer out(o.result_fd);
    std::unique_ptr<cpu_pinning> pins;
    if (o.pin) pins = std::make_unique<cpu_pinning>();
    out.emit(json::object{{"event", "ready"}});
    int status = 0;
    for (const workload_config& cfg : plan_configs(o)) {
        if (!impl->runs(cfg.workload)) continue;
        for (int threads : plan_threads(o, impl->single_thread)) {
            out.emit(json::object{{"event", "begin"}, {"workload", cfg.workload}, {"label", cfg.label()}, {"threads", threads}});
            json::value run = execute(*impl, cfg, threads, o, pins.get());
            if (const json::value* e = run.find("error")) {
                std::fprintf(stderr, "hytm-bench: FAILED %s on %s with %d threads: %s\n", impl->name.c_str(), cfg.label().c_str(), threads,
                             e->as_string().c_str());
                status = 1;
            }
            json::object event{{"event", "run"}};
            for (auto& member : run.as_object()) event.push_back(std::move(member));
            out.emit(json::value(std::move(event)));
        }
    }
    return status;
}

}  // namespace hytm_bench
