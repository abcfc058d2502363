#!/usr/bin/env bash
# The SIPp suites: each test drives every party of a scenario through a
# real Kamailio running cfg/kamailio.cfg, in inject and in replaces mode.
# Prints "PASS/FAIL <test> [mode]" and ends with "sipp: N passed, N failed".
# GCP_TESTS="name ..." runs only those tests; GCP_MODES="inject" one mode.
set -u
cd "$(dirname "$0")"
. ./lib.sh
ALL_TESTS=""
for f in tests_basic.sh tests_cases.sh tests_flow.sh tests_auto.sh tests_cfg.sh tests_review.sh tests_directed.sh tests_blf.sh tests_other.sh; do . "./$f"; done

modes=${GCP_MODES:-"inject replaces auto auth"}

# one attempt of a test, in its own folder; 0 when it passed
attempt() {
	local mode=$1 name=$2 rc
	MODE=$mode t_run "$OUT/$mode/$name" "t_$name"
	rc=$?
	# nothing of this test may leak into the next one
	pkill -f -- "$T_DIR/" 2>/dev/null # SIPp parties, sinks
	unreg_all
	return $rc
}

# a test, with retry-once (tests/lib/check.sh)
run_test() {
	local mode=$1 name=$2
	local start=$(date +%s.%N)
	if ! retry_once "$OUT/$mode/$name" attempt "$mode" "$name"; then
		t_fail "$(printf '%-28s %-8s' "$name" "$mode")"
		fail_tail "$OUT/$mode/$name.first/test.log" 20
		echo "    -- second attempt:"
		fail_tail "$T_DIR/test.log" 40
		return
	fi
	t_pass "$(printf '%-28s %-8s %5.1fs%s' "$name" "$mode" "$(t_secs "$start")" "$RETRY_NOTE")"
}

for mode in $modes; do
	cp "$ROOT/cfg/gcp.xml" "$OUT/gcp.xml"
	if ! k_start "$mode"; then
		t_fail "kamailio-start $mode"
		continue
	fi
	for name in ${GCP_TESTS:-$ALL_TESTS}; do
		# a test runs in every mode but auth, or in the modes that
		# modes_<name> lists ("auth": inject mode with WITH_AUTH)
		if declare -F "modes_$name" >/dev/null; then
			"modes_$name" | grep -qw "$mode" || continue
		elif [ "$mode" = auth ]; then
			continue
		fi
		run_test "$mode" "$name"
	done
	k_stop
	cp "$KLOG" "$OUT/kamailio-$mode.log"
done

t_summary sipp
