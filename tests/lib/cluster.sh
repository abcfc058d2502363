#!/usr/bin/env bash
# The one way to start a cluster of cfg/kamailio.cfg (WITH_DMQ, issue 15)
# on loopback: node N listens on 127.0.0.<N+1>, every node on the same SIP
# port, each with a folder of its own (ctl socket, gcp.xml, presence or pua
# database, log, pid). Used by `make run-cluster` (scripts/run-cluster.sh)
# and the cluster suite (tests/cluster). Sourced with
#   ROOT        the repository
#   CL_DIR      the folder of the nodes' folders (node1, node2, ...)
#   CL_PORT     the SIP port of every node
# and optionally
#   CL_NODES    how many nodes (3)
#   CL_CFG      the cfg (cfg/kamailio.cfg)
#   CL_MODULE   gcp.so (modules/gcp/gcp.so)
#   CL_GCP_XML  the groups a node starts with when its folder has no
#               gcp.xml yet (cfg/gcp.xml)
#   CL_VM_HOST  VOICEMAIL_HOST (127.0.0.1:5099)
#   CL_FR_INV   FR_INV_TIMER in ms (30000)
#   CL_SHM_MB   shm size (64)
#   CL_BLF      1 (default): the busy-lamp field, node 1 the presence
#               server (GCP_PRESENCE_DB), the others pua only
#               (GCP_PRESENCE_REMOTE = node 1); 0: none
#   CL_NO_XML   set: a node without gcp.xml starts without one (it takes
#               the cluster's configuration)
#   CL_PEERS    GCP_DMQ_PEERS, the addresses KDMQ is taken from (every
#               node's: 127.0.0.2,...,127.0.0.<CL_NODES+1>)
# Node 1 takes its node list from node 2 at start, every other node from
# node 1 (GCP_DMQ_NOTIFY). Every Kamailio runs in a session of its own
# (setsid): its pid is its process group, which cl_kill and cl_pause
# signal whole (the children of a Kamailio whose main process dies keep
# its sockets).

CL_NODES=${CL_NODES:-3}
CL_CFG=${CL_CFG:-$ROOT/cfg/kamailio.cfg}
CL_MODULE=${CL_MODULE:-$ROOT/modules/gcp/gcp.so}
CL_GCP_XML=${CL_GCP_XML:-$ROOT/cfg/gcp.xml}
declare -gA CL_PID=()

cl_ip() { echo "127.0.0.$(($1 + 1))"; }
cl_addr() { echo "$(cl_ip "$1"):$CL_PORT"; }
cl_uri() { echo "sip:$(cl_addr "$1")"; }
cl_dir() { echo "$CL_DIR/node$1"; }
cl_ctl() { echo "unix:$CL_DIR/node$1/kamailio_ctl"; }
cl_log() { echo "$CL_DIR/node$1/kamailio.log"; }
cl_xml() { echo "$CL_DIR/node$1/gcp.xml"; }
# kamcmd on node N: nk <N> <command> [args...]
nk() {
	local n=$1
	shift
	kamcmd -s "$(cl_ctl "$n")" "$@"
}

# the cluster's nodes' addresses, GCP_DMQ_PEERS: "127.0.0.2,127.0.0.3,..."
cl_peers() {
	local n l=""
	for n in $(seq 1 "$CL_NODES"); do l=$l${l:+,}$(cl_ip "$n"); done
	echo "${CL_PEERS:-$l}"
}

# the node whose node list a node takes at start
cl_notify_of() {
	if [ "$1" = 1 ]; then cl_uri 2; else cl_uri 1; fi
}

# a node's folder: gcp.xml when it has none, the presence database (node
# 1) or pua's (the others; pua insists on one): cl_prepare <N>
cl_prepare() {
	local d
	d=$(cl_dir "$1")
	mkdir -p "$d"
	[ -f "$d/gcp.xml" ] || [ -n "${CL_NO_XML:-}" ] || cp "$CL_GCP_XML" "$d/gcp.xml"
	if [ "${CL_BLF:-1}" = 1 ]; then
		bash "$ROOT/scripts/presence-db.sh" "$d/presence.sqlite" >/dev/null || return 1
	fi
}

