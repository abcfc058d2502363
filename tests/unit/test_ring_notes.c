/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of the ring table's observer (gcp_ring_notes.c: env.changed)
 * and of gcp_ring_peek(), what the busy lamps read. */

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_util.h"
#include "gcp_ring.h"
#include "gcp_ring_priv.h" /* GCP_RING_NOTES: how many are noted */
#include "unit_util.h"

/* ring locks held by this thread now (the test's lock functions count) */
static int held;

static void count_lock(void *ctx, unsigned idx)
{
	unit_lock(ctx, idx);
	held++;
}

static void count_unlock(void *ctx, unsigned idx)
{
	held--;
	unit_unlock(ctx, idx);
}

#define MAX_SEEN 32

/* what the observer was told, and what it read from inside */
typedef struct seen
{
	gcp_ring_t *ring; /* set: the observer peeks at the member's call */
	unsigned n;
	struct
	{
		int any; /* group NULL */
		char group[GCP_RING_MAX_NUMBER + 1];
		char callee[GCP_RING_MAX_USER + 1];
		size_t glen, clen;
		int held;		 /* ring locks held when told */
		int found;		 /* the peek found a call */
		int peek_held;	 /* locks held inside the peek's visitor */
		char callid[64]; /* the call the peek found */
		char to_tag[GCP_RING_MAX_TAG + 1];
	} at[MAX_SEEN];
} seen_t;

static seen_t seen;

typedef struct peeked
{
	int held;
	char callid[64];
	char to_tag[GCP_RING_MAX_TAG + 1];
} peeked_t;

static void peek_copy(const gcp_call_t *call, void *arg)
{
	peeked_t *p = arg;
	size_t len;
	const char *s;

	p->held = held;
	s = gcp_call_field(call, GCP_F_CALLID, &len);
	snprintf(p->callid, sizeof(p->callid), "%.*s", (int)len, s);
	s = gcp_call_field(call, GCP_F_TO_TAG, &len);
	snprintf(p->to_tag, sizeof(p->to_tag), "%.*s", (int)len, s);
}

static void observer(void *ctx, const char *group, size_t glen,
		const char *callee, size_t clen)
{
	seen_t *s = ctx;
	peeked_t p;

	ck_assert_ptr_eq(s, &seen);
	ck_assert_uint_lt(s->n, MAX_SEEN);
	memset(&s->at[s->n], 0, sizeof(s->at[s->n]));
	s->at[s->n].held = held;
	if(!group) {
		s->at[s->n].any = 1;
		s->n++;
		return;
	}
	ck_assert_uint_le(glen, GCP_RING_MAX_NUMBER);
	ck_assert_uint_le(clen, GCP_RING_MAX_USER);
	memcpy(s->at[s->n].group, group, glen);
	memcpy(s->at[s->n].callee, callee, clen);
	s->at[s->n].glen = glen;
	s->at[s->n].clen = clen;
	if(s->ring) {
		/* what a lamp does: read the member's oldest pickable call */
		memset(&p, 0, sizeof(p));
		s->at[s->n].found = gcp_ring_peek(
				s->ring, group, glen, callee, clen, peek_copy, &p);
		s->at[s->n].peek_held = p.held;
		memcpy(s->at[s->n].callid, p.callid, sizeof(p.callid));
		memcpy(s->at[s->n].to_tag, p.to_tag, sizeof(p.to_tag));
	}
	s->n++;
}

static gcp_ring_env_t env;

/* a ring with (observe) or without the observer; lock counting always */
static gcp_ring_t *start(unsigned nslots, int observe)
{
	gcp_ring_t *ring;

	env = unit_env(nslots);
	env.lock = count_lock;
	env.unlock = count_unlock;
	memset(&seen, 0, sizeof(seen));
	if(observe) {
		env.changed = observer;
		env.changed_ctx = &seen;
	} else {
		env.changed = NULL;
		env.changed_ctx = NULL;
	}
	ring = gcp_ring_create(&env, nslots, 0);
	ck_assert_ptr_nonnull(ring);
	return ring;
}

static void finish(gcp_ring_t *ring)
{
	gcp_ring_destroy(ring);
	ck_assert_uint_eq(unit_live_allocs(&env), 0);
	ck_assert_int_eq(held, 0);
	unit_env_free(&env);
}

