# The other kinds of pickup across nodes (issue 15): directed, Replaces (a
# BLF key) and other-group pickups take a call that rings through another
# node as a group pickup does, and the event names their kind.

# the kind event_route[gcp:picked] logged for a call: kind_of <caller party>
kind_of() {
	grep -hF "gcp: call $(cid_of "$1") from " $(cl_logs) 2>/dev/null | sed -n 's/.*(kind \([a-z-]*\))$/\1/p'
}

# a picker with its own R-URI and header lines (inject: the call reaches
# its phone on phone_port): any_pick_at <N> <name> <port> <phone_port> <ruri-user> <xhdr>
any_pick_at() {
	uas "$2-phone" picker_phone.xml "$4"
	at "$1" "$2" picker_any.xml "$3" "$5" -key fromhdr '<sip:2001@127.0.0.1>' \
		-key xhdr "$6" -key contact_port "$4" -cid_str "$(cid_fmt "$2")"
}

kinds_check() { # <caller> <picker> <caller's node> <picker's node> <tag> <kind>
	sw || return 1
	expect "the final reply to $2" "$(finals "$2" | awk '{ print $2 }')" '^487$' || return 1
	expect "$2's phone" "$(msg "$2-phone" '^INVITE ')" "^From: <sip:3001@127.0.0.1>;tag=$5" || return 1
	relayed_once "$2" "$4" "$3" || return 1
	picked_once "$1" "$3" || return 1
	expect "the pickup's kind" "$(kind_of "$1")" "^$6\$" || return 1
	no_calls
}

ALL_TESTS="$ALL_TESTS directed_across"
# **1001 dialed through node 2 takes 1001's call that rings through node 1
t_directed_across() {
	creg 1001 5501 || return 1
	uas m1 member_picked.xml 5501
	call_at 1 c 1001 tagD 5510
	wait_pickable 2 1 || return 1
	any_pick_at 2 p 5530 5550 '**1001' "X-None: 0"
	kinds_check c p 1 2 tagD directed
}

ALL_TESTS="$ALL_TESTS replaces_across"
# a BLF key's INVITE through node 3 names (Replaces) the call that rings
# through node 1, the caller's From tag as to-tag as some phones send it
t_replaces_across() {
	local cid
	creg 1001 5501 || return 1
	uas m1 member_picked.xml 5501
	call_at 1 c 1001 tagE 5510
	wait_pickable 3 1 || return 1
	cid=$(cid_of c)
	[ -n "$cid" ] || fail "no Call-ID of the caller" || return 1
	any_pick_at 3 p 5530 5550 1001 "Replaces: $cid;to-tag=tagE;from-tag=blf1;early-only"
	kinds_check c p 1 3 tagE replaces
}

ALL_TESTS="$ALL_TESTS other_across"
# group 7001 lists *801: its pickup through node 2 takes *801's call (1008)
# that rings through node 3 when nothing rings in 7001
t_other_across() {
	creg 1008 5508 || return 1
	uas m8 member_picked.xml 5508
	call_at 3 c 1008 tagO 5510
	wait_pickable 2 1 || return 1
	any_pick_at 2 p 5530 5550 7001 "X-None: 0"
	kinds_check c p 3 2 tagO other-group
}
