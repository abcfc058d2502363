/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The configuration model and its rules (see gcp_model.h). The storage
 * rooms (gcp_xml.c) only check a document's structure; every model rule is
 * enforced here, by the same gcp_cfg_* functions that the management
 * commands use.
 *
 * The arrays of a model have an implied capacity (cap_of(count)), so that
 * adding one element is amortised O(1): every array is allocated by this
 * file only (gcp_cfg_alloc_arr() for the snapshot's thaw), never by hand.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "gcp_ascii.h"
#include "gcp_model.h"

#define NUMBER_RULE GCP_NUMBER_RULE
#define NAME_RULE \
	"1 to " GCP_XSTR(GCP_MAX_NAME) " characters of A-Z a-z 0-9 _ . -"
#define USER_RULE "letters, digits and -_.!~*'()&=+$,;?/"

/* ---------------------------------------------------------------- errors */

static void one_line(char *s)
{
	for(; *s; s++)
		if((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

int gcp_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if(err && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		one_line(err);
	}
	return -1;
}

const char *gcp_show(char *buf, const char *s)
{
	size_t i, o = 0;

	if(!s)
		s = "";
	for(i = 0; i < GCP_SHOW_MAX && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if(c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)sprintf(buf + o, "\\x%02X", c);
	}
	if(s[i])
		o += (size_t)sprintf(buf + o, "...");
	buf[o] = '\0';
	return buf;
}

/* ------------------------------------------------------ character rules */

static int name_char(int c)
{
	return gcp_is_alnum(c) || c == '_' || c == '.' || c == '-';
}

/* RFC 3261 unreserved and user-unreserved */
static int user_char(int c)
{
	return gcp_is_alnum(c)
		   || (c != 0 && strchr("-_.!~*'()&=+$,;?/", c) != NULL);
}

static int host_char(int c)
{
	return gcp_is_alnum(c) || c == '.' || c == '-';
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* ------------------------------------------------------------- numbers */

int gcp_number_valid(const char *s, size_t len)
{
	size_t i = 0;

	if(!s || len == 0 || len > GCP_MAX_NUMBER)
		return 0;
	if(s[0] == '*' || s[0] == '#')
		i = 1;
	if(i == len)
		return 0;
	for(; i < len; i++)
		if(!gcp_is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* both valid numbers; the same prefix and length make memcmp the numeric
 * order */
static int interval_has(
		const char *first, const char *last, const char *s, size_t len)
{
	if(!gcp_number_valid(s, len) || strlen(first) != len
			|| gcp_num_prefix(first) != gcp_num_prefix(s))
		return 0;
	return memcmp(s, first, len) >= 0 && memcmp(s, last, len) <= 0;
}

static int range_has(const gcp_range_t *r, const char *s, size_t len)
{
	return interval_has(r->first, r->last, s, len);
}

static int name_check(const char *what, const char *s, char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	size_t i;

	if(!s || !*s)
		return gcp_fail(err, errlen, "%s is empty", what);
	for(i = 0; s[i]; i++)
		if(!name_char((unsigned char)s[i]) || i >= GCP_MAX_NAME)
			return gcp_fail(err, errlen,
					"%s \"%s\" is not valid (" NAME_RULE ")", what,
					gcp_show(b, s));
	return 0;
}

static int user_check(const char *s, char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	size_t i;

	if(!s || !*s)
		return gcp_fail(err, errlen, "user is empty");
	if(strlen(s) > GCP_MAX_USER)
		return gcp_fail(err, errlen, "user \"%s\" is longer than %d characters",
				gcp_show(b, s), GCP_MAX_USER);
	for(i = 0; s[i]; i++)
		if(!user_char((unsigned char)s[i]))
			return gcp_fail(err, errlen,
					"user \"%s\" is not a SIP user part (" USER_RULE ")",
					gcp_show(b, s));
	return 0;
}

/* ------------------------------------------------------------ contacts */

const char *gcp_contact_parse(const char *s, gcp_contact_t *c)
{
	size_t len = strlen(s);
	const char *p, *end = s + len;
	unsigned long port;
	size_t i;

	memset(c, 0, sizeof(*c));
	if(len == 0)
		return "it is empty";
	if(len > GCP_MAX_CONTACT)
		return "it is longer than " GCP_XSTR(GCP_MAX_CONTACT) " characters";
	if(len >= 4 && gcp_case_eq(s, "sip:", 4))
		c->slen = 3;
	else if(len >= 5 && gcp_case_eq(s, "sips:", 5))
		c->slen = 4;
	if(!c->slen) {
		for(i = 0; i < len; i++)
			if(!user_char((unsigned char)s[i]))
				return "neither a user (" USER_RULE ") nor a sip:user@host URI";
		c->user = s;
		c->ulen = len;
		return NULL;
	}
	c->uri = 1;
	c->scheme = s;
	p = s + c->slen + 1;
	c->user = p;
	while(p < end && user_char((unsigned char)*p))
		p++;
	if(p == end)
		return "the URI has no @host";
	if(*p != '@')
		return "the URI user allows only " USER_RULE;
	c->ulen = (size_t)(p - c->user);
	if(c->ulen == 0)
		return "the URI has no user before '@'";
	p++;
	c->host = p;
	if(p < end && *p == '[') {
		p++;
		while(p < end
				&& (gcp_is_hex((unsigned char)*p) || *p == ':' || *p == '.'))
			p++;
		if(p == end || *p != ']' || p == c->host + 1)
			return "the URI host has a bad IPv6 reference";
		p++;
	} else {
		while(p < end && host_char((unsigned char)*p))
			p++;
	}
	c->hlen = (size_t)(p - c->host);
	if(c->hlen == 0)
		return "the URI host is empty";
	if(p < end && *p == ':') {
		c->port = ++p;
		port = 0;
		while(p < end && gcp_is_digit((unsigned char)*p) && p - c->port < 6)
			port = port * 10 + (unsigned long)(*p++ - '0');
		c->plen = (size_t)(p - c->port);
		if(c->plen == 0 || c->plen > 5 || port == 0 || port > 65535)
			return "the URI port must be 1 to 65535";
	}
	if(p != end)
		return "nothing may follow the URI host[:port] (no parameters or "
			   "headers; a host allows letters, digits, '.' and '-')";
	return NULL;
}

static int contact_eq(const gcp_contact_t *a, const gcp_contact_t *b)
{
	if(a->uri != b->uri || a->ulen != b->ulen
			|| memcmp(a->user, b->user, a->ulen) != 0)
		return 0;
	if(!a->uri)
		return 1;
	return a->slen == b->slen && gcp_case_eq(a->scheme, b->scheme, a->slen)
		   && a->hlen == b->hlen && gcp_case_eq(a->host, b->host, a->hlen)
		   && a->plen == b->plen
		   && (a->plen == 0 || memcmp(a->port, b->port, a->plen) == 0);
}

/* ------------------------------------------------------------ the model */

static size_t cap_of(size_t n)
{
	size_t c = 1;

	if(n == 0)
		return 0;
	while(c < n)
		c <<= 1;
	return c;
}

/* room for element n in *arr, which holds n elements of sz bytes */
static int grow(void **arr, size_t n, size_t sz)
{
	size_t want = cap_of(n + 1);
	void *p;

	if(n + 1 <= cap_of(n))
		return 0;
	if(want > SIZE_MAX / sz)
		return -1;
	p = realloc(*arr, want * sz);
	if(!p)
		return -1;
	*arr = p;
	return 0;
}

void *gcp_cfg_alloc_arr(size_t n, size_t sz)
{
	if(n == 0)
		return NULL;
	return calloc(cap_of(n), sz);
}

/* the element *elem of sz bytes into *arr (*n elements) at pos, the
 * others moved up; -1 on out of memory, the array unchanged */
static int sorted_insert(
		void **arr, size_t *n, size_t pos, const void *elem, size_t sz)
{
	char *base;

	if(grow(arr, *n, sz) < 0)
		return -1;
	base = *arr;
	memmove(base + (pos + 1) * sz, base + pos * sz, (*n - pos) * sz);
	memcpy(base + pos * sz, elem, sz);
	(*n)++;
	return 0;
}

int gcp_cfg_arr_insert(
		void **arr, size_t *n, size_t pos, const void *elem, size_t sz)
{
	return sorted_insert(arr, n, pos, elem, sz);
}

static void range_clear(gcp_range_t *r)
{
	free(r->name);
	free(r->first);
	free(r->last);
	free(r->pool);
}

static void member_clear(gcp_member_t *m)
{
	size_t i;

	free(m->user);
	free(m->group);
	for(i = 0; i < m->npersonal; i++)
		free(m->personal[i]);
	free(m->personal);
}

void gcp_cfg_list_clear(gcp_group_list_t *l)
{
	size_t i;

	free(l->group);
	for(i = 0; i < l->nalso; i++)
		free(l->also[i]);
	free(l->also);
}

gcp_cfg_t *gcp_cfg_new(void)
{
	return calloc(1, sizeof(gcp_cfg_t));
}

void gcp_cfg_free(gcp_cfg_t *cfg)
{
	size_t i;

	if(!cfg)
		return;
	for(i = 0; i < cfg->nranges; i++)
		range_clear(&cfg->ranges[i]);
	free(cfg->ranges);
	for(i = 0; i < cfg->nmembers; i++)
		member_clear(&cfg->members[i]);
	free(cfg->members);
	for(i = 0; i < cfg->nlists; i++)
		gcp_cfg_list_clear(&cfg->lists[i]);
	free(cfg->lists);
	free(cfg);
}

/* Binary search in records of `size` bytes sorted by the string pointer at
 * `key_off`: the key's position, or where it would go (*found = 0). */
static size_t sorted_pos(const void *base, size_t n, size_t size,
		size_t key_off, const char *key, int *found)
{
	size_t lo = 0, hi = n, mid;
	int r;

	*found = 0;
	while(lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = strcmp(*(char *const *)((const char *)base + mid * size + key_off),
				key);
		if(r == 0) {
			*found = 1;
			return mid;
		}
		if(r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t gcp_cfg_sorted_pos(const void *base, size_t n, size_t sz, size_t key_off,
		const char *key, int *found)
{
	return sorted_pos(base, n, sz, key_off, key, found);
}

static size_t range_pos(const gcp_cfg_t *cfg, const char *name, int *found)
{
	return sorted_pos(cfg->ranges, cfg->nranges, sizeof(gcp_range_t),
			offsetof(gcp_range_t, name), name, found);
}

static size_t member_pos(const gcp_cfg_t *cfg, const char *user, int *found)
{
	return sorted_pos(cfg->members, cfg->nmembers, sizeof(gcp_member_t),
			offsetof(gcp_member_t, user), user, found);
}

const gcp_range_t *gcp_cfg_find_range(const gcp_cfg_t *cfg, const char *name)
{
	int found;
	size_t i;

	if(!cfg || !name)
		return NULL;
	i = range_pos(cfg, name, &found);
	return found ? &cfg->ranges[i] : NULL;
}

const gcp_member_t *gcp_cfg_find_member(const gcp_cfg_t *cfg, const char *user)
{
	int found;
	size_t i;

	if(!cfg || !user)
		return NULL;
	i = member_pos(cfg, user, &found);
	return found ? &cfg->members[i] : NULL;
}

const gcp_range_t *gcp_cfg_range_of(
		const gcp_cfg_t *cfg, const char *s, size_t len)
{
	size_t i;

	if(!cfg || !gcp_number_valid(s, len))
		return NULL;
	for(i = 0; i < cfg->nranges; i++)
		if(range_has(&cfg->ranges[i], s, len))
			return &cfg->ranges[i];
	return NULL;
}

/* Every rule of a range. self is the range being updated (NULL: add). */
/* the directed-pickup feature code (directed_prefix): no group number may
 * start with it, or a group number could not be told from a directed
 * pickup; set once, before any configuration is read */
static char _reserved_prefix[GCP_MAX_NUMBER + 1];

void gcp_cfg_set_reserved_prefix(const char *prefix, size_t len)
{
	if(len > GCP_MAX_NUMBER)
		len = GCP_MAX_NUMBER;
	memcpy(_reserved_prefix, prefix, len);
	_reserved_prefix[len] = '\0';
}

/* 1 when a number of first..last starts with the reserved prefix */
static int range_reserved(const char *first, const char *last)
{
	char lo[GCP_MAX_NUMBER + 1], hi[GCP_MAX_NUMBER + 1];
	size_t plen = strlen(_reserved_prefix), flen = strlen(first), i;

	if(plen == 0 || plen > flen)
		return 0;
	for(i = 0; i < flen; i++) {
		lo[i] = i < plen ? _reserved_prefix[i] : '0';
		hi[i] = i < plen ? _reserved_prefix[i] : '9';
	}
	lo[flen] = hi[flen] = '\0';
	/* "**": no number starts with it */
	if(!gcp_number_valid(lo, flen)
			|| gcp_num_prefix(lo) != gcp_num_prefix(first))
		return 0;
	return strcmp(last, lo) >= 0 && strcmp(hi, first) >= 0;
}

/* A change of range r to first..last (both NULL: its removal) may leave
 * no group of a list (one that has a list or one listed) outside every
 * range: -1 and err naming the first such group. */
static int lists_keep(const gcp_cfg_t *cfg, const gcp_range_t *r,
		const char *first, const char *last, char *err, size_t errlen)
{
	const gcp_group_list_t *l;
	const char *g;
	size_t i, j;

	for(i = 0; i < cfg->nlists; i++) {
		l = &cfg->lists[i];
		for(j = 0; j <= l->nalso; j++) {
			/* j == nalso: the group that has the list */
			g = j < l->nalso ? l->also[j] : l->group;
			if(!range_has(r, g, strlen(g))
					|| (first && interval_has(first, last, g, strlen(g))))
				continue;
			if(!first && j < l->nalso)
				return gcp_fail(err, errlen,
						"range \"%s\" cannot be removed: its group %s is "
						"listed by group %s",
						r->name, g, l->group);
			if(!first)
				return gcp_fail(err, errlen,
						"range \"%s\" cannot be removed: its group %s has a "
						"list of other groups (clear it first)",
						r->name, g);
			if(j < l->nalso)
				return gcp_fail(err, errlen,
						"range \"%s\" %s-%s would leave group %s, listed by "
						"group %s, in no range",
						r->name, first, last, g, l->group);
			return gcp_fail(err, errlen,
					"range \"%s\" %s-%s would leave group %s, which has a "
					"list of other groups, in no range",
					r->name, first, last, g);
		}
	}
	return 0;
}

static int range_check(const gcp_cfg_t *cfg, const gcp_range_t *self,
		const char *name, const char *first, const char *last, const char *pool,
		char *err, size_t errlen)
{
	char b1[GCP_SHOW_SIZE], b2[GCP_SHOW_SIZE];
	size_t i, flen;

	if(!gcp_number_valid(first, strlen(nz(first))))
		return gcp_fail(err, errlen,
				"range \"%s\": first \"%s\" is not a number (" NUMBER_RULE ")",
				name, gcp_show(b1, first));
	if(!gcp_number_valid(last, strlen(nz(last))))
		return gcp_fail(err, errlen,
				"range \"%s\": last \"%s\" is not a number (" NUMBER_RULE ")",
				name, gcp_show(b1, last));
	if(gcp_num_prefix(first) != gcp_num_prefix(last))
		return gcp_fail(err, errlen,
				"range \"%s\" %s-%s: first and last must have the same prefix",
				name, first, last);
	flen = strlen(first);
	if(flen != strlen(last))
		return gcp_fail(err, errlen,
				"range \"%s\" %s-%s: first and last must have the same length",
				name, first, last);
	if(strcmp(first, last) > 0)
		return gcp_fail(err, errlen,
				"range \"%s\" %s-%s: first is greater than last", name, first,
				last);
	if(range_reserved(first, last))
		return gcp_fail(err, errlen,
				"range \"%s\" %s-%s: numbers in it start with directed_prefix "
				"\"%s\", the directed-pickup code",
				name, first, last, _reserved_prefix);
	if(pool && *pool) {
		if(name_check("pool", pool, b2, sizeof(b2)) < 0)
			return gcp_fail(err, errlen,
					"range \"%s\": pool \"%s\" is not valid "
					"(" NAME_RULE ")",
					name, gcp_show(b1, pool));
	}
	for(i = 0; i < cfg->nranges; i++) {
		const gcp_range_t *o = &cfg->ranges[i];
		if(o == self || strlen(o->first) != flen
				|| gcp_num_prefix(o->first) != gcp_num_prefix(first))
			continue;
		if(strcmp(last, o->first) >= 0 && strcmp(o->last, first) >= 0)
			return gcp_fail(err, errlen,
					"range \"%s\" %s-%s overlaps range \"%s\" %s-%s", name,
					first, last, o->name, o->first, o->last);
	}
	for(i = 0; i < cfg->nmembers; i++) {
		const gcp_member_t *m = &cfg->members[i];
		if(interval_has(first, last, m->user, strlen(m->user)))
			return gcp_fail(err, errlen,
					"range \"%s\" %s-%s covers member %s (a group number is "
					"never a member)",
					name, first, last, m->user);
		if(self && range_has(self, m->group, strlen(m->group))
				&& !interval_has(first, last, m->group, strlen(m->group)))
			return gcp_fail(err, errlen,
					"range \"%s\" %s-%s would leave member %s (group %s) in "
					"no range",
					name, first, last, m->user, m->group);
	}
	if(self)
		return lists_keep(cfg, self, first, last, err, errlen);
	return 0;
}

static int range_fill(gcp_range_t *r, const char *name, const char *first,
		const char *last, const char *pool)
{
	memset(r, 0, sizeof(*r));
	r->name = name ? strdup(name) : NULL;
	r->first = strdup(first);
	r->last = strdup(last);
	r->pool = (pool && *pool) ? strdup(pool) : NULL;
	if((name && !r->name) || !r->first || !r->last
			|| (pool && *pool && !r->pool)) {
		range_clear(r);
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return 0;
}

int gcp_cfg_range_add(gcp_cfg_t *cfg, const char *name, const char *first,
		const char *last, const char *pool, char *err, size_t errlen)
{
	gcp_range_t r;
	size_t pos;
	int found;

	if(!cfg)
		return gcp_fail(err, errlen, "no configuration");
	if(name_check("range name", name, err, errlen) < 0)
		return -1;
	pos = range_pos(cfg, name, &found);
	if(found)
		return gcp_fail(err, errlen, "range \"%s\" already exists", name);
	if(range_check(cfg, NULL, name, first, last, pool, err, errlen) < 0)
		return -1;
	if(range_fill(&r, name, first, last, pool) < 0)
		return gcp_fail(err, errlen, "range \"%s\": out of memory", name);
	if(sorted_insert((void **)&cfg->ranges, &cfg->nranges, pos, &r, sizeof(r))
			< 0) {
		range_clear(&r);
		return gcp_fail(err, errlen, "range \"%s\": out of memory", name);
	}
	return 0;
}

int gcp_cfg_range_update(gcp_cfg_t *cfg, const char *name, const char *first,
		const char *last, const char *pool, char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	gcp_range_t r, *old;
	size_t pos;
	int found;

	if(!cfg)
		return gcp_fail(err, errlen, "no configuration");
	pos = range_pos(cfg, nz(name), &found);
	if(!found)
		return gcp_fail(
				err, errlen, "range \"%s\" does not exist", gcp_show(b, name));
	old = &cfg->ranges[pos];
	if(range_check(cfg, old, name, first, last, pool, err, errlen) < 0)
		return -1;
	if(range_fill(&r, NULL, first, last, pool) < 0)
		return gcp_fail(err, errlen, "range \"%s\": out of memory", name);
	r.name = old->name;
	old->name = NULL;
	range_clear(old);
	*old = r;
	return 0;
}

int gcp_cfg_range_remove(
		gcp_cfg_t *cfg, const char *name, char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	gcp_range_t *r;
	size_t pos, i, n = 0;
	int found;

	if(!cfg)
		return gcp_fail(err, errlen, "no configuration");
	pos = range_pos(cfg, nz(name), &found);
	if(!found)
		return gcp_fail(
				err, errlen, "range \"%s\" does not exist", gcp_show(b, name));
	r = &cfg->ranges[pos];
	for(i = 0; i < cfg->nmembers; i++)
		if(range_has(r, cfg->members[i].group, strlen(cfg->members[i].group)))
			n++;
	if(n)
		return gcp_fail(err, errlen, "range \"%s\" still has %zu member%s",
				name, n, n == 1 ? "" : "s");
	if(lists_keep(cfg, r, NULL, NULL, err, errlen) < 0)
		return -1;
	range_clear(r);
	memmove(r, r + 1, (cfg->nranges - pos - 1) * sizeof(*r));
	cfg->nranges--;
	return 0;
}

/* move: a user already in another group changes group (the API); the
 * file refuses a user listed twice instead */
static int member_set(gcp_cfg_t *cfg, const char *user, const char *group,
		int move, char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	const gcp_range_t *r;
	gcp_member_t m, *cur;
	size_t pos;
	int found;
	char *g;

	if(!cfg)
		return gcp_fail(err, errlen, "no configuration");
	if(user_check(user, err, errlen) < 0)
		return -1;
	r = gcp_cfg_range_of(cfg, user, strlen(user));
	if(r)
		return gcp_fail(err, errlen, "user %s is a group number (range \"%s\")",
				user, r->name);
	if(!gcp_number_valid(group, strlen(nz(group))))
		return gcp_fail(err, errlen,
				"group \"%s\" is not a number (" NUMBER_RULE ")",
				gcp_show(b, group));
	if(!gcp_cfg_range_of(cfg, group, strlen(group)))
		return gcp_fail(err, errlen, "group %s lies in no range", group);
	pos = member_pos(cfg, user, &found);
	if(found) {
		cur = &cfg->members[pos];
		if(!move)
			return gcp_fail(err, errlen,
					"user %s is already a member (group %s)", user, cur->group);
		if(strcmp(cur->group, group) == 0)
			return 0;
		g = strdup(group);
		if(!g)
			return gcp_fail(err, errlen, "user %s: out of memory", user);
		free(cur->group);
		cur->group = g;
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.user = strdup(user);
	m.group = strdup(group);
	if(!m.user || !m.group
			|| sorted_insert((void **)&cfg->members, &cfg->nmembers, pos, &m,
					   sizeof(m))
					   < 0) {
		member_clear(&m);
		return gcp_fail(err, errlen, "user %s: out of memory", user);
	}
	return 0;
}

int gcp_cfg_member_set(gcp_cfg_t *cfg, const char *user, const char *group,
		char *err, size_t errlen)
{
	return member_set(cfg, user, group, 1, err, errlen);
}

int gcp_cfg_member_add(gcp_cfg_t *cfg, const char *user, const char *group,
		char *err, size_t errlen)
{
	return member_set(cfg, user, group, 0, err, errlen);
}

int gcp_cfg_member_remove(
		gcp_cfg_t *cfg, const char *user, char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	size_t pos;
	int found;

	if(!cfg)
		return gcp_fail(err, errlen, "no configuration");
	pos = member_pos(cfg, nz(user), &found);
	if(!found)
		return gcp_fail(
				err, errlen, "user %s is not a member", gcp_show(b, user));
	member_clear(&cfg->members[pos]);
	memmove(&cfg->members[pos], &cfg->members[pos + 1],
			(cfg->nmembers - pos - 1) * sizeof(gcp_member_t));
	cfg->nmembers--;
	return 0;
}

/* index of the personal contact of m equivalent to c, or -1 */
static long personal_find(const gcp_member_t *m, const gcp_contact_t *c)
{
	gcp_contact_t o;
	size_t i;

	for(i = 0; i < m->npersonal; i++)
		if(gcp_contact_parse(m->personal[i], &o) == NULL && contact_eq(&o, c))
			return (long)i;
	return -1;
}

static gcp_member_t *member_get(gcp_cfg_t *cfg, const char *user)
{
	size_t pos;
	int found;

	pos = member_pos(cfg, nz(user), &found);
	return found ? &cfg->members[pos] : NULL;
}

int gcp_cfg_personal_add(gcp_cfg_t *cfg, const char *user, const char *contact,
		char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	gcp_member_t *m;
	const char *why;
	gcp_contact_t c;
	char *s;

	if(!cfg)
		return gcp_fail(err, errlen, "no configuration");
	m = member_get(cfg, user);
	if(!m)
		return gcp_fail(
				err, errlen, "user %s is not a member", gcp_show(b, user));
	why = gcp_contact_parse(nz(contact), &c);
	if(why)
		return gcp_fail(err, errlen, "personal contact \"%s\" is not valid: %s",
				gcp_show(b, contact), why);
	if(personal_find(m, &c) >= 0)
		return gcp_fail(err, errlen,
				"user %s already has personal contact \"%s\"", m->user,
				contact);
	if(m->npersonal >= GCP_MAX_PERSONAL)
		return gcp_fail(err, errlen,
				"user %s already has %d personal contacts (the limit)", m->user,
				GCP_MAX_PERSONAL);
	s = strdup(contact);
	if(!s || grow((void **)&m->personal, m->npersonal, sizeof(char *)) < 0) {
		free(s);
		return gcp_fail(err, errlen, "user %s: out of memory", m->user);
	}
	m->personal[m->npersonal++] = s;
	return 0;
}

int gcp_cfg_personal_remove(gcp_cfg_t *cfg, const char *user,
		const char *contact, char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	gcp_member_t *m;
	gcp_contact_t c;
	long i;

	if(!cfg)
		return gcp_fail(err, errlen, "no configuration");
	m = member_get(cfg, user);
	if(!m)
		return gcp_fail(
				err, errlen, "user %s is not a member", gcp_show(b, user));
	i = -1;
	if(gcp_contact_parse(nz(contact), &c) == NULL)
		i = personal_find(m, &c);
	if(i < 0)
		return gcp_fail(err, errlen, "user %s has no personal contact \"%s\"",
				m->user, gcp_show(b, contact));
	free(m->personal[i]);
	memmove(&m->personal[i], &m->personal[i + 1],
			(m->npersonal - (size_t)i - 1) * sizeof(char *));
	m->npersonal--;
	return 0;
}
