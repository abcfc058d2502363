/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Pure builder of the busy-lamp-field state that gcp publishes: an
 * application/dialog-info+xml document (RFC 4235) for a member or a
 * group. No Kamailio headers, so the unit tests and the tests' tools call
 * it directly (like gcp_sip.c).
 *
 * Ownership and invariants:
 * - every input string is a (pointer, length) pair, never assumed
 *   NUL-terminated, read only during the call and not kept; a pointer may
 *   be NULL only when its length is 0;
 * - the output goes into the caller's buffer out[0..size) and is
 *   NUL-terminated; the return value is its length without the NUL;
 * - -1 when the document (with its NUL) does not fit: out is then left
 *   holding an empty string (when size > 0), never a truncated document;
 *   -2 when a required input is missing (see each function);
 * - the output is always a well-formed XML 1.0 document in UTF-8: every
 *   string goes through the same escaping, in element text and in
 *   attribute values (which are always double-quoted): & < > " ' become
 *   &amp; &lt; &gt; &quot; &apos;; characters XML 1.0 does not allow at
 *   all (C0 controls other than TAB, LF, CR) and bytes that are not valid
 *   UTF-8 become '?', since no escape can carry them;
 * - the document: <dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info"
 *   version="N" state="full" entity="sip:<user>@<domain>"> with at most
 *   one <dialog>, its children in the order RFC 4235's schema requires
 *   (state, local, remote; identity before target in each).
 * The functions keep no state: thread- and process-safe.
 */

#ifndef _GCP_DIALOGINFO_H_
#define _GCP_DIALOGINFO_H_

#include <stddef.h>

/* What the lamp shows for the dialog. */
typedef enum gcp_di_state
{
	GCP_DI_EARLY = 0,	  /* ringing, can be picked up: the lamp blinks */
	GCP_DI_TERMINATED = 1 /* no longer pickable: the lamp goes dark */
} gcp_di_state_t;

/* The inputs of one document. Lengths in bytes; a field of length 0 is
 * "absent" (required fields: see the functions). */
typedef struct gcp_di
{
	/* presentity: sip:<user>@<domain> is the entity (a member's user or
	 * a group number; required, both) */
	const char *user;
	size_t user_len;
	const char *domain;
	size_t domain_len;
	/* member documents: the directed-pickup prefix, the remote target is
	 * sip:<prefix><user>@<domain> (may be empty: then sip:<user>@<domain>) */
	const char *prefix;
	size_t prefix_len;
	/* the dialog's id attribute (required: unique within the presentity,
	 * stable for the call, the same in its early and terminated documents) */
	const char *dialog_id;
	size_t dialog_id_len;
	/* the ringing call: its Call-ID (required), the member's To tag
	 * (local-tag) and the caller's From tag (remote-tag); an empty tag is
	 * left out of the document */
	const char *call_id;
	size_t call_id_len;
	const char *local_tag;
	size_t local_tag_len;
	const char *remote_tag;
	size_t remote_tag_len;
	/* the caller, as <remote><identity display="...">uri</identity>
	 * (uri required; display left out when empty) */
	const char *caller_uri;
	size_t caller_uri_len;
	const char *caller_display;
	size_t caller_display_len;
	/* the document's version attribute (RFC 4235: incremented by one for
	 * each document the notifier sends for the subscription; Kamailio's
	 * presence_dialoginfo rewrites it per watcher when it aggregates) */
	unsigned int version;
} gcp_di_t;

/* A member's document (entity sip:<user>@<domain>), one dialog:
 *   <dialog id call-id local-tag remote-tag direction="recipient">
 *     <state>early|terminated</state>
 *     <local><identity>sip:<user>@<domain></identity>
 *            <target uri="sip:<user>@<domain>"/></local>
 *     <remote><identity display="<caller_display>"><caller_uri></identity>
 *             <target uri="sip:<prefix><user>@<domain>"/></remote>
 *   </dialog>
 * With local-tag, remote-tag and call-id a phone builds the Replaces of a
 * BLF pickup (Yealink, Polycom); one that calls the remote target (Snom)
 * reaches the directed pickup code. Required: user, domain, dialog_id,
 * call_id, caller_uri. Returns the length, -1 (too small), -2 (input). */
int gcp_dialoginfo_member(
		const gcp_di_t *in, gcp_di_state_t state, char *out, size_t size);

/* A group's document (entity sip:<group>@<domain>, in->user the group
 * number), one dialog for the group's oldest pickable call: as a member's,
 * but the local identity and target and the remote target are the group
 * number (sip:<group>@<domain>; in->prefix is not used), so whatever a
 * phone dials from the key reaches the group's pickup. Required and
 * returns: as gcp_dialoginfo_member(). */
int gcp_dialoginfo_group(
		const gcp_di_t *in, gcp_di_state_t state, char *out, size_t size);

/* A full document with no dialog (entity sip:<user>@<domain>; required:
 * user, domain; the other fields are not used): "nothing rings here".
 * Not what gcp publishes when a call stops being pickable (that is the
 * same dialog "terminated", see gcp_dialoginfo.c for why); for a
 * presentity that never had a call, or a notifier's initial state.
 * Returns: as gcp_dialoginfo_member(). */
int gcp_dialoginfo_empty(const gcp_di_t *in, char *out, size_t size);

#endif
