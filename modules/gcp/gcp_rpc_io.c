/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * gcp.import and gcp.export: the whole configuration between an XML file
 * and the room it is kept in (config_file or the tables of db_url), so an
 * existing file moves into a database and back. An import is read with the
 * rules of config_file (refused as a whole, with file, line and rule) and
 * replaces the configuration through the store, under its writer lock, in
 * one transaction; an export writes the configuration in force with the
 * atomic save of config_file (a new file is 0600).
 */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/rpc.h"
#include "../../core/rpc_lookup.h"

#include "gcp_dmq_cfg.h"
#include "gcp_env.h"
#include "gcp_rpc_change.h"
#include "gcp_rpc_io.h"
#include "gcp_store.h"
#include "gcp_xml.h"

#define GCP_IMPORT_USAGE "gcp.import file"
#define GCP_EXPORT_USAGE "gcp.export file"

/* one argument, an absolute path (Kamailio's processes work from "/":
 * a relative one would not name what the operator means) */
static int gcp_rpc_path(
		rpc_t *rpc, void *ctx, const char *usage, gcp_rpc_args_t *a)
{
	if(gcp_rpc_args(rpc, ctx, usage, 1, 1, a) < 0)
		return -1;
	if(a->v[0][0] != '/') {
		rpc->fault(ctx, 400, "\"%s\" is not an absolute path (usage: %s)",
				a->v[0], usage);
		return -1;
	}
	return 0;
}

/* {<what>: path, <where>: config_file or db_url, ranges, members,
 * personal_contacts} */
static int gcp_rpc_counts(rpc_t *rpc, void *ctx, const char *what,
		const char *path, const char *where, const gcp_cfg_t *cfg)
{
	void *th;
	size_t i, np = 0;

	for(i = 0; i < cfg->nmembers; i++)
		np += cfg->members[i].npersonal;
	if(rpc->add(ctx, "{", &th) < 0)
		return -1;
	return rpc->struct_add(th, "ssddd", what, path, where, gcp_store_where(),
			"ranges", (int)cfg->nranges, "members", (int)cfg->nmembers,
			"personal_contacts", (int)np);
}

static const char *gcp_rpc_import_doc[] = {
		"Replace the whole configuration by an XML file's: file (an absolute "
		"path, read by the module). The file obeys the rules of config_file "
		"and is refused as a whole (file, line, rule) when it breaks one; "
		"then it is written to config_file, or to the tables of db_url in one "
		"transaction, and put in force. Returns the file, where it went, and "
		"the ranges, members and personal contacts now in force.",
		0};

static void gcp_rpc_import(rpc_t *rpc, void *ctx)
{
	char err[GCP_ERR_LEN];
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg = NULL;
	int missing = 0, ret;

	if(gcp_rpc_path(rpc, ctx, GCP_IMPORT_USAGE, &a) < 0)
		return;
	if(gcp_cfg_load_file(a.v[0], &cfg, &missing, err, sizeof(err)) < 0) {
		rpc->fault(ctx, 400, "%s: nothing imported", err);
		return;
	}
	if(missing) {
		gcp_cfg_free(cfg);
		rpc->fault(ctx, 404, "%s does not exist: nothing imported", a.v[0]);
		return;
	}
	gcp_store_writer_lock();
	ret = gcp_store_replace(cfg, err, sizeof(err));
	if(gcp_prm.dmq && (ret == 0 || ret == GCP_SAVE_NOT_DURABLE))
		gcp_dmq_cfg_changed("gcp.import", NULL, cfg); /* to every node */
	gcp_store_writer_unlock();
	if(ret < 0 && ret != GCP_SAVE_NOT_DURABLE) {
		gcp_cfg_free(cfg);
		LM_ERR("gcp.import %s: %s: %s\n", a.v[0],
				ret == GCP_SAVE_UNCERTAIN ? "not in force"
										  : "not imported, nothing changed",
				err);
		rpc->fault(ctx, 500, "%s: %s",
				ret == GCP_SAVE_UNCERTAIN ? "not in force"
										  : "not imported, nothing changed",
				err);
		return;
	}
	if(ret == GCP_SAVE_NOT_DURABLE) {
		gcp_cfg_free(cfg);
		LM_ERR("gcp.import %s: in force: %s\n", a.v[0], err);
		rpc->fault(ctx, 500, "in force: %s", err);
		return;
	}
	LM_NOTICE("gcp.import %s: %zu ranges and %zu members saved to %s and in "
			  "force\n",
			a.v[0], cfg->nranges, cfg->nmembers, gcp_store_where());
	if(gcp_rpc_counts(rpc, ctx, "imported", a.v[0], "into", cfg) < 0)
		rpc->fault(ctx, 500, "imported, but the reply could not be built");
	gcp_cfg_free(cfg);
}

static const char *gcp_rpc_export_doc[] = {
		"Write the configuration in force to an XML file in the form of "
		"config_file: file (an absolute path, written by the module "
		"atomically; a new file is 0600, a replaced one keeps its mode). "
		"Returns the file and the ranges, members and personal contacts in "
		"it.",
		0};

static void gcp_rpc_export(rpc_t *rpc, void *ctx)
{
	char err[GCP_ERR_LEN];
	gcp_rpc_args_t a;
	gcp_cfg_t *cfg;
	int ret;

	if(gcp_rpc_path(rpc, ctx, GCP_EXPORT_USAGE, &a) < 0)
		return;
	cfg = gcp_store_get();
	if(cfg == NULL) {
		rpc->fault(ctx, 500, "out of memory");
		return;
	}
	ret = gcp_cfg_save_file(cfg, a.v[0], err, sizeof(err));
	if(ret < 0) {
		gcp_cfg_free(cfg);
		rpc->fault(ctx, 500, "%s", err);
		return;
	}
	LM_NOTICE("gcp.export: %zu ranges and %zu members written to %s\n",
			cfg->nranges, cfg->nmembers, a.v[0]);
	if(gcp_rpc_counts(rpc, ctx, "exported", a.v[0], "from", cfg) < 0)
		rpc->fault(ctx, 500, "exported, but the reply could not be built");
	gcp_cfg_free(cfg);
}

/* clang-format off */
static rpc_export_t gcp_rpc_io_cmds[] = {
	{"gcp.import", gcp_rpc_import, gcp_rpc_import_doc, 0},
	{"gcp.export", gcp_rpc_export, gcp_rpc_export_doc, 0},
	{0, 0, 0, 0}
};
/* clang-format on */

int gcp_rpc_io_init(void)
{
	if(rpc_register_array(gcp_rpc_io_cmds) != 0) {
		LM_ERR("cannot register the RPC commands gcp.import, gcp.export\n");
		return -1;
	}
	return 0;
}
