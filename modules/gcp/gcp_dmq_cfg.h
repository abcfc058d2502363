/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The cluster's configuration (modparam dmq): one configuration on every
 * node, whatever order changes arrive in.
 *
 * - Each node holds a version (a Lamport clock: its own change is the
 *   highest it has seen plus one; a change it hears raises it to the
 *   change's) and a digest (FNV-1a 64 of the configuration as XML).
 * - An RPC change in force is sent to every node as the command and its
 *   arguments ("op") and applied there by the same RPC command, so that
 *   changes made at once on two nodes to different items both stay; with
 *   db_url the others re-read the tables instead. gcp.import and
 *   gcp.reload send the whole configuration.
 * - The heartbeat carries (version, digest). A node whose digest differs
 *   from a node with a higher (version, node name) asks that node for its
 *   whole configuration and takes it: so after changes that conflicted
 *   (applied in different orders), a lost message or a restart every node
 *   ends with the configuration of the node that is highest in that
 *   order, the last writer for the conflicting items.
 *
 * - A node that starts takes the configuration of a node that holds the
 *   cluster's (heartbeat "j"), whatever its own version and file: a
 *   node restarted with a lost or old file does not impose it.
 *
 * Versions and digests change under the store's writer lock only.
 */

#ifndef _GCP_DMQ_CFG_H_
#define _GCP_DMQ_CFG_H_

#include <stdint.h>

#include "../../core/utils/srjson.h"

#include "gcp_model.h"
#include "gcp_rpc_change.h"

/* mod_init, after the store: the digest of the configuration in force */
int gcp_dmq_cfg_init(void);

/* A change is in force (under the writer lock): cfg is the configuration
 * now in force; cmd and a name the RPC command (a == NULL: a whole new
 * configuration, gcp.import or gcp.reload). Sent to the cluster unless
 * it is itself the replay of another node's change. */
void gcp_dmq_cfg_changed(
		const char *cmd, const gcp_rpc_args_t *a, const gcp_cfg_t *cfg);

/* this node's version and digest (16 hex digits and a NUL) */
void gcp_dmq_cfg_state(uint64_t *version, char *digest);

/* messages of the other nodes (DMQ workers); 0, or -1 when malformed */
int gcp_dmq_cfg_on_op(const char *node, srjson_t *root);
int gcp_dmq_cfg_on_request(const char *node);
int gcp_dmq_cfg_on_full(const char *node, srjson_t *root);
/* a node's heartbeat: ask its configuration when it is the one to take
 * (node_joined: it holds the cluster's, see gcp_dmq_cfg_joined()) */
void gcp_dmq_cfg_heartbeat(const char *node, uint64_t version,
		const char *digest, int node_joined);

/* 1 once this node holds the cluster's configuration: a node that starts
 * (or restarts, whatever its file says) first takes the configuration
 * of a node that holds it; with none heard of for dmq_down_after (the
 * whole cluster starting), its own is the cluster's */
int gcp_dmq_cfg_joined(void);

/* the GCP TIMER process: the end of the wait to join */
void gcp_dmq_cfg_timer(uint64_t now_ms);

#endif
