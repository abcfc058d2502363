# Directed pickup (a named member's call) and pickup by Replaces (a desk
# phone's BLF key), issue 13; and the empty pickup without a transaction.

ALL_TESTS="$ALL_TESTS directed_code directed_star8 directed_scope_group directed_personal replaces_pickup replaces_transfer_untouched replaces_after_picked replaces_retransmit replaces_retransmit_nocheck empty_no_transaction directed_bad_input"

# the Call-ID of the call a caller party made, and the member's To tag
call_id_of() { msg "$1" '^SIP/2.0 18' | sed -n 's/^Call-ID: *//p' | tr -d '\r' | head -n 1; }
to_tag_of() { msg "$1" '^SIP/2.0 18' | sed -n 's/^To: .*;tag=//p' | tr -d '\r' | head -n 1; }

# **1001: the member's oldest call, in every mode
t_directed_code() {
	reg 1001 5101
	uas m member_picked.xml 5101
	ring_picked c 1001 3001 tagDc 5201
	sleep 0.5
	pick p '**1001' 2001 5301 5302
	sw || return 1
	picked_from p tagDc 5202 || return 1
	expect "the event" "$(grep 'picked up by' "$KLOG" | tail -n 1)" 'kind directed' || return 1
	expect_no_calls
}

# *8<extension>, the sample cfg's Asterisk-style code: gcp_pickup_directed()
modes_directed_star8() { echo inject; }
t_directed_star8() {
	reg 1001 5101
	uas m member_picked.xml 5101
	ring_picked c 1001 3001 tagS8 5201
	sleep 0.5
	local d0
	d0=$(stat picked_directed)
	pick p '*81001' 2001 5301 5302
	sw || return 1
	picked_from p tagS8 || return 1
	expect "the event" "$(grep 'picked up by' "$KLOG" | tail -n 1)" 'kind directed' || return 1
	[ "$(stat picked_directed)" -eq $((d0 + 1)) ] || fail "gcp:picked_directed did not count it" || return 1
	expect_no_calls
}

# directed_scope "group": only members of the member's group may pick up
modes_directed_scope_group() { echo inject; }
t_directed_scope_group() {
	k_variant scope-group 'modparam("gcp", "directed_scope", "group")' || return 1
	local r=0
	reg 1001 5101
	uas m member_picked.xml 5101
	ring_picked c 1001 3001 tagSg 5201
	sleep 0.5
	uac o picker_any.xml 5331 '**1001' -key fromhdr '<sip:2001@127.0.0.1>' -key xhdr "X-None: 0" -key contact_port 5341
	sw_last || r=1
	expect "the outsider's reply" "$(final_of o)" '^SIP/2.0 403 ' || r=1
	pick p '**1001' 1002 5301 5302
	sw || r=1
	picked_from p tagSg || r=1
	expect_no_calls || r=1
	k_back
	return $r
}

# a call from a personal contact is picked up by no method: group number,
# **<member> and *8<member> (gcp_pickup_directed()) get 480, a Replaces
# naming it 481; nothing is claimed
modes_directed_personal() { echo inject; }
t_directed_personal() {
	reg 1002 5102
	uas m member_cancelled.xml 5102
	uac c caller_cancel.xml 5201 1002 -key from +15550100 -key tag tagPp \
		-key contact_port 5201 -key supported "replaces, timer" -recv_timeout 3000
	sleep 0.7
	local cid i=0 svc code
	cid=$(call_id_of c)
	[ -n "$cid" ] || fail "no Call-ID seen by the caller" || return 1
	local p0
	p0=$(stat picked)
	for svc in 7001 '**1002' '*81002'; do
		i=$((i + 1))
		uac "p$i" picker_any.xml $((5330 + i)) "$svc" -key fromhdr '<sip:2001@127.0.0.1>' -key xhdr "X-None: 0" -key contact_port $((5340 + i))
		sw_last || return 1
		expect "the reply to a pickup by $svc" "$(final_of "p$i")" '^SIP/2.0 480 ' || return 1
	done
	uac b picker_replaces_any.xml 5335 1002 -key from 2001 -key rhdr "$cid;to-tag=x;from-tag=tagPp" -key contact_port 5345
	sw_last || return 1
	expect "the reply to a Replaces pickup" "$(final_of b)" '^SIP/2.0 481 ' || return 1
	expect "gcp.calls" "$(kc gcp.calls | tr -s '\t\n' '  ')" "callee: 1002 .*state: personal contact .*kind: none" || return 1
	sw || return 1
	[ "$(stat picked)" -eq "$p0" ] || fail "gcp:picked moved" || return 1
	expect_no_calls
}

