#!/usr/bin/env bash
# The stress suite (issue 5): races, faults, load, bounds and hostile input,
# with SIPp through a real Kamailio running cfg/kamailio.cfg (children=8
# given with -n 8), in inject, replaces and auto mode; cfg variants made
# from cfg/kamailio.cfg for max_calls and for shm exhaustion.
#
#   race      per mode, STRESS_ROUNDS rounds of 50 calls ringing in one
#             group and 100 pickers at once: each call picked exactly once
#             (auto: 25 callers without replaces, injected, 25 with,
#             replaced), 50 pickers refused with 480, nothing left after
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
# Its own Kamailio (SIP port 5085, files in tests/out-stress), SIPp parties
# on ports 6150-6199, 6250-6299, 6350-6399, 6450-6499 (see lib.sh), so it
# can run next to the other suites; one run at a time (a lock).
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
. ../lib/ports.sh
. ../lib/check.sh
export GCP_TEST_KPORT=${GCP_TEST_KPORT:-${K_PORTS[stress]}}
export GCP_TEST_OUT=${GCP_TEST_OUT:-$(cd ../.. && pwd)/tests/out-stress}
# one run at a time on this port and folder (the valgrind runner uses them
# too): wait for the other one
one_run stress GCP_STRESS_LOCKED "$GCP_TEST_OUT/.stress.lock" 1800 "$HERE/$(basename "$0")" "$@"
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

# t_check <name> <function> [args...]: a test function as one check, in
# a subshell with its output in $T_DIR/test.log (shown on failure); a
# function may append "key value" lines to $NUMBERS and a detail to
# $T_DIR/detail
t_check() {
	local name=$1
	shift
	local start=$(date +%s.%N) detail=""
	if t_run "$OUT/tests/$(echo "$name" | tr " /'" '_-_')" "$@"; then
		[ -f "$T_DIR/detail" ] && detail=" ($(cat "$T_DIR/detail"))"
		t_pass "$(printf '%s%s %.1fs' "$name" "$detail" "$(t_secs "$start")")"
		[ -n "${STRESS_KEEP:-}" ] || rm -f "$T_DIR"/*.msg
	else
		t_fail "$name"
		fail_tail "$T_DIR/test.log" 40
	fi
	# nothing of this test may leak into the next one
	pkill -f -- "-error_file $T_DIR/" 2>/dev/null
	SIPP_PIDS=()
	SIPP_NAMES=()
}

detail() { echo "$*" >"$T_DIR/detail"; }
number() { echo "$*" >>"$NUMBERS"; }

# the part of the Kamailio log written since klog_mark
klog_mark() { KOFF=$(wc -c <"$KLOG"); }
klog_new() { tail -c +$((KOFF + 1)) "$KLOG"; }

# the statistic now, or a default of 0
st() {
	local v
	v=$(stat "$1")
	echo "${v:-0}"
}

# wait until the statistic reaches a value: st_is <name> <value> <seconds>
st_is() {
	until_ok "$3" eval '[ "$(st '"$1"')" -eq '"$2"' ]'
}

k_is_alive() {
	k_alive || fail "kamailio is gone" || return 1
	it_works "alive$RANDOM" || fail "a plain call through Kamailio failed afterwards"
}

# ---------------------------------------------------------------- races

# 50 calls ring at member 1001 (group 7001); 100 pickers dial 7001 at once.
# auto: 25 of the callers list "replaces" (their UA takes the Replaces
# INVITE) and 25 do not (gcp injects at once), racing in the same group
race_round() { # <mode> <round>
	local mode=$1 r=$2 p0 e0 n
	klog_mark
	p0=$(st picked)
	e0=$(st pickup_empty)
	case $mode in
	inject)
		party member member_picked.xml 6151 -m 50
		party caller caller_picked.xml 6251 -m 50 -r 100 -l 50 -s 1001 -key from 3001 \
			-key tag "race$r" -key contact_port 6251 -d 200 "$KADDR"
		;;
	replaces)
		# rings on past FR_INV_TIMER until gcp ends the call after the pickup
		party member member_ringing.xml 6151 -m 50
		party callerua caller_ua_replaced.xml 6252 -m 50
		party caller caller_replaced.xml 6251 -m 50 -r 100 -l 50 -s 1001 -key from 3001 \
			-key tag "race$r" -key contact_port 6252 -recv_timeout 10000 "$KADDR"
		;;
	auto)
		party member member_ringing.xml 6151 -m 50
		party callerua caller_ua_replaced.xml 6252 -m 25
		party caller caller_replaced.xml 6251 -m 25 -r 100 -l 25 -s 1001 -key from 3001 \
			-key tag "race$r" -key contact_port 6252 -recv_timeout 10000 "$KADDR"
		party caller2 caller_noreplaces.xml 6253 -m 25 -r 100 -l 25 -s 1001 -key from 3001 \
			-key tag "race$r" -key contact_port 6253 -d 200 "$KADDR"
		;;
	esac
	if ! until_ok 20 eval '[ "$(n_pickable 7001)" -eq 50 ]'; then
		fail "not all 50 calls rang: $(n_pickable 7001) pickable"
		sipp_kill_all
		return 1
	fi
	case $mode in
	inject)
		party pphone picker_phone.xml 6352 -m 50
		party pickers picker_inject_race.xml 6351 -m 100 -r 1000 -l 100 -s 7001 \
			-key from 2001 -key contact_port 6352 "$KADDR"
		;;
	replaces)
		party pickers picker_replaces_race.xml 6351 -m 100 -r 1000 -l 100 -s 7001 \
			-key from 2001 -key contact_port 6351 "$KADDR"
		;;
	auto)
		party pphone picker_phone.xml 6352 -m 25
		party pickers picker_auto_race.xml 6351 -m 100 -r 1000 -l 100 -s 7001 \
			-key from 2001 -key contact_port 6352 "$KADDR"
		;;
	esac
	sw || return 1
	local ok=0 got refused by487 by200
	by487=$(ncid pickers '^SIP/2.0 487')
	by200=$(ncid pickers '^SIP/2.0 200')
	case $mode in
	inject) got=$by487 ;;
	replaces) got=$by200 ;;
	auto)
		got=$((by487 + by200))
		[ "$by487" -eq 25 ] && [ "$by200" -eq 25 ] ||
			fail "$by487 pickers got 487 (inject) and $by200 got 200 (Replaces), not 25 and 25" || ok=1
		;;
	esac
	refused=$(ncid pickers '^SIP/2.0 480')
	[ "$got" -eq 50 ] || fail "$got pickers got the call, not 50" || ok=1
	[ "$refused" -eq 50 ] || fail "$refused pickers got 480, not 50" || ok=1
	# each call reached exactly one picker: the Call-IDs delivered are the
	# callers' 50, each once (auto: by inject exactly those of the callers
	# without replaces, by Replaces the others)
	rx_callids caller '^SIP/2.0 18' | sort -u >"$T_DIR/callers.cid"
	case $mode in
	inject) rx_callids pphone '^INVITE ' | sort >"$T_DIR/picked.cid" ;;
	replaces) rx_hdr callerua '^INVITE ' Replaces | sed 's/;.*//' | sort >"$T_DIR/picked.cid" ;;
	auto)
		rx_callids caller2 '^SIP/2.0 18' | sort -u >"$T_DIR/callers2.cid"
		rx_callids pphone '^INVITE ' | sort >"$T_DIR/injected.cid"
		rx_hdr callerua '^INVITE ' Replaces | sed 's/;.*//' | sort >"$T_DIR/replaced.cid"
		if ! cmp -s "$T_DIR/callers2.cid" "$T_DIR/injected.cid"; then
			fail "injected pickups differ from the calls without replaces (- ringing, + injected):"
			diff "$T_DIR/callers2.cid" "$T_DIR/injected.cid" | grep '^[<>]' | head -n 10
			ok=1
		fi
		if ! cmp -s "$T_DIR/callers.cid" "$T_DIR/replaced.cid"; then
			fail "Replaces pickups differ from the calls with replaces (- ringing, + replaced):"
			diff "$T_DIR/callers.cid" "$T_DIR/replaced.cid" | grep '^[<>]' | head -n 10
			ok=1
		fi
		sort -u "$T_DIR/callers.cid" "$T_DIR/callers2.cid" >"$T_DIR/all.cid"
		mv "$T_DIR/all.cid" "$T_DIR/callers.cid"
		sort "$T_DIR/injected.cid" "$T_DIR/replaced.cid" >"$T_DIR/picked.cid"
		;;
	esac
	n=$(grep -c . "$T_DIR/callers.cid")
	[ "$n" -eq 50 ] || fail "the callers saw $n calls ring, not 50" || ok=1
	if ! cmp -s "$T_DIR/callers.cid" "$T_DIR/picked.cid"; then
		fail "delivered pickups differ from the ringing calls (- ringing, + delivered):"
		diff "$T_DIR/callers.cid" "$T_DIR/picked.cid" | grep '^[<>]' | head -n 10
		ok=1
	fi
	[ "$(st picked)" -eq $((p0 + 50)) ] || fail "gcp:picked went from $p0 to $(st picked), not +50" || ok=1
	[ "$(st pickup_empty)" -eq $((e0 + 50)) ] ||
		fail "gcp:pickup_empty went from $e0 to $(st pickup_empty), not +50" || ok=1
	# event_route[gcp:picked]: once per call
	n=$(klog_new | grep -o 'gcp: call [^ ]* from .* picked up by' | awk '{print $3}' | sort -u | grep -c .)
	local nl
	nl=$(klog_new | grep -c 'picked up by')
	[ "$n" -eq 50 ] && [ "$nl" -eq 50 ] ||
		fail "event_route[gcp:picked] ran $nl times for $n calls, not 50 for 50" || ok=1
	expect_no_calls || ok=1
	[ "$(st ringing)" -eq 0 ] || fail "gcp:ringing is $(st ringing), not 0" || ok=1
	if [ "$mode" = auto ]; then detail "50 picked: $by487 by inject, $by200 by Replaces; 50 refused"; else detail "50 picked, 50 refused"; fi
	[ "$ok" -eq 0 ] && number "race_ok $mode"
	return $ok
}

