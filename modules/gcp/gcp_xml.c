/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The XML file of the model (see gcp_xml.h): the writer, the SAX reader
 * that keeps line numbers, the document's shape check, the load and the
 * atomic save. Only the structure is checked here; every model rule is
 * enforced by building the model with the gcp_cfg_* functions of
 * gcp_model.c, the same ones the management commands use.
 */

#include <errno.h>
#include <fcntl.h>
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

#include "gcp_model.h"
#include "gcp_xml.h"

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

/* the five predefined entities, for text and attribute values alike */
static void put_esc(obuf_t *o, const char *s)
{
	static const char special[] = "&<>\"'";
	static const char *const entity[] = {
			"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	const char *e;

	for(; *s; s++) {
		e = strchr(special, *s); /* never the NUL: the loop stops there */
		if(e)
			put(o, entity[e - special]);
		else
			put_n(o, s, 1);
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
	char tmp[2 * GCP_SHOW_MAX + 4];

	if(ns && ns->prefix)
		snprintf(tmp, sizeof(tmp), "%.40s:%.40s", (const char *)ns->prefix,
				(const char *)name);
	else if(ns)
		snprintf(tmp, sizeof(tmp), "{%.40s}%.40s", (const char *)ns->href,
				(const char *)name);
	else
		snprintf(tmp, sizeof(tmp), "%.40s", (const char *)name);
	return gcp_show(buf, tmp);
}

/* allowed: NULL-terminated; required: its first nreq entries */
static int xml_check_attrs(xmlNodePtr n, const char *const *allowed,
		size_t nreq, const char *fname, char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];
	xmlAttrPtr a;
	size_t i;

	for(a = n->properties; a; a = a->next) {
		for(i = 0; allowed[i]; i++)
			if(!a->ns && strcmp((const char *)a->name, allowed[i]) == 0)
				break;
		if(!allowed[i])
			return gcp_fail(err, errlen,
					"%s:%ld: unknown attribute \"%s\" in <%s>", fname,
					line_of(n), qname(b, a->name, a->ns),
					(const char *)n->name);
	}
	for(i = 0; i < nreq; i++)
		if(!xmlHasNsProp(n, (const xmlChar *)allowed[i], NULL))
			return gcp_fail(err, errlen, "%s:%ld: <%s> lacks attribute \"%s\"",
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
			return gcp_fail(err, errlen, "%s:%ld: text is not allowed in <%s>",
					fname, line_of(c), parent);
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			return 0;
		case XML_ENTITY_REF_NODE:
		case XML_ENTITY_NODE:
		case XML_ENTITY_DECL:
			return gcp_fail(err, errlen,
					"%s:%ld: entity references are not allowed (only the 5 "
					"predefined ones and character references)",
					fname, line_of(c));
		default:
			return gcp_fail(err, errlen, "%s:%ld: unexpected content in <%s>",
					fname, line_of(c), parent);
	}
}

static int xml_unknown_elem(xmlNodePtr c, const char *parent, const char *fname,
		char *err, size_t errlen)
{
	char b[GCP_SHOW_SIZE];

	return gcp_fail(err, errlen, "%s:%ld: unknown element <%s> in <%s>", fname,
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
					return gcp_fail(err, errlen, "%s:%ld: empty <personal>",
							fname, line_of(p));
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
			rc = gcp_fail(e, sizeof(e), "out of memory");
		else
			rc = gcp_cfg_range_add(cfg, a1, a2, a3, a4, e, sizeof(e));
		xmlFree(a1);
		xmlFree(a2);
		xmlFree(a3);
		xmlFree(a4);
		if(rc < 0)
			return gcp_fail(err, errlen, "%s:%ld: %s", fname, line_of(c), e);
	}
	for(c = root->children; c; c = c->next) {
		if(!is_elem(c, "member"))
			continue;
		a1 = attr(c, "user");
		a2 = attr(c, "group");
		if(!a1 || !a2)
			rc = gcp_fail(e, sizeof(e), "out of memory");
		else
			rc = gcp_cfg_member_add(cfg, a1, a2, e, sizeof(e));
		if(rc < 0) {
			xmlFree(a1);
			xmlFree(a2);
			return gcp_fail(err, errlen, "%s:%ld: %s", fname, line_of(c), e);
		}
		for(p = c->children; p && rc == 0; p = p->next) {
			if(!is_elem(p, "personal"))
				continue;
			text = personal_text(p);
			if(!text)
				rc = gcp_fail(e, sizeof(e), "out of memory");
			else if(!*text)
				rc = gcp_fail(e, sizeof(e), "empty <personal>");
			else
				rc = gcp_cfg_personal_add(cfg, a1, text, e, sizeof(e));
			free(text);
			if(rc < 0) {
				xmlFree(a1);
				xmlFree(a2);
				return gcp_fail(
						err, errlen, "%s:%ld: %s", fname, line_of(p), e);
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
	char b[GCP_SHOW_SIZE];
	int rc = -1;

	if(out)
		*out = NULL;
	if(!name)
		name = "config";
	if(!out || (!buf && len > 0))
		return gcp_fail(err, errlen, "%s: no buffer", name);
	if(len > GCP_MAX_FILE_SIZE)
		return gcp_fail(err, errlen, "%s: larger than %d bytes (the limit)",
				name, GCP_MAX_FILE_SIZE);
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if(!ctxt)
		return gcp_fail(err, errlen, "%s: out of memory", name);
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
		gcp_fail(
				err, errlen, "%s:%ld: DTDs are not allowed", name, st.dtd_line);
		goto done;
	}
	if(st.has_err || !doc || !ctxt->wellFormed) {
		if(st.has_err)
			gcp_fail(err, errlen, "%s:%ld: malformed XML: %s", name,
					st.err_line, st.msg);
		else
			gcp_fail(err, errlen, "%s:%d: malformed XML", name,
					ctxt->input ? ctxt->input->line : 1);
		goto done;
	}
	/* belt and braces: the DOCTYPE hook above already refuses these */
	if(doc->intSubset || doc->extSubset) {
		gcp_fail(err, errlen, "%s:1: DTDs are not allowed", name);
		goto done;
	}
	root = xmlDocGetRootElement(doc);
	if(!root) {
		gcp_fail(err, errlen, "%s:1: no root element", name);
		goto done;
	}
	if(!is_elem(root, "gcp")) {
		gcp_fail(err, errlen, "%s:%ld: root element is <%s>, expected <gcp>",
				name, line_of(root), qname(b, root->name, root->ns));
		goto done;
	}
	if(xml_check_tree(root, name, err, errlen) < 0)
		goto done;
	cfg = gcp_cfg_new();
	if(!cfg) {
		gcp_fail(err, errlen, "%s: out of memory", name);
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
		return gcp_fail(err, errlen, "no file name");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if(fd < 0) {
		if(errno != ENOENT)
			return gcp_fail(err, errlen, "%s: %s", path, strerror(errno));
		*out = gcp_cfg_new();
		if(!*out)
			return gcp_fail(err, errlen, "%s: out of memory", path);
		if(missing)
			*missing = 1;
		return 0;
	}
	if(fstat(fd, &sb) < 0) {
		rc = gcp_fail(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if(S_ISDIR(sb.st_mode)) {
		close(fd);
		return gcp_fail(err, errlen, "%s: %s", path, strerror(EISDIR));
	}
	if(sb.st_size > GCP_MAX_FILE_SIZE) {
		close(fd);
		return gcp_fail(err, errlen, "%s: larger than %d bytes (the limit)",
				path, GCP_MAX_FILE_SIZE);
	}
	/* the size is a hint only: the file may change while read */
	cap = (size_t)sb.st_size + 1;
	buf = malloc(cap);
	if(!buf) {
		close(fd);
		return gcp_fail(err, errlen, "%s: out of memory", path);
	}
	for(;;) {
		if(len == cap) {
			if(cap > GCP_MAX_FILE_SIZE) {
				free(buf);
				close(fd);
				return gcp_fail(err, errlen,
						"%s: larger than %d bytes (the limit)", path,
						GCP_MAX_FILE_SIZE);
			}
			p = realloc(buf, cap * 2);
			if(!p) {
				free(buf);
				close(fd);
				return gcp_fail(err, errlen, "%s: out of memory", path);
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if(n < 0 && errno == EINTR)
			continue;
		if(n < 0) {
			rc = gcp_fail(err, errlen, "%s: %s", path, strerror(errno));
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
		return gcp_fail(
				err, errlen, "cannot stat %s: %s", tmp, strerror(errno));
	if((tb.st_uid != sb->st_uid || tb.st_gid != sb->st_gid)
			&& fchown(fd, sb->st_uid, sb->st_gid) < 0 && tb.st_gid != sb->st_gid
			&& fchown(fd, (uid_t)-1, sb->st_gid) < 0) {
		e = errno;
		if(((mode >> 3) & ~mode & 07) != 0)
			return gcp_fail(err, errlen,
					"cannot keep group %ld of %s (%s): its mode %04o gives "
					"the group rights that others lack, and the new file's "
					"group %ld would get them; give the file a group of "
					"Kamailio's user",
					(long)sb->st_gid, path, strerror(e), (unsigned)mode,
					(long)tb.st_gid);
	}
	/* after fchown, which may clear set-user-ID and set-group-ID */
	if(fchmod(fd, mode) < 0)
		return gcp_fail(
				err, errlen, "cannot chmod %s: %s", tmp, strerror(errno));
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
		return gcp_fail(err, errlen, "no configuration or file name");
	plen = strlen(path);
	xml = gcp_cfg_to_xml(cfg, &len);
	tmp = malloc(plen + 8);
	dir = dir_of(path);
	if(!xml || !tmp || !dir) {
		gcp_fail(err, errlen, "%s: out of memory", path);
		goto done;
	}
	memcpy(tmp, path, plen);
	fd = open_tmp(tmp, plen);
	if(fd < 0) {
		e = errno;
		tmp[plen] = '\0';
		gcp_fail(err, errlen, "cannot create a temporary file %s.XXXXXX: %s",
				tmp, strerror(e));
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
		gcp_fail(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto done;
	}
	/* opened before the rename: past it, only the fsync can fail */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if(dfd < 0) {
		gcp_fail(err, errlen, "cannot open folder %s (to sync it): %s", dir,
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
		gcp_fail(err, errlen, "cannot rename %s to %s: %s", tmp, path,
				strerror(errno));
		goto done;
	}
	free(tmp);
	tmp = NULL; /* renamed: nothing to remove */
	/* The new file is in place and cannot be taken back; without the
	 * fsync of the folder a crash may still bring the old one back. */
	if(dir_fsync(dfd) < 0) {
		gcp_fail(err, errlen,
				"%s replaced, but may not be durable: cannot fsync folder %s: "
				"%s",
				path, dir, strerror(errno));
		ret = GCP_SAVE_NOT_DURABLE;
		goto done;
	}
	ret = 0;
	goto done;
error:
	gcp_fail(err, errlen, "cannot %s %s: %s", what, tmp, strerror(errno));
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
