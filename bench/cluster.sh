#!/usr/bin/env bash
# make bench, part 8: the cluster on DMQ (issue 15).
#
# Two clusters of three nodes of cfg/kamailio.cfg with WITH_DMQ
# (tests/lib/cluster.sh; generated into $OUT/kamailio-cluster.cfg with its
# include made absolute and gcp's modparam dmq inside "#!ifndef
# BENCH_GCP_DMQ0"), running at the same time: one on 127.0.0.2-4, the other
# on 127.0.0.5-7, every node on port $KPORT; busy lamps off (CL_BLF=0).
#   dmq=1   the cfg as it is: gcp shares its calls (and configuration)
#           through DMQ, heartbeats every dmq_heartbeat (1 s)
#   dmq=0   the same cfg with -A BENCH_GCP_DMQ0: gcp's modparam dmq left
#           out (0); dmq and dmq_usrloc loaded and clustered as in dmq=1
# The 1,000 members of bench/prepare.sh register once, on node 1 of each
# cluster (dmq_usrloc gives them to the others); one SIPp answers for all
# their phones (100 + 180, then 200/487 to the CANCEL).
#
#   idle        both clusters idle, BENCH_CL_SECONDS + 1 s captured on
#               loopback (tcpdump): the KDMQ of an idle cluster
#               (heartbeats, dmq's pings)
#   kdmq        the calls of part 2 (INVITE -> 100/180 -> CANCEL -> 200/487
#               -> ACK, bench_uac_cancel.xml), one caller per node,
#               BENCH_CL_RATE calls/s per cluster (a third through each
#               node) for BENCH_CL_SECONDS, both clusters at once, captured
#               as idle was (a window of the same length); then
#               BENCH_CL_SPARSE_RATE calls/s that ring BENCH_CL_SPARSE_RING_MS
#               (1000) before the CANCEL (bench_uac_cancel_ring.xml): calls
#               far apart that ring longer than gcp's batching (50 ms), so
#               each call's announcement and its removal travel on their own
#               (the calls of the load above ring a few ms: most are gone
#               before they are announced)
#   cpu         BENCH_CL_REPS runs of the load of kdmq, not captured:
#               Kamailio's CPU per call of each cluster (schedstat of every
#               process of its three nodes, from the callers' start to the
#               last caller's exit), the ratio dmq=1 / dmq=0 per run; the
#               variants change places (addresses) after half the runs
#   pickups     the dmq=1 cluster alone, restarted with -A GCP_REPLACES:
#               BENCH_CL_BATCHES rounds, each BENCH_CL_BATCH calls ringing
#               through node 1 (one per group), then picked up by a picker
#               (bench_uac_pickup_answer.xml, to the group, BENCH_CL_PICK_RATE
#               per s) through node 1 (local) or through node 2 (cross-node:
#               gcp_pickup() returns 3, the INVITE relayed to node 1), local
#               and cross-node rounds alternating; the callers' UA answers
#               the Replaces INVITE 200 (bench_uas_caller_answer.xml), and
#               each picked call ends: its member's branch cancelled, 487 to
#               its caller (bench_uac_ring_picked.xml, which ACKs it). The
#               whole phase captured on loopback: per pickup, the picker's
#               INVITE to its 200, every SIP message with its Call-ID, those
#               of the picked call after the pickup (the Call-ID its
#               Replaces header names) and
#               the KDMQ in the pickups' time (bench/cluster_pcap.py)
#
# Every node is pinned to CPU 0, the SIPp parties to CPU 1 (machines with
# more than one core). The script fails when a call or a pickup fails,
# when a pickup was not relayed (gcp:pickup_relayed) or not picked
# (gcp:picked) where it should be.
#
# Output: $RES/cluster.json
set -u
. "$(dirname "$0")/lib.sh"

RES=${BENCH_RESULTS:-$BROOT/bench/results}
RATE=${BENCH_CL_RATE:-240}
SPARSE_RATE=${BENCH_CL_SPARSE_RATE:-6}
SPARSE_RING=${BENCH_CL_SPARSE_RING_MS:-1000}
SECS=${BENCH_CL_SECONDS:-8}
REPS=${BENCH_CL_REPS:-6}
BATCH=${BENCH_CL_BATCH:-30}
BATCHES=${BENCH_CL_BATCHES:-8}
PICK_RATE=${BENCH_CL_PICK_RATE:-10}
NGROUPS=$(cat "$OUT/ngroups")
# SIPp ports: callers 6510-6512 and 6513-6515, the callers' UA 6520,
# pickers 6530 (local) and 6531 (cross-node), the ringing calls 6540+,
# the members' phones 6600 (registrations: 6501, bs_register)
P_CALLER=6510 P_CUA=6520 P_LOCAL=6530 P_CROSS=6531 P_FILL=6540 P_MEMBER=6600
PIN=1
[ "$(nproc)" -gt 1 ] || PIN=0
TCPDUMP_PID=

