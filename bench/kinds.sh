#!/usr/bin/env bash
# make bench, part 4: the kinds of pickup of issue 13.
#
#   empty   a pickup that finds nothing (a group in which nothing rings)
#           against the same proxy answering the same INVITE with a
#           stateless 480: kamailio-bench.cfg as it is ("empty": route[PICKUP]
#           calls gcp_pickup(), which returns -3, and route[PICKUP_DONE]
#           answers 480 with send_reply(), statelessly: no transaction) and
#           the same file with -A BENCH_SL_480 ("sl480": sl_send_reply("480")
#           where route[PICKUP] calls gcp_pickup(); everything before it the
#           same). Side by side: both at once, each its own Kamailio
#           (127.0.0.1:5075 and :6575, both pinned to CPU 0, swapping
#           instances every run) and its own picker SIPp (CPU 1) dialing the
#           1,000 group numbers in turn at each of BENCH_EP_RATES INVITEs/s
#           for BENCH_EP_SECONDS, BENCH_EP_REPS times: Kamailio's CPU per
#           INVITE (schedstat, INVITE to ACK). Then each under callgrind,
#           BENCH_EP_CG INVITEs at 100/s: instructions per INVITE (the
#           picker without SIP retransmissions: Kamailio under valgrind
#           answers late).
#   flat    directed pickups (an INVITE to **<member>, the member's oldest
#           call) and Replaces pickups (an INVITE to the member whose
#           Replaces names one ringing call by its Call-ID and the caller's
#           From tag, as a BLF key sends it) with BENCH_KIND_SIZES calls
#           ringing: gcp in replaces mode, one Kamailio per size, all filled
#           at once as in part 3 (1,000 members, call k rings member
#           10000 + k mod 1000; the callers' UA refuses every pickup with
#           486, so the call rings again and the number ringing stays the
#           same). The Replaces headers come from the calls as the fill
#           made them: SIPp's Call-ID "<k>-<pid>@127.0.0.1" and From tag
#           "<pid>x<k>" of its call k. Then each instance alone in turn,
#           pinned to CPU 0 (the SIPp parties on CPU 1): the same load at
#           every size, BENCH_KIND_RATE pickups/s (at most BENCH_KIND_CONC
#           outstanding, and one per 3 ringing calls), a warm-up of
#           BENCH_KIND_WARMUP s per kind, then BENCH_KIND_ROUNDS rounds of
#           BENCH_KIND_SECONDS per kind (directed, then Replaces, every size
#           in each round): pickups/s and Kamailio's CPU per pickup. Then
#           instructions per pickup under callgrind at the smallest and the
#           largest size (BENCH_KIND_CG pickups of each kind at 50/s, no SIP
#           retransmissions; the
#           set-up, filled at BENCH_KIND_CG_FILL_RATE calls/s, runs with
#           instrumentation off).
#
#   BENCH_KIND_PARTS  "empty flat" (default): the parts to run
#
# Output: $RES/kinds.json
set -u
. "$(dirname "$0")/lib.sh"

RES=${BENCH_RESULTS:-$BROOT/bench/results}
PARTS=${BENCH_KIND_PARTS:-"empty flat"}
EP_RATES=${BENCH_EP_RATES:-"500 1000"}
EP_SECONDS=${BENCH_EP_SECONDS:-5}
EP_REPS=${BENCH_EP_REPS:-5}
EP_CG=${BENCH_EP_CG:-1000}
SIZES=${BENCH_KIND_SIZES:-"10 1000 10000"}
CONC=${BENCH_KIND_CONC:-32}
K_SECONDS=${BENCH_KIND_SECONDS:-3}
ROUNDS=${BENCH_KIND_ROUNDS:-5}
WARMUP=${BENCH_KIND_WARMUP:-4}
K_CG=${BENCH_KIND_CG:-300}
FILL_RATE=${BENCH_FILL_RATE:-700}
CG_FILL_RATE=${BENCH_KIND_CG_FILL_RATE:-200}
RATE=${BENCH_KIND_RATE:-500}
NGROUPS=$(cat "$OUT/ngroups")
SMALLEST=$(tr ' ' '\n' <<<"$SIZES" | sort -n | head -n 1)
LARGEST=$(tr ' ' '\n' <<<"$SIZES" | sort -n | tail -n 1)
KINDS="directed replaces"

