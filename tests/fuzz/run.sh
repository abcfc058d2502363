#!/usr/bin/env bash
# Runs each fuzzer for $1 seconds on a copy of its seed corpus; prints the
# executions and "fuzz: N passed, N failed".
set -u
cd "$(dirname "$0")"
secs=$1
shift
. ../lib/check.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in "$@"; do
	corpus=${f#fuzz_}
	mkdir -p "$work/$corpus"
	cp corpus/"$corpus"/* "$work/$corpus/" 2>/dev/null
	log=$work/$f.log
	if ./"$f" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" "$work/$corpus" >"$log" 2>&1; then
		execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
		[ -n "$execs" ] || execs=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed 's/^#\([0-9]*\).*/\1/')
		t_pass "$f: ${execs:-?} executions in ${secs}s"
	else
		t_fail "$f:"
		grep -E 'ERROR|SUMMARY|abort|==[0-9]+==' "$log" | head -n 20
		ls "$work"/crash-* "$work"/leak-* 2>/dev/null | head -n 3 | while read -r c; do
			mkdir -p crashes && cp "$c" crashes/ && echo "  input kept in tests/fuzz/crashes/$(basename "$c")"
		done
	fi
done
t_summary fuzz
