/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of the SIP/SDP text helpers (gcp_sip.c). */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "gcp_sip.h"

/* Replaces value of NUL-terminated inputs into a static buffer */
static char rbuf[1024];

static int rv(const char *callid, const char *to, const char *from, int early)
{
	return gcp_replaces_value(callid, strlen(callid), to, strlen(to), from,
			strlen(from), early, rbuf, sizeof(rbuf));
}

#define CK_RV(callid, to, from, early, want)                              \
	do {                                                                  \
		ck_assert_int_eq(rv(callid, to, from, early), (int)strlen(want)); \
		ck_assert_str_eq(rbuf, want);                                     \
	} while(0)

START_TEST(test_replaces_plain)
{
	CK_RV("a84b4c76e66710@pc33.atlanta.com", "314159", "1928301774", 1,
			"a84b4c76e66710@pc33.atlanta.com;to-tag=314159;"
			"from-tag=1928301774;early-only");
	CK_RV("a84b4c76e66710@pc33.atlanta.com", "314159", "1928301774", 0,
			"a84b4c76e66710@pc33.atlanta.com;to-tag=314159;"
			"from-tag=1928301774");
	/* no host part; every word and token character kept */
	CK_RV("0123456789abcdef-ABC", "a-.!%41*_+`'~Z", "x", 0,
			"0123456789abcdef-ABC;to-tag=a-.!%41*_+`'~Z;from-tag=x");
	CK_RV("w-.!*_+`'~()<>:\\\"/[]?{}@h-.!*_+`'~()<>:\\\"/[]?{}", "t", "f", 0,
			"w-.!*_+`'~()<>:\\\"/[]?{}@h-.!*_+`'~()<>:\\\"/[]?{};to-tag=t;"
			"from-tag=f");
}
END_TEST

START_TEST(test_replaces_escape)
{
	CK_RV("ab;c d=e,f@host", "t", "f", 0,
			"ab%3Bc%20d%3De%2Cf@host;to-tag=t;from-tag=f");
	/* a second '@' */
	CK_RV("abc@def@ghi", "t", "f", 0, "abc@def%40ghi;to-tag=t;from-tag=f");
	/* '@' with an empty side is no separator */
	CK_RV("@abc", "t", "f", 0, "%40abc;to-tag=t;from-tag=f");
	CK_RV("abc@", "t", "f", 0, "abc%40;to-tag=t;from-tag=f");
	CK_RV("@", "t", "f", 0, "%40;to-tag=t;from-tag=f");
	/* '%' only as %HH */
	CK_RV("50%off@h", "t", "f", 0, "50%25off@h;to-tag=t;from-tag=f");
	CK_RV("x%4", "t", "f", 0, "x%254;to-tag=t;from-tag=f");
	CK_RV("x%", "t", "f", 0, "x%25;to-tag=t;from-tag=f");
	/* the length bounds the look-ahead: "%4" then the end */
	ck_assert_int_eq(gcp_replaces_value("x%41", 3, "%41", 2, "f", 1, 0, rbuf,
							 sizeof(rbuf)),
			28);
	ck_assert_str_eq(rbuf, "x%254;to-tag=%254;from-tag=f");
	CK_RV("x%41y%aF@h", "t", "f", 0, "x%41y%aF@h;to-tag=t;from-tag=f");
	/* tags are tokens: no word-only characters, no '@' */
	CK_RV("c", "a;b c", "x=y,z", 1,
			"c;to-tag=a%3Bb%20c;from-tag=x%3Dy%2Cz;early-only");
	CK_RV("c", "a(b:c@d", "%zz%41", 0,
			"c;to-tag=a%28b%3Ac%40d;from-tag=%25zz%41");
	/* control and non-ASCII bytes */
	CK_RV("a\tb\xc3\xa9", "\x01", "\x7f", 0,
			"a%09b%C3%A9;to-tag=%01;from-tag=%7F");
}
END_TEST

