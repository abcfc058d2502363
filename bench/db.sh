#!/usr/bin/env bash
# make bench, part 4: the configuration in a database (issue 16).
#
#   reload     10,000 members (1,000 of them with a personal contact) in
#              each room: the XML file, SQLite (db_sqlite) and a PostgreSQL
#              server of the bench's own (tests/lib/pg.sh, unix socket in
#              $OUT/pg); each room filled once by gcp.import (timed), then
#              BENCH_DB_RELOADS gcp.reload, each timed from the request to
#              the reply (kamcmd), with Kamailio's CPU for all of them; and
#              BENCH_DB_CHANGES gcp.member.set, each a change of one row
#              written and committed (the file: the whole file rewritten)
#   callpath   the call path with the file room, against the module as it
#              was before the database room (BENCH_DB_BASE, default: the
#              newest commit along the first parents without
#              modules/gcp/gcp_db.c, built from git into $OUT): the same INVITE-180-CANCEL load as
#              part 2 through kamailio-bench.cfg with gcp_track(), both
#              modules side by side (each its own Kamailio on CPU 0, the
#              instances swapped every run, BENCH_DB_CP_REPS runs of
#              BENCH_DB_CP_SECONDS at BENCH_DB_CP_RATE calls/s): Kamailio's
#              CPU per call; and under callgrind (BENCH_CP_CG_CALLS calls
#              at 50/s): instructions per call, of Kamailio and of gcp's
#              functions
#
# Output: $RES/db.json
set -u
. "$(dirname "$0")/lib.sh"

RES=${BENCH_RESULTS:-$BROOT/bench/results}
RELOADS=${BENCH_DB_RELOADS:-10}
CHANGES=${BENCH_DB_CHANGES:-50}
NMEMBERS=${BENCH_DB_MEMBERS:-10000}
CP_REPS=${BENCH_DB_CP_REPS:-6}
CP_RATE=${BENCH_DB_CP_RATE:-400}
CP_SECONDS=${BENCH_DB_CP_SECONDS:-6}
CG_CALLS=${BENCH_CP_CG_CALLS:-500}
PORT2=${BENCH_CP_PORT2:-6575}
KSRC=${KAMAILIO_SRC:-$BROOT/build/kamailio-src}
NGROUPS=$(cat "$OUT/ngroups")
P_CALLER=6510 P_MEMBER=6600
PIN=1
[ "$(nproc)" -gt 1 ] || PIN=0
mkdir -p "$RES"

PG_DIR=$OUT/pg
. "$BROOT/tests/lib/pg.sh"

inst_define a "$KPORT"
inst_define b "$PORT2"
stop_all() {
	bs_stop_all
	inst_stop_all
	pg_halt
}
trap stop_all EXIT

ms() { awk -v d="$1" 'BEGIN { printf "%.2f", d / 1e6 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "null" }'; }

# ------------------------------------------------------------ reload

big=$OUT/gcp-db-bench.xml
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<gcp>'
	echo "  <range name=\"bench\" first=\"700000\" last=\"$((700000 + NMEMBERS - 1))\"/>"
	for ((i = 0; i < NMEMBERS; i++)); do
		if ((i % 10 == 0)); then
			echo "  <member user=\"$((100000 + i))\" group=\"$((700000 + i))\"><personal>sip:friend$i@example.org</personal></member>"
		else
			echo "  <member user=\"$((100000 + i))\" group=\"$((700000 + i))\"/>"
		fi
	done
	echo '</gcp>'
} >"$big"

# the room's defines for cfg/kamailio.cfg (WITH_DB), after setting it up
room_args() {
	case $1 in
	file) rm -f "$OUT/gcp.xml" ;;
	sqlite)
		rm -f "$OUT/gcp-bench.sqlite"
		bash "$BROOT/scripts/gcp-db.sh" "$OUT/gcp-bench.sqlite" >/dev/null 2>&1 || return 1
		ROOM_ARGS=(-A WITH_DB -A "GCP_DB_URL=\"sqlite://$OUT/gcp-bench.sqlite\"")
		return 0
		;;
	postgres)
		pg_init >/dev/null || return 1
		ROOM_ARGS=(-A WITH_DB -A 'GCP_DB_MODULE="db_postgres.so"' -A "GCP_DB_URL=\"$PG_URL\"")
		return 0
		;;
	esac
	ROOM_ARGS=()
}

