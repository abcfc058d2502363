/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The configuration in force: one snapshot (gcp_snap.h) in shm, read by
 * every SIP worker under a short lock, replaced as a whole by a change.
 * It is kept in one of two rooms, chosen at start-up: the XML file
 * (config_file, gcp_xml.h) or the database (db_url, gcp_db.h); a change
 * is written there before it is put in force. SIP workers only ever read
 * the snapshot: no request waits on the file or the database.
 */

#ifndef _GCP_STORE_H_
#define _GCP_STORE_H_

#include "../../core/str.h"
#include "gcp_model.h"
#include "gcp_xml.h"

/* exactly one of path (the XML file) and db_url is given; the
 * configuration is read from it: 0, or -1 (logged: Kamailio does not
 * start) */
int gcp_store_init(const char *path, const char *db_url);
void gcp_store_destroy(void);

/* 1 and the member's group copied to group (NUL-terminated), 0 when the
 * user is in no group */
int gcp_store_member_group(str *user, char *group, size_t size);
int gcp_store_is_group(str *number);
/* the groups that group lists (other-group pickup), in list order, copied
 * into out[0..max); returns how many (0: it has no list) */
size_t gcp_store_group_also(
		str *group, char (*out)[GCP_MAX_NUMBER + 1], size_t max);
int gcp_store_is_personal(str *member, str *from_user, str *from_host);

/* A copy of the model in force (malloc'd; gcp_cfg_free() it), NULL on
 * out of memory. */
gcp_cfg_t *gcp_store_get(void);

/* Serialize changes: lock, change a gcp_store_get() copy, gcp_store_commit
 * it, unlock. */
void gcp_store_writer_lock(void);
void gcp_store_writer_unlock(void);

/* the database did not confirm the commit: cfg is not in force, and the
 * tables may hold it or not (the next change rewrites them all) */
#define GCP_SAVE_UNCERTAIN (-3)

/* Save cfg (when save is set: the file rewritten, or in the database the
 * rows that differ from the configuration in force, in one transaction)
 * and put it in force. 0 done, -1 refused or failed (err says why;
 * nothing changed), GCP_SAVE_NOT_DURABLE: the file was replaced and cfg is
 * in force, but the fsync of the folder failed (err says so), a crash may
 * bring the old file back; or GCP_SAVE_UNCERTAIN. */
int gcp_store_commit(const gcp_cfg_t *cfg, int save, char *err, size_t errlen);

/* Replace the whole configuration by cfg (gcp.import): the file
 * rewritten, or every row of the tables, in one transaction; then in
 * force. Returns as gcp_store_commit. */
int gcp_store_replace(const gcp_cfg_t *cfg, char *err, size_t errlen);

/* the file or the database could not be read (missing, unreachable):
 * nothing reloaded */
#define GCP_RELOAD_UNREADABLE (-2)

/* re-read the file or the tables; -1 and err when they are invalid,
 * GCP_RELOAD_UNREADABLE and err when they cannot be read (nothing
 * changed either way) */
int gcp_store_reload(char *err, size_t errlen);

/* the number of ranges and members in force */
void gcp_store_counts(size_t *nranges, size_t *nmembers);

/* where the configuration is kept, for messages: the file's path or
 * db_url without its password */
const char *gcp_store_where(void);
/* 1 with db_url */
int gcp_store_is_db(void);

#endif
