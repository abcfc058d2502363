#!/usr/bin/env bash
# make bench, part 4: other-group pickup (issue 14). What a pickup costs
# that walks ten empty groups before it finds a call, next to a pickup in
# the group where the calls ring.
#
# Three Kamailio instances, side by side (127.0.0.1:5075, :6575, :6576),
# all kamailio-bench.cfg in replaces mode (-A GCP_REPLACES) on the same
# groups: the 1,000 benchmark groups (70000-70999, one member each) and a
# range 71000-71099 without members, where group 71000 lists 71001 ...
# 71009 (empty) and then 70000:
#
#   own       pickers dial 70000, where the calls ring: one group looked at
#   walk      pickers dial 71000 (other_group_order "priority"): 71000 and
#             the 9 listed groups before 70000 are empty, 10 empty groups
#             walked before the call
#   walk-age  the same with -A GCP_OTHER_GROUP_AGE ("age"): all 11 groups
#             looked at for the oldest call, then its claim
#
# BENCH_OG_CALLS calls ring at member 10000 (group 70000) in every
# instance; the caller's UA refuses every pickup (486: the call rings
# again, as in part 3), so every pickup runs the whole claim, rewrite,
# relay and give-back path and the calls ringing stay the same. The three
# at once, all pinned to CPU 0 with the SIPp parties on CPU 1, each at
# BENCH_OG_RATE pickups/s (at most BENCH_OG_CONC outstanding) for
# BENCH_OG_SECONDS, BENCH_OG_ROUNDS rounds after one unmeasured: Kamailio's
# CPU per pickup (schedstat); the ratios walk / own per round, and their
# median. Then each variant alone under callgrind
# (BENCH_OG_CALLGRIND=0: not): instructions per pickup, a figure the
# machine's load does not move. Every walk pickup is checked to be an
# other-group one (the module's log line), every own one a group one.
#
# Output: $RES/other.json
set -u
. "$(dirname "$0")/lib.sh"

RES=${BENCH_RESULTS:-$BROOT/bench/results}
NCALLS=${BENCH_OG_CALLS:-300}
RATE=${BENCH_OG_RATE:-400}
THR_SECONDS=${BENCH_OG_SECONDS:-5}
ROUNDS=${BENCH_OG_ROUNDS:-5}
CONC=${BENCH_OG_CONC:-16}
NGROUPS=$(cat "$OUT/ngroups")
# SIPp ports: as part 3's (the parts run one after the other); the
# members' phone on 6600, as registered
P_CUA=6520 P_THR=6529 P_FILL=6540 P_MEMBER=6600
PIN=1
[ "$(nproc)" -gt 1 ] || PIN=0
VARIANTS=(own walk walk-age)
declare -A DIAL=([own]=70000 [walk]=71000 [walk-age]=71000)

mkdir -p "$RES"
inst_define own "$KPORT"
inst_define walk 6575
inst_define walk-age 6576
cleanup() {
	bs_stop_all
	inst_stop_all
}
trap cleanup EXIT

# ---- set-up ----
{
	sed '/^<\/gcp>/d' "$OUT/gcp.xml.bench"
	echo '  <range name="walk" first="71000" last="71099"/>'
	echo '  <group number="71000">'
	for g in 71001 71002 71003 71004 71005 71006 71007 71008 71009 70000; do
		echo "    <also group=\"$g\"/>"
	done
	echo '  </group>'
	echo '</gcp>'
} >"$OUT/gcp.xml"
for v in "${VARIANTS[@]}"; do
	args=(-A GCP_REPLACES)
	[ "$v" = walk-age ] && args+=(-A GCP_OTHER_GROUP_AGE)
	inst "$v" bk_start "other-$v" "$OUT/kamailio-bench.cfg" "${args[@]}" || exit 1
	# member 10000 only: the first line of the file
	inst "$v" bs_register "$OUT/members.csv" 1 || exit 1
	{
		echo SEQUENTIAL
		echo "${DIAL[$v]}"
	} >"$OUT/dial-$v.csv"
done
bs_start member bench_uas_member.xml $P_MEMBER
bs_start cua bench_uas_caller_refuse.xml $P_CUA
sleep 0.3
{
	echo SEQUENTIAL
	for ((c = 0; c < NCALLS; c++)); do echo 10000; done
} >"$OUT/callees-other.csv"
k=0
for v in "${VARIANTS[@]}"; do
	log "other: $v: $NCALLS calls start ringing in group 70000"
	inst "$v" bs_start "ogfill$k" bench_uac_ring.xml $((P_FILL + k)) -inf "$OUT/callees-other.csv" \
		-m "$NCALLS" -r 200 -l 20000 -key contact_port $P_CUA "${I_ADDR[$v]}"
	ok=0
	for i in $(seq 1 120); do
		r=$(inst "$v" bk_gcp_ringing)
		if [ "${r:-0}" -ge "$NCALLS" ]; then ok=1; break; fi
		sleep 0.5
	done
	if [ $ok != 1 ]; then
		echo "other: $v: only ${r:-0} of $NCALLS calls ringing" >&2
		exit 1
	fi
	k=$((k + 1))
