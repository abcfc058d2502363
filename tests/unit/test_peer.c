/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of the cluster's call table (gcp_peer.c). */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "gcp_peer.h"

/* malloc that counts what is live and fails on demand: fail_in == 1 makes
 * the next allocation fail, 0 never */
static size_t live;
static unsigned fail_in;

static void *t_alloc(size_t size)
{
	void *m;

	if(fail_in && --fail_in == 0)
		return NULL;
	m = malloc(size);
	if(m)
		live++;
	return m;
}

static void t_release(void *m)
{
	if(m)
		live--;
	free(m);
}

static const gcp_peer_env_t env = {t_alloc, t_release};

/* every test starts and finishes the table; finish checks nothing leaks */
static gcp_peers_t *start(unsigned nbuckets)
{
	gcp_peers_t *p;

	live = 0;
	fail_in = 0;
	p = gcp_peers_create(&env, nbuckets);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(live, 1);
	return p;
}

static void finish(gcp_peers_t *p)
{
	gcp_peers_destroy(p);
	ck_assert_uint_eq(live, 0);
}

/* one call's strings */
typedef struct tcall
{
	char callid[64];
	gcp_peer_call_in_t in;
} tcall_t;

static void set_field(gcp_peer_call_in_t *in, int f, const char *s)
{
	in->s[f] = s;
	in->len[f] = s ? strlen(s) : 0;
}

static gcp_peer_call_in_t *mk(tcall_t *t, unsigned id, const char *tag,
		const char *group, const char *callee, uint64_t since)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->callid, sizeof(t->callid), "call-%u@192.0.2.1", id);
	set_field(&t->in, GCP_PC_CALLID, t->callid);
	set_field(&t->in, GCP_PC_FROM_TAG, tag);
	set_field(&t->in, GCP_PC_GROUP, group);
	set_field(&t->in, GCP_PC_CALLEE, callee);
	set_field(&t->in, GCP_PC_CALLER, "sip:2001@example.org");
	t->in.since_ms = since;
	return &t->in;
}

static void add(gcp_peers_t *p, int node, unsigned id, const char *group,
		const char *callee, uint64_t since)
{
	tcall_t t;
	ck_assert_int_eq(
			gcp_peers_add(p, node, mk(&t, id, "ftag", group, callee, since)),
			0);
}

static int del(gcp_peers_t *p, int node, unsigned id)
{
	char cid[64];
	snprintf(cid, sizeof(cid), "call-%u@192.0.2.1", id);
	return gcp_peers_del(p, node, cid, strlen(cid), "ftag", 4);
}

/* a node that is up */
static int peer(gcp_peers_t *p, const char *uri)
{
	int i = gcp_peers_node(p, uri, strlen(uri), 1);
	ck_assert_int_ge(i, 1);
	gcp_peers_node_at(p, i)->up = 1;
	return i;
}

static unsigned ncalls(gcp_peers_t *p, int node)
{
	return gcp_peers_node_at(p, node)->ncalls;
}

static uint64_t digest(gcp_peers_t *p, int node)
{
	return gcp_peers_node_at(p, node)->calls_digest;
}

static uint64_t key_of(unsigned id, const char *tag)
{
	char cid[64];
	snprintf(cid, sizeof(cid), "call-%u@192.0.2.1", id);
	return gcp_peers_key_hash(cid, strlen(cid), tag, strlen(tag));
}

/* the oldest of the groups (NULL-terminated list), -1 when none; the
 * pick's ringing time and group index in *since and *which */
static int oldest(gcp_peers_t *p, const char *const *names, int by_order,
		const char *callee, uint64_t *since, size_t *which)
{
	gcp_peer_name_t g[8];
	gcp_peer_pick_t pick = {0};
	size_t n = 0;

	for(; names[n]; n++) {
		g[n].s = names[n];
		g[n].len = strlen(names[n]);
	}
	if(!gcp_peers_oldest(
			   p, g, n, by_order, callee, callee ? strlen(callee) : 0, &pick))
		return -1;
	if(since)
		*since = pick.since_ms;
	if(which)
		*which = pick.which;
	return pick.node;
}

/* a visitor's record: how many calls, and a copy of the last one's */
typedef struct seen
{
	unsigned n, stop_at;
	int node;
	char callid[64], group[64], callee[64];
	uint64_t since;
} seen_t;

static int count_visit(const gcp_peer_call_view_t *c, void *arg)
{
	seen_t *s = arg;

	s->n++;
	s->node = c->node;
	ck_assert_uint_eq(strlen(c->s[GCP_PC_CALLID]), c->len[GCP_PC_CALLID]);
	snprintf(s->callid, sizeof(s->callid), "%s", c->s[GCP_PC_CALLID]);
	snprintf(s->group, sizeof(s->group), "%s", c->s[GCP_PC_GROUP]);
	snprintf(s->callee, sizeof(s->callee), "%s", c->s[GCP_PC_CALLEE]);
	s->since = c->since_ms;
	return s->stop_at && s->n >= s->stop_at;
}