START_TEST(test_replaces_bounds)
{
	static const char want[] = "ab%3Bc@h;to-tag=t%20t;from-tag=ff;early-only";
	const int wlen = (int)sizeof(want) - 1;
	char buf[128];

	for(size_t outsize = 0; outsize <= (size_t)wlen + 1; outsize++) {
		memset(buf, 'Z', sizeof(buf));
		int n = gcp_replaces_value(
				"ab;c@h", 6, "t t", 3, "ff", 2, 1, buf, outsize);
		if(outsize <= (size_t)wlen) {
			ck_assert_int_eq(n, -1);
		} else {
			ck_assert_int_eq(n, wlen);
			ck_assert_str_eq(buf, want);
		}
		for(size_t i = outsize; i < sizeof(buf); i++)
			ck_assert_int_eq(buf[i], 'Z');
	}
	/* empty inputs */
	ck_assert_int_eq(gcp_replaces_value("", 0, "t", 1, "f", 1, 0, buf, 64), -1);
	ck_assert_int_eq(gcp_replaces_value("c", 1, "", 0, "f", 1, 0, buf, 64), -1);
	ck_assert_int_eq(
			gcp_replaces_value("c", 1, "t", 1, "f", 0, 0, buf, 64), -1);
	ck_assert_int_eq(
			gcp_replaces_value(NULL, 1, "t", 1, "f", 1, 0, buf, 64), -1);
	ck_assert_int_eq(
			gcp_replaces_value("c", 1, "t", 1, "f", 1, 0, NULL, 64), -1);
	/* lengths, not NULs, bound the inputs */
	ck_assert_int_eq(
			gcp_replaces_value("c;x", 1, "tX", 1, "fY", 1, 0, buf, 64), 21);
	ck_assert_str_eq(buf, "c;to-tag=t;from-tag=f");
}
END_TEST

/* Incoming Replaces: the value in a heap block of exactly its length, so
 * ASan sees any read past it */
static gcp_replaces_t rp;

static int parse_n(const char *v, size_t len)
{
	char *heap = malloc(len ? len : 1);
	int r;

	memcpy(heap, v, len);
	r = gcp_replaces_parse(heap, len, &rp);
	if(r == 0) {
		/* the fields point into the value: rebase them onto v */
		ck_assert(rp.callid >= heap && rp.callid + rp.callid_len <= heap + len);
		ck_assert(rp.to_tag >= heap && rp.to_tag + rp.to_tag_len <= heap + len);
		ck_assert(rp.from_tag >= heap
				  && rp.from_tag + rp.from_tag_len <= heap + len);
		rp.callid = v + (rp.callid - heap);
		rp.to_tag = v + (rp.to_tag - heap);
		rp.from_tag = v + (rp.from_tag - heap);
	} else {
		ck_assert(rp.callid == NULL && rp.to_tag == NULL && rp.from_tag == NULL
				  && rp.early_only == 0);
	}
	free(heap);
	return r;
}

static int parse(const char *v)
{
	return parse_n(v, strlen(v));
}

static int field_is(const char *p, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(p, want, len) == 0;
}

#define CK_PARSE(v, want_callid, want_to, want_from, want_early)      \
	do {                                                              \
		ck_assert_int_eq(parse(v), 0);                                \
		ck_assert(field_is(rp.callid, rp.callid_len, want_callid));   \
		ck_assert(field_is(rp.to_tag, rp.to_tag_len, want_to));       \
		ck_assert(field_is(rp.from_tag, rp.from_tag_len, want_from)); \
		ck_assert_int_eq(rp.early_only, want_early);                  \
	} while(0)

