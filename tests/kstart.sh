#!/usr/bin/env bash
# Tests of the SIPp suites (tests/sipp/tests_*.sh) run by other suites
# (tests/deb, tests/kemi, tests/prom, tests/stress/valgrind.sh) on ports of
# their own (tests/lib/ports.sh). Source tests/sipp/lib.sh first.

# Moves a test function of the SIPp suites to other ports and gives the
# caller of caller_picked.xml 200 ms between its ACK and its BYE where the
# test does not set it (-d; basic_pickup does not): that
# scenario's <pause/> lasts sipp's -d, 0 by default, and on a loaded
# machine one of Kamailio's UDP workers can relay the BYE before another
# relays the ACK, so that the picker's phone sees a BYE before the ACK
# (seen with cfg/kamailio.cfg and the KEMI cfg alike, about once in 60
# runs with Kamailio on one CPU).
# sipp_fn <name> <new name> <sed port expression>: prints the new function
sipp_fn() {
	declare -f "t_$1" | sed -E -e "$3" -e "1s/^t_$1 /$2 /" \
		-e '/ -d [0-9]/!s/^([[:space:]]*uac [a-z0-9_]+ caller_picked\.xml .*);$/\1 -d 200;/'
}

# a test of the SIPp suites with its parties moved from ports 5101..5409
# (5<p>0<n>) to 5911..5949 (59<p><n>), so it can run while the SIPp suite
# runs: load_sipp_test <tests_*.sh> <name> defines t_<name>_59
load_sipp_test() {
	ALL_TESTS=${ALL_TESTS:-}
	# the helpers every SIPp test may use (pick, ring_picked, picked_from)
	declare -F ring_picked >/dev/null || . "$ROOT/tests/sipp/tests_cases.sh"
	. "$ROOT/tests/sipp/$1"
	declare -F "t_$2" >/dev/null || return 1
	eval "$(sipp_fn "$2" "t_$2_59" "$PORTS_SIPP_TO_59")"
}

# t_basic_pickup of tests/sipp/tests_basic.sh as t_basic_pickup_59
load_basic_pickup() {
	load_sipp_test tests_basic.sh basic_pickup
}

# run one test function in $OUT/<name>, like tests/sipp/run.sh does:
# run_one <label> <function> [mode]; counts in passed/failed, prints
# "PASS|FAIL $SUITE <label>"
run_one() {
	local label=$1 fn=$2
	if MODE=${3:-inject} t_run "$OUT/$label" "$fn"; then
		t_pass "$SUITE $label"
	else
		t_fail "$SUITE $label"
		fail_tail "$T_DIR/test.log" 40
	fi
	pkill -f -- "$T_DIR/" 2>/dev/null # SIPp parties, sinks
	unreg_all
}
