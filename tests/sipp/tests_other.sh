# Other-group pickup (issue 14): a group's pickups take the calls of the
# groups its <group> element lists when nothing of its own rings, in
# list order (other_group_order "priority") or oldest first ("age"); the
# lists are one-way; directed_scope "group" reaches the listed groups'
# members too.

ALL_TESTS="$ALL_TESTS other_priority other_age other_one_way other_directed_scope"

# The groups of these tests: 7001 lists 7002, 7004 (nobody in it, nothing
# rings there) and 7003, in that order; 7002 and 7003 list nothing.
og_load() {
	cat >"$OUT/gcp.xml" <<-'EOF'
		<?xml version="1.0" encoding="UTF-8"?>
		<gcp>
		  <range name="sales" first="7000" last="7099"/>
		  <range name="support" first="*800" last="*899"/>
		  <member user="1001" group="7001"/>
		  <member user="1004" group="7001"/>
		  <member user="1002" group="7002"/>
		  <member user="1010" group="7003"/>
		  <member user="1008" group="*801"/>
		  <group number="7001">
		    <also group="7002"/>
		    <also group="7004"/>
		    <also group="7003"/>
		  </group>
		</gcp>
	EOF
	[ -z "${1:-}" ] || return 0
	local out
	out=$(kc gcp.reload 2>&1)
	grep -q 'members: 5' <<<"$out" || fail "gcp.reload of the test's groups: $out"
}

# the sample groups again, for the tests after this one
og_back() {
	cp "$ROOT/cfg/gcp.xml" "$OUT/gcp.xml"
	kc gcp.reload >/dev/null
}

# the event of the call from caller user <from>: group it rang in and kind
og_event() { # <from user>
	grep "gcp: call .* from sip:$1@127.0.0.1 .* picked up by" "$KLOG" | tail -n 1
}

# three calls ring, in 7003 (the oldest), 7002, then 7001 (the youngest)
og_ring3() {
	reg 1001 5101
	reg 1002 5102
	reg 1010 5110
	uas m1 member_picked.xml 5101
	uas m2 member_picked.xml 5102
	uas m3 member_picked.xml 5110
	RING_MS=4500 ring_picked c3 1010 3003 tagO3 5221
	sleep 0.3
	RING_MS=4500 ring_picked c2 1002 3002 tagO2 5211
	sleep 0.3
	RING_MS=4500 ring_picked c1 1001 3001 tagO1 5201
	sleep 0.5
}

# three pickups of 7001, one after the other, then one that finds nothing
og_pick3() {
	pick p1 7001 2001 5301 5302
	sleep 0.6
	pick p2 7001 2002 5311 5312
	sleep 0.6
	pick p3 7001 2003 5321 5322
	sleep 0.6
	uac e picker_480.xml 5331 7001 -key from 2004 -key contact_port 5332
}

# priority: the own group's call first though it is the youngest, then
# 7002's (listed first), then 7003's (7004, listed before it, is empty);
# then nothing: 480. The events name the group each call rang in and the
# kind; the statistics count each kind.
t_other_priority() {
	og_load || return 1
	og_priority
	local r=$?
	og_back
	return $r
}
og_priority() {
	local g0 o0
	g0=$(stat picked_group)
	o0=$(stat picked_other_group)
	og_ring3
	og_pick3
	sw || return 1
	picked_from p1 tagO1 5202 || return 1
	picked_from p2 tagO2 5212 || return 1
	picked_from p3 tagO3 5222 || return 1
	expect "the fourth pickup" "$(final_of e)" '^SIP/2.0 480 ' || return 1
	expect "the event of 7001's own call" "$(og_event 3001)" 'in group 7001 picked up by sip:2001@.* \(kind group\)' || return 1
	expect "the event of 7002's call" "$(og_event 3002)" 'to 1002 in group 7002 picked up by sip:2002@.* \(kind other-group\)' || return 1
	expect "the event of 7003's call" "$(og_event 3003)" 'to 1010 in group 7003 picked up by sip:2003@.* \(kind other-group\)' || return 1
	[ "$(stat picked_group)" -eq $((g0 + 1)) ] || fail "gcp:picked_group went from $g0 to $(stat picked_group), not +1" || return 1
	[ "$(stat picked_other_group)" -eq $((o0 + 2)) ] || fail "gcp:picked_other_group went from $o0 to $(stat picked_other_group), not +2" || return 1
	expect_no_calls
}

