/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * A claim across several groups of the ring table (other-group pickup: a
 * group and the groups it lists). Pure C on the ring's public functions,
 * no Kamailio headers.
 *
 * Locking: one group lock at a time, as everywhere in the ring; every
 * claim is made under its group's lock by the ring itself (RINGING ->
 * CLAIMED), so a call is claimed exactly once however many pickups of
 * however many groups race for it. What can change between two groups'
 * looks is only which call is the oldest; the functions below say what
 * they promise then.
 */

#ifndef _GCP_RING_MULTI_H_
#define _GCP_RING_MULTI_H_

#include <stddef.h>

#include "gcp_ring.h"

/* a group number, not NUL-terminated */
typedef struct gcp_ring_name
{
	const char *s;
	size_t len;
} gcp_ring_name_t;

/* rescans of gcp_ring_claim_oldest() after the oldest call it saw was
 * claimed by another pickup, before it takes the first group in order
 * that still has one */
#define GCP_RING_MULTI_RESCANS 8

/* other_group_order "priority": the oldest pickable call of the first of
 * groups[0..n) that has one (an empty group is skipped), claimed; *which
 * (when not NULL) its index. NULL when none has one. */
gcp_call_t *gcp_ring_claim_first(gcp_ring_t *ring,
		const gcp_ring_name_t *groups, size_t n, size_t *which);

/* other_group_order "age": the pickable call that has been ringing the
 * longest among groups[0..n) (on equal ringing times the earlier group),
 * claimed; *which its index. The groups are looked at one lock at a time
 * and the chosen one is claimed only if its oldest call is still as old
 * as the one seen; if another pickup took it meanwhile, the groups are
 * looked at again, up to GCP_RING_MULTI_RESCANS times, then the first
 * group in order that has a call gives it (under a storm of pickups the
 * call may then be one of the oldest, not the oldest). NULL when none has
 * one. */
gcp_call_t *gcp_ring_claim_oldest(gcp_ring_t *ring,
		const gcp_ring_name_t *groups, size_t n, size_t *which);

#endif
