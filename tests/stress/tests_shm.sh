#!/usr/bin/env bash
# The stress suite's shm exhaustion (tests/stress/run.sh sources this):
# gcp_track() with no shm left, a pickup whose context finds no shm, the
# ring table with a failing allocator.

# Kamailio with 16 MB of shm, filled (htable items) until not even a small
# allocation succeeds, with a ballast kept aside; a call to 1013: gcp_track()
# finds no shm and returns -1 (the cfg logs it), then the cfg frees the
# ballast so that tm can relay: the call rings and is answered. With
# stress-fill-hole-<n> the filling leaves one hole of about n bytes, freed
# just before gcp_pickup() (t_pickup_nomem); the cfg logs what gcp_pickup()
# returned.
shm_cfg() {
	awk -v rc="$ROOT/cfg/routing-cases.cfg" '
		{ sub(/include_file "routing-cases.cfg"/, "include_file \"" rc "\"") }
		after_track && /switch \(\$rc\)/ {
			print "\t$var(gcprc) = $rc;"
			print "\troute(STRESS_TRACKED);"
			sub(/\$rc/, "$var(gcprc)")
			after_track = 0
		}
		/^\tgcp_track\(\);/ { after_track = 1 }
		after_pickup && /switch \(\$rc\)/ {
			print "\t$var(gcprc) = $rc;"
			print "\txlog(\"L_NOTICE\", \"stress: gcp_pickup() returned $var(gcprc) for $ci\\n\");"
			sub(/\$rc/, "$var(gcprc)")
			after_pickup = 0
		}
		/^\t+gcp_pickup\(\);/ {
			print "\tif ($sht(hole=>0) != $null) {"
			print "\t\tsht_rm_name_re(\"hole=>.*\");"
			print "\t\txlog(\"L_NOTICE\", \"stress: hole freed for $ci\\n\");"
			print "\t}"
			after_pickup = 1
		}
		{ print }
		/^children=/ { print "max_while_loops=1000000" }
		/^modparam\("gcp", "config_file"/ {
			print "modparam(\"htable\", \"htable\", \"ballast=>size=4;autoexpire=0;\")"
			print "modparam(\"htable\", \"htable\", \"fill=>size=12;autoexpire=0;\")"
			print "modparam(\"htable\", \"htable\", \"hole=>size=1;autoexpire=0;\")"
		}
		/^request_route \{/ {
			print "\tif ($rU =~ \"^stress-fill-hole-[0-9]+$\") route(STRESS_HOLE);"
			print "\tif ($rU =~ \"^stress-fill\") { route(STRESS_FILL); exit; }"
			print "\tif ($rU == \"stress-unfill\") { sht_rm_name_re(\"fill=>.*\"); sl_send_reply(\"200\", \"Unfilled\"); exit; }"
		}
	' "$ROOT/cfg/kamailio.cfg"
	cat <<'CFG'

route[STRESS_TRACKED] {
	xlog("L_NOTICE", "stress: gcp_track() returned $var(gcprc) for $ci\n");
	if ($rU == "1013" && $sht(ballast=>0) != $null) {
		sht_rm_name_re("ballast=>.*");
		xlog("L_NOTICE", "stress: ballast freed for $ci\n");
	}
}

# stress-fill-hole-<n>: first one block of about n bytes (n < 65000), the
# hole, which the next pickup frees just before gcp_pickup() (every other
# byte of shm is taken by then)
route[STRESS_HOLE] {
	$var(n) = $(rU{s.substr,17,0}{s.int});
	$var(b8) = "01234567";
	$var(b64) = $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8);
	$var(b512) = $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64);
	$var(b4k) = $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512);
	$var(b32k) = $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k) + $var(b4k);
	$var(b64k) = $var(b32k) + $var(b32k);
	$sht(hole=>0) = $(var(b64k){s.substr,0,$var(n)});
	xlog("L_NOTICE", "stress: a hole of $(sht(hole=>0){s.len}) bytes\n");
}

