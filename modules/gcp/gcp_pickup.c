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
#include "../../core/parser/digest/digest.h"

#include "gcp_env.h"
#include "gcp_event.h"
#include "gcp_pickup.h"
#include "gcp_sip.h"
#include "gcp_store.h"
#include "gcp_track.h"
#include "gcp_tm.h"
#include "gcp_msg.h"
#include "gcp_target.h"
#include "gcp_claim.h"
#include "gcp_dmq_pick.h"
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
	int kind;		  /* GCP_KIND_* */
	int branch;		  /* atomic: the injected branch, -1 before */
	int cancelled;	  /* atomic: the picker cancelled its INVITE */
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
	gen_lock_t lock; /* the timer list */
	gcp_pickup_ctx_t *head;
	/* gcp_call_t.pickup and .pickup_watch of every call: the current
	 * pickup of a call, which holds a reference on it */
	gen_lock_t current_lock;
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
	lock_init(&_gcp_pending->current_lock);
	return 0;
}

static void gcp_ctx_ref(gcp_pickup_ctx_t *ctx)
{
	__atomic_add_fetch(&ctx->refcnt, 1, __ATOMIC_SEQ_CST);
}

static void gcp_ctx_unref(gcp_pickup_ctx_t *ctx);

/* The call's current pickup is ctx from now on (inject: its branch is
 * being added); the call holds a reference. */
static void gcp_current_set(gcp_call_t *call, gcp_pickup_ctx_t *ctx)
{
	gcp_pickup_ctx_t *old;

	gcp_ctx_ref(ctx);
	lock_get(&_gcp_pending->current_lock);
	old = call->pickup;
	call->pickup = ctx;
	lock_release(&_gcp_pending->current_lock);
	if(old)
		gcp_ctx_unref(old);
}

/* The call's current pickup with one more reference, or NULL. */
static gcp_pickup_ctx_t *gcp_current_get(gcp_call_t *call)
{
	gcp_pickup_ctx_t *ctx;

	lock_get(&_gcp_pending->current_lock);
	ctx = call->pickup;
	if(ctx)
		gcp_ctx_ref(ctx);
	lock_release(&_gcp_pending->current_lock);
	return ctx;
}

/* ctx is the call's current pickup no more (when it was); with ctx NULL,
 * whatever pickup was current. Returns it, with the call's reference,
 * or NULL. */
static gcp_pickup_ctx_t *gcp_current_take(
		gcp_call_t *call, gcp_pickup_ctx_t *ctx)
{
	gcp_pickup_ctx_t *cur;

	lock_get(&_gcp_pending->current_lock);
	cur = call->pickup;
	if(cur && (ctx == NULL || cur == ctx))
		call->pickup = NULL;
	else
		cur = NULL;
	lock_release(&_gcp_pending->current_lock);
	return cur;
}

/* Count the pickup's outcome once: picked, or failed and the call given
 * back for another pickup. */
