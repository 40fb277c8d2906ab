#!/usr/bin/env bash
# stats-overhead.sh: what per-site statistics and conflict attribution cost, on the benchmark
# driver's red-black tree (docs/conflicts.md, "What the profiler costs").
#
# Builds hytm-bench twice from the same commit, in a scratch folder:
#   stock    the engine as it is;
#   nostats  the same engine with the statistics compiled out: counter::add() is empty (every
#            per-site counter, totals included), ticks() returns 0 (no rdtsc per attempt),
#            record_footprint() and record_conflict() return at once, and NOrec's commit no
#            longer stores its last-writer hint.
# then runs, on each, the rbtree workload on hytm's software path (hytm-stm, the path that
# attributes conflicts):
#   1. hytm-bench --callgrind: instructions per operation on one thread (deterministic);
#   2. timed runs, the two builds alternating, ROUNDS times each, at 1 thread (and at 2
#      threads if the machine has 2 or more CPUs); the median throughput of each.
# Nothing in the repository is changed.
#
#   tools/stats-overhead.sh [--commit REV] [--work DIR] [--rounds N] [--update P] [--size N]
#
# Needs git, cmake, a C++20 compiler, valgrind (for step 1).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
commit=HEAD
work=${TMPDIR:-/tmp}/hytm-stats-overhead
rounds=7
update=20
size=4096
duration=0.5
while [[ $# -gt 0 ]]; do
  case $1 in
    --commit) commit=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --update) update=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "stats-overhead.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

rev=$(git -C "$repo" rev-parse --short "$commit")
echo "commit $rev; work folder $work"
mkdir -p "$work"

# Replaces $2 by $3 (perl regex, multi-line) in file $1; fails if nothing matched.
patch_once() {
  local file=$1 from=$2 to=$3
  FROM=$from TO=$to perl -0pi -e 'BEGIN{$n=0} $n += s/$ENV{FROM}/$ENV{TO}/gs; END{exit($n ? 0 : 3)}' "$file" \
    || { echo "stats-overhead.sh: the engine changed: no match for /$from/ in $file" >&2; exit 1; }
}

prepare() {
  local variant=$1 src=$work/$1/src
  rm -rf "$src"
  mkdir -p "$src"
  git -C "$repo" archive "$commit" | tar -x -C "$src"
  if [[ $variant == nostats ]]; then
    patch_once "$src/hybrid/include/hytm/hybrid/counters.hpp" \
      'void add\(std::uint64_t n = 1\) noexcept \{\s*v\.store\([^;]*;\s*\}' \
      'void add(std::uint64_t = 1) noexcept {}'
    # ticks() is in epilogue.hpp since the fixed-cost work (issue 11), run.hpp before.
    local ticks_at=$src/hybrid/include/hytm/hybrid/epilogue.hpp
    [[ -f $ticks_at ]] || ticks_at=$src/hybrid/include/hytm/hybrid/run.hpp
    patch_once "$ticks_at" \
      'inline std::uint64_t ticks\(\) noexcept \{' \
      'inline std::uint64_t ticks() noexcept { return 0;'
    patch_once "$src/hybrid/src/epilogue.cpp" \
      'void record_footprint\(thread_ctx& ctx, footprint which, auto&& fill\) \{' \
      'void record_footprint(thread_ctx& ctx, footprint which, auto&& fill) { (void)ctx; (void)which; (void)fill; return;'
    patch_once "$src/hybrid/src/epilogue.cpp" \
      'std::uint64_t spent\) noexcept \{' \
      'std::uint64_t spent) noexcept { (void)ctx; (void)addr; (void)writer; (void)spent; return;'
    patch_once "$src/stm/src/norec.cpp" \
      'g_norec\.last_writer\.store\(tag_, std::memory_order_relaxed\);' \
      '(void)tag_;'
  fi
}

build() {
  local variant=$1
  cmake -S "$work/$variant/src" -B "$work/$variant/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHYTM_BUILD_TESTS=OFF -DHYTM_BUILD_EXAMPLES=OFF >"$work/$variant/configure.log" 2>&1
  # -w: the nostats stubs leave unused variables behind.
  cmake --build "$work/$variant/build" --target hytm-bench -j "$(nproc)" >"$work/$variant/build.log" 2>&1 \
    || { echo "build of $variant failed: $work/$variant/build.log" >&2; exit 1; }
}

for v in stock nostats; do
  if [[ ! -x $work/$v/build/bench/hytm-bench || ! -f $work/$v/.rev || $(cat "$work/$v/.rev") != "$rev" ]]; then
    echo "building $v ..."
    prepare "$v"
    build "$v"
    echo "$rev" >"$work/$v/.rev"
  fi
done

bench() { "$work/$1/build/bench/hytm-bench" -w rbtree -u "$update" -s "$size" --out "" "${@:2}"; }

echo
echo "== instructions per operation (callgrind, 1 thread, rbtree size=$size update=$update) =="
if command -v valgrind >/dev/null; then
  for v in stock nostats; do
    echo "-- $v"
    bench "$v" -i seq,hytm-stm --callgrind --callgrind-ops 100000 2>&1 | grep -E '^  (seq|hytm-stm) ' || true
  done
else
  echo "(valgrind not found: skipped)"
fi

threads="1"
[[ $(nproc) -ge 2 ]] && threads="1 2"
echo
echo "== throughput (rbtree size=$size update=$update, ${duration} s runs, $rounds rounds alternating) =="
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in $threads; do
  for v in stock nostats; do : >"$work/$v/ops-$t.txt"; done
  for ((r = 0; r < rounds; ++r)); do
    for v in stock nostats; do
      # The table's hytm-stm row: the throughput column (Mops/s) is the first number after
      # the thread count.
      bench "$v" -i hytm-stm -t "$t" -d "$duration" --json "$work/$v/run-$t-$r.json" >/dev/null 2>&1
      python3 - "$work/$v/run-$t-$r.json" >>"$work/$v/ops-$t.txt" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for r in doc.get("runs", []):
    if r.get("impl") == "hytm-stm":
        v = r.get("ops_per_s") or r.get("throughput")
        if v is None and r.get("ops") and r.get("seconds"):
            v = r["ops"] / r["seconds"]
        print(v)
EOF
    done
  done
  for v in stock nostats; do
    python3 - "$v" "$t" "$work/$v/ops-$t.txt" <<'EOF'
import statistics, sys
v, t, path = sys.argv[1:4]
xs = [float(x) for x in open(path).read().split() if x not in ("None", "")]
if xs:
    print("%-8s threads=%s  median %.3f Mops/s  (min %.3f, max %.3f, n=%d)" %
          (v, t, statistics.median(xs) / 1e6, min(xs) / 1e6, max(xs) / 1e6, len(xs)))
else:
    print("%-8s threads=%s  no result" % (v, t))
EOF
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
