#!/usr/bin/env bash
# Helpers of the cluster suite (tests/cluster/run.sh), on top of
# tests/sipp/lib.sh (parties: uas, uac, sw, msg) and tests/lib/cluster.sh
# (the nodes: cl_start, cl_kill, nk, ...). Node N is 127.0.0.<N+1>:$CL_PORT;
# every SIPp party is on 127.0.0.1.

CL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_USERS="1001 1002 1003 1004 1008 1010"

# a UAC through node N: at <N> <uac args: name scenario port ruri-user
# [sipp options...]>
at() {
	local n=$1
	shift
	KADDR=$(cl_addr "$n") uac "$@"
}

# the Call-ID format of a party (-cid_str): unique per test and attempt
cid_fmt() { echo "cl-${T_ID:-t}-$1-%u-%p@%s"; }

# a caller through node N: call_at <N> <name> <callee> <tag> <port>
# [sipp options...]; answered (a pickup) or it hangs up RING_MS ms (6000)
# after its last 18x
call_at() {
	local n=$1 name=$2 callee=$3 tag=$4 port=$5
	shift 5
	at "$n" "$name" cluster_caller.xml "$port" "$callee" -key from 3001 -key tag "$tag" \
		-key contact_port "$port" -d 300 -recv_timeout "${RING_MS:-6000}" \
		-cid_str "$(cid_fmt "$name")" "$@"
}

# a picker through node N that must get a call (inject: its phone, a
# second party, on phone_port): pick_at <N> <name> <port> <phone_port> <from> [group]
pick_at() {
	uas "$2-phone" picker_phone.xml "$4"
	at "$1" "$2" picker_inject.xml "$3" "${6:-7001}" -key from "$5" -key contact_port "$4" \
		-cid_str "$(cid_fmt "$2")"
}

# a picker through node N that must get 480: nopick_at <N> <name> <port> <from>
nopick_at() {
	at "$1" "$2" picker_480.xml "$3" 7001 -key from "$4" -key contact_port "$3" \
		-cid_str "$(cid_fmt "$2")"
}

# the Call-ID a party sent first
cid_of() {
	sed -n 's/^Call-ID: *//p' "$T_DIR/$1.msg" 2>/dev/null | tr -d '\r' | head -n 1
}

# SIPp message logs: finals <party...>, requests <METHOD> <party...>
# (tests/cluster/siplog.py)
finals() {
	local a=() p
	for p; do a+=("$T_DIR/$p.msg"); done
	python3 "$CL_HERE/siplog.py" finals "${a[@]}"
}
requests() {
	local m=$1 a=() p
	shift
	for p; do a+=("$T_DIR/$p.msg"); done
	python3 "$CL_HERE/siplog.py" requests "$m" "${a[@]}"
}

re_esc() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

# ---- the nodes ----

# the logs of every node
cl_logs() {
	local n
	for n in $(seq 1 "$CL_NODES"); do echo "$(cl_log "$n")"; done
}

# event_route[gcp:picked]'s lines for a Call-ID: on all nodes, or node N:
# ev_lines <Call-ID> [N]
ev_lines() {
	local f
	if [ -n "${2:-}" ]; then f=$(cl_log "$2"); else f=$(cl_logs); fi
	# shellcheck disable=SC2086
	grep -hF "gcp: call $1 from " $f 2>/dev/null | grep -c 'picked up by'
}

# a call was picked up exactly once in the cluster, on node N (the node it
# rang through): picked_once <caller party> <N>
picked_once() {
	local cid all own
	cid=$(cid_of "$1")
	[ -n "$cid" ] || fail "no Call-ID of $1" || return 1
	all=$(ev_lines "$cid")
	own=$(ev_lines "$cid" "$2")
	[ "$all" -eq 1 ] && [ "$own" -eq 1 ] ||
		fail "event_route[gcp:picked] for $1's call $cid: $all lines on all nodes, $own on node $2 (expected 1 and 1)"
}

# a picker's INVITE went from node <from> to node <to> (gcp_pickup() said
# 3: the cfg's line of route[PICKUP_DONE]), once: relayed_once <picker> <from> <to>
relayed_once() {
	local cid n
	cid=$(cid_of "$1")
	n=$(grep -F "$cid} " "$(cl_log "$2")" | grep -cF "to the node of the call at $(cl_uri "$3")")
	[ "$n" -eq 1 ] || fail "node $2 relayed $1's pickup ($cid) to node $3 $n times, not once"
}

