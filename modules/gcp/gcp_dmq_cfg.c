/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* The cluster's configuration: changes sent, replayed, converged (see
 * gcp_dmq_cfg.h). */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/rpc.h"
#include "../../core/rpc_lookup.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/mem/pkg.h"

#include "gcp_dmq_calls.h"
#include "gcp_dmq_cfg.h"
#include "gcp_dmq_link.h"
#include "gcp_env.h"
#include "gcp_json.h"
#include "gcp_store.h"
#include "gcp_xml.h"

#define GCP_CFG_ASK_GAP_MS 1000 /* between two requests of a configuration */

typedef struct gcp_dmq_cfg_state
{
	uint64_t version; /* under the writer lock; read atomically */
	uint64_t digest;
	uint64_t asked_ms;
	/* 0 until this node holds the cluster's configuration: it took a
	 * joined node's, found it equal, was changed by RPC, or heard of no
	 * joined node for dmq_down_after after start-up (a cluster starting
	 * whole) */
	int joined;
	uint64_t start_ms;
} gcp_dmq_cfg_state_t;

static gcp_dmq_cfg_state_t *_cs = NULL;

/* per process: the change being replayed, whose version it carries */
static int _replaying = 0;

/* the commands a node may replay (each changes one item) */
static const char *const _replayable[] = {"gcp.range.add", "gcp.range.update",
		"gcp.range.remove", "gcp.member.set", "gcp.member.remove",
		"gcp.personal.add", "gcp.personal.remove", "gcp.group.set", NULL};

