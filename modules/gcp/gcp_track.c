/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * gcp_track(): a call to a member enters the ring table; tm callbacks on
 * its INVITE transaction keep its state (ringing, answered, cancelled,
 * gone).
 */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_from.h"
#include "../../core/parser/parse_to.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/ip_addr.h"
#include "../../core/parser/contact/parse_contact.h"
#include "../../modules/tm/t_cancel.h"

#include "gcp_env.h"
#include "gcp_sip.h"
#include "gcp_store.h"
#include "gcp_track.h"
#include "gcp_tm.h"
#include "gcp_msg.h"

const char *gcp_np_reason(int not_pickable)
{
	switch(not_pickable) {
		case 0:
			return "";
		case GCP_NP_PERSONAL:
			return "personal contact";
		case GCP_NP_NO_REPLACES:
			return "caller lacks Replaces";
		case GCP_NP_ANSWERED:
			return "answered";
		case GCP_NP_TAG:
			return "To tag too long";
		case GCP_NP_UNDELIVERABLE:
			return "cannot be delivered";
		case GCP_NP_ATTEMPTS:
			return "pickup attempts used up";
		default:
			return "not pickable";
	}
}

/* what a stored string is, for log lines */
static const char *gcp_field_name(int field)
{
	switch(field) {
		case GCP_F_GROUP:
			return "group number";
		case GCP_F_CALLEE:
			return "R-URI user";
		case GCP_F_CALLER:
			return "From URI";
		case GCP_F_CALLID:
			return "Call-ID";
		case GCP_F_FROM_TAG:
			return "From tag";
		case GCP_F_CONTACT:
			return "Contact URI";
		case GCP_F_CONTACT_DST:
			return "source address";
		case GCP_F_CALLER_NAME:
			return "From display name";
		case GCP_F_DOMAIN:
			return "R-URI host";
		default:
			return "string";
	}
}

static void gcp_track_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	gcp_call_t *call = (gcp_call_t *)(*ps->param);
	struct to_body *tb;
	int state;

	if(call == NULL)
		return;
	switch(type) {
		case TMCB_RESPONSE_FWDED:
			/* a reply relayed to the caller */
			gcp_ring_index(gcp_ring, call, t->hash_index, t->label);
			if(ps->code > 100 && ps->code < 200 && ps->rpl
					&& ps->rpl != FAKED_REPLY) {
				if(parse_headers(ps->rpl, HDR_TO_F, 0) < 0
						|| ps->rpl->to == NULL)
					return;
				tb = get_to(ps->rpl);
				if(tb->tag_value.len == 0)
					return;
				if(gcp_ring_branch_ringing(gcp_ring, call,
						   gcp_tmb.t_gett_branch(), tb->tag_value.s,
						   tb->tag_value.len, gcp_now_ms())
						== GCP_RING_E_TOO_LONG)
					LM_WARN("call %.*s: To tag of %d bytes is over the "
							"limit of %d: the call cannot be picked up\n",
							GCP_CALLID_ARGS(call), tb->tag_value.len,
							GCP_RING_MAX_TAG);
			} else if(ps->code >= 200 && ps->code < 300) {
				/* answered: not pickable any more, even before the
				 * final reply is out */
				gcp_ring_block(gcp_ring, call, GCP_NP_ANSWERED);
			}
			break;
		case TMCB_RESPONSE_IN:
			/* registered only for calls a Replaces INVITE may reach: a
			 * branch that ends takes its early dialog with it */
			if(ps->code >= 300 && ps->rpl != FAKED_REPLY)
				gcp_ring_branch_ended(gcp_ring, call, gcp_tmb.t_gett_branch());
			break;
		case TMCB_RESPONSE_OUT:
			if(ps->code >= 200)
				gcp_ring_forget(gcp_ring, call);
			break;
		case TMCB_E2ECANCEL_IN:
			state = gcp_ring_state(gcp_ring, call);
			if(state == GCP_CALL_PICKED
					|| (state == GCP_CALL_CLAIMED
							&& (gcp_ring_flags(gcp_ring, call)
									& GCP_CF_VIA_REPLACES))) {
				/* with Replaces, the caller's UA cancels its early dialog
				 * because the picker's INVITE replaced it */
				gcp_tm_cancel_picked(t);
			}
			gcp_ring_forget(gcp_ring, call);
			break;
	}
}

static void gcp_track_release(void *param)
{
	gcp_ring_detach(gcp_ring, (gcp_call_t *)param);
}

/* per process: gcp_track() runs once per message */
static unsigned int _gcp_last_msg_id = 0;
static int _gcp_last_ret = 0;

