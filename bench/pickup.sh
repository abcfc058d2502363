#!/usr/bin/env bash
# make bench, part 3: pickup at scale, gcp and the htable script side by side.
#
# Implementations: gcp in replaces mode with cfg/kamailio.cfg (as generated
# into kamailio-bench.cfg); the htable script bench/htable-pickup.cfg (per
# group slots); the same with -A HT_SCAN (a walk over all ringing calls).
# Every implementation x size (100, 1,000, 10,000 ringing calls) is its own
# Kamailio, all running at once (ports 5075 and 6575...), so that every
# measurement of every implementation and size sees the same machine:
#
#   set-up      1,000 members (one per group) registered in every instance;
#               one SIPp answers for all their phones (100 + 180, then they
#               ring on); callers (Replaces-capable UAs, a SIPp per
#               instance) ring them until the instance has its N calls
#               ringing (call k rings member 10000 + k mod 1000: up to 10
#               calls per group)
#   latency     pickers dial the groups that have calls, round robin, at
#               BENCH_LAT_RATE per second on every instance at the same time
#               for BENCH_LAT_SECONDS; one capture on loopback (tcpdump)
#               timestamps each picker's INVITE into Kamailio and the pickup
#               INVITE out toward the caller's UA (pcap_latency.py)
#   throughput  each instance alone in turn (by size, then implementation),
#               pinned to CPU 0 while the SIPp parties are pinned to CPU 1
#               (on a machine with more than one core):
#               BENCH_PICKUP_CONC pickups outstanding (at most one per 3
#               ringing calls) for BENCH_THR_SECONDS, BENCH_THR_ROUNDS
#               rounds (the implementations in turn in each), medians,
#               after BENCH_WARMUP_SECONDS of the same load, unmeasured:
#               pickups per second, Kamailio's CPU per pickup (schedstat),
#               and how busy Kamailio and the SIPp parties were (CPU time /
#               wall time): a Kamailio busy near one core is saturated, so
#               its pickups/s is its capacity on that core, not SIPp's pace
#   profile     perf record -e cpu-clock of the largest instances under the
#               throughput load, in a window of its own after the
#               measurements (bench/results/profile-pickup-*.txt)
#
# The caller's UA checks the Replaces header and refuses every pickup (486),
# so the call rings again (both implementations give it back as the oldest)
# and the number of ringing calls stays exactly N: every pickup runs the
# whole claim, rewrite, relay and give-back path.
#
# Output: $RES/pickup.json
set -u
. "$(dirname "$0")/lib.sh"

RES=${BENCH_RESULTS:-$BROOT/bench/results}
SIZES=${BENCH_PICKUP_SIZES:-"100 1000 10000"}
IMPLS=${BENCH_PICKUP_IMPLS:-"gcp htable htable-scan"}
THR_SECONDS=${BENCH_THR_SECONDS:-3}
THR_ROUNDS=${BENCH_THR_ROUNDS:-3}
WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-6}
CONC=${BENCH_PICKUP_CONC:-32}
LAT_RATE=${BENCH_LAT_RATE:-20}
LAT_SECONDS=${BENCH_LAT_SECONDS:-15}
FILL_RATE=${BENCH_FILL_RATE:-700}
PROFILE=${BENCH_PROFILE:-1}
NGROUPS=$(cat "$OUT/ngroups")
LARGEST=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -n 1)

# SIPp ports: registrations 6501, the callers' UA 6520, the throughput
# pickers 6529, latency pickers 6530+, fills 6540+, the members' phones 6600;
# Kamailio: 5075, then 6575+
P_CUA=6520 P_THR=6529 P_LAT=6530 P_FILL=6540 P_MEMBER=6600
TCPDUMP_PID=
PIN=1
[ "$(nproc)" -gt 1 ] || PIN=0
ALLCPUS=0-$(($(nproc) - 1))

mkdir -p "$RES"
cleanup() {
	[ -n "$TCPDUMP_PID" ] && kill "$TCPDUMP_PID" 2>/dev/null
	bs_stop_all
	inst_stop_all
}
trap cleanup EXIT

# the instances: name <impl>-<size>, index k
NAMES=()
declare -A I_IMPL=() I_SIZE=() I_K=()
k=0
for impl in $IMPLS; do
	for n in $SIZES; do
		name=$impl-$n
		NAMES+=("$name")
		I_IMPL[$name]=$impl
		I_SIZE[$name]=$n
		I_K[$name]=$k
		if [ $k = 0 ]; then inst_define "$name" "$KPORT"; else inst_define "$name" $((6574 + k)); fi
		k=$((k + 1))
	done
done