done
# ---- side by side: the three at once, at the same pickup rate ----
# every instance on CPU 0 (the SIPp parties on CPU 1): whatever else the
# machine does in a window, all three see it
if [ $PIN = 1 ]; then
	for v in "${VARIANTS[@]}"; do inst "$v" bk_pin 0; done
	for p in "${BS_PID[@]}"; do taskset -p -c 1 "$p" >/dev/null 2>&1; done
fi
# side_run <round>: every variant's pickers at RATE for THR_SECONDS, at
# once; one JSON row per variant into THR (round 0: warm-up, not kept)
declare -A THR=()
side_run() {
	local round=$1 v k n=$((RATE * THR_SECONDS))
	local -A c0=() c1=()
	for v in "${VARIANTS[@]}"; do c0[$v]=$(inst "$v" bk_cpu_ns); done
	k=0
	BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	for v in "${VARIANTS[@]}"; do
		inst "$v" bs_start "thr$k" bench_uac_pickup.xml $((P_THR + k)) -inf "$OUT/dial-$v.csv" \
			-r "$RATE" -l "$CONC" -m "$n" -recv_timeout 10000 "${I_ADDR[$v]}"
		k=$((k + 1))
	done
	BS_TASKSET=
	k=0
	for v in "${VARIANTS[@]}"; do
		bs_wait "thr$k"
		k=$((k + 1))
	done
	sleep 0.5 # the last ACKs
	for v in "${VARIANTS[@]}"; do c1[$v]=$(inst "$v" bk_cpu_ns); done
	[ "$round" -gt 0 ] || return 0
	k=0
	for v in "${VARIANTS[@]}"; do
		local ok failed cpu
		ok=$(bs_stat "thr$k" 'SuccessfulCall(C)')
		failed=$(bs_stat "thr$k" 'FailedCall(C)')
		cpu=$(awk -v d="$ok" -v c=$((c1[$v] - c0[$v])) 'BEGIN { printf "%.2f", ((d > 0) ? c / 1000 / d : 0) }')
		THR[$v]="${THR[$v]:+${THR[$v]}, }{\"round\": $round, \"pickups\": $ok, \"failed\": $failed, \"kamailio_cpu_us_per_pickup\": $cpu}"
		log "other: $v, round $round: $ok pickups at $RATE/s, $cpu us CPU per pickup, $failed failed"
		k=$((k + 1))
	done
}
side_run 0
for ((round = 1; round <= ROUNDS; round++)); do
	side_run "$round"
done
bs_stop_all
# what each variant's pickups were: the module logs every one
declare -A KIND_OG=() KIND_G=()
for v in "${VARIANTS[@]}"; do
	KIND_OG[$v]=$(grep -c 'gcp_pickup_target(): other-group pickup by' "$OUT/kamailio-other-$v.log")
	KIND_G[$v]=$(grep -c 'gcp_pickup_target(): group pickup by' "$OUT/kamailio-other-$v.log")
done
inst_stop_all

