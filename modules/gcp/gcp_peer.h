/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The calls that ring through the other nodes of a cluster (modparam dmq),
 * as those nodes announced them, and the nodes themselves. Pure C, no
 * Kamailio headers: memory comes from the environment given to
 * gcp_peers_create() (shm in the module, malloc in the unit tests). The
 * same table, in one process's own memory, holds what this node has
 * announced (node GCP_PEER_SELF): gcp_peers_touch() and gcp_peers_sweep()
 * turn "what is pickable now" into the adds and removals to send.
 *
 * A call is keyed by (node, Call-ID, the caller's From tag). Its ringing
 * time is wall-clock milliseconds (the nodes' clocks must agree: NTP),
 * taken from the announcing node; no lookup ever returns a call of a node
 * that is not up (gcp_peer_node_t.up), so a node marked down stops
 * offering its calls at once, before they are cleared.
 *
 * Locking: none inside. The caller holds one lock around every function
 * and every use of what they return (gcp_dmq_calls.c: one shm lock).
 *
 * Ownership: the table owns its nodes and calls; pointers from
 * gcp_peers_node_at() stay valid for the table's life (nodes are never
 * freed, only emptied), views given to visitors only during the visit.
 */

#ifndef _GCP_PEER_H_
#define _GCP_PEER_H_

#include <stddef.h>
#include <stdint.h>

#define GCP_PEER_MAX_NODES 32 /* nodes a cluster may have, self included */
#define GCP_PEER_URI_MAX 127  /* a node's SIP URI (DMQ server_address) */
#define GCP_PEER_DIGEST_MAX 32
#define GCP_PEER_SELF 0 /* the node index of this node's own announced set */

/* the strings of an announced call */
enum gcp_peer_field
{
	GCP_PC_CALLID = 0,
	GCP_PC_FROM_TAG, /* the caller's */
	GCP_PC_GROUP,
	GCP_PC_CALLEE, /* the member it rings at */
	GCP_PC_CALLER, /* the caller's From URI (gcp.calls) */
	GCP_PC_COUNT
};

/* limits of the strings, the same as the ring table's */
#define GCP_PEER_MAX_CALLID 255
#define GCP_PEER_MAX_TAG 128
#define GCP_PEER_MAX_NUMBER 64
#define GCP_PEER_MAX_USER 128
#define GCP_PEER_MAX_URI 255

typedef struct gcp_peer_call_in
{
	const char *s[GCP_PC_COUNT];
	size_t len[GCP_PC_COUNT];
	uint64_t since_ms; /* wall clock: when it started ringing */
} gcp_peer_call_in_t;

/* a call as visitors see it (strings NUL-terminated, owned by the table) */
typedef struct gcp_peer_call_view
{
	int node;
	const char *s[GCP_PC_COUNT];
	size_t len[GCP_PC_COUNT];
	uint64_t since_ms;
} gcp_peer_call_view_t;

typedef struct gcp_peer_node
{
	int used;
	char uri[GCP_PEER_URI_MAX + 1];
	size_t ulen;
	int up;			   /* its calls are offered (set by the caller) */
	uint64_t boot;	   /* the boot id it last announced (0: none yet) */
	uint64_t heard_ms; /* the caller's clock: when it last heard of it */
	uint64_t asked_ms; /* the caller's clock: when it last asked a sync */
	/* what its last heartbeat said */
	uint64_t hb_version;
	char hb_digest[GCP_PEER_DIGEST_MAX + 1];
	unsigned hb_calls;
	uint64_t hb_calls_digest;
	/* what the table holds of it */
	unsigned ncalls;
	uint64_t calls_digest; /* XOR of gcp_peers_key_hash() of its calls */
} gcp_peer_node_t;

/* Whether our copy of a node's calls is behind, told by its heartbeats:
 * one per node, the caller's (under the caller's lock); zeroed, with
 * fresh set, when the node is new or restarts */
typedef struct gcp_peer_sync
{
	int mismatches; /* heartbeats in a row whose calls differ from ours */
	int fresh;		/* new, or restarted: ask its set at once */
	uint64_t seq;	/* the highest number of its adds and dels taken */
	uint64_t wait;	/* a heartbeat came before its adds and dels up to this
					 * number: compare at the next one (0: none awaited) */
} gcp_peer_sync_t;

enum gcp_peer_sync_verdict
{
	GCP_SYNC_WAIT = 0, /* its adds and dels before it are on their way */
	GCP_SYNC_SAME,	   /* our copy is its set */
	GCP_SYNC_DIFFERS,  /* it differs, a sync is not due (yet) */
	GCP_SYNC_ASK	   /* ask for its whole set now */
};

/* an add or del of the node numbered seq (0: none given) was taken */
void gcp_peer_sync_taken(gcp_peer_sync_t *s, uint64_t seq);

/* Its heartbeat: seq the number of its last add or del before it, same
 * whether its count and digest equal our copy's, may_ask whether a sync
 * may be asked now (the caller's gap since the last). While an add or
 * del numbered before the heartbeat is still on its way (dmq's workers
 * take messages in parallel, so a heartbeat may overtake them) nothing
 * is compared: GCP_SYNC_WAIT, unless those awaited at the previous
 * heartbeat are still missing (lost: compared) or the node is fresh. A
 * difference asks for a sync the second time in a row, or at once when
 * fresh. */
int gcp_peer_sync_heartbeat(
		gcp_peer_sync_t *s, uint64_t seq, int same, int may_ask);

typedef struct gcp_peer_env
{
	void *(*alloc)(size_t size);
	void (*release)(void *p);
} gcp_peer_env_t;

typedef struct gcp_peers gcp_peers_t;

/* nbuckets: hash buckets of each of the two indexes (group, Call-ID),
 * at least 1. NULL when out of memory. */
gcp_peers_t *gcp_peers_create(const gcp_peer_env_t *env, unsigned nbuckets);
void gcp_peers_destroy(gcp_peers_t *p);

/* The order-independent hash of a call's key: what calls_digest XORs. */
uint64_t gcp_peers_key_hash(
		const char *callid, size_t cidlen, const char *tag, size_t taglen);

/* The node with this URI: its index (>= 1; GCP_PEER_SELF is index 0, used
 * for this node's own set and named by gcp_peers_set_self()). With
 * create, a new node gets a free slot (up = 0, nothing heard). -1 when
 * there is none (not found without create, the table full, the URI empty
 * or over GCP_PEER_URI_MAX). */
int gcp_peers_node(gcp_peers_t *p, const char *uri, size_t len, int create);
/* names slot GCP_PEER_SELF (this node's URI); -1 when too long */
int gcp_peers_set_self(gcp_peers_t *p, const char *uri, size_t len);
/* the node at index i (0 .. GCP_PEER_MAX_NODES - 1), NULL when unused */
gcp_peer_node_t *gcp_peers_node_at(gcp_peers_t *p, int i);

/* Add a node's call, or replace the one with the same key (its group,
 * callee, caller and ringing time may have changed). 0; -1 out of memory;
 * -2 invalid (no Call-ID, From tag or group, a string over its limit, a
 * bad node index): nothing changed. */
int gcp_peers_add(gcp_peers_t *p, int node, const gcp_peer_call_in_t *c);
/* Remove a node's call: 1, or 0 when it had no such call. */
int gcp_peers_del(gcp_peers_t *p, int node, const char *callid, size_t cidlen,
		const char *tag, size_t taglen);
/* Remove all calls of a node (it restarted, went down, is resent whole):
 * how many. */
unsigned gcp_peers_clear(gcp_peers_t *p, int node);
/* Remove the calls of every node that started ringing before before_ms:
 * how many. */
unsigned gcp_peers_expire(gcp_peers_t *p, uint64_t before_ms);

/* This node's announced set (node GCP_PEER_SELF, or any node): mark the
 * call as seen in round gen. 1: it was not in the set (added now: send
 * it), 2: it was, with other group, callee, caller or ringing time
 * (replaced: send it again), 0: unchanged, <0: as gcp_peers_add(). */
int gcp_peers_touch(
		gcp_peers_t *p, int node, const gcp_peer_call_in_t *c, unsigned gen);
/* Remove the node's calls not touched in round gen, each visited first
 * (send its removal); how many. */
unsigned gcp_peers_sweep(gcp_peers_t *p, int node, unsigned gen,
		void (*visit)(const gcp_peer_call_view_t *c, void *arg), void *arg);

/* a group number, not NUL-terminated */
typedef struct gcp_peer_name
{
	const char *s;
	size_t len;
} gcp_peer_name_t;

typedef struct gcp_peer_pick
{
	int node;		   /* the call's node */
	uint64_t since_ms; /* its ringing time */
	size_t which;	   /* the index in groups[] of its group */
} gcp_peer_pick_t;

/* The oldest call, on a node that is up, of groups[0..n): with by_order,
 * the oldest of the first group (lowest index) that has one (other-group
 * "priority"); without, the oldest among them all (on equal times the
 * lower index, then the lower node). With callee (clen > 0) only the calls
 * ringing at that member (directed pickup, n == 1). 1 and *out, 0 when
 * none. */
int gcp_peers_oldest(gcp_peers_t *p, const gcp_peer_name_t *groups, size_t n,
		int by_order, const char *callee, size_t clen, gcp_peer_pick_t *out);

/* The call a Replaces header names, on a node that is up: its Call-ID and
 * one of two tags (either may be empty) equal to its From tag. 1 and
 * *out (which is 0), 0 when none. */
int gcp_peers_find_dialog(gcp_peers_t *p, const char *callid, size_t cidlen,
		const char *tag1, size_t len1, const char *tag2, size_t len2,
		gcp_peer_pick_t *out);

/* Visit the calls of one node (node >= 0) or of every node that is up
 * (node < 0), in no particular order; a non-zero return stops the walk.
 * The visitor must not change the table. */
void gcp_peers_foreach(gcp_peers_t *p, int node,
		int (*visit)(const gcp_peer_call_view_t *c, void *arg), void *arg);

#endif