# -------------------------------------------------------------- faults

# the member answers while a pickup is in flight
t_answer_in_flight() { # <mode>
	local mode=$1 p0 f0 cid
	p0=$(st picked)
	f0=$(st pickup_failed)
	klog_mark
	party member member_answer.xml 6151 -m 1 -d 1000
	if [ "$mode" = inject ]; then
		# the picker's phone rings (no auto-answer) when the member answers
		party caller caller_picked.xml 6251 -m 1 -s 1001 -key from 3001 -key tag aif \
			-key contact_port 6251 -d 300 "$KADDR"
		until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
		party pphone member_any_cancel.xml 6352 -m 1
		party picker picker_inject.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6352 "$KADDR"
	else
		# the caller's UA refuses the Replaces INVITE (486) once its early
		# dialog was answered
		party callerua caller_ua_late_refuse.xml 6252 -m 1 -d 2000 -key refuse 486
		party caller caller_picked.xml 6251 -m 1 -s 1001 -key from 3001 -key tag aif \
			-key contact_port 6252 -d 300 "$KADDR"
		until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
		party picker picker_fail.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6351 "$KADDR"
	fi
	until_ok 3 eval 'kc gcp.calls 7001 | grep -q "pickup in progress"' ||
		fail "gcp.calls never showed the pickup in progress" || return 1
	sw || return 1
	expect "the caller's 200" "$(msg caller '^SIP/2.0 200')" '^To: .*;tag=member' || return 1
	if [ "$mode" = inject ]; then
		expect "the picker's reply" "$(msg picker '^SIP/2.0')" '^SIP/2.0 487' || return 1
		expect "the CANCEL to the picker's phone" "$(msg pphone '^CANCEL')" '^Reason: SIP;cause=200' || return 1
	else
		expect "the picker's reply" "$(msg picker '^SIP/2.0 [4-6]')" '^SIP/2.0 486' || return 1
	fi
	[ "$(st picked)" -eq "$p0" ] || fail "gcp:picked counted the answered call" || return 1
	# the pickup failed and was counted once (inject: when the caller's
	# transaction is freed)
	st_is pickup_failed $((f0 + 1)) 15 || fail "gcp:pickup_failed is $(st pickup_failed), not $((f0 + 1))" || return 1
	cid=$(msg caller '^SIP/2.0 200' | sed -n 's/^Call-ID: *//p' | tr -d '\r')
	if klog_new | grep -F "$cid" | grep -q 'picked up by'; then
		fail "event_route[gcp:picked] ran for the answered call"
		return 1
	fi
	expect_no_calls
}

# the caller hangs up while a pickup is in flight: inject, while the
# picker's phone rings with the call; replaces, while the caller's UA has
# not yet answered the Replaces INVITE (it then refuses it, 487)
t_hangup_in_flight() { # <mode>
	local mode=$1 p0 f0
	p0=$(st picked)
	f0=$(st pickup_failed)
	klog_mark
	party member member_any_cancel.xml 6151 -m 1
	if [ "$mode" = inject ]; then
		party caller caller_cancel.xml 6251 -m 1 -s 1001 -key from 3001 -key tag hif \
			-key contact_port 6251 -key supported "replaces, timer" -recv_timeout 1500 "$KADDR"
		until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
		party pphone member_any_cancel.xml 6352 -m 1
		party picker picker_inject.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6352 "$KADDR"
	else
		party callerua caller_ua_late_refuse.xml 6252 -m 1 -d 2000 -key refuse 487
		party caller caller_cancel.xml 6251 -m 1 -s 1001 -key from 3001 -key tag hif \
			-key contact_port 6252 -key supported "replaces, timer" -recv_timeout 1500 "$KADDR"
		until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
		party picker picker_fail.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6351 "$KADDR"
	fi
	sw || return 1
	expect "the caller's final reply" "$(msg caller '^SIP/2.0 [2-6]')" '^SIP/2.0 (487|200)' || return 1
	expect "the caller's INVITE" "$(msg caller '^SIP/2.0 487')" '^SIP/2.0 487' || return 1
	if [ "$mode" = inject ]; then
		expect "the picker's reply" "$(msg picker '^SIP/2.0')" '^SIP/2.0 487' || return 1
		expect "the picker's phone" "$(msg pphone '^CANCEL')" '^CANCEL ' || return 1
		expect_not "the CANCEL to the picker's phone" "$(msg pphone '^CANCEL')" 'cause=200' || return 1
		expect_not "the CANCEL to the member" "$(msg member '^CANCEL')" 'cause=200' || return 1
	else
		expect "the picker's reply" "$(msg picker '^SIP/2.0 [4-6]')" '^SIP/2.0 487' || return 1
		# (the member is told cause=200: gcp cannot tell this CANCEL from
		# the one a UA sends after replacing its early dialog)
		echo "the member's CANCEL: $(msg member '^CANCEL' | grep -i '^Reason' || echo 'no Reason')"
	fi
	[ "$(st picked)" -eq "$p0" ] || fail "gcp:picked counted the abandoned call" || return 1
	st_is pickup_failed $((f0 + 1)) 15 || fail "gcp:pickup_failed is $(st pickup_failed), not $((f0 + 1))" || return 1
	if klog_new | grep -q 'to voicemail'; then
		fail "the abandoned call went to voicemail"
		return 1
	fi
	expect_no_calls
}

