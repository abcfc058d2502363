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
export GCP_TEST_KPORT=${GCP_TEST_KPORT:-${K_PORTS[stress]}}
export GCP_TEST_OUT=${GCP_TEST_OUT:-$(cd "$STRESS_DIR/../.." && pwd)/tests/out-stress}
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