# a BLF key's INVITE with Replaces picks up exactly the call it names, in
# every mode: its tags in RFC 3891's orientation (to-tag the caller's, as
# its UA sees the dialog) and swapped, each sent to the member, to the
# caller and to **<member>; in replaces and auto mode the caller's UA gets
# one Replaces header, the module's, in its own orientation, whichever the
# phone sent
t_replaces_pickup() {
	local n=0 svc orient cid mt rh picked
	reg 1001 5101
	for svc in 1001 3001 '**1001'; do
		for orient in rfc swapped; do
			n=$((n + 1))
			uas "m$n" member_picked.xml 5101
			ring_picked "c$n" 1001 3001 "tagRp$n" 5201
			sleep 0.5
			cid=$(call_id_of "c$n")
			mt=$(to_tag_of "c$n")
			[ -n "$cid" ] && [ -n "$mt" ] || fail "no Call-ID or To tag seen by caller $n" || return 1
			if [ "$orient" = rfc ]; then
				rh="$cid;to-tag=tagRp$n;from-tag=$mt;early-only"
			else
				rh="$cid;to-tag=$mt;from-tag=tagRp$n"
			fi
			picked=$(stat picked_replaces)
			[ "$MODE" = inject ] && uas "ph$n" picker_phone.xml 5302
			uac "b$n" picker_replaces_any.xml 5301 "$svc" -key from 2001 -key rhdr "$rh" -key contact_port 5302
			sw || return 1
			if [ "$MODE" = inject ]; then
				expect "BLF pickup $n's reply ($orient to $svc)" "$(final_of "b$n")" '^SIP/2.0 487 ' || return 1
				expect "the call on the phone ($n)" "$(msg "ph$n" '^INVITE ')" "^From: .*;tag=tagRp$n" || return 1
			else
				expect "BLF pickup $n's reply ($orient to $svc)" "$(msg "b$n" '^SIP/2.0 [2-6]' | grep -m1 '^SIP/2.0')" '^SIP/2.0 200 ' || return 1
				expect "the caller's UA's INVITE ($n)" "$(msg "c$n-ua" '^INVITE ')" \
					"^Replaces: $(printf '%s' "$cid" | sed 's/[].[*^$\\/]/\\&/g');to-tag=tagRp$n;from-tag=$mt;early-only" || return 1
				[ "$(msg "c$n-ua" '^INVITE ' | grep -ci '^Replaces:')" -eq 1 ] ||
					fail "the caller's UA got more than one Replaces header ($n)" || return 1
			fi
			[ "$(stat picked_replaces)" -eq $((picked + 1)) ] || fail "gcp:picked_replaces did not count pickup $n" || return 1
			expect "the event ($n)" "$(grep 'picked up by' "$KLOG" | tail -n 1)" "call $cid .*(kind replaces)" || return 1
			expect_no_calls || return 1
		done
	done
}

# an attended transfer: a Replaces naming no call of ours is routed as
# usual, its header untouched
modes_replaces_transfer_untouched() { echo inject; }
t_replaces_transfer_untouched() {
	reg 1001 5101
	# the member is busy: the call goes on to voicemail, as any call does
	uas m picker_phone_reject.xml 5101
	uas vm voicemail.xml 5099
	local st0
	st0=$(kc stats.get_statistics gcp: | grep -v 'gcp:tracked\|gcp:ringing')
	uac b picker_replaces_any.xml 5301 1001 -key from 2001 -key rhdr "xfer-9@198.51.100.7;to-tag=a1;from-tag=b2" -key contact_port 5302
	sw || return 1
	[ "$(kc stats.get_statistics gcp: | grep -v 'gcp:tracked\|gcp:ringing')" = "$st0" ] ||
		fail "a pickup statistic moved for the transfer" || return 1
	expect "the member's INVITE" "$(msg m '^INVITE ')" '^Replaces: xfer-9@198\.51\.100\.7;to-tag=a1;from-tag=b2' || return 1
	expect "the transfer's answer" "$(msg b '^SIP/2.0 200')" '^SIP/2.0 200 ' || return 1
	expect_no_calls
}

# a Replaces for a call already picked up: 481
modes_replaces_after_picked() { echo inject; }
t_replaces_after_picked() {
	reg 1001 5101
	uas m member_picked.xml 5101
	uac c caller_picked.xml 5201 1001 -key from 3001 -key tag tagRa -key contact_port 5201 -d 1500
	sleep 0.5
	local cid
	cid=$(call_id_of c)
	pick p 7001 2001 5301 5302
	sleep 0.8
	uac b picker_replaces_any.xml 5311 1001 -key from 2002 -key rhdr "$cid;to-tag=tagRa;from-tag=x" -key contact_port 5312
	sw || return 1
	picked_from p tagRa || return 1
	expect "the late BLF pickup's reply" "$(final_of b)" '^SIP/2.0 481 ' || return 1
	expect_no_calls
}

