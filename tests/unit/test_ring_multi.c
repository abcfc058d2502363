/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of a claim across groups (gcp_ring_multi.c, other-group
 * pickup): priority and age order, the rescan when another pickup takes
 * the call chosen, and exactly-once under a race. */

#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "check_util.h"
#include "gcp_ring.h"
#include "gcp_ring_multi.h"
#include "unit_util.h"

static gcp_ring_env_t env;

/* a lock hook: called before every lock the table takes (not those it
 * takes itself), with the count of locks so far */
static void (*hook)(unsigned n);
static unsigned nlocks;
static __thread int in_hook;

static void hooked_lock(void *ctx, unsigned idx)
{
	if(hook && !in_hook) {
		in_hook = 1;
		hook(nlocks++);
		in_hook = 0;
	}
	pthread_mutex_lock(&((unit_locks_t *)ctx)->m[idx]);
}

static gcp_ring_t *start(unsigned nslots)
{
	gcp_ring_t *ring;

	env = unit_env(nslots);
	env.lock = hooked_lock;
	hook = NULL;
	nlocks = 0;
	ring = gcp_ring_create(&env, nslots, 0);
	ck_assert_ptr_nonnull(ring);
	return ring;
}

static void finish(gcp_ring_t *ring)
{
	hook = NULL;
	gcp_ring_destroy(ring);
	ck_assert_uint_eq(unit_live_allocs(&env), 0);
	unit_env_free(&env);
}

static unsigned next_label;

/* a call that rings in group since ringing_ms; its flags say which */
static gcp_call_t *ring_in(
		gcp_ring_t *ring, const char *group, uint64_t ringing_ms, int id)
{
	char callid[32];
	gcp_call_info_t info;
	gcp_call_t *c = NULL;

	memset(&info, 0, sizeof(info));
	snprintf(callid, sizeof(callid), "call-%d-%u", id, ++next_label);
	info.s[GCP_F_GROUP] = group;
	info.len[GCP_F_GROUP] = strlen(group);
	info.s[GCP_F_CALLEE] = "1001";
	info.len[GCP_F_CALLEE] = 4;
	info.s[GCP_F_CALLER] = "sip:3001@example.org";
	info.len[GCP_F_CALLER] = strlen(info.s[GCP_F_CALLER]);
	info.s[GCP_F_CALLID] = callid;
	info.len[GCP_F_CALLID] = strlen(callid);
	info.s[GCP_F_FROM_TAG] = "tag";
	info.len[GCP_F_FROM_TAG] = 3;
	info.tindex = 1;
	info.tlabel = next_label;
	info.has_tid = 1;
	info.flags = id;
	ck_assert_int_eq(gcp_ring_track(ring, &info, 1, &c), GCP_RING_OK);
	ck_assert_int_eq(gcp_ring_ringing(ring, c, "totag", 5, ringing_ms), 1);
	return c;
}

static gcp_ring_name_t G[4];

static void names(const char *a, const char *b, const char *c, const char *d)
{
	const char *v[4] = {a, b, c, d};

	for(int i = 0; i < 4; i++) {
		G[i].s = v[i];
		G[i].len = v[i] ? strlen(v[i]) : 0;
	}
}

/* claimed: its id, the group index it came from; the claim given back as
 * picked */
static int take(
		gcp_ring_t *ring, gcp_call_t *c, const size_t *which, size_t want)
{
	int id;

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(*which, want);
	ck_assert_int_eq(gcp_ring_state(ring, c), GCP_CALL_CLAIMED);
	ck_assert_int_eq(gcp_ring_mark_picked(ring, c), 1);
	id = c->flags;
	gcp_ring_unref(ring, c);
	return id;
}

/* priority: the own group first, whatever the age, then each listed group
 * in list order, skipping empty ones */
START_TEST(test_priority)
{
	gcp_ring_t *ring = start(16);
	gcp_call_t *owners[5];
	size_t w = 99;

	names("7001", "7002", "7003", "7004");
	owners[0] = ring_in(ring, "7004", 10, 1); /* the oldest of all */
	owners[1] = ring_in(ring, "7003", 20, 2);
	owners[2] = ring_in(ring, "7003", 30, 3);
	owners[3] = ring_in(ring, "7001", 40, 4); /* the own group, youngest */
	/* 7002 is empty */
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_first(ring, G, 4, &w), &w, 0), 4);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_first(ring, G, 4, &w), &w, 2), 2);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_first(ring, G, 4, &w), &w, 2), 3);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_first(ring, G, 4, &w), &w, 3), 1);
	ck_assert_ptr_null(gcp_ring_claim_first(ring, G, 4, &w));
	/* a call released goes back and is found again */
	owners[4] = ring_in(ring, "7002", 50, 5);
	gcp_call_t *c = gcp_ring_claim_first(ring, G, 4, NULL);
	ck_assert_ptr_eq(c, owners[4]);
	ck_assert_int_eq(gcp_ring_release(ring, c), 1);
	gcp_ring_unref(ring, c);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_first(ring, G, 4, &w), &w, 1), 5);
	/* the listing is one-way: a listed group's own pickups do not reach
	 * back */
	ring_in(ring, "7001", 60, 6);
	names("7003", "7004", NULL, NULL);
	ck_assert_ptr_null(gcp_ring_claim_first(ring, G, 2, &w));
	ck_assert_ptr_null(gcp_ring_claim_oldest(ring, G, 2, &w));
	for(int i = 0; i < 5; i++)
		gcp_ring_detach(ring, owners[i]);
	finish(ring);
}
END_TEST

