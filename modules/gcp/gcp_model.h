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
 * name, members sorted by user, group lists sorted by group (binary
 * searches); no two ranges of the same prefix and length overlap; every
 * member's group lies in a range and no member is a group number; every
 * group that has a list, and every group it lists, lies in a range; every
 * string is a valid one of its kind within the limits below. Every
 * function that can refuse fills err (when not NULL) with one line that
 * names the rule broken, and leaves the model exactly as it was.
 *
 * The group lists' changes are in gcp_model_group.c; the range rules that
 * protect them (a range removal or update that would leave a listed or
 * listing group in no range is refused) are here, with the other range
 * rules.
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

/* A group's list of other groups (other-group pickup, Cisco's associated
 * groups): when nothing of the group's own can be picked up, its pickups
 * take a call of a listed group (other_group_order says which). In the
 * file: <group number="7001"><also group="7002"/>...</group>.
 *
 * Kept simple on purpose, for every storage room alike: only groups with a
 * list have an entry, with 1 to GCP_MAX_ALSO numbers in list order (the
 * order of other_group_order "priority"); never the group itself, never
 * one number twice, every number in a range. As table rows (a database
 * room): one row per (group, position, also), position 0, 1, ... the list
 * order; a group with no rows has no list. Lists are one-way: 7001 listing
 * 7002 gives 7002's pickups nothing of 7001's, and lists do not chain
 * (7002's own list is not 7001's). */
typedef struct gcp_group_list
{
	char *group;
	char **also; /* nalso group numbers, in list order */
	size_t nalso;
} gcp_group_list_t;

typedef struct gcp_cfg
{
	gcp_range_t *ranges; /* kept sorted by name */
	size_t nranges;
	gcp_member_t *members; /* kept sorted by user */
	size_t nmembers;
	gcp_group_list_t *lists; /* kept sorted by group (strcmp) */
	size_t nlists;
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

/* Group lists (gcp_model_group.c). The list of group becomes also[0..nalso)
 * in that order; nalso 0 clears it (no list: nothing to clear is no
 * error). Refused: group not a number or in no range; more than
 * GCP_MAX_ALSO numbers; one that is not a number, lies in no range, is the
 * group itself or is listed twice. *bad (when not NULL) is then the index
 * of the number that broke the rule, or -1 for a rule of the group or the
 * list as a whole, so that a file names the right line. */
int gcp_cfg_group_set(gcp_cfg_t *cfg, const char *group,
		const char *const *also, size_t nalso, long *bad, char *err,
		size_t errlen);
/* as gcp_cfg_group_set, but a group that has a list already is refused (a
 * file that lists a group twice), and so is an empty list */
int gcp_cfg_group_add(gcp_cfg_t *cfg, const char *group,
		const char *const *also, size_t nalso, long *bad, char *err,
		size_t errlen);

/* Queries on the model (NULL when absent); the result points into cfg and
 * lives until its next change. */
const gcp_range_t *gcp_cfg_find_range(const gcp_cfg_t *cfg, const char *name);
const gcp_member_t *gcp_cfg_find_member(const gcp_cfg_t *cfg, const char *user);
/* the range holding number s[0..len), or NULL */
const gcp_range_t *gcp_cfg_range_of(
		const gcp_cfg_t *cfg, const char *s, size_t len);
/* the list of a group (NULL: it has none) */
const gcp_group_list_t *gcp_cfg_find_list(
		const gcp_cfg_t *cfg, const char *group);

/* ---- for the rooms above the model (gcp_xml.c, gcp_snap.c) and
 * gcp_model_group.c only ---- */

/* the rule of a number, for messages */
#define GCP_NUMBER_RULE                                            \
	"digits, optionally led by one '*' or '#', at most " GCP_XSTR( \
			GCP_MAX_NUMBER) " characters"

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

/* Inserts the element *elem of sz bytes into *arr (*n elements, allocated
 * by this file or gcp_cfg_alloc_arr) at pos, the others moved up, growing
 * the array as the gcp_cfg_* functions do; -1 on out of memory, the array
 * unchanged. */
int gcp_cfg_arr_insert(
		void **arr, size_t *n, size_t pos, const void *elem, size_t sz);

/* Binary search in records of sz bytes sorted by the string pointer at
 * key_off: the key's position, or where it would go (*found = 0). */
size_t gcp_cfg_sorted_pos(const void *base, size_t n, size_t sz, size_t key_off,
		const char *key, int *found);

/* frees what a group list holds (not the record itself) */
void gcp_cfg_list_clear(gcp_group_list_t *l);

#endif
