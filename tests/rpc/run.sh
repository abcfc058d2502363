#!/usr/bin/env bash
# The management suite: kamcmd (and JSON-RPC) against a real Kamailio
# running cfg/kamailio.cfg, SIPp for the calls. Prints one line per check,
# "PASS <check>" or "FAIL <check>" (with what went wrong), and ends with
# "rpc: N passed, N failed".
#
# It runs once for each room the configuration can be kept in (backend,
# tests/rpc/store.sh): the XML file, SQLite and a PostgreSQL server of its
# own, with the same tests and assertions; the lines of a database backend
# start with "[sqlite]" or "[postgres]". Some tests are one backend's:
# saved_file (the file's mode, owner, links), db_* (tests/rpc/db.sh: the
# database down, versions, SQL injection).
#
# It has its own Kamailio (files in tests/out-rpc; its SIP port and SIPp
# ports in tests/lib/ports.sh), so it can run next to the SIPp suites.
# GCP_RPC_TESTS="name ..." runs only those tests (in the order given),
# GCP_RPC_BACKENDS="file sqlite postgres" only those backends.
set -u
cd "$(dirname "$0")"
# one run at a time on this port and folder: wait for the other one
. ../lib/ports.sh
suite_start rpc .rpc-suite.lock 900 "$@"
. ../sipp/lib.sh
GCP_XML=$OUT/gcp.xml
JFIFO=$OUT/jsonrpc_fifo

# ------------------------------------------------------------ harness

# one check: check <name> <command...> of tests/lib/check.sh; the command
# runs in this shell (SIPp started by it stays ours), its output, in the
# test's check.log, is shown only on failure (30 lines)
CHECK_TAIL=30

# a test: run_test <name>; t_<name> calls check for each of its checks
run_test() {
	T_DIR=$OUT/$BACKEND/$1
	CHECK_LOG=$T_DIR/check.log
	rm -rf "$T_DIR"
	mkdir -p "$T_DIR"
	"t_$1"
	sipp_kill_all
	unreg_all
}

# Kamailio with cfg/kamailio.cfg on the backend's room, plus jsonrpcs on a
# FIFO for JSON-RPC
ks() {
	rm -f "$JFIFO"
	k_start inject --loadmodule=jsonrpcs.so \
		--modparam=jsonrpcs:transport:i:2 \
		--modparam="jsonrpcs:fifo_name:s:$JFIFO" \
		--modparam="jsonrpcs:fifo_reply_dir:s:$OUT/" "${STORE_DEFS[@]}" "$@"
}

# the pids of the whole Kamailio: the main process and its children (it
# forks them all at start-up)
k_pids() { echo "$KPID" $(pgrep -P "$KPID"); }

# kill -9 the whole Kamailio: k_crash [its pids, from k_pids]; without
# them, k_pids first. pgrep scans /proc, which takes 100 ms and more on a
# slow or loaded machine, longer than a change on the postgres backend: a
# kill that must land within a change takes the pids beforehand
k_crash() {
	local pids=${*:-$(k_pids)}
	{
		# shellcheck disable=SC2086
		kill -9 $pids
		wait "$KPID"
	} 2>/dev/null
	KPID=
}

# JSON-RPC over the jsonrpcs FIFO: jr <method> <params as JSON>
jr() {
	local r=jr_$$_$RANDOM$RANDOM
	mkfifo -m 0600 "$OUT/$r" || return 1
	printf '{"jsonrpc":"2.0","method":"%s","params":%s,"reply_name":"%s","id":1}\n' \
		"$1" "$2" "$r" >"$JFIFO"
	timeout 5 cat "$OUT/$r"
	rm -f "$OUT/$r"
}

# kamcmd output is a fault
is_fault() { grep -q '^error: ' <<<"$1"; }

# kamcmd output on one line, tabs and newlines as single spaces
flat() { tr '\n\t' '  ' | tr -s ' ' | sed 's/ $//'; }

# a command that must succeed: ok <kc args...> (prints its reply)
ok() {
	local out
	out=$(kc "$@" 2>&1)
	if [ $? -ne 0 ] || is_fault "$out"; then
		echo "  kamcmd $* failed: $out"
		return 1
	fi
	echo "$out"
}

# a command that must be refused: refused <code> <regexp> <kc args...>
refused() {
	local code=$1 re=$2 out
	shift 2
	out=$(kc "$@" 2>&1)
	expect "kamcmd $*" "$out" "^error: $code - .*$re"
}

inode() { command stat -c %i "$1"; }

# the members of a gcp.xml written by the module, "user group" sorted
file_members() {
	sed -n 's/^ *<member user="\([^"]*\)" group="\([^"]*\)".*/\1 \2/p' "$1" | sort
}

# the configuration in force, as text to compare
cfg_text() {
	kc gcp.range.list
	kc gcp.member.list
}

gstat() { # gstat <name>: the value of gcp:<name>
	kc stats.get_statistics gcp: | sed -n "s/^gcp:$1 = //p"
}

# the ring table is empty (all calls of a test ended)
no_calls() { expect_no_calls; }

# ------------------------------------------------------------ tests

ALL_TESTS="empty_start bad_inputs saved_file reload ringing_changes calls calls_kind statistics jsonrpc import_export crash"