# inject: the caller hangs up after the claim, before the delivery (the
# picker sends no ACK, so gcp delivers after inject_ack_timeout, 1 s; it
# has a port of its own, 6391, where Kamailio resends its 487 for a
# while): the
# delivery finds the call gone and rings nobody. The caller hangs up 700 ms
# after its call rang; a pickup that came too late for this order (the
# picker got 480) is run again.
t_hangup_before_delivery() {
	local try p0 f0 phone
	for try in 1 2 3; do
		p0=$(st picked)
		f0=$(st pickup_failed)
		klog_mark
		party member member_any_cancel.xml 6151 -m 1
		party caller caller_cancel.xml 6251 -m 1 -s 1001 -key from 3001 -key tag "hbd$try" \
			-key contact_port 6251 -key supported "replaces, timer" -recv_timeout 700 "$KADDR"
		until_ok 5 eval '[ "$(n_pickable 7001)" -ge 1 ]' || fail "the call did not ring" || return 1
		sipp -sf "$SCEN/picker_phone.xml" -i 127.0.0.1 -p 6352 -m 1 -nostdin -timeout 4s \
			-trace_msg -message_file "$T_DIR/phone$try.msg" >/dev/null 2>&1 &
		phone=$!
		party "picker$try" picker_inject_noack.xml 6391 -m 1 -s 7001 -key from 2001 -key contact_port 6352 "$KADDR"
		sw
		wait "$phone"
		if msg "picker$try" '^SIP/2.0' | grep -q '^SIP/2.0 480'; then
			echo "try $try: the caller hung up before the pickup came: again"
			expect_no_calls || return 1
			continue
		fi
		expect "the picker's reply" "$(msg "picker$try" '^SIP/2.0')" '^SIP/2.0 487' || return 1
		until_ok 5 eval 'klog_new | grep -Eq "ended before the pickup reached it|cancelled or answered meanwhile|its transaction is gone"' ||
			fail "no log line of the pickup finding the call gone" || return 1
		if grep -q '^INVITE ' "$T_DIR/phone$try.msg" 2>/dev/null; then
			fail "the picker's phone was rung with a call that had ended"
			return 1
		fi
		expect "the caller's final reply" "$(msg caller '^SIP/2.0 487')" '^SIP/2.0 487' || return 1
		[ "$(st picked)" -eq "$p0" ] || fail "gcp:picked counted the abandoned call" || return 1
		st_is pickup_failed $((f0 + 1)) 10 || fail "gcp:pickup_failed is $(st pickup_failed), not $((f0 + 1))" || return 1
		detail "$(klog_new | grep -Eo 'ended before the pickup reached it|cancelled or answered meanwhile|its transaction is gone' | head -n 1)"
		expect_no_calls
		return
	done
	fail "three times the caller hung up before the pickup came"
}

# replaces: the caller's UA never gives a final reply to the Replaces
# INVITE: the claim is held until the transaction times out (FR_INV_TIMER,
# here $FR_INV ms), then released, and a second pickup gets the call
t_ua_never_answers() {
	local p0 f0 t1 t2 held
	p0=$(st picked)
	f0=$(st pickup_failed)
	party member member_ringing.xml 6151 -m 1
	party callerua caller_ua_stall_first.xml 6252 -m 2
	party caller caller_replaced.xml 6251 -m 1 -s 1001 -key from 3001 -key tag una \
		-key contact_port 6252 -recv_timeout 15000 "$KADDR"
	until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
	t1=$(date +%s%N)
	party p1 picker_fail.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6351 "$KADDR"
	until_ok 3 eval 'kc gcp.calls 7001 | grep -q "pickup in progress"' ||
		fail "the first pickup did not claim the call" || return 1
	until_ok $((FR_INV / 1000 + 10)) eval '[ "$(n_pickable 7001)" -eq 1 ]' ||
		fail "the claim was not released after the timeout" || return 1
	t2=$(date +%s%N)
	held=$(((t2 - t1) / 1000000))
	echo "the claim was held $held ms (FR_INV_TIMER $FR_INV ms)"
	[ "$held" -ge $((FR_INV - 300)) ] || fail "the claim was released after $held ms, before the timeout" || return 1
	party p2 picker_replaces.xml 6361 -m 1 -s 7001 -key from 2002 -key contact_port 6361 "$KADDR"
	sw || return 1
	expect "the first picker's reply" "$(msg p1 '^SIP/2.0 [4-6]')" '^SIP/2.0 408' || return 1
	expect "the second picker's reply" "$(msg p2 '^SIP/2.0 [2-6]')" '^SIP/2.0 200' || return 1
	[ "$(st picked)" -eq $((p0 + 1)) ] || fail "gcp:picked is $(st picked), not $((p0 + 1))" || return 1
	[ "$(st pickup_failed)" -eq $((f0 + 1)) ] || fail "gcp:pickup_failed is $(st pickup_failed), not $((f0 + 1))" || return 1
	detail "claim held ${held} ms, then picked by the second picker"
	expect_no_calls
}

# replaces: the picker hangs up (CANCEL) while the caller's UA rings with
# its Replaces INVITE; the UA answers the CANCEL (200) and the INVITE (487):
# the claim is given back, the call rings on and a second picker gets it
t_picker_hangs_up() {
	local p0 f0 cid n
	p0=$(st picked)
	f0=$(st pickup_failed)
	klog_mark
	party member member_ringing.xml 6151 -m 1
	party callerua caller_ua_cancelled_first.xml 6252 -m 2 -d "${UA_487_DELAY:-200}"
	party caller caller_replaced.xml 6251 -m 1 -s 1001 -key from 3001 -key tag phu \
		-key contact_port 6252 -recv_timeout 8000 "$KADDR"
	until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
	party p1 picker_cancel.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6351 -d 500 "$KADDR"
	until_ok 3 eval 'kc gcp.calls 7001 | grep -q "pickup in progress"' ||
		fail "the first pickup did not claim the call" || return 1
	if ! until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]'; then
		fail "the call was not given back after the picker hung up; gcp.calls:"
		kc gcp.calls 7001
		echo "gcp:picked went from $p0 to $(st picked); the log:"
		klog_new | grep -E 'gcp|picked' | cut -c1-220
		sw
		return 1
	fi
	party p2 picker_replaces.xml 6361 -m 1 -s 7001 -key from 2002 -key contact_port 6361 "$KADDR"
	sw || return 1
	expect "the first picker's reply" "$(msg p1 '^SIP/2.0 487')" '^SIP/2.0 487' || return 1
	expect "the second picker's reply" "$(msg p2 '^SIP/2.0 [2-6]')" '^SIP/2.0 200' || return 1
	[ "$(st picked)" -eq $((p0 + 1)) ] || fail "gcp:picked is $(st picked), not $((p0 + 1))" || return 1
	[ "$(st pickup_failed)" -eq $((f0 + 1)) ] || fail "gcp:pickup_failed is $(st pickup_failed), not $((f0 + 1))" || return 1
	n=$(klog_new | grep -c 'picked up by')
	[ "$n" -eq 1 ] && klog_new | grep 'picked up by' | grep -q 'sip:2002@' ||
		fail "event_route[gcp:picked]: $n runs, expected one for sip:2002" || return 1
	expect_no_calls
}

# auto: the caller's UA rings with the Replaces INVITE and does not answer
# it; after auto_timeout gcp cancels it, and the UA, as any UA does,
# answers the CANCEL (200) and the INVITE (487): gcp falls back to inject
# and the picker's phone gets the call
t_auto_ua_answers_cancel() {
	local p0
	p0=$(st picked)
	klog_mark
	party member member_picked.xml 6151 -m 1
	party callerua member_any_cancel.xml 6252 -m 1
	party caller caller_picked.xml 6251 -m 1 -s 1001 -key from 3001 -key tag auc \
		-key contact_port 6252 -d 200 "$KADDR"
	until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
	party pphone picker_phone.xml 6352 -m 1 -timeout 15s
	party picker picker_fail.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6352 "$KADDR"
	if ! sw; then
		echo "gcp's log:"
		klog_new | grep -E 'gcp|picked' | cut -c1-220
		return 1
	fi
	expect "the picker's first reply" "$(msg picker '^SIP/2.0 [2-6]')" '^SIP/2.0 487' || return 1
	expect "the caller's 200" "$(msg caller '^SIP/2.0 200')" '^Contact: <sip:picker@127.0.0.1:6352>' || return 1
	[ "$(st picked)" -eq $((p0 + 1)) ] || fail "gcp:picked is $(st picked), not $((p0 + 1))" || return 1
	expect_no_calls
}

# ------------------------------------------------------ hostile pickups

# the pickup statistics, one line: "picked N failed N empty N denied N"
pstats() {
	kc stats.get_statistics gcp: | awk -F' = ' '{ v[$1] = $2 }
		END { printf "picked %d failed %d empty %d denied %d\n", v["gcp:picked"],
			v["gcp:pickup_failed"], v["gcp:pickup_empty"], v["gcp:pickup_denied"] }'
}

# what they did since a pstats line: pdelta <pstats line>, printed as pstats
pdelta() {
	printf '%s\n%s\n' "$1" "$(pstats)" | awk '
		NR == 1 { for (i = 2; i <= NF; i += 2) a[i] = $i }
		NR == 2 { s = ""; for (i = 2; i <= NF; i += 2) s = s sprintf("%s%s %d", s == "" ? "" : " ", $(i - 1), $i - a[i]); print s }'
}

