/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Every limit of the module in one place: the configuration model, the
 * ring table and the RPC commands. Texts that name a limit are built from
 * these constants (GCP_XSTR), never written out. Pure: no Kamailio
 * headers.
 */

#ifndef _GCP_LIMITS_H_
#define _GCP_LIMITS_H_

/* a limit as a string literal, for rule texts */
#define GCP_STR(x) #x
#define GCP_XSTR(x) GCP_STR(x)

/* the configuration: anything longer is refused with an error naming
 * the limit */
#define GCP_MAX_NAME 64						 /* range name and pool */
#define GCP_MAX_NUMBER 32					 /* a number, prefix included */
#define GCP_MAX_USER 64						 /* member user part */
#define GCP_MAX_CONTACT 256					 /* a personal contact */
#define GCP_MAX_PERSONAL 200				 /* personal contacts per member */
#define GCP_MAX_FILE_SIZE (16 * 1024 * 1024) /* the XML file, bytes */

/* other groups one group lists (other-group pickup) */
#define GCP_MAX_ALSO 10

/* a tracked call's strings: a longer one is not tracked (To tag: the call
 * is not pickable); the group and the member are the configuration's */
#define GCP_MAX_URI 255		  /* From URI, Contact URI, source address */
#define GCP_MAX_CALLID 255	  /* Call-ID */
#define GCP_MAX_TAG 64		  /* From tag, To tag */
#define GCP_MAX_FORKS 8		  /* other ringing branches' To tags per call */
#define GCP_MAX_BUCKETS 65536 /* buckets per ring hash; hash_size at most */

/* pickups one call may be given (max_pickup_attempts at most: a byte) */
#define GCP_MAX_ATTEMPTS 255

/* RPC: an argument longer than any valid value, so that the model's rule
 * names the limit; arguments of a command; calls in one gcp.calls reply */
#define GCP_RPC_ARG_MAX 512
#define GCP_RPC_MAX_ARGS 4
#define GCP_RPC_MAX_CALLS 10000

#endif
