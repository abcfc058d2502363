/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * dialog-info (RFC 4235) documents for the busy-lamp field (see
 * gcp_dialoginfo.h). Inputs are length-bounded and never assumed
 * NUL-terminated.
 *
 * How a lamp goes dark: the same dialog, <state>terminated</state>, in a
 * full document (gcp_dialoginfo_member() / _group() with
 * GCP_DI_TERMINATED), not a document without the dialog
 * (gcp_dialoginfo_empty()). Why:
 * - RFC 4235's dialog state machine ends every dialog in "terminated",
 *   and a notifier reports that transition for the dialog's id; a phone
 *   that keeps per-dialog state (its lamp, a pickup it was offering) is
 *   told exactly which dialog ended. A full document that just omits the
 *   dialog says the same only by inference, and phones that merge
 *   notifications per dialog id have been seen to keep an early dialog
 *   they were never told ended.
 * - What the watchers get is not what gcp publishes but presence_
 *   dialoginfo's aggregation (notify_body.c, agregate_xmls()) of every
 *   presentity body of the URI: it copies all their <dialog> elements
 *   into one full document, or with force_single_dialog keeps one, in the
 *   order early > confirmed > proceeding > trying > terminated. A body with
 *   no dialog contributes nothing there, and when gcp's is the only body
 *   the watcher gets a document with no dialog; with a terminated dialog
 *   it gets the explicit transition, and an early dialog that another
 *   publisher (a second node, the phone itself through pua_dialoginfo)
 *   still holds wins over it, as it should.
 * - It is what Kamailio's own pua_dialoginfo publishes when a dialog ends
 *   (dialog_publish_multi("terminated", ...)), the form the phones in
 *   Kamailio deployments already turn their lamps off for; a presentity
 *   that expires instead leaves presence with no body at all (an empty
 *   NOTIFY, or with force_dummy_dialog a made-up terminated dialog).
 */

#include <stdio.h>
#include <string.h>

#include "gcp_dialoginfo.h"

#define DI_NS "urn:ietf:params:xml:ns:dialog-info"

/* Output of bounded size; a write that does not fit sets overflow and
 * writes nothing, nor does any after it (the last byte stays for NUL). */
typedef struct di_out
{
	char *p;
	size_t size;
	size_t len;
	int overflow;
} di_out_t;

