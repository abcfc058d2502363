#!/usr/bin/env bash
# KEMI: Kamailio with cfg/kamailio-kemi.cfg, whose routing is the Lua script
# cfg/kamailio-lua.lua (app_lua, Debian's kamailio-lua-modules), passes the
# SIPp basic pickup of tests/sipp/tests_basic.sh in inject and in replaces
# mode, the gcp:picked event reaches the Lua callback (modparam
# event_callback), and the register, with_auth, autoanswer_stripped,
# spoofed_picker, no_password_picker, directed, Replaces and BLF tests of
# the SIPp suites pass too,
# and a Lua script that calls KSR.tm.t_newtran() before KSR.gcp.pickup().
# KEMI_ALL=1 runs every SIPp test in every mode instead. Ends "kemi: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
. tests/suite.sh kemi kemi
trap k_stop_cfg EXIT
load_basic_pickup

# the event: one log line per pickup, from ksr_gcp_event()
t_picked_event() {
	local i
	for i in $(seq 1 20); do
		grep -q "gcp: call .* from sip:3001@127.0.0.1 to 1001 in group 7001 picked up by sip:2001@127.0.0.1 (gcp:picked, kind group)" "$KLOG" && return 0
		sleep 0.1
	done
	echo "  no gcp:picked line from the Lua callback in $KLOG:"
	grep -i 'gcp\|error' "$KLOG" | tail -n 10 | sed 's/^/    /'
	return 1
}

# more of the SIPp suites, against the Lua routing: REGISTER (a group
# number is refused), and WITH_AUTH (digest authentication of local users)
load_sipp_test tests_flow.sh register
load_sipp_test tests_flow.sh with_auth
# and what the sample cfg guards against (tests/sipp/tests_cfg.sh):
# auto-answer headers from outside, pickups without credentials
load_sipp_test tests_cfg.sh autoanswer_stripped
load_sipp_test tests_cfg.sh spoofed_picker
load_sipp_test tests_cfg.sh no_password_picker
# directed pickup (**<member>, *8<member>) and the BLF key's Replaces,
# with the helpers of the suites they use (pick, ring_picked, final_of)
. tests/sipp/tests_cases.sh
. tests/sipp/tests_review.sh
load_sipp_test tests_directed.sh directed_code
load_sipp_test tests_directed.sh directed_star8
load_sipp_test tests_directed.sh replaces_pickup
load_sipp_test tests_directed.sh replaces_transfer_untouched
# the busy-lamp field: gcp's dialog-info through the Lua routing's
# presence server (tests_blf.sh gives Kamailio its presence database), a
# Yealink-like phone and a group key picking up from what they were told
load_sipp_test tests_blf.sh blf_yealink
load_sipp_test tests_blf.sh blf_group_key

# issue 11, item 6: a Lua script that creates the transaction itself
# (KSR.tm.t_newtran()) before KSR.gcp.pickup(): the pickup goes on with it
# (gcp used to return 0 then: the picker got no reply at all). Kamailio
# with that variant of the Lua script, the basic pickup, then the usual one.
t_newtran_first_kemi() {
	local lua=$OUT/kamailio-lua-newtran.lua r=0
	sed 's/^\(\t*\)local rc = KSR.gcp.pickup()$/\1KSR.tm.t_newtran()\n\1local rc = KSR.gcp.pickup()/' \
		cfg/kamailio-lua.lua >"$lua"
	grep -q 'KSR.tm.t_newtran()$' "$lua" || { echo "  the variant has no t_newtran()"; return 1; }
	k_start_cfg "$ROOT" cfg/kamailio-kemi.cfg -A "GCP_MODULE=\"$ROOT/modules/gcp/gcp.so\"" \
		-A "GCP_LUA=\"$lua\"" || return 1
	t_basic_pickup_59 || r=1
	k_start_cfg "$ROOT" cfg/kamailio-kemi.cfg -A "GCP_MODULE=\"$ROOT/modules/gcp/gcp.so\"" \
		-A "GCP_LUA=\"$ROOT/cfg/kamailio-lua.lua\"" || r=1
	return $r
}

# KEMI_ALL=1: every test of the SIPp suites (tests/sipp/tests_*.sh) in
# every mode, with the parties on 6101..6499 instead of 5101..5499 and
# voicemail on 6099 (some 10 minutes)
if [ "${KEMI_ALL:-0}" = 1 ]; then
	ALL_TESTS=""
	for f in tests_basic.sh tests_cases.sh tests_flow.sh tests_auto.sh tests_cfg.sh tests_review.sh tests_directed.sh; do . "tests/sipp/$f"; done
	for t in $ALL_TESTS; do
		eval "$(sipp_fn "$t" "t_$t" "$PORTS_SIPP_TO_6K")"
	done
	VM_HOST=127.0.0.1:6099
	modes="inject replaces auto auth"
else
	modes="inject replaces auth"
fi

for mode in $modes; do
	cp cfg/gcp.xml "$OUT/gcp.xml"
	defs=(-A "GCP_MODULE=\"$ROOT/modules/gcp/gcp.so\"" -A "GCP_LUA=\"$ROOT/cfg/kamailio-lua.lua\"")
	[ "$mode" = replaces ] && defs+=(-A GCP_REPLACES)
	[ "$mode" = auto ] && defs+=(-A GCP_AUTO)
	[ "$mode" = auth ] && defs+=(-A WITH_AUTH)
	if ! k_start_cfg "$ROOT" cfg/kamailio-kemi.cfg "${defs[@]}"; then
		t_fail "kemi kamailio-start $mode"
		continue
	fi
	if [ "${KEMI_ALL:-0}" = 1 ]; then
		for name in $ALL_TESTS; do
			# the modes of a test as tests/sipp/run.sh decides them
			if declare -F "modes_$name" >/dev/null; then
				"modes_$name" | grep -qw "$mode" || continue
			elif [ "$mode" = auth ]; then
				continue
			fi
			run_one "$mode/$name" "t_$name" "$mode"
		done
		[ "$mode" = inject ] && run_one "picked_event/$mode" t_picked_event "$mode"
	else
		case $mode in
		inject)
			run_one "basic_pickup/$mode" t_basic_pickup_59 "$mode"
			run_one "picked_event/$mode" t_picked_event "$mode"
			run_one "register/$mode" t_register_59 "$mode"
			run_one "autoanswer_stripped/$mode" t_autoanswer_stripped_59 "$mode"
			run_one "newtran_first/$mode" t_newtran_first_kemi "$mode"
			run_one "directed_code/$mode" t_directed_code_59 "$mode"
			run_one "directed_star8/$mode" t_directed_star8_59 "$mode"
			run_one "replaces_pickup/$mode" t_replaces_pickup_59 "$mode"
			run_one "replaces_transfer_untouched/$mode" t_replaces_transfer_untouched_59 "$mode"
			run_one "blf_yealink/$mode" t_blf_yealink_59 "$mode"
			run_one "blf_group_key/$mode" t_blf_group_key_59 "$mode"
			;;
		replaces)
			run_one "basic_pickup/$mode" t_basic_pickup_59 "$mode"
			;;
		auth)
			run_one "with_auth/$mode" t_with_auth_59 "$mode"
			run_one "spoofed_picker/$mode" t_spoofed_picker_59 "$mode"
			run_one "no_password_picker/$mode" t_no_password_picker_59 "$mode"
			;;
		esac
	fi
	k_stop_cfg
	cp "$KLOG" "$OUT/kamailio-$mode.log"
done

t_summary kemi
