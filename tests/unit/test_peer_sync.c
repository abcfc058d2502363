/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* Unit tests of gcp_peer_sync_*: when a node's heartbeat says our copy of
 * its calls is behind, and when it is only overtaking its own messages */

#include <check.h>
#include <string.h>

#include "check_util.h"
#include "gcp_peer.h"

#define SAME 1
#define DIFFERS 0
#define MAY_ASK 1

static gcp_peer_sync_t fresh_node(void)
{
	gcp_peer_sync_t s;

	memset(&s, 0, sizeof(s));
	s.fresh = 1;
	return s;
}

static int hb(gcp_peer_sync_t *s, uint64_t seq, int same)
{
	return gcp_peer_sync_heartbeat(s, seq, same, MAY_ASK);
}

/* a new or restarted node: its set is asked at the first difference,
 * whatever is on its way; the same set clears it */
START_TEST(test_fresh)
{
	gcp_peer_sync_t s = fresh_node();

	ck_assert_int_eq(hb(&s, 40, DIFFERS), GCP_SYNC_ASK);
	ck_assert_int_eq(s.fresh, 0);
	s = fresh_node();
	ck_assert_int_eq(hb(&s, 40, SAME), GCP_SYNC_SAME);
	ck_assert_int_eq(s.fresh, 0);
	/* fresh, but no sync may be asked now: it stays fresh */
	s = fresh_node();
	ck_assert_int_eq(
			gcp_peer_sync_heartbeat(&s, 40, DIFFERS, 0), GCP_SYNC_DIFFERS);
	ck_assert_int_eq(s.fresh, 1);
	ck_assert_int_eq(hb(&s, 40, DIFFERS), GCP_SYNC_ASK);
}
END_TEST

/* a heartbeat that overtakes the adds and dels sent before it compares
 * nothing; once they are here the copies are compared again */
START_TEST(test_overtaken)
{
	gcp_peer_sync_t s;

	memset(&s, 0, sizeof(s));
	gcp_peer_sync_taken(&s, 3);
	ck_assert_int_eq(hb(&s, 5, DIFFERS), GCP_SYNC_WAIT);
	ck_assert_int_eq(hb(&s, 5, DIFFERS), GCP_SYNC_DIFFERS); /* 4, 5 late */
	memset(&s, 0, sizeof(s));
	gcp_peer_sync_taken(&s, 3);
	ck_assert_int_eq(hb(&s, 5, DIFFERS), GCP_SYNC_WAIT);
	gcp_peer_sync_taken(&s, 5);
	gcp_peer_sync_taken(&s, 4); /* out of order: the highest counts */
	ck_assert_uint_eq(s.seq, 5);
	ck_assert_int_eq(hb(&s, 5, SAME), GCP_SYNC_SAME);
	/* under load every heartbeat may overtake the newest batch: while
	 * the awaited ones keep arriving no sync is asked */
	for(uint64_t n = 6; n < 100; n += 2) {
		ck_assert_int_eq(hb(&s, n, DIFFERS), GCP_SYNC_WAIT);
		gcp_peer_sync_taken(&s, n);
	}
	ck_assert_int_eq(s.mismatches, 0);
	ck_assert_int_eq(hb(&s, 98, SAME), GCP_SYNC_SAME);
}
END_TEST

/* messages lost: those awaited at the last heartbeat still missing at
 * this one are compared, and a sync follows the second difference */
START_TEST(test_lost)
{
	gcp_peer_sync_t s;

	memset(&s, 0, sizeof(s));
	gcp_peer_sync_taken(&s, 3);
	ck_assert_int_eq(hb(&s, 5, DIFFERS), GCP_SYNC_WAIT);
	ck_assert_int_eq(hb(&s, 6, DIFFERS), GCP_SYNC_DIFFERS);
	ck_assert_int_eq(hb(&s, 6, DIFFERS), GCP_SYNC_ASK);
	/* the gap between two syncs: differs, asked when it may be */
	ck_assert_int_eq(
			gcp_peer_sync_heartbeat(&s, 6, DIFFERS, 0), GCP_SYNC_DIFFERS);
	ck_assert_int_eq(hb(&s, 6, DIFFERS), GCP_SYNC_ASK);
	/* its whole set came (numbered as the last broadcast it covers) */
	gcp_peer_sync_taken(&s, 6);
	ck_assert_int_eq(hb(&s, 6, SAME), GCP_SYNC_SAME);
	ck_assert_int_eq(s.mismatches, 0);
}
END_TEST

/* messages without numbers (seq 0): twice in a row, as ever; a heartbeat
 * whose copy agrees in between starts the count again */
START_TEST(test_unnumbered)
{
	gcp_peer_sync_t s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(hb(&s, 0, DIFFERS), GCP_SYNC_DIFFERS);
	ck_assert_int_eq(hb(&s, 0, SAME), GCP_SYNC_SAME);
	ck_assert_int_eq(hb(&s, 0, DIFFERS), GCP_SYNC_DIFFERS);
	ck_assert_int_eq(hb(&s, 0, DIFFERS), GCP_SYNC_ASK);
	/* a heartbeat numbered lower than what was taken compares */
	gcp_peer_sync_taken(&s, 9);
	ck_assert_int_eq(hb(&s, 7, SAME), GCP_SYNC_SAME);
	gcp_peer_sync_taken(&s, 0);
	ck_assert_uint_eq(s.seq, 9);
}
END_TEST

static Suite *peer_sync_suite(void)
{
	Suite *s = suite_create("peer_sync");

	UNIT_TCASE(s, "sync", 30, test_fresh, test_overtaken, test_lost,
			test_unnumbered);
	return s;
}

int main(void)
{
	return run_suite(peer_sync_suite());
}
