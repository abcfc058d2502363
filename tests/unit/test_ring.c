/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of the ring table (gcp_ring.c). */

#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "check_util.h"
#include "gcp_ring.h"
#include "unit_util.h"

#define CALLER "sip:2001@example.org"
#define FROM_TAG "abcdefghij"
#define CONTACT "sip:2001@192.0.2.10:5060;transport=udp"

/* one call's strings; callid and group vary */
typedef struct tcall
{
	char callid[64];
	gcp_call_info_t info;
} tcall_t;

static void set_field(gcp_call_info_t *info, int f, const char *s)
{
	info->s[f] = s;
	info->len[f] = s ? strlen(s) : 0;
}

static void mk_info(tcall_t *t, const char *group, unsigned tindex,
		unsigned tlabel, int not_pickable)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->callid, sizeof(t->callid), "%08x-1111-2222-3333-%012x", tindex,
			tlabel);
	set_field(&t->info, GCP_F_GROUP, group);
	set_field(&t->info, GCP_F_CALLEE, "1001");
	set_field(&t->info, GCP_F_CALLER, CALLER);
	set_field(&t->info, GCP_F_CALLID, t->callid);
	set_field(&t->info, GCP_F_FROM_TAG, FROM_TAG);
	set_field(&t->info, GCP_F_CONTACT, CONTACT);
	t->info.tindex = tindex;
	t->info.tlabel = tlabel;
	t->info.has_tid = 1;
	t->info.not_pickable = not_pickable;
}

static gcp_call_t *track(gcp_ring_t *ring, const char *group, unsigned tindex,
		unsigned tlabel, int not_pickable, uint64_t now)
{
	tcall_t t;
	gcp_call_t *c = NULL;
	mk_info(&t, group, tindex, tlabel, not_pickable);
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, now, &c), GCP_RING_OK);
	ck_assert_ptr_nonnull(c);
	return c;
}

static gcp_call_t *claim(gcp_ring_t *ring, const char *group)
{
	return gcp_ring_claim(ring, group, strlen(group));
}

static int ring_tag(
		gcp_ring_t *ring, gcp_call_t *c, const char *tag, uint64_t now)
{
	return gcp_ring_ringing(ring, c, tag, strlen(tag), now);
}

static const char *field(const gcp_call_t *c, int f)
{
	return gcp_call_field(c, f, NULL);
}

/* fixture-like pair; every test ends with finish() */
static gcp_ring_env_t env;

static gcp_ring_t *start(unsigned nslots, unsigned max_calls)
{
	env = unit_env(nslots);
	gcp_ring_t *ring = gcp_ring_create(&env, nslots, max_calls);
	ck_assert_ptr_nonnull(ring);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	return ring;
}

static void finish(gcp_ring_t *ring)
{
	gcp_ring_destroy(ring);
	ck_assert_uint_eq(unit_live_allocs(&env), 0);
	unit_env_free(&env);
}

START_TEST(test_oldest_first)
{
	gcp_ring_t *ring = start(16, 0);
	gcp_call_t *a = track(ring, "7001", 1, 1, 0, 100);
	gcp_call_t *b = track(ring, "7001", 1, 2, 0, 110);
	gcp_call_t *c = track(ring, "7001", 1, 3, 0, 120);
	gcp_call_t *d = track(ring, "7001", 1, 4, 0, 130);
	gcp_call_t *e = track(ring, "7001", 1, 5, 0, 140);

	/* ringing order differs from tracking order; b never rings */
	ck_assert_int_eq(ring_tag(ring, d, "tag-d", 200), 1);
	ck_assert_int_eq(ring_tag(ring, a, "tag-a", 210), 1);
	ck_assert_int_eq(ring_tag(ring, c, "tag-c", 220), 1);
	/* a ringing time older than the tail goes before it */
	ck_assert_int_eq(ring_tag(ring, e, "tag-e", 215), 1);
	ck_assert_int_eq(ring_tag(ring, d, "again", 300), 0);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 4);

	ck_assert_ptr_eq(claim(ring, "7001"), d);
	ck_assert_str_eq(field(d, GCP_F_TO_TAG), "tag-d");
	ck_assert_ptr_eq(claim(ring, "7001"), a);
	ck_assert_ptr_eq(claim(ring, "7001"), e);
	ck_assert_ptr_eq(claim(ring, "7001"), c);
	ck_assert_ptr_null(claim(ring, "7001"));
	ck_assert_int_eq(gcp_ring_state(ring, b), GCP_CALL_TRACKED);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 0);

	gcp_call_t *all[] = {a, c, d, e};
	for(int i = 0; i < 4; i++)
		gcp_ring_unref(ring, all[i]);
	for(int i = 0; i < 4; i++)
		gcp_ring_detach(ring, all[i]);
	gcp_ring_detach(ring, b);
	ck_assert_uint_eq(gcp_ring_count(ring), 0);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	finish(ring);
}
END_TEST

START_TEST(test_claim_none)
{
	gcp_ring_t *ring = start(8, 0);
	ck_assert_ptr_null(claim(ring, "7001"));
	gcp_call_t *t = track(ring, "7001", 2, 1, 0, 10);
	gcp_call_t *b = track(ring, "7001", 2, 2, 5, 11);
	ck_assert_int_eq(gcp_ring_state(ring, b), GCP_CALL_BLOCKED);
	/* a blocked call stays blocked when it rings */
	ck_assert_int_eq(ring_tag(ring, b, "tb", 20), 0);
	ck_assert_int_eq(gcp_ring_state(ring, b), GCP_CALL_BLOCKED);
	ck_assert_ptr_null(claim(ring, "7001"));
	ck_assert_ptr_null(claim(ring, "7002"));
	ck_assert_ptr_null(gcp_ring_claim(ring, "7001", 0));
	ck_assert_ptr_null(gcp_ring_claim(ring, NULL, 4));
	ck_assert_uint_eq(gcp_ring_count(ring), 2);
	gcp_ring_detach(ring, t);
	gcp_ring_detach(ring, b);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	finish(ring);
}
END_TEST

START_TEST(test_claim_once)
{
	gcp_ring_t *ring = start(8, 0);
	gcp_call_t *a = track(ring, "7001", 3, 1, 0, 10);
	ck_assert_int_eq(ring_tag(ring, a, "ta", 20), 1);
	gcp_call_t *got = claim(ring, "7001");
	ck_assert_ptr_eq(got, a);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_CLAIMED);
	ck_assert_int_eq(a->refcnt, 2);
	ck_assert_ptr_null(claim(ring, "7001"));
	/* a claimed call does not ring again */
	ck_assert_int_eq(ring_tag(ring, a, "tb", 30), 0);
	ck_assert_ptr_null(claim(ring, "7001"));
	gcp_ring_unref(ring, got);
	gcp_ring_detach(ring, a);
	finish(ring);
}
END_TEST

