/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Unit tests of the model as database rows (gcp_rows.c): rows read are
 * checked by the model's rules, with the table and the row's id in the
 * error; the row changes between two models, applied to tables simulated
 * here (with the schema's unique keys), leave them holding the new model.
 */

#define _GNU_SOURCE

#include "cfg_util.h"
#include "gcp_rows.h"

static gcp_val_t V(const char *s)
{
	gcp_val_t v = {s, s ? strlen(s) : 0};
	return v;
}

static const gcp_val_t VNULL = {NULL, 0};

/* ------------------------------------------------------- rows read */

START_TEST(test_rows_build_the_model)
{
	gcp_cfg_t *c = gcp_cfg_new(), *x;

	OK(gcp_rows_add_range(c, 1, V("sales"), V("7000"), V("7099"), V("fe1"), err,
			sizeof(err)));
	/* an empty pool and a NULL one are no pool */
	OK(gcp_rows_add_range(
			c, 2, V("support"), V("*800"), V("*899"), V(""), err, sizeof(err)));
	OK(gcp_rows_add_range(
			c, 3, V("other"), V("7100"), V("7199"), VNULL, err, sizeof(err)));
	OK(gcp_rows_add_member(c, 4, V("1002"), V("7001"), err, sizeof(err)));
	OK(gcp_rows_add_member(c, 5, V("1001"), V("*801"), err, sizeof(err)));
	OK(gcp_rows_add_personal(
			c, 6, V("1002"), V("+15550100"), err, sizeof(err)));
	OK(gcp_rows_add_personal(
			c, 7, V("1002"), V("sip:mum@example.org"), err, sizeof(err)));
	x = parse_ok("<gcp><range name=\"sales\" first=\"7000\" last=\"7099\" "
				 "pool=\"fe1\"/><range name=\"support\" first=\"*800\" "
				 "last=\"*899\"/><range name=\"other\" first=\"7100\" "
				 "last=\"7199\"/><member user=\"1001\" group=\"*801\"/>"
				 "<member user=\"1002\" group=\"7001\"><personal>+15550100"
				 "</personal><personal>sip:mum@example.org</personal>"
				 "</member></gcp>");
	same_dump(c, x);
	gcp_cfg_free(c);
	gcp_cfg_free(x);
}
END_TEST

START_TEST(test_rows_refused)
{
	gcp_cfg_t *c = base_cfg();
	/* a value with a NUL inside: "70\0" "01", 5 bytes */
	gcp_val_t nul = {"70\0"
					 "01",
			5};

	REFUSED(c,
			gcp_rows_add_range(c, 12, V("s2"), V("7050"), V("7150"), VNULL, err,
					sizeof(err)),
			"gcp_range id 12: range \"s2\" 7050-7150 overlaps range \"sales\"");
	REFUSED(c,
			gcp_rows_add_range(c, 13, VNULL, V("7200"), V("7299"), VNULL, err,
					sizeof(err)),
			"gcp_range id 13: name is NULL");
	REFUSED(c,
			gcp_rows_add_range(
					c, 14, V("r"), VNULL, V("7299"), VNULL, err, sizeof(err)),
			"gcp_range id 14: first_number is NULL");
	REFUSED(c,
			gcp_rows_add_range(c, 15, V("r"), V("7200"), V("7299"), V("p q"),
					err, sizeof(err)),
			"gcp_range id 15: range \"r\": pool \"p q\" is not valid");
	REFUSED(c,
			gcp_rows_add_range(c, 16, V(""), V("7200"), V("7299"), VNULL, err,
					sizeof(err)),
			"gcp_range id 16: range name is empty");
	REFUSED(c,
			gcp_rows_add_member(c, 20, V("1003"), V("7500"), err, sizeof(err)),
			"gcp_member id 20: group 7500 lies in no range");
	REFUSED(c,
			gcp_rows_add_member(c, 21, V("1001"), V("7002"), err, sizeof(err)),
			"gcp_member id 21: user 1001 is already a member (group 7001)");
	REFUSED(c, gcp_rows_add_member(c, 22, V("1003"), nul, err, sizeof(err)),
			"gcp_member id 22: group_number holds a NUL byte");
	REFUSED(c, gcp_rows_add_member(c, 23, VNULL, V("7001"), err, sizeof(err)),
			"gcp_member id 23: username is NULL");
	REFUSED(c,
			gcp_rows_add_member(
					c, 24, V("x' OR '1'='1"), V("7001"), err, sizeof(err)),
			"gcp_member id 24: user \"x' OR '1'='1\" is not a SIP user part");
	REFUSED(c,
			gcp_rows_add_personal(
					c, 30, V("1999"), V("3001"), err, sizeof(err)),
			"gcp_personal id 30: user 1999 is not a member");
	REFUSED(c,
			gcp_rows_add_personal(
					c, 31, V("1001"), V("sip:nohost"), err, sizeof(err)),
			"gcp_personal id 31: personal contact \"sip:nohost\" is not valid");
	REFUSED(c, gcp_rows_add_personal(c, 32, V("1001"), VNULL, err, sizeof(err)),
			"gcp_personal id 32: contact is NULL");
	/* a value that is not NUL-terminated is taken by its length */
	OK(gcp_rows_add_member(
			c, 40, (gcp_val_t){"1003xyz", 4}, V("7001"), err, sizeof(err)));
	ck_assert_ptr_nonnull(gcp_cfg_find_member(c, "1003"));
	gcp_cfg_free(c);
}
END_TEST

/* group-list rows: collected in any order, each group's rows by position
 * make its list, an error names the row */
START_TEST(test_rows_lists)
{
	gcp_cfg_t *c = base_cfg(), *x;
	gcp_rows_lists_t *l = gcp_rows_lists_new();
	const gcp_group_list_t *g;

	OK(gcp_rows_add_range(
			c, 3, V("other"), V("7100"), V("7199"), VNULL, err, sizeof(err)));
	OK(gcp_rows_lists_row(l, 9, V("7001"), 2, V("7150"), err, sizeof(err)));
	OK(gcp_rows_lists_row(l, 7, V("7002"), 0, V("7001"), err, sizeof(err)));
	OK(gcp_rows_lists_row(l, 8, V("7001"), 0, V("*801"), err, sizeof(err)));
	OK(gcp_rows_lists_row(l, 10, V("7001"), 1, V("7003"), err, sizeof(err)));
	REFUSED(c, gcp_rows_lists_row(l, 11, VNULL, 0, V("7003"), err, sizeof(err)),
			"gcp_group_list id 11: group_number is NULL");
	OK(gcp_rows_lists_add(l, c, err, sizeof(err)));
	g = gcp_cfg_find_list(c, "7001");
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->nalso, 3);
	ck_assert_str_eq(g->also[0], "*801");
	ck_assert_str_eq(g->also[1], "7003");
	ck_assert_str_eq(g->also[2], "7150");
	ck_assert_ptr_nonnull(gcp_cfg_find_list(c, "7002"));
	gcp_rows_lists_free(l);
	/* what the file with these lists gives */
	x = parse_ok("<gcp><range name=\"sales\" first=\"7000\" last=\"7099\" "
				 "pool=\"fe1\"/><range name=\"support\" first=\"*800\" "
				 "last=\"*899\"/><range name=\"other\" first=\"7100\" "
				 "last=\"7199\"/><member user=\"1001\" group=\"7001\"/>"
				 "<member user=\"1002\" group=\"7001\"/>"
				 "<group number=\"7001\"><also group=\"*801\"/><also "
				 "group=\"7003\"/><also group=\"7150\"/></group><group "
				 "number=\"7002\"><also group=\"7001\"/></group></gcp>");
	same_dump(c, x);
	gcp_cfg_free(x);
	gcp_cfg_free(c);

	/* the row of the number that broke a rule; the group's first row for
	 * a rule of the group */
	c = base_cfg();
	l = gcp_rows_lists_new();
	OK(gcp_rows_lists_row(l, 20, V("7001"), 0, V("7002"), err, sizeof(err)));
	OK(gcp_rows_lists_row(l, 21, V("7001"), 1, V("7001"), err, sizeof(err)));
	ck_assert_int_eq(gcp_rows_lists_add(l, c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "gcp_group_list id 21: group 7001 cannot list "
							  "itself")
						  != NULL,
			"error \"%s\"", err);
	ck_assert_ptr_null(gcp_cfg_find_list(c, "7001"));
	gcp_rows_lists_free(l);
	l = gcp_rows_lists_new();
	OK(gcp_rows_lists_row(l, 30, V("7500"), 0, V("7002"), err, sizeof(err)));
	ck_assert_int_eq(gcp_rows_lists_add(l, c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "gcp_group_list id 30: group 7500 lies in no "
							  "range")
						  != NULL,
			"error \"%s\"", err);
	gcp_rows_lists_free(l);
	gcp_cfg_free(c);
}
END_TEST

