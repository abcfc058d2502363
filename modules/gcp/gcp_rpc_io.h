/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

#ifndef _GCP_RPC_IO_H_
#define _GCP_RPC_IO_H_

/* registers gcp.import and gcp.export (mod_init) */
int gcp_rpc_io_init(void);

#endif
