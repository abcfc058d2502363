#!/usr/bin/env bash
# The one way the suites and the benchmarks start Kamailio. Sourced (by
# tests/sipp/lib.sh, and through it by every suite and bench/lib.sh) with
#   GCP_TEST_KPORT  its SIP port (default: the sipp suite's, tests/lib/ports.sh)
#   GCP_TEST_OUT    the suite's folder (default tests/out)
# Sets ROOT, OUT, KPORT, KADDR, CTL (ctl socket in $OUT), KLOG, KPID.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/lib/ports.sh"
OUT=${GCP_TEST_OUT:-$ROOT/tests/out}
KPORT=${GCP_TEST_KPORT:-${K_PORTS[sipp]}}
KADDR=127.0.0.1:$KPORT
CTL=unix:$OUT/kamailio_ctl
KLOG=$OUT/kamailio.log
KPID=

mkdir -p "$OUT"

# k_launch <dir> <cfg> [kamailio args...]: Kamailio in the foreground, from
# <dir>, with the defines every cfg of ours takes (groups in $OUT/gcp.xml,
# ctl socket $CTL, SIP on $KADDR), log in $KLOG; returns when its ctl
# socket answers. Knobs:
#   K_FR_INV      FR_INV_TIMER in ms (default 15000; a second -A of it makes
#                 Kamailio refuse to start: "pp_define(): already defined")
#   K_VM_HOST     VOICEMAIL_HOST (default 127.0.0.1:5099)
#   K_SHM_MB      shm size (default 128)
#   K_PKG_MB      pkg size (default 8)
#   K_WRAPPER     a command put before kamailio (e.g. valgrind ...)
#   K_START_WAIT  seconds to wait for the ctl socket (default 10)
#   K_NO_HALT     set: do not stop leftovers by their ctl socket first
#                 (bench stops its instances by pid only)
k_launch() {
	local dir=$1 cfg=$2
	shift 2
	[ -n "${K_NO_HALT:-}" ] || k_halt
	: >"$KLOG"
	# shellcheck disable=SC2086
	(cd "$dir" && exec ${K_WRAPPER:-} kamailio -f "$cfg" -DD -E -m "${K_SHM_MB:-128}" -M "${K_PKG_MB:-8}" \
		-x tlsf -X tlsf \
		-A "GCP_CONFIG=\"$OUT/gcp.xml\"" \
		-A "GCP_CTL=\"$CTL\"" \
		-A "GCP_LISTEN=$KADDR" \
		-A "VOICEMAIL_HOST=\"${K_VM_HOST:-127.0.0.1:${VM_PORTS[sipp]}}\"" \
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

# another cfg than k_start's (the packaged example, the KEMI cfg, the cfg
# with Prometheus: tests/deb, tests/kemi, tests/prom): k_start_cfg <dir>
# <cfg> [kamailio args...], k_launch with voicemail at $VM_HOST (default
# 127.0.0.1:5099)
k_start_cfg() {
	k_stop_cfg
	K_VM_HOST=${VM_HOST:-127.0.0.1:${VM_PORTS[sipp]}} k_launch "$@"
}

# stops what k_start_cfg started, and a leftover of an earlier run of the
# same suite (its ctl socket is in this suite's own $OUT)
k_stop_cfg() {
	k_stop
	pkill -f -- "kamailio -f .*GCP_CTL=\"$CTL\"" 2>/dev/null || true
}

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
