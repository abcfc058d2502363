/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* The gcp.group.* RPC commands (gcp_rpc_group.c) */

#ifndef _GCP_RPC_GROUP_H_
#define _GCP_RPC_GROUP_H_

/* registers them; once, from mod_init (through gcp_rpc_init) */
int gcp_rpc_group_init(void);

#endif
