/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The cluster's call table (see gcp_peer.h). Every call is one allocation
 * (its strings after the header) on three doubly linked lists: its group's
 * hash bucket (gcp_peers_oldest), its Call-ID's hash bucket (the key
 * lookup, gcp_peers_find_dialog) and its node's list, so clearing,
 * sweeping or walking one node costs that node's calls only.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gcp_peer.h"

enum
{
	L_GROUP = 0,
	L_CID,
	L_NODE,
	L_COUNT
};

typedef struct peer_call
{
	struct
	{
		struct peer_call *prev, *next;
	} ln[L_COUNT];
	struct peer_call **head[L_COUNT]; /* of its three lists, found once */
	int node;
	unsigned gen; /* the last round gcp_peers_touch() saw it in */
	uint64_t key; /* gcp_peers_key_hash(): the digest's share, a quick test */
	uint64_t since_ms;
	uint16_t off[GCP_PC_COUNT], len[GCP_PC_COUNT];
	char data[];
} peer_call_t;

struct gcp_peers
{
	gcp_peer_env_t env;
	unsigned nbuckets;
	peer_call_t **groups; /* nbuckets buckets */
	peer_call_t **cids;	  /* nbuckets buckets */
	peer_call_t *of_node[GCP_PEER_MAX_NODES];
	gcp_peer_node_t nodes[GCP_PEER_MAX_NODES];
};

static const size_t field_max[GCP_PC_COUNT] = {
		[GCP_PC_CALLID] = GCP_PEER_MAX_CALLID,
		[GCP_PC_FROM_TAG] = GCP_PEER_MAX_TAG,
		[GCP_PC_GROUP] = GCP_PEER_MAX_NUMBER,
		[GCP_PC_CALLEE] = GCP_PEER_MAX_USER,
		[GCP_PC_CALLER] = GCP_PEER_MAX_URI,
};

#define FNV64_BASIS 14695981039346656037ull

static uint64_t fnv64(uint64_t h, const char *s, size_t len)
{
	for(size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull; /* FNV-1a */
	}
	return h;
}

uint64_t gcp_peers_key_hash(
		const char *callid, size_t cidlen, const char *tag, size_t taglen)
{
	/* the 0 byte keeps ("ab", "c") and ("a", "bc") apart */
	uint64_t h = fnv64(FNV64_BASIS, callid, cidlen);
	h = fnv64(h, "", 1);
	return fnv64(h, tag, taglen);
}

/* index k's bucket; the two seeds differ: a Call-ID is no group number */
static unsigned bucket(const gcp_peers_t *p, int k, const char *s, size_t len)
{
	uint64_t seed = FNV64_BASIS ^ (k == L_CID ? 0x5bd1e995u : 0);
	return (unsigned)(fnv64(seed, s, len) % p->nbuckets);
}

gcp_peers_t *gcp_peers_create(const gcp_peer_env_t *env, unsigned nbuckets)
{
	gcp_peers_t *p;
	size_t size;

	if(!env || !env->alloc || !env->release || nbuckets == 0)
		return NULL;
	/* two bucket arrays after the table; no wrap on 32 bits */
	if(__builtin_mul_overflow(
			   (size_t)nbuckets, 2 * sizeof(peer_call_t *), &size)
			|| __builtin_add_overflow(size, sizeof(*p), &size))
		return NULL;
	p = env->alloc(size);
	if(!p)
		return NULL;
	memset(p, 0, size);
	p->env = *env;
	p->nbuckets = nbuckets;
	p->groups = (peer_call_t **)(p + 1);
	p->cids = p->groups + nbuckets;
	/* this node's own set needs no name to be filled */
	p->nodes[GCP_PEER_SELF].used = 1;
	return p;
}

void gcp_peers_destroy(gcp_peers_t *p)
{
	if(!p)
		return;
	for(int n = 0; n < GCP_PEER_MAX_NODES; n++)
		gcp_peers_clear(p, n);
	p->env.release(p);
}

static void node_name(gcp_peer_node_t *n, const char *uri, size_t len)
{
	if(len)
		memcpy(n->uri, uri, len);
	n->uri[len] = '\0';
	n->ulen = len;
	n->used = 1;
}

