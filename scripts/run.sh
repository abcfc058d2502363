#!/usr/bin/env bash
# `make run`: Kamailio in the foreground with cfg/kamailio.cfg and the sample
# groups, on 127.0.0.1:5060 (UDP and TCP). kamcmd reaches it on its default
# socket: try `kamcmd gcp.calls`. Ctrl-C stops it.
# `make run ARGS='-A WITH_DB'`: the groups in an SQLite database instead,
# build/run/gcp.sqlite, created with its schema by scripts/gcp-db.sh; a new
# one gets the sample groups (kamcmd gcp.import of build/run/gcp.xml) once
# Kamailio is up.
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
where="groups in $state/gcp.xml"
db_args=()
with_db=0
own_url=0
for a in "$@"; do
	case $a in
	WITH_DB | WITH_DB=* | -AWITH_DB | -AWITH_DB=*) with_db=1 ;;
	*GCP_DB_URL*) own_url=1 ;;
	esac
done
if [ $with_db = 1 ] && [ $own_url = 0 ] && [ -z "${GCP_DB_URL:-}" ]; then
	gcp_db=$(bash scripts/gcp-db.sh "$state/gcp.sqlite" 2>"$state/gcp-db.log")
	db_args=(-A "GCP_DB_URL=\"$gcp_db\"")
	where="groups in $gcp_db"
	if grep -q '^gcp-db: created' "$state/gcp-db.log"; then
		# the new database gets the sample groups, through the module; not
		# a child of Kamailio (which stops when a child of its exits): the
		# subshell that starts it has ended before the exec below
		( (
			for _ in $(seq 1 100); do
				kamcmd core.version >/dev/null 2>&1 && break
				sleep 0.1
			done
			kamcmd gcp.import "$PWD/$state/gcp.xml" >/dev/null &&
				echo "run: the new database holds the groups of $state/gcp.xml (kamcmd gcp.import)"
		) & )
	fi
fi
echo "run: Kamailio on 127.0.0.1:5060, $where, presence in $state/presence.sqlite; Ctrl-C stops it"
exec kamailio -f cfg/kamailio.cfg -DD -E -m 64 -M 8 \
	-A "GCP_MODULE=\"$PWD/modules/gcp/gcp.so\"" \
	-A "GCP_CONFIG=\"$PWD/$state/gcp.xml\"" \
	-A "GCP_PRESENCE_DB=\"$presence_db\"" "${db_args[@]}" "$@"
