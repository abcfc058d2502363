/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * gcp_pickup(): claim the call of a group that has rung the longest and
 * deliver it to the picker, either by adding the picker's phone as a new
 * branch of that call's INVITE transaction (inject) or by turning the
 * picker's INVITE into a Replaces INVITE toward the caller (replaces).
 */

#include <string.h>
#include <stdio.h>

#include "../../core/dprint.h"
#include "../../core/dset.h"
#include "../../core/data_lump.h"
#include "../../core/forward.h"
#include "../../core/ip_addr.h"
#include "../../core/locking.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/mem/pkg.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_from.h"
#include "../../core/parser/parse_to.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/msg_translator.h"
#include "../../core/parser/parse_content.h"
#include "../../core/parser/parse_cseq.h"

#include "gcp_mod.h"
#include "gcp_pickup.h"
#include "gcp_sip.h"
#include "gcp_store.h"
#include "gcp_track.h"
#include "../../modules/tm/t_cancel.h"

/* What happens next to a pickup; changed with compare-and-swap, so that
 * callbacks and the timer act on it exactly once. */
enum gcp_phase
{
	GCP_PH_NONE = 0,		/* nothing scheduled */
	GCP_PH_ACK_WAIT,		/* inject: wait for the picker's ACK (or due) */
	GCP_PH_DELIVERED,		/* inject: delivery done or given up */
	GCP_PH_REPLACES_WAIT,	/* auto: Replaces INVITE out; at due cancel it */
	GCP_PH_REPLACES_CANCEL, /* auto: cancelled; at due reply to the picker */
	GCP_PH_PICKED_CHECK,	/* answered via Replaces: at due, cancel the
							* original if the caller's UA did not */
	GCP_PH_DONE
};

typedef struct gcp_pickup_ctx
{
	int refcnt;	  /* atomic */
	int phase;	  /* atomic: enum gcp_phase */
	int resolved; /* atomic: the pickup's outcome was counted */
	int mode;
	int branch;		  /* the injected branch, -1 before */
	int queued;		  /* in the timer list (under its lock) */
	gcp_call_t *call; /* the claim's reference */
	uint64_t due_ms;
	unsigned ptindex, ptlabel; /* the picker's INVITE transaction */
	struct socket_info *sock;
	struct gcp_pickup_ctx *next; /* the timer list */
	str picker;					 /* picker's From URI */
	str uri;					 /* picker's Contact */
	str dst;					 /* where to send it (NAT), may be empty */
	char buf[];
} gcp_pickup_ctx_t;

typedef struct gcp_pending
{
	gen_lock_t lock;
	gcp_pickup_ctx_t *head;
} gcp_pending_t;

static gcp_pending_t *_gcp_pending = NULL;

/* per process: the pickup whose branch t_append_branches() is building */
static gcp_pickup_ctx_t *_gcp_injecting = NULL;