static int gcp_ctx_resolve(gcp_pickup_ctx_t *ctx, int picked)
{
	gcp_pickup_ctx_t *cur;
	int expected = 0;

	if(!__atomic_compare_exchange_n(&ctx->resolved, &expected, 1, 0,
			   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 0;
	/* no picker strings stay with the call once its pickup is over */
	cur = gcp_current_take(ctx->call, ctx);
	if(cur)
		gcp_ctx_unref(cur);
	if(picked) {
		if(gcp_ring_mark_picked(gcp_ring, ctx->call) == 1) {
			update_stat(gcp_st.picked, 1);
			update_stat(gcp_st.picked_kind[ctx->kind], 1);
			gcp_run_picked_event(
					ctx->call, &ctx->picker, gcp_kind_name(ctx->kind));
		}
		return 1;
	}
	update_stat(gcp_st.pickup_failed, 1);
	if(gcp_ring_release(gcp_ring, ctx->call) == 1)
		LM_INFO("pickup of call %.*s failed: it can be picked up again\n",
				GCP_CALLID_ARGS(ctx->call));
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

/* a string from a message, at most this long in a log line */
#define GCP_LOG_LEN(len) ((len) > 128 ? 128 : (len))

/* ---- inject delivery (and auto's fallback to it) ---- */

static void gcp_inject_deliver(gcp_pickup_ctx_t *ctx);

/* callback cb on the msg's transaction for the types, with a reference of
 * its own to ctx (the release drops it) */
static int gcp_ctx_watch(struct sip_msg *msg, gcp_pickup_ctx_t *ctx, int types,
		transaction_cb *cb)
{
	gcp_ctx_ref(ctx);
	if(gcp_tmb.register_tmcb(msg, 0, types, cb, ctx, gcp_ctx_release) < 0) {
		LM_ERR("cannot register tm callbacks for the pickup\n");
		gcp_ctx_unref(ctx);
		return -1;
	}
	return 0;
}

/* the picker's phone acknowledged the final reply: its attempt is over */
static void gcp_picker_ack_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	gcp_pickup_ctx_t *ctx = (gcp_pickup_ctx_t *)(*ps->param);

	if(gcp_phase_cas(ctx, GCP_PH_ACK_WAIT, GCP_PH_DELIVERED))
		gcp_inject_deliver(ctx);
}

/* auto: the Replaces INVITE did not work; deliver by inject once the
 * picker acknowledges the final reply it gets. The phase changes before
 * anything answers the picker, so that its ACK finds it. */
static int gcp_auto_fallback(gcp_pickup_ctx_t *ctx, int from_phase)
{
	if(__atomic_load_n(&ctx->cancelled, __ATOMIC_SEQ_CST)
			|| !gcp_phase_cas(ctx, from_phase, GCP_PH_ACK_WAIT))
		return 0;
	LM_INFO("call %.*s: the caller's UA did not take the Replaces INVITE: "
			"ringing the picker %.*s instead\n",
			GCP_CALLID_ARGS(ctx->call), GCP_LOG_LEN(ctx->picker.len),
			ctx->picker.s);
	gcp_schedule(ctx, gcp_prm.inject_ack_timeout);
	return 1;
}

/* ---- replaces ---- */

/* The picker hung up: its pickup fails at once, and nothing rings its
 * phone later (auto's fallback). */
static void gcp_picker_cancelled(gcp_pickup_ctx_t *ctx)
{
	__atomic_store_n(&ctx->cancelled, 1, __ATOMIC_SEQ_CST);
	if(gcp_phase_cas(ctx, GCP_PH_REPLACES_WAIT, GCP_PH_DONE)
			|| gcp_phase_cas(ctx, GCP_PH_REPLACES_CANCEL, GCP_PH_DONE)
			|| gcp_phase_cas(ctx, GCP_PH_NONE, GCP_PH_DONE))
		LM_INFO("call %.*s: the picker %.*s cancelled its pickup\n",
				GCP_CALLID_ARGS(ctx->call), GCP_LOG_LEN(ctx->picker.len),
				ctx->picker.s);
	gcp_ctx_resolve(ctx, 0);
}

static void gcp_replaces_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	gcp_pickup_ctx_t *ctx = (gcp_pickup_ctx_t *)(*ps->param);

	if(type == TMCB_E2ECANCEL_IN) {
		gcp_picker_cancelled(ctx);
	} else if(type == TMCB_RESPONSE_IN && gcp_tm_invite_answered(ps)) {
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
			gcp_schedule(ctx, gcp_prm.picked_cancel_delay);
	} else if(type == TMCB_ON_FAILURE) {
		if(t->flags & T_CANCELED) {
			gcp_picker_cancelled(ctx);
		} else if(ctx->mode == GCP_MODE_AUTO) {
			if(!gcp_auto_fallback(ctx, GCP_PH_REPLACES_WAIT))
				gcp_auto_fallback(ctx, GCP_PH_REPLACES_CANCEL);
		} else {
			gcp_ctx_resolve(ctx, 0);
		}
	}
}

static int gcp_pickup_replaces(
		struct sip_msg *msg, gcp_pickup_ctx_t *ctx, const char *tt)
{
	gcp_call_t *call = ctx->call;
	char hdr[64 + 3 * (GCP_RING_MAX_CALLID + 2 * GCP_RING_MAX_TAG)];
	size_t cidlen, ftlen, clen, dlen;
	const char *cid, *ft, *contact, *cdst;
	str ruri, du;
	int n;

	cid = gcp_call_field(call, GCP_F_CALLID, &cidlen);
	ft = gcp_call_field(call, GCP_F_FROM_TAG, &ftlen);
	contact = gcp_call_field(call, GCP_F_CONTACT, &clen);
	cdst = gcp_call_field(call, GCP_F_CONTACT_DST, &dlen);
	/* tags as the caller's UA sees its own early dialog: its local tag
	 * (our From tag) is the to-tag, the callee's tag the from-tag */
	memcpy(hdr, "Replaces: ", 10);
	n = gcp_replaces_value(cid, cidlen, ft, ftlen, tt, strlen(tt), 1, hdr + 10,
			sizeof(hdr) - 12);
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
	if(dlen > 0) {
		/* a caller behind NAT: where its INVITE came from */
		du.s = (char *)cdst;
		du.len = dlen;
		if(set_dst_uri(msg, &du) < 0) {
			LM_ERR("cannot send the Replaces INVITE to the caller's source "
				   "address\n");
			return -1;
		}
	}
	/* a BLF key's Replaces names the caller's dialog as the phone saw it
	 * in a NOTIFY: ours, in the caller's orientation, takes its place */
	if(ctx->kind == GCP_KIND_REPLACES
			&& gcp_msg_remove_headers(msg, "Replaces") < 0)
		return -1;
	if(gcp_msg_add_headers(msg, hdr, n) < 0
			|| gcp_msg_audio_only(msg, GCP_SDP_REMOVE) < 0)
		return -1;
	if(gcp_ctx_watch(msg, ctx,
			   TMCB_RESPONSE_IN | TMCB_ON_FAILURE | TMCB_E2ECANCEL_IN,
			   gcp_replaces_cb)
			< 0)
		return -1;
	if(ctx->mode == GCP_MODE_AUTO) {
		/* for the fallback: the picker's ACK of the final reply */
		if(gcp_ctx_watch(msg, ctx, TMCB_ACK_NEG_IN, gcp_picker_ack_cb) < 0)
			return -1;
		ctx->phase = GCP_PH_REPLACES_WAIT;
		gcp_schedule(ctx, gcp_prm.auto_timeout);
	}
	gcp_ring_set_flags(gcp_ring, call, GCP_CF_VIA_REPLACES);
	return 1;
}

/* ---- inject ---- */

/* Callbacks on the ringing call's transaction, registered once per call
 * (param: the call, with a reference of its own): they act for the call's
 * current pickup, so nothing of a picker stays registered. */
static void gcp_inject_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	gcp_call_t *call = (gcp_call_t *)(*ps->param);
	gcp_pickup_ctx_t *ctx;
	int branch;

	if(type == TMCB_REQUEST_FWDED) {
		/* building a branch: ours only while we append it */
		ctx = _gcp_injecting;
		if(ctx == NULL || ctx->call != call || ps->req == NULL)
			return;
		/* t_append_branches() holds the reply lock here: no other branch
		 * can take this index */
		__atomic_store_n(&ctx->branch, t->nr_of_outgoings, __ATOMIC_SEQ_CST);
		if(gcp_msg_add_headers(ps->req, gcp_prm.inject_headers.s,
				   gcp_prm.inject_headers.len)
						< 0
				|| gcp_msg_audio_only(ps->req, GCP_SDP_DISABLE) < 0)
			LM_ERR("call %.*s: the picker's branch goes without "
				   "auto-answer headers or audio-only offer\n",
					GCP_CALLID_ARGS(call));
		return;
	}
	ctx = gcp_current_get(call);
	if(ctx == NULL)
		return;
	branch = gcp_tmb.t_gett_branch();
	if(branch >= 0
			&& branch == __atomic_load_n(&ctx->branch, __ATOMIC_SEQ_CST)) {
		if(type == TMCB_RESPONSE_IN && gcp_tm_invite_answered(ps))
			gcp_ctx_resolve(ctx, 1);
		else if(type == TMCB_ON_BRANCH_FAILURE)
			gcp_ctx_resolve(ctx, 0);
	}
	gcp_ctx_unref(ctx);
}

