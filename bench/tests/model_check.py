#!/usr/bin/env python3
"""bench.model_check: parses the output of `hytm-bench --model-check` (on the RTM model alone
where the CPU has no usable RTM, as on most machines; with the CPU's column too where it has).

Checks that every workload and thread count has a block with the hardware starts and the share
that committed and that aborted by cause for the model (and the CPU, unless the command said
"no usable RTM on this CPU: model only"), that the shares add up, that the differences are the
model minus the CPU, that the capacity curves go from all commits to none (the model's L1 is
exact: its ways commit in one set, one more line never), and that the JSON and plots were written.

usage: model_check.py HYTM_BENCH WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

BLOCK = re.compile(r"^(?P<label>.+) @ (?P<threads>\d+) thr\s+cpu\s+model\s+diff$")
ROW = re.compile(r"^  (?P<name>starts|commit %|abort (?P<cause>\w+) %)\s+(?P<cpu>\S+)\s+(?P<model>\S+)(?:\s+(?P<diff>\S+))?$")
CAPACITY = re.compile(r"^(?P<kind>consecutive lines|lines in one L1 set)\s+cpu\s+model\s+diff$")
POINT = re.compile(r"^  (?P<lines>\d+)\s+(?P<cpu>\S+)\s+(?P<model>\S+)\s+(?P<diff>\S+)$")


def fail(msg):
    print("bench.model_check: FAIL: " + msg)
    sys.exit(1)


def number(s):
    return None if s == "-" else float(s)


def main():
    exe, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    p = subprocess.run([exe, "--model-check", "--callgrind"], capture_output=True, text=True)
    if p.returncode != 2 or "--model-check" not in p.stderr:
        fail("--model-check --callgrind: expected exit status 2 and a message, got %d: %s" % (p.returncode, p.stderr))

    cmd = [exe, "--model-check", "--workloads", "hashset,counter", "--update", "20", "--threads", "1,2", "--duration", "0.05", "--out", work]
    p = subprocess.run(cmd, capture_output=True, text=True)
    print(p.stdout)
    if p.returncode != 0:
        fail("%s exited with %d\n%s" % (" ".join(cmd), p.returncode, p.stderr))
    out = p.stdout.splitlines()
    model_only = "no usable RTM on this CPU: model only" in p.stdout

    blocks, curves, current, kind = {}, {}, None, None
    for line in (l.rstrip() for l in out):
        if m := BLOCK.match(line):
            current, kind = (m["label"], int(m["threads"])), None
            blocks[current] = {}
        elif m := CAPACITY.match(line):
            kind, current = m["kind"], None
            curves[kind] = {}
        elif current and (m := ROW.match(line)):
            blocks[current][m["name"]] = (m["cpu"], m["model"], m["diff"])
        elif kind and (m := POINT.match(line)):
            curves[kind][int(m["lines"])] = (number(m["cpu"]), number(m["model"]), number(m["diff"]))
        elif line.strip() == "":
            current = None

    want = {("hashset size=4096 update=20", 1), ("hashset size=4096 update=20", 2), ("counter", 1), ("counter", 2)}
    if set(blocks) != want:
        fail("blocks for %s, expected %s" % (sorted(blocks), sorted(want)))
    for key, rows in blocks.items():
        names = {"starts", "commit %", "abort conflict %", "abort capacity %", "abort explicit %", "abort other %"}
        if set(rows) != names:
            fail("%s: rows %s, expected %s" % (key, sorted(rows), sorted(names)))
        if rows["starts"][1] in ("-", "0"):
            fail("%s: no hardware starts on the model" % (key,))
        for column in (0, 1):
            if column == 0 and model_only:
                if any(r[0] != "-" for r in rows.values()) or any(r[2] not in (None, "-") for r in rows.values()):
                    fail("%s: model only, but the cpu column has figures: %s" % (key, rows))
                continue
            shares = [float(r[column]) for n, r in rows.items() if n != "starts"]
            if not all(0 <= s <= 100 for s in shares) or abs(sum(shares) - 100) > 0.1:
                fail("%s: the %s shares do not add up to 100 %%: %s" % (key, "cpu" if column == 0 else "model", rows))
        if not model_only:
            for n, r in rows.items():
                if n != "starts" and abs(float(r[1]) - float(r[0]) - float(r[2])) > 0.011:
                    fail("%s %s: diff %s is not model - cpu" % (key, n, r))

    with open(os.path.join(work, "model-check.json")) as f:
        doc = json.load(f)
    if doc["real_rtm"] == model_only or doc["failures"]:
        fail("JSON: real_rtm %s, failures %s" % (doc["real_rtm"], doc["failures"]))
    geometry = re.search(r"L1 (\d+)K:(\d+)", p.stdout)
    if not geometry:
        fail("the capacity table does not name the model's L1")
    ways = int(geometry.group(2))

    for kind in ("consecutive lines", "lines in one L1 set"):
        c = curves.get(kind)
        if not c or len(c) < 8:
            fail("capacity curve '%s' has %d points" % (kind, len(c or {})))
        sizes = sorted(c)
        if c[sizes[0]][1] != 100 or c[sizes[-1]][1] != 0:
            fail("%s: the model should commit all at %d lines and none at %d: %s" % (kind, sizes[0], sizes[-1], c))
        if any(v[1] is None or (not model_only and v[0] is None) or (model_only and v[0] is not None) for v in c.values()):
            fail("%s: a point lacks a figure: %s" % (kind, c))
        if [v[1] for _, v in sorted(c.items())] != sorted((v[1] for v in c.values()), reverse=True):
            fail("%s: the model's commit rate rises with more lines: %s" % (kind, c))
    one_set = curves["lines in one L1 set"]
    if one_set[ways - 1][1] != 100 or one_set[ways + 1][1] != 0:
        fail("one L1 set of %d ways: the model commits %s %% at %d lines and %s %% at %d" % (ways, one_set[ways - 1][1], ways - 1, one_set[ways + 1][1], ways + 1))
    if len(doc["capacity"]["consecutive"]) != len(curves["consecutive lines"]):
        fail("JSON and table disagree on the consecutive curve")

    if shutil.which("gnuplot"):
        for name in ("model-check-capacity-consecutive.svg", "model-check-capacity-one-set.svg"):
            if not os.path.exists(os.path.join(work, "plots", name)):
                fail("no plot %s" % name)
    print("bench.model_check: OK (%s, %d blocks)" % ("model only" if model_only else "cpu and model", len(blocks)))


if __name__ == "__main__":
    main()