# From no file at all: a range and members via kamcmd, a call rings and is
# picked up, no restart; then a restart keeps everything.
t_empty_start() {
	store_reset
	check "empty_start: kamailio starts with nothing saved (no config_file, empty tables)" ks || return
	check "empty_start: no ranges, no members" \
		test -z "$(cfg_text)"
	check "empty_start: nothing is saved before a change" store_empty
	check "empty_start: gcp.range.add" \
		expect "reply" "$(ok gcp.range.add sales 7000 7099 fe1)" 'name: sales'
	check "empty_start: the change is saved and can be read" \
		expect "what is saved" "$(store_valid && store_rows)" 'sales.*7000.*7099.*fe1'
	is_db ||
		check "empty_start: the file created by the first change is 0600 (members' numbers)" \
			expect "mode" "$(command stat -c %a "$GCP_XML")" '^600$'
	check "empty_start: gcp.member.set 1001 7001" \
		expect "reply" "$(ok gcp.member.set 1001 7001)" 'group: 7001'
	check "empty_start: gcp.member.set 1002 7001" \
		expect "reply" "$(ok gcp.member.set 1002 7001)" 'range: sales'
	check "empty_start: gcp.range.add with a '*' prefix" \
		expect "reply" "$(ok gcp.range.add support '*800' '*899')" 'first: \*800'
	check "empty_start: gcp.personal.add (s: keeps the '+')" \
		expect "reply" "$(ok gcp.personal.add 1002 s:+15550100)" '^[[:space:]]+\+15550100$'
	check "empty_start: gcp.member.get" \
		expect "reply" "$(ok gcp.member.get 1002 | flat)" \
		'^\{ user: 1002 group: 7001 range: sales personal: \{ \+15550100 \} \}'
	check "empty_start: a call rings and is picked up (no restart)" pickup_1001
	local before
	before=$(cfg_text)
	check "empty_start: restart" ks || return
	check "empty_start: after the restart, gcp.range.list and gcp.member.list are the same" \
		test "$before" = "$(cfg_text)"
	check "empty_start: after the restart, personal contacts are kept" \
		expect "reply" "$(ok gcp.member.get 1002)" '\+15550100'
	check "empty_start: after the restart, the pickup still works" pickup_1001
}

pickup_1001() {
	rm -f "$T_DIR"/member.* "$T_DIR"/pphone.* "$T_DIR"/caller.* "$T_DIR"/picker.*
	reg 1001 5601
	uas member member_picked.xml 5601
	uas pphone picker_phone.xml 5662
	uac caller caller_picked.xml 5621 1001 -key from 3001 -key tag rpctag1 \
		-key contact_port 5621 -d 300
	sleep 0.6
	uac picker picker_inject.xml 5641 7001 -key from 2001 -key contact_port 5662
	sw || return 1
	expect "the call on the picker's phone" "$(msg pphone '^INVITE ')" \
		'^From: <sip:3001@127.0.0.1>;tag=rpctag1' || return 1
	no_calls
}

# The configuration every later test starts from (put in force by kamcmd).
base_config() {
	cat >"$OUT/base.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<gcp>
  <range name="sales" first="7000" last="7099" pool="fe1"/>
  <range name="other" first="7100" last="7199"/>
  <range name="support" first="*800" last="*899"/>
  <member user="1001" group="7001"/>
  <member user="1002" group="7001">
    <personal>+15550100</personal>
    <personal>sip:mum@example.org</personal>
  </member>
  <member user="1007" group="7001"/>
  <member user="1005" group="7001"/>
</gcp>
EOF
	store_put_xml "$OUT/base.xml"
}

# every bad input: refused with a 400 naming the rule, what is saved
# untouched (the same bytes; a file: the same inode, not even rewritten)
bad() { # bad <regexp> <kc args...>
	local re=$1 out
	shift
	refused 400 "$re" "$@" || return 1
	cmp "$REF" <(store_dump) || { echo "  what is saved changed"; return 1; }
	is_db || [ "$(inode "$GCP_XML")" = "$REF_INODE" ] || { echo "  the file was rewritten"; return 1; }
}

