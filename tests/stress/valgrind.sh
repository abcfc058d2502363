#!/usr/bin/env bash
# `make test-valgrind`: SIPp suites of tests/sipp against Kamailio running
# under valgrind memcheck (every process, one log each), then a check of
# the logs: no invalid read/write/free, no use of uninitialised values and
# no "definitely lost" block with a gcp frame (gcp_*.c, gcp.so) in its
# stack. Findings outside gcp are listed, not counted.
#
# Before the tests, 40 plain calls warm every worker up (valgrind's first
# run of any code is slow); in inject mode the management RPCs (changes,
# refused changes, a broken and a DTD-carrying file on gcp.reload) run too.
# kamailio.supp silences Kamailio's own allocators (TLSF tests header bits
# it never initialised: thousands of reports, none of them gcp's).
#
# Prints "PASS/FAIL ..." lines and ends with "valgrind: N passed, N failed".
#
#   GCP_TESTS   the tests of tests/sipp (default: basic_pickup oldest_first
#               failed_pickup_released two_pickers auto_refused)
#   GCP_MODES   the modes (default: inject replaces auto); a test runs in
#               the modes its modes_<name> lists, else in inject and replaces
#   VG_SLOW     how much slower SIPp's own waits and the tests' sleeps are
#               made (default 3): Kamailio is slow under valgrind
#   S_MODULE    another gcp.so to test (default modules/gcp/gcp.so)
#
# Kamailio's own allocators (shm, and pkg with -M) hand out memory from one
# big block each, which memcheck sees as a single allocation: it finds
# invalid accesses and leaks of memory from libc's malloc (libxml2, the
# configuration model, RPC helpers) and uses of uninitialised values, but
# not overruns inside shm or pkg; the unit tests (ASan + UBSan) and the
# fuzzers cover gcp's code there.
#
# Same Kamailio port as tests/stress/run.sh (tests/lib/ports.sh); files in
# tests/out-stress/valgrind; the tests' SIPp ports 5Hxx move to 6H(xx+50),
# e.g. 5101 -> 6151, 5099 -> 6199 (voicemail): PORTS_SIPP_TO_STRESS.
set -u
cd "$(dirname "$0")"
HERE=$(pwd)
. ../lib/ports.sh
# the stress suite's folder and lock
suite_env valgrind "$(cd ../.. && pwd)/tests/out-stress"
STRESS_OUT=$GCP_TEST_OUT
suite_start valgrind .stress.lock 1800 "$@"
export GCP_TEST_OUT=$STRESS_OUT/valgrind
rm -rf "$GCP_TEST_OUT"
. ./lib.sh
. "$ROOT/tests/kstart.sh"
SUITE=valgrind
VG_DIR=$OUT/vg
mkdir -p "$VG_DIR"
VG_SLOW=${VG_SLOW:-3}

if ! command -v valgrind >/dev/null; then
	t_fail "valgrind is not installed (apt-get install valgrind)"
	t_summary valgrind
	exit 1
fi

# the tests of tests/sipp, with their SIPp ports moved from 5xxx to 6xxx
ALL_TESTS=""
for f in tests_basic.sh tests_cases.sh tests_flow.sh tests_auto.sh tests_cfg.sh tests_review.sh tests_directed.sh tests_other.sh; do . "$ROOT/tests/sipp/$f"; done
for t in $ALL_TESTS pick ring_picked picked_from ring_unpickable og_priority og_ring3 og_pick3 og_one_way; do
	declare -F "t_$t" >/dev/null && fn=t_$t || fn=$t
	declare -F "$fn" >/dev/null || continue
	eval "$(declare -f "$fn" | sed -E "$PORTS_SIPP_TO_STRESS")"
done

# Kamailio under valgrind: k_start and k_stop of tests/sipp/lib.sh replaced
VG_CMD="valgrind --suppressions=$HERE/kamailio.supp --tool=memcheck --trace-children=yes --child-silent-after-fork=no
	--log-file=$VG_DIR/vg.%p.log --leak-check=full --show-leak-kinds=definite
	--errors-for-leak-kinds=definite --num-callers=40 --track-origins=no"
k_start() {
	local mode=$1
	shift
	S_WRAPPER=$VG_CMD S_START_WAIT=240 S_STOP_WAIT=120 S_FR_INV=15000 S_SHM_MB=64 \
		s_start "$mode" "$@"
}
k_stop() { S_STOP_WAIT=120 s_stop; }

