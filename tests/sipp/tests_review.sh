# The holes a review found (issue 11), each with the test that showed it:
# these failed before their fix.

ALL_TESTS="$ALL_TESTS spoofed_from require_auth newtran_first relative_config claimed_not_expired retry_after_reject attempts_capped nocontact_caller forked_tag nat_caller auto_picker_cancel shm_attempts branch_index_locked ack_before_reply"

# Kamailio of this mode with cfg/kamailio.cfg changed: k_variant <name>
# <lines after the config_file modparam> [sed expression for the rest]
k_variant() {
	local cfg
	cfg=$(variant_cfg "$1" "$2")
	[ -z "${3:-}" ] || sed -i -e "$3" "$cfg"
	k_mode_defs "$MODE"
	k_launch "$ROOT" "$cfg" -A "GCP_MODULE=\"${K_MODULE:-$ROOT/modules/gcp/gcp.so}\"" "${MODE_DEFS[@]}"
}
# back to this mode's own Kamailio, for the tests after this one
k_back() { cp "$KLOG" "$T_DIR/kamailio.log"; k_start "$MODE" >/dev/null || echo "  Kamailio of mode $MODE did not start again"; }

# Stop Kamailio's GCP TIMER process (it delivers pickups that are due) for
# <seconds> at the entry of <function> or right after it returns, once,
# with gdb (tools/gdb_pause.py): the way to force an interleaving with what
# other processes do meanwhile. pause_in_timer <function> <entry|return>
# <seconds>; returns once the breakpoint is set; PAUSE_PID is gdb's.
pause_in_timer() {
	local pid i
	pid=$(kc core.psx | awk '/PID:/ { p = $2 } /DSC: GCP TIMER/ { print p }')
	[ -n "$pid" ] || { echo "  no GCP TIMER process in core.psx"; return 1; }
	rm -f "$T_DIR/pause.ready" "$T_DIR/pause.done"
	GCP_PAUSE_FN=$1 GCP_PAUSE_AT=$2 GCP_PAUSE_SECONDS=$3 \
		GCP_PAUSE_READY=$T_DIR/pause.ready GCP_PAUSE_DONE=$T_DIR/pause.done \
		timeout 60 gdb -q -nx -batch -p "$pid" -x "$ROOT/tests/sipp/tools/gdb_pause.py" \
		>"$T_DIR/gdb.log" 2>&1 &
	PAUSE_PID=$!
	for i in $(seq 1 100); do
		[ -f "$T_DIR/pause.ready" ] && return 0
		kill -0 "$PAUSE_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "  gdb did not set its breakpoint:"
	tail -n 5 "$T_DIR/gdb.log" | sed 's/^/    /'
	return 1
}
# the pause happened (gdb went through it and detached)
pause_done() {
	wait "$PAUSE_PID"
	[ -f "$T_DIR/pause.done" ] || { echo "  the pause never came:"; tail -n 5 "$T_DIR/gdb.log" | sed 's/^/    /'; return 1; }
}

# seconds (with fractions, since midnight) at which a party received its
# first message whose start line matches <regexp>: msg_time <name> <regexp>
msg_time() {
	awk -v re="$2" '
		/^-+ [0-9-]+ [0-9:.]+$/ { split($3, t, ":"); ts = t[1] * 3600 + t[2] * 60 + t[3]; next }
		/message received/ { want = 1; next }
		want && NF { if ($0 ~ re) { printf "%.3f\n", ts; exit } want = 0 }
	' "$T_DIR/$1.msg"
}

# the status line of the first final reply a party received
final_of() { msg "$1" '^SIP/2.0 [3-6]' | grep -m1 '^SIP/2.0'; }

# wait for the SIPp party started last only (the others go on)
sw_last() {
	local r
	wait "${SIPP_PIDS[-1]}"
	r=$?
	[ "$r" -eq 0 ] || echo "  sipp '${SIPP_NAMES[-1]}' failed (exit $r)"
	unset 'SIPP_PIDS[-1]' 'SIPP_NAMES[-1]'
	return $r
}