t_bad_inputs() {
	base_config
	# a change that is accepted and undone, so what is saved has been
	# written by the module itself (the reference is its own output)
	ok gcp.member.set 1009 7009 >/dev/null
	ok gcp.member.remove 1009 >/dev/null
	REF=$T_DIR/ref.dump
	store_dump >"$REF"
	is_db || REF_INODE=$(inode "$GCP_XML")
	local before
	before=$(cfg_text)
	local long64 long33
	long64=$(printf 'u%.0s' $(seq 1 65))
	long33=$(printf '7%.0s' $(seq 1 33))
	check "bad: range overlaps another" bad 'range "sales2" 7050-7150 overlaps range "(other|sales)"' gcp.range.add sales2 7050 7150
	check "bad: range overlaps, '*' prefix" bad 'overlaps range "support"' gcp.range.add s2 '*850' '*950'
	check "bad: reversed range" bad 'first is greater than last' gcp.range.add r2 7299 7200
	check "bad: mixed prefix" bad 'must have the same prefix' gcp.range.add r3 '*900' '#999'
	check "bad: mixed length" bad 'must have the same length' gcp.range.add r4 800 8999
	check "bad: first not digits" bad 'first "70a0" is not a number' gcp.range.add r5 70a0 70b0
	check "bad: last not digits" bad 'last "72x9" is not a number' gcp.range.add r5 7200 72x9
	check "bad: number too long" bad 'is not a number \(digits.*at most 32' gcp.range.add r6 "s:$long33" "s:$long33"
	check "bad: empty range name" bad 'range name is empty' gcp.range.add s: 7200 7299
	check "bad: range name with a space" bad 'range name "a b" is not valid' gcp.range.add 'a b' 7200 7299
	check "bad: duplicate range name" bad 'range "sales" already exists' gcp.range.add sales 7200 7299
	check "bad: bad pool" bad 'pool "p q" is not valid' gcp.range.add r7 7200 7299 'p q'
	check "bad: range covers a member" bad 'covers member 1001' gcp.range.add r8 1000 1099
	check "bad: update of an unknown range" bad 'range "nosuch" does not exist' gcp.range.update nosuch 7200 7299
	check "bad: update leaves a member in no range" bad 'would leave member 1001 \(group 7001\) in no range' gcp.range.update sales 7050 7099
	check "bad: update overlaps" bad 'overlaps range "other"' gcp.range.update sales 7000 7150
	check "bad: remove a range with members" bad 'range "sales" still has 4 members' gcp.range.remove sales
	check "bad: remove an unknown range" bad 'range "nosuch" does not exist' gcp.range.remove nosuch
	check "bad: group outside every range" bad 'group 7500 lies in no range' gcp.member.set 1003 7500
	check "bad: group number as a member" bad 'user 7005 is a group number \(range "sales"\)' gcp.member.set 7005 7001
	check "bad: group not digits" bad 'group "70x1" is not a number' gcp.member.set 1003 70x1
	check "bad: user not a SIP user part" bad 'user "bad user" is not a SIP user part' gcp.member.set 'bad user' 7001
	check "bad: empty user" bad 'user is empty' gcp.member.set s: 7001
	check "bad: user too long" bad 'longer than 64 characters' gcp.member.set "$long64" 7001
	check "bad: remove an unknown user" bad 'user 1999 is not a member' gcp.member.remove 1999
	check "bad: personal contact of a non-member" bad 'user 1999 is not a member' gcp.personal.add 1999 3001
	check "bad: personal contact URI without host" bad 'personal contact "sip:nohost" is not valid: the URI has no @host' gcp.personal.add 1001 sip:nohost
	check "bad: personal contact with a space" bad 'is not valid: neither a user' gcp.personal.add 1001 'a b'
	check "bad: personal contact URI with parameters" bad 'nothing may follow the URI host' gcp.personal.add 1001 'sip:a@example.org;user=phone'
	check "bad: duplicate personal contact" bad 'user 1002 already has personal contact "\+15550100"' gcp.personal.add 1002 s:+15550100
	check "bad: duplicate personal contact (other spelling)" bad 'already has personal contact' gcp.personal.add 1002 SIP:mum@EXAMPLE.org
	check "bad: remove an absent personal contact" bad 'user 1002 has no personal contact "3009"' gcp.personal.remove 1002 3009
	check "bad: too many arguments" bad 'too many arguments \(usage: gcp.member.set user group\)' gcp.member.set 1003 7001 extra
	check "bad: too many arguments (range.add)" bad 'too many arguments \(usage: gcp.range.add name first last \[pool\]\)' gcp.range.add r9 7200 7299 p x
	check "bad: a missing argument" bad 'missing argument \(usage: gcp.member.set user group\)' gcp.member.set 1003
	check "bad: no arguments" bad 'missing arguments \(usage: gcp.range.add' gcp.range.add
	check "bad: range.remove without a name" bad 'missing argument \(usage: gcp.range.remove name\)' gcp.range.remove
	check "bad: range.list with an argument" bad 'too many arguments' gcp.range.list x
	check "bad: member.list of a non-number" bad 'group "abc" is not a number' gcp.member.list abc
	check "bad: calls of a non-number" bad 'group "abc" is not a number' gcp.calls abc
	check "bad inputs: 404 for member.get of a non-member" refused 404 'user 1999 is not a member' gcp.member.get 1999
	check "bad inputs: 404 for member.get of a group number" refused 404 '7001 is a group number \(range "sales"\)' gcp.member.get 7001
	check "bad inputs: the configuration in force is unchanged" \
		test "$before" = "$(cfg_text)"
	check "bad inputs: what is saved is still byte for byte the same (dump)" cmp "$REF" <(store_dump)
}

# the file a change writes keeps the mode (and, as root, the owner) given
# to it; a hard link planted at the temporary name of old,
# <config_file>.tmp.<pid> of any Kamailio process, is not written through
t_saved_file() {
	base_config
	chmod 640 "$GCP_XML"
	ok gcp.member.set 1009 7009 >/dev/null
	check "saved_file: a change keeps the mode set beforehand (chmod 640)" \
		expect "mode" "$(command stat -c %a "$GCP_XML")" '^640$'
	if [ "$(id -u)" = 0 ]; then
		chown 1234:5678 "$GCP_XML"
		ok gcp.member.remove 1009 >/dev/null
		check "saved_file: a change keeps the owner and group (as root)" \
			expect "owner" "$(command stat -c '%u:%g %a' "$GCP_XML")" '^1234:5678 640$'
		chown 0:0 "$GCP_XML"
	fi
	local victim=$OUT/victim.txt p n=0
	echo untouched >"$victim"
	for p in $KPID $(pgrep -P "$KPID"); do
		ln "$victim" "$GCP_XML.tmp.$p" && n=$((n + 1))
	done
	ok gcp.member.set 1010 7010 >/dev/null
	check "saved_file: a hard link planted at the old temporary name still points to untouched content" \
		expect "the linked file" "$(cat "$victim") $(command stat -c %h "$victim")" "^untouched $((n + 1))\$"
	check "saved_file: the change is saved all the same" \
		expect "file" "$(file_members "$GCP_XML" | tr '\n' ',')" '1010 7010,'
	rm -f "$GCP_XML".tmp.* "$victim"
	check "saved_file: no temporary file is left" \
		test -z "$(ls -A "$(dirname "$GCP_XML")" | grep -F "$(basename "$GCP_XML")." )"
}

# gcp.reload of what was edited by hand: the file, or the tables
# (tests/rpc/db.sh)
t_reload() {
	if is_db; then t_reload_db; else t_reload_file; fi
}

