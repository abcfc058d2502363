#!/usr/bin/env bash
# make bench, part "publish": what gcp's busy-lamp publishing (modparam
# publish, gcp_blf.c) costs a call.
#
# The load of bench/callpath.sh (INVITE -> 100/180 -> CANCEL -> 200/487 ->
# ACK, calls spread over the 1,000 registered members, one SIPp for all
# their phones) through kamailio-bench.cfg with the presence stack of the
# sample cfg loaded in every variant (GCP_PRESENCE_DB: each instance a
# fresh SQLite file of its own, scripts/presence-db.sh; GCP_PRESENCE_PROXY:
# pua publishes to the instance itself):
#   off      -A GCP_NO_PUBLISH: presence, presence_dialoginfo and pua
#            loaded, gcp does not publish
#   on       publish=members,groups (the cfg as it is), nobody watches:
#            gcp asks presence whether a presentity has watchers and sends
#            nothing. Asserted: not one PUBLISH, not one NOTIFY
#   watched  publish=members,groups and one BLF key per member
#            (tests/scenarios/bench_blf_watcher.xml, -m 1,000: a
#            subscription to every member, each NOTIFY answered 200),
#            subscribed before the calls. A call of a watched member costs
#            3 PUBLISHes (early at the 180, terminated at the CANCEL, the
#            publication's removal, Expires 0, once that one is answered)
#            and, with one watcher, 3 NOTIFYs; groups are not watched, so
#            nothing is published for them. Asserted: exactly 3 PUBLISHes
#            per call
# Counted on each instance over the calls: PUBLISHes received (kex's
# core:rcv_requests_publish: pua's own, on the wire), local transactions
# (tm.stats total_local: pua's PUBLISHes and presence's NOTIFYs, so
# NOTIFYs = local - PUBLISHes), the NOTIFYs the watchers received (their
# SIPp's -trace_counts) and the ERROR lines in the instance's log.
# Kamailio is pinned to CPU 0, the SIPp parties to CPU 1.
#
#   side by side  BENCH_PUB_REPS runs at each of BENCH_PUB_RATES calls/s:
#                 the three variants at once, each its own Kamailio
#                 (127.0.0.1:5075, :6575, :6576, all on CPU 0, the variants
#                 rotating over the instances run by run) and its own
#                 caller at that rate for BENCH_PUB_SECONDS: Kamailio's CPU
#                 per call (schedstat, the main process and its children)
#   instructions  each variant alone under valgrind --tool=callgrind
#                 (every Kamailio process), BENCH_PUB_CG_CALLS calls at
#                 BENCH_PUB_CG_RATE/s (0 calls: left out; slow enough that
#                 no PUBLISH is retransmitted under valgrind, which would
#                 count twice): counters zeroed before the calls and dumped
#                 after them, Ir per call (gcp's timer, a cost per second
#                 whatever the load, left out by the report)
#
# Output: $RES/publish.json
set -u
. "$(dirname "$0")/lib.sh"

RES=${BENCH_RESULTS:-$BROOT/bench/results}
REPS=${BENCH_PUB_REPS:-6}
RATES=${BENCH_PUB_RATES:-"200"}
SECONDS_FIX=${BENCH_PUB_SECONDS:-6}
CG_CALLS=${BENCH_PUB_CG_CALLS:-200}
CG_RATE=${BENCH_PUB_CG_RATE:-10}
PORT2=${BENCH_PUB_PORT2:-6575}
PORT3=${BENCH_PUB_PORT3:-6576}
NGROUPS=$(cat "$OUT/ngroups")
P_CALLER=6510 P_MEMBER=6600 P_WATCH=6700
VARIANTS=(off on watched)
PIN=1
[ "$(nproc)" -gt 1 ] || PIN=0

mkdir -p "$RES"

inst_define a "$KPORT"
inst_define b "$PORT2"
inst_define c "$PORT3"
INSTS=(a b c)
stop_all() {
	bs_stop_all
	inst_stop_all
}
trap stop_all EXIT

