/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The snapshot (see gcp_snap.h): its layout, the build from a model, the
 * lookups of the SIP workers and the thaw back to a model.
 *
 * Layout: a header, then five arrays (ranges, members, personal contacts,
 * group lists, the listed groups), then the strings, each NUL-terminated. Every reference is an offset from
 * the start of the block, so the block means the same at any address.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "gcp_ascii.h"
#include "gcp_model.h"
#include "gcp_snap.h"

#define SNAP_MAGIC 0x31504347u /* "GCP1" */

typedef struct snap_str
{
	uint64_t off; /* from the start of the block */
	uint64_t len; /* without the NUL that follows */
} snap_str_t;

typedef struct snap_hdr
{
	uint32_t magic;
	uint32_t pad;
	uint64_t size;
	uint64_t nranges;
	uint64_t nmembers;
	uint64_t npersonal;
	uint64_t ranges;   /* snap_range_t[], by (prefix, length, first) */
	uint64_t members;  /* snap_member_t[], by user */
	uint64_t personal; /* snap_personal_t[], member by member */
	uint64_t nlists;
	uint64_t nalso;
	uint64_t lists; /* snap_list_t[], by group */
	uint64_t also;	/* snap_str_t[], list by list, in list order */
} snap_hdr_t;

/* first and last inline: the records sort and search without the base */
typedef struct snap_range
{
	snap_str_t name;
	snap_str_t pool; /* len 0: none */
	uint32_t len;
	uint8_t prefix; /* 0, '*' or '#' */
	uint8_t pad[3];
	char first[GCP_MAX_NUMBER + 1];
	char last[GCP_MAX_NUMBER + 1];
} snap_range_t;

typedef struct snap_member
{
	snap_str_t user;
	snap_str_t group;
	uint64_t pfirst; /* index into the personal array */
	uint64_t pcount;
} snap_member_t;

typedef struct snap_personal
{
	snap_str_t contact;
	snap_str_t user; /* bare contact: all of it */
	snap_str_t host; /* URI: host without port ([..] kept) */
	uint64_t uri;
} snap_personal_t;

typedef struct snap_list
{
	snap_str_t group;
	uint64_t afirst; /* index into the also array */
	uint64_t acount;
} snap_list_t;

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

static size_t snap_nalso(const gcp_cfg_t *cfg)
{
	size_t i, na = 0;

	for(i = 0; i < cfg->nlists; i++)
		na += cfg->lists[i].nalso;
	return na;
}

static size_t snap_arrays(const gcp_cfg_t *cfg, size_t *npersonal)
{
	size_t i, np = 0;

	for(i = 0; i < cfg->nmembers; i++)
		np += cfg->members[i].npersonal;
	*npersonal = np;
	return sizeof(snap_hdr_t) + cfg->nranges * sizeof(snap_range_t)
		   + cfg->nmembers * sizeof(snap_member_t)
		   + np * sizeof(snap_personal_t) + cfg->nlists * sizeof(snap_list_t)
		   + snap_nalso(cfg) * sizeof(snap_str_t);
}

size_t gcp_snap_size(const gcp_cfg_t *cfg)
{
	size_t i, j, np, size;

	if(!cfg)
		return ALIGN8(sizeof(snap_hdr_t));
	size = snap_arrays(cfg, &np);
	for(i = 0; i < cfg->nranges; i++) {
		size += strlen(cfg->ranges[i].name) + 1;
		if(cfg->ranges[i].pool)
			size += strlen(cfg->ranges[i].pool) + 1;
	}
	for(i = 0; i < cfg->nmembers; i++) {
		const gcp_member_t *m = &cfg->members[i];
		size += strlen(m->user) + 1 + strlen(m->group) + 1;
		for(j = 0; j < m->npersonal; j++)
			size += strlen(m->personal[j]) + 1;
	}
	for(i = 0; i < cfg->nlists; i++) {
		const gcp_group_list_t *l = &cfg->lists[i];
		size += strlen(l->group) + 1;
		for(j = 0; j < l->nalso; j++)
			size += strlen(l->also[j]) + 1;
	}
	return ALIGN8(size);
}

static snap_str_t snap_put(char *base, size_t *cur, const char *s)
{
	snap_str_t r;

	r.off = *cur;
	r.len = strlen(s);
	memcpy(base + *cur, s, r.len + 1);
	*cur += r.len + 1;
	return r;
}

