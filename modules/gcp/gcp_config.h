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
 * contacts. Pure C plus libxml2, no Kamailio headers, so the unit tests use
 * it directly.
 *
 * Two forms:
 * - gcp_cfg_t, a mutable model on the C heap (malloc), loaded from XML,
 *   changed by the gcp_cfg_* functions and saved back to XML;
 * - a "snapshot", one position-independent memory block (offsets, no
 *   pointers) that the module copies into shared memory as it is, so every
 *   SIP worker reads the same configuration with binary searches.
 *
 * Every function that can refuse fills err (when not NULL) with one line
 * that names the rule broken, and leaves the model exactly as it was.
 */

#ifndef _GCP_CONFIG_H_
#define _GCP_CONFIG_H_

#include <stddef.h>

#define GCP_ERR_LEN 512

/* limits: anything longer is refused with an error naming the limit */
#define GCP_MAX_NAME 64		 /* range name and pool */
#define GCP_MAX_NUMBER 32	 /* a number, prefix included */
#define GCP_MAX_USER 64		 /* member user part */
#define GCP_MAX_CONTACT 256	 /* a personal contact */
#define GCP_MAX_PERSONAL 200 /* personal contacts per member */
#define GCP_MAX_FILE_SIZE (16 * 1024 * 1024)

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
gcp_cfg_t *gcp_cfg_clone(const gcp_cfg_t *cfg);

/* 1 when s[0..len) is a number: digits, optionally led by one '*' or '#',
 * at least one digit, at most GCP_MAX_NUMBER characters */
int gcp_number_valid(const char *s, size_t len);

/* XML in memory; name is used in error messages ("name:line: rule").
 * Returns 0 and a new model in *out, or -1 and err. */
int gcp_cfg_parse(const char *buf, size_t len, const char *name,
		gcp_cfg_t **out, char *err, size_t errlen);

/* A file; a missing file gives an empty model and *missing = 1. */
int gcp_cfg_load_file(const char *path, gcp_cfg_t **out, int *missing,
		char *err, size_t errlen);

/* The model as XML (malloc'd, NUL-terminated; *len without the NUL). */
char *gcp_cfg_to_xml(const gcp_cfg_t *cfg, size_t *len);

/* Atomic save: a new temporary file "<path>.XXXXXX" in the same folder
 * (O_EXCL, random suffix), fsync, rename over path, fsync the folder. A
 * crash at any moment leaves the old or the new file. A new file is 0600; a
 * replaced one keeps its mode, and its owner and group as far as the
 * process may give them (see keep_attrs in gcp_config.c).
 * Returns 0 (on disk), -1 and err (path untouched, no temporary file left)
 * or GCP_SAVE_NOT_DURABLE and err: path was replaced but the fsync of the
 * folder failed, so a crash may still bring the old file back. */
#define GCP_SAVE_NOT_DURABLE (-2)
int gcp_cfg_save_file(
		const gcp_cfg_t *cfg, const char *path, char *err, size_t errlen);

/* For the unit tests only (the module never calls it): replaces the fsync(2)
 * of the folder after the rename by f, to make it fail; NULL restores
 * fsync(2). Not thread-safe: set it before any save. */
void gcp_cfg_set_dir_fsync(int (*f)(int fd));

/* Changes. 0 done, -1 refused (err says why; cfg unchanged). */
int gcp_cfg_range_add(gcp_cfg_t *cfg, const char *name, const char *first,
		const char *last, const char *pool, char *err, size_t errlen);
int gcp_cfg_range_update(gcp_cfg_t *cfg, const char *name, const char *first,
		const char *last, const char *pool, char *err, size_t errlen);
int gcp_cfg_range_remove(
		gcp_cfg_t *cfg, const char *name, char *err, size_t errlen);
int gcp_cfg_member_set(gcp_cfg_t *cfg, const char *user, const char *group,
		char *err, size_t errlen);
int gcp_cfg_member_remove(
		gcp_cfg_t *cfg, const char *user, char *err, size_t errlen);
int gcp_cfg_personal_add(gcp_cfg_t *cfg, const char *user, const char *contact,
		char *err, size_t errlen);
int gcp_cfg_personal_remove(gcp_cfg_t *cfg, const char *user,
		const char *contact, char *err, size_t errlen);

/* Queries on the model (NULL when absent). */
const gcp_range_t *gcp_cfg_find_range(const gcp_cfg_t *cfg, const char *name);
const gcp_member_t *gcp_cfg_find_member(const gcp_cfg_t *cfg, const char *user);
/* the range holding number s[0..len), or NULL */
const gcp_range_t *gcp_cfg_range_of(
		const gcp_cfg_t *cfg, const char *s, size_t len);

/* Snapshot: gcp_snap_size() bytes, filled by gcp_snap_build() into a buffer
 * aligned to 8. The block holds no pointers: it can be copied anywhere. */
size_t gcp_snap_size(const gcp_cfg_t *cfg);
void gcp_snap_build(const gcp_cfg_t *cfg, void *buf);
/* back to a model (for changes at run time); NULL on out of memory */
gcp_cfg_t *gcp_snap_thaw(const void *snap);

/* Lookups on a snapshot; strings are (pointer, length), not NUL-terminated. */
/* 1 and the member's group in *group / *glen (pointing into snap), or 0 */
int gcp_snap_member_group(const void *snap, const char *user, size_t ulen,
		const char **group, size_t *glen);
/* 1 when the number lies in a range, else 0 */
int gcp_snap_is_group(const void *snap, const char *num, size_t len);
/* 1 when the caller (From URI user and host) is one of the member's
 * personal contacts: a bare contact matches the user part exactly, a
 * "sip:user@host" contact matches user exactly and host case-insensitively */
int gcp_snap_is_personal(const void *snap, const char *user, size_t ulen,
		const char *from_user, size_t fulen, const char *from_host,
		size_t fhlen);
/* counts, for statistics and RPC */
size_t gcp_snap_nranges(const void *snap);
size_t gcp_snap_nmembers(const void *snap);

#endif
