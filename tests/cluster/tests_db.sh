# The configuration of a cluster in one database (issue 16: db_url with
# dmq 1): run.sh sources this. The three nodes are started again with
# WITH_DB on one PostgreSQL server of the test's own (tests/lib/pg.sh, in
# the test's folder, unix socket only), the test runs, then PostgreSQL
# stops and the nodes start again on their gcp.xml as before.

ALL_TESTS="$ALL_TESTS db_shared"

# wait (1 s at most) until node N's answer to an RPC command matches a
# regexp (one that starts with "!": until it does not match the rest):
# within_1s <N> <regexp> <command...>
within_1s() {
	local n=$1 re=$2 neg=0 i out
	shift 2
	[ "${re:0:1}" = "!" ] && { neg=1; re=${re:1}; }
	for i in $(seq 0 10); do
		[ "$i" = 0 ] || sleep 0.1
		out=$(nk "$n" "$@" 2>&1)
		if grep -Eq -- "$re" <<<"$out"; then
			[ $neg = 0 ] && return 0
		else
			[ $neg = 1 ] && return 0
		fi
	done
	fail "node $n: '$*' $([ $neg = 1 ] && echo still matches || echo does not match) /$re/ 1 s after the change:"
	echo "$out" | head -n 15 | sed 's/^/    /'
	return 1
}

# a change by RPC on node 1 that nodes 2 and 3 have within 1 s:
# db_change <regexp of their answer, or !regexp> <get command> <arg> -- <change command...>
db_change() {
	local want=$1 get=() out n
	shift
	while [ "$1" != "--" ]; do get+=("$1"); shift; done
	shift
	out=$(nk 1 "$@" 2>&1) || fail "node 1: $* failed: $out" || return 1
	for n in 2 3; do
		within_1s "$n" "$want" "${get[@]}" || return 1
	done
}

# the rows of gcp's tables, without their ids
db_rows() {
	psql_gcp "SELECT 'range', name, first_number, last_number FROM gcp_range
		UNION ALL SELECT 'member', username, group_number, NULL FROM gcp_member
		UNION ALL SELECT 'personal', username, CAST(pos AS TEXT), contact FROM gcp_personal
		UNION ALL SELECT 'list', group_number, CAST(pos AS TEXT), also_number FROM gcp_group_list" | sort
}

# Three nodes, every node's db_url the same PostgreSQL database (empty at
# start). gcp.import of cfg/gcp.xml on node 1 (a whole configuration),
# then on node 1 a member added, a range added, a member in it, a member
# and the range removed: after each, nodes 2 and 3 answer gcp.member.get /
# gcp.range.list with the change within 1 s (they re-read the tables; the
# database holds it once). 60 changes on the three nodes at once: all
# in the table and on every node. Node 3 (which logs in as a role of its
# own) unable to read gcp_member during a change on node 1: node 2 has the
# change, node 3 logs that it cannot re-read, and once it can read again
# the cluster agrees within 5 s (until gcp_cfg_reread() raised the
# version only after a read, node 3, the highest name, kept its old
# configuration under the new version for good: it won every comparison
# and never re-read). Changes refused at nodes 2 and 3 (a member
# outside every range, an overlapping range) change nothing: not the
# tables, not any node's digest or answers. gcp.cluster agrees (one
# digest) after every step.
t_db_shared() {
	local rc
	db_shared && db_split
	rc=$?
	net_join
	db_shared_end || rc=1
	return $rc
}

