/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Unit tests of the group lists (other-group pickup): the model's rules
 * (gcp_model_group.c, the range rules of gcp_model.c), the <group>
 * element of the XML file (gcp_xml.c, gcp_xml_out.c) and the snapshot's
 * lookup and thaw (gcp_snap.c).
 */

#define _GNU_SOURCE

#include "cfg_util.h"

/* sales 7000-7099, support *800-*899, other 7100-7199; 1001, 1002 in 7001 */
static gcp_cfg_t *cfg3(void)
{
	gcp_cfg_t *c = base_cfg();

	OK(gcp_cfg_range_add(c, "other", "7100", "7199", NULL, err, sizeof(err)));
	return c;
}

/* set the list of g to the numbers given: SET(c, "7001", "7002", "*801") */
#define SET(c, g, ...)                                                     \
	({                                                                     \
		const char *const also_[] = {__VA_ARGS__};                         \
		err[0] = '\0';                                                     \
		gcp_cfg_group_set((c), (g), also_, sizeof(also_) / sizeof(*also_), \
				&bad, err, sizeof(err));                                   \
	})

static long bad;

static const char *also_of(const gcp_cfg_t *c, const char *g, size_t i)
{
	const gcp_group_list_t *l = gcp_cfg_find_list(c, g);

	return (l && i < l->nalso) ? l->also[i] : NULL;
}

START_TEST(test_group_set)
{
	gcp_cfg_t *c = cfg3();
	const gcp_group_list_t *l;

	ck_assert_ptr_null(gcp_cfg_find_list(c, "7001"));
	ck_assert_int_eq(SET(c, "7001", "7002", "*801", "7150"), 0);
	l = gcp_cfg_find_list(c, "7001");
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->nalso, 3);
	/* the list order is kept: it is the priority */
	ck_assert_str_eq(l->also[0], "7002");
	ck_assert_str_eq(l->also[1], "*801");
	ck_assert_str_eq(l->also[2], "7150");
	/* a group with no members may have a list, and be listed */
	ck_assert_int_eq(SET(c, "*805", "7001"), 0);
	ck_assert_uint_eq(c->nlists, 2);
	/* sorted by group */
	ck_assert_str_eq(c->lists[0].group, "*805");
	ck_assert_str_eq(c->lists[1].group, "7001");
	/* replaced as a whole */
	ck_assert_int_eq(SET(c, "7001", "7150"), 0);
	ck_assert_uint_eq(gcp_cfg_find_list(c, "7001")->nalso, 1);
	ck_assert_str_eq(also_of(c, "7001", 0), "7150");
	/* cleared: no entry left */
	OK(gcp_cfg_group_set(c, "7001", NULL, 0, NULL, err, sizeof(err)));
	ck_assert_ptr_null(gcp_cfg_find_list(c, "7001"));
	ck_assert_uint_eq(c->nlists, 1);
	/* clearing a group with no list is no error */
	OK(gcp_cfg_group_set(c, "7001", NULL, 0, NULL, err, sizeof(err)));
	/* the limit itself is allowed */
	ck_assert_int_eq(SET(c, "7001", "7010", "7011", "7012", "7013", "7014",
							 "7015", "7016", "7017", "7018", "7019"),
			0);
	ck_assert_uint_eq(gcp_cfg_find_list(c, "7001")->nalso, GCP_MAX_ALSO);
	gcp_cfg_free(c);
}
END_TEST

/* each rule: refused with its text, the model untouched, bad naming the
 * number that broke it */
#define SET_REFUSED(c, text, want_bad, g, ...)            \
	do {                                                  \
		REFUSED((c), SET((c), (g), __VA_ARGS__), (text)); \
		ck_assert_int_eq(bad, (want_bad));                \
	} while(0)

