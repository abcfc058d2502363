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

#include "gcp_mod.h"
#include "gcp_sip.h"
#include "gcp_store.h"
#include "gcp_track.h"

#define GCP_REASON_HDR \
	"Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n"

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
		default:
			return "string";
	}
}

/* 1 when the caller's User-Agent matches the no_replaces_ua modparam: its
 * "replaces" is not to be trusted, so it never gets a Replaces INVITE */
static int gcp_ua_cannot_replace(struct sip_msg *msg)
{
	str *ua;

	if(gcp_no_replaces_ua.len == 0 || msg->user_agent == NULL)
		return 0;
	ua = &msg->user_agent->body;
	if(!gcp_ua_matches(
			   gcp_no_replaces_ua.s, gcp_no_replaces_ua.len, ua->s, ua->len))
		return 0;
	LM_DBG("caller's User-Agent '%.*s' matches no_replaces_ua: its call "
		   "is treated as without Replaces support\n",
			ua->len, ua->s);
	return 1;
}

/* 1 when a Supported or Require header lists the option tag "replaces" */
static int gcp_lists_replaces(struct sip_msg *msg)
{
	struct hdr_field *hf;
	char *p, *end, *tok;
	int len;

	for(hf = msg->headers; hf; hf = hf->next) {
		if(hf->type != HDR_SUPPORTED_T && hf->type != HDR_REQUIRE_T)
			continue;
		p = hf->body.s;
		end = hf->body.s + hf->body.len;
		while(p < end) {
			while(p < end
					&& (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r'
							|| *p == '\n'))
				p++;
			tok = p;
			while(p < end && *p != ',' && *p != ' ' && *p != '\t' && *p != '\r'
					&& *p != '\n')
				p++;
			len = p - tok;
			if(len == 8 && strncasecmp(tok, "replaces", 8) == 0)
				return 1;
		}
	}
	return 0;
}

/* first Contact URI of the message, or an empty str */
str gcp_msg_contact_uri(struct sip_msg *msg)
{
	str none = STR_NULL;
	contact_body_t *cb;

	if(msg->contact == NULL || parse_contact(msg->contact) < 0)
		return none;
	cb = (contact_body_t *)msg->contact->parsed;
	if(cb == NULL || cb->star || cb->contacts == NULL)
		return none;
	return cb->contacts->uri;
}

/* Where a request to the Contact of msg's sender goes: the source address
 * of msg when the Contact is not reachable as it is: another host than the
 * source (NAT), or a connection-oriented transport (reuse the phone's
 * connection). The same host on another UDP port is a phone that sends
 * from one port and listens on its Contact port: the Contact is used
 * (dst empty). dst may point into a buffer of Kamailio's core: copy it
 * before the next message is looked at. */
int gcp_msg_contact_dst(struct sip_msg *msg, str *contact, str *dst)
{
	struct sip_uri cu;
	char *ip;
	int iplen;

	dst->s = NULL;
	dst->len = 0;
	if(parse_uri(contact->s, contact->len, &cu) < 0) {
		LM_ERR("the Contact <%.*s> is not a SIP URI\n", contact->len,
				contact->s);
		return -1;
	}
	ip = ip_addr2a(&msg->rcv.src_ip);
	iplen = strlen(ip);
	if(msg->rcv.proto == PROTO_UDP && cu.host.len == iplen
			&& strncasecmp(cu.host.s, ip, iplen) == 0)
		return 0;
	return get_src_uri(msg, 1, dst) < 0 ? -1 : 0;
}

/* The caller gave up or a final reply was sent: cancel the member's
 * branches saying the call was completed elsewhere when it was picked up,
 * so the phone logs no missed call. Runs before tm prepares its own
 * CANCELs (TMCB_E2ECANCEL_IN), which then find every branch done. */
void gcp_track_cancel_picked(struct cell *t)
{
	struct cancel_info ci;
	struct cancel_reason *cr;
	int len = sizeof(GCP_REASON_HDR) - 1;

	/* also for branches that answer 1xx only later: tm then builds their
	 * CANCEL from uas.cancel_reas */
	cr = shm_malloc(sizeof(*cr) + len);
	if(cr) {
		cr->cause = CANCEL_REAS_PACKED_HDRS;
		cr->u.packed_hdrs.s = (char *)(cr + 1);
		cr->u.packed_hdrs.len = len;
		memcpy(cr->u.packed_hdrs.s, GCP_REASON_HDR, len);
		if(atomic_cmpxchg_long((void *)&t->uas.cancel_reas, 0, (long)cr) != 0)
			shm_free(cr);
	}
	init_cancel_info(&ci);
	gcp_tmb.prepare_to_cancel(t, &ci.cancel_bitmap, 0);
	if(ci.cancel_bitmap == 0)
		return;
	ci.reason.cause = 200;
	gcp_tmb.cancel_uacs(t, &ci, 0);
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
							call->len[GCP_F_CALLID],
							gcp_call_field(call, GCP_F_CALLID, NULL),
							tb->tag_value.len, GCP_RING_MAX_TAG);
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
							&& (call->flags & GCP_CF_VIA_REPLACES))) {
				/* with Replaces, the caller's UA cancels its early dialog
				 * because the picker's INVITE replaced it */
				gcp_track_cancel_picked(t);
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

	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_INVITE) {
		LM_ERR("gcp_track() works on INVITE requests only\n");
		return -1;
	}
	if(msg->id == _gcp_last_msg_id)
		return _gcp_last_ret;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->callid == NULL
			|| msg->to == NULL || parse_from_header(msg) < 0) {
		LM_ERR("gcp_track(): the INVITE lacks Call-ID, To or From\n");
		return -1;
	}
	if(get_to(msg)->tag_value.len > 0) {
		LM_ERR("gcp_track() is for initial INVITEs; this one has a To tag\n");
		return -1;
	}
	if(parse_sip_msg_uri(msg) < 0) {
		LM_ERR("gcp_track(): cannot parse the R-URI\n");
		return -1;
	}
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
	if(contact.len > 0 && gcp_lists_replaces(msg)
			&& !gcp_ua_cannot_replace(msg))
		info.flags |= GCP_CF_REPLACES;
	if(contact.len > 0 && !gcp_inject_first(info.flags)) {
		/* the Replaces INVITE goes where the caller is reached */
		if(gcp_msg_contact_dst(msg, &contact, &contact_dst) < 0)
			info.flags &= ~GCP_CF_REPLACES;
		info.s[GCP_F_CONTACT_DST] = contact_dst.s;
		info.len[GCP_F_CONTACT_DST] = contact_dst.len;
	}
	if(gcp_store_is_personal(&callee, &furi->user, &furi->host))
		info.not_pickable = GCP_NP_PERSONAL;
	else if(gcp_mode == GCP_MODE_REPLACES && gcp_require_replaces
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
	update_stat(gcp_st_tracked, 1);
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
