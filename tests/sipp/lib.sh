#!/usr/bin/env bash
# Helpers for the SIPp suites: SIPp instances for every party, and
# assertions on what crossed the wire. Sourced by every suite that runs SIPp
# (and bench/lib.sh), with the counting and assertions of tests/lib/check.sh,
# Kamailio's start of tests/lib/kamailio.sh (ROOT, OUT, KADDR, CTL, KLOG,
# KPID, k_start, kc) and the port map of tests/lib/ports.sh.
_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
. "$_lib/check.sh"
. "$_lib/kamailio.sh"
# the one scenario tree of every suite (tests/README.md)
SCEN=$ROOT/tests/scenarios

# register a phone: reg <user> <port>
reg() {
	local out
	out=$(kc ul.add location "s:$1" "sip:$1@127.0.0.1:$2" 3600 1.0 s:0 0 0 255 2>&1)
	[ -z "$out" ] || echo "  ul.add of $1 failed: $out"
}

unreg_all() {
	local u
	for u in 1001 1002 1003 1004 1005 1006 1007 1008 1010; do
		kc ul.rm location "s:$u" >/dev/null 2>&1
	done
}

# SIPp instances run in the background; sw waits for all of them.
SIPP_PIDS=()
SIPP_NAMES=()

# a scenario of tests/scenarios, or a file given by its full path
scen_path() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$SCEN/$1" ;;
	esac
}

# Keys with a default: SIPp refuses a scenario that uses a [key] no -key
# gives, so a variant a key selects (caller_picked.xml from another domain)
# costs its other callers nothing. scen_keys <scenario file> [sipp
# options...]: into SKEYS, "-key <key> <default>" for each such key the
# file uses and the options do not give.
declare -gA SCEN_KEY_DEFAULTS=([fromhost]=127.0.0.1)
scen_keys() {
	local f=$1 k a prev given
	shift
	SKEYS=()
	for k in "${!SCEN_KEY_DEFAULTS[@]}"; do
		grep -qF "[$k]" "$f" || continue
		given=0 prev=""
		for a in "$@"; do
			[ "$prev" = -key ] && [ "$a" = "$k" ] && given=1
			prev=$a
		done
		[ $given = 1 ] || SKEYS+=(-key "$k" "${SCEN_KEY_DEFAULTS[$k]}")
	done
}

# A party's SIPp options, into SARGS (tests/stress/valgrind.sh scales the
# waits among them); SIPP_TIMEOUT: seconds a party may last (default 30)
sipp_args() { SARGS=("$@"); }

# uas <name> <scenario> <port> [sipp options...]
uas() {
	local name=$1 scen=$2 port=$3
	shift 3
	scen=$(scen_path "$scen")
	sipp_args "$@"
	scen_keys "$scen" "$@"
	sipp -sf "$scen" -i 127.0.0.1 -p "$port" -m "${UAS_CALLS:-1}" \
		-nostdin -timeout "${SIPP_TIMEOUT:-30}s" -timeout_error -trace_msg -trace_err \
		-message_file "$T_DIR/$name.msg" -error_file "$T_DIR/$name.err" \
		"${SARGS[@]}" "${SKEYS[@]}" >"$T_DIR/$name.out" 2>&1 &
	SIPP_PIDS+=($!)
	SIPP_NAMES+=("$name")
}

# uac <name> <scenario> <port> <ruri-user> [sipp options...]
uac() {
	local name=$1 scen=$2 port=$3 user=$4
	shift 4
	scen=$(scen_path "$scen")
	sipp_args "$@"
	scen_keys "$scen" "$@"
	sipp -sf "$scen" -i 127.0.0.1 -p "$port" -m 1 -s "$user" \
		-nostdin -timeout "${SIPP_TIMEOUT:-30}s" -timeout_error -trace_msg -trace_err \
		-message_file "$T_DIR/$name.msg" -error_file "$T_DIR/$name.err" \
		"${SARGS[@]}" "${SKEYS[@]}" "$KADDR" >"$T_DIR/$name.out" 2>&1 &
	SIPP_PIDS+=($!)
	SIPP_NAMES+=("$name")
}

# wait for every SIPp instance; fails when one failed
sw() {
	local i rc=0 r
	for i in "${!SIPP_PIDS[@]}"; do
		wait "${SIPP_PIDS[$i]}"
		r=$?
		if [ "$r" -ne 0 ]; then
			echo "  sipp '${SIPP_NAMES[$i]}' failed (exit $r):"
			grep -v '^\s*$' "$T_DIR/${SIPP_NAMES[$i]}.err" 2>/dev/null | tail -n 5 | sed 's/^/    /'
			rc=1
		fi
	done
	SIPP_PIDS=()
	SIPP_NAMES=()
	return $rc
}

sipp_kill_all() {
	local p
	for p in "${SIPP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	SIPP_PIDS=()
	SIPP_NAMES=()
}

# the first received message of a party that matches a start line regexp,
# printed whole, once (awk's exit runs END too): msg <name> <regexp>
msg() {
	awk -v re="$2" '
		/^-+ .*$/ { if (inmsg && hit) { print buf; done=1; exit } buf=""; inmsg=0; hit=0; next }
		/message received/ { inmsg=1; buf=""; first=1; next }
		inmsg { if (first && $0 ~ re) hit=1; if ($0 != "") first=0; buf = buf $0 "\n" }
		END { if (!done && inmsg && hit) print buf }
	' "$T_DIR/$1.msg"
}

# the ring table is empty again (calls end, nothing leaks between tests),
# within 6 s times WAIT_SCALE (valgrind.sh: Kamailio runs slower)
expect_no_calls() {
	local i out
	for i in $(seq 1 $((30 * ${WAIT_SCALE:-1}))); do
		out=$(kc gcp.calls)
		[ -z "$out" ] && return 0
		command sleep 0.2
	done
	echo "  gcp.calls not empty after the test:"
	echo "$out" | sed 's/^/    /'
	return 1
}

# everything that reaches a UDP port for a while, raw, into a file (for
# "this party got nothing"): udp_sink <port> <file> <seconds>
udp_sink() {
	python3 - "$@" <<-'EOF' &
		import socket, sys, time
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind(("127.0.0.1", int(sys.argv[1])))
		s.settimeout(0.1)
		end = time.time() + float(sys.argv[3])
		with open(sys.argv[2], "wb") as f:
		    while time.time() < end:
		        try:
		            f.write(s.recvfrom(65535)[0])
		            f.flush()
		        except socket.timeout:
		            pass
	EOF
	SINK_PID=$!
}

stat() {
	kc stats.get_statistics gcp: | sed -n "s/^gcp:$1 = //p"
}
