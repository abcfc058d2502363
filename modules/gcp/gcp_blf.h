/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The busy-lamp field: gcp publishes the dialog-info (RFC 4235) of its
 * members and groups through Kamailio's pua module (modparam publish).
 *
 * What drives it: the ring table's observer (a call entered or left a
 * group's pickable list, or a pickable call's To tag changed), a watcher's
 * SUBSCRIBE (Event: dialog) to a member or a group, pua's reply to each
 * PUBLISH, and the timer once a second (calls forgotten by max_ring_time,
 * PUBLISHes whose reply never came). Each of them decides again, under
 * the presentity's lamp lock, what the presentity should show (its
 * oldest pickable call, gcp_ring_peek()) and publishes only a change
 * (gcp_lamp_decide()), one PUBLISH in flight per presentity at a time.
 * With the presence module in the same instance a presentity that shows
 * nothing is published only when it has watchers.
 *
 * Any process; no lock held by the caller except where said.
 */

#ifndef _GCP_BLF_H_
#define _GCP_BLF_H_

#include "gcp_ring.h"

/* what gcp_prm.publish says (bits) */
#define GCP_PUBLISH_MEMBERS 1
#define GCP_PUBLISH_GROUPS 2

/* mod_init, before the ring table is created: checks publish and
 * presentity_domain, binds pua, creates the lamps; sets the ring's
 * observer in *env when publishing. 0 or -1 (logged). */
int gcp_blf_init(gcp_ring_env_t *env);

/* child_init(PROC_MAIN): pua's reply callback (pua's list exists once
 * every module's mod_init has run) */
int gcp_blf_child_init(int rank);

/* the timer, once a second */
void gcp_blf_timer(void);

/* lamps published now (RPC, statistics) */
unsigned gcp_blf_lamps(void);

#endif
