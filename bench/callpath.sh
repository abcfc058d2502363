#!/usr/bin/env bash
# make bench, part 2: what gcp_track() costs every call.
#
# The same INVITE -> 100/180 -> CANCEL -> 200/487 -> ACK load (a SIPp caller,
# and one SIPp for all 1,000 members' phones, calls spread over the members)
# through cfg/kamailio.cfg as generated into kamailio-bench.cfg: "with" is
# the cfg as it is, "without" the same file with -A BENCH_NO_TRACK (the
# gcp_track() call and the switch on its result left out; everything else,
# gcp_is_group_number() in route[PICKUP] included, runs in both). The cfg
# logs a tracked call at L_DBG, not printed at its debug=2, so "with" has no
# log write per call that "without" lacks.
# Kamailio is pinned to CPU 0, the SIPp parties to CPU 1.
#
#   side by side  at each of BENCH_CP_RATES calls/s, BENCH_CP_REPS times:
#                 both variants at once, each its own Kamailio (127.0.0.1:5075
#                 and :6575, both on CPU 0, the variants swapping instances
#                 every run) and its own caller at that rate for
#                 BENCH_CP_SECONDS: Kamailio's CPU per call (schedstat of the
#                 main process and its children); both see the same machine
#                 at the same time. CPU per call falls as the rate rises
#                 (fewer wake-ups per message), so the highest rate is the
#                 closest to the capacity that the target is about
#   ramp          BENCH_CP_RAMP rates, BENCH_CP_STEP_SECONDS each, one
#                 variant at a time (order alternating) until both failed:
#                 a step is failure-free when every call completed, none
#                 failed, no SIP retransmission was needed and the calls/s
#                 reached is at least 97% of the offered rate
#   profile       the "with" variant alone at the highest of BENCH_CP_RATES for
#                 BENCH_CP_SECONDS under perf record -e cpu-clock:
#                 bench/results/profile-callpath-with.txt (modules, gcp's
#                 functions, the hottest one annotated)
#   instructions  both variants under valgrind --tool=callgrind (every
#                 Kamailio process), BENCH_CP_CG_CALLS calls at 50/s, no SIP
#                 retransmissions (SIPp -nr):
#                 counters zeroed before the load and dumped after it
#                 (callgrind_control, by pid), so the Ir per call are the
#                 load's own; and the Ir of every call into gcp's functions
#
# Output: $RES/callpath.json
set -u
. "$(dirname "$0")/lib.sh"

RES=${BENCH_RESULTS:-$BROOT/bench/results}
REPS=${BENCH_CP_REPS:-5}
RATES=${BENCH_CP_RATES:-"200 400"}
RATE_MAX=$(tr ' ' '\n' <<<"$RATES" | sort -n | tail -n 1)
SECONDS_FIX=${BENCH_CP_SECONDS:-6}
RAMP=${BENCH_CP_RAMP:-"600 900 1200 1500 1800 2100 2400"}
STEP_SECONDS=${BENCH_CP_STEP_SECONDS:-4}
CG_CALLS=${BENCH_CP_CG_CALLS:-500}
PORT2=${BENCH_CP_PORT2:-6575}
NGROUPS=$(cat "$OUT/ngroups")
P_CALLER=6510 P_MEMBER=6600
PIN=1
[ "$(nproc)" -gt 1 ] || PIN=0

mkdir -p "$RES"

inst_define a "$KPORT"
inst_define b "$PORT2"
stop_all() {
	bs_stop_all
	inst_stop_all
}
trap stop_all EXIT

callees=$OUT/callees-all.csv
{
	echo SEQUENTIAL
	for ((k = 0; k < NGROUPS; k++)); do echo "$((10000 + k))"; done
} >"$callees"

variant_args() {
	case $1 in
	without) echo "-A BENCH_NO_TRACK" ;;
	esac
}

# start a variant in an instance: start_variant <a|b> <variant>
start_variant() {
	local i=$1 v=$2
	# shellcheck disable=SC2046
	inst "$i" bk_start "callpath-$v" "$OUT/kamailio-bench.cfg" $(variant_args "$v") || return 1
	inst "$i" bs_register "$OUT/members.csv" "$NGROUPS" || return 1
	[ $PIN = 1 ] && inst "$i" bk_pin 0
	return 0
}

# the JSON of one variant's run: result <variant> <caller name> <rate> <calls>
# <wall ns> <cpu ns> <tracked>
result() {
	local v=$1 name=$2 rate=$3 n=$4 wall=$5 cpu=$6 tracked=$7 ok failed retr
	ok=$(bs_stat "$name" 'SuccessfulCall(C)')
	failed=$(bs_stat "$name" 'FailedCall(C)')
	retr=$(bs_stat "$name" 'Retransmissions(C)')
	awk -v v="$v" -v r="$rate" -v n="$n" -v ok="$ok" -v f="$failed" \
		-v re="$retr" -v w="$wall" -v c="$cpu" -v tr="${tracked:-0}" 'BEGIN {
		cps = ok / (w / 1e9)
		free = (ok == n && f == 0 && re == 0 && cps >= 0.97 * r) ? "true" : "false"
		printf "{\"variant\": \"%s\", \"offered_cps\": %d, \"calls\": %d, \"ok\": %d, \"failed\": %d, \"retransmissions\": %d, \"tracked\": %d, \"seconds\": %.2f, \"reached_cps\": %.1f, \"kamailio_cpu_us_per_call\": %.1f, \"failure_free\": %s}",
			v, r, n, ok, f, re, tr, w / 1e9, cps, (ok > 0 ? c / 1000 / ok : 0), free
	}'
}

