#!/usr/bin/env bash
# scripts/test.sh: installs what is missing, builds a preset and runs its tests.
#
#   bash scripts/test.sh                 # preset "default": every test
#   bash scripts/test.sh asan            # any preset of CMakePresets.json: debug, release, asan, tsan
#   bash scripts/test.sh default -R env  # arguments after the preset go to ctest
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

preset="${1:-default}"
shift $(( $# > 0 ? 1 : 0 ))

bash scripts/deps.sh
start=$SECONDS
cmake --preset "$preset"
cmake --build --preset "$preset"
built=$SECONDS
rc=0
ctest --preset "$preset" "$@" || rc=$?
echo "test.sh: preset $preset: configure + build $((built - start)) s, tests $((SECONDS - built)) s, ctest exit $rc"
exit "$rc"
