#!/usr/bin/env bash
# The head of the suites that start their own Kamailio on a port of their
# own (tests/kemi, tests/prom, tests/deb), sourced from the repository's
# top: . tests/suite.sh <suite> <SIP port> [package set of scripts/setup-deb.sh]
# Installs what the suite needs, gives it tests/out-<suite>, and loads
# tests/sipp/lib.sh and tests/kstart.sh; counts start at 0.
SUITE=$1
if [ -n "${3:-}" ]; then
	bash scripts/setup-deb.sh "$3" || { echo "$SUITE: 0 passed, 1 failed"; exit 1; }
fi
export GCP_TEST_KPORT=$2
export GCP_TEST_OUT=$PWD/tests/out-$SUITE
rm -rf "$GCP_TEST_OUT"
. tests/sipp/lib.sh
. tests/kstart.sh
passed=0
failed=0
