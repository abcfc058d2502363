/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Which call a pickup gets (see gcp_claim.c) */

#ifndef _GCP_CLAIM_H_
#define _GCP_CLAIM_H_

#include "../../modules/tm/h_table.h"

#include "gcp_ring.h"
#include "gcp_target.h"

/* 1 when the transaction can take one more branch and keep one for the
 * cfg's failure_route (voicemail) */
int gcp_claim_branch_room(struct cell *t);

/* Claim the target's next call that a pickup can reach: *mode says how
 * (GCP_MODE_INJECT, or the Replaces of replaces and auto mode), *tt gets
 * the To tag for a Replaces INVITE; *found is set when a Replaces header
 * named a tracked call. The claim's reference, or NULL when none is
 * left. Calls skipped on the way are blocked (they ring on). */
gcp_call_t *gcp_claim_deliverable(
		gcp_target_t *t, int *mode, char *tt, size_t ttsize, int *found);

#endif