# a call from 3001 rings at member 1001 (inject mode), phone on 5101:
# ring_1001 <From tag>
ring_1001() {
	reg 1001 5101
	uas m member_picked.xml 5101
	uac c caller_picked.xml 5201 1001 -key from 3001 -key tag "$1" -key contact_port 5201 -d 300
	sleep 0.5
}
pickable() { expect "gcp.calls" "$(kc gcp.calls | tr -s '\t\n' '  ')" "callee: 1001 .*pickable: yes"; }

# item 1: a From that the cfg's from_uri==myself does not call local (an
# explicit other port, or the default port of another transport: 5061 for
# TLS) is not local for gcp_pickup() either: 403, nothing claimed
modes_spoofed_from() { echo inject; }
t_spoofed_from() {
	ring_1001 tagSp
	local i=0 f code picked
	picked=$(stat picked)
	for f in '<sip:2001@127.0.0.1;transport=tls>' '<sip:2001@127.0.0.1:5061>' \
		'<sip:2001@127.0.0.1:5099>' '"sip:2001@127.0.0.1" <sip:2001@evil.example>' \
		'<sip:2001@evil.example;maddr=127.0.0.1>'; do
		i=$((i + 1))
		uac "s$i" picker_any.xml $((5330 + i)) 7001 -key fromhdr "$f" -key xhdr "X-None: 0" -key contact_port $((5340 + i))
		sw_last || return 1
		code=$(final_of "s$i")
		expect "the reply to a picker From: $f" "$code" '^SIP/2.0 403 ' || return 1
		pickable || return 1
	done
	[ "$(stat picked)" = "$picked" ] || fail "gcp:picked changed: $picked -> $(stat picked)" || return 1
	pick p 7001 2001 5301 5302
	sw || return 1
	picked_from p tagSp || return 1
	expect_no_calls
}

# item 1: with require_auth, a picker whose credentials the cfg did not
# check is refused, whatever its From
modes_require_auth() { echo inject; }
t_require_auth() {
	k_variant require-auth 'modparam("gcp", "require_auth", 1)' || return 1
	ring_1001 tagRa
	uac s picker_any.xml 5331 7001 -key fromhdr '<sip:2001@127.0.0.1>' -key xhdr "X-None: 0" -key contact_port 5341
	sw_last
	local r=$?
	expect "the picker's reply" "$(msg s '^SIP/2.0 [3-6]')" '^SIP/2.0 403 ' || r=1
	pickable || r=1
	sipp_kill_all
	k_back
	return $r
}

# item 6: a cfg that created the transaction itself (t_newtran()) before
# gcp_pickup(): the pickup goes on with it (it used to return 0: the
# picker got no reply at all)
modes_newtran_first() { echo inject; }
t_newtran_first() {
	k_variant newtran '' 's/^\(\t*\)gcp_pickup();/\1t_newtran();\n\1gcp_pickup();/' || return 1
	grep -B1 'gcp_pickup();' "$OUT/kamailio-newtran.cfg" | grep -q 't_newtran();' ||
		fail "the variant calls no t_newtran() before gcp_pickup()" || return 1
	ring_1001 tagNt
	pick p 7001 2001 5301 5302
	sw
	local r=$?
	picked_from p tagNt || r=1
	expect_no_calls || r=1
	k_back
	return $r
}

# item 10: a relative config_file is the cfg file's folder's (Kamailio
# works from "/" once started: it used to start with no groups)
modes_relative_config() { echo inject; }
t_relative_config() {
	cp "$ROOT/cfg/gcp.xml" "$OUT/relative-gcp.xml"
	k_variant relative 'modparam("gcp", "config_file", "relative-gcp.xml")' \
		's/^modparam("gcp", "config_file", GCP_CONFIG_FILE)$//' || return 1
	local out r=0
	out=$(kc gcp.member.list)
	expect "gcp.member.list" "$out" '1001' || r=1
	expect "the log" "$(cat "$KLOG")" "is relative to the cfg file: $OUT/relative-gcp.xml" || r=1
	k_back
	return $r
}

