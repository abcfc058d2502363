/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The busy-lamp field (see gcp_blf.h): the lamps (gcp_lamp.c) decide,
 * the documents come from gcp_dialoginfo.c, pua sends them.
 */

#include <string.h>

#include "../../core/dprint.h"
#include "../../core/fmsg.h"
#include "../../core/kemi.h"
#include "../../core/locking.h"
#include "../../core/script_cb.h"
#include "../../core/sr_module.h"
#include "../../core/trim.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_event.h"
#include "../../core/parser/parse_uri.h"
#include "../../modules/pua/pua_bind.h"
#include "../../modules/pua/pua.h"

#include "gcp_blf.h"
#include "gcp_blf_watch.h"
#include "gcp_dialoginfo.h"
#include "gcp_env.h"
#include "gcp_lamp.h"
#include "gcp_store.h"

#define BLF_LOCKS 32
#define BLF_BUCKETS 4096
/* a PUBLISH whose reply has not come after this long is taken as lost */
#define BLF_STALE_MS 5000
/* An early dialog is published for BLF_EARLY_EXPIRES and published again
 * every BLF_REFRESH_MS while the call rings: a lamp that a crash left lit
 * (pua and presence keep their state in the database) goes dark by
 * itself within BLF_EARLY_EXPIRES */
#define BLF_EARLY_EXPIRES 90
#define BLF_REFRESH_MS 60000
/* how long a terminated dialog stays published (the lamp is dark; the
 * presence server then drops it) */
#define BLF_TERMINATED_EXPIRES 60
/* the largest document: every field at its limit, each byte escaped */
#define BLF_DOC_MAX 16384
/* pua's source flag of gcp's publications: pua runs reply callbacks per
 * source flag, and register_puacb() takes flags up to PUACB_MAX (1<<9)
 * only, so not DIALOG_PUBLISH (1<<10); UL_PUBLISH is pua_usrloc's, which
 * registers no callback, and blf_reply_cb() tells its publications from
 * gcp's by their id. The event of every publication stays "dialog". */
#define BLF_SOURCE_FLAG UL_PUBLISH

static pua_api_t _blf_pua;
static gcp_lamps_t *_blf_lamps = NULL;
static gen_lock_set_t *_blf_locks = NULL;
/* the presence server is in this instance: publish only what is watched */
static int _blf_presence_local = 0;
static unsigned *_blf_version = NULL; /* shm: documents' version */
static str _blf_dialog_event = str_init("dialog");
static str _blf_content_type = str_init("application/dialog-info+xml");
/* this process is inside pua's send_publish() under a lamp lock: a reply
 * callback run from there must not take the lock again */
static int _blf_publishing = 0;

/* the oldest pickable call of a presentity, copied out of the ring */
typedef struct blf_want
{
	gcp_lamp_view_t v;
	char buf[GCP_MAX_NUMBER + GCP_MAX_USER + GCP_MAX_CALLID + 2 * GCP_MAX_TAG
			 + 3 * GCP_MAX_URI + GCP_LF_COUNT];
} blf_want_t;

static void blf_copy_call(const gcp_call_t *call, void *arg)
{
	static const int from[GCP_LF_COUNT] = {
			[GCP_LF_GROUP] = GCP_F_GROUP,
			[GCP_LF_CALLEE] = GCP_F_CALLEE,
			[GCP_LF_CALLID] = GCP_F_CALLID,
			[GCP_LF_FROM_TAG] = GCP_F_FROM_TAG,
			[GCP_LF_TO_TAG] = GCP_F_TO_TAG,
			[GCP_LF_CALLER] = GCP_F_CALLER,
			[GCP_LF_CALLER_NAME] = GCP_F_CALLER_NAME,
			[GCP_LF_DOMAIN] = GCP_F_DOMAIN,
	};
	blf_want_t *w = arg;
	size_t pos = 0, len;
	const char *s;

	for(int f = 0; f < GCP_LF_COUNT; f++) {
		s = gcp_call_field(call, from[f], &len);
		/* every field is within its ring limit: buf holds them all */
		memcpy(w->buf + pos, s, len);
		w->v.s[f] = w->buf + pos;
		w->v.len[f] = len;
		pos += len + 1;
	}
}

