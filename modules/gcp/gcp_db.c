/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The database room: Kamailio DB API glue (see gcp_db.h). Values reach the
 * database only as bound or escaped values of the DB API's own queries
 * (db_sqlite binds them, db_postgres and db_mysql escape them), never
 * pasted into SQL text: the only raw SQL here is constant.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/dprint.h"
#include "../../core/mem/mem.h"
#include "../../lib/srdb1/db.h"

#include "gcp_db.h"
#include "gcp_rows.h"

/* rows fetched at a time where the engine can (DB_CAP_FETCH) */
#define GCP_DB_FETCH_ROWS 1000
/* ms db_sqlite waits for a lock held by another program (it sets none) */
#define GCP_DB_SQLITE_BUSY_MS 1000

static db_func_t _dbf;
static str _url = STR_NULL;
static char _shown[256];
static char _scheme[16];
/* where Kamailio's packages put an engine's schema: its folder name */
static const char *_schema_dir = "<engine>";
/* the transactions: the engine's own, or BEGIN/COMMIT as raw queries */
static int _raw_tx;

/* this process's connection and the process that opened it */
static db1_con_t *_con;
static pid_t _con_pid;

/* the tables' names as the DB API takes them (gcp_tables, built once) */
typedef struct tnames
{
	str name, key, cols[3], pos;
	int ncols;
} tnames_t;
static tnames_t _t[GCP_ROW_KINDS];
static str _id = str_init("id");

static str str_of(const char *s)
{
	str r = {(char *)s, s ? (int)strlen(s) : 0};
	return r;
}

static void names_init(void)
{
	int k, i;

	for(k = 0; k < GCP_ROW_KINDS; k++) {
		_t[k].name = str_of(gcp_tables[k].name);
		_t[k].key = str_of(gcp_tables[k].key);
		for(i = 0; i < 3 && gcp_tables[k].cols[i]; i++)
			_t[k].cols[i] = str_of(gcp_tables[k].cols[i]);
		_t[k].ncols = i;
		_t[k].pos = str_of(gcp_tables[k].pos);
	}
}

/* ---------------------------------------------------------- set-up */

/* the URL without its password: scheme://user:***@host/db */
static void shown_url(const char *url)
{
	const char *p = strstr(url, "://"), *at = strrchr(url, '@'), *c;

	snprintf(_shown, sizeof(_shown), "%s", url);
	if(!p || !at || at < p)
		return;
	c = memchr(p + 3, ':', at - (p + 3));
	if(c)
		snprintf(_shown, sizeof(_shown), "%.*s:***%s", (int)(c - url), url, at);
}

const char *gcp_db_shown(void)
{
	return _shown;
}

int gcp_db_init(const char *url, char *err, size_t errlen)
{
	const char *p = strstr(url, "://");
	size_t n = p ? (size_t)(p - url) : 0;

	shown_url(url);
	names_init();
	if(n == 0 || n >= sizeof(_scheme))
		return gcp_fail(err, errlen,
				"db_url \"%s\" is not a database URL (e.g. "
				"postgres://user:password@host/database, sqlite:///path)",
				_shown);
	memcpy(_scheme, url, n);
	_scheme[n] = '\0';
	if(strcmp(_scheme, "sqlite") == 0)
		_schema_dir = "db_sqlite";
	else if(strcmp(_scheme, "postgres") == 0)
		_schema_dir = "postgres";
	else if(strcmp(_scheme, "mysql") == 0)
		_schema_dir = "mysql";
	_url.s = (char *)url;
	_url.len = (int)strlen(url);
	if(db_bind_mod(&_url, &_dbf) < 0)
		return gcp_fail(err, errlen,
				"db_url %s: cannot bind the db_%s module (load it before "
				"gcp: loadmodule \"db_%s.so\")",
				_shown, _scheme, _scheme);
	if(!DB_CAPABILITY(_dbf, DB_CAP_QUERY | DB_CAP_INSERT | DB_CAP_DELETE))
		return gcp_fail(err, errlen,
				"db_url %s: the db_%s module cannot query, insert and delete",
				_shown, _scheme);
	if(_dbf.start_transaction && _dbf.end_transaction && _dbf.abort_transaction)
		_raw_tx = 0;
	else if(_dbf.raw_query)
		_raw_tx = 1;
	else
		return gcp_fail(err, errlen,
				"db_url %s: the db_%s module has no transactions, and gcp "
				"writes every change in one (use db_sqlite, db_postgres or "
				"db_mysql)",
				_shown, _scheme);
	if(strcmp(_scheme, "mysql") == 0)
		LM_WARN("db_url %s: with db_mysql's auto_reconnect on (its default), "
				"a connection lost in the middle of a gcp change can have "
				"the rest of it run outside its transaction: set "
				"modparam(\"db_mysql\", \"auto_reconnect\", 0), gcp "
				"reconnects by itself\n",
				_shown);
	return 0;
}

