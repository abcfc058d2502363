/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* The arguments of an RPC command (see gcp_rpc_args.h). */

#include <string.h>

#include "gcp_rpc_args.h"

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
