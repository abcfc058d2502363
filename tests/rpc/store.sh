#!/usr/bin/env bash
# The room the management suite's configuration is kept in, for each
# backend the suite runs against (sourced by tests/rpc/run.sh):
#   file      config_file ($GCP_XML), as the module has always kept it
#   sqlite    db_url sqlite://$OUT/gcp.sqlite (db_sqlite, schema by
#             scripts/gcp-db.sh)
#   postgres  db_url of a PostgreSQL server the suite starts itself
#             (tests/lib/pg.sh, socket in $OUT/pg), through db_postgres
# The tests say what they check in terms of these functions, so every
# backend gets the same assertions:
#   store_begin <backend> / store_end    set up and tear down the backend
#   STORE_DEFS       Kamailio's -A defines for it (cfg/kamailio.cfg WITH_DB)
#   store_reset      no configuration saved at all
#   store_empty      nothing saved (true / false)
#   store_dump       everything saved, byte for byte (the file; sqlite3
#                    .dump; pg_dump)
#   store_rows       the rows of gcp's tables without their ids, sorted
#                    (file: the file)
#   store_members    the members saved: "user group", sorted
#   store_valid      what is saved can be read (xmllint; integrity_check;
#                    a query)
#   store_put_xml <file>   the file's configuration saved and in force
#                    (file: copied over config_file and gcp.reload; a
#                    database: gcp.import)
#   sql <statements>       SQL on the database (not for the file)

GCP_SQLITE=$OUT/gcp.sqlite
PG_DIR=$OUT/pg
. "$ROOT/tests/lib/pg.sh"

store_begin() {
	BACKEND=$1
	STORE_DEFS=()
	case $BACKEND in
	file) ;;
	sqlite)
		rm -f "$GCP_SQLITE"
		bash "$ROOT/scripts/gcp-db.sh" "$GCP_SQLITE" >/dev/null 2>&1 || return 1
		STORE_DEFS=(-A WITH_DB -A "GCP_DB_URL=\"sqlite://$GCP_SQLITE\"")
		;;
	postgres)
		pg_init || return 1
		STORE_DEFS=(-A WITH_DB -A 'GCP_DB_MODULE="db_postgres.so"'
			-A "GCP_DB_URL=\"$PG_URL\"")
		;;
	*) echo "unknown backend $BACKEND"; return 1 ;;
	esac
}

store_end() {
	[ "$BACKEND" = postgres ] && pg_halt
	return 0
}

is_db() { [ "$BACKEND" != file ]; }

sql() {
	case $BACKEND in
	sqlite) sqlite3 -batch -bail "$GCP_SQLITE" "$1" ;;
	postgres) psql_gcp "$1" ;;
	*) echo "sql: no database with the file backend"; return 1 ;;
	esac
}

GCP_TABLES="gcp_range gcp_member gcp_personal gcp_group_list"

store_reset() {
	if is_db; then
		sql "DELETE FROM gcp_personal; DELETE FROM gcp_member; DELETE FROM gcp_range; DELETE FROM gcp_group_list;"
	else
		rm -f "$GCP_XML" "$GCP_XML".??????
	fi
}

store_empty() {
	if is_db; then
		[ "$(store_rows)" = "" ]
	else
		[ ! -e "$GCP_XML" ]
	fi
}

store_dump() {
	case $BACKEND in
	file) cat "$GCP_XML" ;;
	sqlite) sqlite3 -batch "$GCP_SQLITE" .dump ;;
	# (pg_dump's \restrict key is new at every run: not part of the data)
	postgres) "$PG_BIN/pg_dump" -U kamailio gcp | grep -Ev '^\\(un)?restrict ' ;;
	esac
}

store_rows() {
	if ! is_db; then
		cat "$GCP_XML"
		return
	fi
	sql "SELECT 'gcp_range', name, first_number, last_number, pool FROM gcp_range
		UNION ALL SELECT 'gcp_member', username, group_number, NULL, NULL FROM gcp_member
		UNION ALL SELECT 'gcp_personal', username, CAST(pos AS TEXT), contact, NULL FROM gcp_personal
		UNION ALL SELECT 'gcp_group_list', group_number, CAST(pos AS TEXT), also_number, NULL FROM gcp_group_list" |
		sort
}

store_members() {
	if is_db; then
		sql "SELECT username || ' ' || group_number FROM gcp_member" | sort
	else
		file_members "$GCP_XML"
	fi
}

store_valid() {
	case $BACKEND in
	file) xmllint --noout "$GCP_XML" ;;
	sqlite) [ "$(sqlite3 "$GCP_SQLITE" 'PRAGMA integrity_check')" = ok ] ;;
	postgres) [ "$(sql 'SELECT count(*) FROM version')" -ge 5 ] ;;
	esac
}

store_put_xml() {
	if is_db; then
		ok gcp.import "$1" >/dev/null
	else
		[ "$1" = "$GCP_XML" ] || cp "$1" "$GCP_XML"
		ok gcp.reload >/dev/null
	fi
}
