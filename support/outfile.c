/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "outfile.h"

static void say(char *err, size_t err_size, const char *fmt, const char *path, const char *why)
{
    if (err && err_size)
        snprintf(err, err_size, fmt, path, why);
}

/* The descriptor a path names by itself ("-", /dev/stdout, /dev/fd/N, /proc/self/fd/N), or
 * -1.  Such a path is written through that descriptor: following its link would end at a
 * "pipe:[...]" name, or at a file the shell opened for appending. */
static int fd_named(const char *p)
{
    static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/"};
    if (strcmp(p, "-") == 0 || strcmp(p, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(p, "/dev/stderr") == 0)
        return STDERR_FILENO;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        const size_t len = strlen(dirs[i]);
        if (strncmp(p, dirs[i], len) == 0 && p[len]) {
            char *end;
            const long fd = strtol(p + len, &end, 10);
            if (!*end && fd >= 0 && fd < INT_MAX)
                return (int)fd;
        }
    }
    return -1;
}

/* path with the symbolic links of its last component followed (allocated), or NULL with
 * errno set.  A link to nothing yet gives the path the link names; a link to a
 * descriptor (fd_named) stops there. */
static char *follow_links(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p && hops < 40; hops++) {
        if (fd_named(p) >= 0)
            return p;
        struct stat st;
        if (lstat(p, &st) != 0)
            return errno == ENOENT ? p : (free(p), NULL);
        if (!S_ISLNK(st.st_mode))
            return p;
        char link[PATH_MAX];
        const ssize_t len = readlink(p, link, sizeof link - 1);
        if (len < 0) {
            free(p);
            return NULL;
        }
        link[len] = '\0';
        /* A relative link is relative to the folder holding it. */
        const char *slash = strrchr(p, '/');
        const size_t dir_len = link[0] == '/' || !slash ? 0 : (size_t)(slash - p) + 1;
        char *next = malloc(dir_len + (size_t)len + 1);
        if (next) {
            memcpy(next, p, dir_len);
            memcpy(next + dir_len, link, (size_t)len + 1);
        } else {
            errno = ENOMEM;
        }
        free(p);
        p = next;
    }
    if (p) {
        free(p);
        errno = ELOOP;
    }
    return NULL;
}

/* The signals that remove temporaries, blocked while one is created or renamed so that
 * it is never left between its creation and its registration. */
static void block_cleanup_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, old);
}

static bool is_stream(const struct stat *st)
{
    return S_ISFIFO(st->st_mode) || S_ISCHR(st->st_mode);
}

/* Whether target (existing, as st says) can be an output; false with a sentence. */
static bool usable(const char *path, const struct stat *st, char *err, size_t err_size)
{
    if (S_ISDIR(st->st_mode)) {
        say(err, err_size, "cannot create %s: %s", path, strerror(EISDIR));
        return false;
    }
    if (!S_ISREG(st->st_mode) && !is_stream(st)) {
        say(err, err_size, "cannot write %s: %s", path,
            "not a regular file, FIFO or character device");
        return false;
    }
    return true;
}

static bool open_temp(outfile *o, const struct stat *existing, char *err, size_t err_size)
{
    const char *t = o->target;
    const char *slash = strrchr(t, '/');
    const size_t dir_len = slash ? (size_t)(slash - t) + 1 : 0;
    const char *base = t + dir_len;
    if (*base == '\0') {
        say(err, err_size, "cannot create %s: %s", o->path, strerror(EISDIR));
        return false;
    }
    const size_t size = strlen(t) + sizeof "/..XXXXXX";
    o->tmp_path = malloc(size);
    if (!o->tmp_path) {
        say(err, err_size, "cannot create %s: %s", o->path, strerror(ENOMEM));
        return false;
    }
    snprintf(o->tmp_path, size, "%.*s.%s.XXXXXX", (int)dir_len, t, base);
    sigset_t old;
    block_cleanup_signals(&old);
    o->fd = mkstemp(o->tmp_path);
    const int e = errno;
    if (o->fd >= 0)
        o->slot = cleanup_remember(o->tmp_path);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (o->fd < 0) {
        free(o->tmp_path);
        o->tmp_path = NULL;
        say(err, err_size, "cannot create %s: %s", o->path, strerror(e));
        return false;
    }
    /* mkstemp makes the file private (0600): a new output gets the usual mode, a replaced
     * one keeps its own. */
    mode_t mode;
    if (existing) {
        mode = existing->st_mode & 07777;
    } else {
        const mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(o->fd, mode) != 0) {
        const int e2 = errno;
        outfile_abort(o);
        say(err, err_size, "cannot create %s: %s", o->path, strerror(e2));
        return false;
    }
    return true;
}

bool outfile_open(outfile *o, const char *path, char *err, size_t err_size)
{
    *o = (outfile){.path = path, .fd = -1, .slot = -1};
    o->target = follow_links(path);
    if (!o->target) {
        say(err, err_size, "cannot create %s: %s", path, strerror(errno));
        return false;
    }
    const int named = fd_named(o->target);
    if (named >= 0) {
        if (named == STDOUT_FILENO)
            fflush(stdout); /* what was printed before comes first */
        o->stream = true;
        o->fd = dup(named);
        if (o->fd < 0) {
            say(err, err_size, "cannot write %s: %s", path, strerror(errno));
            outfile_abort(o);
            return false;
        }
        return true;
    }
    struct stat st;
    const bool exists = stat(o->target, &st) == 0;
    if (exists && !usable(path, &st, err, err_size)) {
        outfile_abort(o);
        return false;
    }
    if (exists && is_stream(&st)) {
        o->stream = true;
        o->fd = open(o->target, O_WRONLY);
        if (o->fd < 0) {
            say(err, err_size, "cannot write %s: %s", path, strerror(errno));
            outfile_abort(o);
            return false;
        }
        return true;
    }
    if (!open_temp(o, exists ? &st : NULL, err, err_size)) {
        outfile_abort(o);
        return false;
    }
    return true;
}