/* what the presentity should show: 1 and *w, or 0 (nothing pickable) */
static int blf_want(int kind, str *key, str *group, blf_want_t *w)
{
	int found;

	memset(&w->v, 0, sizeof(w->v));
	if(kind == GCP_LAMP_GROUP)
		found = gcp_ring_peek(
				gcp_ring, group->s, group->len, NULL, 0, blf_copy_call, w);
	else
		found = gcp_ring_peek(gcp_ring, group->s, group->len, key->s, key->len,
				blf_copy_call, w);
	if(!found)
		return 0;
	if(gcp_prm.presentity_domain.len > 0) {
		w->v.s[GCP_LF_DOMAIN] = gcp_prm.presentity_domain.s;
		w->v.len[GCP_LF_DOMAIN] = gcp_prm.presentity_domain.len;
	}
	return w->v.len[GCP_LF_DOMAIN] > 0;
}

/* sip:<key>@<domain> into buf */
static int blf_uri(
		str *key, const gcp_lamp_view_t *v, char *buf, size_t size, str *out)
{
	size_t dlen = v->len[GCP_LF_DOMAIN];

	/* (no snprintf: this runs for every call that rings, watched or not) */
	if(4 + (size_t)key->len + 1 + dlen >= size)
		return -1;
	memcpy(buf, "sip:", 4);
	memcpy(buf + 4, key->s, key->len);
	buf[4 + key->len] = '@';
	memcpy(buf + 5 + key->len, v->s[GCP_LF_DOMAIN], dlen);
	buf[5 + key->len + dlen] = '\0';
	out->s = buf;
	out->len = (int)(5 + key->len + dlen);
	return 0;
}

static int blf_watched(str *uri);

/* the domain of the presentity's oldest pickable call, for a presentity
 * that shows nothing yet: all that is needed to ask whether anyone
 * watches it, before the whole call is copied */
typedef struct blf_domain
{
	gcp_lamp_view_t v;
	char buf[GCP_MAX_URI + 1];
} blf_domain_t;

static void blf_copy_domain(const gcp_call_t *call, void *arg)
{
	blf_domain_t *d = arg;
	size_t len;
	const char *s = gcp_call_field(call, GCP_F_DOMAIN, &len);

	memcpy(d->buf, s, len);
	d->v.s[GCP_LF_DOMAIN] = d->buf;
	d->v.len[GCP_LF_DOMAIN] = len;
}

/* 1: a pickable call, and someone watches the presentity it would show */
static int blf_worth_showing(int kind, str *key, str *group)
{
	char uribuf[GCP_MAX_USER + GCP_MAX_URI + 8];
	blf_domain_t d;
	str uri;

	memset(&d.v, 0, sizeof(d.v));
	if(!gcp_ring_peek(gcp_ring, group->s, group->len,
			   kind == GCP_LAMP_GROUP ? NULL : key->s,
			   kind == GCP_LAMP_GROUP ? 0 : key->len, blf_copy_domain, &d))
		return 0;
	if(gcp_prm.presentity_domain.len > 0) {
		d.v.s[GCP_LF_DOMAIN] = gcp_prm.presentity_domain.s;
		d.v.len[GCP_LF_DOMAIN] = gcp_prm.presentity_domain.len;
	}
	if(d.v.len[GCP_LF_DOMAIN] == 0
			|| blf_uri(key, &d.v, uribuf, sizeof(uribuf), &uri) < 0)
		return 0;
	return blf_watched(&uri);
}