# item 9: max_ring_time does not cut off a pickup in flight: the call is
# tracked longer than max_ring_time while the picker's phone rings; the
# pickup is counted and its event runs
modes_claimed_not_expired() { echo inject; }
t_claimed_not_expired() {
	k_variant max-ring 'modparam("gcp", "max_ring_time", 2)' || return 1
	ring_1001 tagMr
	local before r=0
	before=$(stat picked)
	uas p-phone picker_phone_slow.xml 5302 -d 3000
	uac p picker_inject.xml 5301 7001 -key from 2001 -key contact_port 5302
	sw || r=1
	expect "the call on the picker's phone" "$(msg p-phone '^INVITE ')" '^From: .*;tag=tagMr' || r=1
	[ "$(stat picked)" -eq $((before + 1)) ] || fail "gcp:picked went from $before to $(stat picked)" || r=1
	expect "the log" "$(grep -F 'tagMr' "$T_DIR/c.msg" >/dev/null; grep 'picked up by sip:2001@' "$KLOG")" 'picked up by' || r=1
	k_back
	return $r
}

# item 2(c): a picker whose phone refused the injected call once can pick
# it up again (tm added no branch for the same URI: 487 and silence)
modes_retry_after_reject() { echo inject; }
t_retry_after_reject() {
	ring_1001 tagRr
	uas ph1 picker_phone_reject.xml 5302
	uac p1 picker_inject.xml 5301 7001 -key from 2001 -key contact_port 5302
	sleep 1.2
	pickable || return 1
	uas ph2 picker_phone.xml 5302
	uac p2 picker_inject.xml 5311 7001 -key from 2001 -key contact_port 5302
	sw || return 1
	expect "the call on the picker's phone" "$(msg ph2 '^INVITE ')" '^From: .*;tag=tagRr' || return 1
	expect_no_calls
}

# item 2(c), 3: every failed attempt costs a branch of the ringing call;
# after max_pickup_attempts (5) the call is not pickable, and a picker
# gets a clear 480 instead of 487 and silence (tm's branch limit, 12)
modes_attempts_capped() { echo inject; }
t_attempts_capped() {
	ring_1001 tagAc
	local i code
	for i in $(seq 1 12); do
		uas "ph$i" picker_phone_reject.xml $((5400 + i)) -timeout 3s
		uac "p$i" picker_any.xml $((5300 + i)) 7001 -key fromhdr '<sip:2001@127.0.0.1>' -key xhdr "X-None: 0" -key contact_port $((5400 + i))
		sw_last || return 1
		sleep 0.5 # the phone's refusal
		code=$(final_of "p$i")
		if [ "$i" -le 5 ]; then
			expect "attempt $i" "$code" '^SIP/2.0 487 ' || return 1
			expect "attempt $i's phone" "$(msg "ph$i" '^INVITE ')" 'tag=tagAc' || return 1
		else
			expect "attempt $i" "$code" '^SIP/2.0 480 ' || return 1
		fi
	done
	local r=0
	expect "gcp.calls" "$(kc gcp.calls | tr -s '\t\n' '  ')" "pickable: no .*state: pickup attempts used up" || r=1
	# the call rings on as without the module: end it with Kamailio
	sipp_kill_all
	k_back
	return $r
}

# item 2(a): a caller that lists replaces but sent no Contact: replaces
# mode cannot pick it up (480, and the group's next call is reached);
# auto mode picks it up by inject
modes_nocontact_caller() { echo replaces auto; }
t_nocontact_caller() {
	reg 1001 5101
	uas m member_picked.xml 5101
	uac c caller_nocontact.xml 5201 1001 -key from 3001 -key tag tagNc -key contact_port 5201 -d 300
	sleep 0.5
	if [ "$MODE" = auto ]; then
		expect_delivery inject || return 1
		auto_pick picker_inject.xml || return 1
		expect "the caller's 200" "$(msg c '^SIP/2.0 200')" '^Contact: <sip:picker@127.0.0.1:5302>' || return 1
		expect_no_calls
		return
	fi
	# replaces: not pickable; the group's other call is picked up instead
	local held_pids=("${SIPP_PIDS[@]}") r=0
	SIPP_PIDS=()
	SIPP_NAMES=()
	expect "gcp.calls" "$(kc gcp.calls | tr -s '\t\n' '  ')" "callee: 1001 .*pickable: no" || r=1
	reg 1002 5102
	uas m2 member_picked.xml 5102
	ring_picked c2 1002 3002 tagNd 5211
	sleep 0.5
	pick p 7001 2001 5301 5302
	sw || r=1
	picked_from p tagNd 5212 || r=1
	# the call without Contact rings on, as without the module
	kill "${held_pids[@]}" 2>/dev/null
	k_back
	return $r
}

