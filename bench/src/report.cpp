#include "report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "catalog.hpp"
#include "pinning.hpp"

namespace hytm_bench {
namespace {

std::string printf_string(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

const json* find_run(const outcome& r, const std::string& label, const std::string& impl, int threads) {
    for (const auto& run : r.runs) {
        if (string_or_empty(run, "label") == label && string_or_empty(run, "impl") == impl &&
            static_cast<int>(number_or(run, "threads", 0)) == threads)
            return &run;
    }
    return nullptr;
}

// Labels in the order they were run.
std::vector<std::string> labels_of(const outcome& r) {
    std::vector<std::string> labels;
    std::set<std::string> seen;
    for (const auto& run : r.runs)
        if (seen.insert(string_or_empty(run, "label")).second) labels.push_back(string_or_empty(run, "label"));
    return labels;
}

double throughput(const json* run) { return run == nullptr || member(*run, "error") ? NAN : number_or(*run, "throughput", NAN); }

std::string pad(std::string s, std::size_t width, bool right) {
    if (s.size() >= width) return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string ratio_text(double num, double den) {
    if (!(num > 0) || !(den > 0)) return "-";
    return printf_string(num / den >= 10 ? "%.1f" : "%.2f", num / den);
}

// Aborts per commit over all paths of one hytm run, or NaN when it has no statistics.
double aborts_per_commit(const json* run) {
    std::optional<tx_totals> t = run ? hytm_totals(*run) : std::nullopt;
    return t && t->commits > 0 ? t->aborts / t->commits : NAN;
}

std::string iso_date() {
    std::time_t now = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return buf;
}

std::string hostname() {
    char buf[256] = {};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// The fastest implementation at `threads` on `label` that is neither seq nor hytm: what a user
// would pick instead of hytm.
std::pair<std::string, double> best_peer(const options& o, const outcome& r, const std::string& label, int threads) {
    std::pair<std::string, double> best{"", NAN};
    for (const auto& impl : o.impls) {
        const impl_info* info = find_impl(impl);
        if (info == nullptr || info->hytm || info->single_thread) continue;
        double v = throughput(find_run(r, label, impl, threads));
        if (v > 0 && !(v <= best.second)) best = {impl, v};
    }
    return best;
}

// The share of a lock-elision peer's critical sections that ran as hardware transactions, per
// workload and thread count; and what the reader must know to read the peers' figures.
void print_elision(const outcome& r, const std::vector<int>& threads, std::size_t width) {
    std::vector<std::string> elided;
    bool cpu_rtm = false, itm_default = false;
    std::set<std::string> seen;
    for (const auto& run : r.runs) {
        const std::string& impl = string_or_empty(run, "impl");
        itm_default |= impl == "itm-default";
        const json* e = member(run, "elision");
        if (e == nullptr) continue;
        if (const json* c = member(*e, "cpu_rtm"); c && c->is_boolean()) cpu_rtm |= c->get<bool>();
        if (seen.insert(impl).second) elided.push_back(impl);
    }
    if (!elided.empty()) {
        std::printf("Lock elision: %% of critical sections that ran as a hardware transaction (tbb-spec: _xtest() inside the\n"
                    "section; rtm-elide: committed by xend); the rest took the lock.\n");
        std::string head = pad("workload", width, false);
        for (const auto& impl : elided)
            for (int t : threads) head += pad(impl + "@" + std::to_string(t), 14, true);
        std::printf("%s\n", head.c_str());
        for (const auto& label : labels_of(r)) {
            std::string row = pad(label, width, false);
            for (const auto& impl : elided) {
                for (int t : threads) {
                    const json* run = find_run(r, label, impl, t);
                    const json* e = run ? member(*run, "elision") : nullptr;
                    double sections = e ? number_or(*e, "sections", 0) : 0;
                    row += pad(sections > 0 ? printf_string("%.1f %%", 100.0 * number_or(*e, "hardware", 0) / sections) : "-", 14, true);
                }
            }
            std::printf("%s\n", row.c_str());
        }
        if (!cpu_rtm)
            std::printf("This CPU shows no RTM (CPUID.7.0:EBX[11] clear, or RTM_ALWAYS_ABORT): tbb-spec and rtm-elide took their lock\n"
                        "for every critical section.\n");
        std::printf("\n");
    }
    if (itm_default)
        std::printf("itm-default ran with LD_BIND_NOW=1 (libitm's hardware path calls malloc/free through the PLT, and a lazily\n"
                    "bound first call aborts it); every other implementation, hytm's included, ran without it.\n\n");
}

}  // namespace

std::string format_rate(double v) {
    if (!std::isfinite(v)) return "-";
    if (v >= 1e9) return printf_string("%.2fG", v / 1e9);
    if (v >= 1e6) return printf_string("%.2fM", v / 1e6);
    if (v >= 1e3) return printf_string("%.1fk", v / 1e3);
    return printf_string("%.0f", v);
}

std::vector<int> thread_counts(const outcome& r) {
    std::set<int> t;
    for (const auto& run : r.runs) t.insert(static_cast<int>(number_or(run, "threads", 0)));
    return {t.begin(), t.end()};
}

std::optional<tx_totals> hytm_totals(const json& run) {
    const json* stats = member(run, "stats");
    if (stats == nullptr || stats->is_null()) return std::nullopt;
    tx_totals t;
    for (const auto& [path, s] : summarize_stats(*stats)) {
        t.commits += s.commits;
        t.aborts += s.total_aborts();
    }
    return t;
}

double path_summary::total_aborts() const {
    double t = 0;
    for (const auto& [cause, n] : aborts) t += n;
    return t;
}

std::map<std::string, path_summary> summarize_stats(const json& stats) {
    std::map<std::string, path_summary> out;
    const json* paths = member(stats, "paths");
    if (paths == nullptr || !paths->is_object()) return out;
    for (const auto& [name, p] : paths->items()) {
        path_summary s;
        s.commits = number_or(p, "commits", 0);
        if (const json* a = member(p, "aborts")) {
            if (a->is_number()) {
                if (a->get<double>() > 0) s.aborts["all"] = a->get<double>();
            } else if (a->is_object()) {
                // RTM's "retry" bit is a hint that accompanies a primary cause, not a cause of its own.
                for (const auto& [cause, n] : a->items())
                    if (cause != "retry" && n.is_number() && n.get<double>() > 0) s.aborts[cause] = n.get<double>();
            }
        }
        out[name] = s;
    }
    return out;
}

// Wide enough for the longest workload label, so the columns line up.
std::size_t label_width(const outcome& r) {
    std::size_t w = 30;
    for (const auto& label : labels_of(r)) w = std::max(w, label.size() + 2);
    return w;
}

void print_tables(const options& o, const outcome& r) {
    std::vector<int> threads = thread_counts(r);
    const std::size_t width = label_width(r);
    int most = threads.empty() ? 1 : threads.back();
    std::printf("Throughput in operations per second (higher is better); %.2f s per run.\n", o.duration);
    std::printf("aborts/commit: hytm's aborts over all paths per committed transaction, at %d thread%s.\n\n", most, most == 1 ? "" : "s");
    for (const auto& label : labels_of(r)) {
        std::string head = pad(label, width, false);
        for (int t : threads) head += pad(std::to_string(t) + " thr", 10, true);
        head += pad("aborts/commit", 15, true);
        std::printf("%s\n", head.c_str());
        for (const auto& impl : o.impls) {
            bool any = false;
            std::string row = "  " + pad(impl, width - 2, false);
            for (int t : threads) {
                const json* run = find_run(r, label, impl, t);
                any |= run != nullptr;
                row += pad(run == nullptr ? "" : member(*run, "error") ? "FAILED" : format_rate(throughput(run)), 10, true);
            }
            if (!any) continue;
            double apc = aborts_per_commit(find_run(r, label, impl, most));
            row += pad(std::isfinite(apc) ? printf_string("%.3f", apc) : "", 15, true);
            std::printf("%s\n", row.c_str());
        }
        std::printf("\n");
    }

    print_elision(r, threads, width);

    // The figures the project is judged by: hytm against the limit, against compiler TM, and
    // against the best peer (any implementation that is neither hytm nor seq) at each thread count.
    const std::string hytm = "hytm-auto", itm = "itm-ml_wt", seq = "seq";
    bool have_hytm = false;
    for (const auto& run : r.runs) have_hytm |= string_or_empty(run, "impl") == hytm;
    if (!have_hytm) return;
    std::printf("Ratios of %s's throughput to %s at 1 thread, to %s and to the best peer at the same thread count\n", hytm.c_str(), seq.c_str(),
                itm.c_str());
    std::printf("(peers: every implementation run but seq and hytm-*; best: the highest throughput among them)\n");
    std::size_t peer_width = 12;
    for (const auto& impl : o.impls) peer_width = std::max(peer_width, impl.size() + 2);
    std::string head = pad("workload", width, false);
    for (int t : threads)
        head += pad("/seq@" + std::to_string(t), 10, true) + pad("/itm@" + std::to_string(t), 10, true) +
                pad("best@" + std::to_string(t), peer_width, true) + pad("/best@" + std::to_string(t), 10, true);
    std::printf("%s\n", head.c_str());
    for (const auto& label : labels_of(r)) {
        std::string row = pad(label, width, false);
        double s = throughput(find_run(r, label, seq, 1));
        for (int t : threads) {
            double h = throughput(find_run(r, label, hytm, t));
            auto [peer, p] = best_peer(o, r, label, t);
            row += pad(ratio_text(h, s), 10, true) + pad(ratio_text(h, throughput(find_run(r, label, itm, t))), 10, true) +
                   pad(peer.empty() ? "-" : peer, peer_width, true) + pad(ratio_text(h, p), 10, true);
        }
        std::printf("%s\n", row.c_str());
    }
    std::printf("\n");
}

void print_callgrind_tables(const options& o, const outcome& r) {
    std::printf("Instructions per operation on one thread (callgrind; %llu operations per run) and the ratio to seq.\n\n",
                static_cast<unsigned long long>(o.callgrind_ops));
    for (const auto& label : labels_of(r)) {
        std::printf("%s\n", label.c_str());
        const json* base = find_run(r, label, "seq", 1);
        double seq_ipo = base ? number_or(*base, "instructions_per_op", NAN) : NAN;
        for (const auto& impl : o.impls) {
            const json* run = find_run(r, label, impl, 1);
            if (run == nullptr) continue;
            double ipo = number_or(*run, "instructions_per_op", NAN);
            std::printf("  %s%s%s\n", pad(impl, label_width(r) - 2, false).c_str(), pad(member(*run, "error") ? "FAILED" : printf_string("%.0f", ipo), 10, true).c_str(),
                        pad(ratio_text(ipo, seq_ipo) + "x", 10, true).c_str());
        }
        std::printf("\n");
    }
}

json report_json(const options& o, const outcome& r) {
    json machine = json::object();
    {
        cpu_pinning topo;
        machine["hostname"] = hostname();
        machine["cpu"] = topo.cpu_model();
        machine["cores"] = topo.cores();
        machine["pus"] = topo.pus();
    }
#if defined(__clang__)
    machine["compiler"] = "clang " __clang_version__;
#elif defined(__GNUC__)
    machine["compiler"] = "g++ " __VERSION__;
#endif
    std::string command;
    for (const auto& a : o.argv) command += (command.empty() ? "" : " ") + a;
    json threads = json::array(), unavailable = json::array(), failures = json::array();
    for (int t : o.threads) threads.emplace_back(t);
    for (const auto& [impl, why] : r.unavailable) unavailable.emplace_back(json{{"impl", impl}, {"reason", why}});
    for (const auto& f : r.failures) failures.emplace_back(f);
    return json{
        {"tool", "hytm-bench"},
        {"date", iso_date()},
        {"command", command},
        {"mode", o.callgrind ? "callgrind" : "timed"},
        {"machine", json(std::move(machine))},
        {"settings", json{{"duration", o.duration}, {"threads", json(std::move(threads))}, {"pinned", o.pin},
                                  {"callgrind_ops", o.callgrind ? json(o.callgrind_ops) : json()}}},
        {"wall_seconds", r.wall_seconds},
        {"unavailable", json(std::move(unavailable))},
        {"failures", json(std::move(failures))},
        {"runs", r.runs},
    };
}

void write_csv(const std::string& path, const outcome& r) {
    std::string out = "workload,label,impl,threads,seconds,ops,throughput,commits,aborts,instructions_per_op,error\n";
    for (const auto& run : r.runs) {
        std::optional<tx_totals> t = hytm_totals(run);
        double commits = t ? t->commits : NAN, aborts = t ? t->aborts : NAN;
        auto num = [](double v) { return number_text(v); };
        const json* err = member(run, "error");
        out += csv_field(string_or_empty(run, "workload")) + "," + csv_field(string_or_empty(run, "label")) + "," +
               csv_field(string_or_empty(run, "impl")) + "," + num(number_or(run, "threads", NAN)) + "," + num(number_or(run, "seconds", NAN)) +
               "," + num(number_or(run, "ops", NAN)) + "," + num(number_or(run, "throughput", NAN)) + "," + num(commits) + "," + num(aborts) + "," +
               num(number_or(run, "instructions_per_op", NAN)) + "," + csv_field(err ? err->get<std::string>() : "") + "\n";
    }
    write_file(path, out);
}

void write_file(const std::string& path, const std::string& text) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace hytm_bench