fail() {
	log "publish: $*"
	exit 1
}

callees=$OUT/callees-all.csv
{
	echo SEQUENTIAL
	for ((k = 0; k < NGROUPS; k++)); do echo "$((10000 + k))"; done
} >"$callees"

variant_args() {
	case $1 in
	off) echo "-A GCP_NO_PUBLISH" ;;
	esac
}

# ---- what an instance counted (inst <i> ...) ----
stat_of() {
	kc stats.get_statistics all 2>/dev/null | sed -n "s/^$1 = //p"
}
publishes() { stat_of core:rcv_requests_publish; }
local_trans() { kc tm.stats 2>/dev/null | sed -n 's/^[ \t]*total_local: //p'; }
lamps() { stat_of gcp:lamps; }
# ERROR lines in a log so far: log_errors <file>
log_errors() { grep -c ' ERROR: ' "$1" 2>/dev/null || true; }

# the NOTIFYs a watcher SIPp received so far: the "NOTIFY_Recv" column of
# its -trace_counts file (written every second, -fd 1)
watcher_notifies() {
	local f
	f=$(ls "$OUT"/bench_blf_watcher_*_counts.csv 2>/dev/null | head -n 1)
	[ -n "$f" ] || { echo 0; return; }
	awk -F';' '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /_NOTIFY_Recv$/) c = i; next }
		{ v = $c }
		END { print (c && v != "") ? v + 0 : 0 }' "$f"
}