# gcp.reload: invalid files refused, the configuration in force kept; a
# valid edited file takes effect (for new calls too)
t_reload_file() {
	base_config
	local before
	before=$(cfg_text)
	cat >"$GCP_XML" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<gcp>
  <range name="a" first="7000" last="7099"/>
  <range name="b" first="7050" last="7150"/>
</gcp>
EOF
	check "reload: overlapping ranges refused (file:line: rule)" \
		refused 400 'gcp.xml:4: range "b" 7050-7150 overlaps range "a" 7000-7099' gcp.reload
	check "reload: the configuration in force stays" test "$before" = "$(cfg_text)"
	printf '<gcp>\n  <range name="a" first="7000" last="7099">\n</gcp>\n' >"$GCP_XML"
	check "reload: malformed XML refused" refused 400 'gcp.xml:[0-9]+: malformed XML' gcp.reload
	printf '<gcp>\n  <range name="a" first="7000" last="7099"/>\n  <member user="1001" group="7500"/>\n</gcp>\n' >"$GCP_XML"
	check "reload: a member outside every range refused" refused 400 'gcp.xml:3: group 7500 lies in no range' gcp.reload
	rm -f "$GCP_XML"
	check "reload: a missing file refused" refused 400 'does not exist: nothing reloaded' gcp.reload
	check "reload: the configuration in force stays after all that" test "$before" = "$(cfg_text)"
	check "reload: a call is still tracked in the group in force" call_in_group 1001 7001 5601
	# a valid edited file
	cat >"$GCP_XML" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<gcp>
  <range name="sales" first="7000" last="7099"/>
  <range name="east" first="7200" last="7299"/>
  <member user="1001" group="7001"/>
  <member user="1006" group="7201"/>
</gcp>
EOF
	check "reload: a valid edited file is accepted" \
		expect "reply" "$(ok gcp.reload | flat)" 'ranges: 2 members: 2 \}'
	check "reload: the new member is in force" \
		expect "reply" "$(ok gcp.member.get 1006)" 'group: 7201'
	check "reload: the removed member is gone" refused 404 'user 1002 is not a member' gcp.member.get 1002
	check "reload: the removed range is gone" \
		expect_not "ranges" "$(ok gcp.range.list)" 'name: other'
	check "reload: a new call to the new member is tracked in its group" call_in_group 1006 7201 5606
	# after a refused reload, the next change writes the configuration in
	# force (plus the change) over the broken file
	printf 'broken' >"$GCP_XML"
	check "reload: broken file refused" refused 400 'malformed XML' gcp.reload
	ok gcp.member.set 1007 7202 >/dev/null
	check "reload: a change after a refused reload rewrites a valid file" \
		expect "file" "$(xmllint --noout "$GCP_XML" && file_members "$GCP_XML" | tr '\n' ',')" '^1001 7001,1006 7201,1007 7202,$'
}

# a call to <user> rings and gcp.calls <group> shows it; the caller hangs up
call_in_group() { # <user> <group> <member port>
	reg "$1" "$3"
	uas "m$1" member_cancelled.xml "$3"
	uac "c$1" caller_cancel.xml 5629 "$1" -key from 3001 -key tag "tg$1" \
		-key contact_port 5629 -key supported "replaces, timer" -d 1200 -recv_timeout 1200
	sleep 0.6
	local calls
	calls=$(kc gcp.calls "$2")
	sw || return 1
	expect "gcp.calls $2" "$calls" "callee: $1" || return 1
	no_calls
}

# gcp.export and gcp.import: the configuration out to an XML file and back
# in, equal both ways; a file that breaks a rule is refused as a whole
t_import_export() {
	base_config
	ok gcp.personal.add 1001 s:sip:a@example.org >/dev/null
	ok gcp.group.set 7001 s:7150,*801 >/dev/null
	local a=$T_DIR/a.xml b=$T_DIR/b.xml c=$T_DIR/c.xml before rows ref
	before=$(cfg_text)
	check "import_export: gcp.export writes the configuration in force" \
		expect "reply" "$(ok gcp.export "$a" | flat)" "^\\{ exported: $a from: [^ ]+ ranges: 3 members: 4 personal_contacts: 3 \\}\$"
	check "import_export: the exported file is new, so 0600, and parses" \
		expect "mode" "$(command stat -c %a "$a" && xmllint --noout "$a")" '^600$'
	is_db ||
		check "import_export: the export is config_file byte for byte" cmp "$a" "$GCP_XML"
	rows=$(store_rows)
	check "import_export: gcp.import of the export" \
		expect "reply" "$(ok gcp.import "$a" | flat)" "^\\{ imported: $a into: [^ ]+ ranges: 3 members: 4 personal_contacts: 3 \\}\$"
	check "import_export: what is saved is as it was (rows, in their order)" test "$rows" = "$(store_rows)"
	check "import_export: the configuration in force is as it was" test "$before" = "$(cfg_text)"
	printf '<gcp/>\n' >"$T_DIR/empty.xml"
	ok gcp.import "$T_DIR/empty.xml" >/dev/null
	check "import_export: an empty file empties the configuration" test -z "$(cfg_text)"
	check "import_export: an import into the emptied room, then an export: the same file" \
		sh -c "kamcmd -s '$CTL' gcp.import '$a' >/dev/null && kamcmd -s '$CTL' gcp.export '$b' >/dev/null && cmp '$a' '$b'"
	check "import_export: and the same rows" test "$rows" = "$(store_rows)"
	ks >/dev/null && check "import_export: after a restart the export is the same file" \
		sh -c "kamcmd -s '$CTL' gcp.export '$c' >/dev/null && cmp '$a' '$c'"
	# refused imports change nothing
	ref=$T_DIR/ref.dump
	store_dump >"$ref"
	printf '<gcp>\n  <range name="a" first="7000" last="7099"/>\n  <member user="1001" group="7500"/>\n</gcp>\n' >"$T_DIR/bad.xml"
	check "import_export: a file that breaks a rule is refused (file:line: rule)" \
		refused 400 'bad.xml:3: group 7500 lies in no range: nothing imported' gcp.import "$T_DIR/bad.xml"
	check "import_export: a missing file is refused" \
		refused 404 'does not exist: nothing imported' gcp.import "$T_DIR/nosuch.xml"
	check "import_export: a relative path is refused" \
		refused 400 '"a.xml" is not an absolute path \(usage: gcp.import file\)' gcp.import a.xml
	check "import_export: an export to a folder that does not exist fails" \
		refused 500 'nosuch' gcp.export "$T_DIR/nosuch/x.xml"
	check "import_export: what is saved is byte for byte the same after the refusals" cmp "$ref" <(store_dump)
	check "import_export: the configuration in force too" test "$before" = "$(cfg_text)"
}

