/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Helpers on a SIP message (see gcp_msg.c); pkg memory and lumps of the
 * message only, nothing shared. */

#ifndef _GCP_MSG_H_
#define _GCP_MSG_H_

#include "../../core/str.h"
#include "../../core/parser/msg_parser.h"

/* 0 when msg is an initial INVITE (no To tag) with Call-ID, To, From and
 * a parsed R-URI; else -1, logged with the cfg function's name */
int gcp_msg_initial_invite(struct sip_msg *msg, const char *fname);

/* 1 when a Supported or Require header lists the option tag "replaces" */
int gcp_msg_lists_replaces(struct sip_msg *msg);

/* 1 when the User-Agent matches the no_replaces_ua modparam: its
 * "replaces" is not to be trusted */
int gcp_msg_ua_cannot_replace(struct sip_msg *msg);

/* first Contact URI of the message, or an empty str */
str gcp_msg_contact_uri(struct sip_msg *msg);

/* Where a request to the Contact of msg's sender goes: its source address
 * (Kamailio's get_src_uri()) when the Contact is not reachable as it is,
 * else empty. 0, or -1 when the Contact is no SIP URI. dst may point into
 * a buffer of Kamailio's core: copy it before the next message. */
int gcp_msg_contact_dst(struct sip_msg *msg, str *contact, str *dst);

/* the body as a str; empty when there is none */
str gcp_msg_body(struct sip_msg *msg);

/* the SDP offer replaced by its audio-only form (gcp_sdp_audio_only()
 * mode); 0 also when there is nothing to change */
int gcp_msg_audio_only(struct sip_msg *msg, int sdp_mode);

/* every header of that name removed (lumps) */
int gcp_msg_remove_headers(struct sip_msg *msg, const char *name);

/* one block of CRLF-ended header lines added after the last header */
int gcp_msg_add_headers(struct sip_msg *msg, const char *hdrs, int len);

#endif