# SIPp ports: the empty pickers 6510+, the callers' UA 6520, the pickers of
# the flat part 6529, fills 6540+, the members' phones 6600; Kamailio:
# 5075, then 6575+
P_EP=6510 P_CUA=6520 P_THR=6529 P_FILL=6540 P_MEMBER=6600
PIN=1
[ "$(nproc)" -gt 1 ] || PIN=0
ALLCPUS=0-$(($(nproc) - 1))

mkdir -p "$RES"
stop_all() {
	bs_stop_all
	inst_stop_all
}
trap stop_all EXIT

want() { grep -qw "$1" <<<"$PARTS"; }

# the group numbers, each once (nothing rings in any of them in part "empty")
{
	echo SEQUENTIAL
	for ((g = 0; g < NGROUPS; g++)); do echo "$((70000 + g))"; done
} >"$OUT/groups-all.csv"

# ------------------------------------------------------------ empty

ep_args() {
	case $1 in
	sl480) echo "-A BENCH_SL_480" ;;
	esac
}

# the JSON of one variant's run: ep_result <variant> <sipp name> <rate>
# <invites> <wall ns> <cpu ns> <empty pickups counted by gcp>
ep_result() {
	local ok failed retr
	ok=$(bs_stat "$2" 'SuccessfulCall(C)')
	failed=$(bs_stat "$2" 'FailedCall(C)')
	retr=$(bs_stat "$2" 'Retransmissions(C)')
	awk -v v="$1" -v r="$3" -v n="$4" -v ok="$ok" -v f="$failed" -v re="$retr" \
		-v w="$5" -v c="$6" -v e="${7:-0}" 'BEGIN {
		printf "{\"variant\": \"%s\", \"offered_per_s\": %d, \"invites\": %d, \"ok\": %d, \"failed\": %d, \"retransmissions\": %d, \"pickup_empty\": %d, \"seconds\": %.2f, \"reached_per_s\": %.1f, \"kamailio_cpu_us_per_invite\": %.2f}",
			v, r, n, ok, f, re, e, w / 1e9, ok / (w / 1e9), (ok > 0 ? c / 1000 / ok : 0)
	}'
}

empty_of() {
	kc stats.get_statistics gcp: 2>/dev/null | sed -n 's/^gcp:pickup_empty = //p'
}

