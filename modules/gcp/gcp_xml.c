/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The XML file of the model (see gcp_xml.h), reading it: the SAX reader
 * that keeps line numbers, the document's shape check and the load (the
 * writer and the atomic save are in gcp_xml_out.c). Only the structure is
 * checked here; every model rule is enforced by building the model with
 * the gcp_cfg_* functions of gcp_model.c and gcp_model_group.c, the same
 * ones the management commands use.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "gcp_model.h"
#include "gcp_xml.h"

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
static const char *const group_attrs[] = {"number", NULL};
static const char *const also_attrs[] = {"group", NULL};
static const char *const no_attrs[] = {NULL};

/* <group number="..."> holds <also group="..."/> elements only */
static int xml_check_group(
		xmlNodePtr c, const char *fname, char *err, size_t errlen)
{
	xmlNodePtr p, t;

	if(xml_check_attrs(c, group_attrs, 1, fname, err, errlen) < 0)
		return -1;
	for(p = c->children; p; p = p->next) {
		if(p->type != XML_ELEMENT_NODE) {
			if(xml_check_other(p, "group", 0, fname, err, errlen) < 0)
				return -1;
			continue;
		}
		if(!is_elem(p, "also"))
			return xml_unknown_elem(p, "group", fname, err, errlen);
		if(xml_check_attrs(p, also_attrs, 1, fname, err, errlen) < 0)
			return -1;
		for(t = p->children; t; t = t->next) {
			if(t->type == XML_ELEMENT_NODE)
				return xml_unknown_elem(t, "also", fname, err, errlen);
			if(xml_check_other(t, "also", 0, fname, err, errlen) < 0)
				return -1;
		}
	}
	return 0;
}

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
		} else if(is_elem(c, "group")) {
			if(xml_check_group(c, fname, err, errlen) < 0)
				return -1;
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

/* A <group> (its shape checked): its list through the model. A rule of
 * one listed group names the line of its <also>. */
static int xml_build_group(gcp_cfg_t *cfg, xmlNodePtr c, const char *fname,
		char *err, size_t errlen)
{
	char e[GCP_ERR_LEN];
	/* one more than the limit, so that the model names the limit */
	char *also[GCP_MAX_ALSO + 1];
	xmlNodePtr at[GCP_MAX_ALSO + 1], p;
	char *number = attr(c, "number");
	size_t n = 0, i;
	long bad = -1;
	int rc = 0;

	if(!number)
		rc = gcp_fail(e, sizeof(e), "out of memory");
	for(p = c->children; p && rc == 0; p = p->next) {
		if(!is_elem(p, "also"))
			continue;
		if(n == GCP_MAX_ALSO + 1)
			break; /* refused for the one before */
		at[n] = p;
		also[n] = attr(p, "group");
		if(!also[n++])
			rc = gcp_fail(e, sizeof(e), "out of memory");
	}
	if(rc == 0)
		rc = gcp_cfg_group_add(
				cfg, number, (const char *const *)also, n, &bad, e, sizeof(e));
	for(i = 0; i < n; i++)
		xmlFree(also[i]);
	xmlFree(number);
	if(rc < 0)
		return gcp_fail(err, errlen, "%s:%ld: %s", fname,
				line_of(bad >= 0 && (size_t)bad < n ? at[bad] : c), e);
	return 0;
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
	/* lists need the ranges only; after the members, as written */
	for(c = root->children; c; c = c->next)
		if(is_elem(c, "group")
				&& xml_build_group(cfg, c, fname, err, errlen) < 0)
			return -1;
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