/* one call's strings */
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

static gcp_call_t *track(gcp_ring_t *ring, const char *group,
		const char *callee, unsigned id, uint64_t now)
{
	tcall_t t;
	gcp_call_t *c = NULL;

	memset(&t, 0, sizeof(t));
	snprintf(t.callid, sizeof(t.callid), "call-%u", id);
	set_field(&t.info, GCP_F_GROUP, group);
	set_field(&t.info, GCP_F_CALLEE, callee);
	set_field(&t.info, GCP_F_CALLER, "sip:2001@example.org");
	set_field(&t.info, GCP_F_CALLID, t.callid);
	set_field(&t.info, GCP_F_FROM_TAG, "from-tag");
	set_field(&t.info, GCP_F_CALLER_NAME, "Alice Caller");
	set_field(&t.info, GCP_F_DOMAIN, "pbx.example.org");
	t.info.tindex = id;
	t.info.tlabel = id;
	t.info.has_tid = 1;
	ck_assert_int_eq(gcp_ring_track(ring, &t.info, now, &c), GCP_RING_OK);
	return c;
}

static int ring_at(gcp_ring_t *ring, gcp_call_t *c, int branch, const char *tag,
		uint64_t now)
{
	return gcp_ring_branch_ringing(ring, c, branch, tag, strlen(tag), now);
}

/* told exactly n times since the last reset */
static void ck_told(unsigned n)
{
	ck_assert_uint_eq(seen.n, n);
	for(unsigned i = 0; i < seen.n; i++)
		ck_assert_msg(seen.at[i].held == 0, "told %u under a lock", i);
}

/* note i names (group, callee) */
static void ck_note(unsigned i, const char *group, const char *callee)
{
	ck_assert_uint_lt(i, seen.n);
	ck_assert_int_eq(seen.at[i].any, 0);
	ck_assert_uint_eq(seen.at[i].glen, strlen(group));
	ck_assert_uint_eq(seen.at[i].clen, strlen(callee));
	ck_assert_str_eq(seen.at[i].group, group);
	ck_assert_str_eq(seen.at[i].callee, callee);
}

/* told (group, callee) exactly once, in any order */
static void ck_told_once(const char *group, const char *callee)
{
	unsigned k = 0;

	for(unsigned i = 0; i < seen.n; i++)
		if(!seen.at[i].any && strcmp(seen.at[i].group, group) == 0
				&& strcmp(seen.at[i].callee, callee) == 0
				&& seen.at[i].glen == strlen(group)
				&& seen.at[i].clen == strlen(callee))
			k++;
	ck_assert_msg(k == 1, "(%s, %s) told %u times", group, callee, k);
}

static void reset(void)
{
	gcp_ring_t *r = seen.ring;

	memset(&seen, 0, sizeof(seen));
	seen.ring = r;
}

START_TEST(test_note_pickable)
{
	gcp_ring_t *ring = start(4, 1);
	gcp_call_t *c;

	seen.ring = ring;
	c = track(ring, "7001", "1001", 1, 100);
	ck_told(0); /* tracked: not pickable yet */
	ck_assert_int_eq(ring_at(ring, c, 0, "to-1", 200), 1);
	ck_told(1);
	ck_note(0, "7001", "1001");
	/* the observer read the table from inside: the call, its tag */
	ck_assert_int_eq(seen.at[0].found, 1);
	ck_assert_int_eq(seen.at[0].peek_held, 1); /* the visitor: under it */
	ck_assert_str_eq(seen.at[0].callid, "call-1");
	ck_assert_str_eq(seen.at[0].to_tag, "to-1");
	/* a later 18x of the same branch changes nothing shown */
	reset();
	ck_assert_int_eq(ring_at(ring, c, 0, "to-1b", 210), 0);
	ck_told(0);
	gcp_ring_detach(ring, c);
	finish(ring);
}
END_TEST