# the clusters: tests/lib/cluster.sh, node N of cluster X on
# 127.0.0.<N + 1 + offset of X>
ROOT=$BROOT
CL_PORT=$KPORT
CL_BLF=0
CL_VM_HOST=127.0.0.1:${VM_PORTS[bench]}
CL_FR_INV=${BENCH_CL_FR_INV:-300000}
CL_SHM_MB=${BENCH_CL_SHM_MB:-128}
CL_START_WAIT=30
CL_CFG=$OUT/kamailio-cluster.cfg
CL_GCP_XML=$OUT/gcp.xml.bench
. "$BROOT/tests/lib/cluster.sh"
CL_OFF=0
cl_ip() { echo "127.0.0.$(($1 + 1 + CL_OFF))"; }
declare -A OFF=([a]=0 [b]=3)
# a command on cluster a or b: on <a|b> <command...>
on() {
	local CL_OFF=${OFF[$1]} CL_DIR=$OUT/cluster-$1
	shift
	"$@"
}
ips_of() {
	local n ips=()
	for n in 1 2 3; do ips+=("$(on "$1" cl_ip "$n")"); done
	(IFS=,; echo "${ips[*]}")
}

mkdir -p "$RES"
cleanup() {
	[ -n "$TCPDUMP_PID" ] && kill "$TCPDUMP_PID" 2>/dev/null
	bs_stop_all
	on a cl_stop_all
	on b cl_stop_all
}
trap cleanup EXIT

die() {
	echo "cluster: $*" >&2
	exit 1
}

# ---- the cfg ----
grep -q '^modparam("gcp", "dmq", 1)$' "$BROOT/cfg/kamailio.cfg" ||
	die "cfg/kamailio.cfg has no line modparam(\"gcp\", \"dmq\", 1)"
grep -q '^[[:space:]]*include_file "routing-cases.cfg"' "$BROOT/cfg/kamailio.cfg" ||
	die "cfg/kamailio.cfg has no include_file \"routing-cases.cfg\""
sed -e "s|include_file \"routing-cases.cfg\"|include_file \"$BROOT/cfg/routing-cases.cfg\"|" \
	-e 's|^modparam("gcp", "dmq", 1)$|#!ifndef BENCH_GCP_DMQ0\n&\n#!endif|' \
	"$BROOT/cfg/kamailio.cfg" >"$CL_CFG"

# ---- nodes ----
# a node's kamcmd, CPU and pinning by the pid in its folder
node_pid() { cat "$(cl_dir "$1")/kamailio.pid" 2>/dev/null; }
node_cpu_ns() {
	KPID=$(node_pid "$1") bk_cpu_ns
}
cluster_cpu_ns() {
	local n sum=0
	for n in 1 2 3; do sum=$((sum + $(node_cpu_ns "$n"))); done
	echo "$sum"
}
node_stat() {
	nk "$1" stats.get_statistics gcp: 2>/dev/null | sed -n "s/^gcp:$2 = //p"
}
# registered contacts a node holds
node_contacts() {
	nk "$1" stats.get_statistics usrloc: 2>/dev/null |
		sed -n 's/^usrloc:location_contacts = //p'
}
# the pickable calls of node <owner> that node N lists: pickable_of <N> <owner>
pickable_of() {
	nk "$1" gcp.calls 2>/dev/null | awk -v u="$(cl_uri "$2")" '
		/^[[:space:]]*\{/ { nd = p = "" }
		/^[[:space:]]*node:/ { nd = $2 }
		/^[[:space:]]*pickable:/ { p = $2 }
		/^[[:space:]]*\}/ { if (nd == u && p == "yes") n++ }
		END { print n + 0 }'
}

