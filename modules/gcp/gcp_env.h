/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * What every glue file of the module reads: the parameters (one struct,
 * gcp_prm, its defaults here and its checked values filled in by
 * mod_init() before any child starts: read-only after that), tm's API, the
 * ring table and the statistics. Data only: this file calls nobody.
 */

#ifndef _GCP_ENV_H_
#define _GCP_ENV_H_

#include "../../core/str.h"
#include "../../core/counters.h"
#include "../../modules/tm/tm_load.h"

#include "gcp_ring.h"

/* how a pickup reaches the call (gcp_prm.mode) */
#define GCP_MODE_INJECT 1
#define GCP_MODE_REPLACES 2
#define GCP_MODE_AUTO 3

/* other_group_order (gcp_prm.other_group_order) */
#define GCP_ORDER_PRIORITY 0 /* the own group, then each listed one */
#define GCP_ORDER_AGE 1		 /* the longest ringing among them all */

typedef struct gcp_params
{
	char *config_file; /* absolute once mod_init() resolved it */
	char *db_url;	   /* the configuration in a database instead */
	char *mode_name;   /* as given: inject, replaces or auto */
	int mode;		   /* GCP_MODE_* of mode_name */
	int require_replaces;
	int max_ring_time; /* s */
	int max_calls;
	int hash_size;
	int inject_reply_code;
	str inject_reply_reason;
	str inject_headers_given; /* as given: lines ended by LF or CRLF */
	str inject_headers;		  /* the same, each line CRLF-ended (pkg) */
	int inject_ack_timeout;	  /* ms */
	int auto_timeout;		  /* ms */
	int picked_cancel_delay;  /* ms */
	/* callers whose UA lists "replaces" but cannot complete a Replaces
	 * pickup of its own early call (docs/INTEROP.md) */
	str no_replaces_ua;
	str event_callback;
	/* 1: a picker must have credentials that the cfg checked */
	int require_auth;
	/* pickups one call may be given before it is not pickable any more
	 * (every failed attempt costs a tm branch of the ringing call) */
	int max_pickup_attempts;
	/* the directed-pickup feature code: prefix + member ("" turns it off) */
	str directed_prefix;
	char *directed_scope_name; /* as given: any or group */
	int directed_scope;		   /* GCP_SCOPE_* of directed_scope_name */
	/* the busy-lamp field (gcp_blf.h): what to publish, as given and as
	 * GCP_PUBLISH_* bits; the presentities' domain ("" : the call's) */
	str publish_given;
	int publish;
	str presentity_domain;
	/* which call of a group and the groups it lists a pickup takes */
	char *other_group_order_name; /* as given: priority or age */
	int other_group_order;		  /* GCP_ORDER_* of the name */
	/* the cluster (gcp_dmq.h): on, the heartbeat's period and how long a
	 * node unheard of counts as up (ms) */
	int dmq;
	int dmq_heartbeat;
	int dmq_down_after;
} gcp_params_t;

extern gcp_params_t gcp_prm;

typedef struct gcp_stats
{
	stat_var *tracked;
	stat_var *picked;
	stat_var *pickup_empty;
	stat_var *pickup_denied;
	stat_var *pickup_failed;
	stat_var *picked_kind[5]; /* by GCP_KIND_* (1..4) */
	stat_var *pickup_relayed; /* to the node the call rings through */
} gcp_stats_t;

extern gcp_stats_t gcp_st;

extern struct tm_binds gcp_tmb;
extern gcp_ring_t *gcp_ring;

#endif
