#!/usr/bin/env bash
# The stress suite's races of the kinds of pickup (issue 13; run.sh sources
# this): per mode, STRESS_KIND_ROUNDS rounds of 5 calls ringing at member
# 1001 (group 7001) and 10 pickers at once of every kind: 3 dial the group,
# 3 dial **1001 (directed), 4 send a Replaces naming one of the calls, as a
# BLF key builds it from what the wire showed (its Call-ID, the caller's
# From tag and the member's To tag, in RFC 3891's orientation or swapped),
# to the member, to the caller and to **1001; two of them name the same
# call. The order of the 10 changes every round.

# the calls that rang, as the callers saw them: "Call-ID;From tag;To tag"
# of the first 18x of each call, one line per call: wire_calls <party...>
wire_calls() {
	local p
	for p in "$@"; do
		awk '
			/^-+ [0-9-]+ [0-9:.]+$/ { inmsg=0; next }
			/message received/ { inmsg=1; first=1; hit=0; cid=ft=tt=""; next }
			inmsg && first && $0 != "" { first=0; hit = ($0 ~ /^SIP\/2.0 18/); next }
			inmsg && hit && tolower($0) ~ /^(call-id|i):/ { sub(/^[^:]*: */, ""); sub(/\r$/, ""); cid=$0 }
			inmsg && hit && tolower($0) ~ /^(from|f):/ { s=$0; sub(/\r$/, "", s); if (match(s, /;tag=[^;>]*/)) ft=substr(s, RSTART+5, RLENGTH-5) }
			inmsg && hit && tolower($0) ~ /^(to|t):/ { s=$0; sub(/\r$/, "", s); if (match(s, /;tag=[^;>]*/)) tt=substr(s, RSTART+5, RLENGTH-5) }
			inmsg && hit && cid != "" && ft != "" && tt != "" && !seen[cid]++ { print cid ";" ft ";" tt; hit=0 }
		' "$T_DIR/$p.msg"
	done
}

# the final reply each picker got: "<user> <code>", from the replies'
# From user (one line per picker; a retransmitted reply is counted once)
picker_finals() {
	awk '
		/^-+ [0-9-]+ [0-9:.]+$/ { inmsg=0; next }
		/message received/ { inmsg=1; first=1; code=""; next }
		inmsg && first && $0 != "" { first=0; if ($0 ~ /^SIP\/2.0 [2-6][0-9][0-9]/) code=$2; next }
		inmsg && code != "" && tolower($0) ~ /^(from|f):/ {
			if (match($0, /sip:[^@]*@/)) { u=substr($0, RSTART+4, RLENGTH-5); if (!seen[u]++) print u, code }
			code=""
		}
	' "$T_DIR/pickers.msg"
}

# the calls delivered by inject: "<picker user> <Call-ID>" of every INVITE
# that rang a picker's phone (its R-URI user is the picker's Contact user)
inject_deliveries() {
	awk '
		/^-+ [0-9-]+ [0-9:.]+$/ { inmsg=0; next }
		/message received/ { inmsg=1; first=1; hit=0; next }
		inmsg && first && $0 != "" { first=0; hit = ($0 ~ /^INVITE /); if (hit && match($0, /sip:[^@]*@/)) u=substr($0, RSTART+4, RLENGTH-5); next }
		inmsg && hit && tolower($0) ~ /^(call-id|i):/ { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print u, $0; hit=0 }
	' "$T_DIR/pphone.msg"
}

# the calls delivered by Replaces: "<picker user> <Call-ID>" of every
# INVITE that reached a caller's UA (the picker's own From, gcp's Replaces)
replaces_deliveries() {
	awk '
		/^-+ [0-9-]+ [0-9:.]+$/ { inmsg=0; next }
		/message received/ { inmsg=1; first=1; hit=0; u=r=""; next }
		inmsg && first && $0 != "" { first=0; hit = ($0 ~ /^INVITE /); next }
		inmsg && hit && tolower($0) ~ /^(from|f):/ { if (match($0, /sip:[^@]*@/)) u=substr($0, RSTART+4, RLENGTH-5) }
		inmsg && hit && tolower($0) ~ /^replaces:/ { r=$0; sub(/^[^:]*: */, "", r); sub(/;.*/, "", r) }
		inmsg && hit && u != "" && r != "" { print u, r; hit=0 }
	' "$T_DIR/callerua.msg"
}

