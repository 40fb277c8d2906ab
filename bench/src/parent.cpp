#include "parent.hpp"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>

#include "catalog.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "spawn.hpp"

namespace hytm_bench {
namespace {

// Progress on a terminal: one line redrawn in place; otherwise a plain log line per run.
class progress {
  public:
    explicit progress(int total) : total_(total), tty_(isatty(STDERR_FILENO) != 0) {}

    void begin(const std::string& what) {
        current_ = what;
        if (tty_) draw();
    }
    void done(const json& run) {
        ++done_;
        if (tty_) {
            draw();
            return;
        }
        // Under valgrind the rate means nothing; the instruction counts come when the child ends.
        std::string figure = member(run, "error")         ? "FAILED"
                             : member(run, "counted_ops") ? "counted"
                                                       : format_rate(number_or(run, "throughput", 0)) + " ops/s";
        std::fprintf(stderr, "[%d/%d] %s: %s\n", done_, total_, current_.c_str(), figure.c_str());
    }
    void skip(int runs) { total_ -= runs; }
    void message(const std::string& line) {
        clear();
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    void clear() {
        if (tty_) std::fprintf(stderr, "\r\033[K");
    }

  private:
    void draw() {
        const int width = 30;
        int filled = total_ > 0 ? done_ * width / total_ : width;
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(width, '.');
        std::fprintf(stderr, "\r\033[K[%s] %d/%d  %s", bar.c_str(), done_, total_, current_.c_str());
        std::fflush(stderr);
    }

    int total_;
    int done_ = 0;
    bool tty_;
    std::string current_;
};

// callgrind writes one file per CALLGRIND_DUMP_STATS_AT: "<out>.<n>", each with the request's
// name in a "desc: Trigger: Client Request: NAME" line and the event count in "summary: N".
std::map<std::string, double> read_callgrind_dumps(const std::string& dir, const std::string& base) {
    std::map<std::string, double> counts;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return counts;
    while (dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (name.rfind(base + ".", 0) != 0) continue;
        std::ifstream in(dir + "/" + name);
        std::string line, trigger;
        double summary = -1;
        while (std::getline(in, line)) {
            const std::string tag = "desc: Trigger: Client Request: ";
            if (line.rfind(tag, 0) == 0) trigger = line.substr(tag.size());
            if (line.rfind("summary: ", 0) == 0) summary = std::strtod(line.c_str() + 9, nullptr);
        }
        if (!trigger.empty() && summary >= 0) counts[trigger] = summary;
    }
    closedir(d);
    return counts;
}

std::string make_temp_dir() {
    char tmpl[] = "/tmp/hytm-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("cannot create a temporary directory");
    return tmpl;
}

void remove_dir(const std::string& dir) {
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string name = e->d_name;
            if (name != "." && name != "..") unlink((dir + "/" + name).c_str());
        }
        closedir(d);
    }
    rmdir(dir.c_str());
}

}  // namespace