# the statistics moved by exactly this since a pstats line: pstats_moved
# <what> <pstats line> <expected pdelta>
pstats_moved() {
	local d
	d=$(pdelta "$2")
	[ "$d" = "$3" ] || fail "$1: the statistics moved by \"$d\", expected \"$3\""
}

# wait for the party started last, leaving the others running
sw_last() {
	local i r
	i=$((${#SIPP_PIDS[@]} - 1))
	wait "${SIPP_PIDS[$i]}"
	r=$?
	if [ "$r" -ne 0 ]; then
		echo "  sipp '${SIPP_NAMES[$i]}' failed (exit $r):"
		grep -v '^\s*$' "$T_DIR/${SIPP_NAMES[$i]}.err" 2>/dev/null | tail -n 5 | sed 's/^/    /'
	fi
	unset "SIPP_PIDS[$i]" "SIPP_NAMES[$i]"
	SIPP_PIDS=("${SIPP_PIDS[@]}")
	SIPP_NAMES=("${SIPP_NAMES[@]}")
	return "$r"
}

# the status line of a party's first final reply (or nothing)
final_reply() {
	msg "$1" '^SIP/2.0 [2-6]' | grep -m1 '^SIP/2.0' | tr -d '\r'
}

# one call rings at member 1001 (group 7001), from a caller whose UA
# takes a Replaces INVITE (replaces and auto) or any caller (inject); the
# member's phone must be told "Call completed elsewhere" when it is
# picked: hostile_ring <mode> <From tag>
hostile_ring() {
	# (a failed test before may have left its call ringing for a while)
	expect_no_calls || fail "calls left by an earlier test" || return 1
	party member member_picked.xml 6151 -m 1
	if [ "$1" = inject ]; then
		party caller caller_picked.xml 6251 -m 1 -s 1001 -key from 3001 -key tag "$2" \
			-key contact_port 6251 -d 100 "$KADDR"
	else
		party callerua caller_ua_replaced.xml 6252 -m 1
		party caller caller_replaced.xml 6251 -m 1 -s 1001 -key from 3001 -key tag "$2" \
			-key contact_port 6252 -recv_timeout 8000 "$KADDR"
	fi
	until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
	RING_CID=$(kc gcp.calls 7001 | sed -n 's/^[[:space:]]*callid: *//p' | head -n 1)
}

# the ringing call of hostile_ring was picked up by sip:2001, once:
# the picker's reply (487 Pickup in progress in inject mode, the caller's
# UA's 200 OK otherwise), the call reached the picker (inject: the caller's
# 200 comes from the picker's phone; otherwise the caller's UA got a
# Replaces INVITE naming this call), event_route[gcp:picked] ran once, for
# this call and sip:2001; picked_once <mode> <picker party>
picked_once() {
	local mode=$1 p=$2 reply n
	reply=$(final_reply "$p")
	echo "the picker's reply: $reply"
	if [ "$mode" = inject ]; then
		expect "the picker's reply" "$reply" '^SIP/2.0 487 Pickup in progress$' || return 1
		expect "the caller's 200" "$(msg caller '^SIP/2.0 200')" '^Contact: <sip:picker@127.0.0.1:6352>' || return 1
	else
		expect "the picker's reply" "$reply" '^SIP/2.0 200 OK$' || return 1
		expect "the Replaces INVITE" "$(rx_hdr callerua '^INVITE ' Replaces)" "^$(printf '%s' "$RING_CID" | sed 's/[].[*^$\\/]/\\&/g');" || return 1
	fi
	n=$(klog_new | grep -c 'picked up by')
	[ "$n" -eq 1 ] && klog_new | grep 'picked up by' | grep -F "$RING_CID" | grep -q 'sip:2001@' ||
		fail "event_route[gcp:picked] ran $n times, expected once, for $RING_CID and sip:2001" || return 1
}

# a pickup INVITE without a body, with broken SDP, with a huge header: the
# module needs none of that body, so it is a pickup like any other: the
# call is picked once (picked_once), gcp:picked +1 and no other pickup
# statistic moves, nothing is left, Kamailio still serves calls
hostile_pickup() { # <mode> <name> <picker scenario> [sipp keys...]
	local mode=$1 name=$2 scen=$3 s0
	shift 3
	klog_mark
	hostile_ring "$mode" "h$name" || return 1
	s0=$(pstats)
	[ "$mode" = inject ] && party pphone picker_phone.xml 6352 -m 1
	party picker "$scen" 6351 -m 1 -s 7001 -key from 2001 -key contact_port "$([ "$mode" = inject ] && echo 6352 || echo 6351)" \
		"$@" "$KADDR"
	sw || return 1
	picked_once "$mode" picker || return 1
	pstats_moved "the pickup" "$s0" "picked 1 failed 0 empty 0 denied 0" || return 1
	if [ "$mode" != inject ]; then
		cp /dev/null "$T_DIR/replaces_invite.txt"
		msg callerua '^INVITE ' >"$T_DIR/replaces_invite.txt"
	fi
	expect_no_calls || return 1
	k_is_alive || return 1
	detail "$(final_reply picker), picked once"
}

t_hostile_nobody() { hostile_pickup "$1" nobody picker_nobody.xml || return 1
	if [ "$1" != inject ]; then
		expect "the Replaces INVITE" "$(cat "$T_DIR/replaces_invite.txt")" '^Content-Length: *0' || return 1
	fi
}

t_hostile_sdp() { # broken SDP: m= lines without port or proto, no c=/t=
	hostile_pickup "$1" badsdp picker_odd.xml -key xhdr x -key sdp1 "v=0" \
		-key sdp2 "m=video" -key sdp3 "m=audio x RTP/AVP" || return 1
	if [ "$1" != inject ]; then
		# kept as it was, or with the video section gone: never mangled
		expect "the Replaces INVITE" "$(cat "$T_DIR/replaces_invite.txt")" '^m=audio x RTP/AVP' || return 1
	fi
}

t_hostile_garbage() { # a body that is no SDP at all, sent as application/sdp
	hostile_pickup "$1" garbage picker_odd.xml -key xhdr x -key sdp1 "=" \
		-key sdp2 "m=video 42002 RTP/AVP 96 m=audio" -key sdp3 "%s%s%n v=0"
}

t_hostile_header() { # a 20 kB header
	local big
	big=$(head -c 20000 /dev/zero | tr '\0' 'A')
	hostile_pickup "$1" header picker_odd.xml -key xhdr "$big" -key sdp1 "v=0" \
		-key sdp2 "o=picker 1 1 IN IP4 127.0.0.1" -key sdp3 "m=audio 42000 RTP/AVP 0" || return 1
	if [ "$1" != inject ]; then
		expect "the Replaces INVITE" "$(cat "$T_DIR/replaces_invite.txt")" '^X-Pad: A{20000}' || return 1
	fi
}

# a pickup that must be refused while a call rings: the exact reply, the
# call not claimed (still listed once, pickable, all along), no pickup
# statistic moved but the expected one, and a legitimate pickup right
# after gets the call (picked_once, gcp:picked +1).
# hostile_refused <mode> <name> <reply regexp> <expected pdelta> [picker_refused.xml keys...]
# (keys default to a sound pickup from 2001@127.0.0.1 with a Contact)
hostile_refused() {
	local mode=$1 name=$2 want=$3 delta=$4 s0 reply
	shift 4
	klog_mark
	hostile_ring "$mode" "r$name" || return 1
	s0=$(pstats)
	# (of keys given twice, SIPp takes the first)
	party hostile picker_refused.xml 6381 -m 1 -s 7001 "$@" -key from 2001 -key fromhost 127.0.0.1 \
		-key totag "" -key contact_hdr "Contact: <sip:2001@127.0.0.1:6381>" \
		"$KADDR"
	sw_last || return 1
	reply=$(final_reply hostile)
	echo "the refused picker's reply: ${reply:-none}"
	expect "the refused picker's reply" "$reply" "$want" || return 1
	klog_new | grep -E 'gcp|pickup|sanity|malformed' | grep -v 'picked up by' | cut -c1-200 | head -n 5
	if [ "$(n_calls 7001)" -ne 1 ] || [ "$(n_pickable 7001)" -ne 1 ]; then
		fail "the call is not the one pickable call of 7001 after the refusal:"
		kc gcp.calls 7001
		return 1
	fi
	klog_new | grep -q "pickup in group 7001 by .*: call" &&
		{ fail "the refused pickup claimed the call"; return 1; }
	pstats_moved "the refused pickup" "$s0" "$delta" || return 1
	echo "a legitimate pickup"
	s0=$(pstats)
	if [ "$mode" = inject ]; then
		party pphone picker_phone.xml 6352 -m 1
		party picker picker_inject.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6352 "$KADDR"
	else
		party picker picker_replaces.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6351 "$KADDR"
	fi
	sw || return 1
	picked_once "$mode" picker || return 1
	pstats_moved "the legitimate pickup" "$s0" "picked 1 failed 0 empty 0 denied 0" || return 1
	expect_no_calls || return 1
	k_is_alive || return 1
	detail "$reply; the call then picked up"
}

NO_DELTA="picked 0 failed 0 empty 0 denied 0"

# the picker's From host is not one of ours: gcp_pickup() returns -4, the
# cfg replies 403, gcp:pickup_denied +1
t_hostile_foreign() {
	hostile_refused "$1" foreign '^SIP/2.0 403 Pickup Not Allowed$' "picked 0 failed 0 empty 0 denied 1" \
		-key fromhost evil.example
}

# no Contact: no mode has anywhere to send the call later: -1, 500
t_hostile_nocontact() {
	hostile_refused "$1" nocontact '^SIP/2.0 500 Pickup Failed$' "$NO_DELTA" \
		-key contact_hdr "X-No-Contact: none"
}

# a Contact that is no SIP URI: -1, 500 (every mode: nobody could reach
# the picker later, not even after a Replaces INVITE)
t_hostile_badcontact() {
	hostile_refused "$1" badcontact '^SIP/2.0 500 Pickup Failed$' "$NO_DELTA" \
		-key contact_hdr "Contact: <mailto:2001@127.0.0.1>"
}

# an INVITE to the group number with a To tag (a re-INVITE of no dialog):
# the cfg's in-dialog route answers 404, gcp_pickup() is not called
t_hostile_totag() {
	hostile_refused "$1" totag '^SIP/2.0 404 Not here$' "$NO_DELTA" -key totag ";tag=nodialog"
}

# a From URI that does not parse: sanity_check() of the cfg refuses it
t_hostile_badfrom() {
	hostile_refused "$1" badfrom '^SIP/2.0 400 Invalid From Header$' "$NO_DELTA" -key fromhost ""
}

# replaces: a Call-ID and a From tag with characters the Replaces grammar
# does not allow (Kamailio's parser takes '=' and '#' in a Call-ID, and
# '#', '/', '?', '@', '[', ']' in a tag, but refuses '=', '"' and '\' in
# a tag) reach the caller's UA %-escaped
t_escaping() {
	party member member_picked.xml 6151 -m 1
	party callerua caller_ua_replaced.xml 6252 -m 1
	party caller caller_replaced.xml 6251 -m 1 -s 1001 -key from 3001 -key tag 't#1/a?b@c[d]' \
		-cid_str 'esc=%u#a@127.0.0.1@b=c' -key contact_port 6252 -recv_timeout 4000 "$KADDR"
	until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
	kc gcp.calls 7001 | grep callid
	party picker picker_replaces.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6351 "$KADDR"
	sw || return 1
	local rep
	rep=$(rx_hdr callerua '^INVITE ' Replaces)
	echo "Replaces on the wire: $rep"
	expect "the Replaces header" "$rep" '^esc%3D1%23a@127\.0\.0\.1%40b%3Dc;to-tag=t%231%2Fa%3Fb%40c%5Bd%5D;from-tag=member[0-9]+x1;early-only$' || return 1
	detail "Replaces: $rep"
	expect_no_calls
}

# ---------------------------------------------------------------- bounds

# a call over one of the module's limits: not tracked, a log line says
# why, the call rings and is answered as without the module.
# bound_call <name> <expect tracked: 0|1> <log regexp> [caller sipp args...]
bound_call() {
	local name=$1 tracked=$2 re=$3 t0 cid
	shift 3
	t0=$(st tracked)
	klog_mark
	if [ -n "${TOTAG:-}" ]; then
		party "m-$name" member_answer_tag.xml 6165 -m 1 -d 700 -key totag "$TOTAG"
	else
		party "m-$name" member_answer.xml 6165 -m 1 -d 700
	fi
	party "c-$name" caller_picked.xml 6265 -m 1 -s 1015 -d 100 "$@" "$KADDR"
	sw || return 1
	expect "the caller's 200" "$(msg "c-$name" '^SIP/2.0 200')" '^SIP/2.0 200' || return 1
	expect "the member's INVITE" "$(msg "m-$name" '^INVITE ')" '^INVITE sip:1015@' || return 1
	if [ "$tracked" = 1 ]; then
		[ "$(st tracked)" -eq $((t0 + 1)) ] || fail "the call at the limit was not tracked" || return 1
	else
		[ "$(st tracked)" -eq "$t0" ] || fail "the call over the limit was tracked" || return 1
	fi
	if [ -n "$re" ]; then
		klog_new | grep -E "$re" | head -n 1
		klog_new | grep -Eq "$re" || fail "no log line /$re/" || return 1
	fi
	# the log line names the string over the limit: this one
	if [ -n "${FIELD:-}" ]; then
		klog_new | grep -q "not tracked: its $FIELD has" ||
			fail "the log does not name the $FIELD" || return 1
	fi
	expect_no_calls
}

pad() { head -c "$1" /dev/zero | tr '\0' "${2:-a}"; }

# the module's log line names the string: "its From tag has 65 bytes, over
# the limit of 64"
TOO_LONG='not tracked: its .* has [0-9]+ bytes, over the limit of [0-9]+'
t_bounds() {
	local cid255 cid256 lim
	reg 1015 6165
	# Call-ID: GCP_RING_MAX_CALLID
	lim=$(sed -n 's/^#define GCP_RING_MAX_CALLID \([0-9]*\).*/\1/p' "$ROOT/modules/gcp/gcp_ring.h")
	# -%u: "-1", the call number
	cid255=$(pad $((lim - 2)) c)-%u
	cid256=$(pad $((lim - 1)) d)-%u
	echo "Call-ID of $lim bytes: tracked"
	bound_call cid-limit 1 '' -key from 3001 -key tag b1 -key contact_port 6265 -cid_str "$cid255" || return 1
	echo "Call-ID of $((lim + 1)) bytes: not tracked"
	FIELD=Call-ID bound_call cid-over 0 "call d{60}.*$TOO_LONG" -key from 3001 -key tag b2 -key contact_port 6265 -cid_str "$cid256" || return 1
	# From tag: GCP_RING_MAX_TAG
	lim=$(sed -n 's/^#define GCP_RING_MAX_TAG \([0-9]*\).*/\1/p' "$ROOT/modules/gcp/gcp_ring.h")
	echo "From tag of $lim bytes: tracked"
	bound_call tag-limit 1 '' -key from 3001 -key tag "$(pad "$lim" t)" -key contact_port 6265 || return 1
	echo "From tag of $((lim + 1)) bytes: not tracked"
	FIELD="From tag" bound_call tag-over 0 "$TOO_LONG" -key from 3001 -key tag "$(pad $((lim + 1)) t)" -key contact_port 6265 || return 1
	# Contact URI: GCP_RING_MAX_URI; <sip:3001@127.0.0.1:6265;x=...>
	lim=$(sed -n 's/^#define GCP_RING_MAX_URI \([0-9]*\).*/\1/p' "$ROOT/modules/gcp/gcp_ring.h")
	local base=26 # "sip:3001@127.0.0.1:" + "6265;x="
	echo "Contact URI of $lim bytes: tracked"
	bound_call contact-limit 1 '' -key from 3001 -key tag b5 -key contact_port "6265;x=$(pad $((lim - base)) u)" || return 1
	echo "Contact URI of $((lim + 1)) bytes: not tracked"
	FIELD="Contact URI" bound_call contact-over 0 "$TOO_LONG" -key from 3001 -key tag b6 -key contact_port "6265;x=$(pad $((lim - base + 1)) u)" || return 1
	# From URI (the caller): a user part that makes it longer than the limit
	echo "From URI of $((lim + 1)) bytes: not tracked"
	FIELD="From URI" bound_call from-over 0 "$TOO_LONG" -key from "$(pad $((lim - 13)) 9)" -key tag b7 -key contact_port 6265 || return 1
	# the member's To tag: the call is tracked but can never be picked up
	lim=$(sed -n 's/^#define GCP_RING_MAX_TAG \([0-9]*\).*/\1/p' "$ROOT/modules/gcp/gcp_ring.h")
	echo "To tag of $((lim + 1)) bytes: tracked, never pickable"
	TOTAG=$(pad $((lim + 1)) T) bound_call totag-over 1 "To tag of $((lim + 1)) bytes is over the limit" \
		-key from 3001 -key tag b8 -key contact_port 6265 || return 1
	detail "Call-ID, From tag, Contact, From URI, To tag at and over their limits"
}

# ------------------------------------------------------------------ load

# STRESS_CALLS tracked calls that end picked up (10 %, inject, in batches of
# 100: all ring, then as many pickers), answered (35 %), cancelled by the
# caller (35 %) or timed out (20 %: FR_INV_TIMER, then voicemail), all at
# once at ~150 calls/s; then the module's shm is back where it was and
# gcp:ringing is 0
t_load() {
	local n=$STRESS_CALLS batch=100 nb npick nans ncan nto t0 p0 used0 used1 b rc=0
	nb=$((n / 10 / batch))
	[ "$nb" -ge 1 ] || nb=1
	npick=$((nb * batch))
	[ "$npick" -le "$n" ] || { npick=$n; batch=$n; }
	nans=$(((n - npick) * 7 / 18))
	ncan=$(((n - npick) * 7 / 18))
	nto=$((n - npick - nans - ncan))
	reg 1011 6161
	reg 1013 6163
	reg 1014 6164
	reg 1008 6158
	# the baseline: nothing left of the earlier tests
	until_ok 30 eval '[ "$(gcp_shm)" -eq "$IDLE0" ]' ||
		fail "before the load: gcp shm is $(gcp_shm), at start it was $IDLE0" || return 1
	used0=$(core_shm_used)
	t0=$(st tracked)
	p0=$(st picked)
	echo "calls: $npick picked ($nb batches of $batch), $nans answered, $ncan cancelled, $nto timed out"
	local NO_TRACE=1 SIPP_TIMEOUT=300 rate=${LOAD_RATE:-60}
	# (calls last 200 ms: with none, a BYE may overtake the ACK through
	# Kamailio's parallel workers, which the phones here would not take)
	party lm-ans member_answer.xml 6161 -m "$nans" -d 100
	party lc-ans caller_picked.xml 6261 -m "$nans" -r "$rate" -l 400 -s 1011 -key from 3011 \
		-key tag la -key contact_port 6261 -d 200 "$KADDR"
	party lm-can member_cancelled.xml 6163 -m "$ncan"
	party lc-can caller_cancel.xml 6263 -m "$ncan" -r "$rate" -l 400 -s 1013 -key from 3013 \
		-key tag lc -key contact_port 6263 -key supported "replaces, timer" -recv_timeout 1000 "$KADDR"
	party lm-to member_cancelled.xml 6164 -m "$nto"
	party vm voicemail.xml $VM_PORT -m "$nto" -d 100
	party lc-to caller_picked.xml 6264 -m "$nto" -r $((rate * 2 / 3)) -l 1000 -s 1014 -key from 3014 \
		-key tag lt -key contact_port 6264 -d 200 "$KADDR"
	# the calls to be picked ring on (a 180 every second) past FR_INV_TIMER
	party lm-pick member_ringing.xml 6158 -m "$npick"
	party lphone picker_phone.xml 6358 -m "$npick"
	for b in $(seq 1 "$nb"); do
		local cpid ppid
		sipp -sf "$SCEN/caller_picked.xml" -i 127.0.0.1 -p 6258 -m "$batch" -r 250 -l "$batch" \
			-s 1008 -key from 3008 -key tag "lp$b" -key contact_port 6258 -d 200 -nostdin \
			-timeout 120s -timeout_error -trace_err -error_file "$T_DIR/lc-pick$b.err" \
			"$KADDR" >"$T_DIR/lc-pick$b.out" 2>&1 &
		cpid=$!
		if ! until_ok 30 eval '[ "$(n_pickable "*801")" -eq '"$batch"' ]'; then
			fail "batch $b: $(n_pickable '*801') of $batch calls ringing"
			kill "$cpid"
			rc=1
			break
		fi
		sipp -sf "$SCEN/picker_inject.xml" -i 127.0.0.1 -p 6368 -m "$batch" -r 250 -l "$batch" \
			-s '*801' -key from 2008 -key contact_port 6358 -nostdin \
			-timeout 120s -timeout_error -trace_err -error_file "$T_DIR/lpickers$b.err" \
			"$KADDR" >"$T_DIR/lpickers$b.out" 2>&1 &
		ppid=$!
		# a sample of the load: the module's shm and the calls ringing
		[ "$b" -eq $(((nb + 1) / 2)) ] && echo "during the load: gcp shm $(gcp_shm) bytes, gcp:ringing $(st ringing)"
		wait "$ppid" || { fail "batch $b: a picker failed"; tail -n 3 "$T_DIR/lpickers$b.err"; rc=1; }
		wait "$cpid" || { fail "batch $b: a picked caller failed"; tail -n 3 "$T_DIR/lc-pick$b.err"; rc=1; }
	done
	sw || rc=1
	[ "$rc" -eq 0 ] || return 1
	local tracked picked
	tracked=$(($(st tracked) - t0))
	picked=$(($(st picked) - p0))
	echo "tracked $tracked, picked $picked"
	[ "$tracked" -eq "$n" ] || fail "gcp:tracked grew by $tracked, not $n" || return 1
	[ "$picked" -eq "$npick" ] || fail "gcp:picked grew by $picked, not $npick" || return 1
	expect_no_calls || return 1
	[ "$(st ringing)" -eq 0 ] || fail "gcp:ringing is $(st ringing), not 0" || return 1
	# every call's memory goes with its transaction (tm's wait timer)
	local shm1
	until_ok 60 eval '[ "$(gcp_shm)" -eq "$IDLE0" ]'
	shm1=$(gcp_shm)
	used1=$(core_shm_used)
	echo "gcp shm: before $IDLE0, after $shm1; core real_used: before $used0, after $used1"
	number "load_calls $n"
	number "load_picked $picked"
	number "load_gcp_shm $IDLE0 $shm1"
	number "load_core_shm $used0 $used1"
	[ "$shm1" -eq "$IDLE0" ] || { fail "gcp shm after the load: $shm1 bytes, before: $IDLE0"; kc mod.stats gcp shm; return 1; }
	detail "$n calls: $picked picked, $nans answered, $ncan cancelled, $nto timed out; gcp shm $IDLE0 -> $shm1 bytes, gcp:ringing 0"
}

# ------------------------------------------------------------- max_calls

# with max_calls 3: three calls ring; a fourth is not tracked, a log line
# says so, and it rings and is answered; once room is free again, calls
# are tracked again
t_max_calls() {
	local t0
	reg 1001 6151
	reg 1015 6165
	party m3 member_cancelled.xml 6151 -m 3
	party c3 caller_cancel.xml 6251 -m 3 -r 20 -s 1001 -key from 3001 -key tag mc -key contact_port 6251 \
		-key supported "replaces, timer" -recv_timeout 3000 "$KADDR"
	until_ok 5 eval '[ "$(n_calls)" -eq 3 ]' || fail "3 calls did not ring: $(n_calls)" || return 1
	klog_mark
	t0=$(st tracked)
	party m4 member_answer.xml 6165 -m 1 -d 300
	party c4 caller_picked.xml 6265 -m 1 -s 1015 -key from 3001 -key tag mc4 -key contact_port 6265 -d 100 "$KADDR"
	until_ok 3 eval 'klog_new | grep -q "max_calls reached"' || fail "no log line about max_calls" || return 1
	klog_new | grep "max_calls reached"
	[ "$(n_calls)" -eq 3 ] || fail "gcp.calls lists $(n_calls) calls, not 3" || return 1
	sw || return 1
	expect "the fourth call" "$(msg c4 '^SIP/2.0 200')" '^SIP/2.0 200' || return 1
	[ "$(st tracked)" -eq "$t0" ] || fail "the fourth call was tracked" || return 1
	expect_no_calls || return 1
	echo "room again: a call is tracked"
	bound_call again 1 '' -key from 3001 -key tag mc5 -key contact_port 6265 || return 1
	detail "max_calls 3: the 4th call not tracked, answered"
}

# --------------------------------------------------------- shm exhaustion

# Kamailio with 16 MB of shm, filled (htable items) until not even a small
# allocation succeeds, with a ballast kept aside; a call to 1013: gcp_track()
# finds no shm and returns -1 (the cfg logs it), then the cfg frees the
# ballast so that tm can relay: the call rings and is answered. With
# stress-fill-hole-<n> the filling leaves one hole of about n bytes, freed
# just before gcp_pickup() (t_pickup_nomem); the cfg logs what gcp_pickup()
# returned.
shm_cfg() {
	awk -v rc="$ROOT/cfg/routing-cases.cfg" '
		{ sub(/include_file "routing-cases.cfg"/, "include_file \"" rc "\"") }
		after_track && /switch \(\$rc\)/ {
			print "\t$var(gcprc) = $rc;"
			print "\troute(STRESS_TRACKED);"
			sub(/\$rc/, "$var(gcprc)")
			after_track = 0
		}
		/^\tgcp_track\(\);/ { after_track = 1 }
		after_pickup && /switch \(\$rc\)/ {
			print "\t$var(gcprc) = $rc;"
			print "\txlog(\"L_NOTICE\", \"stress: gcp_pickup() returned $var(gcprc) for $ci\\n\");"
			sub(/\$rc/, "$var(gcprc)")
			after_pickup = 0
		}
		/^\tgcp_pickup\(\);/ {
			print "\tif ($sht(hole=>0) != $null) {"
			print "\t\tsht_rm_name_re(\"hole=>.*\");"
			print "\t\txlog(\"L_NOTICE\", \"stress: hole freed for $ci\\n\");"
			print "\t}"
			after_pickup = 1
		}
		{ print }
		/^children=/ { print "max_while_loops=1000000" }
		/^modparam\("gcp", "config_file"/ {
			print "modparam(\"htable\", \"htable\", \"ballast=>size=4;autoexpire=0;\")"
			print "modparam(\"htable\", \"htable\", \"fill=>size=12;autoexpire=0;\")"
			print "modparam(\"htable\", \"htable\", \"hole=>size=1;autoexpire=0;\")"
		}
		/^request_route \{/ {
			print "\tif ($rU =~ \"^stress-fill-hole-[0-9]+$\") route(STRESS_HOLE);"
			print "\tif ($rU =~ \"^stress-fill\") { route(STRESS_FILL); exit; }"
			print "\tif ($rU == \"stress-unfill\") { sht_rm_name_re(\"fill=>.*\"); sl_send_reply(\"200\", \"Unfilled\"); exit; }"
		}
	' "$ROOT/cfg/kamailio.cfg"
	cat <<'CFG'

route[STRESS_TRACKED] {
	xlog("L_NOTICE", "stress: gcp_track() returned $var(gcprc) for $ci\n");
	if ($rU == "1013" && $sht(ballast=>0) != $null) {
		sht_rm_name_re("ballast=>.*");
		xlog("L_NOTICE", "stress: ballast freed for $ci\n");
	}
}

# stress-fill-hole-<n>: first one block of about n bytes (n < 65000), the
# hole, which the next pickup frees just before gcp_pickup() (every other
# byte of shm is taken by then)
route[STRESS_HOLE] {
	$var(n) = $(rU{s.substr,17,0}{s.int});
	$var(b8) = "01234567";
	$var(b64) = $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8);
	$var(b512) = $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64);
	$var(b4k) = $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512);
	$var(b32k) = $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k);
	$var(b64k) = $var(b32k) + $var(b32k);
	$sht(hole=>0) = $(var(b64k){s.substr,0,$var(n)});
	xlog("L_NOTICE", "stress: a hole of $(sht(hole=>0){s.len}) bytes\n");
}

route[STRESS_FILL] {
	$var(b8) = "01234567";
	$var(b64) = $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8);
	$var(b512) = $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64);
	$var(b4k) = $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512);
	$var(i) = 0;
	while ($var(i) < 64) {
		$sht(ballast=>$var(i)) = $var(b4k);
		$var(i) = $var(i) + 1;
	}
	$var(i) = 0;
	$var(fails) = 0;
	while ($var(fails) < 20) {
		$sht(fill=>$var(i)) = $var(b4k);
		if ($sht(fill=>$var(i)) == $null) $var(fails) = $var(fails) + 1;
		$var(i) = $var(i) + 1;
	}
	$var(fails) = 0;
	while ($var(fails) < 20) {
		$sht(fill=>$var(i)) = $var(b512);
		if ($sht(fill=>$var(i)) == $null) $var(fails) = $var(fails) + 1;
		$var(i) = $var(i) + 1;
	}
	$var(fails) = 0;
	while ($var(fails) < 20) {
		$sht(fill=>$var(i)) = $var(b64);
		if ($sht(fill=>$var(i)) == $null) $var(fails) = $var(fails) + 1;
		$var(i) = $var(i) + 1;
	}
	$var(fails) = 0;
	while ($var(fails) < 20) {
		$sht(fill=>$var(i)) = $var(b8);
		if ($sht(fill=>$var(i)) == $null) $var(fails) = $var(fails) + 1;
		$var(i) = $var(i) + 1;
	}
	xlog("L_NOTICE", "stress: shm filled: $var(i) items\n");
	sl_send_reply("200", "Filled");
}
CFG
}

