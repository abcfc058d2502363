/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * event_route[gcp:picked] (or the KEMI event_callback) and the $gcp(...)
 * variables it reads: the per-process picture of the pickup the event is
 * about, set only while the route runs.
 */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/kemi.h"
#include "../../core/route.h"
#include "../../core/fmsg.h"

#include "gcp_env.h"
#include "gcp_event.h"

static int gcp_picked_route = -1;

int gcp_event_init(void)
{
	gcp_picked_route = route_lookup(&event_rt, "gcp:picked");
	if(gcp_picked_route >= 0 && event_rt.rlist[gcp_picked_route] == NULL)
		gcp_picked_route = -1;
	if(faked_msg_init() < 0) {
		LM_ERR("cannot initialize the faked message for the event route\n");
		return -1;
	}
	return 0;
}

/* per process: the pickup the event route is about */
static struct
{
	str group, callee, caller, picker, callid, kind;
} _gcp_event;

/* $gcp(name): the name's id is its place in this table, from 1 */
static const struct
{
	str name;
	str *value;
} gcp_pv_names[] = {
		{str_init("group"), &_gcp_event.group},
		{str_init("callee"), &_gcp_event.callee},
		{str_init("caller"), &_gcp_event.caller},
		{str_init("picker"), &_gcp_event.picker},
		{str_init("callid"), &_gcp_event.callid},
		{str_init("kind"), &_gcp_event.kind},
};

#define GCP_PV_NAMES (int)(sizeof(gcp_pv_names) / sizeof(gcp_pv_names[0]))

int pv_parse_gcp_name(pv_spec_p sp, str *in)
{
	int id;

	if(in == NULL || in->s == NULL || sp == NULL)
		return -1;
	for(id = 0; id < GCP_PV_NAMES; id++)
		if(in->len == gcp_pv_names[id].name.len
				&& strncmp(in->s, gcp_pv_names[id].name.s, in->len) == 0)
			break;
	if(id == GCP_PV_NAMES) {
		LM_ERR("unknown $gcp(%.*s): use group, callee, caller, picker, "
			   "callid or kind\n",
				in->len, in->s);
		return -1;
	}
	sp->pvp.pvn.type = PV_NAME_INTSTR;
	sp->pvp.pvn.u.isname.type = 0;
	sp->pvp.pvn.u.isname.name.n = id + 1;
	return 0;
}

int pv_get_gcp(struct sip_msg *msg, pv_param_t *param, pv_value_t *res)
{
	int id = param->pvn.u.isname.name.n;
	str *v;

	if(id < 1 || id > GCP_PV_NAMES)
		return pv_get_null(msg, param, res);
	v = gcp_pv_names[id - 1].value;
	if(v->s == NULL)
		return pv_get_null(msg, param, res);
	return pv_get_strval(msg, param, res, v);
}

static void gcp_event_field(str *dst, gcp_call_t *call, int field)
{
	size_t len;

	dst->s = (char *)gcp_call_field(call, field, &len);
	dst->len = (int)len;
}

void gcp_run_picked_event(gcp_call_t *call, str *picker, const char *kind)
{
	str evname = str_init("gcp:picked");
	int backup_rt;
	run_act_ctx_t ctx;
	run_act_ctx_t *bctx;
	sr_kemi_eng_t *keng = NULL;
	sip_msg_t *fmsg;

	if(gcp_picked_route < 0 && gcp_prm.event_callback.len <= 0)
		return;
	gcp_event_field(&_gcp_event.group, call, GCP_F_GROUP);
	gcp_event_field(&_gcp_event.callee, call, GCP_F_CALLEE);
	gcp_event_field(&_gcp_event.caller, call, GCP_F_CALLER);
	gcp_event_field(&_gcp_event.callid, call, GCP_F_CALLID);
	_gcp_event.picker = *picker;
	_gcp_event.kind.s = (char *)kind;
	_gcp_event.kind.len = strlen(kind);

	backup_rt = get_route_type();
	set_route_type(EVENT_ROUTE);
	init_run_actions_ctx(&ctx);
	fmsg = faked_msg_next();
	if(gcp_picked_route >= 0) {
		run_top_route(event_rt.rlist[gcp_picked_route], fmsg, &ctx);
	} else {
		keng = sr_kemi_eng_get();
		if(keng != NULL) {
			bctx = sr_kemi_act_ctx_get();
			sr_kemi_act_ctx_set(&ctx);
			(void)sr_kemi_route(
					keng, fmsg, EVENT_ROUTE, &gcp_prm.event_callback, &evname);
			sr_kemi_act_ctx_set(bctx);
		}
	}
	set_route_type(backup_rt);
	memset(&_gcp_event, 0, sizeof(_gcp_event));
}
