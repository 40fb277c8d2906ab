#include "options.hpp"

#include <CLI/CLI.hpp>

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

    // CLI11 reads the command line ("--flag value" and "--flag=value", short flags); the values'
    // rules and messages stay here. Its own help is off: --help prints usage() below.
    CLI::App app{"hytm-bench"};
    app.set_help_flag();
    app.allow_extras();
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    std::string workload_arg = "all", impl_arg = "all", duration_arg, size_arg, ops_arg, fd_arg;
    std::vector<std::string> thread_args, update_args, param_args;
    std::string out_dir, json_path, csv_path, plots_dir;
    app.add_flag("-h,--help", o.help);
    app.add_flag("--list", o.list);
    app.add_option("-w,--workloads", workload_arg);
    app.add_option("-i,--impls", impl_arg);
    // Repeatable, as comma lists: every occurrence counts.
    app.add_option("-t,--threads", thread_args)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-d,--duration", duration_arg);
    app.add_option("-u,--update", update_args)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-s,--size", size_arg);
    app.add_option("--param", param_args)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    CLI::Option* out_opt = app.add_option("--out", out_dir);
    CLI::Option* json_opt = app.add_option("--json", json_path);
    CLI::Option* csv_opt = app.add_option("--csv", csv_path);
    CLI::Option* plots_opt = app.add_option("--plots", plots_dir);
    bool no_pin = false;
    app.add_flag("--no-pin", no_pin);
    app.add_flag("--callgrind", o.callgrind);
    app.add_option("--callgrind-ops", ops_arg);
    app.add_flag("--model-check", o.model_check);
    // Internal: how the parent re-executes itself for one implementation (not in --help).
    app.add_option("--child", o.child_impl)->group("");
    app.add_option("--result-fd", fd_arg)->group("");
    app.add_flag("--counted", o.counted)->group("");
    app.add_flag("--capacity-probe", o.capacity_probe)->group("");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ArgumentMismatch& e) {
        // A flag without its value, the one error left to CLI11 here; CLI11 names the flag first.
        std::string what = e.what();
        auto colon = what.find(':');
        throw std::invalid_argument(colon != std::string::npos && what.rfind("-", 0) == 0 ? what.substr(0, colon) + " needs a value" : what);
    } catch (const CLI::ParseError& e) {
        throw std::invalid_argument(e.what());
    }
    if (!app.remaining().empty()) throw std::invalid_argument("unknown option '" + app.remaining().front() + "' (see --help)");

    for (const auto& arg : thread_args) {
        for (const auto& t : split(arg, ',')) {
            long n = to_long("--threads", t);
            if (n < 1 || n > 1024) throw std::invalid_argument("--threads: thread counts run from 1 to 1024");
            o.threads.push_back(static_cast<int>(n));
        }
    }
    if (app.count("--duration")) {
        char* end = nullptr;
        o.duration = std::strtod(duration_arg.c_str(), &end);
        if (duration_arg.empty() || *end != '\0' || !(o.duration > 0))
            throw std::invalid_argument("--duration: '" + duration_arg + "' is not a positive number of seconds");
    }
    for (const auto& arg : update_args) {
        for (const auto& u : split(arg, ',')) {
            long pct = to_long("--update", u);
            if (pct < 0 || pct > 100) throw std::invalid_argument("--update: an update rate is a percentage");
            o.updates.push_back(pct);
        }
    }
    if (app.count("--size")) {
        o.size = to_long("--size", size_arg);
        if (*o.size < 1) throw std::invalid_argument("--size: sizes are positive");
    }
    for (const auto& kv : param_args) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) throw std::invalid_argument("--param: expected key=value");
        o.overrides[kv.substr(0, eq)] = to_long("--param", kv.substr(eq + 1));
    }
    if (out_opt->count()) o.out_dir = out_dir;
    if (json_opt->count()) o.json_path = json_path;
    if (csv_opt->count()) o.csv_path = csv_path;
    if (plots_opt->count()) o.plots_dir = plots_dir;
    o.pin = !no_pin;
    if (app.count("--callgrind-ops")) {
        long n = to_long("--callgrind-ops", ops_arg);
        if (n < 1) throw std::invalid_argument("--callgrind-ops: a positive count");
        o.callgrind_ops = static_cast<std::uint64_t>(n);
    }
    if (app.count("--result-fd")) o.result_fd = static_cast<int>(to_long("--result-fd", fd_arg));

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