tracked_of() {
	kc stats.get_statistics gcp: 2>/dev/null | sed -n 's/^gcp:tracked = //p'
}

# the variants at once: side_run <rotation> <rate>; JSON in RUN
SIDE_VARIANTS=(without with)
side_run() {
	local rot=$1 RATE=$2 n k v i insts=(a b)
	local -A vi=() c0=() c1=() t0=() t1=() tr=()
	n=$((RATE * SECONDS_FIX))
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	for k in 0 1; do
		v=${SIDE_VARIANTS[$k]}
		vi[$v]=${insts[$(((k + rot) % 2))]}
		start_variant "${vi[$v]}" "$v" || return 1
	done
	local BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	bs_start member bench_uas_member.xml $P_MEMBER
	sleep 0.3
	for v in "${SIDE_VARIANTS[@]}"; do c0[$v]=$(inst "${vi[$v]}" bk_cpu_ns); done
	k=0
	for v in "${SIDE_VARIANTS[@]}"; do
		i=${vi[$v]}
		t0[$v]=$(date +%s%N)
		inst "$i" bs_start "caller-$v" bench_uac_cancel.xml $((P_CALLER + k)) -inf "$callees" \
			-m "$n" -r "$RATE" -l 5000 -recv_timeout 5000 "${I_ADDR[$i]}"
		k=$((k + 1))
	done
	# each variant's end as soon as its caller exits (polled, not waited
	# for in turn: the second would otherwise be read late)
	local left=${#SIDE_VARIANTS[@]}
	while [ "$left" -gt 0 ]; do
		for v in "${SIDE_VARIANTS[@]}"; do
			[ -n "${t1[$v]:-}" ] && continue
			if ! running "${BS_PID[caller-$v]}"; then
				t1[$v]=$(date +%s%N)
				c1[$v]=$(inst "${vi[$v]}" bk_cpu_ns)
				bs_wait "caller-$v"
				left=$((left - 1))
			fi
		done
		sleep 0.01
	done
	for v in "${SIDE_VARIANTS[@]}"; do tr[$v]=$(inst "${vi[$v]}" tracked_of); done
	bs_stop member
	inst_stop_all
	RUN="{\"rotation\": $rot, \"rate\": $RATE"
	for v in "${SIDE_VARIANTS[@]}"; do
		RUN+=", \"$v\": $(result "$v" "caller-$v" "$RATE" "$n" $((${t1[$v]} - ${t0[$v]})) $((${c1[$v]} - ${c0[$v]})) "${tr[$v]}")"
	done
	RUN+="}"
}

# one variant alone: step_run <variant> <rate> <seconds>; JSON in RUN
step_run() {
	local v=$1 rate=$2 secs=$3 n t0 t1 c0 c1 tr
	n=$((rate * secs))
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	start_variant a "$v" || return 1
	local BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	bs_start member bench_uas_member.xml $P_MEMBER
	sleep 0.2
	c0=$(inst a bk_cpu_ns)
	t0=$(date +%s%N)
	inst a bs_start caller bench_uac_cancel.xml $P_CALLER -inf "$callees" -m "$n" -r "$rate" \
		-l 5000 -recv_timeout 5000 "$KADDR"
	bs_wait caller
	t1=$(date +%s%N)
	c1=$(inst a bk_cpu_ns)
	tr=$(inst a tracked_of)
	bs_stop member
	inst a bk_stop
	RUN=$(result "$v" caller "$rate" "$n" $((t1 - t0)) $((c1 - c0)) "$tr")
}

# instructions per call under callgrind: cg_run <variant>; JSON in RUN
cg_run() {
	local v=$1
	local dir=$OUT/cg-$v ok t0 t1
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	# shellcheck disable=SC2046
	inst a bk_cg_start "callgrind-$v" "$dir" "$OUT/kamailio-bench.cfg" $(variant_args "$v") || return 1
	inst a bs_register "$OUT/members.csv" "$NGROUPS" || return 1
	bs_start member bench_uas_member.xml $P_MEMBER
	sleep 1
	inst a bk_cg_zero
	t0=$(date +%s%N)
	# no SIP retransmissions (-nr): a Kamailio under valgrind answers late,
	# and every retransmission would be counted as the call's work
	bs_start caller bench_uac_cancel.xml $P_CALLER -inf "$callees" -m "$CG_CALLS" -r 50 \
		-l 5000 -nr -recv_timeout 20000 "$KADDR"
	bs_wait caller
	ok=$(bs_stat caller 'SuccessfulCall(C)')
	inst a bk_cg_dump
	t1=$(date +%s%N)
	bs_stop member
	inst a bk_stop
	RUN="{\"variant\": \"$v\", \"calls\": $CG_CALLS, \"ok\": $ok, \"retransmissions\": $(bs_stat caller 'Retransmissions(C)'), \"seconds\": $(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }'), \"callgrind\": $(python3 "$BROOT/bench/callgrind_sum.py" total "$dir"/cg.*.1)}"
	rm -rf "$dir"
}

runs=()
for rate in $RATES; do
	log "call path: side by side at $rate calls/s each"
	for ((i = 0; i < REPS; i++)); do
		side_run $((i % 2)) "$rate" || exit 1
		log "  $RUN"
		runs+=("$RUN")
	done
done

# perf profile of the "with" variant
if command -v perf >/dev/null; then
	log "call path: perf profile of the with variant"
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	start_variant a with || exit 1
	BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	bs_start member bench_uas_member.xml $P_MEMBER
	sleep 0.3
	pdata=$OUT/perf-callpath.data
	perf record -e cpu-clock -F 4000 -g -o "$pdata" -p "$(inst a bk_pids | paste -sd,)" \
		-- sleep $((SECONDS_FIX + 1)) >/dev/null 2>&1 &
	ppid=$!
	sleep 0.3
	bs_start caller bench_uac_cancel.xml $P_CALLER -inf "$callees" -m $((RATE_MAX * SECONDS_FIX)) \
		-r "$RATE_MAX" -l 5000 -recv_timeout 5000 "$KADDR"
	bs_wait caller
	wait "$ppid"
	bs_stop member
	inst a bk_stop
	BS_TASKSET=
	top=$(perf report -i "$pdata" --no-children --sort sym -g none --stdio --dsos gcp.so 2>/dev/null |
		awk '$1 ~ /%$/ { print $NF; exit }')
	{
		echo "# perf record -e cpu-clock -F 4000, Kamailio (all processes), cfg with gcp_track(),"
		echo "# $RATE_MAX INVITE-180-CANCEL calls/s for $SECONDS_FIX s"
		echo "# share of samples by module (dso)"
		perf report -i "$pdata" --no-children --sort dso -g none --stdio 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 14
		echo "# gcp.so functions (self, share of all samples)"
		perf report -i "$pdata" --no-children --sort sym -g none --stdio --dsos gcp.so 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 15
		if [ -n "$top" ]; then
			echo "# hottest gcp function: $top, its hottest source lines (share of its samples)"
			perf annotate -i "$pdata" --stdio -l -s "$top" 2>/dev/null |
				awk '/Sorted summary/ { on = 1; next } /Percent \|/ { exit } on && NF == 2 && $1 ~ /^[0-9.]+$/' |
				head -n 5
		fi
	} >"$RES/profile-callpath-with.txt"
	rm -f "$pdata"
fi

steps=()
alive_without=1
alive_with=1
i=0
log "call path: ramp"
for rate in $RAMP; do
	if ((i % 2 == 0)); then order="without with"; else order="with without"; fi
	i=$((i + 1))
	for v in $order; do
		step_run "$v" "$rate" "$STEP_SECONDS" || exit 1
		log "  $RUN"
		steps+=("$RUN")
		if grep -q '"failure_free": false' <<<"$RUN"; then
			[ "$v" = without ] && alive_without=0
			[ "$v" = with ] && alive_with=0
		fi
	done
	[ $alive_without = 0 ] && [ $alive_with = 0 ] && break
done

cgs=()
for v in without with; do
	log "call path: callgrind, $v"
	cg_run "$v" || exit 1
	log "  $RUN"
	cgs+=("$RUN")
done

{
	echo "{\"method\": \"INVITE-180-CANCEL through kamailio-bench.cfg with and without gcp_track()\","
	echo " \"rates\": [$(tr ' ' , <<<"$RATES")], \"seconds\": $SECONDS_FIX, \"step_seconds\": $STEP_SECONDS,"
	echo " \"pinned\": $PIN, \"ports\": [$KPORT, $PORT2],"
	# the block that -A BENCH_NO_TRACK leaves out, and the cfg's log level
	echo " \"track_block\": $(sed -n '/^#!ifndef BENCH_NO_TRACK/,/^#!endif/p' "$OUT/kamailio-bench.cfg" |
		sed '1d;$d' | python3 -c 'import json, sys; print(json.dumps(sys.stdin.read().rstrip("\n").split("\n")))'),"
	echo " \"cfg_debug\": \"$(grep -m1 '^debug=' "$OUT/kamailio-bench.cfg")\","
	echo " \"paired\": [$(IFS=,; echo "${runs[*]}")],"
	echo " \"ramp\": [$(IFS=,; echo "${steps[*]}")],"
	echo " \"callgrind\": [$(IFS=,; echo "${cgs[*]}")]}"
} | python3 -m json.tool >"$RES/callpath.json"
log "call path: $RES/callpath.json"