/* ------------------------------------------- tables simulated here */

#define MAX_ROWS 4096

typedef struct row
{
	gcp_row_kind_t kind;
	char *key, *v[3];
	int pos;
} row_t;

typedef struct tables
{
	row_t r[MAX_ROWS];
	int n;
	int ops, fail_at; /* fail_at > 0: that op fails */
	int inserts, deletes;
} tables_t;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void row_free(row_t *r)
{
	free(r->key);
	for(int i = 0; i < 3; i++)
		free(r->v[i]);
}

static int str_same(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* the schema's unique keys: range name, member user, (user, pos),
 * (group, pos) */
static int violates(const tables_t *t, const gcp_row_op_t *op)
{
	for(int i = 0; i < t->n; i++) {
		const row_t *r = &t->r[i];
		if(r->kind != op->kind || strcmp(r->key, op->key) != 0)
			continue;
		if(!gcp_tables[op->kind].pos || r->pos == op->pos)
			return 1;
	}
	return 0;
}

static int apply(void *ctx, const gcp_row_op_t *op)
{
	tables_t *t = ctx;
	int i, o;

	t->ops++;
	if(t->fail_at > 0 && t->ops == t->fail_at)
		return -7;
	if(!op->insert) {
		t->deletes++;
		for(i = o = 0; i < t->n; i++) {
			if(t->r[i].kind == op->kind
					&& (op->key == NULL || strcmp(t->r[i].key, op->key) == 0))
				row_free(&t->r[i]);
			else
				t->r[o++] = t->r[i];
		}
		t->n = o;
		return 0;
	}
	t->inserts++;
	ck_assert_ptr_nonnull(op->key);
	if(violates(t, op))
		return -1;
	ck_assert_int_lt(t->n, MAX_ROWS);
	t->r[t->n].kind = op->kind;
	t->r[t->n].key = strdup(op->key);
	for(i = 0; i < 3; i++)
		t->r[t->n].v[i] = dup_or_null(op->v[i]);
	t->r[t->n].pos = gcp_tables[op->kind].pos ? op->pos : 0;
	t->n++;
	return 0;
}

static void tables_clear(tables_t *t)
{
	for(int i = 0; i < t->n; i++)
		row_free(&t->r[i]);
	memset(t, 0, sizeof(*t));
}

static int row_cmp(const void *a, const void *b)
{
	const row_t *x = a, *y = b;
	int c;

	if(x->kind != y->kind)
		return x->kind - y->kind;
	if((c = strcmp(x->key, y->key)) != 0)
		return c;
	if(x->pos != y->pos)
		return x->pos - y->pos;
	for(int i = 0; i < 3; i++) {
		if(str_same(x->v[i], y->v[i]))
			continue;
		if(!x->v[i] || !y->v[i])
			return x->v[i] ? 1 : -1;
		return strcmp(x->v[i], y->v[i]);
	}
	return 0;
}

/* the tables as one text: every row, sorted */
static char *tables_text(tables_t *t)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	qsort(t->r, t->n, sizeof(row_t), row_cmp);
	for(int i = 0; i < t->n; i++)
		fprintf(f, "%s %s %s %s %s %d\n", gcp_tables[t->r[i].kind].name,
				t->r[i].key, t->r[i].v[0] ? t->r[i].v[0] : "NULL",
				t->r[i].v[1] ? t->r[i].v[1] : "-",
				t->r[i].v[2] ? t->r[i].v[2] : "NULL", t->r[i].pos);
	fclose(f);
	return s;
}