# both variants at once: ep_side <rotation> <rate>; JSON in RUN
EP_VARIANTS=(sl480 empty)
ep_side() {
	local rot=$1 rate=$2 n k v i insts=(a b)
	local -A vi=() c0=() c1=() t0=() t1=() e0=() e1=()
	n=$((rate * EP_SECONDS))
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	for k in 0 1; do
		v=${EP_VARIANTS[$k]}
		vi[$v]=${insts[$(((k + rot) % 2))]}
		# shellcheck disable=SC2046
		inst "${vi[$v]}" bk_start "empty-$v" "$OUT/kamailio-bench.cfg" $(ep_args "$v") || return 1
		[ $PIN = 1 ] && inst "${vi[$v]}" bk_pin 0
	done
	local BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	sleep 0.3
	for v in "${EP_VARIANTS[@]}"; do
		c0[$v]=$(inst "${vi[$v]}" bk_cpu_ns)
		e0[$v]=$(inst "${vi[$v]}" empty_of)
	done
	k=0
	for v in "${EP_VARIANTS[@]}"; do
		i=${vi[$v]}
		t0[$v]=$(date +%s%N)
		inst "$i" bs_start "ep-$v" bench_uac_empty.xml $((P_EP + k)) -inf "$OUT/groups-all.csv" \
			-m "$n" -r "$rate" -l 5000 -recv_timeout 5000 "${I_ADDR[$i]}"
		k=$((k + 1))
	done
	local left=${#EP_VARIANTS[@]}
	while [ "$left" -gt 0 ]; do
		for v in "${EP_VARIANTS[@]}"; do
			[ -n "${t1[$v]:-}" ] && continue
			if ! running "${BS_PID[ep-$v]}"; then
				t1[$v]=$(date +%s%N)
				c1[$v]=$(inst "${vi[$v]}" bk_cpu_ns)
				bs_wait "ep-$v"
				left=$((left - 1))
			fi
		done
		sleep 0.01
	done
	for v in "${EP_VARIANTS[@]}"; do e1[$v]=$(inst "${vi[$v]}" empty_of); done
	inst_stop_all
	RUN="{\"rotation\": $rot, \"rate\": $rate"
	for v in "${EP_VARIANTS[@]}"; do
		RUN+=", \"$v\": $(ep_result "$v" "ep-$v" "$rate" "$n" $((${t1[$v]} - ${t0[$v]})) \
			$((${c1[$v]} - ${c0[$v]})) $((${e1[$v]:-0} - ${e0[$v]:-0})))"
	done
	RUN+="}"
}

# instructions per INVITE under callgrind: ep_cg <variant>; JSON in RUN
ep_cg() {
	local v=$1 dir=$OUT/cg-empty-$1 ok t0 t1
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	# shellcheck disable=SC2046
	inst a bk_cg_start "callgrind-empty-$v" "$dir" "$OUT/kamailio-bench.cfg" $(ep_args "$v") || return 1
	sleep 1
	inst a bk_cg_zero
	t0=$(date +%s%N)
	# no SIP retransmissions (-nr): a Kamailio under valgrind answers
	# late, and every retransmitted INVITE would run the script again
	bs_start ep bench_uac_empty.xml $P_EP -inf "$OUT/groups-all.csv" -m "$EP_CG" -r 100 \
		-l 5000 -nr -recv_timeout 20000 "$KADDR"
	bs_wait ep
	ok=$(bs_stat ep 'SuccessfulCall(C)')
	inst a bk_cg_dump
	t1=$(date +%s%N)
	inst a bk_stop
	RUN="{\"variant\": \"$v\", \"invites\": $EP_CG, \"ok\": $ok, \"retransmissions\": $(bs_stat ep 'Retransmissions(C)'), \"seconds\": $(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }'), \"callgrind\": $(python3 "$BROOT/bench/callgrind_sum.py" total "$dir"/cg.*.1)}"
	rm -rf "$dir"
}

EMPTY_JSON=null
if want empty; then
	inst_define a "$KPORT"
	inst_define b 6575
	runs=()
	for rate in $EP_RATES; do
		log "kinds: empty pickup and stateless 480 side by side at $rate INVITEs/s each"
		for ((i = 0; i < EP_REPS; i++)); do
			ep_side $((i % 2)) "$rate" || exit 1
			log "  $RUN"
			runs+=("$RUN")
		done
	done
	cgs=()
	for v in sl480 empty; do
		log "kinds: callgrind, $v"
		ep_cg "$v" || exit 1
		log "  $RUN"
		cgs+=("$RUN")
	done
	EMPTY_JSON="{\"rates\": [$(tr ' ' , <<<"$EP_RATES")], \"seconds\": $EP_SECONDS, \"pinned\": $PIN,
		\"ports\": [${I_ADDR[a]##*:}, ${I_ADDR[b]##*:}],
		\"baseline_block\": $(sed -n '/^#!ifdef BENCH_SL_480/,/^#!endif/p' "$OUT/kamailio-bench.cfg" |
		sed '1d;$d' | python3 -c 'import json, sys; print(json.dumps(sys.stdin.read().rstrip("\n").split("\n")))'),
		\"paired\": [$(IFS=,; echo "${runs[*]}")], \"callgrind\": [$(IFS=,; echo "${cgs[*]}")]}"
	unset 'I_ADDR[a]' 'I_ADDR[b]' 'I_CTL[a]' 'I_CTL[b]' 'I_PID[a]' 'I_PID[b]'
