#!/usr/bin/env bash
# scripts/report.sh: the main job.  Installs what is missing, builds the release preset and runs
# the benchmark driver, hytm-bench, with its default report (arguments are passed on to it).
# Where the benchmark is not built, it runs a short multi-threaded workload with HYTM_STATS=text
# instead, which prints the machine's RTM status and the statistics table.
#
#   bash scripts/report.sh [hytm-bench arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
cmake --preset release
cmake --build --preset release

bench=build/release/bench/hytm-bench
if [[ -x "$bench" ]]; then
  exec "$bench" "$@"
fi

echo "report.sh: $bench is not built; running the environment driver with HYTM_STATS=text" >&2
HYTM_STATS=text exec build/release/tests/env_driver