# ringing calls now, as the implementation counts them: ringing_now <name>
ringing_now() {
	local name=$1 impl=${I_IMPL[$1]} n=${I_SIZE[$1]} items
	case $impl in
	gcp) inst "$name" bk_gcp_ringing ;;
	*)
		# htable.stats: items of the ring table; per group: 2 per call
		# plus one count per group with calls
		items=$(inst "$name" kc htable.stats 2>/dev/null | awk '
			/name:/ { name = $2 } /all:/ { if (name == "ring") print $2 }')
		items=${items:-0}
		if [ "$impl" = htable ]; then
			local g=$((n < NGROUPS ? n : NGROUPS))
			echo $(((items - g) / 2))
		else
			echo "$items"
		fi
		;;
	esac
}

# shm by module (bytes of the blocks, from mod.stats): mem_of <module> [function]
mem_of() {
	kc mod.stats "$1" shm 2>/dev/null | awk -v fn="${2:-}" '
		fn != "" && index($1, fn "(") == 1 { v += $2 }
		fn == "" && $1 == "Total:" { v = $2 }
		END { print v + 0 }'
}
# "<module bytes> <tm callback bytes>" of an instance
mem_now() {
	case ${I_IMPL[$1]} in
	gcp) echo "$(inst "$1" mem_of gcp gcp_shm_alloc) $(inst "$1" mem_of tm insert_tmcb)" ;;
	*) echo "$(inst "$1" mem_of htable) 0" ;;
	esac
}

# ---- set-up ----
cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
for name in "${NAMES[@]}"; do
	n=${I_SIZE[$name]}
	# every pickup leaves a transaction in tm's wait timer for 5 s: a few
	# thousand pickups/s need the same 1 GB as 10,000 ringing calls
	mb=$BENCH_SHM_MB
	case ${I_IMPL[$name]} in
	gcp) BENCH_SHM_MB=$mb inst "$name" bk_start "pickup-$name" "$OUT/kamailio-bench.cfg" -A GCP_REPLACES || exit 1 ;;
	htable) BENCH_SHM_MB=$mb inst "$name" bk_start "pickup-$name" "$BROOT/bench/htable-pickup.cfg" || exit 1 ;;
	htable-scan) BENCH_SHM_MB=$mb inst "$name" bk_start "pickup-$name" "$BROOT/bench/htable-pickup.cfg" -A HT_SCAN || exit 1 ;;
	*) echo "unknown implementation ${I_IMPL[$name]}" >&2; exit 1 ;;
	esac
	inst "$name" bs_register "$OUT/members.csv" "$NGROUPS" || exit 1
done
bs_start member bench_uas_member.xml $P_MEMBER
bs_start cua bench_uas_caller_refuse.xml $P_CUA
sleep 0.3
declare -A MEM0=() MEM=()
for name in "${NAMES[@]}"; do MEM0[$name]=$(mem_now "$name"); done

for name in "${NAMES[@]}"; do
	n=${I_SIZE[$name]}
	k=${I_K[$name]}
	csv=$OUT/callees-$n.csv
	{
		echo SEQUENTIAL
		for ((c = 0; c < n; c++)); do echo "$((10000 + c % NGROUPS))"; done
	} >"$csv"
	log "pickup: $name: $n calls start ringing"
	inst "$name" bs_start "fill$k" bench_uac_ring.xml $((P_FILL + k)) -inf "$csv" -m "$n" \
		-r "$FILL_RATE" -l 20000 -key contact_port $P_CUA "${I_ADDR[$name]}"
	ok=0
	for i in $(seq 1 $((n / 50 + 120))); do
		r=$(ringing_now "$name")
		if [ "${r:-0}" -ge "$n" ]; then ok=1; break; fi
		sleep 0.5
	done
	if [ $ok != 1 ]; then
		echo "pickup: $name: only ${r:-0} of $n calls ringing" >&2
		exit 1
	fi
done
sleep 1
for name in "${NAMES[@]}"; do
	MEM[$name]=$(mem_now "$name")
	ng=$((${I_SIZE[$name]} < NGROUPS ? ${I_SIZE[$name]} : NGROUPS))
	{
		echo SEQUENTIAL
		for ((g = 0; g < ng; g++)); do echo "$((70000 + g))"; done
	} >"$OUT/groups-${I_SIZE[$name]}.csv"
done

# ---- latency: all instances at once ----
npk=$((LAT_RATE * LAT_SECONDS))
pcap=$OUT/pickup-latency.pcap
rm -f "$pcap"
tcpdump -i lo -n -s 1500 -B 32768 -U -w "$pcap" \
	"udp and ((src portrange $P_LAT-$((P_LAT + ${#NAMES[@]} - 1))) or dst port $P_CUA)" \
	>"$OUT/tcpdump.err" 2>&1 &
