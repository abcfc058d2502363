/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The model as database rows (see gcp_rows.h): rows read checked by the
 * model's rules, and the row changes between two models.
 */

#include <stdlib.h>
#include <string.h>

#include "gcp_rows.h"

/* clang-format off */
const gcp_table_t gcp_tables[GCP_ROW_KINDS] = {
	[GCP_ROW_RANGE] = {"gcp_range", "name",
		{"first_number", "last_number", "pool", NULL}, NULL},
	[GCP_ROW_MEMBER] = {"gcp_member", "username",
		{"group_number", NULL}, NULL},
	[GCP_ROW_PERSONAL] = {"gcp_personal", "username",
		{"contact", NULL}, "pos"},
	[GCP_ROW_GROUP_LIST] = {"gcp_group_list", "group_number",
		{"also_number", NULL}, "pos"},
};
/* clang-format on */

/* ---------------------------------------------------------- rows read */

/* a column's value as a new NUL-terminated string: 0, or -1 and err */
static int val_str(gcp_val_t v, const char *col, int null_ok, char **out,
		char *err, size_t errlen)
{
	*out = NULL;
	if(v.s == NULL) {
		if(null_ok)
			return 0;
		return gcp_fail(err, errlen, "%s is NULL", col);
	}
	if(memchr(v.s, '\0', v.len) != NULL)
		return gcp_fail(err, errlen, "%s holds a NUL byte", col);
	*out = malloc(v.len + 1);
	if(*out == NULL)
		return gcp_fail(err, errlen, "out of memory");
	memcpy(*out, v.s, v.len);
	(*out)[v.len] = '\0';
	return 0;
}

/* err = "<table> id <id>: <e>"; returns -1 */
static int row_fail(
		gcp_row_kind_t k, long id, const char *e, char *err, size_t errlen)
{
	return gcp_fail(err, errlen, "%s id %ld: %s", gcp_tables[k].name, id, e);
}

int gcp_rows_add_range(gcp_cfg_t *cfg, long id, gcp_val_t name, gcp_val_t first,
		gcp_val_t last, gcp_val_t pool, char *err, size_t errlen)
{
	char e[GCP_ERR_LEN];
	char *n = NULL, *f = NULL, *l = NULL, *p = NULL;
	int rc;

	rc = val_str(name, "name", 0, &n, e, sizeof(e));
	if(rc == 0)
		rc = val_str(first, "first_number", 0, &f, e, sizeof(e));
	if(rc == 0)
		rc = val_str(last, "last_number", 0, &l, e, sizeof(e));
	if(rc == 0)
		rc = val_str(pool, "pool", 1, &p, e, sizeof(e));
	if(rc == 0)
		rc = gcp_cfg_range_add(
				cfg, n, f, l, (p && *p) ? p : NULL, e, sizeof(e));
	free(n);
	free(f);
	free(l);
	free(p);
	return rc < 0 ? row_fail(GCP_ROW_RANGE, id, e, err, errlen) : 0;
}

int gcp_rows_add_member(gcp_cfg_t *cfg, long id, gcp_val_t user,
		gcp_val_t group, char *err, size_t errlen)
{
	char e[GCP_ERR_LEN];
	char *u = NULL, *g = NULL;
	int rc;

	rc = val_str(user, "username", 0, &u, e, sizeof(e));
	if(rc == 0)
		rc = val_str(group, "group_number", 0, &g, e, sizeof(e));
	/* a user listed twice is refused, as in the file */
	if(rc == 0)
		rc = gcp_cfg_member_add(cfg, u, g, e, sizeof(e));
	free(u);
	free(g);
	return rc < 0 ? row_fail(GCP_ROW_MEMBER, id, e, err, errlen) : 0;
}

