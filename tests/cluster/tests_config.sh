# The configuration across the nodes, and what a node does with hostile
# KDMQ requests (run.sh sources this).

ALL_TESTS="$ALL_TESTS config refused bad_kdmq kdmq_source"

# the members node N has (gcp.member.list)
n_members() { nk "$1" gcp.member.list 2>/dev/null | grep -c '^[[:space:]]*user:'; }

# 200 RPC changes at once, spread over the three nodes (a kamcmd loop in
# the background on each): node 1 puts 4001-4070 in groups 7001-7005,
# node 2 puts 4101-4140 in 7002 and takes 4101-4130 out again, node 3
# puts 4201-4260 in 7003. Every change is accepted; within a few
# seconds every node has the same digest, the same gcp.xml byte for byte,
# and exactly the members that the 200 changes leave (140 more than
# before, 4101-4130 not among them).
t_config() {
	local n base
	cl_agree || fail "the cluster does not agree before the changes: $CL_WHY" || return 1
	base=$(n_members 1)
	(
		for i in $(seq 1 70); do
			nk 1 gcp.member.set "$((4000 + i))" "700$((i % 5 + 1))" >/dev/null 2>>"$T_DIR/errors1" ||
				echo "node 1: gcp.member.set $((4000 + i)) failed" >>"$T_DIR/errors1"
		done
	) &
	local p1=$!
	(
		for i in $(seq 1 40); do
			nk 2 gcp.member.set "$((4100 + i))" 7002 >/dev/null 2>>"$T_DIR/errors2" ||
				echo "node 2: gcp.member.set $((4100 + i)) failed" >>"$T_DIR/errors2"
		done
		for i in $(seq 1 30); do
			nk 2 gcp.member.remove "$((4100 + i))" >/dev/null 2>>"$T_DIR/errors2" ||
				echo "node 2: gcp.member.remove $((4100 + i)) failed" >>"$T_DIR/errors2"
		done
	) &
	local p2=$!
	(
		for i in $(seq 1 60); do
			nk 3 gcp.member.set "$((4200 + i))" 7003 >/dev/null 2>>"$T_DIR/errors3" ||
				echo "node 3: gcp.member.set $((4200 + i)) failed" >>"$T_DIR/errors3"
		done
	) &
	local p3=$!
	wait "$p1" "$p2" "$p3"
	cat "$T_DIR"/errors? 2>/dev/null | head -n 10 | sed 's/^/  /'
	[ ! -s "$T_DIR/errors1" ] && [ ! -s "$T_DIR/errors2" ] && [ ! -s "$T_DIR/errors3" ] ||
		fail "not every change was accepted" || return 1
	cl_wait_agree 10 || return 1
	cl_same_files || return 1
	for n in 1 2 3; do
		[ "$(n_members "$n")" -eq $((base + 140)) ] ||
			fail "node $n has $(n_members "$n") members, not $((base + 140)) ($base before the changes)" || return 1
		expect "gcp.member.get 4140 on node $n" "$(nk "$n" gcp.member.get 4140 2>&1)" 'group: 7002' || return 1
		expect "gcp.member.get 4070 on node $n" "$(nk "$n" gcp.member.get 4070 2>&1)" 'group: 7001' || return 1
		expect "gcp.member.get 4260 on node $n" "$(nk "$n" gcp.member.get 4260 2>&1)" 'group: 7003' || return 1
		expect_not "gcp.member.get 4101 on node $n" "$(nk "$n" gcp.member.get 4101 2>&1)" 'group:' || return 1
	done
	grep -q 'user="4140"' "$(cl_xml 1)" || fail "node 1's gcp.xml has no member 4140" || return 1
}

