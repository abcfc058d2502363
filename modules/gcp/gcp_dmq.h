/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The cluster (modparam dmq = 1): its set-up, the heartbeat, the messages
 * of the other nodes handed to the calls (gcp_dmq_calls.h) and the
 * configuration (gcp_dmq_cfg.h), and the RPC command gcp.cluster.
 *
 * Messages: a JSON object whose "t" says what it is:
 *   hb     {boot, cv, cd, n, nd}: heartbeat (config version and digest,
 *          the number and digest of the node's pickable calls)
 *   add    {boot, full, c: [[callid, fromtag, group, callee, caller, ms]]}
 *   del    {boot, c: [[callid, fromtag]]}
 *   sync   {boot}: send me all your calls
 *   op     {v, cmd, a: [args]}: an RPC change to replay
 *   cfgreq {}: send me your configuration
 *   cfg    {v, x: xml} or {v, db: 1}: a whole configuration
 * with "to" (a node name) on those meant for one node only. boot is hex
 * text (wall-clock ms at start), ms a number. Anything else is refused
 * with 400 and an LM_ERR that names the sender, and changes nothing.
 */

#ifndef _GCP_DMQ_H_
#define _GCP_DMQ_H_

#include <stdint.h>

#include "gcp_ring.h"

/* mod_init, before the ring table is created (its observer); nothing
 * when dmq is 0 */
int gcp_dmq_init(gcp_ring_env_t *env);

/* mod_init, after the store: the configuration's digest */
int gcp_dmq_init_cfg(void);

/* the GCP TIMER process, every 50 ms */
void gcp_dmq_timer(uint64_t now_ms);

#endif
