/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

#ifndef _GCP_PICKUP_H_
#define _GCP_PICKUP_H_

#include "../../core/parser/msg_parser.h"

int gcp_pickup_init(void);
int gcp_pickup(struct sip_msg *msg);
/* a directed pickup of user (NULL or empty: the R-URI user) */
int gcp_pickup_directed(struct sip_msg *msg, str *user);
void gcp_pickup_timer(void);

#endif
