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
