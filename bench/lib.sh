#!/usr/bin/env bash
# Helpers of the benchmarks (make bench): Kamailio with a chosen cfg, its CPU
# time from /proc/<pid>/task/*/schedstat, SIPp parties on the bench ports of
# tests/lib/ports.sh. Every process is started here and stopped by its own
# pid, never by name, so the benchmarks run next to the test suites.

BROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$BROOT/tests/lib/ports.sh"
suite_env bench
# OUT, KPORT, KADDR, CTL, kc() and k_launch of the SIPp suites
. "$BROOT/tests/sipp/lib.sh"
BKLOG=
# Kamailio's shared memory for the benchmarks (MB): 10,000 ringing calls
# are 10,000 live INVITE transactions
BENCH_SHM_MB=${BENCH_SHM_MB:-1024}

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# bk_start <tag> <cfg> [kamailio args...]: start Kamailio in $OUT (the
# includes of the cfg are looked up there first), log in
# $OUT/kamailio-<tag>.log: k_launch of tests/lib/kamailio.sh, stopped by
# bk_stop (by its pid)
bk_start() {
	local tag=$1 cfg=$2
	shift 2
	bk_stop
	BKLOG=$OUT/kamailio-$tag.log
	KLOG=$BKLOG K_NO_HALT=1 K_SHM_MB=$BENCH_SHM_MB K_PKG_MB=16 K_START_WAIT=15 \
		K_VM_HOST=127.0.0.1:${VM_PORTS[bench]} K_FR_INV=900000 \
		k_launch "$OUT" "$cfg" --loadmodule=cfg_rpc.so \
		-A "GCP_MODULE=\"${BENCH_GCP_MODULE:-$BROOT/modules/gcp/gcp.so}\"" "$@" >&2 || return 1
	# calls ring for minutes in the pickup benchmark: tm's max_inv_lifetime
	# (180 s by default) as a run-time setting (cfg_rpc, loaded from the
	# command line: the cfg stays as it is)
	local out
	out=$(kc cfg.seti tm max_inv_lifetime 900000 2>&1)
	if [ -n "$out" ]; then
		echo "kamailio: cannot set tm max_inv_lifetime: $out" >&2
		return 1
	fi
}

# pid_stop <pid> <tenths of a second before SIGKILL>: one process of ours
pid_stop() {
	kill "$1" 2>/dev/null
	local i
	for i in $(seq 1 "$2"); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

bk_stop() {
	if [ -n "${KPID:-}" ] && kill -0 "$KPID" 2>/dev/null; then
		pid_stop "$KPID" 100
	fi
	KPID=
}

# the pids of Kamailio: the main process and all its descendants
bk_pids() {
	[ -n "${KPID:-}" ] || return 0
	local all
	# ps, not awk over /proc/*/stat: mawk stops at the first file that
	# vanished meanwhile (any short-lived process), which would leave
	# Kamailio processes out of the CPU sums
	all=$(ps -e -o pid= -o ppid=)
	awk -v root="$KPID" '
		{ parent[$1] = $2 }
		END {
			keep[root] = 1; n = 1
			while (n) { n = 0
				for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; n++ } }
			for (p in keep) print p
		}' <<<"$all"
}