static uint64_t gcp_fnv(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for(i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t gcp_cfg_digest(const gcp_cfg_t *cfg)
{
	size_t len;
	char *xml = gcp_cfg_to_xml(cfg, &len);
	uint64_t d;

	if(xml == NULL)
		return 0;
	d = gcp_fnv(xml, len);
	free(xml);
	return d;
}

/* the digest of what is in force now (under the writer lock) */
static void gcp_cfg_redigest(void)
{
	gcp_cfg_t *cfg = gcp_store_get();

	if(cfg == NULL)
		return;
	__atomic_store_n(&_cs->digest, gcp_cfg_digest(cfg), __ATOMIC_RELAXED);
	gcp_cfg_free(cfg);
}

static void gcp_cfg_raise(uint64_t v)
{
	if(v > _cs->version)
		__atomic_store_n(&_cs->version, v, __ATOMIC_RELAXED);
}

int gcp_dmq_cfg_init(void)
{
	_cs = shm_malloc(sizeof(*_cs));
	if(_cs == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(_cs, 0, sizeof(*_cs));
	_cs->start_ms = gcp_now_ms();
	gcp_store_writer_lock();
	gcp_cfg_redigest();
	gcp_store_writer_unlock();
	return 0;
}

int gcp_dmq_cfg_joined(void)
{
	return __atomic_load_n(&_cs->joined, __ATOMIC_RELAXED);
}

static void gcp_cfg_join(const char *why)
{
	if(__atomic_exchange_n(&_cs->joined, 1, __ATOMIC_RELAXED) == 0)
		LM_INFO("dmq: this node holds the cluster's configuration now (%s)\n",
				why);
}

void gcp_dmq_cfg_timer(uint64_t now)
{
	if(!gcp_dmq_cfg_joined()
			&& now - _cs->start_ms >= (uint64_t)gcp_prm.dmq_down_after)
		gcp_cfg_join("no node that holds one was heard of since start-up: "
					 "ours is the cluster's");
}

void gcp_dmq_cfg_state(uint64_t *version, char *digest)
{
	*version = __atomic_load_n(&_cs->version, __ATOMIC_RELAXED);
	snprintf(digest, 17, "%016llx",
			(unsigned long long)__atomic_load_n(
					&_cs->digest, __ATOMIC_RELAXED));
}

/* ---- a change here: to the cluster ---- */

static void gcp_cfg_send_full(const gcp_cfg_t *cfg, const char *to)
{
	gcp_json_t j;
	char head[64];
	size_t len;
	char *xml = NULL;
	str body;
	int n;

	j.buf = pkg_malloc(GCP_DMQ_MAX_BODY + 1);
	if(j.buf == NULL) {
		PKG_MEM_ERROR;
		return;
	}
	j.cap = GCP_DMQ_MAX_BODY + 1;
	j.len = 0;
	n = snprintf(head, sizeof(head), "{\"t\":\"cfg\",\"v\":%llu",
			(unsigned long long)_cs->version);
	gcp_json_raw(&j, head, n);
	if(to) {
		gcp_json_raw(&j, ",\"to\":", 6);
		gcp_json_str(&j, to, strlen(to));
	}
	if(gcp_store_is_db()) {
		gcp_json_raw(&j, ",\"db\":1}", 8);
	} else {
		xml = gcp_cfg_to_xml(cfg, &len);
		if(xml == NULL || gcp_json_raw(&j, ",\"x\":", 5) < 0
				|| gcp_json_str(&j, xml, len) < 0
				|| gcp_json_raw(&j, "}", 1) < 0) {
			LM_ERR("dmq: the configuration (%zu bytes as XML) does not fit "
				   "in one DMQ message (%d bytes): not sent%s%s; a cluster "
				   "this large keeps it in a database (db_url)\n",
					xml ? len : 0, GCP_DMQ_MAX_BODY, to ? " to " : "",
					to ? to : "");
			free(xml);
			pkg_free(j.buf);
			return;
		}
		free(xml);
	}
	body.s = j.buf;
	body.len = (int)j.len;
	if(to)
		gcp_dmq_send(&body, to);
	else
		gcp_dmq_bcast(&body);
	pkg_free(j.buf);
}

static void gcp_cfg_send_op(const char *cmd, const gcp_rpc_args_t *a)
{
	char buf[GCP_RPC_MAX_ARGS * (6 * GCP_RPC_ARG_MAX + 3) + 128];
	gcp_json_t j = {buf, sizeof(buf), 0};
	char head[64];
	str body;
	int i, n;

	n = snprintf(head, sizeof(head), "{\"t\":\"op\",\"v\":%llu,\"cmd\":",
			(unsigned long long)_cs->version);
	gcp_json_raw(&j, head, n);
	gcp_json_str(&j, cmd, strlen(cmd));
	gcp_json_raw(&j, ",\"a\":[", 6);
	for(i = 0; i < a->n; i++) {
		if(i > 0)
			gcp_json_raw(&j, ",", 1);
		gcp_json_str(&j, a->v[i], strlen(a->v[i]));
	}
	gcp_json_raw(&j, "]}", 2);
	body.s = j.buf;
	body.len = (int)j.len;
	gcp_dmq_bcast(&body);
}

void gcp_dmq_cfg_changed(
		const char *cmd, const gcp_rpc_args_t *a, const gcp_cfg_t *cfg)
{
	if(_cs == NULL)
		return;
	__atomic_store_n(&_cs->digest, gcp_cfg_digest(cfg), __ATOMIC_RELAXED);
	if(_replaying)
		return; /* its version is the sender's (gcp_dmq_cfg_on_op) */
	gcp_cfg_join("changed here");
	__atomic_store_n(&_cs->version, _cs->version + 1, __ATOMIC_RELAXED);
	if(a == NULL)
		gcp_cfg_send_full(cfg, NULL);
	else
		gcp_cfg_send_op(cmd, a);
}

/* ---- another node's change: replayed by the same RPC command ---- */

typedef struct gcp_replay
{
	int n, next;
	const char *v[GCP_RPC_MAX_ARGS];
	int code; /* the fault, 0 none */
	char err[GCP_ERR_LEN];
} gcp_replay_t;

static void gcp_replay_fault(void *ctx, int code, char *fmt, ...)
{
	gcp_replay_t *r = ctx;
	va_list ap;

	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
}

static int gcp_replay_send(void *ctx)
{
	return 0;
}

/* values are dropped; the handles of structures and arrays point back to
 * the context, so that what is added to them is dropped too */
static int gcp_replay_add(void *ctx, char *fmt, ...)
{
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	for(; *fmt; fmt++, n++) {
		switch(*fmt) {
			case 'd':
			case 'u':
			case 'b':
			case 't':
				(void)va_arg(ap, int);
				break;
			case 'f':
				(void)va_arg(ap, double);
				break;
			case 's':
			case 'S':
				(void)va_arg(ap, void *);
				break;
			case '{':
			case '[':
				*va_arg(ap, void **) = ctx;
				break;
			default:
				va_end(ap);
				return n;
		}
	}
	va_end(ap);
	return n;
}

static int gcp_replay_ignore(void *ctx, char *fmt, ...)
{
	return 0;
}

static int gcp_replay_struct_printf(void *ctx, char *name, char *fmt, ...)
{
	return 0;
}

/* the commands read their arguments with "*.S" (gcp_rpc_args()) */
static int gcp_replay_scan(void *ctx, char *fmt, ...)
{
	gcp_replay_t *r = ctx;
	va_list ap;
	str *s;
	int n = 0;

	va_start(ap, fmt);
	for(; *fmt; fmt++) {
		if(*fmt == '*' || *fmt == '.')
			continue;
		if(*fmt != 'S' || r->next >= r->n)
			break;
		s = va_arg(ap, str *);
		s->s = (char *)r->v[r->next];
		s->len = strlen(r->v[r->next]);
		r->next++;
		n++;
	}
	va_end(ap);
	return n;
}

static rpc_capabilities_t gcp_replay_caps(void *ctx)
{
	return 0;
}

static rpc_t _replay_rpc = {
		.fault = gcp_replay_fault,
		.send = gcp_replay_send,
		.add = gcp_replay_add,
		.scan = gcp_replay_scan,
		.rpl_printf = gcp_replay_ignore,
		.struct_add = gcp_replay_ignore,
		.array_add = gcp_replay_add,
		.struct_scan = gcp_replay_ignore,
		.struct_printf = gcp_replay_struct_printf,
		.capabilities = gcp_replay_caps,
		.delayed_ctx_new = NULL,
		.delayed_ctx_close = NULL,
};

static int gcp_replayable(const char *cmd)
{
	int i;

	for(i = 0; _replayable[i]; i++)
		if(strcmp(cmd, _replayable[i]) == 0)
			return 1;
	return 0;
}

/* re-read the tables (db_url): another node changed them. The version
 * is raised only when they were read: a node that failed keeps the older
 * one, so it asks for the configuration again (and re-reads) at the next
 * heartbeat instead of holding what it had under the new version */
static void gcp_cfg_reread(const char *node, uint64_t v)
{
	char err[GCP_ERR_LEN];
	int ret;

	gcp_store_writer_lock();
	ret = gcp_store_reload(err, sizeof(err));
	if(ret < 0)
		LM_ERR("dmq: node %s changed the configuration, but the tables "
			   "cannot be read again: %s\n",
				node, err);
	gcp_cfg_redigest();
	if(ret >= 0)
		gcp_cfg_raise(v);
	gcp_store_writer_unlock();
}

int gcp_dmq_cfg_on_op(const char *node, srjson_t *root)
{
	srjson_t *cmd = gcp_dmq_field(root, "cmd"),
			 *args = gcp_dmq_field(root, "a");
	gcp_replay_t r;
	rpc_export_t *e;
	srjson_t *it;
	uint64_t v;

	memset(&r, 0, sizeof(r));
	if(gcp_dmq_uint(gcp_dmq_field(root, "v"), &v) < 0 || cmd == NULL
			|| cmd->type != srjson_String || cmd->valuestring == NULL
			|| args == NULL || args->type != srjson_Array) {
		LM_ERR("dmq: a change of node %s without its version, command or "
			   "arguments: ignored\n",
				node);
		return -1;
	}
	if(!gcp_replayable(cmd->valuestring)) {
		LM_ERR("dmq: node %s sent a change \"%.*s\" that is not one: "
			   "ignored\n",
				node, 64, cmd->valuestring);
		return -1;
	}
	for(it = args->child; it; it = it->next) {
		if(it->type != srjson_String || it->valuestring == NULL
				|| strlen(it->valuestring) > GCP_RPC_ARG_MAX
				|| r.n >= GCP_RPC_MAX_ARGS) {
			LM_ERR("dmq: a change %s of node %s has an argument that is not "
				   "text, too long, or too many: ignored\n",
					cmd->valuestring, node);
			return -1;
		}
		r.v[r.n++] = it->valuestring;
	}
	if(gcp_store_is_db()) {
		gcp_cfg_reread(node, v);
		return 0;
	}
	e = rpc_lookup(cmd->valuestring, strlen(cmd->valuestring));
	if(e == NULL || e->function == NULL) {
		LM_ERR("dmq: no RPC command %s here for node %s's change\n",
				cmd->valuestring, node);
		return -1;
	}
	_replaying = 1;
	e->function(&_replay_rpc, &r);
	_replaying = 0;
	gcp_store_writer_lock();
	gcp_cfg_raise(v);
	gcp_store_writer_unlock();
	if(r.code)
		LM_NOTICE("dmq: change %s of node %s refused here (%d: %s); the "
				  "nodes converge on the configuration of the latest\n",
				cmd->valuestring, node, r.code, r.err);
	return 0;
}

/* ---- whole configurations ---- */

/* the configuration of (v, node) is the one to take: higher in the order
 * (version, node name) than ours */
static int gcp_cfg_theirs_wins(uint64_t v, const char *node)
{
	uint64_t mine = __atomic_load_n(&_cs->version, __ATOMIC_RELAXED);

	if(v != mine)
		return v > mine;
	return strcmp(node, gcp_dmq_self()->s) > 0;
}

void gcp_dmq_cfg_heartbeat(
		const char *node, uint64_t version, const char *digest, int node_joined)
{
	char mine[17], body[GCP_PEER_URI_MAX + 64];
	uint64_t v, now = gcp_now_ms();
	int joined = gcp_dmq_cfg_joined();
	str b;

	/* a node that has not joined takes ours; one that joins takes the
	 * first joined node's; joined nodes converge by (version, name) */
	if(!node_joined)
		return;
	gcp_dmq_cfg_state(&v, mine);
	if(strcmp(mine, digest) == 0) {
		if(!joined) {
			gcp_store_writer_lock();
			gcp_cfg_raise(version);
			gcp_store_writer_unlock();
			gcp_cfg_join("the same as the cluster's");
		}
		return;
	}
	/* with db_url the tables hold the one configuration: a node that
	 * differs reads them again, whichever is ahead (after a split both
	 * sides' changes are in them, and the winner of (version, name) would
	 * otherwise stay behind the tables for good) */
	if(joined && !gcp_store_is_db() && !gcp_cfg_theirs_wins(version, node))
		return;
	if(now - __atomic_load_n(&_cs->asked_ms, __ATOMIC_RELAXED)
			< GCP_CFG_ASK_GAP_MS)
		return;
	__atomic_store_n(&_cs->asked_ms, now, __ATOMIC_RELAXED);
	if(gcp_store_is_db()) {
		LM_INFO("dmq: node %s has configuration %llu (%s), we %llu (%s): "
				"reading the tables again\n",
				node, (unsigned long long)version, digest,
				(unsigned long long)v, mine);
		gcp_cfg_reread(node, version);
		gcp_cfg_join("the tables re-read");
		return;
	}
	LM_INFO("dmq: node %s has configuration %llu (%s), we %llu (%s%s): "
			"asking for it\n",
			node, (unsigned long long)version, digest, (unsigned long long)v,
			mine, joined ? "" : ", joining");
	b.len = snprintf(
			body, sizeof(body), "{\"t\":\"cfgreq\",\"to\":\"%s\"}", node);
	b.s = body;
	gcp_dmq_send(&b, node);
}

int gcp_dmq_cfg_on_request(const char *node)
{
	gcp_cfg_t *cfg;

	gcp_store_writer_lock();
	cfg = gcp_store_get();
	if(cfg)
		gcp_cfg_send_full(cfg, node);
	gcp_store_writer_unlock();
	if(cfg == NULL) {
		LM_ERR("dmq: out of memory for the configuration node %s asks for\n",
				node);
		return -1;
	}
	gcp_cfg_free(cfg);
	return 0;
}

int gcp_dmq_cfg_on_full(const char *node, srjson_t *root)
{
	char err[GCP_ERR_LEN], name[GCP_PEER_URI_MAX + 32];
	srjson_t *x = gcp_dmq_field(root, "x"), *db = gcp_dmq_field(root, "db");
	gcp_cfg_t *cfg = NULL;
	uint64_t v;
	int ret;

	if(gcp_dmq_uint(gcp_dmq_field(root, "v"), &v) < 0
			|| (db == NULL
					&& (x == NULL || x->type != srjson_String
							|| x->valuestring == NULL))) {
		LM_ERR("dmq: a configuration of node %s without its version or "
			   "XML: ignored\n",
				node);
		return -1;
	}
	if(db != NULL || gcp_store_is_db()) {
		if(!gcp_dmq_cfg_joined() || gcp_cfg_theirs_wins(v, node)) {
			gcp_cfg_reread(node, v);
			gcp_cfg_join("the tables re-read");
		}
		return 0;
	}
	snprintf(name, sizeof(name), "the configuration of node %s", node);
	if(gcp_cfg_parse(x->valuestring, strlen(x->valuestring), name, &cfg, err,
			   sizeof(err))
			< 0) {
		LM_ERR("dmq: %s: nothing changed here\n", err);
		return -1;
	}
	gcp_store_writer_lock();
	if(gcp_dmq_cfg_joined() && !gcp_cfg_theirs_wins(v, node)) {
		gcp_store_writer_unlock();
		gcp_cfg_free(cfg);
		return 0; /* ours moved on meanwhile */
	}
	ret = gcp_store_replace(cfg, err, sizeof(err));
	if(ret == 0 || ret == GCP_SAVE_NOT_DURABLE) {
		__atomic_store_n(&_cs->joined, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&_cs->version, v, __ATOMIC_RELAXED);
		__atomic_store_n(&_cs->digest, gcp_cfg_digest(cfg), __ATOMIC_RELAXED);
	}
	gcp_store_writer_unlock();
	gcp_cfg_free(cfg);
	if(ret < 0 && ret != GCP_SAVE_NOT_DURABLE) {
		LM_ERR("dmq: the configuration %llu of node %s cannot be saved to "
			   "%s: %s; the one here stays\n",
				(unsigned long long)v, node, gcp_store_where(), err);
		return -1;
	}
	LM_NOTICE("dmq: configuration %llu of node %s saved to %s and in force\n",
			(unsigned long long)v, node, gcp_store_where());
	return 0;
}