# slower SIPp and sleeps: every wait of the tests and of SIPp scaled
sleep() { command sleep "$(echo "$1 * $VG_SLOW" | bc)"; }
sipp_args() {
	local a next=""
	SARGS=()
	for a in "$@"; do
		case "$next" in
		ms) SARGS+=("$((a * VG_SLOW))"); next=""; continue ;;
		esac
		case "$a" in
		-recv_timeout | -d) SARGS+=("$a"); next=ms ;;
		*) SARGS+=("$a") ;;
		esac
	done
}
SIPP_TIMEOUT=$((30 * VG_SLOW))
WAIT_SCALE=$VG_SLOW

# the management RPCs (the configuration model, libxml2, the file written
# and read back), with refused changes and a broken file among them
rpc_ok() { local o; o=$(kc "$@" 2>&1); ! grep -q '^error' <<<"$o" || { echo "  $*: $o"; return 1; }; }
rpc_refused() { local o; o=$(kc "$@" 2>&1); grep -q '^error' <<<"$o" || { echo "  $* was not refused: $o"; return 1; }; }
t_vg_rpc() {
	rpc_ok gcp.range.list || return 1
	rpc_ok gcp.member.set 1099 7002 || return 1
	rpc_ok gcp.personal.add 1099 sip:mum@example.org || return 1
	rpc_ok gcp.personal.add 1099 +15550199 || return 1
	kc gcp.member.get 1099 | grep -q 'mum@example.org' || fail "gcp.member.get lacks the contact" || return 1
	rpc_ok gcp.personal.remove 1099 sip:mum@example.org || return 1
	rpc_ok gcp.member.list 7002 || return 1
	rpc_ok gcp.member.remove 1099 || return 1
	rpc_ok gcp.range.add vgtest 7500 7599 pool1 || return 1
	rpc_ok gcp.range.update vgtest 7500 7550 || return 1
	rpc_refused gcp.range.add overlap 7540 7560 || return 1
	rpc_refused gcp.member.set 1098 9999 || return 1
	rpc_refused gcp.range.remove sales || return 1
	rpc_ok gcp.range.remove vgtest || return 1
	# group lists: set, shown, refused, cleared
	rpc_ok gcp.group.set 7001 '7002, *801' || return 1
	kc gcp.group.get *801 | grep -q '7001' || fail "gcp.group.get lacks listed_by" || return 1
	rpc_ok gcp.group.list || return 1
	rpc_refused gcp.group.set 7001 7001 || return 1
	rpc_refused gcp.group.set 7001 '7002,,7003' || return 1
	rpc_refused gcp.range.remove support || return 1
	rpc_ok gcp.group.set 7001 *801 || return 1
	rpc_ok gcp.calls || return 1
	rpc_ok gcp.reload || return 1
	cp "$OUT/gcp.xml" "$OUT/gcp.xml.good"
	printf '<?xml version="1.0"?>\n<gcp>\n  <range name="x" first="7000"\n' >"$OUT/gcp.xml"
	rpc_refused gcp.reload || return 1
	printf '<?xml version="1.0"?>\n<!DOCTYPE gcp [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<gcp><range name="&b;" first="7000" last="7099"/></gcp>\n' >"$OUT/gcp.xml"
	rpc_refused gcp.reload || return 1
	cp "$OUT/gcp.xml.good" "$OUT/gcp.xml"
	rpc_ok gcp.reload || return 1
	kc gcp.range.list | grep -q 'name: sales' || fail "the configuration was not restored" || return 1
}

tests=${GCP_TESTS:-"basic_pickup oldest_first failed_pickup_released two_pickers auto_refused other_priority"}
modes=${GCP_MODES:-"inject replaces auto"}

