#!/usr/bin/env bash
# `make run-cluster`: three nodes of a gcp cluster (cfg/kamailio.cfg with
# WITH_DMQ, issue 15) on this machine's loopback, in the foreground:
# node 1 on 127.0.0.2, node 2 on 127.0.0.3, node 3 on 127.0.0.4, each on
# SIP port 5060 (UDP and TCP; GCP_CLUSTER_PORT another), each with a
# folder of its own in build/run/cluster/nodeN: its ctl socket for kamcmd,
# its gcp.xml (a copy of cfg/gcp.xml the first time; RPC changes on any
# node are written to every node's), its log, the presence database (node
# 1, the cluster's presence server) or pua's (nodes 2 and 3).
# Every node takes KDMQ from the three addresses only (GCP_DMQ_PEERS).
# Arguments go to every kamailio (e.g. -A WITH_AUTH). Ctrl-C stops all
# three. The nodes are started by tests/lib/cluster.sh, as in the cluster
# suite (tests/cluster).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
CL_DIR=$ROOT/build/run/cluster
CL_PORT=${GCP_CLUSTER_PORT:-5060}
. tests/lib/cluster.sh
# the packaged service must not hold the port
if command -v systemctl >/dev/null 2>&1; then systemctl stop kamailio 2>/dev/null || true; fi
mkdir -p "$CL_DIR"

stopping=0
stop_all() {
	[ $stopping = 0 ] || return 0
	stopping=1
	echo
	echo "run-cluster: stopping the three nodes"
	cl_stop_all
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for n in $(seq 1 "$CL_NODES"); do
	if ! cl_start "$n" "$@"; then
		echo "run-cluster: node $n did not start; its log: $(cl_log "$n")"
		exit 1
	fi
done
if ! cl_wait_dmq 20; then
	echo "run-cluster: warning: the nodes do not all list each other yet (kamcmd ... dmq.list_nodes)"
fi

echo "run-cluster: three nodes of one cluster (users' domain 127.0.0.1; register a phone on any node):"
for n in $(seq 1 "$CL_NODES"); do
	role="pua only, publishes to node 1"
	[ "$n" = 1 ] && role="the presence server (BLF)"
	printf '  node %d  SIP %-18s kamcmd -s %s gcp.cluster\n' "$n" "$(cl_addr "$n")" "$(cl_ctl "$n")"
	printf '          log %s, groups %s, %s\n' "${CL_DIR#$ROOT/}/node$n/kamailio.log" "${CL_DIR#$ROOT/}/node$n/gcp.xml" "$role"
done
echo "run-cluster: Ctrl-C stops all three"

# until Ctrl-C, or until every node has stopped
declare -A gone=()
while :; do
	wait -n 2>/dev/null || true
	alive=0
	for n in $(seq 1 "$CL_NODES"); do
		if cl_alive "$n"; then
			alive=$((alive + 1))
		elif [ -z "${gone[$n]:-}" ]; then
			gone[$n]=1
			echo "run-cluster: node $n stopped; its log: $(cl_log "$n")"
		fi
	done
	[ $alive -gt 0 ] || exit 1
	sleep 1
done
