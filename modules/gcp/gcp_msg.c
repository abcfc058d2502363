/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Helpers on a SIP message for the pickup and the tracker: the checks
 * that open gcp_track() and gcp_pickup(), the Contact and where it is
 * reached, Replaces support, the body, headers added with lumps.
 */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/data_lump.h"
#include "../../core/ip_addr.h"
#include "../../core/mem/pkg.h"
#include "../../core/msg_translator.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_from.h"
#include "../../core/parser/parse_to.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/parser/parse_content.h"
#include "../../core/parser/contact/parse_contact.h"

#include "gcp_env.h"
#include "gcp_msg.h"
#include "gcp_sip.h"

int gcp_msg_initial_invite(struct sip_msg *msg, const char *fname)
{
	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_INVITE) {
		LM_ERR("%s() works on INVITE requests only\n", fname);
		return -1;
	}
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->callid == NULL
			|| msg->to == NULL || parse_from_header(msg) < 0) {
		LM_ERR("%s(): the INVITE lacks Call-ID, To or From\n", fname);
		return -1;
	}
	if(get_to(msg)->tag_value.len > 0) {
		LM_ERR("%s() is for initial INVITEs; this one has a To tag\n", fname);
		return -1;
	}
	if(parse_sip_msg_uri(msg) < 0) {
		LM_ERR("%s(): cannot parse the R-URI\n", fname);
		return -1;
	}
	return 0;
}

/* 1 when the caller's User-Agent matches the no_replaces_ua modparam: its
 * "replaces" is not to be trusted, so it never gets a Replaces INVITE */
int gcp_msg_ua_cannot_replace(struct sip_msg *msg)
{
	str *ua;

	if(gcp_prm.no_replaces_ua.len == 0 || msg->user_agent == NULL)
		return 0;
	ua = &msg->user_agent->body;
	if(!gcp_ua_matches(gcp_prm.no_replaces_ua.s, gcp_prm.no_replaces_ua.len,
			   ua->s, ua->len))
		return 0;
	LM_DBG("caller's User-Agent '%.*s' matches no_replaces_ua: its call "
		   "is treated as without Replaces support\n",
			ua->len, ua->s);
	return 1;
}

/* 1 when a Supported or Require header lists the option tag "replaces" */
int gcp_msg_lists_replaces(struct sip_msg *msg)
{
	struct hdr_field *hf;
	char *p, *end, *tok;
	int len;

	for(hf = msg->headers; hf; hf = hf->next) {
		if(hf->type != HDR_SUPPORTED_T && hf->type != HDR_REQUIRE_T)
			continue;
		p = hf->body.s;
		end = hf->body.s + hf->body.len;
		while(p < end) {
			while(p < end
					&& (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r'
							|| *p == '\n'))
				p++;
			tok = p;
			while(p < end && *p != ',' && *p != ' ' && *p != '\t' && *p != '\r'
					&& *p != '\n')
				p++;
			len = p - tok;
			if(len == 8 && strncasecmp(tok, "replaces", 8) == 0)
				return 1;
		}
	}
	return 0;
}

/* first Contact URI of the message, or an empty str */
str gcp_msg_contact_uri(struct sip_msg *msg)
{
	str none = STR_NULL;
	contact_body_t *cb;

	if(msg->contact == NULL || parse_contact(msg->contact) < 0)
		return none;
	cb = (contact_body_t *)msg->contact->parsed;
	if(cb == NULL || cb->star || cb->contacts == NULL)
		return none;
	return cb->contacts->uri;
}

/* Where a request to the Contact of msg's sender goes: the source address
 * of msg when the Contact is not reachable as it is: another host than the
 * source (NAT), or a connection-oriented transport (reuse the phone's
 * connection). The same host on another UDP port is a phone that sends
 * from one port and listens on its Contact port: the Contact is used
 * (dst empty). dst may point into a buffer of Kamailio's core: copy it
 * before the next message is looked at. */
int gcp_msg_contact_dst(struct sip_msg *msg, str *contact, str *dst)
{
	struct sip_uri cu;
	char *ip;
	int iplen;

	dst->s = NULL;
	dst->len = 0;
	if(parse_uri(contact->s, contact->len, &cu) < 0) {
		LM_ERR("the Contact <%.*s> is not a SIP URI\n", contact->len,
				contact->s);
		return -1;
	}
	ip = ip_addr2a(&msg->rcv.src_ip);
	iplen = strlen(ip);
	if(msg->rcv.proto == PROTO_UDP && cu.host.len == iplen
			&& strncasecmp(cu.host.s, ip, iplen) == 0)
		return 0;
	return get_src_uri(msg, 1, dst) < 0 ? -1 : 0;
}

/* The request body as a str; empty when there is none. */
str gcp_msg_body(struct sip_msg *msg)
{
	str body = STR_NULL;

	body.s = get_body(msg);
	if(body.s == NULL)
		return body;
	body.len = msg->len - (int)(body.s - msg->buf);
	if(msg->content_length) {
		int clen = get_content_length(msg);
		if(clen < body.len)
			body.len = clen;
	}
	if(body.len <= 0)
		body.len = 0;
	return body;
}

/* Replace the SDP offer of msg by its audio-only form; 0 also when there
 * is nothing to change. */
int gcp_msg_audio_only(struct sip_msg *msg, int sdp_mode)
{
	str body = gcp_msg_body(msg);
	struct lump *anchor;
	char *out;
	int outlen, changed = 0;

	if(body.len == 0)
		return 0;
	out = pkg_malloc(body.len + 1);
	if(out == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	outlen = gcp_sdp_audio_only(
			body.s, body.len, sdp_mode, out, body.len + 1, &changed);
	if(outlen < 0 || !changed) {
		/* not SDP (or unknown shape): leave the body alone */
		pkg_free(out);
		return 0;
	}
	anchor = del_lump(msg, body.s - msg->buf, body.len, 0);
	if(anchor == NULL
			|| insert_new_lump_after(anchor, out, outlen, 0) == NULL) {
		LM_ERR("cannot rewrite the SDP offer of the pickup\n");
		pkg_free(out);
		return -1;
	}
	return 0;
}

/* Add one header block (CRLF-terminated lines) at the end of the headers */
int gcp_msg_remove_headers(struct sip_msg *msg, const char *name)
{
	struct hdr_field *hf;
	int len = strlen(name);

	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	for(hf = msg->headers; hf; hf = hf->next) {
		if(hf->name.len != len || strncasecmp(hf->name.s, name, len) != 0)
			continue;
		if(del_lump(msg, hf->name.s - msg->buf, hf->len, 0) == NULL) {
			LM_ERR("cannot remove the %s header\n", name);
			return -1;
		}
	}
	return 0;
}

int gcp_msg_add_headers(struct sip_msg *msg, const char *hdrs, int len)
{
	struct lump *anchor;
	char *s;

	if(len <= 0)
		return 0;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0) {
		LM_ERR("cannot parse the request headers\n");
		return -1;
	}
	anchor = anchor_lump(msg, msg->unparsed - msg->buf, 0, 0);
	if(anchor == NULL) {
		LM_ERR("cannot add headers to the request\n");
		return -1;
	}
	s = pkg_malloc(len);
	if(s == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(s, hdrs, len);
	if(insert_new_lump_before(anchor, s, len, 0) == NULL) {
		pkg_free(s);
		return -1;
	}
	return 0;
}
