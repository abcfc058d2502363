/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The model (gcp_model.h) as database rows: the pure half of the database
 * room (gcp_db.c holds the Kamailio DB API glue). Pure C, no Kamailio
 * headers, so the unit tests and fuzzers use it directly.
 *
 * - The tables and their columns (one place: the schema files in schema/
 *   create exactly these, at version GCP_ROWS_VERSION).
 * - A row read is put into a model by the same gcp_cfg_* function that
 *   checks a file's element, so the tables obey exactly the rules of the
 *   file and of the management commands; an error names the table, the
 *   row's id and the rule.
 * - The row changes between two models (gcp_rows_diff), or those that make
 *   the tables hold one model (gcp_rows_replace), handed one by one to a
 *   callback that applies them (inside one transaction: gcp_db.c).
 *
 * No global state, no locking; a model passed in is only read.
 */

#ifndef _GCP_ROWS_H_
#define _GCP_ROWS_H_

#include <stddef.h>

#include "gcp_model.h"

/* every table's version in Kamailio's version table */
#define GCP_ROWS_VERSION 1

typedef enum gcp_row_kind
{
	GCP_ROW_RANGE = 0,
	GCP_ROW_MEMBER,
	GCP_ROW_PERSONAL,
	GCP_ROW_GROUP_LIST, /* other-group lists: one row per listed group */
	GCP_ROW_KINDS
} gcp_row_kind_t;

/* a table: its name, the key column (what a delete matches), the other
 * columns an insert fills (NULL-terminated), and the column that orders a
 * list (NULL: none). Every table also has "id", filled by the database. */
typedef struct gcp_table
{
	const char *name;
	const char *key;
	const char *cols[4];
	const char *pos;
} gcp_table_t;

extern const gcp_table_t gcp_tables[GCP_ROW_KINDS];

/* A value read from a column: s NULL for SQL NULL, else len bytes (not
 * necessarily NUL-terminated; a NUL inside is refused). */
typedef struct gcp_val
{
	const char *s;
	size_t len;
} gcp_val_t;

/* Rows read into cfg, by the model's rules: 0, or -1 and err "<table> id
 * <id>: <rule>" (cfg unchanged). Read every range first, then every
 * member, then the personal contacts ordered by their position (each
 * user's contacts are added in that order). An empty pool is no pool. */
int gcp_rows_add_range(gcp_cfg_t *cfg, long id, gcp_val_t name, gcp_val_t first,
		gcp_val_t last, gcp_val_t pool, char *err, size_t errlen);
int gcp_rows_add_member(gcp_cfg_t *cfg, long id, gcp_val_t user,
		gcp_val_t group, char *err, size_t errlen);
int gcp_rows_add_personal(gcp_cfg_t *cfg, long id, gcp_val_t user,
		gcp_val_t contact, char *err, size_t errlen);

/* Group-list rows make a list each: collected in any order with
 * gcp_rows_lists_row() (a NULL value refused there), then put into cfg by
 * gcp_rows_lists_add(), after every range: each group's rows, ordered by
 * their position, are its list, added by the rules of the file's <group>
 * element. An error names the row that broke the rule (the group's first
 * row for a rule of the list as a whole); lists added before it stay in
 * cfg (the caller drops a model that failed to load). */
typedef struct gcp_rows_lists gcp_rows_lists_t;
gcp_rows_lists_t *gcp_rows_lists_new(void);
int gcp_rows_lists_row(gcp_rows_lists_t *l, long id, gcp_val_t group, long pos,
		gcp_val_t also, char *err, size_t errlen);
int gcp_rows_lists_add(
		gcp_rows_lists_t *l, gcp_cfg_t *cfg, char *err, size_t errlen);
void gcp_rows_lists_free(gcp_rows_lists_t *l);

/* One row change. A delete removes the rows of the table whose key column
 * equals key (key NULL: every row of the table); an insert adds one row:
 * key in the key column, v[i] in cols[i] (NULL: SQL NULL), pos in the
 * position column when the table has one. The strings point into the
 * models given and live as long as they do. */
typedef struct gcp_row_op
{
	gcp_row_kind_t kind;
	int insert;
	const char *key;
	const char *v[3];
	int pos;
} gcp_row_op_t;

/* applies an op: 0, or < 0 to stop */
typedef int (*gcp_row_f)(void *ctx, const gcp_row_op_t *op);

/* The changes that turn tables holding old into tables holding new: for
 * each range, member, personal list and group list that differs, a delete
 * of its key and then the inserts of its rows (the delete also when the
 * key is new, so a stray row of that key cannot make the insert fail).
 * Ranges first, then members, personal contacts, group lists. Returns 0 when every f returned
 * 0, the first negative f otherwise (nothing after it is called), -1 when
 * old or new is NULL. *n (may be NULL) counts the ops handed to f. */
int gcp_rows_diff(const gcp_cfg_t *old, const gcp_cfg_t *new, gcp_row_f f,
		void *ctx, size_t *n);

/* The changes that make any tables hold cfg: a delete of every row of
 * each table, then every row of cfg. Same returns
 * as gcp_rows_diff. */
int gcp_rows_replace(const gcp_cfg_t *cfg, gcp_row_f f, void *ctx, size_t *n);

#endif
