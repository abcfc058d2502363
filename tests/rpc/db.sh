#!/usr/bin/env bash
# The management suite's tests of the configuration in a database (issue
# 16), run for the sqlite and postgres backends (sourced by
# tests/rpc/run.sh, after tests/rpc/store.sh):
#   reload_db      gcp.reload of tables edited by hand: invalid rows refused
#                  with table, id and rule, the configuration in force kept
#   db_versions    table versions checked at start-up; both config_file and
#                  db_url refused
#   db_down        the database down at start-up, at a reload, during a
#                  change and in the middle of a burst of changes
#   db_injection   SQL in every string argument: refused or stored verbatim,
#                  never run

DB_TESTS="db_versions db_down db_injection"

# ------------------------------------------------------------ reload

t_reload_db() {
	base_config
	local before
	before=$(cfg_text)
	sql "INSERT INTO gcp_range (name, first_number, last_number) VALUES ('zz', '7050', '7150')"
	check "reload: overlapping ranges refused (table id: rule)" \
		refused 400 'gcp_range id [0-9]+: range "zz" 7050-7150 overlaps range "(other|sales)"' gcp.reload
	check "reload: the configuration in force stays" test "$before" = "$(cfg_text)"
	sql "DELETE FROM gcp_range WHERE name = 'zz'"
	sql "INSERT INTO gcp_member (username, group_number) VALUES ('1009', '7500')"
	check "reload: a member outside every range refused" \
		refused 400 'gcp_member id [0-9]+: group 7500 lies in no range' gcp.reload
	sql "DELETE FROM gcp_member WHERE username = '1009'"
	sql "INSERT INTO gcp_personal (username, pos, contact) VALUES ('1001', 0, 'sip:nohost')"
	check "reload: a personal contact that is none refused" \
		refused 400 'gcp_personal id [0-9]+: personal contact "sip:nohost" is not valid' gcp.reload
	sql "DELETE FROM gcp_personal WHERE contact = 'sip:nohost'"
	sql "INSERT INTO gcp_group_list (group_number, pos, also_number) VALUES ('7001', 0, '7002'), ('7001', 1, '7500')"
	check "reload: a group list naming a group in no range refused" \
		refused 400 'gcp_group_list id [0-9]+: group 7001: listed group 7500 lies in no range' gcp.reload
	sql "DELETE FROM gcp_group_list"
	sql "ALTER TABLE gcp_personal RENAME TO gcp_personal_away"
	check "reload: a missing table refused (500: it cannot be read)" \
		refused 500 'cannot read table gcp_personal .*the running configuration stays' gcp.reload
	sql "ALTER TABLE gcp_personal_away RENAME TO gcp_personal"
	sql "DELETE FROM version WHERE table_name = 'gcp_personal'"
	check "reload: a table with no version refused, with the schema to load" \
		refused 400 'table gcp_personal has no row in the version table .*load /usr/share/kamailio/(db_sqlite|postgres)/gcp-create.sql' gcp.reload
	sql "INSERT INTO version (table_name, table_version) VALUES ('gcp_personal', 1)"
	check "reload: the configuration in force stays after all that" test "$before" = "$(cfg_text)"
	check "reload: a call is still tracked in the group in force" call_in_group 1001 7001 5601
	# valid edited tables
	sql "DELETE FROM gcp_personal; DELETE FROM gcp_member; DELETE FROM gcp_range;
		INSERT INTO gcp_range (name, first_number, last_number) VALUES ('sales', '7000', '7099'), ('east', '7200', '7299');
		INSERT INTO gcp_member (username, group_number) VALUES ('1001', '7001'), ('1006', '7201');"
	check "reload: valid edited tables are accepted" \
		expect "reply" "$(ok gcp.reload | flat)" 'ranges: 2 members: 2 \}'
	check "reload: the new member is in force" \
		expect "reply" "$(ok gcp.member.get 1006)" 'group: 7201'
	check "reload: the removed member is gone" refused 404 'user 1002 is not a member' gcp.member.get 1002
	check "reload: the removed range is gone" \
		expect_not "ranges" "$(ok gcp.range.list)" 'name: other'
	check "reload: a new call to the new member is tracked in its group" call_in_group 1006 7201 5606
	# after a refused reload, the next change writes the configuration in
	# force (plus the change) over the rows refused
	sql "INSERT INTO gcp_range (name, first_number, last_number) VALUES ('zz', '7050', '7150')"
	check "reload: invalid rows refused" refused 400 'overlaps' gcp.reload
	ok gcp.member.set 1007 7202 >/dev/null
	check "reload: a change after a refused reload rewrites the tables" \
		expect "tables" "$(store_members | tr '\n' ','; sql "SELECT count(*) FROM gcp_range WHERE name = 'zz'")" '^1001 7001,1006 7201,1007 7202,0$'
	check "reload: and they reload as they are" \
		expect "reply" "$(ok gcp.reload | flat)" 'ranges: 2 members: 3 \}'
}