static void sweep_visit(const gcp_peer_call_view_t *c, void *arg)
{
	count_visit(c, arg);
}

static unsigned count(gcp_peers_t *p, int node)
{
	seen_t s = {0};
	gcp_peers_foreach(p, node, count_visit, &s);
	return s.n;
}

START_TEST(test_add_replace_del)
{
	gcp_peers_t *p = start(16);
	int n = peer(p, "sip:10.0.0.2:5060");
	tcall_t t;
	seen_t s = {0};

	add(p, n, 1, "7001", "1001", 100);
	ck_assert_uint_eq(ncalls(p, n), 1);
	ck_assert_uint_eq(digest(p, n), key_of(1, "ftag"));
	ck_assert_uint_eq(live, 2); /* one allocation per call */

	/* the same key: replaced, with a longer group and another callee */
	ck_assert_int_eq(
			gcp_peers_add(p, n, mk(&t, 1, "ftag", "7001234", "1002", 150)), 0);
	ck_assert_uint_eq(ncalls(p, n), 1);
	ck_assert_uint_eq(digest(p, n), key_of(1, "ftag"));
	ck_assert_uint_eq(live, 2);
	gcp_peers_foreach(p, n, count_visit, &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.node, n);
	ck_assert_str_eq(s.group, "7001234");
	ck_assert_str_eq(s.callee, "1002");
	ck_assert_uint_eq(s.since, 150);
	/* the old group no longer has it, the new one does */
	ck_assert_int_eq(
			oldest(p, (const char *[]){"7001", NULL}, 0, NULL, NULL, NULL), -1);
	ck_assert_int_eq(
			oldest(p, (const char *[]){"7001234", NULL}, 0, NULL, NULL, NULL),
			n);

	/* another tag is another call */
	ck_assert_int_eq(
			gcp_peers_add(p, n, mk(&t, 1, "other", "7001", "", 160)), 0);
	ck_assert_uint_eq(ncalls(p, n), 2);
	ck_assert_uint_eq(digest(p, n), key_of(1, "ftag") ^ key_of(1, "other"));

	ck_assert_int_eq(del(p, n, 1), 1);
	ck_assert_int_eq(del(p, n, 1), 0);
	ck_assert_int_eq(del(p, 0, 1), 0); /* not self's */
	ck_assert_uint_eq(ncalls(p, n), 1);
	ck_assert_uint_eq(digest(p, n), key_of(1, "other"));
	ck_assert_int_eq(
			gcp_peers_del(p, n, t.callid, strlen(t.callid), "other", 5), 1);
	ck_assert_uint_eq(ncalls(p, n), 0);
	ck_assert_uint_eq(digest(p, n), 0);
	ck_assert_uint_eq(live, 1);
	finish(p);
}
END_TEST

START_TEST(test_validation)
{
	gcp_peers_t *p = start(8);
	int n = peer(p, "sip:10.0.0.2");
	char big[300];
	tcall_t t;
	struct
	{
		int f;
		size_t max;
	} lim[] = {{GCP_PC_CALLID, GCP_PEER_MAX_CALLID},
			{GCP_PC_FROM_TAG, GCP_PEER_MAX_TAG},
			{GCP_PC_GROUP, GCP_PEER_MAX_NUMBER},
			{GCP_PC_CALLEE, GCP_PEER_MAX_USER},
			{GCP_PC_CALLER, GCP_PEER_MAX_URI}};

	add(p, n, 1, "7001", "1001", 100);
	memset(big, 'x', sizeof(big));
	for(int bad = 0; bad < 7; bad++) {
		for(int f = 0; f < GCP_PC_COUNT; f++) {
			int node = n;
			mk(&t, 1, "ftag", "7002", "1009", 999);
			switch(bad) {
				case 0: /* NULL */
					t.in.s[f] = NULL;
					break;
				case 1: /* empty: only the key and the group must be there */
					if(f == GCP_PC_CALLEE || f == GCP_PC_CALLER)
						continue;
					t.in.len[f] = 0;
					break;
				case 2: /* NULL with no length is empty */
					if(f == GCP_PC_CALLEE || f == GCP_PC_CALLER)
						continue;
					t.in.s[f] = NULL;
					t.in.len[f] = 0;
					break;
				case 3: /* one over the limit */
					t.in.s[f] = big;
					t.in.len[f] = lim[f].max + 1;
					break;
				case 4: /* node out of range */
					node = f % 2 ? -1 : GCP_PEER_MAX_NODES;
					break;
				case 5: /* node not in use */
					node = n + 1 + f;
					break;
				case 6: /* no table, no call */
					if(f)
						continue;
					ck_assert_int_eq(gcp_peers_add(NULL, n, &t.in), -2);
					ck_assert_int_eq(gcp_peers_add(p, n, NULL), -2);
					ck_assert_int_eq(gcp_peers_touch(p, n, NULL, 1), -2);
					continue;
			}
			ck_assert_int_eq(gcp_peers_add(p, node, &t.in), -2);
			ck_assert_int_eq(gcp_peers_touch(p, node, &t.in, 7), -2);
		}
	}
	/* nothing changed: the call is still the one added first */
	ck_assert_uint_eq(live, 2);
	ck_assert_uint_eq(ncalls(p, n), 1);
	ck_assert_uint_eq(digest(p, n), key_of(1, "ftag"));
	ck_assert_int_eq(count(p, -1), 1);
	ck_assert_int_eq(
			oldest(p, (const char *[]){"7001", NULL}, 0, "1001", NULL, NULL),
			n);
	ck_assert_uint_eq(gcp_peers_sweep(p, n, 0, NULL, NULL), 0);

	/* at the limits exactly: accepted */
	mk(&t, 2, "ftag", "7001", "1001", 5);
	for(int f = 0; f < GCP_PC_COUNT; f++) {
		t.in.s[f] = big;
		t.in.len[f] = lim[f].max;
	}
	ck_assert_int_eq(gcp_peers_add(p, n, &t.in), 0);
	ck_assert_uint_eq(ncalls(p, n), 2);
	/* slot GCP_PEER_SELF takes calls without a name */
	ck_assert_int_eq(gcp_peers_add(p, GCP_PEER_SELF, &t.in), 0);
	ck_assert_uint_eq(ncalls(p, GCP_PEER_SELF), 1);
	finish(p);
}
END_TEST