# age: the longest ringing call among 7001 and all it lists, whatever the
# list order: 7003's, 7002's, then the own one
modes_other_age() { echo inject; }
t_other_age() {
	og_load nostart
	k_variant other-age 'modparam("gcp", "other_group_order", "age")' || { og_back; return 1; }
	og_age
	local r=$?
	cp "$ROOT/cfg/gcp.xml" "$OUT/gcp.xml"
	k_back
	return $r
}
og_age() {
	og_ring3
	og_pick3
	sw || return 1
	picked_from p1 tagO3 || return 1
	picked_from p2 tagO2 || return 1
	picked_from p3 tagO1 || return 1
	expect "the fourth pickup" "$(final_of e)" '^SIP/2.0 480 ' || return 1
	expect "the event of 7003's call" "$(og_event 3003)" 'in group 7003 picked up by sip:2001@.* \(kind other-group\)' || return 1
	expect "the event of 7001's own call" "$(og_event 3001)" 'in group 7001 picked up by sip:2003@.* \(kind group\)' || return 1
	expect_no_calls
}

# one-way: 7001 lists 7002, so 7002's own pickups do not reach 7001's
# call (480) until 7002 lists 7001 too (gcp.group.set, in force at once)
modes_other_one_way() { echo inject; }
t_other_one_way() {
	og_load || return 1
	og_one_way
	local r=$?
	og_back
	return $r
}
og_one_way() {
	reg 1001 5101
	uas m1 member_picked.xml 5101
	ring_picked c1 1001 3001 tagOw 5201
	sleep 0.5
	uac e picker_480.xml 5331 7002 -key from 2002 -key contact_port 5332
	sw_last || return 1
	expect "7002's pickup of 7001's call" "$(final_of e)" '^SIP/2.0 480 ' || return 1
	pickable || return 1
	expect "gcp.group.set 7002 7001" "$(kc gcp.group.set 7002 7001 | tr -s '\t\n' '  ')" 'number: 7002 .*also: \{ 7001 \}' || return 1
	pick p 7002 2002 5301 5302
	sw || return 1
	picked_from p tagOw || return 1
	expect "the event" "$(og_event 3001)" 'in group 7001 picked up by sip:2002@.* \(kind other-group\)' || return 1
	expect_no_calls
}

# directed_scope "group": a member of 7001 may pick up a call of 7002's
# member by **<member> (7001 lists 7002); a member of 7003 may not, nor
# may 7002's member pick up 7001's (the list is one-way)
modes_other_directed_scope() { echo inject; }
t_other_directed_scope() {
	og_load nostart
	k_variant other-scope 'modparam("gcp", "directed_scope", "group")' || { og_back; return 1; }
	og_directed_scope
	local r=$?
	cp "$ROOT/cfg/gcp.xml" "$OUT/gcp.xml"
	k_back
	return $r
}
og_directed_scope() {
	reg 1001 5101
	reg 1002 5102
	uas m1 member_cancelled.xml 5101
	uas m2 member_picked.xml 5102
	uac c1 caller_cancel.xml 5201 1001 -key from 3001 -key tag tagDs1 \
		-key contact_port 5201 -key supported "replaces, timer" -d 3000 -recv_timeout 3000
	ring_picked c2 1002 3002 tagDs2 5211
	sleep 0.6
	uac o3 picker_any.xml 5331 '**1002' -key fromhdr '<sip:1010@127.0.0.1>' -key xhdr "X-None: 0" -key contact_port 5341
	sw_last || return 1
	expect "7003's member picking up 7002's" "$(final_of o3)" '^SIP/2.0 403 ' || return 1
	uac o2 picker_any.xml 5332 '**1001' -key fromhdr '<sip:1002@127.0.0.1>' -key xhdr "X-None: 0" -key contact_port 5342
	sw_last || return 1
	expect "7002's member picking up 7001's" "$(final_of o2)" '^SIP/2.0 403 ' || return 1
	pick p '**1002' 1004 5301 5302
	sw || return 1
	picked_from p tagDs2 || return 1
	expect "the event" "$(og_event 3002)" 'in group 7002 picked up by sip:1004@.* \(kind directed\)' || return 1
	expect_no_calls
}
