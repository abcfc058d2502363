# Pickups across the nodes of the cluster (run.sh sources this).

ALL_TESTS="$ALL_TESTS cross_pickup oldest_across race"

# A call rings through node 1, the picker dials 7001 at node 2: node 2
# relays the pickup to node 1 (gcp_pickup() said 3) and gets the call back
# to the picker's phone (inject: node 1's new branch through node 2): the
# caller talks to the picker, the member's phone gets CANCEL with
# "Call completed elsewhere", event_route[gcp:picked] runs once, on node 1.
cross_pickup() { # <caller's node> <picker's node>
	local cn=$1 pn=$2 inv
	creg 1001 5501 || return 1
	uas m1 member_picked.xml 5501
	call_at "$cn" c 1001 tagX 5510
	wait_pickable "$pn" 1 || return 1
	expect "node $pn's gcp.calls" "$(cl_calls "$pn")" "^[^ ]+ $(re_esc "$(cl_uri "$cn")") yes\$" || return 1
	pick_at "$pn" p 5530 5550 2001
	sw || return 1
	inv=$(msg p-phone '^INVITE ')
	expect_each "the INVITE to the picker's phone" "$inv" '^Call-Info: .*answer-after=0' \
		'^From: <sip:3001@127.0.0.1>;tag=tagX' '^m=audio 40000 ' '^m=video 0 ' \
		"^Via: SIP/2.0/UDP $(re_esc "$(cl_addr "$pn")");" "^Via: SIP/2.0/UDP $(re_esc "$(cl_addr "$cn")");" || return 1
	expect "the caller's 200" "$(msg c '^SIP/2.0 200')" '^Contact: <sip:picker@127.0.0.1:5550>' || return 1
	expect "the member's CANCEL" "$(msg m1 '^CANCEL ')" '^Reason: SIP;cause=200;text="Call completed elsewhere"' || return 1
	relayed_once p "$pn" "$cn" || return 1
	picked_once c "$cn" || return 1
	no_calls
}
t_cross_pickup() { cross_pickup 1 2; }

# Calls ring through node 3 (first) and node 1; two pickers at node 2 get
# them oldest first: node 3's, then node 1's.
t_oldest_across() {
	creg 1001 5501 || return 1
	creg 1002 5502 || return 1
	uas m1 member_picked.xml 5501
	uas m2 member_picked.xml 5502
	call_at 3 cA 1001 tagA 5510
	wait_pickable 2 1 || return 1
	sleep 0.3
	call_at 1 cB 1002 tagB 5511
	wait_pickable 2 2 || return 1
	# gcp.calls on the pickers' node: the cluster's calls oldest first
	local calls
	calls=$(cl_calls 2)
	expect "node 2's gcp.calls, oldest first" "$(head -n 1 <<<"$calls")" \
		"^$(re_esc "$(cid_of cA)") $(re_esc "$(cl_uri 3)") yes\$" || return 1
	pick_at 2 p1 5530 5550 2001
	sleep 0.8
	pick_at 2 p2 5531 5551 2002
	sw || return 1
	expect "p1's phone" "$(msg p1-phone '^INVITE ')" '^From: <sip:3001@127.0.0.1>;tag=tagA' || return 1
	expect "p2's phone" "$(msg p2-phone '^INVITE ')" '^From: <sip:3001@127.0.0.1>;tag=tagB' || return 1
	relayed_once p1 2 3 || return 1
	relayed_once p2 2 1 || return 1
	picked_once cA 3 || return 1
	picked_once cB 1 || return 1
	no_calls
}

