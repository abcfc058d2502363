#!/usr/bin/env bash
# The stress suite's races (tests/stress/run.sh sources this): per mode,
# STRESS_ROUNDS rounds of 50 calls ringing in one group and 100 pickers at
# once; 3 rounds of 5 calls and 10 pickers of two groups, one listing the
# other (other-group pickup).

# 50 calls ring at member 1001 (group 7001); 100 pickers dial 7001 at once.
# auto: 25 of the callers list "replaces" (their UA takes the Replaces
# INVITE) and 25 do not (gcp injects at once), racing in the same group
race_round() { # <mode> <round>
	local mode=$1 r=$2 p0 e0 n
	klog_mark
	p0=$(st picked)
	e0=$(st pickup_empty)
	case $mode in
	inject)
		party member member_picked.xml 6151 -m 50
		party caller caller_picked.xml 6251 -m 50 -r 100 -l 50 -s 1001 -key from 3001 \
			-key tag "race$r" -key contact_port 6251 -d 200 "$KADDR"
		;;
	replaces)
		# rings on past FR_INV_TIMER until gcp ends the call after the pickup
		party member member_ringing.xml 6151 -m 50
		party callerua caller_ua_replaced.xml 6252 -m 50
		party caller caller_replaced.xml 6251 -m 50 -r 100 -l 50 -s 1001 -key from 3001 \
			-key tag "race$r" -key contact_port 6252 -recv_timeout 10000 "$KADDR"
		;;
	auto)
		party member member_ringing.xml 6151 -m 50
		party callerua caller_ua_replaced.xml 6252 -m 25
		party caller caller_replaced.xml 6251 -m 25 -r 100 -l 25 -s 1001 -key from 3001 \
			-key tag "race$r" -key contact_port 6252 -recv_timeout 10000 "$KADDR"
		party caller2 caller_noreplaces.xml 6253 -m 25 -r 100 -l 25 -s 1001 -key from 3001 \
			-key tag "race$r" -key contact_port 6253 -d 200 "$KADDR"
		;;
	esac
	if ! until_ok 20 eval '[ "$(n_pickable 7001)" -eq 50 ]'; then
		fail "not all 50 calls rang: $(n_pickable 7001) pickable"
		sipp_kill_all
		return 1
	fi
	case $mode in
	inject)
		party pphone picker_phone.xml 6352 -m 50
		party pickers picker_inject_race.xml 6351 -m 100 -r 1000 -l 100 -s 7001 \
			-key from 2001 -key contact_port 6352 "$KADDR"
		;;
	replaces)
		party pickers picker_replaces_race.xml 6351 -m 100 -r 1000 -l 100 -s 7001 \
			-key from 2001 -key contact_port 6351 "$KADDR"
		;;
	auto)
		party pphone picker_phone.xml 6352 -m 25
		party pickers picker_auto_race.xml 6351 -m 100 -r 1000 -l 100 -s 7001 \
			-key from 2001 -key contact_port 6352 "$KADDR"
		;;
	esac
	sw || return 1
	local ok=0 got refused by487 by200
	by487=$(ncid pickers '^SIP/2.0 487')
	by200=$(ncid pickers '^SIP/2.0 200')
	case $mode in
	inject) got=$by487 ;;
	replaces) got=$by200 ;;
	auto)
		got=$((by487 + by200))
		[ "$by487" -eq 25 ] && [ "$by200" -eq 25 ] ||
			fail "$by487 pickers got 487 (inject) and $by200 got 200 (Replaces), not 25 and 25" || ok=1
		;;
	esac
	refused=$(ncid pickers '^SIP/2.0 480')
	[ "$got" -eq 50 ] || fail "$got pickers got the call, not 50" || ok=1
	[ "$refused" -eq 50 ] || fail "$refused pickers got 480, not 50" || ok=1
	# each call reached exactly one picker: the Call-IDs delivered are the
	# callers' 50, each once (auto: by inject exactly those of the callers
	# without replaces, by Replaces the others)
	rx_callids caller '^SIP/2.0 18' | sort -u >"$T_DIR/callers.cid"
	case $mode in
	inject) rx_callids pphone '^INVITE ' | sort >"$T_DIR/picked.cid" ;;
	replaces) rx_hdr callerua '^INVITE ' Replaces | sed 's/;.*//' | sort >"$T_DIR/picked.cid" ;;
	auto)
		rx_callids caller2 '^SIP/2.0 18' | sort -u >"$T_DIR/callers2.cid"
		rx_callids pphone '^INVITE ' | sort >"$T_DIR/injected.cid"
		rx_hdr callerua '^INVITE ' Replaces | sed 's/;.*//' | sort >"$T_DIR/replaced.cid"
		if ! cmp -s "$T_DIR/callers2.cid" "$T_DIR/injected.cid"; then
			fail "injected pickups differ from the calls without replaces (- ringing, + injected):"
			diff "$T_DIR/callers2.cid" "$T_DIR/injected.cid" | grep '^[<>]' | head -n 10
			ok=1
		fi
		if ! cmp -s "$T_DIR/callers.cid" "$T_DIR/replaced.cid"; then
			fail "Replaces pickups differ from the calls with replaces (- ringing, + replaced):"
			diff "$T_DIR/callers.cid" "$T_DIR/replaced.cid" | grep '^[<>]' | head -n 10
			ok=1
		fi
		sort -u "$T_DIR/callers.cid" "$T_DIR/callers2.cid" >"$T_DIR/all.cid"
		mv "$T_DIR/all.cid" "$T_DIR/callers.cid"
		sort "$T_DIR/injected.cid" "$T_DIR/replaced.cid" >"$T_DIR/picked.cid"
		;;
	esac
	n=$(grep -c . "$T_DIR/callers.cid")
	[ "$n" -eq 50 ] || fail "the callers saw $n calls ring, not 50" || ok=1
	if ! cmp -s "$T_DIR/callers.cid" "$T_DIR/picked.cid"; then
		fail "delivered pickups differ from the ringing calls (- ringing, + delivered):"
		diff "$T_DIR/callers.cid" "$T_DIR/picked.cid" | grep '^[<>]' | head -n 10
		ok=1
	fi
	[ "$(st picked)" -eq $((p0 + 50)) ] || fail "gcp:picked went from $p0 to $(st picked), not +50" || ok=1
	[ "$(st pickup_empty)" -eq $((e0 + 50)) ] ||
		fail "gcp:pickup_empty went from $e0 to $(st pickup_empty), not +50" || ok=1
	# event_route[gcp:picked]: once per call
	n=$(klog_new | grep -o 'gcp: call [^ ]* from .* picked up by' | awk '{print $3}' | sort -u | grep -c .)
	local nl
	nl=$(klog_new | grep -c 'picked up by')
	[ "$n" -eq 50 ] && [ "$nl" -eq 50 ] ||
		fail "event_route[gcp:picked] ran $nl times for $n calls, not 50 for 50" || ok=1
	expect_no_calls || ok=1
	[ "$(st ringing)" -eq 0 ] || fail "gcp:ringing is $(st ringing), not 0" || ok=1
	if [ "$mode" = auto ]; then detail "50 picked: $by487 by inject, $by200 by Replaces; 50 refused"; else detail "50 picked, 50 refused"; fi
	[ "$ok" -eq 0 ] && number "race_ok $mode"
	return $ok
}