START_TEST(test_nodes)
{
	gcp_peers_t *p = start(4);
	char uri[GCP_PEER_URI_MAX + 2];
	gcp_peer_node_t *self;
	int a, b;

	/* self's slot is usable from the start, nameless and down */
	self = gcp_peers_node_at(p, GCP_PEER_SELF);
	ck_assert_ptr_nonnull(self);
	ck_assert_int_eq(self->used, 1);
	ck_assert_uint_eq(self->ulen, 0);
	ck_assert_int_eq(self->up, 0);
	ck_assert_ptr_null(gcp_peers_node_at(p, 1));
	ck_assert_ptr_null(gcp_peers_node_at(p, -1));
	ck_assert_ptr_null(gcp_peers_node_at(p, GCP_PEER_MAX_NODES));

	ck_assert_int_eq(gcp_peers_node(p, "sip:a", 5, 0), -1);
	a = gcp_peers_node(p, "sip:a", 5, 1);
	ck_assert_int_eq(a, 1);
	b = gcp_peers_node(p, "sip:b", 5, 1);
	ck_assert_int_eq(b, 2);
	ck_assert_int_eq(gcp_peers_node(p, "sip:a", 5, 0), a);
	ck_assert_int_eq(gcp_peers_node(p, "sip:a", 5, 1), a);
	ck_assert_int_eq(gcp_peers_node(p, "sip:ab", 5, 0), a); /* len counts */
	ck_assert_int_eq(gcp_peers_node(p, "sip:A", 5, 0), -1); /* exact */
	ck_assert_str_eq(gcp_peers_node_at(p, b)->uri, "sip:b");
	ck_assert_uint_eq(gcp_peers_node_at(p, b)->ulen, 5);
	ck_assert_int_eq(gcp_peers_node_at(p, b)->up, 0);
	ck_assert_uint_eq(gcp_peers_node_at(p, b)->boot, 0);

	/* empty or too long */
	memset(uri, 's', sizeof(uri));
	ck_assert_int_eq(gcp_peers_node(p, "", 0, 1), -1);
	ck_assert_int_eq(gcp_peers_node(p, NULL, 3, 1), -1);
	ck_assert_int_eq(gcp_peers_node(p, uri, GCP_PEER_URI_MAX + 1, 1), -1);
	ck_assert_int_eq(gcp_peers_node(p, uri, GCP_PEER_URI_MAX, 1), 3);
	ck_assert_uint_eq(strlen(gcp_peers_node_at(p, 3)->uri), GCP_PEER_URI_MAX);

	/* set_self names slot 0, which lookups of peers never return */
	ck_assert_int_eq(gcp_peers_set_self(p, uri, GCP_PEER_URI_MAX + 1), -1);
	ck_assert_int_eq(gcp_peers_set_self(p, "sip:me", 6), 0);
	ck_assert_str_eq(self->uri, "sip:me");
	ck_assert_ptr_eq(gcp_peers_node_at(p, GCP_PEER_SELF), self);
	ck_assert_int_eq(gcp_peers_node(p, "sip:me", 6, 0), -1);
	ck_assert_int_eq(gcp_peers_set_self(p, "sip:me2", 7), 0);
	ck_assert_str_eq(self->uri, "sip:me2");

	/* fill the table: slots 1 .. MAX - 1 */
	for(int i = 4; i < GCP_PEER_MAX_NODES; i++) {
		char u[32];
		snprintf(u, sizeof(u), "sip:n%d", i);
		ck_assert_int_eq(gcp_peers_node(p, u, strlen(u), 1), i);
	}
	ck_assert_int_eq(gcp_peers_node(p, "sip:full", 8, 1), -1);
	ck_assert_int_eq(gcp_peers_node(p, "sip:n31", 7, 1), 31);
	ck_assert_int_eq(gcp_peers_node(p, "sip:a", 5, 1), a);
	ck_assert_uint_eq(live, 1); /* nodes live in the table */
	finish(p);
}
END_TEST