# a BLF key's Replaces INVITE retransmitted (the same Via branch) twice at
# once and once after its final reply claims nothing twice: every reply
# the phone gets is the one final reply (487 in inject mode, the caller's
# UA's 200 otherwise), one pickup counted, one call delivered, one CANCEL
# at the member's phone, event_route[gcp:picked] once
t_replaces_retransmit() { replaces_retransmit; }
# the same with a cfg that does not absorb retransmissions before
# gcp_pickup() (no t_precheck_trans()/t_check_trans()): the module itself
# takes the copies as retransmissions
modes_replaces_retransmit_nocheck() { echo inject replaces; }
t_replaces_retransmit_nocheck() {
	k_variant no-retransmission-check '' '/# handle retransmissions/,/^\t}$/d' || return 1
	grep -q 't_precheck_trans' "$OUT/kamailio-no-retransmission-check.cfg" &&
		{ fail "the variant still checks retransmissions"; k_back; return 1; }
	local r=0
	replaces_retransmit || r=1
	k_back
	return $r
}
replaces_retransmit() {
	reg 1001 5101
	uas m member_picked.xml 5101
	RING_MS=3000 ring_picked c 1001 3001 tagRx 5201
	sleep 0.5
	local cid mt n want delivered
	cid=$(call_id_of c)
	mt=$(to_tag_of c)
	[ -n "$cid" ] && [ -n "$mt" ] || fail "no Call-ID or To tag seen by the caller" || return 1
	local -A s0
	for n in picked picked_replaces pickup_empty pickup_failed; do s0[$n]=$(stat $n); done
	local k0
	k0=$(wc -c <"$KLOG")
	if [ "$MODE" = inject ]; then
		uas ph picker_phone.xml 5302
		want=487
	else
		want=200
	fi
	python3 "$ROOT/tests/sipp/tools/retrans_picker.py" 5301 "$KADDR" 1001 2001 5302 \
		"$cid;to-tag=tagRx;from-tag=$mt;early-only" "$T_DIR/rtx.log" ||
		fail "the retransmitting phone got no final reply" || return 1
	sw || return 1
	cat "$T_DIR/rtx.log"
	awk '$2 == "INVITE"' "$T_DIR/rtx.log" >"$T_DIR/rtx-invite.log"
	# every final reply the phone got is the one it should get, for its one
	# transaction; at least two (the reply to the copy after it too)
	n=$(awk '$1 >= 200' "$T_DIR/rtx-invite.log" | grep -c .)
	[ "$n" -ge 2 ] || fail "$n final replies for three copies of the INVITE, expected the final reply again" || return 1
	n=$(awk -v w=$want '$1 >= 200 && $1 != w' "$T_DIR/rtx-invite.log" | grep -c .)
	[ "$n" -eq 0 ] || fail "final replies other than $want: $(awk '$1 >= 200 { print $1 }' "$T_DIR/rtx-invite.log" | sort -u | tr '\n' ' ')" || return 1
	n=$(awk '{ print $4 }' "$T_DIR/rtx-invite.log" | sort -u | grep -c .)
	[ "$n" -eq 1 ] || fail "replies for $n Via branches, not the one of the INVITE" || return 1
	# one transaction for the three copies
	if [ "$MODE" = inject ]; then
		delivered=$(grep -c '^INVITE ' "$T_DIR/ph.msg")
		expect "the call on the phone" "$(msg ph '^INVITE ')" '^From: .*;tag=tagRx' || return 1
	else
		delivered=$(grep -c '^INVITE ' "$T_DIR/c-ua.msg")
		expect "the Replaces INVITE" "$(msg c-ua '^INVITE ')" "^Replaces: $(printf '%s' "$cid" | sed 's/[].[*^$\\/]/\\&/g');" || return 1
	fi
	[ "$delivered" -eq 1 ] || fail "the call was delivered $delivered times" || return 1
	n=$(grep -c '^CANCEL ' "$T_DIR/m.msg")
	[ "$n" -eq 1 ] || fail "the member's phone got $n CANCELs, not 1" || return 1
	[ "$(stat picked)" -eq $((${s0[picked]} + 1)) ] || fail "gcp:picked went from ${s0[picked]} to $(stat picked), not +1" || return 1
	[ "$(stat picked_replaces)" -eq $((${s0[picked_replaces]} + 1)) ] ||
		fail "gcp:picked_replaces went from ${s0[picked_replaces]} to $(stat picked_replaces), not +1" || return 1
	for n in pickup_empty pickup_failed; do
		[ "$(stat $n)" -eq "${s0[$n]}" ] || fail "gcp:$n went from ${s0[$n]} to $(stat $n)" || return 1
	done
	n=$(tail -c +$((k0 + 1)) "$KLOG" | grep 'picked up by' | grep -cF "$cid")
	[ "$n" -eq 1 ] || fail "event_route[gcp:picked] ran $n times for the call" || return 1
	expect_no_calls
}

