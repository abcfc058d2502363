#!/usr/bin/env bash
# make bench: the benchmarks, side by side in one run, then
# docs/PERFORMANCE.md from their JSON (bench/results/).
#
#   BENCH_PARTS  "ring callpath pickup kinds other publish db cluster" (default):
#                the parts to run; the JSON of the others, from an earlier run, is reused
#
# Kamailio on 127.0.0.1:$GCP_TEST_KPORT (5075), SIPp on ports 6500-6999,
# files in $GCP_TEST_OUT (tests/out-bench): it runs next to the test suites.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh

RES=$BROOT/bench/results
PARTS=${BENCH_PARTS:-"ring callpath pickup kinds other publish db cluster"}
mkdir -p "$RES"
# one run at a time in this folder and on this port
exec 9>"$OUT/.bench.lock"
if ! flock -n 9; then
	echo "bench: another run is using $OUT: waiting for it"
	flock 9
fi

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# Kamailio and SIPp processes that are not ours (other suites)
others() {
	local n=0 p
	for p in $(pgrep -x kamailio; pgrep -x sipp); do
		grep -q -- "$OUT" "/proc/$p/cmdline" 2>/dev/null || n=$((n + 1))
	done
	echo $n
}

t_all=$(date +%s)
load_start=$(loadavg)
others_start=$(others)
log "bench: parts: $PARTS (load average $load_start, $others_start other kamailio/sipp processes)"
bash bench/prepare.sh || exit 1

declare -A dur
prev=$(cat "$RES/machine.json" 2>/dev/null)
for part in $PARTS; do
	t0=$(date +%s)
	case $part in
	ring) bash bench/ring.sh || exit 1 ;;
	callpath) bash bench/callpath.sh || exit 1 ;;
	pickup) bash bench/pickup.sh || exit 1 ;;
	kinds) bash bench/kinds.sh || exit 1 ;;
	other) bash bench/other.sh || exit 1 ;;
	publish) bash bench/publish.sh || exit 1 ;;
	db) bash bench/db.sh || exit 1 ;;
	cluster) bash bench/cluster.sh || exit 1 ;;
	*) echo "bench: unknown part $part" >&2; exit 1 ;;
	esac
	dur[$part]=$(($(date +%s) - t0))
done
# durations of parts not run now: from the earlier run
for part in ring callpath pickup kinds other publish db cluster; do
	if [ -z "${dur[$part]:-}" ]; then
		dur[$part]=$(python3 -c 'import json,sys
try: print(json.loads(sys.argv[1])["duration_s"][sys.argv[2]])
except Exception: print("None")' "$prev" "$part")
	fi
done
total=$(($(date +%s) - t_all))

cpu=$(sed -n 's/^model name[ \t]*: //p' /proc/cpuinfo | head -n 1)
virt=$(systemd-detect-virt 2>/dev/null || true)
[ -n "$virt" ] && [ "$virt" != none ] && virt="virtual machine ($virt)" || virt="virtualization: $(grep -q hypervisor /proc/cpuinfo && echo 'hypervisor flag set' || echo 'none seen')"
python3 - "$RES/machine.json" <<EOF
import json, sys
d = {
    "date": "$(date -u '+%Y-%m-%d %H:%M UTC')",
    "cpu": "$cpu",
    "cores": $(nproc),
    "mem_gb": round($(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1048576, 1),
    "virt": "$virt",
    "os": "$(. /etc/os-release; echo "$PRETTY_NAME")",
    "kernel": "$(uname -r)",
    "kamailio_children": "$(sed -n 's/^children=\([0-9]*\).*/\1/p' cfg/kamailio.cfg | head -n 1)",
    "kamailio": "$(kamailio -v 2>/dev/null | sed -n '1s/^version: kamailio \([^ ]*\).*/\1/p')",
    "sipp": "$(sipp -v 2>/dev/null | sed -n 's/^ *SIPp \(v[^ ,-]*\).*/\1/p' | head -n 1)",
    "valgrind": "$(valgrind --version 2>/dev/null)",
    "gcc": "$(gcc -dumpfullversion 2>/dev/null)",
    "load_start": "$load_start",
    "load_end": "$(loadavg)",
    "others_start": $others_start,
    "parts_run": "$PARTS",
    "duration_s": {"ring": ${dur[ring]}, "callpath": ${dur[callpath]}, "pickup": ${dur[pickup]}, "kinds": ${dur[kinds]}, "other": ${dur[other]}, "publish": ${dur[publish]}, "db": ${dur[db]}, "cluster": ${dur[cluster]}, "total": $total},
}
json.dump(d, open(sys.argv[1], "w"), indent=2)
EOF
python3 bench/report.py "$RES" docs/PERFORMANCE.md || exit 1
log "bench: done in ${total} s: docs/PERFORMANCE.md, $RES/"
