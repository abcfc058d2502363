#!/usr/bin/env bash
# Helpers of the stress suite (tests/stress/run.sh) and of the valgrind
# runner (tests/stress/valgrind.sh), on top of tests/sipp/lib.sh.
#
# Its own Kamailio: SIP port and SIPp parties' ports in tests/lib/ports.sh
# (GCP_TEST_KPORT), files in tests/out-stress (GCP_TEST_OUT).
# Kamailio is started by s_start: k_start (tests/sipp/lib.sh) with
#   S_CFG        the cfg file (default cfg/kamailio.cfg)
#   S_FR_INV     FR_INV_TIMER in ms (default 3000; k_start sets 15000, and
#                a second -A FR_INV_TIMER=... makes Kamailio refuse to
#                start: "pp_define(): already defined")
#   S_WRAPPER    a command put before kamailio (e.g. valgrind ...)
#   S_START_WAIT seconds to wait for the ctl socket (default 15)
#   S_MODULE     the gcp.so to load (default modules/gcp/gcp.so)
#   S_SHM_MB     shm size (default 128, as k_start)
# VOICEMAIL_HOST is 127.0.0.1:$VM_PORT (the port map's; k_start: 5099).
#
# The party ranges stay clear of the SIPp suite's ports moved by +1000
# (6099, 6101-6112, 6201-6231, 6301-6332, 6401-6403: ad-hoc runs do that)
# and of the media ports every SIPp binds from 6000 upwards.

STRESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$STRESS_DIR/../lib/ports.sh"
suite_env stress
. "$STRESS_DIR/../sipp/lib.sh"
VM_PORT=${VM_PORTS[stress]}

# s_start <mode: inject|replaces|auto|auth> [kamailio args...]: as k_start
# of tests/sipp/lib.sh, with this suite's knobs and defaults (above)
s_start() {
	local mode=$1
	shift
	k_mode_defs "$mode"
	K_FR_INV=${S_FR_INV:-3000} K_VM_HOST=127.0.0.1:$VM_PORT K_WRAPPER=${S_WRAPPER:-} \
		K_SHM_MB=${S_SHM_MB:-128} K_START_WAIT=${S_START_WAIT:-15} \
		k_launch "$ROOT" "${S_CFG:-cfg/kamailio.cfg}" \
		-A "GCP_MODULE=\"${S_MODULE:-$ROOT/modules/gcp/gcp.so}\"" "${MODE_DEFS[@]}" "$@"
}

# stop our Kamailio (S_STOP_WAIT seconds before SIGKILL, default 5)
s_stop() { K_STOP_WAIT=${S_STOP_WAIT:-5} k_halt; }

SIPP_TIMEOUT=${SIPP_TIMEOUT:-30}

# a SIPp party whose scenario is in tests/scenarios; party <name>
# <scenario> <port> [sipp options...] (a UAC when the options end with the
# remote address; -m as given)
party() {
	local name=$1 scen=$2 port=$3 trace
	shift 3
	trace=(-trace_msg -message_file "$T_DIR/$name.msg")
	scen=$(scen_path "$scen")
	[ -n "${NO_TRACE:-}" ] && trace=()
	scen_keys "$scen" "$@"
	sipp -sf "$scen" -i 127.0.0.1 -p "$port" -nostdin -timeout "${SIPP_TIMEOUT}s" \
		-timeout_error -trace_err -error_file "$T_DIR/$name.err" "${trace[@]}" \
		"${SKEYS[@]}" "$@" >"$T_DIR/$name.out" 2>&1 &
	SIPP_PIDS+=($!)
	SIPP_NAMES+=("$name")
}

# the Call-IDs of received messages whose start line matches a regexp:
# rx_callids <party> <regexp>
rx_callids() {
	awk -v re="$2" '
		/^-+ [0-9-]+ [0-9:.]+$/ { inmsg=0; next }
		/message received/ { inmsg=1; first=1; hit=0; next }
		inmsg && first && $0 != "" { first=0; hit = ($0 ~ re); next }
		inmsg && hit && tolower($0) ~ /^(call-id|i):/ { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print }
	' "$T_DIR/$1.msg"
}

# how many distinct Call-IDs: ncid <party> <regexp>
ncid() {
	rx_callids "$1" "$2" | sort -u | grep -c .
}

# the values of one header in received messages whose start line matches:
# rx_hdr <party> <regexp> <header name>
rx_hdr() {
	awk -v re="$2" -v h="$(echo "$3" | tr 'A-Z' 'a-z')" '
		/^-+ [0-9-]+ [0-9:.]+$/ { inmsg=0; next }
		/message received/ { inmsg=1; first=1; hit=0; next }
		inmsg && first && $0 != "" { first=0; hit = ($0 ~ re); next }
		inmsg && hit { n=index($0, ":"); if (n && tolower(substr($0, 1, n-1)) == h) { v=substr($0, n+1); sub(/^ */, "", v); sub(/\r$/, "", v); print v } }
	' "$T_DIR/$1.msg"
}