START_TEST(test_parse_valid)
{
	/* RFC 3891 section 6.1's examples */
	CK_PARSE("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff",
			"98732@sip.example.com", "ff87ff", "r33th4x0r", 0);
	CK_PARSE("12345600@atlanta.example.com;from-tag=1234567;to-tag=12345",
			"12345600@atlanta.example.com", "12345", "1234567", 0);
	CK_PARSE("12345601@atlanta.example.com;from-tag=4321;to-tag=123;"
			 "early-only",
			"12345601@atlanta.example.com", "123", "4321", 1);
	/* what the builder writes: to-tag first */
	CK_PARSE("a84b4c76e66710@pc33.atlanta.com;to-tag=314159;"
			 "from-tag=1928301774;early-only",
			"a84b4c76e66710@pc33.atlanta.com", "314159", "1928301774", 1);
	/* early-only first, a Call-ID without host */
	CK_PARSE("abc;early-only;to-tag=t;from-tag=f", "abc", "t", "f", 1);
	/* generic params of every gen-value kind, before, between, after */
	CK_PARSE("c@h;x;to-tag=t;y=tok;from-tag=f;z=\"a ;b=\\\"c\\\\\";"
			 "h=host.example.com;ip=192.0.2.1;v6=[2001:db8::1];n",
			"c@h", "t", "f", 0);
	/* a generic param may repeat; UTF-8 in a quoted string */
	CK_PARSE("c;q=1;q=2;to-tag=t;from-tag=f;d=\"caf\xc3\xa9\"", "c", "t", "f",
			0);
	/* LWS around ';' and '=' and at both ends, folded lines too */
	CK_PARSE("  c@h \t; to-tag = t ;\tfrom-tag=\tf\t;  early-only  ", "c@h",
			"t", "f", 1);
	CK_PARSE("\r\n c@h\r\n ;\r\n\tto-tag\r\n =\r\n t;from-tag=f\r\n ", "c@h",
			"t", "f", 0);
	CK_PARSE("c;x=\"fold\r\n here\";to-tag=t;from-tag=f", "c", "t", "f", 0);
	/* parameter names in any case */
	CK_PARSE("c;TO-TAG=t;From-Tag=f;Early-Only", "c", "t", "f", 1);
	/* every word and token character, taken raw (no %HH decoding) */
	CK_PARSE("w-.!%*_+`'~()<>:\\\"/[]?{}@h-.!%*_+`'~()<>:\\\"/[]?{}"
			 ";to-tag=a-.!%41*_+`'~Z;from-tag=%zz",
			"w-.!%*_+`'~()<>:\\\"/[]?{}@h-.!%*_+`'~()<>:\\\"/[]?{}",
			"a-.!%41*_+`'~Z", "%zz", 0);
	/* the length, not a NUL, ends the value */
	ck_assert_int_eq(parse_n("c;to-tag=t;from-tag=fX", 21), 0);
	ck_assert(field_is(rp.from_tag, rp.from_tag_len, "f"));
}
END_TEST

START_TEST(test_parse_malformed)
{
	char big[10 * 1024 + 1];
	int n;

	/* no tags, one tag, a tag with no or an empty value */
	ck_assert_int_eq(parse("abc@host"), -1);
	ck_assert_int_eq(parse("abc@host;early-only"), -1);
	ck_assert_int_eq(parse("abc@host;to-tag=t"), -1);
	ck_assert_int_eq(parse("abc@host;from-tag=f"), -1);
	ck_assert_int_eq(parse("abc;to-tag;from-tag=f"), -1);
	ck_assert_int_eq(parse("abc;to-tag=;from-tag=f"), -1);
	ck_assert_int_eq(parse("abc;to-tag=t;from-tag= "), -1);
	/* empty or missing Call-ID; not word ["@" word] */
	ck_assert_int_eq(parse(""), -1);
	ck_assert_int_eq(parse("   "), -1);
	ck_assert_int_eq(parse(";to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse(" ;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("@h;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("c@;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("c@h@i;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("c h;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("c,h;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("c=h;to-tag=t;from-tag=f"), -1);
	/* a tag given twice (even with the same value, or another case) */
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;to-tag=t"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;FROM-TAG=g"), -1);
	/* a tag that is not a token */
	ck_assert_int_eq(parse("c;to-tag=\"t\";from-tag=f"), -1);
	ck_assert_int_eq(parse("c;to-tag=[::1];from-tag=f"), -1);
	ck_assert_int_eq(parse("c;to-tag=t(x);from-tag=f"), -1);
	ck_assert_int_eq(parse("c;to-tag=t@h;from-tag=f"), -1);
	/* early-only with a value, or twice */
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;early-only=1"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;early-only="), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;early-only;early-only"), -1);
	/* a trailing ';', an empty parameter, a parameter that is no
	 * generic-param */
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f; "), -1);
	ck_assert_int_eq(parse("c;;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;=x"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=a b"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=(a)"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=[]"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=[::1"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f,x"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f x"), -1);
	/* quoted strings: left open, an escape at the end, bad bytes */
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=\"open"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=\"open\\\""), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=\"a\\"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=\"\x01\""), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=\"a\r\nb\""), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=\"\xc3\""), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;x=\"\xff\""), -1);
	/* bytes over 0x7f in a token or the Call-ID */
	ck_assert_int_eq(parse("c;to-tag=t\xc3\xa9;from-tag=f"), -1);
	ck_assert_int_eq(parse("c\x80;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f;n\xe9=1"), -1);
	/* a NUL byte inside, anywhere */
	ck_assert_int_eq(parse_n("c\0d;to-tag=t;from-tag=f", 22), -1);
	ck_assert_int_eq(parse_n("c;to-tag=t\0;from-tag=f", 22), -1);
	ck_assert_int_eq(parse_n("c;to-tag=t;from-tag=f;x=\"\\\0\"", 28), -1);
	ck_assert_int_eq(parse_n("c;to-tag=t;from-tag=f\0", 22), -1);
	/* a CR or LF that does not fold the line */
	ck_assert_int_eq(parse("c;to-tag=t;from-tag=f\r\n"), -1);
	ck_assert_int_eq(parse("c\r\n;to-tag=t;from-tag=f"), -1);
	ck_assert_int_eq(parse("c;to-tag=t;\nfrom-tag=f"), -1);
	/* NULL */
	ck_assert_int_eq(gcp_replaces_parse(NULL, 5, &rp), -1);
	ck_assert_int_eq(gcp_replaces_parse("c;to-tag=t;from-tag=f", 21, NULL), -1);

	/* the length bound: GCP_REPLACES_MAX bytes parse, one more does not,
	 * nor does a 10 kB value */
	n = snprintf(big, sizeof(big), "c;to-tag=t;from-tag=f;x=");
	memset(big + n, 'a', sizeof(big) - 1 - n);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(parse_n(big, GCP_REPLACES_MAX), 0);
	ck_assert_int_eq(parse_n(big, GCP_REPLACES_MAX + 1), -1);
	ck_assert_int_eq(parse_n(big, sizeof(big) - 1), -1);
	memset(big, 'c', sizeof(big) - 1);
	ck_assert_int_eq(parse_n(big, sizeof(big) - 1), -1);
}
END_TEST

