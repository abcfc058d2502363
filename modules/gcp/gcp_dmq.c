/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* The cluster: set-up, heartbeat, messages, gcp.cluster (see gcp_dmq.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/rpc.h"
#include "../../core/rpc_lookup.h"
#include "../../core/mem/pkg.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_content.h"
#include "../../core/utils/srjson.h"

#include "gcp_dmq.h"
#include "gcp_dmq_calls.h"
#include "gcp_dmq_cfg.h"
#include "gcp_dmq_link.h"
#include "gcp_env.h"

static str _200 = str_init("OK");
static str _400 = str_init("Bad Request");

static const char *gcp_dmq_text(srjson_t *root, const char *name)
{
	srjson_t *it = gcp_dmq_field(root, name);

	if(it == NULL || it->type != srjson_String || it->valuestring == NULL)
		return NULL;
	return it->valuestring;
}

/* a hex text field (boot ids, digests): 0 and *v, -1 when missing or bad */
static int gcp_dmq_hex(srjson_t *root, const char *name, uint64_t *v)
{
	const char *s = gcp_dmq_text(root, name);
	char *end;

	if(s == NULL || *s == '\0' || strlen(s) > 16)
		return -1;
	*v = strtoull(s, &end, 16);
	return *end == '\0' ? 0 : -1;
}

static int gcp_dmq_num(srjson_t *root, const char *name, uint64_t *v)
{
	return gcp_dmq_uint(gcp_dmq_field(root, name), v);
}

/* one message of the node called name; 0, or -1 when malformed */
static int gcp_dmq_dispatch(const char *name, srjson_t *root)
{
	const char *t = gcp_dmq_text(root, "t"), *to = gcp_dmq_text(root, "to");
	const char *cd;
	uint64_t boot = 0, cv, n, nd, full, j, seq = 0;
	int has_boot;

	if(t == NULL) {
		LM_ERR("dmq: a message of node %s without its type (\"t\"): "
			   "ignored\n",
				name);
		return -1;
	}
	if(to && strcmp(to, gcp_dmq_self()->s) != 0)
		return 0; /* for another node */
	has_boot = gcp_dmq_hex(root, "boot", &boot) == 0;
	if(strcmp(t, "hb") == 0 || strcmp(t, "add") == 0 || strcmp(t, "del") == 0
			|| strcmp(t, "sync") == 0) {
		if(!has_boot || boot == 0) {
			LM_ERR("dmq: a %s message of node %s without its boot id: "
				   "ignored\n",
					t, name);
			return -1;
		}
	}
	/* the number of an add, del or heartbeat: optional, a number */
	if(gcp_dmq_field(root, "s") != NULL && gcp_dmq_num(root, "s", &seq) < 0) {
		LM_ERR("dmq: a %s message of node %s whose number (\"s\") is not "
			   "one: ignored\n",
				t, name);
		return -1;
	}
	if(strcmp(t, "hb") == 0) {
		cd = gcp_dmq_text(root, "cd");
		if(gcp_dmq_num(root, "cv", &cv) < 0 || cd == NULL || strlen(cd) != 16
				|| gcp_dmq_num(root, "n", &n) < 0 || n > 0xffffffffULL
				|| gcp_dmq_hex(root, "nd", &nd) < 0
				|| gcp_dmq_num(root, "j", &j) < 0 || j > 1) {
			LM_ERR("dmq: a heartbeat of node %s without its version, "
				   "digests or count of calls: ignored\n",
					name);
			return -1;
		}
		if(gcp_dmq_calls_heard(name, boot) < 0)
			return 0;
		gcp_dmq_calls_heartbeat(name, (unsigned)n, nd, seq, cv, cd);
		gcp_dmq_cfg_heartbeat(name, cv, cd, (int)j);
		return 0;
	}
	if(strcmp(t, "add") == 0) {
		if(gcp_dmq_num(root, "full", &full) < 0 || full > 1) {
			LM_ERR("dmq: an add message of node %s without \"full\": "
				   "ignored\n",
					name);
			return -1;
		}
		if(gcp_dmq_calls_heard(name, boot) < 0)
			return 0;
		return gcp_dmq_calls_on_add(
				name, (int)full, seq, gcp_dmq_field(root, "c"));
	}
	if(strcmp(t, "del") == 0) {
		if(gcp_dmq_calls_heard(name, boot) < 0)
			return 0;
		return gcp_dmq_calls_on_del(name, seq, gcp_dmq_field(root, "c"));
	}
	if(strcmp(t, "sync") == 0) {
		if(gcp_dmq_calls_heard(name, boot) >= 0)
			gcp_dmq_calls_on_sync(name);
		return 0;
	}
	if(strcmp(t, "op") == 0)
		return gcp_dmq_cfg_on_op(name, root);
	if(strcmp(t, "cfgreq") == 0)
		return gcp_dmq_cfg_on_request(name);
	if(strcmp(t, "cfg") == 0)
		return gcp_dmq_cfg_on_full(name, root);
	LM_ERR("dmq: node %s sent a message of unknown type \"%.*s\": ignored\n",
			name, 32, t);
	return -1;
}

/* dmq's peer callback (its workers) */
static int gcp_dmq_on_message(
		struct sip_msg *msg, peer_reponse_t *resp, dmq_node_t *node)
{
	char name[GCP_PEER_URI_MAX + 1];
	srjson_doc_t doc;
	char *body, *copy;
	int len, ret = -1;

	resp->resp_code = 400;
	resp->reason = _400;
	if(node == NULL || gcp_dmq_node_name(node, name, sizeof(name)) < 0) {
		LM_ERR("dmq: a message from a node without a usable address: "
			   "ignored\n");
		return 0;
	}
	body = get_body(msg);
	len = body ? msg->len - (int)(body - msg->buf) : 0;
	if(msg->content_length && get_content_length(msg) < len)
		len = get_content_length(msg);
	if(body == NULL || len <= 0 || len > GCP_DMQ_MAX_BODY) {
		LM_ERR("dmq: a message of node %s with no body or one over %d "
			   "bytes: ignored\n",
				name, GCP_DMQ_MAX_BODY);
		return 0;
	}
	copy = pkg_malloc(len + 1);
	if(copy == NULL) {
		PKG_MEM_ERROR;
		return 0;
	}
	memcpy(copy, body, len);
	copy[len] = '\0';
	srjson_InitDoc(&doc, NULL);
	doc.buf.s = copy;
	doc.buf.len = len;
	doc.root = srjson_Parse(&doc, copy);
	if(doc.root == NULL || doc.root->type != srjson_Object)
		LM_ERR("dmq: a message of node %s is not a JSON object: ignored\n",
				name);
	else
		ret = gcp_dmq_dispatch(name, doc.root);
	srjson_DestroyDoc(&doc);
	pkg_free(copy);
	if(ret == 0) {
		resp->resp_code = 200;
		resp->reason = _200;
	}
	return 0;
}

/* ---- the heartbeat ---- */

static void gcp_dmq_heartbeat(void)
{
	char body[256], cd[17];
	unsigned n;
	uint64_t nd, cv, seq;
	str b;

	gcp_dmq_calls_announced(&n, &nd, &seq);
	gcp_dmq_cfg_state(&cv, cd);
	b.len = snprintf(body, sizeof(body),
			"{\"t\":\"hb\",\"boot\":\"%llx\",\"cv\":%llu,\"cd\":\"%s\","
			"\"n\":%u,\"nd\":\"%llx\",\"s\":%llu,\"j\":%d}",
			(unsigned long long)gcp_dmq_boot(), (unsigned long long)cv, cd, n,
			(unsigned long long)nd, (unsigned long long)seq,
			gcp_dmq_cfg_joined());
	b.s = body;
	gcp_dmq_bcast(&b);
}

void gcp_dmq_timer(uint64_t now)
{
	static uint64_t last_hb = 0;

	if(!gcp_prm.dmq)
		return;
	gcp_dmq_calls_timer(now);
	gcp_dmq_cfg_timer(now);
	if(now - last_hb >= (uint64_t)gcp_prm.dmq_heartbeat) {
		last_hb = now;
		gcp_dmq_heartbeat();
	}
}

/* ---- gcp.cluster ---- */

static const char *gcp_rpc_cluster_doc[] = {
		"The nodes of the cluster (modparam dmq), this one first. Each: uri "
		"(its DMQ address), self (1 for this node), state (self, up or "
		"down), calls (pickable calls ringing through it), version and "
		"digest (of the configuration it holds).",
		0};

typedef struct gcp_rpc_node
{
	char uri[GCP_PEER_URI_MAX + 1];
	int up;
	unsigned calls;
	uint64_t version;
	char digest[GCP_PEER_DIGEST_MAX + 1];
} gcp_rpc_node_t;

static void gcp_rpc_cluster(rpc_t *rpc, void *ctx)
{
	gcp_rpc_node_t v[GCP_PEER_MAX_NODES];
	gcp_peer_node_t *node;
	gcp_peers_t *peers;
	char cd[17];
	uint64_t cv;
	void *th;
	int i, n = 0;

	if(!gcp_prm.dmq) {
		rpc->fault(ctx, 500, "not a cluster: modparam dmq is 0");
		return;
	}
	peers = gcp_dmq_calls_lock();
	for(i = 1; i < GCP_PEER_MAX_NODES; i++) {
		node = gcp_peers_node_at(peers, i);
		if(node == NULL)
			continue;
		memcpy(v[n].uri, node->uri, node->ulen + 1);
		v[n].up = node->up;
		v[n].calls = node->up ? node->ncalls : 0;
		v[n].version = node->hb_version;
		memcpy(v[n].digest, node->hb_digest, sizeof(v[n].digest));
		n++;
	}
	gcp_dmq_calls_unlock();
	gcp_dmq_cfg_state(&cv, cd);
	if(rpc->add(ctx, "{", &th) < 0
			|| rpc->struct_add(th, "sdsdds", "uri", gcp_dmq_self()->s, "self",
					   1, "state", "self", "calls", (int)gcp_dmq_calls_own(),
					   "version", (int)cv, "digest", cd)
					   < 0) {
		rpc->fault(ctx, 500, "the reply could not be built");
		return;
	}
	for(i = 0; i < n; i++) {
		if(rpc->add(ctx, "{", &th) < 0
				|| rpc->struct_add(th, "sdsdds", "uri", v[i].uri, "self", 0,
						   "state", v[i].up ? "up" : "down", "calls",
						   (int)v[i].calls, "version", (int)v[i].version,
						   "digest", v[i].digest)
						   < 0)
			return;
	}
}

/* clang-format off */
static rpc_export_t gcp_dmq_rpc[] = {
	{"gcp.cluster", gcp_rpc_cluster, gcp_rpc_cluster_doc, RET_ARRAY},
	{0, 0, 0, 0}
};
/* clang-format on */

/* ---- set-up ---- */

int gcp_dmq_init(gcp_ring_env_t *env)
{
	gcp_dmq_clock_init();
	if(gcp_prm.dmq == 0)
		return 0;
	if(gcp_prm.dmq != 1) {
		LM_ERR("dmq is %d: it must be 0 (one node) or 1 (a DMQ cluster)\n",
				gcp_prm.dmq);
		return -1;
	}
	if(gcp_prm.dmq_heartbeat < 100 || gcp_prm.dmq_heartbeat > 60000) {
		LM_ERR("dmq_heartbeat is %d: it must be 100..60000 (ms)\n",
				gcp_prm.dmq_heartbeat);
		return -1;
	}
	if(gcp_prm.dmq_down_after < 2 * gcp_prm.dmq_heartbeat) {
		LM_ERR("dmq_down_after is %d: it must be at least twice "
			   "dmq_heartbeat (%d ms), or one late heartbeat would take a "
			   "node down\n",
				gcp_prm.dmq_down_after, gcp_prm.dmq_heartbeat);
		return -1;
	}
	if(gcp_dmq_link_init(gcp_dmq_on_message, gcp_dmq_calls_failed) < 0)
		return -1;
	if(gcp_dmq_calls_init(env) < 0)
		return -1;
	if(rpc_register_array(gcp_dmq_rpc) != 0) {
		LM_ERR("cannot register the RPC command gcp.cluster\n");
		return -1;
	}
	LM_INFO("dmq: node %s of a pickup cluster (heartbeat every %d ms, a "
			"node unheard of for %d ms is down)\n",
			gcp_dmq_self()->s, gcp_prm.dmq_heartbeat, gcp_prm.dmq_down_after);
	return 0;
}

int gcp_dmq_init_cfg(void)
{
	return gcp_prm.dmq ? gcp_dmq_cfg_init() : 0;
}