/* the call's transaction is gone: so is any pickup still in flight */
static void gcp_inject_unwatch(void *param)
{
	gcp_call_t *call = (gcp_call_t *)param;
	gcp_pickup_ctx_t *ctx = gcp_current_take(call, NULL);

	if(ctx) {
		gcp_ctx_resolve(ctx, 0);
		gcp_ctx_unref(ctx);
	}
	gcp_ring_unref(gcp_ring, call);
}

/* Our callbacks on the call's transaction, once per call. */
static int gcp_inject_watch(struct cell *t, gcp_call_t *call)
{
	int first;

	lock_get(&_gcp_pending->current_lock);
	first = !call->pickup_watch;
	call->pickup_watch = 1;
	lock_release(&_gcp_pending->current_lock);
	if(!first)
		return 0;
	gcp_ring_ref(gcp_ring, call);
	if(gcp_tmb.register_tmcb(NULL, t,
			   TMCB_REQUEST_FWDED | TMCB_RESPONSE_IN | TMCB_ON_BRANCH_FAILURE,
			   gcp_inject_cb, call, gcp_inject_unwatch)
			< 0) {
		LM_ERR("call %.*s: cannot register tm callbacks\n",
				GCP_CALLID_ARGS(call));
		lock_get(&_gcp_pending->current_lock);
		call->pickup_watch = 0;
		lock_release(&_gcp_pending->current_lock);
		gcp_ring_unref(gcp_ring, call);
		return -1;
	}
	return 0;
}