# wait for a condition: until_ok <seconds> <command...>
until_ok() {
	local deadline=$(($(date +%s%N) / 1000000 + $1 * 1000))
	shift
	while ! "$@"; do
		[ $(($(date +%s%N) / 1000000)) -ge $deadline ] && return 1
		sleep 0.1
	done
}

# how many calls gcp.calls lists as pickable (of one group, or all)
n_pickable() {
	kc gcp.calls ${1:+"$1"} | grep -c 'pickable: yes'
}

n_calls() {
	kc gcp.calls ${1:+"$1"} | grep -c 'callid:'
}

# the gcp module's live shm (bytes), from mod.stats (Kamailio built with
# DBG_SR_MEMORY, as Debian's is)
gcp_shm() {
	kc mod.stats gcp shm | sed -n 's/^[[:space:]]*Total: *//p' | head -n 1
}

core_shm_used() {
	kc core.shmmem | sed -n 's/^[[:space:]]*real_used: *//p'
}

# Kamailio's main process is alive and answers
k_alive() {
	kill -0 "$KPID" 2>/dev/null && kc core.version >/dev/null 2>&1
}

# one call that must go through untouched: a caller, member 1012 (group
# 7012) answers; it_works <tag> (ports 6471/6472)
it_works() {
	reg 1012 6472
	party "alive-m-$1" member_answer.xml 6472 -m 1 -d 100
	party "alive-c-$1" caller_picked.xml 6471 -m 1 -s 1012 -key from 3099 -key tag "$1" \
		-key contact_port 6471 -d 100 "$KADDR"
	sw
	kc ul.rm location s:1012 >/dev/null 2>&1
}

# ---- the harness of run.sh: one check per test function, its detail and
# numbers, the log since a mark, statistics

