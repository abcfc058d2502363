# What happens around a pickup: voicemail, failures, races, registration.

ALL_TESTS="$ALL_TESTS no_answer_voicemail picked_no_voicemail failed_pickup_released two_pickers register"

# nobody answers: the call goes to voicemail as without the module
t_no_answer_voicemail() {
	reg 1001 5101
	uas m member_noanswer.xml 5101 -d 800
	uas vm voicemail.xml 5099
	uac c caller_picked.xml 5201 1001 -key from 3001 -key tag tagV -key contact_port 5201 -d 300
	sw || return 1
	expect "the voicemail's INVITE" "$(msg vm '^INVITE ')" '^INVITE sip:vm-1001@127.0.0.1:5099' || return 1
	expect_no_calls
}

# a picked call never reaches voicemail, even when the member's phone
# gives up (480) after the pickup
t_picked_no_voicemail() {
	reg 1001 5101
	uas m member_picked.xml 5101
	ring_picked c 1001 3001 tagP 5201
	sleep 0.5
	pick p 7001 2001 5301 5302
	sw || return 1
	sleep 0.5
	local cid
	cid=$(msg c '^SIP/2.0 18' | sed -n 's/^Call-ID: *//p' | tr -d '\r')
	[ -n "$cid" ] || fail "no Call-ID seen by the caller" || return 1
	if grep -F "$cid" "$KLOG" | grep -q "to voicemail"; then
		fail "the picked call $cid went to voicemail"
		return 1
	fi
	# event_route[gcp:picked] ran exactly once for it
	local n
	n=$(grep -F "$cid" "$KLOG" | grep -c 'picked up by sip:2001@')
	[ "$n" -eq 1 ] || fail "event_route[gcp:picked] ran $n times for $cid" || return 1
	expect_no_calls
}

# the first pickup fails (the picker's phone is busy, or the caller's UA
# refuses the Replaces INVITE): the call is given back, the next picker
# gets it (in auto mode a refused Replaces falls back to inject instead:
# see tests_auto.sh)
modes_failed_pickup_released() { echo inject replaces; }
t_failed_pickup_released() {
	reg 1001 5101
	uas m member_picked.xml 5101
	if [ "$MODE" = inject ]; then
		uac c caller_picked.xml 5201 1001 -key from 3001 -key tag tagF -key contact_port 5201 -d 300
		sleep 0.5
		uas p1-phone picker_phone_reject.xml 5302
		uac p1 picker_inject.xml 5301 7001 -key from 2001 -key contact_port 5302
		sleep 0.8
		expect "gcp.calls after the failed pickup" "$(kc gcp.calls)" 'pickable: yes' || return 1
		pick p2 7001 2002 5311 5312
	else
		UAS_CALLS=2 uas c-ua caller_ua_reject_first.xml 5202
		uac c caller_replaced.xml 5201 1001 -key from 3001 -key tag tagF -key contact_port 5202 -recv_timeout 2500
		sleep 0.5
		uac p1 picker_replaces_refused.xml 5301 7001 -key from 2001 -key contact_port 5301
		sleep 0.8
		expect "gcp.calls after the failed pickup" "$(kc gcp.calls)" 'pickable: yes' || return 1
		pick p2 7001 2002 5311 5312
	fi
	sw || return 1
	[ "$(stat pickup_failed)" -ge 1 ] || fail "gcp:pickup_failed did not count the failure" || return 1
	expect_no_calls
}

# two pickers dial at the same moment: exactly one gets the call
t_two_pickers() {
	reg 1001 5101
	uas m member_picked.xml 5101
	ring_picked c 1001 3001 tagR 5201
	sleep 0.5
	if [ "$MODE" = inject ]; then
		# each phone waits at most 4 s for a call; exactly one gets it
		sipp -sf "$SCEN/picker_phone.xml" -i 127.0.0.1 -p 5302 -m 1 -nostdin -timeout 4s \
			-trace_msg -message_file "$T_DIR/ph1.msg" >/dev/null 2>&1 &
		local ph1=$!
		sipp -sf "$SCEN/picker_phone.xml" -i 127.0.0.1 -p 5312 -m 1 -nostdin -timeout 4s \
			-trace_msg -message_file "$T_DIR/ph2.msg" >/dev/null 2>&1 &
		local ph2=$!
		uac p1 picker_inject_race.xml 5301 7001 -key from 2001 -key contact_port 5302
		uac p2 picker_inject_race.xml 5311 7001 -key from 2002 -key contact_port 5312
		sw || return 1
		wait $ph1 $ph2
		local n
		n=$(cat "$T_DIR/ph1.msg" "$T_DIR/ph2.msg" 2>/dev/null | grep -c '^INVITE sip:')
		[ "$n" -eq 1 ] || fail "the call reached $n picker phones, not 1" || return 1
	else
		uac p1 picker_replaces_race.xml 5301 7001 -key from 2001 -key contact_port 5301
		uac p2 picker_replaces_race.xml 5311 7001 -key from 2002 -key contact_port 5311
		sw || return 1
		local n
		n=$(cat "$T_DIR/p1.msg" "$T_DIR/p2.msg" | grep -c '^SIP/2.0 480')
		[ "$n" -eq 1 ] || fail "$n pickers got 'nothing to pick up', not 1" || return 1
	fi
	expect_no_calls
}

# a phone may register as a user, never as a pickup group number
modes_register() { echo inject; }
t_register() {
	uac r1 register.xml 5401 1001
	uac r2 register.xml 5402 7001
	uac r3 register.xml 5403 '*801'
	sw || return 1
	expect "REGISTER of 1001" "$(msg r1 '^SIP/2.0')" '^SIP/2.0 200' || return 1
	expect "REGISTER of 7001" "$(msg r2 '^SIP/2.0')" '^SIP/2.0 403 Pickup Group Number' || return 1
	expect "REGISTER of *801" "$(msg r3 '^SIP/2.0')" '^SIP/2.0 403 Pickup Group Number' || return 1
}

# the sample cfg with WITH_AUTH: local users must authenticate, and a
# pickup INVITE without credentials picks nothing up
modes_with_auth() { echo auth; }
t_with_auth() {
	reg 1001 5101
	uas m member_cancelled.xml 5101
	uac c caller_cancel.xml 5201 1001 -key from 3001 -key tag tagW \
		-key contact_port 5201 -key supported "replaces, timer" -recv_timeout 1500 -key fromhost outside.example
	uac r register.xml 5401 1001
	sleep 0.5
	uac p picker_407.xml 5301 7001 -key from 2001 -key contact_port 5302
	sw || return 1
	expect "REGISTER without credentials" "$(msg r '^SIP/2.0')" '^SIP/2.0 401' || return 1
	expect "pickup without credentials" "$(msg p '^SIP/2.0 [1-6]')" '^SIP/2.0 (401|407)' || return 1
}
ALL_TESTS="$ALL_TESTS with_auth"
