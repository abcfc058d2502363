/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Which call a pickup gets: the next one its target names (the group's
 * oldest, or a listed group's for other-group pickup, the member's oldest,
 * the one a Replaces header names), skipping
 * and blocking the calls no pickup can reach by their own fault (no
 * Contact or early dialog for a Replaces INVITE, no tm branch left,
 * attempts used up).
 */

#include "../../core/dprint.h"
#include "../../core/dset.h"
#include "../../modules/tm/h_table.h"

#include <string.h>

#include "gcp_env.h"
#include "gcp_claim.h"
#include "gcp_ring_multi.h"
#include "gcp_tm.h"
#include "gcp_track.h"

/* 1 when the transaction can take one more branch and keep one for the
 * cfg's failure_route (voicemail) */
int gcp_claim_branch_room(struct cell *t)
{
	return t->nr_of_outgoings + 2 <= (int)sr_dst_max_branches;
}

static int gcp_branch_room_of(struct cell *t, void *arg)
{
	return !(t->flags & T_CANCELED) && t->uas.status < 200
		   && gcp_claim_branch_room(t);
}

/* A claimed call that no pickup can reach, by its own fault: it is not
 * pickable any more (it rings on as before), and the pickup tries the
 * group's next call. */
static void gcp_claim_refuse(gcp_call_t *call, int reason)
{
	LM_NOTICE("call %.*s cannot be picked up (%s): trying the next one\n",
			GCP_CALLID_ARGS(call), gcp_np_reason(reason));
	gcp_ring_block(gcp_ring, call, reason);
	gcp_ring_release(gcp_ring, call);
	gcp_ring_unref(gcp_ring, call);
}

/* A group that lists others (other-group pickup): its own oldest call,
 * then each listed group's oldest in list order (other_group_order
 * "priority"), or the longest ringing among them all ("age"). */
static gcp_call_t *gcp_claim_group(gcp_target_t *t)
{
	gcp_ring_name_t g[GCP_MAX_ALSO + 1];
	size_t i, n = 0;

	g[n].s = t->group.s;
	g[n++].len = t->group.len;
	for(i = 0; i < t->nalso && i < GCP_MAX_ALSO; i++) {
		g[n].s = t->also[i];
		g[n++].len = strlen(t->also[i]);
	}
	if(gcp_prm.other_group_order == GCP_ORDER_AGE)
		return gcp_ring_claim_oldest(gcp_ring, g, n, NULL);
	return gcp_ring_claim_first(gcp_ring, g, n, NULL);
}

/* The next call the target names, claimed: the group's oldest (or a
 * listed group's), the member's oldest, or the one the Replaces header
 * names (once). *found is set when a Replaces header named a tracked
 * call. */
static gcp_call_t *gcp_claim_next(gcp_target_t *t, int *tries, int *found)
{
	gcp_call_t *call = NULL;
	int rc;

	switch(t->kind) {
		case GCP_KIND_GROUP:
			if(t->nalso > 0)
				return gcp_claim_group(t);
			return gcp_ring_claim(gcp_ring, t->group.s, t->group.len);
		case GCP_KIND_DIRECTED:
			return gcp_ring_claim_callee(gcp_ring, t->group.s, t->group.len,
					t->member.s, t->member.len);
		case GCP_KIND_REPLACES:
			if((*tries)++ > 0)
				return NULL; /* exactly the call it names */
			rc = gcp_ring_claim_dialog(gcp_ring, t->rp.callid, t->rp.callid_len,
					t->rp.to_tag, t->rp.to_tag_len, t->rp.from_tag,
					t->rp.from_tag_len, &call);
			*found = rc >= 0;
			return call;
	}
	return NULL;
}

/* Claim the target's next call that a pickup in this mode can reach;
 * *mode says how, *tt receives the To tag for a Replaces INVITE. NULL
 * when none is left. */
gcp_call_t *gcp_claim_deliverable(
		gcp_target_t *t, int *mode, char *tt, size_t ttsize, int *found)
{
	gcp_call_t *call;
	size_t clen;
	int ret, tries = 0;

	while((call = gcp_claim_next(t, &tries, found)) != NULL) {
		if(call->attempts > gcp_prm.max_pickup_attempts) {
			gcp_claim_refuse(call, GCP_NP_ATTEMPTS);
			continue;
		}
		*mode = gcp_inject_first(call->flags) ? GCP_MODE_INJECT : gcp_prm.mode;
		if(*mode != GCP_MODE_INJECT) {
			gcp_call_field(call, GCP_F_CONTACT, &clen);
			ret = gcp_ring_to_tag(gcp_ring, call, tt, ttsize);
			if(clen > 0 && ret > 0)
				return call;
			/* no Contact, or no branch rings with an early dialog */
			if(gcp_prm.mode != GCP_MODE_AUTO) {
				gcp_claim_refuse(call, GCP_NP_UNDELIVERABLE);
				continue;
			}
			*mode = GCP_MODE_INJECT;
		}
		ret = gcp_tm_with(call->tindex, call->tlabel, gcp_branch_room_of, NULL);
		if(ret == 1)
			return call;
		gcp_claim_refuse(call, GCP_NP_UNDELIVERABLE);
	}
	return NULL;
}