int gcp_rows_add_personal(gcp_cfg_t *cfg, long id, gcp_val_t user,
		gcp_val_t contact, char *err, size_t errlen)
{
	char e[GCP_ERR_LEN];
	char *u = NULL, *c = NULL;
	int rc;

	rc = val_str(user, "username", 0, &u, e, sizeof(e));
	if(rc == 0)
		rc = val_str(contact, "contact", 0, &c, e, sizeof(e));
	if(rc == 0)
		rc = gcp_cfg_personal_add(cfg, u, c, e, sizeof(e));
	free(u);
	free(c);
	return rc < 0 ? row_fail(GCP_ROW_PERSONAL, id, e, err, errlen) : 0;
}

/* ------------------------------------------------------ group lists */

typedef struct list_row
{
	long id, pos;
	char *group, *also;
} list_row_t;

struct gcp_rows_lists
{
	list_row_t *r;
	size_t n, cap;
};

gcp_rows_lists_t *gcp_rows_lists_new(void)
{
	return calloc(1, sizeof(gcp_rows_lists_t));
}

void gcp_rows_lists_free(gcp_rows_lists_t *l)
{
	size_t i;

	if(!l)
		return;
	for(i = 0; i < l->n; i++) {
		free(l->r[i].group);
		free(l->r[i].also);
	}
	free(l->r);
	free(l);
}

int gcp_rows_lists_row(gcp_rows_lists_t *l, long id, gcp_val_t group, long pos,
		gcp_val_t also, char *err, size_t errlen)
{
	char e[GCP_ERR_LEN];
	list_row_t r = {id, pos, NULL, NULL};
	list_row_t *p;
	int rc;

	rc = val_str(group, "group_number", 0, &r.group, e, sizeof(e));
	if(rc == 0)
		rc = val_str(also, "also_number", 0, &r.also, e, sizeof(e));
	if(rc == 0 && l->n == l->cap) {
		p = realloc(l->r, (l->cap ? 2 * l->cap : 16) * sizeof(*p));
		if(p == NULL)
			rc = gcp_fail(e, sizeof(e), "out of memory");
		else {
			l->r = p;
			l->cap = l->cap ? 2 * l->cap : 16;
		}
	}
	if(rc < 0) {
		free(r.group);
		free(r.also);
		return row_fail(GCP_ROW_GROUP_LIST, id, e, err, errlen);
	}
	l->r[l->n++] = r;
	return 0;
}