t_shm_exhaustion() {
	local t0 cid
	reg 1013 6163
	party fill options.xml 6451 -m 1 -s stress-fill -timeout 60s "$KADDR"
	sw || return 1
	echo "shm after filling: $(kc core.shmmem | tr -d '\n\t' | tr -s ' ')"
	klog_mark
	t0=$(st tracked)
	party m member_answer.xml 6163 -m 1 -d 300
	party c caller_picked.xml 6263 -m 1 -s 1013 -key from 3013 -key tag ex1 -key contact_port 6263 -d 100 "$KADDR"
	sw || return 1
	klog_new | grep -E 'out of shared memory|stress:' | head -n 5
	expect "the caller's 200" "$(msg c '^SIP/2.0 200')" '^SIP/2.0 200' || return 1
	klog_new | grep -q 'gcp_track() returned -1' || fail "gcp_track() did not return -1" || return 1
	klog_new | grep -q 'not tracked: out of shared memory' || fail "no log line about shm" || return 1
	[ "$(st tracked)" -eq "$t0" ] || fail "the call was tracked" || return 1
	expect_no_calls || return 1
	party unfill options.xml 6451 -m 1 -s stress-unfill "$KADDR"
	sw || return 1
	echo "memory back: a call is tracked"
	reg 1015 6165
	bound_call after 1 '' -key from 3001 -key tag ex2 -key contact_port 6265 || return 1
	detail "gcp_track() returned -1 with shm exhausted, the call was answered"
}

