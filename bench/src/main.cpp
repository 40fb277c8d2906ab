// hytm-bench: the benchmark driver (see usage() in options.cpp, and docs/benchmarks.md).
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "catalog.hpp"
#include "model_check.hpp"
#include "options.hpp"
#include "parent.hpp"
#include "plots.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "spawn.hpp"

using namespace hytm_bench;

namespace {

void print_list() {
    std::printf("workloads (parameters with defaults):\n");
    for (const auto& w : workloads()) {
        std::string ps;
        for (const auto& [k, v] : w.defaults) ps += " " + k + "=" + std::to_string(v);
        std::printf("  %-10s %s\n  %-10s  %s\n", w.name.c_str(), w.description.c_str(), "", ps.empty() ? " (none)" : ps.c_str());
    }
    std::printf("\nimplementations:\n");
    for (const auto& i : implementations()) {
        std::printf("  %-12s %s%s\n", i.name.c_str(), i.description.c_str(), i.factory ? "" : ("  [not built: " + i.why_missing + "]").c_str());
    }
}

int run_report(const options& o) {
    if (o.callgrind && !in_path("valgrind")) {
        std::fprintf(stderr, "hytm-bench: --callgrind needs valgrind in PATH\n");
        return 2;
    }
    outcome r = run_all(o);
    if (o.callgrind) print_callgrind_tables(o, r);
    else print_tables(o, r);
    for (const auto& [impl, why] : r.unavailable) std::printf("unavailable: %s (%s)\n", impl.c_str(), why.c_str());

    if (std::string path = o.json_file(); !path.empty()) {
        write_file(path, report_json(o, r).dump(2) + "\n");
        std::printf("json: %s\n", path.c_str());
    }
    if (std::string path = o.csv_file(); !path.empty()) {
        write_csv(path, r);
        std::printf("csv: %s\n", path.c_str());
    }
    if (std::string dir = o.plots_directory(); !dir.empty() && !o.callgrind) std::printf("%s\n", draw_plots(dir, o, r).c_str());
    std::printf("wall time: %.1f s\n", r.wall_seconds);

    if (!r.failures.empty()) {
        std::fprintf(stderr, "\nhytm-bench: %zu run(s) FAILED:\n", r.failures.size());
        for (const auto& f : r.failures) std::fprintf(stderr, "  %s\n", f.c_str());
        return 1;
    }
    return 0;
}

}  // namespace

namespace hytm_bench {
[[noreturn]] void out_of_memory() {
    std::fputs("hytm-bench: out of memory\n", stderr);
    std::abort();
}
}  // namespace hytm_bench

int main(int argc, char** argv) {
    try {
        options o = parse_options(argc, argv);
        if (o.help) {
            std::fputs(usage().c_str(), stdout);
            return 0;
        }
        if (o.list) {
            print_list();
            return 0;
        }
        if (!o.child_impl.empty() && o.capacity_probe) return capacity_child_main(o);
        if (!o.child_impl.empty()) return child_main(o);
        if (o.model_check) return model_check_main(o);
        return run_report(o);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "hytm-bench: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hytm-bench: %s\n", e.what());
        return 1;
    }
}
