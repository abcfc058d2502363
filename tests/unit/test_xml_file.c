/*
 * gcp - Group Call Pickup for Kamailio
 *
 * Copyright (C) 2026 the gcp authors
 *
 * This file is part of gcp, free software under the GNU General Public
 * License version 2 or (at your option) any later version.
 */

/*
 * Unit tests of the XML file (gcp_xml.c) on disk: load, the atomic save,
 * its temporary file, mode, owner and group, and a folder that fails to
 * sync.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include "cfg_util.h"

/* names in tmpdir, one per line, sorted by readdir order */
static int count_entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(dp);
	while((d = readdir(dp)) != NULL)
		if(strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

/* --------------------------------------------------------------- files */

START_TEST(test_load_missing)
{
	gcp_cfg_t *c = NULL;
	int missing = 0;

	make_tmpdir();
	char path[128];
	snprintf(path, sizeof(path), "%s/none.xml", tmpdir);
	OK(gcp_cfg_load_file(path, &c, &missing, err, sizeof(err)));
	ck_assert_int_eq(missing, 1);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nranges, 0);
	ck_assert_uint_eq(c->nmembers, 0);
	gcp_cfg_free(c);
	/* missing may be NULL */
	OK(gcp_cfg_load_file(path, &c, NULL, err, sizeof(err)));
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

START_TEST(test_load_errors)
{
	gcp_cfg_t *c = (gcp_cfg_t *)1;
	int missing = 7;
	char path[128];
	FILE *f;

	make_tmpdir();
	ck_assert_int_eq(
			gcp_cfg_load_file(tmpdir, &c, &missing, err, sizeof(err)), -1);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(missing, 0);
	ck_assert_ptr_nonnull(strstr(err, "Is a directory"));
	ck_assert_ptr_nonnull(strstr(err, tmpdir));
	/* a file, then a path through it: ENOTDIR is not "missing" */
	snprintf(path, sizeof(path), "%s/f.xml", tmpdir);
	f = fopen(path, "w");
	fputs("<gcp>\n<range name=\"a\" first=\"1\" last=\"2\"/>\n"
		  "<member user=\"x\" group=\"3\"/>\n</gcp>\n",
			f);
	fclose(f);
	ck_assert_int_eq(
			gcp_cfg_load_file(path, &c, &missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "f.xml:3: group 3 lies in no range"));
	strcat(path, "/x");
	ck_assert_int_eq(
			gcp_cfg_load_file(path, &c, &missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
	/* too big on disk */
	snprintf(path, sizeof(path), "%s/big.xml", tmpdir);
	f = fopen(path, "w");
	ck_assert_int_eq(ftruncate(fileno(f), GCP_MAX_FILE_SIZE + 1), 0);
	fclose(f);
	ck_assert_int_eq(
			gcp_cfg_load_file(path, &c, &missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
	remove_tmpdir();
}
END_TEST

START_TEST(test_roundtrip)
{
	gcp_cfg_t *c = base_cfg(), *d;
	char *a, *b;
	size_t alen;

	OK(gcp_cfg_range_add(c, "h", "#1", "#9", "p.1", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "a'&=$", "#5", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "a'&=$", "x&y'z", err, sizeof(err)));
	OK(gcp_cfg_personal_add(
			c, "1002", "sips:m&m@[::1]:5061", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "1002", "+15550100", err, sizeof(err)));
	a = gcp_cfg_to_xml(c, &alen);
	ck_assert_uint_eq(alen, strlen(a));
	ck_assert_ptr_nonnull(strstr(a, "user=\"a&apos;&amp;=$\""));
	ck_assert_ptr_nonnull(strstr(a, "<personal>x&amp;y&apos;z</personal>"));
	d = parse_ok(a);
	b = dump(d);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(gcp_cfg_find_member(d, "a'&=$")->personal[0], "x&y'z");
	ck_assert_str_eq(
			gcp_cfg_find_member(d, "1002")->personal[0], "sips:m&m@[::1]:5061");
	free(a);
	free(b);
	gcp_cfg_free(c);
	gcp_cfg_free(d);
}
END_TEST

START_TEST(test_to_xml_canonical)
{
	gcp_cfg_t *c = gcp_cfg_new();
	char *x;

	x = dump(c);
	ck_assert_str_eq(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gcp>\n"
						"</gcp>\n");
	free(x);
	OK(gcp_cfg_range_add(c, "z", "10", "19", NULL, err, sizeof(err)));
	OK(gcp_cfg_range_add(c, "a", "20", "29", "p", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "b", "25", err, sizeof(err)));
	OK(gcp_cfg_member_set(c, "a", "11", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "b", "y", err, sizeof(err)));
	OK(gcp_cfg_personal_add(c, "b", "x", err, sizeof(err)));
	x = dump(c);
	ck_assert_str_eq(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
						"<gcp>\n"
						"  <range name=\"a\" first=\"20\" last=\"29\" "
						"pool=\"p\"/>\n"
						"  <range name=\"z\" first=\"10\" last=\"19\"/>\n"
						"  <member user=\"a\" group=\"11\"/>\n"
						"  <member user=\"b\" group=\"25\">\n"
						"    <personal>y</personal>\n"
						"    <personal>x</personal>\n"
						"  </member>\n"
						"</gcp>\n");
	free(x);
	gcp_cfg_free(c);
}
END_TEST

START_TEST(test_save_load)
{
	gcp_cfg_t *c = base_cfg(), *d;
	char path[128], *a, *b;
	int missing = 1;

	OK(gcp_cfg_personal_add(
			c, "1002", "sip:mum@example.org", err, sizeof(err)));
	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(count_entries(tmpdir), 1);
	OK(gcp_cfg_load_file(path, &d, &missing, err, sizeof(err)));
	ck_assert_int_eq(missing, 0);
	a = dump(c);
	b = dump(d);
	ck_assert_str_eq(a, b);
	free(b);
	gcp_cfg_free(d);
	/* replace an existing file, keeping its mode */
	ck_assert_int_eq(chmod(path, 0600), 0);
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(count_entries(tmpdir), 1);
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	OK(gcp_cfg_load_file(path, &d, &missing, err, sizeof(err)));
	ck_assert_ptr_null(gcp_cfg_find_member(d, "1001"));
	free(a);
	gcp_cfg_free(d);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

START_TEST(test_save_bad_folder)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/nodir/gcp.xml", tmpdir);
	ck_assert_int_eq(gcp_cfg_save_file(c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot create"));
	ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(count_entries(tmpdir), 0);
	/* the path is a folder: the rename fails, the temp file goes */
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(gcp_cfg_save_file(c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot rename"));
	ck_assert_int_eq(count_entries(tmpdir), 1);
	ck_assert_int_eq(count_entries(path), 0);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* the whole content of a small file, NUL-terminated (static buffer) */
static const char *slurp(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* the file holds the model c */
static void file_is(const char *path, const gcp_cfg_t *c)
{
	gcp_cfg_t *d = NULL;
	int missing = 1;

	OK(gcp_cfg_load_file(path, &d, &missing, err, sizeof(err)));
	ck_assert_int_eq(missing, 0);
	same_dump(c, d);
	gcp_cfg_free(d);
}

/* Anything at the temporary name of old (<file>.tmp.<pid>, opened without
 * O_EXCL) is neither written through nor replaced: a hard link planted
 * there still shares the other file's untouched content. */
START_TEST(test_save_planted_link)
{
	gcp_cfg_t *c = base_cfg();
	char path[128], old[160], victim[128];
	struct stat sb;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	snprintf(victim, sizeof(victim), "%s/victim", tmpdir);
	snprintf(old, sizeof(old), "%s.tmp.%ld", path, (long)getpid());
	write_text(victim, "untouched\n");
	ck_assert_int_eq(link(victim, old), 0);
	/* a new file, then a replacement */
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	file_is(path, c);
	ck_assert_str_eq(slurp(victim), "untouched\n");
	ck_assert_str_eq(slurp(old), "untouched\n");
	ck_assert_int_eq(stat(victim, &sb), 0);
	ck_assert_int_eq(sb.st_nlink, 2);
	ck_assert_int_eq(count_entries(tmpdir), 3);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* path has that owner, group and mode */
static void owned_as(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_uid, uid);
	ck_assert_int_eq(sb.st_gid, gid);
	ck_assert_int_eq(sb.st_mode & 07777, mode);
}

/* the permission bits of path are mode; "<what> has mode ..." if not */
static void mode_is(const char *path, mode_t mode, const char *what)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_msg((sb.st_mode & 07777) == mode, "%s has mode %04o", what,
			(unsigned)(sb.st_mode & 07777));
}

/* a new file holds members' phone numbers: 0600, whatever the umask */
START_TEST(test_save_new_mode)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];
	mode_t um = umask(0);

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	umask(um);
	mode_is(path, 0600, "new file");
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* the replacement has the mode of the file it replaces, whatever the
 * umask */
START_TEST(test_save_keeps_mode)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];
	mode_t um;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(chmod(path, 0640), 0);
	um = umask(0);
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	mode_is(path, 0640, "replacement");
	umask(077);
	ck_assert_int_eq(chmod(path, 0644), 0);
	OK(gcp_cfg_member_remove(c, "1002", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	umask(um);
	mode_is(path, 0644, "replacement");
	file_is(path, c);
	ck_assert_int_eq(count_entries(tmpdir), 1);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* as root, the replacement has the owner and group of the file it
 * replaces */
START_TEST(test_save_keeps_owner)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];

	if(geteuid() != 0) {
		gcp_cfg_free(c);
		return; /* only root can give a file away */
	}
	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	ck_assert_int_eq(chown(path, 1234, 5678), 0);
	ck_assert_int_eq(chmod(path, 0640), 0);
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	owned_as(path, 1234, 5678, 0640);
	file_is(path, c);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

/* Not root: a file of another user becomes Kamailio's user's (it owns the
 * folder's right to replace it anyway); a group it cannot keep is refused
 * when the mode gives that group more than others, since its own group
 * would get it. Needs root to set up and check's fork mode (the test drops
 * root in its own process). */
START_TEST(test_save_owner_not_root)
{
	gcp_cfg_t *c = base_cfg();
	char path[128], path2[128], path3[128];
	struct stat sb;
	ino_t ino;
	const char *fork_mode = getenv("CK_FORK");
	const uid_t nobody = 65534;

	if(geteuid() != 0 || (fork_mode && strcmp(fork_mode, "no") == 0)) {
		gcp_cfg_free(c);
		return;
	}
	make_tmpdir();
	snprintf(path, sizeof(path), "%s/a.xml", tmpdir);
	snprintf(path2, sizeof(path2), "%s/b.xml", tmpdir);
	snprintf(path3, sizeof(path3), "%s/c.xml", tmpdir);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path2, err, sizeof(err)));
	OK(gcp_cfg_save_file(c, path3, err, sizeof(err)));
	ck_assert_int_eq(chown(tmpdir, nobody, nobody), 0);
	ck_assert_int_eq(chown(path, 0, 0), 0);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(chown(path2, 0, 0), 0);
	ck_assert_int_eq(chmod(path2, 0644), 0);
	ck_assert_int_eq(chown(path3, 1234, nobody), 0);
	ck_assert_int_eq(chmod(path3, 0640), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ino = sb.st_ino;
	ck_assert_int_eq(setgroups(0, NULL), 0);
	ck_assert_int_eq(setgid(nobody), 0);
	ck_assert_int_eq(setuid(nobody), 0);
	OK(gcp_cfg_member_remove(c, "1001", err, sizeof(err)));
	/* root:root 0640: group root reads it, others do not: refused, since
	 * the group of the new file (nobody's) would read it */
	err[0] = '\0';
	ck_assert_int_eq(gcp_cfg_save_file(c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot keep group 0 of") != NULL
						  && strstr(err, path) != NULL
						  && strstr(err, "Operation not permitted") != NULL,
			"error: %s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(seteuid(0), -1); /* really not root any more */
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_ino, ino); /* not replaced */
	ck_assert_int_eq(count_entries(tmpdir), 3);
	/* root:root 0644: the group gets nothing that others lack: saved, as
	 * nobody:nobody with the same mode */
	OK(gcp_cfg_save_file(c, path2, err, sizeof(err)));
	owned_as(path2, nobody, nobody, 0644);
	file_is(path2, c);
	/* 1234:nobody 0640: the group is kept, the owner becomes nobody */
	OK(gcp_cfg_save_file(c, path3, err, sizeof(err)));
	owned_as(path3, nobody, nobody, 0640);
	file_is(path3, c);
	ck_assert_int_eq(count_entries(tmpdir), 3);
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

static int fsync_eio(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

/* a folder that cannot be synced after the rename: the new file is in
 * place, but the save is an error that says it may not be durable */
START_TEST(test_save_dir_fsync_fails)
{
	gcp_cfg_t *c = base_cfg();
	char path[128];

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gcp.xml", tmpdir);
	gcp_cfg_set_dir_fsync(fsync_eio);
	err[0] = '\0';
	ck_assert_int_eq(
			gcp_cfg_save_file(c, path, err, sizeof(err)), GCP_SAVE_NOT_DURABLE);
	gcp_cfg_set_dir_fsync(NULL);
	ck_assert_msg(strstr(err, "may not be durable") != NULL
						  && strstr(err, tmpdir) != NULL
						  && strstr(err, "Input/output error") != NULL,
			"error: %s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	file_is(path, c);
	ck_assert_int_eq(count_entries(tmpdir), 1);
	OK(gcp_cfg_save_file(c, path, err, sizeof(err)));
	gcp_cfg_free(c);
	remove_tmpdir();
}
END_TEST

int main(void)
{
	return UNIT_RUN("gcp_xml_file", "xml_file", 60, test_load_missing,
			test_load_errors, test_roundtrip, test_to_xml_canonical,
			test_save_load, test_save_bad_folder, test_save_planted_link,
			test_save_new_mode, test_save_keeps_mode, test_save_keeps_owner,
			test_save_owner_not_root, test_save_dir_fsync_fails);
}