START_TEST(test_release)
{
	gcp_ring_t *ring = start(8, 0);
	gcp_call_t *a = track(ring, "7001", 4, 1, 0, 10);
	gcp_call_t *b = track(ring, "7001", 4, 2, 0, 11);
	gcp_call_t *c = track(ring, "7001", 4, 3, 0, 12);
	ring_tag(ring, a, "ta", 100);
	ring_tag(ring, b, "tb", 200);
	ring_tag(ring, c, "tc", 300);

	ck_assert_ptr_eq(claim(ring, "7001"), a);
	ck_assert_int_eq(gcp_ring_release(ring, a), 1);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_RINGING);
	ck_assert_int_eq(gcp_ring_release(ring, a), 0); /* not claimed now */
	gcp_ring_unref(ring, a);
	ck_assert_ptr_eq(claim(ring, "7001"), a); /* first again */

	/* two out, given back in the other order: same order as before */
	ck_assert_ptr_eq(claim(ring, "7001"), b);
	ck_assert_int_eq(gcp_ring_release(ring, b), 1);
	ck_assert_int_eq(gcp_ring_release(ring, a), 1);
	gcp_ring_unref(ring, a);
	gcp_ring_unref(ring, b);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 3);
	ck_assert_ptr_eq(claim(ring, "7001"), a);
	ck_assert_ptr_eq(claim(ring, "7001"), b);
	ck_assert_ptr_eq(claim(ring, "7001"), c);

	/* b back while a and c are out, then a: a before b */
	ck_assert_int_eq(gcp_ring_release(ring, b), 1);
	ck_assert_int_eq(gcp_ring_release(ring, c), 1);
	ck_assert_int_eq(gcp_ring_release(ring, a), 1);
	gcp_ring_unref(ring, a);
	gcp_ring_unref(ring, b);
	gcp_ring_unref(ring, c);
	ck_assert_ptr_eq(claim(ring, "7001"), a);
	ck_assert_ptr_eq(claim(ring, "7001"), b);
	ck_assert_ptr_eq(claim(ring, "7001"), c);

	/* forgotten while claimed: no way back */
	gcp_ring_forget(ring, c);
	ck_assert_int_eq(gcp_ring_release(ring, c), 0);
	ck_assert_int_eq(gcp_ring_state(ring, c), GCP_CALL_ENDED);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, c), 0);

	gcp_ring_unref(ring, a);
	gcp_ring_unref(ring, b);
	gcp_ring_unref(ring, c);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	gcp_ring_detach(ring, c);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	finish(ring);
}
END_TEST

START_TEST(test_mark_picked)
{
	gcp_ring_t *ring = start(8, 0);
	gcp_call_t *a = track(ring, "7001", 5, 1, 0, 10);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, a), 0); /* tracked */
	ring_tag(ring, a, "ta", 20);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, a), 0); /* ringing */
	ck_assert_ptr_eq(claim(ring, "7001"), a);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, a), 1);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, a), 0);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_PICKED);
	ck_assert_int_eq(gcp_ring_release(ring, a), 0);
	ck_assert_int_eq(gcp_ring_block(ring, a, 1), 0);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_PICKED);
	ck_assert_uint_eq(gcp_ring_count(ring), 1);
	gcp_ring_forget(ring, a);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_PICKED);
	gcp_ring_forget(ring, a);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_PICKED);
	ck_assert_uint_eq(gcp_ring_count(ring), 0);
	ck_assert_uint_eq(a->was_claimed, 1);
	gcp_ring_unref(ring, a);
	gcp_ring_detach(ring, a);
	finish(ring);
}
END_TEST

START_TEST(test_forget)
{
	gcp_ring_t *ring = start(8, 0);
	gcp_call_t *a = track(ring, "7001", 6, 1, 0, 10);
	gcp_call_t *b = track(ring, "7001", 6, 2, 0, 11);
	ring_tag(ring, a, "ta", 20);
	ring_tag(ring, b, "tb", 21);
	ck_assert_uint_eq(gcp_ring_count(ring), 2);
	gcp_ring_forget(ring, a);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_ENDED);
	ck_assert_uint_eq(gcp_ring_count(ring), 1);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 1);
	gcp_ring_forget(ring, a);
	ck_assert_uint_eq(gcp_ring_count(ring), 1);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 1);
	ck_assert_int_eq(gcp_ring_block(ring, a, 1), 0);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_ENDED);
	ck_assert_ptr_eq(claim(ring, "7001"), b);
	gcp_ring_unref(ring, b);
	/* the group goes with its last call, and comes back */
	gcp_ring_forget(ring, b);
	ck_assert_uint_eq(unit_live_allocs(&env), 3); /* ring + 2 calls */
	gcp_call_t *c = track(ring, "7001", 6, 3, 0, 30);
	ck_assert_uint_eq(unit_live_allocs(&env), 5);
	ring_tag(ring, c, "tc", 31);
	ck_assert_ptr_eq(claim(ring, "7001"), c);
	gcp_ring_unref(ring, c);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	gcp_ring_detach(ring, c);
	finish(ring);
}
END_TEST

START_TEST(test_detach_frees)
{
	gcp_ring_t *ring = start(8, 0);
	gcp_call_t *a = track(ring, "7001", 7, 1, 0, 10);
	ck_assert_uint_eq(unit_live_allocs(&env), 3); /* ring, group, call */
	gcp_ring_detach(ring, a);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);

	/* detached while claimed: freed only at the claimer's unref */
	gcp_call_t *b = track(ring, "7001", 7, 2, 0, 20);
	ring_tag(ring, b, "tb", 21);
	ck_assert_ptr_eq(claim(ring, "7001"), b);
	gcp_ring_detach(ring, b);
	ck_assert_uint_eq(unit_live_allocs(&env), 2); /* ring, call */
	ck_assert_uint_eq(gcp_ring_count(ring), 0);
	ck_assert_int_eq(gcp_ring_state(ring, b), GCP_CALL_ENDED);
	ck_assert_str_eq(
			field(b, GCP_F_CALLID), "00000007-1111-2222-3333-000000000002");
	ck_assert_int_eq(gcp_ring_release(ring, b), 0);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, b), 0);
	ck_assert_ptr_null(gcp_ring_find(ring, 7, 2));
	gcp_ring_unref(ring, b);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);

	/* a find reference too */
	gcp_call_t *c = track(ring, "7001", 7, 3, 0, 30);
	ck_assert_ptr_eq(gcp_ring_find(ring, 7, 3), c);
	gcp_ring_ref(ring, c);
	gcp_ring_detach(ring, c);
	gcp_ring_unref(ring, c);
	ck_assert_uint_eq(unit_live_allocs(&env), 2);
	gcp_ring_unref(ring, c);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	finish(ring);
}
END_TEST

