/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The snapshot: a model (gcp_model.h) frozen into one position-independent
 * memory block (offsets, no pointers) that the module copies into shared
 * memory as it is, so every SIP worker reads the same configuration with
 * binary searches. Pure C, no Kamailio headers, so the unit tests and
 * fuzzers use it directly.
 *
 * Ownership and locking: the caller allocates the block and owns it; this
 * file never allocates or frees one (but gcp_cfg_clone, which uses a
 * temporary block of its own). A built block is only ever read, so any
 * number of processes may look it up at once; replacing the block in force
 * is gcp_store.c's business, under its lock. The lookups check the block's
 * magic and answer "absent" (0, NULL) for a NULL or foreign block.
 */

#ifndef _GCP_SNAP_H_
#define _GCP_SNAP_H_

#include <stddef.h>

#include "gcp_model.h"

/* Snapshot: gcp_snap_size() bytes, filled by gcp_snap_build() into a buffer
 * aligned to 8. The block holds no pointers: it can be copied anywhere. */
size_t gcp_snap_size(const gcp_cfg_t *cfg);
void gcp_snap_build(const gcp_cfg_t *cfg, void *buf);
/* back to a model (for changes at run time); NULL on out of memory */
gcp_cfg_t *gcp_snap_thaw(const void *snap);

/* A copy of cfg (build and thaw: one copy path to get right); NULL on out
 * of memory or when cfg is NULL. */
gcp_cfg_t *gcp_cfg_clone(const gcp_cfg_t *cfg);

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
/* The groups that group[0..len) lists (other-group pickup), in list
 * order, copied NUL-terminated into out[0..max); returns how many (0: it
 * has no list). */
size_t gcp_snap_group_also(const void *snap, const char *group, size_t len,
		char (*out)[GCP_MAX_NUMBER + 1], size_t max);
/* counts, for statistics and RPC */
size_t gcp_snap_nranges(const void *snap);
size_t gcp_snap_nmembers(const void *snap);
size_t gcp_snap_nlists(const void *snap);

#endif
