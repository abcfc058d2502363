/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of the busy lamps (gcp_lamp.c): the table, the decision,
 * the dialog and publication ids. */

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "check_util.h"
#include "gcp_lamp.h"
#include "unit_util.h"

/* an allocator that fails on demand (out of shared memory): fail_allocs
 * set fails every allocation; allocs_left > 0 lets that many succeed
 * first */
static int fail_allocs;
static int allocs_left;
static int lock_depth; /* locks of the table held now */

static void *fail_alloc(size_t size)
{
	if(fail_allocs && allocs_left == 0)
		return NULL;
	if(fail_allocs)
		allocs_left--;
	return unit_alloc(size);
}

static void depth_lock(void *ctx, unsigned idx)
{
	unit_lock(ctx, idx);
	lock_depth++;
}

static void depth_unlock(void *ctx, unsigned idx)
{
	lock_depth--;
	unit_unlock(ctx, idx);
}

static gcp_ring_env_t env;
/* a table's own blocks: itself, its buckets, its watch filter */
#define TABLE_ALLOCS 3

static gcp_lamps_t *start(unsigned nslots, unsigned nbuckets)
{
	gcp_lamps_t *t;

	env = unit_env(nslots);
	env.alloc = fail_alloc;
	env.lock = depth_lock;
	env.unlock = depth_unlock;
	t = gcp_lamps_create(&env, nslots, nbuckets);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(unit_live_allocs(&env), TABLE_ALLOCS);
	return t;
}

static void finish(gcp_lamps_t *t)
{
	gcp_lamps_destroy(t);
	ck_assert_uint_eq(unit_live_allocs(&env), 0);
	unit_env_free(&env);
}

/* a view of one call's dialog; strings owned by the test */
typedef struct tview
{
	char f[GCP_LF_COUNT][80];
	gcp_lamp_view_t v;
} tview_t;

static void view_set(tview_t *t, int f, const char *s)
{
	snprintf(t->f[f], sizeof(t->f[f]), "%s", s);
	t->v.s[f] = t->f[f];
	t->v.len[f] = strlen(t->f[f]);
}

static void mk_view(tview_t *t, const char *callid)
{
	memset(t, 0, sizeof(*t));
	view_set(t, GCP_LF_GROUP, "7001");
	view_set(t, GCP_LF_CALLEE, "1001");
	view_set(t, GCP_LF_CALLID, callid);
	view_set(t, GCP_LF_FROM_TAG, "from-tag-1");
	view_set(t, GCP_LF_TO_TAG, "to-tag-1");
	view_set(t, GCP_LF_CALLER, "sip:2001@example.org");
	view_set(t, GCP_LF_CALLER_NAME, "Alice");
	view_set(t, GCP_LF_DOMAIN, "example.org");
}

static gcp_lamp_t *set(gcp_lamps_t *t, int kind, const char *key,
		const gcp_lamp_view_t *v, uint64_t inflight)
{
	return gcp_lamps_set(t, kind, key, strlen(key), v, inflight);
}

static gcp_lamp_t *find(gcp_lamps_t *t, int kind, const char *key)
{
	return gcp_lamps_find(t, kind, key, strlen(key));
}

/* the lamp shows exactly v */
static void ck_shows(const gcp_lamp_t *l, const gcp_lamp_view_t *v)
{
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(l->shows, 1);
	for(int f = 0; f < GCP_LF_COUNT; f++) {
		ck_assert_uint_eq(l->len[f], v->len[f]);
		ck_assert_int_eq(memcmp(l->s[f], v->s[f], v->len[f]), 0);
		ck_assert_int_eq(l->s[f][v->len[f]], '\0');
	}
}

START_TEST(test_create_bounds)
{
	gcp_ring_env_t e = unit_env(4);
	gcp_lamps_t *t;

	e.alloc = fail_alloc;
	ck_assert_ptr_null(gcp_lamps_create(NULL, 4, 16));
	ck_assert_ptr_null(gcp_lamps_create(&e, 0, 16));
	ck_assert_ptr_null(gcp_lamps_create(&e, 4, 3));
	ck_assert_uint_eq(unit_live_allocs(&e), 0);
	/* out of memory at the table, its buckets or its watch filter:
	 * nothing kept */
	for(int ok = 0; ok < 3; ok++) {
		fail_allocs = 1;
		allocs_left = ok;
		ck_assert_ptr_null(gcp_lamps_create(&e, 4, 16));
		fail_allocs = 0;
		ck_assert_int_eq(allocs_left, 0);
		ck_assert_uint_eq(unit_live_allocs(&e), 0);
	}
	/* nbuckets not a multiple of nslots: rounded up, every lamp found */
	t = gcp_lamps_create(&e, 3, 10);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(gcp_lamps_nslots(t), 3);
	for(int i = 0; i < 50; i++) {
		char key[16];
		snprintf(key, sizeof(key), "%d", 1000 + i);
		ck_assert_uint_lt(
				gcp_lamps_slot(t, GCP_LAMP_MEMBER, key, strlen(key)), 3);
		ck_assert_ptr_nonnull(set(t, GCP_LAMP_MEMBER, key, NULL, 1));
	}
	ck_assert_uint_eq(gcp_lamps_count(t), 50);
	gcp_lamps_destroy(t);
	ck_assert_uint_eq(unit_live_allocs(&e), 0);
	ck_assert_uint_eq(gcp_lamps_nslots(NULL), 0);
	ck_assert_uint_eq(gcp_lamps_count(NULL), 0);
	unit_env_free(&e);
}
END_TEST

