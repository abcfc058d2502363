/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The ring table: tracked calls per pickup group, in shared memory.
 * Pure C, no Kamailio headers: memory and locks come from the environment
 * given to gcp_ring_create() (shm_malloc and a lock set in the module,
 * malloc and pthread mutexes in the unit tests).
 *
 * Per group two lists: every live call in the order it was tracked, and the
 * pickable calls in the order they started ringing, so a claim takes the
 * head of the second one: track, ringing, claim, release and forget are
 * O(1) (release re-inserts by ringing time, starting from the head, where a
 * released call nearly always belongs). A second hash, on the transaction
 * (tindex, tlabel), finds a call from tm; a third, on the Call-ID, finds
 * the call a Replaces header names.
 *
 * Buckets and locks: each hash has gcp_ring_buckets(nslots, max_calls)
 * buckets (about four calls per bucket at max_calls), so chains stay short
 * whatever the number of locks. 2 * nslots locks: lock i < nslots guards
 * the group buckets b with b % nslots == i, lock nslots + i the
 * transaction-index and the Call-ID-index buckets likewise. No function
 * ever holds two locks at once.
 *
 * References: the transaction that tracked a call owns one (handed out by
 * gcp_ring_track(), returned by gcp_ring_detach()); every claim and find
 * takes one more, returned with gcp_ring_unref(). The call's memory is
 * freed with its last reference. List and index membership hold none: they
 * always end before the owner's reference does.
 */

#ifndef _GCP_RING_H_
#define _GCP_RING_H_

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "gcp_limits.h"

/* longest strings stored; a longer one makes gcp_ring_track() refuse */
#define GCP_RING_MAX_NUMBER GCP_MAX_NUMBER
#define GCP_RING_MAX_USER GCP_MAX_USER
#define GCP_RING_MAX_URI GCP_MAX_URI
#define GCP_RING_MAX_CALLID GCP_MAX_CALLID
#define GCP_RING_MAX_TAG GCP_MAX_TAG

/* most other branches whose To tag a call keeps (forked calls) */
#define GCP_RING_MAX_FORKS GCP_MAX_FORKS

/* most buckets per hash (two hashes of pointers: 1 MiB on 64 bits) */
#define GCP_RING_MAX_BUCKETS GCP_MAX_BUCKETS

/* return codes */
#define GCP_RING_OK 0
#define GCP_RING_E_NOMEM -1
#define GCP_RING_E_FULL -2	   /* max_calls reached */
#define GCP_RING_E_TOO_LONG -3 /* a string over its limit */
#define GCP_RING_E_INVAL -4	   /* missing group, callid, ... */

/* call states */
enum gcp_call_state
{
	GCP_CALL_TRACKED = 0, /* tracked, no 18x with To tag yet */
	GCP_CALL_RINGING,	  /* ringing and pickable */
	GCP_CALL_BLOCKED,	  /* ringing or not, but may not be picked */
	GCP_CALL_CLAIMED,	  /* a pickup holds it */
	GCP_CALL_PICKED,	  /* picked up (final) */
	GCP_CALL_ENDED		  /* forgotten: final reply, CANCEL, expiry */
};

/* string fields of a call */
enum gcp_call_field
{
	GCP_F_GROUP = 0,
	GCP_F_CALLEE,	   /* member user */
	GCP_F_CALLER,	   /* From URI */
	GCP_F_CALLID,	   /* Call-ID */
	GCP_F_FROM_TAG,	   /* the caller's From tag */
	GCP_F_CONTACT,	   /* the caller's Contact URI (may be empty) */
	GCP_F_CONTACT_DST, /* where that Contact is reached (its source address
						* behind NAT), empty when the Contact itself is */
	GCP_F_TO_TAG,	   /* the callee's To tag, set by gcp_ring_ringing() */
	GCP_F_COUNT
};

typedef struct gcp_ring_env
{
	void *(*alloc)(size_t size);
	void (*release)(void *p);
	void (*lock)(void *ctx, unsigned idx);
	void (*unlock)(void *ctx, unsigned idx);
	void *lock_ctx; /* 2 * nslots locks, indexes 0 .. 2 * nslots - 1 */
} gcp_ring_env_t;

typedef struct gcp_ring gcp_ring_t;
struct gcp_group;
struct gcp_fork; /* the To tag of another ringing branch (private) */

enum
{
	GCP_IX_TID = 0,
	GCP_IX_CID = 1
};

