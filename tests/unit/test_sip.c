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

START_TEST(test_ua_matches)
{
	const char *twinkle = "Twinkle/1.10.2";
	ck_assert_int_eq(ua_match("Twinkle/", twinkle), 1);
	ck_assert_int_eq(ua_match("twinkle/", twinkle), 1);
	ck_assert_int_eq(ua_match("TWINKLE/1.10", twinkle), 1);
	ck_assert_int_eq(ua_match("Twinkle/1.9", twinkle), 0);
	/* any pattern of the list, blanks and empty patterns ignored */
	ck_assert_int_eq(ua_match("baresip | Twinkle/", twinkle), 1);
	ck_assert_int_eq(ua_match("baresip||Linphone", twinkle), 0);
	ck_assert_int_eq(ua_match("baresip||Linphone", "Linphone/5.1.65"), 1);
	ck_assert_int_eq(ua_match("", twinkle), 0);
	ck_assert_int_eq(ua_match("|| | ", twinkle), 0);
	ck_assert_int_eq(ua_match(" \t", twinkle), 0);
	/* pattern longer than the UA, at the very end, whole UA */
	ck_assert_int_eq(ua_match("Twinkle/1.10.2 extra", twinkle), 0);
	ck_assert_int_eq(ua_match(".2", twinkle), 1);
	ck_assert_int_eq(ua_match("Twinkle/1.10.2", twinkle), 1);
	ck_assert_int_eq(ua_match("Twinkle/", ""), 0);
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
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_replaces_plain);
	tcase_add_test(tc, test_replaces_escape);
	tcase_add_test(tc, test_replaces_bounds);
	tcase_add_test(tc, test_sdp_disable);
	tcase_add_test(tc, test_sdp_remove);
	tcase_add_test(tc, test_sdp_audio_only_input);
	tcase_add_test(tc, test_sdp_lf_and_last_line);
	tcase_add_test(tc, test_sdp_other_media);
	tcase_add_test(tc, test_sdp_not_sdp);
	tcase_add_test(tc, test_sdp_bounds);
	tcase_add_test(tc, test_ua_matches);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sip_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
