/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * RPC commands (kamcmd gcp.*, or any RPC transport: jsonrpcs, xmlrpc).
 *
 * The gcp.group.* commands are gcp_rpc_group.c's.
 *
 * Changes follow one path (gcp_rpc_change.h): under the store's writer lock,
 * a private copy of the model in force is changed by the same gcp_cfg_*
 * function that checks the file, saved atomically to config_file and only
 * then put in force. A refused change writes nothing and changes nothing;
 * the fault (400) carries the rule from gcp_model.c. Failures to save or
 * allocate are 500. A file replaced whose folder then fails to fsync is in
 * force (memory and file agree) but not acknowledged: a 500 says it may not
 * be durable. Lookups of what does not exist are 404.
 *
 * kamcmd sends arguments that look like numbers as integers: every argument
 * is scanned with autoconversion back to text, so "gcp.member.set 1001 7001"
 * works. Text that a number would lose (a leading 0 or '+', more than 9
 * digits) must be given as a string: kamcmd's "s:" prefix, e.g.
 * "gcp.personal.add 1002 s:+15550100".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/rpc.h"
#include "../../core/rpc_lookup.h"

#include "gcp_env.h"
#include "gcp_dmq_calls.h"
#include "gcp_dmq_cfg.h"
#include "gcp_dmq_link.h"
#include "gcp_store.h"
#include "gcp_rpc.h"
#include "gcp_rpc_change.h"
#include "gcp_rpc_group.h"
#include "gcp_track.h"
#include "gcp_target.h"

/* ---- replies ---- */

/* how many members have a group in each range (by index in cfg->ranges);
 * calloc'd, NULL on out of memory */
static size_t *gcp_rpc_range_counts(const gcp_cfg_t *cfg)
{
	const gcp_range_t *r;
	size_t i, *n;

	n = calloc(cfg->nranges + 1, sizeof(size_t));
	if(n == NULL)
		return NULL;
	for(i = 0; i < cfg->nmembers; i++) {
		r = gcp_cfg_range_of(
				cfg, cfg->members[i].group, strlen(cfg->members[i].group));
		if(r)
			n[r - cfg->ranges]++;
	}
	return n;
}

/* {name, first, last, pool, members} */
static int gcp_rpc_add_range(
		rpc_t *rpc, void *ctx, const gcp_range_t *r, size_t members)
{
	void *th;

	if(rpc->add(ctx, "{", &th) < 0)
		return -1;
	return rpc->struct_add(th, "ssssd", "name", r->name, "first", r->first,
			"last", r->last, "pool", r->pool ? r->pool : "", "members",
			(int)members);
}

/* {user, group, range, personal: [contact, ...]}; previous: the group the
 * user was moved from (gcp.member.set), or NULL */
static int gcp_rpc_add_member(rpc_t *rpc, void *ctx, const gcp_cfg_t *cfg,
		const gcp_member_t *m, const char *previous)
{
	const gcp_range_t *r;
	void *th, *ah;
	size_t i;

	r = gcp_cfg_range_of(cfg, m->group, strlen(m->group));
	if(rpc->add(ctx, "{", &th) < 0)
		return -1;
	if(rpc->struct_add(th, "sss", "user", m->user, "group", m->group, "range",
			   r ? r->name : "")
			< 0)
		return -1;
	if(previous && rpc->struct_add(th, "s", "moved_from", previous) < 0)
		return -1;
	if(rpc->struct_add(th, "[", "personal", &ah) < 0)
		return -1;
	for(i = 0; i < m->npersonal; i++)
		if(rpc->array_add(ah, "s", m->personal[i]) < 0) {
			LM_ERR("the reply for member %s is too large: %zu of %zu personal "
				   "contacts listed\n",
					m->user, i, m->npersonal);
			return -1;
		}
	return 0;
}

/* ---- gcp.range.* ---- */

