/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The dialog-info document gcp publishes, on stdout, for the BLF tests
 * (tests/sipp/tests_blf.sh): the module's own builder
 * (modules/gcp/gcp_dialoginfo.c), run on the values given.
 *   dialoginfo member|group|terminated-member|terminated-group|empty \
 *       user domain prefix dialog-id call-id local-tag remote-tag \
 *       caller-uri caller-display version
 * (empty strings for what is absent). Exit 1 on a bad argument or when
 * the builder refuses (its return code on stderr).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp_dialoginfo.h"

#define SET(f, i)                     \
	do {                              \
		in.f = argv[i];               \
		in.f##_len = strlen(argv[i]); \
	} while(0)

int main(int argc, char **argv)
{
	static char out[65536];
	gcp_di_t in;
	int n;

	if(argc != 12) {
		fprintf(stderr,
				"usage: %s member|group|terminated-member|terminated-group|"
				"empty user domain prefix dialog-id call-id local-tag "
				"remote-tag caller-uri caller-display version\n",
				argv[0]);
		return 1;
	}
	memset(&in, 0, sizeof(in));
	SET(user, 2);
	SET(domain, 3);
	SET(prefix, 4);
	SET(dialog_id, 5);
	SET(call_id, 6);
	SET(local_tag, 7);
	SET(remote_tag, 8);
	SET(caller_uri, 9);
	SET(caller_display, 10);
	in.version = (unsigned int)strtoul(argv[11], NULL, 10);
	if(strcmp(argv[1], "member") == 0)
		n = gcp_dialoginfo_member(&in, GCP_DI_EARLY, out, sizeof(out));
	else if(strcmp(argv[1], "group") == 0)
		n = gcp_dialoginfo_group(&in, GCP_DI_EARLY, out, sizeof(out));
	else if(strcmp(argv[1], "terminated-member") == 0)
		n = gcp_dialoginfo_member(&in, GCP_DI_TERMINATED, out, sizeof(out));
	else if(strcmp(argv[1], "terminated-group") == 0)
		n = gcp_dialoginfo_group(&in, GCP_DI_TERMINATED, out, sizeof(out));
	else if(strcmp(argv[1], "empty") == 0)
		n = gcp_dialoginfo_empty(&in, out, sizeof(out));
	else {
		fprintf(stderr, "unknown kind %s\n", argv[1]);
		return 1;
	}
	if(n < 0) {
		fprintf(stderr, "gcp_dialoginfo: %d\n", n);
		return 1;
	}
	fwrite(out, 1, (size_t)n, stdout);
	return 0;
}