route[STRESS_FILL] {
	$var(b8) = "01234567";
	$var(b64) = $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8) + $var(b8);
	$var(b512) = $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64) + $var(b64);
	$var(b4k) = $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512) + $var(b512);
	$var(i) = 0;
	while ($var(i) < 64) {
		$sht(ballast=>$var(i)) = $var(b4k);
		$var(i) = $var(i) + 1;
	}
	$var(i) = 0;
	$var(fails) = 0;
	while ($var(fails) < 20) {
		$sht(fill=>$var(i)) = $var(b4k);
		if ($sht(fill=>$var(i)) == $null) $var(fails) = $var(fails) + 1;
		$var(i) = $var(i) + 1;
	}
	$var(fails) = 0;
	while ($var(fails) < 20) {
		$sht(fill=>$var(i)) = $var(b512);
		if ($sht(fill=>$var(i)) == $null) $var(fails) = $var(fails) + 1;
		$var(i) = $var(i) + 1;
	}
	$var(fails) = 0;
	while ($var(fails) < 20) {
		$sht(fill=>$var(i)) = $var(b64);
		if ($sht(fill=>$var(i)) == $null) $var(fails) = $var(fails) + 1;
		$var(i) = $var(i) + 1;
	}
	$var(fails) = 0;
	while ($var(fails) < 20) {
		$sht(fill=>$var(i)) = $var(b8);
		if ($sht(fill=>$var(i)) == $null) $var(fails) = $var(fails) + 1;
		$var(i) = $var(i) + 1;
	}
	xlog("L_NOTICE", "stress: shm filled: $var(i) items\n");
	sl_send_reply("200", "Filled");
}
CFG
}

t_shm_exhaustion() {
	local t0 cid
	reg 1013 6163
	party fill options.xml 6451 -m 1 -s stress-fill -timeout 60s "$KADDR"
	sw || return 1
	echo "shm after filling: $(kc core.shmmem | tr -d '\n\t' | tr -s ' ')"
	klog_mark
	t0=$(st tracked)
	party m member_answer.xml 6163 -m 1 -d 300
	party c caller_picked.xml 6263 -m 1 -s 1013 -key from 3013 -key tag ex1 -key contact_port 6263 -d 100 "$KADDR"
	sw || return 1
	klog_new | grep -E 'out of shared memory|stress:' | head -n 5
	expect "the caller's 200" "$(msg c '^SIP/2.0 200')" '^SIP/2.0 200' || return 1
	klog_new | grep -q 'gcp_track() returned -1' || fail "gcp_track() did not return -1" || return 1
	klog_new | grep -q 'not tracked: out of shared memory' || fail "no log line about shm" || return 1
	[ "$(st tracked)" -eq "$t0" ] || fail "the call was tracked" || return 1
	expect_no_calls || return 1
	party unfill options.xml 6451 -m 1 -s stress-unfill "$KADDR"
	sw || return 1
	echo "memory back: a call is tracked"
	reg 1015 6165
	bound_call after 1 '' -key from 3001 -key tag ex2 -key contact_port 6265 || return 1
	detail "gcp_track() returned -1 with shm exhausted, the call was answered"
}