START_TEST(test_note_claim_picked)
{
	gcp_ring_t *ring = start(4, 1);
	gcp_call_t *a, *b, *c;

	seen.ring = ring;
	a = track(ring, "7001", "1001", 1, 100);
	b = track(ring, "7001", "1001", 2, 110);
	ring_at(ring, a, 0, "to-a", 200);
	ring_at(ring, b, 0, "to-b", 210);
	reset();
	c = gcp_ring_claim(ring, "7001", 4);
	ck_assert_ptr_eq(c, a);
	ck_told(1);
	ck_note(0, "7001", "1001");
	/* told after the change: the member now shows its next call */
	ck_assert_int_eq(seen.at[0].found, 1);
	ck_assert_str_eq(seen.at[0].callid, "call-2");
	/* picked: out of the list already, nothing more to tell */
	reset();
	ck_assert_int_eq(gcp_ring_mark_picked(ring, c), 1);
	ck_told(0);
	gcp_ring_forget(ring, c);
	ck_told(0);
	/* the other ways of claiming tell too */
	reset();
	c = gcp_ring_claim_callee(ring, "7001", 4, "1001", 4);
	ck_assert_ptr_eq(c, b);
	ck_told(1);
	ck_note(0, "7001", "1001");
	ck_assert_int_eq(seen.at[0].found, 0);
	ck_assert_int_eq(gcp_ring_release(ring, c), 1);
	gcp_ring_unref(ring, c);
	reset();
	c = NULL;
	ck_assert_int_eq(
			gcp_ring_claim_dialog(ring, "call-2", 6, "", 0, "from-tag", 8, &c),
			1);
	ck_assert_ptr_eq(c, b);
	ck_told(1);
	ck_note(0, "7001", "1001");
	/* nothing to claim: nothing told */
	reset();
	ck_assert_ptr_null(gcp_ring_claim(ring, "7001", 4));
	ck_assert_ptr_null(gcp_ring_claim_callee(ring, "7001", 4, "1001", 4));
	ck_told(0);
	gcp_ring_unref(ring, c);
	gcp_ring_unref(ring, a);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	finish(ring);
}
END_TEST

START_TEST(test_note_release)
{
	gcp_ring_t *ring = start(4, 1);
	gcp_call_t *a, *c;

	seen.ring = ring;
	a = track(ring, "7001", "1002", 1, 100);
	ring_at(ring, a, 0, "to-a", 200);
	c = gcp_ring_claim(ring, "7001", 4);
	reset();
	ck_assert_int_eq(gcp_ring_release(ring, c), 1);
	ck_told(1);
	ck_note(0, "7001", "1002");
	ck_assert_int_eq(seen.at[0].found, 1);
	ck_assert_str_eq(seen.at[0].callid, "call-1");
	gcp_ring_unref(ring, c);
	/* released while not claimed: nothing */
	reset();
	ck_assert_int_eq(gcp_ring_release(ring, a), 0);
	ck_told(0);
	/* blocked while claimed: neither the block nor the release tells
	 * (the claim took it out of the list, and told) */
	c = gcp_ring_claim(ring, "7001", 4);
	reset();
	ck_assert_int_eq(gcp_ring_block(ring, c, 3), 0);
	ck_told(0);
	ck_assert_int_eq(gcp_ring_release(ring, c), 0);
	ck_told(0);
	ck_assert_int_eq(gcp_ring_state(ring, c), GCP_CALL_BLOCKED);
	gcp_ring_unref(ring, c);
	gcp_ring_detach(ring, a);
	finish(ring);
}
END_TEST

START_TEST(test_note_block)
{
	gcp_ring_t *ring = start(4, 1);
	gcp_call_t *a, *b;

	seen.ring = ring;
	a = track(ring, "7001", "1001", 1, 100);
	b = track(ring, "7001", "1003", 2, 100);
	ring_at(ring, a, 0, "to-a", 200);
	reset();
	ck_assert_int_eq(gcp_ring_block(ring, a, 1), 1);
	ck_told(1);
	ck_note(0, "7001", "1001");
	ck_assert_int_eq(seen.at[0].found, 0); /* blocked: not shown */
	/* blocked again, or blocked before ringing: nothing shown changed */
	reset();
	ck_assert_int_eq(gcp_ring_block(ring, a, 1), 0);
	ck_assert_int_eq(gcp_ring_block(ring, b, 1), 0);
	ck_told(0);
	/* a blocked call that rings is no lamp's either */
	ck_assert_int_eq(ring_at(ring, b, 0, "to-b", 210), 0);
	ck_told(0);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	ck_told(0);
	finish(ring);
}
END_TEST

