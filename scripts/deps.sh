#!/usr/bin/env bash
# scripts/deps.sh: installs the Debian 12 packages that hytm's build, tests and benchmarks need,
# only those that are missing (nothing is installed, and apt is not touched, when all are there).
#
#   bash scripts/deps.sh            # as root, or as a user who may sudo
#   HYTM_DEPS_UPDATE=1 bash ...     # run `apt-get update` even if nothing is missing
#   HYTM_SKIP_DEPS=1 bash ...       # do nothing (a machine you manage yourself)
#
# On a system without apt-get it lists what to install and carries on: CMake will say what is
# really missing.
set -euo pipefail

PACKAGES=(
  cmake g++ make pkg-config           # the build (CMake >= 3.25: Debian 12 has 3.25.1)
  libgtest-dev libgmock-dev           # tests (googletest)
  valgrind python3                    # tests: forced RTM under valgrind; JSON checks
  libhwloc-dev libtbb-dev             # machine topology; the TBB peers of the benchmark
  libbenchmark-dev gnuplot-nox        # micro-benchmarks; the benchmark's plots
  nlohmann-json3-dev libcli11-dev     # the benchmark's JSON and command line
  dpkg-dev binutils                   # package.deb (cpack -G DEB, dpkg-shlibdeps); abi.* (objdump)
)

if [[ -n "${HYTM_SKIP_DEPS:-}" ]]; then
  exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: no dpkg/apt-get here; install the equivalents of: ${PACKAGES[*]}" >&2
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ $status != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 && -z "${HYTM_DEPS_UPDATE:-}" ]]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "deps: missing ${missing[*]}; run this script as root to install them" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps: apt-get update"
"${as_root[@]}" apt-get update -q
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "deps: installing ${missing[*]}"
  "${as_root[@]}" apt-get install -y -q "${missing[@]}"
fi