# ---- instructions: each variant under callgrind, one after the other ----
# BENCH_OG_CG_PICKUPS pickups at 50/s on BENCH_OG_CG_CALLS ringing calls;
# the counters of every Kamailio process zeroed before the pickups and
# dumped after them, so the Ir per pickup are the pickups' own
cg_run() { # <variant>; JSON in $OUT/cg-other-<variant>.json
	local v=$1 dir=$OUT/cg-other-$1 i p pids ok args=(-A GCP_REPLACES)
	[ "$v" = walk-age ] && args+=(-A GCP_OTHER_GROUP_AGE)
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$OUT" && exec valgrind --tool=callgrind --trace-children=yes \
		--callgrind-out-file="$dir/cg.%p" \
		kamailio -f "$OUT/kamailio-bench.cfg" -DD -E -m 256 -M 16 -x tlsf -X tlsf \
		-A "GCP_MODULE=\"$BROOT/modules/gcp/gcp.so\"" -A "GCP_CONFIG=\"$OUT/gcp.xml\"" \
		-A "GCP_CTL=\"$CTL\"" -A "GCP_LISTEN=$KADDR" \
		-A "VOICEMAIL_HOST=\"127.0.0.1:6999\"" -A "FR_INV_TIMER=900000" \
		"${args[@]}" >"$OUT/kamailio-callgrind-other-$v.log" 2>&1) &
	I_PID[own]=$!
	for i in $(seq 1 900); do
		kamcmd -s "$CTL" core.version >/dev/null 2>&1 && break
		sleep 0.1
	done
	inst own bs_register "$OUT/members.csv" 1 || return 1
	bs_start member bench_uas_member.xml $P_MEMBER
	bs_start cua bench_uas_caller_refuse.xml $P_CUA
	sleep 0.5
	inst own bs_start cgfill bench_uac_ring.xml $P_FILL -inf "$OUT/callees-other.csv" \
		-m "$CG_CALLS" -r 50 -l 20000 -key contact_port $P_CUA "$KADDR"
	for i in $(seq 1 600); do
		[ "$(inst own bk_gcp_ringing)" -ge "$CG_CALLS" ] 2>/dev/null && break
		sleep 0.2
	done
	pids=$(inst own bk_pids)
	for p in $pids; do callgrind_control -z "$p" >/dev/null 2>&1; done
	inst own bs_start cgpick bench_uac_pickup.xml $P_THR -inf "$OUT/dial-$v.csv" -r 50 \
		-l 16 -m "$CG_PICKUPS" -recv_timeout 20000 "$KADDR"
	bs_wait cgpick
	ok=$(bs_stat cgpick 'SuccessfulCall(C)')
	for p in $pids; do callgrind_control --dump=load "$p" >/dev/null 2>&1; done
	bs_stop_all
	inst own bk_stop
	echo "{\"pickups\": $CG_PICKUPS, \"ok\": $ok, \"callgrind\": $(python3 "$BROOT/bench/callgrind_sum.py" total "$dir"/cg.*.1)}" \
		>"$OUT/cg-other-$v.json"
	rm -rf "$dir"
}
CG_CALLS=${BENCH_OG_CG_CALLS:-40}
CG_PICKUPS=${BENCH_OG_CG_PICKUPS:-500}
for v in "${VARIANTS[@]}"; do rm -f "$OUT/cg-other-$v.json"; done
if [ "${BENCH_OG_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
	for v in "${VARIANTS[@]}"; do
		log "other: callgrind, $v"
		cg_run "$v" || exit 1
	done
fi

# ---- JSON ----
python3 - "$RES/other.json" <<EOF
import json, os, statistics, sys
variants = {}


def cg(path):
    """the callgrind run of a variant: pickups answered and the total Ir"""
    if not os.path.exists(path):
        return None
    d = json.load(open(path))
    return {"pickups": d["pickups"], "ok": d["ok"], "total_ir": d["callgrind"]["total"],
            "gcp_entry_ir": d["callgrind"].get("gcp_entry_ir")}


$(for v in "${VARIANTS[@]}"; do
	echo "variants['$v'] = {'dials': '${DIAL[$v]}', 'port': ${I_ADDR[$v]##*:}, 'rounds': json.loads('[${THR[$v]}]'),"
	echo "  'logged_other_group': ${KIND_OG[$v]}, 'logged_group': ${KIND_G[$v]},"
	echo "  'callgrind': cg('$OUT/cg-other-$v.json')}"
done)
for v in variants.values():
    r = v["rounds"]
    v["kamailio_cpu_us_per_pickup"] = statistics.median(x["kamailio_cpu_us_per_pickup"] for x in r)
    v["pickups"] = sum(x["pickups"] for x in r)
    v["failed"] = sum(x["failed"] for x in r)
ratios = {}
for w in ("walk", "walk-age"):
    per = [a["kamailio_cpu_us_per_pickup"] / b["kamailio_cpu_us_per_pickup"]
           for a, b in zip(variants[w]["rounds"], variants["own"]["rounds"])
           if b["kamailio_cpu_us_per_pickup"] > 0]
    ratios[w] = {"cpu_ratio": statistics.median(per) if per else None, "cpu_ratio_rounds": per}
    cw, co = variants[w]["callgrind"], variants["own"]["callgrind"]
    if cw and co and cw["ok"] and co["ok"]:
        ratios[w]["ir_per_pickup"] = cw["total_ir"] / cw["ok"]
        ratios[w]["ir_per_pickup_own"] = co["total_ir"] / co["ok"]
        ratios[w]["gcp_ir_per_pickup"] = (cw["gcp_entry_ir"] or 0) / cw["ok"]
        ratios[w]["gcp_ir_per_pickup_own"] = (co["gcp_entry_ir"] or 0) / co["ok"]
        ratios[w]["ir_ratio"] = ratios[w]["ir_per_pickup"] / ratios[w]["ir_per_pickup_own"]
json.dump({"method": "other-group pickup, three instances side by side, loaded at once",
           "calls_ringing": $NCALLS, "rate_per_s": $RATE, "concurrent": $CONC, "seconds": $THR_SECONDS,
           "rounds": $ROUNDS, "pinned": $PIN, "empty_groups_walked": 10,
           "variants": variants, "ratios": ratios}, open(sys.argv[1], "w"), indent=2)
EOF
log "other: $RES/other.json"
