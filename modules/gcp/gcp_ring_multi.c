/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* A claim across several groups of the ring table (see gcp_ring_multi.h). */

#include <stdint.h>

#include "gcp_ring.h"
#include "gcp_ring_multi.h"

gcp_call_t *gcp_ring_claim_first(gcp_ring_t *ring,
		const gcp_ring_name_t *groups, size_t n, size_t *which)
{
	gcp_call_t *c;
	size_t i;

	for(i = 0; i < n; i++) {
		c = gcp_ring_claim(ring, groups[i].s, groups[i].len);
		if(c) {
			if(which)
				*which = i;
			return c;
		}
	}
	return NULL;
}

gcp_call_t *gcp_ring_claim_oldest(gcp_ring_t *ring,
		const gcp_ring_name_t *groups, size_t n, size_t *which)
{
	uint64_t ms, best_ms = 0;
	size_t i, best;
	gcp_call_t *c;
	int scan;

	for(scan = 0; scan <= GCP_RING_MULTI_RESCANS; scan++) {
		best = n;
		for(i = 0; i < n; i++)
			if(gcp_ring_oldest_ms(ring, groups[i].s, groups[i].len, &ms)
					&& (best == n || ms < best_ms)) {
				best = i;
				best_ms = ms;
			}
		if(best == n)
			return NULL; /* nothing rings in any of them */
		/* still as old as seen (a released claim may even be older):
		 * otherwise another pickup took it, look again */
		c = gcp_ring_claim_older(
				ring, groups[best].s, groups[best].len, best_ms);
		if(c) {
			if(which)
				*which = best;
			return c;
		}
	}
	/* pickups keep taking what this one chooses: any call is better than
	 * none, and claims stay exactly-once */
	return gcp_ring_claim_first(ring, groups, n, which);
}
