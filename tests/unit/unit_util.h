/* Shared helpers for the unit tests: a malloc + pthread environment for the
 * ring table, so it runs here as it does in shm under Kamailio's locks. */
#ifndef _UNIT_UTIL_H_
#define _UNIT_UTIL_H_

#include <pthread.h>
#include <stdlib.h>

#include "gcp_ring.h"

typedef struct unit_locks
{
	unsigned n;
	pthread_mutex_t *m;
	size_t live_allocs; /* allocations not yet released */
} unit_locks_t;

static unit_locks_t *unit_locks_current;

static void *unit_alloc(size_t size)
{
	void *p = malloc(size);
	if(p && unit_locks_current)
		__atomic_add_fetch(
				&unit_locks_current->live_allocs, 1, __ATOMIC_SEQ_CST);
	return p;
}

static void unit_release(void *p)
{
	if(p && unit_locks_current)
		__atomic_sub_fetch(
				&unit_locks_current->live_allocs, 1, __ATOMIC_SEQ_CST);
	free(p);
}

static void unit_lock(void *ctx, unsigned idx)
{
	unit_locks_t *l = ctx;
	if(idx >= l->n)
		abort(); /* a lock index outside the set is a bug in the table */
	pthread_mutex_lock(&l->m[idx]);
}

static void unit_unlock(void *ctx, unsigned idx)
{
	unit_locks_t *l = ctx;
	if(idx >= l->n)
		abort();
	pthread_mutex_unlock(&l->m[idx]);
}

/* An environment with 2 * nslots locks; counts live allocations. */
static inline gcp_ring_env_t unit_env(unsigned nslots)
{
	gcp_ring_env_t env;
	unit_locks_t *l = calloc(1, sizeof(*l));
	l->n = 2 * nslots;
	l->m = calloc(l->n, sizeof(pthread_mutex_t));
	for(unsigned i = 0; i < l->n; i++)
		pthread_mutex_init(&l->m[i], NULL);
	unit_locks_current = l;
	env.alloc = unit_alloc;
	env.release = unit_release;
	env.lock = unit_lock;
	env.unlock = unit_unlock;
	env.lock_ctx = l;
	return env;
}

static inline void unit_env_free(gcp_ring_env_t *env)
{
	unit_locks_t *l = env->lock_ctx;
	for(unsigned i = 0; i < l->n; i++)
		pthread_mutex_destroy(&l->m[i]);
	free(l->m);
	if(unit_locks_current == l)
		unit_locks_current = NULL;
	free(l);
}

static inline size_t unit_live_allocs(const gcp_ring_env_t *env)
{
	return ((unit_locks_t *)env->lock_ctx)->live_allocs;
}

#endif
