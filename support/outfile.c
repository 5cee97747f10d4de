/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static void say(char *err, size_t err_size, const char *fmt, const char *path, int errnum)
{
    if (err && err_size)
        snprintf(err, err_size, fmt, path, strerror(errnum));
}

bool outfile_open(outfile *o, const char *path, char *err, size_t err_size)
{
    o->path = path;
    o->tmp_path = NULL;
    o->fd = -1;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        say(err, err_size, "cannot create %s: %s", path, EISDIR);
        return false;
    }
    const char *slash = strrchr(path, '/');
    const size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dir_len;
    if (*base == '\0') {
        say(err, err_size, "cannot create %s: %s", path, EISDIR);
        return false;
    }
    const size_t size = strlen(path) + sizeof "/..XXXXXX";
    o->tmp_path = malloc(size);
    if (!o->tmp_path) {
        say(err, err_size, "cannot create %s: %s", path, ENOMEM);
        return false;
    }
    snprintf(o->tmp_path, size, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
    o->fd = mkstemp(o->tmp_path);
    if (o->fd < 0) {
        const int e = errno;
        free(o->tmp_path);
        o->tmp_path = NULL;
        say(err, err_size, "cannot create %s: %s", path, e);
        return false;
    }
    /* mkstemp makes the file private (0600); an output file gets the usual mode. */
    const mode_t mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, 0666 & ~mask) != 0) {
        const int e = errno;
        outfile_abort(o);
        say(err, err_size, "cannot create %s: %s", path, e);
        return false;
    }
    return true;
}

bool outfile_commit(outfile *o, char *err, size_t err_size)
{
    int e = 0;
    if (fsync(o->fd) != 0)
        e = errno;
    if (close(o->fd) != 0 && e == 0)
        e = errno;
    o->fd = -1;
    if (e == 0 && rename(o->tmp_path, o->path) != 0)
        e = errno;
    if (e != 0) {
        outfile_abort(o);
        say(err, err_size, "cannot write %s: %s", o->path, e);
        return false;
    }
    free(o->tmp_path);
    o->tmp_path = NULL;
    return true;
}

void outfile_abort(outfile *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp_path) {
        unlink(o->tmp_path);
        free(o->tmp_path);
        o->tmp_path = NULL;
    }
}