for mode in $modes; do
	cp "$ROOT/cfg/gcp.xml" "$OUT/gcp.xml"
	run=""
	for name in $tests; do
		if declare -F "modes_$name" >/dev/null; then
			"modes_$name" | grep -qw "$mode" || continue
		elif [ "$mode" = auth ] || [ "$mode" = auto ]; then
			continue
		fi
		run="$run $name"
	done
	[ -n "$run" ] || continue
	start=$(date +%s)
	if ! k_start "$mode"; then
		t_fail "kamailio-start under valgrind $mode"
		continue
	fi
	echo "     kamailio under valgrind ($mode) answered after $(($(date +%s) - start)) s"
	# warm-up: valgrind translates code the first time each process runs
	# it, which makes a worker's first messages very slow (an ACK may then
	# be overtaken by the BYE a worker that is warm already relays): 40
	# plain calls through every worker first (on ports of their own: what
	# Kamailio still resends to them must not reach a test's phones)
	T_DIR=$OUT/$mode/warmup
	mkdir -p "$T_DIR"
	reg 1010 6196
	sipp -sf "$SCEN/member_answer.xml" -i 127.0.0.1 -p 6196 -m 40 -d 50 -nostdin -timeout 90s \
		>"$T_DIR/wm.out" 2>&1 &
	wm=$!
	sipp -sf "$SCEN/caller_picked.xml" -i 127.0.0.1 -p 6296 -m 40 -r 20 -l 10 -s 1010 \
		-key from 3010 -key fromhost 127.0.0.1 -key tag warm -key contact_port 6296 -d 50 -nostdin -timeout 60s \
		-recv_timeout 10000 "$KADDR" >"$T_DIR/wc.out" 2>&1
	kill "$wm" 2>/dev/null
	wait "$wm" 2>/dev/null
	expect_no_calls >/dev/null
	unreg_all
	for name in $run; do
		run_one "$mode/$name" "t_$name" "$mode"
	done
	if [ "$mode" = inject ] && [ -z "${GCP_TESTS:-}" ]; then
		run_one "$mode/management-rpcs" t_vg_rpc "$mode"
	fi
	t0=$(date +%s)
	k_stop
	echo "     kamailio stopped in $(($(date +%s) - t0)) s"
	cp "$KLOG" "$OUT/kamailio-$mode.log"
	mkdir -p "$VG_DIR/$mode"
	mv "$VG_DIR"/vg.*.log "$VG_DIR/$mode/" 2>/dev/null
done

# ---- the logs: one record per error or leak, with its stack
vg_records() { # <log files...>: "<file>\t<kind>\t<stack joined by |>"
	awk '
		function flush() {
			if (kind != "") print fname "\t" kind "\t" stack
			kind = ""; stack = ""
		}
		FNR == 1 { flush(); fname = FILENAME }
		{
			line = $0
			sub(/^==[0-9]+== ?/, "", line)
			if (line == "") { flush(); next }
			if (line ~ /^(Invalid (read|write|free)|Mismatched free|Use of uninitialised|Conditional jump or move depends on uninitialised|Syscall param .* uninitialised|Source and destination overlap)/) {
				flush(); kind = line; next
			}
			if (line ~ /are definitely lost in loss record/) { flush(); kind = "definitely lost: " line; next }
			if (kind != "" && line ~ /^ +(at|by) /) { stack = stack "|" line }
		}
		END { flush() }
	' "$@"
}

logs=$(find "$VG_DIR" -name 'vg.*.log' 2>/dev/null)
nlogs=$(echo "$logs" | grep -c .)
if [ "$nlogs" -eq 0 ]; then
	t_fail "no valgrind logs were written"
else
	# shellcheck disable=SC2086
	vg_records $logs >"$VG_DIR/records.tsv"
	gcp_re='gcp_[a-z_]+\.c|/gcp\.so\)'
	ngcp=$(grep -E "$gcp_re" "$VG_DIR/records.tsv" | grep -c .)
	nother=$(grep -vE "$gcp_re" "$VG_DIR/records.tsv" | grep -c .)
	summary=$(grep -h 'ERROR SUMMARY' $logs | awk '{n += $4} END {print n + 0}')
	# processes that ended before their leak check (killed) have no
	# "LEAK SUMMARY": say how many did
	nleak=$(grep -l 'LEAK SUMMARY\|All heap blocks were freed' $logs | grep -c .)
	echo "     $nlogs valgrind logs ($nleak with a leak check), $summary errors in all, $ngcp with a gcp frame"
	{
		echo "processes: $nlogs, with a leak check: $nleak"
		echo "records with a gcp frame: $ngcp; others: $nother"
		echo
		echo "== others (kind, first frames), by count"
		grep -vE "$gcp_re" "$VG_DIR/records.tsv" | awk -F'\t' '{ split($3, f, "|"); print $2 " @" f[2] " " f[3] }' |
			sed -E 's/0x[0-9A-F]+: //g; s/[0-9,]+ bytes in [0-9,]+ blocks/N bytes/' | sort | uniq -c | sort -rn
	} >"$VG_DIR/summary.txt"
	if [ "$ngcp" -eq 0 ]; then
		t_pass "valgrind: no invalid access, uninitialised use or definite leak in gcp ($nlogs processes; $nother findings outside gcp: $VG_DIR/summary.txt)"
	else
		t_fail "valgrind: $ngcp findings with a gcp frame:"
		grep -E "$gcp_re" "$VG_DIR/records.tsv" | awk -F'\t' '{ n = split($3, f, "|"); s = ""; for (i = 2; i <= n && i <= 9; i++) s = s "\n        " f[i]; print "    " $1 ": " $2 s }' | head -n 80
	fi
	if [ "$nleak" -lt "$nlogs" ]; then
		echo "     note: $((nlogs - nleak)) processes ended without a leak check (killed, or exec'd)"
	fi
fi

t_summary valgrind
