#!/usr/bin/env bash
# The port map: every suite's Kamailio SIP port and the UDP ports its SIPp
# parties (and real clients) use, on 127.0.0.1. Suites on ports of their
# own run side by side (make test runs them one after the other; bench runs
# next to them). Sourced by tests/lib/kamailio.sh; a suite takes its
# Kamailio port from here unless GCP_TEST_KPORT is set.
#
#   suite     Kamailio  parties                                  voicemail
#   smoke     5060      5499                                     -
#   sipp      5070      5101-5499 (5<party><n>: 51xx members'   5099
#                       phones, 52xx callers and their UAs,
#                       53xx pickers, 54xx pickers' phones)
#   bench     5075      6500-6999 (more Kamailio: 6575...)       6999
#   rpc       5080      5600-5699                                5099
#   stress    5085      6150-6199 6250-6299 6350-6399 6450-6499  6199
#   valgrind  5085      the sipp suite's ports + 1050 (5101 ->   6199
#                       6151, 6H(xx+50)): the stress ranges; one
#                       run of the two at a time (a lock)
#   interop   5090      5700-5899 (SIP, RTP, SIPp control)       -
#   deb       5095      5911-5949 (tests of the sipp suite,      5099
#   kemi      5096      moved by load_sipp_test: 5<p>0<n> ->
#   prom      5097      59<p><n>; prom's HTTP on 5996)
#   cluster   5098      5500-5598 (550x members' phones, 551x-   5599
#             (on       552x callers, 553x-554x pickers,
#             127.0.0.2 555x-556x pickers' phones, 557x-558x
#             .3, .4)   watchers, registrations, KDMQ senders)
#
# KEMI_ALL=1 (tests/kemi) runs every test of the sipp suite with its ports
# + 1000 (6101-6499, voicemail 6099): not next to the stress suite.
# Every SIPp also binds media ports from 6000 upwards (-mp).

declare -gA K_PORTS=([smoke]=5060 [sipp]=5070 [bench]=5075 [rpc]=5080 [stress]=5085
	[valgrind]=5085 [interop]=5090 [deb]=5095 [kemi]=5096 [prom]=5097 [cluster]=5098)
declare -gA PARTY_PORTS=([smoke]="5499" [sipp]="5101-5499" [bench]="6500-6999"
	[rpc]="5600-5699" [stress]="6150-6199 6250-6299 6350-6399 6450-6499"
	[valgrind]="6150-6199 6250-6299 6350-6399 6450-6499" [interop]="5700-5899"
	[deb]="5911-5949" [kemi]="5911-5949" [prom]="5911-5949 5996" [cluster]="5500-5598")
declare -gA VM_PORTS=([sipp]=5099 [rpc]=5099 [deb]=5099 [kemi]=5099 [prom]=5099
	[stress]=6199 [valgrind]=6199 [bench]=6999 [cluster]=5599)

# sed expressions that move a test of the sipp suite (its function's text)
# to another suite's ports
# 5<p>0<n> -> 59<p><n> (tests/kstart.sh load_sipp_test: deb, kemi, prom)
PORTS_SIPP_TO_59='s/\b5([1-4])0([0-9])\b/59\1\2/g'
# + 1000, voicemail too (KEMI_ALL=1)
PORTS_SIPP_TO_6K='s/\b5([1-4][0-9][0-9]|099)\b/6\1/g'
# 5Hxx -> 6H(xx+50), 5099 -> 6199 (tests/stress/valgrind.sh)
PORTS_SIPP_TO_STRESS='s/\b5099\b/6199/g; s/\b5([1-4])([0-4])([0-9])\b/6\1@\2\3/g;
	s/6([0-4])@0/6\15/g; s/6([0-4])@1/6\16/g; s/6([0-4])@2/6\17/g;
	s/6([0-4])@3/6\18/g; s/6([0-4])@4/6\19/g'

# a suite's Kamailio port (the map's) and folder (tests/out-<suite>),
# unless GCP_TEST_KPORT / GCP_TEST_OUT give them: suite_env <suite> [folder]
suite_env() {
	export GCP_TEST_KPORT=${GCP_TEST_KPORT:-${K_PORTS[$1]}}
	export GCP_TEST_OUT=${GCP_TEST_OUT:-${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/out-$1}}
}

# one run of a suite at a time on its port and folder (make test from two
# shells would stop each other's Kamailio): the script runs again under
# flock, which holds the lock itself (-o), never Kamailio or SIPp.
# one_run <suite> <env var> <lock file> <seconds> <script> [args...]
one_run() {
	local suite=$1 var=$2 lock=$3 secs=$4 script=$5
	shift 5
	[ -z "${!var:-}" ] || return 0
	mkdir -p "$(dirname "$lock")"
	flock -n "$lock" true ||
		echo "$suite: another run is using $(dirname "$lock"): waiting for it"
	export "$var=1"
	exec flock -o -w "$secs" "$lock" bash "$script" "$@"
}

# suite_start <suite> <lock file name> <seconds> [args...]: the head of a
# suite that is run by its path (rpc, stress, valgrind): suite_env, then
# one run at a time in its folder (lock variable GCP_<SUITE>_LOCKED); from
# the script's folder
suite_start() {
	local suite=$1 lock=$2 secs=$3
	shift 3
	suite_env "$suite"
	one_run "$suite" "GCP_${suite^^}_LOCKED" "$GCP_TEST_OUT/$lock" "$secs" "$PWD/$(basename "$0")" "$@"
}

# the Kamailio port of a suite: k_port_of <suite>
k_port_of() { echo "${K_PORTS[$1]}"; }

# is a port in a suite's party ranges: port_in <suite> <port>
port_in() {
	local r lo hi
	for r in ${PARTY_PORTS[$1]}; do
		lo=${r%-*} hi=${r#*-}
		[ "$2" -ge "$lo" ] && [ "$2" -le "$hi" ] && return 0
	done
	return 1
}