/* age: the longest ringing among them all; equal ages: the earlier group */
START_TEST(test_age)
{
	gcp_ring_t *ring = start(16);
	size_t w = 99;

	names("7001", "7002", "7003", "7004");
	ring_in(ring, "7001", 40, 1);
	ring_in(ring, "7003", 20, 2);
	ring_in(ring, "7004", 10, 3);
	ring_in(ring, "7003", 30, 4);
	ring_in(ring, "7002", 30, 5); /* as old as 4, in an earlier group */
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_oldest(ring, G, 4, &w), &w, 3), 3);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_oldest(ring, G, 4, &w), &w, 2), 2);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_oldest(ring, G, 4, &w), &w, 1), 5);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_oldest(ring, G, 4, &w), &w, 2), 4);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_oldest(ring, G, 4, &w), &w, 0), 1);
	ck_assert_ptr_null(gcp_ring_claim_oldest(ring, G, 4, &w));
	ck_assert_ptr_null(gcp_ring_claim_oldest(ring, G, 0, &w));
	ck_assert_uint_eq(gcp_ring_count(ring), 5);
	finish(ring);
}
END_TEST

/* the primitives: the head's age, and a claim only of a call as old */
START_TEST(test_claim_older)
{
	gcp_ring_t *ring = start(4);
	const size_t zero = 0;
	uint64_t ms = 0;

	ck_assert_int_eq(gcp_ring_oldest_ms(ring, "7001", 4, &ms), 0);
	ck_assert_ptr_null(gcp_ring_claim_older(ring, "7001", 4, 1000));
	ring_in(ring, "7001", 50, 1);
	ring_in(ring, "7001", 70, 2);
	ck_assert_int_eq(gcp_ring_oldest_ms(ring, "7001", 4, &ms), 1);
	ck_assert_uint_eq(ms, 50);
	ck_assert_ptr_null(gcp_ring_claim_older(ring, "7001", 4, 49));
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_older(ring, "7001", 4, 50), &zero, 0), 1);
	ck_assert_ptr_null(gcp_ring_claim_older(ring, "7001", 4, 50));
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_older(ring, "7001", 4, 70), &zero, 0), 2);
	ck_assert_int_eq(gcp_ring_oldest_ms(ring, "7001", 4, &ms), 0);
	ck_assert_int_eq(gcp_ring_oldest_ms(NULL, "7001", 4, &ms), 0);
	ck_assert_ptr_null(gcp_ring_claim_older(ring, "", 0, 70));
	finish(ring);
}
END_TEST

/* another pickup takes the call chosen between the look and the claim */
static gcp_ring_t *hring;
static int stolen[8];
static int nstolen;
static unsigned steal_every, steal_before;

static void steal(unsigned n)
{
	gcp_call_t *c;

	/* with two groups a scan is: look, look, claim */
	if(n % steal_every != steal_every - 1 || n >= steal_before)
		return;
	c = gcp_ring_claim_oldest(hring, G, 2, NULL);
	if(c) {
		if(nstolen < 8)
			stolen[nstolen] = c->flags;
		nstolen++;
		gcp_ring_mark_picked(hring, c);
		gcp_ring_unref(hring, c);
	}
}

START_TEST(test_age_rescan)
{
	gcp_ring_t *ring = start(16);
	size_t w = 99;

	hring = ring;
	names("7001", "7002", NULL, NULL);
	ring_in(ring, "7002", 10, 1);
	ring_in(ring, "7001", 20, 2);
	ring_in(ring, "7002", 30, 3);
	/* once: call 1 is taken away; the rescan finds 2, the next oldest */
	nstolen = 0;
	nlocks = 0;
	steal_every = 3;
	steal_before = 3;
	hook = steal;
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_oldest(ring, G, 2, &w), &w, 0), 2);
	hook = NULL;
	ck_assert_int_eq(nstolen, 1);
	ck_assert_int_eq(stolen[0], 1);
	ck_assert_int_eq(
			take(ring, gcp_ring_claim_oldest(ring, G, 2, &w), &w, 1), 3);
	finish(ring);
}
END_TEST

/* every scan loses its call: after the rescans, the first group in order
 * that has one gives it */