static void put(di_out_t *o, const char *s, size_t n)
{
	if(o->overflow || n == 0)
		return;
	if(o->size == 0 || n > o->size - 1 - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts0(di_out_t *o, const char *s)
{
	put(o, s, strlen(s));
}

/* the length of a valid UTF-8 sequence at s[0..n) (shortest form, no
 * surrogates, at most U+10FFFF), 0 when there is none */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t need, i;
	unsigned int cp;

	if(s[0] < 0x80)
		return 1;
	if(s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 2;
		cp = s[0] & 0x1F;
	} else if(s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		cp = s[0] & 0x0F;
	} else if(s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if(n < need)
		return 0;
	for(i = 1; i < need; i++) {
		if((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000)
			|| (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0xFFFE
			|| cp == 0xFFFF)
		return 0;
	return need;
}

/* s[0..n) escaped for element text and double-quoted attribute values
 * alike; what XML 1.0 cannot carry becomes '?' */
static void put_esc(di_out_t *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, k;

	while(i < n) {
		const char *rep = NULL;
		unsigned char c = u[i];
		k = 1;
		switch(c) {
			case '&':
				rep = "&amp;";
				break;
			case '<':
				rep = "&lt;";
				break;
			case '>':
				rep = "&gt;";
				break;
			case '"':
				rep = "&quot;";
				break;
			case '\'':
				rep = "&apos;";
				break;
			case '\t':
			case '\n':
			case '\r':
				break;
			default:
				if(c < 0x20 || c == 0x7F) {
					/* 0x7F is allowed by XML 1.0 but no use in a name or
					 * a URI; C0 controls are not allowed at all */
					rep = "?";
				} else if(c >= 0x80) {
					k = utf8_seq(u + i, n - i);
					if(k == 0) {
						rep = "?";
						k = 1;
					}
				}
				break;
		}
		if(rep) {
			put(o, s + i - run, run);
			run = 0;
			puts0(o, rep);
			i += k;
		} else {
			run += k;
			i += k;
		}
	}
	put(o, s + n - run, run);
}

/* sip:<a><b>@<domain>, escaped */
static void put_sip(di_out_t *o, const char *a, size_t alen, const char *b,
		size_t blen, const gcp_di_t *in)
{
	puts0(o, "sip:");
	put_esc(o, a, alen);
	put_esc(o, b, blen);
	puts0(o, "@");
	put_esc(o, in->domain, in->domain_len);
}

/* attr="value" with a leading blank; nothing when value is empty */
static void put_attr(di_out_t *o, const char *name, const char *v, size_t n)
{
	if(n == 0)
		return;
	puts0(o, " ");
	puts0(o, name);
	puts0(o, "=\"");
	put_esc(o, v, n);
	puts0(o, "\"");
}

static void put_head(di_out_t *o, const gcp_di_t *in)
{
	char ver[16];

	snprintf(ver, sizeof(ver), "%u", in->version);
	puts0(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<dialog-info xmlns=\"" DI_NS "\" version=\"");
	puts0(o, ver);
	puts0(o, "\" state=\"full\" entity=\"");
	put_sip(o, in->user, in->user_len, NULL, 0, in);
	puts0(o, "\">\n");
}

static int finish(di_out_t *o, char *out, size_t size)
{
	if(o->overflow) {
		if(size > 0)
			out[0] = '\0';
		return -1;
	}
	out[o->len] = '\0';
	return (int)o->len;
}

#define HAS(f) (in->f##_len > 0 && in->f != NULL)

/* The one dialog of a member's (group = 0) or a group's (1) document. */
static int build(const gcp_di_t *in, gcp_di_state_t state, int group, char *out,
		size_t size)
{
	di_out_t o = {out, size, 0, 0};

	if(!in || !HAS(user) || !HAS(domain) || !HAS(dialog_id) || !HAS(call_id)
			|| !HAS(caller_uri) || (out == NULL && size > 0))
		return -2;
	if(state != GCP_DI_EARLY && state != GCP_DI_TERMINATED)
		return -2;
	/* a length past INT_MAX cannot be returned */
	if(size > (size_t)0x7FFFFFFF)
		size = (size_t)0x7FFFFFFF;
	o.size = size;

	put_head(&o, in);
	puts0(&o, "  <dialog");
	put_attr(&o, "id", in->dialog_id, in->dialog_id_len);
	put_attr(&o, "call-id", in->call_id, in->call_id_len);
	put_attr(&o, "local-tag", in->local_tag, in->local_tag_len);
	put_attr(&o, "remote-tag", in->remote_tag, in->remote_tag_len);
	puts0(&o, " direction=\"recipient\">\n");
	puts0(&o, state == GCP_DI_EARLY ? "    <state>early</state>\n"
									: "    <state>terminated</state>\n");

	/* local: the presentity (the member, or the group number) */
	puts0(&o, "    <local>\n      <identity>");
	put_sip(&o, in->user, in->user_len, NULL, 0, in);
	puts0(&o, "</identity>\n      <target uri=\"");
	put_sip(&o, in->user, in->user_len, NULL, 0, in);
	puts0(&o, "\"/>\n    </local>\n");

	/* remote: the caller; its target is where a phone that "calls the
	 * remote target" goes: the member's directed pickup code, the group */
	puts0(&o, "    <remote>\n      <identity");
	put_attr(&o, "display", in->caller_display, in->caller_display_len);
	puts0(&o, ">");
	put_esc(&o, in->caller_uri, in->caller_uri_len);
	puts0(&o, "</identity>\n      <target uri=\"");
	if(group)
		put_sip(&o, in->user, in->user_len, NULL, 0, in);
	else
		put_sip(&o, in->prefix, HAS(prefix) ? in->prefix_len : 0, in->user,
				in->user_len, in);
	puts0(&o, "\"/>\n    </remote>\n");
	puts0(&o, "  </dialog>\n</dialog-info>\n");
	return finish(&o, out, size);
}

int gcp_dialoginfo_member(
		const gcp_di_t *in, gcp_di_state_t state, char *out, size_t size)
{
	return build(in, state, 0, out, size);
}

int gcp_dialoginfo_group(
		const gcp_di_t *in, gcp_di_state_t state, char *out, size_t size)
{
	return build(in, state, 1, out, size);
}

int gcp_dialoginfo_empty(const gcp_di_t *in, char *out, size_t size)
{
	di_out_t o = {out, size, 0, 0};

	if(!in || !HAS(user) || !HAS(domain) || (out == NULL && size > 0))
		return -2;
	if(size > (size_t)0x7FFFFFFF)
		o.size = size = (size_t)0x7FFFFFFF;
	put_head(&o, in);
	puts0(&o, "</dialog-info>\n");
	return finish(&o, out, size);
}