TCPDUMP_PID=$!
for i in $(seq 1 100); do grep -q "listening on" "$OUT/tcpdump.err" && break; sleep 0.05; done
sleep 0.5
log "pickup: latency, $LAT_RATE pickups/s on every instance at once for $LAT_SECONDS s"
for name in "${NAMES[@]}"; do
	k=${I_K[$name]}
	inst "$name" bs_start "lat$k" bench_uac_pickup.xml $((P_LAT + k)) -inf "$OUT/groups-${I_SIZE[$name]}.csv" \
		-r "$LAT_RATE" -m "$npk" -l 50 -recv_timeout 10000 "${I_ADDR[$name]}"
done
declare -A LAT_OK=() LAT_FAILED=()
for name in "${NAMES[@]}"; do
	k=${I_K[$name]}
	bs_wait "lat$k"
	read -r _ lok lfailed <<<"$(sipp_now "lat$k")"
	LAT_OK[$name]=$lok
	LAT_FAILED[$name]=$lfailed
done
sleep 0.3
kill -INT "$TCPDUMP_PID" 2>/dev/null
wait "$TCPDUMP_PID" 2>/dev/null
TCPDUMP_PID=
pairs=()
for name in "${NAMES[@]}"; do
	pairs+=("${I_ADDR[$name]##*:}:$((P_LAT + ${I_K[$name]}))")
done
LAT=$(python3 "$BROOT/bench/pcap_latency.py" "$pcap" "$P_CUA" "${pairs[@]}")
rm -f "$pcap"

# ---- throughput: one instance at a time ----
# Kamailio under test on CPU 0, the SIPp parties (the pickers, the callers'
# UA, the members' phones) on CPU 1. BENCH_THR_ROUNDS rounds per size, the
# implementations in turn within a round, so that each round compares them
# close in time; the profiles are taken in a window of their own.

# thr_start <name> <n>: the pickers on instance <name>, Kamailio pinned
thr_start() {
	local name=$1 n=$2
	[ $PIN = 1 ] && inst "$name" bk_pin 0
	# at most one pickup outstanding per 3 ringing calls: a pickup holds
	# its call until the 486, and one that finds its group's only call
	# still held gets a 480 (a failed pickup)
	conc=$((n / 3 < CONC ? n / 3 : CONC))
	[ "$conc" -ge 1 ] || conc=1
	BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	inst "$name" bs_start thr bench_uac_pickup.xml $P_THR -inf "$OUT/groups-$n.csv" -r 100000 \
		-l "$conc" -m 100000000 -recv_timeout 10000 "${I_ADDR[$name]}"
	BS_TASKSET=
	sleep 1
}
thr_stop() {
	bs_stop thr
	[ $PIN = 1 ] && inst "$1" bk_pin "$ALLCPUS"
	sleep 1 # the last pickups end (486, ACK)
}

declare -A THR=()
if [ $PIN = 1 ]; then
	for p in "${BS_PID[@]}"; do taskset -p -c 1 "$p" >/dev/null 2>&1; done
fi
for n in $SIZES; do
	# warm-up, not measured: the first seconds of load touch fresh shared
	# memory (page faults) until tm's wait timer frees transactions as fast
	# as new ones come (5 s); every instance once
	for impl in $IMPLS; do
		thr_start "$impl-$n" "$n"
		sleep "$WARMUP_SECONDS"
		thr_stop "$impl-$n"
	done
	for ((round = 1; round <= THR_ROUNDS; round++)); do
		for impl in $IMPLS; do
			name=$impl-$n
			thr_start "$name" "$n"
			read -r ta sa fa <<<"$(sipp_next_row thr)"
			ca=$(inst "$name" bk_cpu_ns)
			sa_cpu=$(($(pid_cpu_ns "${BS_PID[thr]}") + $(pid_cpu_ns "${BS_PID[cua]}")))
			wa=$(date +%s%N)
			read -r j0a j0t <<<"$(cpu_jiffies 0)"
			sleep "$THR_SECONDS"
			read -r tb sb fb <<<"$(sipp_next_row thr)"
			cb=$(inst "$name" bk_cpu_ns)
			sb_cpu=$(($(pid_cpu_ns "${BS_PID[thr]}") + $(pid_cpu_ns "${BS_PID[cua]}")))
			wb=$(date +%s%N)
			read -r j0b j0tb <<<"$(cpu_jiffies 0)"
			thr_stop "$name"
			done_p=$((sb - sa))
			thr=$(awk -v d="$done_p" -v a="$ta" -v b="$tb" 'BEGIN { printf "%.1f", ((b > a) ? d / (b - a) : 0) }')
			cpu_us=$(awk -v d="$done_p" -v c=$((cb - ca)) 'BEGIN { printf "%.1f", ((d > 0) ? c / 1000 / d : 0) }')
			kbusy=$(awk -v c=$((cb - ca)) -v w=$((wb - wa)) 'BEGIN { printf "%.2f", c / w }')
			# CPU 0 as a whole (Kamailio and anything else the scheduler put there)
			c0busy=$(awk -v b=$((j0b - j0a)) -v t=$((j0tb - j0t)) 'BEGIN { printf "%.2f", (t > 0) ? b / t : 0 }')
			sbusy=$(awk -v c=$((sb_cpu - sa_cpu)) -v w=$((wb - wa)) 'BEGIN { printf "%.2f", c / w }')
			r="{\"round\": $round, \"pickups_per_s\": $thr, \"seconds\": $THR_SECONDS, \"concurrent\": $conc, \"pinned\": $PIN, \"pickups\": $done_p, \"failed\": $((fb - fa)), \"kamailio_cpu_us_per_pickup\": $cpu_us, \"kamailio_busy_cores\": $kbusy, \"sipp_busy_cores\": $sbusy, \"cpu0_busy\": $c0busy}"
			THR[$name]="${THR[$name]:+${THR[$name]}, }$r"
			log "pickup: $name, round $round: $thr pickups/s, $cpu_us us CPU per pickup, Kamailio busy $kbusy cores, SIPp $sbusy, CPU 0 busy $c0busy, $((fb - fa)) failed"
		done
	done