START_TEST(test_note_forget)
{
	gcp_ring_t *ring = start(4, 1);
	gcp_call_t *a, *b, *c;

	seen.ring = ring;
	a = track(ring, "7001", "1001", 1, 100);
	b = track(ring, "7001", "1001", 2, 100);
	ring_at(ring, a, 0, "to-a", 200);
	reset();
	gcp_ring_forget(ring, a);
	ck_told(1);
	ck_note(0, "7001", "1001");
	ck_assert_int_eq(seen.at[0].found, 0);
	/* idempotent; a tracked call's forget tells nothing */
	reset();
	gcp_ring_forget(ring, a);
	gcp_ring_forget(ring, b);
	ck_told(0);
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	ck_told(0);
	/* the owner going (detach) while it rings: told, and the note is a
	 * copy (the call is freed before the observer runs) */
	c = track(ring, "7002", "1004", 3, 100);
	ring_at(ring, c, 0, "to-c", 200);
	reset();
	gcp_ring_detach(ring, c);
	ck_told(1);
	ck_note(0, "7002", "1004");
	/* forgetting a claimed call: already out of the list */
	a = track(ring, "7003", "1005", 4, 100);
	ring_at(ring, a, 0, "to-a", 200);
	c = gcp_ring_claim(ring, "7003", 4);
	reset();
	gcp_ring_forget(ring, c);
	ck_told(0);
	gcp_ring_unref(ring, c);
	gcp_ring_detach(ring, a);
	finish(ring);
}
END_TEST

/* the To tag a lamp shows changes while the call rings */
START_TEST(test_note_to_tag)
{
	gcp_ring_t *ring = start(4, 1);
	gcp_call_t *a, *c;

	seen.ring = ring;
	a = track(ring, "7001", "1001", 1, 100);
	ck_assert_int_eq(ring_at(ring, a, 0, "t0", 200), 1);
	/* other branches ring: kept aside, the shown tag stays */
	reset();
	ck_assert_int_eq(ring_at(ring, a, 1, "t1", 210), 0);
	ck_assert_int_eq(ring_at(ring, a, 2, "t2", 220), 0);
	ck_told(0);
	/* a fork that was not shown ends: nothing */
	ck_assert_int_eq(gcp_ring_branch_ended(ring, a, 1), 0);
	ck_told(0);
	/* the shown branch ends: the next fork's tag takes over */
	ck_assert_int_eq(gcp_ring_branch_ended(ring, a, 0), 1);
	ck_told(1);
	ck_note(0, "7001", "1001");
	ck_assert_int_eq(seen.at[0].found, 1);
	ck_assert_str_eq(seen.at[0].to_tag, "t2");
	/* the last one ends: no tag, still pickable */
	reset();
	ck_assert_int_eq(gcp_ring_branch_ended(ring, a, 2), 1);
	ck_told(1);
	ck_note(0, "7001", "1001");
	ck_assert_int_eq(seen.at[0].found, 1);
	ck_assert_str_eq(seen.at[0].to_tag, "");
	/* a branch rings again: its tag is shown */
	reset();
	ck_assert_int_eq(ring_at(ring, a, 3, "t3", 230), 0);
	ck_told(1);
	ck_note(0, "7001", "1001");
	ck_assert_str_eq(seen.at[0].to_tag, "t3");
	/* claimed: tag changes are nobody's lamp (the release tells) */
	ck_assert_int_eq(ring_at(ring, a, 4, "t4", 240), 0);
	c = gcp_ring_claim(ring, "7001", 4);
	reset();
	ck_assert_int_eq(gcp_ring_branch_ended(ring, c, 3), 1);
	ck_told(0);
	ck_assert_int_eq(gcp_ring_release(ring, c), 1);
	ck_told(1);
	ck_assert_str_eq(seen.at[0].to_tag, "t4");
	gcp_ring_unref(ring, c);
	/* no branch ended that the call knows: nothing */
	reset();
	ck_assert_int_eq(gcp_ring_branch_ended(ring, a, 9), 0);
	ck_told(0);
	gcp_ring_detach(ring, a);
	finish(ring);
}
END_TEST

