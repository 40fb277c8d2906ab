#include "model_check.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>

#include "catalog.hpp"
#include "json.hpp"
#include "parent.hpp"
#include "pinning.hpp"
#include "plots.hpp"
#include "report.hpp"
#include "rtm.hpp"
#include "tm_pure.hpp"
#include "spawn.hpp"

namespace hytm_bench {
namespace {

// Causes as the engine counts them (paths.htm.aborts); debug and nested go under "other".
const char* const causes[] = {"conflict", "capacity", "explicit", "other"};

struct htm_outcome {
    double starts = 0;
    double commits = 0;
    std::map<std::string, double> aborts;  // cause -> count
};

std::optional<htm_outcome> htm_of(const json& run) {
    const json* stats = member(run, "stats");
    const json* paths = stats ? member(*stats, "paths") : nullptr;
    const json* htm = paths ? member(*paths, "htm") : nullptr;
    if (htm == nullptr || !htm->is_object()) return std::nullopt;
    htm_outcome h;
    h.commits = number_or(*htm, "commits", 0);
    double aborts = 0;
    if (const json* a = member(*htm, "aborts"); a && a->is_object()) {
        for (const auto& [cause, n] : a->items()) {
            // RTM's "retry" bit is a hint beside a primary cause, not a cause of its own.
            if (cause == "retry" || !n.is_number()) continue;
            std::string c = cause == "debug" || cause == "nested" ? "other" : cause;
            h.aborts[c] += n.get<double>();
            aborts += n.get<double>();
        }
    }
    h.starts = number_or(*htm, "starts", h.commits + aborts);
    return h;
}

std::string pct(double n, double of) {
    if (!(of > 0)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", 100.0 * n / of);
    return buf;
}

std::string diff_text(double cpu_n, double cpu_of, double model_n, double model_of) {
    if (!(cpu_of > 0) || !(model_of > 0)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.2f", 100.0 * model_n / model_of - 100.0 * cpu_n / cpu_of);
    return buf;
}

std::string pad(std::string s, std::size_t width, bool right) {
    if (s.size() >= width) return s + " ";
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

// The sizes of the capacity curve for an L1 of `lines` lines in sets of `ways`: the consecutive
// curve goes in steps of 1/16 of the L1 up to 3/4, then in steps of 1/32 to 9/8 (where real
// cores lose their write sets); the one-set curve from 1 to ways + 4 lines.
std::vector<int> consecutive_sizes(int lines) {
    std::vector<int> v;
    for (int k = 1; k <= 12; ++k) v.push_back(std::max(1, lines * k / 16));
    for (int k = 25; k <= 36; ++k) v.push_back(lines * k / 32);
    return v;
}
std::vector<int> one_set_sizes(int ways) {
    std::vector<int> v;
    for (int n = 1; n <= ways + 4; ++n) v.push_back(n);
    return v;
}

struct geometry {
    long size = 0;
    int ways = 0;
    int lines() const { return static_cast<int>(size / 64); }
    std::size_t set_stride() const { return static_cast<std::size_t>(size / ways); }  // bytes between lines of one set
};

char* line_buffer(int lines, std::size_t stride) {
    const std::size_t bytes = (static_cast<std::size_t>(lines) * stride + 4095) / 4096 * 4096;
    auto* buf = static_cast<char*>(std::aligned_alloc(4096, bytes));
    if (buf == nullptr) out_of_memory();
    std::memset(buf, 0, bytes);  // every page mapped before the first transaction
    return buf;
}

// kind -> lines -> (starts, commits)
using capacity_table = std::map<std::string, std::map<int, std::pair<double, double>>>;

const char* const kind_consecutive = "consecutive";
const char* const kind_one_set = "one_set";

}  // namespace

int capacity_child_main(const options& o) {
#if HYTM_BENCH_HAVE_HYTM
    std::FILE* out = o.result_fd >= 0 ? fdopen(o.result_fd, "w") : stdout;
    auto emit = [&](const json& v) {
        std::string line = v.dump() + "\n";
        std::fwrite(line.data(), 1, line.size(), out);
        std::fflush(out);
    };
    json stats = json::parse(hytm_stats_json());
    const json* machine = member(stats, "machine");
    const json* model = machine ? member(*machine, "model") : nullptr;
    if (model == nullptr) {
        std::fprintf(stderr, "hytm-bench: the capacity probe needs HYTM_HTM=emulate (no model in the statistics)\n");
        return 2;
    }
    geometry g{static_cast<long>(number_or(*model, "l1_size", 0)), static_cast<int>(number_or(*model, "l1_ways", 0))};
    if (g.size <= 0 || g.ways <= 0) throw std::runtime_error("the model reports no L1 geometry");
    emit(json{{"event", "ready"}, {"l1_size", g.size}, {"l1_ways", g.ways}});
    // Each point at a site of its own, so that what the policy learnt at one size (a site that
    // overflows is tried in hardware less often) does not carry over to the next.
    static std::deque<std::string> site_names;
    const int trials = 40;
    for (const char* kind : {kind_consecutive, kind_one_set}) {
        bool one_set = std::string(kind) == kind_one_set;
        std::size_t stride = one_set ? g.set_stride() : 64;
        for (int n : one_set ? one_set_sizes(g.ways) : consecutive_sizes(g.lines())) {
            char* buf = line_buffer(n, stride);
            site_names.push_back(std::string("capacity.") + kind + "." + std::to_string(n));
            hytm_reset_stats();
            hytm_write_lines(site_names.back().c_str(), buf, n, stride, trials);
            json s = json::parse(hytm_stats_json());
            std::free(buf);
            json run = json{{"stats", s}};
            std::optional<htm_outcome> h = htm_of(run);
            emit(json{{"event", "capacity"}, {"kind", kind}, {"lines", n}, {"starts", h ? h->starts : 0.0}, {"commits", h ? h->commits : 0.0}});
        }
    }
    return 0;
#else
    (void)o;
    std::fprintf(stderr, "hytm-bench: built without the hytm engine\n");
    return 2;
#endif
}

int model_check_main(const options& o) {
    if (o.callgrind) throw std::invalid_argument("--model-check: does not combine with --callgrind");
    const bool real = rtm::usable();
    cpu_pinning topo;
    std::printf("Model check: hytm's hardware path on real RTM (HYTM_HTM=force) and on the RTM model (HYTM_HTM=emulate),\n"
                "same workloads, threads and duration. CPU: %s.\n",
                topo.cpu_model().empty() ? "unknown" : topo.cpu_model().c_str());
    if (!real) {
        std::printf("no usable RTM on this CPU: model only (%s)\n",
                    rtm::cpu_has_rtm() ? "CPUID shows RTM, but no region committed" : "CPUID.7.0:EBX[11] clear, or RTM_ALWAYS_ABORT");
    }
    std::printf("\n");
    std::fflush(stdout);

    // The workloads.
    options w = o;
    w.impls = real ? std::vector<std::string>{"hytm-rtm", "hytm-emu"} : std::vector<std::string>{"hytm-emu"};
    outcome r = run_all(w);
    for (const auto& [impl, why] : r.unavailable) std::printf("unavailable: %s (%s)\n", impl.c_str(), why.c_str());

    auto find = [&](const std::string& label, const std::string& impl, int threads) -> const json* {
        for (const auto& run : r.runs)
            if (string_or_empty(run, "label") == label && string_or_empty(run, "impl") == impl &&
                static_cast<int>(number_or(run, "threads", 0)) == threads)
                return &run;
        return nullptr;
    };
    std::vector<std::string> labels;
    std::set<std::string> seen;
    for (const auto& run : r.runs)
        if (seen.insert(string_or_empty(run, "label")).second) labels.push_back(string_or_empty(run, "label"));

    std::printf("Hardware starts, and the %% of them that committed and that aborted by cause (cpu: real RTM; model: the\n"
                "RTM model; diff: model - cpu, in points; -: not measured)\n\n");
    json rows = json::array();
    for (const auto& label : labels) {
        for (int t : thread_counts(r)) {
            const json* cpu_run = find(label, "hytm-rtm", t);
            const json* model_run = find(label, "hytm-emu", t);
            if (cpu_run == nullptr && model_run == nullptr) continue;
            std::optional<htm_outcome> c = cpu_run && !member(*cpu_run, "error") ? htm_of(*cpu_run) : std::nullopt;
            std::optional<htm_outcome> m = model_run && !member(*model_run, "error") ? htm_of(*model_run) : std::nullopt;
            htm_outcome cz = c.value_or(htm_outcome{}), mz = m.value_or(htm_outcome{});
            std::printf("%s\n", (pad(label + " @ " + std::to_string(t) + " thr", 52, false) + pad("cpu", 12, true) + pad("model", 12, true) +
                                 pad("diff", 10, true)).c_str());
            auto count = [](const std::optional<htm_outcome>& h) { return h ? format_rate(h->starts) : std::string("-"); };
            std::printf("%s\n", (pad("  starts", 52, false) + pad(count(c), 12, true) + pad(count(m), 12, true) + pad("", 10, true)).c_str());
            std::printf("%s\n", (pad("  commit %", 52, false) + pad(pct(cz.commits, cz.starts), 12, true) + pad(pct(mz.commits, mz.starts), 12, true) +
                                 pad(diff_text(cz.commits, cz.starts, mz.commits, mz.starts), 10, true)).c_str());
            json row{{"label", label}, {"threads", t}};
            json cpu_j{{"starts", cz.starts}, {"commits", cz.commits}}, model_j{{"starts", mz.starts}, {"commits", mz.commits}};
            for (const char* cause : causes) {
                double cn = cz.aborts[cause], mn = mz.aborts[cause];
                std::printf("%s\n", (pad(std::string("  abort ") + cause + " %", 52, false) + pad(pct(cn, cz.starts), 12, true) +
                                     pad(pct(mn, mz.starts), 12, true) + pad(diff_text(cn, cz.starts, mn, mz.starts), 10, true)).c_str());
                cpu_j[cause] = cn;
                model_j[cause] = mn;
            }
            std::printf("\n");
            row["cpu"] = c ? std::move(cpu_j) : json();
            row["model"] = m ? std::move(model_j) : json();
            rows.push_back(std::move(row));
        }
    }

    // The capacity curves: the model's from its child, the CPU's here.
    capacity_table model_curve, cpu_curve;
    geometry model_g;
    std::string model_failure;
    {
        std::vector<std::string> argv = {self_executable(), "--child", "hytm-emu", "--capacity-probe", "--result-fd", "3"};
        const impl_info* emu = find_impl("hytm-emu");
        child_process child = spawn_child(argv, child_environment(path_variables(), emu->env));
        std::FILE* events = fdopen(child.events_fd, "r");
        char* line = nullptr;
        std::size_t cap = 0;
        while (getline(&line, &cap, events) > 0) {
            json ev = json::parse(line);
            const std::string& kind = string_or_empty(ev, "event");
            if (kind == "ready") {
                model_g = {static_cast<long>(number_or(ev, "l1_size", 0)), static_cast<int>(number_or(ev, "l1_ways", 0))};
            } else if (kind == "capacity") {
                model_curve[string_or_empty(ev, "kind")][static_cast<int>(number_or(ev, "lines", 0))] = {number_or(ev, "starts", 0), number_or(ev, "commits", 0)};
            }
        }
        std::free(line);
        std::fclose(events);
        if (std::optional<std::string> end = wait_child(child.pid)) model_failure = "the model's capacity probe " + *end;
    }
    geometry cpu_g{topo.l1d_size(), topo.l1d_ways()};
    if (cpu_g.size <= 0 || cpu_g.ways <= 0) cpu_g = model_g.size > 0 ? model_g : geometry{32768, 8};
    const int cpu_trials = 200;
    if (real) {
        for (int n : consecutive_sizes(cpu_g.lines())) {
            rtm::capacity_point p = rtm::capacity_probe(n, 64, cpu_trials);
            cpu_curve[kind_consecutive][n] = {p.trials, p.commits};
        }
        for (int n : one_set_sizes(cpu_g.ways)) {
            rtm::capacity_point p = rtm::capacity_probe(n, cpu_g.set_stride(), cpu_trials);
            cpu_curve[kind_one_set][n] = {p.trials, p.commits};
        }
    }
    std::printf("Capacity: %% of hardware starts that commit, against the lines written (cpu: a plain RTM region that stores one\n"
                "byte per line, %d tries, L1d %ldK:%d from hwloc; model: hytm's hardware path under HYTM_HTM=emulate, 40\n"
                "transactions, L1 %ldK:%d, its protocol's own lines counted too)\n",
                cpu_trials, cpu_g.size / 1024, cpu_g.ways, model_g.size / 1024, model_g.ways);
    if (!model_failure.empty()) std::printf("%s\n", model_failure.c_str());
    json capacity = json::object();
    std::vector<std::string> plot_lines;
    for (const char* kind : {kind_consecutive, kind_one_set}) {
        bool one_set = std::string(kind) == kind_one_set;
        std::printf("\n%s\n", (pad(one_set ? "lines in one L1 set" : "consecutive lines", 24, false) + pad("cpu", 10, true) + pad("model", 10, true) +
                               pad("diff", 10, true)).c_str());
        std::set<int> sizes;
        for (const auto& [n, v] : cpu_curve[kind]) sizes.insert(n);
        for (const auto& [n, v] : model_curve[kind]) sizes.insert(n);
        curve cc{"cpu (plain RTM)", {}}, mc{"model (HYTM_HTM=emulate)", {}};
        json points = json::array();
        for (int n : sizes) {
            auto ci = cpu_curve[kind].find(n), mi = model_curve[kind].find(n);
            double cs = ci != cpu_curve[kind].end() ? ci->second.first : 0, ck = ci != cpu_curve[kind].end() ? ci->second.second : 0;
            double ms = mi != model_curve[kind].end() ? mi->second.first : 0, mk = mi != model_curve[kind].end() ? mi->second.second : 0;
            std::printf("%s\n", (pad("  " + std::to_string(n), 24, false) + pad(pct(ck, cs), 10, true) + pad(pct(mk, ms), 10, true) +
                                 pad(diff_text(ck, cs, mk, ms), 10, true)).c_str());
            if (cs > 0) cc.points.emplace_back(n, 100.0 * ck / cs);
            if (ms > 0) mc.points.emplace_back(n, 100.0 * mk / ms);
            points.push_back(json{{"lines", n}, {"cpu_starts", cs}, {"cpu_commits", ck}, {"model_starts", ms}, {"model_commits", mk}});
        }
        capacity[kind] = std::move(points);
        if (std::string dir = o.plots_directory(); !dir.empty()) {
            std::vector<curve> curves;
            if (!cc.points.empty()) curves.push_back(cc);
            curves.push_back(mc);
            plot_lines.push_back(line_plot(dir, std::string("model-check-capacity-") + (one_set ? "one-set" : "consecutive"),
                                           one_set ? "Commits against lines written in one L1 set" : "Commits against consecutive lines written",
                                           one_set ? "lines written in one L1 set" : "consecutive lines written", "% of hardware starts that commit", curves));
        }
    }
    std::printf("\n");
    for (const auto& l : plot_lines) std::printf("%s\n", l.c_str());

    if (std::string path = o.json_path ? *o.json_path : o.out_dir.empty() ? "" : o.out_dir + "/model-check.json"; !path.empty()) {
        std::string command;
        for (const auto& a : o.argv) command += (command.empty() ? "" : " ") + a;
        json doc = json{{"tool", "hytm-bench --model-check"},
                                       {"command", command},
                                       {"cpu", topo.cpu_model()},
                                       {"real_rtm", real},
                                       {"workloads", json(std::move(rows))},
                                       {"capacity", json(std::move(capacity))},
                                       {"failures", r.failures}};
        write_file(path, doc.dump(2) + "\n");
        std::printf("json: %s\n", path.c_str());
    }
    if (!r.failures.empty() || !model_failure.empty()) {
        std::fprintf(stderr, "\nhytm-bench: %zu run(s) FAILED:\n", r.failures.size() + (model_failure.empty() ? 0 : 1));
        for (const auto& f : r.failures) std::fprintf(stderr, "  %s\n", f.c_str());
        if (!model_failure.empty()) std::fprintf(stderr, "  %s\n", model_failure.c_str());
        return 1;
    }
    return 0;
}

}  // namespace hytm_bench