typedef struct gcp_call
{
	/* private links: all calls of the group, pickable calls of the group,
	 * and the index buckets: ix[GCP_IX_TID], the transaction index, and
	 * ix[GCP_IX_CID], the Call-ID index (gcp_ring_index.c) */
	struct gcp_call *all_prev, *all_next;
	struct gcp_call *pk_prev, *pk_next;
	struct
	{
		struct gcp_call *prev, *next;
	} ix[2];
	struct gcp_group *grp;
	int refcnt;
	unsigned char state;	  /* enum gcp_call_state */
	unsigned char linked;	  /* in the group lists */
	unsigned char indexed[2]; /* in ix[GCP_IX_TID], ix[GCP_IX_CID] */
	unsigned char was_claimed;
	int not_pickable;		/* reason code given by the tracker; 0 = pickable */
	int flags;				/* the tracker's own flags, stored as given */
	int tag_branch;			/* the branch GCP_F_TO_TAG came from; -1: none */
	struct gcp_fork *forks; /* other ringing branches' To tags */
	unsigned char attempts; /* claims so far, saturating at 255 */
	/* the pickup layer's current pickup of this call: owned and guarded
	 * by that layer (its lock), never touched by the ring */
	void *pickup;
	unsigned char pickup_watch; /* that layer's tm callbacks are on the
								 * call's transaction (under its lock) */
	unsigned tindex, tlabel;
	uint64_t tracked_ms, ringing_ms;
	uint16_t off[GCP_F_COUNT];
	uint16_t len[GCP_F_COUNT];
	char data[]; /* the strings, each NUL-terminated; To tag space last */
} gcp_call_t;

static inline const char *gcp_call_field(
		const gcp_call_t *c, int field, size_t *len)
{
	if(len)
		*len = c->len[field];
	return c->data + c->off[field];
}

/* a call's Call-ID as the two arguments of a "%.*s" (log lines) */
#define GCP_CALLID_ARGS(call) \
	(int)(call)->len[GCP_F_CALLID], gcp_call_field((call), GCP_F_CALLID, NULL)

typedef struct gcp_call_info
{
	const char *s[GCP_F_COUNT]; /* GCP_F_TO_TAG is ignored here */
	size_t len[GCP_F_COUNT];
	unsigned tindex, tlabel;
	int has_tid; /* tindex/tlabel are known: index the call at once */
	int not_pickable;
	int flags;
} gcp_call_info_t;

/* Buckets per hash for nslots locks and max_calls: a multiple of nslots,
 * about max_calls / 4 (16,384 for no limit), at most GCP_RING_MAX_BUCKETS
 * unless nslots is larger. */
unsigned gcp_ring_buckets(unsigned nslots, unsigned max_calls);

/* nslots: number of locks per hash, 1 .. GCP_RING_MAX_BUCKETS, a power of
 * two is not required; max_calls: 0 = no limit */
gcp_ring_t *gcp_ring_create(
		const gcp_ring_env_t *env, unsigned nslots, unsigned max_calls);
void gcp_ring_destroy(gcp_ring_t *ring);

/* Track a new call (state TRACKED, or BLOCKED when info->not_pickable).
 * GCP_RING_OK and the owner's reference in *out, or a GCP_RING_E_* code. */
int gcp_ring_track(gcp_ring_t *ring, const gcp_call_info_t *info,
		uint64_t now_ms, gcp_call_t **out);

/* A 18x with this To tag from branch 0: gcp_ring_branch_ringing(). */
int gcp_ring_ringing(gcp_ring_t *ring, gcp_call_t *call, const char *to_tag,
		size_t len, uint64_t now_ms);

/* A 18x with this To tag from a branch of the call's transaction. The
 * first one: TRACKED -> RINGING, appended to the group's pickable list,
 * the tag stored as the call's (GCP_F_TO_TAG). Later ones from other
 * branches (a forked call) are kept aside, up to GCP_RING_MAX_FORKS, so
 * that the call's tag can follow a branch that still rings when its own
 * one ends (gcp_ring_branch_ended()). Returns 1 when the call became
 * pickable now, 0 otherwise, and GCP_RING_E_TOO_LONG when the first tag is
 * too long (the call is then BLOCKED; a later long tag is ignored). */
int gcp_ring_branch_ringing(gcp_ring_t *ring, gcp_call_t *call, int branch,
		const char *to_tag, size_t len, uint64_t now_ms);

/* A branch of the call's transaction ended (a final reply): its To tag
 * names no early dialog any more. When it was the call's tag, the tag of
 * another ringing branch takes its place, or the call keeps no tag
 * (length 0) until a branch rings again. Returns 1 when the call's tag
 * changed. */
int gcp_ring_branch_ended(gcp_ring_t *ring, gcp_call_t *call, int branch);

/* The call's To tag copied under its lock into buf (NUL-terminated; it
 * can change while the call rings). Returns its length, 0 when the call
 * has none, -1 when buf is too small. */
int gcp_ring_to_tag(gcp_ring_t *ring, gcp_call_t *call, char *buf, size_t size);

/* Block a live call with a reason (e.g. answered): leaves the pickable
 * list. Returns 1 if it was pickable. */
int gcp_ring_block(gcp_ring_t *ring, gcp_call_t *call, int reason);

/* The call stops being tracked: out of the group lists; state ENDED,
 * except PICKED, which stays. Idempotent. */
void gcp_ring_forget(gcp_ring_t *ring, gcp_call_t *call);

