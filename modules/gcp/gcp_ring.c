/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The ring table (see gcp_ring.h). Invariants, all under the group lock of
 * the call (its group's bucket lock; the group string never changes):
 * - linked: in its group's all-list, counted in ring->count, grp set;
 * - in the pickable list exactly when linked and state == RINGING.
 * "indexed" is guarded by the transaction-index bucket lock instead;
 * tindex/tlabel are set once, by the owner (track or index), and the owner
 * never indexes and detaches at once.
 * The To tag, tag_branch and the forks list change under the group lock
 * too; the forks go when the call is unlinked.
 * A CLAIMED call that gets blocked stays CLAIMED with not_pickable set: the
 * pickup still completes (mark_picked) or, released, the call is BLOCKED.
 * Reference counts always change with atomics, so unref needs no lock.
 */

#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "gcp_ring.h"
#include "gcp_ring_priv.h"

/* field limits; TO_TAG is not given at track time */
static const size_t field_max[GCP_F_COUNT] = {
		[GCP_F_GROUP] = GCP_RING_MAX_NUMBER,
		[GCP_F_CALLEE] = GCP_RING_MAX_USER,
		[GCP_F_CALLER] = GCP_RING_MAX_URI,
		[GCP_F_CALLID] = GCP_RING_MAX_CALLID,
		[GCP_F_FROM_TAG] = GCP_RING_MAX_TAG,
		[GCP_F_CONTACT] = GCP_RING_MAX_URI,
		[GCP_F_CONTACT_DST] = GCP_RING_MAX_URI,
		[GCP_F_TO_TAG] = GCP_RING_MAX_TAG,
};

unsigned gcp_ring_buckets(unsigned nslots, unsigned max_calls)
{
	/* about four calls per bucket when the table is full (and a bounded
	 * table for "no limit"), never fewer buckets than locks */
	unsigned want = max_calls ? max_calls / 4 : GCP_RING_MAX_BUCKETS / 4;
	unsigned n = 1;

	if(want > GCP_RING_MAX_BUCKETS)
		want = GCP_RING_MAX_BUCKETS;
	while(n < want)
		n <<= 1;
	/* a multiple of nslots, so every lock guards the same share */
	if(n < nslots)
		n = nslots;
	n = (n + nslots - 1) / nslots * nslots;
	return n;
}

gcp_ring_t *gcp_ring_create(
		const gcp_ring_env_t *env, unsigned nslots, unsigned max_calls)
{
	gcp_ring_t *ring;
	unsigned nbuckets;
	size_t size;

	if(!env || !env->alloc || !env->release || !env->lock || !env->unlock
			|| nslots == 0 || nslots > GCP_RING_MAX_BUCKETS)
		return NULL;
	nbuckets = gcp_ring_buckets(nslots, max_calls);
	size = sizeof(*ring) + (size_t)nbuckets * sizeof(gcp_group_t *)
		   + 2 * (size_t)nbuckets * sizeof(gcp_call_t *);
	ring = env->alloc(size);
	if(!ring)
		return NULL;
	memset(ring, 0, size);
	ring->env = *env;
	ring->nslots = nslots;
	ring->nbuckets = nbuckets;
	ring->max_calls = max_calls;
	ring->groups = (gcp_group_t **)(ring + 1);
	ring->tids = (gcp_call_t **)(ring->groups + nbuckets);
	ring->cids = ring->tids + nbuckets;
	return ring;
}

static void forks_free(gcp_ring_t *ring, gcp_call_t *c)
{
	while(c->forks) {
		gcp_fork_t *f = c->forks;
		c->forks = f->next;
		ring->env.release(f);
	}
}

void gcp_ring_destroy(gcp_ring_t *ring)
{
	if(!ring)
		return;
	/* Shutdown: nobody else runs. Every call still linked or indexed goes;
	 * linked ones are normally indexed too, so free those via the index. */
	for(unsigned i = 0; i < ring->nbuckets; i++) {
		gcp_group_t *g = ring->groups[i];
		while(g) {
			gcp_group_t *gn = g->next;
			gcp_call_t *c = g->all_head;
			while(c) {
				gcp_call_t *cn = c->all_next;
				c->linked = 0;
				c->grp = NULL;
				forks_free(ring, c);
				if(!c->indexed[GCP_IX_TID])
					ring->env.release(c);
				c = cn;
			}
			ring->env.release(g);
			g = gn;
		}
	}
	for(unsigned i = 0; i < ring->nbuckets; i++) {
		gcp_call_t *c = ring->tids[i];
		while(c) {
			gcp_call_t *cn = c->ix[GCP_IX_TID].next;
			ring->env.release(c);
			c = cn;
		}
	}
	ring->env.release(ring);
}

static gcp_group_t *group_find(
		gcp_ring_t *ring, unsigned bucket, const char *s, size_t len)
{
	for(gcp_group_t *g = ring->groups[bucket]; g; g = g->next)
		if(g->len == len && memcmp(g->name, s, len) == 0)
			return g;
	return NULL;
}

/* pickable list helpers; caller holds the group lock */
static void pk_remove(gcp_ring_t *ring, gcp_call_t *c)
{
	gcp_group_t *g = c->grp;
	if(c->pk_prev)
		c->pk_prev->pk_next = c->pk_next;
	else
		g->pk_head = c->pk_next;
	if(c->pk_next)
		c->pk_next->pk_prev = c->pk_prev;
	else
		g->pk_tail = c->pk_prev;
	c->pk_prev = c->pk_next = NULL;
	__atomic_sub_fetch(&ring->npickable, 1, __ATOMIC_RELAXED);
}

static void pk_insert_before(
		gcp_ring_t *ring, gcp_group_t *g, gcp_call_t *c, gcp_call_t *at)
{
	/* at == NULL: append */
	c->pk_next = at;
	c->pk_prev = at ? at->pk_prev : g->pk_tail;
	if(c->pk_prev)
		c->pk_prev->pk_next = c;
	else
		g->pk_head = c;
	if(at)
		at->pk_prev = c;
	else
		g->pk_tail = c;
	__atomic_add_fetch(&ring->npickable, 1, __ATOMIC_RELAXED);
}

/* Out of the group lists; the group goes with its last call. Caller holds
 * the group lock. */
static void call_unlink(gcp_ring_t *ring, unsigned bucket, gcp_call_t *c)
{
	gcp_group_t *g = c->grp;

	if(!c->linked)
		return;
	if(c->state == GCP_CALL_RINGING)
		pk_remove(ring, c);
	if(c->all_prev)
		c->all_prev->all_next = c->all_next;
	else
		g->all_head = c->all_next;
	if(c->all_next)
		c->all_next->all_prev = c->all_prev;
	else
		g->all_tail = c->all_prev;
	c->all_prev = c->all_next = NULL;
	c->linked = 0;
	c->grp = NULL;
	forks_free(ring, c);
	if(c->state != GCP_CALL_PICKED)
		c->state = GCP_CALL_ENDED;
	__atomic_sub_fetch(&ring->count, 1, __ATOMIC_RELAXED);

	if(--g->ncalls == 0) {
		gcp_group_t **pp = &ring->groups[bucket];
		while(*pp != g)
			pp = &(*pp)->next;
		*pp = g->next;
		ring->env.release(g);
	}
}

size_t gcp_ring_call_size(const gcp_call_info_t *info)
{
	size_t size = offsetof(gcp_call_t, data);
	for(int f = 0; f < GCP_F_COUNT; f++) {
		if(f == GCP_F_TO_TAG)
			size += GCP_RING_MAX_TAG + 1;
		else
			size += info->len[f] + 1;
	}
	return size;
}

int gcp_ring_too_long(const gcp_call_info_t *info, size_t *limit)
{
	for(int f = 0; info && f < GCP_F_COUNT; f++) {
		if(f != GCP_F_TO_TAG && info->len[f] > field_max[f]) {
			if(limit)
				*limit = field_max[f];
			return f;
		}
	}
	return -1;
}

static int info_check(const gcp_call_info_t *info)
{
	for(int f = 0; f < GCP_F_COUNT; f++) {
		if(f == GCP_F_TO_TAG)
			continue;
		if(info->len[f] > 0 && !info->s[f])
			return GCP_RING_E_INVAL;
		if(info->len[f] > field_max[f])
			return GCP_RING_E_TOO_LONG;
	}
	if(info->len[GCP_F_GROUP] == 0 || info->len[GCP_F_CALLID] == 0
			|| info->len[GCP_F_FROM_TAG] == 0)
		return GCP_RING_E_INVAL;
	return GCP_RING_OK;
}

/* room for one more linked call, counted at once */
static int count_reserve(gcp_ring_t *ring)
{
	unsigned cur = __atomic_load_n(&ring->count, __ATOMIC_RELAXED);

	if(ring->max_calls == 0) {
		__atomic_add_fetch(&ring->count, 1, __ATOMIC_RELAXED);
		return 1;
	}
	do {
		if(cur >= ring->max_calls)
			return 0;
	} while(!__atomic_compare_exchange_n(&ring->count, &cur, cur + 1, 1,
			__ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 1;
}

int gcp_ring_track(gcp_ring_t *ring, const gcp_call_info_t *info,
		uint64_t now_ms, gcp_call_t **out)
{
	gcp_call_t *c;
	gcp_group_t *g;
	size_t pos = 0;
	unsigned bucket;
	int rc;

	if(!ring || !info || !out)
		return GCP_RING_E_INVAL;
	rc = info_check(info);
	if(rc != GCP_RING_OK)
		return rc;
	if(!count_reserve(ring))
		return GCP_RING_E_FULL;

	c = ring->env.alloc(gcp_ring_call_size(info));
	if(!c) {
		__atomic_sub_fetch(&ring->count, 1, __ATOMIC_RELAXED);
		return GCP_RING_E_NOMEM;
	}
	memset(c, 0, offsetof(gcp_call_t, data));
	for(int f = 0; f < GCP_F_COUNT; f++) {
		c->off[f] = (uint16_t)pos;
		if(f == GCP_F_TO_TAG) {
			c->data[pos] = '\0';
			pos += GCP_RING_MAX_TAG + 1;
			continue;
		}
		c->len[f] = (uint16_t)info->len[f];
		if(info->len[f])
			memcpy(c->data + pos, info->s[f], info->len[f]);
		c->data[pos + info->len[f]] = '\0';
		pos += info->len[f] + 1;
	}
	c->refcnt = 1; /* the owner's */
	c->state = info->not_pickable ? GCP_CALL_BLOCKED : GCP_CALL_TRACKED;
	c->not_pickable = info->not_pickable;
	c->flags = info->flags;
	c->tag_branch = -1;
	c->tindex = info->tindex;
	c->tlabel = info->tlabel;
	c->tracked_ms = now_ms;

	bucket = call_bucket(ring, c);
	lock_slot(ring, group_lock_of(ring, bucket));
	g = group_find(ring, bucket, info->s[GCP_F_GROUP], info->len[GCP_F_GROUP]);
	if(!g) {
		size_t glen = info->len[GCP_F_GROUP];
		g = ring->env.alloc(sizeof(*g) + glen + 1);
		if(!g) {
			unlock_slot(ring, group_lock_of(ring, bucket));
			ring->env.release(c);
			__atomic_sub_fetch(&ring->count, 1, __ATOMIC_RELAXED);
			return GCP_RING_E_NOMEM;
		}
		memset(g, 0, sizeof(*g));
		g->len = (unsigned)glen;
		memcpy(g->name, info->s[GCP_F_GROUP], glen);
		g->name[glen] = '\0';
		g->next = ring->groups[bucket];
		ring->groups[bucket] = g;
	}
	c->grp = g;
	c->all_prev = g->all_tail;
	if(g->all_tail)
		g->all_tail->all_next = c;
	else
		g->all_head = c;
	g->all_tail = c;
	g->ncalls++;
	c->linked = 1;
	unlock_slot(ring, group_lock_of(ring, bucket));

	gcp_ring__cid_insert(ring, c);
	if(info->has_tid)
		gcp_ring__tid_insert(ring, c);
	*out = c;
	return GCP_RING_OK;
}

int gcp_ring_ringing(gcp_ring_t *ring, gcp_call_t *call, const char *to_tag,
		size_t len, uint64_t now_ms)
{
	return gcp_ring_branch_ringing(ring, call, 0, to_tag, len, now_ms);
}

static void tag_store(gcp_call_t *call, int branch, const char *tag, size_t len)
{
	memcpy(call->data + call->off[GCP_F_TO_TAG], tag, len);
	call->data[call->off[GCP_F_TO_TAG] + len] = '\0';
	call->len[GCP_F_TO_TAG] = (uint16_t)len;
	call->tag_branch = branch;
}

/* another branch rings: keep its first tag aside; appended, so that the
 * branch that rang first takes over first */
static void fork_note(gcp_ring_t *ring, gcp_call_t *call, int branch,
		const char *tag, size_t len)
{
	gcp_fork_t *f, **pp;
	unsigned n = 0;

	for(pp = &call->forks; (f = *pp) != NULL; pp = &f->next, n++)
		if(f->branch == branch)
			return;
	if(n >= GCP_RING_MAX_FORKS)
		return;
	f = ring->env.alloc(sizeof(*f));
	if(!f)
		return; /* the call keeps the tag it has */
	f->branch = branch;
	f->next = NULL;
	*pp = f;
	memcpy(f->tag, tag, len);
	f->tag[len] = '\0';
	f->len = (unsigned)len;
}

int gcp_ring_branch_ringing(gcp_ring_t *ring, gcp_call_t *call, int branch,
		const char *to_tag, size_t len, uint64_t now_ms)
{
	unsigned bucket;
	gcp_group_t *g;
	gcp_call_t *at, *prev;
	int rc = 0;

	if(!ring || !call || !to_tag || len == 0)
		return 0;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	if(!call->linked)
		goto done;
	if(call->state != GCP_CALL_TRACKED) {
		/* a fork of a call that rings already: the call's tag when it
		 * has none, else kept aside; within one branch the first early
		 * dialog stays (a later tag is a fork further on, just as alive) */
		if(len > GCP_RING_MAX_TAG || call->state == GCP_CALL_PICKED)
			goto done;
		if(call->len[GCP_F_TO_TAG] == 0)
			tag_store(call, branch, to_tag, len);
		else if(call->tag_branch != branch)
			fork_note(ring, call, branch, to_tag, len);
		goto done;
	}
	if(len > GCP_RING_MAX_TAG) {
		/* no Replaces can name this early dialog */
		call->state = GCP_CALL_BLOCKED;
		rc = GCP_RING_E_TOO_LONG;
		goto done;
	}
	tag_store(call, branch, to_tag, len);
	call->ringing_ms = now_ms;
	call->state = GCP_CALL_RINGING;
	/* append; step back over later stamps (workers' clocks are read
	 * before the lock, so they may arrive a little out of order) */
	g = call->grp;
	at = NULL;
	for(prev = g->pk_tail; prev && prev->ringing_ms > now_ms;
			prev = prev->pk_prev)
		at = prev;
	pk_insert_before(ring, g, call, at);
	rc = 1;
done:
	unlock_slot(ring, group_lock_of(ring, bucket));
	return rc;
}

int gcp_ring_branch_ended(gcp_ring_t *ring, gcp_call_t *call, int branch)
{
	unsigned bucket;
	gcp_fork_t *f, **pp;
	int rc = 0;

	if(!ring || !call)
		return 0;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	if(call->tag_branch == branch) {
		f = call->forks;
		if(f) {
			call->forks = f->next;
			tag_store(call, f->branch, f->tag, f->len);
			ring->env.release(f);
		} else {
			call->len[GCP_F_TO_TAG] = 0;
			call->data[call->off[GCP_F_TO_TAG]] = '\0';
			call->tag_branch = -1;
		}
		rc = 1;
	} else {
		for(pp = &call->forks; (f = *pp) != NULL; pp = &f->next) {
			if(f->branch == branch) {
				*pp = f->next;
				ring->env.release(f);
				break;
			}
		}
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	return rc;
}

int gcp_ring_to_tag(gcp_ring_t *ring, gcp_call_t *call, char *buf, size_t size)
{
	unsigned bucket;
	int len;

	if(!ring || !call || !buf || size == 0)
		return -1;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	len = call->len[GCP_F_TO_TAG];
	if((size_t)len < size) {
		memcpy(buf, call->data + call->off[GCP_F_TO_TAG], len);
		buf[len] = '\0';
	} else {
		len = -1;
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	return len;
}

int gcp_ring_block(gcp_ring_t *ring, gcp_call_t *call, int reason)
{
	unsigned bucket;
	int rc = 0;

	if(!ring || !call)
		return 0;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	if(call->linked
			&& (call->state == GCP_CALL_TRACKED
					|| call->state == GCP_CALL_RINGING)) {
		if(call->state == GCP_CALL_RINGING) {
			pk_remove(ring, call);
			rc = 1;
		}
		call->state = GCP_CALL_BLOCKED;
		call->not_pickable = reason;
	} else if(call->linked && call->state == GCP_CALL_CLAIMED) {
		/* The pickup in progress decides: the picker's own answer (an
		 * injected branch) blocks too and must still mark it picked; a
		 * release then ends in BLOCKED, not pickable again. */
		call->not_pickable = reason;
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	return rc;
}

void gcp_ring_forget(gcp_ring_t *ring, gcp_call_t *call)
{
	unsigned bucket;

	if(!ring || !call)
		return;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	call_unlink(ring, bucket, call);
	unlock_slot(ring, group_lock_of(ring, bucket));
}

void gcp_ring_detach(gcp_ring_t *ring, gcp_call_t *call)
{
	if(!ring || !call)
		return;
	gcp_ring_forget(ring, call);
	gcp_ring__unindex(ring, call);
	gcp_ring_unref(ring, call);
}

/* RINGING -> CLAIMED for c, with one reference for the claimer; caller
 * holds the group lock */
static void claim_locked(gcp_ring_t *ring, gcp_call_t *c)
{
	pk_remove(ring, c);
	c->state = GCP_CALL_CLAIMED;
	c->was_claimed = 1;
	if(c->attempts < 255)
		c->attempts++;
	__atomic_add_fetch(&c->refcnt, 1, __ATOMIC_RELAXED);
}

gcp_call_t *gcp_ring_claim(gcp_ring_t *ring, const char *group, size_t len)
{
	unsigned bucket;
	gcp_group_t *g;
	gcp_call_t *c = NULL;

	if(!ring || !group || len == 0 || len > GCP_RING_MAX_NUMBER)
		return NULL;
	bucket = group_bucket(ring, group, len);
	lock_slot(ring, group_lock_of(ring, bucket));
	g = group_find(ring, bucket, group, len);
	if(g && g->pk_head) {
		c = g->pk_head;
		claim_locked(ring, c);
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	return c;
}

gcp_call_t *gcp_ring_claim_callee(gcp_ring_t *ring, const char *group,
		size_t len, const char *callee, size_t clen)
{
	unsigned bucket;
	gcp_group_t *g;
	gcp_call_t *c = NULL;

	if(!ring || !group || len == 0 || len > GCP_RING_MAX_NUMBER || !callee
			|| clen == 0)
		return NULL;
	bucket = group_bucket(ring, group, len);
	lock_slot(ring, group_lock_of(ring, bucket));
	g = group_find(ring, bucket, group, len);
	/* the pickable list is in ringing order: the first match is the
	 * member's oldest */
	for(c = g ? g->pk_head : NULL; c; c = c->pk_next)
		if(c->len[GCP_F_CALLEE] == clen
				&& memcmp(c->data + c->off[GCP_F_CALLEE], callee, clen) == 0)
			break;
	if(c)
		claim_locked(ring, c);
	unlock_slot(ring, group_lock_of(ring, bucket));
	return c;
}

int gcp_ring_claim_dialog(gcp_ring_t *ring, const char *callid, size_t cidlen,
		const char *tag1, size_t len1, const char *tag2, size_t len2,
		gcp_call_t **out)
{
	unsigned bucket;
	gcp_call_t *c;
	int rc = 0;

	*out = NULL;
	if(!ring || !callid || cidlen == 0 || cidlen > GCP_RING_MAX_CALLID)
		return -1;
	c = gcp_ring__cid_find(ring, callid, cidlen, tag1, len1, tag2, len2);
	if(!c)
		return -1;
	/* one lock at a time: the state is decided under the group lock
	 * (forgotten calls stay in the index until their transaction goes:
	 * a Replaces for a call just picked up or ended is a call we know) */
	bucket = call_bucket(ring, c);
	lock_slot(ring, group_lock_of(ring, bucket));
	if(c->linked && c->state == GCP_CALL_RINGING) {
		claim_locked(ring, c);
		rc = 1;
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	if(rc == 1)
		*out = c;
	gcp_ring_unref(ring, c); /* the lookup's reference */
	return rc;
}

int gcp_ring_oldest_ms(
		gcp_ring_t *ring, const char *group, size_t len, uint64_t *ms)
{
	unsigned bucket;
	gcp_group_t *g;
	int rc = 0;

	if(!ring || !group || len == 0 || len > GCP_RING_MAX_NUMBER)
		return 0;
	bucket = group_bucket(ring, group, len);
	lock_slot(ring, group_lock_of(ring, bucket));
	g = group_find(ring, bucket, group, len);
	if(g && g->pk_head) {
		*ms = g->pk_head->ringing_ms;
		rc = 1;
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	return rc;
}

gcp_call_t *gcp_ring_claim_older(
		gcp_ring_t *ring, const char *group, size_t len, uint64_t max_ms)
{
	unsigned bucket;
	gcp_group_t *g;
	gcp_call_t *c = NULL;

	if(!ring || !group || len == 0 || len > GCP_RING_MAX_NUMBER)
		return NULL;
	bucket = group_bucket(ring, group, len);
	lock_slot(ring, group_lock_of(ring, bucket));
	g = group_find(ring, bucket, group, len);
	if(g && g->pk_head && g->pk_head->ringing_ms <= max_ms) {
		c = g->pk_head;
		claim_locked(ring, c);
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	return c;
}

int gcp_ring_release(gcp_ring_t *ring, gcp_call_t *call)
{
	unsigned bucket;
	gcp_call_t *at;
	int rc = 0;

	if(!ring || !call)
		return 0;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	if(call->linked && call->state == GCP_CALL_CLAIMED && call->not_pickable) {
		call->state = GCP_CALL_BLOCKED; /* blocked while claimed */
	} else if(call->linked && call->state == GCP_CALL_CLAIMED) {
		/* before any call with the same or a later ringing time: it was
		 * the head when claimed, so it nearly always goes back there */
		at = call->grp->pk_head;
		while(at && at->ringing_ms < call->ringing_ms)
			at = at->pk_next;
		call->state = GCP_CALL_RINGING;
		pk_insert_before(ring, call->grp, call, at);
		rc = 1;
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	return rc;
}

void gcp_ring_set_flags(gcp_ring_t *ring, gcp_call_t *call, int flags)
{
	unsigned bucket;

	if(!ring || !call)
		return;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	call->flags |= flags;
	unlock_slot(ring, group_lock_of(ring, bucket));
}

int gcp_ring_flags(gcp_ring_t *ring, gcp_call_t *call)
{
	unsigned bucket;
	int flags;

	if(!ring || !call)
		return 0;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	flags = call->flags;
	unlock_slot(ring, group_lock_of(ring, bucket));
	return flags;
}

int gcp_ring_mark_picked(gcp_ring_t *ring, gcp_call_t *call)
{
	unsigned bucket;
	int rc = 0;

	if(!ring || !call)
		return 0;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	if(call->state == GCP_CALL_CLAIMED) {
		call->state = GCP_CALL_PICKED;
		rc = 1;
	}
	unlock_slot(ring, group_lock_of(ring, bucket));
	return rc;
}

void gcp_ring_ref(gcp_ring_t *ring, gcp_call_t *call)
{
	(void)ring;
	if(call)
		__atomic_add_fetch(&call->refcnt, 1, __ATOMIC_RELAXED);
}

void gcp_ring_unref(gcp_ring_t *ring, gcp_call_t *call)
{
	if(!ring || !call)
		return;
	/* acq_rel: every write by other holders happens before the free */
	if(__atomic_sub_fetch(&call->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		ring->env.release(call);
}

int gcp_ring_state(gcp_ring_t *ring, gcp_call_t *call)
{
	unsigned bucket;
	int st;

	if(!ring || !call)
		return GCP_CALL_ENDED;
	bucket = call_bucket(ring, call);
	lock_slot(ring, group_lock_of(ring, bucket));
	st = call->state;
	unlock_slot(ring, group_lock_of(ring, bucket));
	return st;
}

unsigned gcp_ring_expire(gcp_ring_t *ring, uint64_t now_ms, uint64_t max_age_ms)
{
	unsigned n = 0;

	/* an empty table needs no walk over its buckets (once a second) */
	if(!ring || __atomic_load_n(&ring->count, __ATOMIC_RELAXED) == 0)
		return 0;
	/* one lock at a time, with all the buckets it guards */
	for(unsigned i = 0; i < ring->nslots; i++) {
		lock_slot(ring, i);
		for(unsigned b = i; b < ring->nbuckets; b += ring->nslots) {
			gcp_group_t *g = ring->groups[b];
			while(g) {
				gcp_group_t *gn = g->next; /* g may go with its last call */
				gcp_call_t *c = g->all_head;
				/* tracked order: stop at the first young call; a claimed
				 * one stays for its pickup to end */
				while(c && now_ms > c->tracked_ms
						&& now_ms - c->tracked_ms > max_age_ms) {
					gcp_call_t *cn = c->all_next;
					if(c->state != GCP_CALL_CLAIMED) {
						call_unlink(ring, b, c);
						n++;
					}
					c = cn;
				}
				g = gn;
			}
		}
		unlock_slot(ring, i);
	}
	return n;
}

/* one group's calls, oldest first; returns non-zero when told to stop */
static int visit_group(gcp_group_t *g, gcp_ring_visit_f visit, void *arg)
{
	for(gcp_call_t *c = g->all_head; c; c = c->all_next)
		if(visit(c, arg))
			return 1;
	return 0;
}

void gcp_ring_foreach(gcp_ring_t *ring, const char *group, size_t len,
		gcp_ring_visit_f visit, void *arg)
{
	int stop = 0;

	if(!ring || !visit)
		return;
	if(group) {
		unsigned bucket = group_bucket(ring, group, len);
		lock_slot(ring, group_lock_of(ring, bucket));
		gcp_group_t *g = group_find(ring, bucket, group, len);
		if(g)
			visit_group(g, visit, arg);
		unlock_slot(ring, group_lock_of(ring, bucket));
		return;
	}
	for(unsigned i = 0; i < ring->nslots && !stop; i++) {
		lock_slot(ring, i);
		for(unsigned b = i; b < ring->nbuckets && !stop; b += ring->nslots)
			for(gcp_group_t *g = ring->groups[b]; g && !stop; g = g->next)
				stop = visit_group(g, visit, arg);
		unlock_slot(ring, i);
	}
}

unsigned gcp_ring_count(gcp_ring_t *ring)
{
	return ring ? __atomic_load_n(&ring->count, __ATOMIC_RELAXED) : 0;
}

unsigned gcp_ring_pickable(gcp_ring_t *ring)
{
	return ring ? __atomic_load_n(&ring->npickable, __ATOMIC_RELAXED) : 0;
}
