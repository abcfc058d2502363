#!/usr/bin/env bash
# The interop suite: real SIP clients from Debian (baresip, linphonec,
# twinkle-console) in the caller's, the member's and the picker's seat of a
# group call pickup, in every pickup mode, with SIPp playing the other
# parties, through a real Kamailio running cfg/kamailio.cfg.
#
# Each test asserts on what crossed the wire (a tcpdump capture of
# loopback, decoded by wire.py) and on the client's own view of its call
# (what it printed or logged), compares what happened with what is
# expected of that client, and writes one row to $OUT/results.tsv, from
# which gen-doc.py writes docs/INTEROP.md.
#
# Prints "PASS/FAIL <client> <seat> <mode> ..." and ends with
# "interop: N passed, N failed". GCP_INTEROP_CLIENTS="baresip" and
# GCP_INTEROP_MODES="inject" narrow the run; GCP_INTEROP_DOC=1 also writes
# docs/INTEROP.md (python3 tests/interop/gen-doc.py does it at any time).
set -u
cd "$(dirname "$0")"
. ./lib.sh

RESULTS=$OUT/results.tsv

# ---- what each client is expected to do (an ERE on the outcome) -------
# The outcome of a test is a short code, built from what crossed the wire:
#   connected-inject    the caller's own call was answered by the picker's phone
#   connected-replaces  the Replaces INVITE was answered (picker <-> caller)
#   not-pickable        the picker got 480: the call could not be picked up
#   rings / stalls / refused-N / second-call: what the caller's UA did with
#                       the Replaces INVITE (see describe())
#   call-dropped-N      the proxy ended the caller's own call with N
#   200-ignored         the caller's UA never acknowledged the 200 it got
#   cancelled-elsewhere the member's phone was cancelled with cause=200
#   rings+answered-by-hand / auto-answered / fallback+...: the picker's phone
# Auto mode must connect every caller to the picker, whatever its UA does.
declare -A EXPECT=(
	[caller/inject]='^connected-inject$'
	[caller/auto]='(^|\+)connected-(inject|replaces)$'
	# Twinkle 1.10 drops its own call as soon as it matches the Replaces
	# header, answers the Replaces INVITE with 100 only, and then ignores
	# the 200 of the fallback (auto-ua-any: no_replaces_ua="" shows it).
	# With the default no_replaces_ua ("Twinkle/") it never sees a
	# Replaces INVITE: auto injects at once.
	[twinkle/caller/auto]='^connected-inject$'
	[twinkle/caller/auto-ua-any]='^stalls\+200-ignored$'
	[baresip/caller/replaces]='^not-pickable$'
	[baresip/caller/replaces-any]='^rings$'
	[linphone/caller/replaces]='^rings$'
	# its User-Agent matches no_replaces_ua; with require_replaces=0 gcp
	# sends the Replaces INVITE anyway, and Twinkle stalls on it
	[twinkle/caller/replaces]='^not-pickable-ua$'
	[twinkle/caller/replaces-any]='^stalls$'
	[member/inject]='^cancelled-elsewhere$'
	[member/replaces]='^cancelled-elsewhere$'
	[member/auto]='^cancelled-elsewhere$'
	[picker/inject]='^rings\+answered-by-hand$'
	[picker-aa/inject]='^auto-answered$'
	[picker/replaces]='^connected-replaces$'
	[picker/auto]='^connected-replaces$'
	[picker-refused/auto]='^fallback-481\+auto-answered$'
)

expected() { # <client> <seat> <mode>
	echo "${EXPECT[$1/$2/$3]:-${EXPECT[$2/$3]:-}}"
}