# Changes that are refused (a member into group 9999, outside every
# range, at node 2; a range overlapping sales at node 3) are refused with
# a fault and change nothing on any node: the same digests, the same
# files, no member 4999, no range "bad".
t_refused() {
	local n out d0 i
	cl_wait_agree 5 || return 1
	d0=$(cl_digest 1)
	for n in 1 2 3; do cp "$(cl_xml "$n")" "$T_DIR/gcp$n.xml"; done
	out=$(nk 2 gcp.member.set 4999 9999 2>&1)
	expect "node 2's answer to gcp.member.set 4999 9999" "$out" '^error: 4[0-9][0-9]' || return 1
	out=$(nk 3 gcp.range.add bad 7050 7150 2>&1)
	expect "node 3's answer to gcp.range.add bad 7050 7150" "$out" '^error: 4[0-9][0-9]' || return 1
	# (a change is on every node within 1 s: give a wrong one that time)
	sleep 1.5
	for n in 1 2 3; do
		[ "$(cl_digest "$n")" = "$d0" ] || fail "node $n's digest went from $d0 to $(cl_digest "$n")" || return 1
		cmp -s "$T_DIR/gcp$n.xml" "$(cl_xml "$n")" || fail "node $n's gcp.xml changed" || return 1
		expect_not "gcp.member.get 4999 on node $n" "$(nk "$n" gcp.member.get 4999 2>&1)" 'group:' || return 1
		expect_not "gcp.range.list on node $n" "$(nk "$n" gcp.range.list 2>&1)" 'name: bad' || return 1
	done
	cl_agree || fail "$CL_WHY"
}

# Hostile KDMQ requests to node 1's gcp peer (KDMQ sip:gcp@127.0.0.2:PORT),
# sent by tests/cluster/kdmq.py from 127.0.0.3 (node 2's address, another
# port: dmq_is_from_node() is true for it, and dmq names the sender by its
# From, node 2's URI): bodies that are not JSON, JSON of the wrong shape
# and types, an unknown message type, huge strings, deep nesting, an
# empty body; then one without a From (Kamailio's core drops it: the
# headers every request needs) and one from 127.0.0.1, which is no node.
# Each well-formed request gets an error in node 1's log from gcp (LM_ERR),
# nothing changes (gcp.cluster on every node, the digests, no call, no
# node added), and the node keeps working: a pickup across nodes after it.
t_bad_kdmq() {
	local i f n code l0 errs view0 dmq0 bad=0
	cl_wait_agree 5 || return 1
	for n in 1 2 3; do cl_view "$n" >"$T_DIR/view$n.before"; done
	dmq0=$(nk 1 dmq.list_nodes | grep -c 'host:')
	python3 - "$T_DIR" <<-'EOF'
		import json, sys
		d = sys.argv[1]
		big = "A" * 60000
		bodies = {
		    "not-json": b"this is not JSON at all",
		    "truncated": b'{"type": "calls", "calls": [{"callid": "x"',
		    "array": b"[1, 2, 3]",
		    "string": b'"just a string"',
		    "null": b"null",
		    "wrong-types": json.dumps({"type": 42, "t": [], "op": {}, "node": 7, "uri": [],
		        "version": "seven", "digest": 12, "calls": "none", "since": "yesterday",
		        "callid": 1, "group": {}, "config": 3, "boot": "x"}).encode(),
		    "unknown-type": json.dumps({"type": "no-such-message", "t": "no-such-message",
		        "op": "no-such-message", "kind": "no-such-message", "action": "no-such-message"}).encode(),
		    "huge-string": json.dumps({"type": big[:100], "t": big[:100], "uri": big[:30000],
		        "callid": big[:29000]}).encode(),
		    "huge-key": json.dumps({big[:50000]: 1}).encode(),
		    "deep-nesting": b"[" * 30000 + b"]" * 30000,
		    "nul-bytes": b'{"type": "calls\x00", "uri": "sip:\x00127.0.0.9"}',
		}
		for k, v in bodies.items():
		    open("%s/body-%s" % (d, k), "wb").write(v)
	EOF
	for f in "$T_DIR"/body-*; do
		l0=$(log_lines 1)
		code=$(python3 "$CL_HERE/kdmq.py" 127.0.0.3 5575 "$(cl_ip 1)" "$CL_PORT" gcp "$(cl_uri 2)" "$f")
		sleep 0.3
		errs=$(gcp_errors 1 "$l0")
		echo "  ${f##*/body-}: reply $code; gcp's errors:"
		[ -z "$errs" ] || echo "$errs" | head -n 3 | cut -c1-300 | sed 's/^/    /'
		[ -n "$errs" ] || { echo "  ${f##*/body-}: no LM_ERR of gcp in node 1's log"; bad=1; }
		nk 1 core.version >/dev/null 2>&1 || { fail "node 1 does not answer after ${f##*/body-}"; return 1; }
	done
	# an empty body
	l0=$(log_lines 1)
	code=$(python3 "$CL_HERE/kdmq.py" 127.0.0.3 5575 "$(cl_ip 1)" "$CL_PORT" gcp "$(cl_uri 2)" -)
	sleep 0.3
	echo "  empty body: reply $code"
	[ -n "$(gcp_errors 1 "$l0")" ] || { echo "  empty body: no LM_ERR of gcp in node 1's log"; bad=1; }
	# no From: Kamailio's core drops it (no reply), nothing reaches dmq
	code=$(python3 "$CL_HERE/kdmq.py" 127.0.0.3 5575 "$(cl_ip 1)" "$CL_PORT" gcp - "$T_DIR/body-wrong-types")
	[ "$code" = none ] || { echo "  a KDMQ without From got a reply $code"; bad=1; }
	# from 127.0.0.1, which is no node, with the URI of a node that is not
	# in the cluster in its From
	l0=$(log_lines 1)
	code=$(python3 "$CL_HERE/kdmq.py" 127.0.0.1 5575 "$(cl_ip 1)" "$CL_PORT" gcp "sip:127.0.0.9:$CL_PORT" "$T_DIR/body-unknown-type")
	echo "  from a non-node: reply $code"
	sleep 0.5
	nk 1 core.version >/dev/null 2>&1 || { fail "node 1 does not answer after the hostile KDMQs"; return 1; }
	[ $bad = 0 ] || return 1
	# nothing changed
	for n in 1 2 3; do
		cl_view "$n" >"$T_DIR/view$n.after"
		awk '{ print $1, $2, $4, $5 }' "$T_DIR/view$n.before" >"$T_DIR/v$n.b"
		awk '{ print $1, $2, $4, $5 }' "$T_DIR/view$n.after" >"$T_DIR/v$n.a"
		cmp -s "$T_DIR/v$n.b" "$T_DIR/v$n.a" || {
			fail "node $n's gcp.cluster changed:"
			diff "$T_DIR/v$n.b" "$T_DIR/v$n.a" | sed 's/^/    /'
			return 1
		}
	done
	[ "$(nk 1 dmq.list_nodes | grep -c 'host:')" -eq "$dmq0" ] || fail "node 1's dmq lists $(nk 1 dmq.list_nodes | grep -c 'host:') nodes, $dmq0 before" || return 1
	no_calls || return 1
	# and it works: a pickup across nodes, the call through node 1
	cross_pickup 1 3
}

