#include "options.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "catalog.hpp"

namespace hytm_bench {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, sep);)
        if (!item.empty()) out.push_back(item);
    return out;
}

long to_long(const std::string& flag, const std::string& s) {
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') throw std::invalid_argument(flag + ": '" + s + "' is not an integer");
    return v;
}

// "all" or a comma list of catalogue names; the result keeps the catalogue's order.
template <class Catalogue>
std::vector<std::string> select(const std::string& flag, const std::string& arg, const Catalogue& catalogue) {
    std::set<std::string> wanted;
    for (const auto& n : split(arg, ',')) {
        if (n == "all") {
            for (const auto& c : catalogue) wanted.insert(c.name);
            continue;
        }
        bool known = std::any_of(catalogue.begin(), catalogue.end(), [&](const auto& c) { return c.name == n; });
        if (!known) throw std::invalid_argument(flag + ": unknown name '" + n + "' (see --list)");
        wanted.insert(n);
    }
    std::vector<std::string> out;
    for (const auto& c : catalogue)
        if (wanted.count(c.name)) out.push_back(c.name);
    if (out.empty()) throw std::invalid_argument(flag + ": nothing selected");
    return out;
}

std::vector<int> default_threads() {
    int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<int> t;
    for (int n = 1; n < cpus; n *= 2) t.push_back(n);
    t.push_back(cpus);
    return t;
}

}  // namespace

std::string options::json_file() const { return json_path ? *json_path : out_dir.empty() ? "" : out_dir + "/results.json"; }
std::string options::csv_file() const { return csv_path ? *csv_path : out_dir.empty() ? "" : out_dir + "/results.csv"; }
std::string options::plots_directory() const { return plots_dir ? *plots_dir : out_dir.empty() ? "" : out_dir + "/plots"; }

options parse_options(int argc, char** argv) {
    options o;
    o.argv.assign(argv, argv + argc);
    std::string workload_arg = "all", impl_arg = "all";
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        std::optional<std::string> inline_value;
        // Both "--flag value" and "--flag=value".
        if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            inline_value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
        }
        auto arg = [&]() -> std::string {
            if (inline_value) return *inline_value;
            if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
            return argv[++i];
        };
        if (flag == "--help" || flag == "-h") o.help = true;
        else if (flag == "--list") o.list = true;
        else if (flag == "--workloads" || flag == "-w") workload_arg = arg();
        else if (flag == "--impls" || flag == "-i") impl_arg = arg();
        else if (flag == "--threads" || flag == "-t") {
            for (const auto& t : split(arg(), ',')) {
                long n = to_long(flag, t);
                if (n < 1 || n > 1024) throw std::invalid_argument(flag + ": thread counts run from 1 to 1024");
                o.threads.push_back(static_cast<int>(n));
            }
        } else if (flag == "--duration" || flag == "-d") {
            std::string s = arg();
            char* end = nullptr;
            o.duration = std::strtod(s.c_str(), &end);
            if (*end != '\0' || !(o.duration > 0)) throw std::invalid_argument(flag + ": '" + s + "' is not a positive number of seconds");
        } else if (flag == "--update" || flag == "-u") {
            for (const auto& u : split(arg(), ',')) {
                long pct = to_long(flag, u);
                if (pct < 0 || pct > 100) throw std::invalid_argument(flag + ": an update rate is a percentage");
                o.updates.push_back(pct);
            }
        } else if (flag == "--size" || flag == "-s") {
            o.size = to_long(flag, arg());
            if (*o.size < 1) throw std::invalid_argument(flag + ": sizes are positive");
        } else if (flag == "--param") {
            std::string kv = arg();
            auto eq = kv.find('=');
            if (eq == std::string::npos) throw std::invalid_argument(flag + ": expected key=value");
            o.overrides[kv.substr(0, eq)] = to_long(flag, kv.substr(eq + 1));
        } else if (flag == "--out") o.out_dir = arg();
        else if (flag == "--json") o.json_path = arg();
        else if (flag == "--csv") o.csv_path = arg();
        else if (flag == "--plots") o.plots_dir = arg();
        else if (flag == "--no-pin") o.pin = false;
        else if (flag == "--callgrind") o.callgrind = true;
        else if (flag == "--callgrind-ops") {
            long n = to_long(flag, arg());
            if (n < 1) throw std::invalid_argument(flag + ": a positive count");
            o.callgrind_ops = static_cast<std::uint64_t>(n);
        } else if (flag == "--child") o.child_impl = arg();
        else if (flag == "--result-fd") o.result_fd = static_cast<int>(to_long(flag, arg()));
        else if (flag == "--counted") o.counted = true;
        else if (flag == "--model-check") o.model_check = true;
        else if (flag == "--capacity-probe") o.capacity_probe = true;
        else throw std::invalid_argument("unknown option '" + flag + "' (see --help)");
    }
    o.workloads = select("--workloads", workload_arg, workloads());
    o.impls = select("--impls", impl_arg, implementations());
    if (o.threads.empty()) o.threads = default_threads();
    for (const auto& [key, v] : o.overrides) {
        bool used = std::any_of(o.workloads.begin(), o.workloads.end(), [&](const std::string& w) { return find_workload(w)->defaults.count(key) != 0; });
        if (!used) throw std::invalid_argument("--param: no selected workload has a parameter '" + key + "'");
    }
    return o;
}

