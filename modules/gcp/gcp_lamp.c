/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The busy lamps (see gcp_lamp.h). Bucket b is guarded by lock
 * b % nslots; a lamp is one allocation: header, key and the shown
 * dialog's strings, replaced as a whole when what it shows changes.
 */

#include <string.h>

#include "gcp_lamp.h"

struct gcp_lamps
{
	gcp_ring_env_t env;
	unsigned nslots;
	unsigned nbuckets; /* a multiple of nslots */
	unsigned count;	   /* lamps (atomic) */
	int filtering;	   /* the watch filter is on (atomic) */
	gcp_lamp_t **buckets;
	uint64_t *watched; /* GCP_LAMP_FILTER_BITS bits (atomic words) */
};

static unsigned lamp_hash(int kind, const char *s, size_t len)
{
	uint32_t h = 2166136261u ^ (unsigned)kind; /* FNV-1a */
	for(size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static unsigned lamp_bucket(
		const gcp_lamps_t *t, int kind, const char *key, size_t len)
{
	return lamp_hash(kind, key, len) % t->nbuckets;
}

gcp_lamps_t *gcp_lamps_create(
		const gcp_ring_env_t *env, unsigned nslots, unsigned nbuckets)
{
	gcp_lamps_t *t;

	if(!env || nslots == 0 || nbuckets < nslots)
		return NULL;
	nbuckets = (nbuckets + nslots - 1) / nslots * nslots;
	t = env->alloc(sizeof(*t));
	if(!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->env = *env;
	t->nslots = nslots;
	t->nbuckets = nbuckets;
	t->buckets = env->alloc(nbuckets * sizeof(*t->buckets));
	if(!t->buckets) {
		env->release(t);
		return NULL;
	}
	memset(t->buckets, 0, nbuckets * sizeof(*t->buckets));
	t->watched = env->alloc(GCP_LAMP_FILTER_BITS / 8);
	if(!t->watched) {
		env->release(t->buckets);
		env->release(t);
		return NULL;
	}
	memset(t->watched, 0, GCP_LAMP_FILTER_BITS / 8);
	return t;
}

void gcp_lamps_destroy(gcp_lamps_t *t)
{
	if(!t)
		return;
	for(unsigned b = 0; b < t->nbuckets; b++) {
		gcp_lamp_t *l = t->buckets[b];
		while(l) {
			gcp_lamp_t *n = l->next;
			t->env.release(l);
			l = n;
		}
	}
	t->env.release(t->watched);
	t->env.release(t->buckets);
	t->env.release(t);
}

unsigned gcp_lamps_nslots(const gcp_lamps_t *t)
{
	return t ? t->nslots : 0;
}

unsigned gcp_lamps_slot(
		const gcp_lamps_t *t, int kind, const char *key, size_t len)
{
	return lamp_bucket(t, kind, key, len) % t->nslots;
}

void gcp_lamps_lock(gcp_lamps_t *t, unsigned slot)
{
	t->env.lock(t->env.lock_ctx, slot);
}

void gcp_lamps_unlock(gcp_lamps_t *t, unsigned slot)
{
	t->env.unlock(t->env.lock_ctx, slot);
}

static gcp_lamp_t **lamp_link(
		gcp_lamps_t *t, int kind, const char *key, size_t len)
{
	gcp_lamp_t **pp = &t->buckets[lamp_bucket(t, kind, key, len)];

	for(; *pp; pp = &(*pp)->next)
		if((*pp)->kind == kind && (*pp)->keylen == len
				&& memcmp((*pp)->key, key, len) == 0)
			break;
	return pp;
}

gcp_lamp_t *gcp_lamps_find(
		gcp_lamps_t *t, int kind, const char *key, size_t len)
{
	if(!t || !key)
		return NULL;
	return *lamp_link(t, kind, key, len);
}

gcp_lamp_t *gcp_lamps_set(gcp_lamps_t *t, int kind, const char *key, size_t len,
		const gcp_lamp_view_t *view, uint64_t inflight_ms)
{
	gcp_lamp_t **pp, *old, *l;
	size_t size = sizeof(*l) + len + 1;
	char *p;

	if(!t || !key || len == 0 || len > UINT16_MAX)
		return NULL;
	/* every field has its NUL, shown or not (view NULL) */
	for(int f = 0; f < GCP_LF_COUNT; f++) {
		size_t n = view ? view->len[f] : 0;
		if(n > UINT16_MAX)
			return NULL;
		size += n + 1;
	}
	l = t->env.alloc(size);
	if(!l)
		return NULL;
	memset(l, 0, sizeof(*l));
	p = l->data;
	l->kind = (unsigned char)kind;
	l->key = p;
	memcpy(p, key, len);
	p[len] = '\0';
	l->keylen = (uint16_t)len;
	p += len + 1;
	for(int f = 0; f < GCP_LF_COUNT; f++) {
		size_t n = view ? view->len[f] : 0;
		l->s[f] = p;
		if(n)
			memcpy(p, view->s[f], n);
		p[n] = '\0';
		l->len[f] = (uint16_t)n;
		p += n + 1;
	}
	l->shows = view != NULL;
	l->inflight_ms = inflight_ms;
	l->shown_ms = view ? inflight_ms : 0;

	pp = lamp_link(t, kind, key, len);
	old = *pp;
	l->next = old ? old->next : NULL;
	*pp = l;
	if(old)
		t->env.release(old);
	else
		__atomic_add_fetch(&t->count, 1, __ATOMIC_RELAXED);
	return l;
}

void gcp_lamps_drop(gcp_lamps_t *t, int kind, const char *key, size_t len)
{
	gcp_lamp_t **pp, *l;

	if(!t || !key)
		return;
	pp = lamp_link(t, kind, key, len);
	l = *pp;
	if(!l)
		return;
	*pp = l->next;
	t->env.release(l);
	__atomic_sub_fetch(&t->count, 1, __ATOMIC_RELAXED);
}

void gcp_lamps_keys(gcp_lamps_t *t, unsigned slot,
		void (*visit)(int kind, const char *key, size_t len, void *arg),
		void *arg)
{
	if(!t || !visit || slot >= t->nslots)
		return;
	gcp_lamps_lock(t, slot);
	for(unsigned b = slot; b < t->nbuckets; b += t->nslots)
		for(gcp_lamp_t *l = t->buckets[b]; l; l = l->next)
			visit(l->kind, l->key, l->keylen, arg);
	gcp_lamps_unlock(t, slot);
}

unsigned gcp_lamps_count(const gcp_lamps_t *t)
{
	return t ? __atomic_load_n(&t->count, __ATOMIC_RELAXED) : 0;
}

void gcp_lamps_filter_on(gcp_lamps_t *t)
{
	__atomic_store_n(&t->filtering, 1, __ATOMIC_RELEASE);
}

int gcp_lamps_filtering(const gcp_lamps_t *t)
{
	return t && __atomic_load_n(&t->filtering, __ATOMIC_ACQUIRE);
}

/* one bit per key: the user alone (kind 0 of the lamps' hash) */
static unsigned watch_bit(const char *key, size_t len)
{
	return lamp_hash(0, key, len) % GCP_LAMP_FILTER_BITS;
}

void gcp_lamps_mark_watched(gcp_lamps_t *t, const char *key, size_t len)
{
	unsigned b = watch_bit(key, len);

	__atomic_fetch_or(
			&t->watched[b / 64], (uint64_t)1 << (b % 64), __ATOMIC_SEQ_CST);
}

int gcp_lamps_may_be_watched(const gcp_lamps_t *t, const char *key, size_t len)
{
	unsigned b;

	if(!gcp_lamps_filtering(t))
		return 1;
	b = watch_bit(key, len);
	return (__atomic_load_n(&t->watched[b / 64], __ATOMIC_SEQ_CST) >> (b % 64))
		   & 1;
}

void gcp_lamp_view(const gcp_lamp_t *l, gcp_lamp_view_t *out)
{
	memset(out, 0, sizeof(*out));
	if(!l || !l->shows)
		return;
	for(int f = 0; f < GCP_LF_COUNT; f++) {
		out->s[f] = l->s[f];
		out->len[f] = l->len[f];
	}
}

static int field_eq(const gcp_lamp_t *l, const gcp_lamp_view_t *v, int f)
{
	return l->len[f] == v->len[f]
		   && (v->len[f] == 0 || memcmp(l->s[f], v->s[f], v->len[f]) == 0);
}

int gcp_lamp_same(const gcp_lamp_t *lamp, const gcp_lamp_view_t *want)
{
	static const int fields[] = {GCP_LF_CALLID, GCP_LF_FROM_TAG, GCP_LF_TO_TAG,
			GCP_LF_CALLER, GCP_LF_CALLER_NAME, GCP_LF_DOMAIN, GCP_LF_CALLEE};

	if(!lamp || !want || !lamp->shows)
		return 0;
	for(size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if(!field_eq(lamp, want, fields[i]))
			return 0;
	return 1;
}

int gcp_lamp_decide(const gcp_lamp_t *lamp, const gcp_lamp_view_t *want,
		int watched, uint64_t now_ms, uint64_t stale_ms)
{
	if(lamp && lamp->inflight_ms && now_ms >= lamp->inflight_ms
			&& now_ms - lamp->inflight_ms < stale_ms)
		return GCP_LAMP_WAIT;
	if(lamp && lamp->shows) {
		if(!want)
			return GCP_LAMP_DARK;
		return gcp_lamp_same(lamp, want) ? GCP_LAMP_KEEP : GCP_LAMP_SHOW;
	}
	/* nothing live shown: publish only what someone will see */
	return want && watched ? GCP_LAMP_SHOW : GCP_LAMP_KEEP;
}

int gcp_lamp_dialog_id(const gcp_lamp_view_t *v, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = 14695981039346656037ull; /* FNV-1a, 64 bits */
	const int fields[2] = {GCP_LF_CALLID, GCP_LF_FROM_TAG};

	for(int i = 0; i < 2; i++) {
		for(size_t k = 0; k < v->len[fields[i]]; k++) {
			h ^= (unsigned char)v->s[fields[i]][k];
			h *= 1099511628211ull;
		}
		h ^= 0xff; /* "ab" + "c" differs from "a" + "bc" */
		h *= 1099511628211ull;
	}
	memcpy(buf, "gcp-", 4);
	for(int i = 0; i < 16; i++)
		buf[4 + i] = hex[(h >> (60 - 4 * i)) & 0xf];
	buf[20] = '\0';
	return 20;
}

int gcp_lamp_pub_id(
		int kind, const char *key, size_t len, char *buf, size_t size)
{
	if(!buf || !key || len == 0 || size < len + 7)
		return -1;
	memcpy(buf, kind == GCP_LAMP_GROUP ? "gcp.g." : "gcp.m.", 6);
	memcpy(buf + 6, key, len);
	buf[6 + len] = '\0';
	return (int)(6 + len);
}

int gcp_lamp_parse_pub_id(
		const char *id, size_t idlen, int *kind, const char **key, size_t *len)
{
	if(!id || idlen < 7 || memcmp(id, "gcp.", 4) != 0 || id[5] != '.')
		return 0;
	if(id[4] == 'm')
		*kind = GCP_LAMP_MEMBER;
	else if(id[4] == 'g')
		*kind = GCP_LAMP_GROUP;
	else
		return 0;
	*key = id + 6;
	*len = idlen - 6;
	return 1;
}