fi

# ------------------------------------------------------------ flat

# the pickers' input for <size> ringing calls made by the fill SIPp <pid>:
# directed-<n>.csv (**<member> of every member with calls), replaces-<n>.csv
# (member;Call-ID;From tag of every call)
flat_inputs() {
	local n=$1 pid=$2 k ng
	ng=$((n < NGROUPS ? n : NGROUPS))
	{
		echo SEQUENTIAL
		for ((k = 0; k < ng; k++)); do echo "**$((10000 + k))"; done
	} >"$OUT/directed-$n.csv"
	{
		echo SEQUENTIAL
		for ((k = 1; k <= n; k++)); do
			echo "$((10000 + (k - 1) % NGROUPS));$k-$pid@127.0.0.1;${pid}x$k"
		done
	} >"$OUT/replaces-$n.csv"
}

# fill <instance> <n> <index>: <n> calls ring there; the fill SIPp's pid in FILL_PID
fill() {
	local name=$1 n=$2 k=$3 csv=$OUT/callees-$2.csv r i ok=0
	{
		echo SEQUENTIAL
		for ((c = 0; c < n; c++)); do echo "$((10000 + c % NGROUPS))"; done
	} >"$csv"
	inst "$name" bs_start "fill$k" bench_uac_ring.xml $((P_FILL + k)) -inf "$csv" -m "$n" \
		-r "$FILL_RATE" -l 20000 -key contact_port $P_CUA "${I_ADDR[$name]}"
	FILL_PID=${BS_PID[fill$k]}
	for i in $(seq 1 $((n / 50 + 120))); do
		r=$(inst "$name" bk_gcp_ringing)
		if [ "${r:-0}" -ge "$n" ]; then ok=1; break; fi
		sleep 0.5
	done
	if [ $ok != 1 ]; then
		echo "kinds: $name: only ${r:-0} of $n calls ringing" >&2
		return 1
	fi
}

scen_of() {
	case $1 in
	directed) echo bench_uac_pickup.xml ;;
	replaces) echo bench_uac_replaces.xml ;;
	esac
}

# thr_start <instance> <n> <kind>: the pickers of a kind on an instance
thr_start() {
	local name=$1 n=$2 kind=$3 conc
	[ $PIN = 1 ] && inst "$name" bk_pin 0
	conc=$((n / 3 < CONC ? n / 3 : CONC))
	[ "$conc" -ge 1 ] || conc=1
	THR_CONC=$conc
	BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	inst "$name" bs_start thr "$(scen_of "$kind")" $P_THR -inf "$OUT/$kind-$n.csv" -r "$RATE" \
		-l "$conc" -m 100000000 -recv_timeout 10000 "${I_ADDR[$name]}"
	BS_TASKSET=
	sleep 1
}
thr_stop() {
	bs_stop thr
	[ $PIN = 1 ] && inst "$1" bk_pin "$ALLCPUS"
	sleep 1 # the last pickups end (486, ACK)
}