START_TEST(test_destroy_frees_all)
{
	gcp_ring_t *ring = start(4, 0);
	gcp_call_t *a = track(ring, "7001", 8, 1, 0, 10);
	track(ring, "7002", 8, 2, 0, 11);
	track(ring, "7003", 8, 3, 1, 12);
	ring_tag(ring, a, "ta", 20);
	/* forgotten but not detached: still in the index */
	gcp_ring_forget(ring, a);
	ck_assert_uint_eq(unit_live_allocs(&env), 6);
	finish(ring);
}
END_TEST

START_TEST(test_group_isolation)
{
	/* one slot: every group shares the bucket and the lock */
	gcp_ring_t *ring = start(1, 0);
	static const char *groups[] = {"7001", "7002", "*800", "#12", "7010"};
	enum
	{
		NG = 5,
		PER = 4
	};
	gcp_call_t *calls[NG][PER];
	uint64_t now = 100;

	for(int k = 0; k < PER; k++)
		for(int g = 0; g < NG; g++)
			calls[g][k] = track(ring, groups[g], g, k, 0, now++);
	/* only groups 0 and 1 ring; group 2 rings half */
	for(int k = 0; k < PER; k++) {
		ring_tag(ring, calls[0][k], "t0", now++);
		ring_tag(ring, calls[1][k], "t1", now++);
		if(k % 2)
			ring_tag(ring, calls[2][k], "t2", now++);
	}
	ck_assert_ptr_null(claim(ring, "7003"));
	ck_assert_ptr_null(claim(ring, "7010"));
	ck_assert_ptr_null(claim(ring, "700"));
	ck_assert_ptr_null(claim(ring, "70011"));
	for(int k = 0; k < PER; k++) {
		gcp_call_t *c = claim(ring, "7002");
		ck_assert_ptr_eq(c, calls[1][k]);
		ck_assert_str_eq(field(c, GCP_F_GROUP), "7002");
		gcp_ring_unref(ring, c);
	}
	ck_assert_ptr_null(claim(ring, "7002"));
	ck_assert_ptr_eq(claim(ring, "*800"), calls[2][1]);
	ck_assert_ptr_eq(claim(ring, "*800"), calls[2][3]);
	ck_assert_ptr_null(claim(ring, "*800"));
	gcp_ring_unref(ring, calls[2][1]);
	gcp_ring_unref(ring, calls[2][3]);
	ck_assert_uint_eq(gcp_ring_pickable(ring), PER);
	/* forgetting a whole group leaves the others alone */
	for(int k = 0; k < PER; k++)
		gcp_ring_forget(ring, calls[3][k]);
	ck_assert_ptr_null(claim(ring, "#12"));
	ck_assert_ptr_eq(claim(ring, "7001"), calls[0][0]);
	gcp_ring_unref(ring, calls[0][0]);
	ck_assert_uint_eq(gcp_ring_count(ring), (NG - 1) * PER);
	for(int g = 0; g < NG; g++)
		for(int k = 0; k < PER; k++)
			gcp_ring_detach(ring, calls[g][k]);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	finish(ring);
}
END_TEST

START_TEST(test_find)
{
	/* one bucket (one lock, max_calls 4): the lookup must compare both
	 * keys */
	gcp_ring_t *ring = start(1, 4);
	gcp_call_t *a = track(ring, "7001", 1234, 5, 0, 10);
	gcp_call_t *b = track(ring, "7001", 1234, 6, 0, 11);
	gcp_call_t *c = track(ring, "7002", 99, 5, 0, 12);

	gcp_call_t *f = gcp_ring_find(ring, 1234, 5);
	ck_assert_ptr_eq(f, a);
	ck_assert_int_eq(a->refcnt, 2);
	gcp_ring_unref(ring, f);
	ck_assert_ptr_eq(gcp_ring_find(ring, 1234, 6), b);
	gcp_ring_unref(ring, b);
	ck_assert_ptr_eq(gcp_ring_find(ring, 99, 5), c);
	gcp_ring_unref(ring, c);
	ck_assert_ptr_null(gcp_ring_find(ring, 1234, 7));
	ck_assert_ptr_null(gcp_ring_find(ring, 5, 1234));
	/* forgotten: still found by its transaction until detached */
	gcp_ring_forget(ring, b);
	f = gcp_ring_find(ring, 1234, 6);
	ck_assert_ptr_eq(f, b);
	ck_assert_int_eq(gcp_ring_state(ring, f), GCP_CALL_ENDED);
	gcp_ring_unref(ring, f);
	gcp_ring_detach(ring, b);
	ck_assert_ptr_null(gcp_ring_find(ring, 1234, 6));
	ck_assert_ptr_eq(gcp_ring_find(ring, 1234, 5), a);
	gcp_ring_unref(ring, a);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, c);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	finish(ring);
}
END_TEST

START_TEST(test_buckets)
{
	/* about four calls per bucket at max_calls, a power of two */
	ck_assert_uint_eq(gcp_ring_buckets(1024, 100000), 32768);
	ck_assert_uint_eq(gcp_ring_buckets(16, 4000), 1024);
	/* never fewer than locks; a multiple of the locks */
	ck_assert_uint_eq(gcp_ring_buckets(1024, 10), 1024);
	ck_assert_uint_eq(gcp_ring_buckets(1, 4), 1);
	ck_assert_uint_eq(gcp_ring_buckets(1000, 100000) % 1000, 0);
	ck_assert_uint_ge(gcp_ring_buckets(1000, 100000), 32768);
	ck_assert_uint_eq(gcp_ring_buckets(3, 0) % 3, 0);
	/* bounded: no limit and huge limits */
	ck_assert_uint_eq(gcp_ring_buckets(1024, 0), 16384);
	ck_assert_uint_eq(
			gcp_ring_buckets(1024, 4000000000u), GCP_RING_MAX_BUCKETS);
	ck_assert_uint_eq(
			gcp_ring_buckets(GCP_RING_MAX_BUCKETS, 0), GCP_RING_MAX_BUCKETS);
	/* too many locks */
	env = unit_env(1);
	ck_assert_ptr_null(gcp_ring_create(&env, GCP_RING_MAX_BUCKETS + 1, 0));
	ck_assert_ptr_null(gcp_ring_create(&env, 0, 0));
	ck_assert_uint_eq(unit_live_allocs(&env), 0);
	unit_env_free(&env);
}
END_TEST

START_TEST(test_detach_chain)
{
	/* one transaction-index bucket: unlinking from the head, the middle
	 * and the tail of its chain keeps every other call findable */
	enum
	{
		N = 7
	};
	gcp_ring_t *ring = start(1, 8);
	gcp_call_t *c[N];
	const int order[N] = {3, 6, 0, 4, 1, 5, 2};
	int gone[N] = {0};

	for(int i = 0; i < N; i++)
		c[i] = track(ring, i % 2 ? "7001" : "7002", 10 + i, 1, 0, 100 + i);
	for(int k = 0; k < N; k++) {
		gcp_ring_detach(ring, c[order[k]]);
		gone[order[k]] = 1;
		for(int i = 0; i < N; i++) {
			gcp_call_t *f = gcp_ring_find(ring, 10 + i, 1);
			if(gone[i]) {
				ck_assert_ptr_null(f);
			} else {
				ck_assert_ptr_eq(f, c[i]);
				gcp_ring_unref(ring, f);
			}
		}
		/* the ring, the calls left and their groups */
		unsigned live = 1, groups[2] = {0, 0};
		for(int i = 0; i < N; i++)
			if(!gone[i]) {
				live++;
				groups[i % 2] = 1;
			}
		ck_assert_uint_eq(unit_live_allocs(&env), live + groups[0] + groups[1]);
	}
	ck_assert_uint_eq(gcp_ring_count(ring), 0);
	finish(ring);
}
END_TEST

