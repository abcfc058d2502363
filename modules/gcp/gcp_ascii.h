/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * ASCII character classes and case folding, shared by the pure cores
 * (gcp_model.c, gcp_snap.c, gcp_sip.c). The SIP and configuration grammars
 * are ASCII whatever the locale says, so none of these consult it, unlike
 * <ctype.h> and strncasecmp(3).
 *
 * Every function takes a character as an int in the range of unsigned char
 * (callers cast a char first) and has no state: safe from any process or
 * thread. Header only, no Kamailio headers.
 */

#ifndef _GCP_ASCII_H_
#define _GCP_ASCII_H_

#include <stddef.h>

static inline int gcp_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int gcp_is_alnum(int c)
{
	return gcp_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int gcp_is_hex(int c)
{
	return gcp_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int gcp_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* a[0..len) and b[0..len) equal but for ASCII case */
static inline int gcp_case_eq(const char *a, const char *b, size_t len)
{
	size_t i;

	for(i = 0; i < len; i++)
		if(gcp_lower((unsigned char)a[i]) != gcp_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

#endif
