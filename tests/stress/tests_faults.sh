#!/usr/bin/env bash
# The stress suite's faults (tests/stress/run.sh sources this): the member
# answers, the caller hangs up, the caller's UA never answers, the picker
# hangs up during a pickup; the caller's UA answers gcp's CANCEL (auto).

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


# the checks of this concern, in a mode: checks_faults <mode>
checks_faults() {
	case $1 in
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
}