START_TEST(test_index_later)
{
	gcp_ring_t *ring = start(4, 0);
	tcall_t t;
	gcp_call_t *a = NULL, *b = NULL;

	mk_info(&t, "7001", 0, 0, 0);
	t.info.has_tid = 0;
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 10, &a), GCP_RING_OK);
	ck_assert_ptr_null(gcp_ring_find(ring, 0, 0));
	gcp_ring_index(ring, a, 77, 3);
	ck_assert_ptr_eq(gcp_ring_find(ring, 77, 3), a);
	gcp_ring_unref(ring, a);
	/* once indexed, a second call changes nothing */
	gcp_ring_index(ring, a, 78, 4);
	ck_assert_ptr_null(gcp_ring_find(ring, 78, 4));
	ck_assert_ptr_eq(gcp_ring_find(ring, 77, 3), a);
	gcp_ring_unref(ring, a);
	ck_assert_uint_eq(a->tindex, 77);
	/* indexed at track time: index is a no-op */
	b = track(ring, "7001", 5, 6, 0, 11);
	gcp_ring_index(ring, b, 5, 7);
	ck_assert_ptr_null(gcp_ring_find(ring, 5, 7));
	gcp_ring_detach(ring, a);
	ck_assert_ptr_null(gcp_ring_find(ring, 77, 3));
	gcp_ring_detach(ring, b);
	/* never indexed: detach still frees */
	mk_info(&t, "7002", 9, 9, 0);
	t.info.has_tid = 0;
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 12, &a), GCP_RING_OK);
	ck_assert_ptr_null(gcp_ring_find(ring, 9, 9));
	gcp_ring_detach(ring, a);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	/* destroy frees a tracked call that was never indexed */
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 12, &a), GCP_RING_OK);
	finish(ring);
}
END_TEST

START_TEST(test_bounds)
{
	gcp_ring_t *ring = start(8, 0);
	static const struct
	{
		int field;
		size_t max;
	} lim[] = {{GCP_F_GROUP, GCP_RING_MAX_NUMBER},
			{GCP_F_CALLEE, GCP_RING_MAX_USER}, {GCP_F_CALLER, GCP_RING_MAX_URI},
			{GCP_F_CALLID, GCP_RING_MAX_CALLID},
			{GCP_F_FROM_TAG, GCP_RING_MAX_TAG},
			{GCP_F_CONTACT, GCP_RING_MAX_URI}};
	char big[GCP_RING_MAX_URI + 2];
	tcall_t t;
	gcp_call_t *c;

	memset(big, '7', sizeof(big));
	for(size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		mk_info(&t, "7001", 9, (unsigned)i, 0);
		t.info.s[lim[i].field] = big;
		t.info.len[lim[i].field] = lim[i].max + 1;
		c = NULL;
		ck_assert_int_eq(
				gcp_ring_track(ring, &t.info, 10, &c), GCP_RING_E_TOO_LONG);
		ck_assert_ptr_null(c);
		ck_assert_uint_eq(unit_live_allocs(&env), 1);
		/* at the limit it fits, stored whole */
		t.info.len[lim[i].field] = lim[i].max;
		ck_assert_int_eq(gcp_ring_track(ring, &t.info, 10, &c), GCP_RING_OK);
		size_t len = 0;
		const char *s = gcp_call_field(c, lim[i].field, &len);
		ck_assert_uint_eq(len, lim[i].max);
		ck_assert_int_eq(memcmp(s, big, len), 0);
		ck_assert_int_eq(s[len], '\0');
		gcp_ring_detach(ring, c);
		ck_assert_uint_eq(unit_live_allocs(&env), 1);
	}

	/* required strings */
	static const int req[] = {GCP_F_GROUP, GCP_F_CALLID, GCP_F_FROM_TAG};
	for(int i = 0; i < 3; i++) {
		mk_info(&t, "7001", 9, 100, 0);
		t.info.len[req[i]] = 0;
		ck_assert_int_eq(
				gcp_ring_track(ring, &t.info, 10, &c), GCP_RING_E_INVAL);
		t.info.len[req[i]] = 3;
		t.info.s[req[i]] = NULL;
		ck_assert_int_eq(
				gcp_ring_track(ring, &t.info, 10, &c), GCP_RING_E_INVAL);
	}
	ck_assert_int_eq(gcp_ring_track(ring, NULL, 10, &c), GCP_RING_E_INVAL);
	/* optional ones may be empty */
	mk_info(&t, "7001", 9, 101, 0);
	set_field(&t.info, GCP_F_CONTACT, NULL);
	set_field(&t.info, GCP_F_CALLEE, "");
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 10, &c), GCP_RING_OK);
	ck_assert_str_eq(field(c, GCP_F_CONTACT), "");
	ck_assert_str_eq(field(c, GCP_F_CALLEE), "");
	ck_assert_str_eq(field(c, GCP_F_TO_TAG), "");
	ck_assert_str_eq(field(c, GCP_F_CALLER), CALLER);
	gcp_ring_detach(ring, c);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	finish(ring);
}
END_TEST