#define GCP_RANGE_ADD_USAGE "gcp.range.add name first last [pool]"
#define GCP_RANGE_UPDATE_USAGE "gcp.range.update name first last [pool]"
#define GCP_RANGE_REMOVE_USAGE "gcp.range.remove name"

static const char *gcp_rpc_range_add_doc[] = {
		"Add a range of pickup group numbers: name first last [pool]. "
		"first and last have the same prefix (none, '*' or '#') and length, "
		"first <= last; ranges never overlap. Saved to config_file, then in "
		"force. Returns the range.",
		0};

static int gcp_rpc_range_add_f(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen)
{
	return gcp_cfg_range_add(cfg, a->v[0], a->v[1], a->v[2],
			a->n > 3 ? a->v[3] : NULL, err, errlen);
}

static void gcp_rpc_range_reply(
		rpc_t *rpc, void *ctx, gcp_cfg_t *cfg, const char *name)
{
	const gcp_range_t *r = gcp_cfg_find_range(cfg, name);
	size_t *n = gcp_rpc_range_counts(cfg);

	if(r == NULL || n == NULL
			|| gcp_rpc_add_range(rpc, ctx, r, n[r - cfg->ranges]) < 0)
		rpc->fault(ctx, 500, "done, but the reply could not be built");
	free(n);
}

static void gcp_rpc_range_add(rpc_t *rpc, void *ctx)
{
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;

	if(gcp_rpc_args(rpc, ctx, GCP_RANGE_ADD_USAGE, 3, 4, &a) < 0)
		return;
	cfg = gcp_rpc_change(
			rpc, ctx, "gcp.range.add", &a, gcp_rpc_range_add_f, NULL);
	if(cfg == NULL)
		return;
	gcp_rpc_range_reply(rpc, ctx, cfg, a.v[0]);
	gcp_cfg_free(cfg);
}

static const char *gcp_rpc_range_update_doc[] = {
		"Change a range: name first last [pool]. Without pool the range keeps "
		"its pool; an empty pool (\"\") removes it. Refused when a member's "
		"group, or a group of a list of other groups, would fall outside "
		"every range. Returns the range.",
		0};

static int gcp_rpc_range_update_f(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen)
{
	const gcp_range_t *r = gcp_cfg_find_range(cfg, a->v[0]);
	const char *pool;

	if(a->n > 3)
		pool = a->v[3];
	else
		pool = r ? r->pool : NULL; /* unknown: the update says so */
	return gcp_cfg_range_update(
			cfg, a->v[0], a->v[1], a->v[2], pool, err, errlen);
}

static void gcp_rpc_range_update(rpc_t *rpc, void *ctx)
{
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;

	if(gcp_rpc_args(rpc, ctx, GCP_RANGE_UPDATE_USAGE, 3, 4, &a) < 0)
		return;
	cfg = gcp_rpc_change(
			rpc, ctx, "gcp.range.update", &a, gcp_rpc_range_update_f, NULL);
	if(cfg == NULL)
		return;
	gcp_rpc_range_reply(rpc, ctx, cfg, a.v[0]);
	gcp_cfg_free(cfg);
}

static const char *gcp_rpc_range_remove_doc[] = {
		"Remove a range: name. Refused while a member's group lies in it, "
		"or a group in it has a list of other groups or is listed by "
		"another group. Returns the removed range.",
		0};

typedef struct gcp_rpc_removed_range
{
	gcp_range_t r; /* copies, freed by the command */
} gcp_rpc_removed_range_t;

static int gcp_rpc_range_remove_f(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen)
{
	gcp_rpc_removed_range_t *rr = data;
	const gcp_range_t *r = gcp_cfg_find_range(cfg, a->v[0]);

	if(r) {
		rr->r.name = strdup(r->name);
		rr->r.first = strdup(r->first);
		rr->r.last = strdup(r->last);
		rr->r.pool = r->pool ? strdup(r->pool) : NULL;
	}
	return gcp_cfg_range_remove(cfg, a->v[0], err, errlen);
}

