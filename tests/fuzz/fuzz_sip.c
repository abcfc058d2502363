/*
 * libFuzzer harness: the Replaces builder and parser, the audio-only SDP
 * filter and the User-Agent pattern match. The first byte picks the
 * function (bit 1: SDP; else bit 16: the parser, on the rest as it is;
 * else bit 8: User-Agent; else the builder); for the builder and the
 * User-Agent the rest is split at NUL bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcp_sip.h"

/* patterns list vs User-Agent ua: a 0/1 answer, blind to ASCII case, and
 * a UA always matches itself as a pattern (when it is one: no '|', no
 * blank at either end) */
static void fuzz_ua(
		const char *list, size_t list_len, const char *ua, size_t ua_len)
{
	char upper[4096];
	int r = gcp_ua_matches(list, list_len, ua, ua_len);

	if(r != 0 && r != 1)
		abort();
	if(ua_len <= sizeof(upper)) {
		for(size_t i = 0; i < ua_len; i++)
			upper[i] = (ua[i] >= 'a' && ua[i] <= 'z') ? ua[i] - 32 : ua[i];
		if(gcp_ua_matches(list, list_len, upper, ua_len) != r)
			abort();
	}
	if(ua_len > 0 && !memchr(ua, '|', ua_len) && ua[0] != ' ' && ua[0] != '\t'
			&& ua[ua_len - 1] != ' ' && ua[ua_len - 1] != '\t'
			&& gcp_ua_matches(ua, ua_len, ua, ua_len) != 1)
		abort();
}

static int same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* A value the builder wrote (n bytes in out, from these inputs) parses
 * when it is short enough; to the same Call-ID and tags when the builder
 * escaped nothing (escaping always makes the value longer). */
static void check_built(const char *out, int n, const char *callid,
		size_t callid_len, const char *to, size_t to_len, const char *from,
		size_t from_len, int early)
{
	gcp_replaces_t r;
	size_t plain = callid_len + to_len + from_len + 18 + (early ? 11 : 0);
	int p = gcp_replaces_parse(out, (size_t)n, &r);

	if((size_t)n > GCP_REPLACES_MAX) {
		if(p != -1)
			abort();
		return;
	}
	if(p != 0 || r.early_only != !!early)
		abort();
	if((size_t)n == plain
			&& (!same(r.callid, r.callid_len, callid, callid_len)
					|| !same(r.to_tag, r.to_tag_len, to, to_len)
					|| !same(r.from_tag, r.from_tag_len, from, from_len)))
		abort();
}

/* within v[0..len) */
static int inside(const char *p, size_t plen, const char *v, size_t len)
{
	return p >= v && plen <= len && (size_t)(p - v) <= len - plen;
}

/* the incoming Replaces parser on v[0..len), v a block of exactly len
 * bytes (ASan sees a read past it) */
static void fuzz_parse(const char *v, size_t len)
{
	char out[4096];
	gcp_replaces_t r;
	int n;

	if(gcp_replaces_parse(v, len, &r) != 0) {
		if(r.callid || r.to_tag || r.from_tag || r.early_only)
			abort();
		return;
	}
	if(len > GCP_REPLACES_MAX || r.early_only < 0 || r.early_only > 1
			|| !r.callid_len || !r.to_tag_len || !r.from_tag_len
			|| !inside(r.callid, r.callid_len, v, len)
			|| !inside(r.to_tag, r.to_tag_len, v, len)
			|| !inside(r.from_tag, r.from_tag_len, v, len))
		abort();
	/* what the module would send for it, with early-only */
	n = gcp_replaces_value(r.callid, r.callid_len, r.to_tag, r.to_tag_len,
			r.from_tag, r.from_tag_len, 1, out, sizeof(out));
	if(n <= 0)
		abort();
	check_built(out, n, r.callid, r.callid_len, r.to_tag, r.to_tag_len,
			r.from_tag, r.from_tag_len, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[4096], *copy;
	const char *p[3] = {"", "", ""};
	size_t plen[3] = {0, 0, 0}, i, start, k;
	int n, changed;

	if(size < 1)
		return 0;
	if(!(data[0] & 1) && (data[0] & 16)) {
		copy = malloc(size - 1 ? size - 1 : 1);
		memcpy(copy, data + 1, size - 1);
		fuzz_parse(copy, size - 1);
		free(copy);
		return 0;
	}
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	if(data[0] & 1) {
		int mode = (data[0] & 2) ? GCP_SDP_REMOVE : GCP_SDP_DISABLE;
		size_t cap = (data[0] & 4) ? (size - 1) / 2 : size;
		n = gcp_sdp_audio_only(copy, size - 1, mode, out,
				cap < sizeof(out) ? cap : sizeof(out), &changed);
		/* never longer than the input, and -2 only for a small buffer */
		if(n > (int)(size - 1))
			abort();
		if(n >= 0 && !changed && (size_t)n != size - 1)
			abort();
	} else {
		for(i = 0, start = 0, k = 0; i <= size - 1 && k < 3; i++) {
			if(i == size - 1 || copy[i] == '\0') {
				p[k] = copy + start;
				plen[k] = i - start;
				k++;
				start = i + 1;
			}
		}
		if(data[0] & 8) {
			fuzz_ua(p[0], plen[0], p[1], plen[1]);
			free(copy);
			return 0;
		}
		n = gcp_replaces_value(p[0], plen[0], p[1], plen[1], p[2], plen[2],
				data[0] & 2, out, (data[0] & 4) ? 64 : sizeof(out));
		if(n >= 0) {
			/* the value has no byte that would end or split the header */
			for(k = 0; k < (size_t)n; k++)
				if(out[k] == '\r' || out[k] == '\n' || out[k] == '\0'
						|| out[k] == ',' || out[k] == ' ')
					abort();
			if(out[n] != '\0')
				abort();
			check_built(out, n, p[0], plen[0], p[1], plen[1], p[2], plen[2],
					data[0] & 2);
		}
	}
	free(copy);
	return 0;
}
