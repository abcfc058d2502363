/*
 * libFuzzer harness: rows read from a database (gcp_rows.c). The input is
 * split into fields at 0x1F bytes, so a value may hold NUL bytes: groups of
 * four fields (kind, three column values given by their length, as the DB
 * API gives them) put rows into a small model; every refusal must leave
 * the model unchanged (compared as XML) with a one-line error naming the
 * table; group-list rows are collected and added as a whole at the end;
 * and the row changes from the start to the end model must be
 * handed out in full (every insert with its key).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcp_model.h"
#include "gcp_rows.h"
#include "gcp_snap.h"
#include "gcp_xml.h"

#define FIELDS 24

static int count(void *ctx, const gcp_row_op_t *op)
{
	if(op->insert && op->key == NULL)
		abort();
	if(op->kind < 0 || op->kind >= GCP_ROW_KINDS)
		abort();
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gcp_val_t f[FIELDS];
	char err[GCP_ERR_LEN];
	gcp_cfg_t *cfg, *start;
	gcp_rows_lists_t *lists = gcp_rows_lists_new();
	size_t n = 0, i, pos = 0, ops = 0, nd;
	char *before, *after;
	int rc;

	memset(f, 0, sizeof(f));
	while(n < FIELDS && pos <= size) {
		const uint8_t *e = memchr(data + pos, 0x1f, size - pos);
		size_t len = e ? (size_t)(e - (data + pos)) : size - pos;
		/* an empty first byte of a value makes it SQL NULL */
		f[n].s = (len == 1 && data[pos] == 0xff) ? NULL
												 : (const char *)data + pos;
		f[n].len = len;
		n++;
		pos += len + 1;
		if(!e)
			break;
	}
	cfg = gcp_cfg_new();
	gcp_cfg_range_add(cfg, "base", "7000", "7099", NULL, err, sizeof(err));
	gcp_cfg_member_set(cfg, "1001", "7001", err, sizeof(err));
	start = gcp_cfg_clone(cfg);
	for(i = 0; i + 3 < n; i += 4) {
		before = gcp_cfg_to_xml(cfg, NULL);
		err[0] = '\0';
		switch((f[i].s && f[i].len ? (unsigned char)f[i].s[0] : 0) % 4) {
			case 0:
				rc = gcp_rows_add_range(cfg, (long)i, f[i + 1], f[i + 2],
						f[i + 3], f[(i + 4) % n], err, sizeof(err));
				break;
			case 1:
				rc = gcp_rows_add_member(
						cfg, (long)i, f[i + 1], f[i + 2], err, sizeof(err));
				break;
			case 2:
				rc = gcp_rows_add_personal(
						cfg, (long)i, f[i + 1], f[i + 2], err, sizeof(err));
				break;
			default:
				rc = gcp_rows_lists_row(lists, (long)i, f[i + 1],
						(long)f[i + 2].len % 12, f[i + 3], err, sizeof(err));
				break;
		}
		after = gcp_cfg_to_xml(cfg, NULL);
		if(rc < 0) {
			if(strcmp(before, after) != 0 || strchr(err, '\n')
					|| strncmp(err, "gcp_", 4) != 0)
				abort();
		}
		free(before);
		free(after);
	}
	err[0] = '\0';
	if(gcp_rows_lists_add(lists, cfg, err, sizeof(err)) < 0
			&& (strchr(err, '\n')
					|| strncmp(err, "gcp_group_list id ", 18) != 0))
		abort();
	gcp_rows_lists_free(lists);
	if(gcp_rows_diff(start, cfg, count, &ops, &nd) != 0 || nd != ops)
		abort();
	ops = 0;
	if(gcp_rows_replace(cfg, count, &ops, &nd) != 0 || nd != ops)
		abort();
	gcp_cfg_free(start);
	gcp_cfg_free(cfg);
	return 0;
}
