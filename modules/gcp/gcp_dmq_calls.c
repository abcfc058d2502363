/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/* The cluster's ringing calls: announced, received, forgotten (see
 * gcp_dmq_calls.h). */

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "../../core/dprint.h"
#include "../../core/locking.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/mem/pkg.h"

#include "gcp_dmq_calls.h"
#include "gcp_dmq_link.h"
#include "gcp_env.h"
#include "gcp_json.h"

#define GCP_DMQ_ANNOUNCE_MS 50	 /* at most this often, after a change */
#define GCP_DMQ_SYNC_GAP_MS 2000 /* between two syncs asked of one node */
#define GCP_DMQ_BUCKETS 1024
#define GCP_BATCH_TAIL 32 /* room kept for "],"s":<number>}" */

typedef struct gcp_node_state
{
	int failed;			  /* a message to it failed since it was last heard */
	int want_full;		  /* it asked for our whole set */
	gcp_peer_sync_t sync; /* is our copy of its calls behind? */
} gcp_node_state_t;

typedef struct gcp_dmq_calls
{
	gen_lock_t lock;
	gcp_peers_t *peers;
	gcp_node_state_t st[GCP_PEER_MAX_NODES];
	int changed;  /* atomic: bumped by the ring's observer */
	unsigned own; /* atomic: the calls announced last */
} gcp_dmq_calls_t;

static gcp_dmq_calls_t *_dc = NULL;
static uint64_t _boot = 0;
static int64_t _wall_offset = 0; /* wall - monotonic, fixed at start */
static void (*_prev_changed)(void *ctx, const char *group, size_t glen,
		const char *callee, size_t clen) = NULL;
static void *_prev_ctx = NULL;

/* the GCP TIMER process's own: what it announced */
static gcp_peers_t *_announced = NULL;
static unsigned _gen = 0;
static int _seen_changed = -1;
static uint64_t _last_announce = 0;
static uint64_t _seq = 0; /* the number of the last add or del broadcast */

/* ---- memory for the tables ---- */

static void *gcp_dc_shm_alloc(size_t size)
{
	return shm_malloc(size);
}
static void gcp_dc_shm_free(void *p)
{
	shm_free(p);
}
static void *gcp_dc_pkg_alloc(size_t size)
{
	return pkg_malloc(size);
}
static void gcp_dc_pkg_free(void *p)
{
	pkg_free(p);
}

/* ---- clocks ---- */

uint64_t gcp_wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* one offset for every process (set before the fork): a call's announced
 * time never moves between two announcements */
uint64_t gcp_wall_of(uint64_t mono_ms)
{
	return (uint64_t)((int64_t)mono_ms + _wall_offset);
}

void gcp_dmq_clock_init(void)
{
	_boot = gcp_wall_ms();
	_wall_offset = (int64_t)_boot - (int64_t)gcp_now_ms();
}

uint64_t gcp_dmq_boot(void)
{
	return _boot;
}

/* ---- set-up ---- */

static void gcp_dmq_changed(void *ctx, const char *group, size_t glen,
		const char *callee, size_t clen)
{
	if(_prev_changed)
		_prev_changed(_prev_ctx, group, glen, callee, clen);
	__atomic_add_fetch(&_dc->changed, 1, __ATOMIC_RELAXED);
}

