#!/usr/bin/env bash
# Runs every docextract test: installs the Debian packages it needs, builds the core and the
# extension, runs the GoogleTest unit tests (ctest), installs the extension, then runs the
# pg_regress suite and the TAP tests (make installcheck) against temporary clusters of their own,
# as the postgres user when invoked as root, whatever PGHOST or PGPORT say (the TAP test
# 024_live_installcheck.pl runs the suites against a live cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

scripts/install-deps.sh

echo "== build: core, helper and unit tests (CMake)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCEXTRACT_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"

echo "== unit tests (ctest)"
(cd build && ctest --output-on-failure -j"$(nproc)")

echo "== build and install the extension (PGXS)"
make -j"$(nproc)"
as_root make install >/dev/null

echo "== client examples: node-postgres (npm ci)"
(cd examples/node && npm ci --no-audit --no-fund --loglevel=error)

echo "== regression and TAP tests (make installcheck, as $(pg_user))"
work=$(pg_tempdir)
trap 'rm -rf "$work"' EXIT
# The suite writes results and temporary clusters beside the sources: give it a copy it owns.
cp -a . "$work/tree"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$work/tree"
if ! as_pg_user make -C "$work/tree" installcheck INSTALLCHECK_SERVER=temp; then
  for f in "$work"/tree/regression.diffs "$work"/tree/tmp_check/log/regress_log_*; do
    [ -f "$f" ] && { echo "---- $f"; tail -n 80 "$f"; }
  done
  exit 1
fi
scripts/test-package.sh

echo "== all tests passed"