START_TEST(test_too_long_names_field)
{
	tcall_t t;
	size_t limit = 0;
	char tag[GCP_RING_MAX_TAG + 2];

	mk_info(&t, "7001", 1, 1, 0);
	ck_assert_int_eq(gcp_ring_too_long(&t.info, &limit), -1);
	memset(tag, 't', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	set_field(&t.info, GCP_F_FROM_TAG, tag);
	ck_assert_int_eq(gcp_ring_too_long(&t.info, &limit), GCP_F_FROM_TAG);
	ck_assert_uint_eq(limit, GCP_RING_MAX_TAG);
	/* at the limit: fine */
	t.info.len[GCP_F_FROM_TAG] = GCP_RING_MAX_TAG;
	ck_assert_int_eq(gcp_ring_too_long(&t.info, &limit), -1);
	/* the first one over its limit is named */
	t.info.len[GCP_F_CALLER] = GCP_RING_MAX_URI + 1;
	t.info.len[GCP_F_CONTACT] = GCP_RING_MAX_URI + 1;
	ck_assert_int_eq(gcp_ring_too_long(&t.info, &limit), GCP_F_CALLER);
	ck_assert_uint_eq(limit, GCP_RING_MAX_URI);
	ck_assert_int_eq(gcp_ring_too_long(NULL, &limit), -1);
}
END_TEST

START_TEST(test_max_calls)
{
	gcp_ring_t *ring = start(8, 3);
	gcp_call_t *a = track(ring, "7001", 10, 1, 0, 10);
	gcp_call_t *b = track(ring, "7002", 10, 2, 0, 10);
	gcp_call_t *c = track(ring, "7001", 10, 3, 1, 10);
	tcall_t t;
	gcp_call_t *d = NULL;
	size_t live = unit_live_allocs(&env);

	mk_info(&t, "7003", 10, 4, 0);
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 10, &d), GCP_RING_E_FULL);
	ck_assert_ptr_null(d);
	ck_assert_uint_eq(unit_live_allocs(&env), live);
	ck_assert_uint_eq(gcp_ring_count(ring), 3);
	/* a forgotten call leaves room, even before it is detached */
	gcp_ring_forget(ring, b);
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 10, &d), GCP_RING_OK);
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 10, &d), GCP_RING_E_FULL);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	gcp_ring_detach(ring, c);
	gcp_ring_detach(ring, d);
	ck_assert_uint_eq(gcp_ring_count(ring), 0);
	finish(ring);
}
END_TEST

START_TEST(test_to_tag_too_long)
{
	gcp_ring_t *ring = start(8, 0);
	char tag[GCP_RING_MAX_TAG + 2];
	gcp_call_t *a = track(ring, "7001", 11, 1, 0, 10);
	gcp_call_t *b = track(ring, "7001", 11, 2, 0, 11);

	memset(tag, 'x', sizeof(tag));
	ck_assert_int_eq(gcp_ring_ringing(ring, a, tag, GCP_RING_MAX_TAG + 1, 20),
			GCP_RING_E_TOO_LONG);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_BLOCKED);
	ck_assert_ptr_null(claim(ring, "7001"));
	ck_assert_int_eq(gcp_ring_ringing(ring, a, "short", 5, 21), 0);
	ck_assert_int_eq(gcp_ring_release(ring, a), 0);
	ck_assert_ptr_null(claim(ring, "7001"));
	ck_assert_uint_eq(gcp_ring_pickable(ring), 0);
	/* the longest allowed tag is kept whole */
	ck_assert_int_eq(gcp_ring_ringing(ring, b, tag, GCP_RING_MAX_TAG, 22), 1);
	ck_assert_ptr_eq(claim(ring, "7001"), b);
	size_t len;
	const char *s = gcp_call_field(b, GCP_F_TO_TAG, &len);
	ck_assert_uint_eq(len, GCP_RING_MAX_TAG);
	ck_assert_int_eq(memcmp(s, tag, len), 0);
	ck_assert_int_eq(s[len], '\0');
	/* the next field is intact */
	ck_assert_str_eq(field(b, GCP_F_CONTACT), CONTACT);
	ck_assert_ptr_null(claim(ring, "7001"));
	gcp_ring_unref(ring, b);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	finish(ring);
}
END_TEST

START_TEST(test_block)
{
	gcp_ring_t *ring = start(8, 0);
	gcp_call_t *a = track(ring, "7001", 12, 1, 0, 10);
	gcp_call_t *b = track(ring, "7001", 12, 2, 0, 11);
	gcp_call_t *c = track(ring, "7001", 12, 3, 0, 12);
	ring_tag(ring, a, "ta", 20);
	ring_tag(ring, b, "tb", 21);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 2);
	ck_assert_int_eq(gcp_ring_block(ring, a, 42), 1);
	ck_assert_int_eq(a->not_pickable, 42);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_BLOCKED);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 1);
	ck_assert_int_eq(gcp_ring_block(ring, a, 43), 0);
	/* a tracked call blocked before it rings never becomes pickable */
	ck_assert_int_eq(gcp_ring_block(ring, c, 7), 0);
	ck_assert_int_eq(ring_tag(ring, c, "tc", 22), 0);
	ck_assert_ptr_eq(claim(ring, "7001"), b);
	ck_assert_ptr_null(claim(ring, "7001"));
	/* blocked while claimed: the pickup still decides; given back, the
	 * call stays blocked */
	ck_assert_int_eq(gcp_ring_block(ring, b, 9), 0);
	ck_assert_int_eq(gcp_ring_state(ring, b), GCP_CALL_CLAIMED);
	ck_assert_int_eq(b->not_pickable, 9);
	ck_assert_int_eq(gcp_ring_release(ring, b), 0);
	ck_assert_int_eq(gcp_ring_state(ring, b), GCP_CALL_BLOCKED);
	ck_assert_ptr_null(claim(ring, "7001"));
	ck_assert_uint_eq(gcp_ring_pickable(ring), 0);
	/* ... or it completes: the picker's own answer blocks it too */
	gcp_call_t *d = track(ring, "7001", 12, 4, 0, 13);
	ring_tag(ring, d, "td", 23);
	ck_assert_ptr_eq(claim(ring, "7001"), d);
	ck_assert_int_eq(gcp_ring_block(ring, d, 9), 0);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, d), 1);
	ck_assert_int_eq(gcp_ring_state(ring, d), GCP_CALL_PICKED);
	ck_assert_uint_eq(gcp_ring_count(ring), 4);
	gcp_ring_unref(ring, b);
	gcp_ring_unref(ring, d);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	gcp_ring_detach(ring, c);
	gcp_ring_detach(ring, d);
	finish(ring);
}
END_TEST

START_TEST(test_expire)
{
	gcp_ring_t *ring = start(4, 0);
	gcp_call_t *a = track(ring, "7001", 13, 1, 0, 1000);
	gcp_call_t *b = track(ring, "7002", 13, 2, 0, 2000);
	gcp_call_t *c = track(ring, "7001", 13, 3, 0, 2500);
	gcp_call_t *d = track(ring, "7001", 13, 4, 0, 4000);
	ring_tag(ring, a, "ta", 1100);
	ring_tag(ring, d, "td", 4100);

	ck_assert_uint_eq(gcp_ring_expire(ring, 900, 100), 0); /* clock behind */
	/* age 4000 and 3000 > 2500; 2500 is not more than 2500 */
	ck_assert_uint_eq(gcp_ring_expire(ring, 5000, 2500), 2);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_ENDED);
	ck_assert_int_eq(gcp_ring_state(ring, b), GCP_CALL_ENDED);
	ck_assert_int_eq(gcp_ring_state(ring, c), GCP_CALL_TRACKED);
	ck_assert_int_eq(gcp_ring_state(ring, d), GCP_CALL_RINGING);
	ck_assert_uint_eq(gcp_ring_count(ring), 2);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 1);
	ck_assert_uint_eq(gcp_ring_expire(ring, 5000, 2500), 0);
	ck_assert_uint_eq(gcp_ring_expire(ring, 5001, 2500), 1);
	ck_assert_uint_eq(gcp_ring_expire(ring, 100000, 0), 1);
	ck_assert_uint_eq(gcp_ring_count(ring), 0);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 0);
	ck_assert_ptr_null(claim(ring, "7001"));
	/* groups went with their calls */
	ck_assert_uint_eq(unit_live_allocs(&env), 5);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	gcp_ring_detach(ring, c);
	gcp_ring_detach(ring, d);
	finish(ring);
}
END_TEST