START_TEST(test_set_find_drop)
{
	gcp_lamps_t *t = start(4, 16);
	tview_t a;
	gcp_lamp_t *l, *m, *g;

	mk_view(&a, "call-a");
	ck_assert_ptr_null(find(t, GCP_LAMP_MEMBER, "1001"));
	ck_assert_uint_eq(gcp_lamps_count(t), 0);

	/* nothing shown, a PUBLISH in flight */
	l = set(t, GCP_LAMP_MEMBER, "1001", NULL, 500);
	ck_assert_ptr_nonnull(l);
	ck_assert_ptr_eq(find(t, GCP_LAMP_MEMBER, "1001"), l);
	ck_assert_int_eq(l->kind, GCP_LAMP_MEMBER);
	ck_assert_int_eq(l->shows, 0);
	ck_assert_int_eq(l->dirty, 0);
	ck_assert_int_eq(l->removing, 0);
	ck_assert_uint_eq(l->inflight_ms, 500);
	ck_assert_uint_eq(l->keylen, 4);
	ck_assert_str_eq(l->key, "1001");
	for(int f = 0; f < GCP_LF_COUNT; f++)
		ck_assert_uint_eq(l->len[f], 0);
	ck_assert_uint_eq(gcp_lamps_count(t), 1);

	/* the same key as a group is another presentity */
	g = set(t, GCP_LAMP_GROUP, "1001", &a.v, 0);
	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_ne(g, l);
	ck_assert_int_eq(g->kind, GCP_LAMP_GROUP);
	ck_assert_uint_eq(gcp_lamps_count(t), 2);
	ck_assert_ptr_eq(find(t, GCP_LAMP_MEMBER, "1001"), l);
	ck_assert_ptr_eq(find(t, GCP_LAMP_GROUP, "1001"), g);
	ck_shows(g, &a.v);
	/* a prefix or a longer key is another one too */
	ck_assert_ptr_null(find(t, GCP_LAMP_MEMBER, "100"));
	ck_assert_ptr_null(find(t, GCP_LAMP_MEMBER, "10011"));

	/* set replaces: one entry, the new state, dirty cleared */
	l->dirty = 1;
	l->removing = 1;
	m = set(t, GCP_LAMP_MEMBER, "1001", &a.v, 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_eq(find(t, GCP_LAMP_MEMBER, "1001"), m);
	ck_assert_uint_eq(gcp_lamps_count(t), 2);
	ck_shows(m, &a.v);
	ck_assert_int_eq(m->dirty, 0);
	ck_assert_int_eq(m->removing, 0);
	ck_assert_uint_eq(m->inflight_ms, 0);
	ck_assert_str_eq(m->key, "1001");
	/* the old lamp is freed, not kept: header, key and strings are one
	 * allocation per lamp */
	ck_assert_uint_eq(unit_live_allocs(&env), TABLE_ALLOCS + 2);

	gcp_lamps_drop(t, GCP_LAMP_MEMBER, "1001", 4);
	ck_assert_ptr_null(find(t, GCP_LAMP_MEMBER, "1001"));
	ck_assert_ptr_eq(find(t, GCP_LAMP_GROUP, "1001"), g);
	ck_assert_uint_eq(gcp_lamps_count(t), 1);
	/* dropping what is not there changes nothing */
	gcp_lamps_drop(t, GCP_LAMP_MEMBER, "1001", 4);
	gcp_lamps_drop(t, GCP_LAMP_MEMBER, "9999", 4);
	gcp_lamps_drop(t, GCP_LAMP_MEMBER, NULL, 4);
	gcp_lamps_drop(NULL, GCP_LAMP_MEMBER, "1001", 4);
	ck_assert_uint_eq(gcp_lamps_count(t), 1);
	ck_assert_uint_eq(unit_live_allocs(&env), TABLE_ALLOCS + 1);
	ck_assert_ptr_null(gcp_lamps_find(NULL, GCP_LAMP_GROUP, "1001", 4));
	ck_assert_ptr_null(gcp_lamps_find(t, GCP_LAMP_GROUP, NULL, 4));
	finish(t);
}
END_TEST

/* one bucket: the chain survives a replace and a drop in its middle */
START_TEST(test_chain)
{
	gcp_lamps_t *t = start(1, 1);
	tview_t a;
	char key[16];

	mk_view(&a, "call-a");
	for(int i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "10%02d", i);
		ck_assert_ptr_nonnull(set(t, GCP_LAMP_MEMBER, key, NULL, 10 + i));
	}
	ck_assert_ptr_nonnull(set(t, GCP_LAMP_MEMBER, "1002", &a.v, 0));
	gcp_lamps_drop(t, GCP_LAMP_MEMBER, "1003", 4);
	ck_assert_uint_eq(gcp_lamps_count(t), 4);
	for(int i = 0; i < 5; i++) {
		gcp_lamp_t *l;
		snprintf(key, sizeof(key), "10%02d", i);
		l = find(t, GCP_LAMP_MEMBER, key);
		if(i == 3) {
			ck_assert_ptr_null(l);
			continue;
		}
		ck_assert_ptr_nonnull(l);
		ck_assert_str_eq(l->key, key);
		ck_assert_uint_eq(l->inflight_ms, i == 2 ? 0 : 10 + (unsigned)i);
		ck_assert_int_eq(l->shows, i == 2);
	}
	finish(t);
}
END_TEST