int gcp_dmq_calls_init(gcp_ring_env_t *env)
{
	gcp_peer_env_t penv = {gcp_dc_shm_alloc, gcp_dc_shm_free};
	const str *self = gcp_dmq_self();

	_dc = shm_malloc(sizeof(*_dc));
	if(_dc == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(_dc, 0, sizeof(*_dc));
	lock_init(&_dc->lock);
	_dc->peers = gcp_peers_create(&penv, GCP_DMQ_BUCKETS);
	if(_dc->peers == NULL
			|| gcp_peers_set_self(_dc->peers, self->s, self->len) < 0) {
		LM_ERR("dmq: no shared memory for the cluster's calls\n");
		return -1;
	}
	_prev_changed = env->changed;
	_prev_ctx = env->changed_ctx;
	env->changed = gcp_dmq_changed;
	env->changed_ctx = NULL;
	return 0;
}

gcp_peers_t *gcp_dmq_calls_lock(void)
{
	lock_get(&_dc->lock);
	return _dc->peers;
}

void gcp_dmq_calls_unlock(void)
{
	lock_release(&_dc->lock);
}

/* ---- batches: "add" and "del" messages under GCP_DMQ_MAX_BODY ---- */

typedef struct gcp_batch
{
	gcp_json_t j;
	const char *type; /* "add" or "del" */
	const char *to;	  /* one node, or NULL: every node */
	int full;		  /* the first "add" of a whole set */
	int items;		  /* in the open message */
	int sent;		  /* messages sent */
} gcp_batch_t;

static void gcp_batch_open(gcp_batch_t *b)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head), "{\"t\":\"%s\",\"boot\":\"%llx\"", b->type,
			(unsigned long long)_boot);
	b->j.len = 0;
	gcp_json_raw(&b->j, head, n);
	if(b->to) {
		gcp_json_raw(&b->j, ",\"to\":", 6);
		gcp_json_str(&b->j, b->to, strlen(b->to));
	}
	if(b->type[0] == 'a')
		gcp_json_raw(&b->j,
				b->full && b->sent == 0 ? ",\"full\":1" : ",\"full\":0", 9);
	gcp_json_raw(&b->j, ",\"c\":[", 6);
	b->items = 0;
}