std::vector<workload_config> plan_configs(const options& o) {
    std::vector<workload_config> out;
    for (const auto& name : o.workloads) {
        const workload_info& w = *find_workload(name);
        workload_config base{name, w.defaults};
        for (const auto& [key, v] : o.overrides)
            if (base.p.count(key)) base.p[key] = v;
        if (o.size && base.p.count("size")) base.p["size"] = *o.size;
        if (!base.p.count("update")) {
            out.push_back(base);
            continue;
        }
        for (long u : o.updates.empty() ? w.default_updates : o.updates) {
            workload_config c = base;
            c.p["update"] = u;
            out.push_back(c);
        }
    }
    return out;
}

std::vector<int> plan_threads(const options& o, bool single_thread) {
    if (single_thread || o.callgrind || o.counted) return {1};
    return o.threads;
}

std::string usage() {
    return R"(hytm-bench: hytm against sequential code, locks, TBB and GCC libitm, on one machine.

usage: hytm-bench [options]

With no options, runs every workload on every implementation at 1, 2, 4, ... up to the number of
CPUs threads, prints a table, and writes hytm-bench-out/{results.json,results.csv,plots/}.

  -w, --workloads a,b   workloads to run (default all; see --list)
  -i, --impls a,b       implementations to run (default all; see --list)
  -t, --threads 1,2     thread counts (seq always runs at 1)
  -d, --duration S      seconds per run (default 0.2)
  -u, --update P,Q      update percentages for the integer sets and bank (default: 0,20,100 for
                        the sets, 98 for bank)
  -s, --size N          size of every selected workload (keys, accounts, relations, points, grid side)
      --param K=V       set any other workload parameter (see --list), e.g. --param clusters=40
      --out DIR         where results go by default (default hytm-bench-out; "" for nowhere)
      --json PATH       the report as JSON (default DIR/results.json)
      --csv PATH        the runs as CSV (default DIR/results.csv)
      --plots DIR       SVG plots drawn with gnuplot (default DIR/plots)
      --no-pin          do not pin worker threads to cores
      --callgrind       instead of timing: instructions per operation on one thread, under
                        valgrind --tool=callgrind, and the ratio to seq (several minutes)
      --callgrind-ops N the operations those counts are taken over (default 4000; maze 1/60 of it)
      --model-check     hold the RTM model against the CPU: each selected workload on hytm's hardware
                        path on real RTM and on the model (HYTM_HTM=emulate), the share of hardware
                        starts that commit and that abort by cause side by side, and the capacity
                        curve of each (plots: DIR/plots/model-check-*.svg); where RTM does not
                        commit, the model alone
      --list            print the workloads, their parameters and the implementations
  -h, --help            this text

Every run checks its result (set contents, bank total, ...) and a wrong result fails the whole
command with exit status 1. An implementation that cannot start (hytm-emu on an engine without
the RTM model) is reported as unavailable and skipped.
)";
}

}  // namespace hytm_bench