/* by group, then position (then id: a tie keeps the rows' order) */
static int list_row_cmp(const void *a, const void *b)
{
	const list_row_t *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	if(c)
		return c;
	if(x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

int gcp_rows_lists_add(
		gcp_rows_lists_t *l, gcp_cfg_t *cfg, char *err, size_t errlen)
{
	char e[GCP_ERR_LEN];
	const char **also;
	size_t i, j, k;
	long bad;
	int rc = 0;

	if(l->n == 0)
		return 0;
	qsort(l->r, l->n, sizeof(list_row_t), list_row_cmp);
	also = malloc(l->n * sizeof(char *));
	if(also == NULL)
		return gcp_fail(err, errlen, "out of memory");
	for(i = 0; rc == 0 && i < l->n; i = j) {
		for(j = i; j < l->n && strcmp(l->r[j].group, l->r[i].group) == 0; j++)
			also[j - i] = l->r[j].also;
		bad = -1;
		if(gcp_cfg_group_add(
				   cfg, l->r[i].group, also, j - i, &bad, e, sizeof(e))
				< 0) {
			k = (bad >= 0 && (size_t)bad < j - i) ? i + (size_t)bad : i;
			rc = row_fail(GCP_ROW_GROUP_LIST, l->r[k].id, e, err, errlen);
		}
	}
	free(also);
	return rc;
}

/* ------------------------------------------------------- row changes */

typedef struct emit
{
	gcp_row_f f;
	void *ctx;
	size_t n;
} emit_t;

static int op_del(emit_t *e, gcp_row_kind_t k, const char *key)
{
	gcp_row_op_t op;

	memset(&op, 0, sizeof(op));
	op.kind = k;
	op.key = key;
	e->n++;
	return e->f(e->ctx, &op);
}

static int op_ins(emit_t *e, gcp_row_kind_t k, const char *key, const char *v0,
		const char *v1, const char *v2, int pos)
{
	gcp_row_op_t op;

	memset(&op, 0, sizeof(op));
	op.kind = k;
	op.insert = 1;
	op.key = key;
	op.v[0] = v0;
	op.v[1] = v1;
	op.v[2] = v2;
	op.pos = pos;
	e->n++;
	return e->f(e->ctx, &op);
}

static int range_ins(emit_t *e, const gcp_range_t *r)
{
	return op_ins(e, GCP_ROW_RANGE, r->name, r->first, r->last, r->pool, 0);
}

static int member_ins(emit_t *e, const gcp_member_t *m)
{
	return op_ins(e, GCP_ROW_MEMBER, m->user, m->group, NULL, NULL, 0);
}

/* a member's personal contacts, at positions 0..n-1 */
static int personal_ins(emit_t *e, const gcp_member_t *m)
{
	size_t i;
	int rc;

	for(i = 0; i < m->npersonal; i++) {
		rc = op_ins(e, GCP_ROW_PERSONAL, m->user, m->personal[i], NULL, NULL,
				(int)i);
		if(rc < 0)
			return rc;
	}
	return 0;
}

/* a group's list, at positions 0..n-1 */
static int list_ins(emit_t *e, const gcp_group_list_t *g)
{
	size_t i;
	int rc;

	for(i = 0; i < g->nalso; i++) {
		rc = op_ins(e, GCP_ROW_GROUP_LIST, g->group, g->also[i], NULL, NULL,
				(int)i);
		if(rc < 0)
			return rc;
	}
	return 0;
}

static int str_eq(const char *a, const char *b)
{
	if(a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int range_eq(const gcp_range_t *a, const gcp_range_t *b)
{
	return str_eq(a->first, b->first) && str_eq(a->last, b->last)
		   && str_eq(a->pool, b->pool);
}

static int personal_eq(const gcp_member_t *a, const gcp_member_t *b)
{
	size_t i;

	if(a->npersonal != b->npersonal)
		return 0;
	for(i = 0; i < a->npersonal; i++)
		if(strcmp(a->personal[i], b->personal[i]) != 0)
			return 0;
	return 1;
}

/* -1: only in old, 1: only in new, 0: in both (merge of two arrays
 * sorted by their key) */
static int side(const char *ko, const char *kn)
{
	if(ko == NULL)
		return 1;
	if(kn == NULL)
		return -1;
	return strcmp(ko, kn) < 0 ? -1 : (strcmp(ko, kn) > 0 ? 1 : 0);
}

static int ranges_diff(emit_t *e, const gcp_cfg_t *o, const gcp_cfg_t *n)
{
	size_t i = 0, j = 0;
	const gcp_range_t *a, *b;
	int s, rc = 0;

	while(rc == 0 && (i < o->nranges || j < n->nranges)) {
		a = i < o->nranges ? &o->ranges[i] : NULL;
		b = j < n->nranges ? &n->ranges[j] : NULL;
		s = side(a ? a->name : NULL, b ? b->name : NULL);
		if(s < 0) {
			rc = op_del(e, GCP_ROW_RANGE, a->name);
			i++;
		} else if(s > 0 || !range_eq(a, b)) {
			rc = op_del(e, GCP_ROW_RANGE, b->name);
			if(rc == 0)
				rc = range_ins(e, b);
			i += s == 0;
			j++;
		} else {
			i++;
			j++;
		}
	}
	return rc;
}

/* the member rows, then the personal lists that differ */
static int members_diff(
		emit_t *e, const gcp_cfg_t *o, const gcp_cfg_t *n, int personal)
{
	size_t i = 0, j = 0;
	const gcp_member_t *a, *b;
	int s, rc = 0;

	while(rc == 0 && (i < o->nmembers || j < n->nmembers)) {
		a = i < o->nmembers ? &o->members[i] : NULL;
		b = j < n->nmembers ? &n->members[j] : NULL;
		s = side(a ? a->user : NULL, b ? b->user : NULL);
		if(!personal) {
			if(s < 0)
				rc = op_del(e, GCP_ROW_MEMBER, a->user);
			else if(s > 0 || !str_eq(a->group, b->group)) {
				rc = op_del(e, GCP_ROW_MEMBER, b->user);
				if(rc == 0)
					rc = member_ins(e, b);
			}
		} else if(s < 0) {
			if(a->npersonal > 0)
				rc = op_del(e, GCP_ROW_PERSONAL, a->user);
		} else if(s > 0 || !personal_eq(a, b)) {
			/* a new member's list too: no stray rows of its user */
			rc = op_del(e, GCP_ROW_PERSONAL, b->user);
			if(rc == 0)
				rc = personal_ins(e, b);
		}
		i += s <= 0;
		j += s >= 0;
	}
	return rc;
}

static int list_eq(const gcp_group_list_t *a, const gcp_group_list_t *b)
{
	size_t i;

	if(a->nalso != b->nalso)
		return 0;
	for(i = 0; i < a->nalso; i++)
		if(strcmp(a->also[i], b->also[i]) != 0)
			return 0;
	return 1;
}

static int lists_diff(emit_t *e, const gcp_cfg_t *o, const gcp_cfg_t *n)
{
	size_t i = 0, j = 0;
	const gcp_group_list_t *a, *b;
	int s, rc = 0;

	while(rc == 0 && (i < o->nlists || j < n->nlists)) {
		a = i < o->nlists ? &o->lists[i] : NULL;
		b = j < n->nlists ? &n->lists[j] : NULL;
		s = side(a ? a->group : NULL, b ? b->group : NULL);
		if(s < 0)
			rc = op_del(e, GCP_ROW_GROUP_LIST, a->group);
		else if(s > 0 || !list_eq(a, b)) {
			rc = op_del(e, GCP_ROW_GROUP_LIST, b->group);
			if(rc == 0)
				rc = list_ins(e, b);
		}
		i += s <= 0;
		j += s >= 0;
	}
	return rc;
}

int gcp_rows_diff(const gcp_cfg_t *old, const gcp_cfg_t *new, gcp_row_f f,
		void *ctx, size_t *n)
{
	emit_t e = {f, ctx, 0};
	int rc;

	if(n)
		*n = 0;
	if(!old || !new || !f)
		return -1;
	rc = ranges_diff(&e, old, new);
	if(rc == 0)
		rc = members_diff(&e, old, new, 0);
	if(rc == 0)
		rc = members_diff(&e, old, new, 1);
	if(rc == 0)
		rc = lists_diff(&e, old, new);
	if(n)
		*n = e.n;
	return rc;
}

int gcp_rows_replace(const gcp_cfg_t *cfg, gcp_row_f f, void *ctx, size_t *n)
{
	emit_t e = {f, ctx, 0};
	size_t i;
	int rc;

	if(n)
		*n = 0;
	if(!cfg || !f)
		return -1;
	rc = op_del(&e, GCP_ROW_GROUP_LIST, NULL);
	if(rc == 0)
		rc = op_del(&e, GCP_ROW_PERSONAL, NULL);
	if(rc == 0)
		rc = op_del(&e, GCP_ROW_MEMBER, NULL);
	if(rc == 0)
		rc = op_del(&e, GCP_ROW_RANGE, NULL);
	for(i = 0; rc == 0 && i < cfg->nranges; i++)
		rc = range_ins(&e, &cfg->ranges[i]);
	for(i = 0; rc == 0 && i < cfg->nmembers; i++)
		rc = member_ins(&e, &cfg->members[i]);
	for(i = 0; rc == 0 && i < cfg->nmembers; i++)
		rc = personal_ins(&e, &cfg->members[i]);
	for(i = 0; rc == 0 && i < cfg->nlists; i++)
		rc = list_ins(&e, &cfg->lists[i]);
	if(n)
		*n = e.n;
	return rc;
}