START_TEST(test_set_refuses)
{
	gcp_lamps_t *t = start(2, 8);
	tview_t a;

	mk_view(&a, "call-a");
	ck_assert_ptr_null(gcp_lamps_set(NULL, 0, "1001", 4, &a.v, 0));
	ck_assert_ptr_null(gcp_lamps_set(t, 0, NULL, 4, &a.v, 0));
	ck_assert_ptr_null(gcp_lamps_set(t, 0, "1001", 0, &a.v, 0));
	ck_assert_ptr_null(
			gcp_lamps_set(t, 0, "1001", (size_t)UINT16_MAX + 1, &a.v, 0));
	a.v.len[GCP_LF_CALLER] = (size_t)UINT16_MAX + 1;
	ck_assert_ptr_null(gcp_lamps_set(t, 0, "1001", 4, &a.v, 0));
	ck_assert_uint_eq(gcp_lamps_count(t), 0);
	ck_assert_uint_eq(unit_live_allocs(&env), TABLE_ALLOCS);
	finish(t);
}
END_TEST

/* out of memory: the old lamp stays as it was */
START_TEST(test_set_nomem_keeps_old)
{
	gcp_lamps_t *t = start(2, 8);
	tview_t a, b;
	gcp_lamp_t *l;

	mk_view(&a, "call-a");
	mk_view(&b, "call-b-longer");
	l = set(t, GCP_LAMP_GROUP, "7001", &a.v, 700);
	ck_assert_ptr_nonnull(l);
	l->dirty = 1;

	fail_allocs = 1;
	ck_assert_ptr_null(set(t, GCP_LAMP_GROUP, "7001", &b.v, 800));
	ck_assert_ptr_null(set(t, GCP_LAMP_GROUP, "7001", NULL, 800));
	ck_assert_ptr_null(set(t, GCP_LAMP_GROUP, "7002", &b.v, 800));
	fail_allocs = 0;

	ck_assert_ptr_eq(find(t, GCP_LAMP_GROUP, "7001"), l);
	ck_assert_ptr_null(find(t, GCP_LAMP_GROUP, "7002"));
	ck_shows(l, &a.v);
	ck_assert_uint_eq(l->inflight_ms, 700);
	ck_assert_int_eq(l->dirty, 1);
	ck_assert_uint_eq(gcp_lamps_count(t), 1);
	ck_assert_uint_eq(unit_live_allocs(&env), TABLE_ALLOCS + 1);
	finish(t);
}
END_TEST

typedef struct seen_keys
{
	unsigned n;
	int depth; /* lock_depth seen by the visitor (all visits) */
	struct
	{
		int kind;
		char key[16];
	} at[64];
} seen_keys_t;

static void collect(int kind, const char *key, size_t len, void *arg)
{
	seen_keys_t *k = arg;

	ck_assert_uint_lt(k->n, 64);
	ck_assert_uint_lt(len, sizeof(k->at[0].key));
	k->at[k->n].kind = kind;
	memcpy(k->at[k->n].key, key, len);
	k->at[k->n].key[len] = '\0';
	if(k->depth == -1 || lock_depth < k->depth)
		k->depth = lock_depth;
	k->n++;
}