START_TEST(test_oldest_age_order)
{
	/* one bucket: every group shares the chain, and must still be told
	 * apart by its name */
	gcp_peers_t *p = start(1);
	int a = peer(p, "sip:a"), b = peer(p, "sip:b"), c = peer(p, "sip:c");
	const char *const g[] = {"7001", NULL};
	uint64_t since = 0;

	add(p, b, 1, "7001", "1001", 300);
	add(p, a, 2, "7001", "1001", 200);
	add(p, c, 3, "7001", "1001", 100);
	add(p, a, 4, "7001", "1001", 400);
	add(p, c, 5, "7002", "1001", 50); /* older, another group */
	add(p, c, 6, "700", "1001", 10);  /* a prefix of the group */

	ck_assert_int_eq(oldest(p, g, 0, NULL, &since, NULL), c);
	ck_assert_uint_eq(since, 100);
	ck_assert_int_eq(del(p, c, 3), 1);
	ck_assert_int_eq(oldest(p, g, 1, NULL, &since, NULL), a);
	ck_assert_uint_eq(since, 200);
	ck_assert_int_eq(del(p, a, 2), 1);
	ck_assert_int_eq(oldest(p, g, 0, NULL, &since, NULL), b);
	ck_assert_uint_eq(since, 300);
	ck_assert_int_eq(del(p, b, 1), 1);
	ck_assert_int_eq(oldest(p, g, 0, NULL, &since, NULL), a);
	ck_assert_uint_eq(since, 400);
	ck_assert_int_eq(del(p, a, 4), 1);
	ck_assert_int_eq(oldest(p, g, 0, NULL, &since, NULL), -1);
	ck_assert_int_eq(
			oldest(p, (const char *[]){NULL}, 0, NULL, NULL, NULL), -1);
	ck_assert_int_eq(
			oldest(p, (const char *[]){"", NULL}, 0, NULL, NULL, NULL), -1);
	finish(p);
}
END_TEST

START_TEST(test_oldest_by_order)
{
	gcp_peers_t *p = start(32);
	int a = peer(p, "sip:a"), b = peer(p, "sip:b");
	const char *const g[] = {"7001", "7002", "7003", NULL};
	uint64_t since;
	size_t which;

	add(p, a, 1, "7001", "1001", 500);
	add(p, b, 2, "7002", "1002", 100);
	add(p, a, 3, "7003", "1003", 50);
	add(p, b, 4, "7001", "1001", 400);

	/* priority: the first group that has a call, its oldest */
	ck_assert_int_eq(oldest(p, g, 1, NULL, &since, &which), b);
	ck_assert_uint_eq(since, 400);
	ck_assert_uint_eq(which, 0);
	/* without: the oldest of them all */
	ck_assert_int_eq(oldest(p, g, 0, NULL, &since, &which), a);
	ck_assert_uint_eq(since, 50);
	ck_assert_uint_eq(which, 2);

	ck_assert_int_eq(del(p, a, 1), 1);
	ck_assert_int_eq(del(p, b, 4), 1);
	ck_assert_int_eq(oldest(p, g, 1, NULL, &since, &which), b);
	ck_assert_uint_eq(since, 100);
	ck_assert_uint_eq(which, 1);
	/* a group that is down only (its node) counts as empty */
	gcp_peers_node_at(p, b)->up = 0;
	ck_assert_int_eq(oldest(p, g, 1, NULL, &since, &which), a);
	ck_assert_uint_eq(which, 2);
	finish(p);
}
END_TEST