# nothing rings in the group: 480 without a transaction (tm creates none;
# the cfg answers statelessly)
modes_empty_no_transaction() { echo inject; }
tm_created() { kc tm.stats | sed -n 's/^[[:space:]]*created: *//p'; }
t_empty_no_transaction() {
	local before after
	before=$(tm_created)
	uac p picker_480.xml 5301 7001 -key from 2001 -key contact_port 5302
	sw || return 1
	after=$(tm_created)
	[ -n "$before" ] || fail "tm.stats has no 'created'" || return 1
	[ "$after" -eq "$before" ] || fail "tm created $((after - before)) transactions for an empty pickup" || return 1
	! grep -q "script writer didn't release transaction" "$KLOG" || fail "tm says the script left a transaction" || return 1
}

# bad input: malformed Replaces headers (no tags, an empty Call-ID, 10 kB,
# two of them) get 500 and claim nothing; a directed code of 200 digits
# and "**" alone get 480; the ringing call is still pickable, and a
# group pickup then gets it
modes_directed_bad_input() { echo inject; }
# "picked N empty N failed N denied N"
pstats_line() {
	kc stats.get_statistics gcp: | awk -F' = ' '{ v[$1] = $2 }
		END { printf "picked %d empty %d failed %d denied %d\n", v["gcp:picked"], v["gcp:pickup_empty"],
			v["gcp:pickup_failed"], v["gcp:pickup_denied"] }'
}
t_directed_bad_input() {
	reg 1001 5101
	uas m member_picked.xml 5101
	ring_picked c 1001 3001 tagBd 5201
	sleep 0.5
	local cid i=0 rh big digits k0 st0 n
	cid=$(call_id_of c)
	k0=$(wc -c <"$KLOG")
	st0=$(pstats_line)
	big="$cid;to-tag=tagBd;from-tag=$(head -c 10000 /dev/zero | tr '\0' 'x')"
	for rh in "$cid" ";to-tag=tagBd;from-tag=x" "$cid;to-tag=tagBd;from-tag=" "$big"; do
		i=$((i + 1))
		uac "r$i" picker_replaces_any.xml $((5330 + i)) 1001 -key from 2001 -key rhdr "$rh" -key contact_port $((5340 + i))
		sw_last || return 1
		expect "malformed Replaces $i" "$(final_of "r$i")" '^SIP/2.0 500 ' || return 1
		pickable || return 1
	done
	uac r5 picker_replaces_two.xml 5335 1001 -key from 2001 -key rhdr "$cid;to-tag=tagBd;from-tag=x" -key contact_port 5345
	sw_last || return 1
	expect "two Replaces headers" "$(final_of r5)" '^SIP/2.0 500 ' || return 1
	digits=$(head -c 200 /dev/zero | tr '\0' '1')
	uac d1 picker_any.xml 5336 "**$digits" -key fromhdr '<sip:2001@127.0.0.1>' -key xhdr "X-None: 0" -key contact_port 5346
	sw_last || return 1
	expect "a directed code of 200 digits" "$(final_of d1)" '^SIP/2.0 480 ' || return 1
	uac d2 picker_any.xml 5337 '**' -key fromhdr '<sip:2001@127.0.0.1>' -key xhdr "X-None: 0" -key contact_port 5347
	sw_last || return 1
	expect "'**' alone" "$(final_of d2)" '^SIP/2.0 480 ' || return 1
	pickable || return 1
	# each refusal says why; nothing was claimed: the directed codes of no
	# member count as empty pickups, nothing else moved
	n=$(tail -c +$((k0 + 1)) "$KLOG" | grep -c 'pickup refused: the Replaces header is malformed')
	[ "$n" -eq 4 ] || fail "$n log lines name a malformed Replaces header, not 4" || return 1
	n=$(tail -c +$((k0 + 1)) "$KLOG" | grep -c 'pickup refused: the INVITE has two Replaces headers')
	[ "$n" -eq 1 ] || fail "$n log lines name two Replaces headers, not 1" || return 1
	[ "$(pstats_line)" = "$(awk '{ $4 += 2; print }' <<<"$st0")" ] ||
		fail "the statistics went from '$st0' to '$(pstats_line)', expected +2 empty pickups only" || return 1
	kc core.version >/dev/null 2>&1 && ! grep -q 'exited by a signal' "$KLOG" || fail "Kamailio crashed" || return 1
	pick p 7001 2001 5301 5302
	sw || return 1
	picked_from p tagBd || return 1
	expect_no_calls
}