# kinds_round <mode> <round>
kinds_round() {
	local mode=$1 r=$2 ok=0 n
	klog_mark
	local -A s0
	for n in picked picked_group picked_other_group picked_directed picked_replaces pickup_empty pickup_failed; do
		s0[$n]=$(st "$n")
	done
	local callers=(caller) nrep=5 ninj=5
	case $mode in
	inject)
		nrep=0
		party member member_picked.xml 6151 -m 5
		party caller caller_picked.xml 6251 -m 5 -r 100 -l 5 -s 1001 -key from 3001 \
			-key tag "kind$r" -key contact_port 6251 -d 200 "$KADDR"
		;;
	replaces)
		ninj=0
		party member member_ringing.xml 6151 -m 5
		party callerua caller_ua_replaced.xml 6252 -m 5
		party caller caller_replaced.xml 6251 -m 5 -r 100 -l 5 -s 1001 -key from 3001 \
			-key tag "kind$r" -key contact_port 6252 -recv_timeout 10000 "$KADDR"
		;;
	auto)
		# 3 callers list "replaces" (their UA takes the Replaces INVITE), 2
		# do not (gcp injects)
		nrep=3 ninj=2
		callers=(caller caller2)
		party member member_ringing.xml 6151 -m 5
		party callerua caller_ua_replaced.xml 6252 -m 3
		party caller caller_replaced.xml 6251 -m 3 -r 100 -l 3 -s 1001 -key from 3001 \
			-key tag "kind$r" -key contact_port 6252 -recv_timeout 10000 "$KADDR"
		party caller2 caller_noreplaces.xml 6253 -m 2 -r 100 -l 2 -s 1001 -key from 3002 \
			-key tag "kinn$r" -key contact_port 6253 -d 200 "$KADDR"
		;;
	esac
	if ! until_ok 20 eval '[ "$(n_pickable 7001)" -eq 5 ]'; then
		fail "not all 5 calls rang: $(n_pickable 7001) pickable"
		sipp_kill_all
		return 1
	fi
	# the calls oldest first (gcp.calls' order) with what the wire showed
	local wire cids c i
	wire=$(wire_calls "${callers[@]}")
	cids=$(kc gcp.calls 7001 | sed -n 's/^[[:space:]]*callid: *//p')
	local -a C=() CF=() CT=()
	for c in $cids; do
		i=$(grep -F "$c;" <<<"$wire" | head -n 1)
		[ -n "$i" ] || { fail "gcp.calls lists $c, which no caller saw ring"; sipp_kill_all; return 1; }
		C+=("$c")
		CF+=("$(cut -d';' -f2 <<<"$i")")
		CT+=("$(cut -d';' -f3 <<<"$i")")
	done
	[ "${#C[@]}" -eq 5 ] || { fail "gcp.calls lists ${#C[@]} calls, not 5"; sipp_kill_all; return 1; }
	# the pickers: user;R-URI user;header;Call-ID;to-tag;from-tag. The
	# Replaces ones name the three youngest calls (group and directed
	# pickups take the oldest first), the youngest twice
	local -A kind=() named=()
	{
		echo "2001;7001;X-Kind;-;-;-"
		echo "2002;7001;X-Kind;-;-;-"
		echo "2003;7001;X-Kind;-;-;-"
		echo "2004;**1001;X-Kind;-;-;-"
		echo "2005;**1001;X-Kind;-;-;-"
		echo "2006;**1001;X-Kind;-;-;-"
		echo "2007;1001;Replaces;${C[4]};${CF[4]};${CT[4]}"
		echo "2008;3001;Replaces;${C[3]};${CT[3]};${CF[3]}"
		echo "2009;**1001;Replaces;${C[2]};${CF[2]};${CT[2]}"
		echo "2010;1001;Replaces;${C[4]};${CT[4]};${CF[4]}"
	} | shuf >"$T_DIR/pickers.body"
	{
		echo SEQUENTIAL
		cat "$T_DIR/pickers.body"
	} >"$T_DIR/pickers.csv"
	for i in 2001 2002 2003; do kind[$i]=group; done
	for i in 2004 2005 2006; do kind[$i]=directed; done
	for i in 2007 2008 2009 2010; do kind[$i]=replaces; done
	named[2007]=${C[4]} named[2008]=${C[3]} named[2009]=${C[2]} named[2010]=${C[4]}
	[ "$ninj" -gt 0 ] && party pphone picker_phone.xml 6352 -m "$ninj"
	party pickers picker_kinds_race.xml 6351 -m 10 -r 1000 -l 10 -inf "$T_DIR/pickers.csv" \
		-key contact_port 6352 "$KADDR"
	sw || return 1

	# who got what
	picker_finals | sort >"$T_DIR/finals.txt"
	{
		[ "$ninj" -gt 0 ] && inject_deliveries | sed 's/$/ inject/'
		[ "$nrep" -gt 0 ] && replaces_deliveries | sed 's/$/ replaces/'
	} | sort >"$T_DIR/delivered.txt"
	echo "finals:"
	cat "$T_DIR/finals.txt"
	echo "delivered:"
	cat "$T_DIR/delivered.txt"
	n=$(grep -c . "$T_DIR/finals.txt")
	[ "$n" -eq 10 ] || fail "$n of the 10 pickers got a final reply" || ok=1
	local u code won=0 lost=0 got how cid
	local -A wins=()
	while read -r u code; do
		got=$(awk -v u="$u" '$1 == u' "$T_DIR/delivered.txt")
		n=$(grep -c . <<<"$got")
		[ "$n" -le 1 ] || fail "picker $u was connected $n times: $(tr '\n' ' ' <<<"$got")" || ok=1
		read -r _ cid how <<<"$got"
		case $code in
		480 | 481)
			lost=$((lost + 1))
			[ -z "$got" ] || fail "picker $u got $code and the call $cid" || ok=1
			if [ "${kind[$u]}" = replaces ]; then
				[ "$code" = 481 ] || fail "the Replaces picker $u got $code, not 481" || ok=1
				# its call went to another picker
				grep -q " ${named[$u]} " "$T_DIR/delivered.txt" ||
					fail "the Replaces picker $u got 481, yet nobody got the call it named" || ok=1
			else
				[ "$code" = 480 ] || fail "the ${kind[$u]} picker $u got $code, not 480" || ok=1
			fi
			;;
		487 | 200)
			won=$((won + 1))
			wins[${kind[$u]}]=$((${wins[${kind[$u]}]:-0} + 1))
			if [ "$code" = 487 ]; then
				[ "$how" = inject ] || fail "picker $u got 487 but no call rang its phone" || ok=1
			else
				[ "$how" = replaces ] || fail "picker $u got 200 but no caller's UA took its INVITE" || ok=1
			fi
			[ "${kind[$u]}" != replaces ] || [ "$cid" = "${named[$u]}" ] ||
				fail "the Replaces picker $u got call $cid, not ${named[$u]} that it named" || ok=1
			# event_route[gcp:picked] for this call, this picker and its kind
			klog_new | grep 'picked up by' | grep -F "call $cid " | grep -F "sip:$u@" |
				grep -q "(kind ${kind[$u]})" ||
				fail "no event_route[gcp:picked] for call $cid, picker $u, kind ${kind[$u]}" || ok=1
			;;
		*) fail "picker $u got $code" || ok=1 ;;
		esac
	done <"$T_DIR/finals.txt"
	[ "$won" -eq 5 ] && [ "$lost" -eq 5 ] || fail "$won pickers got a call and $lost none, not 5 and 5" || ok=1
	# each call to exactly one picker: the Call-IDs delivered are the 5
	# that rang, each once (auto: by inject exactly those without replaces)
	printf '%s\n' "${C[@]}" | sort >"$T_DIR/rang.cid"
	awk '{ print $2 }' "$T_DIR/delivered.txt" | sort >"$T_DIR/picked.cid"
	if ! cmp -s "$T_DIR/rang.cid" "$T_DIR/picked.cid"; then
		fail "delivered calls differ from the ringing ones (- ringing, + delivered):"
		diff "$T_DIR/rang.cid" "$T_DIR/picked.cid" | grep '^[<>]'
		ok=1
	fi
	n=$(grep -c ' inject$' "$T_DIR/delivered.txt")
	[ "$n" -eq "$ninj" ] || fail "$n calls delivered by inject, not $ninj" || ok=1
	# the members' phones: one CANCEL per call
	n=$(rx_callids member '^CANCEL ' | sort | uniq -c | awk '$1 == 1' | grep -c .)
	[ "$n" -eq 5 ] || fail "$n calls got exactly one CANCEL at the member's phone, not 5" || ok=1
	# the statistics: every kind counts its own, gcp:picked is their sum
	local d
	for n in picked picked_group picked_other_group picked_directed picked_replaces pickup_empty pickup_failed; do
		case $n in
		picked) d=5 ;;
		picked_group) d=${wins[group]:-0} ;;
		picked_directed) d=${wins[directed]:-0} ;;
		picked_replaces) d=${wins[replaces]:-0} ;;
		pickup_empty) d=5 ;;
		*) d=0 ;;
		esac
		[ "$(st "$n")" -eq $((${s0[$n]} + d)) ] ||
			fail "gcp:$n went from ${s0[$n]} to $(st "$n"), not +$d" || ok=1
	done
	# event_route[gcp:picked]: once per call
	n=$(klog_new | grep -c 'picked up by')
	[ "$n" -eq 5 ] || fail "event_route[gcp:picked] ran $n times, not 5" || ok=1
	expect_no_calls || ok=1
	[ "$(st ringing)" -eq 0 ] || fail "gcp:ringing is $(st ringing), not 0" || ok=1
	detail "5 picked (group ${wins[group]:-0}, directed ${wins[directed]:-0}, replaces ${wins[replaces]:-0}; $ninj by inject), 5 refused"
	[ "$ok" -eq 0 ] && number "kinds_ok $mode ${wins[group]:-0} ${wins[directed]:-0} ${wins[replaces]:-0}"
	return $ok
}

# the checks of this concern, in a mode: checks_kinds <mode>
checks_kinds() {
	local mode=$1 r rounds=${STRESS_KIND_ROUNDS:-$STRESS_ROUNDS}
	for r in $(seq 1 "$rounds"); do
		t_check "kinds race $mode round $r/$rounds" kinds_round "$mode" "$r"
	done
}

# the numbers line of this concern
numbers_kinds() {
	local mode
	for mode in $MODES; do
		awk -v m="$mode" '$1 == "kinds_ok" && $2 == m { n++; g += $3; d += $4; r += $5 }
			END { if (n) printf "numbers: kinds race %s: %d rounds passed, %d pickups checked (%d calls picked once each: %d by group, %d directed, %d by Replaces; %d refused)\n", m, n, n * 10, n * 5, g, d, r, n * 5 }' "$NUMBERS"
	done
}
