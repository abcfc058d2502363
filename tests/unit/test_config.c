/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Unit tests of the configuration model (gcp_config.c): the rules, the XML
 * file, the atomic save and the shared-memory snapshot.
 */

#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gcp_model.h"
#include "gcp_snap.h"
#include "gcp_xml.h"

static char err[GCP_ERR_LEN];

static char *dump(const gcp_cfg_t *cfg)
{
	char *s = gcp_cfg_to_xml(cfg, NULL);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* the call succeeds */
#define OK(call)                                        \
	do {                                                \
		err[0] = '\0';                                  \
		ck_assert_msg((call) == 0, "refused: %s", err); \
	} while(0)

/* the call is refused with an error naming the rule, on one line, and the
 * model is exactly as before */
#define REFUSED(cfg, call, text)                                      \
	do {                                                              \
		char *before_ = dump(cfg), *after_;                           \
		err[0] = '\0';                                                \
		ck_assert_int_eq((call), -1);                                 \
		ck_assert_msg(strstr(err, (text)) != NULL,                    \
				"error \"%s\" lacks \"%s\"", err, (text));            \
		ck_assert_msg(strchr(err, '\n') == NULL, "error on 2 lines"); \
		after_ = dump(cfg);                                           \
		ck_assert_str_eq(after_, before_);                            \
		free(after_);                                                 \
		free(before_);                                                \
	} while(0)

static int parse(const char *xml, gcp_cfg_t **out)
{
	err[0] = '\0';
	return gcp_cfg_parse(xml, strlen(xml), "t.xml", out, err, sizeof(err));
}

#define PARSE_REFUSED(xml, text)                                      \
	do {                                                              \
		gcp_cfg_t *c_ = (gcp_cfg_t *)1;                               \
		ck_assert_int_eq(parse((xml), &c_), -1);                      \
		ck_assert_ptr_null(c_);                                       \
		ck_assert_msg(strstr(err, (text)) != NULL,                    \
				"error \"%s\" lacks \"%s\"", err, (text));            \
		ck_assert_msg(strchr(err, '\n') == NULL, "error on 2 lines"); \
	} while(0)

static gcp_cfg_t *parse_ok(const char *xml)
{
	gcp_cfg_t *c = NULL;

	ck_assert_msg(parse(xml, &c) == 0, "refused: %s", err);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* sales 7000-7099 (pool fe1), support *800-*899, 1001 and 1002 in 7001 */
static gcp_cfg_t *base_cfg(void)
{
	gcp_cfg_t *c = gcp_cfg_new();

	ck_assert_ptr_nonnull(c);
	OK(gcp_cfg_range_add(c, "sales", "7000", "7099", "fe1", err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "support", "*800", "*899", NULL, err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "1001", "7001", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "1002", "7001", err, sizeof(err)));
	return c;
}

static const char example_xml[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<gcp>\n"
		"  <range name=\"sales\" first=\"7000\" last=\"7099\" pool=\"fe1\"/>\n"
		"  <range name=\"support\" first=\"*800\" last=\"*899\"/>\n"
		"  <member user=\"1001\" group=\"7001\"/>\n"
		"  <member user=\"1002\" group=\"7001\">\n"
		"    <personal>+15550100</personal>\n"
		"    <personal>sip:mum@example.org</personal>\n"
		"  </member>\n"
		"</gcp>\n";

static char tmpdir[64];

static void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/gcp_test_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int rm_one(
		const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void remove_tmpdir(void)
{
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* names in tmpdir, one per line, sorted by readdir order */
static int count_entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(dp);
	while((d = readdir(dp)) != NULL)
		if(strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

/* ------------------------------------------------------------- numbers */

START_TEST(test_number_valid)
{
	ck_assert(gcp_number_valid("7000", 4));
	ck_assert(gcp_number_valid("*800", 4));
	ck_assert(gcp_number_valid("#8", 2));
	ck_assert(gcp_number_valid("0", 1));
	ck_assert(gcp_number_valid("12345678901234567890123456789012", 32));
	ck_assert(!gcp_number_valid("123456789012345678901234567890123", 33));
	ck_assert(!gcp_number_valid("", 0));
	ck_assert(!gcp_number_valid(NULL, 0));
	ck_assert(!gcp_number_valid("*", 1));
	ck_assert(!gcp_number_valid("**1", 3));
	ck_assert(!gcp_number_valid("*#1", 3));
	ck_assert(!gcp_number_valid("1*", 2));
	ck_assert(!gcp_number_valid("12a", 3));
	ck_assert(!gcp_number_valid("+1", 2));
	ck_assert(!gcp_number_valid(" 1", 2));
	/* only len characters count */
	ck_assert(gcp_number_valid("12x", 2));
}
END_TEST

/* -------------------------------------------------------------- ranges */

START_TEST(test_range_add)
{
	gcp_cfg_t *c = base_cfg();
	const gcp_range_t *r;

	r = gcp_cfg_find_range(c, "sales");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->first, "7000");
	ck_assert_str_eq(r->last, "7099");
	ck_assert_str_eq(r->pool, "fe1");
	r = gcp_cfg_find_range(c, "support");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(r->pool);
	OK(gcp_cfg_range_add(c, "a-b_c.d", "5", "5", "", err, sizeof(err)));
	r = gcp_cfg_find_range(c, "a-b_c.d");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(r->pool); /* "" is no pool */
	ck_assert_ptr_null(gcp_cfg_find_range(c, "nope"));
	/* kept sorted by name */
	ck_assert_uint_eq(c->nranges, 3);
	ck_assert_str_eq(c->ranges[0].name, "a-b_c.d");
	ck_assert_str_eq(c->ranges[1].name, "sales");
	ck_assert_str_eq(c->ranges[2].name, "support");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_name_rules)
{
	gcp_cfg_t *c = base_cfg();
	char n64[65], n65[66];

	memset(n64, 'n', 64);
	n64[64] = '\0';
	memset(n65, 'n', 65);
	n65[65] = '\0';
	REFUSED(c, gcp_cfg_range_add(c, "", "1", "2", NULL, err, sizeof(err)),
			"range name is empty");
	REFUSED(c, gcp_cfg_range_add(c, NULL, "1", "2", NULL, err, sizeof(err)),
			"range name is empty");
	REFUSED(c, gcp_cfg_range_add(c, "a b", "1", "2", NULL, err, sizeof(err)),
			"range name \"a b\" is not valid");
	REFUSED(c, gcp_cfg_range_add(c, "a/b", "1", "2", NULL, err, sizeof(err)),
			"is not valid");
	REFUSED(c,
			gcp_cfg_range_add(
					c, "caf\xc3\xa9", "1", "2", NULL, err, sizeof(err)),
			"is not valid");
	REFUSED(c, gcp_cfg_range_add(c, n65, "1", "2", NULL, err, sizeof(err)),
			"is not valid");
	OK(gcp_cfg_range_add(c, n64, "1", "2", NULL, err, sizeof(err)));
	REFUSED(c, gcp_cfg_range_add(c, "sales", "1", "2", NULL, err, sizeof(err)),
			"range \"sales\" already exists");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_number_rules)
{
	gcp_cfg_t *c = base_cfg();

	REFUSED(c, gcp_cfg_range_add(c, "x", "1a", "19", NULL, err, sizeof(err)),
			"range \"x\": first \"1a\" is not a number");
	REFUSED(c, gcp_cfg_range_add(c, "x", "10", "", NULL, err, sizeof(err)),
			"range \"x\": last \"\" is not a number");
	REFUSED(c, gcp_cfg_range_add(c, "x", "10", NULL, NULL, err, sizeof(err)),
			"is not a number");
	REFUSED(c, gcp_cfg_range_add(c, "x", "*", "*9", NULL, err, sizeof(err)),
			"is not a number");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_mixed_shape)
{
	gcp_cfg_t *c = base_cfg();

	REFUSED(c, gcp_cfg_range_add(c, "x", "100", "*199", NULL, err, sizeof(err)),
			"range \"x\" 100-*199: first and last must have the same prefix");
	REFUSED(c, gcp_cfg_range_add(c, "x", "*10", "#19", NULL, err, sizeof(err)),
			"same prefix");
	REFUSED(c, gcp_cfg_range_add(c, "x", "100", "1999", NULL, err, sizeof(err)),
			"range \"x\" 100-1999: first and last must have the same length");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_reversed)
{
	gcp_cfg_t *c = base_cfg();

	REFUSED(c, gcp_cfg_range_add(c, "x", "199", "100", NULL, err, sizeof(err)),
			"range \"x\" 199-100: first is greater than last");
	REFUSED(c, gcp_cfg_range_add(c, "x", "*2", "*1", NULL, err, sizeof(err)),
			"first is greater than last");
	OK(gcp_cfg_range_add(c, "x", "150", "150", NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(gcp_cfg_range_of(c, "150", 3));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_pool_rules)
{
	gcp_cfg_t *c = base_cfg();
	char p65[66];

	memset(p65, 'p', 65);
	p65[65] = '\0';
	REFUSED(c, gcp_cfg_range_add(c, "x", "1", "2", "fe 1", err, sizeof(err)),
			"range \"x\": pool \"fe 1\" is not valid");
	REFUSED(c, gcp_cfg_range_add(c, "x", "1", "2", p65, err, sizeof(err)),
			"pool");
	OK(gcp_cfg_range_add(c, "x", "1", "2", "cluster-1.a_b", err, sizeof(err)));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_overlap_adjacent_ok)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_range_add(c, "next", "7100", "7199", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "prev", "6900", "6999", NULL, err, sizeof(err)));
	ck_assert_str_eq(gcp_cfg_range_of(c, "7099", 4)->name, "sales");
	ck_assert_str_eq(gcp_cfg_range_of(c, "7100", 4)->name, "next");
	ck_assert_str_eq(gcp_cfg_range_of(c, "6999", 4)->name, "prev");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_overlap_refused)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_range_add(c, "east", "7150", "7250", NULL, err, sizeof(err)));
	/* partial */
	REFUSED(c,
			gcp_cfg_range_add(c, "x", "7200", "7300", NULL, err, sizeof(err)),
			"range \"x\" 7200-7300 overlaps range \"east\" 7150-7250");
	/* nested inside */
	REFUSED(c,
			gcp_cfg_range_add(c, "x", "7010", "7020", NULL, err, sizeof(err)),
			"range \"x\" 7010-7020 overlaps range \"sales\" 7000-7099");
	/* covering */
	REFUSED(c,
			gcp_cfg_range_add(c, "x", "6000", "7999", NULL, err, sizeof(err)),
			"overlaps range");
	/* touching one number */
	REFUSED(c,
			gcp_cfg_range_add(c, "x", "7099", "7099", NULL, err, sizeof(err)),
			"overlaps range \"sales\"");
	REFUSED(c,
			gcp_cfg_range_add(c, "x", "*899", "*900", NULL, err, sizeof(err)),
			"overlaps range \"support\" *800-*899");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_overlap_other_length_ok)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_range_add(c, "long", "70000", "70999", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "short", "700", "709", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "lead0", "07000", "07099", NULL, err, sizeof(err)));
	ck_assert_str_eq(gcp_cfg_range_of(c, "7005", 4)->name, "sales");
	ck_assert_str_eq(gcp_cfg_range_of(c, "70050", 5)->name, "long");
	ck_assert_str_eq(gcp_cfg_range_of(c, "705", 3)->name, "short");
	ck_assert_str_eq(gcp_cfg_range_of(c, "07005", 5)->name, "lead0");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_overlap_other_prefix_ok)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_range_add(c, "star", "*7000", "*7099", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "hash", "#7000", "#7099", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "hash8", "#800", "#899", NULL, err, sizeof(err)));
	ck_assert_str_eq(gcp_cfg_range_of(c, "7050", 4)->name, "sales");
	ck_assert_str_eq(gcp_cfg_range_of(c, "*7050", 5)->name, "star");
	ck_assert_str_eq(gcp_cfg_range_of(c, "#7050", 5)->name, "hash");
	ck_assert_str_eq(gcp_cfg_range_of(c, "*850", 4)->name, "support");
	ck_assert_str_eq(gcp_cfg_range_of(c, "#850", 4)->name, "hash8");
	ck_assert_ptr_null(gcp_cfg_range_of(c, "*900", 4));
	ck_assert_ptr_null(gcp_cfg_range_of(c, "850", 3));
	ck_assert_ptr_null(gcp_cfg_range_of(c, "70a0", 4));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_update)
{
	gcp_cfg_t *c = base_cfg();
	const gcp_range_t *r;

	/* overlapping its own old interval is fine */
	OK(gcp_cfg_range_update(
			c, "sales", "7000", "7199", "fe2", err, sizeof(err)));
	r = gcp_cfg_find_range(c, "sales");
	ck_assert_str_eq(r->last, "7199");
	ck_assert_str_eq(r->pool, "fe2");
	OK(gcp_cfg_range_update(
			c, "sales", "7001", "7001", NULL, err, sizeof(err)));
	r = gcp_cfg_find_range(c, "sales");
	ck_assert_str_eq(r->first, "7001");
	ck_assert_ptr_null(r->pool);
	REFUSED(c,
			gcp_cfg_range_update(c, "nope", "1", "2", NULL, err, sizeof(err)),
			"range \"nope\" does not exist");
	REFUSED(c,
			gcp_cfg_range_update(
					c, "sales", "7001", "700", NULL, err, sizeof(err)),
			"same length");
	REFUSED(c,
			gcp_cfg_range_update(
					c, "support", "7000", "7099", NULL, err, sizeof(err)),
			"overlaps range \"sales\"");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_update_members)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_member_set(c, "1003", "7060", err, sizeof(err)));
	REFUSED(c,
			gcp_cfg_range_update(
					c, "sales", "7000", "7049", NULL, err, sizeof(err)),
			"range \"sales\" 7000-7049 would leave member 1003 (group 7060) in "
			"no range");
	/* a member's user may not fall inside the new bounds */
	OK(gcp_cfg_member_set(c, "7100", "7060", err, sizeof(err)));
	REFUSED(c,
			gcp_cfg_range_update(
					c, "sales", "7000", "7199", NULL, err, sizeof(err)),
			"range \"sales\" 7000-7199 covers member 7100");
	OK(gcp_cfg_range_update(
			c, "sales", "7001", "7060", NULL, err, sizeof(err)));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_remove)
{
	gcp_cfg_t *c = base_cfg();

	REFUSED(c, gcp_cfg_range_remove(c, "nope", err, sizeof(err)),
			"range \"nope\" does not exist");
	REFUSED(c, gcp_cfg_range_remove(c, "sales", err, sizeof(err)),
			"range \"sales\" still has 2 members");
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	REFUSED(c, gcp_cfg_range_remove(c, "sales", err, sizeof(err)),
			"range \"sales\" still has 1 member");
	OK(gcp_cfg_member_remove(c, "1002", err, sizeof(err)));
	OK(gcp_cfg_range_remove(c, "sales", err, sizeof(err)));
	ck_assert_ptr_null(gcp_cfg_find_range(c, "sales"));
	ck_assert_uint_eq(c->nranges, 1);
	OK(gcp_cfg_range_remove(c, "support", err, sizeof(err)));
	ck_assert_uint_eq(c->nranges, 0);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_range_add_covers_member)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_member_set(c, "*555", "7001", err, sizeof(err)));
	REFUSED(c,
			gcp_cfg_range_add(c, "dev", "1000", "1999", NULL, err, sizeof(err)),
			"range \"dev\" 1000-1999 covers member 1001 (a group number is "
			"never a member)");
	REFUSED(c,
			gcp_cfg_range_add(c, "st", "*500", "*599", NULL, err, sizeof(err)),
			"covers member *555");
	/* other prefix or length: not the same number */
	OK(gcp_cfg_range_add(c, "dev", "#1000", "#1999", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "dev5", "10000", "19999", NULL, err, sizeof(err)));
	gcp_cfg_free(c);
}
END_TEST