START_TEST(test_parse_prefixes)
{
	static const char v[] =
			"  a84b@pc33 ; to-tag = x ;from-tag=1928;"
			"x=\"a\\\"b\r\n c\xc3\xa9\";y=[::1];early-only\r\n ";
	/* every prefix of a value, each in a block of its own size */
	for(size_t cut = 0; cut < sizeof(v); cut++)
		ck_assert_int_ge(parse_n(v, cut), -1);
	CK_PARSE(v, "a84b@pc33", "x", "1928", 1);
}
END_TEST

/* parse(gcp_replaces_value(...)) gives back what was built from */
static void ck_round_trip(
		const char *callid, const char *to, const char *from, int early)
{
	int n = rv(callid, to, from, early);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(parse_n(rbuf, (size_t)n), 0);
	ck_assert(field_is(rp.callid, rp.callid_len, callid));
	ck_assert(field_is(rp.to_tag, rp.to_tag_len, to));
	ck_assert(field_is(rp.from_tag, rp.from_tag_len, from));
	ck_assert_int_eq(rp.early_only, early);
}

START_TEST(test_parse_round_trip)
{
	static const char word[] = "abcXYZ019-.!*_+`'~()<>:\\\"/[]?{}%41";
	static const char token[] = "abcXYZ019-.!*_+`'~%7e";
	char callid[256], tag[64];

	ck_round_trip("a84b4c76e66710@pc33.atlanta.com", "314159", "1928301774", 1);
	ck_round_trip("a84b4c76e66710@pc33.atlanta.com", "314159", "1928301774", 0);
	ck_round_trip(word, token, token, 1);
	snprintf(callid, sizeof(callid), "%s@%s", word, word);
	ck_round_trip(callid, "t", token, 0);
	/* each allowed character alone and in the middle */
	for(const char *w = word; *w; w++) {
		snprintf(callid, sizeof(callid), "%c", *w == '%' ? 'p' : *w);
		ck_round_trip(callid, "t", "f", 1);
		snprintf(callid, sizeof(callid), "x%c@y%cz", *w == '%' ? 'p' : *w,
				*w == '%' ? 'q' : *w);
		ck_round_trip(callid, "t", "f", 0);
	}
	for(const char *t = token; *t; t++) {
		snprintf(tag, sizeof(tag), "%c", *t == '%' ? 'p' : *t);
		ck_round_trip("c", tag, tag, 1);
	}
	/* what the builder escapes comes back escaped */
	ck_assert_int_gt(rv("a;b@h", "t t", "f", 0), 0);
	ck_assert_int_eq(parse(rbuf), 0);
	ck_assert(field_is(rp.callid, rp.callid_len, "a%3Bb@h"));
	ck_assert(field_is(rp.to_tag, rp.to_tag_len, "t%20t"));
}
END_TEST

