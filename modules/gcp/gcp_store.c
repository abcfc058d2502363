/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

#include <string.h>
#include <stdlib.h>

#include "../../core/dprint.h"
#include "../../core/locking.h"
#include "../../core/mem/shm_mem.h"

#include "gcp_db.h"
#include "gcp_snap.h"
#include "gcp_store.h"

typedef struct gcp_store
{
	gen_lock_t read_lock;  /* guards snap; held only for a lookup */
	gen_lock_t write_lock; /* serializes changes (RPC processes) */
	void *snap;
	size_t snap_size;
	int db; /* the configuration is kept in the database (db_url) */
	/* under write_lock: the tables may differ from the configuration in
	 * force (a reload refused their rows, a commit not confirmed), so the
	 * next change rewrites every row instead of those that differ */
	int db_stale;
	char path[]; /* the file, or db_url without its password */
} gcp_store_t;

static gcp_store_t *_store = NULL;

/* a shm copy of the model's snapshot */
static void *gcp_store_snap_new(const gcp_cfg_t *cfg, size_t *psize)
{
	size_t size = gcp_snap_size(cfg);
	void *snap = shm_malloc(size);

	*psize = size;
	if(snap == NULL) {
		SHM_MEM_ERROR_FMT("for a configuration of %zu bytes\n", size);
		return NULL;
	}
	gcp_snap_build(cfg, snap);
	return snap;
}

/* the configuration at start-up: NULL after logging why */
static gcp_cfg_t *gcp_store_first(const char *path, const char *db_url)
{
	gcp_cfg_t *cfg = NULL;
	char err[GCP_ERR_LEN];
	int missing = 0;

	if(db_url) {
		if(gcp_db_init(db_url, err, sizeof(err)) < 0
				|| gcp_db_load(&cfg, err, sizeof(err)) < 0) {
			LM_ERR("%s: Kamailio does not start without its pickup groups\n",
					err);
			gcp_db_close();
			return NULL;
		}
		/* children open their own connection when they need one */
		gcp_db_close();
		return cfg;
	}
	if(gcp_cfg_load_file(path, &cfg, &missing, err, sizeof(err)) < 0) {
		LM_ERR("invalid config_file: %s\n", err);
		return NULL;
	}
	if(missing)
		LM_NOTICE("config_file %s does not exist yet: starting with no "
				  "pickup groups; the first change creates it\n",
				path);
	return cfg;
}

int gcp_store_init(const char *path, const char *db_url)
{
	gcp_cfg_t *cfg;
	char where[300];
	size_t wlen;

	cfg = gcp_store_first(path, db_url);
	if(cfg == NULL)
		return -1;
	if(db_url)
		snprintf(where, sizeof(where), "%s", gcp_db_shown());
	else
		snprintf(where, sizeof(where), "%s", path);
	wlen = strlen(where);
	_store = shm_malloc(sizeof(gcp_store_t) + wlen + 1);
	if(_store == NULL) {
		SHM_MEM_ERROR;
		gcp_cfg_free(cfg);
		return -1;
	}
	memset(_store, 0, sizeof(gcp_store_t));
	memcpy(_store->path, where, wlen + 1);
	_store->db = db_url != NULL;
	lock_init(&_store->read_lock);
	lock_init(&_store->write_lock);
	_store->snap = gcp_store_snap_new(cfg, &_store->snap_size);
	LM_INFO("%zu pickup ranges, %zu members and %zu group lists loaded from "
			"%s\n",
			cfg->nranges, cfg->nmembers, cfg->nlists, where);
	gcp_cfg_free(cfg);
	return _store->snap ? 0 : -1;
}

void gcp_store_destroy(void)
{
	if(_store == NULL)
		return;
	if(_store->snap)
		shm_free(_store->snap);
	shm_free(_store);
	_store = NULL;
}

const char *gcp_store_where(void)
{
	return _store ? _store->path : "";
}

int gcp_store_is_db(void)
{
	return _store && _store->db;
}

int gcp_store_member_group(str *user, char *group, size_t size)
{
	const char *g;
	size_t glen;
	int found;

	lock_get(&_store->read_lock);
	found = gcp_snap_member_group(_store->snap, user->s, user->len, &g, &glen);
	if(found) {
		if(glen >= size) {
			found = 0;
		} else {
			memcpy(group, g, glen);
			group[glen] = '\0';
		}
	}
	lock_release(&_store->read_lock);
	return found;
}

int gcp_store_is_group(str *number)
{
	int ret;

	lock_get(&_store->read_lock);
	ret = gcp_snap_is_group(_store->snap, number->s, number->len);
	lock_release(&_store->read_lock);
	return ret;
}

size_t gcp_store_group_also(
		str *group, char (*out)[GCP_MAX_NUMBER + 1], size_t max)
{
	size_t n;

	lock_get(&_store->read_lock);
	n = gcp_snap_group_also(_store->snap, group->s, group->len, out, max);
	lock_release(&_store->read_lock);
	return n;
}

int gcp_store_is_personal(str *member, str *from_user, str *from_host)
{
	int ret;

	lock_get(&_store->read_lock);
	ret = gcp_snap_is_personal(_store->snap, member->s, member->len,
			from_user->s, from_user->len, from_host->s, from_host->len);
	lock_release(&_store->read_lock);
	return ret;
}