# one measurement: thr_measure <instance> <n> <kind> <round>; JSON in RUN
thr_measure() {
	local name=$1 n=$2 kind=$3 round=$4 ta sa fa tb sb fb ca cb wa wb j0a j0t j0b j0tb
	thr_start "$name" "$n" "$kind"
	read -r ta sa fa <<<"$(sipp_next_row thr)"
	ca=$(inst "$name" bk_cpu_ns)
	wa=$(date +%s%N)
	read -r j0a j0t <<<"$(cpu_jiffies 0)"
	sleep "$K_SECONDS"
	read -r tb sb fb <<<"$(sipp_next_row thr)"
	cb=$(inst "$name" bk_cpu_ns)
	wb=$(date +%s%N)
	read -r j0b j0tb <<<"$(cpu_jiffies 0)"
	thr_stop "$name"
	RUN=$(awk -v r="$round" -v s="$K_SECONDS" -v conc="$THR_CONC" -v pin="$PIN" -v d=$((sb - sa)) \
		-v f=$((fb - fa)) -v a="$ta" -v b="$tb" -v c=$((cb - ca)) -v w=$((wb - wa)) \
		-v jb=$((j0b - j0a)) -v jt=$((j0tb - j0t)) 'BEGIN {
		printf "{\"round\": %d, \"pickups_per_s\": %.1f, \"seconds\": %d, \"concurrent\": %d, \"pinned\": %d, \"pickups\": %d, \"failed\": %d, \"kamailio_cpu_us_per_pickup\": %.1f, \"kamailio_busy_cores\": %.2f, \"cpu0_busy\": %.2f}",
			r, (b > a) ? d / (b - a) : 0, s, conc, pin, d, f, (d > 0) ? c / 1000 / d : 0, c / w, (jt > 0) ? jb / jt : 0
	}')
}

# instructions per pickup of each kind under callgrind at <n> ringing:
# flat_cg <n>; JSON in RUN
flat_cg() {
	local n=$1 dir=$OUT/cg-flat-$1 kind i=0 out="" ok conc
	conc=$((n / 3 < 10 ? n / 3 : 10))
	[ "$conc" -ge 1 ] || conc=1
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	# the set-up (registrations, the fill) uninstrumented: valgrind's
	# Kamailio would not keep up with the fill otherwise
	CG_INSTR=no BENCH_CG_SHM_MB=$BENCH_SHM_MB inst a bk_cg_start "callgrind-flat-$n" "$dir" \
		"$OUT/kamailio-bench.cfg" -A GCP_REPLACES || return 1
	inst a bs_register "$OUT/members.csv" "$NGROUPS" || return 1
	bs_start member bench_uas_member.xml $P_MEMBER
	bs_start cua bench_uas_caller_refuse.xml $P_CUA
	sleep 0.3
	FILL_RATE=$CG_FILL_RATE fill a "$n" 9 || return 1
	flat_inputs "$n" "$FILL_PID"
	sleep 1
	inst a bk_cg_instr on
	for kind in $KINDS; do
		i=$((i + 1))
		inst a bk_cg_zero
		# (at most one outstanding per 3 ringing calls, as above: under
		# valgrind a pickup takes long, and one that finds its call still
		# held would fail)
		bs_start cgp "$(scen_of "$kind")" $P_THR -inf "$OUT/$kind-$n.csv" -m "$K_CG" -r 50 \
			-l "$conc" -nr -recv_timeout 20000 "$KADDR"
		bs_wait cgp
		ok=$(bs_stat cgp 'SuccessfulCall(C)')
		inst a bk_cg_dump
		out+="${out:+, }\"$kind\": {\"pickups\": $K_CG, \"ok\": $ok, \"retransmissions\": $(bs_stat cgp 'Retransmissions(C)'), \"callgrind\": $(python3 "$BROOT/bench/callgrind_sum.py" total "$dir"/cg.*."$i")}"
	done
	bs_stop_all
	inst a bk_stop
	RUN="{$out}"
	rm -rf "$dir"
}

