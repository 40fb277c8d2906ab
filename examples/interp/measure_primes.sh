#!/usr/bin/env bash
# Times primes.hy under --gil and --tm with 1 and 2 threads, next to the same
# program in plain C++, and prints a Markdown table of wall-clock medians (and,
# in parentheses, the fastest run: on a shared machine, the closest to an
# unloaded one), then the medians of the CPU time (user + system) the runs
# used: on a loaded machine the CPU time says what the work cost even when
# the wall clock says mostly how long the scheduler made it wait.
# The configurations take turns run after run, so that a burst of load on the
# machine spreads over all of them instead of skewing one.  HYTM_* variables
# pass through (HYTM_HTM=off, force, ...); INTERP=path runs another build of
# the interpreter (say, a copy from before a change).
#
#   bash examples/interp/measure_primes.sh BUILD_DIR [RUNS [LIMIT]]
set -euo pipefail
build=${1:?usage: measure_primes.sh BUILD_DIR [RUNS [LIMIT]]}
runs=${2:-5}
limit=${3:-800000}
here=$(cd "$(dirname "$0")" && pwd)
interp=${INTERP:-$build/examples/interp/hytm-interp}
native=$build/examples/interp/hytm-primes-native

# gil-every: the lock handed over at the end of every slice (10000 bytecodes,
# some 30 us) when another thread waits, instead of after the 5 ms switch
# interval (CPython's) of plain --gil.
kinds=(native gil gil-every tm)
configs=()
for kind in "${kinds[@]}"; do configs+=("$kind 1" "$kind 2"); done
declare -A times cpus
timefile=$(mktemp)
trap 'rm -f "$timefile"' EXIT
load=$(cut -d' ' -f1 /proc/loadavg)
expected=""
for ((r = 0; r < runs; r++)); do
  for c in "${configs[@]}"; do
    read -r kind threads <<<"$c"
    case $kind in
      native) cmd=("$native" --threads "$threads" "$limit") ;;
      gil-every) cmd=("$interp" --gil --switch 0 --threads "$threads" "$here/primes.hy" "$limit") ;;
      *) cmd=("$interp" "--$kind" --threads "$threads" "$here/primes.hy" "$limit") ;;
    esac
    t0=$(date +%s.%N)
    out=$(/usr/bin/time -f "%U %S" -o "$timefile" "${cmd[@]}")
    t1=$(date +%s.%N)
    # Every configuration must print the same line.
    [[ -z $expected ]] && expected=$out
    if [[ $out != "$expected" ]]; then
      echo "$c printed '$out', expected '$expected'" >&2
      exit 1
    fi
    times[$c]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') "
    cpus[$c]+="$(awk 'END {print $1 + $2}' "$timefile") "
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
fastest() { tr ' ' '\n' <<<"$1" | grep . | sort -g | head -n 1; }

echo "$expected; median (fastest) of $runs runs, $(nproc) CPUs ($(awk -F": " '/^model name/ {n = $2} /^cpu family/ {f = $2} /^model\t/ {m = $2} END {printf "%s, family %s model %s", n, f, m}' /proc/cpuinfo)), load average before: $load, after: $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| program | 1 thread | 2 threads | speed-up | CPU time, 1 thread | CPU time, 2 threads |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for kind in "${kinds[@]}"; do
  m1=$(median "${times[$kind 1]}")
  m2=$(median "${times[$kind 2]}")
  f1=$(fastest "${times[$kind 1]}")
  f2=$(fastest "${times[$kind 2]}")
  case $kind in
    native) name="plain C++ (hytm-primes-native)" ;;
    gil-every) name="hytm-interp --gil --switch 0" ;;
    *) name="hytm-interp --$kind" ;;
  esac
  u1=$(median "${cpus[$kind 1]}")
  u2=$(median "${cpus[$kind 2]}")
  awk -v n="$name" -v a="$m1" -v b="$m2" -v c="$f1" -v d="$f2" -v u="$u1" -v v="$u2" \
    'BEGIN {printf "| %s | %.2f s (%.2f) | %.2f s (%.2f) | %.2fx (%.2fx) | %.2f s | %.2f s |\n", n, a, c, b, d, a / b, c / d, u, v}'
done