/* does anyone watch this presentity? (1 when it cannot be told) */
static int blf_watched(str *uri)
{
	static sr_kemi_t *has_subs = NULL;
	static int looked = 0;
	sr_kemi_module_t *mods;
	str mname = str_init("presence"), fname = str_init("pres_has_subscribers");

	if(!_blf_presence_local)
		return 1;
	if(!looked) {
		looked = 1;
		mods = sr_kemi_modules_get();
		for(int i = 0; i < sr_kemi_modules_size_get() && !has_subs; i++)
			if(mods[i].mname.len == mname.len
					&& strncmp(mods[i].mname.s, mname.s, mname.len) == 0)
				has_subs = sr_kemi_lookup(&mname, i, &fname);
		if(!has_subs)
			LM_ERR("presence is loaded but its pres_has_subscribers() is "
				   "not found: gcp publishes every lamp, watched or not\n");
	}
	if(!has_subs)
		return 1;
	return ((sr_kemi_fmss_f)has_subs->func)(
				   faked_msg_next(), uri, &_blf_dialog_event)
		   == 1;
}

/* One PUBLISH of the presentity's one publication through pua: body (NULL
 * with expires 0: the publication's removal); what says what it is, for the
 * log. 0 or -1. */
static int blf_send(int kind, str *key, const gcp_lamp_view_t *v, str *body,
		int expires, const char *what)
{
	char uribuf[GCP_MAX_USER + GCP_MAX_URI + 8], idbuf[GCP_MAX_USER + 8];
	publ_info_t publ;
	str uri;
	int n;

	if(blf_uri(key, v, uribuf, sizeof(uribuf), &uri) < 0)
		return -1;
	n = gcp_lamp_pub_id(kind, key->s, key->len, idbuf, sizeof(idbuf));
	if(n < 0)
		return -1;
	memset(&publ, 0, sizeof(publ));
	publ.id.s = idbuf;
	publ.id.len = n;
	publ.pres_uri = &uri;
	publ.body = body;
	publ.expires = expires;
	publ.flag = UPDATE_TYPE; /* pua falls back to an initial PUBLISH */
	publ.source_flag = BLF_SOURCE_FLAG;
	publ.event = DIALOG_EVENT;
	publ.content_type = _blf_content_type;
	_blf_publishing = 1;
	n = _blf_pua.send_publish(&publ);
	_blf_publishing = 0;
	if(n < 0) {
		LM_ERR("PUBLISH of %.*s (%s) not sent: pua refused it\n", uri.len,
				uri.s, what);
		return -1;
	}
	LM_DBG("published %.*s: %s %.*s\n", uri.len, uri.s, what,
			(int)v->len[GCP_LF_CALLID], v->s[GCP_LF_CALLID]);
	return 0;
}

/* publish what the presentity shows (v; terminated: dark), 0 or -1 */
static int blf_publish(
		int kind, str *key, const gcp_lamp_view_t *v, int terminated)
{
	char did[GCP_LAMP_ID_SIZE];
	static char *doc = NULL; /* pkg, per process */
	gcp_di_t di;
	str body;
	int n;

	if(!doc && !(doc = pkg_malloc(BLF_DOC_MAX))) {
		PKG_MEM_ERROR;
		return -1;
	}
	memset(&di, 0, sizeof(di));
	di.user = key->s;
	di.user_len = key->len;
	di.domain = v->s[GCP_LF_DOMAIN];
	di.domain_len = v->len[GCP_LF_DOMAIN];
	di.prefix = gcp_prm.directed_prefix.s;
	di.prefix_len = gcp_prm.directed_prefix.len;
	di.dialog_id = did;
	di.dialog_id_len = gcp_lamp_dialog_id(v, did);
	di.call_id = v->s[GCP_LF_CALLID];
	di.call_id_len = v->len[GCP_LF_CALLID];
	di.local_tag = v->s[GCP_LF_TO_TAG];
	di.local_tag_len = v->len[GCP_LF_TO_TAG];
	di.remote_tag = v->s[GCP_LF_FROM_TAG];
	di.remote_tag_len = v->len[GCP_LF_FROM_TAG];
	di.caller_uri = v->s[GCP_LF_CALLER];
	di.caller_uri_len = v->len[GCP_LF_CALLER];
	di.caller_display = v->s[GCP_LF_CALLER_NAME];
	di.caller_display_len = v->len[GCP_LF_CALLER_NAME];
	di.version = __atomic_add_fetch(_blf_version, 1, __ATOMIC_RELAXED);
	n = (kind == GCP_LAMP_GROUP ? gcp_dialoginfo_group : gcp_dialoginfo_member)(
			&di, terminated ? GCP_DI_TERMINATED : GCP_DI_EARLY, doc,
			BLF_DOC_MAX);
	if(n < 0) {
		LM_ERR("dialog-info of %.*s@%.*s not built (%d)\n", key->len, key->s,
				(int)di.domain_len, di.domain, n);
		return -1;
	}
	body.s = doc;
	body.len = n;
	return blf_send(kind, key, v, &body,
			terminated ? BLF_TERMINATED_EXPIRES : BLF_EARLY_EXPIRES,
			terminated ? "terminated" : "early");
}