# Other-group pickup (issue 14): 5 calls ring at member 1012 (group 7012);
# 10 pickers at once, 5 dialling 7011 (which lists 7012: nothing of its
# own rings) and 5 dialling 7012. Each call picked exactly once, 5
# pickers refused with 480, and the statistics count each kind: as many
# other-group pickups as 7011's pickers got calls.
race_other_round() { # <mode> <round>
	local mode=$1 r=$2 p0 g0 o0 e0 n ok=0
	klog_mark
	p0=$(st picked)
	g0=$(st picked_group)
	o0=$(st picked_other_group)
	e0=$(st pickup_empty)
	reg 1012 6155
	if [ "$mode" = inject ]; then
		party member member_picked.xml 6155 -m 5
		party caller caller_picked.xml 6255 -m 5 -r 100 -l 5 -s 1012 -key from 3012 \
			-key tag "og$r" -key contact_port 6255 -d 200 "$KADDR"
	else
		# every caller takes the Replaces INVITE (auto mode too)
		party member member_ringing.xml 6155 -m 5
		party callerua caller_ua_replaced.xml 6256 -m 5
		party caller caller_replaced.xml 6255 -m 5 -r 100 -l 5 -s 1012 -key from 3012 \
			-key tag "og$r" -key contact_port 6256 -recv_timeout 10000 "$KADDR"
	fi
	if ! until_ok 20 eval '[ "$(n_pickable 7012)" -eq 5 ]'; then
		fail "not all 5 calls rang: $(n_pickable 7012) pickable"
		sipp_kill_all
		return 1
	fi
	local scen=picker_inject_race.xml
	case $mode in
	inject) party pphone picker_phone.xml 6356 -m 5 ;;
	replaces) scen=picker_replaces_race.xml ;;
	auto) scen=picker_auto_race.xml ;;
	esac
	local cport=6356
	[ "$mode" = inject ] || cport=6355
	party pick11 "$scen" 6355 -m 5 -r 1000 -l 5 -s 7011 -key from 2011 -key contact_port "$cport" "$KADDR"
	[ "$mode" = inject ] || cport=6357
	party pick12 "$scen" 6357 -m 5 -r 1000 -l 5 -s 7012 -key from 2012 -key contact_port "$cport" "$KADDR"
	sw || return 1
	local got11 got12 ref re_got='^SIP/2.0 487'
	[ "$mode" = inject ] || re_got='^SIP/2.0 200'
	got11=$(ncid pick11 "$re_got")
	got12=$(ncid pick12 "$re_got")
	ref=$(($(ncid pick11 '^SIP/2.0 480') + $(ncid pick12 '^SIP/2.0 480')))
	[ $((got11 + got12)) -eq 5 ] || fail "$got11 + $got12 pickers got the call, not 5" || ok=1
	[ "$ref" -eq 5 ] || fail "$ref pickers got 480, not 5" || ok=1
	rx_callids caller '^SIP/2.0 18' | sort -u >"$T_DIR/callers.cid"
	if [ "$mode" = inject ]; then
		rx_callids pphone '^INVITE ' | sort >"$T_DIR/picked.cid"
	else
		rx_hdr callerua '^INVITE ' Replaces | sed 's/;.*//' | sort >"$T_DIR/picked.cid"
	fi
	n=$(grep -c . "$T_DIR/callers.cid")
	[ "$n" -eq 5 ] || fail "the callers saw $n calls ring, not 5" || ok=1
	if ! cmp -s "$T_DIR/callers.cid" "$T_DIR/picked.cid"; then
		fail "delivered pickups differ from the ringing calls (- ringing, + delivered):"
		diff "$T_DIR/callers.cid" "$T_DIR/picked.cid" | grep '^[<>]' | head -n 10
		ok=1
	fi
	[ "$(st picked)" -eq $((p0 + 5)) ] || fail "gcp:picked went from $p0 to $(st picked), not +5" || ok=1
	[ "$(st picked_other_group)" -eq $((o0 + got11)) ] ||
		fail "gcp:picked_other_group went from $o0 to $(st picked_other_group), not +$got11" || ok=1
	[ "$(st picked_group)" -eq $((g0 + got12)) ] ||
		fail "gcp:picked_group went from $g0 to $(st picked_group), not +$got12" || ok=1
	[ "$(st pickup_empty)" -eq $((e0 + 5)) ] ||
		fail "gcp:pickup_empty went from $e0 to $(st pickup_empty), not +5" || ok=1
	n=$(klog_new | grep -o 'gcp: call [^ ]* from .* picked up by' | awk '{print $3}' | sort -u | grep -c .)
	local nl no
	nl=$(klog_new | grep -c 'picked up by')
	no=$(klog_new | grep 'picked up by sip:2011@' | grep -c 'in group 7012 .*(kind other-group)')
	[ "$n" -eq 5 ] && [ "$nl" -eq 5 ] ||
		fail "event_route[gcp:picked] ran $nl times for $n calls, not 5 for 5" || ok=1
	[ "$no" -eq "$got11" ] || fail "$no events of 7011's pickers say group 7012, kind other-group, not $got11" || ok=1
	kc ul.rm location s:1012 >/dev/null 2>&1
	expect_no_calls || ok=1
	detail "5 picked: $got11 by 7011 (other-group), $got12 by 7012; 5 refused"
	[ "$ok" -eq 0 ] && number "race_other_ok $mode"
	return $ok
}

# the checks of this concern, in a mode: checks_race <mode>
checks_race() {
	local mode=$1 r
	for r in $(seq 1 "$STRESS_ROUNDS"); do
		t_check "race $mode round $r/$STRESS_ROUNDS" race_round "$mode" "$r"
	done
	number "race_rounds $mode $STRESS_ROUNDS"
	for r in 1 2 3; do
		t_check "race other-group $mode round $r/3" race_other_round "$mode" "$r"
	done
}

# the numbers line of this concern
numbers_race() {
	local mode n
	for mode in $MODES; do
		n=$(grep -c "^race_ok $mode\$" "$NUMBERS")
		[ "$n" -gt 0 ] && echo "numbers: race $mode: $n rounds passed, $((n * 100)) pickups checked ($((n * 50)) picked once each, $((n * 50)) refused with 480)"
		n=$(grep -c "^race_other_ok $mode\$" "$NUMBERS")
		[ "$n" -gt 0 ] && echo "numbers: race other-group $mode: $n rounds passed, $((n * 10)) pickups of two groups checked ($((n * 5)) picked once each)"
	done
}