# item 2(b): a forked call whose first ringing phone then refused: the
# Replaces INVITE names the early dialog of the phone that still rings
modes_forked_tag() { echo replaces; }
t_forked_tag() {
	reg 1001 5101
	kc ul.add location s:1001 sip:1001@127.0.0.1:5111 3600 1.0 s:0 0 0 255 >/dev/null
	uas m1 member_fork_busy.xml 5101 -d 300
	sleep 0.2
	uas m2 member_picked.xml 5111
	ring_picked c 1001 3001 tagFk 5201
	sleep 0.8
	pick p 7001 2001 5301 5302
	sw || return 1
	local inv
	inv=$(msg c-ua '^INVITE ')
	expect "Replaces INVITE" "$inv" '^Replaces: [^;]+;to-tag=tagFk;from-tag=member[0-9]+x1;early-only' || return 1
	expect_no_calls
}

# item 7: replaces mode sends the Replaces INVITE where a NATed caller's
# INVITE came from, not to the private address in its Contact
modes_nat_caller() { echo replaces; }
t_nat_caller() {
	reg 1001 5101
	uas m member_cancelled.xml 5101
	python3 "$ROOT/tests/sipp/tools/nat_caller.py" 5203 "$KADDR" 1001 "$T_DIR/nat.log" 6 &
	local nat=$!
	sleep 0.8
	uac p picker_replaces_refused.xml 5301 7001 -key from 2001 -key contact_port 5301
	wait "$nat"
	local r=$?
	sw || return 1
	[ "$r" -eq 0 ] || fail "no Replaces INVITE reached the caller's source address 127.0.0.1:5203" || return 1
	expect "the Replaces INVITE" "$(cat "$T_DIR/nat.log")" '^INVITE sip:3001@10\.255\.0\.9:5202' || return 1
	expect_no_calls
}

# item 4: auto mode: a picker that hangs up while the Replaces INVITE
# rings gets nothing later: no injected call on its phone; the call is
# pickable again
modes_auto_picker_cancel() { echo auto; }
t_auto_picker_cancel() {
	CUA_PORT=5209 auto_ring caller_ua_rings.xml tagPc
	# before the fix, the phone got the call after 2 x auto_timeout (4 s)
	udp_sink 5302 "$T_DIR/phone.raw" 6
	local sink=$SINK_PID
	uac p picker_cancel.xml 5301 7001 -key from 2001 -key contact_port 5302 -d 500
	sw_last || return 1
	sleep 0.3
	expect "gcp.calls after the cancelled pickup" "$(kc gcp.calls | tr -s '\t\n' '  ')" "callee: 1001 .*pickable: yes" || return 1
	wait "$sink"
	[ ! -s "$T_DIR/phone.raw" ] || fail "the picker's phone got: $(head -c 300 "$T_DIR/phone.raw")" || return 1
	# the next pickup gets the call (its UA is gone: inject after auto_timeout)
	auto_pick || return 1
	expect_caller_with_phone || return 1
	expect_no_calls
}

# item 3: gcp's shm does not grow with pickup attempts: 1000 failed
# attempts with an 8 kB From on one ringing call (the first ones reach the
# picker's phone, which refuses; then the call's attempts are used up):
# gcp's shm is back within 4 kB of its value before (it used to keep every
# attempt's context, picker From included, until the call ended: 8 MB)
modes_shm_attempts() { echo inject; }
gcp_shm_total() { kc mod.stats gcp shm | sed -n 's/^[[:space:]]*Total: *//p' | head -n 1; }
t_shm_attempts() {
	ring_1001 tagSh
	local before after pad i r=0
	before=$(gcp_shm_total)
	pad=$(head -c 8000 /dev/zero | tr '\0' 'a')
	python3 "$ROOT/tests/sipp/tools/busy_phone.py" 5302 12 >"$T_DIR/phone.out" &
	local phone=$!
	sipp -sf "$SCEN/picker_any.xml" -i 127.0.0.1 -p 5301 -m 1000 -r 200 -l 20 -s 7001 \
		-key fromhdr "<sip:2001@127.0.0.1;pad=$pad>" -key xhdr "X-None: 0" -key contact_port 5302 \
		-nostdin -timeout 60s -timeout_error "$KADDR" >"$T_DIR/p.out" 2>&1 || {
		fail "the 1000 pickers did not all end: $(tail -n 5 "$T_DIR/p.out")"
		r=1
	}
	for i in $(seq 1 50); do
		after=$(gcp_shm_total)
		[ $((after - before)) -le 4096 ] && break
		sleep 0.2
	done
	echo "gcp shm before $before, after 1000 attempts $after"
	wait "$phone"
	echo "the picker's phone refused $(cat "$T_DIR/phone.out") injected calls"
	[ $((after - before)) -le 4096 ] || fail "gcp shm grew by $((after - before)) bytes" || r=1
	expect "gcp.calls" "$(kc gcp.calls | tr -s '\t\n' '  ')" "pickable: no .*state: pickup attempts used up" || r=1
	sipp_kill_all
	k_back
	return $r
}

