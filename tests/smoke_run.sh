#!/usr/bin/env bash
# `make run` as a user starts it: Kamailio comes up on 127.0.0.1:5060 with
# the sample cfg, a phone registers, kamcmd answers on its default socket.
# Ends with "smoke: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
out=tests/out/smoke
rm -rf "$out"
mkdir -p "$out"
bash scripts/run.sh >"$out/kamailio.log" 2>&1 &
pid=$!
ok=0
for i in $(seq 1 100); do
	kamcmd core.version >/dev/null 2>&1 && { ok=1; break; }
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
. tests/lib/check.sh
# a failed check shows Kamailio's log
CHECK_PREFIX="smoke " CHECK_LOG=$out/last.log CHECK_ALL=$out/checks.log CHECK_SHOW=$out/kamailio.log
check "kamailio started, kamcmd answers" test $ok -eq 1
check "a phone registers on 5060" sipp -sf tests/scenarios/register.xml -i 127.0.0.1 -p 5499 \
	-m 1 -s 1001 -nostdin -timeout 10s -timeout_error -trace_msg -message_file "$out/reg.msg" 127.0.0.1:5060
check "the phone is in the location table" sh -c 'kamcmd ul.dump | grep -q "Address: sip:1001@127.0.0.1:5499"'
check "the registration got 200" grep -q '^SIP/2.0 200' "$out/reg.msg"
check "gcp answers on RPC" kamcmd gcp.calls
kill $pid 2>/dev/null
wait $pid 2>/dev/null

# make run ARGS='-A WITH_DB': the groups in build/run/gcp.sqlite (a new one
# gets the sample groups by gcp.import)
bash scripts/run.sh -A WITH_DB >"$out/kamailio-db.log" 2>&1 &
pid=$!
ok=0
for i in $(seq 1 100); do
	kamcmd core.version >/dev/null 2>&1 && { ok=1; break; }
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
CHECK_SHOW=$out/kamailio-db.log
check "with WITH_DB: kamailio started on build/run/gcp.sqlite" \
	sh -c "[ $ok -eq 1 ] && kamcmd gcp.reload | grep -q 'database: sqlite://$PWD/build/run/gcp.sqlite'"
# a database this run created holds the sample groups once they are imported
if grep -q 'gcp-db: created' build/run/gcp-db.log 2>/dev/null; then
	check "with WITH_DB: the new database holds the groups of build/run/gcp.xml" \
		sh -c 'for i in $(seq 1 50); do kamcmd gcp.member.get 1001 2>/dev/null | grep -q "group: " && exit 0; sleep 0.1; done; exit 1'
fi
kill $pid 2>/dev/null
wait $pid 2>/dev/null
t_summary smoke
