#include "plots.hpp"

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "catalog.hpp"
#include "report.hpp"
#include "spawn.hpp"

namespace hytm_bench {
namespace {

// "list size=256 update=20" -> "list-size256-update20", a file name.
std::string slug(const std::string& label) {
    std::string s;
    for (char c : label) {
        if (c == ' ') s += '-';
        else if (c != '=') s += c;
    }
    return s;
}

std::string gp_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\\\"") : std::string(1, c);
    return out + "\"";
}

// Twelve distinguishable colours (gnuplot's default cycle has eight, so two series would share one).
const char* const palette[] = {"#000000", "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00",
                               "#a65628", "#f781bf", "#999999", "#66c2a5", "#b8860b", "#1f3a93"};

// noenhanced: names such as itm-ml_wt must not turn into subscripts.
std::string header(const std::string& svg, const std::string& title) {
    return "set terminal svg size 800,500 dynamic noenhanced font 'sans,11'\n"
           "set output " + gp_string(svg) + "\n"
           "set title " + gp_string(title) + "\n"
           "set key outside right top\n";
}

std::string number(double v) { return std::isfinite(v) ? number_text(v) : "?"; }

struct series {
    std::vector<std::string> labels;  // in run order
    std::map<std::string, std::map<std::string, std::map<int, double>>> rate;  // label -> impl -> threads -> ops/s
    std::map<std::string, std::vector<std::pair<std::string, path_summary>>> aborts;  // label -> ("impl:path", summary) at most threads
};

series collect(const outcome& r) {
    series s;
    std::map<std::string, int> most;
    for (const auto& run : r.runs) {
        const std::string& label = string_or_empty(run, "label");
        if (!s.rate.count(label)) s.labels.push_back(label);
        int t = static_cast<int>(number_or(run, "threads", 0));
        s.rate[label][string_or_empty(run, "impl")][t] = member(run, "error") ? NAN : number_or(run, "throughput", NAN);
        most[label] = std::max(most[label], t);
    }
    for (const auto& run : r.runs) {
        const std::string& label = string_or_empty(run, "label");
        const json* stats = member(run, "stats");
        if (static_cast<int>(number_or(run, "threads", 0)) != most[label] || stats == nullptr || stats->is_null()) continue;
        for (const auto& [path, summary] : summarize_stats(*stats))
            if (summary.commits > 0 || summary.total_aborts() > 0) s.aborts[label].emplace_back(string_or_empty(run, "impl") + ":" + path, summary);
    }
    return s;
}

std::string throughput_plot(const std::string& dir, const std::string& label, const std::map<std::string, std::map<int, double>>& by_impl,
                            const std::vector<std::string>& impl_order, const std::vector<int>& threads) {
    std::string base = dir + "/throughput-" + slug(label);
    std::string data = "threads";
    std::vector<std::string> impls;
    for (const auto& i : impl_order)
        if (by_impl.count(i)) impls.push_back(i);
    for (const auto& i : impls) data += " " + i;
    data += "\n";
    for (int t : threads) {
        data += std::to_string(t);
        for (const auto& i : impls) {
            auto it = by_impl.at(i).find(t);
            data += ' ';
            data += it == by_impl.at(i).end() ? std::string("?") : number(it->second);
        }
        data += "\n";
    }
    write_file(base + ".dat", data);
    std::string script = header(base + ".svg", label) +
                         "set datafile missing '?'\n"
                         "set xlabel 'threads'\nset ylabel 'operations per second'\n"
                         "set logscale y\nset grid\nset xtics 1\n"
                         "set xrange [0.5:" + std::to_string(threads.back()) + ".5]\n"
                         "plot";
    // hytm solid and thick, the peers dashed, so the engine's lines stand out among a dozen.
    for (std::size_t i = 0; i < impls.size(); ++i) {
        bool hytm = impls[i].rfind("hytm-", 0) == 0;
        script += std::string(i ? "," : "") + " \\\n  " + gp_string(base + ".dat") + " using 1:" + std::to_string(i + 2) +
                  " with linespoints lc rgb '" + palette[i % std::size(palette)] + "' lw " + (hytm ? "3 dt 1" : "1.5 dt 2") +
                  " pt 7 title columnheader(" + std::to_string(i + 2) + ")";
    }
    script += "\n";
    write_file(base + ".gp", script);
    return base;
}

