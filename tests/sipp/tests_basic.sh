# Basic pickup, in both modes.

ALL_TESTS="$ALL_TESTS basic_pickup"

# A call to member 1001 rings; 2001 dials group 7001 and gets the call:
# the caller ends up talking to the picker, the member's phone is cancelled
# with "Call completed elsewhere", the offer to the picker is audio only.
t_basic_pickup() {
	reg 1001 5101
	uas member member_picked.xml 5101
	if [ "$MODE" = inject ]; then
		uas pphone picker_phone.xml 5302
		uac caller caller_picked.xml 5201 1001 -key from 3001 -key tag callertag1 -key contact_port 5201 -d 300
		sleep 0.5
		uac picker picker_inject.xml 5301 7001 -key from 2001 -key contact_port 5302
		sw || return 1
		local inv
		inv=$(msg pphone '^INVITE ')
		expect "INVITE to the picker's phone" "$inv" '^Call-Info: .*answer-after=0' || return 1
		expect "INVITE to the picker's phone" "$inv" '^Alert-Info: .*info=alert-autoanswer' || return 1
		expect "INVITE to the picker's phone" "$inv" '^Answer-Mode: Auto' || return 1
		expect "INVITE to the picker's phone" "$inv" '^From: <sip:3001@127.0.0.1>;tag=callertag1' || return 1
		expect "INVITE to the picker's phone" "$inv" '^m=audio 40000 ' || return 1
		expect "INVITE to the picker's phone" "$inv" '^m=video 0 ' || return 1
		expect "the caller's 200" "$(msg caller '^SIP/2.0 200')" '^Contact: <sip:picker@127.0.0.1:5302>' || return 1
	else
		uas callerua caller_ua_replaced.xml 5202
		uac caller caller_replaced.xml 5201 1001 -key from 3001 -key tag callertag1 -key contact_port 5202 -recv_timeout 1500
		sleep 0.5
		uac picker picker_replaces.xml 5301 7001 -key from 2001 -key contact_port 5301
		sw || return 1
		local inv
		inv=$(msg callerua '^INVITE ')
		expect "Replaces INVITE" "$inv" '^INVITE sip:3001@127.0.0.1:5202 SIP/2.0' || return 1
		expect "Replaces INVITE" "$inv" "^Replaces: [^;]+;to-tag=callertag1;from-tag=member[0-9]+x1;early-only" || return 1
		expect_not "Replaces INVITE" "$inv" '^m=video' || return 1
		expect "Replaces INVITE" "$inv" '^m=audio 42000 ' || return 1
	fi
	expect_no_calls
}