static int gcp_inject_on(struct cell *t, void *arg)
{
	gcp_pickup_ctx_t *ctx = (gcp_pickup_ctx_t *)arg;
	gcp_call_t *call = ctx->call;
	str empty = STR_NULL;
	char ruid_buf[32];
	str ruid;
	int ret;

	if((t->flags & T_CANCELED) || t->uas.status >= 200) {
		LM_INFO("call %.*s was cancelled or answered meanwhile\n",
				GCP_CALLID_ARGS(call));
		return -1;
	}
	if(!gcp_claim_branch_room(t)) {
		LM_NOTICE("call %.*s: no tm branch left for a pickup\n",
				GCP_CALLID_ARGS(call));
		gcp_ring_block(gcp_ring, call, GCP_NP_UNDELIVERABLE);
		return -1;
	}
	if(gcp_inject_watch(t, call) < 0)
		return -1;
	gcp_current_set(call, ctx);
	/* a ruid of its own: tm adds no branch for a URI and ruid it has
	 * already, so a picker whose first attempt failed can try again */
	ruid.s = ruid_buf;
	ruid.len = snprintf(ruid_buf, sizeof(ruid_buf), "gcp-pickup-%u",
			(unsigned)call->attempts);
	clear_branches();
	if(append_branch(NULL, &ctx->uri, ctx->dst.len ? &ctx->dst : NULL, NULL,
			   Q_UNSPECIFIED, 0, ctx->sock, NULL, 0, &ruid, NULL)
			< 0) {
		LM_ERR("call %.*s: cannot add the picker's branch\n",
				GCP_CALLID_ARGS(call));
		return -1;
	}
	_gcp_injecting = ctx;
	ret = gcp_tmb.t_append_branches(&empty);
	_gcp_injecting = NULL;
	clear_branches();
	if(ret <= 0) {
		LM_ERR("call %.*s: the picker's branch could not be sent (%d)\n",
				GCP_CALLID_ARGS(call), ret);
		return -1;
	}
	LM_DBG("call %.*s: picker %.*s added as branch %d\n", GCP_CALLID_ARGS(call),
			ctx->uri.len, ctx->uri.s,
			__atomic_load_n(&ctx->branch, __ATOMIC_SEQ_CST));
	return 0;
}

/* Add the picker's phone as a new branch of the ringing call. Runs once
 * per pickup: from the picker's ACK, or from the timer when no ACK came. */