std::string aborts_plot(const std::string& dir, const std::string& label, const std::vector<std::pair<std::string, path_summary>>& bars) {
    std::string base = dir + "/aborts-" + slug(label);
    std::set<std::string> causes;
    for (const auto& [name, s] : bars)
        for (const auto& [cause, n] : s.aborts) causes.insert(cause);
    if (causes.empty()) return {};
    std::string data = "bar";
    for (const auto& c : causes) data += " " + c;
    data += "\n";
    for (const auto& [name, s] : bars) {
        data += name;
        for (const auto& c : causes) {
            auto it = s.aborts.find(c);
            double n = it == s.aborts.end() ? 0 : it->second;
            data += ' ';
            data += number(s.commits > 0 ? n / s.commits : 0);
        }
        data += "\n";
    }
    write_file(base + ".dat", data);
    std::string script = header(base + ".svg", label + ": aborts per commit by cause (hytm configuration:path)") +
                         "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.8 border -1\n"
                         "set boxwidth 0.7\nset grid y\nset xtics rotate by -30\n"
                         "set ylabel 'aborts per commit'\n"
                         "plot for [i=2:" + std::to_string(causes.size() + 1) + "] " + gp_string(base + ".dat") +
                         " using i:xtic(1) title columnheader(i)\n";
    write_file(base + ".gp", script);
    return base;
}

}  // namespace

std::string draw_plots(const std::string& dir, const options& o, const outcome& r) {
    if (!in_path("gnuplot")) return "plots skipped: gnuplot is not installed (Debian: apt-get install gnuplot-nox)";
    series s = collect(r);
    std::vector<int> threads = thread_counts(r);
    if (threads.empty()) return "plots skipped: no runs";
    std::vector<std::string> scripts;
    for (const auto& label : s.labels) {
        scripts.push_back(throughput_plot(dir, label, s.rate[label], o.impls, threads));
        if (auto it = s.aborts.find(label); it != s.aborts.end()) {
            std::string a = aborts_plot(dir, label, it->second);
            if (!a.empty()) scripts.push_back(a);
        }
    }
    int failed = 0;
    for (const auto& base : scripts) {
        std::string cmd = "gnuplot '" + base + ".gp' 2>>'" + dir + "/gnuplot.log'";
        if (std::system(cmd.c_str()) != 0) ++failed;
    }
    std::string msg = "plots: " + std::to_string(scripts.size() - static_cast<std::size_t>(failed)) + " SVG files in " + dir;
    if (failed) msg += " (" + std::to_string(failed) + " failed; see " + dir + "/gnuplot.log)";
    return msg;
}

}  // namespace hytm_bench

namespace hytm_bench {

std::string line_plot(const std::string& dir, const std::string& name, const std::string& title, const std::string& xlabel,
                      const std::string& ylabel, const std::vector<curve>& curves) {
    if (!in_path("gnuplot")) return "plot skipped: gnuplot is not installed (Debian: apt-get install gnuplot-nox)";
    std::string base = dir + "/" + name;
    // One block per curve, separated by two blank lines: gnuplot's "index".
    std::string data;
    for (const auto& c : curves) {
        data += "# " + c.title + "\n";
        for (const auto& [x, y] : c.points) data += number(x) + " " + number(y) + "\n";
        data += "\n\n";
    }
    write_file(base + ".dat", data);
    std::string script = header(base + ".svg", title) +
                         "set datafile missing '?'\n"
                         "set xlabel " + gp_string(xlabel) + "\nset ylabel " + gp_string(ylabel) + "\n"
                         "set grid\nset yrange [-2:102]\nplot";
    for (std::size_t i = 0; i < curves.size(); ++i) {
        script += std::string(i ? "," : "") + " \\\n  " + gp_string(base + ".dat") + " index " + std::to_string(i) +
                  " using 1:2 with linespoints lc rgb '" + palette[i % std::size(palette)] + "' lw 2 pt 7 title " + gp_string(curves[i].title);
    }
    script += "\n";
    write_file(base + ".gp", script);
    std::string cmd = "gnuplot '" + base + ".gp' 2>>'" + dir + "/gnuplot.log'";
    if (std::system(cmd.c_str()) != 0) return "plot failed: " + base + ".gp (see " + dir + "/gnuplot.log)";
    return "plot: " + base + ".svg";
}

}  // namespace hytm_bench