/* issue 11, 9: max_ring_time never cuts off a pickup in flight */
START_TEST(test_expire_spares_claimed)
{
	gcp_ring_t *ring = start(4, 0);
	gcp_call_t *a = track(ring, "7001", 14, 1, 0, 1000);
	gcp_call_t *b = track(ring, "7001", 14, 2, 0, 1100);
	gcp_call_t *got;

	ring_tag(ring, a, "ta", 1050);
	ring_tag(ring, b, "tb", 1150);
	got = claim(ring, "7001");
	ck_assert_ptr_eq(got, a);
	/* both are old; only the unclaimed one behind the claimed one goes */
	ck_assert_uint_eq(gcp_ring_expire(ring, 9000, 1000), 1);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_CLAIMED);
	ck_assert_int_eq(gcp_ring_state(ring, b), GCP_CALL_ENDED);
	/* the pickup completes: counted as picked */
	ck_assert_int_eq(gcp_ring_mark_picked(ring, a), 1);
	gcp_ring_unref(ring, got);
	gcp_ring_forget(ring, a); /* its final reply */
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_PICKED);
	/* a claim given back: the old call goes at the next walk */
	gcp_call_t *c = track(ring, "7002", 14, 3, 0, 2000);
	ring_tag(ring, c, "tc", 2050);
	got = claim(ring, "7002");
	ck_assert_uint_eq(gcp_ring_expire(ring, 9000, 1000), 0);
	ck_assert_int_eq(gcp_ring_release(ring, got), 1);
	gcp_ring_unref(ring, got);
	ck_assert_uint_eq(gcp_ring_expire(ring, 9000, 1000), 1);
	ck_assert_int_eq(gcp_ring_state(ring, c), GCP_CALL_ENDED);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	gcp_ring_detach(ring, c);
	finish(ring);
}
END_TEST

static const char *to_tag_of(gcp_ring_t *ring, gcp_call_t *c)
{
	static char buf[GCP_RING_MAX_TAG + 1];
	ck_assert_int_ge(gcp_ring_to_tag(ring, c, buf, sizeof(buf)), 0);
	return buf;
}

/* issue 11, 2(b): the To tag follows a branch that still rings */
START_TEST(test_tag_follows_branch)
{
	gcp_ring_t *ring = start(4, 0);
	gcp_call_t *a = track(ring, "7001", 15, 1, 0, 1000);
	char small[3];

	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 0, "first", 5, 1010), 1);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 1);
	/* two more branches ring; a branch's later tag does not replace its
	 * first one */
	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 1, "second", 6, 1020), 0);
	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 2, "third", 5, 1030), 0);
	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 1, "later", 5, 1040), 0);
	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 0, "again", 5, 1045), 0);
	ck_assert_str_eq(to_tag_of(ring, a), "first");
	ck_assert_int_eq(gcp_ring_to_tag(ring, a, small, sizeof(small)), -1);
	/* a branch kept aside ends: nothing changes for the call */
	ck_assert_int_eq(gcp_ring_branch_ended(ring, a, 2), 0);
	ck_assert_str_eq(to_tag_of(ring, a), "first");
	/* the call's branch ends: the next ringing one takes over */
	ck_assert_int_eq(gcp_ring_branch_ended(ring, a, 0), 1);
	ck_assert_str_eq(to_tag_of(ring, a), "second");
	ck_assert_uint_eq(gcp_ring_pickable(ring), 1);
	/* the last one ends: no tag, still ringing for inject */
	ck_assert_int_eq(gcp_ring_branch_ended(ring, a, 1), 1);
	ck_assert_int_eq(gcp_ring_to_tag(ring, a, small, sizeof(small)), 0);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_RINGING);
	/* a branch that rings later gives the call its tag again */
	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 3, "fourth", 6, 1100), 0);
	ck_assert_str_eq(to_tag_of(ring, a), "fourth");
	/* forks kept aside are freed with the call */
	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 4, "fifth", 5, 1110), 0);
	ck_assert_uint_eq(unit_live_allocs(&env), 4); /* ring, group, call, fork */
	gcp_ring_forget(ring, a);
	ck_assert_uint_eq(unit_live_allocs(&env), 2); /* ring, call */
	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 5, "gone", 4, 1200), 0);
	gcp_ring_detach(ring, a);
	finish(ring);
}
END_TEST

/* at most GCP_RING_MAX_FORKS branches are kept aside */
START_TEST(test_forks_bounded)
{
	gcp_ring_t *ring = start(4, 0);
	gcp_call_t *a = track(ring, "7001", 16, 1, 0, 1000);
	char tag[16];

	ck_assert_int_eq(gcp_ring_branch_ringing(ring, a, 0, "t0", 2, 1001), 1);
	for(int b = 1; b <= GCP_RING_MAX_FORKS + 5; b++) {
		snprintf(tag, sizeof(tag), "t%d", b);
		gcp_ring_branch_ringing(ring, a, b, tag, strlen(tag), 1001 + b);
	}
	ck_assert_uint_eq(unit_live_allocs(&env), 3 + GCP_RING_MAX_FORKS);
	gcp_ring_detach(ring, a);
	finish(ring);
}
END_TEST

/* claims count attempts; flags change under the lock */
START_TEST(test_attempts_and_flags)
{
	gcp_ring_t *ring = start(4, 0);
	gcp_call_t *a = track(ring, "7001", 17, 1, 0, 1000);
	gcp_call_t *got;

	ring_tag(ring, a, "ta", 1001);
	for(int i = 1; i <= 300; i++) {
		got = claim(ring, "7001");
		ck_assert_ptr_eq(got, a);
		ck_assert_uint_eq(a->attempts, i < 255 ? i : 255);
		ck_assert_int_eq(gcp_ring_release(ring, got), 1);
		gcp_ring_unref(ring, got);
	}
	gcp_ring_set_flags(ring, a, 4);
	gcp_ring_set_flags(ring, a, 1);
	ck_assert_int_eq(a->flags, 5);
	gcp_ring_detach(ring, a);
	finish(ring);
}
END_TEST