# ------------------------------------------------------------ start-up

# Kamailio must not start: k_refused <log regexp> [ks args...]
k_refused() {
	local re=$1
	shift
	if ks "$@" >/dev/null 2>&1; then
		echo "  kamailio started"
		k_stop
		return 1
	fi
	KPID=
	expect "kamailio's log" "$(cat "$KLOG")" "$re"
}

# a cfg that sets config_file as well as db_url
both_refused() {
	local cfg
	cfg=$(variant_cfg both "modparam(\"gcp\", \"config_file\", \"$OUT/gcp.xml\")")
	K_CFG=$cfg k_refused 'config_file and db_url are both set: the pickup groups live in one place, set only one'
}

t_db_versions() {
	local dir
	[ "$BACKEND" = sqlite ] && dir=db_sqlite || dir=postgres
	k_stop
	sql "UPDATE version SET table_version = 2 WHERE table_name = 'gcp_member'"
	check "db_versions: a table of another version: Kamailio does not start, and says which schema to load" \
		k_refused "table gcp_member has version 2 in the version table of the database .* this gcp needs version 1: load its schema, /usr/share/kamailio/$dir/gcp-create.sql"
	sql "DELETE FROM version WHERE table_name = 'gcp_range'"
	sql "UPDATE version SET table_version = 1 WHERE table_name = 'gcp_member'"
	check "db_versions: a table with no version: Kamailio does not start, and says which schema to load" \
		k_refused "table gcp_range has no row in the version table .*load /usr/share/kamailio/$dir/gcp-create.sql"
	sql "INSERT INTO version (table_name, table_version) VALUES ('gcp_range', 1)"
	check "db_versions: config_file and db_url both set: Kamailio does not start" \
		both_refused
	check "db_versions: with the versions right it starts" ks
	check "db_versions: the password of db_url is in no log line" \
		expect_not "kamailio's log" "$(cat "$KLOG")" "${PG_PASSWORD}"
}

# ------------------------------------------------------------ database down

# the database unavailable: postgres stopped, sqlite locked by another
# program (an exclusive lock held by sqlite3: every read and write of
# Kamailio's fails once db_sqlite's busy wait is over)
db_off() {
	if [ "$BACKEND" = postgres ]; then
		pg_stop
		return
	fi
	rm -f "$OUT/lock.fifo"
	mkfifo "$OUT/lock.fifo"
	sqlite3 "$GCP_SQLITE" <"$OUT/lock.fifo" >/dev/null 2>&1 &
	LOCKER=$!
	exec 9>"$OUT/lock.fifo"
	# the lock is taken when the transaction first reads the file
	# (it waits for Kamailio's transaction in progress to end)
	printf '.timeout 10000\nBEGIN EXCLUSIVE; SELECT count(*) FROM version;\n' >&9
	local i
	for i in $(seq 1 50); do
		sqlite3 "$GCP_SQLITE" "SELECT count(*) FROM version" >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	echo "  could not lock $GCP_SQLITE"
	return 1
}

db_on() {
	if [ "$BACKEND" = postgres ]; then
		pg_start
		return
	fi
	echo "ROLLBACK;" >&9
	exec 9>&-
	wait "$LOCKER" 2>/dev/null
	rm -f "$OUT/lock.fifo"
}

# the faults of changes with the database down
down_change() { # <regexp> <kc args...>
	local re=$1
	shift
	refused 500 "not saved, nothing changed: .*$re" "$@"
}

