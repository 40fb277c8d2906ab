#!/usr/bin/env bash
# Times primes.hy under --gil and --tm with 1 and 2 threads, next to the same
# program in plain C++, and prints a Markdown table of wall-clock medians (and,
# in parentheses, the fastest run: on a shared machine, the closest to an
# unloaded one).
# The configurations take turns run after run, so that a burst of load on the
# machine spreads over all of them instead of skewing one.
#
#   bash examples/interp/measure_primes.sh BUILD_DIR [RUNS [LIMIT]]
set -euo pipefail
build=${1:?usage: measure_primes.sh BUILD_DIR [RUNS [LIMIT]]}
runs=${2:-5}
limit=${3:-800000}
here=$(cd "$(dirname "$0")" && pwd)
interp=$build/examples/interp/hytm-interp
native=$build/examples/interp/hytm-primes-native

# gil-long: the lock held for 1000000 bytecodes (about 3 ms here), close to
# CPython's 5 ms switch interval, which spares most hand-offs.
kinds=(native gil gil-long tm)
configs=()
for kind in "${kinds[@]}"; do configs+=("$kind 1" "$kind 2"); done
declare -A times
load=$(cut -d' ' -f1 /proc/loadavg)
expected=""
for ((r = 0; r < runs; r++)); do
  for c in "${configs[@]}"; do
    read -r kind threads <<<"$c"
    case $kind in
      native) cmd=("$native" --threads "$threads" "$limit") ;;
      gil-long) cmd=("$interp" --gil --slice 1000000 --threads "$threads" "$here/primes.hy" "$limit") ;;
      *) cmd=("$interp" "--$kind" --threads "$threads" "$here/primes.hy" "$limit") ;;
    esac
    t0=$(date +%s.%N)
    out=$("${cmd[@]}")
    t1=$(date +%s.%N)
    # Every configuration must print the same line.
    [[ -z $expected ]] && expected=$out
    if [[ $out != "$expected" ]]; then
      echo "$c printed '$out', expected '$expected'" >&2
      exit 1
    fi
    times[$c]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') "
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
fastest() { tr ' ' '\n' <<<"$1" | grep . | sort -g | head -n 1; }

echo "$expected; median (fastest) of $runs runs, $(nproc) CPUs, load average before: $load"
echo
echo "| program | 1 thread | 2 threads | speed-up |"
echo "| --- | ---: | ---: | ---: |"
for kind in "${kinds[@]}"; do
  m1=$(median "${times[$kind 1]}")
  m2=$(median "${times[$kind 2]}")
  f1=$(fastest "${times[$kind 1]}")
  f2=$(fastest "${times[$kind 2]}")
  case $kind in
    native) name="plain C++ (hytm-primes-native)" ;;
    gil-long) name="hytm-interp --gil --slice 1000000" ;;
    *) name="hytm-interp --$kind" ;;
  esac
  awk -v n="$name" -v a="$m1" -v b="$m2" -v c="$f1" -v d="$f2" \
    'BEGIN {printf "| %s | %.2f s (%.2f) | %.2f s (%.2f) | %.2fx (%.2fx) |\n", n, a, c, b, d, a / b, c / d}'
done
