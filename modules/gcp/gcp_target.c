/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* What a pickup INVITE asks for, and whether its sender may have it (see
 * gcp_target.h). */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/forward.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_from.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/parser/digest/digest.h"

#include "gcp_env.h"
#include "gcp_store.h"
#include "gcp_target.h"
#include "gcp_dmq_link.h"

const char *gcp_kind_name(int kind)
{
	switch(kind) {
		case GCP_KIND_GROUP:
			return "group";
		case GCP_KIND_OTHER_GROUP:
			return "other-group";
		case GCP_KIND_DIRECTED:
			return "directed";
		case GCP_KIND_REPLACES:
			return "replaces";
		default:
			return "";
	}
}

/* The Replaces header of msg: 1 with its body, 0 when none, -1 when two */
static int gcp_replaces_header(struct sip_msg *msg, str *body)
{
	struct hdr_field *hf;
	int n = 0;

	for(hf = msg->headers; hf; hf = hf->next) {
		if(hf->name.len != 8 || strncasecmp(hf->name.s, "Replaces", 8) != 0)
			continue;
		if(n++ > 0)
			return -1;
		*body = hf->body;
	}
	return n;
}

int gcp_target_member(str *user, gcp_target_t *t)
{
	t->kind = GCP_KIND_DIRECTED;
	t->member = *user;
	if(user->len == 0 || user->len > GCP_MAX_USER
			|| !gcp_store_member_group(
					user, t->group_buf, sizeof(t->group_buf)))
		return -3;
	t->group.s = t->group_buf;
	t->group.len = strlen(t->group_buf);
	return 1;
}

int gcp_target_of(struct sip_msg *msg, gcp_target_t *t)
{
	str ruser = msg->parsed_uri.user, body = STR_NULL, user;
	str *prefix = &gcp_prm.directed_prefix;
	int n;

	memset(t, 0, sizeof(*t));
	n = gcp_replaces_header(msg, &body);
	if(n < 0) {
		LM_NOTICE("pickup refused: the INVITE has two Replaces headers\n");
		return -1;
	}
	if(n == 1) {
		if(gcp_replaces_parse(body.s, body.len, &t->rp) < 0) {
			LM_NOTICE("pickup refused: the Replaces header is malformed "
					  "(%d bytes: '%.*s')\n",
					body.len, body.len > 64 ? 64 : body.len, body.s);
			return -1;
		}
		t->kind = GCP_KIND_REPLACES;
		return 1;
	}
	if(ruser.len > 0 && gcp_store_is_group(&ruser)) {
		t->kind = GCP_KIND_GROUP;
		t->group = ruser;
		t->nalso = gcp_store_group_also(&ruser, t->also, GCP_MAX_ALSO);
		return 1;
	}
	if(prefix->len > 0 && ruser.len >= prefix->len
			&& memcmp(ruser.s, prefix->s, prefix->len) == 0) {
		user.s = ruser.s + prefix->len;
		user.len = ruser.len - prefix->len;
		return gcp_target_member(&user, t);
	}
	return -2;
}

/* the picker's user: the one whose credentials the cfg checked, else its
 * From user; *authed set when the cfg checked credentials */
static int gcp_picker_user(struct sip_msg *msg, str *user, int *authed)
{
	struct hdr_field *h = NULL;
	struct sip_uri *furi;

	get_authorized_cred(msg->proxy_auth, &h);
	if(h == NULL)
		get_authorized_cred(msg->authorization, &h);
	*authed = h != NULL;
	if(h != NULL) {
		*user = ((auth_body_t *)h->parsed)->digest.username.user;
		return 0;
	}
	furi = parse_from_uri(msg);
	if(furi == NULL)
		return -1;
	*user = furi->user;
	return 0;
}

/* directed_scope "group": the picker is a member of the member's group
 * t->group, or of a group that lists it */
static int gcp_picker_in_scope(str *user, gcp_target_t *t)
{
	char group[GCP_MAX_NUMBER + 1], also[GCP_MAX_ALSO][GCP_MAX_NUMBER + 1];
	size_t i, n;
	str g;

	if(!gcp_store_member_group(user, group, sizeof(group)))
		return 0;
	g.s = group;
	g.len = strlen(group);
	if(g.len == t->group.len && memcmp(group, t->group.s, g.len) == 0)
		return 1;
	n = gcp_store_group_also(&g, also, GCP_MAX_ALSO);
	for(i = 0; i < n; i++)
		if((int)strlen(also[i]) == t->group.len
				&& memcmp(also[i], t->group.s, t->group.len) == 0)
			return 1;
	return 0;
}

int gcp_target_allowed(struct sip_msg *msg, gcp_target_t *t)
{
	struct sip_uri *furi;
	str user = STR_NULL;
	int authed = 0;

	if(gcp_picker_user(msg, &user, &authed) < 0)
		return 0;
	/* local: the credentials the cfg checked (auth's pv_auth_check() and
	 * auth_check() mark them; the cfg only checks its own users), else,
	 * unless require_auth, a From URI that is "myself" by the rule of the
	 * cfg's from_uri==myself: its host with the port it names or its
	 * transport's default (5061 for TLS). */
	/* a pickup another node of the cluster relayed: that node checked the
	 * picker (the cfg does not challenge its nodes' requests) */
	if(!authed && gcp_prm.dmq && gcp_dmq_relayed(msg, NULL))
		authed = 1;
	if(!authed) {
		if(gcp_prm.require_auth) {
			LM_NOTICE("%s pickup refused: the cfg checked no credentials of "
					  "the picker (require_auth is on)\n",
					gcp_kind_name(t->kind));
			return 0;
		}
		furi = parse_from_uri(msg);
		if(furi == NULL
				|| check_self(&furi->host, GET_URI_PORT(furi), 0) != 1) {
			LM_NOTICE("%s pickup refused: the picker's From URI is not of "
					  "one of this server's domains and ports\n",
					gcp_kind_name(t->kind));
			return 0;
		}
	}
	if(t->kind == GCP_KIND_DIRECTED && gcp_prm.directed_scope == GCP_SCOPE_GROUP
			&& !gcp_picker_in_scope(&user, t)) {
		LM_NOTICE("directed pickup of %.*s refused: the picker %.*s is not in "
				  "its group %.*s nor in a group that lists it "
				  "(directed_scope is group)\n",
				t->member.len, t->member.s, user.len > 64 ? 64 : user.len,
				user.s, t->group.len, t->group.s);
		return 0;
	}
	return 1;
}
