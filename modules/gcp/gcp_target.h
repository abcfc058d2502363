/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * What a pickup INVITE asks for, and whether its sender may have it: a
 * group's oldest call (the group number), a named member's (the directed
 * feature code, or the cfg's gcp_pickup_directed()), or exactly the call a
 * Replaces header names (a desk phone's BLF key). Reads the message and
 * the configuration in force; claims nothing.
 */

#ifndef _GCP_TARGET_H_
#define _GCP_TARGET_H_

#include "../../core/str.h"
#include "../../core/parser/msg_parser.h"

#include "gcp_limits.h"
#include "gcp_sip.h"

/* the kinds of pickup ($gcp(kind), the per-kind statistics) */
#define GCP_KIND_GROUP 1
#define GCP_KIND_OTHER_GROUP 2
#define GCP_KIND_DIRECTED 3
#define GCP_KIND_REPLACES 4

/* directed_scope */
#define GCP_SCOPE_ANY 0
#define GCP_SCOPE_GROUP 1

typedef struct gcp_target
{
	int kind;
	str group;		   /* the group number; directed: the member's group */
	str member;		   /* directed: the member (points into the message or the
				 * cfg's argument) */
	gcp_replaces_t rp; /* replaces: points into the message */
	char group_buf[GCP_MAX_NUMBER + 1];
	/* group: the groups it lists (other-group pickup), in list order, as
	 * the configuration in force had them when the target was read */
	size_t nalso;
	char also[GCP_MAX_ALSO][GCP_MAX_NUMBER + 1];
} gcp_target_t;

/* "group", "other-group", "directed", "replaces" */
const char *gcp_kind_name(int kind);

/* What an initial INVITE asks for: a Replaces header (whatever the R-URI),
 * else a group number, else directed_prefix + a user. 1 with *t filled;
 * -2 nothing of ours (also a Replaces that is not ours to judge here:
 * see gcp_target_replaces_known()); -3 a directed pickup of no member;
 * -1 a malformed Replaces header, or two (RFC 3891: 400), logged. */
int gcp_target_of(struct sip_msg *msg, gcp_target_t *t);

/* A directed pickup of the member the cfg names: 1, or -3 when user is no
 * member. */
int gcp_target_member(str *user, gcp_target_t *t);

/* 1 when the sender of msg may pick up t: a local user (the credentials
 * the cfg checked, else, unless require_auth, a From URI of our domains
 * and ports) and, for a directed pickup with directed_scope "group", a
 * member of the same group or of a group that lists the member's group
 * (other-group pickup). */
int gcp_target_allowed(struct sip_msg *msg, gcp_target_t *t);

#endif