static int gcp_phase_cas(gcp_pickup_ctx_t *ctx, int from, int to)
{
	return __atomic_compare_exchange_n(
			&ctx->phase, &from, to, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

int gcp_pickup_init(void)
{
	_gcp_pending = shm_malloc(sizeof(gcp_pending_t));
	if(_gcp_pending == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(_gcp_pending, 0, sizeof(gcp_pending_t));
	lock_init(&_gcp_pending->lock);
	return 0;
}

static void gcp_ctx_ref(gcp_pickup_ctx_t *ctx)
{
	__atomic_add_fetch(&ctx->refcnt, 1, __ATOMIC_SEQ_CST);
}

/* Count the pickup's outcome once: picked, or failed and the call given
 * back for another pickup. */
static int gcp_ctx_resolve(gcp_pickup_ctx_t *ctx, int picked)
{
	int expected = 0;

	if(!__atomic_compare_exchange_n(&ctx->resolved, &expected, 1, 0,
			   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 0;
	if(picked) {
		if(gcp_ring_mark_picked(gcp_ring, ctx->call) == 1) {
			update_stat(gcp_st_picked, 1);
			gcp_run_picked_event(ctx->call, &ctx->picker);
		}
		return 1;
	}
	update_stat(gcp_st_pickup_failed, 1);
	if(gcp_ring_release(gcp_ring, ctx->call) == 1)
		LM_INFO("pickup of call %.*s failed: it can be picked up again\n",
				ctx->call->len[GCP_F_CALLID],
				gcp_call_field(ctx->call, GCP_F_CALLID, NULL));
	return 1;
}

static void gcp_ctx_unref(gcp_pickup_ctx_t *ctx)
{
	if(__atomic_sub_fetch(&ctx->refcnt, 1, __ATOMIC_SEQ_CST) > 0)
		return;
	/* nobody saw an outcome: the delivery never completed */
	gcp_ctx_resolve(ctx, 0);
	gcp_ring_unref(gcp_ring, ctx->call);
	shm_free(ctx);
}

static void gcp_ctx_release(void *param)
{
	gcp_ctx_unref((gcp_pickup_ctx_t *)param);
}

static gcp_pickup_ctx_t *gcp_ctx_new(
		gcp_call_t *call, int mode, str *picker, str *uri, str *dst)
{
	gcp_pickup_ctx_t *ctx;
	size_t size = sizeof(*ctx) + picker->len + uri->len + dst->len + 3;
	char *p;

	ctx = shm_malloc(size);
	if(ctx == NULL) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(ctx, 0, sizeof(*ctx));
	ctx->refcnt = 1;
	ctx->mode = mode;
	ctx->branch = -1;
	ctx->call = call;
	p = ctx->buf;
#define GCP_CTX_STR(field, src)          \
	do {                                 \
		ctx->field.s = p;                \
		ctx->field.len = (src)->len;     \
		memcpy(p, (src)->s, (src)->len); \
		p += (src)->len;                 \
		*p++ = '\0';                     \
	} while(0)
	GCP_CTX_STR(picker, picker);
	GCP_CTX_STR(uri, uri);
	GCP_CTX_STR(dst, dst);
#undef GCP_CTX_STR
	return ctx;
}

/* The request body as a str; empty when there is none. */
static str gcp_msg_body(struct sip_msg *msg)
{
	str body = STR_NULL;

	body.s = get_body(msg);
	if(body.s == NULL)
		return body;
	body.len = msg->len - (int)(body.s - msg->buf);
	if(msg->content_length) {
		int clen = get_content_length(msg);
		if(clen < body.len)
			body.len = clen;
	}
	if(body.len <= 0)
		body.len = 0;
	return body;
}

/* Replace the SDP offer of msg by its audio-only form; 0 also when there
 * is nothing to change. */
static int gcp_msg_audio_only(struct sip_msg *msg, int sdp_mode)
{
	str body = gcp_msg_body(msg);
	struct lump *anchor;
	char *out;
	int outlen, changed = 0;

	if(body.len == 0)
		return 0;
	out = pkg_malloc(body.len + 1);
	if(out == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	outlen = gcp_sdp_audio_only(
			body.s, body.len, sdp_mode, out, body.len + 1, &changed);
	if(outlen < 0 || !changed) {
		/* not SDP (or unknown shape): leave the body alone */
		pkg_free(out);
		return 0;
	}
	anchor = del_lump(msg, body.s - msg->buf, body.len, 0);
	if(anchor == NULL
			|| insert_new_lump_after(anchor, out, outlen, 0) == NULL) {
		LM_ERR("cannot rewrite the SDP offer of the pickup\n");
		pkg_free(out);
		return -1;
	}
	return 0;
}

/* Add one header block (CRLF-terminated lines) at the end of the headers */
static int gcp_msg_add_headers(struct sip_msg *msg, const char *hdrs, int len)
{
	struct lump *anchor;
	char *s;

	if(len <= 0)
		return 0;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0) {
		LM_ERR("cannot parse the request headers\n");
		return -1;
	}
	anchor = anchor_lump(msg, msg->unparsed - msg->buf, 0, 0);
	if(anchor == NULL) {
		LM_ERR("cannot add headers to the request\n");
		return -1;
	}
	s = pkg_malloc(len);
	if(s == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(s, hdrs, len);
	if(insert_new_lump_before(anchor, s, len, 0) == NULL) {
		pkg_free(s);
		return -1;
	}
	return 0;
}

/* A 2xx answering an INVITE: tm also reports here the 200 OK of the
 * CANCELs it sends on the transaction's branches, which answers nothing. */
static int gcp_invite_answered(struct tmcb_params *ps)
{
	struct sip_msg *rpl = ps->rpl;

	if(ps->code < 200 || ps->code >= 300 || rpl == NULL || rpl == FAKED_REPLY)
		return 0;
	if(parse_headers(rpl, HDR_CSEQ_F, 0) < 0 || rpl->cseq == NULL)
		return 0;
	return get_cseq(rpl)->method_id == METHOD_INVITE;
}

/* ---- the timer list ---- */

/* Set the next phase and when the timer acts on it. */
static void gcp_schedule(gcp_pickup_ctx_t *ctx, int delay_ms)
{
	lock_get(&_gcp_pending->lock);
	ctx->due_ms = gcp_now_ms() + (delay_ms > 0 ? delay_ms : 0);
	if(!ctx->queued) {
		ctx->queued = 1;
		gcp_ctx_ref(ctx);
		ctx->next = _gcp_pending->head;
		_gcp_pending->head = ctx;
	}
	lock_release(&_gcp_pending->lock);
}

/* ---- inject delivery (and auto's fallback to it) ---- */

static void gcp_inject_deliver(gcp_pickup_ctx_t *ctx);

/* the picker's phone acknowledged the final reply: its attempt is over */
static void gcp_picker_ack_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	gcp_pickup_ctx_t *ctx = (gcp_pickup_ctx_t *)(*ps->param);

	if(gcp_phase_cas(ctx, GCP_PH_ACK_WAIT, GCP_PH_DELIVERED))
		gcp_inject_deliver(ctx);
}

/* auto: the Replaces INVITE did not work; deliver by inject once the
 * picker acknowledges the final reply it gets */
static void gcp_auto_fallback(gcp_pickup_ctx_t *ctx, int from_phase)
{
	if(!gcp_phase_cas(ctx, from_phase, GCP_PH_ACK_WAIT))
		return;
	LM_INFO("call %.*s: the caller's UA did not take the Replaces INVITE: "
			"ringing the picker %.*s instead\n",
			ctx->call->len[GCP_F_CALLID],
			gcp_call_field(ctx->call, GCP_F_CALLID, NULL), ctx->picker.len,
			ctx->picker.s);
	gcp_schedule(ctx, gcp_inject_ack_timeout);
}

/* ---- replaces ---- */

static void gcp_replaces_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	gcp_pickup_ctx_t *ctx = (gcp_pickup_ctx_t *)(*ps->param);

	if(type == TMCB_RESPONSE_IN && gcp_invite_answered(ps)) {
		if(ctx->mode == GCP_MODE_AUTO
				&& !gcp_phase_cas(
						ctx, GCP_PH_REPLACES_WAIT, GCP_PH_PICKED_CHECK)
				&& !gcp_phase_cas(
						ctx, GCP_PH_REPLACES_CANCEL, GCP_PH_PICKED_CHECK))
			return; /* too late: already falling back to inject */
		if(ctx->mode == GCP_MODE_REPLACES)
			gcp_phase_cas(ctx, GCP_PH_NONE, GCP_PH_PICKED_CHECK);
		/* a UA that answers the Replaces INVITE as a second call leaves
		 * its first one ringing: check it goes */
		if(gcp_ctx_resolve(ctx, 1))
			gcp_schedule(ctx, gcp_picked_cancel_delay);
	} else if(type == TMCB_ON_FAILURE) {
		if(ctx->mode == GCP_MODE_AUTO) {
			gcp_auto_fallback(ctx, GCP_PH_REPLACES_WAIT);
			gcp_auto_fallback(ctx, GCP_PH_REPLACES_CANCEL);
		} else {
			gcp_ctx_resolve(ctx, 0);
		}
	}
}

static int gcp_pickup_replaces(struct sip_msg *msg, gcp_pickup_ctx_t *ctx)
{
	gcp_call_t *call = ctx->call;
	char hdr[64 + 3 * (GCP_RING_MAX_CALLID + 2 * GCP_RING_MAX_TAG)];
	size_t cidlen, ttlen, ftlen, clen;
	const char *cid, *ft, *tt, *contact;
	str ruri;
	int n;

	cid = gcp_call_field(call, GCP_F_CALLID, &cidlen);
	ft = gcp_call_field(call, GCP_F_FROM_TAG, &ftlen);
	tt = gcp_call_field(call, GCP_F_TO_TAG, &ttlen);
	contact = gcp_call_field(call, GCP_F_CONTACT, &clen);
	if(clen == 0) {
		LM_ERR("call %.*s: the caller sent no Contact: cannot send it a "
			   "Replaces INVITE\n",
				(int)cidlen, cid);
		return -1;
	}
	/* tags as the caller's UA sees its own early dialog: its local tag
	 * (our From tag) is the to-tag, the callee's tag the from-tag */
	memcpy(hdr, "Replaces: ", 10);
	n = gcp_replaces_value(
			cid, cidlen, ft, ftlen, tt, ttlen, 1, hdr + 10, sizeof(hdr) - 12);
	if(n < 0) {
		LM_ERR("call %.*s: cannot build the Replaces header\n", (int)cidlen,
				cid);
		return -1;
	}
	n += 10;
	hdr[n++] = '\r';
	hdr[n++] = '\n';
	ruri.s = (char *)contact;
	ruri.len = clen;
	if(rewrite_uri(msg, &ruri) < 0) {
		LM_ERR("cannot set the R-URI to the caller's Contact\n");
		return -1;
	}
	if(gcp_msg_add_headers(msg, hdr, n) < 0
			|| gcp_msg_audio_only(msg, GCP_SDP_REMOVE) < 0)
		return -1;
	gcp_ctx_ref(ctx);
	if(gcp_tmb.register_tmcb(msg, 0, TMCB_RESPONSE_IN | TMCB_ON_FAILURE,
			   gcp_replaces_cb, ctx, gcp_ctx_release)
			< 0) {
		LM_ERR("cannot register tm callbacks for the pickup\n");
		gcp_ctx_unref(ctx);
		return -1;
	}
	if(ctx->mode == GCP_MODE_AUTO) {
		/* for the fallback: the picker's ACK of the final reply */
		gcp_ctx_ref(ctx);
		if(gcp_tmb.register_tmcb(msg, 0, TMCB_ACK_NEG_IN, gcp_picker_ack_cb,
				   ctx, gcp_ctx_release)
				< 0) {
			LM_ERR("cannot register tm callbacks for the pickup\n");
			gcp_ctx_unref(ctx);
			return -1;
		}
		ctx->phase = GCP_PH_REPLACES_WAIT;
		gcp_schedule(ctx, gcp_auto_timeout);
	}
	call->flags |= GCP_CF_VIA_REPLACES;
	return 1;
}

/* ---- inject ---- */

/* callbacks on the ringing call's transaction, for the injected branch */
static void gcp_inject_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	gcp_pickup_ctx_t *ctx = (gcp_pickup_ctx_t *)(*ps->param);
	int branch;

	switch(type) {
		case TMCB_REQUEST_FWDED:
			/* building a branch: ours only while we append it */
			if(_gcp_injecting != ctx || ps->req == NULL)
				return;
			if(gcp_msg_add_headers(
					   ps->req, gcp_inject_headers.s, gcp_inject_headers.len)
							< 0
					|| gcp_msg_audio_only(ps->req, GCP_SDP_DISABLE) < 0)
				LM_ERR("call %.*s: the picker's branch goes without "
					   "auto-answer headers or audio-only offer\n",
						ctx->call->len[GCP_F_CALLID],
						gcp_call_field(ctx->call, GCP_F_CALLID, NULL));
			return;
		case TMCB_RESPONSE_IN:
			branch = gcp_tmb.t_gett_branch();
			if(ctx->branch >= 0 && branch == ctx->branch
					&& gcp_invite_answered(ps))
				gcp_ctx_resolve(ctx, 1);
			return;
		case TMCB_ON_BRANCH_FAILURE:
			branch = gcp_tmb.t_gett_branch();
			if(ctx->branch >= 0 && branch == ctx->branch)
				gcp_ctx_resolve(ctx, 0);
			return;
	}
}

/* Add the picker's phone as a new branch of the ringing call. Runs once
 * per pickup: from the picker's ACK, or from the timer when no ACK came. */
static void gcp_inject_deliver(gcp_pickup_ctx_t *ctx)
{
	struct cell *orig_t, *t = NULL;
	int orig_branch, ret;
	gcp_call_t *call = ctx->call;
	str empty = STR_NULL;

	if(gcp_ring_state(gcp_ring, call) != GCP_CALL_CLAIMED) {
		LM_INFO("call %.*s ended before the pickup reached it\n",
				call->len[GCP_F_CALLID],
				gcp_call_field(call, GCP_F_CALLID, NULL));
		gcp_ctx_resolve(ctx, 0);
		return;
	}
	orig_t = gcp_tmb.t_gett();
	orig_branch = gcp_tmb.t_gett_branch();
	if(gcp_tmb.t_lookup_ident(&t, call->tindex, call->tlabel) < 0
			|| t == NULL) {
		LM_INFO("call %.*s: its transaction is gone\n", call->len[GCP_F_CALLID],
				gcp_call_field(call, GCP_F_CALLID, NULL));
		gcp_ctx_resolve(ctx, 0);
		gcp_tmb.t_sett(orig_t, orig_branch);
		return;
	}
	if((t->flags & T_CANCELED) || t->uas.status >= 200) {
		LM_INFO("call %.*s was cancelled or answered meanwhile\n",
				call->len[GCP_F_CALLID],
				gcp_call_field(call, GCP_F_CALLID, NULL));
		gcp_ctx_resolve(ctx, 0);
		goto done;
	}
	gcp_ctx_ref(ctx);
	if(gcp_tmb.register_tmcb(NULL, t,
			   TMCB_REQUEST_FWDED | TMCB_RESPONSE_IN | TMCB_ON_BRANCH_FAILURE,
			   gcp_inject_cb, ctx, gcp_ctx_release)
			< 0) {
		LM_ERR("call %.*s: cannot register tm callbacks\n",
				call->len[GCP_F_CALLID],
				gcp_call_field(call, GCP_F_CALLID, NULL));
		gcp_ctx_unref(ctx);
		gcp_ctx_resolve(ctx, 0);
		goto done;
	}
	clear_branches();
	if(append_branch(NULL, &ctx->uri, ctx->dst.len ? &ctx->dst : NULL, NULL,
			   Q_UNSPECIFIED, 0, ctx->sock, NULL, 0, NULL, NULL)
			< 0) {
		LM_ERR("call %.*s: cannot add the picker's branch\n",
				call->len[GCP_F_CALLID],
				gcp_call_field(call, GCP_F_CALLID, NULL));
		gcp_ctx_resolve(ctx, 0);
		goto done;
	}
	ctx->branch = t->nr_of_outgoings;
	_gcp_injecting = ctx;
	ret = gcp_tmb.t_append_branches(&empty);
	_gcp_injecting = NULL;
	clear_branches();
	if(ret <= 0) {
		LM_ERR("call %.*s: the picker's branch could not be sent (%d)\n",
				call->len[GCP_F_CALLID],
				gcp_call_field(call, GCP_F_CALLID, NULL), ret);
		ctx->branch = -1;
		gcp_ctx_resolve(ctx, 0);
		goto done;
	}
	LM_DBG("call %.*s: picker %.*s added as branch %d\n",
			call->len[GCP_F_CALLID], gcp_call_field(call, GCP_F_CALLID, NULL),
			ctx->uri.len, ctx->uri.s, ctx->branch);
done:
	gcp_tmb.unref_cell(t);
	gcp_tmb.t_sett(orig_t, orig_branch);
}

/* Where to send the picker's branch: the source address of its INVITE
 * when the Contact is not reachable as it is: another host than the source
 * (NAT), or a connection-oriented transport (reuse the phone's connection).
 * The same host on another UDP port is a phone that sends from one port
 * and listens on its Contact port: the Contact is used. */
static int gcp_picker_dst(
		struct sip_msg *msg, str *contact, str *dst, char *buf, size_t size)
{
	struct sip_uri cu;
	char *ip;
	int iplen, n;

	dst->s = buf;
	dst->len = 0;
	if(parse_uri(contact->s, contact->len, &cu) < 0) {
		LM_ERR("the picker's Contact <%.*s> is not a SIP URI\n", contact->len,
				contact->s);
		return -1;
	}
	ip = ip_addr2a(&msg->rcv.src_ip);
	iplen = strlen(ip);
	if(msg->rcv.proto == PROTO_UDP && cu.host.len == iplen
			&& strncasecmp(cu.host.s, ip, iplen) == 0)
		return 0;
	n = snprintf(buf, size,
			msg->rcv.src_ip.af == AF_INET6 ? "sip:[%s]:%u;transport=%s"
										   : "sip:%s:%u;transport=%s",
			ip, msg->rcv.src_port,
			msg->rcv.proto == PROTO_TCP	  ? "tcp"
			: msg->rcv.proto == PROTO_TLS ? "tls"
			: msg->rcv.proto == PROTO_WS || msg->rcv.proto == PROTO_WSS
					? "ws"
					: "udp");
	if(n < 0 || (size_t)n >= size)
		return -1;
	dst->len = n;
	return 0;
}

static int gcp_pickup_inject(struct sip_msg *msg, gcp_pickup_ctx_t *ctx)
{
	char reason[128];
	int len;

	gcp_ctx_ref(ctx);
	if(gcp_tmb.register_tmcb(
			   msg, 0, TMCB_ACK_NEG_IN, gcp_picker_ack_cb, ctx, gcp_ctx_release)
			< 0) {
		LM_ERR("cannot register tm callbacks for the pickup\n");
		gcp_ctx_unref(ctx);
		return -1;
	}
	ctx->phase = GCP_PH_ACK_WAIT;
	gcp_schedule(ctx, gcp_inject_ack_timeout);
	len = gcp_inject_reply_reason.len < (int)sizeof(reason) - 1
				  ? gcp_inject_reply_reason.len
				  : (int)sizeof(reason) - 1;
	memcpy(reason, gcp_inject_reply_reason.s, len);
	reason[len] = '\0';
	/* ends the picker's own attempt; its ACK then triggers the delivery */
	if(gcp_tmb.t_reply(msg, gcp_inject_reply_code, reason) < 0)
		LM_ERR("cannot reply to the picker's INVITE; the call is delivered "
			   "after inject_ack_timeout\n");
	return 2;
}

int gcp_pickup(struct sip_msg *msg)
{
	struct sip_uri *furi;
	struct to_body *from;
	gcp_call_t *call;
	gcp_pickup_ctx_t *ctx;
	struct cell *t;
	str group, contact, dst = STR_NULL;
	char dstbuf[128];
	int ret;

	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_INVITE) {
		LM_ERR("gcp_pickup() works on INVITE requests only\n");
		return -1;
	}
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->to == NULL
			|| msg->callid == NULL || parse_from_header(msg) < 0) {
		LM_ERR("gcp_pickup(): the INVITE lacks Call-ID, To or From\n");
		return -1;
	}
	if(get_to(msg)->tag_value.len > 0) {
		LM_ERR("gcp_pickup() is for initial INVITEs; this one has a To "
			   "tag\n");
		return -1;
	}
	if(parse_sip_msg_uri(msg) < 0) {
		LM_ERR("gcp_pickup(): cannot parse the R-URI\n");
		return -1;
	}
	group = msg->parsed_uri.user;
	if(group.len == 0 || !gcp_store_is_group(&group))
		return -2;
	furi = parse_from_uri(msg);
	if(furi == NULL
			|| check_self(&furi->host, furi->port_no ? furi->port_no : 0, 0)
					   != 1) {
		update_stat(gcp_st_pickup_denied, 1);
		LM_NOTICE("pickup in group %.*s refused: the picker's From host is "
				  "not one of this server's domains\n",
				group.len, group.s);
		return -4;
	}
	from = get_from(msg);
	contact = gcp_msg_contact_uri(msg);
	if(gcp_mode != GCP_MODE_REPLACES) {
		if(contact.len == 0) {
			LM_ERR("pickup in group %.*s: the picker's INVITE has no "
				   "Contact to send the call to\n",
					group.len, group.s);
			return -1;
		}
		if(gcp_picker_dst(msg, &contact, &dst, dstbuf, sizeof(dstbuf)) < 0)
			return -1;
	}
	/* a transaction first: a retransmitted pickup INVITE must not claim a
	 * second call */
	ret = gcp_tmb.t_newtran(msg);
	if(ret == 0 || ret == E_SCRIPT)
		return 0; /* retransmission, absorbed */
	if(ret < 0) {
		LM_ERR("gcp_pickup(): cannot create the transaction (%d)\n", ret);
		return -1;
	}
	t = gcp_tmb.t_gett();
	if(t == NULL || t == T_UNDEFINED) {
		LM_ERR("gcp_pickup(): no transaction after t_newtran()\n");
		return -1;
	}

	call = gcp_ring_claim(gcp_ring, group.s, group.len);
	if(call == NULL) {
		update_stat(gcp_st_pickup_empty, 1);
		return -3;
	}
	ctx = gcp_ctx_new(call, gcp_mode, &from->uri, &contact, &dst);
	if(ctx == NULL) {
		gcp_ring_release(gcp_ring, call);
		gcp_ring_unref(gcp_ring, call);
		return -1;
	}
	ctx->sock = msg->rcv.bind_address;
	ctx->ptindex = t->hash_index;
	ctx->ptlabel = t->label;
	LM_INFO("pickup in group %.*s by %.*s: call %.*s from %.*s to %.*s\n",
			group.len, group.s, from->uri.len, from->uri.s,
			call->len[GCP_F_CALLID], gcp_call_field(call, GCP_F_CALLID, NULL),
			call->len[GCP_F_CALLER], gcp_call_field(call, GCP_F_CALLER, NULL),
			call->len[GCP_F_CALLEE], gcp_call_field(call, GCP_F_CALLEE, NULL));
	/* auto: a caller's UA that does not list "replaces" would only see a
	 * second incoming call: inject at once */
	if(gcp_inject_first(call->flags)) {
		ctx->mode = GCP_MODE_INJECT;
		ret = gcp_pickup_inject(msg, ctx);
	} else {
		ret = gcp_pickup_replaces(msg, ctx);
	}
	/* the creator's reference; callbacks and the pending list hold theirs */
	gcp_ctx_unref(ctx);
	return ret;
}

/* Cancel the picker's Replaces INVITE (auto mode, no answer in time);
 * branches that got no reply at all are given a local 487 at once. */
static void gcp_cancel_picker_branches(gcp_pickup_ctx_t *ctx)
{
	struct cell *orig_t, *t = NULL;
	struct cancel_info ci;
	int orig_branch;

	orig_t = gcp_tmb.t_gett();
	orig_branch = gcp_tmb.t_gett_branch();
	if(gcp_tmb.t_lookup_ident(&t, ctx->ptindex, ctx->ptlabel) < 0
			|| t == NULL) {
		gcp_tmb.t_sett(orig_t, orig_branch);
		return;
	}
	if(t->uas.status < 200) {
		init_cancel_info(&ci);
		gcp_tmb.prepare_to_cancel(t, &ci.cancel_bitmap, 0);
		if(ci.cancel_bitmap)
			gcp_tmb.cancel_uacs(t, &ci, F_CANCEL_B_FAKE_REPLY);
	}
	gcp_tmb.unref_cell(t);
	gcp_tmb.t_sett(orig_t, orig_branch);
}

/* The cancelled Replaces INVITE still has no final reply: answer the
 * picker ourselves so that its phone is free for the call. */
static int gcp_reply_picker(gcp_pickup_ctx_t *ctx)
{
	struct cell *orig_t, *t = NULL;
	int orig_branch, ret = -1;

	orig_t = gcp_tmb.t_gett();
	orig_branch = gcp_tmb.t_gett_branch();
	if(gcp_tmb.t_lookup_ident(&t, ctx->ptindex, ctx->ptlabel) < 0
			|| t == NULL) {
		gcp_tmb.t_sett(orig_t, orig_branch);
		return -1;
	}
	if(t->uas.status < 200)
		ret = gcp_tmb.t_reply_trans(
				t, t->uas.request, 487, "Request Terminated");
	gcp_tmb.unref_cell(t);
	gcp_tmb.t_sett(orig_t, orig_branch);
	return ret;
}

/* Picked up with Replaces: the caller's UA should have cancelled its own
 * early dialog; one that took the Replaces INVITE as a second call did
 * not, and the member's phone would ring on: cancel it here. */
static void gcp_check_original(gcp_pickup_ctx_t *ctx)
{
	struct cell *orig_t, *t = NULL;
	int orig_branch;
	gcp_call_t *call = ctx->call;

	orig_t = gcp_tmb.t_gett();
	orig_branch = gcp_tmb.t_gett_branch();
	if(gcp_tmb.t_lookup_ident(&t, call->tindex, call->tlabel) < 0
			|| t == NULL) {
		gcp_tmb.t_sett(orig_t, orig_branch);
		return;
	}
	if(t->uas.status < 200 && !(t->flags & T_CANCELED)) {
		LM_INFO("call %.*s: the caller's UA kept its first call ringing after "
				"accepting the Replaces INVITE: cancelling it\n",
				call->len[GCP_F_CALLID],
				gcp_call_field(call, GCP_F_CALLID, NULL));
		gcp_track_cancel_picked(t);
	}
	gcp_tmb.unref_cell(t);
	gcp_tmb.t_sett(orig_t, orig_branch);
}

/* the timer acts on a pickup whose time came */
static void gcp_pickup_due(gcp_pickup_ctx_t *ctx)
{
	switch(__atomic_load_n(&ctx->phase, __ATOMIC_SEQ_CST)) {
		case GCP_PH_ACK_WAIT:
			if(gcp_phase_cas(ctx, GCP_PH_ACK_WAIT, GCP_PH_DELIVERED)) {
				LM_INFO("no ACK from the picker %.*s within %d ms: "
						"delivering the call anyway\n",
						ctx->picker.len, ctx->picker.s, gcp_inject_ack_timeout);
				gcp_inject_deliver(ctx);
			}
			break;
		case GCP_PH_REPLACES_WAIT:
			if(gcp_phase_cas(
					   ctx, GCP_PH_REPLACES_WAIT, GCP_PH_REPLACES_CANCEL)) {
				LM_INFO("call %.*s: no answer to the Replaces INVITE within "
						"%d ms: cancelling it\n",
						ctx->call->len[GCP_F_CALLID],
						gcp_call_field(ctx->call, GCP_F_CALLID, NULL),
						gcp_auto_timeout);
				gcp_schedule(ctx, gcp_auto_timeout);
				gcp_cancel_picker_branches(ctx);
			}
			break;
		case GCP_PH_REPLACES_CANCEL:
			/* the CANCEL did not end it either */
			gcp_reply_picker(ctx);
			gcp_auto_fallback(ctx, GCP_PH_REPLACES_CANCEL);
			break;
		case GCP_PH_PICKED_CHECK:
			if(gcp_phase_cas(ctx, GCP_PH_PICKED_CHECK, GCP_PH_DONE))
				gcp_check_original(ctx);
			break;
	}
}

/* Timer: act on the pickups whose time came. */
void gcp_pickup_timer(void)
{
	gcp_pickup_ctx_t *ctx, **pp, *due = NULL;
	uint64_t now = gcp_now_ms();

	lock_get(&_gcp_pending->lock);
	pp = &_gcp_pending->head;
	while((ctx = *pp) != NULL) {
		if(now >= ctx->due_ms) {
			*pp = ctx->next;
			ctx->queued = 0;
			ctx->next = due;
			due = ctx;
		} else {
			pp = &ctx->next;
		}
	}
	lock_release(&_gcp_pending->lock);
	while((ctx = due) != NULL) {
		due = ctx->next;
		gcp_pickup_due(ctx);
		gcp_ctx_unref(ctx);
	}
}
