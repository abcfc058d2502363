/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Writing JSON into a fixed buffer (the cluster's DMQ messages): every
 * append either fits whole or changes nothing and says -1, so a batch is
 * closed when its next item does not fit. Pure C, no Kamailio headers.
 */

#ifndef _GCP_JSON_H_
#define _GCP_JSON_H_

#include <stddef.h>
#include <stdint.h>

typedef struct gcp_json
{
	char *buf;
	size_t cap; /* room, the terminating NUL included */
	size_t len;
} gcp_json_t;

/* bytes s[0..len) takes as a JSON string, quotes included */
size_t gcp_json_str_size(const char *s, size_t len);

/* append raw text / a JSON string / an unsigned number; 0, or -1 when it
 * does not fit (nothing appended) */
int gcp_json_raw(gcp_json_t *j, const char *s, size_t len);
int gcp_json_str(gcp_json_t *j, const char *s, size_t len);
int gcp_json_uint(gcp_json_t *j, uint64_t v);

#endif