/* issue 13: directed pickup claims the member's oldest pickable call */
START_TEST(test_claim_callee)
{
	gcp_ring_t *ring = start(4, 0);
	tcall_t t;
	gcp_call_t *a, *b, *c, *got;

	mk_info(&t, "7001", 18, 1, 0);
	set_field(&t.info, GCP_F_CALLEE, "1001");
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 100, &a), GCP_RING_OK);
	mk_info(&t, "7001", 18, 2, 0);
	set_field(&t.info, GCP_F_CALLEE, "1002");
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 110, &b), GCP_RING_OK);
	mk_info(&t, "7001", 18, 3, 0);
	set_field(&t.info, GCP_F_CALLEE, "1002");
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, 120, &c), GCP_RING_OK);
	ring_tag(ring, a, "ta", 200);
	ring_tag(ring, c, "tc", 210); /* c rings before b */
	ring_tag(ring, b, "tb", 220);
	ck_assert_ptr_null(gcp_ring_claim_callee(ring, "7001", 4, "1003", 4));
	ck_assert_ptr_null(gcp_ring_claim_callee(ring, "7002", 4, "1002", 4));
	got = gcp_ring_claim_callee(ring, "7001", 4, "1002", 4);
	ck_assert_ptr_eq(got, c);
	ck_assert_int_eq(gcp_ring_state(ring, c), GCP_CALL_CLAIMED);
	ck_assert_uint_eq(c->attempts, 1);
	gcp_ring_unref(ring, got);
	got = gcp_ring_claim_callee(ring, "7001", 4, "1002", 4);
	ck_assert_ptr_eq(got, b);
	gcp_ring_unref(ring, got);
	ck_assert_ptr_null(gcp_ring_claim_callee(ring, "7001", 4, "1002", 4));
	/* the group's own claim still finds a */
	got = claim(ring, "7001");
	ck_assert_ptr_eq(got, a);
	gcp_ring_unref(ring, got);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	gcp_ring_detach(ring, c);
	finish(ring);
}
END_TEST

/* issue 13: a Replaces header names a call by Call-ID and From tag */
START_TEST(test_claim_dialog)
{
	gcp_ring_t *ring = start(4, 0);
	gcp_call_t *a = track(ring, "7001", 19, 1, 0, 100);
	gcp_call_t *b = track(ring, "7002", 19, 2, 0, 110);
	gcp_call_t *got = NULL;
	char cid[64];
	size_t cl;

	snprintf(cid, sizeof(cid), "%s", field(a, GCP_F_CALLID));
	cl = strlen(cid);

	/* not ringing yet: found, not claimable */
	ck_assert_int_eq(gcp_ring_claim_dialog(ring, cid, cl, FROM_TAG,
							 strlen(FROM_TAG), NULL, 0, &got),
			0);
	ck_assert_ptr_null(got);
	ring_tag(ring, a, "ta", 200);
	ring_tag(ring, b, "tb", 210);
	/* wrong tag, unknown Call-ID */
	ck_assert_int_eq(
			gcp_ring_claim_dialog(ring, cid, cl, "nope", 4, "ta", 2, &got), -1);
	ck_assert_int_eq(gcp_ring_claim_dialog(ring, "x@y", 3, FROM_TAG,
							 strlen(FROM_TAG), NULL, 0, &got),
			-1);
	/* the From tag in the second position */
	ck_assert_int_eq(gcp_ring_claim_dialog(ring, cid, cl, "ta", 2, FROM_TAG,
							 strlen(FROM_TAG), &got),
			1);
	ck_assert_ptr_eq(got, a);
	ck_assert_int_eq(gcp_ring_state(ring, a), GCP_CALL_CLAIMED);
	/* claimed: found, not claimable again */
	gcp_call_t *again = NULL;
	ck_assert_int_eq(gcp_ring_claim_dialog(ring, cid, cl, FROM_TAG,
							 strlen(FROM_TAG), NULL, 0, &again),
			0);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, a), 1);
	gcp_ring_unref(ring, got);
	/* forgotten (its final reply): still known, not claimable; detached:
	 * not in the index any more */
	gcp_ring_forget(ring, a);
	ck_assert_int_eq(gcp_ring_claim_dialog(ring, cid, cl, FROM_TAG,
							 strlen(FROM_TAG), NULL, 0, &again),
			0);
	gcp_ring_detach(ring, a);
	ck_assert_int_eq(gcp_ring_claim_dialog(ring, cid, cl, FROM_TAG,
							 strlen(FROM_TAG), NULL, 0, &again),
			-1);
	gcp_ring_detach(ring, b);
	finish(ring);
}
END_TEST

typedef struct visit_log
{
	int n;
	int stop_at; /* 0: never */
	const gcp_call_t *seen[32];
} visit_log_t;

static int visit(const gcp_call_t *c, void *arg)
{
	visit_log_t *v = arg;
	if(v->n < 32)
		v->seen[v->n] = c;
	v->n++;
	return v->stop_at && v->n >= v->stop_at;
}

START_TEST(test_foreach)
{
	gcp_ring_t *ring = start(2, 0);
	gcp_call_t *c[6];
	const char *grp[6] = {"7001", "7002", "7001", "7003", "7001", "7002"};
	visit_log_t v;

	for(int i = 0; i < 6; i++)
		c[i] = track(ring, grp[i], 14, i, 0, 10 + i);
	ring_tag(ring, c[4], "t4", 20); /* ringing does not change the order */
	ring_tag(ring, c[0], "t0", 21);

	memset(&v, 0, sizeof(v));
	gcp_ring_foreach(ring, "7001", 4, visit, &v);
	ck_assert_int_eq(v.n, 3);
	ck_assert_ptr_eq(v.seen[0], c[0]);
	ck_assert_ptr_eq(v.seen[1], c[2]);
	ck_assert_ptr_eq(v.seen[2], c[4]);

	memset(&v, 0, sizeof(v));
	v.stop_at = 2;
	gcp_ring_foreach(ring, "7001", 4, visit, &v);
	ck_assert_int_eq(v.n, 2);

	memset(&v, 0, sizeof(v));
	gcp_ring_foreach(ring, "7999", 4, visit, &v);
	ck_assert_int_eq(v.n, 0);

	memset(&v, 0, sizeof(v));
	gcp_ring_foreach(ring, NULL, 0, visit, &v);
	ck_assert_int_eq(v.n, 6);
	/* each group oldest first, whatever the group order */
	for(int i = 0; i < 6; i++)
		for(int j = i + 1; j < 6; j++)
			if(!strcmp(field(v.seen[i], GCP_F_GROUP),
					   field(v.seen[j], GCP_F_GROUP)))
				ck_assert_uint_lt(v.seen[i]->tracked_ms, v.seen[j]->tracked_ms);

	memset(&v, 0, sizeof(v));
	v.stop_at = 4;
	gcp_ring_foreach(ring, NULL, 0, visit, &v);
	ck_assert_int_eq(v.n, 4);

	/* forgotten calls are not visited */
	gcp_ring_forget(ring, c[2]);
	memset(&v, 0, sizeof(v));
	gcp_ring_foreach(ring, "7001", 4, visit, &v);
	ck_assert_int_eq(v.n, 2);
	ck_assert_ptr_eq(v.seen[1], c[4]);

	for(int i = 0; i < 6; i++)
		gcp_ring_detach(ring, c[i]);
	finish(ring);
}
END_TEST