# start a variant in an instance: start_variant <a|b|c> <variant>
# (a fresh presence database, the members registered, pinned)
start_variant() {
	local i=$1 v=$2 db url
	db=$OUT/presence-${I_ADDR[$i]##*:}.sqlite
	rm -f "$db"
	url=$(bash "$BROOT/scripts/presence-db.sh" "$db") || return 1
	# shellcheck disable=SC2046
	GCP_PRESENCE_DB=$url GCP_PRESENCE_PROXY=sip:${I_ADDR[$i]} \
		inst "$i" bk_start "publish-$v" "$OUT/kamailio-bench.cfg" $(variant_args "$v") || return 1
	inst "$i" bs_register "$OUT/members.csv" "$NGROUPS" || return 1
	[ $PIN = 1 ] && inst "$i" bk_pin 0
	return 0
}

# the watchers on an instance: one subscription per member, every one
# answered and its first NOTIFY taken (at most 60 s): watch <i> [SUBSCRIBEs/s]
watch() {
	local i=$1 rate=${2:-500} k n
	rm -f "$OUT"/bench_blf_watcher_*_counts.csv
	inst "$i" bs_start watch bench_blf_watcher.xml $P_WATCH -inf "$callees" -m "$NGROUPS" \
		-r "$rate" -l "$NGROUPS" -trace_counts "${I_ADDR[$i]}"
	for k in $(seq 1 600); do
		n=$(watcher_notifies)
		[ "$n" -ge "$NGROUPS" ] && break
		kill -0 "${BS_PID[watch]}" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$n" -lt "$NGROUPS" ]; then
		log "publish: the watchers got $n of $NGROUPS first NOTIFYs"
		tail -n 5 "$OUT/sipp-watch.err" "$OUT/sipp-watch.out" >&2
		return 1
	fi
	# (more when SIPp retransmitted some: under valgrind)
	n=$(inst "$i" stat_of core:rcv_requests_subscribe)
	[ "$n" -ge "$NGROUPS" ] || { log "publish: $n SUBSCRIBEs received, $NGROUPS sent"; return 1; }
}

# a process still running (a zombie, exited but not yet waited for, is not)
running() {
	local st
	st=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# the JSON of one variant's run: result <variant> <caller name> <rate>
# <calls> <wall ns> <cpu ns> <PUBLISHes> <local transactions> <watchers'
# NOTIFYs> <ERROR lines> <lamps lit at the end>
result() {
	local v=$1 name=$2 rate=$3 n=$4 wall=$5 cpu=$6 pub=$7 loc=$8 wn=$9 err=${10} lit=${11} ok failed retr
	ok=$(bs_stat "$name" 'SuccessfulCall(C)')
	failed=$(bs_stat "$name" 'FailedCall(C)')
	retr=$(bs_stat "$name" 'Retransmissions(C)')
	awk -v v="$v" -v r="$rate" -v n="$n" -v ok="$ok" -v f="$failed" -v re="$retr" \
		-v w="$wall" -v c="$cpu" -v p="$pub" -v l="$loc" -v wn="$wn" -v e="$err" -v lit="${lit:-0}" 'BEGIN {
		cps = ok / (w / 1e9)
		nt = l - p
		printf "{\"variant\": \"%s\", \"offered_cps\": %d, \"calls\": %d, \"ok\": %d, \"failed\": %d, \"retransmissions\": %d, \"seconds\": %.2f, \"reached_cps\": %.1f, \"kamailio_cpu_us_per_call\": %.1f, \"publishes\": %d, \"notifies\": %d, \"watcher_notifies\": %d, \"publishes_per_call\": %.3f, \"notifies_per_call\": %.3f, \"log_errors\": %d, \"lamps_at_end\": %d}",
			v, r, n, ok, f, re, w / 1e9, cps, (ok > 0 ? c / 1000 / ok : 0), p, nt, wn,
			(n > 0 ? p / n : 0), (n > 0 ? nt / n : 0), e, lit
	}'
}

# what a variant must have counted: check <variant> <calls> <PUBLISHes>
# <NOTIFYs> <watchers' NOTIFYs> <ok calls> [lamps lit once the calls ended]
check() {
	local v=$1 n=$2 pub=$3 nt=$4 wn=$5 ok=$6 lit=${7:-0}
	case $v in
	off | on)
		[ "$pub" = 0 ] || fail "$v: $pub PUBLISHes with nobody watching (expected none)"
		[ "$nt" = 0 ] || fail "$v: $nt NOTIFYs with nobody watching (expected none)"
		;;
	watched)
		[ "$ok" = "$n" ] || fail "watched: $ok of $n calls completed: the PUBLISH count is not per call"
		[ "$pub" = $((3 * n)) ] || fail "watched: $pub PUBLISHes for $n calls (expected 3 per call: early, terminated, removal)"
		[ "$nt" = $((3 * n)) ] || fail "watched: $nt NOTIFYs for $n calls (expected 3 per call, one watcher per member)"
		[ "$wn" = $((3 * n)) ] || fail "watched: the watchers received $wn NOTIFYs for $n calls (expected $((3 * n)))"
		[ "$lit" = 0 ] || fail "watched: gcp:lamps is $lit once every call ended (expected 0)"
		;;
	esac
}

