/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* RPC commands (kamcmd gcp.*). */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/rpc.h"
#include "../../core/rpc_lookup.h"
#include "../../core/mem/pkg.h"

#include "gcp_mod.h"
#include "gcp_store.h"
#include "gcp_rpc.h"

/* ---- gcp.calls ---- */

#define GCP_RPC_MAX_CALLS 10000

typedef struct gcp_rpc_call
{
	char group[GCP_RING_MAX_NUMBER + 1];
	char callee[GCP_RING_MAX_USER + 1];
	char caller[GCP_RING_MAX_URI + 1];
	char callid[GCP_RING_MAX_CALLID + 1];
	uint64_t since_ms;
	int state;
	int not_pickable;
} gcp_rpc_call_t;

typedef struct gcp_rpc_calls
{
	gcp_rpc_call_t *v;
	int n, cap;
} gcp_rpc_calls_t;

static void gcp_rpc_copy(char *dst, size_t size, const gcp_call_t *c, int f)
{
	size_t len;
	const char *s = gcp_call_field(c, f, &len);

	if(len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
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
	r->since_ms = c->state == GCP_CALL_TRACKED || c->ringing_ms == 0
						  ? c->tracked_ms
						  : c->ringing_ms;
	r->state = c->state;
	r->not_pickable = c->not_pickable;
	return 0;
}

static int gcp_rpc_cmp(const void *a, const void *b)
{
	const gcp_rpc_call_t *x = a, *y = b;

	return x->since_ms < y->since_ms ? -1 : x->since_ms > y->since_ms;
}

static const char *gcp_rpc_state(const gcp_rpc_call_t *r)
{
	switch(r->state) {
		case GCP_CALL_TRACKED:
			return "not ringing yet";
		case GCP_CALL_RINGING:
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
		"Calls tracked now, oldest first: group, callee, caller, callid, "
		"seconds (ringing, or since tracked when not ringing yet), state "
		"(pickable or why not). Optional parameter: a group number.",
		0};

static void gcp_rpc_calls(rpc_t *rpc, void *ctx)
{
	gcp_rpc_calls_t l;
	str group = STR_NULL;
	uint64_t now = gcp_now_ms();
	void *th;
	int i;

	if(rpc->scan(ctx, "*.S", &group) < 1)
		group.len = 0;
	if(group.len > 0 && !gcp_store_is_group(&group)) {
		rpc->fault(ctx, 400, "%.*s is not a pickup group number", group.len,
				group.s);
		return;
	}
	l.cap = gcp_ring_count(gcp_ring) + 16;
	if(l.cap > GCP_RPC_MAX_CALLS)
		l.cap = GCP_RPC_MAX_CALLS;
	l.n = 0;
	l.v = pkg_malloc(l.cap * sizeof(gcp_rpc_call_t));
	if(l.v == NULL) {
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	gcp_ring_foreach(gcp_ring, group.len ? group.s : NULL, group.len,
			gcp_rpc_visit, &l);
	qsort(l.v, l.n, sizeof(gcp_rpc_call_t), gcp_rpc_cmp);
	for(i = 0; i < l.n; i++) {
		if(rpc->add(ctx, "{", &th) < 0)
			break;
		rpc->struct_add(th, "sssssds", "group", l.v[i].group, "callee",
				l.v[i].callee, "caller", l.v[i].caller, "callid",
				l.v[i].callid, "state", gcp_rpc_state(&l.v[i]), "seconds",
				(int)((now - l.v[i].since_ms) / 1000), "pickable",
				l.v[i].state == GCP_CALL_RINGING ? "yes" : "no");
	}
	pkg_free(l.v);
}

/* ---- gcp.reload ---- */

static const char *gcp_rpc_reload_doc[] = {
		"Re-read config_file; an invalid file is refused and the running "
		"configuration kept.",
		0};

static void gcp_rpc_reload(rpc_t *rpc, void *ctx)
{
	char err[GCP_ERR_LEN];
	int ret;

	gcp_store_writer_lock();
	ret = gcp_store_reload(err, sizeof(err));
	gcp_store_writer_unlock();
	if(ret < 0) {
		rpc->fault(ctx, 400, "%s", err);
		return;
	}
	rpc->rpl_printf(ctx, "ok");
}

/* clang-format off */
static rpc_export_t gcp_rpc_cmds[] = {
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
	return 0;
}