# ---- helpers on the capture --------------------------------------------
# flow lines (before the "hangup" marker, when there is one)
flow_pre() {
	awk '$2 == "MARK" && $3 == "hangup" { exit } { print }' "$T_DIR/wire.flow"
}
# the Call-ID of the first request <start> from <src> to <dst>
first_cid() { # <src> <dst> <start line regexp>
	flow_pre | awk -F' [|] ' -v src="$1" -v dst="$2" -v re="$3" '
		{ split($1, f, " "); line = $1; sub(/^[^ ]+ [^ ]+ -> [^ ]+ /, "", line) }
		f[2] == src && f[4] == dst && line ~ re { print $2; exit }'
}
# the status codes <src> sent to <dst> for INVITE <cid>, in order
codes() { # <src> <dst> <call-id> [all: also after the hangup marker]
	{ if [ "${4:-}" = all ]; then cat "$T_DIR/wire.flow"; else flow_pre; fi; } |
		awk -F' [|] ' -v src="$1" -v dst="$2" -v cid="$3" '
		{ split($1, f, " ") }
		f[2] == src && f[4] == dst && f[5] == "SIP/2.0" && $2 == cid && $3 ~ / INVITE$/ { printf "%s ", f[6] }' |
		sed 's/ $//'
}
# did <src> send request <method> to <dst> for <cid> (before the marker)?
sent() { # <src> <dst> <method> <call-id>
	flow_pre | awk -F' [|] ' -v src="$1" -v dst="$2" -v m="$3" -v cid="$4" '
		{ split($1, f, " ") }
		f[2] == src && f[4] == dst && f[5] == m && $2 == cid { found = 1 }
		END { exit !found }'
}
final_of() { # <codes>: the first final code in a list
	local x
	for x in $1; do
		[ "$x" -ge 200 ] && { echo "$x"; return; }
	done
}
has_code() { [[ " $1 " == *" $2 "* ]]; }
# the port in the Contact of a message on stdin
contact_port() { hdr Contact | sed -n 's/.*@[^:>;]*:\([0-9]*\).*/\1/p; s/^<sip:[0-9.]*:\([0-9]*\).*/\1/p' | head -n 1; }
final_line() { # <src> <dst> <call-id>: "code reason" of the final reply to that INVITE
	awk -F' [|] ' -v src="$1" -v dst="$2" -v cid="$3" '
		{ split($1, f, " ") }
		f[2] == src && f[4] == dst && f[5] == "SIP/2.0" && f[6] >= 200 && $2 == cid && $3 ~ / INVITE$/ {
			line = $1; sub(/^[^ ]+ [^ ]+ -> [^ ]+ SIP\/2.0 /, "", line); print line; exit }' "$T_DIR/wire.flow"
}
reason_to_member() { # the Reason of the CANCEL the proxy sent to <port>
	wmsg "$KPORT" "$1" '^CANCEL ' | hdr Reason
}

# wait until the call to 1001 rings in gcp's table (pickable or not)
wait_tracked() {
	local i
	for i in $(seq 1 60); do
		# ringing (its 180 seen), pickable or not: a pickup before that gets
		# 480 (CI saw twinkle's INVITE 3 ms after the caller's, before the 180)
		kc gcp.calls 2>/dev/null | grep 'state: ' | grep -vq 'state: not ringing yet' && return 0
		sleep 0.1
	done
	return 1
}

# wait for the picker's phone: done, or no call for it within a second
wait_phone() {
	local end=$((SECONDS + 5)) start=$SECONDS
	while ! party_wait phone 0; do
		if [ $((SECONDS - start)) -ge 1 ] && ! grep -q '^INVITE ' "$T_DIR/phone.msg" 2>/dev/null; then
			return
		fi
		[ $SECONDS -ge $end ] && return
		sleep 0.2
	done
}

# ---- descriptions --------------------------------------------------------
describe() { # <outcome code> [seat]: words for the matrix
	local part out="" seat=${2:-}
	local IFS='+'
	for part in $1; do
		case $part in
		connected-inject) part="connected to the picker's phone: an ordinary 200 on its own call (inject)" ;;
		connected-replaces) part="connected: the Replaces INVITE was answered" ;;
		not-pickable) part="not pickable: its INVITE lists no \`replaces\` (require_replaces=1), the picker gets 480" ;;
		not-pickable-ua) part="not pickable: its INVITE lists \`replaces\`, but its User-Agent matches \`no_replaces_ua\` (require_replaces=1), the picker gets 480" ;;
		rings)
			if [[ $seat == picker* ]]; then
				part="its pickup INVITE gets 487 Pickup in progress, then the picked-up call rings on it: it honours none of the auto-answer headers"
			else
				part="the Replaces INVITE rings as a second incoming call (180) and is never answered"
			fi
			;;
		stalls) part="matches the early dialog and drops its own call (\"End call due to Replaces header\"), answers the Replaces INVITE with 100 and then nothing, not even the CANCEL; it never cancels its own call either, which rings on at the member until the proxy gives up" ;;
		second-call) part="answers the Replaces INVITE as a second call, its own call keeps ringing" ;;
		refused-*) part="refuses the Replaces INVITE (${part#refused-})" ;;
		call-dropped-*) part="gcp ends its own call (the proxy sends it ${part#call-dropped-} and cancels the member with cause=200) although nobody took it: nobody is connected" ;;
		200-ignored) part="the 200 from the picker's phone reaches it and it never acknowledges it (its own call is gone): not connected" ;;
		cancelled-elsewhere) part="rings; cancelled with Reason: SIP;cause=200;text=\"Call completed elsewhere\"; the caller ends up with the picker" ;;
		answered-by-hand) part="answered by hand: connected to the caller" ;;
		auto-answered)
			if [ "$seat" = picker-aa ] || [ "$seat" = picker-refused ]; then
				part="with its own auto-answer setting on, it answers the picked-up call: connected to the caller"
			else
				part="answers the picked-up call by itself (auto-answer header honoured): connected to the caller"
			fi
			;;
		fallback-*) part="its pickup INVITE fails (${part#fallback-}, the caller's UA refused Replaces), then the call is injected" ;;
		no-call) part="the picked-up call never reaches it" ;;
		not-connected) part="not connected" ;;
		none) part="nothing conclusive happened" ;;
		esac
		out="${out:+$out; then }$part"
	done
	echo "$out"
}