/* ------------------------------------------------------- connection */

void gcp_db_close(void)
{
	if(_con && _con_pid == getpid())
		_dbf.close(_con);
	_con = NULL;
}

/* a raw query whose result, if any, is dropped */
static int raw(const char *sql)
{
	db1_res_t *res = NULL;
	str s;
	int rc;

	s.s = (char *)sql;
	s.len = (int)strlen(sql);
	rc = _dbf.raw_query(_con, &s, &res);
	if(res)
		_dbf.free_result(_con, res);
	return rc;
}

static int connect_db(char *err, size_t errlen)
{
	char q[64];

	if(_con && _con_pid == getpid())
		return 0;
	_con = _dbf.init(&_url);
	if(_con == NULL)
		return gcp_fail(
				err, errlen, "cannot connect to the database %s", _shown);
	_con_pid = getpid();
	if(strcmp(_scheme, "sqlite") == 0) {
		snprintf(q, sizeof(q), "PRAGMA busy_timeout = %d",
				GCP_DB_SQLITE_BUSY_MS);
		if(raw(q) < 0) {
			gcp_db_close();
			return gcp_fail(
					err, errlen, "the database %s cannot be used", _shown);
		}
	}
	return 0;
}

/* ------------------------------------------------------ transactions */

static int tx_begin(int write)
{
	if(_raw_tx)
		/* IMMEDIATE: SQLite takes the write lock now, so a busy database
		 * fails the change before anything is written */
		return raw(write && strcmp(_scheme, "sqlite") == 0 ? "BEGIN IMMEDIATE"
														   : "BEGIN");
	if(_dbf.use_table(_con, &_t[GCP_ROW_RANGE].name) < 0
			|| _dbf.start_transaction(_con, DB_LOCKING_NONE) < 0)
		return -1;
	/* the four tables read as of one moment */
	if(!write && strcmp(_scheme, "postgres") == 0 && _dbf.raw_query
			&& raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ") < 0) {
		_dbf.abort_transaction(_con);
		return -1;
	}
	return 0;
}

static int tx_commit(void)
{
	return _raw_tx ? raw("COMMIT") : _dbf.end_transaction(_con);
}

/* rolled back, and the connection dropped: whatever made it fail (a lost
 * server, a lock) the next use starts afresh */
static void tx_abort(void)
{
	if(_raw_tx)
		raw("ROLLBACK");
	else
		_dbf.abort_transaction(_con);
	gcp_db_close();
}

/* A transaction begun on this process's connection: 0; -1 and err (no
 * connection), or -2 (it would not begin; the connection dropped). A
 * connection that the server closed while it was idle fails its BEGIN:
 * nothing was sent in a transaction yet, so once more on a new one. */
static int tx_open(int write, char *err, size_t errlen)
{
	int i;

	for(i = 0; i < 2; i++) {
		if(connect_db(err, errlen) < 0)
			return -1;
		if(tx_begin(write) == 0)
			return 0;
		tx_abort();
	}
	return -2;
}

/* ----------------------------------------------------------- reading */

/* a text column's value: 0, or -1 when it holds no text (a number where
 * the model has a string) */
static int val_of(db_val_t *v, gcp_val_t *r)
{
	r->s = NULL;
	r->len = 0;
	if(VAL_NULL(v))
		return 0;
	switch(VAL_TYPE(v)) {
		case DB1_STRING:
			r->s = VAL_STRING(v) ? VAL_STRING(v) : "";
			r->len = strlen(r->s);
			return 0;
		case DB1_STR:
			r->s = VAL_STR(v).s ? VAL_STR(v).s : "";
			r->len = VAL_STR(v).s ? (size_t)VAL_STR(v).len : 0;
			return 0;
		case DB1_BLOB:
			r->s = VAL_BLOB(v).s ? VAL_BLOB(v).s : "";
			r->len = VAL_BLOB(v).s ? (size_t)VAL_BLOB(v).len : 0;
			return 0;
		default:
			return -1;
	}
}

static long id_of(db_val_t *v)
{
	if(VAL_NULL(v))
		return 0;
	switch(VAL_TYPE(v)) {
		case DB1_INT:
			return VAL_INT(v);
		case DB1_UINT:
			return (long)VAL_UINT(v);
		case DB1_BIGINT:
			return (long)VAL_BIGINT(v);
		case DB1_UBIGINT:
			return (long)VAL_UBIGINT(v);
		default:
			return 0;
	}
}

/* one row of table k (id, key, value columns, then the position where the
 * table has one) into cfg, a group list's into lists */