static int snap_range_cmp(const void *a, const void *b)
{
	const snap_range_t *x = a, *y = b;

	if(x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if(x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->first, y->first, x->len);
}

void gcp_snap_build(const gcp_cfg_t *cfg, void *buf)
{
	size_t size = gcp_snap_size(cfg), np, cur, i, j, k = 0;
	snap_hdr_t *h = buf;
	char *base = buf;
	snap_range_t *rs;
	snap_member_t *ms;
	snap_personal_t *ps;
	snap_list_t *ls;
	snap_str_t *as;
	gcp_contact_t c;

	memset(buf, 0, size);
	h->magic = SNAP_MAGIC;
	h->size = size;
	if(!cfg)
		return;
	cur = snap_arrays(cfg, &np);
	h->nranges = cfg->nranges;
	h->nmembers = cfg->nmembers;
	h->npersonal = np;
	h->ranges = sizeof(snap_hdr_t);
	h->members = h->ranges + cfg->nranges * sizeof(snap_range_t);
	h->personal = h->members + cfg->nmembers * sizeof(snap_member_t);
	h->nlists = cfg->nlists;
	h->nalso = snap_nalso(cfg);
	h->lists = h->personal + np * sizeof(snap_personal_t);
	h->also = h->lists + cfg->nlists * sizeof(snap_list_t);
	rs = (snap_range_t *)(base + h->ranges);
	ms = (snap_member_t *)(base + h->members);
	ps = (snap_personal_t *)(base + h->personal);
	ls = (snap_list_t *)(base + h->lists);
	as = (snap_str_t *)(base + h->also);
	for(i = 0; i < cfg->nranges; i++) {
		const gcp_range_t *r = &cfg->ranges[i];
		rs[i].name = snap_put(base, &cur, r->name);
		if(r->pool)
			rs[i].pool = snap_put(base, &cur, r->pool);
		rs[i].len = (uint32_t)strlen(r->first);
		rs[i].prefix = (uint8_t)gcp_num_prefix(r->first);
		/* a valid model keeps numbers within GCP_MAX_NUMBER */
		snprintf(rs[i].first, sizeof(rs[i].first), "%s", r->first);
		snprintf(rs[i].last, sizeof(rs[i].last), "%s", r->last);
	}
	if(cfg->nranges)
		qsort(rs, cfg->nranges, sizeof(*rs), snap_range_cmp);
	for(i = 0; i < cfg->nmembers; i++) {
		const gcp_member_t *m = &cfg->members[i];
		ms[i].user = snap_put(base, &cur, m->user);
		ms[i].group = snap_put(base, &cur, m->group);
		ms[i].pfirst = k;
		ms[i].pcount = m->npersonal;
		for(j = 0; j < m->npersonal; j++, k++) {
			ps[k].contact = snap_put(base, &cur, m->personal[j]);
			if(gcp_contact_parse(m->personal[j], &c) != NULL)
				continue; /* not from this API: never matches */
			ps[k].uri = (uint64_t)c.uri;
			ps[k].user.off =
					ps[k].contact.off + (uint64_t)(c.user - m->personal[j]);
			ps[k].user.len = c.ulen;
			if(c.uri) {
				ps[k].host.off =
						ps[k].contact.off + (uint64_t)(c.host - m->personal[j]);
				ps[k].host.len = c.hlen;
			}
		}
	}
	/* the model keeps lists sorted by group (strcmp): so is the array */
	for(i = 0, k = 0; i < cfg->nlists; i++) {
		const gcp_group_list_t *l = &cfg->lists[i];
		ls[i].group = snap_put(base, &cur, l->group);
		ls[i].afirst = k;
		ls[i].acount = l->nalso;
		for(j = 0; j < l->nalso; j++)
			as[k++] = snap_put(base, &cur, l->also[j]);
	}
}

/* (pointer, length) strings in strcmp order */
static int cmp_n(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if(r)
		return r;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static const snap_hdr_t *snap_hdr(const void *snap)
{
	const snap_hdr_t *h = snap;

	return (h && h->magic == SNAP_MAGIC) ? h : NULL;
}

size_t gcp_snap_nranges(const void *snap)
{
	const snap_hdr_t *h = snap_hdr(snap);

	return h ? (size_t)h->nranges : 0;
}

size_t gcp_snap_nmembers(const void *snap)
{
	const snap_hdr_t *h = snap_hdr(snap);

	return h ? (size_t)h->nmembers : 0;
}

static const snap_member_t *snap_member(
		const snap_hdr_t *h, const char *user, size_t ulen)
{
	const snap_member_t *ms;
	const char *base = (const char *)h;
	size_t lo = 0, hi, mid;
	int r;

	if(!h || !user)
		return NULL;
	ms = (const snap_member_t *)(base + h->members);
	hi = (size_t)h->nmembers;
	while(lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = cmp_n(
				base + ms[mid].user.off, (size_t)ms[mid].user.len, user, ulen);
		if(r == 0)
			return &ms[mid];
		if(r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int gcp_snap_member_group(const void *snap, const char *user, size_t ulen,
		const char **group, size_t *glen)
{
	const snap_hdr_t *h = snap_hdr(snap);
	const snap_member_t *m = snap_member(h, user, ulen);

	if(!m)
		return 0;
	if(group)
		*group = (const char *)h + m->group.off;
	if(glen)
		*glen = (size_t)m->group.len;
	return 1;
}

int gcp_snap_is_group(const void *snap, const char *num, size_t len)
{
	const snap_hdr_t *h = snap_hdr(snap);
	const snap_range_t *rs, *r;
	size_t lo = 0, hi, mid;
	uint8_t prefix;
	int c;

	if(!h || !gcp_number_valid(num, len))
		return 0;
	prefix = (uint8_t)gcp_num_prefix(num);
	rs = (const snap_range_t *)((const char *)h + h->ranges);
	hi = (size_t)h->nranges;
	/* the last range whose (prefix, length, first) <= the number's */
	while(lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = &rs[mid];
		if(r->prefix != prefix)
			c = r->prefix < prefix ? -1 : 1;
		else if(r->len != len)
			c = r->len < len ? -1 : 1;
		else
			c = memcmp(r->first, num, len);
		if(c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if(lo == 0)
		return 0;
	r = &rs[lo - 1];
	return r->prefix == prefix && r->len == len
		   && memcmp(num, r->last, len) <= 0;
}

size_t gcp_snap_nlists(const void *snap)
{
	const snap_hdr_t *h = snap_hdr(snap);

	return h ? (size_t)h->nlists : 0;
}

static const snap_list_t *snap_list(
		const snap_hdr_t *h, const char *group, size_t len)
{
	const snap_list_t *ls;
	const char *base = (const char *)h;
	size_t lo = 0, hi, mid;
	int r;

	if(!h || !group)
		return NULL;
	ls = (const snap_list_t *)(base + h->lists);
	hi = (size_t)h->nlists;
	while(lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = cmp_n(base + ls[mid].group.off, (size_t)ls[mid].group.len, group,
				len);
		if(r == 0)
			return &ls[mid];
		if(r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t gcp_snap_group_also(const void *snap, const char *group, size_t len,
		char (*out)[GCP_MAX_NUMBER + 1], size_t max)
{
	const snap_hdr_t *h = snap_hdr(snap);
	const snap_list_t *l = snap_list(h, group, len);
	const snap_str_t *as;
	size_t i, n;

	if(!l)
		return 0;
	as = (const snap_str_t *)((const char *)h + h->also) + l->afirst;
	for(i = 0, n = 0; i < l->acount && n < max; i++) {
		/* a valid model keeps numbers within GCP_MAX_NUMBER */
		if(as[i].len > GCP_MAX_NUMBER)
			continue;
		memcpy(out[n], (const char *)h + as[i].off, (size_t)as[i].len);
		out[n++][as[i].len] = '\0';
	}
	return n;
}

static void unbracket(const char **s, size_t *len)
{
	if(*len >= 2 && (*s)[0] == '[' && (*s)[*len - 1] == ']') {
		(*s)++;
		*len -= 2;
	}
}

int gcp_snap_is_personal(const void *snap, const char *user, size_t ulen,
		const char *from_user, size_t fulen, const char *from_host,
		size_t fhlen)
{
	const snap_hdr_t *h = snap_hdr(snap);
	const snap_member_t *m = snap_member(h, user, ulen);
	const snap_personal_t *ps;
	const char *base = (const char *)h, *ph;
	size_t i, phlen;

	if(!m || !from_user || fulen == 0)
		return 0;
	ps = (const snap_personal_t *)(base + h->personal) + m->pfirst;
	if(from_host)
		unbracket(&from_host, &fhlen);
	for(i = 0; i < m->pcount; i++) {
		if(ps[i].user.len != fulen
				|| memcmp(base + ps[i].user.off, from_user, fulen) != 0)
			continue;
		if(!ps[i].uri)
			return 1;
		if(!from_host)
			continue;
		ph = base + ps[i].host.off;
		phlen = (size_t)ps[i].host.len;
		unbracket(&ph, &phlen);
		if(phlen == fhlen && gcp_case_eq(ph, from_host, fhlen))
			return 1;
	}
	return 0;
}

static int range_name_cmp(const void *a, const void *b)
{
	return strcmp(
			((const gcp_range_t *)a)->name, ((const gcp_range_t *)b)->name);
}

static char *snap_dup(const char *base, snap_str_t s)
{
	return strndup(base + s.off, (size_t)s.len);
}

gcp_cfg_t *gcp_snap_thaw(const void *snap)
{
	const snap_hdr_t *h = snap_hdr(snap);
	const char *base = snap;
	const snap_range_t *rs;
	const snap_member_t *ms;
	const snap_personal_t *ps;
	const snap_list_t *ls;
	const snap_str_t *as;
	gcp_cfg_t *cfg;
	size_t i, j;

	if(!h)
		return NULL;
	cfg = gcp_cfg_new();
	if(!cfg)
		return NULL;
	rs = (const snap_range_t *)(base + h->ranges);
	ms = (const snap_member_t *)(base + h->members);
	ps = (const snap_personal_t *)(base + h->personal);
	/* an array of none is NULL, as in a model the gcp_cfg_* functions fill */
	cfg->ranges = gcp_cfg_alloc_arr((size_t)h->nranges, sizeof(gcp_range_t));
	if(h->nranges && !cfg->ranges)
		goto oom;
	/* counted as filled so that gcp_cfg_free can undo a partial thaw */
	for(i = 0; i < h->nranges; i++) {
		gcp_range_t *r = &cfg->ranges[cfg->nranges++];
		r->name = snap_dup(base, rs[i].name);
		r->first = strdup(rs[i].first);
		r->last = strdup(rs[i].last);
		if(rs[i].pool.len)
			r->pool = snap_dup(base, rs[i].pool);
		if(!r->name || !r->first || !r->last || (rs[i].pool.len && !r->pool))
			goto oom;
	}
	if(cfg->nranges)
		qsort(cfg->ranges, cfg->nranges, sizeof(gcp_range_t), range_name_cmp);
	cfg->members = gcp_cfg_alloc_arr((size_t)h->nmembers, sizeof(gcp_member_t));
	if(h->nmembers && !cfg->members)
		goto oom;
	for(i = 0; i < h->nmembers; i++) {
		gcp_member_t *m = &cfg->members[cfg->nmembers++];
		m->user = snap_dup(base, ms[i].user);
		m->group = snap_dup(base, ms[i].group);
		if(!m->user || !m->group)
			goto oom;
		m->personal = gcp_cfg_alloc_arr((size_t)ms[i].pcount, sizeof(char *));
		if(ms[i].pcount && !m->personal)
			goto oom;
		for(j = 0; j < ms[i].pcount; j++) {
			m->personal[j] = snap_dup(base, ps[ms[i].pfirst + j].contact);
			if(!m->personal[j])
				goto oom;
			m->npersonal++;
		}
	}
	ls = (const snap_list_t *)(base + h->lists);
	as = (const snap_str_t *)(base + h->also);
	cfg->lists = gcp_cfg_alloc_arr((size_t)h->nlists, sizeof(gcp_group_list_t));
	if(h->nlists && !cfg->lists)
		goto oom;
	for(i = 0; i < h->nlists; i++) {
		gcp_group_list_t *l = &cfg->lists[cfg->nlists++];
		l->group = snap_dup(base, ls[i].group);
		l->also = gcp_cfg_alloc_arr((size_t)ls[i].acount, sizeof(char *));
		if(!l->group || (ls[i].acount && !l->also))
			goto oom;
		for(j = 0; j < ls[i].acount; j++) {
			l->also[j] = snap_dup(base, as[ls[i].afirst + j]);
			if(!l->also[j])
				goto oom;
			l->nalso++;
		}
	}
	return cfg;
oom:
	gcp_cfg_free(cfg);
	return NULL;
}

/* clone through a snapshot: one copy path to get right */
gcp_cfg_t *gcp_cfg_clone(const gcp_cfg_t *cfg)
{
	gcp_cfg_t *c;
	void *snap;

	if(!cfg)
		return NULL;
	snap = malloc(gcp_snap_size(cfg));
	if(!snap)
		return NULL;
	gcp_snap_build(cfg, snap);
	c = gcp_snap_thaw(snap);
	free(snap);
	return c;
}
