#!/usr/bin/env bash
# The cluster suite (issue 15): three nodes of cfg/kamailio.cfg with
# WITH_DMQ (tests/lib/cluster.sh: node N on 127.0.0.<N+1>, every node on
# this suite's port of tests/lib/ports.sh; node 1 the presence server, the
# others pua only), every SIPp party on 127.0.0.1. Once DMQ lists every
# node on every node and gcp.cluster agrees, the tests of the cluster
# contract (docs/INTERFACE.md, "Cluster (DMQ)"), in inject mode: pickups
# across nodes (the oldest call of the cluster, races), registrations and
# busy lamps across nodes, the configuration changed on every node at
# once, a refused change, hostile KDMQ bodies, KDMQ from an address that
# is no node's (GCP_DMQ_PEERS: 403), a node stopped (SIGSTOP)
# and one killed (SIGKILL) and restarted without its gcp.xml.
# Prints "PASS/FAIL <test>" and ends "cluster: N passed, N failed".
# GCP_CLUSTER_TESTS="name ..." runs only those (after the start checks).
# Files: tests/out-cluster (a folder per test; nodes/nodeN: each node's
# log, gcp.xml, ctl socket).
#   unshare -n bash -c 'ip link set lo up; bash tests/cluster/run.sh'
set -u
# A network namespace of the suite's own when it can have one (root and
# unshare): the nodes' loopback addresses are then the suite's alone, and
# db_shared can cut the network between nodes (ip rule) without touching
# the machine's. Already in one (e.g. started as above): as it is.
if [ -z "${GCP_CLUSTER_NETNS:-}" ] &&
	[ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net 2>/dev/null)" ] &&
	command -v ip >/dev/null && unshare -n ip link set lo up 2>/dev/null; then
	exec unshare -n env GCP_CLUSTER_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
cd "$(dirname "$0")"
. ../lib/ports.sh
suite_start cluster cluster.lock 600 "$@"
. ../sipp/lib.sh
CL_DIR=$OUT/nodes
CL_PORT=$KPORT
CL_VM_HOST=127.0.0.1:${VM_PORTS[cluster]}
CL_FR_INV=15000
. ../lib/cluster.sh
. ./lib.sh
# kc and stat (tests/sipp/lib.sh) ask node 1
CTL=$(cl_ctl 1)
SIPP_TIMEOUT=${SIPP_TIMEOUT:-20}

ALL_TESTS=""
for f in tests_calls.sh tests_kinds.sh tests_share.sh tests_config.sh tests_db.sh tests_faults.sh; do . "./$f"; done
# tests that change the cluster itself (a node stopped, killed): one attempt
NO_RETRY="stopped killed"

cl_stop_all
rm -rf "$CL_DIR"
mkdir -p "$CL_DIR"
# (db_shared's PostgreSQL too, when a run is cut short)
trap 'cl_stop_all; declare -F pg_halt >/dev/null && pg_halt' EXIT

# Until the module has its cluster mode, the nodes run without gcp's
# modparam dmq (dmq and dmq_usrloc work, every test of gcp's part fails)
cl_args 1
if kamailio -c "${CL_ARGS[@]}" >"$OUT/cfg-check.log" 2>&1; then
	t_pass "cfg/kamailio.cfg with WITH_DMQ loads (gcp's modparam dmq)"
else
	t_fail "cfg/kamailio.cfg with WITH_DMQ loads (gcp's modparam dmq)"
	fail_tail "$OUT/cfg-check.log" 5
	if grep -q 'parameter <dmq> .* not found in module <gcp>' "$OUT/cfg-check.log"; then
		echo "    gcp.so has no cluster mode: the nodes run without modparam(\"gcp\", \"dmq\", 1)"
		sed -e "s|include_file \"routing-cases.cfg\"|include_file \"$ROOT/cfg/routing-cases.cfg\"|" \
			-e '/^modparam("gcp", "dmq", 1)/d' "$ROOT/cfg/kamailio.cfg" >"$OUT/kamailio-nodmq.cfg"
		CL_CFG=$OUT/kamailio-nodmq.cfg
	fi
fi

CHECK_LOG=$OUT/start.log
if ! check "three nodes start (127.0.0.2, .3, .4 on port $CL_PORT)" cl_start_all; then
	t_summary cluster
	exit
fi
check "dmq lists the two others active on every node" cl_wait_dmq 20
check "gcp.cluster: every node lists the three up, one configuration digest" cl_wait_agree 10
unset CHECK_LOG

ATTEMPT=0
# one attempt of a test, in its own folder; 0 when it passed
attempt() {
	local name=$1 rc
	ATTEMPT=$((ATTEMPT + 1))
	T_ID=$name$ATTEMPT t_run "$OUT/$name" cl_test "$name"
	rc=$?
	cl_unreg_all
	return $rc
}
cl_test() {
	"t_$1"
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "  (the test failed: its parties get $((${RING_MS:-6000} / 1000 + 4)) s to end, then the calls left)"
		sw_within $((${RING_MS:-6000} / 1000 + 4)) >/dev/null 2>&1
	fi
	sipp_kill_all
	return $rc
}

run_test() {
	local name=$1 start
	start=$(date +%s.%N)
	RETRY_NOTE=""
	if grep -qw "$name" <<<"$NO_RETRY"; then
		if ! attempt "$name"; then
			t_fail "$(printf '%-20s' "$name")"
			fail_tail "$OUT/$name/test.log" 40
			return
		fi
	elif ! retry_once "$OUT/$name" attempt "$name"; then
		t_fail "$(printf '%-20s' "$name")"
		fail_tail "$OUT/$name.first/test.log" 20
		echo "    -- second attempt:"
		fail_tail "$OUT/$name/test.log" 40
		return
	fi
	t_pass "$(printf '%-20s %5.1fs%s' "$name" "$(t_secs "$start")" "$RETRY_NOTE")"
}

for name in ${GCP_CLUSTER_TESTS:-$ALL_TESTS}; do
	run_test "$name"
done

# every node is still up (the killed one was started again), and no
# Kamailio process ended by a signal it did not ask for
alive_all() {
	local n ok=0
	for n in $(seq 1 "$CL_NODES"); do
		nk "$n" core.version >/dev/null 2>&1 || { echo "node $n does not answer"; ok=1; }
	done
	return $ok
}
CHECK_LOG=$OUT/end.log
check "every node answers at the end" alive_all
check "no Kamailio process died of a signal" \
	sh -c "! grep -h 'exited by a signal\|segfault\|core dumped' $(cl_logs | tr '\n' ' ')"
cl_stop_all
t_summary cluster
