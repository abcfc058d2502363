/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * A pickup in a cluster (modparam dmq): is the call it must take ringing
 * through another node? Then the pickup INVITE goes there ($du, and the
 * X-Gcp-Relay header that tells that node to claim locally first) and
 * gcp_pickup() returns 3 for the cfg to t_relay() it. The owner node then
 * claims exactly once, under its ring's locks, as for a pickup that
 * reached it first. When its call is gone (the offer was a moment old)
 * and nothing else of the target rings there, it relays the pickup on to
 * the next node that has one, adding its name to the header: the nodes
 * listed there are never offered again, so a pickup visits each node at
 * most once.
 */

#ifndef _GCP_DMQ_PICK_H_
#define _GCP_DMQ_PICK_H_

#include "../../core/parser/msg_parser.h"

#include "gcp_target.h"

/* 1: relayed ($du set, header added), 0: pick up here, -1: the relay
 * could not be prepared. With local_empty the local ring has nothing for
 * the target (its claim found none): any call of another node wins.
 * Always 0 when dmq is off, and for a relayed msg unless local_empty. */
int gcp_dmq_pick(struct sip_msg *msg, gcp_target_t *t, int local_empty);

#endif