/* calls of several members go at once (one lock: nslots 1) */
static gcp_call_t *ringing(
		gcp_ring_t *ring, const char *g, const char *m, unsigned id)
{
	gcp_call_t *c = track(ring, g, m, id, 100);
	ck_assert_int_eq(ring_at(ring, c, 0, "tag", 200), 1);
	return c;
}

START_TEST(test_note_once_per_lock)
{
	gcp_ring_t *ring = start(1, 1);
	gcp_call_t *c[6];

	/* three calls of one member, one tracked only: told once */
	c[0] = ringing(ring, "7001", "1001", 1);
	c[1] = ringing(ring, "7001", "1001", 2);
	c[2] = ringing(ring, "7001", "1001", 3);
	c[3] = track(ring, "7001", "1002", 4, 100);
	reset();
	ck_assert_uint_eq(gcp_ring_expire(ring, 10000, 1000), 4);
	ck_told(1);
	ck_note(0, "7001", "1001");
	for(int i = 0; i < 4; i++)
		gcp_ring_detach(ring, c[i]);
	finish(ring);
}
END_TEST

START_TEST(test_note_four_distinct)
{
	gcp_ring_t *ring = start(1, 1);
	gcp_call_t *c[6];

	/* GCP_RING_NOTES distinct (group, callee), told each once; the
	 * strings are compared with their lengths ("7001"+"1001" is not
	 * "70011"+"001"; a group's calls go in tracked order, so "10011" is
	 * noted before its prefix "1001") */
	ck_assert_int_eq(GCP_RING_NOTES, 4);
	c[0] = ringing(ring, "7001", "10011", 1);
	c[1] = ringing(ring, "7001", "1001", 2);
	c[2] = ringing(ring, "7002", "1001", 3);
	c[3] = ringing(ring, "70011", "001", 4);
	c[4] = ringing(ring, "7002", "1001", 5); /* the same as c[2] */
	reset();
	ck_assert_uint_eq(gcp_ring_expire(ring, 10000, 1000), 5);
	ck_told(4);
	ck_told_once("7001", "10011");
	ck_told_once("7001", "1001");
	ck_told_once("7002", "1001");
	ck_told_once("70011", "001");
	for(int i = 0; i < 5; i++)
		gcp_ring_detach(ring, c[i]);
	finish(ring);
}
END_TEST

START_TEST(test_note_overflow)
{
	gcp_ring_t *ring = start(1, 1);
	gcp_call_t *c[8], *d;
	char m[16];

	seen.ring = ring;
	for(int i = 0; i < 6; i++) {
		snprintf(m, sizeof(m), "10%02d", i);
		c[i] = ringing(ring, i % 2 ? "7001" : "7002", m, 1 + i);
	}
	c[6] = ringing(ring, "7002", "1000", 7); /* a duplicate after overflow */
	reset();
	ck_assert_uint_eq(gcp_ring_expire(ring, 10000, 1000), 7);
	/* more than could be noted: one "anything may have changed" */
	ck_told(1);
	ck_assert_int_eq(seen.at[0].any, 1);
	/* and the next change is told as usual (the overflow was cleared) */
	d = track(ring, "7003", "1009", 9, 20000);
	reset();
	ck_assert_int_eq(ring_at(ring, d, 0, "tag", 20001), 1);
	ck_told(1);
	ck_note(0, "7003", "1009");
	ck_assert_int_eq(seen.at[0].found, 1);
	for(int i = 0; i < 7; i++)
		gcp_ring_detach(ring, c[i]);
	gcp_ring_detach(ring, d);
	finish(ring);
}
END_TEST

/* longest group and member: the notes hold them whole */
START_TEST(test_note_longest)
{
	gcp_ring_t *ring = start(2, 1);
	char g[GCP_RING_MAX_NUMBER + 1], m[GCP_RING_MAX_USER + 1];
	gcp_call_t *a, *b;

	memset(g, '7', GCP_RING_MAX_NUMBER);
	g[GCP_RING_MAX_NUMBER] = '\0';
	memset(m, 'u', GCP_RING_MAX_USER);
	m[GCP_RING_MAX_USER] = '\0';
	a = ringing(ring, g, m, 1);
	ck_told(1);
	ck_note(0, g, m);
	/* a call without a callee (a group's own call): callee "" */
	reset();
	b = ringing(ring, "7001", "", 2);
	ck_told(1);
	ck_note(0, "7001", "");
	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	finish(ring);
}
END_TEST

