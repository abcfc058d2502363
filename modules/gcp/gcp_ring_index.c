/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The ring table's two indexes (see gcp_ring.h): on the transaction
 * (tindex, tlabel), which tm's callbacks use, and on the Call-ID, which a
 * Replaces header names. Both guarded by the tid locks of their buckets;
 * membership holds no reference (it ends, in detach, before the owner's
 * reference does).
 */

#include <stddef.h>
#include <string.h>

#include "gcp_ring.h"
#include "gcp_ring_priv.h"

static unsigned tid_bucket(
		const gcp_ring_t *ring, unsigned tindex, unsigned tlabel)
{
	/* tindex is a small hash index, tlabel a counter: mix both */
	uint32_t h = tindex * 0x9e3779b1u;
	h ^= tlabel + 0x7f4a7c15u + (h << 6) + (h >> 2);
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h % ring->nbuckets;
}

/* the bucket heads of chain k, read under the bucket's lock (as before the
 * chains shared their code: the ring bench's instruction counts) */
static inline gcp_call_t **chain_heads(gcp_ring_t *ring, int k)
{
	return k == GCP_IX_CID ? ring->cids : ring->tids;
}

/* Into chain k (GCP_IX_TID, GCP_IX_CID) of bucket b; both kinds are
 * guarded by the tid lock of their bucket. */
static inline void chain_insert(
		gcp_ring_t *ring, int k, unsigned b, gcp_call_t *c)
{
	gcp_call_t **heads;

	lock_slot(ring, tid_lock_of(ring, b));
	heads = chain_heads(ring, k);
	c->ix[k].prev = NULL;
	c->ix[k].next = heads[b];
	if(c->ix[k].next)
		c->ix[k].next->ix[k].prev = c;
	heads[b] = c;
	c->indexed[k] = 1;
	unlock_slot(ring, tid_lock_of(ring, b));
}

/* out of chain k of bucket b, if in it */
static inline void chain_remove(
		gcp_ring_t *ring, int k, unsigned b, gcp_call_t *c)
{
	lock_slot(ring, tid_lock_of(ring, b));
	if(c->indexed[k]) {
		/* doubly linked: no walk over a chain of cold calls */
		if(c->ix[k].prev)
			c->ix[k].prev->ix[k].next = c->ix[k].next;
		else
			chain_heads(ring, k)[b] = c->ix[k].next;
		if(c->ix[k].next)
			c->ix[k].next->ix[k].prev = c->ix[k].prev;
		c->ix[k].prev = c->ix[k].next = NULL;
		c->indexed[k] = 0;
	}
	unlock_slot(ring, tid_lock_of(ring, b));
}

/* into the transaction index under the call's tindex and tlabel */
void gcp_ring__tid_insert(gcp_ring_t *ring, gcp_call_t *c)
{
	chain_insert(ring, GCP_IX_TID, tid_bucket(ring, c->tindex, c->tlabel), c);
}

static unsigned cid_bucket(const gcp_ring_t *ring, const char *s, size_t len)
{
	/* another seed than the groups' hash: a Call-ID is no group number */
	uint32_t h = 2166136261u ^ 0x5bd1e995u;
	for(size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h % ring->nbuckets;
}

static unsigned call_cid_bucket(const gcp_ring_t *ring, const gcp_call_t *c)
{
	return cid_bucket(
			ring, c->data + c->off[GCP_F_CALLID], c->len[GCP_F_CALLID]);
}

/* into the Call-ID index; guarded by the tid lock of its bucket */
void gcp_ring__cid_insert(gcp_ring_t *ring, gcp_call_t *c)
{
	chain_insert(ring, GCP_IX_CID, call_cid_bucket(ring, c), c);
}

void gcp_ring__unindex(gcp_ring_t *ring, gcp_call_t *call)
{
	chain_remove(ring, GCP_IX_TID, tid_bucket(ring, call->tindex, call->tlabel),
			call);
	chain_remove(ring, GCP_IX_CID, call_cid_bucket(ring, call), call);
}

void gcp_ring_index(
		gcp_ring_t *ring, gcp_call_t *call, unsigned tindex, unsigned tlabel)
{
	/* The owner's, like detach: the two never run at once, so indexed,
	 * tindex and tlabel do not change under our feet here. */
	if(!ring || !call || call->indexed[GCP_IX_TID])
		return;
	call->tindex = tindex;
	call->tlabel = tlabel;
	gcp_ring__tid_insert(ring, call);
}

gcp_call_t *gcp_ring_find(gcp_ring_t *ring, unsigned tindex, unsigned tlabel)
{
	unsigned b;
	gcp_call_t *c;

	if(!ring)
		return NULL;
	b = tid_bucket(ring, tindex, tlabel);
	lock_slot(ring, tid_lock_of(ring, b));
	for(c = ring->tids[b]; c; c = c->ix[GCP_IX_TID].next)
		if(c->tindex == tindex && c->tlabel == tlabel)
			break;
	if(c)
		__atomic_add_fetch(&c->refcnt, 1, __ATOMIC_RELAXED);
	unlock_slot(ring, tid_lock_of(ring, b));
	return c;
}

static int tag_is(const gcp_call_t *c, const char *tag, size_t len)
{
	return len > 0 && c->len[GCP_F_FROM_TAG] == len
		   && memcmp(c->data + c->off[GCP_F_FROM_TAG], tag, len) == 0;
}

gcp_call_t *gcp_ring__cid_find(gcp_ring_t *ring, const char *callid,
		size_t cidlen, const char *tag1, size_t len1, const char *tag2,
		size_t len2)
{
	unsigned b;
	gcp_call_t *c;

	b = cid_bucket(ring, callid, cidlen);
	lock_slot(ring, tid_lock_of(ring, b));
	for(c = ring->cids[b]; c; c = c->ix[GCP_IX_CID].next)
		if(c->len[GCP_F_CALLID] == cidlen
				&& memcmp(c->data + c->off[GCP_F_CALLID], callid, cidlen) == 0
				&& (tag_is(c, tag1, len1) || tag_is(c, tag2, len2)))
			break;
	if(c)
		__atomic_add_fetch(&c->refcnt, 1, __ATOMIC_RELAXED);
	unlock_slot(ring, tid_lock_of(ring, b));
	return c;
}