# CPU time of Kamailio in ns: first field of schedstat, every thread of
# the main process and of its children
bk_cpu_ns() {
	local p t sum=0 v
	for p in $(bk_pids); do
		for t in /proc/"$p"/task/*/schedstat; do
			read -r v _ <"$t" 2>/dev/null || continue
			sum=$((sum + v))
		done
	done
	echo "$sum"
}

# pin Kamailio (every process) to CPU $1, when the machine has more than one
bk_pin() {
	local p
	[ "$(nproc)" -gt 1 ] || return 0
	for p in $(bk_pids); do taskset -a -p -c "$1" "$p" >/dev/null 2>&1; done
}

# ---- SIPp ----

# bs_start <name> <scenario> <port> [sipp args...]: a SIPp (a scenario
# of tests/scenarios: bench_*.xml) in the
# background (server mode unless the args name a remote host); its pid in
# BS_PID[<name>], its output in $OUT/sipp-<name>.*
declare -A BS_PID
bs_start() {
	local name=$1 scen=$2 port=$3
	shift 3
	rm -f "$OUT/sipp-$name".*
	(cd "$OUT" && ulimit -n 65536 2>/dev/null; exec ${BS_TASKSET:-} sipp -sf "$(scen_path "$scen")" -i 127.0.0.1 -p "$port" \
		-nostdin -trace_err -error_file "$OUT/sipp-$name.err" \
		-trace_stat -stf "$OUT/sipp-$name.csv" -fd 1 \
		"$@" >"$OUT/sipp-$name.out" 2>&1) &
	BS_PID[$name]=$!
}

bs_wait() {
	local pid=${BS_PID[$1]:-}
	[ -n "$pid" ] || return 0
	wait "$pid"
	local rc=$?
	unset "BS_PID[$1]"
	return $rc
}

bs_stop() {
	local pid=${BS_PID[$1]:-}
	[ -n "$pid" ] || return 0
	pid_stop "$pid" 50
	unset "BS_PID[$1]"
}

bs_stop_all() {
	local n
	for n in "${!BS_PID[@]}"; do bs_stop "$n"; done
}

# the last value of a column of a SIPp statistics file: bs_stat <name> <column>
bs_stat() {
	awk -F';' -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		{ v = $c }
		END { print (c && v != "") ? v + 0 : 0 }' "$OUT/sipp-$1.csv" 2>/dev/null
}

# the last statistics row of a SIPp: "<epoch> <successful> <failed>"
sipp_now() {
	awk -F';' '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "CurrentTime") t = i;
			if ($i == "SuccessfulCall(C)") s = i; if ($i == "FailedCall(C)") f = i }; next }
		{ split($t, a, "\t"); ts = a[3]; if (ts == "") ts = $t; sv = $s; fv = $f }
		END { printf "%s %d %d\n", ts, sv, fv }' "$OUT/sipp-$1.csv" 2>/dev/null
}

# CPU time in ns of a process and its threads: pid_cpu_ns <pid>
pid_cpu_ns() {
	local t v sum=0
	for t in /proc/"$1"/task/*/schedstat; do
		read -r v _ <"$t" 2>/dev/null || continue
		sum=$((sum + v))
	done
	echo "$sum"
}

# "<busy> <total>" jiffies of CPU <n> from /proc/stat: cpu_jiffies <n>
cpu_jiffies() {
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i
		print t - $5 - $6, t }' /proc/stat
}

# wait for a new statistics row of SIPp <name>; prints it
sipp_next_row() {
	local name=$1 rows i
	rows=$(wc -l <"$OUT/sipp-$name.csv" 2>/dev/null || echo 0)
	for i in $(seq 1 300); do
		[ "$(wc -l <"$OUT/sipp-$name.csv" 2>/dev/null || echo 0)" -gt "$rows" ] && break
		sleep 0.01
	done
	sipp_now "$name"
}

# register users: bs_register <users.csv> <count> (field0 user, field1 port)
bs_register() {
	local csv=$1 n=$2
	bs_start register bench_register.xml 6501 -inf "$csv" -m "$n" -r 2000 -l 200 \
		-timeout 60s "$KADDR"
	if ! bs_wait register; then
		echo "registration failed:" >&2
		tail -n 5 "$OUT/sipp-register.err" >&2
		return 1
	fi
}

# number of calls in the ring table (gcp) or of the htable script
bk_gcp_ringing() {
	kc stats.get_statistics gcp: 2>/dev/null | sed -n 's/^gcp:ringing = //p'
}

# ---- several Kamailio instances at once (side by side) ----
# inst_define <name> <port>: an instance on 127.0.0.1:<port> (the one on
# $KPORT keeps the SIPp suites' ctl socket name); inst <name> <command...>
# runs a command with that instance's KADDR, CTL and KPID
declare -A I_ADDR=() I_CTL=() I_PID=()
inst_define() {
	I_ADDR[$1]=127.0.0.1:$2
	if [ "$2" = "$KPORT" ]; then I_CTL[$1]=$CTL; else I_CTL[$1]=unix:$OUT/kamailio_ctl_$2; fi
}
inst() {
	local i=$1
	shift
	local KADDR=${I_ADDR[$i]} CTL=${I_CTL[$i]} KPID=${I_PID[$i]:-}
	"$@"
	local rc=$?
	I_PID[$i]=$KPID
	return $rc
}
inst_stop_all() {
	local i
	for i in "${!I_ADDR[@]}"; do inst "$i" bk_stop; done
}