/* The publication removed (PUBLISH with Expires: 0) once its dialog is
 * terminated: Kamailio's presence (presentity.c) keeps a dialog
 * presentity whose every dialog is terminated as it is ("Trying to update
 * an already terminated state"), so the next call of the presentity must
 * start a publication of its own. 0 or -1. */
static int blf_unpublish(int kind, str *key, const gcp_lamp_view_t *v)
{
	return blf_send(kind, key, v, NULL, 0, "removal");
}

/* Decide again for one presentity and publish a change; caller holds its
 * slot's lock. group: the group the presentity's calls ring in. */
static void blf_update_locked(int kind, str *key, str *group)
{
	gcp_lamp_t *lamp;
	gcp_lamp_view_t shown;
	blf_want_t w;
	char uribuf[GCP_MAX_USER + GCP_MAX_URI + 8];
	str uri;
	int has, watched = 1;
	uint64_t now = gcp_now_ms();

	lamp = gcp_lamps_find(_blf_lamps, kind, key->s, key->len);
	/* no lamp (the common case: nobody watches): nothing more to do
	 * unless a pickable call would be seen */
	if(!lamp && !blf_worth_showing(kind, key, group))
		return;
	has = blf_want(kind, key, group, &w);
	if(!lamp || !lamp->shows) {
		/* nothing live shown: only what someone will see */
		if(!has)
			goto settle;
		if(lamp && blf_uri(key, &w.v, uribuf, sizeof(uribuf), &uri) == 0)
			watched = blf_watched(&uri);
	}
	switch(gcp_lamp_decide(
			lamp, has ? &w.v : NULL, watched, now, BLF_STALE_MS)) {
		case GCP_LAMP_WAIT:
			lamp->dirty = 1;
			return;
		case GCP_LAMP_SHOW:
			/* another domain's dialog first goes dark where it was */
			gcp_lamp_view(lamp, &shown);
			if(lamp && lamp->shows
					&& (shown.len[GCP_LF_DOMAIN] != w.v.len[GCP_LF_DOMAIN]
							|| memcmp(shown.s[GCP_LF_DOMAIN],
									   w.v.s[GCP_LF_DOMAIN],
									   shown.len[GCP_LF_DOMAIN])
									   != 0))
				blf_publish(kind, key, &shown, 1);
			if(blf_publish(kind, key, &w.v, 0) == 0)
				gcp_lamps_set(_blf_lamps, kind, key->s, key->len, &w.v, now);
			return;
		case GCP_LAMP_DARK:
			gcp_lamp_view(lamp, &shown);
			if(blf_publish(kind, key, &shown, 1) == 0
					&& (lamp = gcp_lamps_set(_blf_lamps, kind, key->s, key->len,
								&shown, now))
							   != NULL)
				lamp->shows = 0; /* kept: the domain of its removal */
			return;
		default:
			/* the same dialog, published long enough ago: again, before
			 * its publication expires */
			if(lamp && lamp->shows && !lamp->inflight_ms && has
					&& now - lamp->shown_ms >= BLF_REFRESH_MS
					&& blf_publish(kind, key, &w.v, 0) == 0)
				gcp_lamps_set(_blf_lamps, kind, key->s, key->len, &w.v, now);
			return;
	}
settle:
	/* nothing live published and nothing in flight: no lamp to keep */
	if(lamp && !lamp->shows
			&& (!lamp->inflight_ms || now - lamp->inflight_ms >= BLF_STALE_MS))
		gcp_lamps_drop(_blf_lamps, kind, key->s, key->len);
}

