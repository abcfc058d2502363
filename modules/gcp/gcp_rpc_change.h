/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * What every RPC command file shares (gcp_rpc.c, gcp_rpc_group.c): the
 * arguments as text, and the one change path. A change runs under the
 * store's writer lock on a private copy of the model in force, by the same
 * gcp_cfg_* function that checks the file; it is saved atomically to
 * config_file and only then put in force. A refused change writes nothing
 * and changes nothing (fault 400 with the model's rule); failures to save
 * or allocate are 500; a file replaced whose folder then fails to fsync is
 * in force but answered 500 (it may not be durable).
 */

#ifndef _GCP_RPC_CHANGE_H_
#define _GCP_RPC_CHANGE_H_

#include "../../core/rpc.h"

#include "gcp_limits.h"
#include "gcp_model.h"

typedef struct gcp_rpc_args
{
	int n;
	char v[GCP_RPC_MAX_ARGS][GCP_RPC_ARG_MAX + 1];
} gcp_rpc_args_t;

/* All arguments as NUL-terminated text, between min and max of them; on a
 * wrong count or type: a fault naming the usage, and -1. */
int gcp_rpc_args(rpc_t *rpc, void *ctx, const char *usage, int min, int max,
		gcp_rpc_args_t *a);

/* applies one change to cfg: 0, or -1 and err (cfg unchanged) */
typedef int (*gcp_rpc_change_f)(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen);

/* Validate, save, put in force, all under the writer lock; logged. Returns
 * the changed model (the caller replies from it and frees it), or NULL
 * after a fault. */
gcp_cfg_t *gcp_rpc_change(rpc_t *rpc, void *ctx, const char *cmd,
		const gcp_rpc_args_t *a, gcp_rpc_change_f change, void *data);

#endif
