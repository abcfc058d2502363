/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* event_route[gcp:picked] and $gcp(...) (see gcp_event.c) */

#ifndef _GCP_EVENT_H_
#define _GCP_EVENT_H_

#include "../../core/pvar.h"

#include "gcp_ring.h"

/* in mod_init: find the event route; the faked message it runs on */
int gcp_event_init(void);

/* event_route[gcp:picked] (or the KEMI event_callback) with $gcp(...) set
 * from the call and the picker; any process, any route */
void gcp_run_picked_event(gcp_call_t *call, str *picker, const char *kind);

/* $gcp(name) */
int pv_parse_gcp_name(pv_spec_p sp, str *in);
int pv_get_gcp(struct sip_msg *msg, pv_param_t *param, pv_value_t *res);

#endif
