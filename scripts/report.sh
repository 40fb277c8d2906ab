#!/usr/bin/env bash
# scripts/report.sh: the main job.  Installs what is missing, builds the release preset's
# benchmark driver, hytm-bench, and runs its default report (arguments are passed on to it; see
# docs/benchmarks.md).  Where the benchmark cannot be built (no hwloc), it runs a short
# multi-threaded workload with HYTM_STATS=text instead, which prints the machine's RTM status and
# the statistics table.
#
#   bash scripts/report.sh [hytm-bench arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
cmake --preset release

# Only what the job runs: the tests are not needed here.
targets=$(cmake --build --preset release --target help)
if grep -Eq '^(\.\.\. )?hytm-bench(:|$)' <<<"$targets"; then
  cmake --build --preset release --target hytm-bench
  exec build/release/bench/hytm-bench "$@"
fi

echo "report.sh: hytm-bench is not part of this build; running the environment driver" >&2
cmake --build --preset release --target env_driver
HYTM_STATS=text exec build/release/tests/env_driver
