/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The XML file: one storage room of the model (gcp_model.h), as htable's
 * ht_db.c is for its tables; a database backend would be a second room
 * beside it, on the same model. Pure C plus libxml2, no Kamailio headers,
 * so the unit tests and fuzzers use it directly. Reading is gcp_xml.c's,
 * writing and the atomic save gcp_xml_out.c's.
 *
 * Reading checks the document's shape (elements, attributes, no DTD, no
 * entity but the predefined ones) and then builds the model through the
 * gcp_cfg_* functions, so a file obeys exactly the rules of the management
 * commands; errors name the file and the line where the offending node
 * begins. A model returned is the caller's (gcp_cfg_free() it).
 *
 * No global state but the dir_fsync test hook below, and libxml2's parser
 * (xmlInitParser(), called here, is safe to repeat); no locking: callers
 * serialize saves to one path (gcp_store.h does).
 */

#ifndef _GCP_XML_H_
#define _GCP_XML_H_

#include <stddef.h>

#include "gcp_model.h"

/* XML in memory; name is used in error messages ("name:line: rule").
 * Returns 0 and a new model in *out, or -1 and err. */
int gcp_cfg_parse(const char *buf, size_t len, const char *name,
		gcp_cfg_t **out, char *err, size_t errlen);

/* A file; a missing file gives an empty model and *missing = 1. */
int gcp_cfg_load_file(const char *path, gcp_cfg_t **out, int *missing,
		char *err, size_t errlen);

/* The model as XML (malloc'd, NUL-terminated; *len without the NUL). */
char *gcp_cfg_to_xml(const gcp_cfg_t *cfg, size_t *len);

/* Atomic save: a new temporary file "<path>.XXXXXX" in the same folder
 * (O_EXCL, random suffix), fsync, rename over path, fsync the folder. A
 * crash at any moment leaves the old or the new file. A new file is 0600; a
 * replaced one keeps its mode, and its owner and group as far as the
 * process may give them (see keep_attrs in gcp_xml_out.c).
 * Returns 0 (on disk), -1 and err (path untouched, no temporary file left)
 * or GCP_SAVE_NOT_DURABLE and err: path was replaced but the fsync of the
 * folder failed, so a crash may still bring the old file back. */
#define GCP_SAVE_NOT_DURABLE (-2)
int gcp_cfg_save_file(
		const gcp_cfg_t *cfg, const char *path, char *err, size_t errlen);

/* For the unit tests only (the module never calls it): replaces the fsync(2)
 * of the folder after the rename by f, to make it fail; NULL restores
 * fsync(2). Not thread-safe: set it before any save. */
void gcp_cfg_set_dir_fsync(int (*f)(int fd));

#endif