# ---- the seats -----------------------------------------------------------
# Each sets OUTCOME (a code), EVIDENCE (what crossed the wire) and VIEW
# (what the client reported), and returns non-zero only for broken
# invariants of the module (the outcome is compared afterwards).

# The client calls 1001 (a SIPp phone that rings); a SIPp picker dials 7001
# (its phone, another SIPp, answers what it is given).
t_caller() {
	local c=$CLIENT cp=${CL_PORT[$CLIENT]} rc=0
	reg 1001 $P_MEMBER
	party member interop_member.xml $P_MEMBER $MP_MEMBER $CP_MEMBER
	cl_start "$c" 3001 0 0 || return 1
	cl_dial "$c" sip:1001@127.0.0.1
	wait_tracked || { echo "  the call to 1001 never rang"; return 1; }
	party phone interop_phone.xml $P_PHONE $MP_PHONE $CP_PHONE -key user 2001
	call_party picker interop_picker.xml $P_PICKER $MP_PICKER $CP_PICKER 7001 \
		-key from 2001 -key contact_port $P_PHONE
	party_wait picker 15
	wait_phone
	# gcp checks 1 s after a failed pickup what became of the caller's call
	sleep 1.5
	mark hangup
	cl_hangup "$c"
	party_wait member 2
	sleep 0.3
	finish_test

	local cid pfinal repinv repcid repcodes ccodes cfinal ok200 phase="" final=""
	cid=$(first_cid "$cp" "$KPORT" '^INVITE sip:1001@')
	[ -n "$cid" ] || { echo "  the client sent no INVITE to 1001"; return 1; }
	pfinal=$(final_line "$KPORT" $P_PICKER "$(first_cid $P_PICKER "$KPORT" '^INVITE sip:7001')")
	repinv=$(wmsg "$KPORT" "$cp" '^INVITE ' 1 'Replaces:')
	repcid=$(hdr Call-ID <<<"$repinv")
	ccodes=$(codes "$KPORT" "$cp" "$cid")
	cfinal=$(final_of "$ccodes")
	if [ "${pfinal%% *}" = 480 ]; then
		phase=not-pickable
		# it lists replaces, yet gcp may not send it a Replaces INVITE:
		# its User-Agent matches no_replaces_ua
		wmsg "$cp" "$KPORT" '^INVITE sip:1001@' | hdr Supported | grep -qiw replaces &&
			phase=not-pickable-ua
	elif [ -n "$repcid" ]; then
		repcodes=$(codes "$cp" "$KPORT" "$repcid" all)
		local rfinal
		rfinal=$(final_of "$repcodes")
		if [ "$rfinal" = 200 ]; then
			if sent "$cp" "$KPORT" CANCEL "$cid"; then phase=replaced; else phase=second-call; fi
		elif [ -n "$rfinal" ] && ! sent "$KPORT" "$cp" CANCEL "$repcid"; then
			phase=refused-$rfinal
		elif has_code "$repcodes" 180 || has_code "$repcodes" 183; then
			phase=rings
		else
			phase=stalls
		fi
	fi
	if [ "$cfinal" = 200 ]; then
		ok200=$(wmsg "$KPORT" "$cp" '^SIP/2.0 200' 1 "Call-ID: $cid")
		if [ "$(contact_port <<<"$ok200")" = "$P_PHONE" ]; then
			if sent "$cp" "$KPORT" ACK "$cid"; then final=connected-inject; else final=200-ignored; fi
		else
			final=connected-other
		fi
	elif [ "$phase" = replaced ]; then
		final=connected-replaces
		phase=""
	elif [ -n "$cfinal" ] && ! sent "$cp" "$KPORT" CANCEL "$cid"; then
		final=call-dropped-$cfinal
	fi
	[ "$phase" = replaced ] && phase=""
	OUTCOME=$(echo "$phase+$final" | sed 's/^+//; s/+$//')
	[ -n "$OUTCOME" ] || OUTCOME=none

	local rtpph rtppk reason
	rtpph=$(rtp "${CL_RTP[$c]}" $((CL_RTP[$c] + 9)) $MP_PHONE)
	rtppk=$(rtp "${CL_RTP[$c]}" $((CL_RTP[$c] + 9)) $MP_PICKER)
	reason=$(reason_to_member $P_MEMBER)
	EVIDENCE="picker's INVITE: ${pfinal:-no final reply}"
	sent $P_PICKER "$KPORT" CANCEL "$(first_cid $P_PICKER "$KPORT" '^INVITE sip:7001')" &&
		EVIDENCE+=" (the picker gave up after 6 s and cancelled)"
	[ -n "$repcid" ] && EVIDENCE+="; Replaces INVITE to the client: $(hdr Replaces <<<"$repinv"), client replied: ${repcodes:-nothing}"
	grep -q '^INVITE ' "$T_DIR/phone.msg" 2>/dev/null && EVIDENCE+="; the call was injected to the picker's phone"
	EVIDENCE+="; replies to the client's own INVITE (before it hung up): ${ccodes:-none}"
	[ "$final" = connected-inject ] && EVIDENCE+=" (200 from the picker's phone :$P_PHONE, ACKed)"
	[ "$rtpph" -gt 0 ] && EVIDENCE+="; client RTP to the picker's phone: $rtpph packets"
	[ "$rtppk" -gt 0 ] && EVIDENCE+="; client RTP to the picker: $rtppk packets"
	if sent "$KPORT" $P_MEMBER CANCEL "$cid"; then
		EVIDENCE+="; CANCEL to the member: Reason: ${reason:-none}"
	elif [ -n "$(wmsg "$KPORT" "$P_MEMBER" '^CANCEL ')" ]; then
		EVIDENCE+="; CANCEL to the member only after the client hung up${reason:+ (Reason: $reason)}"
	else
		EVIDENCE+="; no CANCEL to the member: the call still rang there when the test ended"
	fi
	VIEW=$(cl_view "$c" | paste -sd ';' - | sed 's/;/; /g')

	# invariants of the module: a connected call cancels the member with
	# cause=200; nothing stays in gcp's table
	if [[ $OUTCOME == *connected* ]] && [[ $reason != *cause=200* ]]; then
		echo "  the member's CANCEL lacks cause=200: '$reason'"
		rc=1
	fi
	return $rc
}

