/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * tm plumbing for the pickup and the tracker: a transaction looked up by
 * its identifiers and made current for a while, a request that retransmits
 * one, the member's branches cancelled "completed elsewhere", a reply that
 * answers an INVITE.
 */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_cseq.h"
#include "../../modules/tm/t_cancel.h"
#include "../../modules/tm/tm_load.h"

#include "gcp_env.h"
#include "gcp_tm.h"

#define GCP_REASON_HDR \
	"Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n"

/* Run fn on the transaction (tindex, tlabel) while it is current and
 * referenced, the caller's current transaction saved and restored.
 * Returns fn's result, or -2 when the transaction is gone. */
int gcp_tm_with(unsigned tindex, unsigned tlabel, gcp_t_fn fn, void *arg)
{
	struct cell *orig_t, *t = NULL;
	int orig_branch, ret;

	orig_t = gcp_tmb.t_gett();
	orig_branch = gcp_tmb.t_gett_branch();
	if(gcp_tmb.t_lookup_ident(&t, tindex, tlabel) < 0 || t == NULL) {
		gcp_tmb.t_sett(orig_t, orig_branch);
		return -2;
	}
	ret = fn(t, arg);
	gcp_tmb.unref_cell(t);
	gcp_tmb.t_sett(orig_t, orig_branch);
	return ret;
}

/* tm's t_check_trans() comes with its extra API, bound on first use in
 * each process (per process, like every tm binding: no shared state) */
static tm_xapi_t _gcp_tmx;
static int _gcp_tmx_state = 0; /* 0 not yet, 1 bound, -1 cannot */

int gcp_tm_retransmission(struct sip_msg *msg)
{
	struct cell *t = gcp_tmb.t_gett();

	if(t != NULL && t != T_UNDEFINED)
		return 0;
	if(_gcp_tmx_state == 0)
		_gcp_tmx_state = tm_load_xapi(&_gcp_tmx) < 0 ? -1 : 1;
	if(_gcp_tmx_state < 0)
		return 0;
	/* 0: found, its reply sent again (the end of the script unrefs it) */
	return _gcp_tmx.t_check_trans(msg) == 0;
}

/* A 2xx answering an INVITE: tm also reports here the 200 OK of the
 * CANCELs it sends on the transaction's branches, which answers nothing. */
int gcp_tm_invite_answered(struct tmcb_params *ps)
{
	struct sip_msg *rpl = ps->rpl;

	if(ps->code < 200 || ps->code >= 300 || rpl == NULL || rpl == FAKED_REPLY)
		return 0;
	if(parse_headers(rpl, HDR_CSEQ_F, 0) < 0 || rpl->cseq == NULL)
		return 0;
	return get_cseq(rpl)->method_id == METHOD_INVITE;
}

/* The caller gave up or a final reply was sent: cancel the member's
 * branches saying the call was completed elsewhere when it was picked up,
 * so the phone logs no missed call. Runs before tm prepares its own
 * CANCELs (TMCB_E2ECANCEL_IN), which then find every branch done. */
void gcp_tm_cancel_picked(struct cell *t)
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
		{
			struct cancel_reason *none = NULL;
			if(!__atomic_compare_exchange_n(&t->uas.cancel_reas, &none, cr, 0,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				shm_free(cr);
		}
	}
	init_cancel_info(&ci);
	gcp_tmb.prepare_to_cancel(t, &ci.cancel_bitmap, 0);
	if(ci.cancel_bitmap == 0)
		return;
	ci.reason.cause = 200;
	gcp_tmb.cancel_uacs(t, &ci, 0);
}
