/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of the dialog-info builder (gcp_dialoginfo.c): every document
 * is parsed with libxml2 and checked against RFC 4235's schema rules. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "gcp_dialoginfo.h"

#define NS "urn:ietf:params:xml:ns:dialog-info"

static char buf[8192];

#define S(f, v)                 \
	do {                        \
		in.f = v;               \
		in.f##_len = strlen(v); \
	} while(0)

static gcp_di_t member_in(void)
{
	gcp_di_t in;
	memset(&in, 0, sizeof(in));
	S(user, "1001");
	S(domain, "127.0.0.1");
	S(prefix, "**");
	S(dialog_id, "gcp-42");
	S(call_id, "a84b4c76e66710@pc33.atlanta.com");
	S(local_tag, "314159");
	S(remote_tag, "1928301774");
	S(caller_uri, "sip:2000@127.0.0.1");
	S(caller_display, "Alice");
	in.version = 7;
	return in;
}

/* an attribute's value (empty string when absent), into a static buffer */
static const char *prop(xmlNodePtr n, const char *name)
{
	static char v[2048];
	xmlChar *p = xmlGetProp(n, BAD_CAST name);
	v[0] = '\0';
	if(p) {
		snprintf(v, sizeof(v), "%s", (char *)p);
		xmlFree(p);
	}
	return v;
}

static int has_prop(xmlNodePtr n, const char *name)
{
	return xmlHasProp(n, BAD_CAST name) != NULL;
}

/* the element children of n, in order, at most max */
static int elems(xmlNodePtr n, xmlNodePtr *out, int max)
{
	int k = 0;
	for(xmlNodePtr c = n->children; c; c = c->next) {
		if(c->type == XML_ELEMENT_NODE && k < max)
			out[k++] = c;
		else if(c->type == XML_ELEMENT_NODE)
			k++;
		else
			/* only whitespace between elements: no mixed content */
			ck_assert(c->type == XML_TEXT_NODE && xmlIsBlankNode(c));
	}
	return k;
}

static int is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE
		   && strcmp((const char *)n->name, name) == 0 && n->ns
		   && strcmp((const char *)n->ns->href, NS) == 0;
}

static const char *text(xmlNodePtr n)
{
	static char v[2048];
	xmlChar *c = xmlNodeGetContent(n);
	snprintf(v, sizeof(v), "%s", c ? (char *)c : "");
	xmlFree(c);
	return v;
}

/* A participant (local/remote): identity? target?, in that order (RFC
 * 4235 section 4.1.6), target with a uri; identity's text into *id. */
static void check_participant(
		xmlNodePtr p, char *id, char *display, char *target, size_t n)
{
	xmlNodePtr c[8];
	int k = elems(p, c, 8);
	ck_assert_int_eq(k, 2);
	ck_assert(is(c[0], "identity"));
	ck_assert(is(c[1], "target"));
	snprintf(id, n, "%s", text(c[0]));
	snprintf(display, n, "%s", prop(c[0], "display"));
	ck_assert(has_prop(c[1], "uri"));
	snprintf(target, n, "%s", prop(c[1], "uri"));
	ck_assert_int_eq(elems(c[1], c, 8), 0);
}

/* What a parsed document holds. */
typedef struct doc_view
{
	char version[32], state[32], entity[1024];
	int dialogs;
	char id[1024], callid[1024], ltag[1024], rtag[1024], dir[32];
	int has_ltag, has_rtag;
	char dstate[32];
	char lid[1024], ldisp[1024], ltarget[1024];
	char rid[1024], rdisp[1024], rtarget[1024];
} doc_view_t;

/* Parse body (as a presence server does: libxml2, no network, no
 * entities), check the schema's rules, fill v. */