# Moving a member or removing a range takes effect for new calls at once;
# a call already ringing stays in the group it was tracked in.
t_ringing_changes() {
	base_config
	ok gcp.range.add tmp 7500 7509 >/dev/null
	ok gcp.member.set 1008 7501 >/dev/null
	reg 1001 5601
	reg 1008 5608
	UAS_CALLS=2 uas m1 member_picked.xml 5601
	uac c1 caller_picked.xml 5621 1001 -key from 3001 -key tag old7001 -key contact_port 5621 -d 300
	sleep 0.6
	check "ringing_changes: member moves while its call rings" \
		expect "reply" "$(ok gcp.member.set 1001 7002)" 'moved_from: 7001'
	check "ringing_changes: the ringing call stays in its old group, pickable" \
		expect "gcp.calls 7001" "$(kc gcp.calls 7001 | flat)" 'callee: 1001 .*pickable: yes'
	uac c2 caller_picked.xml 5622 1001 -key from 3002 -key tag new7002 -key contact_port 5622 -d 300
	sleep 0.6
	check "ringing_changes: a new call to the moved member is in its new group" \
		expect "gcp.calls 7002" "$(kc gcp.calls 7002 | flat)" 'callee: 1001 .*caller: sip:3002@.*pickable: yes'
	uas p1-phone picker_phone.xml 5661
	uac p1 picker_inject.xml 5641 7001 -key from 2001 -key contact_port 5661
	sleep 0.3
	uas p2-phone picker_phone.xml 5662
	uac p2 picker_inject.xml 5642 7002 -key from 2002 -key contact_port 5662
	check "ringing_changes: both calls picked up, each in its own group" sw
	check "ringing_changes: dialling the old group got the old call" \
		expect "the call on p1's phone" "$(msg p1-phone '^INVITE ')" '^From: .*;tag=old7001'
	check "ringing_changes: dialling the new group got the new call" \
		expect "the call on p2's phone" "$(msg p2-phone '^INVITE ')" '^From: .*;tag=new7002'
	check "ringing_changes: no calls left" no_calls

	# a range removed while a call rings in one of its groups
	uas m8 member_cancelled.xml 5608
	uac c3 caller_cancel.xml 5623 1008 -key from 3003 -key tag tmp7501 \
		-key contact_port 5623 -key supported "replaces, timer" -d 3500 -recv_timeout 3500
	sleep 0.6
	check "ringing_changes: the call rings in group 7501" \
		expect "gcp.calls" "$(kc gcp.calls 7501 | flat)" 'callee: 1008 .*pickable: yes'
	check "ringing_changes: a range with members cannot be removed" \
		refused 400 'range "tmp" still has 1 member' gcp.range.remove tmp
	ok gcp.member.set 1008 7003 >/dev/null
	check "ringing_changes: the range is removed once empty" \
		expect "reply" "$(ok gcp.range.remove tmp)" 'removed: tmp'
	check "ringing_changes: the call in the removed range shows why it cannot be picked" \
		expect "gcp.calls" "$(kc gcp.calls 7501 | flat)" 'callee: 1008 .*pickable: no state: its group is in no range now'
	uac p3 picker_404.xml 5643 7501 -key from 2003 -key contact_port 5663
	sleep 0.3
	check "ringing_changes: dialling the removed group is an ordinary call (404)" sw
	check "ringing_changes: no calls left" no_calls
	check "ringing_changes: a new call to the member is in its new group" call_in_group 1008 7003 5608
}

# gcp.calls: oldest first, age, pickable or why not
t_calls() {
	base_config
	ok gcp.member.set 1007 7002 >/dev/null
	reg 1001 5601; reg 1002 5602; reg 1007 5607; reg 1005 5605
	uas m1 member_cancelled.xml 5601
	uas m7 member_cancelled.xml 5607
	uas m2 member_cancelled.xml 5602
	uas m5 member_trying.xml 5605
	uac cA caller_cancel.xml 5621 1001 -key from 3001 -key tag tagA -key contact_port 5621 -key supported "replaces, timer" -d 3500 -recv_timeout 3500
	sleep 1.2
	uac cB caller_cancel.xml 5622 1007 -key from 3002 -key tag tagB -key contact_port 5622 -key supported "replaces, timer" -d 2400 -recv_timeout 2400
	sleep 0.2
	uac cC caller_cancel.xml 5623 1002 -key from +15550100 -key tag tagC -key contact_port 5623 -key supported "replaces, timer" -d 2000 -recv_timeout 2000
	sleep 0.2
	uac cD caller_cancel_trying.xml 5624 1005 -key from 3004 -key tag tagD -key contact_port 5624 -key supported "replaces, timer" -recv_timeout 1800
	sleep 0.6
	local calls all g7001 g7002 g7003
	calls=$(kc gcp.calls)
	g7001=$(kc gcp.calls 7001)
	g7002=$(kc gcp.calls 7002)
	g7003=$(kc gcp.calls 7003)
	all=$(flat <<<"$calls")
	echo "$calls" >"$T_DIR/gcp.calls.txt"
	check "calls: four calls listed" test "$(grep -c '^{' <<<"$calls")" = 4
	check "calls: every field of a call" \
		expect "gcp.calls" "$all" '\{ group: 7001 callee: 1001 caller: sip:3001@127.0.0.1 callid: [^ ]+ seconds: [0-9]+ pickable: yes state: pickable delivery: inject kind: none \}'
	check "calls: oldest first" \
		test "$(sed -n 's/^[[:space:]]*callee: //p' <<<"$calls" | tr '\n' ' ')" = "1001 1007 1002 1005 "
	check "calls: the age of the oldest call" \
		expect "gcp.calls" "$all" 'callee: 1001 [^}]*seconds: [23] '
	check "calls: the age of a younger call" \
		expect "gcp.calls" "$all" 'callee: 1007 [^}]*seconds: [01] '
	check "calls: a personal contact's call: not pickable, and why" \
		expect "gcp.calls" "$all" 'callee: 1002 [^}]*pickable: no state: personal contact delivery: inject kind: none \}'
	check "calls: a call not ringing yet: not pickable, and why" \
		expect "gcp.calls" "$all" 'callee: 1005 [^}]*pickable: no state: not ringing yet delivery: inject kind: none \}'
	check "calls: the Call-ID is the caller's" \
		expect "gcp.calls" "$calls" "callid: $(sed -n 's/^Call-ID: *//p' "$T_DIR/cA.msg" | head -n 1 | tr -d '\r')\$"
	check "calls: one group only (7001: three calls, oldest first)" \
		test "$(sed -n 's/^[[:space:]]*callee: //p' <<<"$g7001" | tr '\n' ' ')" = "1001 1002 1005 "
	check "calls: one group only (7002: one call)" \
		expect "gcp.calls 7002" "$(flat <<<"$g7002")" '^\{ group: 7002 callee: 1007 [^}]*\}$'
	check "calls: a group with no calls" test -z "$g7003"
	check "calls: a number that is no group" refused 404 '7999 is not a pickup group number' gcp.calls 7999
	check "calls: all callers hung up" sw
	check "calls: no calls left" no_calls
}