# start a cluster: cl_up <a|b> <variant: dmq1|dmq0> [kamailio args...]
cl_up() {
	local c=$1 v=$2 n i
	shift 2
	local args=("$@")
	[ "$v" = dmq0 ] && args+=(-A BENCH_GCP_DMQ0)
	on "$c" cl_stop_all
	rm -rf "$OUT/cluster-$c"
	mkdir -p "$OUT/cluster-$c"
	for n in 1 2 3; do
		on "$c" cl_start "$n" "${args[@]}" >&2 || die "cluster $c ($v): node $n did not start"
	done
	on "$c" cl_wait_dmq 30 || die "cluster $c ($v): dmq does not list every node on every node"
	KADDR=$(on "$c" cl_addr 1) bs_register "$OUT/members.csv" "$NGROUPS" || die "cluster $c: registrations failed"
	for n in 1 2 3; do
		for i in $(seq 1 150); do
			[ "$(on "$c" node_contacts "$n")" = "$NGROUPS" ] && break
			sleep 0.2
		done
		[ "$(on "$c" node_contacts "$n")" = "$NGROUPS" ] ||
			die "cluster $c: node $n holds $(on "$c" node_contacts "$n") of $NGROUPS registrations"
	done
	if [ $PIN = 1 ]; then
		for n in 1 2 3; do
			KPID=$(on "$c" node_pid "$n") bk_pin 0
		done
	fi
	log "cluster: $c ($v) up on $(ips_of "$c"):$KPORT"
}

cap_start() { # <file> <filter>
	rm -f "$1"
	# --immediate-mode: every packet to the file as it comes (otherwise the
	# last block of the kernel's ring, up to a second, is lost at SIGINT)
	tcpdump -i lo -n -s 0 -B 65536 --immediate-mode -U -w "$1" "$2" >"$OUT/tcpdump-cluster.err" 2>&1 &
	TCPDUMP_PID=$!
	local i
	for i in $(seq 1 100); do grep -q "listening on" "$OUT/tcpdump-cluster.err" && break; sleep 0.05; done
	grep -q "listening on" "$OUT/tcpdump-cluster.err" || die "tcpdump did not start: $(cat "$OUT/tcpdump-cluster.err")"
}
cap_stop() {
	sleep 1
	kill -INT "$TCPDUMP_PID" 2>/dev/null
	wait "$TCPDUMP_PID" 2>/dev/null
	TCPDUMP_PID=
	grep -q '^0 packets dropped by kernel' "$OUT/tcpdump-cluster.err" ||
		die "tcpdump lost packets: $(grep dropped "$OUT/tcpdump-cluster.err" | tr '\n' ' ')"
}

callees=$OUT/callees-all.csv
{
	echo SEQUENTIAL
	for ((k = 0; k < NGROUPS; k++)); do echo "$((10000 + k))"; done
} >"$callees"

# the load on both clusters at once: load_run <rate per cluster> [ring
# ms: the calls ring that long before the CANCEL]; for each cluster X:
# CALLS[X] OK[X] FAILED[X] RETR[X] WALL[X] CPU[X]
declare -A VAR=() CALLS=() OK=() FAILED=() RETR=() WALL=() CPU=()
load_run() {
	local rate=$1 ring=${2:-0} per n c k=0 left name scen=bench_uac_cancel.xml
	local extra=()
	if [ "$ring" -gt 0 ]; then scen=bench_uac_cancel_ring.xml extra=(-d "$ring"); fi
	per=$((rate / 3))
	[ "$per" -ge 1 ] || per=1
	local -A c0=() t0=() done_=()
	for c in a b; do c0[$c]=$(on "$c" cluster_cpu_ns); done
	local BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	for c in a b; do
		t0[$c]=$(date +%s%N)
		for n in 1 2 3; do
			bs_start "caller-$c$n" "$scen" $((P_CALLER + k)) -inf "$callees" \
				-m $((per * SECS)) -r "$per" -l 5000 -recv_timeout 5000 "${extra[@]}" "$(on "$c" cl_addr "$n")"
			k=$((k + 1))
		done
	done
	left=2
	while [ $left -gt 0 ]; do
		for c in a b; do
			[ -n "${done_[$c]:-}" ] && continue
			local alive=0
			for n in 1 2 3; do running "${BS_PID[caller-$c$n]}" && alive=1; done
			if [ $alive = 0 ]; then
				WALL[$c]=$(($(date +%s%N) - ${t0[$c]}))
				CPU[$c]=$(($(on "$c" cluster_cpu_ns) - ${c0[$c]}))
				done_[$c]=1
				left=$((left - 1))
			fi
		done
		sleep 0.01
	done
	for c in a b; do
		CALLS[$c]=$((per * SECS * 3))
		OK[$c]=0 FAILED[$c]=0 RETR[$c]=0
		for n in 1 2 3; do
			name=caller-$c$n
			bs_wait "$name"
			OK[$c]=$((${OK[$c]} + $(bs_stat "$name" 'SuccessfulCall(C)')))
			FAILED[$c]=$((${FAILED[$c]} + $(bs_stat "$name" 'FailedCall(C)')))
			RETR[$c]=$((${RETR[$c]} + $(bs_stat "$name" 'Retransmissions(C)')))
		done
		if [ "${OK[$c]}" != "${CALLS[$c]}" ] || [ "${FAILED[$c]}" != 0 ]; then
			die "cluster $c (${VAR[$c]}): ${OK[$c]} of ${CALLS[$c]} calls completed, ${FAILED[$c]} failed (SIPp, $OUT/sipp-caller-$c*.err)"
		fi
	done
}