# a burst of changes, each a new member 40<nn>, the database stopped in
# the middle until 3 changes have failed, then started again while the
# burst goes on: every acknowledged change is there afterwards, no other
# (a change whose fault says its commit was not confirmed may be either:
# that fault says so)
burst() { # <changes> <database off after this many acks>
	local n=$1 at=$2 acks=$T_DIR/burst.acks i
	: >"$acks"
	(
		local out
		for i in $(seq 1 "$n"); do
			out=$(kc gcp.member.set "s:40$i" 7040 2>&1)
			if grep -qE '^[[:space:]]+user: ' <<<"$out"; then
				echo "ok 40$i"
			elif grep -q 'not in force' <<<"$out"; then
				echo "uncertain 40$i"
			else
				echo "failed 40$i $out" | tr '\n' ' '
				echo
			fi
		done >>"$acks"
	) &
	local client=$!
	while [ "$(grep -c '^ok' "$acks")" -lt "$at" ] && kill -0 $client 2>/dev/null; do
		sleep 0.02
	done
	db_off || return 1
	while [ "$(grep -c '^failed' "$acks")" -lt 3 ] && kill -0 $client 2>/dev/null; do
		sleep 0.02
	done
	db_on || return 1
	wait $client
	echo "$(grep -c '^ok' "$acks") acknowledged, $(grep -c '^failed' "$acks") refused while the database was down, $(grep -c '^uncertain' "$acks") not confirmed, $(sed -n '/^failed/,$p' "$acks" | grep -c '^ok') acknowledged after it came back"
}

# the import's transaction is open: postgres runs its inserts, sqlite has
# its rollback journal
in_import() {
	if [ "$BACKEND" = postgres ]; then
		[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'gcp' AND query LIKE 'insert into gcp_member%'")" != 0 ]
	else
		[ -e "$GCP_SQLITE-journal" ]
	fi
}

# a long transaction (an import of 20,000 members) cut off in its middle,
# once it is seen writing: postgres stopped, or (sqlite: nothing stops it
# from outside) Kamailio killed with SIGKILL; the tables hold the rows
# before it or every row of the file, never a part
import_cut() {
	local f=$T_DIR/big.xml u old now new i
	{
		sed '/^<\/gcp>/d' "$OUT/base.xml"
		for u in $(seq 20000 39999); do echo "  <member user=\"$u\" group=\"7050\"/>"; done
		echo '</gcp>'
	} >"$f"
	old=$(store_rows)
	# (the pids beforehand: k_crash in run.sh)
	local pids
	pids=$(k_pids)
	kc gcp.import "$f" >"$T_DIR/import.out" 2>&1 &
	local client=$!
	for i in $(seq 1 500); do
		in_import && break
		sleep 0.01
	done
	in_import || { echo "  the import was never seen writing"; wait $client; return 1; }
	if [ "$BACKEND" = postgres ]; then db_off; else k_crash "$pids"; fi
	wait $client
	echo "the import said: $(tr '\n' ' ' <"$T_DIR/import.out")"
	if [ "$BACKEND" = postgres ]; then db_on; else ks >/dev/null || return 1; fi
	now=$(store_rows)
	ok gcp.import "$f" >/dev/null || return 1
	new=$(store_rows)
	[ "$now" = "$old" ] && echo "the tables hold the rows before it ($(grep -c . <<<"$now") rows)"
	[ "$now" = "$new" ] && echo "the tables hold every row of the file ($(grep -c . <<<"$now") rows)"
	[ "$now" = "$old" ] || [ "$now" = "$new" ] || { echo "  the tables hold $(grep -c . <<<"$now") rows: neither"; return 1; }
	store_put_xml "$OUT/base.xml"
}

