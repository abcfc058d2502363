/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* The RPC commands' arguments and their change path (see gcp_rpc_change.h). */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/rpc.h"

#include "gcp_store.h"
#include "gcp_dmq_cfg.h"
#include "gcp_env.h"
#include "gcp_rpc_change.h"

/* ---- arguments ---- */

int gcp_rpc_args(rpc_t *rpc, void *ctx, const char *usage, int min, int max,
		gcp_rpc_args_t *a)
{
	str s;
	int r;

	a->n = 0;
	for(;;) {
		s.s = NULL;
		s.len = 0;
		r = rpc->scan(ctx, "*.S", &s);
		if(r < 1)
			break;
		if(a->n >= max || a->n >= GCP_RPC_MAX_ARGS) {
			rpc->fault(ctx, 400, "too many arguments (usage: %s)", usage);
			return -1;
		}
		if(s.len < 0 || (s.len > 0 && s.s == NULL)) {
			rpc->fault(ctx, 400, "argument %d is not valid (usage: %s)",
					a->n + 1, usage);
			return -1;
		}
		if(s.len > GCP_RPC_ARG_MAX) {
			rpc->fault(ctx, 400,
					"argument %d is longer than %d characters (usage: %s)",
					a->n + 1, GCP_RPC_ARG_MAX, usage);
			return -1;
		}
		if(s.len > 0 && memchr(s.s, '\0', s.len) != NULL) {
			rpc->fault(ctx, 400,
					"argument %d contains a NUL character (usage: %s)",
					a->n + 1, usage);
			return -1;
		}
		if(s.len > 0)
			memcpy(a->v[a->n], s.s, s.len);
		a->v[a->n][s.len] = '\0';
		a->n++;
	}
	if(r < 0) {
		rpc->fault(ctx, 400,
				"argument %d is neither text nor a number (usage: %s)",
				a->n + 1, usage);
		return -1;
	}
	if(a->n < min) {
		rpc->fault(ctx, 400, "missing argument%s (usage: %s)",
				min - a->n > 1 ? "s" : "", usage);
		return -1;
	}
	return 0;
}

/* ---- the change path ---- */

/* a change and its arguments in the log: "cmd arg ..." */
#define GCP_RPC_CHANGE_FMT "%s%s%s%s%s%s%s%s%s"
#define GCP_RPC_CHANGE_ARGS(cmd, a)                             \
	(cmd), (a)->n > 0 ? " " : "", (a)->n > 0 ? (a)->v[0] : "",  \
			(a)->n > 1 ? " " : "", (a)->n > 1 ? (a)->v[1] : "", \
			(a)->n > 2 ? " " : "", (a)->n > 2 ? (a)->v[2] : "", \
			(a)->n > 3 ? " " : "", (a)->n > 3 ? (a)->v[3] : ""

gcp_cfg_t *gcp_rpc_change(rpc_t *rpc, void *ctx, const char *cmd,
		const gcp_rpc_args_t *a, gcp_rpc_change_f change, void *data)
{
	char err[GCP_ERR_LEN];
	gcp_cfg_t *cfg;
	int ret;

	err[0] = '\0';
	gcp_store_writer_lock();
	cfg = gcp_store_get();
	if(cfg == NULL) {
		gcp_store_writer_unlock();
		rpc->fault(ctx, 500, "out of memory");
		return NULL;
	}
	if(change(cfg, a, data, err, sizeof(err)) < 0) {
		gcp_store_writer_unlock();
		gcp_cfg_free(cfg);
		rpc->fault(ctx, 400, "%s", err[0] ? err : "refused");
		return NULL;
	}
	ret = gcp_store_commit(cfg, 1, err, sizeof(err));
	if(ret < 0 && ret != GCP_SAVE_NOT_DURABLE) {
		gcp_store_writer_unlock();
		gcp_cfg_free(cfg);
		/* not confirmed: not in force, and maybe in the database */
		LM_ERR("%s: %s: %s\n", cmd,
				ret == GCP_SAVE_UNCERTAIN ? "not in force"
										  : "not saved, nothing changed",
				err);
		rpc->fault(ctx, 500, "%s: %s",
				ret == GCP_SAVE_UNCERTAIN ? "not in force"
										  : "not saved, nothing changed",
				err);
		return NULL;
	}
	if(gcp_prm.dmq)
		gcp_dmq_cfg_changed(cmd, a, cfg); /* to every node of the cluster */
	gcp_store_writer_unlock();
	if(ret == GCP_SAVE_NOT_DURABLE) {
		/* the file is replaced and the change in force (the two agree),
		 * but a crash may still bring the old file back: not acknowledged
		 * as done */
		gcp_cfg_free(cfg);
		LM_ERR(GCP_RPC_CHANGE_FMT ": in force: %s\n",
				GCP_RPC_CHANGE_ARGS(cmd, a), err);
		rpc->fault(ctx, 500, "in force: %s", err);
		return NULL;
	}
	/* an audit trail of every change in force */
	LM_NOTICE(GCP_RPC_CHANGE_FMT ": saved to %s and in force\n",
			GCP_RPC_CHANGE_ARGS(cmd, a), gcp_store_where());
	return cfg;
}