# gcp.calls names the kind of the pickup taking each call (group,
# directed, replaces; none while nobody does), and the statistics count
# each kind: three calls ring, a group pickup, a directed one (**1007)
# and a Replaces one (built from the call's Call-ID and tags as the caller
# saw them) claim one each while the pickers' phones ring
t_calls_kind() {
	base_config
	reg 1001 5601; reg 1007 5607; reg 1005 5605
	uas m1 member_picked.xml 5601
	uas m7 member_picked.xml 5607
	uas m5 member_picked.xml 5605
	uac c1 caller_picked.xml 5621 1001 -key from 3001 -key tag kd1 -key contact_port 5621 -d 300
	sleep 0.3
	uac c7 caller_picked.xml 5622 1007 -key from 3002 -key tag kd7 -key contact_port 5622 -d 300
	sleep 0.3
	uac c5 caller_picked.xml 5623 1005 -key from 3003 -key tag kd5 -key contact_port 5623 -d 300
	sleep 0.6
	local n calls cid tt
	declare -A b
	for n in picked picked_group picked_other_group picked_directed picked_replaces; do
		b[$n]=$(gstat $n)
	done
	calls=$(kc gcp.calls | flat)
	echo "$calls" >"$T_DIR/gcp.calls-ringing.txt"
	check "calls_kind: three ringing calls, of no pickup's kind" \
		test "$(grep -o 'state: pickable delivery: inject kind: none }' <<<"$calls" | grep -c .)" = 3
	cid=$(msg c5 '^SIP/2.0 18' | sed -n 's/^Call-ID: *//p' | tr -d '\r')
	tt=$(msg c5 '^SIP/2.0 18' | sed -n 's/^To: .*;tag=//p' | tr -d '\r')
	check "calls_kind: the caller of 1005 saw its Call-ID and To tag" test -n "$cid" -a -n "$tt"
	uas p1-phone picker_phone_slow.xml 5661 -d 2000
	uac p1 picker_inject.xml 5641 7001 -key from 2001 -key contact_port 5661
	uas p2-phone picker_phone_slow.xml 5662 -d 2000
	uac p2 picker_inject.xml 5642 '**1007' -key from 2002 -key contact_port 5662
	uas p3-phone picker_phone_slow.xml 5663 -d 2000
	uac p3 picker_replaces_any.xml 5643 1005 -key from 2003 -key rhdr "$cid;to-tag=kd5;from-tag=$tt" -key contact_port 5663
	sleep 1
	calls=$(kc gcp.calls | flat)
	echo "$calls" >"$T_DIR/gcp.calls-claimed.txt"
	check "calls_kind: the group pickup's call" \
		expect "gcp.calls" "$calls" 'callee: 1001 [^}]*pickable: no state: pickup in progress delivery: inject kind: group }'
	check "calls_kind: the directed pickup's call" \
		expect "gcp.calls" "$calls" 'callee: 1007 [^}]*pickable: no state: pickup in progress delivery: inject kind: directed }'
	check "calls_kind: the Replaces pickup's call" \
		expect "gcp.calls" "$calls" 'callee: 1005 [^}]*pickable: no state: pickup in progress delivery: inject kind: replaces }'
	check "calls_kind: all three picked up" sw
	check "calls_kind: the group picker got 1001's call" expect "its phone" "$(msg p1-phone '^INVITE ')" '^From: .*;tag=kd1'
	check "calls_kind: the directed picker got 1007's call" expect "its phone" "$(msg p2-phone '^INVITE ')" '^From: .*;tag=kd7'
	check "calls_kind: the Replaces picker got 1005's call" expect "its phone" "$(msg p3-phone '^INVITE ')" '^From: .*;tag=kd5'
	check "calls_kind: no calls left" no_calls
	declare -A want=([picked]=3 [picked_group]=1 [picked_other_group]=0 [picked_directed]=1 [picked_replaces]=1)
	for n in picked picked_group picked_other_group picked_directed picked_replaces; do
		check "calls_kind: gcp:$n grew by ${want[$n]}" \
			test "$(($(gstat $n) - ${b[$n]}))" = "${want[$n]}"
	done
}

