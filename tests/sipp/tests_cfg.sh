# What the sample cfg itself guards against (cfg/kamailio.cfg and its Lua
# twin): auto-answer headers from outside, pickups without credentials.

ALL_TESTS="$ALL_TESTS autoanswer_stripped spoofed_picker"

# A caller asks the member's phone to answer by itself (Call-Info
# answer-after, Alert-Info autoanswer, Answer-Mode, Priv-Answer-Mode): the
# member's phone gets the INVITE without them (and with the Call-Info and
# Alert-Info that ask for nothing of the sort); a pickup of the call in
# inject mode still rings the picker's phone with gcp's own auto-answer
# headers, once each.
modes_autoanswer_stripped() { echo inject; }
t_autoanswer_stripped() {
	reg 1001 5101
	uas m member_picked.xml 5101
	uas pphone picker_phone.xml 5302
	uac c caller_autoanswer.xml 5201 1001 -key from +15550123 -key fromhost outside.example \
		-key tag tagAA -key contact_port 5201 -d 300
	sleep 0.5
	uac p picker_inject.xml 5301 7001 -key from 2001 -key contact_port 5302
	sw || return 1
	local inv
	inv=$(msg m '^INVITE ')
	expect "the member's INVITE" "$inv" '^From: <sip:\+15550123@outside.example>;tag=tagAA' || return 1
	expect_none "the member's INVITE" "$inv" 'answer-after' 'autoanswer|Auto Answer|intercom' \
		'^(Priv-)?Answer-Mode:' || return 1
	expect_each "the member's INVITE" "$inv" '^Call-Info: <http://outside.example/photo.png>;purpose=icon' \
		'^Alert-Info: <http://outside.example/ring.wav>' || return 1
	inv=$(msg pphone '^INVITE ')
	expect_each "the injected INVITE" "$inv" '^From: <sip:\+15550123@outside.example>;tag=tagAA' \
		'^Call-Info: <sip:pickup.invalid>;answer-after=0' \
		'^Alert-Info: <http://pickup.invalid/autoanswer>;info=alert-autoanswer' '^Answer-Mode: Auto' || return 1
	expect_not "the injected INVITE" "$inv" '^Priv-Answer-Mode:|notused|Auto Answer|intercom' || return 1
	[ "$(grep -ci '^Answer-Mode:' <<<"$inv")" -eq 1 ] || fail "the injected INVITE has more than one Answer-Mode" || return 1
	[ "$(grep -ci 'answer-after' <<<"$inv")" -eq 1 ] || fail "the injected INVITE has more than one answer-after" || return 1
	expect_no_calls
}

# WITH_AUTH: an INVITE to a group number is challenged whatever its From
# says, also when a "myself" check of its From would say it is not ours
# (transport=tls means port 5061, another port, a display name, URI
# parameters) or is (case, alias): none of them picks the call up; then a
# picker with credentials does.
modes_spoofed_picker() { echo auth; }
t_spoofed_picker() {
	reg 1001 5101
	uas m member_picked.xml 5101
	uac c caller_picked.xml 5201 1001 -key from 3001 -key fromhost outside.example \
		-key tag tagSP -key contact_port 5201 -d 300
	sleep 0.5
	local picked
	picked=$(stat picked)
	# all of them at once, in a subshell with a list of SIPp instances of
	# its own: sw waits for them only, while the caller rings on
	(
		SIPP_PIDS=()
		SIPP_NAMES=()
		uac s1 picker_spoof.xml 5401 7001 -key fromhdr '<sip:2001@127.0.0.1;transport=tls>' -key contact_port 5401
		uac s2 picker_spoof.xml 5402 7001 -key fromhdr '<sip:2001@127.0.0.1;transport=tcp>' -key contact_port 5402
		uac s3 picker_spoof.xml 5403 7001 -key fromhdr '<sip:2001@127.0.0.1:5061>' -key contact_port 5403
		uac s4 picker_spoof.xml 5404 7001 -key fromhdr '<sip:2001@127.0.0.1:5099>' -key contact_port 5404
		uac s5 picker_spoof.xml 5405 7001 -key fromhdr '<sip:2001@LOCALHOST>' -key contact_port 5405
		uac s6 picker_spoof.xml 5406 7001 -key fromhdr '<sip:2001@localhost>' -key contact_port 5406
		uac s7 picker_spoof.xml 5407 7001 -key fromhdr '"sip:2001@127.0.0.1" <sip:2001@evil.example>' -key contact_port 5407
		uac s8 picker_spoof.xml 5408 7001 -key fromhdr '<sip:2001@evil.example;maddr=127.0.0.1>' -key contact_port 5408
		uac s9 picker_spoof.xml 5409 7001 -key fromhdr '<sip:2001@127.0.0.1;user=phone>' -key contact_port 5409
		sw
	) || return 1
	local calls
	calls=$(kc gcp.calls)
	expect "gcp.calls after the spoofed pickups" "$calls" 'pickable: yes' || return 1
	[ "$(stat picked)" = "$picked" ] || fail "gcp:picked went from $picked to $(stat picked)" || return 1
	uas pphone picker_phone.xml 5302
	uac p picker_inject_auth.xml 5301 7001 -key from 2001 -key contact_port 5302 -au 2001 -ap pw2001
	sw || return 1
	expect "the injected INVITE" "$(msg pphone '^INVITE ')" '^From: <sip:3001@outside.example>;tag=tagSP' || return 1
	[ "$(stat picked)" -eq $((picked + 1)) ] || fail "gcp:picked is $(stat picked), not $((picked + 1))" || return 1
	expect_no_calls
}

# WITH_AUTH: a user of our domain with no password (3002 has none in
# htable auth) cannot authenticate with credentials computed over an empty
# password, and so cannot pick up (the native pv_auth_check() refuses an
# empty password; KSR.auth.pv_auth_check() of the Lua cfg does not).
ALL_TESTS="$ALL_TESTS no_password_picker"
modes_no_password_picker() { echo auth; }
t_no_password_picker() {
	reg 1001 5101
	uas m member_cancelled.xml 5101
	uac c caller_cancel.xml 5201 1001 -key from 3001 -key fromhost outside.example -key tag tagNP \
		-key contact_port 5201 -key supported "replaces, timer" -recv_timeout 2000
	sleep 0.5
	local picked
	picked=$(stat picked)
	uac p picker_auth_refused.xml 5301 7001 -key from 3002 -key contact_port 5302 -au 3002 -ap ''
	sleep 1
	expect "gcp.calls after the pickup attempt" "$(kc gcp.calls)" 'pickable: yes' || return 1
	sw || return 1
	[ "$(stat picked)" = "$picked" ] || fail "gcp:picked went from $picked to $(stat picked)" || return 1
	expect_no_calls
}
