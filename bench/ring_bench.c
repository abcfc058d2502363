/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The ring table alone (no Kamailio): time per operation at a steady number
 * of ringing calls spread over 10,000 groups, and bytes per ringing call.
 *
 *   ring_bench [-o OPS] [-b BATCH] [-s HASH_SIZE] [-m MAX_CALLS] [-q] N...
 *
 * For each N: fill the table with N ringing calls (random groups among
 * 10,000), then run rounds that keep N steady: BATCH new calls are tracked,
 * made ringing (transaction index + 18x, as the module does on the first
 * relayed 18x), then the BATCH oldest ringing calls are claimed (by their
 * group, as a pickup does), forgotten (final reply) and detached (the
 * transaction is freed; the claimer's reference is dropped too). Each phase
 * of a round is timed as a whole (clock_gettime around BATCH operations);
 * ns per operation is the median over the rounds (robust to preemption on a
 * busy machine) and the mean.
 *
 * Memory: malloc and pthread mutexes stand in for shm_malloc and Kamailio's
 * lock set. The allocator callback counts the bytes the table asks for, so
 * "bytes per ringing call" is what the table requests (call + its share of
 * the group records), before the allocator's own per-block overhead.
 *
 * Under callgrind (-q, fewer ops), run with --collect-atstart=no
 * --toggle-collect=bench_steady: only the steady rounds are counted, and
 * the inclusive instruction count of each gcp_ring_* function divided by
 * the operations done gives instructions per operation.
 *
 * HASH_SIZE and MAX_CALLS are the module's hash_size and max_calls
 * parameters (defaults 1024 and 100,000, as in the module): hash_size is
 * the number of locks of each hash, max_calls sets the number of buckets
 * (gcp_ring_buckets()). The table is created as the module creates it,
 * with max_calls raised to N + BATCH when N is larger (the steady rounds
 * hold BATCH calls more than N); the bucket count used is in the output.
 *
 * Output: one JSON object per N on stdout.
 */

#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gcp_ring.h"

#define NGROUPS 10000
#define USAGE                                                              \
	"usage: ring_bench [-o OPS] [-b BATCH] [-s HASH_SIZE] [-m MAX_CALLS] " \
	"[-q] "                                                                \
	"N..."

/* ---- environment: malloc + pthread mutexes, counting requested bytes ---- */

typedef struct
{
	size_t size;
	size_t pad; /* keep the payload 16-byte aligned */
} hdr_t;

static size_t live_bytes, live_blocks;

static void *b_alloc(size_t size)
{
	hdr_t *h = malloc(sizeof(hdr_t) + size);
	if(!h)
		return NULL;
	h->size = size;
	live_bytes += size;
	live_blocks++;
	return h + 1;
}

static void b_release(void *p)
{
	hdr_t *h;
	if(!p)
		return;
	h = (hdr_t *)p - 1;
	live_bytes -= h->size;
	live_blocks--;
	free(h);
}

static pthread_mutex_t *locks;
static unsigned nslots = 1024;		/* the module's default hash_size */
static unsigned max_calls = 100000; /* the module's default max_calls */

static void b_lock(void *ctx, unsigned idx)
{
	(void)ctx;
	pthread_mutex_lock(&locks[idx]);
}

static void b_unlock(void *ctx, unsigned idx)
{
	(void)ctx;
	pthread_mutex_unlock(&locks[idx]);
}

/* ---- typical call strings ---- */

static uint64_t rng = 88172645463325252ull;
static inline uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

typedef struct
{
	char group[8], callee[8], caller[64], callid[64], ftag[24], contact[80];
	gcp_call_info_t info;
} strings_t;

/* a call of group g, number seq: sizes as a desk phone or a SIP trunk sends
 * them (Call-ID 40 bytes, From tag 16, URIs 30-45, To tag 16) */
static void make_call(strings_t *s, unsigned g, uint64_t seq)
{
	memset(&s->info, 0, sizeof(s->info));
	snprintf(s->group, sizeof(s->group), "%u", 70000 + g);
	snprintf(s->callee, sizeof(s->callee), "%u", 10000 + g);
	snprintf(s->caller, sizeof(s->caller), "sip:+1555%07u@pbx.example.com",
			(unsigned)(seq % 10000000));
	snprintf(s->callid, sizeof(s->callid), "%016llx%08x@192.0.2.10",
			(unsigned long long)(seq * 0x9e3779b97f4a7c15ull), (unsigned)seq);
	snprintf(s->ftag, sizeof(s->ftag), "%016llx",
			(unsigned long long)(seq ^ 0xa5a5a5a5ull));
	snprintf(s->contact, sizeof(s->contact),
			"sip:+1555%07u@192.0.2.10:5060;transport=udp",
			(unsigned)(seq % 10000000));
#define SET(f, v)                     \
	do {                              \
		s->info.s[f] = (v);           \
		s->info.len[f] = strlen((v)); \
	} while(0)
	SET(GCP_F_GROUP, s->group);
	SET(GCP_F_CALLEE, s->callee);
	SET(GCP_F_CALLER, s->caller);
	SET(GCP_F_CALLID, s->callid);
	SET(GCP_F_FROM_TAG, s->ftag);
	SET(GCP_F_CONTACT, s->contact);
#undef SET
}

static const char to_tag[] = "as6b8c1d2e3f4a5b"; /* 16 bytes */

/* ---- the bench ---- */

static gcp_ring_t *ring;
static gcp_call_t **fifo; /* live calls in ringing order (ring buffer) */
static size_t fifo_cap, fifo_head, fifo_n;
static uint64_t seq, now_ms = 1;
static unsigned tlabel;

static inline double ns_between(struct timespec *a, struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e9 + (b->tv_nsec - a->tv_nsec);
}

static void die(const char *what)
{
	fprintf(stderr, "ring_bench: %s\n", what);
	exit(1);
}

/* track one call and make it ring; appended to the fifo */
static void add_call(void)
{
	strings_t s;
	gcp_call_t *c;
	make_call(&s, (unsigned)(xorshift() % NGROUPS), ++seq);
	if(gcp_ring_track(ring, &s.info, now_ms, &c) != GCP_RING_OK)
		die("track failed");
	gcp_ring_index(ring, c, (unsigned)(seq & 0xffff), ++tlabel);
	if(gcp_ring_ringing(ring, c, to_tag, sizeof(to_tag) - 1, now_ms) != 1)
		die("ringing failed");
	fifo[(fifo_head + fifo_n++) % fifo_cap] = c;
	now_ms++;
}

enum
{
	PH_TRACK,
	PH_RINGING,
	PH_CLAIM,
	PH_FORGET,
	PH_DETACH,
	PH_N
};
static const char *ph_name[PH_N] = {
		"track", "ringing", "claim", "forget", "detach"};

static double *samples[PH_N];

/* BATCH steady rounds; noinline so that callgrind can toggle on it */
__attribute__((noinline)) void bench_steady(size_t rounds, unsigned batch)
{
	strings_t *s = malloc(batch * sizeof(*s));
	gcp_call_t **nc = malloc(batch * sizeof(*nc));
	gcp_call_t **cl = malloc(batch * sizeof(*cl));
	struct timespec t0, t1;

	for(size_t r = 0; r < rounds; r++) {
		/* strings of the new calls prepared outside the timed part */
		for(unsigned i = 0; i < batch; i++)
			make_call(&s[i], (unsigned)(xorshift() % NGROUPS), ++seq);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for(unsigned i = 0; i < batch; i++)
			if(gcp_ring_track(ring, &s[i].info, now_ms, &nc[i]) != GCP_RING_OK)
				die("track failed");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		samples[PH_TRACK][r] = ns_between(&t0, &t1) / batch;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for(unsigned i = 0; i < batch; i++) {
			gcp_ring_index(ring, nc[i], (unsigned)(seq & 0xffff), ++tlabel);
			gcp_ring_ringing(ring, nc[i], to_tag, sizeof(to_tag) - 1, now_ms);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		samples[PH_RINGING][r] = ns_between(&t0, &t1) / batch;
		now_ms++;

		/* pickups in the groups of the BATCH oldest ringing calls: they
		 * take exactly those calls (per group, oldest first) */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for(unsigned i = 0; i < batch; i++) {
			gcp_call_t *old = fifo[(fifo_head + i) % fifo_cap];
			size_t glen;
			const char *g = gcp_call_field(old, GCP_F_GROUP, &glen);
			cl[i] = gcp_ring_claim(ring, g, glen);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		samples[PH_CLAIM][r] = ns_between(&t0, &t1) / batch;
		for(unsigned i = 0; i < batch; i++)
			if(!cl[i])
				die("claim found nothing");

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for(unsigned i = 0; i < batch; i++)
			gcp_ring_forget(ring, cl[i]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		samples[PH_FORGET][r] = ns_between(&t0, &t1) / batch;

		/* the transaction goes (detach) and the pickup drops its
		 * reference: the call is freed */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for(unsigned i = 0; i < batch; i++) {
			gcp_ring_detach(ring, cl[i]);
			gcp_ring_unref(ring, cl[i]);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		samples[PH_DETACH][r] = ns_between(&t0, &t1) / batch;

		fifo_head = (fifo_head + batch) % fifo_cap;
		fifo_n -= batch;
		for(unsigned i = 0; i < batch; i++)
			fifo[(fifo_head + fifo_n++) % fifo_cap] = nc[i];
	}
	free(s);
	free(nc);
	free(cl);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t ops = 400000;
	unsigned batch = 8;
	int quiet = 0;
	int argi = 1;

	for(; argi < argc && argv[argi][0] == '-'; argi++) {
		if(strcmp(argv[argi], "-o") == 0 && argi + 1 < argc)
			ops = strtoul(argv[++argi], NULL, 10);
		else if(strcmp(argv[argi], "-b") == 0 && argi + 1 < argc)
			batch = (unsigned)strtoul(argv[++argi], NULL, 10);
		else if(strcmp(argv[argi], "-s") == 0 && argi + 1 < argc)
			nslots = (unsigned)strtoul(argv[++argi], NULL, 10);
		else if(strcmp(argv[argi], "-m") == 0 && argi + 1 < argc)
			max_calls = (unsigned)strtoul(argv[++argi], NULL, 10);
		else if(strcmp(argv[argi], "-q") == 0)
			quiet = 1;
		else
			die(USAGE);
	}
	if(argi >= argc || batch == 0 || nslots == 0)
		die(USAGE);

	locks = malloc(2 * nslots * sizeof(*locks));
	for(unsigned i = 0; i < 2 * nslots; i++)
		pthread_mutex_init(&locks[i], NULL);
	gcp_ring_env_t env = {b_alloc, b_release, b_lock, b_unlock, NULL};

	for(; argi < argc; argi++) {
		size_t n = strtoul(argv[argi], NULL, 10);
		size_t rounds = ops / batch;
		size_t base_bytes, base_blocks, call_bytes, group_bytes, ngroups;
		unsigned mc = max_calls;
		strings_t s;

		if(rounds == 0)
			rounds = 1;
		if(mc != 0 && n + batch > mc)
			mc = (unsigned)(n + batch);
		ring = gcp_ring_create(&env, nslots, mc);
		if(!ring)
			die("create failed");
		base_bytes = live_bytes;
		base_blocks = live_blocks;
		fifo_cap = n + batch + 1;
		fifo = malloc(fifo_cap * sizeof(*fifo));
		fifo_head = fifo_n = 0;
		for(size_t i = 0; i < n; i++)
			add_call();
		if(gcp_ring_pickable(ring) != n)
			die("fill: not all calls pickable");

		/* memory at N ringing: every call is one block, every group with
		 * calls one more */
		make_call(&s, 0, 1);
		call_bytes = gcp_ring_call_size(&s.info);
		ngroups = live_blocks - base_blocks - n;
		group_bytes = live_bytes - base_bytes - n * call_bytes;

		for(int p = 0; p < PH_N; p++)
			samples[p] = malloc(rounds * sizeof(double));
		bench_steady(rounds, batch);
		if(gcp_ring_pickable(ring) != n)
			die("steady: pickable count drifted");

		printf("{\"ringing\": %zu, \"groups\": %d, \"groups_with_calls\": %zu,"
			   " \"hash_size\": %u, \"max_calls\": %u, \"buckets\": %u,"
			   " \"batch\": %u, \"rounds\": %zu,",
				n, NGROUPS, ngroups, nslots, mc, gcp_ring_buckets(nslots, mc),
				batch, rounds);
		printf(" \"call_bytes\": %zu, \"group_bytes_total\": %zu,"
			   " \"bytes_per_call\": %.1f,",
				call_bytes, group_bytes,
				(double)(live_bytes - base_bytes) / (double)n);
		printf(" \"table_fixed_bytes\": %zu,", base_bytes);
		printf(" \"ns\": {");
		for(int p = 0; p < PH_N; p++) {
			double sum = 0;
			for(size_t r = 0; r < rounds; r++)
				sum += samples[p][r];
			qsort(samples[p], rounds, sizeof(double), cmp_d);
			printf("%s\"%s\": {\"median\": %.1f, \"mean\": %.1f,"
				   " \"p90\": %.1f}",
					p ? ", " : "", ph_name[p], samples[p][rounds / 2],
					sum / rounds, samples[p][rounds * 9 / 10]);
			free(samples[p]);
		}
		printf("}}\n");
		fflush(stdout);
		if(!quiet)
			fprintf(stderr, "ring_bench: %zu ringing done\n", n);

		/* empty the table (untimed) */
		while(fifo_n) {
			gcp_call_t *c = fifo[fifo_head];
			fifo_head = (fifo_head + 1) % fifo_cap;
			fifo_n--;
			gcp_ring_detach(ring, c);
		}
		gcp_ring_destroy(ring);
		free(fifo);
		if(live_blocks != 0)
			die("leak: blocks left after destroy");
	}
	return 0;
}