static void blf_update(int kind, str *key, str *group)
{
	unsigned slot = gcp_lamps_slot(_blf_lamps, kind, key->s, key->len);

	gcp_lamps_lock(_blf_lamps, slot);
	blf_update_locked(kind, key, group);
	gcp_lamps_unlock(_blf_lamps, slot);
}

/* the group a member presentity's calls ring in (0 when none) */
static int blf_member_group(str *user, char *buf, size_t size, str *group)
{
	if(!gcp_store_member_group(user, buf, size))
		return 0;
	group->s = buf;
	group->len = strlen(buf);
	return 1;
}

static void blf_update_key(int kind, str *key)
{
	char gbuf[GCP_MAX_NUMBER + 1];
	str group;

	if(kind == GCP_LAMP_GROUP) {
		blf_update(kind, key, key);
	} else if(blf_member_group(key, gbuf, sizeof(gbuf), &group)) {
		blf_update(kind, key, &group);
	} else {
		/* no member any more: its calls are gone from the ring too */
		str none = str_init("");
		blf_update(kind, key, &none);
	}
}

static void blf_sweep(void);

/* the ring's observer */
static void blf_changed(void *ctx, const char *group, size_t glen,
		const char *callee, size_t clen)
{
	str g, c;

	if(!group) {
		blf_sweep();
		return;
	}
	g.s = (char *)group;
	g.len = (int)glen;
	c.s = (char *)callee;
	c.len = (int)clen;
	/* nobody watches (the common case): nothing is shown, nothing to do */
	if((gcp_prm.publish & GCP_PUBLISH_MEMBERS) && clen > 0
			&& gcp_lamps_may_be_watched(_blf_lamps, callee, clen))
		blf_update(GCP_LAMP_MEMBER, &c, &g);
	if((gcp_prm.publish & GCP_PUBLISH_GROUPS)
			&& gcp_lamps_may_be_watched(_blf_lamps, group, glen))
		blf_update(GCP_LAMP_GROUP, &g, &g);
}

/* every lamp decided again (the timer; an observer told "anything") */
typedef struct blf_keys
{
	unsigned n;
	struct
	{
		int kind;
		unsigned len;
		char key[GCP_MAX_USER + 1];
	} at[64];
	int more;
} blf_keys_t;

static void blf_collect(int kind, const char *key, size_t len, void *arg)
{
	blf_keys_t *k = arg;

	if(k->n == sizeof(k->at) / sizeof(k->at[0]) || len > GCP_MAX_USER) {
		k->more = 1;
		return;
	}
	k->at[k->n].kind = kind;
	k->at[k->n].len = (unsigned)len;
	memcpy(k->at[k->n].key, key, len);
	k->n++;
}

static void blf_sweep(void)
{
	blf_keys_t keys;
	str key;

	if(!_blf_lamps || gcp_lamps_count(_blf_lamps) == 0)
		return;
	for(unsigned s = 0; s < gcp_lamps_nslots(_blf_lamps); s++) {
		memset(&keys, 0, sizeof(keys));
		gcp_lamps_keys(_blf_lamps, s, blf_collect, &keys);
		for(unsigned i = 0; i < keys.n; i++) {
			key.s = keys.at[i].key;
			key.len = (int)keys.at[i].len;
			blf_update_key(keys.at[i].kind, &key);
		}
		if(keys.more)
			LM_DBG("more than %zu lamps in slot %u: the rest next time\n",
					sizeof(keys.at) / sizeof(keys.at[0]), s);
	}
}

