#include "runner.hpp"

#include <valgrind/callgrind.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <latch>
#include <limits>
#include <thread>

#include "catalog.hpp"
#include "json.hpp"
#include "pinning.hpp"
#include "rtm.hpp"

namespace hytm_bench {
namespace {

class event_writer {
  public:
    explicit event_writer(int fd) : out_(fd >= 0 ? fdopen(fd, "w") : stdout) {}
    void emit(const json& v) {
        std::string line = v.dump() + "\n";
        std::fwrite(line.data(), 1, line.size(), out_);
        std::fflush(out_);  // the parent's progress display follows these lines
    }

  private:
    std::FILE* out_;
};

json params_json(const params& p) {
    json o = json::object();
    for (const auto& [k, v] : p) o[k] = v;
    return o;
}

// One run: prepare, start all workers at once, stop them, check, collect statistics. A timed run
// stops after o.duration; a counted one (callgrind_dump non-empty) after op_budget operations per
// thread, with callgrind collecting only the workers' loops and dumping under that name.
json execute(const impl_info& impl, const workload_config& cfg, int threads, const options& o, const cpu_pinning* pins,
                    std::uint64_t op_budget, const std::string& callgrind_dump) {
    const bool counted = !callgrind_dump.empty();
    json run{{"workload", cfg.workload}, {"params", params_json(cfg.p)}, {"label", cfg.label()},
                     {"impl", impl.name}, {"threads", threads}};
    std::string error;
    std::unique_ptr<workload_run> w = impl.factory(cfg);
    if (!w) error = impl.name + " does not implement " + cfg.workload;

    double seconds = 0;
    std::uint64_t total = 0;
    json per_thread = json::array(), cpus = json::array();
    json stats, elision;
    if (w) {
        w->prepare(threads);
        run_control ctl(op_budget);
        std::vector<std::uint64_t> ops(static_cast<std::size_t>(threads), 0);
        std::vector<int> cpu(static_cast<std::size_t>(threads), -1);
        std::vector<std::string> thrown(static_cast<std::size_t>(threads));
        std::latch parked(threads);
        std::latch running(threads);
        std::atomic<bool> go{false};
#if HYTM_BENCH_HAVE_HYTM
        if (impl.hytm) hytm_reset_stats();
#endif
        if (impl.elides) rtm::elision().reset();
        std::vector<std::thread> workers;
        for (int i = 0; i < threads; ++i) {
            workers.emplace_back([&, i] {
                auto k = static_cast<std::size_t>(i);
                if (pins != nullptr) cpu[k] = pins->pin_this_thread(i);
                parked.count_down();
                // A blocking wait, not a spin: under valgrind a spinning thread would be counted.
                go.wait(false, std::memory_order_acquire);
                running.count_down();
                // callgrind's collection switch is per thread: the worker flips its own.
                if (counted) CALLGRIND_TOGGLE_COLLECT;
                try {
                    ops[k] = w->run_thread(i, ctl);
                } catch (const std::exception& e) {
                    thrown[k] = e.what();
                }
                if (counted) CALLGRIND_TOGGLE_COLLECT;
            });
        }
        parked.wait();
        if (counted) CALLGRIND_ZERO_STATS;
        auto t0 = std::chrono::steady_clock::now();
        go.store(true, std::memory_order_release);
        go.notify_all();
        if (!counted) {
            // The interval starts for real once every worker runs (a loaded machine may take a
            // while to schedule them); the measured time includes that wait.
            running.wait();
            std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
            ctl.stop();
        }
        for (auto& t : workers) t.join();
        auto t1 = std::chrono::steady_clock::now();
        if (counted) CALLGRIND_DUMP_STATS_AT(callgrind_dump.c_str());
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
            } catch (const json::exception& e) {
                if (error.empty()) error = std::string("hytm::stats_json() is not valid JSON: ") + e.what();
            }
        }
#endif
        if (error.empty()) error = w->check();
        if (impl.elides) {
            rtm::elision_counts c = rtm::elision().total();
            elision = json{{"sections", c.sections}, {"hardware", c.hardware}, {"cpu_rtm", rtm::cpu_has_rtm()}};
        }
    }
    run["seconds"] = seconds;
    run["ops"] = total;
    run["throughput"] = seconds > 0 ? static_cast<double>(total) / seconds : 0.0;
    run["stats"] = std::move(stats);
    run["ops_per_thread"] = std::move(per_thread);
    run["cpus"] = std::move(cpus);
    if (!elision.is_null()) run["elision"] = std::move(elision);
    // Only itm-default's child should have it (catalog.cpp); the report shows who ran with it.
    if (const char* now = std::getenv("LD_BIND_NOW"); now != nullptr && *now != '\0') run["ld_bind_now"] = true;
    if (!error.empty()) run["error"] = error;
    return run;
}

}  // namespace

std::string callgrind_name(const std::string& impl, const std::string& label) { return impl + "|" + label; }

int child_main(const options& o) {
    const impl_info* impl = find_impl(o.child_impl);
    if (impl == nullptr || impl->factory == nullptr) {
        std::fprintf(stderr, "hytm-bench: cannot run implementation '%s' in this build\n", o.child_impl.c_str());
        return 2;
    }
    event_writer out(o.result_fd);
    std::unique_ptr<cpu_pinning> pins;
    if (o.pin) pins = std::make_unique<cpu_pinning>();
    out.emit(json{{"event", "ready"}});
    int status = 0;
    for (const workload_config& cfg : plan_configs(o)) {
        if (!impl->runs(cfg.workload)) continue;
        for (int threads : plan_threads(o, impl->single_thread)) {
            out.emit(json{{"event", "begin"}, {"workload", cfg.workload}, {"label", cfg.label()}, {"threads", threads}});
            json run;
            if (o.counted) {
                // Two runs, of n and 2n operations: the difference of their counts is the cost of
                // n operations, with every fixed cost (first transaction of a thread, first touch
                // of the data, thread start and end) cancelled out.
                std::uint64_t weight = static_cast<std::uint64_t>(find_workload(cfg.workload)->op_weight);
                std::uint64_t n = std::max<std::uint64_t>(1, o.callgrind_ops / weight);
                std::string name = callgrind_name(impl->name, cfg.label());
                json first = execute(*impl, cfg, threads, o, pins.get(), n, name + "|1");
                run = execute(*impl, cfg, threads, o, pins.get(), 2 * n, name + "|2");
                run["counted_ops"] = json::array({number_or(first, "ops", 0), number_or(run, "ops", 0)});
                if (const json* e = member(first, "error"); e && !member(run, "error")) run["error"] = *e;
            } else {
                run = execute(*impl, cfg, threads, o, pins.get(), std::numeric_limits<std::uint64_t>::max(), {});
            }
            if (const json* e = member(run, "error")) {
                std::fprintf(stderr, "hytm-bench: FAILED %s on %s with %d threads: %s\n", impl->name.c_str(), cfg.label().c_str(), threads,
                             e->get<std::string>().c_str());
                status = 1;
            }
            json event{{"event", "run"}};
            for (auto& [key, value] : run.items()) event[key] = std::move(value);
            out.emit(event);
        }
    }
    return status;
}

}  // namespace hytm_bench
