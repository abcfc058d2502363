/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * The XML file of the model (see gcp_xml.h), writing it: the model as XML
 * and the atomic save (reading it is gcp_xml.c's).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "gcp_model.h"
#include "gcp_xml.h"

/* ------------------------------------------------------------- XML out */

typedef struct obuf
{
	char *p;
	size_t len, cap;
	int oom;
} obuf_t;

static void put_n(obuf_t *o, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if(o->oom)
		return;
	if(o->len + n + 1 > o->cap) {
		cap = o->cap ? o->cap : 1024;
		while(cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if(!p) {
			o->oom = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put(obuf_t *o, const char *s)
{
	put_n(o, s, strlen(s));
}

/* the five predefined entities, for text and attribute values alike */
static void put_esc(obuf_t *o, const char *s)
{
	static const char special[] = "&<>\"'";
	static const char *const entity[] = {
			"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	const char *e;

	for(; *s; s++) {
		e = strchr(special, *s); /* never the NUL: the loop stops there */
		if(e)
			put(o, entity[e - special]);
		else
			put_n(o, s, 1);
	}
}

static void put_attr(obuf_t *o, const char *name, const char *value)
{
	put(o, " ");
	put(o, name);
	put(o, "=\"");
	put_esc(o, value);
	put(o, "\"");
}

char *gcp_cfg_to_xml(const gcp_cfg_t *cfg, size_t *len)
{
	obuf_t o = {0};
	size_t i, j;

	if(!cfg)
		return NULL;
	put(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gcp>\n");
	for(i = 0; i < cfg->nranges; i++) {
		const gcp_range_t *r = &cfg->ranges[i];
		put(&o, "  <range");
		put_attr(&o, "name", r->name);
		put_attr(&o, "first", r->first);
		put_attr(&o, "last", r->last);
		if(r->pool)
			put_attr(&o, "pool", r->pool);
		put(&o, "/>\n");
	}
	for(i = 0; i < cfg->nmembers; i++) {
		const gcp_member_t *m = &cfg->members[i];
		put(&o, "  <member");
		put_attr(&o, "user", m->user);
		put_attr(&o, "group", m->group);
		if(m->npersonal == 0) {
			put(&o, "/>\n");
			continue;
		}
		put(&o, ">\n");
		for(j = 0; j < m->npersonal; j++) {
			put(&o, "    <personal>");
			put_esc(&o, m->personal[j]);
			put(&o, "</personal>\n");
		}
		put(&o, "  </member>\n");
	}
	for(i = 0; i < cfg->nlists; i++) {
		const gcp_group_list_t *l = &cfg->lists[i];
		put(&o, "  <group");
		put_attr(&o, "number", l->group);
		put(&o, ">\n");
		for(j = 0; j < l->nalso; j++) {
			put(&o, "    <also");
			put_attr(&o, "group", l->also[j]);
			put(&o, "/>\n");
		}
		put(&o, "  </group>\n");
	}
	put(&o, "</gcp>\n");
	if(o.oom) {
		free(o.p);
		return NULL;
	}
	if(len)
		*len = o.len;
	return o.p;
}

/* ------------------------------------------------------------ the save */

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while(len > 0) {
		n = write(fd, p, len);
		if(n < 0 && errno == EINTR)
			continue;
		if(n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* the fsync of the folder after the rename; only the unit tests replace it
 * (gcp_cfg_set_dir_fsync) */
static int (*dir_fsync)(int fd) = fsync;

void gcp_cfg_set_dir_fsync(int (*f)(int fd))
{
	dir_fsync = f ? f : fsync;
}

/* the folder of path (malloc'd), NULL on out of memory */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if(!slash)
		return strdup(".");
	if(slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Creates tmp = "<path>.XXXXXX" (tmp has room for plen + 8 bytes), a name
 * that did not exist: O_EXCL refuses anything already there, a hard or
 * symbolic link included, and the random suffix keeps it from being known
 * in advance. Mode 0600 (less with a stricter umask). */
static int open_tmp(char *tmp, size_t plen)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
								"abcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned int counter;
	unsigned char r[6];
	struct timespec ts;
	unsigned long x;
	int i, j, fd;

	for(i = 0; i < 100; i++) {
		if(getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
			/* no entropy yet: the name only has to be new, O_EXCL makes
			 * sure it is */
			clock_gettime(CLOCK_REALTIME, &ts);
			x = (unsigned long)ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20)
				^ ((unsigned long)getpid() << 8) ^ ++counter;
			for(j = 0; j < 6; j++) {
				r[j] = (unsigned char)(x & 0xff);
				x = x * 6364136223846793005UL + 1442695040888963407UL;
				x ^= x >> 29;
			}
		}
		tmp[plen] = '.';
		for(j = 0; j < 6; j++)
			tmp[plen + 1 + j] = chars[r[j] % (sizeof(chars) - 1)];
		tmp[plen + 7] = '\0';
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0600);
		if(fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* Gives the new file fd (tmp) the mode, owner and group of the file it
 * replaces (sb). Root keeps all three. Any other user cannot give a file
 * away: the new file is its own (it may replace the file anyway, the folder
 * is writable), with the old group when it is one of its groups. When not,
 * the new file has its group instead, and that is refused if the mode gives
 * the group a right that others lack: the new group would gain it. */
static int keep_attrs(int fd, const char *tmp, const struct stat *sb,
		const char *path, char *err, size_t errlen)
{
	mode_t mode = sb->st_mode & 07777;
	struct stat tb;
	int e;

	if(fstat(fd, &tb) < 0)
		return gcp_fail(
				err, errlen, "cannot stat %s: %s", tmp, strerror(errno));
	if((tb.st_uid != sb->st_uid || tb.st_gid != sb->st_gid)
			&& fchown(fd, sb->st_uid, sb->st_gid) < 0 && tb.st_gid != sb->st_gid
			&& fchown(fd, (uid_t)-1, sb->st_gid) < 0) {
		e = errno;
		if(((mode >> 3) & ~mode & 07) != 0)
			return gcp_fail(err, errlen,
					"cannot keep group %ld of %s (%s): its mode %04o gives "
					"the group rights that others lack, and the new file's "
					"group %ld would get them; give the file a group of "
					"Kamailio's user",
					(long)sb->st_gid, path, strerror(e), (unsigned)mode,
					(long)tb.st_gid);
	}
	/* after fchown, which may clear set-user-ID and set-group-ID */
	if(fchmod(fd, mode) < 0)
		return gcp_fail(
				err, errlen, "cannot chmod %s: %s", tmp, strerror(errno));
	return 0;
}

int gcp_cfg_save_file(
		const gcp_cfg_t *cfg, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	size_t len, plen;
	char *xml = NULL, *tmp = NULL, *dir = NULL;
	int fd = -1, dfd = -1, e, ret = -1;
	const char *what;

	if(!cfg || !path || !*path)
		return gcp_fail(err, errlen, "no configuration or file name");
	plen = strlen(path);
	xml = gcp_cfg_to_xml(cfg, &len);
	tmp = malloc(plen + 8);
	dir = dir_of(path);
	if(!xml || !tmp || !dir) {
		gcp_fail(err, errlen, "%s: out of memory", path);
		goto done;
	}
	memcpy(tmp, path, plen);
	fd = open_tmp(tmp, plen);
	if(fd < 0) {
		e = errno;
		tmp[plen] = '\0';
		gcp_fail(err, errlen, "cannot create a temporary file %s.XXXXXX: %s",
				tmp, strerror(e));
		free(tmp);
		tmp = NULL; /* nothing to remove */
		goto done;
	}
	/* an existing file: the new one gets its mode, owner and group; a new
	 * file stays 0600, it holds members' phone numbers */
	if(stat(path, &sb) == 0) {
		if(S_ISREG(sb.st_mode)
				&& keep_attrs(fd, tmp, &sb, path, err, errlen) < 0)
			goto done;
	} else if(errno != ENOENT) {
		gcp_fail(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto done;
	}
	/* opened before the rename: past it, only the fsync can fail */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if(dfd < 0) {
		gcp_fail(err, errlen, "cannot open folder %s (to sync it): %s", dir,
				strerror(errno));
		goto done;
	}
	what = "write";
	if(write_all(fd, xml, len) < 0)
		goto error;
	what = "fsync";
	if(fsync(fd) < 0)
		goto error;
	what = "close";
	e = close(fd);
	fd = -1;
	if(e < 0)
		goto error;
	if(rename(tmp, path) < 0) {
		gcp_fail(err, errlen, "cannot rename %s to %s: %s", tmp, path,
				strerror(errno));
		goto done;
	}
	free(tmp);
	tmp = NULL; /* renamed: nothing to remove */
	/* The new file is in place and cannot be taken back; without the
	 * fsync of the folder a crash may still bring the old one back. */
	if(dir_fsync(dfd) < 0) {
		gcp_fail(err, errlen,
				"%s replaced, but may not be durable: cannot fsync folder %s: "
				"%s",
				path, dir, strerror(errno));
		ret = GCP_SAVE_NOT_DURABLE;
		goto done;
	}
	ret = 0;
	goto done;
error:
	gcp_fail(err, errlen, "cannot %s %s: %s", what, tmp, strerror(errno));
done:
	e = errno;
	if(fd >= 0)
		close(fd);
	if(dfd >= 0)
		close(dfd);
	if(tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	free(xml);
	errno = e;
	return ret;
}
