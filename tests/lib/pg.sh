#!/usr/bin/env bash
# A PostgreSQL server of a test's own, from Debian's postgresql package:
# initdb + pg_ctl in a folder of the test, reached only on a unix socket in
# that folder (no TCP port: nothing else on the machine sees it, and other
# runs cannot collide with it), run as the unprivileged user postgres when
# the test runs as root (the server refuses root). Sourced:
#
#   PG_DIR=<folder> . tests/lib/pg.sh
#   pg_init      a new cluster in $PG_DIR/data (an old one is removed),
#                started, with role kamailio and database gcp holding
#                Kamailio's standard-create.sql and gcp's schema
#   pg_stop / pg_start   stop (fast: sessions ended, open transactions
#                rolled back) and start it again
#   pg_halt      stop it for good (the suite's end)
#   psql_gcp <sql>       runs sql in database gcp (stops at an error)
#   PG_URL       the db_url for gcp: postgres://kamailio:<password>@/gcp
#                (an empty host: libpq takes PGHOST, exported here, which
#                is the socket folder)
# The password is never checked (trust authentication on the socket): it
# is there so tests can see that it is never shown.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_SOCK=$PG_DIR/sock
PG_DATA=$PG_DIR/data
PG_LOG=$PG_DIR/postgres.log
PG_PASSWORD=pg-secret-$$
PG_URL="postgres://kamailio:$PG_PASSWORD@/gcp"
export PGHOST=$PG_SOCK PGPORT=5480

# a command as the server's user
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 30 \
		-o "-k $PG_SOCK -c listen_addresses='' -p $PGPORT -c fsync=off" start >/dev/null
}

pg_stop() {
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null
}

pg_halt() {
	[ -d "$PG_DATA" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 &&
		as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1
	return 0
}

psql_gcp() {
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -U kamailio -d gcp -c "$1"
}

pg_init() {
	[ -n "$PG_BIN" ] || { echo "no PostgreSQL server (package postgresql)"; return 1; }
	pg_halt
	rm -rf "$PG_DIR"
	mkdir -p "$PG_SOCK"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$PG_DIR"
	chmod 700 "$PG_DIR"
	as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --no-locale \
		-E UTF8 >"$PG_DIR/initdb.log" 2>&1 || { tail -n 20 "$PG_DIR/initdb.log"; return 1; }
	pg_start || { tail -n 20 "$PG_LOG"; return 1; }
	"$PG_BIN/psql" -X -q -U postgres -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE ROLE kamailio LOGIN" -c "CREATE DATABASE gcp OWNER kamailio" &&
		"$PG_BIN/psql" -X -q -U kamailio -d gcp -v ON_ERROR_STOP=1 \
			-f /usr/share/kamailio/postgres/standard-create.sql \
			-f "$ROOT/schema/postgres/gcp-create.sql" >/dev/null
}