# shm exhausted during a pickup: a call rings in group 7001; shm is filled
# but for one hole, freed by the cfg just before gcp_pickup(), big enough
# for the picker's transaction and the reply (measured with the same
# INVITE to a user with no phone first) but not for the pickup's context as well (a 4 kB
# Contact makes it big): gcp_ctx_new() fails, gcp_pickup() returns -1 and
# the cfg replies 500; the claim is given back at once (the call is
# pickable again while shm is still full), gcp:picked does not move; once
# memory is back, a pickup gets the call
t_pickup_nomem() {
	local used0 used1 need ctx hole contact s0 s1 reply
	reg 1001 6151
	contact="Contact: <sip:2001@127.0.0.1:6352;x=$(pad 4000 c)>"
	# what a pickup's transaction and its reply take: the same INVITE to a
	# local user with no phone (the cfg answers 404 with a transaction; an
	# empty pickup creates none), while its transaction waits (5 s)
	used0=$(core_shm_used)
	party probe picker_refused.xml 6381 -m 1 -s 1999 -key contact_hdr "$contact" -key from 2001 \
		-key fromhost 127.0.0.1 -key totag "" "$KADDR"
	sw || return 1
	used1=$(core_shm_used)
	expect "the probe's reply" "$(final_reply probe)" '^SIP/2.0 404 Not Found$' || return 1
	need=$((used1 - used0))
	# the context holds the Contact URI, the From URI and more: a hole
	# half of it over the need
	ctx=$((${#contact} + 200))
	hole=$((need + ctx / 2))
	echo "a pickup's transaction and reply: $need bytes of shm; the context: over $ctx bytes; the hole: $hole bytes"
	[ "$need" -gt 1000 ] && [ "$need" -lt 40000 ] || fail "the probe's shm ($need bytes) makes no sense" || return 1
	expect_no_calls || return 1
	party member member_picked.xml 6151 -m 1
	party caller caller_picked.xml 6251 -m 1 -s 1001 -key from 3001 -key tag nomem \
		-key contact_port 6251 -d 100 "$KADDR"
	until_ok 5 eval '[ "$(n_pickable 7001)" -eq 1 ]' || fail "the call did not ring" || return 1
	RING_CID=$(kc gcp.calls 7001 | sed -n 's/^[[:space:]]*callid: *//p' | head -n 1)
	party fill options.xml 6451 -m 1 -s "stress-fill-hole-$hole" -timeout 60s "$KADDR"
	sw_last || return 1
	echo "shm after filling: $(kc core.shmmem | tr -d '\n\t' | tr -s ' ')"
	klog_mark
	s0=$(pstats)
	party picker picker_refused.xml 6381 -m 1 -s 7001 -key contact_hdr "$contact" -key from 2001 \
		-key fromhost 127.0.0.1 -key totag "" "$KADDR"
	sw_last || return 1
	reply=$(final_reply picker)
	echo "the picker's reply: ${reply:-none}"
	klog_new | grep -E 'stress:|gcp|shared memory' | cut -c1-200 | head -n 8
	klog_new | grep -q 'stress: hole freed' || fail "the hole was not freed before gcp_pickup()" || return 1
	klog_new | grep -q 'gcp_ctx_new().*could not allocate shared memory' ||
		fail "no log line of gcp_ctx_new() failing (the hole of $hole bytes was too big or too small)" || return 1
	klog_new | grep -q 'stress: gcp_pickup() returned -1' || fail "gcp_pickup() did not return -1" || return 1
	expect "the picker's reply" "$reply" '^SIP/2.0 500 Pickup Failed$' || return 1
	# the claim is given back at once, with shm still exhausted
	if [ "$(n_calls 7001)" -ne 1 ] || [ "$(n_pickable 7001)" -ne 1 ] ||
		! kc gcp.calls 7001 | grep -qF "callid: $RING_CID"; then
		fail "the call is not pickable again after the failed pickup:"
		kc gcp.calls 7001
		return 1
	fi
	[ "$(st picked)" -eq "$(echo "$s0" | awk '{print $2}')" ] || fail "gcp:picked moved" || return 1
	# a pickup that claimed a call and could not deliver it is a failed one
	[ "$(st pickup_failed)" -eq $(($(echo "$s0" | awk '{print $4}') + 1)) ] ||
		fail "gcp:pickup_failed moved by $(($(st pickup_failed) - $(echo "$s0" | awk '{print $4}'))), not 1" || return 1
	party unfill options.xml 6451 -m 1 -s stress-unfill "$KADDR"
	sw_last || return 1
	echo "memory back: a pickup gets the call"
	klog_mark
	s1=$(pstats)
	party pphone picker_phone.xml 6352 -m 1
	party picker2 picker_inject.xml 6351 -m 1 -s 7001 -key from 2001 -key contact_port 6352 "$KADDR"
	sw || return 1
	picked_once inject picker2 || return 1
	pstats_moved "the pickup after" "$s1" "picked 1 failed 0 empty 0 denied 0" || return 1
	expect_no_calls || return 1
	k_alive || fail "kamailio is gone" || return 1
	if grep -E 'exited by a signal|BUG:|CRITICAL' "$KLOG" | grep -v 'pp_define'; then
		fail "the Kamailio log has crashes or bugs"
		return 1
	fi
	detail "gcp_ctx_new() failed (hole $hole bytes): 500 Pickup Failed, the call pickable again, then picked up"
}

# the same at the ring table: a failing allocator (call, then group)
t_ring_nomem() {
	local bin=$OUT/ring_nomem
	cc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-I"$ROOT/modules/gcp" -o "$bin" "$HERE/ring_nomem.c" "$ROOT/modules/gcp/gcp_ring.c" "$ROOT/modules/gcp/gcp_ring_index.c" "$ROOT/modules/gcp/gcp_ring_notes.c" -lpthread ||
		return 1
	"$bin"
}


# shm exhaustion: Kamailio with 16 MB of shm and a cfg of its own, then
# the ring table alone
checks_shm_exhaustion() {
	cp "$HERE/gcp.xml" "$OUT/gcp.xml"
	shm_cfg >"$OUT/kamailio-shm.cfg"
	if S_CFG=$OUT/kamailio-shm.cfg S_SHM_MB=16 S_FR_INV=30000 s_start inject; then
		t_check "shm exhaustion" t_shm_exhaustion
		t_check "shm exhaustion during a pickup" t_pickup_nomem
		s_stop
		cp "$KLOG" "$OUT/kamailio-shm.log"
	else
		t_fail "kamailio-start shm_exhaustion"
	fi
	t_check "shm exhaustion at the ring table" t_ring_nomem
}