static void gcp_inject_deliver(gcp_pickup_ctx_t *ctx)
{
	gcp_call_t *call = ctx->call;
	int ret;

	if(gcp_ring_state(gcp_ring, call) != GCP_CALL_CLAIMED) {
		LM_INFO("call %.*s ended before the pickup reached it\n",
				GCP_CALLID_ARGS(call));
		gcp_ctx_resolve(ctx, 0);
		return;
	}
	ret = gcp_tm_with(call->tindex, call->tlabel, gcp_inject_on, ctx);
	if(ret == -2)
		LM_INFO("call %.*s: its transaction is gone\n", GCP_CALLID_ARGS(call));
	if(ret < 0)
		gcp_ctx_resolve(ctx, 0);
}

static int gcp_pickup_inject(struct sip_msg *msg, gcp_pickup_ctx_t *ctx)
{
	char reason[128];
	int len;

	if(gcp_ctx_watch(msg, ctx, TMCB_ACK_NEG_IN, gcp_picker_ack_cb) < 0)
		return -1;
	ctx->phase = GCP_PH_ACK_WAIT;
	gcp_schedule(ctx, gcp_prm.inject_ack_timeout);
	len = gcp_prm.inject_reply_reason.len < (int)sizeof(reason) - 1
				  ? gcp_prm.inject_reply_reason.len
				  : (int)sizeof(reason) - 1;
	memcpy(reason, gcp_prm.inject_reply_reason.s, len);
	reason[len] = '\0';
	/* ends the picker's own attempt; its ACK then triggers the delivery */
	if(gcp_tmb.t_reply(msg, gcp_prm.inject_reply_code, reason) < 0)
		LM_ERR("cannot reply to the picker's INVITE; the call is delivered "
			   "after inject_ack_timeout\n");
	return 2;
}

/* ---- the pickup ---- */

/* The picker's INVITE transaction: the one the cfg created already
 * (t_newtran() before gcp_pickup()), or a new one. NULL with *absorbed
 * set for a retransmission, which tm has answered. */
static struct cell *gcp_picker_transaction(struct sip_msg *msg, int *absorbed)
{
	struct cell *t = gcp_tmb.t_gett();
	int ret;

	*absorbed = 0;
	if(t != NULL && t != T_UNDEFINED)
		return t;
	ret = gcp_tmb.t_newtran(msg);
	if(ret == 0) {
		*absorbed = 1;
		return NULL;
	}
	if(ret < 0) {
		LM_ERR("gcp_pickup(): cannot create the transaction (%d)\n", ret);
		return NULL;
	}
	t = gcp_tmb.t_gett();
	if(t == NULL || t == T_UNDEFINED) {
		LM_ERR("gcp_pickup(): no transaction after t_newtran()\n");
		return NULL;
	}
	return t;
}

/* The pickup of a target: claim first (no call, no transaction: the
 * cfg answers), then the picker's transaction (a retransmission gives
 * its claim back), then the delivery. */