done

# profiles of the largest size, each in a window of its own (perf's own
# cost stays out of the figures above)
if [ "$PROFILE" = 1 ] && command -v perf >/dev/null; then
	for impl in $IMPLS; do
		name=$impl-$LARGEST
		thr_start "$name" "$LARGEST"
		perf record -e cpu-clock -F 499 -g -o "$OUT/perf-$impl.data" \
			-p "$(inst "$name" bk_pids | paste -sd,)" -- sleep "$THR_SECONDS" >/dev/null 2>&1
		thr_stop "$name"
		{
			echo "# perf record -e cpu-clock, Kamailio (all processes), $impl, $LARGEST ringing,"
			echo "# pickup throughput run: share of samples by module (dso)"
			perf report -i "$OUT/perf-$impl.data" --no-children --sort dso -g none --stdio 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -n 12
			echo "# by function (self)"
			perf report -i "$OUT/perf-$impl.data" --no-children --sort dso,sym -g none --stdio 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -n 30
			echo "# by function, including callees (children)"
			perf report -i "$OUT/perf-$impl.data" --children --sort sym -g none --stdio 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -n 40
		} >"$RES/profile-pickup-$impl-$LARGEST.txt"
		rm -f "$OUT/perf-$impl.data"
	done
fi
bs_stop_all
inst_stop_all

# ---- JSON ----
python3 - "$RES/pickup.json" "$LAT" "$NGROUPS" "$LAT_RATE" "$npk" <<EOF
import json, statistics, sys
out, lat, ngroups, rate, npk = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
impls = {}


def thr_summary(rounds):
    """medians over the rounds; the rounds themselves kept"""
    med = lambda k: statistics.median(r[k] for r in rounds)
    out = {k: med(k) for k in ("pickups_per_s", "kamailio_cpu_us_per_pickup", "kamailio_busy_cores",
                               "sipp_busy_cores", "cpu0_busy")}
    out.update({"seconds": rounds[0]["seconds"], "concurrent": rounds[0]["concurrent"],
                "pinned": rounds[0]["pinned"], "pickups": sum(r["pickups"] for r in rounds),
                "failed": sum(r["failed"] for r in rounds), "rounds": rounds})
    return out


$(for name in "${NAMES[@]}"; do
	read -r m0 t0 <<<"${MEM0[$name]}"
	read -r m1 t1 <<<"${MEM[$name]}"
	n=${I_SIZE[$name]}
	echo "impls.setdefault('${I_IMPL[$name]}', {})['$n'] = {'ringing': $n, 'groups_with_calls': min($n, ngroups), 'port': ${I_ADDR[$name]##*:},"
	echo "  'throughput': thr_summary(json.loads('[${THR[$name]}]')),"
	echo "  'latency': {'rate_per_s': rate, 'pickups': npk, 'ok': ${LAT_OK[$name]:-0}, 'failed': ${LAT_FAILED[$name]:-0}, 'capture': lat.get('${I_ADDR[$name]##*:}')},"
	echo "  'kamailio_shm_errors': $(grep -c 'could not allocate shared memory\|out of mem' "$OUT/kamailio-pickup-$name.log"),"
	echo "  'shm': {'module_bytes': $((m1 - m0)), 'module_bytes_per_call': round($((m1 - m0)) / $n, 1), 'tm_callbacks_bytes_per_call': round($((t1 - t0)) / $n, 1)}}"
done)
json.dump({"method": "pickup at scale, all instances side by side", "groups": ngroups,
           "kamailio_children": 4, "impls": impls}, open(out, "w"), indent=2)
EOF
log "pickup: $RES/pickup.json"