/* what tables holding exactly c look like */
static char *text_of(const gcp_cfg_t *c)
{
	static tables_t t;
	char *s;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(gcp_rows_replace(c, apply, &t, NULL), 0);
	s = tables_text(&t);
	tables_clear(&t);
	return s;
}

/* tables holding old, changed by diff(old, new), hold new */
static void diff_reaches(
		tables_t *t, const gcp_cfg_t *old, const gcp_cfg_t *new, size_t *nops)
{
	char *want = text_of(new), *got;

	ck_assert_int_eq(gcp_rows_diff(old, new, apply, t, nops), 0);
	got = tables_text(t);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
}

static tables_t T;

START_TEST(test_rows_replace_rows)
{
	gcp_cfg_t *c = base_cfg();
	char *s, *want;
	size_t n;

	memset(&T, 0, sizeof(T));
	PERSONAL_ADD(c, "1002", "+15550100", "sip:mum@example.org");
	ck_assert_int_eq(gcp_rows_replace(c, apply, &T, &n), 0);
	/* a delete of every row of each of the 4 tables, 2 ranges, 2 members,
	 * 2 contacts */
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(T.deletes, 4);
	s = tables_text(&T);
	ck_assert_str_eq(s, "gcp_range sales 7000 7099 fe1 0\n"
						"gcp_range support *800 *899 NULL 0\n"
						"gcp_member 1001 7001 - NULL 0\n"
						"gcp_member 1002 7001 - NULL 0\n"
						"gcp_personal 1002 +15550100 - NULL 0\n"
						"gcp_personal 1002 sip:mum@example.org - NULL 1\n");
	free(s);
	/* replacing over tables that hold anything gives the same */
	ck_assert_int_eq(gcp_rows_replace(c, apply, &T, NULL), 0);
	s = tables_text(&T);
	want = text_of(c);
	ck_assert_str_eq(s, want);
	free(s);
	free(want);
	tables_clear(&T);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_rows_diff_minimal)
{
	gcp_cfg_t *a = base_cfg(), *b;
	size_t n;

	memset(&T, 0, sizeof(T));
	ck_assert_int_eq(gcp_rows_replace(a, apply, &T, NULL), 0);
	/* nothing changed: no row touched */
	b = gcp_cfg_clone(a);
	diff_reaches(&T, a, b, &n);
	ck_assert_uint_eq(n, 0);
	/* a member moved: its row deleted and inserted, nothing else */
	OK(gcp_cfg_member_set(b, "1001", "7002", err, sizeof(err)));
	diff_reaches(&T, a, b, &n);
	ck_assert_uint_eq(n, 2);
	gcp_cfg_free(a);
	a = gcp_cfg_clone(b);
	/* a personal contact added: the user's list rewritten */
	PERSONAL_ADD(b, "1001", "3001", "3002");
	diff_reaches(&T, a, b, &n);
	ck_assert_uint_eq(n, 3);
	gcp_cfg_free(a);
	a = gcp_cfg_clone(b);
	/* a range changed: its row only */
	OK(gcp_cfg_range_update(
			b, "support", "*800", "*850", "p2", err, sizeof(err)));
	diff_reaches(&T, a, b, &n);
	ck_assert_uint_eq(n, 2);
	gcp_cfg_free(a);
	a = gcp_cfg_clone(b);
	/* a member removed: its row and its contacts */
	OK(gcp_cfg_member_remove(b, "1001", err, sizeof(err)));
	diff_reaches(&T, a, b, &n);
	ck_assert_uint_eq(n, 2);
	gcp_cfg_free(a);
	a = gcp_cfg_clone(b);
	/* a group's list set: its rows, nothing else; cleared: one delete */
	OK(gcp_cfg_group_set(b, "7001", (const char *[]){"7002", "*801"}, 2, NULL,
			err, sizeof(err)));
	diff_reaches(&T, a, b, &n);
	ck_assert_uint_eq(n, 3);
	gcp_cfg_free(a);
	a = gcp_cfg_clone(b);
	OK(gcp_cfg_group_set(b, "7001", NULL, 0, NULL, err, sizeof(err)));
	diff_reaches(&T, a, b, &n);
	ck_assert_uint_eq(n, 1);
	tables_clear(&T);
	gcp_cfg_free(a);
	gcp_cfg_free(b);
}
END_TEST

