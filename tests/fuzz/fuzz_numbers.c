/*
 * libFuzzer harness: numbers, ranges and group lists through the change
 * API. The input is split into fields at NUL bytes: operations on a small
 * model; every refusal must leave the model unchanged (compared as XML).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcp_model.h"
#include "gcp_xml.h"

#define FIELDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *f[FIELDS];
	char err[GCP_ERR_LEN];
	gcp_cfg_t *cfg;
	size_t n = 0, i, before_len, after_len;
	char *before, *after;
	int rc;

	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	f[n++] = buf;
	for(i = 0; i < size && n < FIELDS; i++)
		if(buf[i] == '\0')
			f[n++] = buf + i + 1;
	while(n < FIELDS)
		f[n++] = "";
	gcp_number_valid(f[0], strlen(f[0]));

	cfg = gcp_cfg_new();
	gcp_cfg_range_add(cfg, "base", "7000", "7099", NULL, err, sizeof(err));
	gcp_cfg_member_set(cfg, "1001", "7001", err, sizeof(err));
	for(i = 0; i + 3 < FIELDS; i += 4) {
		before = gcp_cfg_to_xml(cfg, &before_len);
		switch((unsigned char)f[i][0] % 7) {
			case 0:
				rc = gcp_cfg_range_add(cfg, f[i + 1], f[i + 2], f[i + 3],
						NULL, err, sizeof(err));
				break;
			case 1:
				rc = gcp_cfg_range_update(cfg, f[i + 1], f[i + 2], f[i + 3],
						f[i + 1], err, sizeof(err));
				break;
			case 2:
				rc = gcp_cfg_member_set(
						cfg, f[i + 1], f[i + 2], err, sizeof(err));
				break;
			case 3:
				rc = gcp_cfg_personal_add(
						cfg, f[i + 1], f[i + 2], err, sizeof(err));
				break;
			case 4:
				rc = gcp_cfg_range_remove(cfg, f[i + 1], err, sizeof(err));
				break;
			case 5: {
				/* a group list of the two fields after the group (an
				 * empty first one: the list is cleared) */
				const char *also[2] = {f[i + 2], f[i + 3]};
				rc = gcp_cfg_group_set(cfg, f[i + 1], also,
						f[i + 2][0] ? (f[i + 3][0] ? 2 : 1) : 0, NULL, err,
						sizeof(err));
				break;
			}
			default:
				rc = gcp_cfg_member_remove(cfg, f[i + 1], err, sizeof(err));
				break;
		}
		after = gcp_cfg_to_xml(cfg, &after_len);
		if(rc < 0
				&& (before_len != after_len
						|| memcmp(before, after, before_len) != 0))
			abort(); /* a refused change changed the model */
		free(before);
		free(after);
	}
	gcp_cfg_free(cfg);
	free(buf);
	return 0;
}