START_TEST(test_oldest_ties)
{
	gcp_peers_t *p = start(8);
	int a = peer(p, "sip:a"), b = peer(p, "sip:b"), c = peer(p, "sip:c");
	const char *const g[] = {"7001", "7002", NULL};
	size_t which;

	/* the same time everywhere: the lower index, then the lower node */
	add(p, c, 1, "7002", "1001", 100);
	add(p, c, 2, "7001", "1001", 100);
	add(p, b, 3, "7002", "1001", 100);
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, &which), c);
	ck_assert_uint_eq(which, 0);
	add(p, b, 4, "7001", "1001", 100);
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, &which), b);
	ck_assert_uint_eq(which, 0);
	add(p, a, 5, "7002", "1001", 100);
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, &which), b);
	ck_assert_uint_eq(which, 0);
	ck_assert_int_eq(del(p, b, 4), 1);
	ck_assert_int_eq(del(p, c, 2), 1);
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, &which), a);
	ck_assert_uint_eq(which, 1);
	/* older wins over a lower index */
	add(p, c, 6, "7002", "1001", 99);
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, &which), c);
	ck_assert_uint_eq(which, 1);
	add(p, c, 7, "7001", "1001", 100);
	ck_assert_int_eq(oldest(p, g, 1, NULL, NULL, &which), c);
	ck_assert_uint_eq(which, 0);
	finish(p);
}
END_TEST

START_TEST(test_oldest_callee)
{
	gcp_peers_t *p = start(8);
	int a = peer(p, "sip:a"), b = peer(p, "sip:b");
	const char *const g[] = {"7001", NULL};
	uint64_t since;

	add(p, a, 1, "7001", "1001", 100);
	add(p, b, 2, "7001", "1002", 200);
	add(p, b, 3, "7001", "10021", 50);
	add(p, a, 4, "7001", "", 10);
	ck_assert_int_eq(oldest(p, g, 0, "1002", &since, NULL), b);
	ck_assert_uint_eq(since, 200);
	ck_assert_int_eq(oldest(p, g, 0, "1001", &since, NULL), a);
	ck_assert_uint_eq(since, 100);
	ck_assert_int_eq(oldest(p, g, 0, "1003", NULL, NULL), -1);
	ck_assert_int_eq(oldest(p, g, 0, NULL, &since, NULL), a);
	ck_assert_uint_eq(since, 10);
	ck_assert_int_eq(
			oldest(p, (const char *[]){"7002", NULL}, 0, "1002", NULL, NULL),
			-1);
	finish(p);
}
END_TEST

START_TEST(test_node_down)
{
	gcp_peers_t *p = start(8);
	int a = peer(p, "sip:a"), b = peer(p, "sip:b");
	const char *const g[] = {"7001", NULL};
	tcall_t t;
	gcp_peer_pick_t pick;

	add(p, a, 1, "7001", "1001", 100);
	add(p, b, 2, "7001", "1001", 200);
	mk(&t, 1, "ftag", "7001", "1001", 100);
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, NULL), a);
	ck_assert_int_eq(count(p, -1), 2);

	gcp_peers_node_at(p, a)->up = 0;
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, NULL), b);
	ck_assert_int_eq(oldest(p, g, 0, "1001", NULL, NULL), b);
	ck_assert_int_eq(gcp_peers_find_dialog(p, t.callid, strlen(t.callid),
							 "ftag", 4, "", 0, &pick),
			0);
	/* every node up: a's calls gone from the walk, not from its own */
	ck_assert_int_eq(count(p, -1), 1);
	ck_assert_int_eq(count(p, a), 1);
	ck_assert_uint_eq(ncalls(p, a), 1);

	gcp_peers_node_at(p, b)->up = 0;
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, NULL), -1);
	ck_assert_int_eq(count(p, -1), 0);

	/* back up: its calls are offered again */
	gcp_peers_node_at(p, a)->up = 1;
	ck_assert_int_eq(oldest(p, g, 0, NULL, NULL, NULL), a);
	ck_assert_int_eq(gcp_peers_find_dialog(p, t.callid, strlen(t.callid),
							 "ftag", 4, "", 0, &pick),
			1);
	ck_assert_int_eq(pick.node, a);
	finish(p);
}
END_TEST

