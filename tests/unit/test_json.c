/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of gcp_json.c: JSON into a fixed buffer, as the cluster's
 * DMQ messages are written (an append fits whole or changes nothing). */

#include <check.h>
#include <string.h>

#include "check_util.h"
#include "gcp_json.h"

START_TEST(test_escapes)
{
	char buf[64];
	gcp_json_t j = {buf, sizeof(buf), 0};
	const char in[] = "a\"b\\c\n\x01z";

	ck_assert_int_eq(gcp_json_str(&j, in, sizeof(in) - 1), 0);
	ck_assert_str_eq(buf, "\"a\\\"b\\\\c\\u000a\\u0001z\"");
	ck_assert_uint_eq(j.len, strlen(buf));
	ck_assert_uint_eq(gcp_json_str_size(in, sizeof(in) - 1), j.len);
}
END_TEST

START_TEST(test_uint_and_raw)
{
	char buf[64];
	gcp_json_t j = {buf, sizeof(buf), 0};

	ck_assert_int_eq(gcp_json_raw(&j, "[", 1), 0);
	ck_assert_int_eq(gcp_json_uint(&j, 18446744073709551615ULL), 0);
	ck_assert_int_eq(gcp_json_raw(&j, ",", 1), 0);
	ck_assert_int_eq(gcp_json_uint(&j, 0), 0);
	ck_assert_int_eq(gcp_json_raw(&j, "]", 1), 0);
	ck_assert_str_eq(buf, "[18446744073709551615,0]");
}
END_TEST

/* what does not fit leaves the buffer as it was: a batch closes there */
START_TEST(test_full_changes_nothing)
{
	char buf[8];
	gcp_json_t j = {buf, sizeof(buf), 0};

	ck_assert_int_eq(gcp_json_str(&j, "abcd", 4), 0); /* "abcd" + NUL: 7 */
	ck_assert_int_eq(gcp_json_str(&j, "", 0), -1);	  /* 2 more: no room */
	ck_assert_int_eq(gcp_json_raw(&j, "xy", 2), -1);
	ck_assert_int_eq(gcp_json_uint(&j, 12), -1);
	ck_assert_str_eq(buf, "\"abcd\"");
	ck_assert_uint_eq(j.len, 6);
	ck_assert_int_eq(gcp_json_raw(&j, "]", 1), 0); /* exactly full */
	ck_assert_str_eq(buf, "\"abcd\"]");
	ck_assert_int_eq(gcp_json_raw(&j, "", 0), 0);
	ck_assert_int_eq(gcp_json_raw(&j, "x", 1), -1);
}
END_TEST

/* an escape is never cut in half at the end of the room */
START_TEST(test_escape_at_the_edge)
{
	char buf[9];
	gcp_json_t j = {buf, sizeof(buf), 0};

	/* "\u0001" is 8 bytes with its quotes, and the NUL makes 9 */
	ck_assert_int_eq(gcp_json_str(&j, "\x01", 1), 0);
	ck_assert_str_eq(buf, "\"\\u0001\"");
	j.len = 0;
	buf[0] = '\0';
	ck_assert_int_eq(gcp_json_str(&j,
							 "\x01"
							 "a",
							 2),
			-1);
	ck_assert_uint_eq(j.len, 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_uint_and_raw);
	tcase_add_test(tc, test_full_changes_nothing);
	tcase_add_test(tc, test_escape_at_the_edge);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(json_suite());
}