# node N's view of the cluster (gcp.cluster): a line per node
# "<uri> <state> <calls> <version> <digest>"
cl_view() {
	nk "$1" gcp.cluster 2>/dev/null | awk '
		/^[[:space:]]*\{/ { u = s = c = v = d = "-" }
		/^[[:space:]]*uri:/ { u = $2 }
		/^[[:space:]]*state:/ { s = $2 }
		/^[[:space:]]*calls:/ { c = $2 }
		/^[[:space:]]*version:/ { v = $2 }
		/^[[:space:]]*digest:/ { d = $2 }
		/^[[:space:]]*\}/ { print u, s, c, v, d }' | sort
}

# node N's own digest (its "self" line)
cl_digest() { cl_view "$1" | awk '$2 == "self" { print $5 }'; }

# the state node N gives node M: self, up, down (or "-": not listed)
cl_state_of() {
	local s
	s=$(cl_view "$1" | awk -v u="$(cl_uri "$2")" '$1 == u { print $2 }')
	echo "${s:--}"
}

# the cluster agrees: every node lists the nodes it should (CL_NODES, or
# the nodes given), itself as self and the others up, and one digest, the
# same on every node; the reason it does not in CL_WHY.
# cl_agree [N...] (default: every node)
cl_agree() {
	local nodes=("$@") n m v d0="" d
	[ ${#nodes[@]} -gt 0 ] || nodes=($(seq 1 "$CL_NODES"))
	for n in "${nodes[@]}"; do
		v=$(cl_view "$n")
		[ -n "$v" ] || { CL_WHY="node $n: no answer to gcp.cluster"; return 1; }
		# a node left out of the list may be down (listed so, with what
		# it held when last heard of)
		[ $# -eq 0 ] || v=$(awk '$2 != "down"' <<<"$v")
		for m in "${nodes[@]}"; do
			local want=up
			[ "$m" = "$n" ] && want=self
			[ "$(awk -v u="$(cl_uri "$m")" '$1 == u { print $2 }' <<<"$v")" = "$want" ] ||
				{ CL_WHY="node $n does not list node $m as $want:"$'\n'"$v"; return 1; }
		done
		[ "$(grep -c . <<<"$v")" -eq ${#nodes[@]} ] ||
			{ CL_WHY="node $n lists other nodes:"$'\n'"$v"; return 1; }
		d=$(awk '{ print $5 }' <<<"$v" | sort -u)
		[ "$(grep -c . <<<"$d")" -eq 1 ] || { CL_WHY="node $n sees digests differ:"$'\n'"$v"; return 1; }
		[ -z "$d0" ] || [ "$d" = "$d0" ] || { CL_WHY="node $n's digests ($d) are not node ${nodes[0]}'s ($d0)"; return 1; }
		d0=$d
	done
	CL_WHY=""
}

# wait (at most <seconds>) until cl_agree: cl_wait_agree <seconds> [N...]
cl_wait_agree() {
	local secs=$1 i
	shift
	for i in $(seq 1 $((secs * 5))); do
		cl_agree "$@" && return 0
		sleep 0.2
	done
	cl_agree "$@" && return 0
	fail "the cluster did not agree within $secs s: $CL_WHY"
}

# every node's gcp.xml is the same file (byte for byte): cl_same_files [N...]
cl_same_files() {
	local nodes=("$@") n
	[ ${#nodes[@]} -gt 0 ] || nodes=($(seq 1 "$CL_NODES"))
	for n in "${nodes[@]:1}"; do
		cmp -s "$(cl_xml "${nodes[0]}")" "$(cl_xml "$n")" || {
			fail "node $n's gcp.xml differs from node ${nodes[0]}'s:"
			diff "$(cl_xml "${nodes[0]}")" "$(cl_xml "$n")" | head -n 10 | sed 's/^/    /'
			return 1
		}
	done
}

# the calls node N lists (gcp.calls): "<callid> <node> <pickable>" lines
cl_calls() {
	nk "$1" gcp.calls 2>/dev/null | awk '
		/^[[:space:]]*\{/ { c = n = p = "-" }
		/^[[:space:]]*callid:/ { c = $2 }
		/^[[:space:]]*node:/ { n = $2 }
		/^[[:space:]]*pickable:/ { p = $2 }
		/^[[:space:]]*\}/ { print c, n, p }'
}

# wait (3 s at most) until node N lists <count> pickable calls:
# wait_pickable <N> <count>
wait_pickable() {
	local i n
	for i in $(seq 1 30); do
		n=$(cl_calls "$1" | grep -c ' yes$')
		[ "$n" -eq "$2" ] && return 0
		sleep 0.1
	done
	fail "node $1 lists $n pickable calls, not $2:"
	nk "$1" gcp.calls 2>&1 | head -n 30 | sed 's/^/    /'
	return 1
}

# no node lists a call (6 s at most): the test left nothing behind
no_calls() {
	local n i out
	for n in $(seq 1 "$CL_NODES"); do
		cl_alive "$n" || continue
		for i in $(seq 1 30); do
			out=$(nk "$n" gcp.calls 2>&1)
			[ -z "$out" ] && break
			sleep 0.2
		done
		[ -z "$out" ] || { fail "node $n still lists calls:"; echo "$out" | head -n 20 | sed 's/^/    /'; return 1; }
	done
}

# register a phone on node 1 (ul.add) and wait until every running node has
# it (dmq_usrloc; 3 s at most): creg <user> <port>
creg() {
	local out n i
	out=$(nk 1 ul.add location "s:$1" "sip:$1@127.0.0.1:$2" 3600 1.0 s:0 0 0 255 2>&1)
	[ -z "$out" ] || fail "ul.add of $1 on node 1 failed: $out" || return 1
	for n in $(seq 2 "$CL_NODES"); do
		cl_alive "$n" || continue
		for i in $(seq 1 30); do
			nk "$n" ul.lookup location "s:$1" 2>/dev/null | grep -q "127.0.0.1:$2" && break
			sleep 0.1
		done
		nk "$n" ul.lookup location "s:$1" 2>/dev/null | grep -q "127.0.0.1:$2" ||
			fail "node $n does not have $1's registration (dmq_usrloc) 3 s after node 1 took it" || return 1
	done
}

cl_unreg_all() {
	local n u
	for n in $(seq 1 "$CL_NODES"); do
		cl_alive "$n" || continue
		for u in $CL_USERS; do nk "$n" ul.rm location "s:$u" >/dev/null 2>&1; done
	done
}

# the ERROR lines of gcp in node N's log after line <from>: gcp_errors <N> <from>
gcp_errors() {
	tail -n +"$(($2 + 1))" "$(cl_log "$1")" | grep -E 'ERROR: (\{[^}]*\} )?gcp \['
}
log_lines() { wc -l <"$(cl_log "$1")"; }

# ---- parties one by one (sw waits for all of them) ----

# take parties out of sw's list: _drop_parties <wait|kill> <name...>; the
# exit code of the last one waited for
_drop_parties() {
	local how=$1 i rc=0 r pids=() names=()
	shift
	for i in "${!SIPP_NAMES[@]}"; do
		if printf '%s\n' "$@" | grep -qxF "${SIPP_NAMES[$i]}"; then
			if [ "$how" = kill ]; then
				kill "${SIPP_PIDS[$i]}" 2>/dev/null
				wait "${SIPP_PIDS[$i]}" 2>/dev/null
			else
				wait "${SIPP_PIDS[$i]}"
				r=$?
				if [ $r -ne 0 ]; then
					echo "  sipp '${SIPP_NAMES[$i]}' failed (exit $r):"
					grep -v '^\s*$' "$T_DIR/${SIPP_NAMES[$i]}.err" 2>/dev/null | tail -n 5 | sed 's/^/    /'
					rc=1
				fi
			fi
		else
			pids+=("${SIPP_PIDS[$i]}")
			names+=("${SIPP_NAMES[$i]}")
		fi
	done
	SIPP_PIDS=("${pids[@]}")
	SIPP_NAMES=("${names[@]}")
	return $rc
}
# wait for these parties only: wait_party <name...>
wait_party() { _drop_parties wait "$@"; }
# end these parties (SIGTERM): kill_party <name...>
kill_party() { _drop_parties kill "$@"; }

# after a test that failed: let its parties end by themselves for at most
# <seconds> (a caller hangs up RING_MS after ringing, so no call rings
# into the next test), then end the rest; then wait (at most FR_INV_TIMER
# + 2 s) until no node lists a call. sw_within <seconds>
sw_within() {
	local deadline=$(($(date +%s) + $1)) i left
	while :; do
		left=0
		for i in "${SIPP_PIDS[@]}"; do kill -0 "$i" 2>/dev/null && left=1; done
		[ $left = 0 ] && break
		[ "$(date +%s)" -ge "$deadline" ] && break
		sleep 0.2
	done
	sipp_kill_all
	local n
	for n in $(seq 1 "$CL_NODES"); do
		cl_alive "$n" || continue
		for i in $(seq 1 $(((${CL_FR_INV:-30000} / 1000 + 2) * 5))); do
			[ -z "$(nk "$n" gcp.calls 2>/dev/null)" ] && break
			sleep 0.2
		done
	done
}