# statistics after a known sequence of calls and pickups
t_statistics() {
	base_config
	reg 1001 5601; reg 1002 5602; reg 1007 5607
	kc ul.add location s:1009 sip:1009@127.0.0.1:5609 3600 1.0 s:0 0 0 255 >/dev/null
	local n s0
	declare -A b
	for n in tracked ringing picked picked_group picked_directed picked_replaces pickup_empty pickup_denied pickup_failed; do
		b[$n]=$(gstat $n)
	done
	# two calls ring, two pickups take them, the oldest first
	uas m1 member_picked.xml 5601
	uas m7 member_picked.xml 5607
	uac c1 caller_picked.xml 5621 1001 -key from 3001 -key tag st1 -key contact_port 5621 -d 300
	sleep 0.4
	uac c2 caller_picked.xml 5622 1007 -key from 3002 -key tag st2 -key contact_port 5622 -d 300
	sleep 0.6
	check "statistics: gcp:ringing is 2 while two calls ring" test "$(gstat ringing)" = 2
	uas p1-phone picker_phone.xml 5661
	uac p1 picker_inject.xml 5641 7001 -key from 2001 -key contact_port 5661
	sleep 0.8
	uas p2-phone picker_phone.xml 5662
	uac p2 picker_inject.xml 5642 7001 -key from 2002 -key contact_port 5662
	check "statistics: two pickups" sw
	check "statistics: the first pickup took the oldest call" \
		expect "p1's phone" "$(msg p1-phone '^INVITE ')" '^From: .*;tag=st1'
	no_calls >/dev/null
	# nothing to pick up
	uac e1 picker_480.xml 5643 7001 -key from 2003 -key contact_port 5663
	# a picker from another domain
	uac d1 picker_403.xml 5644 7001 -key from 9999 -key fromhost outside.example -key contact_port 5664
	check "statistics: an empty pickup and a denied one" sw
	# a failed pickup (the picker's phone is busy), then a good one
	uas m1b member_picked.xml 5601
	uac c3 caller_picked.xml 5623 1001 -key from 3003 -key tag st3 -key contact_port 5623 -d 300
	sleep 0.6
	uas p3-phone picker_phone_reject.xml 5665
	uac p3 picker_inject.xml 5645 7001 -key from 2001 -key contact_port 5665
	sleep 0.8
	uas p4-phone picker_phone.xml 5666
	uac p4 picker_inject.xml 5646 7001 -key from 2002 -key contact_port 5666
	check "statistics: a failed pickup, then a good one" sw
	no_calls >/dev/null
	# a personal contact's call: tracked, never pickable; a pickup finds
	# nothing meanwhile
	uas m2 member_cancelled.xml 5602
	uac c4 caller_cancel.xml 5624 1002 -key from +15550100 -key tag st4 \
		-key contact_port 5624 -key supported "replaces, timer" -d 2000 -recv_timeout 2000
	sleep 0.6
	check "statistics: gcp:ringing counts a call that cannot be picked" test "$(gstat ringing)" = 1
	uac e2 picker_480.xml 5647 7001 -key from 2003 -key contact_port 5667
	# a call to someone in no group is not tracked
	uas m9 member_cancelled.xml 5609
	uac c5 caller_cancel.xml 5625 1009 -key from 3005 -key tag st5 \
		-key contact_port 5625 -key supported "replaces, timer" -d 800 -recv_timeout 800
	check "statistics: the personal call, a call to a non-member, a pickup" sw
	check "statistics: no calls left" no_calls
	kc ul.rm location s:1009 >/dev/null
	# (every pickup here dials the group: each kind counts its own)
	declare -A want=([tracked]=4 [picked]=3 [picked_group]=3 [picked_directed]=0 [picked_replaces]=0
		[pickup_empty]=2 [pickup_denied]=1 [pickup_failed]=1)
	for n in tracked picked picked_group picked_directed picked_replaces pickup_empty pickup_denied pickup_failed; do
		check "statistics: gcp:$n grew by ${want[$n]}" \
			test "$(($(gstat $n) - ${b[$n]}))" = "${want[$n]}"
	done
	check "statistics: gcp:ringing is 0 again" test "$(gstat ringing)" = 0
}

# JSON-RPC gets fields; changes from two RPC processes at once (kamcmd's
# ctl and the jsonrpcs FIFO) are serialized: no change is lost
t_jsonrpc() {
	base_config
	local out
	out=$(jr gcp.member.get '["1002"]')
	check "jsonrpc: gcp.member.get has fields" \
		expect "reply" "$(tr -d ' \t\n' <<<"$out")" '"result":\{"user":"1002","group":"7001","range":"sales","personal":\["\+15550100","sip:mum@example.org"\]\}'
	out=$(jr gcp.member.set '[1010, 7003]')
	check "jsonrpc: numbers as arguments" \
		expect "reply" "$(tr -d ' \t\n' <<<"$out")" '"result":\{"user":"1010","group":"7003"'
	out=$(jr gcp.member.set '["1010", "7500"]')
	check "jsonrpc: a refusal is an error with the rule" \
		expect "reply" "$(tr -d '\t\n' <<<"$out")" '"error":\{"code":400,"message":"group 7500 lies in no range"'
	out=$(jr gcp.range.list '[]')
	check "jsonrpc: gcp.range.list is an array of objects" \
		expect "reply" "$(tr -d ' \t\n' <<<"$out")" '"result":\[\{"name":"other","first":"7100","last":"7199","pool":"","members":0\},\{"name":"sales"'
	local i
	(
		for i in $(seq 3000 3059); do
			out=$(kc gcp.member.set $i 7010)
			is_fault "$out" && echo "kamcmd: $out"
		done
	) >"$T_DIR/a.log" 2>&1 &
	local pa=$!
	(
		for i in $(seq 3100 3159); do
			out=$(jr gcp.member.set "[\"$i\", \"7011\"]")
			grep -q '"result"' <<<"$out" || echo "jsonrpc: $out"
		done
	) >"$T_DIR/b.log" 2>&1 &
	local pb=$!
	wait $pa $pb
	check "jsonrpc: 120 changes from two processes at once, all accepted" \
		test ! -s "$T_DIR/a.log" -a ! -s "$T_DIR/b.log"
	check "jsonrpc: none of them lost in the configuration in force" \
		test "$(kc gcp.member.list | grep -cP '^\tuser: 3[01][0-5]\d$')" = 120
	check "jsonrpc: none of them lost in what is saved" \
		test "$(store_members | grep -c '^3[01][0-5][0-9] 70[1][01]$')" = 120
	check "jsonrpc: what is saved equals the configuration in force" store_is_in_force
}

# the members saved are those gcp.member.list shows
store_is_in_force() {
	local f k
	f=$(store_members)
	k=$(kc gcp.member.list | awk '/^\tuser: /{u=$2} /^\tgroup: /{print u, $2}' | sort)
	[ "$f" = "$k" ] || { diff <(echo "$f") <(echo "$k") | head; return 1; }
}

# kill -9 in the middle of a burst of 500 changes: the file parses and is
# the state after the last acknowledged change or after the one in flight
CRASH_OPS=()
crash_plan() {
	declare -A sim=()
	local i u g
	CRASH_OPS=("")
	for i in $(seq 1 500); do
		u=$((4000 + (i * 7) % 41))
		if [ -n "${sim[$u]:-}" ] && [ $((i % 3)) -eq 0 ]; then
			CRASH_OPS+=("remove $u")
			unset "sim[$u]"
		else
			g=$((7000 + (i * 13) % 100))
			CRASH_OPS+=("set $u $g")
			sim[$u]=$g
		fi
	done
}

