/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* The cluster's link over Kamailio's dmq (see gcp_dmq_link.h). */

#include <stdio.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/sr_module.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/parser/msg_parser.h"

#include "gcp_dmq_link.h"

static dmq_api_t _dmq;
static dmq_peer_t *_peer = NULL;
static gcp_dmq_failed_f _failed = NULL;
static cmd_function _is_from_node = NULL;
static char _self_buf[GCP_PEER_URI_MAX + 1];
static str _self = {_self_buf, 0};
static str _json = str_init("application/json");

/* "sip:host:port" of a parsed URI; -1 when it does not fit */
static int gcp_dmq_uri_name(struct sip_uri *u, char *buf, int size)
{
	int n;

	n = snprintf(buf, size, "sip:%.*s:%u", u->host.len, u->host.s,
			u->port_no ? u->port_no : SIP_PORT);
	return (n < 0 || n >= size) ? -1 : n;
}

int gcp_dmq_node_name(dmq_node_t *node, char *buf, int size)
{
	return gcp_dmq_uri_name(&node->uri, buf, size);
}

/* a reply to one of our messages: anything but 2xx means the node did not
 * take it (408: no answer, it is gone or stopped) */
static int gcp_dmq_reply(
		struct sip_msg *msg, int code, dmq_node_t *node, void *param)
{
	char name[GCP_PEER_URI_MAX + 1];

	if(code < 300 || node == NULL || _failed == NULL)
		return 0;
	if(gcp_dmq_node_name(node, name, sizeof(name)) < 0)
		return 0;
	_failed(name, code);
	return 0;
}

static dmq_resp_cback_t _reply_cb = {gcp_dmq_reply, 0};

int gcp_dmq_link_init(peer_callback_t on_message, gcp_dmq_failed_f failed)
{
	dmq_peer_t peer;
	struct sr_module *mod;
	modparam_t type;
	str *addr;
	struct sip_uri u;

	mod = find_module_by_name("dmq");
	if(mod == NULL || dmq_load_api(&_dmq) < 0) {
		LM_ERR("dmq is 1: load Kamailio's dmq module before gcp (and hand "
			   "KDMQ requests to dmq_handle_message() in the "
			   "request_route)\n");
		return -1;
	}
	addr = find_param_export(mod, "server_address", PARAM_STR, &type);
	if(addr == NULL || addr->s == NULL || addr->len <= 0
			|| parse_uri(addr->s, addr->len, &u) < 0) {
		LM_ERR("dmq is 1: dmq's server_address is not set or not a SIP URI; "
			   "it names this node in the cluster\n");
		return -1;
	}
	_self.len = gcp_dmq_uri_name(&u, _self_buf, sizeof(_self_buf));
	if(_self.len < 0) {
		LM_ERR("dmq's server_address is longer than %d characters\n",
				GCP_PEER_URI_MAX);
		return -1;
	}
	_is_from_node = find_export("dmq_is_from_node", 0, 0);
	if(_is_from_node == NULL) {
		LM_ERR("dmq exports no dmq_is_from_node(): this dmq is too old\n");
		return -1;
	}
	memset(&peer, 0, sizeof(peer));
	peer.peer_id.s = "gcp";
	peer.peer_id.len = 3;
	peer.description.s = "gcp pickup cluster";
	peer.description.len = sizeof("gcp pickup cluster") - 1;
	peer.callback = on_message;
	_peer = _dmq.register_dmq_peer(&peer);
	if(_peer == NULL) {
		LM_ERR("cannot register gcp as a dmq peer\n");
		return -1;
	}
	_failed = failed;
	return 0;
}

const str *gcp_dmq_self(void)
{
	return &_self;
}

int gcp_dmq_bcast(str *body)
{
	if(_peer == NULL || body->len > GCP_DMQ_MAX_BODY)
		return -1;
	if(_dmq.bcast_message(_peer, body, NULL, &_reply_cb, 1, &_json) < 0) {
		LM_ERR("dmq did not take a message for the cluster\n");
		return -1;
	}
	return 0;
}

int gcp_dmq_send(str *body, const char *node)
{
	str uri;
	dmq_node_t *n;

	if(_peer == NULL || body->len > GCP_DMQ_MAX_BODY)
		return -1;
	uri.s = (char *)node;
	uri.len = strlen(node);
	n = _dmq.find_dmq_node_uri(&uri);
	if(n == NULL) {
		LM_NOTICE("node %s is not in dmq's list (any more): not sent\n", node);
		return -1;
	}
	if(_dmq.send_message(_peer, body, n, &_reply_cb, 1, &_json) < 0) {
		LM_ERR("dmq did not take a message for node %s\n", node);
		return -1;
	}
	return 0;
}

int gcp_dmq_from_node(struct sip_msg *msg)
{
	if(_is_from_node == NULL)
		return 0;
	return _is_from_node(msg, NULL, NULL) > 0;
}

int gcp_dmq_relayed(struct sip_msg *msg, struct hdr_field **hdr)
{
	struct hdr_field *h;

	if(_peer == NULL)
		return 0;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return 0;
	for(h = msg->headers; h; h = h->next) {
		if(h->type == HDR_OTHER_T && h->name.len == GCP_DMQ_RELAY_HDR_LEN
				&& strncasecmp(
						   h->name.s, GCP_DMQ_RELAY_HDR, GCP_DMQ_RELAY_HDR_LEN)
						   == 0) {
			if(hdr)
				*hdr = h;
			return gcp_dmq_from_node(msg);
		}
	}
	return 0;
}

srjson_t *gcp_dmq_field(srjson_t *root, const char *name)
{
	srjson_t *it;

	for(it = root->child; it; it = it->next)
		if(it->string && strcmp(it->string, name) == 0)
			return it;
	return NULL;
}

int gcp_dmq_uint(srjson_t *it, uint64_t *v)
{
	if(it == NULL || it->type != srjson_Number || it->valuedouble < 0
			|| it->valuedouble > 9.0e15)
		return -1;
	*v = (uint64_t)it->valuedouble;
	return 0;
}
