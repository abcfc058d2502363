/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The group lists of the model (other-group pickup, see gcp_model.h): set,
 * add (the file's rule: a group listed once) and find, with every rule of
 * a list. The range rules that keep listed groups in a range are in
 * gcp_model.c, with the other range rules.
 */

#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "gcp_model.h"

static size_t list_pos(const gcp_cfg_t *cfg, const char *group, int *found)
{
	return gcp_cfg_sorted_pos(cfg->lists, cfg->nlists, sizeof(gcp_group_list_t),
			offsetof(gcp_group_list_t, group), group, found);
}

const gcp_group_list_t *gcp_cfg_find_list(
		const gcp_cfg_t *cfg, const char *group)
{
	int found;
	size_t i;

	if(!cfg || !group)
		return NULL;
	i = list_pos(cfg, group, &found);
	return found ? &cfg->lists[i] : NULL;
}

/* a group number in a range: 0, or -1 and err naming what */
static int group_check(const gcp_cfg_t *cfg, const char *what, const char *g,
		char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];

	if(!g || !gcp_number_valid(g, strlen(g)))
		return gcp_fail(err, errlen,
				"%s \"%s\" is not a number (" GCP_NUMBER_RULE ")", what,
				gcp_show(b, g));
	if(!gcp_cfg_range_of(cfg, g, strlen(g)))
		return gcp_fail(err, errlen, "%s %s lies in no range", what, g);
	return 0;
}

/* every rule of a list; *bad the index of the number that broke one, or
 * -1 */
static int list_check(const gcp_cfg_t *cfg, const char *group,
		const char *const *also, size_t nalso, long *bad, char *err,
		size_t errlen)
{
	char what[GCP_MAX_NUMBER + 32];
	size_t i, j;

	*bad = -1;
	if(group_check(cfg, "group", group, err, errlen) < 0)
		return -1;
	if(nalso > 0 && !also)
		return gcp_fail(err, errlen, "group %s: no list", group);
	for(i = 0; i < nalso; i++) {
		*bad = (long)i;
		if(i >= GCP_MAX_ALSO)
			return gcp_fail(err, errlen,
					"group %s lists more than %d groups (the limit)", group,
					GCP_MAX_ALSO);
		snprintf(what, sizeof(what), "group %s: listed group", group);
		if(group_check(cfg, what, also[i], err, errlen) < 0)
			return -1;
		if(strcmp(also[i], group) == 0)
			return gcp_fail(err, errlen, "group %s cannot list itself", group);
		for(j = 0; j < i; j++)
			if(strcmp(also[j], also[i]) == 0)
				return gcp_fail(err, errlen, "group %s lists group %s twice",
						group, also[i]);
	}
	*bad = -1;
	return 0;
}

/* a new list record (all strings copied), or -1 on out of memory */
static int list_fill(gcp_group_list_t *l, const char *group,
		const char *const *also, size_t nalso)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->group = strdup(group);
	l->also = gcp_cfg_alloc_arr(nalso, sizeof(char *));
	if(!l->group || !l->also)
		goto oom;
	for(i = 0; i < nalso; i++) {
		l->also[i] = strdup(also[i]);
		if(!l->also[i])
			goto oom;
		l->nalso++;
	}
	return 0;
oom:
	gcp_cfg_list_clear(l);
	memset(l, 0, sizeof(*l));
	return -1;
}

static int list_set(gcp_cfg_t *cfg, const char *group, const char *const *also,
		size_t nalso, int add, long *bad, char *err, size_t errlen)
{
	gcp_group_list_t l, *cur;
	long bad_ = -1;
	size_t pos;
	int found;

	if(!bad)
		bad = &bad_;
	*bad = -1;
	if(!cfg)
		return gcp_fail(err, errlen, "no configuration");
	pos = list_pos(cfg, group ? group : "", &found);
	if(add && found)
		return gcp_fail(err, errlen,
				"group %s has a list already (one <group> element per group)",
				group);
	if(list_check(cfg, group, also, nalso, bad, err, errlen) < 0)
		return -1;
	if(add && nalso == 0)
		return gcp_fail(err, errlen,
				"group %s lists no group (an <also group=\"...\"/> at least)",
				group);
	if(nalso == 0) {
		if(!found)
			return 0;
		gcp_cfg_list_clear(&cfg->lists[pos]);
		memmove(&cfg->lists[pos], &cfg->lists[pos + 1],
				(cfg->nlists - pos - 1) * sizeof(gcp_group_list_t));
		cfg->nlists--;
		return 0;
	}
	if(list_fill(&l, group, also, nalso) < 0)
		return gcp_fail(err, errlen, "group %s: out of memory", group);
	if(found) {
		cur = &cfg->lists[pos];
		gcp_cfg_list_clear(cur);
		*cur = l;
		return 0;
	}
	if(gcp_cfg_arr_insert(
			   (void **)&cfg->lists, &cfg->nlists, pos, &l, sizeof(l))
			< 0) {
		gcp_cfg_list_clear(&l);
		return gcp_fail(err, errlen, "group %s: out of memory", group);
	}
	return 0;
}

int gcp_cfg_group_set(gcp_cfg_t *cfg, const char *group,
		const char *const *also, size_t nalso, long *bad, char *err,
		size_t errlen)
{
	return list_set(cfg, group, also, nalso, 0, bad, err, errlen);
}

int gcp_cfg_group_add(gcp_cfg_t *cfg, const char *group,
		const char *const *also, size_t nalso, long *bad, char *err,
		size_t errlen)
{
	return list_set(cfg, group, also, nalso, 1, bad, err, errlen);
}