db_shared() {
	local n i out rows0 d0 url l0
	PG_DIR=$T_DIR/pg
	. "$ROOT/tests/lib/pg.sh"
	pg_init >"$T_DIR/pg-init.log" 2>&1 || { cat "$T_DIR/pg-init.log"; fail "PostgreSQL did not start"; return 1; }
	# node 3 logs in as a role of its own, kamailio3, with the same rights
	"$PG_BIN/psql" -X -q -U postgres -d postgres -v ON_ERROR_STOP=1 -c "CREATE ROLE kamailio3 LOGIN" >/dev/null &&
		psql_gcp "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO kamailio3;
			GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO kamailio3" ||
		fail "role kamailio3 not created" || return 1
	cl_stop_all
	for n in 1 2 3; do
		url=$PG_URL
		[ "$n" = 3 ] && url=${PG_URL/kamailio:/kamailio3:}
		# (FR_TIMER 3 s: a KDMQ that cannot reach a node during db_split's
		# cut is given up within it, not retransmitted once it is over)
		cl_start "$n" -A WITH_DB -A 'GCP_DB_MODULE="db_postgres.so"' -A "GCP_DB_URL=\"$url\"" \
			-A FR_TIMER=3000 ||
			fail "node $n did not start on the database" || return 1
	done
	cl_wait_dmq 20 || fail "dmq does not list every node on the database nodes" || return 1
	cl_wait_agree 10 || return 1
	expect "gcp.range.list on node 2 (empty tables)" "$(nk 2 gcp.range.list 2>&1)" '^$' || return 1
	# a whole configuration
	db_change 'name: support' gcp.range.list -- gcp.import "$CL_GCP_XML" || return 1
	cl_wait_agree 3 || return 1
	expect "gcp.member.get 1008 on node 3" "$(nk 3 gcp.member.get 1008 2>&1)" 'group: \*801' || return 1
	# one change at a time, each replayed by the others as a re-read
	db_change 'group: 7001' gcp.member.get 4990 -- gcp.member.set 4990 7001 || return 1
	db_change 'name: east' gcp.range.list -- gcp.range.add east 7200 7299 || return 1
	db_change 'group: 7201' gcp.member.get 4991 -- gcp.member.set 4991 7201 || return 1
	db_change 'group: 7002' gcp.member.get 4990 -- gcp.member.set 4990 7002 || return 1
	db_change '!group:' gcp.member.get 1003 -- gcp.member.remove 1003 || return 1
	db_change '!group:' gcp.member.get 4991 -- gcp.member.remove 4991 || return 1
	db_change '!name: east' gcp.range.list -- gcp.range.remove east || return 1
	cl_wait_agree 3 || return 1
	for n in 1 2 3; do
		expect "gcp.member.get 4990 on node $n" "$(nk "$n" gcp.member.get 4990 2>&1)" 'group: 7002' || return 1
	done
	out=$(psql_gcp "SELECT username || ' ' || group_number FROM gcp_member WHERE username IN ('4990', '4991', '1003')")
	[ "$out" = "4990 7002" ] || fail "the table gcp_member holds '$out' of 4990, 4991, 1003, not '4990 7002'" || return 1
	# changes on the three nodes at once (20 members each, a kamcmd loop
	# in the background on each): every one accepted, all in the tables
	# and on every node
	local base p=()
	base=$(n_members 1)
	for n in 1 2 3; do
		(
			for i in $(seq 1 20); do
				nk "$n" gcp.member.set "4$n$(printf %02d "$i")" 7003 >/dev/null 2>>"$T_DIR/errors$n" ||
					echo "node $n: gcp.member.set 4$n$(printf %02d "$i") failed" >>"$T_DIR/errors$n"
			done
		) &
		p+=($!)
	done
	wait "${p[@]}"
	cat "$T_DIR"/errors? 2>/dev/null | head -n 10 | sed 's/^/  /'
	[ ! -s "$T_DIR/errors1" ] && [ ! -s "$T_DIR/errors2" ] && [ ! -s "$T_DIR/errors3" ] ||
		fail "not every change was accepted" || return 1
	cl_wait_agree 3 || return 1
	out=$(psql_gcp "SELECT count(*) FROM gcp_member WHERE group_number = '7003'")
	[ "$out" = 60 ] || fail "the table gcp_member holds $out members of 7003, not 60" || return 1
	for n in 1 2 3; do
		[ "$(n_members "$n")" -eq $((base + 60)) ] ||
			fail "node $n has $(n_members "$n") members, not $((base + 60)) ($base before the changes)" || return 1
	done
	# node 3 cannot read gcp_member for a moment (its role loses SELECT):
	# a change on node 1 is on node 2 within 1 s, node 3's re-read fails
	# (logged); once it can read again it re-reads within a few heartbeats
	# and the cluster agrees
	l0=$(log_lines 3)
	psql_gcp "REVOKE SELECT ON gcp_member FROM kamailio3" || return 1
	out=$(nk 1 gcp.member.set 4980 7001 2>&1) || { psql_gcp "GRANT SELECT ON gcp_member TO kamailio3"; fail "node 1: gcp.member.set 4980 7001: $out"; return 1; }
	within_1s 2 'group: 7001' gcp.member.get 4980 || { psql_gcp "GRANT SELECT ON gcp_member TO kamailio3"; return 1; }
	sleep 0.5
	psql_gcp "GRANT SELECT ON gcp_member TO kamailio3" || return 1
	expect "node 3's log" "$(tail -n +"$((l0 + 1))" "$(cl_log 3)")" 'tables cannot be read again' || return 1
	cl_wait_agree 5 || return 1
	expect "gcp.member.get 4980 on node 3" "$(nk 3 gcp.member.get 4980 2>&1)" 'group: 7001' || return 1
	# refused changes: nothing changes anywhere
	rows0=$(db_rows)
	d0=$(cl_digest 1)
	out=$(nk 2 gcp.member.set 4999 9999 2>&1)
	expect "node 2's answer to gcp.member.set 4999 9999" "$out" '^error: 4[0-9][0-9]' || return 1
	out=$(nk 3 gcp.range.add bad 7050 7150 2>&1)
	expect "node 3's answer to gcp.range.add bad 7050 7150" "$out" '^error: 4[0-9][0-9]' || return 1
	out=$(nk 2 gcp.range.remove sales 2>&1)
	expect "node 2's answer to gcp.range.remove sales (it has members)" "$out" '^error: 4[0-9][0-9]' || return 1
	sleep 1.5
	[ "$(db_rows)" = "$rows0" ] || { fail "the tables changed:"; diff <(echo "$rows0") <(db_rows) | sed 's/^/    /'; return 1; }
	for n in 1 2 3; do
		[ "$(cl_digest "$n")" = "$d0" ] || fail "node $n's digest went from $d0 to $(cl_digest "$n")" || return 1
		expect_not "gcp.member.get 4999 on node $n" "$(nk "$n" gcp.member.get 4999 2>&1)" 'group:' || return 1
		expect_not "gcp.range.list on node $n" "$(nk "$n" gcp.range.list 2>&1)" 'name: bad' || return 1
		expect "gcp.range.list on node $n" "$(nk "$n" gcp.range.list 2>&1)" 'name: sales' || return 1
	done
	cl_agree || fail "$CL_WHY"
}