static int add_row(gcp_cfg_t *cfg, gcp_rows_lists_t *lists, gcp_row_kind_t k,
		db_val_t *v, char *err, size_t errlen)
{
	long id = id_of(&v[0]);
	gcp_val_t x[4];
	int i;

	for(i = 0; i <= _t[k].ncols; i++)
		if(val_of(&v[i + 1], &x[i]) < 0)
			return gcp_fail(err, errlen, "%s id %ld: column %.*s is not text",
					_t[k].name.s, id,
					i == 0 ? _t[k].key.len : _t[k].cols[i - 1].len,
					i == 0 ? _t[k].key.s : _t[k].cols[i - 1].s);
	switch(k) {
		case GCP_ROW_RANGE:
			return gcp_rows_add_range(
					cfg, id, x[0], x[1], x[2], x[3], err, errlen);
		case GCP_ROW_MEMBER:
			return gcp_rows_add_member(cfg, id, x[0], x[1], err, errlen);
		case GCP_ROW_PERSONAL:
			return gcp_rows_add_personal(cfg, id, x[0], x[1], err, errlen);
		case GCP_ROW_GROUP_LIST:
			if(VAL_NULL(&v[3]))
				return gcp_fail(err, errlen, "%s id %ld: column %s is NULL",
						_t[k].name.s, id, _t[k].pos.s);
			return gcp_rows_lists_row(
					lists, id, x[0], id_of(&v[3]), x[1], err, errlen);
		default:
			return 0;
	}
}

/* every row of table k into cfg (group lists into lists), a list in the
 * order of its positions */
static int read_table(gcp_cfg_t *cfg, gcp_rows_lists_t *lists, gcp_row_kind_t k,
		char *err, size_t errlen)
{
	tnames_t *t = &_t[k];
	db_key_t cols[6];
	db1_res_t *res = NULL;
	int ncols = 0, i, rc = 0, fetch;

	cols[ncols++] = &_id;
	cols[ncols++] = &t->key;
	for(i = 0; i < t->ncols; i++)
		cols[ncols++] = &t->cols[i];
	if(t->pos.s)
		cols[ncols++] = &t->pos;
	fetch = DB_CAPABILITY(_dbf, DB_CAP_FETCH);
	if(_dbf.use_table(_con, &t->name) < 0
			|| _dbf.query(_con, NULL, NULL, NULL, cols, 0, ncols,
					   t->pos.s ? &t->pos : &t->key, fetch ? NULL : &res)
					   < 0
			|| (fetch
					&& _dbf.fetch_result(_con, &res, GCP_DB_FETCH_ROWS) < 0)) {
		if(res)
			_dbf.free_result(_con, res);
		return gcp_fail(err, errlen,
				"cannot read table %s of the database %s (Kamailio's log "
				"says why)",
				t->name.s, _shown);
	}
	for(;;) {
		for(i = 0; rc == 0 && i < RES_ROW_N(res); i++) {
			if(ROW_N(&RES_ROWS(res)[i]) < ncols)
				rc = gcp_fail(err, errlen, "table %s: a row has %d columns",
						t->name.s, ROW_N(&RES_ROWS(res)[i]));
			else
				rc = add_row(cfg, lists, k, ROW_VALUES(&RES_ROWS(res)[i]), err,
						errlen);
			if(rc < 0)
				rc = GCP_DB_INVALID;
		}
		if(rc < 0 || !fetch || RES_ROW_N(res) == 0)
			break;
		if(_dbf.fetch_result(_con, &res, GCP_DB_FETCH_ROWS) < 0) {
			rc = gcp_fail(err, errlen,
					"cannot read table %s of the database %s", t->name.s,
					_shown);
			break;
		}
	}
	if(res)
		_dbf.free_result(_con, res);
	return rc;
}

/* every table at GCP_ROWS_VERSION in Kamailio's version table */
static int check_versions(char *err, size_t errlen)
{
	int k, v;

	for(k = 0; k < GCP_ROW_KINDS; k++) {
		v = db_table_version(&_dbf, _con, &_t[k].name);
		if(v < 0)
			return gcp_fail(err, errlen,
					"cannot read Kamailio's version table in the database "
					"%s (is it there? load standard-create.sql, then "
					"gcp-create.sql of /usr/share/kamailio/%s/)",
					_shown, _schema_dir);
		if(v == 0) {
			gcp_fail(err, errlen,
					"table %s has no row in the version table of the "
					"database %s (gcp's schema is not loaded): load "
					"/usr/share/kamailio/%s/gcp-create.sql",
					gcp_tables[k].name, _shown, _schema_dir);
			return GCP_DB_INVALID;
		}
		if(v != GCP_ROWS_VERSION) {
			gcp_fail(err, errlen,
					"table %s has version %d in the version table of the "
					"database %s, this gcp needs version %d: load its schema, "
					"/usr/share/kamailio/%s/gcp-create.sql",
					gcp_tables[k].name, v, _shown, GCP_ROWS_VERSION,
					_schema_dir);
			return GCP_DB_INVALID;
		}
	}
	return 0;
}

