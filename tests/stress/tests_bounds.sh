#!/usr/bin/env bash
# The stress suite's bounds (tests/stress/run.sh sources this): calls at and
# over each of the module's limits (inject), and max_calls (a Kamailio of
# its own).

# the module's log line names the string: "its From tag has 65 bytes, over
# the limit of 64"
TOO_LONG='not tracked: its .* has [0-9]+ bytes, over the limit of [0-9]+'
# a limit of modules/gcp/gcp_limits.h (the test fails when it is gone)
limit() {
	local v
	v=$(sed -n "s/^#define $1 \([0-9]*\).*/\1/p" "$ROOT/modules/gcp/gcp_limits.h")
	[ -n "$v" ] || { echo "  no $1 in gcp_limits.h" >&2; echo 0; return 1; }
	echo "$v"
}

t_bounds() {
	local cid255 cid256 lim
	reg 1015 6165
	# Call-ID: GCP_MAX_CALLID
	lim=$(limit GCP_MAX_CALLID) || return 1
	# -%u: "-1", the call number
	cid255=$(pad $((lim - 2)) c)-%u
	cid256=$(pad $((lim - 1)) d)-%u
	echo "Call-ID of $lim bytes: tracked"
	bound_call cid-limit 1 '' -key from 3001 -key tag b1 -key contact_port 6265 -cid_str "$cid255" || return 1
	echo "Call-ID of $((lim + 1)) bytes: not tracked"
	FIELD=Call-ID bound_call cid-over 0 "call d{60}.*$TOO_LONG" -key from 3001 -key tag b2 -key contact_port 6265 -cid_str "$cid256" || return 1
	# From tag: GCP_MAX_TAG
	lim=$(limit GCP_MAX_TAG) || return 1
	echo "From tag of $lim bytes: tracked"
	bound_call tag-limit 1 '' -key from 3001 -key tag "$(pad "$lim" t)" -key contact_port 6265 || return 1
	echo "From tag of $((lim + 1)) bytes: not tracked"
	FIELD="From tag" bound_call tag-over 0 "$TOO_LONG" -key from 3001 -key tag "$(pad $((lim + 1)) t)" -key contact_port 6265 || return 1
	# Contact URI: GCP_MAX_URI; <sip:3001@127.0.0.1:6265;x=...>
	lim=$(limit GCP_MAX_URI) || return 1
	local base=26 # "sip:3001@127.0.0.1:" + "6265;x="
	echo "Contact URI of $lim bytes: tracked"
	bound_call contact-limit 1 '' -key from 3001 -key tag b5 -key contact_port "6265;x=$(pad $((lim - base)) u)" || return 1
	echo "Contact URI of $((lim + 1)) bytes: not tracked"
	FIELD="Contact URI" bound_call contact-over 0 "$TOO_LONG" -key from 3001 -key tag b6 -key contact_port "6265;x=$(pad $((lim - base + 1)) u)" || return 1
	# From URI (the caller): a user part that makes it longer than the limit
	echo "From URI of $((lim + 1)) bytes: not tracked"
	FIELD="From URI" bound_call from-over 0 "$TOO_LONG" -key from "$(pad $((lim - 13)) 9)" -key tag b7 -key contact_port 6265 || return 1
	# the member's To tag: the call is tracked but can never be picked up
	lim=$(limit GCP_MAX_TAG) || return 1
	echo "To tag of $((lim + 1)) bytes: tracked, never pickable"
	TOTAG=$(pad $((lim + 1)) T) bound_call totag-over 1 "To tag of $((lim + 1)) bytes is over the limit" \
		-key from 3001 -key tag b8 -key contact_port 6265 || return 1
	detail "Call-ID, From tag, Contact, From URI, To tag at and over their limits"
}

# ------------------------------------------------------------- max_calls

# with max_calls 3: three calls ring; a fourth is not tracked, a log line
# says so, and it rings and is answered; once room is free again, calls
# are tracked again
t_max_calls() {
	local t0
	reg 1001 6151
	reg 1015 6165
	party m3 member_cancelled.xml 6151 -m 3
	party c3 caller_cancel.xml 6251 -m 3 -r 20 -s 1001 -key from 3001 -key tag mc -key contact_port 6251 \
		-key supported "replaces, timer" -recv_timeout 3000 "$KADDR"
	until_ok 5 eval '[ "$(n_calls)" -eq 3 ]' || fail "3 calls did not ring: $(n_calls)" || return 1
	klog_mark
	t0=$(st tracked)
	party m4 member_answer.xml 6165 -m 1 -d 300
	party c4 caller_picked.xml 6265 -m 1 -s 1015 -key from 3001 -key tag mc4 -key contact_port 6265 -d 100 "$KADDR"
	until_ok 3 eval 'klog_new | grep -q "max_calls reached"' || fail "no log line about max_calls" || return 1
	klog_new | grep "max_calls reached"
	[ "$(n_calls)" -eq 3 ] || fail "gcp.calls lists $(n_calls) calls, not 3" || return 1
	sw || return 1
	expect "the fourth call" "$(msg c4 '^SIP/2.0 200')" '^SIP/2.0 200' || return 1
	[ "$(st tracked)" -eq "$t0" ] || fail "the fourth call was tracked" || return 1
	expect_no_calls || return 1
	echo "room again: a call is tracked"
	bound_call again 1 '' -key from 3001 -key tag mc5 -key contact_port 6265 || return 1
	detail "max_calls 3: the 4th call not tracked, answered"
}


# the checks of this concern, in a mode: checks_bounds <mode>
checks_bounds() {
	[ "$1" = inject ] && t_check "bounds $1" t_bounds
}

# max_calls: Kamailio with a cfg variant of its own
checks_max_calls() {
	cp "$HERE/gcp.xml" "$OUT/gcp.xml"
	if S_CFG=$(variant_cfg max_calls 'modparam("gcp", "max_calls", 3)') S_FR_INV=30000 s_start inject -n 8; then
		t_check "max_calls" t_max_calls
		s_stop
		cp "$KLOG" "$OUT/kamailio-max_calls.log"
	else
		t_fail "kamailio-start max_calls"
	fi
}