static int gcp_batch_init(
		gcp_batch_t *b, const char *type, const char *to, int full)
{
	memset(b, 0, sizeof(*b));
	b->j.buf = pkg_malloc(GCP_DMQ_MAX_BODY + 1);
	if(b->j.buf == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	b->j.cap = GCP_DMQ_MAX_BODY + 1 - GCP_BATCH_TAIL; /* "],"s":N}" */
	b->type = type;
	b->to = to;
	b->full = full;
	gcp_batch_open(b);
	return 0;
}

/* a broadcast is numbered when it goes (none is skipped: the heartbeat
 * names the last); a whole set to one node carries the number of the
 * last broadcast it covers */
static void gcp_batch_send(gcp_batch_t *b)
{
	str body;

	b->j.cap += GCP_BATCH_TAIL;
	gcp_json_raw(&b->j, "],\"s\":", 6);
	gcp_json_uint(&b->j, b->to ? _seq : ++_seq);
	gcp_json_raw(&b->j, "}", 1);
	body.s = b->j.buf;
	body.len = (int)b->j.len;
	if(b->to)
		gcp_dmq_send(&body, b->to);
	else
		gcp_dmq_bcast(&body);
	b->j.cap -= GCP_BATCH_TAIL;
	b->sent++;
	gcp_batch_open(b);
}

/* one call's JSON array: ["callid","fromtag","group","callee","caller",since]
 * or, for "del", ["callid","fromtag"] */
static int gcp_batch_write(gcp_json_t *j, const gcp_peer_call_in_t *c, int del)
{
	size_t start = j->len;
	int i, n = del ? 2 : GCP_PC_COUNT;

	if(gcp_json_raw(j, "[", 1) < 0)
		goto full;
	for(i = 0; i < n; i++) {
		if((i > 0 && gcp_json_raw(j, ",", 1) < 0)
				|| gcp_json_str(j, c->s[i], c->len[i]) < 0)
			goto full;
	}
	if(!del
			&& (gcp_json_raw(j, ",", 1) < 0
					|| gcp_json_uint(j, c->since_ms) < 0))
		goto full;
	if(gcp_json_raw(j, "]", 1) < 0)
		goto full;
	return 0;
full:
	j->len = start;
	j->buf[start] = '\0';
	return -1;
}

static void gcp_batch_add(gcp_batch_t *b, const gcp_peer_call_in_t *c)
{
	size_t start = b->j.len;

	if(b->j.buf == NULL)
		return;
	if((b->items == 0 || gcp_json_raw(&b->j, ",", 1) == 0)
			&& gcp_batch_write(&b->j, c, b->type[0] == 'd') == 0) {
		b->items++;
		return;
	}
	b->j.len = start;
	b->j.buf[start] = '\0';
	if(b->items == 0) {
		LM_ERR("dmq: call %.*s is too large for a message, not announced\n",
				(int)c->len[GCP_PC_CALLID], c->s[GCP_PC_CALLID]);
		return;
	}
	gcp_batch_send(b);
	if(gcp_batch_write(&b->j, c, b->type[0] == 'd') == 0)
		b->items++;
}

/* send what is open; a whole set is sent even when empty (it clears) */
static void gcp_batch_end(gcp_batch_t *b)
{
	if(b->j.buf == NULL)
		return;
	if(b->items > 0 || (b->full && b->sent == 0))
		gcp_batch_send(b);
	pkg_free(b->j.buf);
	b->j.buf = NULL;
}

/* ---- announcing (GCP TIMER process) ---- */

/* the calls whose announcement is due, copied out of the ring's lock */
typedef struct gcp_due
{
	struct gcp_due *next;
	gcp_peer_call_in_t c;
	char data[];
} gcp_due_t;

static gcp_due_t *gcp_due_new(const gcp_peer_call_in_t *c)
{
	size_t i, size = 0;
	gcp_due_t *d;
	char *p;

	for(i = 0; i < GCP_PC_COUNT; i++)
		size += c->len[i] + 1;
	d = pkg_malloc(sizeof(*d) + size);
	if(d == NULL) {
		PKG_MEM_ERROR;
		return NULL;
	}
	d->next = NULL;
	d->c = *c;
	p = d->data;
	for(i = 0; i < GCP_PC_COUNT; i++) {
		memcpy(p, c->s[i], c->len[i]);
		p[c->len[i]] = '\0';
		d->c.s[i] = p;
		p += c->len[i] + 1;
	}
	return d;
}

static void gcp_call_in_of(const gcp_call_t *call, gcp_peer_call_in_t *in)
{
	static const int f[GCP_PC_COUNT] = {GCP_F_CALLID, GCP_F_FROM_TAG,
			GCP_F_GROUP, GCP_F_CALLEE, GCP_F_CALLER};
	int i;

	for(i = 0; i < GCP_PC_COUNT; i++)
		in->s[i] = gcp_call_field(call, f[i], &in->len[i]);
	in->since_ms = gcp_wall_of(call->ringing_ms);
}

static int gcp_announce_visit(const gcp_call_t *call, void *arg)
{
	gcp_due_t **due = arg, *d;
	gcp_peer_call_in_t in;
	int ret;

	if(call->state != GCP_CALL_RINGING)
		return 0;
	gcp_call_in_of(call, &in);
	ret = gcp_peers_touch(_announced, GCP_PEER_SELF, &in, _gen);
	if(ret == 1 || ret == 2) {
		d = gcp_due_new(&in);
		if(d) {
			d->next = *due;
			*due = d;
		}
	} else if(ret < 0) {
		LM_ERR("dmq: call %.*s not announced (%s)\n", GCP_CALLID_ARGS(call),
				ret == -1 ? "out of memory" : "invalid");
	}
	return 0;
}

static void gcp_announce_gone(const gcp_peer_call_view_t *c, void *arg)
{
	gcp_batch_t *b = arg;
	gcp_peer_call_in_t in;

	memcpy(in.s, c->s, sizeof(in.s));
	memcpy(in.len, c->len, sizeof(in.len));
	in.since_ms = c->since_ms;
	gcp_batch_add(b, &in);
}

static void gcp_announce(void)
{
	gcp_due_t *due = NULL, *d;
	gcp_batch_t adds, dels;

	_gen++;
	gcp_ring_foreach(gcp_ring, NULL, 0, gcp_announce_visit, &due);
	if(gcp_batch_init(&adds, "add", NULL, 0) == 0) {
		for(d = due; d; d = d->next)
			gcp_batch_add(&adds, &d->c);
		gcp_batch_end(&adds);
	}
	while(due) {
		d = due;
		due = d->next;
		pkg_free(d);
	}
	if(gcp_batch_init(&dels, "del", NULL, 0) == 0) {
		gcp_peers_sweep(
				_announced, GCP_PEER_SELF, _gen, gcp_announce_gone, &dels);
		gcp_batch_end(&dels);
	}
	__atomic_store_n(&_dc->own,
			gcp_peers_node_at(_announced, GCP_PEER_SELF)->ncalls,
			__ATOMIC_RELAXED);
}

static int gcp_full_visit(const gcp_peer_call_view_t *c, void *arg)
{
	gcp_announce_gone(c, arg); /* the same conversion, to an "add" */
	return 0;
}

static void gcp_send_full(const char *node)
{
	gcp_batch_t b;

	if(gcp_batch_init(&b, "add", node, 1) < 0)
		return;
	gcp_peers_foreach(_announced, GCP_PEER_SELF, gcp_full_visit, &b);
	gcp_batch_end(&b);
	LM_INFO("dmq: our %u ringing calls sent to %s\n",
			gcp_peers_node_at(_announced, GCP_PEER_SELF)->ncalls, node);
}

void gcp_dmq_calls_announced(unsigned *n, uint64_t *digest, uint64_t *seq)
{
	gcp_peer_node_t *self;

	*n = 0;
	*digest = 0;
	*seq = _seq;
	if(_announced == NULL)
		return;
	self = gcp_peers_node_at(_announced, GCP_PEER_SELF);
	*n = self->ncalls;
	*digest = self->calls_digest;
}

/* nodes unheard of for dmq_down_after are down: their calls forgotten */
static void gcp_nodes_check(uint64_t now)
{
	char gone[GCP_PEER_MAX_NODES][GCP_PEER_URI_MAX + 1];
	unsigned forgot[GCP_PEER_MAX_NODES];
	int i, n = 0;
	gcp_peer_node_t *node;

	lock_get(&_dc->lock);
	for(i = 1; i < GCP_PEER_MAX_NODES; i++) {
		node = gcp_peers_node_at(_dc->peers, i);
		if(node == NULL || !node->up)
			continue;
		if(now - node->heard_ms < (uint64_t)gcp_prm.dmq_down_after)
			continue;
		node->up = 0;
		forgot[n] = gcp_peers_clear(_dc->peers, i);
		memcpy(gone[n], node->uri, node->ulen + 1);
		n++;
	}
	lock_release(&_dc->lock);
	for(i = 0; i < n; i++)
		LM_NOTICE("dmq: node %s not heard of for %d ms: down, its %u "
				  "ringing calls forgotten\n",
				gone[i], gcp_prm.dmq_down_after, forgot[i]);
}

void gcp_dmq_calls_timer(uint64_t now)
{
	static uint64_t last_expire = 0;
	gcp_peer_env_t penv = {gcp_dc_pkg_alloc, gcp_dc_pkg_free};
	char to[GCP_PEER_URI_MAX + 1];
	gcp_peer_node_t *node;
	unsigned n;
	int i, changed;

	if(_announced == NULL) {
		_announced = gcp_peers_create(&penv, GCP_DMQ_BUCKETS);
		if(_announced == NULL) {
			LM_ERR("dmq: no memory for the announced calls\n");
			return;
		}
	}
	gcp_nodes_check(now);
	if(now - _last_announce >= GCP_DMQ_ANNOUNCE_MS) {
		_last_announce = now;
		changed = __atomic_load_n(&_dc->changed, __ATOMIC_RELAXED);
		if(changed != _seen_changed) {
			_seen_changed = changed;
			gcp_announce();
		}
	}
	for(i = 1; i < GCP_PEER_MAX_NODES; i++) {
		to[0] = '\0';
		lock_get(&_dc->lock);
		node = gcp_peers_node_at(_dc->peers, i);
		if(node && _dc->st[i].want_full) {
			_dc->st[i].want_full = 0;
			memcpy(to, node->uri, node->ulen + 1);
		}
		lock_release(&_dc->lock);
		if(to[0])
			gcp_send_full(to);
	}
	if(now - last_expire >= 1000) {
		last_expire = now;
		lock_get(&_dc->lock);
		n = gcp_peers_expire(_dc->peers,
				gcp_wall_ms() - (uint64_t)gcp_prm.max_ring_time * 1000);
		lock_release(&_dc->lock);
		if(n > 0)
			LM_INFO("dmq: %u calls of other nodes ringing for more than "
					"max_ring_time forgotten\n",
					n);
	}
}

/* ---- what the other nodes say (DMQ workers) ---- */

int gcp_dmq_calls_heard(const char *name, uint64_t boot)
{
	gcp_peer_node_t *node;
	unsigned forgot = 0;
	int i, was_up, restarted = 0;

	lock_get(&_dc->lock);
	i = gcp_peers_node(_dc->peers, name, strlen(name), 1);
	if(i < 1) {
		lock_release(&_dc->lock);
		LM_ERR("dmq: node %s is one too many (at most %d nodes)\n", name,
				GCP_PEER_MAX_NODES);
		return -1;
	}
	node = gcp_peers_node_at(_dc->peers, i);
	if(boot < node->boot) {
		lock_release(&_dc->lock);
		return -2; /* a late message of its previous run */
	}
	if(boot != node->boot) {
		restarted = node->boot != 0;
		forgot = gcp_peers_clear(_dc->peers, i);
		node->boot = boot;
		memset(&_dc->st[i].sync, 0, sizeof(_dc->st[i].sync));
		_dc->st[i].sync.fresh = 1;
	}
	was_up = node->up;
	node->up = 1;
	node->heard_ms = gcp_now_ms();
	_dc->st[i].failed = 0;
	lock_release(&_dc->lock);
	if(restarted)
		LM_NOTICE("dmq: node %s restarted: its %u calls of before forgotten\n",
				name, forgot);
	else if(!was_up)
		LM_NOTICE("dmq: node %s is up\n", name);
	return i;
}

unsigned gcp_dmq_calls_own(void)
{
	return __atomic_load_n(&_dc->own, __ATOMIC_RELAXED);
}

void gcp_dmq_calls_heartbeat(const char *name, unsigned n, uint64_t digest,
		uint64_t seq, uint64_t cfg_version, const char *cfg_digest)
{
	unsigned known;
	gcp_peer_node_t *node;
	gcp_node_state_t *st;
	char body[GCP_PEER_URI_MAX + 64];
	str b;
	int i, v, ask = 0;
	uint64_t now = gcp_now_ms();

	lock_get(&_dc->lock);
	i = gcp_peers_node(_dc->peers, name, strlen(name), 0);
	if(i < 1) {
		lock_release(&_dc->lock);
		return;
	}
	node = gcp_peers_node_at(_dc->peers, i);
	st = &_dc->st[i];
	node->hb_calls = n;
	node->hb_calls_digest = digest;
	node->hb_version = cfg_version;
	snprintf(node->hb_digest, sizeof(node->hb_digest), "%s", cfg_digest);
	known = node->ncalls;
	v = gcp_peer_sync_heartbeat(&st->sync, seq,
			node->ncalls == n && node->calls_digest == digest,
			now - node->asked_ms >= GCP_DMQ_SYNC_GAP_MS);
	if(v == GCP_SYNC_ASK) {
		node->asked_ms = now;
		ask = 1;
	}
	lock_release(&_dc->lock);
	if(!ask)
		return;
	LM_INFO("dmq: node %s rings %u calls, we know %u of them: asking for "
			"all\n",
			name, n, known);
	b.len = snprintf(body, sizeof(body),
			"{\"t\":\"sync\",\"boot\":\"%llx\",\"to\":\"%s\"}",
			(unsigned long long)_boot, name);
	b.s = body;
	gcp_dmq_send(&b, name);
}

void gcp_dmq_calls_on_sync(const char *name)
{
	int i;

	lock_get(&_dc->lock);
	i = gcp_peers_node(_dc->peers, name, strlen(name), 0);
	if(i >= 1)
		_dc->st[i].want_full = 1;
	lock_release(&_dc->lock);
}

void gcp_dmq_calls_failed(const char *name, int code)
{
	unsigned forgot = 0;
	gcp_peer_node_t *node;
	int i, was_up = 0;

	/* only no answer at all says a node is gone: any reply, even a
	 * refusal, comes from a node that runs */
	if(code != 408)
		return;
	lock_get(&_dc->lock);
	i = gcp_peers_node(_dc->peers, name, strlen(name), 0);
	if(i >= 1) {
		node = gcp_peers_node_at(_dc->peers, i);
		was_up = node->up;
		node->up = 0;
		_dc->st[i].failed = 1;
		forgot = gcp_peers_clear(_dc->peers, i);
	}
	lock_release(&_dc->lock);
	if(was_up)
		LM_NOTICE("dmq: node %s did not take our message (%d): down, its %u "
				  "ringing calls forgotten\n",
				name, code, forgot);
}

/* one call of an "add" or "del": an array of strings (and, for "add",
 * its ringing time last); 0 and *c, or -1 with why in *err */
static int gcp_call_of_json(
		srjson_t *it, int del, gcp_peer_call_in_t *c, const char **err)
{
	static const size_t max[GCP_PC_COUNT] = {GCP_PEER_MAX_CALLID,
			GCP_PEER_MAX_TAG, GCP_PEER_MAX_NUMBER, GCP_PEER_MAX_USER,
			GCP_PEER_MAX_URI};
	srjson_t *v;
	int i, n = del ? 2 : GCP_PC_COUNT;

	memset(c, 0, sizeof(*c));
	if(it->type != srjson_Array) {
		*err = "a call is not an array";
		return -1;
	}
	v = it->child;
	for(i = 0; i < n; i++, v = v->next) {
		if(v == NULL || v->type != srjson_String || v->valuestring == NULL) {
			*err = "a call's field is missing or not a string";
			return -1;
		}
		c->s[i] = v->valuestring;
		c->len[i] = strlen(v->valuestring);
		if(c->len[i] > max[i] || (i < 3 && c->len[i] == 0)) {
			*err = "a call's field is empty or too long";
			return -1;
		}
	}
	if(!del) {
		if(gcp_dmq_uint(v, &c->since_ms) < 0) {
			*err = "a call's ringing time is missing or not a time";
			return -1;
		}
		v = v->next;
	}
	if(v != NULL) {
		*err = "a call has too many fields";
		return -1;
	}
	return 0;
}

/* check every call of the message before any is applied */
static int gcp_calls_check(const char *name, srjson_t *calls, int del)
{
	gcp_peer_call_in_t c;
	const char *err = "";
	srjson_t *it;
	int k = 0;

	if(calls == NULL || calls->type != srjson_Array) {
		LM_ERR("dmq: %s message of node %s without its array of calls: "
			   "ignored\n",
				del ? "del" : "add", name);
		return -1;
	}
	for(it = calls->child; it; it = it->next, k++) {
		if(gcp_call_of_json(it, del, &c, &err) < 0) {
			LM_ERR("dmq: %s message of node %s ignored whole: call %d: %s\n",
					del ? "del" : "add", name, k + 1, err);
			return -1;
		}
	}
	return 0;
}

int gcp_dmq_calls_on_add(
		const char *name, int full, uint64_t seq, srjson_t *calls)
{
	gcp_peer_call_in_t c;
	const char *err;
	srjson_t *it;
	int i, ret = 0;

	if(gcp_calls_check(name, calls, 0) < 0)
		return -1;
	lock_get(&_dc->lock);
	i = gcp_peers_node(_dc->peers, name, strlen(name), 0);
	if(i < 1) {
		lock_release(&_dc->lock);
		return 0;
	}
	gcp_peer_sync_taken(&_dc->st[i].sync, seq);
	if(full)
		gcp_peers_clear(_dc->peers, i);
	for(it = calls->child; it; it = it->next) {
		gcp_call_of_json(it, 0, &c, &err);
		if(gcp_peers_add(_dc->peers, i, &c) < 0)
			ret = -1;
	}
	lock_release(&_dc->lock);
	if(ret < 0)
		LM_ERR("dmq: no shared memory for calls of node %s: some are not "
			   "offered\n",
				name);
	return 0;
}

int gcp_dmq_calls_on_del(const char *name, uint64_t seq, srjson_t *calls)
{
	gcp_peer_call_in_t c;
	const char *err;
	srjson_t *it;
	int i;

	if(gcp_calls_check(name, calls, 1) < 0)
		return -1;
	lock_get(&_dc->lock);
	i = gcp_peers_node(_dc->peers, name, strlen(name), 0);
	if(i >= 1) {
		gcp_peer_sync_taken(&_dc->st[i].sync, seq);
		for(it = calls->child; it; it = it->next) {
			gcp_call_of_json(it, 1, &c, &err);
			gcp_peers_del(_dc->peers, i, c.s[GCP_PC_CALLID],
					c.len[GCP_PC_CALLID], c.s[GCP_PC_FROM_TAG],
					c.len[GCP_PC_FROM_TAG]);
		}
	}
	lock_release(&_dc->lock);
	return 0;
}
