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

int gcp_track(struct sip_msg *msg, str *group);
int gcp_was_picked(struct sip_msg *msg);
str gcp_msg_contact_uri(struct sip_msg *msg);
int gcp_msg_contact_dst(struct sip_msg *msg, str *contact, str *dst);

/* cancel the member's branches of a picked-up call with "Call completed
 * elsewhere" (no reply lock may be held) */
struct cell;
void gcp_track_cancel_picked(struct cell *t);

#endif
