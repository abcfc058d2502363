/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * SIP/SDP text helpers (see gcp_sip.h). Inputs are length-bounded and never
 * assumed NUL-terminated.
 */

#include <limits.h>
#include <string.h>

#include "gcp_ascii.h"
#include "gcp_sip.h"

/* RFC 3261 token */
static int is_token(unsigned char ch)
{
	return gcp_is_alnum(ch) || (ch && strchr("-.!%*_+`'~", ch));
}

/* RFC 3261 word (callid halves) */
static int is_word(unsigned char ch)
{
	return gcp_is_alnum(ch) || (ch && strchr("-.!%*_+`'~()<>:\\\"/[]?{}", ch));
}

/* Output of bounded size: p[0..size) (NULL when size is 0); a write that
 * does not fit sets overflow and writes nothing, nor does any after it. */
typedef struct outbuf
{
	char *p;
	size_t size;
	size_t len;
	int overflow;
} outbuf_t;

static void out_put(outbuf_t *o, const char *s, size_t n)
{
	if(o->overflow || n > o->size - o->len) {
		o->overflow = 1;
		return;
	}
	if(n)
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* s[i] is allowed as is; '%' only as the start of a valid %HH */
static void out_escaped(outbuf_t *o, const char *s, size_t n, size_t sep,
		int (*allowed)(unsigned char))
{
	static const char hex[] = "0123456789ABCDEF";

	for(size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		int ok;
		if(i == sep)
			ok = 1;
		else if(ch == '%')
			ok = i + 2 < n && gcp_is_hex((unsigned char)s[i + 1])
				 && gcp_is_hex((unsigned char)s[i + 2]);
		else
			ok = allowed(ch);
		if(ok) {
			out_put(o, s + i, 1);
		} else {
			char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			out_put(o, e, 3);
		}
	}
}

int gcp_replaces_value(const char *callid, size_t callid_len,
		const char *to_tag, size_t to_tag_len, const char *from_tag,
		size_t from_tag_len, int early_only, char *out, size_t outsize)
{
	/* size one less than out: room for the final NUL */
	outbuf_t o = {out, outsize ? outsize - 1 : 0, 0, 0};
	size_t sep = (size_t)-1;

	if(!out || outsize == 0)
		return -1;
	out[0] = '\0';
	if(!callid || !callid_len || !to_tag || !to_tag_len || !from_tag
			|| !from_tag_len)
		return -1;

	/* the separator: the first '@' with something on both sides; any
	 * other '@' is escaped */
	for(size_t i = 1; i + 1 < callid_len; i++) {
		if(callid[i] == '@') {
			sep = i;
			break;
		}
	}
	out_escaped(&o, callid, callid_len, sep, is_word);
	out_put(&o, ";to-tag=", 8);
	out_escaped(&o, to_tag, to_tag_len, (size_t)-1, is_token);
	out_put(&o, ";from-tag=", 10);
	out_escaped(&o, from_tag, from_tag_len, (size_t)-1, is_token);
	if(early_only)
		out_put(&o, ";early-only", 11);
	if(o.overflow || o.len > INT_MAX) {
		out[0] = '\0';
		return -1;
	}
	out[o.len] = '\0';
	return (int)o.len;
}

/* Incoming Replaces (RFC 3891 section 6.1, RFC 3261 section 25.1):
 *   Replaces       = callid *(SEMI replaces-param)
 *   replaces-param = to-tag / from-tag / early-flag / generic-param
 *   generic-param  = token [ EQUAL gen-value ]
 *   gen-value      = token / host / quoted-string
 * with SEMI and EQUAL allowing SWS around them. Indices stay below len;
 * a helper that fails returns 0 (no valid position: every element it
 * scans starts after index 0). */

static int is_wsp(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/* SWS = [LWS], LWS = [*WSP CRLF] 1*WSP: the index after it (i if none) */
static size_t skip_sws(const char *s, size_t len, size_t i)
{
	while(i < len && is_wsp((unsigned char)s[i]))
		i++;
	if(i + 2 < len && s[i] == '\r' && s[i + 1] == '\n'
			&& is_wsp((unsigned char)s[i + 2])) {
		i += 2;
		while(i < len && is_wsp((unsigned char)s[i]))
			i++;
	}
	return i;
}

/* the end of the run of characters of a class from s[i] */
static size_t span(
		const char *s, size_t len, size_t i, int (*in_class)(unsigned char))
{
	while(i < len && in_class((unsigned char)s[i]))
		i++;
	return i;
}

/* UTF8-NONASCII at s[i]: its length, 0 when it is not one */
static size_t utf8_len(const char *s, size_t len, size_t i)
{
	unsigned char ch = (unsigned char)s[i];
	size_t n, k;

	if(ch < 0xc0 || ch > 0xfd)
		return 0;
	n = ch < 0xe0 ? 2 : ch < 0xf0 ? 3 : ch < 0xf8 ? 4 : ch < 0xfc ? 5 : 6;
	if(n > len - i)
		return 0;
	for(k = 1; k < n; k++)
		if(((unsigned char)s[i + k] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* quoted-string from the DQUOTE at s[i]: the index after the closing one.
 * qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII; quoted-pair =
 * "\" (%x00-09 / %x0B-0C / %x0E-7F), here without NUL (refused anywhere
 * in the value before this runs). */
static size_t quoted_end(const char *s, size_t len, size_t i)
{
	for(i++; i < len;) {
		unsigned char ch = (unsigned char)s[i];
		size_t n;
		if(ch == '"')
			return i + 1;
		if(ch == '\\') {
			if(i + 1 >= len || s[i + 1] == '\r' || s[i + 1] == '\n'
					|| (unsigned char)s[i + 1] > 0x7f)
				return 0;
			i += 2;
		} else if(ch == ' ' || ch == '\t' || ch == '\r') {
			n = skip_sws(s, len, i);
			if(n == i)
				return 0; /* a CR that does not fold the line */
			i = n;
		} else if(ch >= 0x21 && ch <= 0x7e) {
			i++;
		} else if((n = utf8_len(s, len, i)) > 0) {
			i += n;
		} else {
			return 0;
		}
	}
	return 0; /* left open */
}

static int is_v6ref(unsigned char ch)
{
	return gcp_is_hex(ch) || ch == ':' || ch == '.';
}

/* gen-value at s[i]: the index after it. A hostname or IPv4address is a
 * token; an IPv6reference is "[" hex digits, ':' and '.' "]". */
static size_t gen_value_end(const char *s, size_t len, size_t i)
{
	size_t e;

	if(i >= len)
		return 0;
	if(s[i] == '"')
		return quoted_end(s, len, i);
	if(s[i] == '[') {
		e = span(s, len, i + 1, is_v6ref);
		return (e > i + 1 && e < len && s[e] == ']') ? e + 1 : 0;
	}
	e = span(s, len, i, is_token);
	return e > i ? e : 0;
}

/* one of the tags: a token, given once */
static int take_tag(
		const char *v, size_t vlen, const char **tag, size_t *tag_len)
{
	if(*tag || vlen == 0 || span(v, vlen, 0, is_token) != vlen)
		return -1;
	*tag = v;
	*tag_len = vlen;
	return 0;
}

/* name[0..nlen) is the parameter p, any case */
#define PARAM_IS(name, nlen, p) \
	((nlen) == sizeof(p) - 1 && gcp_case_eq(name, p, sizeof(p) - 1))

static int parse_replaces(const char *s, size_t len, gcp_replaces_t *r)
{
	size_t i, e;

	/* callid = word [ "@" word ] */
	i = skip_sws(s, len, 0);
	e = span(s, len, i, is_word);
	if(e == i)
		return -1;
	if(e < len && s[e] == '@') {
		size_t h = span(s, len, e + 1, is_word);
		if(h == e + 1)
			return -1;
		e = h;
	}
	r->callid = s + i;
	r->callid_len = e - i;

	for(i = skip_sws(s, len, e); i < len;) {
		const char *name, *v = NULL;
		size_t nlen, vlen = 0;

		if(s[i] != ';')
			return -1;
		i = skip_sws(s, len, i + 1);
		e = span(s, len, i, is_token);
		if(e == i)
			return -1; /* no parameter after ';' */
		name = s + i;
		nlen = e - i;
		i = skip_sws(s, len, e);
		if(i < len && s[i] == '=') {
			i = skip_sws(s, len, i + 1);
			e = gen_value_end(s, len, i);
			if(e == 0)
				return -1;
			v = s + i;
			vlen = e - i;
			i = skip_sws(s, len, e);
		}
		if(PARAM_IS(name, nlen, "to-tag")) {
			if(take_tag(v, vlen, &r->to_tag, &r->to_tag_len) < 0)
				return -1;
		} else if(PARAM_IS(name, nlen, "from-tag")) {
			if(take_tag(v, vlen, &r->from_tag, &r->from_tag_len) < 0)
				return -1;
		} else if(PARAM_IS(name, nlen, "early-only")) {
			if(v || r->early_only)
				return -1;
			r->early_only = 1;
		}
		/* any other generic-param is skipped */
	}
	return (r->to_tag && r->from_tag) ? 0 : -1;
}

int gcp_replaces_parse(const char *value, size_t len, gcp_replaces_t *out)
{
	if(!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if(!value || len == 0 || len > GCP_REPLACES_MAX || memchr(value, '\0', len))
		return -1;
	if(parse_replaces(value, len, out) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

/* end of the line starting at in[i]: index after its LF, or len */
static size_t line_end(const char *in, size_t len, size_t i)
{
	const char *nl = memchr(in + i, '\n', len - i);
	return nl ? (size_t)(nl - in) + 1 : len;
}

static int is_m_line(const char *in, size_t len, size_t i)
{
	return i + 1 < len && in[i] == 'm' && in[i + 1] == '=';
}

/* "m=audio ", any case (media tokens compare case-insensitively) */
static int is_audio(const char *in, size_t e, size_t i)
{
	static const char a[] = "audio"; /* lower case: gcp_case_eq folds both */

	if(e - i < 8)
		return 0;
	return gcp_case_eq(in + i + 2, a, 5) && in[i + 7] == ' ';
}

/* Copies the m= line in[i..e) with port 0 in place of "<port>[/n]".
 * Returns 1 when that changed a byte, 0 when it was already port 0, -1
 * when the line is not "m=<media> <port>...". */
static int put_disabled_m(outbuf_t *o, const char *in, size_t i, size_t e)
{
	size_t m = i + 2, p, q;

	while(m < e && in[m] != ' ' && in[m] != '\r' && in[m] != '\n')
		m++;
	if(m == i + 2 || m >= e || in[m] != ' ')
		return -1;
	p = m + 1;
	q = p;
	while(q < e && in[q] >= '0' && in[q] <= '9')
		q++;
	if(q == p)
		return -1;
	if(q < e && in[q] == '/') {
		q++;
		if(q >= e || in[q] < '0' || in[q] > '9')
			return -1;
		while(q < e && in[q] >= '0' && in[q] <= '9')
			q++;
	}
	out_put(o, in + i, p - i);
	out_put(o, "0", 1);
	out_put(o, in + q, e - q);
	return !(q == p + 1 && in[p] == '0');
}

int gcp_sdp_audio_only(const char *in, size_t len, int mode, char *out,
		size_t outsize, int *changed)
{
	outbuf_t o = {out, out ? outsize : 0, 0, 0};
	size_t i, e;
	int nm = 0, drop = 0, chg = 0;

	if(changed)
		*changed = 0;
	if(!in || len < 2 || in[0] != 'v' || in[1] != '='
			|| (mode != GCP_SDP_REMOVE && mode != GCP_SDP_DISABLE))
		return -1;

	for(i = 0; i < len; i = e) {
		e = line_end(in, len, i);
		if(is_m_line(in, e, i)) {
			nm++;
			drop = 0;
			if(!is_audio(in, e, i)) {
				if(mode == GCP_SDP_REMOVE) {
					drop = 1;
					chg = 1;
				} else {
					int r = put_disabled_m(&o, in, i, e);
					if(r < 0)
						return -1;
					chg |= r;
				}
				continue;
			}
		}
		if(!drop)
			out_put(&o, in + i, e - i);
	}
	if(nm == 0)
		return -1;
	if(o.overflow || o.len > INT_MAX)
		return -2;
	if(changed)
		*changed = chg;
	return (int)o.len;
}

static int contains_nocase(
		const char *hay, size_t hay_len, const char *pat, size_t pat_len)
{
	if(pat_len > hay_len)
		return 0;
	for(size_t i = 0; i + pat_len <= hay_len; i++)
		if(gcp_case_eq(hay + i, pat, pat_len))
			return 1;
	return 0;
}

int gcp_ua_matches(
		const char *list, size_t list_len, const char *ua, size_t ua_len)
{
	size_t i = 0;

	if(!list || !ua)
		return 0;
	while(i < list_len) {
		size_t start = i, end;
		while(i < list_len && list[i] != '|')
			i++;
		end = i++;
		while(start < end && (list[start] == ' ' || list[start] == '\t'))
			start++;
		while(end > start && (list[end - 1] == ' ' || list[end - 1] == '\t'))
			end--;
		if(end > start
				&& contains_nocase(ua, ua_len, list + start, end - start))
			return 1;
	}
	return 0;
}
