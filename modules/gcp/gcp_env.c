/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* The module's parameters with their defaults, tm's API, the ring table
 * and the statistics (see gcp_env.h). */

#include "gcp_env.h"

#define GCP_DEFAULT_INJECT_HEADERS                       \
	"Call-Info: <sip:pickup.invalid>;answer-after=0\r\n" \
	"Alert-Info: <http://pickup.invalid/autoanswer>;"    \
	"info=alert-autoanswer;delay=0\r\n"                  \
	"Answer-Mode: Auto\r\n"

gcp_params_t gcp_prm = {
		.config_file = NULL,
		.db_url = NULL,
		.mode_name = "inject",
		.mode = GCP_MODE_INJECT,
		.require_replaces = 1,
		.max_ring_time = 300,
		.max_calls = 100000,
		.hash_size = 1024,
		.inject_reply_code = 487,
		.inject_reply_reason = str_init("Pickup in progress"),
		.inject_headers_given = str_init(GCP_DEFAULT_INJECT_HEADERS),
		.inject_headers = STR_NULL,
		.inject_ack_timeout = 1000,
		.auto_timeout = 2000,
		.picked_cancel_delay = 1000,
		.no_replaces_ua = str_init("Twinkle/"),
		.event_callback = STR_NULL,
		.require_auth = 0,
		.max_pickup_attempts = 5,
		.directed_prefix = str_init("**"),
		.directed_scope_name = "any",
		.directed_scope = 0,
		.publish_given = STR_NULL,
		.publish = 0,
		.presentity_domain = STR_NULL,
		.other_group_order_name = "priority",
		.other_group_order = GCP_ORDER_PRIORITY,
		.dmq = 0,
		.dmq_heartbeat = 1000,
		.dmq_down_after = 3000,
};

gcp_stats_t gcp_st;

struct tm_binds gcp_tmb;
gcp_ring_t *gcp_ring = NULL;