/* no observer: every change as before, nothing told, nothing left over
 * for a ring that has one */
START_TEST(test_no_observer)
{
	gcp_ring_t *ring = start(1, 0), *other;
	gcp_call_t *c[6], *x;
	char m[16];

	for(int i = 0; i < 6; i++) {
		snprintf(m, sizeof(m), "10%02d", i);
		c[i] = ringing(ring, "7001", m, 1 + i);
	}
	x = gcp_ring_claim(ring, "7001", 4);
	ck_assert_ptr_eq(x, c[0]);
	ck_assert_int_eq(gcp_ring_release(ring, x), 1);
	gcp_ring_unref(ring, x);
	ck_assert_int_eq(ring_at(ring, c[1], 1, "fork", 300), 0);
	ck_assert_int_eq(gcp_ring_branch_ended(ring, c[1], 0), 1);
	ck_assert_int_eq(gcp_ring_block(ring, c[2], 1), 1);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 5);
	ck_assert_uint_eq(gcp_ring_expire(ring, 10000, 1000), 6);
	ck_assert_uint_eq(gcp_ring_pickable(ring), 0);
	ck_told(0);
	for(int i = 0; i < 6; i++)
		gcp_ring_detach(ring, c[i]);
	gcp_ring_destroy(ring);
	ck_assert_uint_eq(unit_live_allocs(&env), 0);

	/* a second ring in this thread, with the observer: only its own */
	env.changed = observer;
	env.changed_ctx = &seen;
	other = gcp_ring_create(&env, 1, 0);
	ck_assert_ptr_nonnull(other);
	x = ringing(other, "7009", "1009", 9);
	ck_told(1);
	ck_note(0, "7009", "1009");
	gcp_ring_detach(other, x);
	finish(other);
}
END_TEST

/* gcp_ring_peek() */
typedef struct pcall
{
	int n; /* visits */
	int held;
	char f[GCP_F_COUNT][300];
} pcall_t;

static void peek_fields(const gcp_call_t *call, void *arg)
{
	pcall_t *p = arg;
	size_t len;
	const char *s;

	p->n++;
	p->held = held;
	for(int f = 0; f < GCP_F_COUNT; f++) {
		s = gcp_call_field(call, f, &len);
		ck_assert_uint_lt(len, sizeof(p->f[f]));
		memcpy(p->f[f], s, len);
		p->f[f][len] = '\0';
	}
}

static int peek(gcp_ring_t *ring, const char *g, const char *m, pcall_t *p)
{
	memset(p, 0, sizeof(*p));
	return gcp_ring_peek(
			ring, g, strlen(g), m, m ? strlen(m) : 0, peek_fields, p);
}

