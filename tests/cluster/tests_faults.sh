# Nodes that stop answering (run.sh sources this; one attempt each: they
# change the cluster): stopped (SIGSTOP, then SIGCONT), killed (SIGKILL,
# then started again without its gcp.xml; the suite's last test).

ALL_TESTS="$ALL_TESTS stopped killed"

# wait (at most <seconds>) until node N gives node M the state <state>:
# wait_state <seconds> <N> <M> <state>
wait_state() {
	local i
	for i in $(seq 1 $(($1 * 10))); do
		[ "$(cl_state_of "$2" "$3")" = "$4" ] && return 0
		sleep 0.1
	done
	fail "node $2 gives node $3 the state '$(cl_state_of "$2" "$3")', not '$4', after $1 s:"
	cl_view "$2" | sed 's/^/    /'
	return 1
}

# ms since the epoch
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A call rings through node 2; node 2 stops (SIGSTOP, every process) for
# longer than dmq_down_after: nodes 1 and 3 mark it down, no longer offer
# its call (a picker at node 1 gets 480), and a configuration change at
# node 3 goes on without it. Node 2 runs again (SIGCONT): the cluster
# agrees again (three up, one digest, the same files: node 2 has the
# change), and a picker at node 3 gets the call, picked up once.
t_stopped() {
	local t0 dt
	creg 1002 5502 || return 1
	uas m2 member_picked.xml 5502
	RING_MS=15000 call_at 2 c 1002 tagS 5510
	wait_pickable 1 1 || return 1
	wait_pickable 3 1 || return 1
	cl_pause 2
	t0=$(now_ms)
	wait_state 8 1 2 down || { cl_resume 2; return 1; }
	wait_state 2 3 2 down || { cl_resume 2; return 1; }
	dt=$(($(now_ms) - t0))
	echo "  node 2 down on nodes 1 and 3 after $dt ms"
	[ "$(cl_calls 1 | grep -c ' yes$')" -eq 0 ] && [ "$(cl_calls 3 | grep -c ' yes$')" -eq 0 ] || {
		fail "a pickable call is listed while its node is down:"
		cl_calls 1 | sed 's/^/    node 1: /'
		cl_calls 3 | sed 's/^/    node 3: /'
		cl_resume 2
		return 1
	}
	nopick_at 1 p0 5530 2001
	wait_party p0 || { fail "the picker at node 1 did not get 480 while node 2 was down"; cl_resume 2; return 1; }
	local out
	out=$(nk 3 gcp.member.set 4998 7001 2>&1) || { fail "gcp.member.set at node 3: $out"; cl_resume 2; return 1; }
	cl_resume 2
	cl_wait_agree 10 || return 1
	cl_same_files || return 1
	expect "gcp.member.get 4998 on node 2" "$(nk 2 gcp.member.get 4998 2>&1)" 'group: 7001' || return 1
	wait_pickable 3 1 || return 1
	pick_at 3 p 5531 5550 2002
	sw || return 1
	expect "the picker's phone" "$(msg p-phone '^INVITE ')" '^From: <sip:3001@127.0.0.1>;tag=tagS' || return 1
	relayed_once p 3 2 || return 1
	picked_once c 2 || return 1
	no_calls
}

# Calls ring through node 3 (first) and node 1. Node 3 is killed
# (SIGKILL, every process): within dmq_down_after nodes 1 and 2 mark it
# down and offer only node 1's call: a picker at node 2 gets it, then a
# picker at node 1 gets 480 (node 3's call is not offered). The
# configuration changes meanwhile; node 3 starts again with its gcp.xml
# deleted: it rejoins, ends with the cluster's configuration (the same
# digest on every node, its gcp.xml the same bytes as node 1's) and with
# the registrations (dmq_usrloc's sync).
t_killed() {
	local t0 dt out n
	creg 1001 5501 || return 1
	creg 1002 5502 || return 1
	# the call that dies with node 3 (its parties are ended by the test)
	uas m1 member_picked.xml 5501
	RING_MS=15000 call_at 3 cX 1001 tagK 5510
	wait_pickable 1 1 || return 1
	sleep 0.3
	uas m2 member_picked.xml 5502
	call_at 1 cY 1002 tagY 5511
	wait_pickable 2 2 || return 1
	cl_kill 3
	t0=$(now_ms)
	wait_state 8 1 3 down || return 1
	wait_state 2 2 3 down || return 1
	dt=$(($(now_ms) - t0))
	echo "  node 3 down on nodes 1 and 2 after $dt ms"
	for n in 1 2; do
		expect_not "node $n's calls while node 3 is down" "$(cl_calls "$n")" "^$(re_esc "$(cid_of cX)") " || return 1
	done
	pick_at 2 p1 5530 5550 2001
	wait_party p1 p1-phone cY m2 || return 1
	expect "p1's phone" "$(msg p1-phone '^INVITE ')" '^From: <sip:3001@127.0.0.1>;tag=tagY' || return 1
	nopick_at 1 p2 5531 2002
	wait_party p2 || return 1
	kill_party m1 cX
	picked_once cY 1 || return 1
	[ "$(ev_lines "$(cid_of cX)")" -eq 0 ] || fail "node 3's call has a gcp:picked line" || return 1
	# the configuration changes while node 3 is away
	out=$(nk 1 gcp.member.set 4997 7001 2>&1) || fail "gcp.member.set at node 1: $out" || return 1
	cl_wait_agree 5 1 2 || return 1
	# node 3 again, without its gcp.xml
	rm -f "$(cl_xml 3)"
	CL_NO_XML=1 cl_start 3 || fail "node 3 did not start again without its gcp.xml" || return 1
	cl_wait_dmq 10 || fail "dmq does not list every node again" || return 1
	cl_wait_agree 10 || return 1
	[ -f "$(cl_xml 3)" ] || fail "node 3 wrote no gcp.xml" || return 1
	cl_same_files || return 1
	expect "gcp.member.get 4997 on node 3" "$(nk 3 gcp.member.get 4997 2>&1)" 'group: 7001' || return 1
	expect "node 3's contact of 1002 (dmq_usrloc's sync)" "$(nk 3 ul.lookup location s:1002 2>&1)" 'sip:1002@127\.0\.0\.1:5502' || return 1
	no_calls
}