# the JSON of one cluster's run: run_json <a|b>
run_json() {
	local c=$1
	awk -v v="${VAR[$c]}" -v ips="$(ips_of "$c")" -v n="${CALLS[$c]}" -v ok="${OK[$c]}" \
		-v f="${FAILED[$c]}" -v re="${RETR[$c]}" -v w="${WALL[$c]}" -v cpu="${CPU[$c]}" 'BEGIN {
		printf "{\"variant\": \"%s\", \"nodes\": \"%s\", \"calls\": %d, \"ok\": %d, \"failed\": %d, \"retransmissions\": %d, \"seconds\": %.2f, \"reached_cps\": %.1f, \"kamailio_cpu_us_per_call\": %.2f}",
			v, ips, n, ok, f, re, w / 1e9, ok / (w / 1e9), cpu / 1000 / ok }'
}

# ---- the two clusters, the variants in one place, then swapped ----
cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
runs=()
KD_IDLE='' KD_LOAD='' KD_SPARSE='' IDLE_CPU=''
declare -A SYNC_ASKS=()
# every captured window as long as the longest load (the sparse calls ring
# SPARSE_RING ms more)
W=$((SECS + 2 + SPARSE_RING / 1000))
half=$(((REPS + 1) / 2))
for layout in 0 1; do
	if [ $layout = 0 ]; then VAR[a]=dmq1 VAR[b]=dmq0; else VAR[a]=dmq0 VAR[b]=dmq1; fi
	bs_stop member
	cl_up a "${VAR[a]}"
	cl_up b "${VAR[b]}"
	BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	bs_start member bench_uas_member.xml $P_MEMBER
	BS_TASKSET=
	sleep 1
	spec="a=$(ips_of a) b=$(ips_of b)"
	if [ $layout = 0 ]; then
		# KDMQ: idle, under load, sparse calls; windows of W s
		log "cluster: KDMQ of both clusters idle for $W s"
		cap_start "$OUT/cluster-idle.pcap" "udp and not host 127.0.0.1"
		declare -A IC0=()
		for c in a b; do IC0[$c]=$(on "$c" cluster_cpu_ns); done
		ti=$(date +%s%N)
		sleep "$W"
		IDLE_CPU=""
		for c in a b; do
			IDLE_CPU+="${IDLE_CPU:+, }\"${VAR[$c]}\": $(awk -v c=$(($(on "$c" cluster_cpu_ns) - ${IC0[$c]})) \
				-v w=$(($(date +%s%N) - ti)) 'BEGIN { printf "%.2f", c / 1e6 / (w / 1e9) }')"
		done
		cap_stop
		# shellcheck disable=SC2086
		KD_IDLE=$(python3 "$BROOT/bench/cluster_pcap.py" kdmq "$OUT/cluster-idle.pcap" $spec)
		for kind in load sparse; do
			r=$RATE ring=0
			[ $kind = sparse ] && r=$SPARSE_RATE ring=$SPARSE_RING
			log "cluster: KDMQ at $r calls/s per cluster, $W s captured"
			cap_start "$OUT/cluster-$kind.pcap" "udp and not host 127.0.0.1"
			tc=$(date +%s%N)
			sleep 0.3
			load_run "$r" "$ring"
			left=$(awk -v w="$W" -v d=$(($(date +%s%N) - tc)) 'BEGIN { s = w - d / 1e9; print (s > 0) ? s : 0 }')
			sleep "$left"
			cap_stop
			# shellcheck disable=SC2086
			js=$(python3 "$BROOT/bench/cluster_pcap.py" kdmq "$OUT/cluster-$kind.pcap" $spec)
			js="{\"rate\": $r, \"ring_ms\": $ring, \"window_s\": $W, \"variant\": {\"a\": \"${VAR[a]}\", \"b\": \"${VAR[b]}\"}, \"calls\": {\"a\": ${OK[a]}, \"b\": ${OK[b]}}, \"capture\": $js}"
			if [ $kind = load ]; then KD_LOAD=$js; else KD_SPARSE=$js; fi
			log "  $js"
		done
		rm -f "$OUT"/cluster-idle.pcap "$OUT"/cluster-load.pcap "$OUT"/cluster-sparse.pcap
	fi
	if [ $layout = 0 ]; then nr=$half; else nr=$((REPS - half)); fi
	for ((i = 0; i < nr; i++)); do
		load_run "$RATE"
		run="{\"layout\": $layout, \"rate\": $RATE, \"a\": $(run_json a), \"b\": $(run_json b)}"
		log "cluster: CPU run: $run"
		runs+=("$run")
		sleep 1
	done
	# gcp's syncs asked (a node's heartbeat twice disagreed with the calls
	# announced): in the dmq=1 cluster's logs, this layout
	for c in a b; do
		[ "${VAR[$c]}" = dmq1 ] || continue
		for n in 1 2 3; do
			SYNC_ASKS[$layout]=$((${SYNC_ASKS[$layout]:-0} + $(grep -c 'asking for all' "$(on "$c" cl_log "$n")")))
		done
	done
