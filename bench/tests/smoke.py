#!/usr/bin/env python3
"""bench.smoke: a tiny run of every workload on every implementation of hytm-bench.

Checks that every run's result check passed (the driver exits 1 otherwise), that the JSON report
parses and every run in it has every field, that every workload ran on every implementation
that is available, and that the CSV and the plots were written. Not a timing test.

usage: smoke.py HYTM_BENCH WORK_DIR
"""
import csv
import json
import os
import shutil
import subprocess
import sys

RUN_KEYS = {"workload": str, "params": dict, "label": str, "impl": str, "threads": int,
            "seconds": float, "ops": int, "throughput": float, "stats": object}


def fail(msg):
    print("bench.smoke: FAIL: " + msg)
    sys.exit(1)


def run(cmd, expect_rc=0, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != expect_rc:
        fail("%s exited with %d, expected %d\n--- stdout\n%s\n--- stderr\n%s" % (" ".join(cmd), p.returncode, expect_rc, p.stdout, p.stderr))
    return p


def names(listing, section):
    """The names under one heading of --list."""
    out, inside = [], False
    for line in listing.splitlines():
        if line.startswith(section):
            inside = True
        elif line and not line.startswith(" "):
            inside = False
        elif inside and line.startswith("  ") and not line.startswith("   "):
            out.append(line.split()[0])
    return out


def main():
    exe, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    run([exe, "--help"])
    run([exe, "--bogus"], expect_rc=2)
    run([exe, "--workloads", "nosuch"], expect_rc=2)
    listing = run([exe, "--list"]).stdout
    workloads, impls = names(listing, "workloads"), names(listing, "implementations")
    if len(workloads) < 9 or len(impls) < 11:
        fail("--list shows %d workloads and %d implementations:\n%s" % (len(workloads), len(impls), listing))

    # 20 % updates keep the sets busy; at 20 % the bank also runs its audits (80 % of its ops).
    report = os.path.join(work, "report.json")
    # LD_BIND_NOW set here must reach itm-default's child only (libitm's HTM path needs it; hytm's
    # figures are taken without it).
    env = dict(os.environ, LD_BIND_NOW="1")
    p = run([exe, "--threads", "1,2", "--duration", "0.02", "--update", "20", "--out", work, "--json", report], env=env)
    print(p.stdout)

    with open(report) as f:
        doc = json.load(f)
    for key in ("date", "command", "machine", "settings", "unavailable", "failures", "runs"):
        if key not in doc:
            fail("report has no '%s'" % key)
    if doc["failures"]:
        fail("failures: %s" % doc["failures"])
    unavailable = {u["impl"]: u["reason"] for u in doc["unavailable"]}
    for impl, why in unavailable.items():
        print("note: %s unavailable: %s" % (impl, why))
    # Only the RTM model may be missing from a built engine (it came after the first version).
    built = [i for i in impls if "[not built" not in next(l for l in listing.splitlines() if l.split()[:1] == [i])]
    for i in built:
        if i in unavailable and i != "hytm-emu":
            fail("%s is built but could not start: %s" % (i, unavailable[i]))

    # The peers' own CPUID check is the one that matters; /proc/cpuinfo's flags show the same bit.
    with open("/proc/cpuinfo") as f:
        cpu_rtm = any(l.startswith("flags") and "rtm" in l.split() for l in f)
    seen = set()
    for r in doc["runs"]:
        for key, typ in RUN_KEYS.items():
            if key not in r:
                fail("a run has no '%s': %s" % (key, r))
            v = r[key]
            if typ is float and not isinstance(v, (int, float)) or typ in (int, str, dict) and not isinstance(v, typ):
                fail("run field '%s' has the wrong type: %r" % (key, v))
        if "error" in r:
            fail("run failed: %s" % r["error"])
        if r["ops"] <= 0 or r["throughput"] <= 0 or r["seconds"] <= 0:
            fail("a run did no work: %s" % {k: r[k] for k in ("label", "impl", "threads", "ops")})
        if r["impl"].startswith("hytm-"):
            if not isinstance(r["stats"], dict) or "paths" not in r["stats"]:
                fail("hytm run without statistics: %s %s" % (r["impl"], r["label"]))
        elif r["stats"] is not None:
            fail("%s has statistics; only hytm runs should" % r["impl"])
        if r["impl"] == "seq" and r["threads"] != 1:
            fail("seq ran with %d threads" % r["threads"])
        if r["impl"] in ("tbb-spec", "rtm-elide"):
            e = r.get("elision")
            if not isinstance(e, dict) or e.get("sections", 0) <= 0 or not 0 <= e.get("hardware", -1) <= e["sections"]:
                fail("%s on %s: no sane elision counts: %r" % (r["impl"], r["label"], e))
            if not cpu_rtm and (e["hardware"] != 0 or e["cpu_rtm"]):
                fail("%s elided on a CPU whose CPUID shows no RTM: %r" % (r["impl"], e))
        elif "elision" in r:
            fail("%s has elision counts; only the lock-elision peers should" % r["impl"])
        if r.get("ld_bind_now", False) != (r["impl"] == "itm-default"):
            fail("%s ran %s LD_BIND_NOW" % (r["impl"], "with" if r.get("ld_bind_now") else "without"))
        seen.add((r["workload"], r["impl"], r["threads"]))

    for w in workloads:
        for i in impls:
            if i in unavailable or (i == "tbb-chm" and w != "hashset"):
                continue
            for t in ([1] if i == "seq" else [1, 2]):
                if (w, i, t) not in seen:
                    fail("no run of %s on %s with %d threads" % (w, i, t))

    for needle in ("/best@1", "best@2"):
        if "hytm-auto" not in unavailable and needle not in p.stdout:
            fail("the ratio table has no '%s' column" % needle)
    if "itm-default" in built and "itm-default ran with LD_BIND_NOW=1" not in p.stdout:
        fail("the report does not say that itm-default ran with LD_BIND_NOW=1")
    if not cpu_rtm and "tbb-spec" in built and "took their lock" not in p.stdout:
        fail("the report does not say that the elision peers took their lock on this CPU")

    with open(os.path.join(work, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(doc["runs"]):
        fail("CSV has %d rows for %d runs" % (len(rows), len(doc["runs"])))

    if shutil.which("gnuplot"):
        svgs = [n for n in os.listdir(os.path.join(work, "plots")) if n.endswith(".svg")]
        if not any(n.startswith("throughput-") for n in svgs):
            fail("no throughput plot in %s" % os.path.join(work, "plots"))
    print("bench.smoke: OK (%d runs)" % len(doc["runs"]))


if __name__ == "__main__":
    main()