int gcp_peers_node(gcp_peers_t *p, const char *uri, size_t len, int create)
{
	int free_slot = -1;

	if(!p || !uri || len == 0 || len > GCP_PEER_URI_MAX)
		return -1;
	/* slot GCP_PEER_SELF is never a peer, even under the same URI */
	for(int i = 1; i < GCP_PEER_MAX_NODES; i++) {
		gcp_peer_node_t *n = &p->nodes[i];
		if(!n->used && free_slot < 0)
			free_slot = i;
		else if(n->used && n->ulen == len && memcmp(n->uri, uri, len) == 0)
			return i;
	}
	if(!create || free_slot < 0)
		return -1;
	memset(&p->nodes[free_slot], 0, sizeof(p->nodes[free_slot]));
	node_name(&p->nodes[free_slot], uri, len);
	return free_slot;
}

int gcp_peers_set_self(gcp_peers_t *p, const char *uri, size_t len)
{
	if(!p || len > GCP_PEER_URI_MAX || (len && !uri))
		return -1;
	node_name(&p->nodes[GCP_PEER_SELF], uri, len);
	return 0;
}

gcp_peer_node_t *gcp_peers_node_at(gcp_peers_t *p, int i)
{
	if(!p || i < 0 || i >= GCP_PEER_MAX_NODES || !p->nodes[i].used)
		return NULL;
	return &p->nodes[i];
}

static int node_ok(const gcp_peers_t *p, int node)
{
	return node >= 0 && node < GCP_PEER_MAX_NODES && p->nodes[node].used;
}

static int in_check(const gcp_peers_t *p, int node, const gcp_peer_call_in_t *c)
{
	if(!p || !c || !node_ok(p, node))
		return -2;
	/* the key's two and the group must be there, the rest may be empty */
	for(int f = 0; f < GCP_PC_COUNT; f++)
		if(c->len[f] > field_max[f]
				|| (c->len[f] ? !c->s[f] : f <= GCP_PC_GROUP))
			return -2;
	return 0;
}

static int fld_is(const peer_call_t *c, int f, const char *s, size_t len)
{
	return c->len[f] == len
		   && (len == 0 || memcmp(c->data + c->off[f], s, len) == 0);
}

/* a new call holding copies of c's strings, linked; NULL out of memory */
static peer_call_t *call_new(
		gcp_peers_t *p, int node, const gcp_peer_call_in_t *c)
{
	size_t size = offsetof(peer_call_t, data), pos = 0;
	gcp_peer_node_t *n = &p->nodes[node];
	peer_call_t *e;

	for(int f = 0; f < GCP_PC_COUNT; f++)
		size += c->len[f] + 1;
	e = p->env.alloc(size);
	if(!e)
		return NULL;
	memset(e, 0, offsetof(peer_call_t, data));
	for(int f = 0; f < GCP_PC_COUNT; f++) {
		e->off[f] = (uint16_t)pos;
		e->len[f] = (uint16_t)c->len[f];
		if(c->len[f])
			memcpy(e->data + pos, c->s[f], c->len[f]);
		e->data[pos + c->len[f]] = '\0';
		pos += c->len[f] + 1;
	}
	e->node = node;
	e->since_ms = c->since_ms;
	e->key = gcp_peers_key_hash(c->s[GCP_PC_CALLID], c->len[GCP_PC_CALLID],
			c->s[GCP_PC_FROM_TAG], c->len[GCP_PC_FROM_TAG]);
	e->head[L_GROUP] = &p->groups[bucket(
			p, L_GROUP, c->s[GCP_PC_GROUP], c->len[GCP_PC_GROUP])];
	e->head[L_CID] = &p->cids[bucket(
			p, L_CID, c->s[GCP_PC_CALLID], c->len[GCP_PC_CALLID])];
	e->head[L_NODE] = &p->of_node[node];
	for(int k = 0; k < L_COUNT; k++) {
		e->ln[k].next = *e->head[k];
		if(e->ln[k].next)
			e->ln[k].next->ln[k].prev = e;
		*e->head[k] = e;
	}
	n->ncalls++;
	n->calls_digest ^= e->key;
	return e;
}

/* out of every list and freed; ncalls and calls_digest change only here
 * and in call_new(), so they cannot drift from what the lists hold */
static void call_unlink(gcp_peers_t *p, peer_call_t *c)
{
	gcp_peer_node_t *n = &p->nodes[c->node];

	for(int k = 0; k < L_COUNT; k++) {
		if(c->ln[k].prev)
			c->ln[k].prev->ln[k].next = c->ln[k].next;
		else
			*c->head[k] = c->ln[k].next;
		if(c->ln[k].next)
			c->ln[k].next->ln[k].prev = c->ln[k].prev;
	}
	n->ncalls--;
	n->calls_digest ^= c->key;
	p->env.release(c);
}