# one kamcmd, its wall time in ns on stdout (its reply checked by <regexp>)
timed() {
	local re=$1 t0 t1 out
	shift
	t0=$(date +%s%N)
	out=$(kc "$@" 2>&1)
	t1=$(date +%s%N)
	grep -Eq -- "$re" <<<"$out" || { echo "bench db: kamcmd $*: $out" >&2; return 1; }
	echo $((t1 - t0))
}

rooms=()
for room in file sqlite postgres; do
	log "db: $room: import of $NMEMBERS members, $RELOADS reloads, $CHANGES changes"
	room_args "$room" || exit 1
	bk_start "db-$room" "$OUT/kamailio-bench.cfg" "${ROOM_ARGS[@]}" || exit 1
	[ $PIN = 1 ] && bk_pin 0
	imp=$(timed "members: $NMEMBERS" gcp.import "$big") || exit 1
	c0=$(bk_cpu_ns)
	rl=()
	for ((i = 0; i < RELOADS; i++)); do
		t=$(timed "members: $NMEMBERS" gcp.reload) || exit 1
		rl+=("$t")
	done
	c1=$(bk_cpu_ns)
	ch=()
	for ((i = 0; i < CHANGES; i++)); do
		t=$(timed 'group: ' gcp.member.set $((100000 + i)) $((700000 + NMEMBERS - 1 - i))) || exit 1
		ch+=("$t")
	done
	# the members in force, as the last reload counted them
	n=$(kc gcp.reload | sed -n 's/^[[:space:]]*members: //p')
	bk_stop
	[ "$room" = postgres ] && pg_halt
	rooms+=("{\"room\": \"$room\", \"members\": $n, \"import_ms\": $(ms "$imp"),
		\"reload_ms\": [$(for t in "${rl[@]}"; do ms "$t"; echo; done | paste -sd,)],
		\"reload_ms_median\": $(for t in "${rl[@]}"; do ms "$t"; echo; done | median),
		\"reload_kamailio_cpu_ms\": $(ms $(((c1 - c0) / RELOADS))),
		\"change_ms_median\": $(for t in "${ch[@]}"; do ms "$t"; echo; done | median)}")
	log "  ${rooms[-1]//$'\n'/}"
done

# ------------------------------------------------------------ call path

# the module before the database room: the newest commit along the first
# parents (a branch's own line, the mainline after a merge) that has no
# modules/gcp/gcp_db.c
before_db() {
	local c
	for c in $(cd "$BROOT" && git rev-list --first-parent HEAD); do
		(cd "$BROOT" && git cat-file -e "$c:modules/gcp/gcp_db.c" 2>/dev/null) || { echo "$c"; return; }
	done
}
base=${BENCH_DB_BASE:-$(before_db)}
base=$(cd "$BROOT" && git rev-parse --short "$base") || exit 1
bsrc=$OUT/base-$base
if [ ! -f "$bsrc/modules/gcp/gcp.so" ]; then
	log "db: building the module of $base (before the database room) in $bsrc"
	rm -rf "$bsrc"
	mkdir -p "$bsrc"
	(cd "$BROOT" && git archive "$base" modules/gcp) | tar -x -C "$bsrc" || exit 1
	make -s -C "$bsrc/modules/gcp" COREPATH="$KSRC/src" >"$OUT/base-build.log" 2>&1 || {
		tail -n 20 "$OUT/base-build.log" >&2
		exit 1
	}
fi
declare -A MOD=([base]=$bsrc/modules/gcp/gcp.so [db]=$BROOT/modules/gcp/gcp.so)

callees=$OUT/callees-all.csv
{
	echo SEQUENTIAL
	for ((k = 0; k < NGROUPS; k++)); do echo "$((10000 + k))"; done
} >"$callees"

start_mod() { # <instance> <base|db>
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	BENCH_GCP_MODULE=${MOD[$2]} inst "$1" bk_start "db-cp-$2" "$OUT/kamailio-bench.cfg" || return 1
	inst "$1" bs_register "$OUT/members.csv" "$NGROUPS" || return 1
	[ $PIN = 1 ] && inst "$1" bk_pin 0
	return 0
}

