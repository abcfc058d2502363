/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Unit tests of the configuration model (gcp_model.c): numbers, ranges,
 * members and personal contacts, and the errors that refuse them.
 */

#define _GNU_SOURCE

#include "cfg_util.h"

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

/* issue 13: no group number starts with the directed-pickup code */
START_TEST(test_range_reserved_prefix)
{
	gcp_cfg_t *c = gcp_cfg_new();

	gcp_cfg_set_reserved_prefix("*8", 2);
	REFUSED(c,
			gcp_cfg_range_add(c, "s", "*800", "*899", NULL, err, sizeof(err)),
			"start with directed_prefix \"*8\"");
	REFUSED(c,
			gcp_cfg_range_add(c, "s", "*700", "*899", NULL, err, sizeof(err)),
			"directed-pickup code");
	OK(gcp_cfg_range_add(c, "t", "*700", "*799", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "u", "7000", "7099", NULL, err, sizeof(err)));
	gcp_cfg_set_reserved_prefix("7005", 4);
	OK(gcp_cfg_range_add(c, "v", "7100", "7199", NULL, err, sizeof(err)));
	REFUSED(c,
			gcp_cfg_range_update(
					c, "u", "7000", "7099", NULL, err, sizeof(err)),
			"start with directed_prefix \"7005\"");
	/* "**" can start no number; a code longer than a number none */
	gcp_cfg_set_reserved_prefix("**", 2);
	OK(gcp_cfg_range_add(c, "w", "*800", "*899", NULL, err, sizeof(err)));
	gcp_cfg_set_reserved_prefix("80000", 5);
	OK(gcp_cfg_range_add(c, "x", "8000", "8099", NULL, err, sizeof(err)));
	gcp_cfg_set_reserved_prefix("", 0);
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

	PERSONAL_ADD(c, "1002", "+15550100", "sip:mum@example.org",
			"sips:dad@10.0.0.1:5061", "SIP:bob@[2001:db8::1]:5060",
			"sip:a;b=c@host-1.example");
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

	PERSONAL_ADD(c, "1002", "+15550100", "sip:mum@example.org");
	REFUSED(c, gcp_cfg_personal_add(c, "1002", "+15550100", err, sizeof(err)),
			"user 1002 already has personal contact \"+15550100\"");
	REFUSED(c,
			gcp_cfg_personal_add(
					c, "1002", "SIP:mum@EXAMPLE.org", err, sizeof(err)),
			"already has personal contact");
	/* the user part is case-sensitive, the port and scheme matter */
	PERSONAL_ADD(c, "1002", "sip:Mum@example.org", "sips:mum@example.org",
			"sip:mum@example.org:5060");
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

	PERSONAL_ADD(c, "1002", "a", "sip:b@Example.org", "c");
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

int main(void)
{
	return UNIT_RUN("gcp_model", "model", 60, test_number_valid, test_range_add,
			test_range_reserved_prefix, test_range_name_rules,
			test_range_number_rules, test_range_mixed_shape,
			test_range_reversed, test_range_pool_rules,
			test_overlap_adjacent_ok, test_overlap_refused,
			test_overlap_other_length_ok, test_overlap_other_prefix_ok,
			test_range_update, test_range_update_members, test_range_remove,
			test_range_add_covers_member, test_member_set,
			test_member_user_rules, test_member_group_rules,
			test_member_group_number, test_member_move, test_member_remove,
			test_personal_add, test_personal_invalid, test_personal_duplicate,
			test_personal_limit, test_personal_remove, test_error_one_line);
}
