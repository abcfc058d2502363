# What the caller's UA does with the Replaces INVITE, and how replaces and
# auto mode cope: the picker must end up talking to the caller.

ALL_TESTS="$ALL_TESTS auto_refused auto_stalled auto_rings replaces_second_call auto_no_replaces_ua"

# The shape of the auto-mode tests: member 1001 rings a call from 3001
# whose UA (port 5202) is played by <caller UA scenario>; then a picker
# dials 7001 and its phone (5302) takes what it is given.
# auto_ring <caller UA scenario | -> <From tag> [caller scenario]
# ("-": nothing plays the caller's UA; CUA_PORT: another port for it)
auto_ring() {
	local cua=${CUA_PORT:-5202}
	reg 1001 5101
	uas m member_picked.xml 5101
	[ "$1" = - ] || uas c-ua "$1" "$cua"
	uac c "${3:-caller_picked.xml}" 5201 1001 -key from 3001 -key tag "$2" -key contact_port "$cua" -d 300
	sleep 0.5
}
# auto_pick [picker scenario]: the picker and its phone; waits for all
auto_pick() {
	uas p-phone picker_phone.xml 5302
	uac p "${1:-picker_auto_fallback.xml}" 5301 7001 -key from 2001 -key contact_port 5302
	sw
}
# how each caller's call is delivered, says gcp.calls: expect_delivery <how>
expect_delivery() {
	expect "gcp.calls" "$(kc gcp.calls | tr -s '\t\n' '  ')" "callee: 1001 .*pickable: yes .*delivery: $1"
}
# the caller ends up with the picker's phone
expect_caller_with_phone() {
	expect "the caller's 200" "$(msg c '^SIP/2.0 200')" '^Contact: <sip:picker@127.0.0.1:5302>'
}

# The caller's UA refuses the Replaces INVITE (481): auto mode falls back
# to inject, the picker's phone gets the call, the caller is connected to it.
modes_auto_refused() { echo auto; }
t_auto_refused() {
	auto_ring caller_ua_refuse.xml tagX
	expect_delivery replaces || return 1
	auto_pick || return 1
	expect "the picker's first reply" "$(msg p '^SIP/2.0 [2-6]')" '^SIP/2.0 481' || return 1
	expect_caller_with_phone || return 1
	expect "the call on the picker's phone" "$(msg p-phone '^INVITE ')" '^From: .*;tag=tagX' || return 1
	expect_no_calls
}

# The caller's UA says 100 Trying to the Replaces INVITE and nothing more:
# after auto_timeout gcp cancels it, answers the picker itself when even
# the CANCEL goes unanswered, and rings the picker's phone.
modes_auto_stalled() { echo auto; }
t_auto_stalled() {
	# a port of its own: this UA ignores gcp's CANCEL, which Kamailio then
	# retransmits to it for a while, after the test
	CUA_PORT=5209 auto_ring caller_ua_stall.xml tagY
	auto_pick || return 1
	expect "the picker's first reply" "$(msg p '^SIP/2.0 [2-6]')" '^SIP/2.0 487' || return 1
	expect_caller_with_phone || return 1
	expect_no_calls
}

# The caller's UA rings the Replaces INVITE as a second incoming call and
# answers gcp's CANCEL with 200 before its 487: that 200 is no answer; after
# auto_timeout the picker's phone gets the call.
modes_auto_rings() { echo auto; }
t_auto_rings() {
	auto_ring caller_ua_rings.xml tagQ
	auto_pick || return 1
	expect_caller_with_phone || return 1
	expect "the call on the picker's phone" "$(msg p-phone '^INVITE ')" '^From: .*;tag=tagQ' || return 1
	expect_no_calls
}

# The caller's UA answers the Replaces INVITE as a second call and leaves
# its first call ringing: gcp ends that one, the member's phone is told
# "Call completed elsewhere", and no voicemail is involved.
modes_replaces_second_call() { echo replaces auto; }
t_replaces_second_call() {
	reg 1001 5101
	uas m member_picked.xml 5101
	uas c-ua caller_ua_replaced.xml 5202
	uac c caller_kept_ringing.xml 5201 1001 -key from 3001 -key tag tagZ \
		-key contact_port 5202 -key supported "replaces, timer"
	sleep 0.5
	uac p picker_replaces.xml 5301 7001 -key from 2001 -key contact_port 5301
	sw || return 1
	local cid
	cid=$(msg c '^SIP/2.0 18' | sed -n 's/^Call-ID: *//p' | tr -d '\r')
	if grep -F "$cid" "$KLOG" | grep -q "to voicemail"; then
		fail "the picked call went to voicemail"
		return 1
	fi
	expect_no_calls
}

# A caller whose INVITE lists replaces but whose User-Agent matches
# no_replaces_ua (default "Twinkle/", a UA that drops its own call on a
# Replaces INVITE and then ignores the fallback's answer): auto mode
# injects at once. Its UA never gets a Replaces INVITE, gcp.calls says
# "delivery: inject", and the caller is answered by the picker's phone.
modes_auto_no_replaces_ua() { echo auto; }
t_auto_no_replaces_ua() {
	sed 's|^\( *\)Supported: replaces, timer|&\n\1User-Agent: Twinkle/1.10.2 (Linux)|' \
		"$SCEN/caller_picked.xml" >"$T_DIR/caller_twinkle.xml"
	udp_sink 5202 "$T_DIR/c-ua.raw" 8
	auto_ring - tagT "$T_DIR/caller_twinkle.xml"
	expect_delivery inject || return 1
	auto_pick picker_inject.xml || return 1
	expect "the picker's reply" "$(msg p '^SIP/2.0 [2-6]')" '^SIP/2.0 487' || return 1
	expect_caller_with_phone || return 1
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	[ ! -s "$T_DIR/c-ua.raw" ] || fail "the caller's UA got: $(head -c 200 "$T_DIR/c-ua.raw")" || return 1
	expect_no_calls
}