START_TEST(test_group_rules)
{
	gcp_cfg_t *c = cfg3();

	ck_assert_int_eq(SET(c, "7001", "7002"), 0);
	SET_REFUSED(c, "group \"70x1\" is not a number", -1, "70x1", "7002");
	SET_REFUSED(c, "group 7500 lies in no range", -1, "7500", "7002");
	SET_REFUSED(c, "group 1001 lies in no range", -1, "1001", "7002");
	SET_REFUSED(c, "group 7001: listed group \"abc\" is not a number", 1,
			"7001", "7003", "abc");
	SET_REFUSED(c, "group 7001: listed group 7500 lies in no range", 0, "7001",
			"7500");
	SET_REFUSED(c, "group 7001 cannot list itself", 1, "7001", "7002", "7001");
	SET_REFUSED(c, "group 7001 lists group 7002 twice", 2, "7001", "7002",
			"7003", "7002");
	SET_REFUSED(c, "group 7001 lists more than 10 groups (the limit)", 10,
			"7001", "7010", "7011", "7012", "7013", "7014", "7015", "7016",
			"7017", "7018", "7019", "7020");
	SET_REFUSED(c, "listed group \"\" is not a number", 0, "7001", "");
	/* an empty group: the message is one line */
	REFUSED(c, gcp_cfg_group_set(c, NULL, NULL, 0, &bad, err, sizeof(err)),
			"is not a number");
	ck_assert_int_eq(
			gcp_cfg_group_set(NULL, "7001", NULL, 0, &bad, err, sizeof(err)),
			-1);
	ck_assert_str_eq(err, "no configuration");
	/* the list in force is the one set first */
	ck_assert_uint_eq(gcp_cfg_find_list(c, "7001")->nalso, 1);
	ck_assert_str_eq(also_of(c, "7001", 0), "7002");
	gcp_cfg_free(c);
}
END_TEST

/* the file's rule: a <group> once, with one <also> at least */
START_TEST(test_group_add)
{
	const char *const one[] = {"7002"};
	gcp_cfg_t *c = cfg3();

	OK(gcp_cfg_group_add(c, "7001", one, 1, &bad, err, sizeof(err)));
	REFUSED(c, gcp_cfg_group_add(c, "7001", one, 1, &bad, err, sizeof(err)),
			"group 7001 has a list already (one <group> element per group)");
	REFUSED(c, gcp_cfg_group_add(c, "7003", NULL, 0, &bad, err, sizeof(err)),
			"group 7003 lists no group");
	gcp_cfg_free(c);
}
END_TEST

/* a range removal is refused while a group inside it is listed by another
 * group, or has a list itself; updates may not leave them outside */
START_TEST(test_group_ranges)
{
	gcp_cfg_t *c = cfg3();

	ck_assert_int_eq(SET(c, "7001", "7150"), 0);
	REFUSED(c, gcp_cfg_range_remove(c, "other", err, sizeof(err)),
			"range \"other\" cannot be removed: its group 7150 is listed by "
			"group 7001");
	REFUSED(c,
			gcp_cfg_range_update(
					c, "other", "7100", "7149", NULL, err, sizeof(err)),
			"range \"other\" 7100-7149 would leave group 7150, listed by group "
			"7001, in no range");
	/* an update that keeps it inside is fine */
	OK(gcp_cfg_range_update(
			c, "other", "7140", "7159", NULL, err, sizeof(err)));
	/* the group with the list: members gone, the list still holds it */
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_member_remove(c, "1002", err, sizeof(err)));
	REFUSED(c, gcp_cfg_range_remove(c, "sales", err, sizeof(err)),
			"range \"sales\" cannot be removed: its group 7001 has a list of "
			"other groups");
	REFUSED(c,
			gcp_cfg_range_update(
					c, "sales", "7002", "7099", NULL, err, sizeof(err)),
			"would leave group 7001, which has a list of other groups, in no "
			"range");
	/* once the list is cleared, both ranges can go */
	OK(gcp_cfg_group_set(c, "7001", NULL, 0, NULL, err, sizeof(err)));
	OK(gcp_cfg_range_remove(c, "other", err, sizeof(err)));
	OK(gcp_cfg_range_remove(c, "sales", err, sizeof(err)));
	/* members still refuse first */
	gcp_cfg_free(c);
	c = cfg3();
	ck_assert_int_eq(SET(c, "7150", "7001"), 0);
	REFUSED(c, gcp_cfg_range_remove(c, "sales", err, sizeof(err)),
			"range \"sales\" still has 2 members");
	gcp_cfg_free(c);
}
END_TEST