START_TEST(test_counters)
{
	gcp_ring_t *ring = start(8, 0);
	ck_assert_uint_eq(gcp_ring_count(ring), 0);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 0);
	gcp_call_t *a = track(ring, "7001", 15, 1, 0, 10);
	gcp_call_t *b = track(ring, "7002", 15, 2, 0, 11);
	gcp_call_t *c = track(ring, "7002", 15, 3, 3, 12);
	ck_assert_uint_eq(gcp_ring_count(ring), 3);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 0);
	ring_tag(ring, a, "ta", 20);
	ring_tag(ring, b, "tb", 21);
	ring_tag(ring, c, "tc", 22);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 2);
	gcp_call_t *x = claim(ring, "7002");
	ck_assert_ptr_eq(x, b);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 1);
	gcp_ring_release(ring, x);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 2);
	gcp_ring_unref(ring, x);
	gcp_ring_forget(ring, a);
	ck_assert_uint_eq(gcp_ring_count(ring), 2);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 1);
	gcp_ring_detach(ring, b);
	ck_assert_uint_eq(gcp_ring_count(ring), 1);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 0);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, c);
	ck_assert_uint_eq(gcp_ring_count(ring), 0);
	finish(ring);
}
END_TEST

START_TEST(test_call_size)
{
	tcall_t t;
	mk_info(&t, "7001", 1, 1, 0);
	set_field(&t.info, GCP_F_CALLID, "a84b4c76-e666-4a5d-9c3f-0123456789ab");
	set_field(
			&t.info, GCP_F_CONTACT, "sip:2001@192.0.2.10:5060;transport=tcp;x");
	ck_assert_uint_eq(t.info.len[GCP_F_CALLID], 36);
	ck_assert_uint_eq(t.info.len[GCP_F_FROM_TAG], 10);
	ck_assert_uint_eq(t.info.len[GCP_F_CONTACT], 40);
	size_t size = gcp_ring_call_size(&t.info);
	ck_assert_uint_lt(size, 400);
	/* the strings, their NULs and the To tag room are all counted */
	ck_assert_uint_ge(
			size, 4 + 4 + 20 + 36 + 10 + 40 + 6 + GCP_RING_MAX_TAG + 1);
}
END_TEST

/* concurrency: trackers and claimers in parallel threads */
enum
{
	NCALLS = 2000,
	NGROUPS = 20,
	NTRACKERS = 4,
	NCLAIMERS = 4
};

static struct
{
	gcp_ring_t *ring;
	gcp_call_t *calls[NCALLS];
	int picked[NCALLS];	  /* mark_picked successes */
	int released[NCALLS]; /* claims so far; i % 4 given back */
	int total;
	char groups[NGROUPS][16];
} cc;

static void *tracker(void *arg)
{
	int id = (int)(long)arg;
	tcall_t t;

	for(int i = id; i < NCALLS; i += NTRACKERS) {
		gcp_call_t *c = NULL;
		mk_info(&t, cc.groups[i % NGROUPS], 1000 + i, i, 0);
		t.info.flags = i;
		if(gcp_ring_track(cc.ring, &t.info, i, &c) != GCP_RING_OK)
			abort();
		__atomic_store_n(&cc.calls[i], c, __ATOMIC_RELEASE);
		if(gcp_ring_ringing(cc.ring, c, "to-tag", 6, 10000 + i) != 1)
			abort();
	}
	/* the owner leaves once its call was picked, racing the claimer's
	 * unref */
	for(int i = id; i < NCALLS; i += NTRACKERS) {
		while(!__atomic_load_n(&cc.picked[i], __ATOMIC_ACQUIRE))
			sched_yield();
		gcp_ring_detach(cc.ring, cc.calls[i]);
	}
	return NULL;
}

/* all claimers start on the same group: they meet on the same list */
static void *claimer(void *arg)
{
	int g = (int)(long)arg;

	while(__atomic_load_n(&cc.total, __ATOMIC_ACQUIRE) < NCALLS) {
		gcp_call_t *c =
				gcp_ring_claim(cc.ring, cc.groups[g], strlen(cc.groups[g]));
		g = (g + 1) % NGROUPS;
		if(!c) {
			sched_yield();
			continue;
		}
		int i = c->flags;
		/* give most calls back a few times first: more claims meet */
		if(__atomic_fetch_add(&cc.released[i], 1, __ATOMIC_RELAXED) < i % 4) {
			if(gcp_ring_release(cc.ring, c) != 1)
				abort();
			gcp_ring_unref(cc.ring, c);
			continue;
		}
		if(gcp_ring_mark_picked(cc.ring, c) != 1)
			abort();
		__atomic_add_fetch(&cc.picked[i], 1, __ATOMIC_ACQ_REL);
		__atomic_add_fetch(&cc.total, 1, __ATOMIC_ACQ_REL);
		gcp_ring_unref(cc.ring, c);
	}
	return NULL;
}

START_TEST(test_concurrency)
{
	pthread_t th[NTRACKERS + NCLAIMERS];

	memset(&cc, 0, sizeof(cc));
	cc.ring = start(7, 0);
	for(int g = 0; g < NGROUPS; g++)
		snprintf(cc.groups[g], sizeof(cc.groups[g]), "7%03d", g);
	for(long k = 0; k < NCLAIMERS; k++)
		ck_assert_int_eq(pthread_create(&th[k], NULL, claimer, (void *)0), 0);
	for(long k = 0; k < NTRACKERS; k++)
		ck_assert_int_eq(
				pthread_create(&th[NCLAIMERS + k], NULL, tracker, (void *)k),
				0);
	for(int k = 0; k < NTRACKERS + NCLAIMERS; k++)
		pthread_join(th[k], NULL);

	ck_assert_int_eq(cc.total, NCALLS);
	for(int i = 0; i < NCALLS; i++)
		ck_assert_int_eq(cc.picked[i], 1);
	ck_assert_uint_eq(gcp_ring_count(cc.ring), 0);
	ck_assert_uint_eq(gcp_ring_pickable(cc.ring), 0);
	ck_assert_uint_eq(unit_live_allocs(&env), 1);
	finish(cc.ring);
}
END_TEST

static Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");

	UNIT_TCASE(s, "core", 60, test_oldest_first, test_claim_none,
			test_claim_once, test_release, test_mark_picked, test_forget,
			test_detach_frees, test_destroy_frees_all, test_group_isolation,
			test_find, test_buckets, test_detach_chain, test_index_later,
			test_bounds, test_too_long_names_field, test_max_calls,
			test_to_tag_too_long, test_block, test_expire,
			test_expire_spares_claimed, test_tag_follows_branch,
			test_forks_bounded, test_attempts_and_flags, test_claim_callee,
			test_claim_dialog, test_foreach, test_counters, test_call_size,
			test_concurrency);
	return s;
}

int main(void)
{
	return run_suite(ring_suite());
}
