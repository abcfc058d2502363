#!/usr/bin/env bash
# The presence stack's embedded database (issue 13): presence,
# presence_dialoginfo and pua of cfg/kamailio.cfg keep their state in one
# SQLite file (db_sqlite; presence cannot serve SUBSCRIBE or PUBLISH
# without a database, and no database server is needed this way).
#   scripts/presence-db.sh <file>
# creates <file> with Kamailio's schema (standard-create.sql for the
# version table, presence-create.sql for presentity, active_watchers,
# watchers, xcap and pua; Debian's kamailio-sqlite-modules ships both)
# when it is missing or has no presence tables; an existing database is
# left as it is (its subscriptions and presentities survive a restart).
# Prints the db_url to use: sqlite://<absolute path>.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 <file>" >&2; exit 2; }
schema=${GCP_SQLITE_SCHEMA:-/usr/share/kamailio/db_sqlite}
mkdir -p "$(dirname "$1")"
file=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
has_tables() {
	[ -s "$file" ] && [ "$(sqlite3 "$file" \
		"select count(*) from version where table_name in ('presentity','active_watchers','watchers','pua');" 2>/dev/null)" = 4 ]
}
if ! has_tables; then
	for f in standard-create.sql presence-create.sql; do
		[ -r "$schema/$f" ] || { echo "presence-db: no $schema/$f (package kamailio-sqlite-modules)" >&2; exit 1; }
	done
	# built aside and moved in place: a Kamailio starting meanwhile never
	# sees half a schema
	tmp=$(mktemp "$file.XXXXXX")
	cat "$schema/standard-create.sql" "$schema/presence-create.sql" | sqlite3 -bail "$tmp"
	mv -f "$tmp" "$file"
	chmod 644 "$file"
fi
echo "sqlite://$file"
