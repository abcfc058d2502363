/*
 * libFuzzer harness: the Replaces builder, the audio-only SDP filter and
 * the User-Agent pattern match. The first byte picks the function; the
 * rest is split at NUL bytes.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[4096], *copy;
	const char *p[3] = {"", "", ""};
	size_t plen[3] = {0, 0, 0}, i, start, k;
	int n, changed;

	if(size < 1)
		return 0;
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
		}
	}
	free(copy);
	return 0;
}