int gcp_db_load(gcp_cfg_t **out, char *err, size_t errlen)
{
	char e[GCP_ERR_LEN];
	gcp_rows_lists_t *lists;
	gcp_cfg_t *cfg;
	int k, rc;

	*out = NULL;
	rc = tx_open(0, err, errlen);
	if(rc < 0)
		return rc == -2 ? gcp_fail(
					   err, errlen, "the database %s cannot be read", _shown)
						: -1;
	rc = check_versions(err, errlen);
	if(rc < 0) {
		tx_abort();
		return rc;
	}
	cfg = gcp_cfg_new();
	if(cfg == NULL) {
		tx_abort();
		return gcp_fail(err, errlen, "out of memory");
	}
	lists = gcp_rows_lists_new();
	rc = lists ? 0 : gcp_fail(e, sizeof(e), "out of memory");
	for(k = GCP_ROW_RANGE; rc == 0 && k < GCP_ROW_KINDS; k++)
		rc = read_table(cfg, lists, k, e, sizeof(e));
	/* the lists once every range is there */
	if(rc == 0 && gcp_rows_lists_add(lists, cfg, e, sizeof(e)) < 0)
		rc = GCP_DB_INVALID;
	gcp_rows_lists_free(lists);
	if(rc < 0) {
		tx_abort();
		gcp_cfg_free(cfg);
		gcp_fail(err, errlen, "%s", e);
		return rc;
	}
	/* nothing was written: a failed commit only ends the read */
	if(tx_commit() < 0)
		gcp_db_close();
	*out = cfg;
	return 0;
}

/* ----------------------------------------------------------- writing */

typedef struct write_ctx
{
	const char *failed; /* the table of the last op tried */
} write_ctx_t;

static void set_str(db_val_t *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	VAL_TYPE(v) = DB1_STR;
	if(s == NULL) {
		VAL_NULL(v) = 1;
		return;
	}
	VAL_STR(v).s = (char *)s;
	VAL_STR(v).len = (int)strlen(s);
}

static int apply_op(void *ctx, const gcp_row_op_t *op)
{
	tnames_t *t = &_t[op->kind];
	write_ctx_t *w = ctx;
	db_key_t keys[5];
	db_val_t vals[5];
	db_op_t ops[1] = {OP_EQ};
	int n = 0, i;

	w->failed = t->name.s;
	if(_dbf.use_table(_con, &t->name) < 0)
		return -1;
	if(!op->insert && op->key == NULL)
		return _dbf.delete(_con, NULL, NULL, NULL, 0);
	keys[n] = &t->key;
	set_str(&vals[n++], op->key);
	if(!op->insert)
		return _dbf.delete(_con, keys, ops, vals, 1);
	for(i = 0; i < t->ncols; i++) {
		keys[n] = &t->cols[i];
		set_str(&vals[n++], op->v[i]);
	}
	if(t->pos.s) {
		keys[n] = &t->pos;
		memset(&vals[n], 0, sizeof(vals[n]));
		VAL_TYPE(&vals[n]) = DB1_INT;
		VAL_INT(&vals[n++]) = op->pos;
	}
	return _dbf.insert(_con, keys, vals, n);
}

int gcp_db_write(const gcp_cfg_t *old, const gcp_cfg_t *cfg, size_t *nops,
		char *err, size_t errlen)
{
	write_ctx_t w = {NULL};
	size_t n = 0;
	int rc;

	if(nops)
		*nops = 0;
	rc = tx_open(1, err, errlen);
	if(rc == -2)
		return gcp_fail(err, errlen,
				"the database %s cannot take a change now (locked or "
				"unreachable)",
				_shown);
	if(rc < 0)
		return -1;
	if(old)
		rc = gcp_rows_diff(old, cfg, apply_op, &w, &n);
	else
		rc = gcp_rows_replace(cfg, apply_op, &w, &n);
	if(rc < 0) {
		tx_abort();
		return gcp_fail(err, errlen,
				"the database %s refused a change of table %s (Kamailio's "
				"log says why): rolled back",
				_shown, w.failed ? w.failed : "?");
	}
	if(tx_commit() < 0) {
		tx_abort();
		/* SQLite: a commit that fails (busy) leaves the transaction open,
		 * and the rollback undoes it; a server may have committed before
		 * the connection failed */
		if(strcmp(_scheme, "sqlite") == 0)
			return gcp_fail(err, errlen,
					"the database %s did not commit (locked?): rolled back",
					_shown);
		gcp_fail(err, errlen,
				"the database %s did not confirm the commit (the connection "
				"failed): the change may or may not be in it",
				_shown);
		return GCP_DB_UNCERTAIN;
	}
	if(nops)
		*nops = n;
	return 0;
}