/* SDP: an audio + video offer, CRLF */
#define SESSION                        \
	"v=0\r\n"                          \
	"o=- 20518 0 IN IP4 192.0.2.1\r\n" \
	"s=-\r\n"                          \
	"c=IN IP4 192.0.2.1\r\n"           \
	"t=0 0\r\n"
#define AUDIO                               \
	"m=audio 49170 RTP/AVP 0 8 101\r\n"     \
	"a=rtpmap:101 telephone-event/8000\r\n" \
	"a=sendrecv\r\n"
#define VIDEO_REST               \
	" RTP/AVP 96 97\r\n"         \
	"b=AS:512\r\n"               \
	"a=rtpmap:96 H264/90000\r\n" \
	"a=sendrecv\r\n"
#define VIDEO "m=video 51372" VIDEO_REST

static char sbuf[4096];
static int changed;

static int sdp(const char *in, int mode)
{
	changed = -1;
	return gcp_sdp_audio_only(
			in, strlen(in), mode, sbuf, sizeof(sbuf), &changed);
}

#define CK_SDP(in, mode, want, want_changed)                   \
	do {                                                       \
		ck_assert_int_eq(sdp(in, mode), (int)strlen(want));    \
		ck_assert_int_eq(memcmp(sbuf, want, strlen(want)), 0); \
		ck_assert_int_eq(changed, want_changed);               \
	} while(0)

START_TEST(test_sdp_disable)
{
	CK_SDP(SESSION AUDIO VIDEO, GCP_SDP_DISABLE,
			SESSION AUDIO "m=video 0" VIDEO_REST, 1);
	/* video first */
	CK_SDP(SESSION VIDEO AUDIO, GCP_SDP_DISABLE,
			SESSION "m=video 0" VIDEO_REST AUDIO, 1);
	/* "<port>/<n>": port 0 alone */
	CK_SDP(SESSION AUDIO "m=video 5000/2 RTP/AVP 96\r\na=x\r\n",
			GCP_SDP_DISABLE, SESSION AUDIO "m=video 0 RTP/AVP 96\r\na=x\r\n",
			1);
	/* already disabled: nothing to change */
	CK_SDP(SESSION AUDIO "m=video 0 RTP/AVP 96\r\n", GCP_SDP_DISABLE,
			SESSION AUDIO "m=video 0 RTP/AVP 96\r\n", 0);
}
END_TEST

START_TEST(test_sdp_remove)
{
	CK_SDP(SESSION AUDIO VIDEO, GCP_SDP_REMOVE, SESSION AUDIO, 1);
	CK_SDP(SESSION VIDEO AUDIO, GCP_SDP_REMOVE, SESSION AUDIO, 1);
	CK_SDP(SESSION VIDEO AUDIO VIDEO AUDIO, GCP_SDP_REMOVE, SESSION AUDIO AUDIO,
			1);
}
END_TEST

START_TEST(test_sdp_audio_only_input)
{
	CK_SDP(SESSION AUDIO, GCP_SDP_REMOVE, SESSION AUDIO, 0);
	CK_SDP(SESSION AUDIO, GCP_SDP_DISABLE, SESSION AUDIO, 0);
	CK_SDP(SESSION AUDIO AUDIO, GCP_SDP_REMOVE, SESSION AUDIO AUDIO, 0);
	/* the media token in any case is still audio */
	CK_SDP(SESSION "m=AUDIO 4000 RTP/AVP 0\r\n", GCP_SDP_DISABLE,
			SESSION "m=AUDIO 4000 RTP/AVP 0\r\n", 0);
	/* "audiox" is not audio */
	CK_SDP(SESSION AUDIO "m=audiox 4000 RTP/AVP 0\r\n", GCP_SDP_DISABLE,
			SESSION AUDIO "m=audiox 0 RTP/AVP 0\r\n", 1);
}
END_TEST