# shm exhausted during a pickup: a call rings in group 7001; shm is filled
# but for one hole, freed by the cfg just before gcp_pickup(), big enough
# for the picker's transaction and the reply (measured with a pickup of an
# empty group first) but not for the pickup's context as well (a 4 kB
# Contact makes it big): gcp_ctx_new() fails, gcp_pickup() returns -1 and
# the cfg replies 500; the claim is given back at once (the call is
# pickable again while shm is still full), gcp:picked does not move; once
# memory is back, a pickup gets the call
t_pickup_nomem() {
	local used0 used1 need ctx hole contact s0 s1 reply
	reg 1001 6151
	contact="Contact: <sip:2001@127.0.0.1:6352;x=$(pad 4000 c)>"
	# what a pickup's transaction and its reply take: a pickup of the empty
	# group 7002 with the same INVITE, while its transaction waits (5 s)
	used0=$(core_shm_used)
	party probe picker_refused.xml 6381 -m 1 -s 7002 -key contact_hdr "$contact" -key from 2001 \
		-key fromhost 127.0.0.1 -key totag "" "$KADDR"
	sw || return 1
	used1=$(core_shm_used)
	expect "the probe's reply" "$(final_reply probe)" '^SIP/2.0 480 Nothing To Pick Up$' || return 1
	need=$((used1 - used0))
	# the context holds the Contact URI, the From URI and more: a hole
	# half of it over the need
	ctx=$((${#contact} + 200))
	hole=$((need + ctx / 2))
	echo "a pickup's transaction and reply: $need bytes of shm; the context: over $ctx bytes; the hole: $hole bytes"
	[ "$need" -gt 1000 ] && [ "$need" -lt 40000 ] || fail "the probe's shm ($need bytes) makes no sense" || return 1
	expect_no_calls || return 1
	party member member_picked.xml 6151 -m 1
	party caller caller_picked.xml 6251 -m 1 -s 1001 -key from 3001 -key tag nomem \
		-key contact_port 6251 -d 100 "$KADDR"
	until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
	RING_CID=$(kc gcp.calls 7001 | sed -n 's/^[[:space:]]*callid: *//p' | head -n 1)
	party fill options.xml 6451 -m 1 -s "stress-fill-hole-$hole" -timeout 60s "$KADDR"
	sw_last || return 1
	echo "shm after filling: $(kc core.shmmem | tr -d '\n\t' | tr -s ' ')"
	klog_mark
	s0=$(pstats)
	party picker picker_refused.xml 6381 -m 1 -s 7001 -key contact_hdr "$contact" -key from 2001 \
		-key fromhost 127.0.0.1 -key totag "" "$KADDR"
	sw_last || return 1
	reply=$(final_reply picker)
	echo "the picker's reply: ${reply:-none}"
	klog_new | grep -E 'stress:|gcp|shared memory' | cut -c1-200 | head -n 8
	klog_new | grep -q 'stress: hole freed' || fail "the hole was not freed before gcp_pickup()" || return 1
	klog_new | grep -q 'gcp_ctx_new().*could not allocate shared memory' ||
		fail "no log line of gcp_ctx_new() failing (the hole of $hole bytes was too big or too small)" || return 1
	klog_new | grep -q 'stress: gcp_pickup() returned -1' || fail "gcp_pickup() did not return -1" || return 1
	expect "the picker's reply" "$reply" '^SIP/2.0 500 Pickup Failed$' || return 1
	# the claim is given back at once, with shm still exhausted
	if [ "$(n_calls 7001)" -ne 1 ] || [ "$(n_pickable 7001)" -ne 1 ] ||
		! kc gcp.calls 7001 | grep -qF "callid: $RING_CID"; then
		fail "the call is not pickable again after the failed pickup:"
		kc gcp.calls 7001
		return 1
	fi
	[ "$(st picked)" -eq "$(echo "$s0" | awk '{print $2}')" ] || fail "gcp:picked moved" || return 1
	# a pickup that claimed a call and could not deliver it is a failed one
	[ "$(st pickup_failed)" -eq $(($(echo "$s0" | awk '{print $4}') + 1)) ] ||
		fail "gcp:pickup_failed moved by $(($(st pickup_failed) - $(echo "$s0" | awk '{print $4}'))), not 1" || return 1
	party unfill options.xml 6451 -m 1 -s stress-unfill "$KADDR"
	sw_last || return 1
	echo "memory back: a pickup gets the call"
	klog_mark
	s1=$(pstats)
	party pphone picker_phone.xml 6352 -m 1
	party picker2 picker_inject.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6352 "$KADDR"
	sw || return 1
	picked_once inject picker2 || return 1
	pstats_moved "the pickup after" "$s1" "picked 1 failed 0 empty 0 denied 0" || return 1
	expect_no_calls || return 1
	k_alive || fail "kamailio is gone" || return 1
	if grep -E 'exited by a signal|BUG:|CRITICAL' "$KLOG" | grep -v 'pp_define'; then
		fail "the Kamailio log has crashes or bugs"
		return 1
	fi
	detail "gcp_ctx_new() failed (hole $hole bytes): 500 Pickup Failed, the call pickable again, then picked up"
}

# the same at the ring table: a failing allocator (call, then group)
t_ring_nomem() {
	local bin=$OUT/ring_nomem
	cc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-I"$ROOT/modules/gcp" -o "$bin" "$HERE/ring_nomem.c" "$ROOT/modules/gcp/gcp_ring.c" -lpthread ||
		return 1
	"$bin"
}

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
	want race || want faults || want hostile || want bounds || want load || break
	cp "$HERE/gcp.xml" "$OUT/gcp.xml"
	if ! S_FR_INV=$FR_INV s_start "$mode" -n 8; then
		t_fail "kamailio-start $mode"
		continue
	fi
	IDLE0=$(gcp_shm)
	reg 1001 6151
	if want race; then
		for r in $(seq 1 "$STRESS_ROUNDS"); do
			t_check "race $mode round $r/$STRESS_ROUNDS" race_round "$mode" "$r"
		done
		number "race_rounds $mode $STRESS_ROUNDS"
	fi
	if want faults; then
		case $mode in
		inject)
			t_check "member answers during pickup inject" t_answer_in_flight inject
			t_check "caller hangs up during pickup inject" t_hangup_in_flight inject
			t_check "caller hangs up before delivery inject" t_hangup_before_delivery
			;;
		replaces)
			t_check "member answers during pickup replaces" t_answer_in_flight replaces
			t_check "caller hangs up during pickup replaces" t_hangup_in_flight replaces
			t_check "caller UA never answers replaces" t_ua_never_answers
			t_check "picker hangs up during pickup replaces" t_picker_hangs_up
			;;
		auto)
			t_check "caller UA answers gcp's CANCEL auto" t_auto_ua_answers_cancel
			;;
		esac
	fi
	if want hostile; then
		t_check "pickup without body $mode" t_hostile_nobody "$mode"
		t_check "pickup with broken SDP $mode" t_hostile_sdp "$mode"
		t_check "pickup with garbage body $mode" t_hostile_garbage "$mode"
		t_check "pickup with 20 kB header $mode" t_hostile_header "$mode"
		t_check "pickup from a foreign domain $mode" t_hostile_foreign "$mode"
		t_check "pickup without Contact $mode" t_hostile_nocontact "$mode"
		t_check "pickup with a non-SIP Contact $mode" t_hostile_badcontact "$mode"
		t_check "pickup with a To tag $mode" t_hostile_totag "$mode"
		t_check "pickup with a broken From URI $mode" t_hostile_badfrom "$mode"
		[ "$mode" = replaces ] && t_check "Replaces escaping" t_escaping
	fi
	if want bounds && [ "$mode" = inject ]; then
		t_check "bounds $mode" t_bounds
	fi
	if want load && [ "$mode" = inject ]; then
		t_check "load $STRESS_CALLS calls $mode" t_load
	fi
	t_check "kamailio intact after $mode" mode_end
	unreg_all
	s_stop
	cp "$KLOG" "$OUT/kamailio-$mode.log"