# 5 calls ring at 1001 through the three nodes (2 through node 1, 2
# through node 2, 1 through node 3); 10 pickers dial 7001 at once, 4 at
# node 1, 3 at node 2, 3 at node 3, each with a Contact of its own (its
# user: 2001-2010) on one phone. Every call is picked up exactly once
# (its caller answered, one event line), by one picker each: 5 pickers
# get 487 and the call on their phone, 5 get 480, no picker's Contact
# gets two calls.
t_race() {
	creg 1001 5501 || return 1
	UAS_CALLS=5 uas m member_picked.xml 5501
	call_at 1 c1 1001 tagR1 5510 -m 2 -r 100 -l 2
	call_at 2 c2 1001 tagR2 5511 -m 2 -r 100 -l 2
	call_at 3 c3 1001 tagR3 5512
	local n
	for n in 1 2 3; do wait_pickable "$n" 5 || return 1; done
	rx_cids() { requests INVITE m | awk '{ print $2 }' | sort -u; }
	UAS_CALLS=5 uas pp picker_phone.xml 5550
	local first=2001 count
	for n in 1 2 3; do
		count=3
		[ "$n" = 1 ] && count=4
		{
			echo SEQUENTIAL
			for u in $(seq "$first" $((first + count - 1))); do echo "$u;7001;X-Kind;-;-;-"; done
		} >"$T_DIR/pickers$n.csv"
		first=$((first + count))
		at "$n" "p$n" picker_kinds_race.xml "553$n" 7001 -m "$count" -r 1000 -l "$count" \
			-inf "$T_DIR/pickers$n.csv" -key contact_port 5550 -cid_str "$(cid_fmt "p$n")"
	done
	sw || return 1
	local fin n487 n480 nother
	fin=$(finals p1 p2 p3)
	echo "$fin" | sed 's/^/  picker final: /'
	n487=$(grep -c ' 487$' <<<"$fin")
	n480=$(grep -c ' 480$' <<<"$fin")
	nother=$(grep -vc ' 48[07]$' <<<"$fin")
	[ "$n487" -eq 5 ] && [ "$n480" -eq 5 ] && [ "$nother" -eq 0 ] ||
		fail "pickers: $n487 got 487 (the call), $n480 got 480, $nother something else; expected 5, 5, 0" || return 1
	# the calls: what the member's phone saw ring, what the callers got
	rx_cids >"$T_DIR/calls.cid"
	[ "$(grep -c . "$T_DIR/calls.cid")" -eq 5 ] || fail "the member's phone rang $(grep -c . "$T_DIR/calls.cid") calls, not 5" || return 1
	finals c1 c2 c3 | awk '$2 == 200 { print $1 }' | sort >"$T_DIR/answered.cid"
	cmp -s "$T_DIR/calls.cid" "$T_DIR/answered.cid" ||
		fail "the callers answered differ from the calls that rang: $(diff "$T_DIR/calls.cid" "$T_DIR/answered.cid" | grep '^[<>]' | tr '\n' ' ')" || return 1
	# the picker's phone: each call once, each picker's Contact at most once
	local ph
	ph=$(requests INVITE pp)
	echo "$ph" | sed 's/^/  phone INVITE: /'
	awk '{ print $2 }' <<<"$ph" | sort >"$T_DIR/delivered.cid"
	cmp -s "$T_DIR/calls.cid" "$T_DIR/delivered.cid" ||
		fail "the calls on the pickers' phone differ from the calls (each once): $(diff "$T_DIR/calls.cid" "$T_DIR/delivered.cid" | grep '^[<>]' | tr '\n' ' ')" || return 1
	[ "$(awk '{ print $1 }' <<<"$ph" | sort -u | grep -c .)" -eq 5 ] ||
		fail "the 5 calls went to $(awk '{ print $1 }' <<<"$ph" | sort -u | grep -c .) pickers' Contacts, not 5" || return 1
	# event_route[gcp:picked]: once per call, on the three nodes together
	local cid bad=0
	while read -r cid; do
		[ "$(ev_lines "$cid")" -eq 1 ] || { echo "  call $cid: $(ev_lines "$cid") event lines, not 1"; bad=1; }
	done <"$T_DIR/calls.cid"
	[ $bad = 0 ] || return 1
	no_calls
}
