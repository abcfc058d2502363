#!/usr/bin/env bash
# The counting and the assertions of every suite. Sourced; needs nothing
# else (tests/unit, tests/fuzz and tests/docs use it alone). A suite:
#
#   . tests/lib/check.sh
#   check "what is true" test -f something     # one PASS/FAIL line
#   ...
#   t_summary <suite>                          # "<suite>: N passed, N failed"
#
# tests/run-all.sh adds the summary lines up; a suite that prints none
# counts as failed.

passed=0
failed=0
# count one passed / failed test and print its line: t_pass <text...>
t_pass() {
	passed=$((passed + 1))
	echo "PASS $*"
}
t_fail() {
	failed=$((failed + 1))
	echo "FAIL $*"
}

# the failure tail: the last lines of a log, indented under a FAIL line:
# fail_tail <file> [lines, default 40]
fail_tail() {
	sed 's/^/    /' "$1" 2>/dev/null | tail -n "${2:-40}"
}

# the summary line that tests/run-all.sh parses; the exit code of a suite
t_summary() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# check <label> <command...>: a one-line check; the command runs in this
# shell (a SIPp party it starts stays ours), its output goes to $CHECK_LOG
# (default $OUT/last.log) and is shown when it fails. Knobs:
#   CHECK_PREFIX  what goes before the label: "<suite> " in the suites
#               whose lines name the suite (tests/suite.sh sets it)
#   CHECK_TAIL  lines shown (default 20)
#   CHECK_SHOW  the file shown instead of the output (smoke: Kamailio's log)
#   CHECK_ALL   a file every output is appended to
check() {
	local label=$1 log=${CHECK_LOG:-$OUT/last.log} rc=0
	shift
	if "$@" >"$log" 2>&1; then
		t_pass "${CHECK_PREFIX:-}$label"
	else
		rc=1
		t_fail "${CHECK_PREFIX:-}$label"
		fail_tail "${CHECK_SHOW:-$log}" "${CHECK_TAIL:-20}"
	fi
	[ -z "${CHECK_ALL:-}" ] || cat "$log" >>"$CHECK_ALL"
	return $rc
}

# t_run <dir> <function> [args...]: one test function in a subshell (set
# +e), in a fresh folder <dir> (T_DIR), its output in <dir>/test.log; the
# function's exit code
t_run() {
	T_DIR=$1
	shift
	rm -rf "$T_DIR"
	mkdir -p "$T_DIR"
	(
		set +e
		"$@"
	) >"$T_DIR/test.log" 2>&1
}

# run with retry-once: a test that fails is run once more (timing on a
# loaded machine); it passes only when the second attempt passes, and says
# so. retry_once <dir> <attempt command...>: the command makes <dir>; the
# first failed one is kept as <dir>.first. RETRY_NOTE: what to add to the
# PASS line (empty when the first attempt passed)
retry_once() {
	local dir=$1
	shift
	RETRY_NOTE=""
	"$@" && return 0
	rm -rf "$dir.first"
	mv "$dir" "$dir.first" 2>/dev/null
	sleep 2
	"$@" || return 1
	RETRY_NOTE=" (passed on the second attempt; first: $dir.first)"
}

# seconds since a start taken with $(date +%s.%N): t_secs <start>
t_secs() {
	echo "$(date +%s.%N) - $1" | bc
}

# ---- assertions (a test function's lines; each prints why it failed) ----

fail() {
	echo "  $*"
	return 1
}

# expect <what> <text> <regexp>
expect() {
	if ! grep -Eq -- "$3" <<<"$2"; then
		echo "  expected $1 to match /$3/, got:"
		echo "$2" | head -n 25 | sed 's/^/    /'
		return 1
	fi
}

expect_not() {
	if grep -Eq -- "$3" <<<"$2"; then
		echo "  expected $1 not to match /$3/, got:"
		echo "$2" | head -n 25 | sed 's/^/    /'
		return 1
	fi
}

# expect_each / expect_none <what> <text> <regexp...>: expect / expect_not
# for every regexp in turn, up to the first that fails
expect_list() {
	local check=$1 what=$2 text=$3 re
	shift 3
	for re; do
		"$check" "$what" "$text" "$re" || return 1
	done
}
expect_each() { expect_list expect "$@"; }
expect_none() { expect_list expect_not "$@"; }