START_TEST(test_keys)
{
	gcp_lamps_t *t = start(4, 8);
	char key[16];
	unsigned total = 0, seen[2][20] = {{0}};

	for(int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "%d", 100 + i);
		ck_assert_ptr_nonnull(set(t, i % 2, key, NULL, 1));
	}
	ck_assert_uint_eq(gcp_lamps_count(t), 20);
	for(unsigned s = 0; s < gcp_lamps_nslots(t); s++) {
		seen_keys_t k = {.n = 0, .depth = -1};
		gcp_lamps_keys(t, s, collect, &k);
		ck_assert_int_eq(lock_depth, 0);
		if(k.n)
			ck_assert_int_eq(k.depth, 1); /* under the slot's lock */
		for(unsigned i = 0; i < k.n; i++) {
			int n = atoi(k.at[i].key) - 100;
			ck_assert_int_ge(n, 0);
			ck_assert_int_lt(n, 20);
			ck_assert_int_eq(k.at[i].kind, n % 2);
			/* in the slot whose lock guards it */
			ck_assert_uint_eq(gcp_lamps_slot(t, k.at[i].kind, k.at[i].key,
									  strlen(k.at[i].key)),
					s);
			seen[k.at[i].kind][n]++;
		}
		total += k.n;
	}
	ck_assert_uint_eq(total, 20);
	for(int i = 0; i < 20; i++)
		ck_assert_uint_eq(seen[i % 2][i], 1);

	/* a slot outside the set, no visitor, no table: nothing visited */
	{
		seen_keys_t k = {.n = 0, .depth = -1};
		gcp_lamps_keys(t, 4, collect, &k);
		gcp_lamps_keys(NULL, 0, collect, &k);
		gcp_lamps_keys(t, 0, NULL, &k);
		ck_assert_uint_eq(k.n, 0);
	}
	for(int i = 0; i < 20; i += 2) {
		snprintf(key, sizeof(key), "%d", 100 + i);
		gcp_lamps_drop(t, GCP_LAMP_MEMBER, key, strlen(key));
	}
	ck_assert_uint_eq(gcp_lamps_count(t), 10);
	total = 0;
	for(unsigned s = 0; s < gcp_lamps_nslots(t); s++) {
		seen_keys_t k = {.n = 0, .depth = -1};
		gcp_lamps_keys(t, s, collect, &k);
		for(unsigned i = 0; i < k.n; i++)
			ck_assert_int_eq(k.at[i].kind, GCP_LAMP_GROUP);
		total += k.n;
	}
	ck_assert_uint_eq(total, 10);
	finish(t);
}
END_TEST

/* the watch filter: off, every presentity may be watched; on, only the
 * marked ones, whatever their kind; marks made before it is on count */
START_TEST(test_watch_filter)
{
	gcp_lamps_t *t = start(4, 16);
	char key[16];
	int unmarked_maybe = 0;

	ck_assert_int_eq(gcp_lamps_filtering(t), 0);
	ck_assert_int_eq(gcp_lamps_filtering(NULL), 0);
	ck_assert_int_eq(gcp_lamps_may_be_watched(t, "1001", 4), 1);
	gcp_lamps_mark_watched(t, "1001", 4);
	gcp_lamps_filter_on(t);
	ck_assert_int_eq(gcp_lamps_filtering(t), 1);
	ck_assert_int_eq(gcp_lamps_may_be_watched(t, "1001", 4), 1);
	ck_assert_int_eq(gcp_lamps_may_be_watched(t, "1002", 4), 0);
	ck_assert_int_eq(gcp_lamps_may_be_watched(t, "100", 3), 0);
	ck_assert_int_eq(gcp_lamps_may_be_watched(t, "", 0), 0);
	/* 1,000 members marked: none is forgotten, and of 1,000 others
	 * (2^17 bits) almost none is taken for watched */
	for(int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "m%d", i);
		gcp_lamps_mark_watched(t, key, strlen(key));
	}
	for(int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "m%d", i);
		ck_assert_int_eq(gcp_lamps_may_be_watched(t, key, strlen(key)), 1);
		snprintf(key, sizeof(key), "x%d", i);
		unmarked_maybe += gcp_lamps_may_be_watched(t, key, strlen(key));
	}
	ck_assert_int_lt(unmarked_maybe, 30);
	/* marks are keyed by the string alone: lamps of either kind */
	ck_assert_ptr_nonnull(set(t, GCP_LAMP_GROUP, "m7", NULL, 1));
	ck_assert_int_eq(gcp_lamps_may_be_watched(t, "m7", 2), 1);
	finish(t);
}
END_TEST

