# gcp.group.* (other-group pickup, issue 14), sourced by tests/rpc/run.sh:
# the lists set, shown, saved and refused like every other change, the
# range rules that protect them, a reload of a file that breaks them, and
# a restart that keeps them.

ALL_TESTS="$ALL_TESTS groups"

# the <group> elements of a file written by the module, one line each:
# "7001: 7150 *801"
file_lists() {
	awk '/<group number=/ { match($0, /number="[^"]*"/); g = substr($0, RSTART + 8, RLENGTH - 9); line = g ":" }
		/<also group=/ { match($0, /group="[^"]*"/); line = line " " substr($0, RSTART + 7, RLENGTH - 8) }
		/<\/group>/ { print line }' "$1"
}

# the lists saved, one line each: "7001: 7150 *801" (the file's <group>
# elements, or the rows of gcp_group_list by position)
store_lists() {
	if is_db; then
		sql "SELECT group_number, also_number FROM gcp_group_list ORDER BY group_number, pos" |
			awk -F'|' '$1 != g { if (g != "") print line; g = $1; line = g ":" } { line = line " " $2 }
				END { if (g != "") print line }'
	else
		file_lists "$GCP_XML"
	fi
}

# what is saved now is the reference of bad()
store_ref() {
	REF=$T_DIR/ref.dump
	store_dump >"$REF"
	is_db || REF_INODE=$(inode "$GCP_XML")
}

# the configuration in force, lists included
cfg_text_groups() {
	cfg_text
	kc gcp.group.list
}

# a call to 1008 (group 7150) is picked up by dialling 7001, whose list
# names 7150: the picker's phone gets it
pickup_listed() {
	rm -f "$T_DIR"/lm.* "$T_DIR"/lphone.* "$T_DIR"/lc.* "$T_DIR"/lp.*
	reg 1008 5608
	uas lm member_picked.xml 5608
	uas lphone picker_phone.xml 5663
	uac lc caller_picked.xml 5623 1008 -key from 3008 -key tag rpcog1 \
		-key contact_port 5623 -d 300
	sleep 0.6
	uac lp picker_inject.xml 5643 7001 -key from 2001 -key contact_port 5663
	sw || return 1
	expect "the call on the picker's phone" "$(msg lphone '^INVITE ')" \
		'^From: <sip:3008@127.0.0.1>;tag=rpcog1' || return 1
	expect "the event" "$(grep 'from sip:3008@' "$KLOG" | grep 'picked up by' | tail -n 1)" \
		'in group 7150 picked up by sip:2001@.*\(kind other-group\)' || return 1
	no_calls
}

t_groups() {
	base_config
	local out eleven
	check "groups: gcp.group.set 7001 7150,*801" \
		expect "reply" "$(ok gcp.group.set 7001 '7150,*801' | flat)" \
		'^\{ number: 7001 range: sales members: \{ 1001 1002 1005 1007 \} also: \{ 7150 \*801 \} listed_by: \{ \} \}$'
	check "groups: saved, in list order" \
		expect "what is saved" "$(store_valid && store_lists)" '^7001: 7150 \*801$'
	check "groups: gcp.group.get of a listed group names who lists it" \
		expect "reply" "$(ok gcp.group.get 7150 | flat)" \
		'^\{ number: 7150 range: other members: \{ \} also: \{ \} listed_by: \{ 7001 \} \}$'
	check "groups: gcp.group.get 7001" \
		expect "reply" "$(ok gcp.group.get 7001 | flat)" 'also: \{ 7150 \*801 \}'
	ok gcp.member.set 1008 7150 >/dev/null
	check "groups: gcp.group.list: every group with members or a list" \
		expect "reply" "$(ok gcp.group.list | flat)" \
		'^\{ number: 7001 range: sales members: 4 also: \{ 7150 \*801 \} \} \{ number: 7150 range: other members: 1 also: \{ \} \}$'
	check "groups: blanks around the items are dropped" \
		expect "reply" "$(ok gcp.group.set 7001 's: 7150 , *801' | flat)" 'also: \{ 7150 \*801 \}'
	out=$(jr gcp.group.get '["7001"]')
	check "groups: JSON-RPC gcp.group.get has fields and arrays" \
		expect "reply" "$(tr -d ' \t\n' <<<"$out")" \
		'"result":\{"number":"7001","range":"sales","members":\["1001","1002","1005","1007"\],"also":\["7150","\*801"\],"listed_by":\[\]\}'

	# every refusal: 400 naming the rule, nothing written (same bytes; a
	# file: same inode), nothing changed in force
	ok gcp.member.set 1009 7009 >/dev/null
	ok gcp.member.remove 1009 >/dev/null
	store_ref
	local before
	before=$(cfg_text_groups)
	eleven=7010,7011,7012,7013,7014,7015,7016,7017,7018,7019,7020
	check "groups bad: a group lists itself" bad 'group 7001 cannot list itself' gcp.group.set 7001 '7002,7001'
	check "groups bad: a group listed twice" bad 'group 7001 lists group 7002 twice' gcp.group.set 7001 '7002,7002'
	check "groups bad: a listed group in no range" bad 'group 7001: listed group 7500 lies in no range' gcp.group.set 7001 7500
	check "groups bad: a listed group that is no number" bad 'group 7001: listed group "abc" is not a number' gcp.group.set 7001 '7002,abc'
	check "groups bad: more than 10" bad 'group 7001 lists more than 10 groups \(the limit\)' gcp.group.set 7001 "$eleven"
	check "groups bad: the group in no range" bad 'group 7500 lies in no range' gcp.group.set 7500 7002
	check "groups bad: the group no number" bad 'group "abc" is not a number' gcp.group.set abc 7002
	check "groups bad: an empty item" bad 'item 2 of the list is empty \(usage: gcp.group.set number \[also1,also2,...\]\)' gcp.group.set 7001 '7002,,7003'
	check "groups bad: a trailing comma" bad 'item 2 of the list is empty' gcp.group.set 7001 '7002,'
	check "groups bad: group.set without arguments" bad 'missing argument \(usage: gcp.group.set number \[also1,also2,...\]\)' gcp.group.set
	check "groups bad: group.set with too many arguments" bad 'too many arguments \(usage: gcp.group.set' gcp.group.set 7001 7002 7003
	check "groups bad: group.get without arguments" bad 'missing argument \(usage: gcp.group.get number\)' gcp.group.get
	check "groups bad: group.get with too many arguments" bad 'too many arguments \(usage: gcp.group.get number\)' gcp.group.get 7001 7002
	check "groups bad: group.get of no number" bad 'group "abc" is not a number' gcp.group.get abc
	check "groups bad: group.list with an argument" bad 'too many arguments \(usage: gcp.group.list\)' gcp.group.list x
	check "groups: 404 for group.get of a number in no range" refused 404 'group 7500 lies in no range' gcp.group.get 7500
	check "groups bad: removing a range a listed group is in" bad 'range "support" cannot be removed: its group \*801 is listed by group 7001' gcp.range.remove support
	check "groups bad: a range update that leaves a listed group out" \
		bad 'range "support" \*800-\*800 would leave group \*801, listed by group 7001, in no range' gcp.range.update support '*800' '*800'
	ok gcp.member.remove 1008 >/dev/null
	store_ref
	check "groups bad: removing a range a listed group is in (no members)" bad 'its group 7150 is listed by group 7001' gcp.range.remove other
	ok gcp.member.set 1008 7150 >/dev/null
	store_ref
	check "groups bad: the configuration in force is unchanged" test "$before" = "$(cfg_text_groups)"

	# a reload of a file (or of rows) that breaks a rule: refused with
	# file, line and rule (table, row id and rule), the lists in force kept
	if is_db; then
		sql "UPDATE gcp_group_list SET also_number = '7001' WHERE also_number = '*801'"
		check "groups: reload of rows where a group lists itself refused (table id: rule)" \
			refused 400 "gcp_group_list id $(sql "SELECT id FROM gcp_group_list WHERE also_number = '7001'"): group 7001 cannot list itself" gcp.reload
		check "groups: the lists in force are kept" test "$before" = "$(cfg_text_groups)"
		sql "UPDATE gcp_group_list SET also_number = '*801' WHERE also_number = '7001'"
		ok gcp.reload >/dev/null
	else
		cp "$GCP_XML" "$T_DIR/good.xml"
		sed 's|<also group="\*801"/>|<also group="7001"/>|' "$T_DIR/good.xml" >"$GCP_XML"
		check "groups: reload of a file where a group lists itself refused (file:line: rule)" \
			refused 400 "gcp.xml:$(grep -n '<also group="7001"/>' "$GCP_XML" | cut -d: -f1): group 7001 cannot list itself" gcp.reload
		check "groups: the lists in force are kept" test "$before" = "$(cfg_text_groups)"
		cp "$T_DIR/good.xml" "$GCP_XML"
	fi

	# in force at once, and kept by a restart
	check "groups: a pickup of 7001 takes a call of a listed group" pickup_listed
	before=$(cfg_text_groups)
	check "groups: restart" ks || return
	check "groups: after the restart, the lists are the same" test "$before" = "$(cfg_text_groups)"
	check "groups: after the restart, the listed group's call is still reached" pickup_listed

	# cleared: the file has no <group> left, and the ranges can go
	check "groups: gcp.group.set without a list clears it" \
		expect "reply" "$(ok gcp.group.set 7001 | flat)" 'also: \{ \} listed_by: \{ \} \}$'
	check "groups: nothing of the list is left saved" test -z "$(store_lists)"
	ok gcp.member.remove 1008 >/dev/null
	check "groups: the range is removed once no group in it is listed" \
		expect "reply" "$(ok gcp.range.remove other)" 'removed: other'
}
