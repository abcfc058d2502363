#!/usr/bin/env bash
# The stress suite's hostile pickups (tests/stress/run.sh sources this):
# INVITEs without body, with broken SDP or a 20 kB header, picked up once
# like any other; refused ones get that exact reply and change nothing.

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


# the checks of this concern, in a mode: checks_hostile <mode>
checks_hostile() {
	local mode=$1
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
}