static void gcp_rpc_range_remove(rpc_t *rpc, void *ctx)
{
	gcp_rpc_removed_range_t rr;
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;
	void *th;

	if(gcp_rpc_args(rpc, ctx, GCP_RANGE_REMOVE_USAGE, 1, 1, &a) < 0)
		return;
	memset(&rr, 0, sizeof(rr));
	cfg = gcp_rpc_change(
			rpc, ctx, "gcp.range.remove", &a, gcp_rpc_range_remove_f, &rr);
	if(cfg != NULL) {
		if(rpc->add(ctx, "{", &th) < 0
				|| rpc->struct_add(th, "ssss", "removed",
						   rr.r.name ? rr.r.name : a.v[0], "first",
						   rr.r.first ? rr.r.first : "", "last",
						   rr.r.last ? rr.r.last : "", "pool",
						   rr.r.pool ? rr.r.pool : "")
						   < 0)
			rpc->fault(ctx, 500, "done, but the reply could not be built");
		gcp_cfg_free(cfg);
	}
	free(rr.r.name);
	free(rr.r.first);
	free(rr.r.last);
	free(rr.r.pool);
}

static const char *gcp_rpc_range_list_doc[] = {
		"All ranges, by name: name, first, last, pool, members (how many "
		"members have a group in the range).",
		0};

