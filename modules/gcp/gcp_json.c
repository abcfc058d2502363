/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* JSON into a fixed buffer (see gcp_json.h). */

#include <stdio.h>
#include <string.h>

#include "gcp_json.h"

static size_t gcp_json_char_size(unsigned char c)
{
	if(c == '"' || c == '\\')
		return 2;
	if(c < 0x20)
		return 6; /* \u00XX */
	return 1;
}

size_t gcp_json_str_size(const char *s, size_t len)
{
	size_t i, n = 2;

	for(i = 0; i < len; i++)
		n += gcp_json_char_size((unsigned char)s[i]);
	return n;
}

int gcp_json_raw(gcp_json_t *j, const char *s, size_t len)
{
	if(j->len + len + 1 > j->cap)
		return -1;
	memcpy(j->buf + j->len, s, len);
	j->len += len;
	j->buf[j->len] = '\0';
	return 0;
}

int gcp_json_str(gcp_json_t *j, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	char *p;
	unsigned char c;

	if(j->len + gcp_json_str_size(s, len) + 1 > j->cap)
		return -1;
	p = j->buf + j->len;
	*p++ = '"';
	for(i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if(c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if(c < 0x20) {
			memcpy(p, "\\u00", 4);
			p[4] = hex[c >> 4];
			p[5] = hex[c & 15];
			p += 6;
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	*p = '\0';
	j->len = p - j->buf;
	return 0;
}

int gcp_json_uint(gcp_json_t *j, uint64_t v)
{
	char num[24];
	int n;

	n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	return gcp_json_raw(j, num, (size_t)n);
}
