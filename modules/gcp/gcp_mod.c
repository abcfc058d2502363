/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Module exports: parameters, cfg functions, KEMI, $gcp(...), statistics,
 * event_route[gcp:picked], the timer.
 */

#include <string.h>
#include <time.h>

#include "../../core/sr_module.h"
#include "../../core/ut.h"
#include "../../core/globals.h"
#include "../../core/dprint.h"
#include "../../core/mod_fix.h"
#include "../../core/kemi.h"
#include "../../core/route.h"
#include "../../core/fmsg.h"
#include "../../core/pvar.h"
#include "../../core/locking.h"
#include "../../core/timer_proc.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/parser/parse_uri.h"

#include "gcp_blf.h"
#include "gcp_dmq.h"
#include "gcp_env.h"
#include "gcp_event.h"
#include "gcp_store.h"
#include "gcp_track.h"
#include "gcp_pickup.h"
#include "gcp_rpc.h"
#include "gcp_rpc_io.h"
#include "gcp_target.h"

MODULE_VERSION

static gen_lock_set_t *gcp_locks = NULL;
static int gcp_lock_count = 0;

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static int w_gcp_track0(struct sip_msg *msg, char *p1, char *p2);
static int w_gcp_track1(struct sip_msg *msg, char *group, char *p2);
static int w_gcp_pickup(struct sip_msg *msg, char *p1, char *p2);
static int w_gcp_pickup_directed0(struct sip_msg *msg, char *p1, char *p2);
static int w_gcp_pickup_directed1(struct sip_msg *msg, char *user, char *p2);
static int w_gcp_is_group_number0(struct sip_msg *msg, char *p1, char *p2);
static int w_gcp_is_group_number1(struct sip_msg *msg, char *num, char *p2);
static int w_gcp_was_picked(struct sip_msg *msg, char *p1, char *p2);


static unsigned long gcp_stat_ringing(void);
static unsigned long gcp_stat_lamps(void);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"gcp_track", (cmd_function)w_gcp_track0, 0, 0, 0, REQUEST_ROUTE},
	{"gcp_track", (cmd_function)w_gcp_track1, 1, fixup_spve_null,
		fixup_free_spve_null, REQUEST_ROUTE},
	{"gcp_pickup", (cmd_function)w_gcp_pickup, 0, 0, 0, REQUEST_ROUTE},
	{"gcp_pickup_directed", (cmd_function)w_gcp_pickup_directed0, 0, 0, 0,
		REQUEST_ROUTE},
	{"gcp_pickup_directed", (cmd_function)w_gcp_pickup_directed1, 1,
		fixup_spve_null, fixup_free_spve_null, REQUEST_ROUTE},
	{"gcp_is_group_number", (cmd_function)w_gcp_is_group_number0, 0, 0, 0,
		ANY_ROUTE},
	{"gcp_is_group_number", (cmd_function)w_gcp_is_group_number1, 1,
		fixup_spve_null, fixup_free_spve_null, ANY_ROUTE},
	{"gcp_was_picked", (cmd_function)w_gcp_was_picked, 0, 0, 0,
		FAILURE_ROUTE | ONREPLY_ROUTE | BRANCH_ROUTE | REQUEST_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"config_file", PARAM_STRING, &gcp_prm.config_file},
	{"db_url", PARAM_STRING, &gcp_prm.db_url},
	{"mode", PARAM_STRING, &gcp_prm.mode_name},
	{"require_replaces", PARAM_INT, &gcp_prm.require_replaces},
	{"max_ring_time", PARAM_INT, &gcp_prm.max_ring_time},
	{"max_calls", PARAM_INT, &gcp_prm.max_calls},
	{"hash_size", PARAM_INT, &gcp_prm.hash_size},
	{"inject_reply_code", PARAM_INT, &gcp_prm.inject_reply_code},
	{"inject_reply_reason", PARAM_STR, &gcp_prm.inject_reply_reason},
	{"inject_headers", PARAM_STR, &gcp_prm.inject_headers_given},
	{"inject_ack_timeout", PARAM_INT, &gcp_prm.inject_ack_timeout},
	{"auto_timeout", PARAM_INT, &gcp_prm.auto_timeout},
	{"picked_cancel_delay", PARAM_INT, &gcp_prm.picked_cancel_delay},
	{"no_replaces_ua", PARAM_STR, &gcp_prm.no_replaces_ua},
	{"event_callback", PARAM_STR, &gcp_prm.event_callback},
	{"require_auth", PARAM_INT, &gcp_prm.require_auth},
	{"max_pickup_attempts", PARAM_INT, &gcp_prm.max_pickup_attempts},
	{"directed_prefix", PARAM_STR, &gcp_prm.directed_prefix},
	{"directed_scope", PARAM_STRING, &gcp_prm.directed_scope_name},
	{"publish", PARAM_STR, &gcp_prm.publish_given},
	{"presentity_domain", PARAM_STR, &gcp_prm.presentity_domain},
	{"other_group_order", PARAM_STRING, &gcp_prm.other_group_order_name},
	{"dmq", PARAM_INT, &gcp_prm.dmq},
	{"dmq_heartbeat", PARAM_INT, &gcp_prm.dmq_heartbeat},
	{"dmq_down_after", PARAM_INT, &gcp_prm.dmq_down_after},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"tracked", 0, &gcp_st.tracked},
	{"ringing", STAT_IS_FUNC, (stat_var **)gcp_stat_ringing},
	{"lamps", STAT_IS_FUNC, (stat_var **)gcp_stat_lamps},
	{"picked", 0, &gcp_st.picked},
	{"pickup_empty", 0, &gcp_st.pickup_empty},
	{"pickup_denied", 0, &gcp_st.pickup_denied},
	{"pickup_failed", 0, &gcp_st.pickup_failed},
	{"picked_group", 0, &gcp_st.picked_kind[GCP_KIND_GROUP]},
	{"picked_other_group", 0, &gcp_st.picked_kind[GCP_KIND_OTHER_GROUP]},
	{"picked_directed", 0, &gcp_st.picked_kind[GCP_KIND_DIRECTED]},
	{"picked_replaces", 0, &gcp_st.picked_kind[GCP_KIND_REPLACES]},
	{"pickup_relayed", 0, &gcp_st.pickup_relayed},
	{0, 0, 0}
};

