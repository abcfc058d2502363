/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The configuration model: pickup-group ranges, members and their personal
 * contacts, and every rule they obey. Pure C, no Kamailio headers, so the
 * unit tests and fuzzers use it directly.
 *
 * The bottom room of the configuration: gcp_xml.h (the XML file, one
 * storage room; a database would be another beside it) and gcp_snap.h (the
 * shared-memory snapshot) build on this header, and this file calls neither.
 *
 * gcp_cfg_t is a mutable model on the C heap (malloc), owned by whoever
 * created it (gcp_cfg_new(), a load, a thaw) and freed with gcp_cfg_free().
 * No locking: a model belongs to one thread at a time; the module changes a
 * private copy and puts it in force as a whole (gcp_store.h).
 *
 * Invariants of every model the gcp_cfg_* functions leave: ranges sorted by
 * name, members sorted by user (binary searches); no two ranges of the same
 * prefix and length overlap; every member's group lies in a range and no
 * member is a group number; every string is a valid one of its kind within
 * the limits below. Every function that can refuse fills err (when not
 * NULL) with one line that names the rule broken, and leaves the model
 * exactly as it was.
 */

#ifndef _GCP_MODEL_H_
#define _GCP_MODEL_H_

#include <stddef.h>

#include "gcp_limits.h"

#define GCP_ERR_LEN 512


typedef struct gcp_range
{
	char *name;
	char *first;
	char *last;
	char *pool; /* NULL when not given */
} gcp_range_t;

typedef struct gcp_member
{
	char *user;
	char *group;
	char **personal; /* npersonal strings, in insertion order */
	size_t npersonal;
} gcp_member_t;

typedef struct gcp_cfg
{
	gcp_range_t *ranges; /* kept sorted by name */
	size_t nranges;
	gcp_member_t *members; /* kept sorted by user */
	size_t nmembers;
} gcp_cfg_t;

gcp_cfg_t *gcp_cfg_new(void);
void gcp_cfg_free(gcp_cfg_t *cfg);

/* 1 when s[0..len) is a number: digits, optionally led by one '*' or '#',
 * at least one digit, at most GCP_MAX_NUMBER characters */
int gcp_number_valid(const char *s, size_t len);

/* The directed-pickup code (directed_prefix): ranges with numbers that
 * start with it are refused from then on (file and RPC). Once, before
 * any configuration is read; not thread-safe. */
void gcp_cfg_set_reserved_prefix(const char *prefix, size_t len);

/* Changes. 0 done, -1 refused (err says why; cfg unchanged). */
int gcp_cfg_range_add(gcp_cfg_t *cfg, const char *name, const char *first,
		const char *last, const char *pool, char *err, size_t errlen);
int gcp_cfg_range_update(gcp_cfg_t *cfg, const char *name, const char *first,
		const char *last, const char *pool, char *err, size_t errlen);
int gcp_cfg_range_remove(
		gcp_cfg_t *cfg, const char *name, char *err, size_t errlen);
/* a user already in another group moves to this one */
int gcp_cfg_member_set(gcp_cfg_t *cfg, const char *user, const char *group,
		char *err, size_t errlen);
/* as gcp_cfg_member_set, but a user already a member is refused (a file
 * that lists a user twice) */
int gcp_cfg_member_add(gcp_cfg_t *cfg, const char *user, const char *group,
		char *err, size_t errlen);
int gcp_cfg_member_remove(
		gcp_cfg_t *cfg, const char *user, char *err, size_t errlen);
int gcp_cfg_personal_add(gcp_cfg_t *cfg, const char *user, const char *contact,
		char *err, size_t errlen);
int gcp_cfg_personal_remove(gcp_cfg_t *cfg, const char *user,
		const char *contact, char *err, size_t errlen);

/* Queries on the model (NULL when absent); the result points into cfg and
 * lives until its next change. */
const gcp_range_t *gcp_cfg_find_range(const gcp_cfg_t *cfg, const char *name);
const gcp_member_t *gcp_cfg_find_member(const gcp_cfg_t *cfg, const char *user);
/* the range holding number s[0..len), or NULL */
const gcp_range_t *gcp_cfg_range_of(
		const gcp_cfg_t *cfg, const char *s, size_t len);

/* ---- for the rooms above the model (gcp_xml.c, gcp_snap.c) only ---- */

/* err = the formatted message, control characters made spaces (one line);
 * returns -1, so that "return gcp_fail(...)" refuses */
int gcp_fail(char *err, size_t errlen, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

/* Untrusted input in a message: printable ASCII, others as \xNN, cut at
 * GCP_SHOW_MAX characters, so that the message stays one short line. buf
 * holds GCP_SHOW_SIZE bytes; returns buf. */
#define GCP_SHOW_MAX 40
#define GCP_SHOW_SIZE (GCP_SHOW_MAX * 4 + 8)
const char *gcp_show(char *buf, const char *s);

/* the prefix of a number: '*', '#' or 0 */
static inline char gcp_num_prefix(const char *s)
{
	return (s[0] == '*' || s[0] == '#') ? s[0] : 0;
}

/* A personal contact taken apart; every pointer points into the string
 * parsed, which must outlive it. */
typedef struct gcp_contact
{
	int uri;
	const char *scheme; /* uri only */
	size_t slen;
	const char *user; /* bare: the whole contact */
	size_t ulen;
	const char *host; /* uri only, [..] kept, port excluded */
	size_t hlen;
	const char *port;
	size_t plen;
} gcp_contact_t;

/* NULL when s is a valid personal contact (c filled), else why not */
const char *gcp_contact_parse(const char *s, gcp_contact_t *c);

/* A model array of n elements of sz bytes, zeroed, with the capacity the
 * gcp_cfg_* functions expect (NULL when n is 0 or out of memory): the only
 * way for another file to fill a gcp_cfg_t's arrays. */
void *gcp_cfg_alloc_arr(size_t n, size_t sz);

#endif
