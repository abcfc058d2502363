/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The arguments of an RPC command, shared by the command files
 * (gcp_rpc.c, gcp_rpc_io.c). kamcmd sends arguments that look like
 * numbers as integers: every argument is scanned with autoconversion back
 * to text. No state: the arguments live in the caller's struct.
 */

#ifndef _GCP_RPC_ARGS_H_
#define _GCP_RPC_ARGS_H_

#include "../../core/str.h"
#include "../../core/rpc.h"

#include "gcp_limits.h"

typedef struct gcp_rpc_args
{
	int n;
	char v[GCP_RPC_MAX_ARGS][GCP_RPC_ARG_MAX + 1];
} gcp_rpc_args_t;

/* All arguments as NUL-terminated text, between min and max of them; on a
 * wrong count or type: a fault (400) naming the usage, and -1. */
int gcp_rpc_args(rpc_t *rpc, void *ctx, const char *usage, int min, int max,
		gcp_rpc_args_t *a);

#endif