running() {
	local st
	st=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

side=()
for ((r = 0; r < CP_REPS; r++)); do
	declare -A vi=() c0=() c1=() ok=()
	insts=(a b)
	k=0
	for v in base db; do
		vi[$v]=${insts[$(((k + r) % 2))]}
		start_mod "${vi[$v]}" "$v" || exit 1
		k=$((k + 1))
	done
	BS_TASKSET=
	[ $PIN = 1 ] && BS_TASKSET="taskset -c 1"
	bs_start member bench_uas_member.xml $P_MEMBER
	sleep 0.3
	n=$((CP_RATE * CP_SECONDS))
	k=0
	for v in base db; do
		c0[$v]=$(inst "${vi[$v]}" bk_cpu_ns)
		inst "${vi[$v]}" bs_start "cp-$v" bench_uac_cancel.xml $((P_CALLER + k)) -inf "$callees" \
			-m "$n" -r "$CP_RATE" -l 5000 -recv_timeout 5000 "${I_ADDR[${vi[$v]}]}"
		k=$((k + 1))
	done
	left=2
	declare -A done_=()
	while [ $left -gt 0 ]; do
		for v in base db; do
			[ -n "${done_[$v]:-}" ] && continue
			if ! running "${BS_PID[cp-$v]}"; then
				c1[$v]=$(inst "${vi[$v]}" bk_cpu_ns)
				bs_wait "cp-$v"
				ok[$v]=$(bs_stat "cp-$v" 'SuccessfulCall(C)')
				done_[$v]=1
				left=$((left - 1))
			fi
		done
		sleep 0.01
	done
	bs_stop member
	inst_stop_all
	BS_TASKSET=
	run="{\"rotation\": $((r % 2))"
	for v in base db; do
		run+=", \"$v\": {\"calls\": $n, \"ok\": ${ok[$v]}, \"kamailio_cpu_us_per_call\": $(awk -v c=$((${c1[$v]} - ${c0[$v]})) -v ok="${ok[$v]}" 'BEGIN { printf "%.2f", ok ? c / 1000 / ok : 0 }')}"
	done
	side+=("$run}")
	log "  ${side[-1]}"
	unset vi c0 c1 ok done_
done

cg=()
for v in base db; do
	log "db: callgrind, module $v"
	dir=$OUT/cg-db-$v
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$OUT/gcp.xml.bench" "$OUT/gcp.xml"
	BKLOG=$OUT/kamailio-callgrind-db-$v.log
	(cd "$OUT" && exec valgrind --tool=callgrind --trace-children=yes \
		--callgrind-out-file="$dir/cg.%p" \
		kamailio -f "$OUT/kamailio-bench.cfg" -DD -E -m 256 -M 16 -x tlsf -X tlsf \
		-A "GCP_MODULE=\"${MOD[$v]}\"" -A "GCP_CONFIG=\"$OUT/gcp.xml\"" \
		-A "GCP_CTL=\"$CTL\"" -A "GCP_LISTEN=$KADDR" \
		-A "VOICEMAIL_HOST=\"127.0.0.1:6999\"" -A "FR_INV_TIMER=900000" >"$BKLOG" 2>&1) &
	I_PID[a]=$!
	for i in $(seq 1 900); do
		kamcmd -s "$CTL" core.version >/dev/null 2>&1 && break
		sleep 0.1
	done
	inst a bs_register "$OUT/members.csv" "$NGROUPS" || exit 1
	bs_start member bench_uas_member.xml $P_MEMBER
	sleep 1
	pids=$(inst a bk_pids)
	for p in $pids; do callgrind_control -z "$p" >/dev/null 2>&1; done
	bs_start caller bench_uac_cancel.xml $P_CALLER -inf "$callees" -m "$CG_CALLS" -r 50 \
		-l 5000 -recv_timeout 20000 "$KADDR"
	bs_wait caller
	okc=$(bs_stat caller 'SuccessfulCall(C)')
	for p in $pids; do callgrind_control --dump=load "$p" >/dev/null 2>&1; done
	bs_stop member
	inst a bk_stop
	cg+=("{\"module\": \"$v\", \"calls\": $CG_CALLS, \"ok\": $okc, \"callgrind\": $(python3 "$BROOT/bench/callgrind_sum.py" total "$dir"/cg.*.1)}")
	rm -rf "$dir"
done

{
	echo "{\"members\": $NMEMBERS, \"reloads\": $RELOADS, \"changes\": $CHANGES,"
	echo " \"rooms\": [$(IFS=,; echo "${rooms[*]}")],"
	echo " \"callpath\": {\"base\": \"$base\", \"rate\": $CP_RATE, \"seconds\": $CP_SECONDS, \"pinned\": $PIN,"
	echo "   \"paired\": [$(IFS=,; echo "${side[*]}")],"
	echo "   \"callgrind\": [$(IFS=,; echo "${cg[*]}")]}}"
} | python3 -m json.tool >"$RES/db.json"
log "db: $RES/db.json"
