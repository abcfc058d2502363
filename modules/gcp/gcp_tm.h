/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* tm plumbing (see gcp_tm.c) */

#ifndef _GCP_TM_H_
#define _GCP_TM_H_

#include "../../modules/tm/h_table.h"
#include "../../modules/tm/t_hooks.h"

typedef int (*gcp_t_fn)(struct cell *t, void *arg);

/* Run fn on the transaction (tindex, tlabel) while it is current and
 * referenced, the caller's current transaction saved and restored.
 * Returns fn's result, or -2 when the transaction is gone. */
int gcp_tm_with(unsigned tindex, unsigned tlabel, gcp_t_fn fn, void *arg);

/* 1 when a tm callback's reply is a 2xx answering the INVITE (not the 200
 * of a CANCEL tm sent on the transaction's branches) */
int gcp_tm_invite_answered(struct tmcb_params *ps);

/* 1 when msg, a request with no transaction of its own yet, retransmits
 * one tm has (tm then sent that transaction's last reply again), 0
 * otherwise. A cfg that made msg's transaction itself gets 0. */
int gcp_tm_retransmission(struct sip_msg *msg);

/* Cancel the member's branches of a picked-up call saying it was
 * completed elsewhere (Reason cause=200), also those that answer 1xx only
 * later. No reply lock may be held. */
void gcp_tm_cancel_picked(struct cell *t);

#endif