# the variants at once: side_run <rotation> <rate>; JSON in RUN
side_run() {
	local rot=$1 RATE=$2 n k v i
	local -A vi=() c0=() c1=() t0=() t1=() p0=() l0=() e0=() w0=() res=()
	n=$((RATE * SECONDS_FIX))
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	for k in 0 1 2; do
		v=${VARIANTS[$k]}
		vi[$v]=${INSTS[$(((k + rot) % 3))]}
		start_variant "${vi[$v]}" "$v" || return 1
	done
	local BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	watch "${vi[watched]}" || return 1
	bs_start member bench_uas_member.xml $P_MEMBER
	sleep 0.3
	for v in "${VARIANTS[@]}"; do
		i=${vi[$v]}
		p0[$v]=$(inst "$i" publishes)
		l0[$v]=$(inst "$i" local_trans)
		e0[$v]=$(log_errors "$OUT/kamailio-publish-$v.log")
		[ "$v" = watched ] || [ "${p0[$v]}" = 0 ] || fail "$v: ${p0[$v]} PUBLISHes before the calls"
	done
	w0[watched]=$(watcher_notifies)
	for v in "${VARIANTS[@]}"; do c0[$v]=$(inst "${vi[$v]}" bk_cpu_ns); done
	k=0
	for v in "${VARIANTS[@]}"; do
		i=${vi[$v]}
		t0[$v]=$(date +%s%N)
		inst "$i" bs_start "caller-$v" bench_uac_cancel.xml $((P_CALLER + k)) -inf "$callees" \
			-m "$n" -r "$RATE" -l 5000 -recv_timeout 5000 "${I_ADDR[$i]}"
		k=$((k + 1))
	done
	local left=${#VARIANTS[@]}
	while [ "$left" -gt 0 ]; do
		for v in "${VARIANTS[@]}"; do
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
	# the last removals and their NOTIFYs, and the watchers' counts file
	# written once more
	sleep 1.5
	RUN="{\"rotation\": $rot, \"rate\": $RATE"
	for v in "${VARIANTS[@]}"; do
		i=${vi[$v]}
		local pub loc err wn=0 lit ok
		pub=$(($(inst "$i" publishes) - ${p0[$v]}))
		loc=$(($(inst "$i" local_trans) - ${l0[$v]}))
		err=$(($(log_errors "$OUT/kamailio-publish-$v.log") - ${e0[$v]}))
		[ "$v" = watched ] && wn=$(($(watcher_notifies) - ${w0[watched]}))
		lit=$(inst "$i" lamps)
		ok=$(bs_stat "caller-$v" 'SuccessfulCall(C)')
		check "$v" "$n" "$pub" $((loc - pub)) "$wn" "$ok" "$lit"
		res[$v]=$(result "$v" "caller-$v" "$RATE" "$n" $((${t1[$v]} - ${t0[$v]})) $((${c1[$v]} - ${c0[$v]})) \
			"$pub" "$loc" "$wn" "$err" "$lit")
		RUN+=", \"$v\": ${res[$v]}, \"${v}_port\": ${I_ADDR[$i]##*:}"
	done
	RUN+="}"
	bs_stop watch
	bs_stop member
	inst_stop_all
}

# instructions per call under callgrind: cg_run <variant>; JSON in RUN
cg_run() {
	local v=$1
	local dir=$OUT/cg-publish-$v p pids ok t0 t1 pub loc db url wn=0
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	rm -rf "$dir"
	mkdir -p "$dir"
	db=$OUT/presence-cg.sqlite
	rm -f "$db"
	url=$(bash "$BROOT/scripts/presence-db.sh" "$db") || return 1
	BKLOG=$OUT/kamailio-publish-callgrind-$v.log
	# shellcheck disable=SC2046
	GCP_PRESENCE_DB=$url GCP_PRESENCE_PROXY=sip:$KADDR KLOG=$BKLOG K_NO_HALT=1 \
		K_SHM_MB=256 K_PKG_MB=16 K_START_WAIT=90 K_VM_HOST=127.0.0.1:${VM_PORTS[bench]} K_FR_INV=900000 \
		K_WRAPPER="valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=$dir/cg.%p" \
		inst a k_launch "$OUT" "$OUT/kamailio-bench.cfg" \
		-A "GCP_MODULE=\"${BENCH_GCP_MODULE:-$BROOT/modules/gcp/gcp.so}\"" $(variant_args "$v") >&2 || return 1
	inst a bs_register "$OUT/members.csv" "$NGROUPS" || return 1
	[ "$v" = watched ] && { watch a 100 || return 1; }
	bs_start member bench_uas_member.xml $P_MEMBER
	sleep 1
	pids=$(inst a bk_pids)
	pub=$(inst a publishes)
	loc=$(inst a local_trans)
	[ "$v" = watched ] && wn=$(watcher_notifies)
	for p in $pids; do callgrind_control -z "$p" >/dev/null 2>&1; done
	t0=$(date +%s%N)
	bs_start caller bench_uac_cancel.xml $P_CALLER -inf "$callees" -m "$CG_CALLS" -r "$CG_RATE" \
		-l 5000 -recv_timeout 20000 "$KADDR"
	bs_wait caller
	# the last removals (slow under valgrind) before the dump
	sleep 3
	ok=$(bs_stat caller 'SuccessfulCall(C)')
	for p in $pids; do callgrind_control --dump=load "$p" >/dev/null 2>&1; done
	t1=$(date +%s%N)
	pub=$(($(inst a publishes) - pub))
	loc=$(($(inst a local_trans) - loc))
	[ "$v" = watched ] && wn=$(($(watcher_notifies) - wn))
	check "$v" "$CG_CALLS" "$pub" $((loc - pub)) "$wn" "$ok"
	bs_stop watch
	bs_stop member
	inst a bk_stop
	RUN="{\"variant\": \"$v\", \"calls\": $CG_CALLS, \"ok\": $ok, \"publishes\": $pub, \"notifies\": $((loc - pub)), \"seconds\": $(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }'), \"callgrind\": $(python3 "$BROOT/bench/callgrind_sum.py" total "$dir"/cg.*.1)}"
	rm -rf "$dir"
}

runs=()
for rate in $RATES; do
	log "publish: side by side at $rate calls/s each (off, on, watched)"
	for ((r = 0; r < REPS; r++)); do
		side_run $((r % 3)) "$rate" || exit 1
		log "  $RUN"
		runs+=("$RUN")
	done
done

cgs=()
if [ "$CG_CALLS" -gt 0 ]; then
	for v in "${VARIANTS[@]}"; do
		log "publish: callgrind, $v"
		cg_run "$v" || exit 1
		log "  ${RUN%%, \"callgrind\"*} ..."
		cgs+=("$RUN")
	done
fi

{
	echo "{\"method\": \"INVITE-180-CANCEL through kamailio-bench.cfg with the presence stack: publish off, publish=members,groups unwatched, and one watcher per member\","
	echo " \"cg_rate\": $CG_RATE,"
	echo " \"rates\": [$(tr ' ' , <<<"$RATES")], \"seconds\": $SECONDS_FIX, \"reps\": $REPS, \"members\": $NGROUPS,"
	echo " \"pinned\": $PIN, \"ports\": [$KPORT, $PORT2, $PORT3],"
	echo " \"expected_publishes_per_watched_call\": 3,"
	# the presence stack's modparams as Kamailio reads them here: the cfg's
	# #!ifdef blocks evaluated with the presence server in this instance
	echo " \"presence_cfg\": $(python3 - "$OUT/kamailio-bench.cfg" <<-'EOF'
		import json, re, sys
		defs, stack, out = {"GCP_PRESENCE_DB"}, [], []
		for line in open(sys.argv[1]):
		    line = line.rstrip("\n")
		    on = all(stack)
		    m = re.match(r"#!(ifdef|ifndef)\s+(\S+)", line)
		    if m:
		        stack.append((m.group(2) in defs) == (m.group(1) == "ifdef"))
		    elif line.startswith("#!else"):
		        stack[-1] = not stack[-1]
		    elif line.startswith("#!endif"):
		        stack.pop()
		    elif on and line.startswith("#!define"):
		        defs.add(line.split()[1])
		    elif on and re.match(r'modparam\("(presence|pua|presence_dialoginfo|presence\|pua)"|modparam\("gcp", "(publish|presentity_domain)"', line):
		        out.append(line)
		print(json.dumps(out))
	EOF
	),"
	echo " \"cfg_debug\": \"$(grep -m1 '^debug=' "$OUT/kamailio-bench.cfg")\","
	echo " \"paired\": [$(IFS=,; echo "${runs[*]}")],"
	echo " \"callgrind\": [$(IFS=,; echo "${cgs[*]}")]}"
} | python3 -m json.tool >"$RES/publish.json" || exit 1
log "publish: $RES/publish.json"