# The client is 1001 and rings; a SIPp caller calls it, a SIPp picker picks.
t_member() {
	local c=$CLIENT cp=${CL_PORT[$CLIENT]} rc=0 cport=$P_CALLERUA
	[ "$MODE" = inject ] && cport=$P_CALLER
	cl_start "$c" 1001 1 0 || return 1
	[ "$MODE" != inject ] && party callerua interop_phone.xml $P_CALLERUA $MP_CALLERUA $CP_CALLERUA -key user 3001
	call_party caller interop_caller.xml $P_CALLER $MP_CALLER $CP_CALLER 1001 \
		-key from 3001 -key tag callerM -key contact_port $cport
	wait_tracked || { echo "  the call to 1001 never rang"; return 1; }
	if [ "$MODE" = inject ]; then
		party phone interop_phone.xml $P_PHONE $MP_PHONE $CP_PHONE -key user 2001
		call_party picker interop_picker.xml $P_PICKER $MP_PICKER $CP_PICKER 7001 \
			-key from 2001 -key contact_port $P_PHONE
	else
		call_party picker interop_picker.xml $P_PICKER $MP_PICKER $CP_PICKER 7001 \
			-key from 2001 -key contact_port $P_PICKER
	fi
	party_wait picker 12
	party_wait caller 8
	mark hangup
	[ "$c" = linphone ] && { cl_cmd linphone call-logs; sleep 0.3; }
	finish_test

	local cid ccodes reason connected=no
	cid=$(first_cid "$KPORT" "$cp" '^INVITE sip:1001')
	[ -n "$cid" ] || { echo "  the call never reached the client"; return 1; }
	ccodes=$(codes "$cp" "$KPORT" "$cid")
	reason=$(wmsg "$KPORT" "$cp" '^CANCEL ' | hdr Reason)
	if [ "$MODE" = inject ]; then
		[ "$(msg caller '^SIP/2.0 200' | contact_port)" = "$P_PHONE" ] && connected=yes
	else
		[ "$(msg picker '^SIP/2.0 200' | contact_port)" = "$P_CALLERUA" ] && connected=yes
	fi
	if has_code "$ccodes" 200; then
		OUTCOME=answered
	elif ! sent "$KPORT" "$cp" CANCEL "$cid"; then
		OUTCOME=not-cancelled
	elif [[ $reason != *cause=200* ]]; then
		OUTCOME=cancelled-without-cause-200
	elif [ "$connected" != yes ]; then
		OUTCOME=not-connected
	else
		OUTCOME=cancelled-elsewhere
	fi
	EVIDENCE="the client replied to the call: $ccodes; CANCEL to the client: ${reason:+Reason: $reason}; the caller connected to the picker: $connected"
	VIEW=$(cl_view "$c" | paste -sd ';' - | sed 's/;/; /g')
	return $rc
}