bool outfile_commit(outfile *o, char *err, size_t err_size)
{
    int e = 0;
    if (!o->stream && fsync(o->fd) != 0)
        e = errno;
    if (close(o->fd) != 0 && e == 0)
        e = errno;
    o->fd = -1;
    if (e == 0 && o->tmp_path) {
        sigset_t old;
        block_cleanup_signals(&old);
        if (rename(o->tmp_path, o->target) != 0)
            e = errno;
        else
            cleanup_forget(o->slot), o->slot = -1;
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
    if (e != 0) {
        outfile_abort(o);
        say(err, err_size, "cannot write %s: %s", o->path, strerror(e));
        return false;
    }
    free(o->tmp_path);
    free(o->target);
    o->tmp_path = o->target = NULL;
    return true;
}

void outfile_abort(outfile *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp_path)
        unlink(o->tmp_path);
    cleanup_forget(o->slot);
    o->slot = -1;
    free(o->tmp_path);
    free(o->target);
    o->tmp_path = o->target = NULL;
}

bool outfile_print(const char *path, void (*print)(FILE *f, const void *ctx), const void *ctx,
                   char *err, size_t err_size)
{
    outfile o;
    if (!outfile_open(&o, path, err, err_size))
        return false;
    /* The stream gets its own descriptor, so closing it leaves o.fd for outfile_commit. */
    const int fd = dup(o.fd);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        say(err, err_size, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        outfile_abort(&o);
        return false;
    }
    errno = 0;
    print(f, ctx);
    const bool written = fflush(f) == 0 && !ferror(f);
    const int e = errno;
    if (fclose(f) != 0 || !written) {
        say(err, err_size, "cannot write %s: %s", path, strerror(written ? errno : e ? e : EIO));
        outfile_abort(&o);
        return false;
    }
    return outfile_commit(&o, err, err_size);
}

bool outfile_check(const char *path, char *err, size_t err_size)
{
    char *target = follow_links(path);
    if (!target) {
        say(err, err_size, "cannot create %s: %s", path, strerror(errno));
        return false;
    }
    if (fd_named(target) >= 0) {
        const bool open_fd = fcntl(fd_named(target), F_GETFD) != -1;
        if (!open_fd)
            say(err, err_size, "cannot write %s: %s", path, strerror(EBADF));
        free(target);
        return open_fd;
    }
    struct stat st;
    const bool exists = stat(target, &st) == 0;
    bool ok = !exists || usable(path, &st, err, err_size);
    if (ok && exists && is_stream(&st) && access(target, W_OK) != 0) {
        say(err, err_size, "cannot write %s: %s", path, strerror(errno));
        ok = false;
    }
    free(target);
    if (ok && !(exists && is_stream(&st))) {
        outfile o;
        ok = outfile_open(&o, path, err, err_size);
        if (ok)
            outfile_abort(&o);
    }
    return ok;
}

bool outfile_stdout_ok(char *err, size_t err_size)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return true;
    say(err, err_size, "cannot write %s: %s", "standard output",
        errno ? strerror(errno) : "a write failed");
    return false;
}

bool outdir_make(outdir *d, const char *path)
{
    *d = (outdir){.n_made = 0};
    char *buf = strdup(path);
    if (!buf) {
        errno = ENOMEM;
        return false;
    }
    bool ok = true;
    for (char *p = buf + 1; ok; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        const char c = *p;
        *p = '\0';
        /* A signal between the mkdir and its registration would leave the folder. */
        sigset_t old;
        block_cleanup_signals(&old);
        if (mkdir(buf, 0777) == 0) {
            /* Past the table's size a folder is made but not removed again. */
            if (d->n_made < OUTDIR_MAX_MADE) {
                d->made[d->n_made] = strdup(buf);
                d->slots[d->n_made] = d->made[d->n_made] ? cleanup_remember_folder(buf) : -1;
                d->n_made += d->made[d->n_made] != NULL;
            }
        } else if (errno != EEXIST) {
            ok = false;
        }
        const int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        errno = e;
        *p = c;
        if (c == '\0')
            break;
    }
    free(buf);
    struct stat st;
    if (ok && stat(path, &st) != 0)
        ok = false;
    else if (ok && !S_ISDIR(st.st_mode))
        errno = ENOTDIR, ok = false;
    if (!ok) {
        const int e = errno;
        outdir_abort(d);
        errno = e;
    }
    return ok;
}

void outdir_abort(outdir *d)
{
    for (size_t i = d->n_made; i-- > 0;)
        rmdir(d->made[i]);
    outdir_keep(d);
}

void outdir_keep(outdir *d)
{
    for (size_t i = 0; i < d->n_made; i++) {
        cleanup_forget(d->slots[i]);
        free(d->made[i]);
    }
    d->n_made = 0;
}