START_TEST(test_sdp_lf_and_last_line)
{
	static const char lf[] = "v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\n"
							 "m=audio 4000 RTP/AVP 0\na=sendrecv\n"
							 "m=video 5000 RTP/AVP 96\na=sendrecv\n";
	CK_SDP(lf, GCP_SDP_DISABLE,
			"v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\n"
			"m=audio 4000 RTP/AVP 0\na=sendrecv\n"
			"m=video 0 RTP/AVP 96\na=sendrecv\n",
			1);
	CK_SDP(lf, GCP_SDP_REMOVE,
			"v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\n"
			"m=audio 4000 RTP/AVP 0\na=sendrecv\n",
			1);
	/* no line end after the last line */
	CK_SDP(SESSION AUDIO "m=video 5000 RTP/AVP 96\r\na=sendrecv",
			GCP_SDP_DISABLE, SESSION AUDIO "m=video 0 RTP/AVP 96\r\na=sendrecv",
			1);
	CK_SDP(SESSION AUDIO "m=video 5000 RTP/AVP 96", GCP_SDP_DISABLE,
			SESSION AUDIO "m=video 0 RTP/AVP 96", 1);
	CK_SDP(SESSION AUDIO "m=video 5000 RTP/AVP 96", GCP_SDP_REMOVE,
			SESSION AUDIO, 1);
	CK_SDP(SESSION "m=audio 4000 RTP/AVP 0", GCP_SDP_REMOVE,
			SESSION "m=audio 4000 RTP/AVP 0", 0);
	/* mixed line ends are kept as they are */
	CK_SDP("v=0\r\ns=-\nm=audio 1 RTP/AVP 0\r\nm=text 2 RTP/AVP 98\na=x\n",
			GCP_SDP_DISABLE,
			"v=0\r\ns=-\nm=audio 1 RTP/AVP 0\r\nm=text 0 RTP/AVP 98\na=x\n", 1);
}
END_TEST

START_TEST(test_sdp_other_media)
{
	static const char app[] = "m=application 50000 UDP/BFCP *\r\n"
							  "a=floorctrl:c-only\r\n";
	static const char text[] = "m=text 11000 RTP/AVP 98\r\n"
							   "a=rtpmap:98 t140/1000\r\n";
	char in[1024], want[1024];

	snprintf(in, sizeof(in), "%s%s%s%s%s", SESSION, app, AUDIO, text, VIDEO);
	snprintf(want, sizeof(want), "%s%s%s", SESSION, AUDIO, "");
	CK_SDP(in, GCP_SDP_REMOVE, want, 1);
	snprintf(want, sizeof(want), "%s%s%s%s%s%s", SESSION,
			"m=application 0 UDP/BFCP *\r\na=floorctrl:c-only\r\n", AUDIO,
			"m=text 0 RTP/AVP 98\r\na=rtpmap:98 t140/1000\r\n", "m=video 0",
			VIDEO_REST);
	CK_SDP(in, GCP_SDP_DISABLE, want, 1);
}
END_TEST

START_TEST(test_sdp_not_sdp)
{
	ck_assert_int_eq(sdp("", GCP_SDP_REMOVE), -1);
	ck_assert_int_eq(sdp("v", GCP_SDP_REMOVE), -1);
	ck_assert_int_eq(sdp("hello world", GCP_SDP_REMOVE), -1);
	ck_assert_int_eq(
			sdp(" v=0\r\nm=audio 1 RTP/AVP 0\r\n", GCP_SDP_REMOVE), -1);
	ck_assert_int_eq(sdp("o=- 1 1 IN IP4 h\r\nv=0\r\nm=audio 1 RTP/AVP 0\r\n",
							 GCP_SDP_REMOVE),
			-1);
	/* no m= line (one inside a line does not count) */
	ck_assert_int_eq(sdp(SESSION, GCP_SDP_REMOVE), -1);
	ck_assert_int_eq(
			sdp("v=0\r\ns=m=audio 1 RTP/AVP 0\r\n", GCP_SDP_REMOVE), -1);
	/* a non-audio m= line without a port cannot be disabled */
	ck_assert_int_eq(sdp(SESSION AUDIO "m=video\r\n", GCP_SDP_DISABLE), -1);
	ck_assert_int_eq(
			sdp(SESSION AUDIO "m=video x RTP/AVP 9\r\n", GCP_SDP_DISABLE), -1);
	ck_assert_int_eq(
			sdp(SESSION AUDIO "m=video 5/ RTP/AVP 9\r\n", GCP_SDP_DISABLE), -1);
	/* unknown mode */
	ck_assert_int_eq(sdp(SESSION AUDIO, 0), -1);
	ck_assert_int_eq(changed, 0);
}
END_TEST

