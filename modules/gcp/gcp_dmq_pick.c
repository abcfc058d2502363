/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Where a pickup's call rings in a cluster (see gcp_dmq_pick.h). */

#include <stdio.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/dset.h"
#include "../../core/data_lump.h"
#include "../../core/trim.h"

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

/* the nodes a relayed pickup lists as tried (comma-separated names, or
 * "1" for none) are taken out of the offer while the lock is held: their
 * up flags, saved in *saved, are put back by gcp_pick_restore() */
static void gcp_pick_exclude(gcp_peers_t *peers, str *tried, int *saved)
{
	char *p, *end, *e;
	int i;

	for(i = 0; i < GCP_PEER_MAX_NODES; i++)
		saved[i] = -1;
	if(tried == NULL)
		return;
	p = tried->s;
	end = tried->s + tried->len;
	while(p < end) {
		while(p < end && (*p == ' ' || *p == ','))
			p++;
		e = p;
		while(e < end && *e != ',' && *e != ' ')
			e++;
		if(e > p) {
			i = gcp_peers_node(peers, p, e - p, 0);
			if(i >= 1 && saved[i] < 0) {
				saved[i] = gcp_peers_node_at(peers, i)->up;
				gcp_peers_node_at(peers, i)->up = 0;
			}
		}
		p = e;
	}
}

static void gcp_pick_restore(gcp_peers_t *peers, const int *saved)
{
	int i;

	for(i = 1; i < GCP_PEER_MAX_NODES; i++)
		if(saved[i] >= 0)
			gcp_peers_node_at(peers, i)->up = saved[i];
}

/* $du the node, and the header: "1" on a first relay; on a relay of a
 * relayed pickup (nothing here), the nodes that tried, this one added */
static int gcp_pick_relay(struct sip_msg *msg, gcp_target_t *t,
		const char *node, struct hdr_field *old, str *tried)
{
	char hdr[GCP_DMQ_RELAY_HDR_LEN + 2
			 + GCP_PEER_MAX_NODES * (GCP_PEER_URI_MAX + 1) + 3];
	const str *self = gcp_dmq_self();
	str du;
	int n;

	if(old == NULL) {
		n = snprintf(hdr, sizeof(hdr), "%s: 1\r\n", GCP_DMQ_RELAY_HDR);
	} else if(tried->len == 1 && tried->s[0] == '1') {
		n = snprintf(hdr, sizeof(hdr), "%s: %.*s\r\n", GCP_DMQ_RELAY_HDR,
				self->len, self->s);
	} else {
		n = snprintf(hdr, sizeof(hdr), "%s: %.*s,%.*s\r\n", GCP_DMQ_RELAY_HDR,
				tried->len, tried->s, self->len, self->s);
	}
	if(n < 0 || n >= (int)sizeof(hdr)) {
		LM_ERR("%s pickup: too many nodes tried to relay it further\n",
				gcp_kind_name(t->kind));
		return -1;
	}
	du.s = (char *)node;
	du.len = strlen(node);
	if((old && del_lump(msg, old->name.s - msg->buf, old->len, 0) == NULL)
			|| gcp_msg_add_headers(msg, hdr, n) < 0
			|| set_dst_uri(msg, &du) < 0) {
		LM_ERR("%s pickup: cannot send it on to node %s\n",
				gcp_kind_name(t->kind), node);
		return -1;
	}
	update_stat(gcp_st.pickup_relayed, 1);
	LM_INFO("%s pickup: the call rings through node %s: relayed there%s\n",
			gcp_kind_name(t->kind), node,
			old ? " (none was left here for a pickup relayed to us)" : "");
	return 1;
}

int gcp_dmq_pick(struct sip_msg *msg, gcp_target_t *t, int local_empty)
{
	gcp_peer_name_t g[GCP_MAX_ALSO + 1];
	char node[GCP_PEER_URI_MAX + 1];
	int saved[GCP_PEER_MAX_NODES];
	struct hdr_field *relay = NULL;
	gcp_peer_pick_t r, l;
	gcp_peer_node_t *pn;
	gcp_peers_t *peers;
	str tried = STR_NULL;
	size_t n;
	int by_order, found;

	if(!gcp_prm.dmq)
		return 0;
	if(gcp_dmq_relayed(msg, &relay)) {
		/* relayed to us: our own calls first, then the nodes that did
		 * not try yet */
		if(!local_empty)
			return 0;
		tried = relay->body;
		trim(&tried);
	}
	n = gcp_pick_groups(t, g);
	by_order = gcp_prm.other_group_order == GCP_ORDER_PRIORITY;
	peers = gcp_dmq_calls_lock();
	gcp_pick_exclude(peers, relay ? &tried : NULL, saved);
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
	gcp_pick_restore(peers, saved);
	gcp_dmq_calls_unlock();
	if(!found || node[0] == '\0')
		return 0;
	if(!local_empty && t->kind != GCP_KIND_REPLACES
			&& gcp_pick_local(t, g, n, by_order, &l)
			&& !gcp_pick_better(&r, &l, by_order))
		return 0;
	return gcp_pick_relay(msg, t, node, relay, &tried);
}
