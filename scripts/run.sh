#!/usr/bin/env bash
# `make run`: Kamailio in the foreground with cfg/kamailio.cfg and the sample
# groups, on 127.0.0.1:5060 (UDP and TCP). kamcmd reaches it on its default
# socket: try `kamcmd gcp.calls`. Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
mkdir -p /run/kamailio
# the packaged service must not hold the port
if command -v systemctl >/dev/null 2>&1; then systemctl stop kamailio 2>/dev/null || true; fi
# the sample group file is edited by RPC: work on a copy the first time
state=build/run
mkdir -p "$state"
[ -f "$state/gcp.xml" ] || cp cfg/gcp.xml "$state/gcp.xml"
# the presence stack's database (BLF keys), created when missing
presence_db=$(bash scripts/presence-db.sh "$state/presence.sqlite")
echo "run: Kamailio on 127.0.0.1:5060, groups in $state/gcp.xml, presence in $state/presence.sqlite; Ctrl-C stops it"
exec kamailio -f cfg/kamailio.cfg -DD -E -m 64 -M 8 \
	-A "GCP_MODULE=\"$PWD/modules/gcp/gcp.so\"" \
	-A "GCP_CONFIG=\"$PWD/$state/gcp.xml\"" \
	-A "GCP_PRESENCE_DB=\"$presence_db\"" "$@"