static peer_call_t *call_find(gcp_peers_t *p, int node, const char *callid,
		size_t cidlen, const char *tag, size_t taglen)
{
	uint64_t key = gcp_peers_key_hash(callid, cidlen, tag, taglen);

	for(peer_call_t *c = p->cids[bucket(p, L_CID, callid, cidlen)]; c;
			c = c->ln[L_CID].next)
		if(c->node == node && c->key == key
				&& fld_is(c, GCP_PC_CALLID, callid, cidlen)
				&& fld_is(c, GCP_PC_FROM_TAG, tag, taglen))
			return c;
	return NULL;
}

static void view_of(const peer_call_t *c, gcp_peer_call_view_t *v)
{
	v->node = c->node;
	for(int f = 0; f < GCP_PC_COUNT; f++) {
		v->s[f] = c->data + c->off[f];
		v->len[f] = c->len[f];
	}
	v->since_ms = c->since_ms;
}

/* which of a node's calls drop() removes */
enum
{
	DROP_ALL,
	DROP_BEFORE,   /* ringing since before arg */
	DROP_UNTOUCHED /* not touched in round arg */
};

/* Remove those of node's calls, each shown to visit first: how many. The
 * one walk of clear, expire, sweep and destroy. */
static unsigned drop(gcp_peers_t *p, int node, int kind, uint64_t arg,
		void (*visit)(const gcp_peer_call_view_t *c, void *arg), void *varg)
{
	gcp_peer_call_view_t v;
	unsigned n = 0;

	for(peer_call_t *c = p->of_node[node], *next; c; c = next) {
		next = c->ln[L_NODE].next;
		if((kind == DROP_BEFORE && c->since_ms >= arg)
				|| (kind == DROP_UNTOUCHED && c->gen == arg))
			continue;
		if(visit) {
			view_of(c, &v);
			visit(&v, varg);
		}
		call_unlink(p, c);
		n++;
	}
	return n;
}

/* Add c, or replace the call with its key. touch: only when the rest
 * differs, and mark it seen in round gen (add keeps a replaced call's
 * round: it is no touch). 1 added, 2 replaced, 0 unchanged, < 0 errors. */
static int put(gcp_peers_t *p, int node, const gcp_peer_call_in_t *c, int touch,
		unsigned gen)
{
	peer_call_t *old, *e;
	int same;

	if(in_check(p, node, c) < 0)
		return -2;
	old = call_find(p, node, c->s[GCP_PC_CALLID], c->len[GCP_PC_CALLID],
			c->s[GCP_PC_FROM_TAG], c->len[GCP_PC_FROM_TAG]);
	same = touch && old && old->since_ms == c->since_ms;
	for(int f = GCP_PC_GROUP; same && f < GCP_PC_COUNT; f++)
		same = fld_is(old, f, c->s[f], c->len[f]);
	if(same) {
		old->gen = gen;
		return 0;
	}
	/* a fresh copy: the strings may be longer, the group (so the bucket)
	 * another; out of memory, the old copy stays as it was */
	e = call_new(p, node, c);
	if(!e)
		return -1;
	e->gen = touch ? gen : old ? old->gen : 0;
	if(old)
		call_unlink(p, old);
	return old ? 2 : 1;
}

int gcp_peers_add(gcp_peers_t *p, int node, const gcp_peer_call_in_t *c)
{
	int rc = put(p, node, c, 0, 0);
	return rc < 0 ? rc : 0;
}

int gcp_peers_del(gcp_peers_t *p, int node, const char *callid, size_t cidlen,
		const char *tag, size_t taglen)
{
	peer_call_t *c;

	if(!p || !node_ok(p, node) || !callid || !cidlen || !tag || !taglen
			|| !(c = call_find(p, node, callid, cidlen, tag, taglen)))
		return 0;
	call_unlink(p, c);
	return 1;
}

unsigned gcp_peers_clear(gcp_peers_t *p, int node)
{
	if(!p || !node_ok(p, node))
		return 0;
	return drop(p, node, DROP_ALL, 0, NULL, NULL);
}

unsigned gcp_peers_expire(gcp_peers_t *p, uint64_t before_ms)
{
	unsigned n = 0;

	for(int i = 0; p && i < GCP_PEER_MAX_NODES; i++)
		n += drop(p, i, DROP_BEFORE, before_ms, NULL, NULL);
	return n;
}

int gcp_peers_touch(
		gcp_peers_t *p, int node, const gcp_peer_call_in_t *c, unsigned gen)
{
	return put(p, node, c, 1, gen);
}

