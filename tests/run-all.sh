#!/usr/bin/env bash
# `make test`: unit tests (check, under ASan/UBSan), the SIPp suites against
# a real Kamailio, and a smoke test of `make run`. Every suite prints a line
# "<suite>: N passed, N failed"; the last line adds them up.
set -u
cd "$(dirname "$0")/.."
unit_out=$(mktemp)
sipp_out=$(mktemp)
smoke_out=$(mktemp)
trap 'rm -f "$unit_out" "$sipp_out" "$smoke_out"' EXIT

echo "== unit tests (check)"
make -s -C tests/unit check 2>&1 | tee "$unit_out"
echo "== SIPp suites"
bash tests/sipp/run.sh 2>&1 | tee "$sipp_out"
echo "== make run (smoke)"
bash tests/smoke_run.sh 2>&1 | tee "$smoke_out"

sum() { # <file> <prefix>: the N passed, N failed of a "prefix: ..." line
	sed -n "s/^$2: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p" "$1" | tail -n 1
}
read -r up uf <<<"$(sum "$unit_out" unit)"
read -r sp sf <<<"$(sum "$sipp_out" sipp)"
read -r mp mf <<<"$(sum "$smoke_out" smoke)"
# a suite that printed no total failed as a whole
[ -n "${up:-}" ] || { up=0; uf=1; echo "unit tests printed no total"; }
[ -n "${sp:-}" ] || { sp=0; sf=1; echo "SIPp suites printed no total"; }
[ -n "${mp:-}" ] || { mp=0; mf=1; echo "the smoke test printed no total"; }
p=$((up + sp + mp))
f=$((uf + sf + mf))
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