int gcp_track(struct sip_msg *msg, str *group_param)
{
	gcp_call_info_t info;
	gcp_call_t *call = NULL;
	char group[GCP_MAX_NUMBER + 1];
	struct to_body *from;
	struct sip_uri *furi;
	str callee, grp, contact, contact_dst = STR_NULL;
	int rc, types;

	if(msg->id == _gcp_last_msg_id)
		return _gcp_last_ret;
	if(gcp_msg_initial_invite(msg, "gcp_track") < 0)
		return -1;
	callee = msg->parsed_uri.user;
	if(group_param && group_param->len > 0) {
		if(!gcp_store_is_group(group_param)) {
			LM_ERR("gcp_track(): '%.*s' is not a pickup group number\n",
					group_param->len, group_param->s);
			return -2;
		}
		grp = *group_param;
	} else {
		if(callee.len == 0
				|| !gcp_store_member_group(&callee, group, sizeof(group)))
			return -2;
		grp.s = group;
		grp.len = strlen(group);
	}
	from = get_from(msg);
	furi = parse_from_uri(msg);
	if(furi == NULL) {
		LM_ERR("gcp_track(): cannot parse the From URI\n");
		return -1;
	}
	contact = gcp_msg_contact_uri(msg);

	memset(&info, 0, sizeof(info));
	info.s[GCP_F_GROUP] = grp.s;
	info.len[GCP_F_GROUP] = grp.len;
	info.s[GCP_F_CALLEE] = callee.s;
	info.len[GCP_F_CALLEE] = callee.len;
	info.s[GCP_F_CALLER] = from->uri.s;
	info.len[GCP_F_CALLER] = from->uri.len;
	info.s[GCP_F_CALLID] = msg->callid->body.s;
	info.len[GCP_F_CALLID] = msg->callid->body.len;
	info.s[GCP_F_FROM_TAG] = from->tag_value.s;
	info.len[GCP_F_FROM_TAG] = from->tag_value.len;
	info.s[GCP_F_CONTACT] = contact.s;
	info.len[GCP_F_CONTACT] = contact.len;
	/* a caller that sent no Contact cannot be sent a Replaces INVITE */
	if(contact.len > 0 && gcp_msg_lists_replaces(msg)
			&& !gcp_msg_ua_cannot_replace(msg))
		info.flags |= GCP_CF_REPLACES;
	if(contact.len > 0 && !gcp_inject_first(info.flags)) {
		/* the Replaces INVITE goes where the caller is reached */
		if(gcp_msg_contact_dst(msg, &contact, &contact_dst) < 0)
			info.flags &= ~GCP_CF_REPLACES;
		info.s[GCP_F_CONTACT_DST] = contact_dst.s;
		info.len[GCP_F_CONTACT_DST] = contact_dst.len;
	}
	if(gcp_prm.publish) {
		/* only a lamp shows them; a display name too long for one is
		 * left out, it does not keep the call from being tracked */
		str name = from->display;
		if(name.len >= 2 && name.s[0] == '"' && name.s[name.len - 1] == '"') {
			name.s++;
			name.len -= 2;
		}
		if(name.len <= GCP_MAX_URI) {
			info.s[GCP_F_CALLER_NAME] = name.s;
			info.len[GCP_F_CALLER_NAME] = name.len;
		}
		info.s[GCP_F_DOMAIN] = msg->parsed_uri.host.s;
		info.len[GCP_F_DOMAIN] = msg->parsed_uri.host.len;
	}
	if(gcp_store_is_personal(&callee, &furi->user, &furi->host))
		info.not_pickable = GCP_NP_PERSONAL;
	else if(gcp_prm.mode == GCP_MODE_REPLACES && gcp_prm.require_replaces
			&& !(info.flags & GCP_CF_REPLACES))
		info.not_pickable = GCP_NP_NO_REPLACES;

	rc = gcp_ring_track(gcp_ring, &info, gcp_now_ms(), &call);
	switch(rc) {
		case GCP_RING_OK:
			break;
		case GCP_RING_E_FULL:
			LM_WARN("call %.*s not tracked: max_calls reached; the call "
					"goes on but cannot be picked up\n",
					(int)info.len[GCP_F_CALLID], info.s[GCP_F_CALLID]);
			return -1;
		case GCP_RING_E_TOO_LONG: {
			size_t limit = 0;
			int f = gcp_ring_too_long(&info, &limit);
			LM_WARN("call %.*s not tracked: its %s has %zu bytes, over the "
					"limit of %zu; the call goes on but cannot be picked "
					"up\n",
					info.len[GCP_F_CALLID] > 64 ? 64
												: (int)info.len[GCP_F_CALLID],
					info.s[GCP_F_CALLID], gcp_field_name(f),
					f >= 0 ? info.len[f] : 0, limit);
			return -1;
		}
		case GCP_RING_E_INVAL:
			LM_WARN("call not tracked: empty Call-ID or From tag\n");
			return -1;
		default:
			LM_ERR("call %.*s not tracked: out of shared memory\n",
					(int)info.len[GCP_F_CALLID], info.s[GCP_F_CALLID]);
			return -1;
	}
	types = TMCB_RESPONSE_FWDED | TMCB_RESPONSE_OUT | TMCB_E2ECANCEL_IN;
	if(!gcp_inject_first(info.flags))
		types |= TMCB_RESPONSE_IN; /* its To tag follows a ringing branch */
	if(gcp_tmb.register_tmcb(
			   msg, 0, types, gcp_track_cb, call, gcp_track_release)
			< 0) {
		LM_ERR("call %.*s not tracked: cannot register tm callbacks\n",
				(int)info.len[GCP_F_CALLID], info.s[GCP_F_CALLID]);
		gcp_ring_detach(gcp_ring, call);
		return -1;
	}
	update_stat(gcp_st.tracked, 1);
	_gcp_last_msg_id = msg->id;
	_gcp_last_ret = info.not_pickable ? -3 : 1;
	LM_DBG("call %.*s to %.*s tracked in group %.*s%s\n",
			(int)info.len[GCP_F_CALLID], info.s[GCP_F_CALLID], callee.len,
			callee.s, grp.len, grp.s,
			info.not_pickable ? " (not pickable)" : "");
	return _gcp_last_ret;
}

int gcp_was_picked(struct sip_msg *msg)
{
	struct cell *t = gcp_tmb.t_gett();
	gcp_call_t *call;
	int state;

	if(t == NULL || t == T_UNDEFINED)
		return -1;
	call = gcp_ring_find(gcp_ring, t->hash_index, t->label);
	if(call == NULL)
		return -1;
	state = gcp_ring_state(gcp_ring, call);
	gcp_ring_unref(gcp_ring, call);
	return state == GCP_CALL_PICKED ? 1 : -1;
}
