/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The busy lamps: what gcp has published for each presentity (a member or
 * a group), in shared memory, and the rule that decides what to publish
 * next. Pure C, no Kamailio headers: memory and locks come from the
 * environment given to gcp_lamps_create() (as for the ring table).
 *
 * A lamp exists while its presentity has an early dialog published, or a
 * PUBLISH of it is in flight; a presentity without a lamp has nothing
 * live published (never, or "terminated" already).
 *
 * Locking: the caller takes the lock of the presentity's slot
 * (gcp_lamps_slot(), gcp_lamps_lock()) around every find, set and drop,
 * and holds it while it decides and publishes, so that what is published
 * for one presentity is decided and sent in order. Only this lock set is
 * held; the caller may read the ring table under it (ring locks are taken
 * after it, never before).
 *
 * Ownership: a gcp_lamp_t belongs to the table; a pointer from find is
 * valid until the slot's lock is released. Views borrow their strings.
 */

#ifndef _GCP_LAMP_H_
#define _GCP_LAMP_H_

#include <stddef.h>
#include <stdint.h>

#include "gcp_ring.h"

/* what a presentity is */
enum gcp_lamp_kind
{
	GCP_LAMP_MEMBER = 0, /* sip:<member user>@<domain> */
	GCP_LAMP_GROUP = 1	 /* sip:<group number>@<domain> */
};

/* the dialog a lamp shows: fields of one pickable call */
enum gcp_lamp_field
{
	GCP_LF_GROUP = 0, /* the call's group */
	GCP_LF_CALLEE,	  /* the member it rings at */
	GCP_LF_CALLID,
	GCP_LF_FROM_TAG, /* the caller's (remote-tag) */
	GCP_LF_TO_TAG,	 /* the member's (local-tag; may be empty) */
	GCP_LF_CALLER,	 /* the caller's URI */
	GCP_LF_CALLER_NAME,
	GCP_LF_DOMAIN, /* the presentity's domain */
	GCP_LF_COUNT
};

typedef struct gcp_lamp_view
{
	const char *s[GCP_LF_COUNT];
	size_t len[GCP_LF_COUNT];
} gcp_lamp_view_t;

typedef struct gcp_lamp
{
	struct gcp_lamp *next;	/* bucket chain */
	unsigned char kind;		/* enum gcp_lamp_kind */
	unsigned char shows;	/* an early dialog is published (the view) */
	unsigned char dirty;	/* changed while a PUBLISH was in flight */
	unsigned char removing; /* shows nothing: the publication's removal
							 * (Expires: 0) is in flight */
	uint64_t inflight_ms;	/* when the PUBLISH in flight left; 0: none */
	uint64_t shown_ms;		/* when the shown dialog was published */
	uint16_t keylen;
	uint16_t len[GCP_LF_COUNT];
	char *key;			   /* the user or group number (in data) */
	char *s[GCP_LF_COUNT]; /* the shown dialog's strings (in data) */
	char data[];
} gcp_lamp_t;

typedef struct gcp_lamps gcp_lamps_t;

/* nslots locks (env: alloc, release, lock, unlock, lock_ctx with nslots
 * locks; the observer fields are not used), nbuckets >= nslots buckets */
gcp_lamps_t *gcp_lamps_create(
		const gcp_ring_env_t *env, unsigned nslots, unsigned nbuckets);
void gcp_lamps_destroy(gcp_lamps_t *t);
unsigned gcp_lamps_nslots(const gcp_lamps_t *t);

/* the slot (lock index) of a presentity */
unsigned gcp_lamps_slot(
		const gcp_lamps_t *t, int kind, const char *key, size_t len);
void gcp_lamps_lock(gcp_lamps_t *t, unsigned slot);
void gcp_lamps_unlock(gcp_lamps_t *t, unsigned slot);

/* Under the slot's lock: */
/* the presentity's lamp, or NULL */
gcp_lamp_t *gcp_lamps_find(
		gcp_lamps_t *t, int kind, const char *key, size_t len);
/* The lamp now shows view (view NULL: nothing), a PUBLISH of it is in
 * flight since inflight_ms (0: none; also the lamp's shown_ms when it
 * shows view), not dirty; created when missing. Returns
 * the lamp, or NULL on out of memory (the old lamp, if any, is then kept
 * as it was). */