# The network between node 3 and nodes 1 and 2 cut (every packet refused:
# ip rules, in the suite's own network namespace) or joined again. The
# machine's rules are never touched: outside a namespace of its own the
# suite cannot cut (net_cut fails).
# (the suite's own: another than the machine's, PID 1's)
own_netns() { [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net 2>/dev/null)" ]; }
net_cut() {
	own_netns || return 1
	# the local table looked up after the cut's rules (it comes first)
	if ip rule show pref 0 | grep -q 'lookup local'; then
		ip rule add pref 100 lookup local && ip rule del pref 0 || return 1
	fi
	local a
	for a in "$(cl_ip 1)" "$(cl_ip 2)"; do
		ip rule add pref 10 from "$(cl_ip 3)" to "$a" prohibit &&
			ip rule add pref 10 from "$a" to "$(cl_ip 3)" prohibit || return 1
	done
}
net_join() {
	own_netns || return 0
	while ip rule show pref 10 | grep -q prohibit; do ip rule del pref 10 || break; done
}

# A split with a change on each side: node 3 cut off from nodes 1 and 2,
# a member set on node 1 and another on node 3 (each written to the one
# database, each side's version one up), the cut kept until the KDMQs of
# both changes are given up (FR_TIMER), then joined again: within 10 s
# every node has both members and one digest (with db_url a node that
# differs from another reads the tables again; before, node 3, the
# highest (version, name), kept its side's configuration for good while
# the others re-read: one member missing on node 3).
db_split() {
	local n out
	if ! net_cut; then
		net_join
		echo "  db_split: the suite has no network namespace of its own (needs root and unshare): the split is not tested"
		return 0
	fi
	out=$(nk 1 gcp.member.set 4970 7001 2>&1) || fail "node 1 during the cut: gcp.member.set 4970 7001: $out" || return 1
	out=$(nk 3 gcp.member.set 4971 7002 2>&1) || fail "node 3 during the cut: gcp.member.set 4971 7002: $out" || return 1
	sleep 0.5
	expect_not "gcp.member.get 4970 on node 3 during the cut" "$(nk 3 gcp.member.get 4970 2>&1)" 'group:' || return 1
	sleep 3.5
	net_join
	cl_wait_agree 10 || return 1
	for n in 1 2 3; do
		expect "gcp.member.get 4970 on node $n after the split" "$(nk "$n" gcp.member.get 4970 2>&1)" 'group: 7001' || return 1
		expect "gcp.member.get 4971 on node $n after the split" "$(nk "$n" gcp.member.get 4971 2>&1)" 'group: 7002' || return 1
	done
}

# PostgreSQL stops; the nodes start again on their gcp.xml (untouched
# meanwhile) and agree
db_shared_end() {
	cl_stop_all
	declare -F pg_halt >/dev/null && pg_halt
	cl_start_all || fail "the nodes did not start again on their gcp.xml" || return 1
	cl_wait_dmq 20 || fail "dmq does not list every node again" || return 1
	cl_wait_agree 10
}
