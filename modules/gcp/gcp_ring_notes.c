/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The ring table's observer (env.changed, see gcp_ring.h): what changed
 * under a group lock is noted with copies of the strings (the call may be
 * freed by its owner as soon as the lock is released) and told after the
 * lock is released, so the observer may take locks of its own and read
 * the table again.
 */

#include <string.h>

#include "gcp_ring.h"
#include "gcp_ring_priv.h"

__thread gcp_ring_notes_t gcp_ring__notes;

void gcp_ring__note(gcp_ring_t *ring, const gcp_call_t *c)
{
	gcp_ring_notes_t *nt = &gcp_ring__notes;
	size_t glen, clen;
	const char *group, *callee;

	if(!ring->env.changed || nt->overflow)
		return;
	group = gcp_call_field(c, GCP_F_GROUP, &glen);
	callee = gcp_call_field(c, GCP_F_CALLEE, &clen);
	for(unsigned i = 0; i < nt->n; i++)
		if(nt->at[i].glen == glen && nt->at[i].clen == clen
				&& memcmp(nt->at[i].group, group, glen) == 0
				&& memcmp(nt->at[i].callee, callee, clen) == 0)
			return; /* told once per release */
	if(nt->n == GCP_RING_NOTES) {
		nt->overflow = 1;
		return;
	}
	/* both fit: the ring refuses longer strings at track time */
	memcpy(nt->at[nt->n].group, group, glen);
	nt->at[nt->n].glen = (unsigned)glen;
	memcpy(nt->at[nt->n].callee, callee, clen);
	nt->at[nt->n].clen = (unsigned)clen;
	nt->n++;
}

void gcp_ring__tell(gcp_ring_t *ring)
{
	gcp_ring_notes_t told = gcp_ring__notes;

	/* cleared first: the observer reads the table, which locks and
	 * unlocks again */
	gcp_ring__notes.n = 0;
	gcp_ring__notes.overflow = 0;
	if(!ring->env.changed)
		return;
	if(told.overflow) {
		ring->env.changed(ring->env.changed_ctx, NULL, 0, NULL, 0);
		return;
	}
	for(unsigned i = 0; i < told.n; i++)
		ring->env.changed(ring->env.changed_ctx, told.at[i].group,
				told.at[i].glen, told.at[i].callee, told.at[i].clen);
}
