#!/usr/bin/env bash
# For the suites under tests/deb, tests/kemi and tests/prom: start Kamailio
# with another cfg than tests/sipp/lib.sh's k_start does (the packaged
# example, the KEMI cfg, the cfg with Prometheus), and tests of the SIPp
# suites (tests/sipp/tests_*.sh) on ports of their own.
# Source tests/sipp/lib.sh first (with GCP_TEST_KPORT and GCP_TEST_OUT
# exported): this uses its OUT, KADDR, CTL, KLOG, KPID and k_stop.

# k_start_cfg <dir> <cfg> [kamailio args...]: k_launch of lib.sh, with
# voicemail at $VM_HOST (default 127.0.0.1:5099)
k_start_cfg() {
	k_stop_cfg
	K_VM_HOST=${VM_HOST:-127.0.0.1:5099} k_launch "$@"
}

# stops what k_start_cfg started, and a leftover of an earlier run of the
# same suite (its ctl socket is in this suite's own $OUT)
k_stop_cfg() {
	k_stop
	pkill -f -- "kamailio -f .*GCP_CTL=\"$CTL\"" 2>/dev/null || true
}

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
	. "$ROOT/tests/sipp/$1"
	declare -F "t_$2" >/dev/null || return 1
	eval "$(sipp_fn "$2" "t_$2_59" 's/\b5([1-4])0([0-9])\b/59\1\2/g')"
}

# t_basic_pickup of tests/sipp/tests_basic.sh as t_basic_pickup_59
load_basic_pickup() {
	load_sipp_test tests_basic.sh basic_pickup
}

# run one test function in $OUT/<name>, like tests/sipp/run.sh does:
# run_one <label> <function> [mode]; counts in passed/failed
run_one() {
	local label=$1 fn=$2 mode=${3:-inject}
	T_DIR=$OUT/$label
	rm -rf "$T_DIR"
	mkdir -p "$T_DIR"
	if (set +e; MODE=$mode; "$fn") >"$T_DIR/test.log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS $SUITE $label"
	else
		failed=$((failed + 1))
		echo "FAIL $SUITE $label"
		sed 's/^/    /' "$T_DIR/test.log" | tail -n 40
	fi
	pkill -f -- "$T_DIR/" 2>/dev/null # SIPp parties, sinks
	unreg_all
}

# check <label> <command...>: a one-line test; its output is kept in
# $OUT/checks.log, and shown when it fails (needs only OUT, SUITE, passed
# and failed: tests/docs uses it without lib.sh)
check() {
	local label=$1
	shift
	if "$@" >"$OUT/last.log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS $SUITE $label"
	else
		failed=$((failed + 1))
		echo "FAIL $SUITE $label"
		tail -n 20 "$OUT/last.log" | sed 's/^/    /'
	fi
	cat "$OUT/last.log" >>"$OUT/checks.log"
}