# The client is 2001 and dials 7001 while a SIPp caller rings 1001 (a SIPp
# phone). VARIANT: "" (no auto-answer set: answered by hand if it rings),
# aa (the client's own auto-answer on), refused (aa, and the caller's UA
# refuses Replaces: auto mode falls back to inject).
t_picker() {
	local c=$CLIENT cp=${CL_PORT[$CLIENT]} rc=0 aa=0 cport=$P_CALLERUA
	[ -n "$VARIANT" ] && aa=1
	[ "$MODE" = inject ] && cport=$P_CALLER
	cl_start "$c" 2001 1 $aa || return 1
	reg 1001 $P_MEMBER
	party member interop_member.xml $P_MEMBER $MP_MEMBER $CP_MEMBER
	if [ "$VARIANT" = refused ]; then
		party callerua interop_refuse.xml $P_CALLERUA $MP_CALLERUA $CP_CALLERUA
	elif [ "$MODE" != inject ]; then
		party callerua interop_phone.xml $P_CALLERUA $MP_CALLERUA $CP_CALLERUA -key user 3001
	fi
	# The client dials only after the call rings; a loaded machine can keep a
	# softphone's "call" command for seconds (CI saw twinkle take over 4 s and
	# the caller give up first), so this caller waits 8 s, not 4 s.
	sed 's/timeout="4000" ontimeout="cancel"/timeout="8000" ontimeout="cancel"/' \
		"$(scen_path interop_caller.xml)" >"$T_DIR/caller_patient.xml"
	grep -q 'timeout="8000"' "$T_DIR/caller_patient.xml" ||
		{ echo "  interop_caller.xml no longer has its 4 s patience to raise"; return 1; }
	call_party caller "$T_DIR/caller_patient.xml" $P_CALLER $MP_CALLER $CP_CALLER 1001 \
		-key from 3001 -key tag callerP -key contact_port $cport
	wait_tracked || { echo "  the call to 1001 never rang"; return 1; }
	cl_dial "$c" sip:7001@127.0.0.1
	local i injected=no
	if [ "$MODE" = inject ] || [ "$VARIANT" = refused ]; then
		# the picked-up call comes to the client's phone
		for i in $(seq 1 30); do
			tcpdump_has_invite_to "$cp" && { injected=yes; break; }
			sleep 0.1
		done
		if [ -z "$VARIANT" ] && [ $injected = yes ]; then
			# give it a second to answer by itself, then answer by hand
			sleep 1
			mark answer
			cl_answer "$c"
		fi
	fi
	party_wait caller 12
	party_wait callerua 4
	mark hangup
	cl_hangup "$c"
	party_wait member 4
	sleep 0.2
	finish_test

	local cid7 pcodes injinv injcid icodes amark reason hdrs="" connected=no
	cid7=$(first_cid "$cp" "$KPORT" '^INVITE sip:7001@')
	[ -n "$cid7" ] || { echo "  the client did not dial 7001"; return 1; }
	pcodes=$(codes "$KPORT" "$cp" "$cid7" all)
	injinv=$(wmsg "$KPORT" "$cp" '^INVITE ' 1 'From: <sip:3001@')
	injcid=$(hdr Call-ID <<<"$injinv")
	reason=$(reason_to_member $P_MEMBER)
	if [ -n "$injcid" ]; then
		icodes=$(codes "$cp" "$KPORT" "$injcid" all)
		grep -q '^Call-Info:.*answer-after=0' <<<"$injinv" && hdrs+=" Call-Info"
		grep -q '^Alert-Info:.*info=alert-autoanswer' <<<"$injinv" && hdrs+=" Alert-Info"
		grep -q '^Answer-Mode: *Auto' <<<"$injinv" && hdrs+=" Answer-Mode"
		[ "$(msg caller '^SIP/2.0 200' | contact_port)" = "$cp" ] && connected=yes
		# answered before the hand did it?
		amark=$(awk -v cid="$injcid" -v cp="$cp" -F' [|] ' '
			$1 ~ / MARK answer/ { print "after"; exit }
			{ split($1, f, " ") } f[2] == cp && f[6] == "200" && $2 == cid { print "before"; exit }' "$T_DIR/wire.flow")
		local pfinal
		pfinal=$(final_of "$pcodes")
		if [ "$connected" != yes ]; then
			has_code "$icodes" 180 && OUTCOME=rings+not-connected || OUTCOME=not-connected
		elif [ "$amark" = after ]; then
			OUTCOME=rings+answered-by-hand
		else
			OUTCOME=auto-answered
		fi
		[ "$VARIANT" = refused ] && OUTCOME=fallback-$pfinal+$OUTCOME
	else
		if [ "$(final_of "$pcodes")" = 200 ] &&
			[ "$(wmsg "$KPORT" "$cp" '^SIP/2.0 200' 1 "Call-ID: $cid7" | contact_port)" = "$P_CALLERUA" ] &&
			sent "$cp" "$KPORT" ACK "$cid7"; then
			OUTCOME=connected-replaces
			connected=yes
		else
			OUTCOME=no-call
		fi
	fi
	local rtpc rtpu
	rtpc=$(rtp "${CL_RTP[$c]}" $((CL_RTP[$c] + 9)) $MP_CALLER)
	rtpu=$(rtp "${CL_RTP[$c]}" $((CL_RTP[$c] + 9)) $MP_CALLERUA)
	EVIDENCE="replies to the client's INVITE to 7001: ${pcodes:-none}"
	if [ -n "$injcid" ]; then
		EVIDENCE+="; the picked-up call reached the client with auto-answer headers:${hdrs:- none}; the client replied: $icodes"
		[ "$amark" = after ] && EVIDENCE+=" (200 only after the answer by hand)"
	fi
	[ "$rtpc" -gt 0 ] && EVIDENCE+="; client RTP to the caller: $rtpc packets"
	[ "$rtpu" -gt 0 ] && EVIDENCE+="; client RTP to the caller's UA: $rtpu packets"
	EVIDENCE+="; CANCEL to the member: ${reason:+Reason: $reason}"
	VIEW=$(cl_view "$c" | paste -sd ';' - | sed 's/;/; /g')
	if [ "$connected" = yes ] && [[ $reason != *cause=200* ]]; then
		echo "  the member's CANCEL lacks cause=200: '$reason'"
		rc=1
	fi
	return $rc
}

# while the capture runs: has the proxy sent the client an INVITE from the caller?
tcpdump_has_invite_to() {
	grep -q "INVITE sip:2001" "$T_DIR/$CLIENT/out.txt" 2>/dev/null && return 0
	grep -q "Receiving new incoming call\|Line [0-9]*: incoming call\|Incoming call from\|answering call" \
		"$T_DIR/$CLIENT/out.txt" 2>/dev/null
}

# stop the client and the parties, close the capture, decode it
finish_test() {
	cl_stop "$CLIENT"
	parties_end 1
	cap_stop
}

# ---- running -------------------------------------------------------------
run_test() { # <client> <seat> <mode> [variant]
	CLIENT=$1 SEAT=$2 MODE=$3 VARIANT=${4:-}
	local key=$SEAT
	[ -n "$VARIANT" ] && key=$SEAT-$VARIANT
	T_DIR=$OUT/$MODE/$CLIENT-$key
	rm -rf "$T_DIR"
	mkdir -p "$T_DIR"
	OUTCOME=none EVIDENCE="" VIEW=""
	local start=$SECONDS rc exp verdict line
	cap_start >"$T_DIR/test.log" 2>&1 || { t_fail "$CLIENT $key $MODE: no capture"; return; }
	(
		set +e
		MODE=$MODE
		"t_$SEAT"
		r=$?
		[ -f "$T_DIR/wire.flow" ] || finish_test
		printf '%s\n%s\n%s\n' "$OUTCOME" "$EVIDENCE" "$VIEW" >"$T_DIR/outcome"
		exit $r
	) >>"$T_DIR/test.log" 2>&1
	rc=$?
	# nothing of this test may leak into the next one
	pkill -f -- "$T_DIR/" 2>/dev/null
	CAP_PID=
	unreg_all
	kc ul.rm location s:2001 >/dev/null 2>&1
	kc ul.rm location s:3001 >/dev/null 2>&1
	check_table || rc=1
	{ read -r OUTCOME; read -r EVIDENCE; read -r VIEW; } <"$T_DIR/outcome" 2>/dev/null
	exp=$(expected "$CLIENT" "$key" "$MODE")
	verdict=PASS
	if [ $rc -ne 0 ]; then
		verdict=FAIL
	elif [ -z "$exp" ] || ! grep -Eq -- "$exp" <<<"$OUTCOME"; then
		verdict=FAIL
		echo "  outcome '$OUTCOME' is not the expected /$exp/" >>"$T_DIR/test.log"
	fi
	line=$(printf '%-8s %-15s %-12s %-32s %3ds' "$CLIENT" "$key" "$MODE" "$OUTCOME" $((SECONDS - start)))
	if [ $verdict = PASS ]; then t_pass "$line"; else t_fail "$line"; fi
	if [ $verdict = FAIL ]; then
		sed 's/^/    /' "$T_DIR/test.log" | grep -v '^    $' | tail -n 15
		echo "    observed: $(describe "$OUTCOME" "$key")"
		echo "    wire: $EVIDENCE"
		echo "    client: $VIEW"
	fi
	local works=no
	[[ $OUTCOME == *connected* || $OUTCOME == *answered* || $OUTCOME == cancelled-elsewhere ]] && works=yes
	[[ $OUTCOME == *call-dropped* || $OUTCOME == *not-connected* || $OUTCOME == *200-ignored* ]] && works=no
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$CLIENT" "$(cl_version "$CLIENT")" "$key" "$MODE" \
		"$verdict" "$works" "$OUTCOME" "$(describe "$OUTCOME" "$key")" "$EVIDENCE" "$VIEW" >>"$RESULTS"
}

# gcp's table must be empty again, unless a caller's call is really still
# ringing (its UA never ended it: the proxy's timers will): then Kamailio is
# restarted, so that the next test starts clean
check_table() {
	local i calls cid leak=0
	for i in $(seq 1 8); do
		calls=$(kc gcp.calls 2>/dev/null)
		[ -z "$calls" ] && return 0
		sleep 0.25
	done
	for cid in $(sed -n 's/^[[:space:]]*callid: //p' <<<"$calls"); do
		if awk -F' [|] ' -v cid="$cid" -v k="$KPORT" '{ split($1, f, " ") }
			f[2] == k && f[5] == "SIP/2.0" && f[6] >= 200 && $2 == cid && $3 ~ / INVITE$/ { found = 1 }
			END { exit !found }' "$T_DIR/wire.flow"; then
			echo "  gcp.calls still lists call $cid, which has ended:" >>"$T_DIR/test.log"
			leak=1
		else
			echo "  (call $cid is still ringing: its caller never ended it; restarting Kamailio)" >>"$T_DIR/test.log"
		fi
	done
	echo "$calls" | sed 's/^/    /' >>"$T_DIR/test.log"
	k_restart
	return $leak
}

k_restart() {
	k_stop
	[ -s "$KLOG" ] && cp "$KLOG" "$OUT/kamailio-$KMODE-$(date +%s).log"
	case $KMODE in
	replaces-any) k_start_with replaces 'modparam("gcp", "require_replaces", 0)' ;;
	auto-ua-any) k_start_with auto 'modparam("gcp", "no_replaces_ua", "")' ;;
	*) k_start "$KMODE" ;;
	esac
}

