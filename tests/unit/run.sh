#!/usr/bin/env bash
# Runs the unit test binaries; prints check's lines and one total
# "unit: N passed, N failed" that the top-level runner adds up.
set -u
. "$(dirname "$0")/../lib/check.sh"
for t in "$@"; do
	out=$(UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ./"$t" 2>&1)
	rc=$?
	echo "$out" | grep -E '^[0-9]+%: Checks' | sed "s|^|$t: |"
	line=$(echo "$out" | grep -E '^[0-9]+%: Checks' | tail -n 1)
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	if [ -z "$line" ]; then
		echo "$out" | tail -n 30
		echo "$t: no summary (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	bad=$((f + e))
	[ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	[ "$bad" -gt 0 ] && echo "$out" | grep -vE '^[0-9]+%: Checks|^Running suite' | head -n 40
	passed=$((passed + n - f - e))
	failed=$((failed + bad))
done
t_summary unit