static pv_export_t mod_pvs[] = {
	{{"gcp", sizeof("gcp") - 1}, PVT_OTHER, pv_get_gcp, 0, pv_parse_gcp_name,
		0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0}
};

struct module_exports exports = {
	"gcp",			 /* module name */
	DEFAULT_DLFLAGS, /* dlopen flags */
	cmds,			 /* cfg functions */
	params,			 /* parameters */
	0,				 /* RPC methods (registered in mod_init) */
	mod_pvs,		 /* pseudo-variables */
	0,				 /* response function */
	mod_init,		 /* module init */
	child_init,		 /* per-child init */
	mod_destroy		 /* destroy */
};
/* clang-format on */

/* ---- the ring table's environment: shm and a lock set ---- */

static void *gcp_shm_alloc(size_t size)
{
	return shm_malloc(size);
}

static void gcp_shm_release(void *p)
{
	shm_free(p);
}

static void gcp_lock_idx(void *ctx, unsigned idx)
{
	gen_lock_set_t *set = ctx;

	lock_set_get(set, idx);
}

static void gcp_unlock_idx(void *ctx, unsigned idx)
{
	gen_lock_set_t *set = ctx;

	lock_set_release(set, idx);
}

static unsigned long gcp_stat_ringing(void)
{
	return gcp_ring ? gcp_ring_count(gcp_ring) : 0;
}

/* presentities with a live dialog published (or a PUBLISH in flight) */
static unsigned long gcp_stat_lamps(void)
{
	return gcp_blf_lamps();
}