START_TEST(test_find_dialog)
{
	gcp_peers_t *p = start(2);
	int a = peer(p, "sip:a"), b = peer(p, "sip:b");
	tcall_t t;
	gcp_peer_pick_t pick;
	const char *cid;
	size_t cl;

	ck_assert_int_eq(
			gcp_peers_add(p, b, mk(&t, 9, "tag-x", "7001", "1", 300)), 0);
	ck_assert_int_eq(
			gcp_peers_add(p, a, mk(&t, 1, "tag-a", "7001", "1", 100)), 0);
	ck_assert_int_eq(
			gcp_peers_add(p, b, mk(&t, 1, "tag-b", "7002", "2", 200)), 0);
	cid = t.callid;
	cl = strlen(cid);

	memset(&pick, 0xff, sizeof(pick));
	ck_assert_int_eq(
			gcp_peers_find_dialog(p, cid, cl, "tag-a", 5, "to", 2, &pick), 1);
	ck_assert_int_eq(pick.node, a);
	ck_assert_uint_eq(pick.since_ms, 100);
	ck_assert_uint_eq(pick.which, 0);
	/* the From tag in the second place */
	ck_assert_int_eq(
			gcp_peers_find_dialog(p, cid, cl, "to", 2, "tag-b", 5, &pick), 1);
	ck_assert_int_eq(pick.node, b);
	ck_assert_uint_eq(pick.since_ms, 200);
	/* one tag empty */
	ck_assert_int_eq(
			gcp_peers_find_dialog(p, cid, cl, "", 0, "tag-b", 5, &pick), 1);
	ck_assert_int_eq(pick.node, b);
	ck_assert_int_eq(
			gcp_peers_find_dialog(p, cid, cl, "tag-a", 5, NULL, 0, &pick), 1);
	ck_assert_int_eq(pick.node, a);
	/* no match */
	ck_assert_int_eq(gcp_peers_find_dialog(p, cid, cl, "", 0, "", 0, &pick), 0);
	ck_assert_int_eq(
			gcp_peers_find_dialog(p, cid, cl, "tag-x", 5, "tag", 3, &pick), 0);
	ck_assert_int_eq(
			gcp_peers_find_dialog(p, cid, cl - 1, "tag-a", 5, "", 0, &pick), 0);
	ck_assert_int_eq(gcp_peers_find_dialog(p, "call-9@192.0.2.1", 16, "tag-a",
							 5, "", 0, &pick),
			0);
	ck_assert_int_eq(gcp_peers_find_dialog(p, "call-9@192.0.2.1", 16, "no", 2,
							 "tag-x", 5, &pick),
			1);
	ck_assert_int_eq(pick.node, b);
	ck_assert_uint_eq(pick.since_ms, 300);
	finish(p);
}
END_TEST

START_TEST(test_clear_expire)
{
	gcp_peers_t *p = start(4);
	int a = peer(p, "sip:a"), b = peer(p, "sip:b");
	seen_t s = {.stop_at = 2};

	for(unsigned i = 0; i < 20; i++)
		add(p, i % 2 ? a : b, i, i % 3 ? "7001" : "7002", "1001", 100 + i);
	ck_assert_uint_eq(ncalls(p, a) + ncalls(p, b), 20);
	/* a non-zero return stops the walk */
	gcp_peers_foreach(p, -1, count_visit, &s);
	ck_assert_uint_eq(s.n, 2);

	/* before 110: calls 0 .. 9 */
	ck_assert_uint_eq(gcp_peers_expire(p, 110), 10);
	ck_assert_uint_eq(gcp_peers_expire(p, 110), 0);
	ck_assert_uint_eq(ncalls(p, a), 5);
	ck_assert_uint_eq(ncalls(p, b), 5);
	uint64_t da = 0;
	for(unsigned i = 11; i < 20; i += 2)
		da ^= key_of(i, "ftag");
	ck_assert_uint_eq(digest(p, a), da);
	/* expiry spares no node, up or down */
	gcp_peers_node_at(p, b)->up = 0;
	ck_assert_uint_eq(gcp_peers_expire(p, 112), 2);
	ck_assert_uint_eq(ncalls(p, b), 4);

	ck_assert_uint_eq(gcp_peers_clear(p, a), 4);
	ck_assert_uint_eq(ncalls(p, a), 0);
	ck_assert_uint_eq(digest(p, a), 0);
	ck_assert_uint_eq(gcp_peers_clear(p, a), 0);
	ck_assert_uint_eq(gcp_peers_clear(p, -1), 0);
	ck_assert_uint_eq(gcp_peers_clear(p, 9), 0);
	ck_assert_uint_eq(count(p, b), 4);
	ck_assert_int_eq(oldest(p, (const char *[]){"7001", "7002", NULL}, 0, NULL,
							 NULL, NULL),
			-1);
	gcp_peers_node_at(p, b)->up = 1;
	ck_assert_int_eq(oldest(p, (const char *[]){"7001", "7002", NULL}, 0, NULL,
							 NULL, NULL),
			b);
	ck_assert_uint_eq(gcp_peers_clear(p, b), 4);
	ck_assert_uint_eq(live, 1);
	finish(p);
}
END_TEST