START_TEST(test_view_round_trip)
{
	gcp_lamps_t *t = start(2, 8);
	tview_t a;
	gcp_lamp_view_t out;
	gcp_lamp_t *l;

	mk_view(&a, "call-a");
	/* empty fields (no To tag, no display name) come back empty */
	view_set(&a, GCP_LF_TO_TAG, "");
	view_set(&a, GCP_LF_CALLER_NAME, "");
	l = set(t, GCP_LAMP_MEMBER, "1001", &a.v, 0);
	memset(&out, 0x5a, sizeof(out));
	gcp_lamp_view(l, &out);
	for(int f = 0; f < GCP_LF_COUNT; f++) {
		ck_assert_uint_eq(out.len[f], a.v.len[f]);
		ck_assert_ptr_nonnull(out.s[f]);
		ck_assert_int_eq(memcmp(out.s[f], a.f[f], a.v.len[f]), 0);
	}
	/* the lamp's copy, not the caller's strings */
	ck_assert_ptr_ne(out.s[GCP_LF_CALLID], a.f[GCP_LF_CALLID]);
	memset(a.f, 'x', sizeof(a.f));
	ck_assert_int_eq(memcmp(out.s[GCP_LF_CALLID], "call-a", 6), 0);
	mk_view(&a, "call-a");
	ck_assert_int_eq(gcp_lamp_same(l, &a.v), 0); /* tags/name differ */
	view_set(&a, GCP_LF_TO_TAG, "");
	view_set(&a, GCP_LF_CALLER_NAME, "");
	ck_assert_int_eq(gcp_lamp_same(l, &a.v), 1);
	ck_assert_int_eq(gcp_lamp_same(l, &out), 1);
	/* the lamp set again from its own view (gcp_blf.c's dark step): the
	 * strings are copied before the old lamp goes */
	l = set(t, GCP_LAMP_MEMBER, "1001", &out, 9);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(gcp_lamps_count(t), 1);
	ck_shows(l, &a.v);
	ck_assert_uint_eq(l->inflight_ms, 9);

	/* nothing shown: an empty view */
	l = set(t, GCP_LAMP_MEMBER, "1002", NULL, 5);
	memset(&out, 0x5a, sizeof(out));
	gcp_lamp_view(l, &out);
	for(int f = 0; f < GCP_LF_COUNT; f++) {
		ck_assert_uint_eq(out.len[f], 0);
		ck_assert_ptr_null(out.s[f]);
	}
	memset(&out, 0x5a, sizeof(out));
	gcp_lamp_view(NULL, &out);
	for(int f = 0; f < GCP_LF_COUNT; f++)
		ck_assert_uint_eq(out.len[f], 0);
	finish(t);
}
END_TEST

START_TEST(test_same)
{
	gcp_lamps_t *t = start(2, 8);
	tview_t a, b;
	gcp_lamp_t *l, *dark;
	/* what the documents show: a change in any of these is a new one */
	static const int shown[] = {GCP_LF_CALLEE, GCP_LF_CALLID, GCP_LF_FROM_TAG,
			GCP_LF_TO_TAG, GCP_LF_CALLER, GCP_LF_CALLER_NAME, GCP_LF_DOMAIN};

	mk_view(&a, "call-a");
	l = set(t, GCP_LAMP_MEMBER, "1001", &a.v, 0);
	dark = set(t, GCP_LAMP_MEMBER, "1002", NULL, 0);
	ck_assert_int_eq(gcp_lamp_same(l, &a.v), 1);
	ck_assert_int_eq(gcp_lamp_same(NULL, &a.v), 0);
	ck_assert_int_eq(gcp_lamp_same(l, NULL), 0);
	/* a lamp showing nothing shows no dialog, not even an empty one */
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(gcp_lamp_same(dark, &b.v), 0);
	ck_assert_int_eq(gcp_lamp_same(dark, &a.v), 0);

	for(size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		int f = shown[i];
		char s[96];

		/* same length, one byte differs */
		b = a;
		for(int k = 0; k < GCP_LF_COUNT; k++)
			b.v.s[k] = b.f[k];
		b.f[f][b.v.len[f] - 1] ^= 1;
		ck_assert_msg(gcp_lamp_same(l, &b.v) == 0, "field %d: one byte", f);
		/* longer, same prefix */
		b = a;
		snprintf(s, sizeof(s), "%sx", a.f[f]);
		view_set(&b, f, s);
		for(int k = 0; k < GCP_LF_COUNT; k++)
			b.v.s[k] = b.f[k];
		ck_assert_msg(gcp_lamp_same(l, &b.v) == 0, "field %d: longer", f);
		/* shorter (the To tag may become empty) */
		b = a;
		for(int k = 0; k < GCP_LF_COUNT; k++)
			b.v.s[k] = b.f[k];
		b.v.len[f] = 0;
		ck_assert_msg(gcp_lamp_same(l, &b.v) == 0, "field %d: empty", f);
		/* a copy elsewhere is the same */
		b = a;
		for(int k = 0; k < GCP_LF_COUNT; k++)
			b.v.s[k] = b.f[k];
		ck_assert_msg(gcp_lamp_same(l, &b.v) == 1, "field %d: copy", f);
	}
	/* the group is in no document (a group lamp's key is it, a member's
	 * documents never name it): not a change of what is shown */
	b = a;
	view_set(&b, GCP_LF_GROUP, "7002");
	for(int k = 0; k < GCP_LF_COUNT; k++)
		b.v.s[k] = b.f[k];
	ck_assert_int_eq(gcp_lamp_same(l, &b.v), 1);
	finish(t);
}
END_TEST

