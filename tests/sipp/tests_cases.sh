# Who can pick up what: the rules of the feature, in both modes.

ALL_TESTS="$ALL_TESTS oldest_first star_group simultaneous_ring personal_contact private_line delegates team_call response_group no_replaces not_yet_ringing answered outsider"

# a picker that must get the call: inject (its phone on phone_port) or
# replaces (to the caller's UA). pick <name> <group> <from> <port> <phone_port>
pick() {
	if [ "$MODE" = inject ]; then
		uas "$1-phone" picker_phone.xml "$5"
		uac "$1" picker_inject.xml "$4" "$2" -key from "$3" -key contact_port "$5"
	else
		uac "$1" picker_replaces.xml "$4" "$2" -key from "$3" -key contact_port "$4"
	fi
}

# a caller whose call gets picked up: ring <name> <callee> <from> <tag> <port>
# (replaces mode: its UA's other half listens on port+1; the caller cancels
# its early dialog RING_MS after its last 18x, 1200 ms by default: a pickup
# 0.5 s after the call starts is answered well before gcp's own check for
# a UA that did not cancel, picked_cancel_delay (1 s) after the answer)
ring_picked() {
	if [ "$MODE" = inject ]; then
		uac "$1" caller_picked.xml "$5" "$2" -key from "$3" -key tag "$4" -key contact_port "$5" -d 300
	else
		uas "$1-ua" caller_ua_replaced.xml $(($5 + 1))
		uac "$1" caller_replaced.xml "$5" "$2" -key from "$3" -key tag "$4" -key contact_port $(($5 + 1)) -recv_timeout "${RING_MS:-1200}"
	fi
}

# the call that reached the picker came from this caller tag
picked_from() { # <picker name> <caller tag>
	if [ "$MODE" = inject ]; then
		expect "the call on $1's phone" "$(msg "$1-phone" '^INVITE ')" "^From: .*;tag=$2" || return 1
	else
		local port=$3
		expect "the Replaces INVITE of $1" "$(msg "$1" '^SIP/2.0 200')" "^Contact: <sip:caller@127.0.0.1:$port>" || return 1
	fi
}

# Three calls ring in group 7001, in this order; three pickups take them
# oldest first.
t_oldest_first() {
	reg 1001 5101; reg 1002 5102; reg 1010 5110
	uas m1 member_picked.xml 5101
	uas m2 member_picked.xml 5102
	uas m3 member_picked.xml 5110
	RING_MS=3500 ring_picked cA 1001 3001 tagA 5201
	sleep 0.3
	RING_MS=3500 ring_picked cB 1002 3002 tagB 5211
	sleep 0.3
	RING_MS=3500 ring_picked cC 1010 3003 tagC 5221
	sleep 0.5
	pick p1 7001 2001 5301 5302
	sleep 0.6
	pick p2 7001 2002 5311 5312
	sleep 0.6
	pick p3 7001 2003 5321 5322
	sw || return 1
	picked_from p1 tagA 5202 || return 1
	picked_from p2 tagB 5212 || return 1
	picked_from p3 tagC 5222 || return 1
	expect_no_calls
}

# '*'-prefixed group numbers work like the others.
t_star_group() {
	reg 1008 5108
	uas m member_picked.xml 5108
	ring_picked c 1008 3001 tagS 5201
	sleep 0.5
	pick p '*801' 2001 5301 5302
	sw || return 1
	picked_from p tagS 5202 || return 1
	expect_no_calls
}

# The member has two phones: both ring, the call stays pickable, and both
# are cancelled with "Call completed elsewhere".
t_simultaneous_ring() {
	reg 1001 5101
	kc ul.add location s:1001 sip:1001@127.0.0.1:5111 3600 1.0 s:0 0 0 255 >/dev/null
	uas m1 member_picked.xml 5101
	uas m1b member_picked.xml 5111
	ring_picked c 1001 3001 tagD 5201
	sleep 0.5
	pick p 7001 2001 5301 5302
	sw || return 1
	picked_from p tagD 5202 || return 1
	expect_no_calls
}

