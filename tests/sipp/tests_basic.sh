# Basic pickup, in both modes.

ALL_TESTS="$ALL_TESTS basic_pickup"

# A call to member 1001 rings; 2001 dials group 7001 and gets the call:
# the caller ends up talking to the picker, the member's phone is cancelled
# with "Call completed elsewhere", the offer to the picker is audio only.
t_basic_pickup() {
	local inv
	reg 1001 5101
	uas member member_picked.xml 5101
	RING_MS=1500 ring_picked caller 1001 3001 callertag1 5201
	sleep 0.5
	pick picker 7001 2001 5301 5302
	sw || return 1
	if [ "$MODE" = inject ]; then
		inv=$(msg picker-phone '^INVITE ')
		expect_each "INVITE to the picker's phone" "$inv" '^Call-Info: .*answer-after=0' \
			'^Alert-Info: .*info=alert-autoanswer' '^Answer-Mode: Auto' \
			'^From: <sip:3001@127.0.0.1>;tag=callertag1' '^m=audio 40000 ' '^m=video 0 ' || return 1
		expect "the caller's 200" "$(msg caller '^SIP/2.0 200')" '^Contact: <sip:picker@127.0.0.1:5302>' || return 1
	else
		inv=$(msg caller-ua '^INVITE ')
		expect_each "Replaces INVITE" "$inv" '^INVITE sip:3001@127.0.0.1:5202 SIP/2.0' \
			"^Replaces: [^;]+;to-tag=callertag1;from-tag=member[0-9]+x1;early-only" || return 1
		expect_not "Replaces INVITE" "$inv" '^m=video' || return 1
		expect "Replaces INVITE" "$inv" '^m=audio 42000 ' || return 1
	fi
	expect_no_calls
}
