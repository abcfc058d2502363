/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Pure SIP/SDP text helpers: building and parsing the Replaces header value
 * (RFC 3891) and keeping the pickup offer audio only. No Kamailio headers, so the unit
 * tests and fuzzers call them directly.
 */

#ifndef _GCP_SIP_H_
#define _GCP_SIP_H_

#include <stddef.h>

/* Replaces value "callid;to-tag=T;from-tag=F[;early-only]" into out
 * (NUL-terminated). Characters that the RFC 3891 / RFC 3261 grammar does
 * not allow in a callid (word ["@" word]) or a tag (token) are written as
 * %HH. Returns the length, or -1 when out is too small or an input is
 * empty. */
int gcp_replaces_value(const char *callid, size_t callid_len,
		const char *to_tag, size_t to_tag_len, const char *from_tag,
		size_t from_tag_len, int early_only, char *out, size_t outsize);

/* An incoming Replaces header value (RFC 3891): callid *(";" param). */
typedef struct gcp_replaces
{
	const char *callid; /* points into the value parsed */
	size_t callid_len;
	const char *to_tag;
	size_t to_tag_len;
	const char *from_tag;
	size_t from_tag_len;
	int early_only; /* the early-only flag was given */
} gcp_replaces_t;

/* Parse value[0..len) (the header body, without "Replaces:"). Returns 0
 * with *out filled, or -1 when the value is malformed: empty or missing
 * Call-ID, a Call-ID that is not word ["@" word], to-tag or from-tag
 * missing, empty, given twice or not a token, early-only given a value or
 * twice, a parameter that is not a generic-param, or any length over
 * GCP_REPLACES_MAX (the whole value: 1024 bytes). Linear white space
 * around ";" and "=" and at both ends is allowed; parameter names are
 * case-insensitive; the Call-ID and tags are taken as they are (no %HH
 * decoding: phones send them raw). Never reads past value + len. */
int gcp_replaces_parse(const char *value, size_t len, gcp_replaces_t *out);
#define GCP_REPLACES_MAX 1024

#define GCP_SDP_REMOVE 1  /* drop every non-audio media section */
#define GCP_SDP_DISABLE 2 /* keep them, with port 0 (RFC 3264 section 8.2) */

/* Copy the SDP body in[0..len) to out with every m= section whose media
 * is not "audio" removed or disabled as mode says; session-level lines and
 * audio sections are copied byte for byte, CRLF or LF line ends kept.
 * Returns the output length; -1 when the input is not SDP (no v= line
 * first, or no m= line), -2 when out is too small. *changed (if not NULL)
 * is set to 1 when a section was removed or disabled. */
int gcp_sdp_audio_only(const char *in, size_t len, int mode, char *out,
		size_t outsize, int *changed);

/* 1 when one of the '|'-separated patterns of list[0..list_len) occurs in
 * ua[0..ua_len), compared without regard to ASCII case; empty patterns
 * (and blanks around a pattern) are ignored, so an empty list matches
 * nothing. */
int gcp_ua_matches(
		const char *list, size_t list_len, const char *ua, size_t ua_len);

#endif