t_db_down() {
	base_config
	local before rows
	before=$(cfg_text)
	rows=$(store_rows)
	check "db_down: the database goes down" db_off
	check "db_down: gcp.reload refused (500), the running configuration stays" \
		refused 500 '(cannot connect to|cannot be read|cannot read).*the running configuration stays' gcp.reload
	check "db_down: a change refused (500): not saved, nothing changed" \
		down_change '(the database .*cannot take a change|cannot connect to the database)' gcp.member.set 1009 7009
	check "db_down: a removal refused the same way" \
		down_change 'the database' gcp.member.remove 1001
	check "db_down: the configuration in force is unchanged" test "$before" = "$(cfg_text)"
	check "db_down: pickups go on meanwhile (the snapshot in shm)" call_in_group 1001 7001 5601
	check "db_down: the database comes back" db_on
	check "db_down: nothing was written while it was down" test "$rows" = "$(store_rows)"
	check "db_down: the next change is saved (a new connection)" \
		expect "reply" "$(ok gcp.member.set 1009 7009)" 'group: 7009'
	check "db_down: and is in the tables" expect "members" "$(store_members)" '^1009 7009$'
	ok gcp.member.remove 1009 >/dev/null
	if [ "$BACKEND" = postgres ]; then
		pg_stop && pg_start
		check "db_down: the server restarted while the connection was idle: the first change after it is saved" \
			expect "reply" "$(ok gcp.member.set 1009 7009)" 'group: 7009'
		ok gcp.member.remove 1009 >/dev/null
	fi
	# a burst with the database down in its middle
	local out
	out=$(burst 150 50)
	check "db_down: a burst of 150 changes, the database down in its middle: $out" \
		expect "the burst" "$out" '^[0-9]+ acknowledged, [1-9][0-9]* refused.* [1-9][0-9]* acknowledged after it came back$'
	local acked got extra
	acked=$(sed -n 's/^ok //p' "$T_DIR/burst.acks" | sort)
	got=$(store_members | sed -n 's/^\(40[0-9]*\) 7040$/\1/p' | sort)
	extra=$(comm -13 <(echo "$acked") <(echo "$got"))
	check "db_down: every acknowledged change is in the tables" \
		test -z "$(comm -23 <(echo "$acked") <(echo "$got"))"
	check "db_down: no other (but one whose commit was not confirmed)" \
		test -z "$(comm -23 <(echo "$extra") <(sed -n 's/^uncertain //p' "$T_DIR/burst.acks" | sort))"
	check "db_down: the configuration in force equals the tables" store_is_in_force
	check "db_down: after a restart too" ks
	check "db_down: the restarted configuration equals the tables" store_is_in_force
	check "db_down: and holds every acknowledged change" \
		test "$(kc gcp.member.list 7040 | grep -c 'user: 40')" = "$(echo "$got" | grep -c .)"
	check "db_down: an import of 20,000 members cut off while it writes leaves the old rows or all the new, nothing between" \
		import_cut
	cp "$CHECK_LOG" "$T_DIR/import_cut.log"
	k_stop
	check "db_down: the database down at start-up" db_off
	check "db_down: Kamailio does not start, and says why" \
		k_refused 'gcp .*(cannot connect to the database|cannot be read|cannot read).*Kamailio does not start without its pickup groups'
	check "db_down: the database back" db_on
	check "db_down: Kamailio starts" ks
}

# ------------------------------------------------------------ injection

# SQL in each string argument of each command: refused with the model's
# rule (what is saved unchanged), or stored verbatim and read back as it
# was given; every table still there and nothing else changed
INJECT=(
	"x';DROP/**/TABLE/**/gcp_member;--"
	"1'or'1'='1"
	"a');DELETE/**/FROM/**/gcp_range;--"
	"\$\$;DROP/**/TABLE/**/version;\$\$"
	"x'||(SELECT/**/name/**/FROM/**/gcp_range)||'"
	"1';UPDATE/**/gcp_member/**/SET/**/group_number='7002"
	"' OR 1=1 --"
	"\\'); DROP TABLE gcp_personal; --"
	"x\"; DROP TABLE gcp_range; --"
)

# no table lost, no row of the version table changed
tables_intact() {
	local n
	n=$(sql "SELECT (SELECT count(*) FROM version) + 0 * ((SELECT count(*) FROM gcp_range)
		+ (SELECT count(*) FROM gcp_member) + (SELECT count(*) FROM gcp_personal)
		+ (SELECT count(*) FROM gcp_group_list))") || { echo "  a table is gone"; return 1; }
	[ "$n" = 5 ] || { echo "  the version table has $n rows, not 5"; return 1; }
}

