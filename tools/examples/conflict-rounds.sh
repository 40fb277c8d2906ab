#!/usr/bin/env bash
# conflict-rounds.sh: the before/after figures of docs/conflicts.md.
#
# Runs hytm-conflict-demo with the shared counter and with per-thread counters, alternating,
# ROUNDS times each, with HYTM_STATS=json, and prints per variant the median (and range) of:
# throughput, CPU time per transaction, aborts per commit and the share of attempt time lost
# to aborts, plus the top conflict that hytm-report names.
#
#   tools/examples/conflict-rounds.sh [--build DIR] [--rounds N] [--htm off|emulate] [-- demo args]
#
# On a machine that other programs keep busy, run it in a session of its own with a high
# autogroup priority (as root), or the figures measure the scheduler:
#   setsid bash -c 'echo -20 > /proc/self/autogroup; exec tools/examples/conflict-rounds.sh'
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build/default
rounds=5
htm=off
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --htm) htm=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "conflict-rounds.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
demo=$build/tools/examples/hytm-conflict-demo
[[ -x $demo ]] || { echo "conflict-rounds.sh: no $demo (build first)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "HYTM_HTM=$htm, $rounds rounds; load average $(cut -d' ' -f1-3 /proc/loadavg); autogroup: $(cat /proc/self/autogroup 2>/dev/null || echo ?)"
for ((r = 0; r < rounds; ++r)); do
  for m in shared per-thread; do
    HYTM_HTM=$htm HYTM_STM=norec HYTM_STATS=json "$demo" --counter "$m" "${extra[@]}" \
      >"$out/$m-$r.txt" 2>"$out/$m-$r.json"
    cat "$out/$m-$r.txt"
  done
done
python3 - "$out" "$rounds" "$root/tools/hytm-report" <<'EOF'
import json, re, statistics, subprocess, sys
out, rounds, tool = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def med(xs, fmt):
    return "%s (%s to %s)" % (fmt % statistics.median(xs), fmt % min(xs), fmt % max(xs))
print()
print("%-11s %-26s %-26s %-24s %-24s" % ("counter", "Mtx/s", "us CPU per tx", "aborts per commit", "time lost to aborts %"))
for m in ("shared", "per-thread"):
    tput, cpu, apc, lost = [], [], [], []
    for r in range(rounds):
        line = open("%s/%s-%d.txt" % (out, m, r)).read()
        tput.append(float(re.search(r"([0-9.]+) Mtx/s", line).group(1)))
        cpu.append(float(re.search(r"([0-9.]+) us CPU/tx", line).group(1)))
        d = json.load(open("%s/%s-%d.json" % (out, m, r)))
        p = d["paths"]
        commits = p["htm"]["commits"] + p["stm"]["commits"] + p["serial"]["commits"]
        aborts = (p["htm"]["starts"] - p["htm"]["commits"]) + sum(p["stm"]["aborts"].values()) \
            + p["serial"]["rollbacks"]
        apc.append(aborts / commits)
        t = d["time"]
        lost.append(100.0 * t["aborted_ns"] / max(t["aborted_ns"] + t["committed_ns"], 1))
    print("%-11s %-26s %-26s %-24s %-24s" % (m, med(tput, "%.2f"), med(cpu, "%.2f"), med(apc, "%.3f"),
                                               med(lost, "%.1f")))
print()
r = subprocess.run([sys.executable, tool, "--top", "1", "%s/shared-0.json" % out], capture_output=True, text=True)
print("hytm-report, first shared round:")
print(r.stdout)
EOF