static void parse(const char *body, int len, doc_view_t *v)
{
	xmlDocPtr doc;
	xmlNodePtr root, c[8], d[8];
	int k;

	memset(v, 0, sizeof(*v));
	ck_assert_int_eq(len, (int)strlen(body));
	doc = xmlReadMemory(body, len, "di.xml", NULL,
			XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	ck_assert_msg(doc != NULL, "not well-formed:\n%s", body);
	ck_assert_str_eq((const char *)doc->encoding, "UTF-8");
	root = xmlDocGetRootElement(doc);
	ck_assert(is(root, "dialog-info"));
	/* version (nonNegativeInteger), state (full|partial), entity: all
	 * required */
	ck_assert(has_prop(root, "version") && has_prop(root, "state")
			  && has_prop(root, "entity"));
	snprintf(v->version, sizeof(v->version), "%s", prop(root, "version"));
	ck_assert(v->version[0] != '\0'
			  && strspn(v->version, "0123456789") == strlen(v->version));
	snprintf(v->state, sizeof(v->state), "%s", prop(root, "state"));
	ck_assert_str_eq(v->state, "full");
	snprintf(v->entity, sizeof(v->entity), "%s", prop(root, "entity"));
	ck_assert(strncmp(v->entity, "sip:", 4) == 0);

	k = elems(root, c, 8);
	v->dialogs = k;
	ck_assert_int_le(k, 1);
	if(k == 1) {
		ck_assert(is(c[0], "dialog"));
		ck_assert(has_prop(c[0], "id"));
		snprintf(v->id, sizeof(v->id), "%s", prop(c[0], "id"));
		ck_assert(v->id[0] != '\0');
		snprintf(v->callid, sizeof(v->callid), "%s", prop(c[0], "call-id"));
		v->has_ltag = has_prop(c[0], "local-tag");
		v->has_rtag = has_prop(c[0], "remote-tag");
		snprintf(v->ltag, sizeof(v->ltag), "%s", prop(c[0], "local-tag"));
		snprintf(v->rtag, sizeof(v->rtag), "%s", prop(c[0], "remote-tag"));
		snprintf(v->dir, sizeof(v->dir), "%s", prop(c[0], "direction"));
		ck_assert(strcmp(v->dir, "initiator") == 0
				  || strcmp(v->dir, "recipient") == 0);
		/* state first (required), then local, remote */
		ck_assert_int_eq(elems(c[0], d, 8), 3);
		ck_assert(is(d[0], "state"));
		snprintf(v->dstate, sizeof(v->dstate), "%s", text(d[0]));
		ck_assert(strcmp(v->dstate, "trying") == 0
				  || strcmp(v->dstate, "proceeding") == 0
				  || strcmp(v->dstate, "early") == 0
				  || strcmp(v->dstate, "confirmed") == 0
				  || strcmp(v->dstate, "terminated") == 0);
		ck_assert(is(d[1], "local"));
		ck_assert(is(d[2], "remote"));
		check_participant(d[1], v->lid, v->ldisp, v->ltarget, 1024);
		check_participant(d[2], v->rid, v->rdisp, v->rtarget, 1024);
	}
	xmlFreeDoc(doc);
}

START_TEST(test_member_early)
{
	gcp_di_t in = member_in();
	doc_view_t v;
	int n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	parse(buf, n, &v);
	ck_assert_str_eq(v.version, "7");
	ck_assert_str_eq(v.entity, "sip:1001@127.0.0.1");
	ck_assert_int_eq(v.dialogs, 1);
	ck_assert_str_eq(v.id, "gcp-42");
	ck_assert_str_eq(v.callid, "a84b4c76e66710@pc33.atlanta.com");
	ck_assert_str_eq(v.ltag, "314159");
	ck_assert_str_eq(v.rtag, "1928301774");
	ck_assert_str_eq(v.dir, "recipient");
	ck_assert_str_eq(v.dstate, "early");
	ck_assert_str_eq(v.lid, "sip:1001@127.0.0.1");
	ck_assert_str_eq(v.ltarget, "sip:1001@127.0.0.1");
	ck_assert_str_eq(v.ldisp, "");
	ck_assert_str_eq(v.rid, "sip:2000@127.0.0.1");
	ck_assert_str_eq(v.rdisp, "Alice");
	ck_assert_str_eq(v.rtarget, "sip:**1001@127.0.0.1");
	/* the namespace is the default one, declared on the root */
	ck_assert(strstr(buf, "<dialog-info xmlns=\"" NS "\"") != NULL);
}
END_TEST

START_TEST(test_member_terminated)
{
	gcp_di_t in = member_in();
	doc_view_t e, t;
	int n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
	parse(buf, n, &e);
	in.version = 8;
	n = gcp_dialoginfo_member(&in, GCP_DI_TERMINATED, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	parse(buf, n, &t);
	ck_assert_str_eq(t.dstate, "terminated");
	ck_assert_str_eq(t.version, "8");
	/* the same dialog as the early one: only state and version differ */
	memcpy(t.dstate, e.dstate, sizeof(t.dstate));
	memcpy(t.version, e.version, sizeof(t.version));
	ck_assert(memcmp(&e, &t, sizeof(e)) == 0);
}
END_TEST

START_TEST(test_group)
{
	gcp_di_t in = member_in();
	doc_view_t v;
	int n;
	S(user, "7001");
	S(dialog_id, "gcp-group-7001");
	n = gcp_dialoginfo_group(&in, GCP_DI_EARLY, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	parse(buf, n, &v);
	ck_assert_str_eq(v.entity, "sip:7001@127.0.0.1");
	ck_assert_str_eq(v.dstate, "early");
	ck_assert_str_eq(v.lid, "sip:7001@127.0.0.1");
	ck_assert_str_eq(v.ltarget, "sip:7001@127.0.0.1");
	ck_assert_str_eq(v.rid, "sip:2000@127.0.0.1");
	ck_assert_str_eq(v.rdisp, "Alice");
	/* no directed prefix: the key dials the group */
	ck_assert_str_eq(v.rtarget, "sip:7001@127.0.0.1");
	ck_assert_str_eq(v.callid, "a84b4c76e66710@pc33.atlanta.com");
	ck_assert_str_eq(v.ltag, "314159");
	ck_assert_str_eq(v.rtag, "1928301774");
	n = gcp_dialoginfo_group(&in, GCP_DI_TERMINATED, buf, sizeof(buf));
	parse(buf, n, &v);
	ck_assert_str_eq(v.dstate, "terminated");
	ck_assert_str_eq(v.id, "gcp-group-7001");
}
END_TEST

START_TEST(test_empty)
{
	gcp_di_t in = member_in();
	doc_view_t v;
	int n;
	in.version = 0;
	n = gcp_dialoginfo_empty(&in, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	parse(buf, n, &v);
	ck_assert_int_eq(v.dialogs, 0);
	ck_assert_str_eq(v.version, "0");
	ck_assert_str_eq(v.entity, "sip:1001@127.0.0.1");
	in.version = 4294967295u;
	n = gcp_dialoginfo_empty(&in, buf, sizeof(buf));
	parse(buf, n, &v);
	ck_assert_str_eq(v.version, "4294967295");
	/* only user and domain are needed */
	memset(&in, 0, sizeof(in));
	S(user, "7001");
	S(domain, "example.com");
	ck_assert_int_gt(gcp_dialoginfo_empty(&in, buf, sizeof(buf)), 0);
	in.domain_len = 0;
	ck_assert_int_eq(gcp_dialoginfo_empty(&in, buf, sizeof(buf)), -2);
	ck_assert_int_eq(gcp_dialoginfo_empty(NULL, buf, sizeof(buf)), -2);
}
END_TEST

/* Every string goes in escaped and comes out of the parser as it was. */
START_TEST(test_escaping)
{
	static const char *hostile[] = {"\"><script>alert('x')</script>",
			"A & B <boss@x>", "'\"'\"", "]]><!-- --><![CDATA[",
			"&amp;&#x41;&lt;", "Jos\xc3\xa9 M\xc3\xbcller \xe2\x98\x8e",
			"\" display=\"evil\" x=\"", "&", "<", ">", "\"", "'"};
	doc_view_t v;
	size_t i;
	int n;
	for(i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		gcp_di_t in = member_in();
		S(caller_display, hostile[i]);
		S(caller_uri, hostile[i]);
		S(call_id, hostile[i]);
		S(local_tag, hostile[i]);
		S(remote_tag, hostile[i]);
		S(dialog_id, hostile[i]);
		n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
		ck_assert_int_gt(n, 0);
		parse(buf, n, &v);
		ck_assert_str_eq(v.rdisp, hostile[i]);
		ck_assert_str_eq(v.rid, hostile[i]);
		ck_assert_str_eq(v.callid, hostile[i]);
		ck_assert_str_eq(v.ltag, hostile[i]);
		ck_assert_str_eq(v.rtag, hostile[i]);
		ck_assert_str_eq(v.id, hostile[i]);
		/* no raw markup character of the input got through */
		ck_assert(strstr(buf, "<script") == NULL);
		ck_assert(strstr(buf, "display=\"evil\"") == NULL);
	}
	/* user, domain and prefix are escaped too */
	{
		gcp_di_t in = member_in();
		S(user, "a\"b<c");
		S(domain, "x&y'z");
		S(prefix, "<*>");
		n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
		parse(buf, n, &v);
		ck_assert_str_eq(v.entity, "sip:a\"b<c@x&y'z");
		ck_assert_str_eq(v.rtarget, "sip:<*>a\"b<c@x&y'z");
	}
}
END_TEST

/* What XML cannot carry (controls, NUL, bad UTF-8) becomes '?'; the
 * document stays well-formed; TAB, CR, LF and valid UTF-8 stay. */
START_TEST(test_unrepresentable)
{
	gcp_di_t in = member_in();
	doc_view_t v;
	int n;
	static const char disp[] = "a\0b\x01\x1f\x7f"
							   "c\xff\xc3(\xed\xa0\x80\xe2\x82"
							   "d\xc0\xaf\xf4\x90\x80\x80"
							   "e\xef\xbf\xbf\tz\xc3\xa9";
	in.caller_display = disp;
	in.caller_display_len = sizeof(disp) - 1;
	n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq((int)strlen(buf), n); /* no NUL inside */
	parse(buf, n, &v);
	/* an attribute value's TAB is normalised to a blank by the parser */
	ck_assert_str_eq(v.rdisp, "a?b???c??"
							  "(?????"
							  "d??????e??? z\xc3\xa9");
}
END_TEST

/* Every buffer too small by one byte or more: -1 and an empty string. */
START_TEST(test_too_small)
{
	gcp_di_t in = member_in();
	static char small[8192];
	int full, n, k;
	size_t sz;
	for(k = 0; k < 3; k++) {
		if(k == 0)
			full = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
		else if(k == 1)
			full = gcp_dialoginfo_group(
					&in, GCP_DI_TERMINATED, buf, sizeof(buf));
		else
			full = gcp_dialoginfo_empty(&in, buf, sizeof(buf));
		ck_assert_int_gt(full, 0);
		for(sz = 0; sz <= (size_t)full; sz++) {
			memset(small, 'x', sizeof(small));
			if(k == 0)
				n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, small, sz);
			else if(k == 1)
				n = gcp_dialoginfo_group(&in, GCP_DI_TERMINATED, small, sz);
			else
				n = gcp_dialoginfo_empty(&in, small, sz);
			ck_assert_int_eq(n, -1);
			if(sz > 0)
				ck_assert_int_eq(small[0], '\0');
			/* nothing written past the buffer */
			ck_assert_int_eq(small[sz], 'x');
		}
		memset(small, 'x', sizeof(small));
		if(k == 0)
			n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, small, full + 1);
		else if(k == 1)
			n = gcp_dialoginfo_group(&in, GCP_DI_TERMINATED, small, full + 1);
		else
			n = gcp_dialoginfo_empty(&in, small, full + 1);
		ck_assert_int_eq(n, full);
		ck_assert_str_eq(small, buf);
		ck_assert_int_eq(small[full + 1], 'x');
	}
	/* a 0-size NULL buffer is "too small", not a crash */
	ck_assert_int_eq(gcp_dialoginfo_member(&in, GCP_DI_EARLY, NULL, 0), -1);
}
END_TEST

/* Required inputs; optional ones left out of the document. */
START_TEST(test_inputs)
{
	gcp_di_t in;
	doc_view_t v;
	int n;
	ck_assert_int_eq(
			gcp_dialoginfo_member(NULL, GCP_DI_EARLY, buf, sizeof(buf)), -2);
#define MISSING(f)                                                          \
	do {                                                                    \
		in = member_in();                                                   \
		in.f##_len = 0;                                                     \
		ck_assert_int_eq(                                                   \
				gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf)), \
				-2);                                                        \
		ck_assert_int_eq(                                                   \
				gcp_dialoginfo_group(&in, GCP_DI_EARLY, buf, sizeof(buf)),  \
				-2);                                                        \
		in = member_in();                                                   \
		in.f = NULL;                                                        \
		ck_assert_int_eq(                                                   \
				gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf)), \
				-2);                                                        \
	} while(0)
	MISSING(user);
	MISSING(domain);
	MISSING(dialog_id);
	MISSING(call_id);
	MISSING(caller_uri);
	in = member_in();
	ck_assert_int_eq(
			gcp_dialoginfo_member(&in, (gcp_di_state_t)5, buf, sizeof(buf)),
			-2);
	/* no tags, no display name, no prefix: left out, still valid */
	in = member_in();
	in.local_tag_len = 0;
	in.remote_tag = NULL;
	in.remote_tag_len = 0;
	in.caller_display_len = 0;
	in.prefix = NULL;
	in.prefix_len = 0;
	n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	parse(buf, n, &v);
	ck_assert(!v.has_ltag && !v.has_rtag);
	ck_assert(strstr(buf, "display=") == NULL);
	ck_assert_str_eq(v.rtarget, "sip:1001@127.0.0.1");
	/* lengths are honoured: nothing past them is read */
	in = member_in();
	in.call_id = "abcdef-NOT-THIS";
	in.call_id_len = 6;
	n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
	parse(buf, n, &v);
	ck_assert_str_eq(v.callid, "abcdef");
}
END_TEST

