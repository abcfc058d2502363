/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

#ifndef _GCP_RPC_H_
#define _GCP_RPC_H_

int gcp_rpc_init(void);

#endif