/* ------------------------------------------------------------- members */

START_TEST(test_member_set)
{
	gcp_cfg_t *c = base_cfg();
	const gcp_member_t *m;

	OK(gcp_cfg_member_set(c, "alice", "*801", err, sizeof(err)));
	m = gcp_cfg_find_member(c, "alice");
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->group, "*801");
	ck_assert_uint_eq(m->npersonal, 0);
	/* every character RFC 3261 allows in a user part */
	OK(gcp_cfg_member_set(c, "aZ9-_.!~*'()&=+$,;?/", "7002", err, sizeof(err)));
	ck_assert_ptr_nonnull(gcp_cfg_find_member(c, "aZ9-_.!~*'()&=+$,;?/"));
	ck_assert_ptr_null(gcp_cfg_find_member(c, "bob"));
	ck_assert_uint_eq(c->nmembers, 4);
	/* kept sorted by user */
	for(size_t i = 1; i < c->nmembers; i++)
		ck_assert_int_lt(strcmp(c->members[i - 1].user, c->members[i].user), 0);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_member_user_rules)
{
	gcp_cfg_t *c = base_cfg();
	char u64[65], u65[66];

	memset(u64, 'u', 64);
	u64[64] = '\0';
	memset(u65, 'u', 65);
	u65[65] = '\0';
	REFUSED(c, gcp_cfg_member_set(c, "", "7001", err, sizeof(err)),
			"user is empty");
	REFUSED(c, gcp_cfg_member_set(c, NULL, "7001", err, sizeof(err)),
			"user is empty");
	REFUSED(c, gcp_cfg_member_set(c, "a@b", "7001", err, sizeof(err)),
			"user \"a@b\" is not a SIP user part");
	REFUSED(c, gcp_cfg_member_set(c, "sip:a", "7001", err, sizeof(err)),
			"is not a SIP user part");
	REFUSED(c, gcp_cfg_member_set(c, "a%41", "7001", err, sizeof(err)),
			"is not a SIP user part");
	REFUSED(c, gcp_cfg_member_set(c, "a b", "7001", err, sizeof(err)),
			"is not a SIP user part");
	REFUSED(c, gcp_cfg_member_set(c, "a\"b", "7001", err, sizeof(err)),
			"is not a SIP user part");
	REFUSED(c, gcp_cfg_member_set(c, u65, "7001", err, sizeof(err)),
			"is longer than 64 characters");
	OK(gcp_cfg_member_set(c, u64, "7001", err, sizeof(err)));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_member_group_rules)
{
	gcp_cfg_t *c = base_cfg();

	REFUSED(c, gcp_cfg_member_set(c, "1003", "8001", err, sizeof(err)),
			"group 8001 lies in no range");
	REFUSED(c, gcp_cfg_member_set(c, "1003", "70010", err, sizeof(err)),
			"group 70010 lies in no range");
	REFUSED(c, gcp_cfg_member_set(c, "1003", "#801", err, sizeof(err)),
			"group #801 lies in no range");
	REFUSED(c, gcp_cfg_member_set(c, "1003", "7a01", err, sizeof(err)),
			"group \"7a01\" is not a number");
	REFUSED(c, gcp_cfg_member_set(c, "1003", "", err, sizeof(err)),
			"is not a number");
	REFUSED(c, gcp_cfg_member_set(c, "1003", NULL, err, sizeof(err)),
			"is not a number");
	/* moving is refused too when the new group is bad */
	REFUSED(c, gcp_cfg_member_set(c, "1001", "8001", err, sizeof(err)),
			"lies in no range");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_member_group_number)
{
	gcp_cfg_t *c = base_cfg();

	REFUSED(c, gcp_cfg_member_set(c, "7001", "7002", err, sizeof(err)),
			"user 7001 is a group number (range \"sales\")");
	REFUSED(c, gcp_cfg_member_set(c, "*850", "7002", err, sizeof(err)),
			"user *850 is a group number (range \"support\")");
	/* the same digits with another shape are another number */
	OK(gcp_cfg_member_set(c, "850", "7002", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "*8500", "7002", err, sizeof(err)));
	/* '#' is not allowed in a SIP user part at all */
	REFUSED(c, gcp_cfg_member_set(c, "#850", "7002", err, sizeof(err)),
			"is not a SIP user part");
	OK(gcp_cfg_member_set(c, "70010", "7002", err, sizeof(err)));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_member_move)
{
	gcp_cfg_t *c = base_cfg();
	const gcp_member_t *m;

	OK(gcp_cfg_personal_add(c, "1001", "+15550100", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "1001", "*810", err, sizeof(err)));
	m = gcp_cfg_find_member(c, "1001");
	ck_assert_str_eq(m->group, "*810");
	ck_assert_uint_eq(m->npersonal, 1);
	ck_assert_str_eq(m->personal[0], "+15550100");
	ck_assert_uint_eq(c->nmembers, 2);
	/* the same group again: nothing to do, no error */
	char *before = dump(c);
	OK(gcp_cfg_member_set(c, "1001", "*810", err, sizeof(err)));
	char *after = dump(c);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_member_remove)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_personal_add(c, "1001", "+15550100", err, sizeof(err)));
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	ck_assert_ptr_null(gcp_cfg_find_member(c, "1001"));
	ck_assert_ptr_nonnull(gcp_cfg_find_member(c, "1002"));
	REFUSED(c, gcp_cfg_member_remove(c, "1001", err, sizeof(err)),
			"user 1001 is not a member");
	REFUSED(c, gcp_cfg_member_remove(c, NULL, err, sizeof(err)),
			"is not a member");
	/* a removed member can come back, without its old contacts */
	OK(gcp_cfg_member_set(c, "1001", "7005", err, sizeof(err)));
	ck_assert_uint_eq(gcp_cfg_find_member(c, "1001")->npersonal, 0);
	gcp_cfg_free(c);
}
END_TEST