/* The owner is gone: forget, leave the transaction index, drop the
 * owner's reference (the call may be freed here). */
void gcp_ring_detach(gcp_ring_t *ring, gcp_call_t *call);

/* Claim the pickable call of the group that has been ringing the longest:
 * RINGING -> CLAIMED, with one reference for the claimer, attempts
 * counted; NULL when none. */
gcp_call_t *gcp_ring_claim(gcp_ring_t *ring, const char *group, size_t len);

/* Claim the pickable call of the group ringing the longest at one
 * member (directed pickup): as gcp_ring_claim(), for the calls whose
 * callee is callee[0..clen). */
gcp_call_t *gcp_ring_claim_callee(gcp_ring_t *ring, const char *group,
		size_t len, const char *callee, size_t clen);

/* Claim the call a Replaces header names: its Call-ID, and one of the two
 * tags given (either may be empty: phones put the caller's From tag in
 * either position) equal to the call's From tag. Returns 1 with the
 * claim's reference in *out; 0 when that call is tracked but cannot be
 * claimed now (not ringing yet, blocked, claimed, picked, or ended while
 * its transaction is still there); -1 when no tracked call has that
 * Call-ID and tag. */
int gcp_ring_claim_dialog(gcp_ring_t *ring, const char *callid, size_t cidlen,
		const char *tag1, size_t len1, const char *tag2, size_t len2,
		gcp_call_t **out);

/* For a claim across groups (gcp_ring_multi.h): the ringing time of the
 * group's oldest pickable call, read under its lock: 1 and *ms, or 0 when
 * the group has none. */
int gcp_ring_oldest_ms(
		gcp_ring_t *ring, const char *group, size_t len, uint64_t *ms);

/* As gcp_ring_claim(), but only when the group's oldest pickable call
 * started ringing at or before max_ms; NULL otherwise (none, or only
 * younger ones: the one seen was claimed meanwhile). */
gcp_call_t *gcp_ring_claim_older(
		gcp_ring_t *ring, const char *group, size_t len, uint64_t max_ms);

/* Give a claim back: CLAIMED -> RINGING, in ringing-time order, when the
 * call is still linked. Returns 1 when pickable again, else 0. The
 * claimer's reference is kept (unref it separately). */
int gcp_ring_release(gcp_ring_t *ring, gcp_call_t *call);

/* Add flags to the call's flags; read them (both under its lock). */
void gcp_ring_set_flags(gcp_ring_t *ring, gcp_call_t *call, int flags);
int gcp_ring_flags(gcp_ring_t *ring, gcp_call_t *call);

/* CLAIMED -> PICKED; returns 1 on this transition, else 0. */
int gcp_ring_mark_picked(gcp_ring_t *ring, gcp_call_t *call);

/* Enter the call in the transaction index under (tindex, tlabel), when
 * the transaction became known only after gcp_ring_track(); no-op when
 * already indexed. */
void gcp_ring_index(
		gcp_ring_t *ring, gcp_call_t *call, unsigned tindex, unsigned tlabel);

/* The call of a transaction, with one more reference; NULL when none. */
gcp_call_t *gcp_ring_find(gcp_ring_t *ring, unsigned tindex, unsigned tlabel);

void gcp_ring_ref(gcp_ring_t *ring, gcp_call_t *call);
void gcp_ring_unref(gcp_ring_t *ring, gcp_call_t *call);

/* state read under the call's lock */
int gcp_ring_state(gcp_ring_t *ring, gcp_call_t *call);

/* Forget the calls tracked more than max_age_ms before now_ms, except
 * claimed ones (a pickup in flight decides their fate; an old call whose
 * pickup fails goes at the next walk); returns how many. */
unsigned gcp_ring_expire(
		gcp_ring_t *ring, uint64_t now_ms, uint64_t max_age_ms);

/* Visit the linked calls of one group (group != NULL) or of all groups,
 * each group's calls oldest (tracked) first. Runs under the group's lock:
 * the visitor must be quick and call no gcp_ring_* function. A non-zero
 * return from the visitor stops the walk. */
typedef int (*gcp_ring_visit_f)(const gcp_call_t *call, void *arg);
void gcp_ring_foreach(gcp_ring_t *ring, const char *group, size_t len,
		gcp_ring_visit_f visit, void *arg);

/* the ring table's clock: monotonic milliseconds (every process reads the
 * same clock) */
static inline uint64_t gcp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* counters (approximate while others change the table) */
unsigned gcp_ring_count(gcp_ring_t *ring);	  /* linked calls */
unsigned gcp_ring_pickable(gcp_ring_t *ring); /* pickable now */
/* The first string of info over its limit (a GCP_F_* index, the limit in
 * *limit), or -1 when none is: what made gcp_ring_track() refuse with
 * GCP_RING_E_TOO_LONG. */
int gcp_ring_too_long(const gcp_call_info_t *info, size_t *limit);
/* bytes allocated for one call with these strings */
size_t gcp_ring_call_size(const gcp_call_info_t *info);

#endif