# item 5: the injected branch's index is the one tm gives it. The timer
# process that delivers the pickup stops at the entry of
# t_append_branches() while the member's phone refuses and the cfg's
# failure_route sends the call to voicemail (branch 1); the picker's
# branch comes after it (branch 2). The voicemail's answer is no pickup:
# not counted, no gcp:picked event (the index used to be read before
# tm's reply lock: it named the voicemail's branch)
modes_branch_index_locked() { echo inject; }
t_branch_index_locked() {
	local before r=0
	before=$(stat picked)
	# times from the caller's INVITE: pickup 0.4 s, delivery due 1.4 s
	# (inject_ack_timeout), held until 3.9 s; the member's phone refuses
	# at 2 s, the voicemail answers at 5 s
	pause_in_timer t_append_branches entry 2.5 || return 1
	reg 1001 5101
	uas m member_fork_busy.xml 5101 -d 2000
	uas vm voicemail.xml 5099 -d 3000
	uas p-phone member_picked.xml 5302
	uac c caller_picked.xml 5201 1001 -key from 3001 -key tag tagBi -key contact_port 5201 -d 300
	sleep 0.4
	# no ACK: the timer delivers the call after inject_ack_timeout
	uac p picker_inject_noack.xml 5301 7001 -key from 2001 -key contact_port 5302
	pause_done || r=1
	sw || r=1
	expect "the voicemail's INVITE" "$(msg vm '^INVITE ')" '^INVITE sip:vm-1001@' || r=1
	expect "the call on the picker's phone" "$(msg p-phone '^INVITE ')" 'tag=tagBi' || r=1
	sleep 0.5
	[ "$(stat picked)" -eq "$before" ] || fail "gcp:picked went from $before to $(stat picked): the voicemail's answer was taken for the pickup" || r=1
	expect_no_calls || r=1
	return $r
}

# item 11: auto mode's fallback is in its new phase before the picker
# gets its final reply, so the picker's ACK delivers the call at once.
# The caller's UA never answers the Replaces INVITE (nor the CANCEL); the
# timer process stops right after it has sent the picker its 487 (tm's
# t_reply()); the ACK arrives meanwhile. With inject_ack_timeout 8 s, the
# picker's phone gets the call within 3 s of its 487 (it used to wait
# for inject_ack_timeout: the ACK found the old phase)
modes_ack_before_reply() { echo auto; }
t_ack_before_reply() {
	k_variant ack-timeout 'modparam("gcp", "inject_ack_timeout", 8000)' || return 1
	local r=0 t487 tinv
	CUA_PORT=5209 auto_ring caller_ua_stall.xml tagAb
	pause_in_timer t_reply return 1 || { k_back; return 1; }
	auto_pick || r=1
	pause_done || r=1
	t487=$(msg_time p '^SIP/2.0 487')
	tinv=$(msg_time p-phone '^INVITE ')
	echo "the picker's 487 at $t487, the call on its phone at $tinv"
	[ -n "$t487" ] && [ -n "$tinv" ] || fail "no 487 or no call on the phone" || r=1
	[ $r -eq 0 ] && { awk -v a="$t487" -v b="$tinv" 'BEGIN { exit !(b - a < 3) }' ||
		fail "the call reached the picker's phone $(echo "$tinv - $t487" | bc) s after its 487"; } || r=1
	expect_caller_with_phone || r=1
	expect_no_calls || r=1
	k_back
	return $r
}
