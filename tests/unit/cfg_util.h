/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Shared helpers for the unit tests of the configuration (test_model.c,
 * test_xml.c, test_xml_file.c, test_snap.c): the error buffer, the
 * OK / REFUSED / PARSE_REFUSED checks, a base model, a private temporary
 * folder and the runner. Each test file is its own program: these are
 * static, one copy per binary.
 */
#ifndef _CFG_UTIL_H_
#define _CFG_UTIL_H_

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_util.h"

#include "gcp_model.h"
#include "gcp_snap.h"
#include "gcp_xml.h"

static char err[GCP_ERR_LEN];

static inline char *dump(const gcp_cfg_t *cfg)
{
	char *s = gcp_cfg_to_xml(cfg, NULL);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* the two models dump to the same XML */
static inline void same_dump(const gcp_cfg_t *c, const gcp_cfg_t *d)
{
	char *a = dump(c), *b = dump(d);

	ck_assert_str_eq(a, b);
	free(a);
	free(b);
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

/* the contacts added in turn to member user's personal list, each must
 * succeed: PERSONAL_ADD(c, "1002", "+15550100", "sip:mum@example.org") */
#define PERSONAL_ADD(c, user, ...)                                            \
	do {                                                                      \
		const char *const contacts_[] = {__VA_ARGS__};                        \
		for(size_t i_ = 0; i_ < sizeof(contacts_) / sizeof(*contacts_); i_++) \
			OK(gcp_cfg_personal_add(                                          \
					(c), (user), contacts_[i_], err, sizeof(err)));           \
	} while(0)

static inline int parse(const char *xml, gcp_cfg_t **out)
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

static inline gcp_cfg_t *parse_ok(const char *xml)
{
	gcp_cfg_t *c = NULL;

	ck_assert_msg(parse(xml, &c) == 0, "refused: %s", err);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* sales 7000-7099 (pool fe1), support *800-*899, 1001 and 1002 in 7001 */
static inline gcp_cfg_t *base_cfg(void)
{
	gcp_cfg_t *c = gcp_cfg_new();

	ck_assert_ptr_nonnull(c);
	OK(gcp_cfg_range_add(c, "sales", "7000", "7099", "fe1", err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "support", "*800", "*899", NULL, err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "1001", "7001", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "1002", "7001", err, sizeof(err)));
	return c;
}

static char tmpdir[64] __attribute__((unused));

static inline void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/gcp_test_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline int rm_one(
		const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline void remove_tmpdir(void)
{
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
