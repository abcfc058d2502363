#!/usr/bin/env bash
# `make test`: unit tests (check, under ASan/UBSan), then the SIPp suites
# against a real Kamailio. The last line adds both up: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
unit_out=$(mktemp)
sipp_out=$(mktemp)
trap 'rm -f "$unit_out" "$sipp_out"' EXIT

echo "== unit tests (check)"
make -s -C tests/unit check 2>&1 | tee "$unit_out"
echo "== SIPp suites"
bash tests/sipp/run.sh 2>&1 | tee "$sipp_out"

sum() { # <file> <prefix>: the N passed, N failed of a "prefix: ..." line
	sed -n "s/^$2: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p" "$1" | tail -n 1
}
read -r up uf <<<"$(sum "$unit_out" unit)"
read -r sp sf <<<"$(sum "$sipp_out" sipp)"
# a suite that printed no total failed as a whole
[ -n "${up:-}" ] || { up=0; uf=1; echo "unit tests printed no total"; }
[ -n "${sp:-}" ] || { sp=0; sf=1; echo "SIPp suites printed no total"; }
p=$((up + sp))
f=$((uf + sf))
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