/* ------------------------------------------------------------ the file */

#define GCP_HEAD                                               \
	"<gcp>\n"                                                  \
	"  <range name=\"sales\" first=\"7000\" last=\"7099\"/>\n" \
	"  <range name=\"support\" first=\"*800\" last=\"*899\"/>\n"

START_TEST(test_group_xml)
{
	gcp_cfg_t *c, *d;
	char *x;

	c = parse_ok(GCP_HEAD "  <group number=\"7001\">\n"
						  "    <!-- sales covers support -->\n"
						  "    <also group=\"*801\"/>\n"
						  "    <also group=\"7002\"></also>\n"
						  "  </group>\n"
						  "  <member user=\"1001\" group=\"7001\"/>\n"
						  "</gcp>\n");
	ck_assert_uint_eq(c->nlists, 1);
	ck_assert_str_eq(also_of(c, "7001", 0), "*801");
	ck_assert_str_eq(also_of(c, "7001", 1), "7002");
	/* written after the members, read back the same */
	x = dump(c);
	ck_assert_ptr_nonnull(strstr(x, "  <member user=\"1001\" group=\"7001\"/>\n"
									"  <group number=\"7001\">\n"
									"    <also group=\"*801\"/>\n"
									"    <also group=\"7002\"/>\n"
									"  </group>\n"
									"</gcp>\n"));
	d = parse_ok(x);
	same_dump(c, d);
	free(x);
	gcp_cfg_free(c);
	gcp_cfg_free(d);
}
END_TEST

/* every rule of a list in a file: refused as a whole with file, line (of
 * the <also> that broke it, or of the <group>) and rule */
START_TEST(test_group_xml_refused)
{
	char x[4096];
	size_t o;
	int i;

	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">\n"
						   "    <also group=\"7002\"/>\n"
						   "    <also group=\"7001\"/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:6: group 7001 cannot list itself");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">\n"
						   "    <also group=\"7002\"/>\n"
						   "    <also group=\"7003\"/>\n"
						   "    <also group=\"7002\"/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:7: group 7001 lists group 7002 twice");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">\n"
						   "    <also group=\"7500\"/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:5: group 7001: listed group 7500 lies in no range");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">\n"
						   "    <also group=\"x1\"/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:5: group 7001: listed group \"x1\" is not a number");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7500\">\n"
						   "    <also group=\"7002\"/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:4: group 7500 lies in no range");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">\n"
						   "    <also group=\"7002\"/>\n"
						   "  </group>\n"
						   "  <group number=\"7001\">\n"
						   "    <also group=\"7003\"/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:7: group 7001 has a list already");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\"/>\n</gcp>\n",
			"t.xml:4: group 7001 lists no group");
	/* shape */
	PARSE_REFUSED(GCP_HEAD "  <group>\n    <also group=\"7002\"/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:4: <group> lacks attribute \"number\"");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">\n    <also/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:5: <also> lacks attribute \"group\"");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\" x=\"1\">\n"
						   "  </group>\n</gcp>\n",
			"t.xml:4: unknown attribute \"x\" in <group>");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">\n"
						   "    <member user=\"1\" group=\"7001\"/>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:5: unknown element <member> in <group>");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">\n"
						   "    <also group=\"7002\">x</also>\n"
						   "  </group>\n</gcp>\n",
			"t.xml:5: text is not allowed in <also>");
	PARSE_REFUSED(GCP_HEAD "  <group number=\"7001\">7002</group>\n</gcp>\n",
			"t.xml:4: text is not allowed in <group>");
	PARSE_REFUSED(GCP_HEAD "  <also group=\"7002\"/>\n</gcp>\n",
			"t.xml:4: unknown element <also> in <gcp>");
	/* the 11th <also> names the limit, on its own line */
	o = (size_t)snprintf(x, sizeof(x), GCP_HEAD "  <group number=\"7001\">\n");
	for(i = 0; i < 12; i++)
		o += (size_t)snprintf(
				x + o, sizeof(x) - o, "    <also group=\"70%02d\"/>\n", 10 + i);
	snprintf(x + o, sizeof(x) - o, "  </group>\n</gcp>\n");
	PARSE_REFUSED(x, "t.xml:15: group 7001 lists more than 10 groups");
}
END_TEST