unsigned gcp_peers_sweep(gcp_peers_t *p, int node, unsigned gen,
		void (*visit)(const gcp_peer_call_view_t *c, void *arg), void *arg)
{
	if(!p || !node_ok(p, node))
		return 0;
	return drop(p, node, DROP_UNTOUCHED, gen, visit, arg);
}

int gcp_peers_oldest(gcp_peers_t *p, const gcp_peer_name_t *groups, size_t n,
		int by_order, const char *callee, size_t clen, gcp_peer_pick_t *out)
{
	gcp_peer_pick_t best = {.node = -1};

	if(!p || !groups || (clen > 0 && !callee))
		return 0;
	for(size_t i = 0; i < n; i++) {
		const char *g = groups[i].s;
		size_t glen = groups[i].len;
		if(glen == 0 || !g)
			continue;
		for(peer_call_t *c = p->groups[bucket(p, L_GROUP, g, glen)]; c;
				c = c->ln[L_GROUP].next) {
			if(!p->nodes[c->node].up || !fld_is(c, GCP_PC_GROUP, g, glen)
					|| (clen > 0 && !fld_is(c, GCP_PC_CALLEE, callee, clen)))
				continue;
			/* i only grows, so an equal time wins only within the same
			 * group, on the lower node */
			if(best.node < 0 || c->since_ms < best.since_ms
					|| (c->since_ms == best.since_ms && best.which == i
							&& c->node < best.node))
				best = (gcp_peer_pick_t){c->node, c->since_ms, i};
		}
		/* priority: a later group only when no earlier one has a call */
		if(by_order && best.node >= 0)
			break;
	}
	if(best.node < 0)
		return 0;
	if(out)
		*out = best;
	return 1;
}

static int tag_is(const peer_call_t *c, const char *tag, size_t len)
{
	return len > 0 && tag && fld_is(c, GCP_PC_FROM_TAG, tag, len);
}

int gcp_peers_find_dialog(gcp_peers_t *p, const char *callid, size_t cidlen,
		const char *tag1, size_t len1, const char *tag2, size_t len2,
		gcp_peer_pick_t *out)
{
	const peer_call_t *found = NULL;

	if(!p || !callid || cidlen == 0)
		return 0;
	for(peer_call_t *c = p->cids[bucket(p, L_CID, callid, cidlen)]; c;
			c = c->ln[L_CID].next) {
		if(!p->nodes[c->node].up || !fld_is(c, GCP_PC_CALLID, callid, cidlen)
				|| !(tag_is(c, tag1, len1) || tag_is(c, tag2, len2)))
			continue;
		/* the same dialog announced by two nodes: the lower one, always */
		if(!found || c->node < found->node)
			found = c;
	}
	if(!found)
		return 0;
	if(out)
		*out = (gcp_peer_pick_t){found->node, found->since_ms, 0};
	return 1;
}

void gcp_peers_foreach(gcp_peers_t *p, int node,
		int (*visit)(const gcp_peer_call_view_t *c, void *arg), void *arg)
{
	gcp_peer_call_view_t v;

	int lo = node < 0 ? 0 : node, hi = node < 0 ? GCP_PEER_MAX_NODES : node + 1;

	if(!p || !visit || node >= GCP_PEER_MAX_NODES)
		return;
	/* one node whatever its state, or every node that is up */
	for(int i = lo; i < hi; i++)
		for(peer_call_t *c = p->of_node[i]; c && (node >= 0 || p->nodes[i].up);
				c = c->ln[L_NODE].next) {
			view_of(c, &v);
			if(visit(&v, arg))
				return;
		}
}

void gcp_peer_sync_taken(gcp_peer_sync_t *s, uint64_t seq)
{
	if(seq > s->seq)
		s->seq = seq;
}

int gcp_peer_sync_heartbeat(
		gcp_peer_sync_t *s, uint64_t seq, int same, int may_ask)
{
	int behind =
			seq > s->seq && !s->fresh && (s->wait == 0 || s->seq >= s->wait);

	s->wait = seq > s->seq ? seq : 0;
	if(behind)
		return GCP_SYNC_WAIT;
	if(same) {
		s->mismatches = 0;
		s->fresh = 0;
		return GCP_SYNC_SAME;
	}
	s->mismatches++;
	if((s->fresh || s->mismatches >= 2) && may_ask) {
		s->fresh = 0;
		return GCP_SYNC_ASK;
	}
	return GCP_SYNC_DIFFERS;
}
