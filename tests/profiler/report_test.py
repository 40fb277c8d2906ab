#!/usr/bin/env python3
"""profiler.report: tools/hytm-report on a JSON file that a program wrote.

For the software path (HYTM_HTM=off) and the RTM model (HYTM_HTM=emulate):
  1. profiler_json_writer runs the two-site scenario and writes
     hytm::stats_json() to a file;
  2. in that JSON, per-site counters add up to the totals (integers exactly;
     times, which are rounded to whole ns per site, within that rounding);
  3. hytm-report (file argument and stdin) names total_count as the top
     conflict of site profiler.shared; --site and --top select.
Then a synthetic document with the RTM model's capacity and false-sharing
findings.  Then the tool's errors: a missing file, bad JSON, JSON without "sites", an
unknown --site: each a message on stderr and exit status 1.
"""

import argparse
import json
import os
import subprocess
import sys

failures = []


def check(cond, what, detail=""):
    if cond:
        print("ok    " + what)
    else:
        print("FAIL  " + what + ("\n" + detail if detail else ""))
        failures.append(what)


def run(cmd, env=None, stdin=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(cmd, env=e, input=stdin, capture_output=True, text=True, timeout=150)


def leaves(obj, prefix=""):
    """{"a.b": number} for every numeric leaf; lists indexed."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(leaves(v, prefix + k + "."))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(leaves(v, prefix + str(i) + "."))
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix[:-1]] = obj
    return out


def section(report, site):
    """The lines of one site's section of the tool's output."""
    lines = report.splitlines()
    out, inside = [], False
    for ln in lines:
        if ln and ln[0].isdigit() and ". site " in ln:
            inside = (". site " + site + " ") in ln + " "
        elif not ln.startswith("   "):
            inside = False
        if inside:
            out.append(ln)
    return out


def get_leaf(obj, *keys):
    for k in keys:
        obj = obj.get(k, {}) if isinstance(obj, dict) else {}
    return obj


def check_sums(doc, mode):
    sites = doc["sites"]
    totals = {k: v for k, v in leaves(doc).items()
              if k.split(".")[0] in ("paths", "fallbacks", "exceptions", "time", "footprint")}
    summed = {}
    for s in sites:
        for k, v in leaves(s["counters"]).items():
            summed[k] = summed.get(k, 0) + v
    check(set(totals) == set(summed), "%s: the sites have the totals' counters" % mode,
          str(set(totals) ^ set(summed)))
    bad = []
    for k, t in totals.items():
        v = summed.get(k, 0)
        if k == "footprint.sampled_one_in":
            continue
        if k.startswith("time."):
            # each figure is rounded to a whole ns on its own
            if abs(v - t) > 0.5 * (len(sites) + 1):
                bad.append("%s: sites %s, total %s" % (k, v, t))
        elif v != t:
            bad.append("%s: sites %s, total %s" % (k, v, t))
    check(not bad, "%s: per-site counters add up to the totals (%d counters)" % (mode, len(totals)),
          "\n".join(bad))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writer", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    tool = [sys.executable, a.tool]

    for mode in ("off", "emulate", "scripted"):
        path = os.path.join(a.work, "stats-%s.json" % mode)
        if os.path.exists(path):
            os.remove(path)
        # scripted: every hardware attempt aborts with a conflict, so the sites take samples
        r = run([a.writer, path] + (["--scripted"] if mode == "scripted" else []),
                env={"HYTM_HTM": "off" if mode == "scripted" else mode, "HYTM_STM": "norec",
                     "HYTM_STATS": "off"})
        check(r.returncode == 0, "HYTM_HTM=%s: the writer ran" % mode, r.stdout + r.stderr)
        check(os.path.exists(path), "HYTM_HTM=%s: the writer wrote %s" % (mode, path))
        if not os.path.exists(path):
            continue
        with open(path) as f:
            doc = json.load(f)
        check(doc.get("machine", {}).get("htm") == {"off": "off", "emulate": "emulated"}.get(mode, mode),
              "HYTM_HTM=%s: machine.htm is %r" % (mode, doc.get("machine", {}).get("htm")))
        check_sums(doc, "HYTM_HTM=" + mode)

        r = run(tool + [path])
        check(r.returncode == 0, "HYTM_HTM=%s: hytm-report ran" % mode, r.stderr)
        out = r.stdout
        print(out)
        sec = section(out, "profiler.shared")
        check(bool(sec), "HYTM_HTM=%s: the report has site profiler.shared" % mode, out)
        check(any("most to conflicts on total_count" in ln for ln in sec),
              "HYTM_HTM=%s: total_count is profiler.shared's top conflict" % mode, out)
        # scripted: every hardware attempt aborts, and what names the counter is the samples
        # (below); the software fallbacks' own conflicts depend on how the threads overlapped.
        rows = [ln for ln in sec if ln.strip().startswith("total_count ")]
        check(bool(rows) or mode == "scripted", "HYTM_HTM=%s: the conflict table lists total_count" % mode, out)
        check(any("commits " in ln and "htm " in ln and "stm " in ln for ln in sec)
              and any(ln.strip().startswith("fallbacks") for ln in sec),
              "HYTM_HTM=%s: commits per path and fallbacks shown" % mode, out)
        first = [ln for ln in out.splitlines() if ". site " in ln]
        # (scripted, every site's attempts abort alike: the ranking by time lost says nothing)
        check(bool(first) and ("profiler.shared" in first[0] or mode == "scripted"),
              "HYTM_HTM=%s: profiler.shared is ranked first" % mode, out)
        for ln in section(out, "profiler.disjoint"):
            check("total_count" not in ln, "HYTM_HTM=%s: profiler.disjoint does not blame total_count"
                  % mode, out)
        shared = [x for x in doc.get("sites", []) if x.get("name") == "profiler.shared"]
        sampled = shared[0].get("sampled") if shared else None
        if mode == "scripted":
            check(isinstance(sampled, dict) and sampled.get("samples", 0) ==
                  get_leaf(shared[0], "counters", "paths", "stm", "samples"),
                  "scripted: profiler.shared took samples, as many as paths.stm.samples", json.dumps(shared))
            check(any("sampled conflict: total_count" in ln and "samples" in ln for ln in sec),
                  "scripted: the sampled finding names total_count with the sample size", out)
        else:
            check(sampled is None, "HYTM_HTM=%s: no samples (software path, or the model)" % mode, out)

        with open(path) as f:
            r2 = run(tool + ["-"], stdin=f.read())
        check(r2.returncode == 0 and r2.stdout == out, "HYTM_HTM=%s: the same report from stdin" % mode,
              r2.stdout + r2.stderr)

        r = run(tool + ["--site", "profiler.shared", "--top", "1", path])
        sites = [ln for ln in r.stdout.splitlines() if ". site " in ln]
        check(r.returncode == 0 and len(sites) == 1 and "profiler.shared" in sites[0],
              "HYTM_HTM=%s: --site shows that site alone" % mode, r.stdout + r.stderr)
        rows = [ln for ln in section(r.stdout, "profiler.shared") if "0x" in ln]
        check((len(rows) == 1 and "total_count" in rows[0]) or (mode == "scripted" and len(rows) <= 1),
              "HYTM_HTM=%s: --top 1 shows one address" % mode, r.stdout)

    # The RTM model's capacity and false-sharing findings (issue 13), from a
    # document shaped as stats_json() writes them.
    site = {"name": "model.site", "file": "", "line": 0,
            "counters": {"paths": {"htm": {"starts": 30, "commits": 10,
                                           "aborts": {"capacity": 12, "conflict": 8}}},
                         "time": {"committed_ns": 1000, "aborted_ns": 3000}},
            "conflicts": [{"addr": "0x1000", "line": "0x1000 (cache line 0x1000)", "symbol": "fs_left",
                           "writer_site": "", "aborts": 8, "wasted_ns": 500, "kind": "false_sharing",
                           "other_addr": "0x1008", "other_symbol": "fs_right"}],
            "capacity": {"aborts": 12, "wasted_ns": 2500, "mean_read_lines": 3.0, "mean_write_lines": 512.0,
                         "read_bound_aborts": 0, "read_lines": 3, "write_lines": 512, "read_bound": False,
                         "fullest_set": {"index": 41, "lines": 8, "ways": 8}}}
    r = run(tool + ["-"], stdin=json.dumps({"sites": [site]}))
    sec = section(r.stdout, "model.site")
    check(r.returncode == 0 and any("most to capacity" in ln for ln in sec),
          "model capacity: the site's time goes to capacity, first", r.stdout + r.stderr)
    check(any("capacity: 12 aborts" in ln and "512 written lines" in ln and "set 41 with 8 of 8 ways" in ln
              for ln in sec), "model capacity: footprint and fullest set shown", r.stdout)
    check(any("false sharing: fs_left / fs_right" in ln for ln in sec),
          "model false sharing: both variables in the table", r.stdout)
    site["capacity"]["wasted_ns"] = 100
    r = run(tool + ["-"], stdin=json.dumps({"sites": [site]}))
    check(any("most to false sharing: fs_left and fs_right" in ln for ln in section(r.stdout, "model.site")),
          "model false sharing: named first when it lost the most", r.stdout + r.stderr)

    # Errors.
    missing = os.path.join(a.work, "no-such-file.json")
    r = run(tool + [missing])
    check(r.returncode == 1 and "no such file" in r.stderr and not r.stdout,
          "missing file: message and exit 1", r.stderr)
    bad = os.path.join(a.work, "bad.json")
    with open(bad, "w") as f:
        f.write('{"sites": [')
    r = run(tool + [bad])
    check(r.returncode == 1 and "not valid JSON" in r.stderr, "bad JSON: message and exit 1", r.stderr)
    r = run(tool + ["-"], stdin="{\"paths\": {}}")
    check(r.returncode == 1 and "\"sites\"" in r.stderr, "JSON without sites: message and exit 1", r.stderr)
    r = run(tool + ["-"], stdin="[1, 2]")
    check(r.returncode == 1 and "sites" in r.stderr, "JSON that is not an object: exit 1", r.stderr)
    r = run(tool + ["--site", "nowhere", os.path.join(a.work, "stats-off.json")])
    check(r.returncode == 1 and "no site named 'nowhere'" in r.stderr, "unknown --site: exit 1", r.stderr)

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
