/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Unit tests of the shared-memory snapshot (gcp_snap.c): the build, the
 * lookups of the SIP workers, the thaw and the clone through them.
 */

#define _GNU_SOURCE

#include "cfg_util.h"

START_TEST(test_clone)
{
	gcp_cfg_t *c = base_cfg(), *d;
	char *a, *b;

	OK(gcp_cfg_personal_add(
			c, "1002", "sip:mum@example.org", err, sizeof(err)));
	d = gcp_cfg_clone(c);
	ck_assert_ptr_nonnull(d);
	a = dump(c);
	b = dump(d);
	ck_assert_str_eq(a, b);
	free(b);
	/* independent */
	OK(gcp_cfg_member_remove(d, "1002", err, sizeof(err)));
	OK(gcp_cfg_range_update(
			d, "sales", "7000", "7009", NULL, err, sizeof(err)));
	b = dump(c);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	gcp_cfg_free(c);
	gcp_cfg_free(d);
}
END_TEST

/* ------------------------------------------------------------ snapshot */

static void *snap_of(const gcp_cfg_t *c)
{
	size_t size = gcp_snap_size(c);
	void *s;

	ck_assert_uint_gt(size, 0);
	ck_assert_uint_eq(size % 8, 0);
	s = aligned_alloc(8, size);
	ck_assert_ptr_nonnull(s);
	gcp_snap_build(c, s);
	return s;
}

static int is_group(const void *s, const char *n)
{
	return gcp_snap_is_group(s, n, strlen(n));
}

static int personal(
		const void *s, const char *u, const char *fu, const char *fh)
{
	return gcp_snap_is_personal(
			s, u, strlen(u), fu, fu ? strlen(fu) : 0, fh, fh ? strlen(fh) : 0);
}

START_TEST(test_snap_empty)
{
	gcp_cfg_t *c = gcp_cfg_new(), *d;
	void *s = snap_of(c);
	const char *g = NULL;
	size_t gl = 0;

	ck_assert_uint_eq(gcp_snap_nranges(s), 0);
	ck_assert_uint_eq(gcp_snap_nmembers(s), 0);
	ck_assert_int_eq(is_group(s, "7001"), 0);
	ck_assert_int_eq(gcp_snap_member_group(s, "1001", 4, &g, &gl), 0);
	ck_assert_int_eq(personal(s, "1001", "x", "y"), 0);
	d = gcp_snap_thaw(s);
	ck_assert_ptr_nonnull(d);
	same_dump(c, d);
	gcp_cfg_free(d);
	gcp_cfg_free(c);
	free(s);
}
END_TEST