# t_check <name> <function> [args...]: a test function as one check, in
# a subshell with its output in $T_DIR/test.log (shown on failure); a
# function may append "key value" lines to $NUMBERS and a detail to
# $T_DIR/detail
t_check() {
	local name=$1
	shift
	local start=$(date +%s.%N) detail=""
	if t_run "$OUT/tests/$(echo "$name" | tr " /'" '_-_')" "$@"; then
		[ -f "$T_DIR/detail" ] && detail=" ($(cat "$T_DIR/detail"))"
		t_pass "$(printf '%s%s %.1fs' "$name" "$detail" "$(t_secs "$start")")"
		[ -n "${STRESS_KEEP:-}" ] || rm -f "$T_DIR"/*.msg
	else
		t_fail "$name"
		fail_tail "$T_DIR/test.log" 40
	fi
	# nothing of this test may leak into the next one
	pkill -f -- "-error_file $T_DIR/" 2>/dev/null
	SIPP_PIDS=()
	SIPP_NAMES=()
}

detail() { echo "$*" >"$T_DIR/detail"; }

number() { echo "$*" >>"$NUMBERS"; }

# the part of the Kamailio log written since klog_mark
klog_mark() { KOFF=$(wc -c <"$KLOG"); }

klog_new() { tail -c +$((KOFF + 1)) "$KLOG"; }

# the statistic now, or a default of 0
st() {
	local v
	v=$(stat "$1")
	echo "${v:-0}"
}

# wait until the statistic reaches a value: st_is <name> <value> <seconds>
st_is() {
	until_ok "$3" eval '[ "$(st '"$1"')" -eq '"$2"' ]'
}

k_is_alive() {
	k_alive || fail "kamailio is gone" || return 1
	it_works "alive$RANDOM" || fail "a plain call through Kamailio failed afterwards"
}

# ---- pickups: statistics, replies, one pickup (tests_hostile.sh, tests_shm.sh)

# the pickup statistics, one line: "picked N failed N empty N denied N"
pstats() {
	kc stats.get_statistics gcp: | awk -F' = ' '{ v[$1] = $2 }
		END { printf "picked %d failed %d empty %d denied %d\n", v["gcp:picked"],
			v["gcp:pickup_failed"], v["gcp:pickup_empty"], v["gcp:pickup_denied"] }'
}

# what they did since a pstats line: pdelta <pstats line>, printed as pstats
pdelta() {
	printf '%s\n%s\n' "$1" "$(pstats)" | awk '
		NR == 1 { for (i = 2; i <= NF; i += 2) a[i] = $i }
		NR == 2 { s = ""; for (i = 2; i <= NF; i += 2) s = s sprintf("%s%s %d", s == "" ? "" : " ", $(i - 1), $i - a[i]); print s }'
}

# the statistics moved by exactly this since a pstats line: pstats_moved
# <what> <pstats line> <expected pdelta>
pstats_moved() {
	local d
	d=$(pdelta "$2")
	[ "$d" = "$3" ] || fail "$1: the statistics moved by \"$d\", expected \"$3\""
}

# wait for the party started last, leaving the others running
sw_last() {
	local i r
	i=$((${#SIPP_PIDS[@]} - 1))
	wait "${SIPP_PIDS[$i]}"
	r=$?
	if [ "$r" -ne 0 ]; then
		echo "  sipp '${SIPP_NAMES[$i]}' failed (exit $r):"
		grep -v '^\s*$' "$T_DIR/${SIPP_NAMES[$i]}.err" 2>/dev/null | tail -n 5 | sed 's/^/    /'
	fi
	unset "SIPP_PIDS[$i]" "SIPP_NAMES[$i]"
	SIPP_PIDS=("${SIPP_PIDS[@]}")
	SIPP_NAMES=("${SIPP_NAMES[@]}")
	return "$r"
}

# the status line of a party's first final reply (or nothing)
final_reply() {
	msg "$1" '^SIP/2.0 [2-6]' | grep -m1 '^SIP/2.0' | tr -d '\r'
}

# the ringing call of hostile_ring was picked up by sip:2001, once:
# the picker's reply (487 Pickup in progress in inject mode, the caller's
# UA's 200 OK otherwise), the call reached the picker (inject: the caller's
# 200 comes from the picker's phone; otherwise the caller's UA got a
# Replaces INVITE naming this call), event_route[gcp:picked] ran once, for
# this call and sip:2001; picked_once <mode> <picker party>
picked_once() {
	local mode=$1 p=$2 reply n
	reply=$(final_reply "$p")
	echo "the picker's reply: $reply"
	if [ "$mode" = inject ]; then
		expect "the picker's reply" "$reply" '^SIP/2.0 487 Pickup in progress$' || return 1
		expect "the caller's 200" "$(msg caller '^SIP/2.0 200')" '^Contact: <sip:picker@127.0.0.1:6352>' || return 1
	else
		expect "the picker's reply" "$reply" '^SIP/2.0 200 OK$' || return 1
		expect "the Replaces INVITE" "$(rx_hdr callerua '^INVITE ' Replaces)" "^$(printf '%s' "$RING_CID" | sed 's/[].[*^$\\/]/\\&/g');" || return 1
	fi
	n=$(klog_new | grep -c 'picked up by')
	[ "$n" -eq 1 ] && klog_new | grep 'picked up by' | grep -F "$RING_CID" | grep -q 'sip:2001@' ||
		fail "event_route[gcp:picked] ran $n times, expected once, for $RING_CID and sip:2001" || return 1
}

# ---- calls over a limit (tests_bounds.sh, tests_shm.sh)

# a call over one of the module's limits: not tracked, a log line says
# why, the call rings and is answered as without the module.
# bound_call <name> <expect tracked: 0|1> <log regexp> [caller sipp args...]
bound_call() {
	local name=$1 tracked=$2 re=$3 t0 cid
	shift 3
	t0=$(st tracked)
	klog_mark
	if [ -n "${TOTAG:-}" ]; then
		party "m-$name" member_answer_tag.xml 6165 -m 1 -d 700 -key totag "$TOTAG"
	else
		party "m-$name" member_answer.xml 6165 -m 1 -d 700
	fi
	party "c-$name" caller_picked.xml 6265 -m 1 -s 1015 -d 100 "$@" "$KADDR"
	sw || return 1
	expect "the caller's 200" "$(msg "c-$name" '^SIP/2.0 200')" '^SIP/2.0 200' || return 1
	expect "the member's INVITE" "$(msg "m-$name" '^INVITE ')" '^INVITE sip:1015@' || return 1
	if [ "$tracked" = 1 ]; then
		[ "$(st tracked)" -eq $((t0 + 1)) ] || fail "the call at the limit was not tracked" || return 1
	else
		[ "$(st tracked)" -eq "$t0" ] || fail "the call over the limit was tracked" || return 1
	fi
	if [ -n "$re" ]; then
		klog_new | grep -E "$re" | head -n 1
		klog_new | grep -Eq "$re" || fail "no log line /$re/" || return 1
	fi
	# the log line names the string over the limit: this one
	if [ -n "${FIELD:-}" ]; then
		klog_new | grep -q "not tracked: its $FIELD has" ||
			fail "the log does not name the $FIELD" || return 1
	fi
	expect_no_calls
}

pad() { head -c "$1" /dev/zero | tr '\0' "${2:-a}"; }
