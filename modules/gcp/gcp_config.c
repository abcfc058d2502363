/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The configuration model (see gcp_config.h). The XML loader only checks
 * the document's structure; every model rule is enforced by the same
 * gcp_cfg_* functions that the management commands use.
 *
 * The arrays of a model have an implied capacity (cap_of(count)), so that
 * adding one element is amortised O(1): every array is allocated by this
 * file only, never by hand.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "gcp_config.h"

#define NUMBER_RULE \
	"digits, optionally led by one '*' or '#', at most 32 characters"
#define NAME_RULE "1 to 64 characters of A-Z a-z 0-9 _ . -"
#define USER_RULE "letters, digits and -_.!~*'()&=+$,;?/"

/* ---------------------------------------------------------------- errors */

static void one_line(char *s)
{
	for(; *s; s++)
		if((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
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

#define SHOW_MAX 40
#define SHOW_SIZE (SHOW_MAX * 4 + 8)

/* Untrusted input in a message: printable ASCII, others as \xNN, cut at
 * SHOW_MAX characters, so that the message stays one short line. */
static const char *show(char *buf, const char *s)
{
	size_t i, o = 0;

	if(!s)
		s = "";
	for(i = 0; i < SHOW_MAX && s[i]; i++) {
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

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int name_char(int c)
{
	return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

/* RFC 3261 unreserved and user-unreserved */
static int user_char(int c)
{
	return is_alnum(c) || (c != 0 && strchr("-_.!~*'()&=+$,;?/", c) != NULL);
}

static int host_char(int c)
{
	return is_alnum(c) || c == '.' || c == '-';
}

static int hex_char(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* locale independent, unlike strncasecmp */
static int case_eq(const char *a, const char *b, size_t len)
{
	size_t i;

	for(i = 0; i < len; i++)
		if(lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* (pointer, length) strings in strcmp order */
static int cmp_n(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if(r)
		return r;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
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
		if(!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

static char num_prefix(const char *s)
{
	return (s[0] == '*' || s[0] == '#') ? s[0] : 0;
}

/* both valid numbers; the same prefix and length make memcmp the numeric
 * order */
static int interval_has(
		const char *first, const char *last, const char *s, size_t len)
{
	if(!gcp_number_valid(s, len) || strlen(first) != len
			|| num_prefix(first) != num_prefix(s))
		return 0;
	return memcmp(s, first, len) >= 0 && memcmp(s, last, len) <= 0;
}

static int range_has(const gcp_range_t *r, const char *s, size_t len)
{
	return interval_has(r->first, r->last, s, len);
}

static int name_check(const char *what, const char *s, char *err, size_t errlen)
{
	char b[SHOW_SIZE];
	size_t i;

	if(!s || !*s)
		return fail(err, errlen, "%s is empty", what);
	for(i = 0; s[i]; i++)
		if(!name_char((unsigned char)s[i]) || i >= GCP_MAX_NAME)
			return fail(err, errlen, "%s \"%s\" is not valid (" NAME_RULE ")",
					what, show(b, s));
	return 0;
}

static int user_check(const char *s, char *err, size_t errlen)
{
	char b[SHOW_SIZE];
	size_t i;

	if(!s || !*s)
		return fail(err, errlen, "user is empty");
	if(strlen(s) > GCP_MAX_USER)
		return fail(err, errlen, "user \"%s\" is longer than %d characters",
				show(b, s), GCP_MAX_USER);
	for(i = 0; s[i]; i++)
		if(!user_char((unsigned char)s[i]))
			return fail(err, errlen,
					"user \"%s\" is not a SIP user part (" USER_RULE ")",
					show(b, s));
	return 0;
}

/* ------------------------------------------------------------ contacts */

typedef struct contact
{
	int uri;
	const char *scheme; /* uri only */
	size_t slen;
	const char *user; /* bare: the whole contact */
	size_t ulen;
	const char *host; /* uri only, [..] kept, port excluded */
	size_t hlen;
	const char *port;
	size_t plen;
} contact_t;

/* NULL when s is a valid personal contact, else why not */
static const char *contact_parse(const char *s, contact_t *c)
{
	size_t len = strlen(s);
	const char *p, *end = s + len;
	unsigned long port;
	size_t i;

	memset(c, 0, sizeof(*c));
	if(len == 0)
		return "it is empty";
	if(len > GCP_MAX_CONTACT)
		return "it is longer than 256 characters";
	if(len >= 4 && case_eq(s, "sip:", 4))
		c->slen = 3;
	else if(len >= 5 && case_eq(s, "sips:", 5))
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
				&& (hex_char((unsigned char)*p) || *p == ':' || *p == '.'))
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
		while(p < end && is_digit((unsigned char)*p) && p - c->port < 6)
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

static int contact_eq(const contact_t *a, const contact_t *b)
{
	if(a->uri != b->uri || a->ulen != b->ulen
			|| memcmp(a->user, b->user, a->ulen) != 0)
		return 0;
	if(!a->uri)
		return 1;
	return a->slen == b->slen && case_eq(a->scheme, b->scheme, a->slen)
		   && a->hlen == b->hlen && case_eq(a->host, b->host, a->hlen)
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

static void *alloc_arr(size_t n, size_t sz)
{
	if(n == 0)
		return NULL;
	return calloc(cap_of(n), sz);
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
	free(cfg);
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
static int range_check(const gcp_cfg_t *cfg, const gcp_range_t *self,
		const char *name, const char *first, const char *last, const char *pool,
		char *err, size_t errlen)
{
	char b1[SHOW_SIZE], b2[SHOW_SIZE];
	size_t i, flen;

	if(!gcp_number_valid(first, strlen(nz(first))))
		return fail(err, errlen,
				"range \"%s\": first \"%s\" is not a number (" NUMBER_RULE ")",
				name, show(b1, first));
	if(!gcp_number_valid(last, strlen(nz(last))))
		return fail(err, errlen,
				"range \"%s\": last \"%s\" is not a number (" NUMBER_RULE ")",
				name, show(b1, last));
	if(num_prefix(first) != num_prefix(last))
		return fail(err, errlen,
				"range \"%s\" %s-%s: first and last must have the same prefix",
				name, first, last);
	flen = strlen(first);
	if(flen != strlen(last))
		return fail(err, errlen,
				"range \"%s\" %s-%s: first and last must have the same length",
				name, first, last);
	if(strcmp(first, last) > 0)
		return fail(err, errlen,
				"range \"%s\" %s-%s: first is greater than last", name, first,
				last);
	if(pool && *pool) {
		if(name_check("pool", pool, b2, sizeof(b2)) < 0)
			return fail(err, errlen,
					"range \"%s\": pool \"%s\" is not valid "
					"(" NAME_RULE ")",
					name, show(b1, pool));
	}
	for(i = 0; i < cfg->nranges; i++) {
		const gcp_range_t *o = &cfg->ranges[i];
		if(o == self || strlen(o->first) != flen
				|| num_prefix(o->first) != num_prefix(first))
			continue;
		if(strcmp(last, o->first) >= 0 && strcmp(o->last, first) >= 0)
			return fail(err, errlen,
					"range \"%s\" %s-%s overlaps range \"%s\" %s-%s", name,
					first, last, o->name, o->first, o->last);
	}
	for(i = 0; i < cfg->nmembers; i++) {
		const gcp_member_t *m = &cfg->members[i];
		if(interval_has(first, last, m->user, strlen(m->user)))
			return fail(err, errlen,
					"range \"%s\" %s-%s covers member %s (a group number is "
					"never a member)",
					name, first, last, m->user);
		if(self && range_has(self, m->group, strlen(m->group))
				&& !interval_has(first, last, m->group, strlen(m->group)))
			return fail(err, errlen,
					"range \"%s\" %s-%s would leave member %s (group %s) in "
					"no range",
					name, first, last, m->user, m->group);
	}
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
		return fail(err, errlen, "no configuration");
	if(name_check("range name", name, err, errlen) < 0)
		return -1;
	pos = range_pos(cfg, name, &found);
	if(found)
		return fail(err, errlen, "range \"%s\" already exists", name);
	if(range_check(cfg, NULL, name, first, last, pool, err, errlen) < 0)
		return -1;
	if(range_fill(&r, name, first, last, pool) < 0)
		return fail(err, errlen, "range \"%s\": out of memory", name);
	if(grow((void **)&cfg->ranges, cfg->nranges, sizeof(r)) < 0) {
		range_clear(&r);
		return fail(err, errlen, "range \"%s\": out of memory", name);
	}
	memmove(&cfg->ranges[pos + 1], &cfg->ranges[pos],
			(cfg->nranges - pos) * sizeof(r));
	cfg->ranges[pos] = r;
	cfg->nranges++;
	return 0;
}

int gcp_cfg_range_update(gcp_cfg_t *cfg, const char *name, const char *first,
		const char *last, const char *pool, char *err, size_t errlen)
{
	char b[SHOW_SIZE];
	gcp_range_t r, *old;
	size_t pos;
	int found;

	if(!cfg)
		return fail(err, errlen, "no configuration");
	pos = range_pos(cfg, nz(name), &found);
	if(!found)
		return fail(err, errlen, "range \"%s\" does not exist", show(b, name));
	old = &cfg->ranges[pos];
	if(range_check(cfg, old, name, first, last, pool, err, errlen) < 0)
		return -1;
	if(range_fill(&r, NULL, first, last, pool) < 0)
		return fail(err, errlen, "range \"%s\": out of memory", name);
	r.name = old->name;
	old->name = NULL;
	range_clear(old);
	*old = r;
	return 0;
}

int gcp_cfg_range_remove(
		gcp_cfg_t *cfg, const char *name, char *err, size_t errlen)
{
	char b[SHOW_SIZE];
	gcp_range_t *r;
	size_t pos, i, n = 0;
	int found;

	if(!cfg)
		return fail(err, errlen, "no configuration");
	pos = range_pos(cfg, nz(name), &found);
	if(!found)
		return fail(err, errlen, "range \"%s\" does not exist", show(b, name));
	r = &cfg->ranges[pos];
	for(i = 0; i < cfg->nmembers; i++)
		if(range_has(r, cfg->members[i].group, strlen(cfg->members[i].group)))
			n++;
	if(n)
		return fail(err, errlen, "range \"%s\" still has %zu member%s", name, n,
				n == 1 ? "" : "s");
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
	char b[SHOW_SIZE];
	const gcp_range_t *r;
	gcp_member_t m, *cur;
	size_t pos;
	int found;
	char *g;

	if(!cfg)
		return fail(err, errlen, "no configuration");
	if(user_check(user, err, errlen) < 0)
		return -1;
	r = gcp_cfg_range_of(cfg, user, strlen(user));
	if(r)
		return fail(err, errlen, "user %s is a group number (range \"%s\")",
				user, r->name);
	if(!gcp_number_valid(group, strlen(nz(group))))
		return fail(err, errlen,
				"group \"%s\" is not a number (" NUMBER_RULE ")",
				show(b, group));
	if(!gcp_cfg_range_of(cfg, group, strlen(group)))
		return fail(err, errlen, "group %s lies in no range", group);
	pos = member_pos(cfg, user, &found);
	if(found) {
		cur = &cfg->members[pos];
		if(!move)
			return fail(err, errlen, "user %s is already a member (group %s)",
					user, cur->group);
		if(strcmp(cur->group, group) == 0)
			return 0;
		g = strdup(group);
		if(!g)
			return fail(err, errlen, "user %s: out of memory", user);
		free(cur->group);
		cur->group = g;
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.user = strdup(user);
	m.group = strdup(group);
	if(!m.user || !m.group
			|| grow((void **)&cfg->members, cfg->nmembers, sizeof(m)) < 0) {
		member_clear(&m);
		return fail(err, errlen, "user %s: out of memory", user);
	}
	memmove(&cfg->members[pos + 1], &cfg->members[pos],
			(cfg->nmembers - pos) * sizeof(m));
	cfg->members[pos] = m;
	cfg->nmembers++;
	return 0;
}

int gcp_cfg_member_set(gcp_cfg_t *cfg, const char *user, const char *group,
		char *err, size_t errlen)
{
	return member_set(cfg, user, group, 1, err, errlen);
}

int gcp_cfg_member_remove(
		gcp_cfg_t *cfg, const char *user, char *err, size_t errlen)
{
	char b[SHOW_SIZE];
	size_t pos;
	int found;

	if(!cfg)
		return fail(err, errlen, "no configuration");
	pos = member_pos(cfg, nz(user), &found);
	if(!found)
		return fail(err, errlen, "user %s is not a member", show(b, user));
	member_clear(&cfg->members[pos]);
	memmove(&cfg->members[pos], &cfg->members[pos + 1],
			(cfg->nmembers - pos - 1) * sizeof(gcp_member_t));
	cfg->nmembers--;
	return 0;
}

/* index of the personal contact of m equivalent to c, or -1 */
static long personal_find(const gcp_member_t *m, const contact_t *c)
{
	contact_t o;
	size_t i;

	for(i = 0; i < m->npersonal; i++)
		if(contact_parse(m->personal[i], &o) == NULL && contact_eq(&o, c))
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
	char b[SHOW_SIZE];
	gcp_member_t *m;
	const char *why;
	contact_t c;
	char *s;

	if(!cfg)
		return fail(err, errlen, "no configuration");
	m = member_get(cfg, user);
	if(!m)
		return fail(err, errlen, "user %s is not a member", show(b, user));
	why = contact_parse(nz(contact), &c);
	if(why)
		return fail(err, errlen, "personal contact \"%s\" is not valid: %s",
				show(b, contact), why);
	if(personal_find(m, &c) >= 0)
		return fail(err, errlen, "user %s already has personal contact \"%s\"",
				m->user, contact);
	if(m->npersonal >= GCP_MAX_PERSONAL)
		return fail(err, errlen,
				"user %s already has %d personal contacts (the limit)", m->user,
				GCP_MAX_PERSONAL);
	s = strdup(contact);
	if(!s || grow((void **)&m->personal, m->npersonal, sizeof(char *)) < 0) {
		free(s);
		return fail(err, errlen, "user %s: out of memory", m->user);
	}
	m->personal[m->npersonal++] = s;
	return 0;
}

int gcp_cfg_personal_remove(gcp_cfg_t *cfg, const char *user,
		const char *contact, char *err, size_t errlen)
{
	char b[SHOW_SIZE];
	gcp_member_t *m;
	contact_t c;
	long i;

	if(!cfg)
		return fail(err, errlen, "no configuration");
	m = member_get(cfg, user);
	if(!m)
		return fail(err, errlen, "user %s is not a member", show(b, user));
	i = -1;
	if(contact_parse(nz(contact), &c) == NULL)
		i = personal_find(m, &c);
	if(i < 0)
		return fail(err, errlen, "user %s has no personal contact \"%s\"",
				m->user, show(b, contact));
	free(m->personal[i]);
	memmove(&m->personal[i], &m->personal[i + 1],
			(m->npersonal - (size_t)i - 1) * sizeof(char *));
	m->npersonal--;
	return 0;
}

/* ------------------------------------------------------------- XML out */

typedef struct obuf
{
	char *p;
	size_t len, cap;
	int oom;
} obuf_t;

static void put_n(obuf_t *o, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if(o->oom)
		return;
	if(o->len + n + 1 > o->cap) {
		cap = o->cap ? o->cap : 1024;
		while(cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if(!p) {
			o->oom = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put(obuf_t *o, const char *s)
{
	put_n(o, s, strlen(s));
}

static void put_esc(obuf_t *o, const char *s)
{
	for(; *s; s++) {
		switch(*s) {
			case '&':
				put(o, "&amp;");
				break;
			case '<':
				put(o, "&lt;");
				break;
			case '>':
				put(o, "&gt;");
				break;
			case '"':
				put(o, "&quot;");
				break;
			case '\'':
				put(o, "&apos;");
				break;
			default:
				put_n(o, s, 1);
		}
	}
}

static void put_attr(obuf_t *o, const char *name, const char *value)
{
	put(o, " ");
	put(o, name);
	put(o, "=\"");
	put_esc(o, value);
	put(o, "\"");
}

char *gcp_cfg_to_xml(const gcp_cfg_t *cfg, size_t *len)
{
	obuf_t o = {0};
	size_t i, j;

	if(!cfg)
		return NULL;
	put(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gcp>\n");
	for(i = 0; i < cfg->nranges; i++) {
		const gcp_range_t *r = &cfg->ranges[i];
		put(&o, "  <range");
		put_attr(&o, "name", r->name);
		put_attr(&o, "first", r->first);
		put_attr(&o, "last", r->last);
		if(r->pool)
			put_attr(&o, "pool", r->pool);
		put(&o, "/>\n");
	}
	for(i = 0; i < cfg->nmembers; i++) {
		const gcp_member_t *m = &cfg->members[i];
		put(&o, "  <member");
		put_attr(&o, "user", m->user);
		put_attr(&o, "group", m->group);
		if(m->npersonal == 0) {
			put(&o, "/>\n");
			continue;
		}
		put(&o, ">\n");
		for(j = 0; j < m->npersonal; j++) {
			put(&o, "    <personal>");
			put_esc(&o, m->personal[j]);
			put(&o, "</personal>\n");
		}
		put(&o, "  </member>\n");
	}
	put(&o, "</gcp>\n");
	if(o.oom) {
		free(o.p);
		return NULL;
	}
	if(len)
		*len = o.len;
	return o.p;
}

/* -------------------------------------------------------------- XML in */

typedef struct xml_state
{
	long dtd_line; /* > 0 once a DOCTYPE was seen */
	int has_err;
	long err_line;
	char msg[256];
} xml_state_t;

/* Called for any DOCTYPE, before its internal subset is read and before
 * an external subset could be loaded: stopping here means no declaration
 * or entity of a DTD is ever processed. */
static void xml_on_doctype(void *ctx, const xmlChar *name,
		const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	xml_state_t *st = ctxt->_private;

	(void)name;
	(void)external_id;
	(void)system_id;
	if(st && st->dtd_line == 0)
		st->dtd_line =
				(ctxt->input && ctxt->input->line > 0) ? ctxt->input->line : 1;
	xmlStopParser(ctxt);
}

/* keeps the first error; libxml2 prints nothing while it is set */
static void xml_on_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	xml_state_t *st = ctxt ? ctxt->_private : NULL;
	size_t n;

	if(!st || !e || e->level < XML_ERR_ERROR || st->has_err)
		return;
	st->has_err = 1;
	st->err_line = e->line > 0 ? e->line : 1;
	snprintf(st->msg, sizeof(st->msg), "%s",
			e->message ? e->message : "unknown error");
	n = strlen(st->msg);
	while(n > 0 && (st->msg[n - 1] == '\n' || st->msg[n - 1] == ' '))
		st->msg[--n] = '\0';
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* libxml2 gives an element the line where its start tag ends and a text
 * the line where its first chunk ends; an operator wants where they begin,
 * so the SAX wrappers below keep that line in node->_private. */
static void xml_on_start(void *ctx, const xmlChar *localname,
		const xmlChar *prefix, const xmlChar *uri, int nb_namespaces,
		const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
		const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	xmlNodePtr before = ctxt->node;
	const xmlChar *p;
	long line;

	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces,
			namespaces, nb_attributes, nb_defaulted, attributes);
	if(!ctxt->node || ctxt->node == before || !ctxt->input)
		return;
	/* no raw '<' inside a tag: the previous one opens it */
	line = ctxt->input->line;
	for(p = ctxt->input->cur; p > ctxt->input->base && *p != '<'; p--)
		if(p[-1] == '\n')
			line--;
	if(line > 0)
		ctxt->node->_private = (void *)(intptr_t)line;
}

static void xml_on_text(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	xmlNodePtr last = ctxt->node ? ctxt->node->last : NULL;
	long line;
	int i;

	xmlSAX2Characters(ctx, ch, len);
	if(!ctxt->node || ctxt->node->last == last || !ctxt->input)
		return;
	line = ctxt->input->line;
	for(i = 0; i < len; i++)
		if(ch[i] == '\n')
			line--;
	if(line > 0)
		ctxt->node->last->_private = (void *)(intptr_t)line;
}

/* where a node begins; for a text, where its first non-blank is */
static long line_of(xmlNodePtr n)
{
	const xmlChar *t;
	long l;

	for(; n; n = n->parent) {
		l = (n->type == XML_ELEMENT_NODE || n->type == XML_TEXT_NODE)
							&& n->_private
					? (long)(intptr_t)n->_private
					: xmlGetLineNo(n);
		if(l <= 0)
			continue;
		if(n->type == XML_TEXT_NODE && n->_private)
			for(t = n->content; t && *t && is_ws(*t); t++)
				if(*t == '\n')
					l++;
		return l;
	}
	return 1;
}

static int is_blank(const xmlChar *s)
{
	for(; s && *s; s++)
		if(!is_ws(*s))
			return 0;
	return 1;
}

static int is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns == NULL
		   && strcmp((const char *)n->name, name) == 0;
}

/* "prefix:name" of an element or attribute, for messages */
static const char *qname(char *buf, const xmlChar *name, xmlNsPtr ns)
{
	char tmp[2 * SHOW_MAX + 4];

	if(ns && ns->prefix)
		snprintf(tmp, sizeof(tmp), "%.40s:%.40s", (const char *)ns->prefix,
				(const char *)name);
	else if(ns)
		snprintf(tmp, sizeof(tmp), "{%.40s}%.40s", (const char *)ns->href,
				(const char *)name);
	else
		snprintf(tmp, sizeof(tmp), "%.40s", (const char *)name);
	return show(buf, tmp);
}

/* allowed: NULL-terminated; required: its first nreq entries */
static int xml_check_attrs(xmlNodePtr n, const char *const *allowed,
		size_t nreq, const char *fname, char *err, size_t errlen)
{
	char b[SHOW_SIZE];
	xmlAttrPtr a;
	size_t i;

	for(a = n->properties; a; a = a->next) {
		for(i = 0; allowed[i]; i++)
			if(!a->ns && strcmp((const char *)a->name, allowed[i]) == 0)
				break;
		if(!allowed[i])
			return fail(err, errlen, "%s:%ld: unknown attribute \"%s\" in <%s>",
					fname, line_of(n), qname(b, a->name, a->ns),
					(const char *)n->name);
	}
	for(i = 0; i < nreq; i++)
		if(!xmlHasNsProp(n, (const xmlChar *)allowed[i], NULL))
			return fail(err, errlen, "%s:%ld: <%s> lacks attribute \"%s\"",
					fname, line_of(n), (const char *)n->name, allowed[i]);
	return 0;
}

/* children other than elements: blank text, comments and processing
 * instructions only (text too when text_ok) */
static int xml_check_other(xmlNodePtr c, const char *parent, int text_ok,
		const char *fname, char *err, size_t errlen)
{
	switch(c->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if(text_ok || is_blank(c->content))
				return 0;
			return fail(err, errlen, "%s:%ld: text is not allowed in <%s>",
					fname, line_of(c), parent);
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			return 0;
		case XML_ENTITY_REF_NODE:
		case XML_ENTITY_NODE:
		case XML_ENTITY_DECL:
			return fail(err, errlen,
					"%s:%ld: entity references are not allowed (only the 5 "
					"predefined ones and character references)",
					fname, line_of(c));
		default:
			return fail(err, errlen, "%s:%ld: unexpected content in <%s>",
					fname, line_of(c), parent);
	}
}

static int xml_unknown_elem(xmlNodePtr c, const char *parent, const char *fname,
		char *err, size_t errlen)
{
	char b[SHOW_SIZE];

	return fail(err, errlen, "%s:%ld: unknown element <%s> in <%s>", fname,
			line_of(c), qname(b, c->name, c->ns), parent);
}

static const char *const range_attrs[] = {
		"name", "first", "last", "pool", NULL};
static const char *const member_attrs[] = {"user", "group", NULL};
static const char *const no_attrs[] = {NULL};

/* the document's shape, before any model rule */
static int xml_check_tree(
		xmlNodePtr root, const char *fname, char *err, size_t errlen)
{
	xmlNodePtr c, p, t;
	int blank;

	if(xml_check_attrs(root, no_attrs, 0, fname, err, errlen) < 0)
		return -1;
	for(c = root->children; c; c = c->next) {
		if(c->type != XML_ELEMENT_NODE) {
			if(xml_check_other(c, "gcp", 0, fname, err, errlen) < 0)
				return -1;
		} else if(is_elem(c, "range")) {
			if(xml_check_attrs(c, range_attrs, 3, fname, err, errlen) < 0)
				return -1;
			for(p = c->children; p; p = p->next) {
				if(p->type == XML_ELEMENT_NODE)
					return xml_unknown_elem(p, "range", fname, err, errlen);
				if(xml_check_other(p, "range", 0, fname, err, errlen) < 0)
					return -1;
			}
		} else if(is_elem(c, "member")) {
			if(xml_check_attrs(c, member_attrs, 2, fname, err, errlen) < 0)
				return -1;
			for(p = c->children; p; p = p->next) {
				if(p->type != XML_ELEMENT_NODE) {
					if(xml_check_other(p, "member", 0, fname, err, errlen) < 0)
						return -1;
					continue;
				}
				if(!is_elem(p, "personal"))
					return xml_unknown_elem(p, "member", fname, err, errlen);
				if(xml_check_attrs(p, no_attrs, 0, fname, err, errlen) < 0)
					return -1;
				blank = 1;
				for(t = p->children; t; t = t->next) {
					if(t->type == XML_ELEMENT_NODE)
						return xml_unknown_elem(
								t, "personal", fname, err, errlen);
					if(xml_check_other(t, "personal", 1, fname, err, errlen)
							< 0)
						return -1;
					if(t->type == XML_TEXT_NODE && !is_blank(t->content))
						blank = 0;
				}
				if(blank)
					return fail(err, errlen, "%s:%ld: empty <personal>", fname,
							line_of(p));
			}
		} else {
			return xml_unknown_elem(c, "gcp", fname, err, errlen);
		}
	}
	return 0;
}

/* the text of a <personal>, surrounding whitespace dropped; NULL: OOM */
static char *personal_text(xmlNodePtr p)
{
	xmlChar *x = xmlNodeGetContent(p);
	const char *s, *e;
	char *r;

	if(!x)
		return NULL;
	s = (const char *)x;
	while(*s && is_ws(*s))
		s++;
	e = s + strlen(s);
	while(e > s && is_ws(e[-1]))
		e--;
	r = strndup(s, (size_t)(e - s));
	xmlFree(x);
	return r;
}

static char *attr(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

/* the model, through the same functions as the management API */
static int xml_build(xmlNodePtr root, gcp_cfg_t *cfg, const char *fname,
		char *err, size_t errlen)
{
	char e[GCP_ERR_LEN];
	char *a1, *a2, *a3, *a4, *text;
	xmlNodePtr c, p;
	int rc = 0;

	for(c = root->children; c && rc == 0; c = c->next) {
		if(!is_elem(c, "range"))
			continue;
		a1 = attr(c, "name");
		a2 = attr(c, "first");
		a3 = attr(c, "last");
		a4 = attr(c, "pool");
		if(!a1 || !a2 || !a3)
			rc = fail(e, sizeof(e), "out of memory");
		else
			rc = gcp_cfg_range_add(cfg, a1, a2, a3, a4, e, sizeof(e));
		xmlFree(a1);
		xmlFree(a2);
		xmlFree(a3);
		xmlFree(a4);
		if(rc < 0)
			return fail(err, errlen, "%s:%ld: %s", fname, line_of(c), e);
	}
	for(c = root->children; c; c = c->next) {
		if(!is_elem(c, "member"))
			continue;
		a1 = attr(c, "user");
		a2 = attr(c, "group");
		if(!a1 || !a2)
			rc = fail(e, sizeof(e), "out of memory");
		else
			rc = member_set(cfg, a1, a2, 0, e, sizeof(e));
		if(rc < 0) {
			xmlFree(a1);
			xmlFree(a2);
			return fail(err, errlen, "%s:%ld: %s", fname, line_of(c), e);
		}
		for(p = c->children; p && rc == 0; p = p->next) {
			if(!is_elem(p, "personal"))
				continue;
			text = personal_text(p);
			if(!text)
				rc = fail(e, sizeof(e), "out of memory");
			else if(!*text)
				rc = fail(e, sizeof(e), "empty <personal>");
			else
				rc = gcp_cfg_personal_add(cfg, a1, text, e, sizeof(e));
			free(text);
			if(rc < 0) {
				xmlFree(a1);
				xmlFree(a2);
				return fail(err, errlen, "%s:%ld: %s", fname, line_of(p), e);
			}
		}
		xmlFree(a1);
		xmlFree(a2);
	}
	return 0;
}

int gcp_cfg_parse(const char *buf, size_t len, const char *name,
		gcp_cfg_t **out, char *err, size_t errlen)
{
	/* no NOENT, DTDLOAD, DTDATTR or HUGE: no entity is ever expanded and no
	 * DTD is ever read; BIG_LINES for true line numbers past 65535 */
	const int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR
					 | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES;
	xmlParserCtxtPtr ctxt;
	xml_state_t st;
	xmlDocPtr doc;
	xmlNodePtr root;
	gcp_cfg_t *cfg;
	char b[SHOW_SIZE];
	int rc = -1;

	if(out)
		*out = NULL;
	if(!name)
		name = "config";
	if(!out || (!buf && len > 0))
		return fail(err, errlen, "%s: no buffer", name);
	if(len > GCP_MAX_FILE_SIZE)
		return fail(err, errlen, "%s: larger than %d bytes (the limit)", name,
				GCP_MAX_FILE_SIZE);
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if(!ctxt)
		return fail(err, errlen, "%s: out of memory", name);
	memset(&st, 0, sizeof(st));
	ctxt->_private = &st;
	/* the handlers live in this context only: nothing global to restore */
	ctxt->sax->internalSubset = xml_on_doctype;
	ctxt->sax->externalSubset = NULL;
	ctxt->sax->serror = xml_on_error;
	ctxt->sax->startElementNs = xml_on_start;
	ctxt->sax->characters = xml_on_text;
	ctxt->sax->ignorableWhitespace = xml_on_text;
	doc = xmlCtxtReadMemory(ctxt, buf ? buf : "", (int)len, NULL, NULL, opts);
	if(st.dtd_line > 0) {
		fail(err, errlen, "%s:%ld: DTDs are not allowed", name, st.dtd_line);
		goto done;
	}
	if(st.has_err || !doc || !ctxt->wellFormed) {
		if(st.has_err)
			fail(err, errlen, "%s:%ld: malformed XML: %s", name, st.err_line,
					st.msg);
		else
			fail(err, errlen, "%s:%d: malformed XML", name,
					ctxt->input ? ctxt->input->line : 1);
		goto done;
	}
	/* belt and braces: the DOCTYPE hook above already refuses these */
	if(doc->intSubset || doc->extSubset) {
		fail(err, errlen, "%s:1: DTDs are not allowed", name);
		goto done;
	}
	root = xmlDocGetRootElement(doc);
	if(!root) {
		fail(err, errlen, "%s:1: no root element", name);
		goto done;
	}
	if(!is_elem(root, "gcp")) {
		fail(err, errlen, "%s:%ld: root element is <%s>, expected <gcp>", name,
				line_of(root), qname(b, root->name, root->ns));
		goto done;
	}
	if(xml_check_tree(root, name, err, errlen) < 0)
		goto done;
	cfg = gcp_cfg_new();
	if(!cfg) {
		fail(err, errlen, "%s: out of memory", name);
		goto done;
	}
	if(xml_build(root, cfg, name, err, errlen) < 0) {
		gcp_cfg_free(cfg);
		goto done;
	}
	*out = cfg;
	rc = 0;
done:
	if(doc)
		xmlFreeDoc(doc);
	ctxt->_private = NULL;
	xmlFreeParserCtxt(ctxt);
	return rc;
}

int gcp_cfg_load_file(const char *path, gcp_cfg_t **out, int *missing,
		char *err, size_t errlen)
{
	struct stat sb;
	size_t len = 0, cap;
	ssize_t n;
	char *buf, *p;
	int fd, rc;

	if(out)
		*out = NULL;
	if(missing)
		*missing = 0;
	if(!path || !out)
		return fail(err, errlen, "no file name");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if(fd < 0) {
		if(errno != ENOENT)
			return fail(err, errlen, "%s: %s", path, strerror(errno));
		*out = gcp_cfg_new();
		if(!*out)
			return fail(err, errlen, "%s: out of memory", path);
		if(missing)
			*missing = 1;
		return 0;
	}
	if(fstat(fd, &sb) < 0) {
		rc = fail(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if(S_ISDIR(sb.st_mode)) {
		close(fd);
		return fail(err, errlen, "%s: %s", path, strerror(EISDIR));
	}
	if(sb.st_size > GCP_MAX_FILE_SIZE) {
		close(fd);
		return fail(err, errlen, "%s: larger than %d bytes (the limit)", path,
				GCP_MAX_FILE_SIZE);
	}
	/* the size is a hint only: the file may change while read */
	cap = (size_t)sb.st_size + 1;
	buf = malloc(cap);
	if(!buf) {
		close(fd);
		return fail(err, errlen, "%s: out of memory", path);
	}
	for(;;) {
		if(len == cap) {
			if(cap > GCP_MAX_FILE_SIZE) {
				free(buf);
				close(fd);
				return fail(err, errlen, "%s: larger than %d bytes (the limit)",
						path, GCP_MAX_FILE_SIZE);
			}
			p = realloc(buf, cap * 2);
			if(!p) {
				free(buf);
				close(fd);
				return fail(err, errlen, "%s: out of memory", path);
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if(n < 0 && errno == EINTR)
			continue;
		if(n < 0) {
			rc = fail(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return rc;
		}
		if(n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = gcp_cfg_parse(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while(len > 0) {
		n = write(fd, p, len);
		if(n < 0 && errno == EINTR)
			continue;
		if(n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* the fsync of the folder after the rename; only the unit tests replace it
 * (gcp_cfg_set_dir_fsync) */
static int (*dir_fsync)(int fd) = fsync;

void gcp_cfg_set_dir_fsync(int (*f)(int fd))
{
	dir_fsync = f ? f : fsync;
}

/* the folder of path (malloc'd), NULL on out of memory */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if(!slash)
		return strdup(".");
	if(slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Creates tmp = "<path>.XXXXXX" (tmp has room for plen + 8 bytes), a name
 * that did not exist: O_EXCL refuses anything already there, a hard or
 * symbolic link included, and the random suffix keeps it from being known
 * in advance. Mode 0600 (less with a stricter umask). */
static int open_tmp(char *tmp, size_t plen)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
								"abcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned int counter;
	unsigned char r[6];
	struct timespec ts;
	unsigned long x;
	int i, j, fd;

	for(i = 0; i < 100; i++) {
		if(getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
			/* no entropy yet: the name only has to be new, O_EXCL makes
			 * sure it is */
			clock_gettime(CLOCK_REALTIME, &ts);
			x = (unsigned long)ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20)
				^ ((unsigned long)getpid() << 8) ^ ++counter;
			for(j = 0; j < 6; j++) {
				r[j] = (unsigned char)(x & 0xff);
				x = x * 6364136223846793005UL + 1442695040888963407UL;
				x ^= x >> 29;
			}
		}
		tmp[plen] = '.';
		for(j = 0; j < 6; j++)
			tmp[plen + 1 + j] = chars[r[j] % (sizeof(chars) - 1)];
		tmp[plen + 7] = '\0';
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0600);
		if(fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* Gives the new file fd (tmp) the mode, owner and group of the file it
 * replaces (sb). Root keeps all three. Any other user cannot give a file
 * away: the new file is its own (it may replace the file anyway, the folder
 * is writable), with the old group when it is one of its groups. When not,
 * the new file has its group instead, and that is refused if the mode gives
 * the group a right that others lack: the new group would gain it. */
static int keep_attrs(int fd, const char *tmp, const struct stat *sb,
		const char *path, char *err, size_t errlen)
{
	mode_t mode = sb->st_mode & 07777;
	struct stat tb;
	int e;

	if(fstat(fd, &tb) < 0)
		return fail(err, errlen, "cannot stat %s: %s", tmp, strerror(errno));
	if((tb.st_uid != sb->st_uid || tb.st_gid != sb->st_gid)
			&& fchown(fd, sb->st_uid, sb->st_gid) < 0 && tb.st_gid != sb->st_gid
			&& fchown(fd, (uid_t)-1, sb->st_gid) < 0) {
		e = errno;
		if(((mode >> 3) & ~mode & 07) != 0)
			return fail(err, errlen,
					"cannot keep group %ld of %s (%s): its mode %04o gives "
					"the group rights that others lack, and the new file's "
					"group %ld would get them; give the file a group of "
					"Kamailio's user",
					(long)sb->st_gid, path, strerror(e), (unsigned)mode,
					(long)tb.st_gid);
	}
	/* after fchown, which may clear set-user-ID and set-group-ID */
	if(fchmod(fd, mode) < 0)
		return fail(err, errlen, "cannot chmod %s: %s", tmp, strerror(errno));
	return 0;
}

int gcp_cfg_save_file(
		const gcp_cfg_t *cfg, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	size_t len, plen;
	char *xml = NULL, *tmp = NULL, *dir = NULL;
	int fd = -1, dfd = -1, e, ret = -1;
	const char *what;

	if(!cfg || !path || !*path)
		return fail(err, errlen, "no configuration or file name");
	plen = strlen(path);
	xml = gcp_cfg_to_xml(cfg, &len);
	tmp = malloc(plen + 8);
	dir = dir_of(path);
	if(!xml || !tmp || !dir) {
		fail(err, errlen, "%s: out of memory", path);
		goto done;
	}
	memcpy(tmp, path, plen);
	fd = open_tmp(tmp, plen);
	if(fd < 0) {
		e = errno;
		tmp[plen] = '\0';
		fail(err, errlen, "cannot create a temporary file %s.XXXXXX: %s", tmp,
				strerror(e));
		free(tmp);
		tmp = NULL; /* nothing to remove */
		goto done;
	}
	/* an existing file: the new one gets its mode, owner and group; a new
	 * file stays 0600, it holds members' phone numbers */
	if(stat(path, &sb) == 0) {
		if(S_ISREG(sb.st_mode)
				&& keep_attrs(fd, tmp, &sb, path, err, errlen) < 0)
			goto done;
	} else if(errno != ENOENT) {
		fail(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto done;
	}
	/* opened before the rename: past it, only the fsync can fail */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if(dfd < 0) {
		fail(err, errlen, "cannot open folder %s (to sync it): %s", dir,
				strerror(errno));
		goto done;
	}
	what = "write";
	if(write_all(fd, xml, len) < 0)
		goto error;
	what = "fsync";
	if(fsync(fd) < 0)
		goto error;
	what = "close";
	e = close(fd);
	fd = -1;
	if(e < 0)
		goto error;
	if(rename(tmp, path) < 0) {
		fail(err, errlen, "cannot rename %s to %s: %s", tmp, path,
				strerror(errno));
		goto done;
	}
	free(tmp);
	tmp = NULL; /* renamed: nothing to remove */
	/* The new file is in place and cannot be taken back; without the
	 * fsync of the folder a crash may still bring the old one back. */
	if(dir_fsync(dfd) < 0) {
		fail(err, errlen,
				"%s replaced, but may not be durable: cannot fsync folder %s: "
				"%s",
				path, dir, strerror(errno));
		ret = GCP_SAVE_NOT_DURABLE;
		goto done;
	}
	ret = 0;
	goto done;
error:
	fail(err, errlen, "cannot %s %s: %s", what, tmp, strerror(errno));
done:
	e = errno;
	if(fd >= 0)
		close(fd);
	if(dfd >= 0)
		close(dfd);
	if(tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	free(xml);
	errno = e;
	return ret;
}

/* ------------------------------------------------------------ snapshot */

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

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

static size_t snap_arrays(const gcp_cfg_t *cfg, size_t *npersonal)
{
	size_t i, np = 0;

	for(i = 0; i < cfg->nmembers; i++)
		np += cfg->members[i].npersonal;
	*npersonal = np;
	return sizeof(snap_hdr_t) + cfg->nranges * sizeof(snap_range_t)
		   + cfg->nmembers * sizeof(snap_member_t)
		   + np * sizeof(snap_personal_t);
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
	contact_t c;

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
	rs = (snap_range_t *)(base + h->ranges);
	ms = (snap_member_t *)(base + h->members);
	ps = (snap_personal_t *)(base + h->personal);
	for(i = 0; i < cfg->nranges; i++) {
		const gcp_range_t *r = &cfg->ranges[i];
		rs[i].name = snap_put(base, &cur, r->name);
		if(r->pool)
			rs[i].pool = snap_put(base, &cur, r->pool);
		rs[i].len = (uint32_t)strlen(r->first);
		rs[i].prefix = (uint8_t)num_prefix(r->first);
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
			if(contact_parse(m->personal[j], &c) != NULL)
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
	prefix = (uint8_t)num_prefix(num);
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
		if(phlen == fhlen && case_eq(ph, from_host, fhlen))
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
	if(h->nranges) {
		cfg->ranges = alloc_arr((size_t)h->nranges, sizeof(gcp_range_t));
		if(!cfg->ranges)
			goto oom;
	}
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
	if(h->nmembers) {
		cfg->members = alloc_arr((size_t)h->nmembers, sizeof(gcp_member_t));
		if(!cfg->members)
			goto oom;
	}
	for(i = 0; i < h->nmembers; i++) {
		gcp_member_t *m = &cfg->members[cfg->nmembers++];
		m->user = snap_dup(base, ms[i].user);
		m->group = snap_dup(base, ms[i].group);
		if(!m->user || !m->group)
			goto oom;
		if(ms[i].pcount) {
			m->personal = alloc_arr((size_t)ms[i].pcount, sizeof(char *));
			if(!m->personal)
				goto oom;
		}
		for(j = 0; j < ms[i].pcount; j++) {
			m->personal[j] = snap_dup(base, ps[ms[i].pfirst + j].contact);
			if(!m->personal[j])
				goto oom;
			m->npersonal++;
		}
	}
	return cfg;
oom:
	gcp_cfg_free(cfg);
	return NULL;
}