gcp_lamp_t *gcp_lamps_set(gcp_lamps_t *t, int kind, const char *key, size_t len,
		const gcp_lamp_view_t *view, uint64_t inflight_ms);
/* the lamp goes (nothing live published, nothing in flight) */
void gcp_lamps_drop(gcp_lamps_t *t, int kind, const char *key, size_t len);

/* The lamps of one slot: visit(kind, key, len, arg) for each, under the
 * slot's lock taken here (the visitor copies what it needs and calls
 * nothing of this table). */
void gcp_lamps_keys(gcp_lamps_t *t, unsigned slot,
		void (*visit)(int kind, const char *key, size_t len, void *arg),
		void *arg);
/* lamps in the table (approximate while others change it) */
unsigned gcp_lamps_count(const gcp_lamps_t *t);

/* The watch filter: which presentities may have watchers, so that a call
 * of a presentity nobody watches costs the lamps one bit test (no ring
 * lookup, no question to the presence server). Off, every presentity may
 * be watched; once gcp_lamps_filter_on() ran, only those marked may. A
 * mark is never cleared (a presentity once watched stays "may be"; the
 * presence server tells the rest). Keyed by the user or group number
 * alone, whatever the kind (a user that becomes a group keeps its mark).
 * Lock-free (atomic bits), any process; a mark made before a decision
 * under a lamp lock is seen by that decision. Turn it on before any lamp
 * exists: every lamp's presentity is then marked. */
#define GCP_LAMP_FILTER_BITS (1u << 17)
void gcp_lamps_filter_on(gcp_lamps_t *t);
int gcp_lamps_filtering(const gcp_lamps_t *t);
void gcp_lamps_mark_watched(gcp_lamps_t *t, const char *key, size_t len);
int gcp_lamps_may_be_watched(const gcp_lamps_t *t, const char *key, size_t len);

/* the lamp's shown dialog as a view (empty when it shows nothing) */
void gcp_lamp_view(const gcp_lamp_t *l, gcp_lamp_view_t *out);

/* What to publish, from what is shown (lamp, may be NULL) and what should
 * be (want: the presentity's oldest pickable call, NULL when none):
 * - GCP_LAMP_KEEP: nothing (the same dialog is shown, or nothing is and
 *   nothing should be, or nobody watches a presentity that shows nothing:
 *   watched 0);
 * - GCP_LAMP_WAIT: a PUBLISH is in flight (younger than stale_ms at
 *   now_ms): mark the lamp dirty and decide again when its reply comes;
 * - GCP_LAMP_SHOW: publish want early (replacing what is shown);
 * - GCP_LAMP_DARK: publish the shown dialog terminated. */
enum gcp_lamp_decision
{
	GCP_LAMP_KEEP = 0,
	GCP_LAMP_WAIT,
	GCP_LAMP_SHOW,
	GCP_LAMP_DARK
};
int gcp_lamp_decide(const gcp_lamp_t *lamp, const gcp_lamp_view_t *want,
		int watched, uint64_t now_ms, uint64_t stale_ms);

/* 1 when the lamp shows the same dialog as want: Call-ID, tags, caller
 * (URI and display name), callee and domain equal (the group is in no
 * document) */
int gcp_lamp_same(const gcp_lamp_t *lamp, const gcp_lamp_view_t *want);

/* The dialog's id attribute for a call, stable for it and the same in
 * its early and terminated documents: "gcp-" and 16 hex digits of a hash
 * of the Call-ID and the From tag. buf: at least GCP_LAMP_ID_SIZE bytes;
 * returns the length. */
#define GCP_LAMP_ID_SIZE 21
int gcp_lamp_dialog_id(const gcp_lamp_view_t *v, char *buf);

/* The publication id (pua's "id" of a presentity's one publication):
 * "gcp.m.<user>" or "gcp.g.<number>"; -1 when buf (size) is too small.
 * gcp_lamp_parse_pub_id() reads one back: 1 and kind/key, 0 when id is no
 * publication of gcp's. */
int gcp_lamp_pub_id(
		int kind, const char *key, size_t len, char *buf, size_t size);
int gcp_lamp_parse_pub_id(
		const char *id, size_t idlen, int *kind, const char **key, size_t *len);

#endif