#define STALE 5000

START_TEST(test_decide_nothing_shown)
{
	gcp_lamps_t *t = start(2, 8);
	tview_t a;
	gcp_lamp_t *l;

	mk_view(&a, "call-a");
	/* no lamp */
	ck_assert_int_eq(
			gcp_lamp_decide(NULL, NULL, 1, 1000, STALE), GCP_LAMP_KEEP);
	ck_assert_int_eq(
			gcp_lamp_decide(NULL, NULL, 0, 1000, STALE), GCP_LAMP_KEEP);
	ck_assert_int_eq(
			gcp_lamp_decide(NULL, &a.v, 1, 1000, STALE), GCP_LAMP_SHOW);
	ck_assert_int_eq(
			gcp_lamp_decide(NULL, &a.v, 0, 1000, STALE), GCP_LAMP_KEEP);
	/* a lamp that shows nothing, nothing in flight: the same */
	l = set(t, GCP_LAMP_MEMBER, "1001", NULL, 0);
	ck_assert_int_eq(gcp_lamp_decide(l, NULL, 1, 1000, STALE), GCP_LAMP_KEEP);
	ck_assert_int_eq(gcp_lamp_decide(l, &a.v, 1, 1000, STALE), GCP_LAMP_SHOW);
	ck_assert_int_eq(gcp_lamp_decide(l, &a.v, 0, 1000, STALE), GCP_LAMP_KEEP);
	finish(t);
}
END_TEST

START_TEST(test_decide_shown)
{
	gcp_lamps_t *t = start(2, 8);
	tview_t a, b;
	gcp_lamp_t *l;

	mk_view(&a, "call-a");
	l = set(t, GCP_LAMP_MEMBER, "1001", &a.v, 0);
	/* the call went: dark, watched or not (a watcher may have gone
	 * since: what is live must end) */
	ck_assert_int_eq(gcp_lamp_decide(l, NULL, 1, 1000, STALE), GCP_LAMP_DARK);
	ck_assert_int_eq(gcp_lamp_decide(l, NULL, 0, 1000, STALE), GCP_LAMP_DARK);
	/* the same dialog */
	ck_assert_int_eq(gcp_lamp_decide(l, &a.v, 1, 1000, STALE), GCP_LAMP_KEEP);
	ck_assert_int_eq(gcp_lamp_decide(l, &a.v, 0, 1000, STALE), GCP_LAMP_KEEP);
	/* another one, whichever field differs */
	for(int f = 0; f < GCP_LF_COUNT; f++) {
		if(f == GCP_LF_GROUP)
			continue;
		b = a;
		for(int k = 0; k < GCP_LF_COUNT; k++)
			b.v.s[k] = b.f[k];
		b.f[f][0] ^= 1;
		ck_assert_msg(gcp_lamp_decide(l, &b.v, 1, 1000, STALE) == GCP_LAMP_SHOW,
				"field %d", f);
		ck_assert_msg(gcp_lamp_decide(l, &b.v, 0, 1000, STALE) == GCP_LAMP_SHOW,
				"field %d unwatched", f);
	}
	finish(t);
}
END_TEST

