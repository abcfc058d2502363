/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

#ifndef _GCP_TRACK_H_
#define _GCP_TRACK_H_

#include "../../core/parser/msg_parser.h"

#include "gcp_env.h"

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

/* 1 when a pickup of a call with these gcp_call_t flags goes to inject at
 * once: inject mode, or auto mode with a caller whose UA cannot take a
 * Replaces INVITE (no "replaces", or its User-Agent in no_replaces_ua) */
static inline int gcp_inject_first(int call_flags)
{
	return gcp_prm.mode == GCP_MODE_INJECT
		   || (gcp_prm.mode == GCP_MODE_AUTO
				   && !(call_flags & GCP_CF_REPLACES));
}

/* the text of a not_pickable reason, for gcp.calls and log lines */
const char *gcp_np_reason(int not_pickable);

int gcp_track(struct sip_msg *msg, str *group);
int gcp_was_picked(struct sip_msg *msg);

#endif
