#!/usr/bin/env bash
# make bench, part 1: the ring table alone (bench/ring_bench.c built against
# modules/gcp/gcp_ring.c, -O2 as the module): ns per operation and bytes per
# ringing call at 10, 1,000 and 100,000 ringing calls over 10,000 groups,
# then instructions per operation under callgrind (counts that do not
# depend on the machine's load). The table is configured as the module's
# defaults configure it: hash_size 1024 (locks), max_calls 100,000 (which
# sets the bucket count, gcp_ring_buckets(); ring_bench reports it).
#
# Output: $RES/ring.json
set -eu
. "$(dirname "$0")/lib.sh"

RES=${BENCH_RESULTS:-$BROOT/bench/results}
SIZES=${BENCH_RING_SIZES:-"10 1000 100000"}
OPS=${BENCH_RING_OPS:-200000}
CG_OPS=${BENCH_RING_CG_OPS:-8000}
HASH_SIZE=${BENCH_RING_HASH_SIZE:-1024}
MAX_CALLS=${BENCH_RING_MAX_CALLS:-100000}
BIN=$OUT/ring_bench
mkdir -p "$RES"

gcc -std=gnu11 -O2 -g -Wall -Wextra -I"$BROOT/modules/gcp" -o "$BIN" \
	"$BROOT/bench/ring_bench.c" "$BROOT/modules/gcp/gcp_ring.c" "$BROOT/modules/gcp/gcp_ring_index.c" "$BROOT/modules/gcp/gcp_ring_notes.c" -lpthread

log "ring: timing at $SIZES ringing calls"
timing=$("$BIN" -q -o "$OPS" -s "$HASH_SIZE" -m "$MAX_CALLS" $SIZES)

cg=()
for n in $SIZES; do
	log "ring: callgrind at $n"
	f=$OUT/ring-cg.$n
	valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_steady \
		--callgrind-out-file="$f" "$BIN" -q -o "$CG_OPS" -s "$HASH_SIZE" -m "$MAX_CALLS" "$n" \
		>/dev/null 2>"$OUT/ring-cg.$n.log"
	cg+=("\"$n\": $(python3 "$BROOT/bench/callgrind_sum.py" calls "$f" bench_steady)")
done
{
	echo "{\"hash_size\": $HASH_SIZE, \"max_calls\": $MAX_CALLS, \"ops\": $OPS, \"callgrind_ops\": $CG_OPS,"
	echo " \"timing\": [$(paste -sd, <<<"$timing")],"
	echo " \"callgrind\": {$(IFS=,; echo "${cg[*]}")}}"
} | python3 -m json.tool >"$RES/ring.json"
log "ring: $RES/ring.json"