/* ---------------------------------------------------- personal contacts */

START_TEST(test_personal_add)
{
	gcp_cfg_t *c = base_cfg();
	const gcp_member_t *m;

	OK(gcp_cfg_personal_add(c, "1002", "+15550100", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sip:mum@example.org", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sips:dad@10.0.0.1:5061", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "SIP:bob@[2001:db8::1]:5060", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sip:a;b=c@host-1.example", err, sizeof(err)));
	m = gcp_cfg_find_member(c, "1002");
	ck_assert_uint_eq(m->npersonal, 5);
	/* insertion order */
	ck_assert_str_eq(m->personal[0], "+15550100");
	ck_assert_str_eq(m->personal[4], "sip:a;b=c@host-1.example");
	REFUSED(c, gcp_cfg_personal_add(c, "1003", "+1555", err, sizeof(err)),
			"user 1003 is not a member");
	REFUSED(c, gcp_cfg_personal_add(c, "7001", "+1555", err, sizeof(err)),
			"user 7001 is not a member");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_personal_invalid)
{
	static const char *bad[] = {"", "a b", "a%41", "a@b", "tel:+1555",
			"sip:", "sip:@example.org", "sip:mum", "sip:mum@",
			"sip:mum@exa_mple.org", "sip:mum@example.org;transport=tcp",
			"sip:mum@example.org?x=y", "sip:mum@example.org:0",
			"sip:mum@example.org:65536", "sip:mum@example.org:", "sip:mum@[::1",
			"sip:mum@[]", "sip:mum@example.org:50x", "sip:m um@example.org",
			"sip:mum@example.org ", "sip:a:b@example.org", "<sip:a@b>"};
	gcp_cfg_t *c = base_cfg();
	char long_c[300];
	size_t i;

	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		REFUSED(c, gcp_cfg_personal_add(c, "1001", bad[i], err, sizeof(err)),
				"personal contact \"");
	REFUSED(c, gcp_cfg_personal_add(c, "1001", NULL, err, sizeof(err)),
			"is not valid: it is empty");
	REFUSED(c,
			gcp_cfg_personal_add(
					c, "1001", "sip:mum@example.org;x", err, sizeof(err)),
			"no parameters");
	REFUSED(c,
			gcp_cfg_personal_add(
					c, "1001", "sip:mum@example.org:99999", err, sizeof(err)),
			"port must be 1 to 65535");
	memset(long_c, '1', 257);
	long_c[257] = '\0';
	REFUSED(c, gcp_cfg_personal_add(c, "1001", long_c, err, sizeof(err)),
			"longer than 256 characters");
	long_c[256] = '\0';
	OK(gcp_cfg_personal_add(c, "1001", long_c, err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "1001", "sip:a@b:65535", err, sizeof(err)));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_personal_duplicate)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_personal_add(c, "1002", "+15550100", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sip:mum@example.org", err, sizeof(err)));
	REFUSED(c, gcp_cfg_personal_add(c, "1002", "+15550100", err, sizeof(err)),
			"user 1002 already has personal contact \"+15550100\"");
	REFUSED(c,
			gcp_cfg_personal_add(
					c, "1002", "SIP:mum@EXAMPLE.org", err, sizeof(err)),
			"already has personal contact");
	/* the user part is case-sensitive, the port and scheme matter */
	OK(gcp_cfg_personal_add(
			c, "1002", "sip:Mum@example.org", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sips:mum@example.org", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sip:mum@example.org:5060", err, sizeof(err)));
	/* bare and URI never equal */
	OK(gcp_cfg_personal_add(c, "1002", "mum", err, sizeof(err)));
	/* another member may list the same contact */
	OK(gcp_cfg_personal_add(c, "1001", "+15550100", err, sizeof(err)));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_personal_limit)
{
	gcp_cfg_t *c = base_cfg();
	char s[32];
	int i;

	for(i = 0; i < GCP_MAX_PERSONAL; i++) {
		snprintf(s, sizeof(s), "+1555%04d", i);
		OK(gcp_cfg_personal_add(c, "1001", s, err, sizeof(err)));
	}
	REFUSED(c, gcp_cfg_personal_add(c, "1001", "+1666", err, sizeof(err)),
			"user 1001 already has 200 personal contacts (the limit)");
	OK(gcp_cfg_personal_remove(c, "1001", "+15550007", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "1001", "+1666", err, sizeof(err)));
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_personal_remove)
{
	gcp_cfg_t *c = base_cfg();
	const gcp_member_t *m;

	OK(gcp_cfg_personal_add(c, "1002", "a", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "1002", "sip:b@Example.org", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "1002", "c", err, sizeof(err)));
	REFUSED(c, gcp_cfg_personal_remove(c, "1002", "d", err, sizeof(err)),
			"user 1002 has no personal contact \"d\"");
	REFUSED(c, gcp_cfg_personal_remove(c, "1002", "A", err, sizeof(err)),
			"has no personal contact");
	REFUSED(c, gcp_cfg_personal_remove(c, "1003", "a", err, sizeof(err)),
			"user 1003 is not a member");
	REFUSED(c, gcp_cfg_personal_remove(c, "1002", "a b\n", err, sizeof(err)),
			"has no personal contact");
	/* an equivalent URI names the listed one */
	OK(gcp_cfg_personal_remove(
			c, "1002", "sip:b@EXAMPLE.ORG", err, sizeof(err)));
	m = gcp_cfg_find_member(c, "1002");
	ck_assert_uint_eq(m->npersonal, 2);
	ck_assert_str_eq(m->personal[0], "a");
	ck_assert_str_eq(m->personal[1], "c");
	OK(gcp_cfg_personal_remove(c, "1002", "a", err, sizeof(err)));
	OK(gcp_cfg_personal_remove(c, "1002", "c", err, sizeof(err)));
	ck_assert_uint_eq(gcp_cfg_find_member(c, "1002")->npersonal, 0);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_error_one_line)
{
	gcp_cfg_t *c = base_cfg();

	REFUSED(c, gcp_cfg_range_add(c, "a\nb", "1", "2", NULL, err, sizeof(err)),
			"range name \"a\\x0Ab\"");
	REFUSED(c, gcp_cfg_member_set(c, "x\r\ny", "7001", err, sizeof(err)),
			"\"x\\x0D\\x0Ay\"");
	/* a tiny buffer is filled, never overrun */
	char small[8];
	ck_assert_int_eq(
			gcp_cfg_member_set(c, "7001", "7002", small, sizeof(small)), -1);
	ck_assert_str_eq(small, "user 70");
	/* no buffer at all */
	ck_assert_int_eq(gcp_cfg_member_set(c, "7001", "7002", NULL, 0), -1);
	gcp_cfg_free(c);
}
END_TEST

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

/* ------------------------------------------------------------------ XML */

START_TEST(test_xml_example)
{
	gcp_cfg_t *c = parse_ok(example_xml);
	const gcp_member_t *m;
	const gcp_range_t *r;

	ck_assert_uint_eq(c->nranges, 2);
	r = gcp_cfg_find_range(c, "sales");
	ck_assert_str_eq(r->first, "7000");
	ck_assert_str_eq(r->last, "7099");
	ck_assert_str_eq(r->pool, "fe1");
	r = gcp_cfg_find_range(c, "support");
	ck_assert_str_eq(r->first, "*800");
	ck_assert_ptr_null(r->pool);
	ck_assert_uint_eq(c->nmembers, 2);
	ck_assert_str_eq(gcp_cfg_find_member(c, "1001")->group, "7001");
	m = gcp_cfg_find_member(c, "1002");
	ck_assert_uint_eq(m->npersonal, 2);
	ck_assert_str_eq(m->personal[0], "+15550100");
	ck_assert_str_eq(m->personal[1], "sip:mum@example.org");
	/* the example is already in canonical form */
	char *x = dump(c);
	ck_assert_str_eq(x, example_xml);
	free(x);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_xml_lenient_bits)
{
	/* any order, comments, blank text, CDATA, references, pool="" */
	gcp_cfg_t *c = parse_ok(
			"<?xml version=\"1.0\"?>\n"
			"<!-- pickup groups -->\n"
			"<gcp>\n"
			"  <member user=\"a&amp;b\" group=\"&#55;001\">\n"
			"    <!-- family -->\n"
			"    <personal>\n      +1555\n    </personal>\n"
			"    <personal><![CDATA[sip:x@y]]></personal>\n"
			"  </member>\n"
			"  <?pi ignored?>\n"
			"  <range name=\"sales\" first=\"7000\" last=\"7099\" pool=\"\">"
			"  </range>\n"
			"</gcp>\n");
	const gcp_member_t *m = gcp_cfg_find_member(c, "a&b");

	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->group, "7001");
	ck_assert_str_eq(m->personal[0], "+1555");
	ck_assert_str_eq(m->personal[1], "sip:x@y");
	ck_assert_ptr_null(gcp_cfg_find_range(c, "sales")->pool);
	gcp_cfg_free(c);
	c = parse_ok("<gcp/>");
	ck_assert_uint_eq(c->nranges + c->nmembers, 0);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_xml_malformed)
{
	PARSE_REFUSED("<gcp>\n"
				  "  <range name=\"a\" first=\"1\" last=\"2\">\n"
				  "  <member user=\"x\" group=\"1\"/>\n"
				  "</gcp>\n",
			"t.xml:4: malformed XML: Opening and ending tag mismatch");
	PARSE_REFUSED("<gcp>\n\n\n  <range name=\"a\" name=\"b\"/>\n</gcp>",
			"t.xml:4: malformed XML:");
	PARSE_REFUSED("", "t.xml:1: malformed XML");
	PARSE_REFUSED("<gcp>\n</gcp>\n<gcp/>", "t.xml:3: malformed XML");
	PARSE_REFUSED("<gcp>\n<range name=\"a\" first=\"1\" last=\"2\"/>\n",
			"malformed XML");
	PARSE_REFUSED("<gcp xmlns:x=\"u\">\n<y:range/></gcp>", "t.xml:2:");
}
END_TEST

START_TEST(test_xml_structure)
{
	PARSE_REFUSED("<config/>", "t.xml:1: root element is <config>, expected "
							   "<gcp>");
	PARSE_REFUSED("<gcp version=\"1\"/>",
			"t.xml:1: unknown attribute \"version\" in <gcp>");
	PARSE_REFUSED("<gcp>\n\n  <ranges/>\n</gcp>",
			"t.xml:3: unknown element <ranges> in <gcp>");
	PARSE_REFUSED("<gcp>\n  <range name=\"a\" first=\"1\" last=\"2\"\n"
				  "    size=\"2\"/>\n</gcp>",
			"t.xml:2: unknown attribute \"size\" in <range>");
	PARSE_REFUSED("<gcp>\n<range name=\"a\" first=\"1\"/>\n</gcp>",
			"t.xml:2: <range> lacks attribute \"last\"");
	PARSE_REFUSED("<gcp>\n<member user=\"a\"/>\n</gcp>",
			"t.xml:2: <member> lacks attribute \"group\"");
	PARSE_REFUSED("<gcp>\n<range name=\"a\" first=\"1\" last=\"2\">\n"
				  "<x/></range>\n</gcp>",
			"t.xml:3: unknown element <x> in <range>");
	PARSE_REFUSED("<gcp>\n<member user=\"a\" group=\"1\">\n"
				  "<personal>x</personal>\n<friend>y</friend></member></gcp>",
			"t.xml:4: unknown element <friend> in <member>");
	PARSE_REFUSED("<gcp>\n<member user=\"a\" group=\"1\">\n"
				  "<personal type=\"x\">y</personal></member></gcp>",
			"t.xml:3: unknown attribute \"type\" in <personal>");
	PARSE_REFUSED("<gcp>\n<member user=\"a\" group=\"1\">\n"
				  "<personal><b>y</b></personal></member></gcp>",
			"t.xml:3: unknown element <b> in <personal>");
	PARSE_REFUSED("<gcp xmlns=\"urn:x\"/>", "root element is <{urn:x}gcp>");
	PARSE_REFUSED("<gcp xmlns:x=\"urn:x\">\n<x:range name=\"a\" first=\"1\" "
				  "last=\"2\"/></gcp>",
			"t.xml:2: unknown element <x:range> in <gcp>");
	PARSE_REFUSED("<gcp xmlns:x=\"urn:x\">\n<range x:name=\"a\" first=\"1\" "
				  "last=\"2\"/></gcp>",
			"t.xml:2: unknown attribute \"x:name\" in <range>");
}
END_TEST

START_TEST(test_xml_text)
{
	PARSE_REFUSED("<gcp>\n  hello\n</gcp>", "t.xml:2: text is not allowed in "
											"<gcp>");
	PARSE_REFUSED("<gcp>\n<range name=\"a\" first=\"1\" last=\"2\">x</range>"
				  "\n</gcp>",
			"t.xml:2: text is not allowed in <range>");
	PARSE_REFUSED("<gcp>\n<member user=\"a\" group=\"1\">\nx\n"
				  "</member>\n</gcp>",
			"text is not allowed in <member>");
	PARSE_REFUSED("<gcp>\n<member user=\"a\" group=\"1\">\n"
				  "<personal/>\n</member>\n</gcp>",
			"t.xml:3: empty <personal>");
	PARSE_REFUSED("<gcp>\n<range name=\"r\" first=\"1\" last=\"2\"/>\n"
				  "<member user=\"a\" group=\"1\">\n"
				  "<personal>  \n  </personal>\n</member>\n</gcp>",
			"t.xml:4: empty <personal>");
}
END_TEST

START_TEST(test_xml_dtd_refused)
{
	PARSE_REFUSED("<?xml version=\"1.0\"?>\n<!DOCTYPE gcp>\n<gcp/>",
			"t.xml:2: DTDs are not allowed");
	PARSE_REFUSED("<!DOCTYPE gcp [\n  <!ELEMENT gcp ANY>\n]>\n<gcp/>",
			"t.xml:1: DTDs are not allowed");
	PARSE_REFUSED("<!DOCTYPE gcp [\n  <!ATTLIST range pool CDATA \"fe1\">\n]>"
				  "<gcp><range name=\"a\" first=\"1\" last=\"2\"/></gcp>",
			"DTDs are not allowed");
	PARSE_REFUSED("<!DOCTYPE gcp [<!ENTITY n \"7001\">]>"
				  "<gcp><range name=\"a\" first=\"7000\" last=\"7099\"/>"
				  "<member user=\"1\" group=\"&n;\"/></gcp>",
			"DTDs are not allowed");
}
END_TEST

/* A FIFO nobody writes to: opening it for reading blocks, so the test
 * times out if the parser ever tries to load it. */
static void make_fifo(char *path, size_t size)
{
	make_tmpdir();
	snprintf(path, size, "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
}

START_TEST(test_xml_external_entity)
{
	char fifo[128], xml[512];

	make_fifo(fifo, sizeof(fifo));
	PARSE_REFUSED("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
				  "<gcp>&e;</gcp>",
			"t.xml:1: DTDs are not allowed");
	snprintf(xml, sizeof(xml),
			"<?xml version=\"1.0\"?>\n<!DOCTYPE gcp [\n"
			"<!ENTITY e SYSTEM \"file://%s\">\n]>\n"
			"<gcp><member user=\"1\" group=\"1\">"
			"<personal>&e;</personal></member></gcp>",
			fifo);
	PARSE_REFUSED(xml, "t.xml:2: DTDs are not allowed");
	snprintf(xml, sizeof(xml),
			"<!DOCTYPE gcp [<!ENTITY %% p SYSTEM \"%s\"> %%p;]>\n<gcp/>", fifo);
	PARSE_REFUSED(xml, "DTDs are not allowed");
	remove_tmpdir();
}
END_TEST

START_TEST(test_xml_external_dtd)
{
	char fifo[128], xml[512];

	make_fifo(fifo, sizeof(fifo));
	snprintf(xml, sizeof(xml), "<!DOCTYPE gcp SYSTEM \"%s\">\n<gcp/>", fifo);
	PARSE_REFUSED(xml, "t.xml:1: DTDs are not allowed");
	snprintf(xml, sizeof(xml),
			"<!DOCTYPE gcp PUBLIC \"-//x//y\" \"file://%s\">\n<gcp/>", fifo);
	PARSE_REFUSED(xml, "DTDs are not allowed");
	PARSE_REFUSED("<!DOCTYPE gcp SYSTEM \"http://127.0.0.1:9/x.dtd\"><gcp/>",
			"DTDs are not allowed");
	remove_tmpdir();
}
END_TEST

START_TEST(test_xml_billion_laughs)
{
	const char *xml =
			"<?xml version=\"1.0\"?>\n"
			"<!DOCTYPE lolz [\n"
			" <!ENTITY lol \"lol\">\n"
			" <!ENTITY lol1 "
			"\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
			" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"
			"&lol1;&lol1;\">\n"
			" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"
			"&lol2;&lol2;\">\n"
			" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"
			"&lol3;&lol3;\">\n"
			" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"
			"&lol4;&lol4;\">\n"
			" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"
			"&lol5;&lol5;\">\n"
			" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"
			"&lol6;&lol6;\">\n"
			" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"
			"&lol7;&lol7;\">\n"
			" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;"
			"&lol8;&lol8;\">\n"
			"]>\n"
			"<gcp><member user=\"&lol9;\" group=\"1\"/></gcp>\n";
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	PARSE_REFUSED(xml, "t.xml:2: DTDs are not allowed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
}
END_TEST

START_TEST(test_xml_entities)
{
	gcp_cfg_t *c;

	/* no DTD: an unknown entity is not well-formed */
	PARSE_REFUSED("<gcp>\n<member user=\"&x;\" group=\"1\"/></gcp>",
			"t.xml:2: malformed XML: Entity 'x' not defined");
	PARSE_REFUSED("<gcp>&nbsp;</gcp>", "malformed XML");
	/* the predefined ones and character references are fine */
	c = parse_ok("<gcp><range name=\"r\" first=\"&#x37;000\" last=\"7099\"/>"
				 "<member user=\"a&apos;&amp;&#61;\" group=\"7001\">"
				 "<personal>&#x2B;1555</personal></member></gcp>");
	ck_assert_str_eq(gcp_cfg_find_range(c, "r")->first, "7000");
	ck_assert_str_eq(gcp_cfg_find_member(c, "a'&=")->personal[0], "+1555");
	gcp_cfg_free(c);
	/* escaped markup is text, then refused by the model rules */
	PARSE_REFUSED("<gcp><range name=\"r\" first=\"7000\" last=\"7099\"/>"
				  "<member user=\"&lt;a&gt;\" group=\"7001\"/></gcp>",
			"t.xml:1: user \"<a>\" is not a SIP user part");
}
END_TEST

START_TEST(test_xml_too_big)
{
	size_t n = GCP_MAX_FILE_SIZE + 1;
	char *big = malloc(n);
	gcp_cfg_t *c = (gcp_cfg_t *)1;

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	memcpy(big, "<gcp>", 5);
	memcpy(big + n - 6, "</gcp>", 6);
	ck_assert_int_eq(
			gcp_cfg_parse(big, n, "big.xml", &c, err, sizeof(err)), -1);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "big.xml: larger than 16777216 bytes"));
	/* one byte less is parsed */
	ck_assert_int_eq(
			gcp_cfg_parse(big, n - 1, "big.xml", &c, err, sizeof(err)), -1);
	ck_assert_ptr_null(strstr(err, "larger than"));
	memcpy(big + n - 7, "</gcp>", 6);
	ck_assert_int_eq(
			gcp_cfg_parse(big, n - 1, "big.xml", &c, err, sizeof(err)), 0);
	gcp_cfg_free(c);
	free(big);
}
END_TEST

START_TEST(test_xml_big_lines)
{
	size_t n = 70000, size = n + 256;
	char *x = malloc(size);

	ck_assert_ptr_nonnull(x);
	strcpy(x, "<gcp>");
	memset(x + 5, '\n', n);
	strcpy(x + 5 + n, "<range name=\"a\" first=\"1\" last=\"2\"\n"
					  "  pool=\"p\"/>\n<bad/></gcp>");
	/* past 65535, and an element's line is where its tag begins */
	PARSE_REFUSED(x, "t.xml:70003: unknown element <bad> in <gcp>");
	strcpy(x + 5 + n, "<range name=\"a\" first=\"1\" last=\"2\"\n"
					  "  pool=\"p\"/>\n<range name=\"b\" first=\"2\"\n"
					  "last=\"3\"/></gcp>");
	PARSE_REFUSED(x, "t.xml:70003: range \"b\" 2-3 overlaps range \"a\" 1-2");
	free(x);
}
END_TEST

START_TEST(test_xml_model_rules)
{
	gcp_cfg_t *c;

	PARSE_REFUSED("<gcp>\n"
				  "  <range name=\"east\" first=\"7000\" last=\"7099\"/>\n"
				  "  <range name=\"west\" first=\"7050\" last=\"7150\"/>\n"
				  "</gcp>",
			"t.xml:3: range \"west\" 7050-7150 overlaps range \"east\" "
			"7000-7099");
	PARSE_REFUSED("<gcp>\n<range name=\"a\" first=\"1\" last=\"2\"/>\n"
				  "<range name=\"a\" first=\"3\" last=\"4\"/>\n</gcp>",
			"t.xml:3: range \"a\" already exists");
	PARSE_REFUSED("<gcp>\n<range name=\"a\" first=\"10\" last=\"2\"/></gcp>",
			"t.xml:2: range \"a\" 10-2: first and last must have the same "
			"length");
	PARSE_REFUSED("<gcp>\n<range name=\"a\" first=\"7000\" last=\"7099\"/>\n"
				  "<member user=\"1001\" group=\"7001\"/>\n"
				  "<member user=\"1002\" group=\"8001\"/>\n</gcp>",
			"t.xml:4: group 8001 lies in no range");
	/* a member before its range is fine; an error names its own line */
	PARSE_REFUSED("<gcp>\n<member user=\"7005\" group=\"7001\"/>\n"
				  "<range name=\"a\" first=\"7000\" last=\"7099\"/>\n</gcp>",
			"t.xml:2: user 7005 is a group number (range \"a\")");
	PARSE_REFUSED("<gcp>\n<member user=\"1\" group=\"7001\"/>\n"
				  "<range name=\"a\" first=\"7000\" last=\"7099\"/>\n"
				  "<member user=\"1\" group=\"7002\"/>\n</gcp>",
			"t.xml:4: user 1 is already a member (group 7001)");
	/* listed twice is refused even with the same group */
	PARSE_REFUSED("<gcp>\n<range name=\"a\" first=\"7000\" last=\"7099\"/>\n"
				  "<member user=\"1\" group=\"7001\"/>\n"
				  "<member user=\"1\" group=\"7001\"/>\n</gcp>",
			"t.xml:4: user 1 is already a member (group 7001)");
	PARSE_REFUSED("<gcp>\n<member user=\"1\" group=\"7001\">\n"
				  "<personal>a</personal>\n<personal>a</personal>\n"
				  "</member>\n"
				  "<range name=\"a\" first=\"7000\" last=\"7099\"/>\n</gcp>",
			"t.xml:4: user 1 already has personal contact \"a\"");
	PARSE_REFUSED("<gcp>\n<member user=\"1\" group=\"7001\">\n"
				  "<personal>sip:a@b;lr</personal>\n</member>\n"
				  "<range name=\"a\" first=\"7000\" last=\"7099\"/>\n</gcp>",
			"t.xml:3: personal contact \"sip:a@b;lr\" is not valid");
	c = parse_ok("<gcp>\n<member user=\"1\" group=\"7001\"/>\n"
				 "<range name=\"a\" first=\"7000\" last=\"7099\"/>\n</gcp>");
	ck_assert_str_eq(gcp_cfg_find_member(c, "1")->group, "7001");
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_xml_too_many_personal)
{
	size_t size = 64 * 1024, o = 0;
	char *x = malloc(size);
	int i;

	o += (size_t)snprintf(x + o, size - o,
			"<gcp>\n<range name=\"a\" first=\"7000\" last=\"7099\"/>\n"
			"<member user=\"1\" group=\"7001\">\n");
	for(i = 0; i <= GCP_MAX_PERSONAL; i++)
		o += (size_t)snprintf(
				x + o, size - o, "<personal>%d</personal>\n", 1000 + i);
	snprintf(x + o, size - o, "</member>\n</gcp>\n");
	/* the 201st contact is on line 4 + 200 */
	PARSE_REFUSED(x, "t.xml:204: user 1 already has 200 personal contacts");
	free(x);
}
END_TEST

START_TEST(test_xml_silent)
{
	char path[128];
	struct stat sb;
	gcp_cfg_t *c;
	int fd, saved;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	parse("<gcp><range></gcp>", &c);
	parse("<gcp>&x;</gcp>", &c);
	parse("<?xml version=\"1.0\" encoding=\"bogus\"?><gcp/>", &c);
	parse("<gcp xmlns:a=\"\"><a:b/></gcp>", &c);
	parse("<gcp><y:z/></gcp>", &c);
	parse("<!DOCTYPE gcp [<!ENTITY a \"b\">]><gcp/>", &c);
	parse("\xff\xfe<gcp/>", &c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	remove_tmpdir();
}
END_TEST

/* --------------------------------------------------------------- files */

START_TEST(test_load_missing)
{
	gcp_cfg_t *c = NULL;
	int missing = 0;

	make_tmpdir();
	char path[128];
	snprintf(path, sizeof(path), "%s/none.xml", tmpdir);
	OK(gcp_cfg_load_file(path, &c, &missing, err, sizeof(err)));
	ck_assert_int_eq(missing, 1);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nranges, 0);
	ck_assert_uint_eq(c->nmembers, 0);
	gcp_cfg_free(c);
	/* missing may be NULL */
	OK(gcp_cfg_load_file(path, &c, NULL, err, sizeof(err)));
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

START_TEST(test_load_errors)
{
	gcp_cfg_t *c = (gcp_cfg_t *)1;
	int missing = 7;
	char path[128];
	FILE *f;

	make_tmpdir();
	ck_assert_int_eq(
			gcp_cfg_load_file(tmpdir, &c, &missing, err, sizeof(err)), -1);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(missing, 0);
	ck_assert_ptr_nonnull(strstr(err, "Is a directory"));
	ck_assert_ptr_nonnull(strstr(err, tmpdir));
	/* a file, then a path through it: ENOTDIR is not "missing" */
	snprintf(path, sizeof(path), "%s/f.xml", tmpdir);
	f = fopen(path, "w");
	fputs("<gcp>\n<range name=\"a\" first=\"1\" last=\"2\"/>\n"
		  "<member user=\"x\" group=\"3\"/>\n</gcp>\n",
			f);
	fclose(f);
	ck_assert_int_eq(
			gcp_cfg_load_file(path, &c, &missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "f.xml:3: group 3 lies in no range"));
	strcat(path, "/x");
	ck_assert_int_eq(
			gcp_cfg_load_file(path, &c, &missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
	/* too big on disk */
	snprintf(path, sizeof(path), "%s/big.xml", tmpdir);
	f = fopen(path, "w");
	ck_assert_int_eq(ftruncate(fileno(f), GCP_MAX_FILE_SIZE + 1), 0);
	fclose(f);
	ck_assert_int_eq(
			gcp_cfg_load_file(path, &c, &missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
	remove_tmpdir();
}
END_TEST

START_TEST(test_roundtrip)
{
	gcp_cfg_t *c = base_cfg(), *d;
	char *a, *b;
	size_t alen;

	OK(gcp_cfg_range_add(c, "h", "#1", "#9", "p.1", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "a'&=$", "#5", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "a'&=$", "x&y'z", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sips:m&m@[::1]:5061", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "1002", "+15550100", err, sizeof(err)));
	a = gcp_cfg_to_xml(c, &alen);
	ck_assert_uint_eq(alen, strlen(a));
	ck_assert_ptr_nonnull(strstr(a, "user=\"a&apos;&amp;=$\""));
	ck_assert_ptr_nonnull(strstr(a, "<personal>x&amp;y&apos;z</personal>"));
	d = parse_ok(a);
	b = dump(d);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(gcp_cfg_find_member(d, "a'&=$")->personal[0], "x&y'z");
	ck_assert_str_eq(
			gcp_cfg_find_member(d, "1002")->personal[0], "sips:m&m@[::1]:5061");
	free(a);
	free(b);
	gcp_cfg_free(c);
	gcp_cfg_free(d);
}
END_TEST

START_TEST(test_to_xml_canonical)
{
	gcp_cfg_t *c = gcp_cfg_new();
	char *x;

	x = dump(c);
	ck_assert_str_eq(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gcp>\n"
						"</gcp>\n");
	free(x);
	OK(gcp_cfg_range_add(c, "z", "10", "19", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "a", "20", "29", "p", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "b", "25", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "a", "11", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "b", "y", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "b", "x", err, sizeof(err)));
	x = dump(c);
	ck_assert_str_eq(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
						"<gcp>\n"
						"  <range name=\"a\" first=\"20\" last=\"29\" "
						"pool=\"p\"/>\n"
						"  <range name=\"z\" first=\"10\" last=\"19\"/>\n"
						"  <member user=\"a\" group=\"11\"/>\n"
						"  <member user=\"b\" group=\"25\">\n"
						"    <personal>y</personal>\n"
						"    <personal>x</personal>\n"
						"  </member>\n"
						"</gcp>\n");
	free(x);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_save_load)
{
	gcp_cfg_t *c = base_cfg(), *d;
	char path[128], *a, *b;
	int missing = 1;

	OK(gcp_cfg_personal_add(
			c, "1002", "sip:mum@example.org", err, sizeof(err)));
	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(count_entries(tmpdir), 1);
	OK(gcp_cfg_load_file(path, &d, &missing, err, sizeof(err)));
	ck_assert_int_eq(missing, 0);
	a = dump(c);
	b = dump(d);
	ck_assert_str_eq(a, b);
	free(b);
	gcp_cfg_free(d);
	/* replace an existing file, keeping its mode */
	ck_assert_int_eq(chmod(path, 0600), 0);
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(count_entries(tmpdir), 1);
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	OK(gcp_cfg_load_file(path, &d, &missing, err, sizeof(err)));
	ck_assert_ptr_null(gcp_cfg_find_member(d, "1001"));
	free(a);
	gcp_cfg_free(d);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

START_TEST(test_save_bad_folder)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/nodir/gcp.xml", tmpdir);
	ck_assert_int_eq(gcp_cfg_save_file(c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot create"));
	ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(count_entries(tmpdir), 0);
	/* the path is a folder: the rename fails, the temp file goes */
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(gcp_cfg_save_file(c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot rename"));
	ck_assert_int_eq(count_entries(tmpdir), 1);
	ck_assert_int_eq(count_entries(path), 0);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* the whole content of a small file, NUL-terminated (static buffer) */
static const char *slurp(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* the file holds the model c */
static void file_is(const char *path, const gcp_cfg_t *c)
{
	gcp_cfg_t *d = NULL;
	int missing = 1;
	char *a, *b;

	OK(gcp_cfg_load_file(path, &d, &missing, err, sizeof(err)));
	ck_assert_int_eq(missing, 0);
	a = dump(c);
	b = dump(d);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	gcp_cfg_free(d);
}

/* Anything at the temporary name of old (<file>.tmp.<pid>, opened without
 * O_EXCL) is neither written through nor replaced: a hard link planted
 * there still shares the other file's untouched content. */
START_TEST(test_save_planted_link)
{
	gcp_cfg_t *c = base_cfg();
	char path[128], old[160], victim[128];
	struct stat sb;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	snprintf(victim, sizeof(victim), "%s/victim", tmpdir);
	snprintf(old, sizeof(old), "%s.tmp.%ld", path, (long)getpid());
	write_text(victim, "untouched\n");
	ck_assert_int_eq(link(victim, old), 0);
	/* a new file, then a replacement */
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	file_is(path, c);
	ck_assert_str_eq(slurp(victim), "untouched\n");
	ck_assert_str_eq(slurp(old), "untouched\n");
	ck_assert_int_eq(stat(victim, &sb), 0);
	ck_assert_int_eq(sb.st_nlink, 2);
	ck_assert_int_eq(count_entries(tmpdir), 3);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* a new file holds members' phone numbers: 0600, whatever the umask */
START_TEST(test_save_new_mode)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];
	struct stat sb;
	mode_t um = umask(0);

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	umask(um);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_msg((sb.st_mode & 07777) == 0600, "new file has mode %04o",
			(unsigned)(sb.st_mode & 07777));
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* the replacement has the mode of the file it replaces, whatever the
 * umask */
START_TEST(test_save_keeps_mode)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];
	struct stat sb;
	mode_t um;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(chmod(path, 0640), 0);
	um = umask(0);
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_msg((sb.st_mode & 07777) == 0640, "replacement has mode %04o",
			(unsigned)(sb.st_mode & 07777));
	umask(077);
	ck_assert_int_eq(chmod(path, 0644), 0);
	OK(gcp_cfg_member_remove(c, "1002", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	umask(um);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_msg((sb.st_mode & 07777) == 0644, "replacement has mode %04o",
			(unsigned)(sb.st_mode & 07777));
	file_is(path, c);
	ck_assert_int_eq(count_entries(tmpdir), 1);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* as root, the replacement has the owner and group of the file it
 * replaces */
START_TEST(test_save_keeps_owner)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];
	struct stat sb;

	if(geteuid() != 0) {
		gcp_cfg_free(c);
		return; /* only root can give a file away */
	}
	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(chown(path, 1234, 5678), 0);
	ck_assert_int_eq(chmod(path, 0640), 0);
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_uid, 1234);
	ck_assert_int_eq(sb.st_gid, 5678);
	ck_assert_int_eq(sb.st_mode & 07777, 0640);
	file_is(path, c);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* Not root: a file of another user becomes Kamailio's user's (it owns the
 * folder's right to replace it anyway); a group it cannot keep is refused
 * when the mode gives that group more than others, since its own group
 * would get it. Needs root to set up and check's fork mode (the test drops
 * root in its own process). */
START_TEST(test_save_owner_not_root)
{
	gcp_cfg_t *c = base_cfg();
	char path[128], path2[128], path3[128];
	struct stat sb;
	ino_t ino;
	const char *fork_mode = getenv("CK_FORK");
	const uid_t nobody = 65534;

	if(geteuid() != 0 || (fork_mode && strcmp(fork_mode, "no") == 0)) {
		gcp_cfg_free(c);
		return;
	}
	make_tmpdir();
	snprintf(path, sizeof(path), "%s/a.xml", tmpdir);
	snprintf(path2, sizeof(path2), "%s/b.xml", tmpdir);
	snprintf(path3, sizeof(path3), "%s/c.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path2, err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path3, err, sizeof(err)));
	ck_assert_int_eq(chown(tmpdir, nobody, nobody), 0);
	ck_assert_int_eq(chown(path, 0, 0), 0);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(chown(path2, 0, 0), 0);
	ck_assert_int_eq(chmod(path2, 0644), 0);
	ck_assert_int_eq(chown(path3, 1234, nobody), 0);
	ck_assert_int_eq(chmod(path3, 0640), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ino = sb.st_ino;
	ck_assert_int_eq(setgroups(0, NULL), 0);
	ck_assert_int_eq(setgid(nobody), 0);
	ck_assert_int_eq(setuid(nobody), 0);
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	/* root:root 0640: group root reads it, others do not: refused, since
	 * the group of the new file (nobody's) would read it */
	err[0] = '\0';
	ck_assert_int_eq(gcp_cfg_save_file(c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot keep group 0 of") != NULL
						  && strstr(err, path) != NULL
						  && strstr(err, "Operation not permitted") != NULL,
			"error: %s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(seteuid(0), -1); /* really not root any more */
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_ino, ino); /* not replaced */
	ck_assert_int_eq(count_entries(tmpdir), 3);
	/* root:root 0644: the group gets nothing that others lack: saved, as
	 * nobody:nobody with the same mode */
	OK(gcp_cfg_save_file(c, path2, err, sizeof(err)));
	ck_assert_int_eq(stat(path2, &sb), 0);
	ck_assert_int_eq(sb.st_uid, nobody);
	ck_assert_int_eq(sb.st_gid, nobody);
	ck_assert_int_eq(sb.st_mode & 07777, 0644);
	file_is(path2, c);
	/* 1234:nobody 0640: the group is kept, the owner becomes nobody */
	OK(gcp_cfg_save_file(c, path3, err, sizeof(err)));
	ck_assert_int_eq(stat(path3, &sb), 0);
	ck_assert_int_eq(sb.st_uid, nobody);
	ck_assert_int_eq(sb.st_gid, nobody);
	ck_assert_int_eq(sb.st_mode & 07777, 0640);
	file_is(path3, c);
	ck_assert_int_eq(count_entries(tmpdir), 3);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

static int fsync_eio(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

/* a folder that cannot be synced after the rename: the new file is in
 * place, but the save is an error that says it may not be durable */
START_TEST(test_save_dir_fsync_fails)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	gcp_cfg_set_dir_fsync(fsync_eio);
	err[0] = '\0';
	ck_assert_int_eq(
			gcp_cfg_save_file(c, path, err, sizeof(err)), GCP_SAVE_NOT_DURABLE);
	gcp_cfg_set_dir_fsync(NULL);
	ck_assert_msg(strstr(err, "may not be durable") != NULL
						  && strstr(err, tmpdir) != NULL
						  && strstr(err, "Input/output error") != NULL,
			"error: %s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	file_is(path, c);
	ck_assert_int_eq(count_entries(tmpdir), 1);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	gcp_cfg_free(c);
	remove_tmpdir();
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
	char *a, *b;

	ck_assert_uint_eq(gcp_snap_nranges(s), 0);
	ck_assert_uint_eq(gcp_snap_nmembers(s), 0);
	ck_assert_int_eq(is_group(s, "7001"), 0);
	ck_assert_int_eq(gcp_snap_member_group(s, "1001", 4, &g, &gl), 0);
	ck_assert_int_eq(personal(s, "1001", "x", "y"), 0);
	d = gcp_snap_thaw(s);
	ck_assert_ptr_nonnull(d);
	a = dump(c);
	b = dump(d);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
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

START_TEST(test_snap_personal)
{
	gcp_cfg_t *c = base_cfg();
	void *s;

	OK(gcp_cfg_personal_add(c, "1002", "+15550100", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sip:mum@Example.ORG", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sips:dad@h.example:5061", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sip:v6@[2001:DB8::1]", err, sizeof(err)));
	s = snap_of(c);
	/* bare: the user part on any host */
	ck_assert_int_eq(personal(s, "1002", "+15550100", "pstn.example"), 1);
	ck_assert_int_eq(personal(s, "1002", "+15550100", NULL), 1);
	ck_assert_int_eq(personal(s, "1002", "+1555010", "pstn.example"), 0);
	ck_assert_int_eq(personal(s, "1002", "+155501000", "pstn.example"), 0);
	/* URI: user exactly, host case-insensitively */
	ck_assert_int_eq(personal(s, "1002", "mum", "example.org"), 1);
	ck_assert_int_eq(personal(s, "1002", "mum", "EXAMPLE.org"), 1);
	ck_assert_int_eq(personal(s, "1002", "Mum", "example.org"), 0);
	ck_assert_int_eq(personal(s, "1002", "mum", "example.com"), 0);
	ck_assert_int_eq(personal(s, "1002", "mum", "example.or"), 0);
	ck_assert_int_eq(personal(s, "1002", "mum", NULL), 0);
	/* the port of a contact does not take part */
	ck_assert_int_eq(personal(s, "1002", "dad", "H.example"), 1);
	ck_assert_int_eq(personal(s, "1002", "v6", "[2001:db8::1]"), 1);
	ck_assert_int_eq(personal(s, "1002", "v6", "2001:db8::1"), 1);
	ck_assert_int_eq(personal(s, "1002", "v6", "[2001:db8::2]"), 0);
	/* only that member's contacts */
	ck_assert_int_eq(personal(s, "1001", "+15550100", "x"), 0);
	ck_assert_int_eq(personal(s, "9999", "+15550100", "x"), 0);
	ck_assert_int_eq(personal(s, "1002", NULL, "example.org"), 0);
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
	OK(gcp_cfg_personal_add(
			c, "1002", "sip:mum@example.org", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "1002", "+1", err, sizeof(err)));
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

static Suite *config_suite(void)
{
	Suite *s = suite_create("gcp_config");
	TCase *t = tcase_create("config");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_number_valid);
	tcase_add_test(t, test_range_add);
	tcase_add_test(t, test_range_name_rules);
	tcase_add_test(t, test_range_number_rules);
	tcase_add_test(t, test_range_mixed_shape);
	tcase_add_test(t, test_range_reversed);
	tcase_add_test(t, test_range_pool_rules);
	tcase_add_test(t, test_overlap_adjacent_ok);
	tcase_add_test(t, test_overlap_refused);
	tcase_add_test(t, test_overlap_other_length_ok);
	tcase_add_test(t, test_overlap_other_prefix_ok);
	tcase_add_test(t, test_range_update);
	tcase_add_test(t, test_range_update_members);
	tcase_add_test(t, test_range_remove);
	tcase_add_test(t, test_range_add_covers_member);
	tcase_add_test(t, test_member_set);
	tcase_add_test(t, test_member_user_rules);
	tcase_add_test(t, test_member_group_rules);
	tcase_add_test(t, test_member_group_number);
	tcase_add_test(t, test_member_move);
	tcase_add_test(t, test_member_remove);
	tcase_add_test(t, test_personal_add);
	tcase_add_test(t, test_personal_invalid);
	tcase_add_test(t, test_personal_duplicate);
	tcase_add_test(t, test_personal_limit);
	tcase_add_test(t, test_personal_remove);
	tcase_add_test(t, test_error_one_line);
	tcase_add_test(t, test_clone);
	tcase_add_test(t, test_xml_example);
	tcase_add_test(t, test_xml_lenient_bits);
	tcase_add_test(t, test_xml_malformed);
	tcase_add_test(t, test_xml_structure);
	tcase_add_test(t, test_xml_text);
	tcase_add_test(t, test_xml_dtd_refused);
	tcase_add_test(t, test_xml_billion_laughs);
	tcase_add_test(t, test_xml_entities);
	tcase_add_test(t, test_xml_too_big);
	tcase_add_test(t, test_xml_big_lines);
	tcase_add_test(t, test_xml_model_rules);
	tcase_add_test(t, test_xml_too_many_personal);
	tcase_add_test(t, test_xml_silent);
	tcase_add_test(t, test_load_missing);
	tcase_add_test(t, test_load_errors);
	tcase_add_test(t, test_roundtrip);
	tcase_add_test(t, test_to_xml_canonical);
	tcase_add_test(t, test_save_load);
	tcase_add_test(t, test_save_bad_folder);
	tcase_add_test(t, test_save_planted_link);
	tcase_add_test(t, test_save_new_mode);
	tcase_add_test(t, test_save_keeps_mode);
	tcase_add_test(t, test_save_keeps_owner);
	tcase_add_test(t, test_save_owner_not_root);
	tcase_add_test(t, test_save_dir_fsync_fails);
	tcase_add_test(t, test_snap_empty);
	tcase_add_test(t, test_snap_lookups);
	tcase_add_test(t, test_snap_personal);
	tcase_add_test(t, test_snap_thaw);
	tcase_add_test(t, test_snap_10000);
	suite_add_tcase(s, t);
	/* a parser that tries to read the FIFO blocks: fail fast */
	t = tcase_create("no_load");
	tcase_set_timeout(t, 10);
	tcase_add_test(t, test_xml_external_entity);
	tcase_add_test(t, test_xml_external_dtd);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
