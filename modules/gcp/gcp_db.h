/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The database room (modparam db_url): the model's tables reached through
 * Kamailio's DB API (db_sqlite, db_postgres, db_mysql), beside the XML
 * file (gcp_xml.h) on the same model. What the rows mean and how they are
 * checked is gcp_rows.h; this file moves them.
 *
 * Connections: one per process, opened on first use and closed after any
 * failure (the next call opens a new one, so a database that comes back
 * is used again). mod_init() closes its own with gcp_db_close() before
 * Kamailio forks: no child inherits it. Nothing here is called by a SIP
 * worker's request processing: only start-up, RPC and the store.
 *
 * Every read and every write is one transaction (start_transaction/
 * end_transaction where the engine has them, BEGIN/COMMIT by raw query
 * otherwise); a failure before the commit rolls it back, so the tables
 * hold either the old or the new rows, never a part. No locking here: the
 * store serializes writers (gcp_store.h). Errors fill err with one line
 * that says what failed and that nothing was changed.
 */

#ifndef _GCP_DB_H_
#define _GCP_DB_H_

#include <stddef.h>

#include "gcp_model.h"

/* the commit was sent but not confirmed (the connection was lost): the
 * change may or may not be in the database */
#define GCP_DB_UNCERTAIN (-3)

/* mod_init: bind the engine of url (its module loaded before gcp) and
 * check that it can do what gcp needs. 0, or -1 and err. */
int gcp_db_init(const char *url, char *err, size_t errlen);

/* the tables were read, but a row or a table's version was refused */
#define GCP_DB_INVALID (-2)

/* The tables as a new model (*out, the caller's), after checking every
 * table's version; 0, GCP_DB_INVALID and err, or -1 and err (the
 * database could not be read); no model but on 0. */
int gcp_db_load(gcp_cfg_t **out, char *err, size_t errlen);

/* Makes the tables hold cfg, in one transaction: with old (what they hold
 * now) only the rows that differ, without (NULL) every row rewritten.
 * 0 committed, -1 and err (rolled back: the tables as before) or
 * GCP_DB_UNCERTAIN and err. *nops (may be NULL): the row changes. */
int gcp_db_write(const gcp_cfg_t *old, const gcp_cfg_t *cfg, size_t *nops,
		char *err, size_t errlen);

/* this process's connection closed (opened again on the next use) */
void gcp_db_close(void);

/* db_url with its password hidden, for messages */
const char *gcp_db_shown(void);

#endif
