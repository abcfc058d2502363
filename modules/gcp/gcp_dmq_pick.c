/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Where a pickup's call rings in a cluster (see gcp_dmq_pick.h). */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/dset.h"

#include "gcp_dmq_calls.h"
#include "gcp_dmq_link.h"
#include "gcp_dmq_pick.h"
#include "gcp_env.h"
#include "gcp_msg.h"

/* the groups a target takes calls of, in its order */
static size_t gcp_pick_groups(gcp_target_t *t, gcp_peer_name_t *g)
{
	size_t i, n = 0;

	g[n].s = t->group.s;
	g[n++].len = t->group.len;
	if(t->kind != GCP_KIND_GROUP)
		return n;
	for(i = 0; i < t->nalso && i < GCP_MAX_ALSO; i++) {
		g[n].s = t->also[i];
		g[n++].len = strlen(t->also[i]);
	}
	return n;
}

static void gcp_pick_ringing(const gcp_call_t *call, void *arg)
{
	*(uint64_t *)arg = call->ringing_ms;
}

/* this node's candidate, as gcp_peers_oldest() would pick it: 1 and *l */
static int gcp_pick_local(gcp_target_t *t, const gcp_peer_name_t *g, size_t n,
		int by_order, gcp_peer_pick_t *l)
{
	uint64_t ms;
	size_t i;
	int found = 0;

	if(t->kind == GCP_KIND_DIRECTED) {
		if(!gcp_ring_peek(gcp_ring, g[0].s, g[0].len, t->member.s,
				   t->member.len, gcp_pick_ringing, &ms))
			return 0;
		l->which = 0;
		l->since_ms = gcp_wall_of(ms);
		return 1;
	}
	for(i = 0; i < n; i++) {
		if(!gcp_ring_oldest_ms(gcp_ring, g[i].s, g[i].len, &ms))
			continue;
		if(!found || gcp_wall_of(ms) < l->since_ms) {
			l->which = i;
			l->since_ms = gcp_wall_of(ms);
			found = 1;
		}
		if(by_order)
			break;
	}
	return found;
}

/* the remote call is the one to take: it is older, or (priority order) of
 * a group earlier in the list; on a tie the local one wins */
static int gcp_pick_better(
		const gcp_peer_pick_t *r, const gcp_peer_pick_t *l, int by_order)
{
	if(by_order && r->which != l->which)
		return r->which < l->which;
	return r->since_ms < l->since_ms;
}

static int gcp_pick_relay(
		struct sip_msg *msg, gcp_target_t *t, const char *node)
{
	static const char hdr[] = GCP_DMQ_RELAY_HDR ": 1\r\n";
	str du;

	du.s = (char *)node;
	du.len = strlen(node);
	if(gcp_msg_add_headers(msg, hdr, sizeof(hdr) - 1) < 0
			|| set_dst_uri(msg, &du) < 0) {
		LM_ERR("%s pickup: cannot send it on to node %s\n",
				gcp_kind_name(t->kind), node);
		return -1;
	}
	update_stat(gcp_st.pickup_relayed, 1);
	LM_INFO("%s pickup: the call rings through node %s: relayed there\n",
			gcp_kind_name(t->kind), node);
	return 1;
}

int gcp_dmq_pick(struct sip_msg *msg, gcp_target_t *t, int local_empty)
{
	gcp_peer_name_t g[GCP_MAX_ALSO + 1];
	char node[GCP_PEER_URI_MAX + 1];
	gcp_peer_pick_t r, l;
	gcp_peer_node_t *pn;
	gcp_peers_t *peers;
	size_t n;
	int by_order, found;

	if(!gcp_prm.dmq || gcp_dmq_relayed(msg))
		return 0;
	n = gcp_pick_groups(t, g);
	by_order = gcp_prm.other_group_order == GCP_ORDER_PRIORITY;
	peers = gcp_dmq_calls_lock();
	if(t->kind == GCP_KIND_REPLACES)
		found = gcp_peers_find_dialog(peers, t->rp.callid, t->rp.callid_len,
				t->rp.to_tag, t->rp.to_tag_len, t->rp.from_tag,
				t->rp.from_tag_len, &r);
	else if(t->kind == GCP_KIND_DIRECTED)
		found = gcp_peers_oldest(
				peers, g, 1, 1, t->member.s, t->member.len, &r);
	else
		found = gcp_peers_oldest(peers, g, n, by_order, NULL, 0, &r);
	node[0] = '\0';
	if(found) {
		pn = gcp_peers_node_at(peers, r.node);
		if(pn)
			memcpy(node, pn->uri, pn->ulen + 1);
	}
	gcp_dmq_calls_unlock();
	if(!found || node[0] == '\0')
		return 0;
	if(!local_empty && t->kind != GCP_KIND_REPLACES
			&& gcp_pick_local(t, g, n, by_order, &l)
			&& !gcp_pick_better(&r, &l, by_order))
		return 0;
	return gcp_pick_relay(msg, t, node);
}