static void gcp_rpc_range_list(rpc_t *rpc, void *ctx)
{
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;
	size_t i, *n;

	if(gcp_rpc_args(rpc, ctx, "gcp.range.list", 0, 0, &a) < 0)
		return;
	cfg = gcp_store_get();
	n = cfg ? gcp_rpc_range_counts(cfg) : NULL;
	if(n == NULL) {
		gcp_cfg_free(cfg);
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	for(i = 0; i < cfg->nranges; i++)
		if(gcp_rpc_add_range(rpc, ctx, &cfg->ranges[i], n[i]) < 0) {
			rpc->fault(ctx, 500, "the reply could not be built");
			break;
		}
	free(n);
	gcp_cfg_free(cfg);
}

/* ---- gcp.member.* ---- */

#define GCP_MEMBER_SET_USAGE "gcp.member.set user group"
#define GCP_MEMBER_REMOVE_USAGE "gcp.member.remove user"
#define GCP_MEMBER_GET_USAGE "gcp.member.get user"
#define GCP_MEMBER_LIST_USAGE "gcp.member.list [group]"

static void gcp_rpc_member_reply(rpc_t *rpc, void *ctx, gcp_cfg_t *cfg,
		const char *user, const char *previous)
{
	const gcp_member_t *m = gcp_cfg_find_member(cfg, user);

	if(m == NULL || gcp_rpc_add_member(rpc, ctx, cfg, m, previous) < 0)
		rpc->fault(ctx, 500, "done, but the reply could not be built");
}

static const char *gcp_rpc_member_set_doc[] = {
		"Put a user in a group: user group. A user already in another group "
		"is moved (moved_from in the reply); calls ringing already stay in "
		"the group they were tracked in. Returns the member.",
		0};

typedef struct gcp_rpc_prev
{
	char group[GCP_MAX_NUMBER + 1];
	int moved;
} gcp_rpc_prev_t;

static int gcp_rpc_member_set_f(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen)
{
	gcp_rpc_prev_t *prev = data;
	const gcp_member_t *m = gcp_cfg_find_member(cfg, a->v[0]);

	if(m && strcmp(m->group, a->v[1]) != 0) {
		snprintf(prev->group, sizeof(prev->group), "%s", m->group);
		prev->moved = 1;
	}
	return gcp_cfg_member_set(cfg, a->v[0], a->v[1], err, errlen);
}

static void gcp_rpc_member_set(rpc_t *rpc, void *ctx)
{
	gcp_rpc_prev_t prev;
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;

	if(gcp_rpc_args(rpc, ctx, GCP_MEMBER_SET_USAGE, 2, 2, &a) < 0)
		return;
	memset(&prev, 0, sizeof(prev));
	cfg = gcp_rpc_change(
			rpc, ctx, "gcp.member.set", &a, gcp_rpc_member_set_f, &prev);
	if(cfg == NULL)
		return;
	gcp_rpc_member_reply(rpc, ctx, cfg, a.v[0], prev.moved ? prev.group : NULL);
	gcp_cfg_free(cfg);
}

static const char *gcp_rpc_member_remove_doc[] = {
		"Take a user out of its group (its personal contacts go with it): "
		"user. Returns the removed user and group.",
		0};

static int gcp_rpc_member_remove_f(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen)
{
	gcp_rpc_prev_t *prev = data;
	const gcp_member_t *m = gcp_cfg_find_member(cfg, a->v[0]);

	if(m)
		snprintf(prev->group, sizeof(prev->group), "%s", m->group);
	return gcp_cfg_member_remove(cfg, a->v[0], err, errlen);
}

static void gcp_rpc_member_remove(rpc_t *rpc, void *ctx)
{
	gcp_rpc_prev_t prev;
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;
	void *th;

	if(gcp_rpc_args(rpc, ctx, GCP_MEMBER_REMOVE_USAGE, 1, 1, &a) < 0)
		return;
	memset(&prev, 0, sizeof(prev));
	cfg = gcp_rpc_change(
			rpc, ctx, "gcp.member.remove", &a, gcp_rpc_member_remove_f, &prev);
	if(cfg == NULL)
		return;
	if(rpc->add(ctx, "{", &th) < 0
			|| rpc->struct_add(th, "ss", "removed", a.v[0], "group", prev.group)
					   < 0)
		rpc->fault(ctx, 500, "done, but the reply could not be built");
	gcp_cfg_free(cfg);
}

static const char *gcp_rpc_member_get_doc[] = {
		"A member: user. Returns user, group, range and personal (the "
		"personal contacts, whose calls cannot be picked up).",
		0};

static void gcp_rpc_member_get(rpc_t *rpc, void *ctx)
{
	const gcp_member_t *m;
	const gcp_range_t *r;
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;

	if(gcp_rpc_args(rpc, ctx, GCP_MEMBER_GET_USAGE, 1, 1, &a) < 0)
		return;
	cfg = gcp_store_get();
	if(cfg == NULL) {
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	m = gcp_cfg_find_member(cfg, a.v[0]);
	if(m == NULL) {
		r = gcp_cfg_range_of(cfg, a.v[0], strlen(a.v[0]));
		if(r)
			rpc->fault(ctx, 404,
					"%s is a group number (range \"%s\"), not a member", a.v[0],
					r->name);
		else
			rpc->fault(ctx, 404, "user %s is not a member", a.v[0]);
	} else if(gcp_rpc_add_member(rpc, ctx, cfg, m, NULL) < 0) {
		rpc->fault(ctx, 500, "the reply could not be built");
	}
	gcp_cfg_free(cfg);
}

static const char *gcp_rpc_member_list_doc[] = {
		"Members by user, of one group or all: [group]. Each: user, group, "
		"personal_contacts (how many; gcp.member.get lists them).",
		0};

static void gcp_rpc_member_list(rpc_t *rpc, void *ctx)
{
	const gcp_member_t *m;
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;
	const char *group = NULL;
	void *th;
	size_t i;

	if(gcp_rpc_args(rpc, ctx, GCP_MEMBER_LIST_USAGE, 0, 1, &a) < 0)
		return;
	cfg = gcp_store_get();
	if(cfg == NULL) {
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	if(a.n > 0) {
		group = a.v[0];
		if(!gcp_number_valid(group, strlen(group))) {
			rpc->fault(ctx, 400,
					"group \"%s\" is not a number (digits, optionally led by "
					"one '*' or '#')",
					group);
			goto done;
		}
		if(gcp_cfg_range_of(cfg, group, strlen(group)) == NULL) {
			rpc->fault(ctx, 404, "group %s lies in no range", group);
			goto done;
		}
	}
	for(i = 0; i < cfg->nmembers; i++) {
		m = &cfg->members[i];
		if(group && strcmp(m->group, group) != 0)
			continue;
		if(rpc->add(ctx, "{", &th) < 0
				|| rpc->struct_add(th, "ssd", "user", m->user, "group",
						   m->group, "personal_contacts", (int)m->npersonal)
						   < 0) {
			rpc->fault(ctx, 500, "the reply could not be built");
			break;
		}
	}
done:
	gcp_cfg_free(cfg);
}

/* ---- gcp.personal.* ---- */

#define GCP_PERSONAL_ADD_USAGE "gcp.personal.add user contact"
#define GCP_PERSONAL_REMOVE_USAGE "gcp.personal.remove user contact"

static const char *gcp_rpc_personal_add_doc[] = {
		"Add a personal contact to a member: user contact. A contact is a user "
		"part (matches the caller's From user) or sip:user@host; calls from "
		"it to the member cannot be picked up. Returns the member.",
		0};

static int gcp_rpc_personal_add_f(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen)
{
	return gcp_cfg_personal_add(cfg, a->v[0], a->v[1], err, errlen);
}

static void gcp_rpc_personal_add(rpc_t *rpc, void *ctx)
{
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;

	if(gcp_rpc_args(rpc, ctx, GCP_PERSONAL_ADD_USAGE, 2, 2, &a) < 0)
		return;
	cfg = gcp_rpc_change(
			rpc, ctx, "gcp.personal.add", &a, gcp_rpc_personal_add_f, NULL);
	if(cfg == NULL)
		return;
	gcp_rpc_member_reply(rpc, ctx, cfg, a.v[0], NULL);
	gcp_cfg_free(cfg);
}

static const char *gcp_rpc_personal_remove_doc[] = {
		"Remove a personal contact of a member: user contact (an equivalent "
		"spelling matches: scheme and host are case-insensitive). Returns "
		"the member.",
		0};

static int gcp_rpc_personal_remove_f(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen)
{
	return gcp_cfg_personal_remove(cfg, a->v[0], a->v[1], err, errlen);
}

static void gcp_rpc_personal_remove(rpc_t *rpc, void *ctx)
{
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;

	if(gcp_rpc_args(rpc, ctx, GCP_PERSONAL_REMOVE_USAGE, 2, 2, &a) < 0)
		return;
	cfg = gcp_rpc_change(rpc, ctx, "gcp.personal.remove", &a,
			gcp_rpc_personal_remove_f, NULL);
	if(cfg == NULL)
		return;
	gcp_rpc_member_reply(rpc, ctx, cfg, a.v[0], NULL);
	gcp_cfg_free(cfg);
}

/* ---- gcp.calls ---- */

/* at most GCP_RPC_MAX_CALLS calls in one reply (the oldest are not
 * guaranteed: the copy stops when full) */

typedef struct gcp_rpc_call
{
	char group[GCP_RING_MAX_NUMBER + 1];
	char callee[GCP_RING_MAX_USER + 1];
	char caller[GCP_RING_MAX_URI + 1];
	char callid[GCP_RING_MAX_CALLID + 1];
	uint64_t since_ms, tracked_ms;
	int state;
	int not_pickable;
	int flags;
	int kind;	/* of the pickup that claimed it last */
	int remote; /* rings through another node of the cluster */
	char node[GCP_PEER_URI_MAX + 1];
} gcp_rpc_call_t;

typedef struct gcp_rpc_calls
{
	gcp_rpc_call_t *v;
	int n, cap;
	const char *group; /* only this group's (NULL: all) */
	size_t glen;
	gcp_peers_t *peers; /* while the other nodes' calls are copied */
} gcp_rpc_calls_t;

static void gcp_rpc_copy_str(char *dst, size_t size, const char *s, size_t len)
{
	if(len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static void gcp_rpc_copy(char *dst, size_t size, const gcp_call_t *c, int f)
{
	size_t len;
	const char *s = gcp_call_field(c, f, &len);

	gcp_rpc_copy_str(dst, size, s, len);
}

/* copies out under the ring's lock; formatting happens after */
static int gcp_rpc_visit(const gcp_call_t *c, void *arg)
{
	gcp_rpc_calls_t *l = arg;
	gcp_rpc_call_t *r;

	if(l->n >= l->cap)
		return 1;
	r = &l->v[l->n++];
	gcp_rpc_copy(r->group, sizeof(r->group), c, GCP_F_GROUP);
	gcp_rpc_copy(r->callee, sizeof(r->callee), c, GCP_F_CALLEE);
	gcp_rpc_copy(r->caller, sizeof(r->caller), c, GCP_F_CALLER);
	gcp_rpc_copy(r->callid, sizeof(r->callid), c, GCP_F_CALLID);
	r->tracked_ms = c->tracked_ms;
	r->since_ms = c->state == GCP_CALL_TRACKED || c->ringing_ms == 0
						  ? c->tracked_ms
						  : c->ringing_ms;
	r->state = c->state;
	r->not_pickable = c->not_pickable;
	r->flags = c->flags;
	r->kind = __atomic_load_n(&c->pickup_kind, __ATOMIC_RELAXED);
	r->since_ms = gcp_wall_of(r->since_ms);
	r->tracked_ms = gcp_wall_of(r->tracked_ms);
	r->remote = 0;
	r->node[0] = '\0';
	return 0;
}

/* the calls of the other nodes (dmq), under the cluster table's lock */
static int gcp_rpc_visit_remote(const gcp_peer_call_view_t *c, void *arg)
{
	gcp_rpc_calls_t *l = arg;
	gcp_rpc_call_t *r;
	gcp_peer_node_t *node;

	if(l->n >= l->cap)
		return 1;
	if(l->group
			&& (c->len[GCP_PC_GROUP] != l->glen
					|| memcmp(c->s[GCP_PC_GROUP], l->group, l->glen) != 0))
		return 0;
	r = &l->v[l->n++];
	memset(r, 0, sizeof(*r));
	gcp_rpc_copy_str(r->group, sizeof(r->group), c->s[GCP_PC_GROUP],
			c->len[GCP_PC_GROUP]);
	gcp_rpc_copy_str(r->callee, sizeof(r->callee), c->s[GCP_PC_CALLEE],
			c->len[GCP_PC_CALLEE]);
	gcp_rpc_copy_str(r->caller, sizeof(r->caller), c->s[GCP_PC_CALLER],
			c->len[GCP_PC_CALLER]);
	gcp_rpc_copy_str(r->callid, sizeof(r->callid), c->s[GCP_PC_CALLID],
			c->len[GCP_PC_CALLID]);
	r->since_ms = r->tracked_ms = c->since_ms;
	r->state = GCP_CALL_RINGING;
	r->remote = 1;
	node = gcp_peers_node_at(l->peers, c->node);
	if(node)
		gcp_rpc_copy_str(r->node, sizeof(r->node), node->uri, node->ulen);
	return 0;
}

/* oldest first: the longest ringing (the next one a pickup takes) first */
static int gcp_rpc_cmp(const void *a, const void *b)
{
	const gcp_rpc_call_t *x = a, *y = b;

	if(x->since_ms != y->since_ms)
		return x->since_ms < y->since_ms ? -1 : 1;
	if(x->tracked_ms != y->tracked_ms)
		return x->tracked_ms < y->tracked_ms ? -1 : 1;
	return strcmp(x->callid, y->callid);
}

/* "pickable", or why not; *pickable set to 1 or 0 */
static const char *gcp_rpc_state(const gcp_rpc_call_t *r, int *pickable)
{
	str g;

	*pickable = 0;
	switch(r->state) {
		case GCP_CALL_TRACKED:
			return "not ringing yet";
		case GCP_CALL_RINGING:
			/* a call stays in the group it was tracked in; a pickup can
			 * reach it only while that number is still a group number */
			g.s = (char *)r->group;
			g.len = strlen(r->group);
			if(!gcp_store_is_group(&g))
				return "its group is in no range now";
			*pickable = 1;
			return "pickable";
		case GCP_CALL_BLOCKED:
			return gcp_np_reason(r->not_pickable);
		case GCP_CALL_CLAIMED:
			return "pickup in progress";
		case GCP_CALL_PICKED:
			return "picked";
		default:
			return "ended";
	}
}

static const char *gcp_rpc_calls_doc[] = {
		"Calls tracked now, oldest first: [group]. Each: group (the group at "
		"the time the call was tracked), callee, caller, callid, seconds "
		"(ringing, or since tracked when not ringing yet), pickable (yes/no), "
		"state (pickable, or why not), delivery (inject or replaces: how "
		"a pickup would reach it now) and kind (group, other-group, directed "
		"or replaces: the pickup that is taking or took it; none otherwise).",
		0};

static void gcp_rpc_calls(rpc_t *rpc, void *ctx)
{
	gcp_rpc_args_t a;
	gcp_rpc_calls_t l;
	const char *group = NULL, *state, *delivery, *kind, *self;
	size_t glen = 0;
	uint64_t now;
	int i, pickable;
	void *th;
	str g;

	if(gcp_rpc_args(rpc, ctx, "gcp.calls [group]", 0, 1, &a) < 0)
		return;
	if(a.n > 0) {
		group = a.v[0];
		glen = strlen(group);
		if(!gcp_number_valid(group, glen)) {
			rpc->fault(ctx, 400,
					"group \"%s\" is not a number (digits, optionally led by "
					"one '*' or '#')",
					group);
			return;
		}
	}
	l.cap = gcp_ring_count(gcp_ring) + 16;
	if(gcp_prm.dmq)
		l.cap += GCP_RPC_MAX_CALLS; /* the other nodes' too, up to the cap */
	if(l.cap > GCP_RPC_MAX_CALLS)
		l.cap = GCP_RPC_MAX_CALLS;
	l.n = 0;
	/* the C heap: thousands of calls would not fit in pkg memory */
	l.v = malloc(l.cap * sizeof(gcp_rpc_call_t));
	if(l.v == NULL) {
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	gcp_ring_foreach(gcp_ring, group, glen, gcp_rpc_visit, &l);
	l.group = group;
	l.glen = glen;
	if(gcp_prm.dmq) {
		l.peers = gcp_dmq_calls_lock();
		gcp_peers_foreach(l.peers, -1, gcp_rpc_visit_remote, &l);
		gcp_dmq_calls_unlock();
	}
	if(group && l.n == 0) {
		g.s = (char *)group;
		g.len = (int)glen;
		if(!gcp_store_is_group(&g)) {
			free(l.v);
			rpc->fault(ctx, 404, "%s is not a pickup group number", group);
			return;
		}
	}
	qsort(l.v, l.n, sizeof(gcp_rpc_call_t), gcp_rpc_cmp);
	now = gcp_wall_ms();
	self = gcp_prm.dmq ? gcp_dmq_self()->s : "";
	for(i = 0; i < l.n; i++) {
		state = gcp_rpc_state(&l.v[i], &pickable);
		delivery = gcp_inject_first(l.v[i].flags) ? "inject" : "replaces";
		if(l.v[i].remote)
			delivery = "its node";
		kind = l.v[i].state == GCP_CALL_CLAIMED
							   || l.v[i].state == GCP_CALL_PICKED
					   ? gcp_kind_name(l.v[i].kind)
					   : "none";
		if(rpc->add(ctx, "{", &th) < 0
				|| (gcp_prm.dmq
						&& rpc->struct_add(th, "s", "node",
								   l.v[i].remote ? l.v[i].node : self)
								   < 0)
				|| rpc->struct_add(th, "ssssdssss", "group", l.v[i].group,
						   "callee", l.v[i].callee, "caller", l.v[i].caller,
						   "callid", l.v[i].callid, "seconds",
						   (int)((now - l.v[i].since_ms) / 1000), "pickable",
						   pickable ? "yes" : "no", "state", state, "delivery",
						   delivery, "kind", kind)
						   < 0) {
			LM_ERR("gcp.calls: the reply holds %d of %d calls\n", i, l.n);
			break;
		}
	}
	free(l.v);
}

/* ---- gcp.reload ---- */

static const char *gcp_rpc_reload_doc[] = {
		"Re-read config_file, or the tables of db_url, with the same rules "
		"as at start-up; an invalid or missing file, invalid rows or a "
		"database that cannot be read are refused and the running "
		"configuration kept. Returns the file (or database) and the ranges "
		"and members now in force.",
		0};

static void gcp_rpc_reload(rpc_t *rpc, void *ctx)
{
	char err[GCP_ERR_LEN];
	size_t nranges, nmembers;
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;
	void *th;
	int ret;

	if(gcp_rpc_args(rpc, ctx, "gcp.reload", 0, 0, &a) < 0)
		return;
	gcp_store_writer_lock();
	ret = gcp_store_reload(err, sizeof(err));
	gcp_store_counts(&nranges, &nmembers);
	if(ret >= 0 && gcp_prm.dmq && (cfg = gcp_store_get()) != NULL) {
		gcp_dmq_cfg_changed("gcp.reload", NULL, cfg); /* to every node */
		gcp_cfg_free(cfg);
	}
	gcp_store_writer_unlock();
	if(ret < 0) {
		LM_ERR("gcp.reload refused, the running configuration stays: %s\n",
				err);
		/* unreadable (a database down) is no fault of the request */
		rpc->fault(ctx, ret == GCP_RELOAD_UNREADABLE ? 500 : 400,
				"%s: the running configuration stays", err);
		return;
	}
	LM_NOTICE("gcp.reload: %zu ranges and %zu members from %s in force\n",
			nranges, nmembers, gcp_store_where());
	if(rpc->add(ctx, "{", &th) < 0
			|| rpc->struct_add(th, "sdd",
					   gcp_store_is_db() ? "database" : "file",
					   gcp_store_where(), "ranges", (int)nranges, "members",
					   (int)nmembers)
					   < 0)
		rpc->fault(ctx, 500, "reloaded, but the reply could not be built");
}

/* clang-format off */
static rpc_export_t gcp_rpc_cmds[] = {
	{"gcp.range.add", gcp_rpc_range_add, gcp_rpc_range_add_doc, 0},
	{"gcp.range.update", gcp_rpc_range_update, gcp_rpc_range_update_doc, 0},
	{"gcp.range.remove", gcp_rpc_range_remove, gcp_rpc_range_remove_doc, 0},
	{"gcp.range.list", gcp_rpc_range_list, gcp_rpc_range_list_doc, RET_ARRAY},
	{"gcp.member.set", gcp_rpc_member_set, gcp_rpc_member_set_doc, 0},
	{"gcp.member.remove", gcp_rpc_member_remove, gcp_rpc_member_remove_doc, 0},
	{"gcp.member.get", gcp_rpc_member_get, gcp_rpc_member_get_doc, 0},
	{"gcp.member.list", gcp_rpc_member_list, gcp_rpc_member_list_doc,
		RET_ARRAY},
	{"gcp.personal.add", gcp_rpc_personal_add, gcp_rpc_personal_add_doc, 0},
	{"gcp.personal.remove", gcp_rpc_personal_remove,
		gcp_rpc_personal_remove_doc, 0},
	{"gcp.calls", gcp_rpc_calls, gcp_rpc_calls_doc, RET_ARRAY},
	{"gcp.reload", gcp_rpc_reload, gcp_rpc_reload_doc, 0},
	{0, 0, 0, 0}
};
/* clang-format on */

int gcp_rpc_init(void)
{
	if(rpc_register_array(gcp_rpc_cmds) != 0) {
		LM_ERR("cannot register the RPC commands\n");
		return -1;
	}
	return gcp_rpc_group_init();
}