/* ------------------------------------------------------------ snapshot */

START_TEST(test_group_snap)
{
	char out[GCP_MAX_ALSO][GCP_MAX_NUMBER + 1];
	gcp_cfg_t *c = cfg3(), *d;
	void *s;

	ck_assert_int_eq(SET(c, "7001", "7150", "*801", "7002"), 0);
	ck_assert_int_eq(SET(c, "*801", "7001"), 0);
	s = aligned_alloc(8, gcp_snap_size(c));
	ck_assert_ptr_nonnull(s);
	gcp_snap_build(c, s);
	ck_assert_uint_eq(gcp_snap_nlists(s), 2);
	ck_assert_uint_eq(gcp_snap_group_also(s, "7001", 4, out, GCP_MAX_ALSO), 3);
	ck_assert_str_eq(out[0], "7150");
	ck_assert_str_eq(out[1], "*801");
	ck_assert_str_eq(out[2], "7002");
	/* never more than the room given */
	ck_assert_uint_eq(gcp_snap_group_also(s, "7001", 4, out, 2), 2);
	ck_assert_uint_eq(gcp_snap_group_also(s, "*801", 4, out, GCP_MAX_ALSO), 1);
	ck_assert_str_eq(out[0], "7001");
	/* a group without a list, a prefix of a number, no number at all */
	ck_assert_uint_eq(gcp_snap_group_also(s, "7002", 4, out, GCP_MAX_ALSO), 0);
	ck_assert_uint_eq(gcp_snap_group_also(s, "700", 3, out, GCP_MAX_ALSO), 0);
	ck_assert_uint_eq(gcp_snap_group_also(s, "70011", 5, out, GCP_MAX_ALSO), 0);
	ck_assert_uint_eq(
			gcp_snap_group_also(NULL, "7001", 4, out, GCP_MAX_ALSO), 0);
	/* the thaw (what every RPC change starts from) keeps the lists */
	d = gcp_snap_thaw(s);
	ck_assert_ptr_nonnull(d);
	same_dump(c, d);
	ck_assert_str_eq(also_of(d, "7001", 1), "*801");
	/* and the range rules still hold on the thawed copy */
	REFUSED(d, gcp_cfg_range_remove(d, "other", err, sizeof(err)),
			"its group 7150 is listed by group 7001");
	free(s);
	gcp_cfg_free(d);
	d = gcp_cfg_clone(c);
	same_dump(c, d);
	gcp_cfg_free(c);
	gcp_cfg_free(d);
}
END_TEST

/* many lists: lookups find each (the binary search over the sorted
 * array) */
START_TEST(test_group_snap_many)
{
	char out[GCP_MAX_ALSO][GCP_MAX_NUMBER + 1], g[16], a[16];
	gcp_cfg_t *c = cfg3();
	const char *p[1] = {a};
	void *s;
	int i;

	for(i = 0; i < 100; i++) {
		snprintf(g, sizeof(g), "70%02d", i);
		snprintf(a, sizeof(a), "71%02d", i);
		OK(gcp_cfg_group_set(c, g, p, 1, NULL, err, sizeof(err)));
	}
	s = aligned_alloc(8, gcp_snap_size(c));
	gcp_snap_build(c, s);
	for(i = 0; i < 100; i++) {
		snprintf(g, sizeof(g), "70%02d", i);
		snprintf(a, sizeof(a), "71%02d", i);
		ck_assert_uint_eq(gcp_snap_group_also(s, g, 4, out, GCP_MAX_ALSO), 1);
		ck_assert_str_eq(out[0], a);
	}
	free(s);
	gcp_cfg_free(c);
}
END_TEST

int main(void)
{
	return UNIT_RUN("gcp_group", "group", 60, test_group_set, test_group_rules,
			test_group_add, test_group_ranges, test_group_xml,
			test_group_xml_refused, test_group_snap, test_group_snap_many);
}