FLAT_JSON=null
if want flat; then
	NAMES=()
	declare -A I_SIZE=() I_K=()
	k=0
	for n in $SIZES; do
		name=flat-$n
		NAMES+=("$name")
		I_SIZE[$name]=$n
		I_K[$name]=$k
		if [ $k = 0 ]; then inst_define "$name" "$KPORT"; else inst_define "$name" $((6574 + k)); fi
		k=$((k + 1))
	done
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	for name in "${NAMES[@]}"; do
		inst "$name" bk_start "$name" "$OUT/kamailio-bench.cfg" -A GCP_REPLACES || exit 1
		inst "$name" bs_register "$OUT/members.csv" "$NGROUPS" || exit 1
	done
	bs_start member bench_uas_member.xml $P_MEMBER
	bs_start cua bench_uas_caller_refuse.xml $P_CUA
	sleep 0.3
	for name in "${NAMES[@]}"; do
		log "kinds: $name: ${I_SIZE[$name]} calls start ringing"
		fill "$name" "${I_SIZE[$name]}" "${I_K[$name]}" || exit 1
		flat_inputs "${I_SIZE[$name]}" "$FILL_PID"
	done
	sleep 1
	if [ $PIN = 1 ]; then
		for p in "${BS_PID[@]}"; do taskset -p -c 1 "$p" >/dev/null 2>&1; done
	fi
	declare -A THR=()
	# warm-up, not measured: every instance and kind once
	for name in "${NAMES[@]}"; do
		for kind in $KINDS; do
			thr_start "$name" "${I_SIZE[$name]}" "$kind"
			sleep "$WARMUP"
			thr_stop "$name"
		done
	done
	for ((round = 1; round <= ROUNDS; round++)); do
		for name in "${NAMES[@]}"; do
			for kind in $KINDS; do
				thr_measure "$name" "${I_SIZE[$name]}" "$kind" "$round"
				THR[$name.$kind]="${THR[$name.$kind]:+${THR[$name.$kind]}, }$RUN"
				log "kinds: $name, $kind, round $round: $RUN"
			done
		done
	done
	declare -A RINGING_END=()
	for name in "${NAMES[@]}"; do RINGING_END[$name]=$(inst "$name" bk_gcp_ringing); done
	bs_stop_all
	inst_stop_all
	thr_json=""
	for name in "${NAMES[@]}"; do
		n=${I_SIZE[$name]}
		thr_json+="${thr_json:+, }\"$n\": {\"ringing\": $n, \"ringing_at_end\": ${RINGING_END[$name]:-0}, \"groups_with_calls\": $((n < NGROUPS ? n : NGROUPS)),
			\"directed\": [${THR[$name.directed]}], \"replaces\": [${THR[$name.replaces]}]}"
	done
	unset 'I_ADDR[a]' 'I_CTL[a]' 'I_PID[a]'
	inst_define a "$KPORT"
	cg_json=""
	for n in $SMALLEST $LARGEST; do
		log "kinds: callgrind, directed and Replaces pickups at $n ringing"
		flat_cg "$n" || exit 1
		log "  done"
		cg_json+="${cg_json:+, }\"$n\": $RUN"
	done
	FLAT_JSON="{\"sizes\": [$(tr ' ' , <<<"$SIZES")], \"groups\": $NGROUPS, \"seconds\": $K_SECONDS, \"rate\": $RATE,
		\"rounds\": $ROUNDS, \"throughput\": {$thr_json}, \"callgrind\": {$cg_json}}"
fi

# the JSON of an earlier run keeps the part not run now
python3 - "$RES/kinds.json" "$EMPTY_JSON" "$FLAT_JSON" <<'EOF'
import json, sys
path, empty, flat = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
try:
    old = json.load(open(path))
except (OSError, ValueError):
    old = {}
out = {"method": "the kinds of pickup: the empty pickup against a stateless 480, "
                  "directed and Replaces pickups at several numbers of ringing calls",
       "empty": empty if empty is not None else old.get("empty"),
       "flat": flat if flat is not None else old.get("flat")}
json.dump(out, open(path, "w"), indent=2)
EOF
log "kinds: $RES/kinds.json"
