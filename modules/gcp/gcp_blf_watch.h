/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Which presentities the presence server of this instance may have
 * watchers for: the lamps' watch filter (gcp_lamp.h) turned on and
 * seeded at start. gcp_blf.c marks every presentity a dialog SUBSCRIBE
 * names from then on; what is here covers the subscriptions presence
 * already holds when Kamailio starts: those it restored from its
 * database (its active_watchers table, subs_db_mode 1 or 2).
 *
 * Where presence keeps subscriptions only in its database (subs_db_mode
 * 3: other instances may write them), or when its table cannot be read,
 * the filter stays off: every presentity may be watched, as before,
 * only slower. Main process, before any fork (child_init PROC_INIT),
 * after presence's mod_init.
 */

#ifndef _GCP_BLF_WATCH_H_
#define _GCP_BLF_WATCH_H_

#include "gcp_lamp.h"

/* 1: the filter is on (logged), 0: it stays off (logged why) */
int gcp_blf_watch_start(gcp_lamps_t *lamps);

#endif
