/*
 * shm exhaustion at the ring table: gcp_ring_track() with an allocator that
 * fails (the call's block, then the group's block) returns
 * GCP_RING_E_NOMEM, counts nothing, leaks nothing and leaves the table
 * working. Built and run by tests/stress/run.sh (ASan + UBSan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "gcp_ring.h"

static int fail_at = -1; /* the n-th allocation from now fails; -1 never */
static int live = 0;
static pthread_mutex_t locks[16];

static void *t_alloc(size_t size)
{
	if(fail_at == 0) {
		fail_at = -1;
		return NULL;
	}
	if(fail_at > 0)
		fail_at--;
	live++;
	return malloc(size);
}

static void t_release(void *p)
{
	if(p)
		live--;
	free(p);
}

static void t_lock(void *ctx, unsigned i)
{
	pthread_mutex_lock(&locks[i]);
}

static void t_unlock(void *ctx, unsigned i)
{
	pthread_mutex_unlock(&locks[i]);
}

static int failures = 0;
#define CHECK(cond)                                              \
	do {                                                         \
		if(!(cond)) {                                            \
			printf("FAILED line %d: %s\n", __LINE__, #cond);     \
			failures++;                                          \
		}                                                        \
	} while(0)

static void info(gcp_call_info_t *in, const char *group, const char *cid)
{
	static const char *f[GCP_F_COUNT] = {[GCP_F_GROUP] = "",
			[GCP_F_CALLEE] = "1001", [GCP_F_CALLER] = "sip:3001@127.0.0.1",
			[GCP_F_CALLID] = "", [GCP_F_FROM_TAG] = "ftag",
			[GCP_F_CONTACT] = "sip:3001@127.0.0.1:5060"};
	memset(in, 0, sizeof(*in));
	for(int i = 0; i < GCP_F_COUNT; i++) {
		in->s[i] = f[i] ? f[i] : "";
		in->len[i] = strlen(in->s[i]);
	}
	in->s[GCP_F_GROUP] = group;
	in->len[GCP_F_GROUP] = strlen(group);
	in->s[GCP_F_CALLID] = cid;
	in->len[GCP_F_CALLID] = strlen(cid);
}

int main(void)
{
	gcp_ring_env_t env = {t_alloc, t_release, t_lock, t_unlock, NULL};
	gcp_ring_t *ring;
	gcp_call_t *c = NULL, *d = NULL, *got;
	gcp_call_info_t in;
	int base;

	for(int i = 0; i < 16; i++)
		pthread_mutex_init(&locks[i], NULL);
	ring = gcp_ring_create(&env, 8, 0);
	CHECK(ring != NULL);
	base = live;

	/* the call's block fails */
	info(&in, "7001", "cid-1");
	fail_at = 0;
	CHECK(gcp_ring_track(ring, &in, 1, &c) == GCP_RING_E_NOMEM);
	CHECK(c == NULL);
	CHECK(gcp_ring_count(ring) == 0);
	CHECK(live == base);

	/* the call's block is there, its (new) group's block fails */
	fail_at = 1;
	CHECK(gcp_ring_track(ring, &in, 1, &c) == GCP_RING_E_NOMEM);
	CHECK(c == NULL);
	CHECK(gcp_ring_count(ring) == 0);
	CHECK(live == base);

	/* the table still works: track, ring, claim */
	CHECK(gcp_ring_track(ring, &in, 1, &c) == GCP_RING_OK);
	CHECK(gcp_ring_ringing(ring, c, "tt", 2, 2) == 1);
	/* a second call of the same group: only its own block, which fails */
	info(&in, "7001", "cid-2");
	fail_at = 0;
	CHECK(gcp_ring_track(ring, &in, 3, &d) == GCP_RING_E_NOMEM);
	CHECK(d == NULL);
	CHECK(gcp_ring_count(ring) == 1);
	got = gcp_ring_claim(ring, "7001", 4);
	CHECK(got == c);
	CHECK(gcp_ring_mark_picked(ring, got) == 1);
	gcp_ring_unref(ring, got);
	gcp_ring_detach(ring, c);
	CHECK(gcp_ring_count(ring) == 0);
	CHECK(live == base);
	gcp_ring_destroy(ring);
	CHECK(live == 0);
	if(failures == 0)
		printf("ring table: allocation failures of the call and of the group "
			   "return GCP_RING_E_NOMEM, count nothing and leak nothing\n");
	return failures ? 1 : 0;
}