outcome run_all(const options& o) {
    auto started = std::chrono::steady_clock::now();
    outcome result;
    std::vector<workload_config> configs = plan_configs(o);

    // The plan, to size the progress bar.
    std::vector<const impl_info*> impls;
    std::map<std::string, int> planned;
    int total = 0;
    for (const auto& name : o.impls) {
        const impl_info* impl = find_impl(name);
        int n = 0;
        for (const auto& cfg : configs)
            if (impl->runs(cfg.workload)) n += static_cast<int>(plan_threads(o, impl->single_thread).size());
        if (n == 0) continue;  // e.g. tbb-chm without hashset
        if (impl->factory == nullptr) {
            result.unavailable.emplace_back(name, impl->why_missing);
            continue;
        }
        impls.push_back(impl);
        planned[name] = n;
        total += n;
    }
    progress bar(total);

    std::string self = self_executable();
    std::string callgrind_dir = o.callgrind ? make_temp_dir() : "";
    for (const impl_info* impl : impls) {
        std::vector<std::string> argv;
        if (o.callgrind) {
            // Collection is off until the child toggles it around the measured operations.
            argv = {"valgrind", "--tool=callgrind", "--quiet", "--collect-atstart=no", "--callgrind-out-file=" + callgrind_dir + "/" + impl->name};
        }
        argv.push_back(self);
        argv.insert(argv.end(), o.argv.begin() + 1, o.argv.end());
        argv.insert(argv.end(), {"--child", impl->name, "--result-fd", "3"});
        if (o.callgrind) argv.push_back("--counted");

        auto env = impl->env;
        // hwloc's x86 backend prints a warning under valgrind and is not needed to pin one thread.
        if (o.callgrind) env.emplace_back("HWLOC_COMPONENTS", "-x86");
        child_process child = spawn_child(argv, child_environment(path_variables(), env));
        std::FILE* events = fdopen(child.events_fd, "r");
        bool ready = false;
        int runs_seen = 0;
        std::string current;
        char* line = nullptr;
        std::size_t cap = 0;
        while (getline(&line, &cap, events) > 0) {
            json ev;
            try {
                ev = json::parse(line);
            } catch (const json::exception& e) {
                result.failures.push_back(impl->name + ": unreadable event from the child (" + e.what() + ")");
                continue;
            }
            const std::string& kind = string_or_empty(ev, "event");
            if (kind == "ready") {
                ready = true;
            } else if (kind == "begin") {
                current = string_or_empty(ev, "label") + " · " + impl->name + " · " + std::to_string(static_cast<int>(number_or(ev, "threads", 0))) + " thr";
                bar.begin(current);
            } else if (kind == "run") {
                ev.erase("event");
                if (const json* e = member(ev, "error"))
                    result.failures.push_back(impl->name + " on " + string_or_empty(ev, "label") + " with " +
                                              std::to_string(static_cast<int>(number_or(ev, "threads", 0))) + " threads: " + e->get<std::string>());
                ++runs_seen;
                result.runs.push_back(std::move(ev));
                bar.done(result.runs.back());
            }
        }
        std::free(line);
        std::fclose(events);
        std::optional<std::string> end = wait_child(child.pid);
        if (!ready) {
            // The TM runtime refused its configuration at start-up (the engine or libitm printed why).
            std::string why = end ? *end + " before starting" : "ended before starting";
            result.unavailable.emplace_back(impl->name, why);
            bar.message("hytm-bench: " + impl->name + " is unavailable: " + why);
            bar.skip(planned[impl->name]);
            continue;
        }
        if (end && runs_seen < planned[impl->name]) {
            result.failures.push_back(impl->name + " " + *end + (current.empty() ? "" : " during " + current));
            bar.message("hytm-bench: " + impl->name + " " + *end);
            bar.skip(planned[impl->name] - runs_seen);
        }
        if (o.callgrind) {
            std::map<std::string, double> counts = read_callgrind_dumps(callgrind_dir, impl->name);
            for (std::size_t i = result.runs.size() - static_cast<std::size_t>(runs_seen); i < result.runs.size(); ++i) {
                json& run = result.runs[i];
                std::string name = callgrind_name(impl->name, string_or_empty(run, "label"));
                auto one = counts.find(name + "|1"), two = counts.find(name + "|2");
                const json* ops = member(run, "counted_ops");
                if (one == counts.end() || two == counts.end() || ops == nullptr) {
                    result.failures.push_back(impl->name + ": no callgrind count for " + string_or_empty(run, "label"));
                    continue;
                }
                // See child_main: the second run did n more operations than the first.
                double extra_ops = (*ops)[1].get<double>() - (*ops)[0].get<double>();
                double instructions = two->second - one->second;
                if (extra_ops <= 0) {
                    result.failures.push_back(impl->name + " on " + string_or_empty(run, "label") +
                                              ": both counted runs ended after the same round; raise --callgrind-ops");
                    continue;
                }
                run["instructions"] = instructions;
                run["instructions_per_op"] = instructions / extra_ops;
            }
        }
    }
    bar.clear();
    if (o.callgrind) remove_dir(callgrind_dir);
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace hytm_bench