START_TEST(test_sdp_bounds)
{
	static const char in[] = SESSION AUDIO VIDEO;
	static const char want[] = SESSION AUDIO "m=video 0" VIDEO_REST;
	const size_t wlen = sizeof(want) - 1;
	char buf[1024];
	int ch;

	for(size_t outsize = 0; outsize <= wlen; outsize++) {
		memset(buf, 'Z', sizeof(buf));
		ch = -1;
		int n = gcp_sdp_audio_only(
				in, sizeof(in) - 1, GCP_SDP_DISABLE, buf, outsize, &ch);
		if(outsize < wlen) {
			ck_assert_int_eq(n, -2);
		} else {
			ck_assert_int_eq(n, (int)wlen);
			ck_assert_int_eq(memcmp(buf, want, wlen), 0);
			ck_assert_int_eq(ch, 1);
		}
		for(size_t i = outsize; i < sizeof(buf); i++)
			ck_assert_int_eq(buf[i], 'Z');
	}
	ck_assert_int_eq(gcp_sdp_audio_only(
							 in, sizeof(in) - 1, GCP_SDP_REMOVE, NULL, 0, NULL),
			-2);

	/* the input is bounded by len, not by a NUL: every prefix in a heap
	 * block of its own size lets ASan see any read past it */
	for(size_t cut = 0; cut < sizeof(in); cut++) {
		char *heap = malloc(cut ? cut : 1);
		memcpy(heap, in, cut);
		int r = gcp_sdp_audio_only(
				heap, cut, GCP_SDP_DISABLE, buf, sizeof(buf), NULL);
		ck_assert_int_ge(r, -1);
		free(heap);
	}
}
END_TEST

static int ua_match(const char *list, const char *ua)
{
	return gcp_ua_matches(list, strlen(list), ua, strlen(ua));
}

/* gcp_ua_matches(list, ua) */
#define TWINKLE "Twinkle/1.10.2"
static const struct
{
	const char *list, *ua;
	int match;
} ua_cases[] = {{"Twinkle/", TWINKLE, 1}, {"twinkle/", TWINKLE, 1},
		{"TWINKLE/1.10", TWINKLE, 1}, {"Twinkle/1.9", TWINKLE, 0},
		/* any pattern of the list, blanks and empty patterns ignored */
		{"baresip | Twinkle/", TWINKLE, 1}, {"baresip||Linphone", TWINKLE, 0},
		{"baresip||Linphone", "Linphone/5.1.65", 1}, {"", TWINKLE, 0},
		{"|| | ", TWINKLE, 0}, {" \t", TWINKLE, 0},
		/* pattern longer than the UA, at the very end, whole UA */
		{"Twinkle/1.10.2 extra", TWINKLE, 0}, {".2", TWINKLE, 1},
		{"Twinkle/1.10.2", TWINKLE, 1}, {"Twinkle/", "", 0}};

START_TEST(test_ua_matches)
{
	const char *twinkle = TWINKLE;

	for(size_t i = 0; i < sizeof(ua_cases) / sizeof(ua_cases[0]); i++)
		ck_assert_msg(
				ua_match(ua_cases[i].list, ua_cases[i].ua) == ua_cases[i].match,
				"ua_match(\"%s\", \"%s\") != %d", ua_cases[i].list,
				ua_cases[i].ua, ua_cases[i].match);
	/* lengths are honoured: no reading past them */
	ck_assert_int_eq(gcp_ua_matches("Twinkle/|x", 8, twinkle, 7), 0);
	ck_assert_int_eq(gcp_ua_matches("Twinkle/|x", 7, twinkle, 7), 1);
	ck_assert_int_eq(gcp_ua_matches(NULL, 0, twinkle, 7), 0);
	ck_assert_int_eq(gcp_ua_matches("x", 1, NULL, 0), 0);
	/* bytes above 127 compare as they are */
	ck_assert_int_eq(ua_match("\xc3\x89", "Phone \xc3\x89t\xc3\xa9"), 1);
	ck_assert_int_eq(ua_match("\xc3\xa9", "\xc3\x89"), 0);
}
END_TEST

static Suite *sip_suite(void)
{
	Suite *s = suite_create("sip");

	UNIT_TCASE(s, "core", 0, test_replaces_plain, test_replaces_escape,
			test_replaces_bounds, test_parse_valid, test_parse_malformed,
			test_parse_prefixes, test_parse_round_trip, test_sdp_disable,
			test_sdp_remove, test_sdp_audio_only_input,
			test_sdp_lf_and_last_line, test_sdp_other_media, test_sdp_not_sdp,
			test_sdp_bounds, test_ua_matches);
	return s;
}

int main(void)
{
	return run_suite(sip_suite());
}