# no pickup possible while this call rings: the picker gets 480 and the
# call goes on untouched; ring_unpickable <callee> <from> (the caller's
# Supported header: $SUPPORTED)
# with the members' phones already started; gcp.calls while it rang is
# left in $T_DIR/calls.txt
ring_unpickable() {
	local callee=$1 from=$2
	shift 2
	uac c caller_cancel.xml 5201 "$callee" -key from "$from" -key tag tagN \
		-key contact_port 5201 -key supported "${SUPPORTED:-replaces, timer}" -recv_timeout 2000
	sleep 0.7
	kc gcp.calls >"$T_DIR/calls.txt"
	uac p picker_480.xml 5301 7001 -key from 2001 -key contact_port 5302
	sw
}

t_personal_contact() {
	reg 1002 5102
	uas m member_cancelled.xml 5102
	ring_unpickable 1002 +15550100 || return 1
	expect "gcp.calls while it rang" "$(cat "$T_DIR/calls.txt")" 'personal contact' || return 1
	expect_no_calls
}

t_private_line() {
	reg 1001 5101
	uas m member_cancelled.xml 5101
	ring_unpickable 1901 3001 || return 1
	expect "gcp.calls while it rang" "$(cat "$T_DIR/calls.txt")" '^$' || return 1
	expect "the member's INVITE" "$(msg m '^INVITE ')" '^To: <sip:1901@' || return 1
	expect_no_calls
}

t_delegates() {
	reg 1003 5103; reg 1005 5105
	uas m member_cancelled.xml 5103
	uas d member_cancelled.xml 5105
	ring_unpickable 1003 3001 || return 1
	expect_no_calls
}

t_team_call() {
	reg 1004 5104; reg 1006 5106; reg 1007 5107
	uas m member_cancelled.xml 5104
	uas t1 member_cancelled.xml 5106
	uas t2 member_cancelled.xml 5107
	ring_unpickable 1004 3001 || return 1
	expect_no_calls
}

t_response_group() {
	reg 1001 5101; reg 1002 5102
	uas a1 member_cancelled.xml 5101
	uas a2 member_cancelled.xml 5102
	ring_unpickable 5000 3001 || return 1
	expect_no_calls
}

# replaces mode with require_replaces: a caller whose UA does not list
# "replaces" cannot be picked up
modes_no_replaces() { echo replaces; }
t_no_replaces() {
	reg 1001 5101
	uas m member_cancelled.xml 5101
	SUPPORTED=timer ring_unpickable 1001 3001 || return 1
	expect "gcp.calls while it rang" "$(cat "$T_DIR/calls.txt")" 'caller lacks Replaces' || return 1
	expect_no_calls
}

# a call that is not ringing yet (only 100 Trying) cannot be picked up
t_not_yet_ringing() {
	reg 1001 5101
	uas m member_trying.xml 5101
	uac c caller_cancel_trying.xml 5201 1001 -key from 3001 -key tag tagT \
		-key contact_port 5201 -key supported "replaces, timer" -recv_timeout 2000
	sleep 0.7
	expect "gcp.calls" "$(kc gcp.calls)" 'not ringing yet' || return 1
	uac p picker_480.xml 5301 7001 -key from 2001 -key contact_port 5302
	sw || return 1
	expect_no_calls
}

# an answered call cannot be picked up
t_answered() {
	reg 1001 5101
	uas m member_answer.xml 5101 -d 300
	uac c caller_picked.xml 5201 1001 -key from 3001 -key tag tagA -key contact_port 5201 -d 2000
	sleep 1
	uac p picker_480.xml 5301 7001 -key from 2001 -key contact_port 5302
	sw || return 1
	expect_no_calls
}

# a picker whose From is not one of ours is refused (403); the call then
# goes to a local picker
t_outsider() {
	reg 1001 5101
	uas m member_picked.xml 5101
	ring_picked c 1001 3001 tagO 5201
	sleep 0.4
	uac out picker_403.xml 5331 7001 -key from 9999 -key fromhost outside.example -key contact_port 5332
	sleep 0.3
	pick p 7001 2001 5301 5302
	sw || return 1
	expect "the outsider's reply" "$(msg out '^SIP/2.0 403')" 'Pickup Not Allowed' || return 1
	picked_from p tagO 5202 || return 1
	expect_no_calls
}
