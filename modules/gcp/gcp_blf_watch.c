/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The watch filter's start (see gcp_blf_watch.h): presence's own settings
 * say whether it may be on, presence's table of subscriptions seeds it.
 */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/sr_module.h"
#include "../../core/parser/parse_uri.h"
#include "../../lib/srdb1/db.h"

#include "gcp_blf_watch.h"

#define SEED_ROWS 1000 /* rows fetched at a time */

/* presence's subs_db_mode (presence/presence.h) */
#define PRES_SUBS_DB_ONLY 3

/* presence's modparam <name> of <type>, or NULL */
static void *pres_param(struct sr_module *pres, char *name, modparam_t type)
{
	modparam_t found;

	return find_param_export(pres, name, type, &found);
}

/* the presentity of one row's URI marked; 1, or 0 for a value that is no
 * SIP URI with a user (skipped) */
static int mark_row(gcp_lamps_t *lamps, db_val_t *v)
{
	struct sip_uri u;
	str s;

	if(VAL_NULL(v))
		return 0;
	if(VAL_TYPE(v) == DB1_STR) {
		s = VAL_STR(v);
	} else if(VAL_TYPE(v) == DB1_STRING) {
		s.s = (char *)VAL_STRING(v);
		s.len = s.s ? (int)strlen(s.s) : 0;
	} else {
		return 0;
	}
	if(s.len == 0 || parse_uri(s.s, s.len, &u) < 0 || u.user.len == 0)
		return 0;
	gcp_lamps_mark_watched(lamps, u.user.s, u.user.len);
	return 1;
}

/* every presentity of presence's dialog subscriptions marked: the
 * number of them, or -1 (logged) */
static int seed(gcp_lamps_t *lamps, str *url, str *table)
{
	static str uri_col = str_init("presentity_uri");
	static str event_col = str_init("event");
	db_key_t keys[1] = {&event_col}, cols[1] = {&uri_col};
	db_val_t vals[1];
	db_func_t dbf;
	db1_con_t *con;
	db1_res_t *res = NULL;
	int n = 0, more;

	if(db_bind_mod(url, &dbf) < 0 || !DB_CAPABILITY(dbf, DB_CAP_QUERY)) {
		LM_ERR("cannot query presence's database %.*s\n", url->len, url->s);
		return -1;
	}
	con = dbf.init(url);
	if(!con) {
		LM_ERR("cannot connect to presence's database %.*s\n", url->len,
				url->s);
		return -1;
	}
	memset(vals, 0, sizeof(vals));
	VAL_TYPE(&vals[0]) = DB1_STR;
	VAL_STR(&vals[0]).s = "dialog";
	VAL_STR(&vals[0]).len = 6;
	/* in pages where the module can (a large table in pkg memory at
	 * once would not fit) */
	if(dbf.use_table(con, table) < 0
			|| (more = db_fetch_query(&dbf, SEED_ROWS, con, keys, 0, vals, cols,
						1, 1, 0, &res))
					   < 0) {
		LM_ERR("cannot read presence's table %.*s\n", table->len, table->s);
		dbf.close(con);
		return -1;
	}
	while(res && RES_ROW_N(res) > 0) {
		for(int i = 0; i < RES_ROW_N(res); i++)
			n += mark_row(lamps, &ROW_VALUES(&RES_ROWS(res)[i])[0]);
		if(more != 1)
			break;
		if(db_fetch_next(&dbf, SEED_ROWS, con, &res) < 0) {
			LM_ERR("cannot read presence's table %.*s further\n", table->len,
					table->s);
			dbf.close(con);
			return -1;
		}
	}
	if(res)
		dbf.free_result(con, res);
	dbf.close(con);
	return n;
}

int gcp_blf_watch_start(gcp_lamps_t *lamps)
{
	struct sr_module *pres = find_module_by_name("presence");
	int *mode;
	str *url, *table;
	int n = 0;

	if(!pres || !lamps)
		return 0;
	mode = pres_param(pres, "subs_db_mode", PARAM_INT);
	url = pres_param(pres, "db_url", PARAM_STR);
	table = pres_param(pres, "active_watchers_table", PARAM_STR);
	if(!mode || !url || !table) {
		LM_WARN("presence's subs_db_mode, db_url or active_watchers_table "
				"cannot be read: gcp asks presence for watchers on every "
				"call\n");
		return 0;
	}
	if(*mode == PRES_SUBS_DB_ONLY) {
		LM_INFO("presence keeps subscriptions in its database only "
				"(subs_db_mode 3): gcp asks it for watchers on every call\n");
		return 0;
	}
	/* presence restored its subscriptions in its mod_init when it has a
	 * database and keeps them (subs_db_mode 1, 2) */
	if(url->s && url->len > 0 && *mode != 0) {
		n = seed(lamps, url, table);
		if(n < 0) {
			LM_ERR("the presentities presence restored are unknown: gcp "
				   "asks presence for watchers on every call\n");
			return 0;
		}
	}
	gcp_lamps_filter_on(lamps);
	LM_INFO("lamps: presentities watched at start: %d (presence's %.*s); "
			"the others are decided once a SUBSCRIBE names them\n",
			n, table->len, table->s);
	return 1;
}
