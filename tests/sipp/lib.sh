#!/usr/bin/env bash
# Helpers for the SIPp suites: a real Kamailio with cfg/kamailio.cfg, SIPp
# instances for every party, and assertions on what crossed the wire.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCEN=$ROOT/tests/sipp/scenarios
OUT=${GCP_TEST_OUT:-$ROOT/tests/out}
KPORT=${GCP_TEST_KPORT:-5070}
KADDR=127.0.0.1:$KPORT
CTL=unix:$OUT/kamailio_ctl
KLOG=$OUT/kamailio.log
KPID=

mkdir -p "$OUT"

# The one way the suites start Kamailio (tests/kstart.sh, tests/stress,
# tests/interop and bench use it too).
# k_launch <dir> <cfg> [kamailio args...]: Kamailio in the foreground, from
# <dir>, with the defines every cfg of ours takes (groups in $OUT/gcp.xml,
# ctl socket $CTL, SIP on $KADDR), log in $KLOG; returns when its ctl
# socket answers. Knobs:
#   K_FR_INV      FR_INV_TIMER in ms (default 15000; a second -A of it makes
#                 Kamailio refuse to start: "pp_define(): already defined")
#   K_VM_HOST     VOICEMAIL_HOST (default 127.0.0.1:5099)
#   K_SHM_MB      shm size (default 128)
#   K_WRAPPER     a command put before kamailio (e.g. valgrind ...)
#   K_START_WAIT  seconds to wait for the ctl socket (default 10)
k_launch() {
	local dir=$1 cfg=$2
	shift 2
	k_halt
	: >"$KLOG"
	# shellcheck disable=SC2086
	(cd "$dir" && exec ${K_WRAPPER:-} kamailio -f "$cfg" -DD -E -m "${K_SHM_MB:-128}" -M 8 \
		-x tlsf -X tlsf \
		-A "GCP_CONFIG=\"$OUT/gcp.xml\"" \
		-A "GCP_CTL=\"$CTL\"" \
		-A "GCP_LISTEN=$KADDR" \
		-A "VOICEMAIL_HOST=\"${K_VM_HOST:-127.0.0.1:5099}\"" \
		-A "FR_INV_TIMER=${K_FR_INV:-15000}" \
		"$@" >>"$KLOG" 2>&1) &
	KPID=$!
	local i
	for i in $(seq 1 $((${K_START_WAIT:-10} * 10))); do
		if kamcmd -s "$CTL" core.version >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$KPID" 2>/dev/null; then
			echo "kamailio did not start:"
			tail -n 30 "$KLOG"
			return 1
		fi
		sleep 0.1
	done
	echo "kamailio did not answer on $CTL"
	tail -n 30 "$KLOG"
	return 1
}

# the defines of a mode of cfg/kamailio.cfg, into MODE_DEFS: k_mode_defs
# <inject|replaces|auto|auth> (auth: inject mode with WITH_AUTH)
k_mode_defs() {
	MODE_DEFS=()
	case $1 in
	replaces) MODE_DEFS=(-A GCP_REPLACES) ;;
	auto) MODE_DEFS=(-A GCP_AUTO) ;;
	auth) MODE_DEFS=(-A WITH_AUTH) ;;
	esac
}

# cfg/kamailio.cfg with our module: k_start <mode> [kamailio args...];
# K_CFG another cfg (relative to the repository), K_MODULE another gcp.so
k_start() {
	local mode=$1
	shift
	k_mode_defs "$mode"
	k_launch "$ROOT" "${K_CFG:-cfg/kamailio.cfg}" \
		-A "GCP_MODULE=\"${K_MODULE:-$ROOT/modules/gcp/gcp.so}\"" \
		"${MODE_DEFS[@]}" "$@"
}

# stop our Kamailio (K_STOP_WAIT seconds before SIGKILL, default 5), and
# leftovers of an earlier run in our folder (the pattern names our ctl
# socket, under $OUT: other suites' and other checkouts' instances, even on
# the same port in another network namespace, are left alone)
k_halt() {
	local i n=$((${K_STOP_WAIT:-5} * 10))
	if [ -n "$KPID" ] && kill -0 "$KPID" 2>/dev/null; then
		kill "$KPID" 2>/dev/null
		for i in $(seq 1 $n); do
			kill -0 "$KPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$KPID" 2>/dev/null
	fi
	KPID=
	pkill -f "kamailio -f .*GCP_CTL=\"$CTL\"" 2>/dev/null || true
	for i in $(seq 1 $n); do
		pgrep -f "kamailio -f .*GCP_CTL=\"$CTL\"" >/dev/null || break
		sleep 0.1
	done
	pkill -9 -f "kamailio -f .*GCP_CTL=\"$CTL\"" 2>/dev/null || true
}

k_stop() { k_halt; }

# a cfg variant: cfg/kamailio.cfg with extra lines after the gcp
# "config_file" modparam; variant_cfg <name> <lines>; prints its path
variant_cfg() {
	local f=$OUT/kamailio-$1.cfg
	awk -v extra="$2" -v rc="$ROOT/cfg/routing-cases.cfg" '
		{ sub(/include_file "routing-cases.cfg"/, "include_file \"" rc "\"") }
		{ print }
		/^modparam\("gcp", "config_file"/ { print extra }
	' "$ROOT/cfg/kamailio.cfg" >"$f"
	echo "$f"
}

kc() {
	kamcmd -s "$CTL" "$@"
}

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

# a scenario of tests/sipp/scenarios, or a file given by its full path
scen_path() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$SCEN/$1" ;;
	esac
}

# A party's SIPp options, into SARGS (tests/stress/valgrind.sh scales the
# waits among them); SIPP_TIMEOUT: seconds a party may last (default 30)
sipp_args() { SARGS=("$@"); }

# uas <name> <scenario> <port> [sipp options...]
uas() {
	local name=$1 scen=$2 port=$3
	shift 3
	sipp_args "$@"
	sipp -sf "$(scen_path "$scen")" -i 127.0.0.1 -p "$port" -m "${UAS_CALLS:-1}" \
		-nostdin -timeout "${SIPP_TIMEOUT:-30}s" -timeout_error -trace_msg -trace_err \
		-message_file "$T_DIR/$name.msg" -error_file "$T_DIR/$name.err" \
		"${SARGS[@]}" >"$T_DIR/$name.out" 2>&1 &
	SIPP_PIDS+=($!)
	SIPP_NAMES+=("$name")
}

# uac <name> <scenario> <port> <ruri-user> [sipp options...]
uac() {
	local name=$1 scen=$2 port=$3 user=$4
	shift 4
	sipp_args "$@"
	sipp -sf "$(scen_path "$scen")" -i 127.0.0.1 -p "$port" -m 1 -s "$user" \
		-nostdin -timeout "${SIPP_TIMEOUT:-30}s" -timeout_error -trace_msg -trace_err \
		-message_file "$T_DIR/$name.msg" -error_file "$T_DIR/$name.err" \
		"${SARGS[@]}" "$KADDR" >"$T_DIR/$name.out" 2>&1 &
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

fail() {
	echo "  $*"
	return 1
}

# expect <what> <text> <regexp>
expect() {
	if ! grep -Eq -- "$3" <<<"$2"; then
		echo "  expected $1 to match /$3/, got:"
		echo "$2" | head -n 25 | sed 's/^/    /'
		return 1
	fi
}

expect_not() {
	if grep -Eq -- "$3" <<<"$2"; then
		echo "  expected $1 not to match /$3/, got:"
		echo "$2" | head -n 25 | sed 's/^/    /'
		return 1
	fi
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
