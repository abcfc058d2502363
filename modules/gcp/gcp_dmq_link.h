/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The cluster's link (modparam dmq): Kamailio's dmq module, bound once in
 * mod_init, carries every message between the nodes as the body of a KDMQ
 * request to peer "gcp" (JSON, application/json). No transport of our
 * own: dmq knows the nodes, sends only to active ones and retransmits
 * through tm. A node is named by its DMQ server address in the form
 * "sip:host:port" (gcp_dmq_node_name()).
 *
 * Every function may run in any process after mod_init; none holds a lock
 * of gcp's while it calls dmq (dmq takes its own node list lock).
 */

#ifndef _GCP_DMQ_LINK_H_
#define _GCP_DMQ_LINK_H_

#include "../../core/str.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/utils/srjson.h"
#include "../../modules/dmq/bind_dmq.h"

#include <stdint.h>

#include "gcp_peer.h"

/* a body larger than this is never sent (UDP datagrams; what htable,
 * dialog and dmq_usrloc keep their batches under) */
#define GCP_DMQ_MAX_BODY 60000

/* told when a message to a node failed (no reply in time: 408, or an
 * error reply), with that node's name */
typedef void (*gcp_dmq_failed_f)(const char *node, int code);

/* bind dmq and register peer "gcp" with these callbacks; 0 or -1 (dmq
 * not loaded before gcp, or no server_address) */
int gcp_dmq_link_init(peer_callback_t on_message, gcp_dmq_failed_f failed);

/* this node's name ("sip:host:port", from dmq's server_address) */
const str *gcp_dmq_self(void);

/* a dmq node's name in buf (size at least GCP_PEER_URI_MAX + 1): its
 * length, or -1 when it does not fit */
int gcp_dmq_node_name(dmq_node_t *node, char *buf, int size);

/* send body to every active node but this one, or to one node by name;
 * 0, or -1 when dmq refused it (logged) */
int gcp_dmq_bcast(str *body);
int gcp_dmq_send(str *body, const char *node);

/* 1 when msg comes from another node of the DMQ cluster (dmq's own
 * dmq_is_from_node(): the source IP of a known node), else 0 */
int gcp_dmq_from_node(struct sip_msg *msg);

/* 1 when msg is a pickup that another node relayed to this one (the
 * X-Gcp-Relay header, from a node), with the header in *hdr (when not
 * NULL): claim here first; its value lists the nodes that tried to
 * claim already ("1": none), which a further relay skips */
int gcp_dmq_relayed(struct sip_msg *msg, struct hdr_field **hdr);

/* reading a message: the field of an object by name (NULL: none), and a
 * whole number within what a double holds exactly (0 and *v, or -1 when
 * it is missing, not a number or out of range) */
srjson_t *gcp_dmq_field(srjson_t *root, const char *name);
int gcp_dmq_uint(srjson_t *it, uint64_t *v);

/* the header a relayed pickup carries */
#define GCP_DMQ_RELAY_HDR "X-Gcp-Relay"
#define GCP_DMQ_RELAY_HDR_LEN (sizeof(GCP_DMQ_RELAY_HDR) - 1)

#endif
