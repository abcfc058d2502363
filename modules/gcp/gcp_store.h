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
 */

#ifndef _GCP_STORE_H_
#define _GCP_STORE_H_

#include "../../core/str.h"
#include "gcp_model.h"
#include "gcp_xml.h"

int gcp_store_init(const char *path);
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

/* Save cfg to the file (when save is set) and put it in force. 0 done,
 * -1 refused or failed (err says why; nothing changed), or
 * GCP_SAVE_NOT_DURABLE: the file was replaced and cfg is in force, but the
 * fsync of the folder failed (err says so), a crash may bring the old file
 * back. */
int gcp_store_commit(const gcp_cfg_t *cfg, int save, char *err, size_t errlen);

/* re-read the file; -1 and err when it is invalid or missing (nothing
 * changed) */
int gcp_store_reload(char *err, size_t errlen);

/* the number of ranges and members in force */
void gcp_store_counts(size_t *nranges, size_t *nmembers);

const char *gcp_store_path(void);

#endif