static int gcp_pickup_target(struct sip_msg *msg, gcp_target_t *target)
{
	struct to_body *from;
	gcp_call_t *call;
	gcp_pickup_ctx_t *ctx;
	struct cell *t;
	char dstbuf[GCP_RING_MAX_URI + 1];
	str contact, dst = {dstbuf, 0};
	char tt[GCP_RING_MAX_TAG + 1];
	int ret, mode, absorbed, found = 0;

	if(!gcp_target_allowed(msg, target)) {
		update_stat(gcp_st.pickup_denied, 1);
		return -4;
	}
	from = get_from(msg);
	/* every mode: a picker nobody can reach later (no or no SIP Contact)
	 * gets no call, not even through a Replaces INVITE */
	contact = gcp_msg_contact_uri(msg);
	if(contact.len == 0) {
		LM_ERR("%s pickup: the picker's INVITE has no Contact to send the "
			   "call to\n",
				gcp_kind_name(target->kind));
		return -1;
	}
	if(gcp_msg_contact_dst(msg, &contact, &dst) < 0
			|| dst.len >= (int)sizeof(dstbuf))
		return -1;
	if(dst.len > 0)
		memcpy(dstbuf, dst.s, dst.len);
	dst.s = dstbuf;

	/* a cluster: the call to take may ring through another node */
	if(target->kind != GCP_KIND_REPLACES) {
		ret = gcp_dmq_pick(msg, target, 0);
		if(ret != 0)
			return ret > 0 ? 3 : -1;
	}
	call = gcp_claim_deliverable(target, &mode, tt, sizeof(tt), &found);
	if(call == NULL) {
		if(target->kind != GCP_KIND_REPLACES || !found) {
			ret = gcp_dmq_pick(msg, target, 1);
			if(ret != 0)
				return ret > 0 ? 3 : -1;
		}
		if(target->kind == GCP_KIND_REPLACES && !found)
			return -2; /* no call of ours: an attended transfer */
		/* a copy of a pickup INVITE whose first copy claimed the call
		 * (a cfg that does not absorb retransmissions before): tm sent
		 * the first copy's reply again, not "nothing to pick up". (Only
		 * here: the empty path of a cfg that did costs one lookup.) */
		if(gcp_tm_retransmission(msg))
			return 0;
		update_stat(gcp_st.pickup_empty, 1);
		return -3;
	}
	/* the transaction now: of a retransmitted pickup INVITE tm has one
	 * already, and its claim goes back */
	t = gcp_picker_transaction(msg, &absorbed);
	if(t == NULL) {
		gcp_ring_release(gcp_ring, call);
		gcp_ring_unref(gcp_ring, call);
		return absorbed ? 0 : -1;
	}
	ctx = gcp_ctx_new(call, mode, &from->uri, &contact, &dst);
	if(ctx == NULL) {
		update_stat(gcp_st.pickup_failed, 1);
		LM_INFO("pickup of call %.*s failed: it can be picked up again\n",
				GCP_CALLID_ARGS(call));
		gcp_ring_release(gcp_ring, call);
		gcp_ring_unref(gcp_ring, call);
		return -1;
	}
	ctx->kind = target->kind;
	/* a group pickup that took a listed group's call */
	if(ctx->kind == GCP_KIND_GROUP
			&& (call->len[GCP_F_GROUP] != target->group.len
					|| memcmp(gcp_call_field(call, GCP_F_GROUP, NULL),
							   target->group.s, target->group.len)
							   != 0))
		ctx->kind = GCP_KIND_OTHER_GROUP;
	/* gcp.calls names it while the call is claimed or picked */
	__atomic_store_n(
			&call->pickup_kind, (unsigned char)target->kind, __ATOMIC_RELAXED);
	ctx->sock = msg->rcv.bind_address;
	ctx->ptindex = t->hash_index;
	ctx->ptlabel = t->label;
	LM_INFO("%s pickup by %.*s: call %.*s from %.*s to %.*s in group %.*s\n",
			gcp_kind_name(ctx->kind), GCP_LOG_LEN(from->uri.len), from->uri.s,
			GCP_CALLID_ARGS(call), call->len[GCP_F_CALLER],
			gcp_call_field(call, GCP_F_CALLER, NULL), call->len[GCP_F_CALLEE],
			gcp_call_field(call, GCP_F_CALLEE, NULL), call->len[GCP_F_GROUP],
			gcp_call_field(call, GCP_F_GROUP, NULL));
	if(mode == GCP_MODE_INJECT)
		ret = gcp_pickup_inject(msg, ctx);
	else
		ret = gcp_pickup_replaces(msg, ctx, tt);
	/* the creator's reference; callbacks and the pending list hold theirs
	 * (a pickup that went nowhere is released with the last one) */
	gcp_ctx_unref(ctx);
	return ret;
}

int gcp_pickup(struct sip_msg *msg)
{
	gcp_target_t target;
	int ret;

	if(gcp_msg_initial_invite(msg, "gcp_pickup") < 0)
		return -1;
	ret = gcp_target_of(msg, &target);
	if(ret < 0) {
		if(ret == -3)
			update_stat(gcp_st.pickup_empty, 1);
		return ret;
	}
	return gcp_pickup_target(msg, &target);
}