START_TEST(test_peek)
{
	gcp_ring_t *ring = start(4, 1);
	gcp_call_t *a, *b, *c, *d, *x;
	pcall_t p;

	/* tracked in one order, ringing in another: the ringing order counts */
	a = track(ring, "7001", "1001", 1, 100);
	b = track(ring, "7001", "1002", 2, 110);
	c = track(ring, "7001", "1001", 3, 120);
	d = track(ring, "7002", "1001", 4, 130); /* another group */
	ck_assert_int_eq(peek(ring, "7001", NULL, &p), 0);
	ck_assert_int_eq(p.n, 0);
	ring_at(ring, c, 0, "to-c", 200);
	ring_at(ring, b, 0, "to-b", 210);
	ring_at(ring, a, 0, "to-a", 220);
	ring_at(ring, d, 0, "to-d", 190);

	/* the group's oldest pickable, with every field */
	ck_assert_int_eq(peek(ring, "7001", NULL, &p), 1);
	ck_assert_int_eq(p.n, 1);
	ck_assert_int_eq(p.held, 1);
	ck_assert_str_eq(p.f[GCP_F_CALLID], "call-3");
	ck_assert_str_eq(p.f[GCP_F_GROUP], "7001");
	ck_assert_str_eq(p.f[GCP_F_CALLEE], "1001");
	ck_assert_str_eq(p.f[GCP_F_CALLER], "sip:2001@example.org");
	ck_assert_str_eq(p.f[GCP_F_FROM_TAG], "from-tag");
	ck_assert_str_eq(p.f[GCP_F_TO_TAG], "to-c");
	ck_assert_str_eq(p.f[GCP_F_CALLER_NAME], "Alice Caller");
	ck_assert_str_eq(p.f[GCP_F_DOMAIN], "pbx.example.org");
	ck_assert_str_eq(p.f[GCP_F_CONTACT], "");
	/* a member's oldest */
	ck_assert_int_eq(peek(ring, "7001", "1002", &p), 1);
	ck_assert_str_eq(p.f[GCP_F_CALLID], "call-2");
	ck_assert_int_eq(peek(ring, "7001", "1001", &p), 1);
	ck_assert_str_eq(p.f[GCP_F_CALLID], "call-3");
	ck_assert_int_eq(peek(ring, "7002", "1001", &p), 1);
	ck_assert_str_eq(p.f[GCP_F_CALLID], "call-4");
	/* the callee whole, not a prefix or a longer one */
	ck_assert_int_eq(peek(ring, "7001", "100", &p), 0);
	ck_assert_int_eq(peek(ring, "7001", "10011", &p), 0);
	ck_assert_int_eq(peek(ring, "7001", "1003", &p), 0);
	ck_assert_int_eq(peek(ring, "7003", NULL, &p), 0);
	ck_assert_int_eq(peek(ring, "700", NULL, &p), 0);
	ck_assert_int_eq(p.n, 0);
	ck_assert_int_eq(held, 0);

	/* a claimed call is skipped: the next one shows */
	x = gcp_ring_claim(ring, "7001", 4);
	ck_assert_ptr_eq(x, c);
	ck_assert_int_eq(peek(ring, "7001", NULL, &p), 1);
	ck_assert_str_eq(p.f[GCP_F_CALLID], "call-2");
	ck_assert_int_eq(peek(ring, "7001", "1001", &p), 1);
	ck_assert_str_eq(p.f[GCP_F_CALLID], "call-1");
	/* blocked too */
	gcp_ring_block(ring, a, 1);
	ck_assert_int_eq(peek(ring, "7001", "1001", &p), 0);
	/* peeking changes nothing: the claim still takes the oldest */
	ck_assert_uint_eq(gcp_ring_pickable(ring), 2);
	gcp_ring_unref(ring, x);
	x = gcp_ring_claim(ring, "7001", 4);
	ck_assert_ptr_eq(x, b);
	ck_assert_int_eq(peek(ring, "7001", NULL, &p), 0);
	gcp_ring_unref(ring, x);

	/* bad input: nothing visited */
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(
			gcp_ring_peek(NULL, "7002", 4, NULL, 0, peek_fields, &p), 0);
	ck_assert_int_eq(gcp_ring_peek(ring, NULL, 4, NULL, 0, peek_fields, &p), 0);
	ck_assert_int_eq(
			gcp_ring_peek(ring, "7002", 0, NULL, 0, peek_fields, &p), 0);
	ck_assert_int_eq(gcp_ring_peek(ring, "7002", GCP_RING_MAX_NUMBER + 1, NULL,
							 0, peek_fields, &p),
			0);
	ck_assert_int_eq(gcp_ring_peek(ring, "7002", 4, NULL, 0, NULL, &p), 0);
	ck_assert_int_eq(p.n, 0);
	ck_assert_int_eq(held, 0);

	gcp_ring_detach(ring, a);
	gcp_ring_detach(ring, b);
	gcp_ring_detach(ring, c);
	gcp_ring_detach(ring, d);
	finish(ring);
}
END_TEST

static Suite *notes_suite(void)
{
	Suite *s = suite_create("ring_notes");

	UNIT_TCASE(s, "observer", 30, test_note_pickable, test_note_claim_picked,
			test_note_release, test_note_block, test_note_forget,
			test_note_to_tag, test_note_once_per_lock, test_note_four_distinct,
			test_note_overflow, test_note_longest, test_no_observer);
	UNIT_TCASE(s, "peek", 30, test_peek);
	return s;
}

int main(void)
{
	return run_suite(notes_suite());
}