done
bs_stop member
on a cl_stop_all
on b cl_stop_all

# ---- pickups: local and cross-node, the dmq=1 cluster in replaces mode ----
cl_up a dmq1 -A GCP_REPLACES
BS_TASKSET=
[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
bs_start member bench_uas_member.xml $P_MEMBER
bs_start cua bench_uas_caller_answer.xml $P_CUA
BS_TASKSET=
sleep 1
{
	echo SEQUENTIAL
	for ((k = 0; k < BATCH; k++)); do echo "$((10000 + k))"; done
} >"$OUT/callees-cluster-batch.csv"
{
	echo SEQUENTIAL
	for ((k = 0; k < BATCH; k++)); do echo "$((70000 + k))"; done
} >"$OUT/groups-cluster-batch.csv"
pcap=$OUT/cluster-pickups.pcap
cap_start "$pcap" "udp port $KPORT"
picked0=$(on a node_stat 1 picked)
declare -A RELAYED0=()
for n in 1 2 3; do RELAYED0[$n]=$(on a node_stat "$n" pickup_relayed); done
n_local=0 n_cross=0
for ((b = 0; b < BATCHES; b++)); do
	if ((b % 2 == 0)); then kind=local pn=1 pport=$P_LOCAL; else kind=cross pn=2 pport=$P_CROSS; fi
	BS_TASKSET=
	# shellcheck disable=SC2034
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	bs_start "fill$b" bench_uac_ring_picked.xml $((P_FILL + b)) -inf "$OUT/callees-cluster-batch.csv" -m "$BATCH" \
		-r 100 -l "$BATCH" -recv_timeout 60000 -key contact_port $P_CUA "$(on a cl_addr 1)"
	for i in $(seq 1 100); do
		[ "$(on a pickable_of 1 1)" = "$BATCH" ] && [ "$(on a pickable_of 2 1)" = "$BATCH" ] && break
		sleep 0.1
	done
	[ "$(on a pickable_of 2 1)" = "$BATCH" ] ||
		die "pickups: node 2 lists $(on a pickable_of 2 1) pickable calls of node 1, not $BATCH"
	rel0=$(on a node_stat "$pn" pickup_relayed)
	pk0=$(on a node_stat 1 picked)
	bs_start "pick$b" bench_uac_pickup_answer.xml "$pport" -inf "$OUT/groups-cluster-batch.csv" -m "$BATCH" \
		-r "$PICK_RATE" -l "$BATCH" -recv_timeout 5000 "$(on a cl_addr "$pn")"
	bs_wait "pick$b"
	ok=$(bs_stat "pick$b" 'SuccessfulCall(C)')
	failed=$(bs_stat "pick$b" 'FailedCall(C)')
	if [ "$ok" != "$BATCH" ] || [ "$failed" != 0 ]; then
		die "pickups ($kind, through node $pn): $ok of $BATCH answered, $failed failed ($OUT/sipp-pick$b.err)"
	fi
	rel=$(($(on a node_stat "$pn" pickup_relayed) - rel0))
	pk=$(($(on a node_stat 1 picked) - pk0))
	want=0
	[ $kind = cross ] && want=$BATCH
	[ "$rel" = "$want" ] || die "pickups ($kind): node $pn relayed $rel pickups (gcp:pickup_relayed), not $want"
	[ "$pk" = "$BATCH" ] || die "pickups ($kind): node 1 picked up $pk calls (gcp:picked), not $BATCH"
	# every picked call ended: the member's branch cancelled, the caller's
	# INVITE answered 487 (and ACKed)
	for i in $(seq 1 100); do running "${BS_PID[fill$b]}" || break; sleep 0.1; done
	bs_wait "fill$b"
	ok=$(bs_stat "fill$b" 'SuccessfulCall(C)')
	failed=$(bs_stat "fill$b" 'FailedCall(C)')
	if [ "$ok" != "$BATCH" ] || [ "$failed" != 0 ]; then
		die "pickups ($kind): $ok of the $BATCH picked calls ended with a 487 to the caller, $failed failed ($OUT/sipp-fill$b.err)"
	fi
	ok=$BATCH
	if [ $kind = local ]; then n_local=$((n_local + ok)); else n_cross=$((n_cross + ok)); fi
	log "cluster: pickups round $((b + 1)) ($kind, through node $pn): $ok answered, $rel relayed"
	sleep 0.5
done
cap_stop
picked_all=$(($(on a node_stat 1 picked) - picked0))
declare -A RELAYED=()
for n in 1 2 3; do RELAYED[$n]=$(($(on a node_stat "$n" pickup_relayed) - ${RELAYED0[$n]})); done
PK=$(python3 "$BROOT/bench/cluster_pcap.py" pickups "$pcap" $P_CUA "local=$P_LOCAL" "cross=$P_CROSS")
errors=0
for n in 1 2 3; do
	errors=$((errors + $(grep -cE 'ERROR: (\{[^}]*\} )?gcp \[' "$(on a cl_log "$n")")))
done
bs_stop_all
on a cl_stop_all

rm -f "$RES/cluster.json.new"
python3 - "$RES/cluster.json.new" <<EOF
import json, sys
pk = json.loads('''$PK''')
for k, want in (("local", $n_local), ("cross", $n_cross)):
    if pk.get(k, {}).get("answered") != want:
        sys.exit(f"cluster: the capture shows {pk.get(k, {}).get('answered')} answered {k} pickups, SIPp {want}")
d = {
    "method": "two three-node clusters of cfg/kamailio.cfg with WITH_DMQ side by side, gcp's dmq=1 vs dmq=0",
    "rate": $RATE, "sparse_rate": $SPARSE_RATE, "sparse_ring_ms": $SPARSE_RING, "seconds": $SECS, "reps": $REPS, "pinned": $PIN,
    "port": $KPORT, "members": $NGROUPS, "nodes": 3,
    "dmq_heartbeat_ms": int("$(sed -n 's/^modparam("gcp", "dmq_heartbeat", \([0-9]*\)).*/\1/p' "$BROOT/cfg/kamailio.cfg" | head -n 1)" or 1000), "dmq_ping_interval_s": int("$(sed -n 's/^modparam("dmq", "ping_interval", \([0-9]*\)).*/\1/p' "$BROOT/cfg/kamailio.cfg")" or 0),
    "kamailio_children": int("$(sed -n 's/^children=\([0-9]*\).*/\1/p' "$BROOT/cfg/kamailio.cfg" | head -n 1)" or 0),
    "paired": [$(IFS=,; echo "${runs[*]}")],
    "idle_cpu_ms_per_s": {$IDLE_CPU},
    "sync_asks_in_logs": {"layout0": ${SYNC_ASKS[0]:-0}, "layout1": ${SYNC_ASKS[1]:-0}},
    "kdmq": {"idle": {"window_s": $W, "capture": $KD_IDLE}, "load": $KD_LOAD, "sparse": $KD_SPARSE},
    "pickups": {"batch": $BATCH, "batches": $BATCHES, "rate_per_s": $PICK_RATE, "mode": "replaces",
                "local": $n_local, "cross": $n_cross, "picked_on_owner": $picked_all,
                "relayed": {"node1": ${RELAYED[1]}, "node2": ${RELAYED[2]}, "node3": ${RELAYED[3]}},
                "gcp_log_errors": $errors, "capture": pk},
}
json.dump(d, open(sys.argv[1], "w"), indent=2)
EOF
[ -s "$RES/cluster.json.new" ] || die "no $RES/cluster.json (the capture: $pcap)"
mv "$RES/cluster.json.new" "$RES/cluster.json"
rm -f "$pcap"
log "cluster: $RES/cluster.json"
