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

# start Kamailio: k_start <mode: inject|replaces|auto|auth> [extra -A defines...]
# (auth: inject mode with WITH_AUTH)
k_start() {
	local mode=$1
	shift
	local defs=(-A "GCP_MODULE=\"$ROOT/modules/gcp/gcp.so\""
		-A "GCP_CONFIG=\"$OUT/gcp.xml\""
		-A "GCP_CTL=\"$CTL\""
		-A "GCP_LISTEN=$KADDR"
		-A "VOICEMAIL_HOST=\"127.0.0.1:5099\""
		-A "FR_INV_TIMER=15000")
	[ "$mode" = replaces ] && defs+=(-A GCP_REPLACES)
	[ "$mode" = auth ] && defs+=(-A WITH_AUTH)
	[ "$mode" = auto ] && defs+=(-A GCP_AUTO)
	k_stop
	: >"$KLOG"
	(cd "$ROOT" && exec kamailio -f cfg/kamailio.cfg -DD -E -m 128 -M 8 \
		-x tlsf -X tlsf "${defs[@]}" "$@" >>"$KLOG" 2>&1) &
	KPID=$!
	local i
	for i in $(seq 1 100); do
		if kamcmd -s "$CTL" core.version >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$KPID" 2>/dev/null; then
			echo "kamailio did not start:"; tail -n 30 "$KLOG"
			return 1
		fi
		sleep 0.1
	done
	echo "kamailio did not answer on $CTL"; tail -n 30 "$KLOG"
	return 1
}

k_stop() {
	if [ -n "$KPID" ] && kill -0 "$KPID" 2>/dev/null; then
		kill "$KPID" 2>/dev/null
		local i
		for i in $(seq 1 50); do
			kill -0 "$KPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$KPID" 2>/dev/null
	fi
	KPID=
	# leftovers of an earlier run on our port
	pkill -f "kamailio -f cfg/kamailio.cfg.*GCP_LISTEN=$KADDR" 2>/dev/null || true
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

# uas <name> <scenario> <port> [sipp options...]
uas() {
	local name=$1 scen=$2 port=$3
	shift 3
	sipp -sf "$SCEN/$scen" -i 127.0.0.1 -p "$port" -m "${UAS_CALLS:-1}" \
		-nostdin -timeout 30s -timeout_error -trace_msg -trace_err \
		-message_file "$T_DIR/$name.msg" -error_file "$T_DIR/$name.err" \
		"$@" >"$T_DIR/$name.out" 2>&1 &
	SIPP_PIDS+=($!)
	SIPP_NAMES+=("$name")
}

# uac <name> <scenario> <port> <ruri-user> [sipp options...]
uac() {
	local name=$1 scen=$2 port=$3 user=$4
	shift 4
	sipp -sf "$SCEN/$scen" -i 127.0.0.1 -p "$port" -m 1 -s "$user" \
		-nostdin -timeout 30s -timeout_error -trace_msg -trace_err \
		-message_file "$T_DIR/$name.msg" -error_file "$T_DIR/$name.err" \
		"$@" "$KADDR" >"$T_DIR/$name.out" 2>&1 &
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
# printed whole: msg <name> <regexp>
msg() {
	awk -v re="$2" '
		/^-+ .*$/ { if (inmsg && hit) { print buf; exit } buf=""; inmsg=0; hit=0; next }
		/message received/ { inmsg=1; buf=""; first=1; next }
		inmsg { if (first && $0 ~ re) hit=1; if ($0 != "") first=0; buf = buf $0 "\n" }
		END { if (inmsg && hit) print buf }
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

# the ring table is empty again (calls end, nothing leaks between tests)
expect_no_calls() {
	local i out
	for i in $(seq 1 30); do
		out=$(kc gcp.calls)
		[ -z "$out" ] && return 0
		sleep 0.2
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