START_TEST(test_age_storm)
{
	gcp_ring_t *ring = start(16);
	int seen[40] = {0}, i;
	size_t w = 99;

	hring = ring;
	names("7001", "7002", NULL, NULL);
	for(i = 0; i < 20; i++)
		ring_in(ring, "7002", 10 + (uint64_t)i, i);
	for(i = 20; i < 40; i++)
		ring_in(ring, "7001", 100 + (uint64_t)i, i);
	nstolen = 0;
	nlocks = 0;
	steal_every = 3;
	steal_before = 3 * (GCP_RING_MULTI_RESCANS + 1);
	hook = steal;
	i = take(ring, gcp_ring_claim_oldest(ring, G, 2, &w), &w, 0);
	hook = NULL;
	ck_assert_int_eq(nstolen, GCP_RING_MULTI_RESCANS + 1);
	/* the own group's oldest: the fall-back is priority order */
	ck_assert_int_eq(i, 20);
	seen[i]++;
	for(i = 0; i < nstolen && i < 8; i++)
		seen[stolen[i]]++;
	for(i = 0; i < 40; i++)
		ck_assert_int_le(seen[i], 1);
	finish(ring);
}
END_TEST

/* ---- the race: 10 pickers of two groups, 5 calls in one of them ---- */

#define NPICKERS 10
#define NRACE 5
#define ROUNDS 300

static struct
{
	gcp_ring_t *ring;
	int age;
	int go;	   /* round number the pickers may start */
	int ready; /* pickers waiting */
	int done;  /* pickers through with their round */
	int got[NPICKERS];
	int picked[NRACE];
} rc;

/* pickers 0..4 dial 7001 (empty; lists 7002), 5..9 dial 7002 (lists
 * nothing): each takes at most one call per round */
static void *picker(void *arg)
{
	long id = (long)arg;
	gcp_ring_name_t g[2] = {{"7001", 4}, {"7002", 4}};
	const gcp_ring_name_t *mine = id < NPICKERS / 2 ? g : g + 1;
	size_t n = id < NPICKERS / 2 ? 2 : 1;
	gcp_call_t *c;

	for(int round = 1; round <= ROUNDS; round++) {
		__atomic_add_fetch(&rc.ready, 1, __ATOMIC_ACQ_REL);
		while(__atomic_load_n(&rc.go, __ATOMIC_ACQUIRE) < round)
			sched_yield();
		c = rc.age ? gcp_ring_claim_oldest(rc.ring, mine, n, NULL)
				   : gcp_ring_claim_first(rc.ring, mine, n, NULL);
		if(c) {
			if(gcp_ring_mark_picked(rc.ring, c) != 1)
				abort();
			__atomic_add_fetch(&rc.picked[c->flags], 1, __ATOMIC_ACQ_REL);
			__atomic_add_fetch(&rc.got[id], 1, __ATOMIC_ACQ_REL);
			gcp_ring_unref(rc.ring, c);
		}
		__atomic_add_fetch(&rc.done, 1, __ATOMIC_ACQ_REL);
	}
	return NULL;
}

static void race(int age)
{
	pthread_t th[NPICKERS];
	gcp_call_t *owners[NRACE];
	int total, i, round, most = 0;

	memset(&rc, 0, sizeof(rc));
	rc.ring = start(16);
	rc.age = age;
	for(long k = 0; k < NPICKERS; k++)
		ck_assert_int_eq(pthread_create(&th[k], NULL, picker, (void *)k), 0);
	for(round = 1; round <= ROUNDS; round++) {
		for(i = 0; i < NRACE; i++)
			owners[i] = ring_in(rc.ring, "7002", (uint64_t)(round * 10 + i), i);
		memset(rc.picked, 0, sizeof(rc.picked));
		while(__atomic_load_n(&rc.ready, __ATOMIC_ACQUIRE) < NPICKERS * round)
			sched_yield();
		for(i = 0; i < NPICKERS; i++)
			rc.got[i] = 0;
		__atomic_store_n(&rc.go, round, __ATOMIC_RELEASE);
		/* the round is over when every call was picked (10 pickers, 5
		 * calls: all are taken) */
		for(total = 0; total < NRACE;) {
			total = 0;
			for(i = 0; i < NRACE; i++)
				total += __atomic_load_n(&rc.picked[i], __ATOMIC_ACQUIRE);
			sched_yield();
		}
		for(i = 0; i < NRACE; i++)
			ck_assert_msg(rc.picked[i] == 1,
					"round %d: call %d picked %d times", round, i,
					rc.picked[i]);
		/* wait for the pickers that found nothing */
		while(__atomic_load_n(&rc.done, __ATOMIC_ACQUIRE) < NPICKERS * round)
			sched_yield();
		for(i = 0; i < NPICKERS; i++) {
			ck_assert_int_le(rc.got[i], 1);
			most = rc.got[i] > most ? rc.got[i] : most;
		}
		for(i = 0; i < NRACE; i++)
			gcp_ring_detach(rc.ring, owners[i]);
	}
	for(i = 0; i < NPICKERS; i++)
		pthread_join(th[i], NULL);
	ck_assert_int_eq(most, 1);
	ck_assert_uint_eq(gcp_ring_count(rc.ring), 0);
	finish(rc.ring);
}

START_TEST(test_race_priority)
{
	race(0);
}
END_TEST

START_TEST(test_race_age)
{
	race(1);
}
END_TEST

int main(void)
{
	return UNIT_RUN("gcp_ring_multi", "multi", 120, test_priority, test_age,
			test_claim_older, test_age_rescan, test_age_storm,
			test_race_priority, test_race_age);
}
