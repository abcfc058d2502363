# What the nodes share besides gcp's calls (run.sh sources this): the
# registrations (dmq_usrloc) and the busy lamps (node 1's presence server).

ALL_TESTS="$ALL_TESTS registration blf"

# A phone registers at node 3 (REGISTER); nodes 1 and 2 have its contact
# at once, and a call through node 1 reaches it, from node 1 (not through
# node 3).
t_registration() {
	local i n inv
	at 3 r register.xml 5503 1003
	sw || return 1
	expect "node 3's reply to the REGISTER" "$(msg r '^SIP/2.0')" '^SIP/2.0 200 ' || return 1
	for n in 1 2; do
		for i in $(seq 1 30); do
			nk "$n" ul.lookup location s:1003 2>/dev/null | grep -q 'sip:1003@127.0.0.1:5503' && break
			sleep 0.1
		done
		expect "node $n's contact of 1003" "$(nk "$n" ul.lookup location s:1003 2>&1)" 'sip:1003@127\.0\.0\.1:5503' || return 1
	done
	uas m member_answer.xml 5503
	call_at 1 c 1003 tagReg 5510
	sw || return 1
	inv=$(msg m '^INVITE ')
	expect "the INVITE at 1003's phone" "$inv" "^Via: SIP/2.0/UDP $(re_esc "$(cl_addr 1)");" || return 1
	expect_not "the INVITE at 1003's phone" "$inv" "^Via: SIP/2.0/UDP $(re_esc "$(cl_ip 3)")" || return 1
	expect "the caller's reply" "$(finals c)" ' 200$' || return 1
	[ "$(ev_lines "$(cid_of c)")" -eq 0 ] || fail "a call answered by its member has a gcp:picked line" || return 1
	no_calls
}

# BLF keys on member 1001, one subscribed at node 1 (the presence server)
# and one at node 2 (which relays dialog SUBSCRIBEs to node 1); a call to
# 1001 rings through node 3, whose gcp publishes through its pua to node
# 1: both keys blink with that call's Call-ID and the caller's tag, and go
# dark when the caller hangs up.
t_blf() {
	local w line cid
	creg 1001 5501 || return 1
	uas m member_cancelled.xml 5501
	at 1 w1 blf_phone_watch.xml 5570 1001 -key from 2001 -trace_logs -log_file "$T_DIR/w1.lamp"
	at 2 w2 blf_phone_watch.xml 5571 1001 -key from 2002 -trace_logs -log_file "$T_DIR/w2.lamp"
	for w in w1 w2; do
		blf_got "$w" 1 || return 1
	done
	RING_MS=2500 call_at 3 c 1001 tagBlf 5510
	for w in w1 w2; do
		line=$(blf_lit "$w") || return 1
		cid=$(cid_of c)
		expect "what $w's key read (call-id local-tag remote-tag target)" "$line" \
			"^$(re_esc "$cid") [^ ]+ tagBlf sip:\*\*1001@127\.0\.0\.1\$" || return 1
	done
	sw || return 1
	for w in w1 w2; do
		! grep -q RELIT "$T_DIR/$w.lamp" || fail "$w's key blinked again after it went dark" || return 1
	done
	no_calls
}

# a watcher received at least <n> NOTIFYs (5 s at most): blf_got <party> <n>
blf_got() {
	local i got
	for i in $(seq 1 50); do
		got=$(grep -c '^NOTIFY ' "$T_DIR/$1.msg" 2>/dev/null)
		[ "${got:-0}" -ge "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 got ${got:-0} NOTIFYs in 5 s, not $2"
}

# what a BLF key read when it blinked (8 s at most): "<call-id> <local-tag>
# <remote-tag> <target>" (blf_phone_watch.xml's LAMP line)
blf_lit() {
	local i line=
	for i in $(seq 1 80); do
		line=$(grep -m1 -E 'LAMP [^ ]+ [^ ]* [^ ]+ [^ ]+' "$T_DIR/$1.lamp" 2>/dev/null) && break
		sleep 0.1
	done
	[ -n "$line" ] || { echo "  the key of $1 never blinked (no early dialog notified in 8 s)"; return 1; }
	echo "${line#*LAMP }"
}
