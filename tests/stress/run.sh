#!/usr/bin/env bash
# The stress suite (issue 5): races, faults, load, bounds and hostile input,
# with SIPp through a real Kamailio running cfg/kamailio.cfg (children=8
# given with -n 8), in inject, replaces and auto mode; cfg variants made
# from cfg/kamailio.cfg for max_calls and for shm exhaustion.
#
#   race      per mode, STRESS_ROUNDS rounds of 50 calls ringing in one
#             group and 100 pickers at once: each call picked exactly once
#             (auto: 25 callers without replaces, injected, 25 with,
#             replaced), 50 pickers refused with 480, nothing left after;
#             3 rounds of 10 pickers of two groups (7011 lists 7012) over 5
#             calls in 7012: each picked once, each kind counted
#   faults    the member answers, the caller hangs up, the caller's UA
#             never answers, the picker hangs up during a pickup (inject,
#             replaces); the caller's UA answers gcp's CANCEL (auto)
#   hostile   pickup INVITEs without body, with broken SDP or a 20 kB
#             header: picked up once like any other; refused ones (foreign
#             From host 403, no or a non-SIP Contact 500, a To tag 404,
#             a broken From URI 400): that exact
#             reply, the ringing call still pickable, no statistic moved but
#             gcp:pickup_denied for the 403, and a pickup after gets the call
#   bounds, load (inject), max_calls
#   shm_exhaustion  gcp_track() with no shm left; a pickup whose context
#             finds no shm (500, the call pickable again at once, then picked
#             up); the ring table with a failing allocator
#
# Prints "PASS/FAIL <test> [details]" per check, "numbers: ..." lines, and
# ends with "stress: N passed, N failed" (exit 1 when something failed).
#
# Its own Kamailio (files in tests/out-stress; its SIP port and SIPp ports
# in tests/lib/ports.sh), so it can run next to the other suites; one run at
# a time (a lock). A concern is a file, tests_<concern>.sh: its test
# functions and checks_<concern> <mode>, the checks it runs in a mode
# (race, faults, hostile, bounds, load: one Kamailio per mode), or
# checks_<concern> with a Kamailio of its own (max_calls, shm_exhaustion);
# helpers of more than one file are in lib.sh.
#
#   STRESS_ROUNDS  race rounds per mode (default 20; make test runs 10)
#   STRESS_CALLS   calls of the load test (default 10000)
#   STRESS_TESTS   "name ..." runs only those sections:
#                  race faults hostile bounds load max_calls shm_exhaustion
#   STRESS_MODES   "inject replaces auto" (default all three)
#   STRESS_KEEP    keep the SIPp message logs of passed tests too
#   S_MODULE       another gcp.so to test (default modules/gcp/gcp.so)
set -u
cd "$(dirname "$0")"
HERE=$(pwd)
# one run at a time on this port and folder (the valgrind runner uses them
# too): wait for the other one
. ../lib/ports.sh
suite_start stress .stress.lock 1800 "$@"
. ./lib.sh

STRESS_ROUNDS=${STRESS_ROUNDS:-20}
STRESS_CALLS=${STRESS_CALLS:-10000}
# FR_INV_TIMER of the inject and replaces instances (ms): short, for the
# pickup that times out; the members' phones that must ring longer send a
# 180 every second (it restarts the timer)
FR_INV=${S_FR_INV:-3000}
SECTIONS=${STRESS_TESTS:-"race faults hostile bounds load max_calls shm_exhaustion"}
MODES=${STRESS_MODES:-"inject replaces auto"}
NUMBERS=$OUT/numbers.txt
: >"$NUMBERS"

want() { grep -qw "$1" <<<"$SECTIONS"; }

for f in tests_race.sh tests_faults.sh tests_hostile.sh tests_bounds.sh tests_load.sh tests_shm.sh; do
	. "./$f"
done
# the concerns checked in each mode, in this order, on one Kamailio
PER_MODE="race faults hostile bounds load"

# ------------------------------------------------------------------ main

# Kamailio is as it was: alive, no crash, nothing of gcp left in shm
mode_end() {
	k_alive || fail "kamailio is gone" || return 1
	if grep -E 'exited by a signal|BUG:|CRITICAL' "$KLOG" | grep -v 'pp_define'; then
		fail "the Kamailio log has crashes or bugs"
		return 1
	fi
	until_ok 30 eval '[ "$(gcp_shm)" -eq "$IDLE0" ]' ||
		fail "gcp shm is $(gcp_shm) bytes, at start $IDLE0" || return 1
	detail "gcp shm $IDLE0 bytes as at start"
}

for mode in $MODES; do
	any=0
	for s in $PER_MODE; do want "$s" && any=1; done
	[ $any = 1 ] || break
	cp "$HERE/gcp.xml" "$OUT/gcp.xml"
	if ! S_FR_INV=$FR_INV s_start "$mode" -n 8; then
		t_fail "kamailio-start $mode"
		continue
	fi
	IDLE0=$(gcp_shm)
	reg 1001 6151
	for s in $PER_MODE; do
		want "$s" && "checks_$s" "$mode"
	done
	t_check "kamailio intact after $mode" mode_end
	unreg_all
	s_stop
	cp "$KLOG" "$OUT/kamailio-$mode.log"
done

# the concerns with a Kamailio of their own
for s in max_calls shm_exhaustion; do
	want "$s" && "checks_$s"
done

# the numbers of this run
numbers_race
numbers_load
t_summary stress
