// hytm-micro: what one transaction costs on each hytm path, with Google Benchmark.
//
//   <path>/empty         begin + commit of a transaction that touches nothing
//   <path>/load          ... that loads one word
//   <path>/store         ... that stores one word
//   <path>/load16        ... that loads 16 words (subtract `load` for the per-load cost)
//   <path>/store16       ... that stores 16 words
//   <path>/stats_json    hytm::stats_json() after the above (statistics are cheap to read?)
//   baseline/mutex       std::mutex lock + increment + unlock, for scale
//
// hytm reads its path configuration once per process, so without HYTM_MICRO_PATH this program
// re-executes itself once per configuration (auto, stm, serial, emu), passing its arguments on;
// "--benchmark_out=F" becomes F.<path> in each child. With HYTM_MICRO_PATH=<name> it runs that
// configuration alone, taking HYTM_HTM/HYTM_STM from the environment as they are.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unistd.h>
#include <string>
#include <utility>
#include <vector>

#include <hytm/hytm.hpp>

#include "../src/spawn.hpp"

namespace {

// Shared data on its own cache lines; `sink` keeps results observable.
struct alignas(64) shared_words {
    long w[16] = {};
};
shared_words data;

void empty(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(hytm::atomic([](auto&) { return 0; }));
}

void load(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(hytm::atomic([](auto& tx) { return tx.load(data.w[0]); }));
}

void store(benchmark::State& state) {
    long i = 0;
    for (auto _ : state) {
        hytm::atomic([&](auto& tx) {
            tx.store(data.w[0], i);
            return 0;
        });
        ++i;
    }
}

void load16(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(hytm::atomic([](auto& tx) {
            long sum = 0;
            for (long& w : data.w) sum += tx.load(w);
            return sum;
        }));
    }
}

void store16(benchmark::State& state) {
    long i = 0;
    for (auto _ : state) {
        hytm::atomic([&](auto& tx) {
            for (long& w : data.w) tx.store(w, i);
            return 0;
        });
        ++i;
    }
}

void stats_json(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(hytm::stats_json());
}

void mutex_increment(benchmark::State& state) {
    std::mutex m;
    long x = 0;
    for (auto _ : state) {
        std::lock_guard lock(m);
        benchmark::DoNotOptimize(++x);
    }
}

struct path_config {
    const char* name;
    std::vector<std::pair<std::string, std::string>> env;
};

const std::vector<path_config>& configurations() {
    static const std::vector<path_config> c = {
        {"auto", {{"HYTM_HTM", "auto"}}},
        {"stm", {{"HYTM_HTM", "off"}}},
        {"serial", {{"HYTM_HTM", "off"}, {"HYTM_STM", "off"}}},
        {"emu", {{"HYTM_HTM", "emulate"}}},
    };
    return c;
}

int run_children(int argc, char** argv) {
    int status = 0;
    for (const path_config& c : configurations()) {
        std::vector<std::string> args = {hytm_bench::self_executable()};
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            if (a.rfind("--benchmark_out=", 0) == 0) a += std::string(".") + c.name;
            args.push_back(a);
        }
        auto env = c.env;
        env.emplace_back("HYTM_MICRO_PATH", c.name);
        std::fflush(stdout);
        hytm_bench::child_process child =
            hytm_bench::spawn_child(args, hytm_bench::child_environment({"HYTM_HTM", "HYTM_STM", "HYTM_MICRO_PATH"}, env));
        close(child.events_fd);
        if (auto end = hytm_bench::wait_child(child.pid)) {
            // An engine without the RTM model refuses HYTM_HTM=emulate at start-up: not an error here.
            std::fprintf(stderr, "hytm-micro: path '%s' %s\n", c.name, end->c_str());
            if (std::string(c.name) != "emu") status = 1;
        }
    }
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    const char* path = std::getenv("HYTM_MICRO_PATH");
    if (path == nullptr) return run_children(argc, argv);
    std::string p = path;
    benchmark::RegisterBenchmark((p + "/empty").c_str(), empty);
    benchmark::RegisterBenchmark((p + "/load").c_str(), load);
    benchmark::RegisterBenchmark((p + "/store").c_str(), store);
    benchmark::RegisterBenchmark((p + "/load16").c_str(), load16);
    benchmark::RegisterBenchmark((p + "/store16").c_str(), store16);
    benchmark::RegisterBenchmark((p + "/stats_json").c_str(), stats_json);
    if (p == "auto") benchmark::RegisterBenchmark("baseline/mutex", mutex_increment);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
