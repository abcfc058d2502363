/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Unit tests of the XML file (gcp_xml.c), the document: the writer, the
 * reader and its line numbers, the shape check, what is refused (DTDs,
 * entities, size) and the model rules through the file.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cfg_util.h"

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

int main(void)
{
	Suite *s = suite_create("gcp_xml");

	UNIT_TCASE(s, "xml", 60, test_xml_example, test_xml_lenient_bits,
			test_xml_malformed, test_xml_structure, test_xml_text,
			test_xml_dtd_refused, test_xml_billion_laughs, test_xml_entities,
			test_xml_too_big, test_xml_big_lines, test_xml_model_rules,
			test_xml_too_many_personal, test_xml_silent);
	/* a parser that tries to read the FIFO blocks: fail fast */
	UNIT_TCASE(
			s, "no_load", 10, test_xml_external_entity, test_xml_external_dtd);
	return run_suite(s);
}
