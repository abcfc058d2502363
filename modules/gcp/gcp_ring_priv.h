/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The ring table's insides, shared by its two files only: gcp_ring.c (the
 * table, the group lists, the states) and gcp_ring_index.c (the indexes on
 * the transaction and on the Call-ID). Nothing else includes this.
 */

#ifndef _GCP_RING_PRIV_H_
#define _GCP_RING_PRIV_H_

#include "gcp_ring.h"

typedef struct gcp_group
{
	struct gcp_group *next; /* hash bucket chain */
	gcp_call_t *all_head, *all_tail;
	gcp_call_t *pk_head, *pk_tail;
	unsigned ncalls; /* linked calls; the group goes with the last */
	unsigned len;
	char name[]; /* NUL-terminated */
} gcp_group_t;

/* the To tag of another ringing branch of a forked call; in the call's
 * forks list under the group lock, freed when the call is unlinked */
typedef struct gcp_fork
{
	struct gcp_fork *next;
	int branch;
	unsigned len;
	char tag[GCP_RING_MAX_TAG + 1];
} gcp_fork_t;

struct gcp_ring
{
	gcp_ring_env_t env;
	unsigned nslots;   /* locks per hash (2 * nslots in all) */
	unsigned nbuckets; /* buckets per hash, a multiple of nslots */
	unsigned max_calls;
	unsigned count;		  /* linked calls (atomic) */
	unsigned npickable;	  /* calls in pickable lists (atomic) */
	gcp_group_t **groups; /* nbuckets buckets */
	gcp_call_t **tids;	  /* nbuckets buckets */
	gcp_call_t **cids;	  /* nbuckets buckets, under the tid locks */
};

/* the hashes, buckets and locks (see gcp_ring.h) */
static inline unsigned group_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for(size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static inline unsigned group_bucket(
		const gcp_ring_t *ring, const char *s, size_t len)
{
	return group_hash(s, len) % ring->nbuckets;
}

/* the bucket of a call's group; its lock guards the call */
static inline unsigned call_bucket(const gcp_ring_t *ring, const gcp_call_t *c)
{
	return group_bucket(
			ring, c->data + c->off[GCP_F_GROUP], c->len[GCP_F_GROUP]);
}

/* Locks: many buckets share one lock, so chains stay short with few
 * locks. Group bucket b is guarded by lock b % nslots, transaction-index
 * bucket b by lock nslots + b % nslots. */
static inline unsigned group_lock_of(const gcp_ring_t *ring, unsigned bucket)
{
	return bucket % ring->nslots;
}

static inline unsigned tid_lock_of(const gcp_ring_t *ring, unsigned bucket)
{
	return ring->nslots + bucket % ring->nslots;
}

static inline void lock_slot(gcp_ring_t *ring, unsigned idx)
{
	ring->env.lock(ring->env.lock_ctx, idx);
}

/* Changes for the observer (env.changed), noted under a lock and told
 * once it is released (gcp_ring_notes.c). Per thread (a process in
 * Kamailio): no function holds two locks at once, so one list is enough. */
#define GCP_RING_NOTES 4

typedef struct gcp_ring_notes
{
	unsigned n;
	int overflow; /* more than GCP_RING_NOTES: tell "anything" */
	struct
	{
		unsigned glen, clen;
		char group[GCP_RING_MAX_NUMBER + 1];
		char callee[GCP_RING_MAX_USER + 1];
	} at[GCP_RING_NOTES];
} gcp_ring_notes_t;

extern __thread gcp_ring_notes_t gcp_ring__notes;

/* what a lamp shows may have changed for c (caller holds c's group lock) */
void gcp_ring__note(gcp_ring_t *ring, const gcp_call_t *c);
/* tell the observer what was noted, and forget it (no lock held) */
void gcp_ring__tell(gcp_ring_t *ring);

static inline void unlock_slot(gcp_ring_t *ring, unsigned idx)
{
	ring->env.unlock(ring->env.lock_ctx, idx);
	if(gcp_ring__notes.n || gcp_ring__notes.overflow)
		gcp_ring__tell(ring);
}

/* the indexes (gcp_ring_index.c); each takes its bucket's lock itself */
void gcp_ring__tid_insert(gcp_ring_t *ring, gcp_call_t *c);
void gcp_ring__cid_insert(gcp_ring_t *ring, gcp_call_t *c);
/* the call with this Call-ID and From tag (tag1 or tag2), with one more
 * reference, or NULL */
gcp_call_t *gcp_ring__cid_find(gcp_ring_t *ring, const char *callid,
		size_t cidlen, const char *tag1, size_t len1, const char *tag2,
		size_t len2);
/* out of both indexes (the owner, in detach) */
void gcp_ring__unindex(gcp_ring_t *ring, gcp_call_t *c);

#endif