done

if want max_calls; then
	cp "$HERE/gcp.xml" "$OUT/gcp.xml"
	if S_CFG=$(variant_cfg max_calls 'modparam("gcp", "max_calls", 3)') S_FR_INV=30000 s_start inject -n 8; then
		t_check "max_calls" t_max_calls
		s_stop
		cp "$KLOG" "$OUT/kamailio-max_calls.log"
	else
		t_fail "kamailio-start max_calls"
	fi
fi

if want shm_exhaustion; then
	cp "$HERE/gcp.xml" "$OUT/gcp.xml"
	shm_cfg >"$OUT/kamailio-shm.cfg"
	if S_CFG=$OUT/kamailio-shm.cfg S_SHM_MB=16 S_FR_INV=30000 s_start inject; then
		t_check "shm exhaustion" t_shm_exhaustion
		t_check "shm exhaustion during a pickup" t_pickup_nomem
		s_stop
		cp "$KLOG" "$OUT/kamailio-shm.log"
	else
		t_fail "kamailio-start shm_exhaustion"
	fi
	t_check "shm exhaustion at the ring table" t_ring_nomem
fi

# the numbers of this run
for mode in $MODES; do
	n=$(grep -c "^race_ok $mode\$" "$NUMBERS")
	[ "$n" -gt 0 ] && echo "numbers: race $mode: $n rounds passed, $((n * 100)) pickups checked ($((n * 50)) picked once each, $((n * 50)) refused with 480)"
done
if read -r _ a b < <(grep '^load_gcp_shm ' "$NUMBERS"); then
	read -r _ c d < <(grep '^load_core_shm ' "$NUMBERS")
	echo "numbers: load: $(sed -n 's/^load_calls //p' "$NUMBERS") calls, $(sed -n 's/^load_picked //p' "$NUMBERS") picked; gcp shm $a -> $b bytes; core shm real_used $c -> $d bytes"
fi
t_summary stress
