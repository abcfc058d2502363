/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The cluster's ringing calls (modparam dmq): what this node announces of
 * its own pickable calls, and what the other nodes announced of theirs.
 *
 * Announcing runs in the GCP TIMER process only: every 100 ms after the
 * ring table's observer saw a change, the pickable calls are compared
 * with what was announced (a set in that process's memory) and the
 * differences go out in batched "add" and "del" messages, each under
 * GCP_DMQ_MAX_BODY; a node that asks ("sync": it joined, restarted or
 * found our heartbeat's call digest unlike its copy) gets the whole set.
 *
 * The other nodes' calls live in shm (gcp_peer.h) behind one lock, filled
 * by the DMQ workers that receive the messages; a node that is not heard
 * of for dmq_down_after ms, or that did not take a message of ours, is
 * down: none of its calls is offered, and they are forgotten.
 */

#ifndef _GCP_DMQ_CALLS_H_
#define _GCP_DMQ_CALLS_H_

#include <stdint.h>

#include "../../core/str.h"
#include "../../core/utils/srjson.h"

#include "gcp_peer.h"
#include "gcp_ring.h"

/* mod_init: the shm table, and the ring's observer (env->changed, chained
 * with the one already set) */
int gcp_dmq_calls_init(gcp_ring_env_t *env);

/* this node's boot id (wall-clock ms at start: a restart is newer) */
uint64_t gcp_dmq_boot(void);

/* the timer (GCP TIMER process), every 50 ms */
void gcp_dmq_calls_timer(uint64_t now_ms);

/* what this node announced: its count and digest, and the number of the
 * last add or del it broadcast (for the heartbeat; GCP TIMER process) */
void gcp_dmq_calls_announced(unsigned *n, uint64_t *digest, uint64_t *seq);

/* a node was heard of (any message): its index in the table, -1 when the
 * table is full; boot changed (restart): its calls are forgotten */
int gcp_dmq_calls_heard(const char *node, uint64_t boot);

/* its heartbeat: its own calls (a sync is asked when they differ from
 * our copy twice in a row, or at once after it joined or restarted) and
 * its configuration's version and digest (kept for gcp.cluster). seq:
 * the number of its last add or del before the heartbeat; while one of
 * them is still on its way (dmq's workers take messages in parallel) the
 * copies are not compared, unless those a heartbeat ago are missing too
 * (lost: compared, and a sync follows) */
void gcp_dmq_calls_heartbeat(const char *node, unsigned n, uint64_t digest,
		uint64_t seq, uint64_t cfg_version, const char *cfg_digest);

/* the pickable calls this node announced last (any process) */
unsigned gcp_dmq_calls_own(void);

/* a node's "add" (full: its whole set follows) and "del" messages, seq
 * their number (0: none given; a whole set carries the number of the
 * last broadcast it covers); 0, or -1 for a malformed one (logged,
 * nothing changed) */
int gcp_dmq_calls_on_add(
		const char *node, int full, uint64_t seq, srjson_t *calls);
int gcp_dmq_calls_on_del(const char *node, uint64_t seq, srjson_t *calls);
/* a node asks for our whole set (sent by the timer) */
void gcp_dmq_calls_on_sync(const char *node);

/* a message to that node failed */
void gcp_dmq_calls_failed(const char *node, int code);

/* under the table's lock: the table, for the pickup (gcp_dmq_pick.c) and
 * the RPC listings; release it soon, call no dmq or ring function */
gcp_peers_t *gcp_dmq_calls_lock(void);
void gcp_dmq_calls_unlock(void);

/* mod_init, dmq or not (gcp.calls reads the clock): the boot id and the
 * offset of gcp_wall_of() */
void gcp_dmq_clock_init(void);

/* wall-clock ms now, and of a ring-table (monotonic) time */
uint64_t gcp_wall_ms(void);
uint64_t gcp_wall_of(uint64_t mono_ms);

#endif
