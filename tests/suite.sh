#!/usr/bin/env bash
# The head of the suites that start their own Kamailio with a cfg of their
# own (tests/kemi, tests/prom, tests/deb), sourced from the repository's
# top: . tests/suite.sh <suite> [package set of scripts/setup-deb.sh]
# Installs what the suite needs, gives it tests/out-<suite> and its
# Kamailio port of tests/lib/ports.sh, and loads tests/sipp/lib.sh and
# tests/kstart.sh; counts start at 0, check's lines read "PASS <suite> ...".
SUITE=$1
if [ -n "${2:-}" ]; then
	bash scripts/setup-deb.sh "$2" || { echo "$SUITE: 0 passed, 1 failed"; exit 1; }
fi
. tests/lib/ports.sh
export GCP_TEST_KPORT=${K_PORTS[$SUITE]}
export GCP_TEST_OUT=$PWD/tests/out-$SUITE
rm -rf "$GCP_TEST_OUT"
. tests/sipp/lib.sh
. tests/kstart.sh
CHECK_PREFIX="$SUITE "
CHECK_ALL=$OUT/checks.log
passed=0
failed=0