void gcp_blf_timer(void)
{
	if(gcp_prm.publish)
		blf_sweep();
}

unsigned gcp_blf_lamps(void)
{
	return gcp_lamps_count(_blf_lamps);
}

/* pua's reply to one of our PUBLISHes: the next step may go */
static int blf_reply_cb(ua_pres_t *hentity, struct sip_msg *reply)
{
	const char *k;
	size_t klen;
	int kind, again = 0;
	unsigned slot;
	gcp_lamp_t *lamp;
	gcp_lamp_view_t shown;
	str key;

	if(!hentity
			|| !gcp_lamp_parse_pub_id(
					hentity->id.s, hentity->id.len, &kind, &k, &klen))
		return 0; /* another module's publication */
	if(_blf_publishing)
		return 0; /* the lamp's lock is ours: its stale time settles it */
	key.s = (char *)k;
	key.len = (int)klen;
	slot = gcp_lamps_slot(_blf_lamps, kind, k, klen);
	gcp_lamps_lock(_blf_lamps, slot);
	lamp = gcp_lamps_find(_blf_lamps, kind, k, klen);
	if(lamp && lamp->inflight_ms) {
		lamp->inflight_ms = 0;
		if(lamp->shows) {
			again = lamp->dirty;
			lamp->dirty = 0;
		} else if(!lamp->removing) {
			/* terminated is out: the publication goes */
			gcp_lamp_view(lamp, &shown);
			shown.s[GCP_LF_DOMAIN] = lamp->s[GCP_LF_DOMAIN];
			shown.len[GCP_LF_DOMAIN] = lamp->len[GCP_LF_DOMAIN];
			if(blf_unpublish(kind, &key, &shown) == 0) {
				lamp->removing = 1;
				lamp->inflight_ms = gcp_now_ms();
			} else {
				gcp_lamps_drop(_blf_lamps, kind, k, klen);
			}
		} else {
			/* removed: a call that rings meanwhile starts afresh */
			gcp_lamps_drop(_blf_lamps, kind, k, klen);
			again = 1;
		}
	}
	gcp_lamps_unlock(_blf_lamps, slot);
	/* decided again outside: the member's group comes from the
	 * configuration */
	if(again)
		blf_update_key(kind, &key);
	return 0;
}

/* a watcher's SUBSCRIBE (after the cfg handled it): show it what rings */
static int blf_subscribe_cb(struct sip_msg *msg, unsigned int flags, void *p)
{
	event_t *ev;
	str user;

	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_SUBSCRIBE)
		return 1;
	if(parse_headers(msg, HDR_EVENT_F, 0) < 0 || !msg->event
			|| (!msg->event->parsed && parse_event(msg->event) < 0))
		return 1;
	ev = (event_t *)msg->event->parsed;
	if(ev->type != EVENT_DIALOG || parse_sip_msg_uri(msg) < 0)
		return 1;
	user = msg->parsed_uri.user;
	if(user.len == 0 || user.len > GCP_MAX_USER)
		return 1;
	/* presence holds the subscription now: from here on its calls are
	 * decided (before the decision below, which shows what rings) */
	gcp_lamps_mark_watched(_blf_lamps, user.s, user.len);
	if((gcp_prm.publish & GCP_PUBLISH_GROUPS) && gcp_store_is_group(&user))
		blf_update_key(GCP_LAMP_GROUP, &user);
	else if(gcp_prm.publish & GCP_PUBLISH_MEMBERS)
		blf_update_key(GCP_LAMP_MEMBER, &user);
	return 1;
}

