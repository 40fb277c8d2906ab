#!/usr/bin/env bash
# Instructions per operation (callgrind) and wall-clock ns per operation
# (median of 5 runs) for each kind of tx_costs (C++) and c_costs (C), on each
# hytm path.  The hardware path is the scripted one (tx_costs htm-*): its
# instructions leave out the script's status source, which stands in for
# xbegin; its ns/op include it (and no real xbegin/xend, about 40 ns on RTM
# hardware).
# Usage: examples/costs/measure.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
build=${1:-build/release}
cxx_bin=$build/examples/costs/hytm-tx-costs c_bin=$build/examples/costs/hytm-c-costs
for b in "$cxx_bin" "$c_bin"; do
  [ -x "$b" ] || { echo "build $b first (cmake --build --preset release)" >&2; exit 2; }
done
small=20000 big=40000 wall=2000000

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The C program runs the kinds named block-* and atomic-*.
bin_for() { case $1 in block-*|atomic-*) echo "$c_bin" ;; *) echo "$cxx_bin" ;; esac; }
instr() {  # kind n env...
  local kind=$1 n=$2; shift 2
  local bin total
  bin=$(bin_for "$kind")
  total=$(env "$@" valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bin" "$kind" "$n" 2>&1 |
    sed -n 's/.*Collected : //p')
  case $kind in
    htm-*)
      # The scripted path's status source (a deque under a mutex) stands in
      # for xbegin: not the hardware path's cost, so it is left out.
      local script
      script=$(callgrind_annotate --inclusive=yes "$tmp/cg" 2>/dev/null |
        sed -n 's/^ *\([0-9,]*\) .*hytm::detail::scripted_status().*/\1/p' | head -1 | tr -d ,)
      echo $((total - ${script:-0}))
      ;;
    *) echo "$total" ;;
  esac
}
# Picoseconds per operation: the median of 5 whole-process runs of $wall operations.
wall_median() {  # kind env...
  local kind=$1; shift
  local ns=() bin; bin=$(bin_for "$kind")
  for _ in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s%N); env "$@" "$bin" "$kind" $wall; t1=$(date +%s%N)
    ns+=($(( (t1 - t0) / (wall / 1000) )))
  done
  printf '%s\n' "${ns[@]}" | sort -n | sed -n 3p
}
per_op() {  # label env... -- kind
  local label=$1; shift
  local kind=${*: -1}; local envs=("${@:1:$#-1}")
  local a b
  a=$(instr "$kind" $small "${envs[@]}")
  b=$(instr "$kind" $big "${envs[@]}")
  local med; med=$(wall_median "$kind" "${envs[@]}")
  printf '%-34s %10s instr/op %8s.%03d ns/op\n' "$label" $(( (b - a) / (big - small) )) $((med / 1000)) $((med % 1000))
}
# Wall-clock ns/op only (median of 5 runs): real RTM instructions, which valgrind cannot run
# (every xbegin aborts there), so no instruction count.
wall_op() {  # label env... -- kind
  local label=$1; shift
  local kind=${*: -1}; local envs=("${@:1:$#-1}")
  local med; med=$(wall_median "$kind" "${envs[@]}")
  printf '%-34s %10s instr/op %8s.%03d ns/op\n' "$label" - $((med / 1000)) $((med % 1000))
}
if grep -qw rtm /proc/cpuinfo; then
  # HYTM_SOLO=off: on one thread solo mode would run hytm's transactions serially.
  wall_op "RTM: hand-written elision, empty" X=1 elide-empty
  wall_op "RTM: hand-written elision, increment" X=1 elide-increment
  wall_op "RTM: hytm hardware path, empty" HYTM_SOLO=off empty
  wall_op "RTM: hytm hardware path, increment" HYTM_SOLO=off increment
  wall_op "RTM: C block, hardware, empty" HYTM_SOLO=off block-empty
  wall_op "RTM: C block, hardware, increment" HYTM_SOLO=off block-increment
fi
per_op "std::mutex, empty" X=1 mutex-empty
per_op "std::mutex, increment" X=1 mutex-increment
per_op "hytm serial path, empty" HYTM_HTM=off HYTM_STM=off empty
per_op "hytm serial path, increment" HYTM_HTM=off HYTM_STM=off increment
per_op "hytm software path, empty" HYTM_HTM=off empty
per_op "hytm software path, increment" HYTM_HTM=off increment
if ! grep -qw rtm /proc/cpuinfo; then
  # Auto mode (the default) on a CPU without RTM: solo mode on one thread
  # (serial), and with it off the cost rule over the software path, as with
  # two or more threads.  (With RTM, auto mode runs xbegin, which valgrind
  # aborts: not a count of the hardware path.)
  per_op "hytm auto (no TSX), solo, empty" X=1 empty
  per_op "hytm auto (no TSX), solo, increment" X=1 increment
  per_op "hytm auto (no TSX), no solo, empty" HYTM_SOLO=off empty
  per_op "hytm auto (no TSX), no solo, increment" HYTM_SOLO=off increment
fi
per_op "hytm hardware (scripted), empty" X=1 htm-empty
per_op "hytm hardware (scripted), increment" X=1 htm-increment
per_op "hytm RTM model, empty" HYTM_HTM=emulate empty
per_op "hytm RTM model, increment" HYTM_HTM=emulate increment
per_op "C block, serial path, empty" HYTM_HTM=off HYTM_STM=off block-empty
per_op "C block, serial path, increment" HYTM_HTM=off HYTM_STM=off block-increment
per_op "C block, software path, empty" HYTM_HTM=off block-empty
per_op "C block, software path, increment" HYTM_HTM=off block-increment
per_op "C hytm_atomic, software, increment" HYTM_HTM=off atomic-increment