/* a stray row of a key the change inserts (a table edited by hand) does
 * not make the insert fail: its key is deleted first */
START_TEST(test_rows_diff_stray_rows)
{
	gcp_cfg_t *a = base_cfg(), *b = gcp_cfg_clone(a);
	gcp_row_op_t stray = {GCP_ROW_MEMBER, 1, "1009", {"7050"}, 0};
	gcp_row_op_t stray_p = {GCP_ROW_PERSONAL, 1, "1009", {"3001"}, 0};

	memset(&T, 0, sizeof(T));
	ck_assert_int_eq(gcp_rows_replace(a, apply, &T, NULL), 0);
	ck_assert_int_eq(apply(&T, &stray), 0);
	ck_assert_int_eq(apply(&T, &stray_p), 0);
	OK(gcp_cfg_member_set(b, "1009", "7009", err, sizeof(err)));
	diff_reaches(&T, a, b, NULL);
	tables_clear(&T);
	gcp_cfg_free(a);
	gcp_cfg_free(b);
}
END_TEST

/* the first op that fails stops the change: nothing after it is tried */
START_TEST(test_rows_diff_stops)
{
	gcp_cfg_t *a = base_cfg(), *b = gcp_cfg_clone(a);
	size_t n;

	OK(gcp_cfg_member_set(b, "1005", "7005", err, sizeof(err)));
	OK(gcp_cfg_member_set(b, "1006", "7006", err, sizeof(err)));
	memset(&T, 0, sizeof(T));
	T.fail_at = 2;
	ck_assert_int_eq(gcp_rows_diff(a, b, apply, &T, &n), -7);
	ck_assert_int_eq(T.ops, 2);
	ck_assert_uint_eq(n, 2);
	memset(&T, 0, sizeof(T));
	T.fail_at = 1;
	ck_assert_int_eq(gcp_rows_replace(b, apply, &T, NULL), -7);
	ck_assert_int_eq(T.ops, 1);
	ck_assert_int_eq(gcp_rows_diff(NULL, b, apply, &T, NULL), -1);
	ck_assert_int_eq(gcp_rows_diff(a, NULL, apply, &T, NULL), -1);
	gcp_cfg_free(a);
	gcp_cfg_free(b);
}
END_TEST