/* publish = members | groups | members,groups (or empty) */
static int blf_parse_publish(void)
{
	str in = gcp_prm.publish_given, item;
	char *comma;

	gcp_prm.publish = 0;
	while(in.len > 0) {
		comma = memchr(in.s, ',', in.len);
		item.s = in.s;
		item.len = comma ? (int)(comma - in.s) : in.len;
		in.len -= item.len + (comma ? 1 : 0);
		in.s += item.len + (comma ? 1 : 0);
		trim(&item);
		if(item.len == 7 && strncasecmp(item.s, "members", 7) == 0)
			gcp_prm.publish |= GCP_PUBLISH_MEMBERS;
		else if(item.len == 6 && strncasecmp(item.s, "groups", 6) == 0)
			gcp_prm.publish |= GCP_PUBLISH_GROUPS;
		else if(item.len > 0) {
			LM_ERR("publish \"%.*s\": \"%.*s\" is unknown; use \"members\", "
				   "\"groups\" or \"members,groups\" (empty: off)\n",
					gcp_prm.publish_given.len, gcp_prm.publish_given.s,
					item.len, item.s);
			return -1;
		}
	}
	return 0;
}

int gcp_blf_init(gcp_ring_env_t *env)
{
	bind_pua_t bind_pua;
	gcp_ring_env_t lenv;

	if(blf_parse_publish() < 0)
		return -1;
	if(gcp_prm.presentity_domain.len > GCP_MAX_URI) {
		LM_ERR("presentity_domain has %d characters: at most %d\n",
				gcp_prm.presentity_domain.len, GCP_MAX_URI);
		return -1;
	}
	if(!gcp_prm.publish)
		return 0;
	bind_pua = (bind_pua_t)find_export("bind_pua", 1, 0);
	if(!bind_pua || bind_pua(&_blf_pua) < 0) {
		LM_ERR("publish is set: load the pua module (with presence and "
			   "presence_dialoginfo, or pua's outbound_proxy to a presence "
			   "server) before gcp\n");
		return -1;
	}
	_blf_presence_local = module_loaded("presence");
	_blf_version = shm_malloc(sizeof(*_blf_version));
	_blf_locks = lock_set_alloc(BLF_LOCKS);
	if(!_blf_version || !_blf_locks || !lock_set_init(_blf_locks)) {
		LM_ERR("publish: no shared memory for the lamps' locks\n");
		return -1;
	}
	*_blf_version = 0;
	lenv = *env;
	lenv.lock_ctx = _blf_locks;
	lenv.changed = NULL;
	_blf_lamps = gcp_lamps_create(&lenv, BLF_LOCKS, BLF_BUCKETS);
	if(!_blf_lamps) {
		LM_ERR("publish: no shared memory for the lamps\n");
		return -1;
	}
	if(register_script_cb(blf_subscribe_cb, POST_SCRIPT_CB | REQUEST_CB, 0)
			< 0) {
		LM_ERR("publish: cannot watch SUBSCRIBE requests\n");
		return -1;
	}
	env->changed = blf_changed;
	env->changed_ctx = NULL;
	LM_INFO("publishing dialog-info of %s%s%s through pua%s\n",
			(gcp_prm.publish & GCP_PUBLISH_MEMBERS) ? "members" : "",
			gcp_prm.publish == (GCP_PUBLISH_MEMBERS | GCP_PUBLISH_GROUPS)
					? " and "
					: "",
			(gcp_prm.publish & GCP_PUBLISH_GROUPS) ? "groups" : "",
			_blf_presence_local
					? " (presence here: only presentities with watchers)"
					: "");
	return 0;
}

int gcp_blf_child_init(int rank)
{
	if(rank == PROC_INIT && gcp_prm.publish && _blf_presence_local)
		gcp_blf_watch_start(_blf_lamps);
	if(rank != PROC_MAIN || !gcp_prm.publish)
		return 0;
	if(_blf_pua.register_puacb(BLF_SOURCE_FLAG, blf_reply_cb, NULL) < 0) {
		LM_ERR("publish: cannot register for pua's replies\n");
		return -1;
	}
	return 0;
}