# the members after the first k changes (on top of the base members)
crash_state() { # <k>
	declare -A sim=()
	local i op
	for i in $(seq 1 "$1"); do
		read -r -a op <<<"${CRASH_OPS[$i]}"
		if [ "${op[0]}" = set ]; then sim[${op[1]}]=${op[2]}; else unset "sim[${op[1]}]"; fi
	done
	for i in "${!sim[@]}"; do echo "$i ${sim[$i]}"; done
	echo "$BASE_MEMBERS"
}

# the base configuration plus 1500 members: each change then rewrites a
# file of ~70 kB, so that a kill often lands in the middle of a save
crash_base() {
	local u
	{
		sed '/^<\/gcp>/d' "$OUT/base.xml"
		for u in $(seq 5000 6499); do
			echo "  <member user=\"$u\" group=\"7050\"/>"
		done
		echo '</gcp>'
	} >"$T_DIR/crash-base.xml"
	store_put_xml "$T_DIR/crash-base.xml"
}

crash_round() { # <acks to wait for before the kill>
	local at=$1 acks=$T_DIR/acks.$1 sent=$T_DIR/sent.$1 i pids
	crash_base
	rm -f "$GCP_XML".??????
	: >"$acks"
	echo 0 >"$sent"
	pids=$(k_pids)
	(
		local op out rc
		for i in $(seq 1 500); do
			read -r -a op <<<"${CRASH_OPS[$i]}"
			# the change sent next (changes 1 to i-1 are acknowledged)
			echo "$i" >"$sent"
			if [ "${op[0]}" = set ]; then
				out=$(kc gcp.member.set "${op[1]}" "${op[2]}" 2>&1)
			else
				out=$(kc gcp.member.remove "${op[1]}" 2>&1)
			fi
			rc=$?
			if [ $rc -eq 0 ] && is_fault "$out"; then
				echo "refused: ${CRASH_OPS[$i]}: $out" >"$acks.refused"
				break
			fi
			# only a complete reply acknowledges the change
			if [ $rc -ne 0 ] || ! grep -qE '^[[:space:]]+(user|removed): ' <<<"$out"; then
				echo "change $i not acknowledged (exit $rc): $out" >"$acks.stop"
				break
			fi
			echo "$i" >>"$acks"
		done
	) &
	local client=$!
	# once change at+1 is on its way (the client says so: not by pgrep,
	# which can take longer than the rest of the burst), a random instant
	# within it; nothing here waits on /proc
	local n=0
	while [ "$n" -lt "$at" ] && kill -0 $client 2>/dev/null; do
		sleep 0.01
		read -r n <"$sent" || n=0
		n=${n:-0}
	done
	while [ "$n" -le "$at" ] && kill -0 $client 2>/dev/null; do
		read -r n <"$sent" || n=0
		n=${n:-0}
	done
	sleep "0.00$((RANDOM % 8))"
	k_crash "$pids"
	wait $client
	local k
	k=$(wc -l <"$acks")
	echo "killed after $k acknowledged changes"
	cat "$acks.stop" 2>/dev/null
	check "crash@$at: killed in the middle of the burst" test "$k" -lt 500 -a ! -e "$acks.refused"
	is_db || ! ls "$GCP_XML".?????? >/dev/null 2>&1 ||
		echo "a temporary file was left: the kill came during a save"
	check "crash@$at: what is saved can be read" store_valid
	local got s0 s1
	got=$(store_members)
	s0=$(crash_state "$k" | sed '/^$/d' | sort)
	s1=$(crash_state $((k < 500 ? k + 1 : k)) | sed '/^$/d' | sort)
	if [ "$got" = "$s0" ]; then
		echo "the file holds the state after change $k (the last acknowledged)"
	elif [ "$got" = "$s1" ]; then
		echo "the file holds the state after change $((k + 1)) (in flight)"
	fi
	check "crash@$at: what is saved is the state after the last acknowledged change or the one in flight" \
		test "$got" = "$s0" -o "$got" = "$s1"
	check "crash@$at: kamailio starts on it" ks
	check "crash@$at: and puts it in force" store_is_in_force
}

t_crash() {
	crash_plan
	base_config
	crash_base
	BASE_MEMBERS=$(store_members)
	local at
	for at in 60 210 380; do
		crash_round "$at"
	done
	rm -f "$GCP_XML".??????
}

# the tests of gcp.group.* (other-group pickup)
. ./tests_group.sh

# ------------------------------------------------------------ main

. ./store.sh
. ./db.sh

# the tests of a backend: those asked for, or all; saved_file is the
# file's, db_* the databases'
backend_tests() {
	local name
	for name in ${GCP_RPC_TESTS:-$ALL_TESTS $DB_TESTS}; do
		case $1:$name in
		file:db_* | sqlite:saved_file | postgres:saved_file) ;;
		*) echo "$name" ;;
		esac
	done
}

trap 'sipp_kill_all; k_stop; store_end' EXIT
for backend in ${GCP_RPC_BACKENDS:-file sqlite postgres}; do
	k_stop
	CHECK_PREFIX=""
	[ "$backend" = file ] || CHECK_PREFIX="[$backend] "
	T_DIR=$OUT/$backend/setup
	CHECK_LOG=$T_DIR/check.log
	mkdir -p "$T_DIR"
	check "backend: $backend set up" store_begin "$backend" || continue
	for name in $(backend_tests "$backend"); do
		[ -n "$KPID" ] || [ "$name" = empty_start ] || ks >/dev/null || {
			t_fail "${CHECK_PREFIX}kamailio-start"; continue; }
		run_test "$name"
	done
	k_stop
	cp "$KLOG" "$OUT/kamailio-rpc-$backend.log" 2>/dev/null
	store_end
done

t_summary rpc