# inject_one <has|gone|read> <table.column> <payload> <kc args...>: the
# command is refused with a 4xx and no row changed, or it is done: "has",
# the column holds the payload verbatim; "gone", it no longer does; "read"
# (a query), no row changed. Counts the payloads stored in STORED.
inject_one() {
	local mode=$1 col=$2 p=$3 out before
	shift 3
	before=$(store_rows)
	out=$(kc "$@" 2>&1)
	tables_intact || return 1
	if grep -q '^error: 4[0-9][0-9] - ' <<<"$out" || [ "$mode" = read ]; then
		[ "$before" = "$(store_rows)" ] || { echo "  kamcmd $*: refused or a query, but rows changed"; return 1; }
		return 0
	fi
	grep -q '^error' <<<"$out" && { echo "  kamcmd $*: $out"; return 1; }
	if [ "$mode" = has ]; then
		sql "SELECT ${col#*.} FROM ${col%%.*}" | grep -qxF -- "$p" ||
			{ echo "  kamcmd $*: accepted, but ${col} does not hold it verbatim"; return 1; }
		STORED=$((STORED + 1))
	else
		! sql "SELECT ${col#*.} FROM ${col%%.*}" | grep -qxF -- "$p" ||
			{ echo "  kamcmd $*: done, but ${col} still holds it"; return 1; }
	fi
}

inject_all() {
	local p ranges
	ranges=$(sql "SELECT name, first_number, last_number FROM gcp_range ORDER BY name")
	STORED=0
	for p in "${INJECT[@]}"; do
		inject_one has gcp_range.name "$p" gcp.range.add "s:$p" 7300 7399 || return 1
		inject_one has gcp_range.first_number "$p" gcp.range.add inj1 "s:$p" 7399 || return 1
		inject_one has gcp_range.last_number "$p" gcp.range.add inj2 7300 "s:$p" || return 1
		inject_one has gcp_range.pool "$p" gcp.range.add inj3 7300 7399 "s:$p" || return 1
		inject_one has gcp_range.pool "$p" gcp.range.update other 7100 7199 "s:$p" || return 1
		inject_one gone gcp_range.name "$p" gcp.range.remove "s:$p" || return 1
		inject_one has gcp_member.username "$p" gcp.member.set "s:$p" 7001 || return 1
		inject_one has gcp_member.group_number "$p" gcp.member.set 1003 "s:$p" || return 1
		inject_one has gcp_personal.contact "$p" gcp.personal.add 1001 "s:$p" || return 1
		inject_one has gcp_personal.contact "sip:$p@example.org" gcp.personal.add 1001 "s:sip:$p@example.org" || return 1
		inject_one has gcp_personal.username "$p" gcp.personal.add "s:$p" 3001 || return 1
		inject_one has gcp_group_list.group_number "$p" gcp.group.set "s:$p" 7002 || return 1
		inject_one has gcp_group_list.also_number "$p" gcp.group.set 7001 "s:7002,$p" || return 1
		inject_one read gcp_group_list.group_number "$p" gcp.group.get "s:$p" || return 1
		inject_one read gcp_member.username "$p" gcp.member.get "s:$p" || return 1
		inject_one read gcp_member.group_number "$p" gcp.member.list "s:$p" || return 1
		inject_one read gcp_member.username "$p" gcp.calls "s:$p" || return 1
		inject_one read gcp_member.username "$p" gcp.import "s:/$p" || return 1
		inject_one gone gcp_personal.contact "$p" gcp.personal.remove 1001 "s:$p" || return 1
		inject_one gone gcp_member.username "$p" gcp.member.remove "s:$p" || return 1
	done
	echo "$STORED payloads stored verbatim, the others refused"
	[ "$STORED" -gt 0 ] || { echo "  no payload was stored: the test checks nothing"; return 1; }
	[ "$(sql "SELECT name, first_number, last_number FROM gcp_range ORDER BY name")" = "$ranges" ] ||
		{ echo "  gcp_range changed"; return 1; }
}

t_db_injection() {
	base_config
	check "db_injection: SQL in every string argument of every command is refused or stored verbatim, never run" inject_all
	check "db_injection: a payload stored is what gcp.member.get shows" \
		expect "gcp.member.get" "$(ok gcp.member.set "s:1'or'1'='1" 7001 >/dev/null; ok gcp.member.get "s:1'or'1'='1")" "user: 1'or'1'='1\$"
	check "db_injection: and what a reload reads back" \
		expect "gcp.member.get" "$(ok gcp.reload >/dev/null; ok gcp.member.get "s:1'or'1'='1")" "user: 1'or'1'='1\$"
	check "db_injection: every table is still there" tables_intact
}
