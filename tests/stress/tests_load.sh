#!/usr/bin/env bash
# The stress suite's load (tests/stress/run.sh sources this): STRESS_CALLS
# calls (inject), and the module's shm back where it was.

# STRESS_CALLS tracked calls that end picked up (10 %, inject, in batches of
# 100: all ring, then as many pickers), answered (35 %), cancelled by the
# caller (35 %) or timed out (20 %: FR_INV_TIMER, then voicemail), all at
# once at ~150 calls/s; then the module's shm is back where it was and
# gcp:ringing is 0
t_load() {
	local n=$STRESS_CALLS batch=100 nb npick nans ncan nto t0 p0 used0 used1 b rc=0
	nb=$((n / 10 / batch))
	[ "$nb" -ge 1 ] || nb=1
	npick=$((nb * batch))
	[ "$npick" -le "$n" ] || { npick=$n; batch=$n; }
	nans=$(((n - npick) * 7 / 18))
	ncan=$(((n - npick) * 7 / 18))
	nto=$((n - npick - nans - ncan))
	reg 1011 6161
	reg 1013 6163
	reg 1014 6164
	reg 1008 6158
	# the baseline: nothing left of the earlier tests
	until_ok 30 eval '[ "$(gcp_shm)" -eq "$IDLE0" ]' ||
		fail "before the load: gcp shm is $(gcp_shm), at start it was $IDLE0" || return 1
	used0=$(core_shm_used)
	t0=$(st tracked)
	p0=$(st picked)
	echo "calls: $npick picked ($nb batches of $batch), $nans answered, $ncan cancelled, $nto timed out"
	local NO_TRACE=1 SIPP_TIMEOUT=300 rate=${LOAD_RATE:-60}
	# (calls last 200 ms: with none, a BYE may overtake the ACK through
	# Kamailio's parallel workers, which the phones here would not take)
	party lm-ans member_answer.xml 6161 -m "$nans" -d 100
	party lc-ans caller_picked.xml 6261 -m "$nans" -r "$rate" -l 400 -s 1011 -key from 3011 \
		-key tag la -key contact_port 6261 -d 200 "$KADDR"
	party lm-can member_cancelled.xml 6163 -m "$ncan"
	party lc-can caller_cancel.xml 6263 -m "$ncan" -r "$rate" -l 400 -s 1013 -key from 3013 \
		-key tag lc -key contact_port 6263 -key supported "replaces, timer" -recv_timeout 1000 "$KADDR"
	party lm-to member_cancelled.xml 6164 -m "$nto"
	party vm voicemail.xml $VM_PORT -m "$nto" -d 100
	party lc-to caller_picked.xml 6264 -m "$nto" -r $((rate * 2 / 3)) -l 1000 -s 1014 -key from 3014 \
		-key tag lt -key contact_port 6264 -d 200 "$KADDR"
	# the calls to be picked ring on (a 180 every second) past FR_INV_TIMER
	party lm-pick member_ringing.xml 6158 -m "$npick"
	party lphone picker_phone.xml 6358 -m "$npick"
	for b in $(seq 1 "$nb"); do
		local cpid ppid
		sipp -sf "$SCEN/caller_picked.xml" -i 127.0.0.1 -p 6258 -m "$batch" -r 250 -l "$batch" \
			-s 1008 -key from 3008 -key fromhost 127.0.0.1 -key tag "lp$b" -key contact_port 6258 -d 200 -nostdin \
			-timeout 120s -timeout_error -trace_err -error_file "$T_DIR/lc-pick$b.err" \
			"$KADDR" >"$T_DIR/lc-pick$b.out" 2>&1 &
		cpid=$!
		if ! until_ok 30 eval '[ "$(n_pickable "*801")" -eq '"$batch"' ]'; then
			fail "batch $b: $(n_pickable '*801') of $batch calls ringing"
			kill "$cpid"
			rc=1
			break
		fi
		sipp -sf "$SCEN/picker_inject.xml" -i 127.0.0.1 -p 6368 -m "$batch" -r 250 -l "$batch" \
			-s '*801' -key from 2008 -key contact_port 6358 -nostdin \
			-timeout 120s -timeout_error -trace_err -error_file "$T_DIR/lpickers$b.err" \
			"$KADDR" >"$T_DIR/lpickers$b.out" 2>&1 &
		ppid=$!
		# a sample of the load: the module's shm and the calls ringing
		[ "$b" -eq $(((nb + 1) / 2)) ] && echo "during the load: gcp shm $(gcp_shm) bytes, gcp:ringing $(st ringing)"
		wait "$ppid" || { fail "batch $b: a picker failed"; tail -n 3 "$T_DIR/lpickers$b.err"; rc=1; }
		wait "$cpid" || { fail "batch $b: a picked caller failed"; tail -n 3 "$T_DIR/lc-pick$b.err"; rc=1; }
	done
	sw || rc=1
	[ "$rc" -eq 0 ] || return 1
	local tracked picked
	tracked=$(($(st tracked) - t0))
	picked=$(($(st picked) - p0))
	echo "tracked $tracked, picked $picked"
	[ "$tracked" -eq "$n" ] || fail "gcp:tracked grew by $tracked, not $n" || return 1
	[ "$picked" -eq "$npick" ] || fail "gcp:picked grew by $picked, not $npick" || return 1
	expect_no_calls || return 1
	[ "$(st ringing)" -eq 0 ] || fail "gcp:ringing is $(st ringing), not 0" || return 1
	# every call's memory goes with its transaction (tm's wait timer)
	local shm1
	until_ok 60 eval '[ "$(gcp_shm)" -eq "$IDLE0" ]'
	shm1=$(gcp_shm)
	used1=$(core_shm_used)
	echo "gcp shm: before $IDLE0, after $shm1; core real_used: before $used0, after $used1"
	number "load_calls $n"
	number "load_picked $picked"
	number "load_gcp_shm $IDLE0 $shm1"
	number "load_core_shm $used0 $used1"
	[ "$shm1" -eq "$IDLE0" ] || { fail "gcp shm after the load: $shm1 bytes, before: $IDLE0"; kc mod.stats gcp shm; return 1; }
	detail "$n calls: $picked picked, $nans answered, $ncan cancelled, $nto timed out; gcp shm $IDLE0 -> $shm1 bytes, gcp:ringing 0"
}


# the checks of this concern, in a mode: checks_load <mode>
checks_load() {
	[ "$1" = inject ] && t_check "load $STRESS_CALLS calls $1" t_load
}

# the numbers line of this concern
numbers_load() {
	local a b c d
	if read -r _ a b < <(grep '^load_gcp_shm ' "$NUMBERS"); then
		read -r _ c d < <(grep '^load_core_shm ' "$NUMBERS")
		echo "numbers: load: $(sed -n 's/^load_calls //p' "$NUMBERS") calls, $(sed -n 's/^load_picked //p' "$NUMBERS") picked; gcp shm $a -> $b bytes; core shm real_used $c -> $d bytes"
	fi
}
