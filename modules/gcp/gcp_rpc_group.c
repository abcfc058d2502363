/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * RPC commands of the groups (gcp.group.*): a group's list of other groups
 * (other-group pickup), a group's range, members and lists. Changes go the
 * one change path of gcp_rpc_change.h, with its faults: 400 for a bad or
 * missing argument or a refused change (the model's rule), 404 for a group
 * number in no range, 500 when nothing could be saved.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/rpc.h"
#include "../../core/rpc_lookup.h"

#include "gcp_store.h"
#include "gcp_rpc_change.h"
#include "gcp_rpc_group.h"

#define GCP_GROUP_SET_USAGE "gcp.group.set number [also1,also2,...]"
#define GCP_GROUP_GET_USAGE "gcp.group.get number"
#define GCP_GROUP_LIST_USAGE "gcp.group.list"

/* ---- replies ---- */

/* the members of a group, by user (cfg->members is sorted by user) */
static int gcp_rpc_group_members(
		rpc_t *rpc, void *th, const gcp_cfg_t *cfg, const char *g)
{
	void *ah;
	size_t i;

	if(rpc->struct_add(th, "[", "members", &ah) < 0)
		return -1;
	for(i = 0; i < cfg->nmembers; i++)
		if(strcmp(cfg->members[i].group, g) == 0
				&& rpc->array_add(ah, "s", cfg->members[i].user) < 0)
			return -1;
	return 0;
}

/* {number, range, members: [user, ...], also: [group, ...], listed_by:
 * [group, ...]} */
static int gcp_rpc_group_add(
		rpc_t *rpc, void *ctx, const gcp_cfg_t *cfg, const char *g)
{
	const gcp_group_list_t *l = gcp_cfg_find_list(cfg, g);
	const gcp_range_t *r = gcp_cfg_range_of(cfg, g, strlen(g));
	void *th, *ah;
	size_t i, j;

	if(rpc->add(ctx, "{", &th) < 0
			|| rpc->struct_add(th, "ss", "number", g, "range", r ? r->name : "")
					   < 0
			|| gcp_rpc_group_members(rpc, th, cfg, g) < 0
			|| rpc->struct_add(th, "[", "also", &ah) < 0)
		return -1;
	for(i = 0; l && i < l->nalso; i++)
		if(rpc->array_add(ah, "s", l->also[i]) < 0)
			return -1;
	if(rpc->struct_add(th, "[", "listed_by", &ah) < 0)
		return -1;
	for(i = 0; i < cfg->nlists; i++)
		for(j = 0; j < cfg->lists[i].nalso; j++)
			if(strcmp(cfg->lists[i].also[j], g) == 0
					&& rpc->array_add(ah, "s", cfg->lists[i].group) < 0)
				return -1;
	return 0;
}

/* ---- gcp.group.set ---- */

static const char *gcp_rpc_group_set_doc[] = {
		"Set the list of other groups whose calls a group's pickups take "
		"when nothing of its own can be picked up: number [also1,also2,...] "
		"(comma-separated, in priority order, at most 10; no list, or an "
		"empty one, clears it). Each listed group lies in a range, is not "
		"the group itself and is listed once. Saved to config_file, then in "
		"force. Returns the group, as gcp.group.get.",
		0};

typedef struct gcp_rpc_list
{
	size_t n;
	/* one more than the limit, so that the model names the limit */
	char v[GCP_MAX_ALSO + 1][GCP_RPC_ARG_MAX + 1];
	const char *p[GCP_MAX_ALSO + 1];
} gcp_rpc_list_t;

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "a, b,c" into l (blanks around items dropped); "" and blanks only: no
 * list. -1 and a fault for an empty item. */
static int gcp_rpc_list_parse(
		rpc_t *rpc, void *ctx, const char *s, gcp_rpc_list_t *l)
{
	const char *b, *e, *end;
	size_t item = 0, len;

	l->n = 0;
	for(b = s; is_blank(*b); b++)
		;
	if(*b == '\0')
		return 0;
	for(;;) {
		item++;
		end = strchr(b, ',');
		if(!end)
			end = b + strlen(b);
		for(; b < end && is_blank(*b); b++)
			;
		for(e = end; e > b && is_blank(e[-1]); e--)
			;
		len = (size_t)(e - b);
		if(len == 0) {
			rpc->fault(ctx, 400, "item %zu of the list is empty (usage: %s)",
					item, GCP_GROUP_SET_USAGE);
			return -1;
		}
		if(l->n <= GCP_MAX_ALSO) {
			memcpy(l->v[l->n], b, len);
			l->v[l->n][len] = '\0';
			l->p[l->n] = l->v[l->n];
			l->n++;
		}
		if(*end == '\0')
			return 0;
		b = end + 1;
	}
}

static int gcp_rpc_group_set_f(gcp_cfg_t *cfg, const gcp_rpc_args_t *a,
		void *data, char *err, size_t errlen)
{
	gcp_rpc_list_t *l = data;

	return gcp_cfg_group_set(cfg, a->v[0], l->p, l->n, NULL, err, errlen);
}

static void gcp_rpc_group_set(rpc_t *rpc, void *ctx)
{
	gcp_rpc_list_t *l;
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;

	if(gcp_rpc_args(rpc, ctx, GCP_GROUP_SET_USAGE, 1, 2, &a) < 0)
		return;
	/* the C heap: 5 kB is much for a pkg stack frame */
	l = malloc(sizeof(*l));
	if(l == NULL) {
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	l->n = 0;
	if(a.n > 1 && gcp_rpc_list_parse(rpc, ctx, a.v[1], l) < 0) {
		free(l);
		return;
	}
	cfg = gcp_rpc_change(rpc, ctx, "gcp.group.set", &a, gcp_rpc_group_set_f, l);
	free(l);
	if(cfg == NULL)
		return;
	if(gcp_rpc_group_add(rpc, ctx, cfg, a.v[0]) < 0)
		rpc->fault(ctx, 500, "done, but the reply could not be built");
	gcp_cfg_free(cfg);
}

/* ---- gcp.group.get ---- */

static const char *gcp_rpc_group_get_doc[] = {
		"A group: number. Returns number, range, members (their users), also "
		"(the groups whose calls its pickups take when nothing of its own "
		"can be picked up, in order) and listed_by (the groups that list "
		"it).",
		0};

static void gcp_rpc_group_get(rpc_t *rpc, void *ctx)
{
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;

	if(gcp_rpc_args(rpc, ctx, GCP_GROUP_GET_USAGE, 1, 1, &a) < 0)
		return;
	if(!gcp_number_valid(a.v[0], strlen(a.v[0]))) {
		rpc->fault(ctx, 400,
				"group \"%s\" is not a number (digits, optionally led by "
				"one '*' or '#')",
				a.v[0]);
		return;
	}
	cfg = gcp_store_get();
	if(cfg == NULL) {
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	if(gcp_cfg_range_of(cfg, a.v[0], strlen(a.v[0])) == NULL)
		rpc->fault(ctx, 404, "group %s lies in no range", a.v[0]);
	else if(gcp_rpc_group_add(rpc, ctx, cfg, a.v[0]) < 0)
		rpc->fault(ctx, 500, "the reply could not be built");
	gcp_cfg_free(cfg);
}

/* ---- gcp.group.list ---- */

static const char *gcp_rpc_group_list_doc[] = {
		"Every group that has members or a list of other groups, by number "
		"(prefix, length, digits): number, range, members (how many; "
		"gcp.group.get lists them) and also (its list, in order).",
		0};

typedef struct gcp_rpc_grp
{
	const char *number; /* points into the model */
	size_t members;
} gcp_rpc_grp_t;

/* numbers as a dial plan orders them: prefix, length, then digits */
static int gcp_rpc_grp_cmp(const void *a, const void *b)
{
	const char *x = ((const gcp_rpc_grp_t *)a)->number;
	const char *y = ((const gcp_rpc_grp_t *)b)->number;
	size_t lx = strlen(x), ly = strlen(y);

	if(gcp_num_prefix(x) != gcp_num_prefix(y))
		return gcp_num_prefix(x) < gcp_num_prefix(y) ? -1 : 1;
	if(lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x, y);
}

static void gcp_rpc_group_list(rpc_t *rpc, void *ctx)
{
	const gcp_group_list_t *l;
	gcp_rpc_grp_t *v;
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;
	size_t i, j, n = 0, k;
	void *th, *ah;

	if(gcp_rpc_args(rpc, ctx, GCP_GROUP_LIST_USAGE, 0, 0, &a) < 0)
		return;
	cfg = gcp_store_get();
	v = cfg ? malloc((cfg->nmembers + cfg->nlists + 1) * sizeof(*v)) : NULL;
	if(v == NULL) {
		gcp_cfg_free(cfg);
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	/* every member's group counts one, every list's group none: sorted,
	 * equal numbers are then neighbours to merge */
	for(i = 0; i < cfg->nmembers; i++) {
		v[n].number = cfg->members[i].group;
		v[n++].members = 1;
	}
	for(i = 0; i < cfg->nlists; i++) {
		v[n].number = cfg->lists[i].group;
		v[n++].members = 0;
	}
	if(n > 0)
		qsort(v, n, sizeof(*v), gcp_rpc_grp_cmp);
	for(i = 0, k = 0; i < n; i++) {
		if(k > 0 && strcmp(v[k - 1].number, v[i].number) == 0)
			v[k - 1].members += v[i].members;
		else
			v[k++] = v[i];
	}
	for(i = 0; i < k; i++) {
		const gcp_range_t *r =
				gcp_cfg_range_of(cfg, v[i].number, strlen(v[i].number));
		l = gcp_cfg_find_list(cfg, v[i].number);
		if(rpc->add(ctx, "{", &th) < 0
				|| rpc->struct_add(th, "ssd", "number", v[i].number, "range",
						   r ? r->name : "", "members", (int)v[i].members)
						   < 0
				|| rpc->struct_add(th, "[", "also", &ah) < 0)
			goto too_large;
		for(j = 0; l && j < l->nalso; j++)
			if(rpc->array_add(ah, "s", l->also[j]) < 0)
				goto too_large;
	}
	free(v);
	gcp_cfg_free(cfg);
	return;
too_large:
	LM_ERR("gcp.group.list: the reply holds %zu of %zu groups\n", i, k);
	rpc->fault(ctx, 500, "the reply could not be built");
	free(v);
	gcp_cfg_free(cfg);
}

/* clang-format off */
static rpc_export_t gcp_rpc_group_cmds[] = {
	{"gcp.group.set", gcp_rpc_group_set, gcp_rpc_group_set_doc, 0},
	{"gcp.group.get", gcp_rpc_group_get, gcp_rpc_group_get_doc, 0},
	{"gcp.group.list", gcp_rpc_group_list, gcp_rpc_group_list_doc,
		RET_ARRAY},
	{0, 0, 0, 0}
};
/* clang-format on */

int gcp_rpc_group_init(void)
{
	if(rpc_register_array(gcp_rpc_group_cmds) != 0) {
		LM_ERR("cannot register the gcp.group.* RPC commands\n");
		return -1;
	}
	return 0;
}