# the kamailio arguments of node N, into CL_ARGS
cl_args() {
	local n=$1 d
	d=$(cl_dir "$n")
	CL_ARGS=(-f "$CL_CFG" -DD -E -m "${CL_SHM_MB:-64}" -M 8 -x tlsf -X tlsf
		-A "GCP_MODULE=\"$CL_MODULE\""
		-A "GCP_CONFIG=\"$d/gcp.xml\""
		-A "GCP_CTL=\"$(cl_ctl "$n")\""
		-A "GCP_LISTEN=$(cl_addr "$n")"
		-A "VOICEMAIL_HOST=\"${CL_VM_HOST:-127.0.0.1:5099}\""
		-A "FR_INV_TIMER=${CL_FR_INV:-30000}"
		-A WITH_DMQ
		-A "GCP_DMQ_ADDR=\"$(cl_uri "$n")\""
		-A "GCP_DMQ_NOTIFY=\"$(cl_notify_of "$n")\""
		-A "GCP_DMQ_PEERS=\"$(cl_peers)\"")
	if [ "${CL_BLF:-1}" = 1 ]; then
		CL_ARGS+=(-A "GCP_PRESENCE_DB=\"sqlite://$d/presence.sqlite\"")
		if [ "$n" = 1 ]; then
			CL_ARGS+=(-A "GCP_PRESENCE_PROXY=\"$(cl_uri 1)\"")
		else
			CL_ARGS+=(-A "GCP_PRESENCE_REMOTE=\"$(cl_uri 1)\"")
		fi
	fi
}

# is node N's Kamailio (the one of its pid file) alive
cl_alive() {
	local p
	p=$(cat "$(cl_dir "$1")/kamailio.pid" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

# node N in the background (a leftover of an earlier run in its folder
# stopped first): cl_start <N> [kamailio args...]; returns when its ctl
# socket answers (CL_START_WAIT seconds, default 10), 1 when it does not.
# Its log grows: a node started again appends to it.
cl_start() {
	local n=$1 d log i
	shift
	d=$(cl_dir "$n")
	log=$(cl_log "$n")
	cl_stop "$n"
	cl_prepare "$n" || return 1
	cl_args "$n"
	echo "==== node $n starts: $(date '+%F %T')" >>"$log"
	(cd "$d" && exec setsid kamailio "${CL_ARGS[@]}" "$@" >>"$log" 2>&1) &
	CL_PID[$n]=$!
	echo "${CL_PID[$n]}" >"$d/kamailio.pid"
	for i in $(seq 1 $((${CL_START_WAIT:-10} * 10))); do
		nk "$n" core.version >/dev/null 2>&1 && return 0
		if ! kill -0 "${CL_PID[$n]}" 2>/dev/null; then
			echo "node $n did not start:"
			tail -n 30 "$log"
			return 1
		fi
		sleep 0.1
	done
	echo "node $n did not answer on $(cl_ctl "$n")"
	tail -n 30 "$log"
	return 1
}

# signal node N's Kamailio, all its processes: cl_signal <N> <signal>
cl_signal() {
	local p
	p=$(cat "$(cl_dir "$1")/kamailio.pid" 2>/dev/null) || return 1
	[ -n "$p" ] || return 1
	kill "-$2" -- "-$p" 2>/dev/null
}

# stop node N (SIGTERM, SIGKILL after CL_STOP_WAIT s, default 5)
cl_stop() {
	local n=$1 i p
	p=$(cat "$(cl_dir "$n")/kamailio.pid" 2>/dev/null) || return 0
	if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
		# a stopped node ends only once it runs again
		kill -CONT -- "-$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
		for i in $(seq 1 $((${CL_STOP_WAIT:-5} * 10))); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
	fi
	[ -z "$p" ] || kill -KILL -- "-$p" 2>/dev/null
	rm -f "$(cl_dir "$n")/kamailio.pid"
	unset "CL_PID[$n]"
	return 0
}

# a node dies at once, every process of it (SIGKILL): cl_kill <N>
cl_kill() {
	cl_signal "$1" KILL
	wait "${CL_PID[$1]:-0}" 2>/dev/null
	rm -f "$(cl_dir "$1")/kamailio.pid"
	unset "CL_PID[$1]"
}
# every process of a node stops / runs again: cl_pause, cl_resume <N>
cl_pause() { cl_signal "$1" STOP; }
cl_resume() { cl_signal "$1" CONT; }

cl_start_all() {
	local n
	for n in $(seq 1 "$CL_NODES"); do
		cl_start "$n" "$@" || return 1
	done
}
cl_stop_all() {
	local n
	for n in $(seq 1 "$CL_NODES"); do cl_stop "$n"; done
}

# how many other nodes node N's dmq lists as active
cl_dmq_active() {
	nk "$1" dmq.list_nodes 2>/dev/null | awk '
		/^[[:space:]]*status:/ { st = $2 }
		/^[[:space:]]*local:/ { if ($2 == 0 && st == "active") n++ }
		END { print n + 0 }'
}

# wait until every node's dmq lists every other node active (at most
# <seconds>, default 20): cl_wait_dmq [seconds]
cl_wait_dmq() {
	local i n ok
	for i in $(seq 1 $((${1:-20} * 5))); do
		ok=1
		for n in $(seq 1 "$CL_NODES"); do
			cl_alive "$n" || continue
			[ "$(cl_dmq_active "$n")" -ge $((CL_NODES - 1)) ] || { ok=0; break; }
		done
		[ $ok = 1 ] && return 0
		sleep 0.2
	done
	return 1
}