cl_stop_all() {
	local c
	for c in $CLIENTS; do cl_stop "$c"; done
}

# Kamailio with a variant of cfg/kamailio.cfg: k_start_with <mode> <modparam line>
k_start_with() {
	K_CFG=$(variant_cfg "$1" "$2") k_start "$1"
}

preflight() {
	local ok=0 p
	for p in baresip linphonec twinkle-console sipp kamailio kamcmd tcpdump python3; do
		command -v "$p" >/dev/null 2>&1 || { echo "interop: $p is missing (tests/interop/setup.sh installs the clients)"; ok=1; }
	done
	[ -f "$ROOT/modules/gcp/gcp.so" ] || { echo "interop: modules/gcp/gcp.so is not built (make)"; ok=1; }
	if [ $ok -eq 0 ] && ! timeout 2 tcpdump -i lo -c 1 -w /dev/null 2>&1 | grep -q 'listening on'; then
		echo "interop: tcpdump cannot capture on lo (it needs root or CAP_NET_RAW)"
		ok=1
	fi
	return $ok
}

cleanup() {
	cl_stop_all 2>/dev/null
	[ ${#PARTY_PIDS[@]} -gt 0 ] && parties_end 0
	[ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null
	k_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! preflight; then
	bash ./setup.sh >/dev/null 2>&1
	preflight || { echo "interop: 0 passed, 1 failed"; exit 1; }
fi
cleanup_leftovers
mkdir -p "$OUT"
printf 'client\tversion\tseat\tmode\tverdict\tworks\toutcome\tobserved\twire\tclient_view\n' >"$RESULTS"

clients=${GCP_INTEROP_CLIENTS:-$CLIENTS}
modes=${GCP_INTEROP_MODES:-"inject replaces replaces-any auto auto-ua-any"}
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kamailio: $(kamailio -v 2>/dev/null | sed -n 's/^version: //p' | head -n 1)"
	echo "sipp: $(sipp -v 2>/dev/null | grep -o 'SIPp v[^ ]*' | head -n 1 | sed 's/\.$//')"
	echo "gcp.so: $(sha256sum "$ROOT/modules/gcp/gcp.so" | cut -c1-12)"
	echo "module: $(git -C "$ROOT" log -1 --format='%h %cd' --date=short 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- modules cfg 2>/dev/null || echo ' + uncommitted changes')"
} >"$OUT/run-info.txt"

for mode in $modes; do
	cp "$ROOT/cfg/gcp.xml" "$OUT/gcp.xml"
	KMODE=$mode
	k_restart || { t_fail "kamailio-start $mode"; continue; }
	for c in $clients; do
		case $mode in
		inject)
			run_test "$c" caller inject
			run_test "$c" member inject
			run_test "$c" picker inject
			run_test "$c" picker inject aa
			;;
		replaces)
			run_test "$c" caller replaces
			run_test "$c" member replaces
			run_test "$c" picker replaces
			;;
		replaces-any)
			# what require_replaces=0 changes: only for a caller that is
			# not pickable with require_replaces=1
			[ "$c" != linphone ] && run_test "$c" caller replaces-any
			;;
		auto)
			run_test "$c" caller auto
			run_test "$c" member auto
			run_test "$c" picker auto
			run_test "$c" picker auto refused
			;;
		auto-ua-any)
			# why no_replaces_ua names Twinkle: auto without that check
			[ "$c" = twinkle ] && run_test "$c" caller auto-ua-any
			;;
		esac
	done
	k_stop
	cp "$KLOG" "$OUT/kamailio-$mode.log"
done

# keep every full run: gen-doc.py shows where runs of the same module differ
if [ -z "${GCP_INTEROP_CLIENTS:-}${GCP_INTEROP_MODES:-}" ]; then
	mkdir -p "$OUT/history"
	stamp=$(date -u +%Y%m%dT%H%M%S)
	cp "$RESULTS" "$OUT/history/$stamp.tsv"
	cp "$OUT/run-info.txt" "$OUT/history/$stamp.info"
fi
# GCP_INTEROP_DOC=1: also rewrite docs/INTEROP.md from these results
[ "${GCP_INTEROP_DOC:-0}" = 1 ] && python3 ./gen-doc.py "$RESULTS" "$ROOT/docs/INTEROP.md"
t_summary interop