/* Long inputs: every byte escaped to its longest form still fits when the
 * buffer is big enough, and the result parses. */
START_TEST(test_long)
{
	gcp_di_t in = member_in();
	static char disp[2000], big[20000];
	doc_view_t v;
	int n;
	memset(disp, '"', sizeof(disp) - 1);
	disp[sizeof(disp) - 1] = '\0';
	S(caller_display, disp);
	n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, buf, sizeof(buf));
	ck_assert_int_eq(n, -1); /* 12 kB of &quot; do not fit in 8 kB */
	n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, big, sizeof(big));
	ck_assert_int_gt(n, 12000);
	{
		/* parse() checks against strlen: use big */
		xmlDocPtr d = xmlReadMemory(big, n, "x", NULL, XML_PARSE_NONET);
		ck_assert(d != NULL);
		xmlFreeDoc(d);
	}
	(void)v;
}
END_TEST

static Suite *di_suite(void)
{
	Suite *s = suite_create("dialoginfo");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_member_early);
	tcase_add_test(tc, test_member_terminated);
	tcase_add_test(tc, test_group);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_unrepresentable);
	tcase_add_test(tc, test_too_small);
	tcase_add_test(tc, test_inputs);
	tcase_add_test(tc, test_long);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int failed;
	SRunner *sr = srunner_create(di_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	xmlCleanupParser();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