START_TEST(test_decide_in_flight)
{
	gcp_lamps_t *t = start(2, 8);
	tview_t a, b;
	gcp_lamp_t *l, *d;

	mk_view(&a, "call-a");
	mk_view(&b, "call-b");
	l = set(t, GCP_LAMP_MEMBER, "1001", &a.v, 10000);
	d = set(t, GCP_LAMP_MEMBER, "1002", NULL, 10000); /* removal in flight */
	/* younger than stale: wait, whatever should be */
	for(uint64_t now = 10000; now < 10000 + STALE; now += STALE - 1) {
		ck_assert_int_eq(
				gcp_lamp_decide(l, NULL, 1, now, STALE), GCP_LAMP_WAIT);
		ck_assert_int_eq(
				gcp_lamp_decide(l, &a.v, 1, now, STALE), GCP_LAMP_WAIT);
		ck_assert_int_eq(
				gcp_lamp_decide(l, &b.v, 1, now, STALE), GCP_LAMP_WAIT);
		ck_assert_int_eq(
				gcp_lamp_decide(l, &b.v, 0, now, STALE), GCP_LAMP_WAIT);
		ck_assert_int_eq(
				gcp_lamp_decide(d, &b.v, 1, now, STALE), GCP_LAMP_WAIT);
		ck_assert_int_eq(
				gcp_lamp_decide(d, NULL, 1, now, STALE), GCP_LAMP_WAIT);
	}
	/* stale: taken as lost, decided as if nothing were in flight */
	for(uint64_t now = 10000 + STALE; now < 10000 + 3 * STALE; now += STALE) {
		ck_assert_int_eq(
				gcp_lamp_decide(l, NULL, 1, now, STALE), GCP_LAMP_DARK);
		ck_assert_int_eq(
				gcp_lamp_decide(l, &a.v, 1, now, STALE), GCP_LAMP_KEEP);
		ck_assert_int_eq(
				gcp_lamp_decide(l, &b.v, 1, now, STALE), GCP_LAMP_SHOW);
		ck_assert_int_eq(
				gcp_lamp_decide(d, &b.v, 1, now, STALE), GCP_LAMP_SHOW);
		ck_assert_int_eq(
				gcp_lamp_decide(d, &b.v, 0, now, STALE), GCP_LAMP_KEEP);
		ck_assert_int_eq(
				gcp_lamp_decide(d, NULL, 1, now, STALE), GCP_LAMP_KEEP);
	}
	/* the decision changes nothing in the lamp */
	ck_shows(l, &a.v);
	ck_assert_uint_eq(l->inflight_ms, 10000);
	ck_assert_int_eq(l->dirty, 0);
	finish(t);
}
END_TEST

static void ck_id_form(const char *id, int n)
{
	ck_assert_int_eq(n, 20);
	ck_assert_int_eq(GCP_LAMP_ID_SIZE, 21);
	ck_assert_uint_eq(strlen(id), 20);
	ck_assert_int_eq(strncmp(id, "gcp-", 4), 0);
	for(int i = 4; i < 20; i++)
		ck_assert_msg(isxdigit((unsigned char)id[i])
							  && !isupper((unsigned char)id[i]),
				"id %s: char %d", id, i);
}

START_TEST(test_dialog_id)
{
	tview_t a, b;
	char ida[GCP_LAMP_ID_SIZE + 8], idb[GCP_LAMP_ID_SIZE];

	mk_view(&a, "call-a");
	memset(ida, '#', sizeof(ida));
	ck_id_form(ida, gcp_lamp_dialog_id(&a.v, ida));
	ck_assert_int_eq(ida[GCP_LAMP_ID_SIZE], '#'); /* nothing written past */

	/* stable for the call: its To tag, caller, domain may change (early
	 * and terminated documents, a fork taking over) */
	b = a;
	for(int k = 0; k < GCP_LF_COUNT; k++)
		b.v.s[k] = b.f[k];
	view_set(&b, GCP_LF_TO_TAG, "");
	view_set(&b, GCP_LF_CALLER_NAME, "Bob");
	view_set(&b, GCP_LF_DOMAIN, "other.example.org");
	view_set(&b, GCP_LF_CALLEE, "1002");
	view_set(&b, GCP_LF_GROUP, "7002");
	ck_id_form(idb, gcp_lamp_dialog_id(&b.v, idb));
	ck_assert_str_eq(ida, idb);

	/* another Call-ID or From tag: another dialog */
	view_set(&b, GCP_LF_CALLID, "call-b");
	ck_id_form(idb, gcp_lamp_dialog_id(&b.v, idb));
	ck_assert_str_ne(ida, idb);
	b = a;
	for(int k = 0; k < GCP_LF_COUNT; k++)
		b.v.s[k] = b.f[k];
	view_set(&b, GCP_LF_FROM_TAG, "from-tag-2");
	ck_id_form(idb, gcp_lamp_dialog_id(&b.v, idb));
	ck_assert_str_ne(ida, idb);

	/* the boundary between the two counts */
	view_set(&a, GCP_LF_CALLID, "ab");
	view_set(&a, GCP_LF_FROM_TAG, "c");
	view_set(&b, GCP_LF_CALLID, "a");
	view_set(&b, GCP_LF_FROM_TAG, "bc");
	ck_id_form(ida, gcp_lamp_dialog_id(&a.v, ida));
	ck_id_form(idb, gcp_lamp_dialog_id(&b.v, idb));
	ck_assert_str_ne(ida, idb);
	view_set(&b, GCP_LF_CALLID, "abc");
	view_set(&b, GCP_LF_FROM_TAG, "");
	ck_id_form(idb, gcp_lamp_dialog_id(&b.v, idb));
	ck_assert_str_ne(ida, idb);
	/* the same strings elsewhere: the same id */
	view_set(&b, GCP_LF_CALLID, "ab");
	view_set(&b, GCP_LF_FROM_TAG, "c");
	ck_id_form(idb, gcp_lamp_dialog_id(&b.v, idb));
	ck_assert_str_eq(ida, idb);
}
END_TEST