# gcp.cluster on node N without the calls column (they come and go):
# "<uri> <state> <version> <digest>"
cl_view_cfg() { cl_view "$1" | awk '{ print $1, $2, $4, $5 }'; }

# KDMQ from an address that is no node's (GCP_DMQ_PEERS, the cfg's
# route[DMQ_PEER]). Well-formed gcp messages in the name of node 2 (its
# URI in the From), sent by tests/cluster/kdmq.py from 127.0.0.9: a
# change (member 4996 into 7001, a version above every node's) to each
# node and a ringing call of node 2 to node 1. Each gets 403, node 1 logs
# the refusal with the source address, and nothing changes on any node
# (gcp.cluster's states, versions and digests, no member 4996, no such
# call, dmq's node list). The same change from 127.0.0.3, node 2's
# address, is taken (200): node 1 has member 4996 within 1 s and the
# cluster agrees on it (so the check can fail); it is removed again.
t_kdmq_source() {
	local n v code l0 dmq0 i cid=cl-forged-$$@127.0.0.9
	cl_wait_agree 5 || return 1
	for n in 1 2 3; do
		cl_view_cfg "$n" >"$T_DIR/view$n.before"
		expect_not "gcp.member.get 4996 on node $n before" "$(nk "$n" gcp.member.get 4996 2>&1)" 'group:' || return 1
	done
	dmq0=$(nk 1 dmq.list_nodes | grep -c 'host:')
	v=$(($(cl_view 1 | awk '$4 > m { m = $4 } END { print m + 0 }') + 1))
	printf '{"t":"op","v":%d,"cmd":"gcp.member.set","a":["4996","7001"]}' "$v" >"$T_DIR/body-op"
	printf '{"t":"add","boot":"%x","full":0,"c":[["%s","forged","7001","1001","sip:3001@127.0.0.1",%d]]}' \
		"$(($(date +%s) * 1000000))" "$cid" "$(($(date +%s%N) / 1000000))" >"$T_DIR/body-add"
	l0=$(log_lines 1)
	for n in 1 2 3; do
		code=$(python3 "$CL_HERE/kdmq.py" 127.0.0.9 5576 "$(cl_ip "$n")" "$CL_PORT" gcp "$(cl_uri 2)" "$T_DIR/body-op")
		echo "  a change from 127.0.0.9 to node $n: reply $code"
		[ "$code" = 403 ] || fail "node $n answered $code, not 403, to a KDMQ change from 127.0.0.9" || return 1
	done
	code=$(python3 "$CL_HERE/kdmq.py" 127.0.0.9 5576 "$(cl_ip 1)" "$CL_PORT" gcp "$(cl_uri 2)" "$T_DIR/body-add")
	echo "  a call from 127.0.0.9 to node 1: reply $code"
	[ "$code" = 403 ] || fail "node 1 answered $code, not 403, to a KDMQ call from 127.0.0.9" || return 1
	expect "node 1's log" "$(tail -n +"$((l0 + 1))" "$(cl_log 1)")" \
		'KDMQ from 127\.0\.0\.9:5576 .* refused: not a node of the cluster' || return 1
	# (a change is on every node within 1 s: give a wrong one that time)
	sleep 1.5
	for n in 1 2 3; do
		cl_view_cfg "$n" >"$T_DIR/view$n.after"
		cmp -s "$T_DIR/view$n.before" "$T_DIR/view$n.after" || {
			fail "node $n's gcp.cluster changed:"
			diff "$T_DIR/view$n.before" "$T_DIR/view$n.after" | sed 's/^/    /'
			return 1
		}
		expect_not "gcp.member.get 4996 on node $n" "$(nk "$n" gcp.member.get 4996 2>&1)" 'group:' || return 1
		expect_not "node $n's calls" "$(cl_calls "$n")" "^$(re_esc "$cid") " || return 1
	done
	[ "$(nk 1 dmq.list_nodes | grep -c 'host:')" -eq "$dmq0" ] || fail "node 1's dmq lists $(nk 1 dmq.list_nodes | grep -c 'host:') nodes, $dmq0 before" || return 1
	# the same change from node 2's address: taken
	code=$(python3 "$CL_HERE/kdmq.py" 127.0.0.3 5576 "$(cl_ip 1)" "$CL_PORT" gcp "$(cl_uri 2)" "$T_DIR/body-op")
	echo "  the change from 127.0.0.3 (node 2's address) to node 1: reply $code"
	[ "$code" = 200 ] || fail "node 1 answered $code, not 200, to the change from node 2's address" || return 1
	for i in $(seq 1 10); do
		nk 1 gcp.member.get 4996 2>&1 | grep -q 'group: 7001' && break
		sleep 0.1
	done
	expect "gcp.member.get 4996 on node 1 1 s after" "$(nk 1 gcp.member.get 4996 2>&1)" 'group: 7001' || return 1
	cl_wait_agree 10 || return 1
	expect "gcp.member.get 4996 on node 3" "$(nk 3 gcp.member.get 4996 2>&1)" 'group: 7001' || return 1
	nk 1 gcp.member.remove 4996 >/dev/null || fail "gcp.member.remove 4996 on node 1" || return 1
	cl_wait_agree 5 || return 1
	for n in 1 2 3; do
		expect_not "gcp.member.get 4996 on node $n after its removal" "$(nk "$n" gcp.member.get 4996 2>&1)" 'group:' || return 1
	done
	cl_same_files
}