int gcp_pickup_directed(struct sip_msg *msg, str *user)
{
	gcp_target_t target;

	if(gcp_msg_initial_invite(msg, "gcp_pickup_directed") < 0)
		return -1;
	if(gcp_target_member(
			   user && user->len > 0 ? user : &msg->parsed_uri.user, &target)
			< 0) {
		update_stat(gcp_st.pickup_empty, 1);
		return -3;
	}
	return gcp_pickup_target(msg, &target);
}

/* Cancel the picker's Replaces INVITE (auto mode, no answer in time);
 * branches that got no reply at all are given a local 487 at once. */
static int gcp_cancel_branches_of(struct cell *t, void *arg)
{
	struct cancel_info ci;

	if(t->uas.status < 200) {
		init_cancel_info(&ci);
		gcp_tmb.prepare_to_cancel(t, &ci.cancel_bitmap, 0);
		if(ci.cancel_bitmap)
			gcp_tmb.cancel_uacs(t, &ci, F_CANCEL_B_FAKE_REPLY);
	}
	return 0;
}

/* The cancelled Replaces INVITE still has no final reply: answer the
 * picker ourselves so that its phone is free for the call. */
static int gcp_reply_picker_of(struct cell *t, void *arg)
{
	if(t->uas.status < 200)
		return gcp_tmb.t_reply_trans(
				t, t->uas.request, 487, "Request Terminated");
	return -1;
}

/* Picked up with Replaces: the caller's UA should have cancelled its own
 * early dialog; one that took the Replaces INVITE as a second call did
 * not, and the member's phone would ring on: cancel it here. */
static int gcp_check_original_of(struct cell *t, void *arg)
{
	gcp_call_t *call = (gcp_call_t *)arg;

	if(t->uas.status < 200 && !(t->flags & T_CANCELED)) {
		LM_INFO("call %.*s: the caller's UA kept its first call ringing after "
				"accepting the Replaces INVITE: cancelling it\n",
				GCP_CALLID_ARGS(call));
		gcp_tm_cancel_picked(t);
	}
	return 0;
}

/* the timer acts on a pickup whose time came */
static void gcp_pickup_due(gcp_pickup_ctx_t *ctx)
{
	switch(__atomic_load_n(&ctx->phase, __ATOMIC_SEQ_CST)) {
		case GCP_PH_ACK_WAIT:
			if(gcp_phase_cas(ctx, GCP_PH_ACK_WAIT, GCP_PH_DELIVERED)) {
				LM_INFO("no ACK from the picker %.*s within %d ms: "
						"delivering the call anyway\n",
						GCP_LOG_LEN(ctx->picker.len), ctx->picker.s,
						gcp_prm.inject_ack_timeout);
				gcp_inject_deliver(ctx);
			}
			break;
		case GCP_PH_REPLACES_WAIT:
			if(gcp_phase_cas(
					   ctx, GCP_PH_REPLACES_WAIT, GCP_PH_REPLACES_CANCEL)) {
				LM_INFO("call %.*s: no answer to the Replaces INVITE within "
						"%d ms: cancelling it\n",
						GCP_CALLID_ARGS(ctx->call), gcp_prm.auto_timeout);
				gcp_schedule(ctx, gcp_prm.auto_timeout);
				gcp_tm_with(ctx->ptindex, ctx->ptlabel, gcp_cancel_branches_of,
						NULL);
			}
			break;
		case GCP_PH_REPLACES_CANCEL:
			/* the CANCEL did not end it either: fall back first, so that
			 * the ACK to our reply finds the new phase */
			if(gcp_auto_fallback(ctx, GCP_PH_REPLACES_CANCEL))
				gcp_tm_with(
						ctx->ptindex, ctx->ptlabel, gcp_reply_picker_of, NULL);
			break;
		case GCP_PH_PICKED_CHECK:
			if(gcp_phase_cas(ctx, GCP_PH_PICKED_CHECK, GCP_PH_DONE))
				gcp_tm_with(ctx->call->tindex, ctx->call->tlabel,
						gcp_check_original_of, ctx->call);
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