START_TEST(test_touch_sweep)
{
	gcp_peers_t *p = start(8);
	const int S = GCP_PEER_SELF;
	tcall_t t;
	seen_t s = {0};

	/* round 1: three new calls */
	for(unsigned i = 1; i <= 3; i++)
		ck_assert_int_eq(gcp_peers_touch(p, S,
								 mk(&t, i, "ftag", "7001", "1001", 100), 1),
				1);
	ck_assert_uint_eq(gcp_peers_sweep(p, S, 1, sweep_visit, &s), 0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(ncalls(p, S), 3);

	/* round 2: 1 unchanged, 2 changed, 3 gone, 4 new */
	ck_assert_int_eq(
			gcp_peers_touch(p, S, mk(&t, 1, "ftag", "7001", "1001", 100), 2),
			0);
	ck_assert_int_eq(
			gcp_peers_touch(p, S, mk(&t, 2, "ftag", "7001", "1001", 101), 2),
			2);
	ck_assert_int_eq(
			gcp_peers_touch(p, S, mk(&t, 4, "ftag", "7001", "1001", 100), 2),
			1);
	ck_assert_uint_eq(gcp_peers_sweep(p, S, 2, sweep_visit, &s), 1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.callid, "call-3@192.0.2.1");
	ck_assert_uint_eq(ncalls(p, S), 3);
	ck_assert_uint_eq(digest(p, S),
			key_of(1, "ftag") ^ key_of(2, "ftag") ^ key_of(4, "ftag"));

	/* round 3: each field that makes a change, one per call; a second
	 * touch in the same round is unchanged */
	mk(&t, 1, "ftag", "7002", "1001", 100);
	ck_assert_int_eq(gcp_peers_touch(p, S, &t.in, 3), 2);
	ck_assert_int_eq(gcp_peers_touch(p, S, &t.in, 3), 0);
	ck_assert_int_eq(
			gcp_peers_touch(p, S, mk(&t, 2, "ftag", "7001", "1009", 101), 3),
			2);
	mk(&t, 4, "ftag", "7001", "1001", 100);
	set_field(&t.in, GCP_PC_CALLER, "sip:2002@example.org");
	ck_assert_int_eq(gcp_peers_touch(p, S, &t.in, 3), 2);
	s.n = 0;
	ck_assert_uint_eq(gcp_peers_sweep(p, S, 3, sweep_visit, &s), 0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(ncalls(p, S), 3);

	/* round 4: only 2, unchanged; sweep visits 1 and 4, no visitor ok */
	ck_assert_int_eq(
			gcp_peers_touch(p, S, mk(&t, 2, "ftag", "7001", "1009", 101), 4),
			0);
	ck_assert_uint_eq(gcp_peers_sweep(p, S, 4, sweep_visit, &s), 2);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(ncalls(p, S), 1);
	ck_assert_uint_eq(digest(p, S), key_of(2, "ftag"));
	ck_assert_uint_eq(gcp_peers_sweep(p, S, 5, NULL, NULL), 1);
	ck_assert_uint_eq(ncalls(p, S), 0);
	ck_assert_uint_eq(digest(p, S), 0);

	/* touch works on any node; sweep on one node leaves the others */
	int n = peer(p, "sip:a");
	ck_assert_int_eq(
			gcp_peers_touch(p, n, mk(&t, 7, "ftag", "7001", "1001", 1), 9), 1);
	ck_assert_int_eq(
			gcp_peers_touch(p, S, mk(&t, 7, "ftag", "7001", "1001", 1), 9), 1);
	ck_assert_uint_eq(gcp_peers_sweep(p, S, 10, NULL, NULL), 1);
	ck_assert_uint_eq(ncalls(p, n), 1);
	ck_assert_uint_eq(gcp_peers_sweep(p, 17, 10, NULL, NULL), 0);
	finish(p);
}
END_TEST

/* a sender's sweep, heard by a receiver: each removal deleted there */
typedef struct relay
{
	gcp_peers_t *rx;
	int node;
	unsigned n;
} relay_t;

static void relay_del(const gcp_peer_call_view_t *c, void *arg)
{
	relay_t *r = arg;

	ck_assert_int_eq(gcp_peers_del(r->rx, r->node, c->s[GCP_PC_CALLID],
							 c->len[GCP_PC_CALLID], c->s[GCP_PC_FROM_TAG],
							 c->len[GCP_PC_FROM_TAG]),
			1);
	r->n++;
}

START_TEST(test_digest)
{
	gcp_peers_t *rx = start(4);
	gcp_peers_t *tx = gcp_peers_create(&env, 64);
	int n = gcp_peers_node(rx, "sip:tx", 6, 1);
	uint8_t in[64] = {0};
	tcall_t t;
	unsigned gen = 0;

	ck_assert_ptr_nonnull(tx);
	srand(7);
	for(int step = 0; step < 40; step++) {
		/* the sender's set changes; the receiver hears the adds and
		 * removals the sender's touch and sweep make */
		gen++;
		for(unsigned id = 0; id < 64; id++) {
			if(rand() % 4 == 0)
				in[id] = !in[id];
			if(!in[id])
				continue;
			const char *g = id % 2 ? "7001" : "7002";
			int r = gcp_peers_touch(
					tx, GCP_PEER_SELF, mk(&t, id, "ftag", g, "1001", id), gen);
			ck_assert_int_ge(r, 0);
			if(r > 0)
				ck_assert_int_eq(gcp_peers_add(rx, n, &t.in), 0);
		}
		relay_t r = {rx, n, 0};
		unsigned gone = gcp_peers_sweep(tx, GCP_PEER_SELF, gen, relay_del, &r);
		ck_assert_uint_eq(gone, r.n);
		ck_assert_uint_eq(ncalls(rx, n), ncalls(tx, GCP_PEER_SELF));
		ck_assert_uint_eq(digest(rx, n), digest(tx, GCP_PEER_SELF));
		uint64_t want = 0;
		unsigned cnt = 0;
		for(unsigned id = 0; id < 64; id++)
			if(in[id]) {
				want ^= key_of(id, "ftag");
				cnt++;
			}
		ck_assert_uint_eq(digest(rx, n), want);
		ck_assert_uint_eq(ncalls(rx, n), cnt);
	}
	/* the key's two parts stay apart */
	ck_assert_uint_ne(gcp_peers_key_hash("ab", 2, "c", 1),
			gcp_peers_key_hash("a", 1, "bc", 2));
	gcp_peers_destroy(tx);
	finish(rx);
}
END_TEST

START_TEST(test_alloc_failure)
{
	gcp_peers_t *p = start(4);
	int n = peer(p, "sip:a");
	tcall_t t;
	seen_t s = {0};

	fail_in = 1;
	ck_assert_ptr_null(gcp_peers_create(&env, 4));
	ck_assert_ptr_null(gcp_peers_create(&env, 0));

	add(p, n, 1, "7001", "1001", 100);
	/* a new call */
	fail_in = 1;
	ck_assert_int_eq(
			gcp_peers_add(p, n, mk(&t, 2, "ftag", "7001", "1", 5)), -1);
	fail_in = 1;
	ck_assert_int_eq(gcp_peers_touch(p, n, &t.in, 3), -1);
	/* a replacement: the old call stays as it was */
	fail_in = 1;
	ck_assert_int_eq(
			gcp_peers_add(p, n, mk(&t, 1, "ftag", "7002", "2", 5)), -1);
	fail_in = 1;
	ck_assert_int_eq(gcp_peers_touch(p, n, &t.in, 3), -1);
	ck_assert_uint_eq(live, 2);
	ck_assert_uint_eq(ncalls(p, n), 1);
	ck_assert_uint_eq(digest(p, n), key_of(1, "ftag"));
	gcp_peers_foreach(p, n, count_visit, &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.group, "7001");
	ck_assert_str_eq(s.callee, "1001");
	ck_assert_uint_eq(s.since, 100);
	ck_assert_int_eq(
			oldest(p, (const char *[]){"7002", NULL}, 0, NULL, NULL, NULL), -1);
	/* not touched in round 3 */
	ck_assert_uint_eq(gcp_peers_sweep(p, n, 3, NULL, NULL), 1);
	/* an unchanged touch allocates nothing */
	ck_assert_int_eq(gcp_peers_touch(p, n, &t.in, 4), 1);
	fail_in = 1;
	ck_assert_int_eq(gcp_peers_touch(p, n, &t.in, 5), 0);
	fail_in = 0;
	ck_assert_uint_eq(gcp_peers_sweep(p, n, 5, NULL, NULL), 0);
	finish(p);
}
END_TEST

START_TEST(test_many)
{
	/* more calls than buckets, on every node, then destroy frees them */
	gcp_peers_t *p = start(3);
	int nodes[GCP_PEER_MAX_NODES];
	char g[16];
	uint64_t since;

	nodes[0] = GCP_PEER_SELF;
	gcp_peers_node_at(p, GCP_PEER_SELF)->up = 1;
	for(int i = 1; i < GCP_PEER_MAX_NODES; i++) {
		char u[16];
		snprintf(u, sizeof(u), "sip:%d", i);
		nodes[i] = peer(p, u);
	}
	for(unsigned id = 0; id < 2000; id++) {
		snprintf(g, sizeof(g), "%u", 7000 + id % 17);
		add(p, nodes[id % GCP_PEER_MAX_NODES], id, g, "1001", 5000 - id);
	}
	ck_assert_uint_eq(live, 2001);
	ck_assert_uint_eq(count(p, -1), 2000);
	/* group 7000 holds ids 0, 17, ...; the oldest is the highest id */
	ck_assert_int_eq(
			oldest(p, (const char *[]){"7000", NULL}, 0, NULL, &since, NULL),
			nodes[1989 % GCP_PEER_MAX_NODES]);
	ck_assert_uint_eq(since, 5000 - 1989);
	finish(p);
}
END_TEST

static Suite *peer_suite(void)
{
	Suite *s = suite_create("peer");

	UNIT_TCASE(s, "core", 30, test_add_replace_del, test_validation, test_nodes,
			test_oldest_age_order, test_oldest_by_order, test_oldest_ties,
			test_oldest_callee, test_node_down, test_find_dialog,
			test_clear_expire, test_touch_sweep, test_digest,
			test_alloc_failure, test_many);
	return s;
}

int main(void)
{
	return run_suite(peer_suite());
}
