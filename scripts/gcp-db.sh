#!/usr/bin/env bash
# The pickup groups in an embedded database (db_url, issue 16): creates an
# SQLite file with Kamailio's schema for the version table
# (standard-create.sql of Debian's kamailio-sqlite-modules) and gcp's
# tables (schema/db_sqlite/gcp-create.sql) when it is missing or has no gcp
# tables; an existing database is left as it is.
#   scripts/gcp-db.sh <file>
# Prints the db_url to use, sqlite://<absolute path>, and on standard error
# "gcp-db: created <file>" when it made a new one.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 <file>" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
standard=${GCP_SQLITE_SCHEMA:-/usr/share/kamailio/db_sqlite}/standard-create.sql
schema=$here/schema/db_sqlite/gcp-create.sql
mkdir -p "$(dirname "$1")"
file=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
has_tables() {
	[ -s "$file" ] && [ "$(sqlite3 "$file" \
		"select count(*) from version where table_name like 'gcp\_%' escape '\\';" 2>/dev/null)" -ge 4 ]
}
if ! has_tables; then
	[ -r "$standard" ] || { echo "gcp-db: no $standard (package kamailio-sqlite-modules)" >&2; exit 1; }
	[ -r "$schema" ] || { echo "gcp-db: no $schema" >&2; exit 1; }
	# an existing file without gcp's tables (e.g. the presence database)
	# gets them; a new one is built aside and moved in place, so that a
	# Kamailio starting meanwhile never sees half a schema
	if [ -s "$file" ] && sqlite3 "$file" "select 1 from version limit 1" >/dev/null 2>&1; then
		sqlite3 -bail "$file" <"$schema"
	else
		tmp=$(mktemp "$file.XXXXXX")
		cat "$standard" "$schema" | sqlite3 -bail "$tmp"
		chmod 600 "$tmp"
		mv -f "$tmp" "$file"
	fi
	echo "gcp-db: created $file" >&2
fi
echo "sqlite://$file"