START_TEST(test_snap_lookups)
{
	gcp_cfg_t *c = base_cfg();
	const char *g = NULL;
	size_t gl = 0;
	void *s;

	OK(gcp_cfg_range_add(c, "a-hash", "#10", "#19", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(
			c, "b-long", "70000", "70999", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "c-low", "1", "5", NULL, err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "alice", "*899", err, sizeof(err)));
	s = snap_of(c);
	ck_assert_uint_eq(gcp_snap_nranges(s), 5);
	ck_assert_uint_eq(gcp_snap_nmembers(s), 3);

	ck_assert_int_eq(gcp_snap_member_group(s, "1001", 4, &g, &gl), 1);
	ck_assert_uint_eq(gl, 4);
	ck_assert_int_eq(memcmp(g, "7001", 4), 0);
	ck_assert_int_eq(gcp_snap_member_group(s, "alice", 5, &g, &gl), 1);
	ck_assert_int_eq(memcmp(g, "*899", gl), 0);
	/* lengths, not NUL, end the strings */
	ck_assert_int_eq(gcp_snap_member_group(s, "10012", 4, &g, &gl), 1);
	ck_assert_int_eq(gcp_snap_member_group(s, "100", 3, &g, &gl), 0);
	ck_assert_int_eq(gcp_snap_member_group(s, "10011", 5, &g, &gl), 0);
	ck_assert_int_eq(gcp_snap_member_group(s, "bob", 3, &g, &gl), 0);
	ck_assert_int_eq(gcp_snap_member_group(s, "", 0, &g, &gl), 0);

	ck_assert_int_eq(is_group(s, "7000"), 1);
	ck_assert_int_eq(is_group(s, "7099"), 1);
	ck_assert_int_eq(is_group(s, "7050"), 1);
	ck_assert_int_eq(is_group(s, "6999"), 0);
	ck_assert_int_eq(is_group(s, "7100"), 0);
	ck_assert_int_eq(is_group(s, "*800"), 1);
	ck_assert_int_eq(is_group(s, "*899"), 1);
	ck_assert_int_eq(is_group(s, "*799"), 0);
	ck_assert_int_eq(is_group(s, "*900"), 0);
	ck_assert_int_eq(is_group(s, "800"), 0);
	ck_assert_int_eq(is_group(s, "#800"), 0);
	ck_assert_int_eq(is_group(s, "#10"), 1);
	ck_assert_int_eq(is_group(s, "#19"), 1);
	ck_assert_int_eq(is_group(s, "#20"), 0);
	ck_assert_int_eq(is_group(s, "70000"), 1);
	ck_assert_int_eq(is_group(s, "70999"), 1);
	ck_assert_int_eq(is_group(s, "71000"), 0);
	ck_assert_int_eq(is_group(s, "07000"), 0);
	ck_assert_int_eq(is_group(s, "1"), 1);
	ck_assert_int_eq(is_group(s, "5"), 1);
	ck_assert_int_eq(is_group(s, "0"), 0);
	ck_assert_int_eq(is_group(s, "6"), 0);
	ck_assert_int_eq(is_group(s, "70a0"), 0);
	ck_assert_int_eq(is_group(s, "70:0"), 0);
	ck_assert_int_eq(is_group(s, ""), 0);
	ck_assert_int_eq(gcp_snap_is_group(s, NULL, 0), 0);
	ck_assert_int_eq(gcp_snap_is_group(s, "70011", 4), 1);
	gcp_cfg_free(c);
	free(s);
}
END_TEST

/* personal(snapshot, member, user, host): the contacts test_snap_personal
 * gives member 1002 */
static const struct personal_case
{
	const char *member, *user, *host;
	int is;
} personal_cases[] = {
		/* bare: the user part on any host */
		{"1002", "+15550100", "pstn.example", 1},
		{"1002", "+15550100", NULL, 1}, {"1002", "+1555010", "pstn.example", 0},
		{"1002", "+155501000", "pstn.example", 0},
		/* URI: user exactly, host case-insensitively */
		{"1002", "mum", "example.org", 1}, {"1002", "mum", "EXAMPLE.org", 1},
		{"1002", "Mum", "example.org", 0}, {"1002", "mum", "example.com", 0},
		{"1002", "mum", "example.or", 0}, {"1002", "mum", NULL, 0},
		/* the port of a contact does not take part */
		{"1002", "dad", "H.example", 1}, {"1002", "v6", "[2001:db8::1]", 1},
		{"1002", "v6", "2001:db8::1", 1}, {"1002", "v6", "[2001:db8::2]", 0},
		/* only that member's contacts */
		{"1001", "+15550100", "x", 0}, {"9999", "+15550100", "x", 0},
		{"1002", NULL, "example.org", 0}};

START_TEST(test_snap_personal)
{
	gcp_cfg_t *c = base_cfg();
	void *s;

	PERSONAL_ADD(c, "1002", "+15550100", "sip:mum@Example.ORG",
			"sips:dad@h.example:5061", "sip:v6@[2001:DB8::1]");
	s = snap_of(c);
	for(size_t i = 0; i < sizeof(personal_cases) / sizeof(personal_cases[0]);
			i++) {
		const struct personal_case *k = &personal_cases[i];
		ck_assert_msg(personal(s, k->member, k->user, k->host) == k->is,
				"personal(%s, %s, %s) != %d", k->member,
				k->user ? k->user : "NULL", k->host ? k->host : "NULL", k->is);
	}
	gcp_cfg_free(c);
	free(s);
}
END_TEST

START_TEST(test_snap_thaw)
{
	gcp_cfg_t *c = base_cfg(), *d;
	char *a, *b;
	void *s, *s2;
	size_t size;

	OK(gcp_cfg_range_add(c, "aaa", "#1", "#2", "pool9", err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "zzz", "1", "2", NULL, err, sizeof(err)));
	PERSONAL_ADD(c, "1002", "sip:mum@example.org", "+1");
	OK(gcp_cfg_member_set(c, "x", "#1", err, sizeof(err)));
	s = snap_of(c);
	/* position independent: a copy works after the original is gone */
	size = gcp_snap_size(c);
	s2 = aligned_alloc(8, size);
	memcpy(s2, s, size);
	memset(s, 0xAB, size);
	free(s);
	d = gcp_snap_thaw(s2);
	ck_assert_ptr_nonnull(d);
	a = dump(c);
	b = dump(d);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(d->ranges[0].name, "aaa");
	ck_assert_ptr_null(gcp_cfg_find_range(d, "zzz")->pool);
	ck_assert_str_eq(gcp_cfg_find_range(d, "aaa")->pool, "pool9");
	ck_assert_int_eq(is_group(s2, "#2"), 1);
	/* the thawed model accepts changes like any other */
	OK(gcp_cfg_member_set(d, "y", "7050", err, sizeof(err)));
	OK(gcp_cfg_personal_add(d, "1002", "+2", err, sizeof(err)));
	OK(gcp_cfg_range_add(d, "more", "3", "9", NULL, err, sizeof(err)));
	free(a);
	free(b);
	free(s2);
	gcp_cfg_free(c);
	gcp_cfg_free(d);
}
END_TEST

START_TEST(test_snap_10000)
{
	gcp_cfg_t *c = gcp_cfg_new(), *d;
	char u[32], grp[32], x[32], *a, *b;
	const char *g;
	size_t gl;
	void *s;
	int i;

	/* 100 ranges of 100 groups: r00 = 100000-100099, ... */
	for(i = 0; i < 100; i++) {
		char n[16], f[16], l[16];
		snprintf(n, sizeof(n), "r%02d", i);
		snprintf(f, sizeof(f), "%d", 100000 + i * 200);
		snprintf(l, sizeof(l), "%d", 100000 + i * 200 + 99);
		OK(gcp_cfg_range_add(c, n, f, l, NULL, err, sizeof(err)));
	}
	/* inserted out of order on purpose */
	for(i = 0; i < 10000; i++) {
		int k = (i * 7919) % 10000;
		snprintf(u, sizeof(u), "u%05d", k);
		snprintf(grp, sizeof(grp), "%d", 100000 + (k % 100) * 200 + k % 97);
		OK(gcp_cfg_member_set(c, u, grp, err, sizeof(err)));
		if(k % 10 == 0) {
			snprintf(x, sizeof(x), "sip:f%d@Host%d.example", k, k);
			OK(gcp_cfg_personal_add(c, u, x, err, sizeof(err)));
		}
	}
	ck_assert_uint_eq(c->nmembers, 10000);
	s = snap_of(c);
	ck_assert_uint_eq(gcp_snap_nmembers(s), 10000);
	ck_assert_uint_eq(gcp_snap_nranges(s), 100);
	for(i = 0; i < 10000; i++) {
		snprintf(u, sizeof(u), "u%05d", i);
		snprintf(grp, sizeof(grp), "%d", 100000 + (i % 100) * 200 + i % 97);
		ck_assert_int_eq(gcp_snap_member_group(s, u, 6, &g, &gl), 1);
		ck_assert_uint_eq(gl, strlen(grp));
		ck_assert_int_eq(memcmp(g, grp, gl), 0);
		ck_assert_int_eq(is_group(s, grp), 1);
		snprintf(x, sizeof(x), "f%d", i);
		snprintf(grp, sizeof(grp), "host%d.EXAMPLE", i);
		ck_assert_int_eq(personal(s, u, x, grp), i % 10 == 0);
		snprintf(u, sizeof(u), "v%05d", i);
		ck_assert_int_eq(gcp_snap_member_group(s, u, 6, &g, &gl), 0);
	}
	for(i = 0; i < 100; i++) {
		snprintf(grp, sizeof(grp), "%d", 100000 + i * 200);
		ck_assert_int_eq(is_group(s, grp), 1);
		snprintf(grp, sizeof(grp), "%d", 100000 + i * 200 + 99);
		ck_assert_int_eq(is_group(s, grp), 1);
		snprintf(grp, sizeof(grp), "%d", 100000 + i * 200 + 100);
		ck_assert_int_eq(is_group(s, grp), 0);
		snprintf(grp, sizeof(grp), "%d", 100000 + i * 200 - 1);
		ck_assert_int_eq(is_group(s, grp), 0);
	}
	d = gcp_snap_thaw(s);
	a = dump(c);
	b = dump(d);
	ck_assert_str_eq(a, b);
	gcp_cfg_free(d);
	/* and the whole file loads back */
	d = parse_ok(a);
	free(b);
	b = dump(d);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	gcp_cfg_free(d);
	gcp_cfg_free(c);
	free(s);
}
END_TEST

int main(void)
{
	return UNIT_RUN("gcp_snap", "snap", 60, test_clone, test_snap_empty,
			test_snap_lookups, test_snap_personal, test_snap_thaw,
			test_snap_10000);
}
