#!/usr/bin/env bash
# Observability and management over HTTP: Kamailio with cfg/kamailio.cfg
# plus cfg/prometheus.cfg (xhttp, xhttp_prom, jsonrpcs). The gcp statistics
# appear on /metrics (read with curl on loopback) and follow a pickup;
# gcp.range.list answers over JSON-RPC with curl and through kamcli
# (Debian's package, over jsonrpcs' datagram socket).
# Ends "prom: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
. tests/suite.sh prom kamcli
HTTP=127.0.0.1:5996
RPCSOCK=$OUT/kamailio_rpc.sock
trap k_stop_cfg EXIT
load_basic_pickup

metrics() {
	curl -s --max-time 5 "http://$HTTP/metrics"
}
# metric <name>: its value on /metrics
metric() {
	metrics | awk -v m="kamailio_gcp_$1" '$1 == m { print $2 }'
}
rpc_http() { # <method> [params json]
	curl -s --max-time 5 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":[${2:-}],\"id\":1}" "http://$HTTP/RPC"
}
cat >"$OUT/kamcli.ini" <<INI
[main]
domain=127.0.0.1
[ctl]
type=jsonrpc
[jsonrpc]
transport=socket
srvaddr=$RPCSOCK
rcvaddr=$OUT/kamcli_reply.sock
outformat=json
INI
kamcli_() {
	(cd "$OUT" && kamcli --no-default-configs -c "$OUT/kamcli.ini" "$@")
}

t_metrics() {
	local out s
	out=$(metrics)
	for s in tracked ringing picked pickup_empty pickup_denied pickup_failed; do
		expect "/metrics" "$out" "^kamailio_gcp_$s [0-9]+" || return 1
	done
}

# the same numbers as kamcmd's statistics, after a pickup and an empty one
t_metrics_follow() {
	t_basic_pickup_59 || return 1
	uac empty picker_480.xml 5933 7002 -key from 2001 -key contact_port 5933
	sw || return 1
	local s v k
	for s in tracked picked pickup_empty ringing pickup_denied pickup_failed; do
		v=$(metric "$s")
		k=$(stat "$s")
		[ -n "$v" ] && [ "$v" = "$k" ] || fail "kamailio_gcp_$s is '$v' on /metrics, kamcmd says '$k'" || return 1
	done
	[ "$(metric tracked)" = 1 ] || fail "kamailio_gcp_tracked is $(metric tracked), not 1" || return 1
	[ "$(metric picked)" = 1 ] || fail "kamailio_gcp_picked is $(metric picked), not 1" || return 1
	[ "$(metric pickup_empty)" = 1 ] || fail "kamailio_gcp_pickup_empty is $(metric pickup_empty), not 1" || return 1
}

# HTTP is served on its own listener only: the SIP port refuses it
t_http_port_only() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$KADDR/metrics")
	[ "$code" = 403 ] || fail "GET /metrics on the SIP port answered $code, not 403"
}

t_jsonrpc_curl() {
	local out
	out=$(rpc_http gcp.range.list)
	expect "gcp.range.list over HTTP" "$out" '"name":[[:space:]]*"sales"' || return 1
	expect "gcp.range.list over HTTP" "$out" '"first":[[:space:]]*"\*800"' || return 1
}

t_kamcli_range_list() {
	local out
	out=$(kamcli_ jsonrpc gcp.range.list 2>&1)
	expect "kamcli jsonrpc gcp.range.list" "$out" '"name": "sales"' || return 1
	expect "kamcli jsonrpc gcp.range.list" "$out" '"last": "7099"' || return 1
	expect "kamcli jsonrpc gcp.range.list" "$out" '"name": "support"' || return 1
}

# a change through kamcli, seen by kamcmd and kept in the file
t_kamcli_change() {
	local out
	out=$(kamcli_ rpc gcp.range.add east 6000 6099 2>&1)
	expect "kamcli rpc gcp.range.add" "$out" '"name": "east"' || return 1
	expect "kamcmd gcp.range.list" "$(kc gcp.range.list)" 'name: east' || return 1
	grep -q 'name="east"' "$OUT/gcp.xml" || fail "range east not in $OUT/gcp.xml" || return 1
	kamcli_ rpc gcp.range.remove east >/dev/null 2>&1
	expect_not "kamcmd gcp.range.list" "$(kc gcp.range.list)" 'name: east'
}

cp cfg/gcp.xml "$OUT/gcp.xml"
cat >"$OUT/kamailio-prom.cfg" <<CFG
#!KAMAILIO
# cfg/kamailio.cfg with cfg/prometheus.cfg included at its end
include_file "$ROOT/cfg/kamailio.cfg"
include_file "$ROOT/cfg/prometheus.cfg"
CFG
if k_start_cfg "$ROOT" "$OUT/kamailio-prom.cfg" -A "GCP_MODULE=\"$ROOT/modules/gcp/gcp.so\"" \
	-A "HTTP_PORT=${HTTP##*:}" -A "JSONRPC_SOCKET=\"$RPCSOCK\""; then
	run_one metrics t_metrics
	run_one metrics_follow_pickups t_metrics_follow
	run_one http_port_only t_http_port_only
	run_one jsonrpc_curl t_jsonrpc_curl
	run_one kamcli_range_list t_kamcli_range_list
	run_one kamcli_change t_kamcli_change
else
	t_fail "prom kamailio-start"
fi
k_stop_cfg
cp "$KLOG" "$OUT/kamailio-prom.log" 2>/dev/null

t_summary prom