/* inject_headers: lines separated by CRLF or LF, each sent CRLF-ended */
static int gcp_fix_inject_headers(void)
{
	str in = gcp_prm.inject_headers_given;
	char *out, *p, *line, *end;
	int n = 0, len;

	out = pkg_malloc(2 * in.len + 3);
	if(out == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	p = in.s;
	end = in.s + in.len;
	while(p < end) {
		line = p;
		while(p < end && *p != '\n')
			p++;
		len = p - line;
		if(len > 0 && line[len - 1] == '\r')
			len--;
		if(p < end)
			p++;
		if(len == 0)
			continue;
		if(memchr(line, ':', len) == NULL) {
			LM_ERR("inject_headers: '%.*s' is not a header (name: value)\n",
					len, line);
			pkg_free(out);
			return -1;
		}
		memcpy(out + n, line, len);
		n += len;
		out[n++] = '\r';
		out[n++] = '\n';
	}
	gcp_prm.inject_headers.s = out;
	gcp_prm.inject_headers.len = n;
	return 0;
}

/* A relative config_file is taken from the folder of the cfg file, as
 * include_file and other modules' files are (Kamailio works from "/"
 * once started, so the path as given would name the wrong file). */
static int gcp_resolve_config_file(void)
{
	str in;
	char *abs;

	if(gcp_prm.config_file[0] == '/')
		return 0;
	if(cfg_file == NULL || cfg_file[0] != '/') {
		LM_ERR("config_file \"%s\" is relative, and the cfg file has no "
			   "folder to take it from: give an absolute path\n",
				gcp_prm.config_file);
		return -1;
	}
	in.s = gcp_prm.config_file;
	in.len = strlen(gcp_prm.config_file);
	abs = get_abs_pathname(NULL, &in);
	if(abs == NULL) {
		LM_ERR("cannot resolve config_file \"%s\"\n", gcp_prm.config_file);
		return -1;
	}
	LM_INFO("config_file \"%s\" is relative to the cfg file: %s\n",
			gcp_prm.config_file, abs);
	gcp_prm.config_file = abs; /* pkg, kept for the life of the process */
	return 0;
}

static int mod_init(void)
{
	gcp_ring_env_t env;

	/* an empty value is not set: a cfg may define either one away */
	if(gcp_prm.config_file && *gcp_prm.config_file == '\0')
		gcp_prm.config_file = NULL;
	if(gcp_prm.db_url && *gcp_prm.db_url == '\0')
		gcp_prm.db_url = NULL;
	if(gcp_prm.config_file && gcp_prm.db_url) {
		LM_ERR("config_file and db_url are both set: the pickup groups live "
			   "in one place, set only one (config_file: an XML file; "
			   "db_url: tables in a database)\n");
		return -1;
	}
	if(gcp_prm.config_file == NULL && gcp_prm.db_url == NULL) {
		LM_ERR("modparam(\"gcp\", \"config_file\", ...) is required: the XML "
			   "file with the pickup groups (it may not exist yet); or "
			   "db_url, for them in a database\n");
		return -1;
	}
	if(strcasecmp(gcp_prm.mode_name, "inject") == 0) {
		gcp_prm.mode = GCP_MODE_INJECT;
	} else if(strcasecmp(gcp_prm.mode_name, "replaces") == 0) {
		gcp_prm.mode = GCP_MODE_REPLACES;
	} else if(strcasecmp(gcp_prm.mode_name, "auto") == 0) {
		gcp_prm.mode = GCP_MODE_AUTO;
	} else {
		LM_ERR("mode \"%s\" is unknown: use \"inject\", \"replaces\" or "
			   "\"auto\"\n",
				gcp_prm.mode_name);
		return -1;
	}
	if(strcasecmp(gcp_prm.directed_scope_name, "any") == 0) {
		gcp_prm.directed_scope = GCP_SCOPE_ANY;
	} else if(strcasecmp(gcp_prm.directed_scope_name, "group") == 0) {
		gcp_prm.directed_scope = GCP_SCOPE_GROUP;
	} else {
		LM_ERR("directed_scope \"%s\" is unknown: use \"any\" or "
			   "\"group\"\n",
				gcp_prm.directed_scope_name);
		return -1;
	}
	if(strcasecmp(gcp_prm.other_group_order_name, "priority") == 0) {
		gcp_prm.other_group_order = GCP_ORDER_PRIORITY;
	} else if(strcasecmp(gcp_prm.other_group_order_name, "age") == 0) {
		gcp_prm.other_group_order = GCP_ORDER_AGE;
	} else {
		LM_ERR("other_group_order \"%s\" is unknown: use \"priority\" or "
			   "\"age\"\n",
				gcp_prm.other_group_order_name);
		return -1;
	}
	if(gcp_prm.auto_timeout < 100) {
		LM_ERR("auto_timeout is %d: it must be at least 100 (ms)\n",
				gcp_prm.auto_timeout);
		return -1;
	}
	if(gcp_prm.max_ring_time <= 0) {
		LM_ERR("max_ring_time is %d: it must be a positive number of "
			   "seconds\n",
				gcp_prm.max_ring_time);
		return -1;
	}
	if(gcp_prm.max_calls < 0) {
		LM_ERR("max_calls is %d: it must be 0 (no limit) or more\n",
				gcp_prm.max_calls);
		return -1;
	}
	if(gcp_prm.hash_size <= 0 || gcp_prm.hash_size > GCP_RING_MAX_BUCKETS) {
		LM_ERR("hash_size is %d: it must be 1..%d\n", gcp_prm.hash_size,
				GCP_RING_MAX_BUCKETS);
		return -1;
	}
	if(gcp_prm.inject_reply_code < 300 || gcp_prm.inject_reply_code > 699) {
		LM_ERR("inject_reply_code is %d: it must be a final non-2xx code "
			   "(300..699)\n",
				gcp_prm.inject_reply_code);
		return -1;
	}
	if(gcp_prm.inject_ack_timeout < 0)
		gcp_prm.inject_ack_timeout = 0;
	if(gcp_fix_inject_headers() < 0)
		return -1;
	if(load_tm_api(&gcp_tmb) < 0) {
		LM_ERR("the tm module must be loaded before gcp\n");
		return -1;
	}
	if(gcp_prm.max_pickup_attempts < 1
			|| gcp_prm.max_pickup_attempts > GCP_MAX_ATTEMPTS) {
		LM_ERR("max_pickup_attempts is %d: it must be 1..%d\n",
				gcp_prm.max_pickup_attempts, GCP_MAX_ATTEMPTS);
		return -1;
	}
	if(gcp_prm.directed_prefix.len > GCP_MAX_NUMBER) {
		LM_ERR("directed_prefix has %d characters: at most %d\n",
				gcp_prm.directed_prefix.len, GCP_MAX_NUMBER);
		return -1;
	}
	/* before the file is read: its ranges must keep clear of the code */
	gcp_cfg_set_reserved_prefix(
			gcp_prm.directed_prefix.s, gcp_prm.directed_prefix.len);
	if(gcp_prm.config_file && gcp_resolve_config_file() < 0)
		return -1;
	if(gcp_store_init(gcp_prm.config_file, gcp_prm.db_url) < 0)
		return -1;

	gcp_lock_count = 2 * gcp_prm.hash_size;
	gcp_locks = lock_set_alloc(gcp_lock_count);
	if(gcp_locks == NULL || lock_set_init(gcp_locks) == NULL) {
		LM_ERR("cannot create %d locks\n", gcp_lock_count);
		return -1;
	}
	memset(&env, 0, sizeof(env));
	env.alloc = gcp_shm_alloc;
	env.release = gcp_shm_release;
	env.lock = gcp_lock_idx;
	env.unlock = gcp_unlock_idx;
	env.lock_ctx = gcp_locks;
	if(gcp_blf_init(&env) < 0) /* the ring's observer, when publishing */
		return -1;
	if(gcp_dmq_init(&env) < 0 || gcp_dmq_init_cfg() < 0) /* and a cluster's */
		return -1;
	gcp_ring = gcp_ring_create(&env, gcp_prm.hash_size, gcp_prm.max_calls);
	if(gcp_ring == NULL) {
		LM_ERR("cannot create the ring table in shared memory\n");
		return -1;
	}
	if(gcp_pickup_init() < 0)
		return -1;
	if(register_module_stats("gcp", mod_stats) != 0) {
		LM_ERR("cannot register statistics\n");
		return -1;
	}
	if(gcp_rpc_init() < 0 || gcp_rpc_io_init() < 0)
		return -1;

	if(gcp_event_init() < 0)
		return -1;
	register_basic_timers(1);
	return 0;
}

/* the timer: pickups waiting for the picker's ACK (every 50 ms), and the
 * max_ring_time safety net (every second) */
static void gcp_timer(unsigned int ticks, void *param)
{
	static uint64_t last_expire = 0;
	uint64_t now = gcp_now_ms();
	unsigned n;

	gcp_pickup_timer();
	gcp_dmq_timer(now);
	if(now - last_expire >= 1000) {
		last_expire = now;
		n = gcp_ring_expire(
				gcp_ring, now, (uint64_t)gcp_prm.max_ring_time * 1000);
		if(n > 0)
			LM_INFO("%u calls ringing for more than max_ring_time (%d s) "
					"forgotten\n",
					n, gcp_prm.max_ring_time);
		gcp_blf_timer();
	}
}

static int child_init(int rank)
{
	if(gcp_blf_child_init(rank) < 0)
		return -1;
	if(rank == PROC_MAIN) {
		if(fork_basic_utimer(
				   PROC_TIMER, "GCP TIMER", 1, gcp_timer, NULL, 50000 /* us */)
				< 0) {
			LM_ERR("cannot start the gcp timer process\n");
			return -1;
		}
	}
	return 0;
}

static void mod_destroy(void)
{
	/* shm goes away with the process tree; calls may still be referenced
	 * by transactions freed after us, so the ring table is left alone */
	gcp_store_destroy();
}

/* ---- cfg functions and KEMI ---- */

/* the string value of a cfg function's parameter (fixup_spve), or -1 with
 * an error naming the function and the parameter */
static int w_param_str(struct sip_msg *msg, char *param, str *out,
		const char *func, const char *what)
{
	if(fixup_get_svalue(msg, (gparam_t *)param, out) < 0) {
		LM_ERR("%s(): cannot evaluate the %s\n", func, what);
		return -1;
	}
	return 0;
}

static int ki_gcp_track(sip_msg_t *msg)
{
	return gcp_track(msg, NULL);
}

static int ki_gcp_track_group(sip_msg_t *msg, str *group)
{
	return gcp_track(msg, group);
}

static int w_gcp_track0(struct sip_msg *msg, char *p1, char *p2)
{
	return gcp_track(msg, NULL);
}

static int w_gcp_track1(struct sip_msg *msg, char *group, char *p2)
{
	str g;

	if(w_param_str(msg, group, &g, "gcp_track", "group parameter") < 0)
		return -1;
	return gcp_track(msg, &g);
}

static int w_gcp_pickup(struct sip_msg *msg, char *p1, char *p2)
{
	return gcp_pickup(msg);
}

static int ki_gcp_pickup_directed(sip_msg_t *msg)
{
	return gcp_pickup_directed(msg, NULL);
}

static int ki_gcp_pickup_directed_user(sip_msg_t *msg, str *user)
{
	return gcp_pickup_directed(msg, user);
}

static int w_gcp_pickup_directed0(struct sip_msg *msg, char *p1, char *p2)
{
	return gcp_pickup_directed(msg, NULL);
}

static int w_gcp_pickup_directed1(struct sip_msg *msg, char *user, char *p2)
{
	str u;

	if(w_param_str(msg, user, &u, "gcp_pickup_directed", "parameter") < 0)
		return -1;
	return gcp_pickup_directed(msg, &u);
}

static int ki_gcp_is_group_number_str(sip_msg_t *msg, str *num)
{
	return (num && num->len > 0 && gcp_store_is_group(num)) ? 1 : -1;
}

static int ki_gcp_is_group_number(sip_msg_t *msg)
{
	if(msg == NULL || msg->first_line.type != SIP_REQUEST
			|| parse_sip_msg_uri(msg) < 0)
		return -1;
	return ki_gcp_is_group_number_str(msg, &msg->parsed_uri.user);
}

static int w_gcp_is_group_number0(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_gcp_is_group_number(msg);
}

static int w_gcp_is_group_number1(struct sip_msg *msg, char *num, char *p2)
{
	str n;

	if(w_param_str(msg, num, &n, "gcp_is_group_number", "parameter") < 0)
		return -1;
	return ki_gcp_is_group_number_str(msg, &n);
}

static int w_gcp_was_picked(struct sip_msg *msg, char *p1, char *p2)
{
	return gcp_was_picked(msg);
}

/* clang-format off */
static sr_kemi_t sr_kemi_gcp_exports[] = {
	{ str_init("gcp"), str_init("track"),
		SR_KEMIP_INT, ki_gcp_track,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("gcp"), str_init("track_group"),
		SR_KEMIP_INT, ki_gcp_track_group,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("gcp"), str_init("pickup"),
		SR_KEMIP_INT, gcp_pickup,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("gcp"), str_init("pickup_directed"),
		SR_KEMIP_INT, ki_gcp_pickup_directed,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("gcp"), str_init("pickup_directed_user"),
		SR_KEMIP_INT, ki_gcp_pickup_directed_user,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("gcp"), str_init("is_group_number"),
		SR_KEMIP_INT, ki_gcp_is_group_number,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("gcp"), str_init("is_group_number_str"),
		SR_KEMIP_INT, ki_gcp_is_group_number_str,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("gcp"), str_init("was_picked"),
		SR_KEMIP_INT, gcp_was_picked,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},

	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_gcp_exports);
	return 0;
}
