/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Module-wide state shared by the Kamailio glue files. */

#ifndef _GCP_MOD_H_
#define _GCP_MOD_H_

#include "../../core/str.h"
#include "../../core/counters.h"
#include "../../modules/tm/tm_load.h"

#include "gcp_ring.h"

/* how a pickup reaches the call */
#define GCP_MODE_INJECT 1
#define GCP_MODE_REPLACES 2
#define GCP_MODE_AUTO 3

/* why a tracked call may not be picked up (gcp_call_t.not_pickable) */
#define GCP_NP_PERSONAL 1	   /* the caller is a personal contact */
#define GCP_NP_NO_REPLACES 2   /* caller UA lacks Replaces (replaces mode) */
#define GCP_NP_ANSWERED 3	   /* answered by a destination */
#define GCP_NP_TAG 4		   /* To tag over the size limit */
#define GCP_NP_UNDELIVERABLE 5 /* no pickup can reach it (its own fault) */
#define GCP_NP_ATTEMPTS 6	   /* max_pickup_attempts used up */

/* gcp_call_t.flags */
#define GCP_CF_REPLACES 1	  /* the caller lists "replaces" */
#define GCP_CF_VIA_REPLACES 2 /* claimed by a Replaces pickup */

extern struct tm_binds gcp_tmb;
extern gcp_ring_t *gcp_ring;
extern int gcp_mode;
extern int gcp_require_replaces;
extern int gcp_max_ring_time;
extern int gcp_inject_reply_code;
extern str gcp_inject_reply_reason;
extern str gcp_inject_headers;
extern int gcp_inject_ack_timeout;
extern int gcp_auto_timeout;
extern int gcp_picked_cancel_delay;
extern str gcp_no_replaces_ua;
extern int gcp_require_auth;
extern int gcp_max_pickup_attempts;

extern stat_var *gcp_st_tracked;
extern stat_var *gcp_st_picked;
extern stat_var *gcp_st_pickup_empty;
extern stat_var *gcp_st_pickup_denied;
extern stat_var *gcp_st_pickup_failed;

/* 1 when a pickup of a call with these gcp_call_t flags goes to inject at
 * once: inject mode, or auto mode with a caller whose UA cannot take a
 * Replaces INVITE (no "replaces", or its User-Agent in no_replaces_ua) */
static inline int gcp_inject_first(int call_flags)
{
	return gcp_mode == GCP_MODE_INJECT
		   || (gcp_mode == GCP_MODE_AUTO && !(call_flags & GCP_CF_REPLACES));
}

const char *gcp_np_reason(int not_pickable);
uint64_t gcp_now_ms(void);

/* event_route[gcp:picked] with $gcp(...) set from the call and picker */
void gcp_run_picked_event(gcp_call_t *call, str *picker);

#endif