START_TEST(test_pub_id)
{
	char buf[32];
	const char *key;
	size_t len;
	int kind;

	memset(buf, '#', sizeof(buf));
	ck_assert_int_eq(gcp_lamp_pub_id(GCP_LAMP_MEMBER, "1001", 4, buf, 11), 10);
	ck_assert_str_eq(buf, "gcp.m.1001");
	ck_assert_int_eq(buf[11], '#');
	ck_assert_int_eq(gcp_lamp_parse_pub_id(buf, 10, &kind, &key, &len), 1);
	ck_assert_int_eq(kind, GCP_LAMP_MEMBER);
	ck_assert_ptr_eq(key, buf + 6);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(key, "1001", 4), 0);

	/* the key's bytes as given (not up to a NUL) */
	ck_assert_int_eq(gcp_lamp_pub_id(GCP_LAMP_GROUP, "7001xx", 4, buf, 32), 10);
	ck_assert_str_eq(buf, "gcp.g.7001");
	ck_assert_int_eq(gcp_lamp_parse_pub_id(buf, 10, &kind, &key, &len), 1);
	ck_assert_int_eq(kind, GCP_LAMP_GROUP);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(key, "7001", 4), 0);
	/* idlen counts, not the NUL: a shorter id reads a shorter key */
	ck_assert_int_eq(gcp_lamp_parse_pub_id(buf, 8, &kind, &key, &len), 1);
	ck_assert_uint_eq(len, 2);

	/* too small: refused, nothing written */
	memset(buf, '#', sizeof(buf));
	ck_assert_int_eq(gcp_lamp_pub_id(GCP_LAMP_MEMBER, "1001", 4, buf, 10), -1);
	ck_assert_int_eq(gcp_lamp_pub_id(GCP_LAMP_MEMBER, "1001", 4, buf, 0), -1);
	ck_assert_int_eq(buf[0], '#');
	ck_assert_int_eq(gcp_lamp_pub_id(GCP_LAMP_MEMBER, "1001", 4, NULL, 32), -1);
	ck_assert_int_eq(gcp_lamp_pub_id(GCP_LAMP_MEMBER, NULL, 4, buf, 32), -1);
	ck_assert_int_eq(gcp_lamp_pub_id(GCP_LAMP_MEMBER, "1001", 0, buf, 32), -1);
	ck_assert_int_eq(buf[0], '#');

	/* other modules' publications and malformed ids are not gcp's */
	{
		static const char *foreign[] = {"UL_PUBLISH.x", "gcp.x.1", "gcp.m",
				"gcp.m.", "gcp.g", "gcp-m.1001", "gcp.mx1001", "GCP.m.1001",
				"gcpxm.1001", "", "gcp.", "dialog.m.1001"};
		for(size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
			kind = -7;
			key = NULL;
			len = 99;
			ck_assert_msg(gcp_lamp_parse_pub_id(foreign[i], strlen(foreign[i]),
								  &kind, &key, &len)
								  == 0,
					"%s taken as gcp's", foreign[i]);
			ck_assert_int_eq(kind, -7);
		}
		ck_assert_int_eq(gcp_lamp_parse_pub_id(NULL, 10, &kind, &key, &len), 0);
		/* an id of gcp's cut before its key */
		ck_assert_int_eq(
				gcp_lamp_parse_pub_id("gcp.m.1001", 6, &kind, &key, &len), 0);
	}
}
END_TEST

static Suite *lamp_suite(void)
{
	Suite *s = suite_create("lamp");

	UNIT_TCASE(s, "table", 30, test_create_bounds, test_set_find_drop,
			test_chain, test_set_refuses, test_set_nomem_keeps_old, test_keys,
			test_view_round_trip);
	UNIT_TCASE(s, "decide", 30, test_same, test_decide_nothing_shown,
			test_decide_shown, test_decide_in_flight);
	UNIT_TCASE(s, "ids", 30, test_dialog_id, test_pub_id);
	UNIT_TCASE(s, "filter", 30, test_watch_filter);
	return s;
}

int main(void)
{
	return run_suite(lamp_suite());
}
