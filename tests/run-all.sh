#!/usr/bin/env bash
# `make test`: every suite, one after the other. Each prints a line
# "<suite>: N passed, N failed"; the last line adds them all up, and the
# exit code is non-zero when anything failed (or a suite printed no total).
set -u
cd "$(dirname "$0")/.."

# suite name | what it is | command
SUITES=(
	"unit|unit tests (check, ASan + UBSan)|make -s -C tests/unit check"
	"fuzz|libFuzzer smoke run|make -s -C tests/fuzz run SECONDS=${GCP_FUZZ_SECONDS:-5}"
	"sipp|SIPp suites against Kamailio|bash tests/sipp/run.sh"
	"smoke|make run, as a user starts it|bash tests/smoke_run.sh"
	"rpc|management: kamcmd, persistence, statistics|bash tests/rpc/run.sh"
	"stress|races, faults, load, bounds and hostile input (children=8)|STRESS_ROUNDS=${GCP_STRESS_ROUNDS:-10} bash tests/stress/run.sh"
	"cluster|three nodes (DMQ): pickups, registrations, lamps and configuration across nodes, nodes that fail|bash tests/cluster/run.sh"
	"docs|module README up to date with its DocBook, everything documented|bash tests/docs/run.sh"
	"kemi|the Lua (KEMI) configuration|bash tests/kemi/run.sh"
	"prom|statistics on Prometheus /metrics, JSON-RPC and kamcli|bash tests/prom/run.sh"
	"deb|the Debian package: build, install, one pickup, purge|bash tests/deb/run.sh"
	"interop|real SIP clients (baresip, linphone, Twinkle) in every seat and mode|bash tests/interop/run.sh"
)

total_p=0
total_f=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for s in "${SUITES[@]}"; do
	IFS='|' read -r name what cmd <<<"$s"
	echo "== $name: $what"
	start=$(date +%s)
	bash -c "$cmd" 2>&1 | tee "$out"
	line=$(sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p" "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name printed no total: counted as failed"
		line="0 1"
	fi
	read -r p f <<<"$line"
	echo "== $name: $p passed, $f failed in $(($(date +%s) - start)) s"
	total_p=$((total_p + p))
	total_f=$((total_f + f))
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