/* 400 random changes, each applied as a diff to the tables of the step
 * before: the tables always hold the model (a fixed seed: repeatable) */
START_TEST(test_rows_diff_random)
{
	gcp_cfg_t *a = base_cfg(), *b;
	char u[16], g[16], p[32];
	unsigned seed = 12345;
	int i, r;

	memset(&T, 0, sizeof(T));
	OK(gcp_cfg_range_add(a, "r3", "*000", "*099", NULL, err, sizeof(err)));
	ck_assert_int_eq(gcp_rows_replace(a, apply, &T, NULL), 0);
	for(i = 0; i < 400; i++) {
		b = gcp_cfg_clone(a);
		r = rand_r(&seed) % 6;
		snprintf(u, sizeof(u), "2%03d", rand_r(&seed) % 40);
		snprintf(g, sizeof(g), rand_r(&seed) % 2 ? "70%02d" : "*0%02d",
				rand_r(&seed) % 100);
		snprintf(p, sizeof(p), rand_r(&seed) % 2 ? "3%03d" : "sip:u%d@h.org",
				rand_r(&seed) % 20);
		if(r <= 1)
			gcp_cfg_member_set(b, u, g, err, sizeof(err));
		else if(r == 2)
			gcp_cfg_member_remove(b, u, err, sizeof(err));
		else if(r == 3)
			gcp_cfg_personal_add(b, u, p, err, sizeof(err));
		else if(r == 4 && b->nmembers > 0 && b->members[0].npersonal > 0)
			gcp_cfg_personal_remove(b, b->members[0].user,
					b->members[0].personal[0], err, sizeof(err));
		else if(r == 4) {
			const char *also[3] = {"7001", "*050", g};
			gcp_cfg_group_set(b, rand_r(&seed) % 2 ? "7010" : "*011", also,
					(size_t)(rand_r(&seed) % 4), NULL, err, sizeof(err));
		} else
			gcp_cfg_range_update(b, "r3", "*000",
					rand_r(&seed) % 2 ? "*099" : "*098",
					rand_r(&seed) % 2 ? "pool" : NULL, err, sizeof(err));
		diff_reaches(&T, a, b, NULL);
		gcp_cfg_free(a);
		a = b;
	}
	ck_assert_uint_gt(a->nmembers, 5);
	ck_assert_uint_gt(a->nlists, 0);
	tables_clear(&T);
	gcp_cfg_free(a);
}
END_TEST

int main(void)
{
	return UNIT_RUN("rows", "rows", 60, test_rows_build_the_model,
			test_rows_refused, test_rows_lists, test_rows_replace_rows,
			test_rows_diff_minimal, test_rows_diff_stray_rows,
			test_rows_diff_stops, test_rows_diff_random);
}