gcp_cfg_t *gcp_store_get(void)
{
	gcp_cfg_t *cfg;
	void *copy;
	size_t size;

	/* copy the block under the lock (a memcpy), rebuild the model outside
	 * it: SIP workers never wait for a large configuration to be thawed */
	lock_get(&_store->read_lock);
	size = _store->snap_size;
	copy = aligned_alloc(8, (size + 7) & ~(size_t)7);
	if(copy != NULL)
		memcpy(copy, _store->snap, size);
	lock_release(&_store->read_lock);
	if(copy == NULL)
		return NULL;
	cfg = gcp_snap_thaw(copy);
	free(copy);
	return cfg;
}

void gcp_store_writer_lock(void)
{
	lock_get(&_store->write_lock);
}

void gcp_store_writer_unlock(void)
{
	lock_release(&_store->write_lock);
}

/* cfg into the tables, in one transaction: the rows that differ from the
 * configuration in force (all of them when replace is set or the tables
 * are stale) */
static int gcp_store_save_db(
		const gcp_cfg_t *cfg, int replace, char *err, size_t errlen)
{
	gcp_cfg_t *old = NULL;
	size_t nops;
	int ret;

	if(!replace && !_store->db_stale) {
		old = gcp_store_get();
		if(old == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	ret = gcp_db_write(old, cfg, &nops, err, errlen);
	gcp_cfg_free(old);
	if(ret == GCP_DB_UNCERTAIN) {
		_store->db_stale = 1;
		return GCP_SAVE_UNCERTAIN;
	}
	if(ret < 0)
		return -1;
	LM_DBG("%zu row changes committed\n", nops);
	_store->db_stale = 0;
	return 0;
}

/* save (0: no, 1: the change, 2: every row or the whole file), then in
 * force */
static int gcp_store_put(
		const gcp_cfg_t *cfg, int save, char *err, size_t errlen)
{
	void *snap, *old;
	size_t size;
	int ret = 0;

	/* build first: out of memory must not leave a saved file that is not
	 * in force */
	snap = gcp_store_snap_new(cfg, &size);
	if(snap == NULL) {
		snprintf(err, errlen, "out of shared memory");
		return -1;
	}
	if(save && _store->db)
		ret = gcp_store_save_db(cfg, save == 2, err, errlen);
	else if(save)
		ret = gcp_cfg_save_file(cfg, _store->path, err, errlen);
	/* not durable: the file is replaced all the same, so cfg is put in
	 * force, for the configuration in force and the file to agree */
	if(ret < 0 && ret != GCP_SAVE_NOT_DURABLE) {
		shm_free(snap);
		return ret == GCP_SAVE_UNCERTAIN ? ret : -1;
	}
	lock_get(&_store->read_lock);
	old = _store->snap;
	_store->snap = snap;
	_store->snap_size = size;
	lock_release(&_store->read_lock);
	shm_free(old);
	return ret;
}

int gcp_store_commit(const gcp_cfg_t *cfg, int save, char *err, size_t errlen)
{
	return gcp_store_put(cfg, save ? 1 : 0, err, errlen);
}

int gcp_store_replace(const gcp_cfg_t *cfg, char *err, size_t errlen)
{
	return gcp_store_put(cfg, 2, err, errlen);
}

static int gcp_store_reload_db(char *err, size_t errlen)
{
	gcp_cfg_t *cfg = NULL;
	int ret;

	ret = gcp_db_load(&cfg, err, errlen);
	if(ret == GCP_DB_INVALID) {
		/* the tables hold what is not in force: the next change must
		 * rewrite them, as it rewrites a file that a reload refused */
		_store->db_stale = 1;
		return -1;
	}
	if(ret < 0)
		return GCP_RELOAD_UNREADABLE;
	ret = gcp_store_put(cfg, 0, err, errlen);
	gcp_cfg_free(cfg);
	if(ret == 0)
		_store->db_stale = 0;
	return ret;
}

int gcp_store_reload(char *err, size_t errlen)
{
	gcp_cfg_t *cfg = NULL;
	int missing = 0;
	int ret;

	if(_store->db)
		return gcp_store_reload_db(err, errlen);
	if(gcp_cfg_load_file(_store->path, &cfg, &missing, err, errlen) < 0)
		return -1;
	/* at start-up a missing file means "no groups yet"; at run time it is
	 * far more likely a mistake than a wish to drop every group */
	if(missing) {
		gcp_cfg_free(cfg);
		snprintf(err, errlen,
				"%s does not exist: nothing reloaded (to drop every group, "
				"reload a file with an empty <gcp/>)",
				_store->path);
		return -1;
	}
	ret = gcp_store_put(cfg, 0, err, errlen);
	gcp_cfg_free(cfg);
	return ret;
}

void gcp_store_counts(size_t *nranges, size_t *nmembers)
{
	lock_get(&_store->read_lock);
	*nranges = gcp_snap_nranges(_store->snap);
	*nmembers = gcp_snap_nmembers(_store->snap);
	lock_release(&_store->read_lock);
}
