/* SPDX-License-Identifier: MIT */
/*
 * outfile.h - an output file that is written whole or not at all, and never replaces what
 * it must not.
 *
 *     outfile o;
 *     if (!outfile_open(&o, "result.npy", err, sizeof err)) ...   // temp file beside it
 *     write(o.fd, ...) or fdopen/mmap o.fd ...
 *     if (!outfile_commit(&o, err, sizeof err)) ...   // fsync, close, rename over the target
 *     on any failure before that: outfile_abort(&o);  // close and remove the temp file
 *
 * What the path names decides how it is written:
 * - a regular file, or nothing yet: a temporary file in the target's directory (so rename
 *   is atomic and never crosses file systems), named ".NAME.XXXXXX", renamed over the
 *   target by outfile_commit.  A reader of the target sees the old file or the whole new
 *   one, never a part.  A new file gets 0666 & ~umask, a replaced one keeps its mode.  The
 *   temporary is removed on every error and on SIGINT, SIGTERM, SIGHUP and SIGPIPE
 *   (cleanup.h), after which the process ends with the signal (exit status 128 + signal).
 * - a symbolic link: followed to the file it names, which is written as above; the link
 *   stays a link.
 * - a FIFO, a character device (/dev/null, a terminal) or "-" (standard output): written
 *   directly, with no temporary and no rename (o.stream is true; o.fd cannot be mapped).
 *   Opening a FIFO waits for its reader, as a shell's redirection does.
 * - anything else (a directory, a block device, a socket): an error.
 */
#ifndef LEAKY_OUTFILE_H
#define LEAKY_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct outfile {
    const char *path; /* the target, as given */
    char *tmp_path;   /* the temporary file (allocated); NULL when streamed */
    char *target;     /* path with its symbolic links followed (allocated) */
    int fd;           /* open for writing (and reading, unless streamed); -1 once closed */
    bool stream;      /* written directly: a FIFO, a character device or standard output */
    int slot;         /* the temporary's entry in cleanup.h's table */
} outfile;

/* Creates the temporary file for path (or opens the stream).  False (with a sentence in
 * err naming the path and the system's reason) when it cannot be created, e.g. the
 * directory is missing or unwritable, or path names a directory. */
bool outfile_open(outfile *o, const char *path, char *err, size_t err_size);

/* Flushes the data to disk, closes the file and renames it over the target.  On failure
 * the temporary file is removed, err says why, and false is returned. */
bool outfile_commit(outfile *o, char *err, size_t err_size);

/* Closes and removes the temporary file (nothing happens to the target). */
void outfile_abort(outfile *o);

/* A text file written whole or not at all through a stdio stream: opens path as
 * outfile_open does, calls print(f, ctx), and commits when every write succeeded.  False,
 * with a sentence in err naming the path and the system's reason, otherwise (nothing is
 * left of a regular file then). */
bool outfile_print(const char *path, void (*print)(FILE *f, const void *ctx), const void *ctx,
                   char *err, size_t err_size);

/* Whether path could be opened by outfile_open, checked before long work without
 * creating, opening or waiting for anything; false with a sentence in err. */
bool outfile_check(const char *path, char *err, size_t err_size);

/* A folder for outputs, made with its missing parents (mkdir -p).  The folders it made
 * are removed again (those still empty) by outdir_abort, and by SIGINT, SIGTERM, SIGHUP
 * and SIGPIPE, until outdir_keep: a failed or interrupted run leaves no empty folder. */
enum { OUTDIR_MAX_MADE = 8 };
typedef struct outdir {
    char *made[OUTDIR_MAX_MADE]; /* the folders made, outermost first (allocated) */
    int slots[OUTDIR_MAX_MADE];
    size_t n_made;
} outdir;

/* Makes path and its missing parents; false with errno set (ENOTDIR when path, or a
 * parent, is something else). */
bool outdir_make(outdir *d, const char *path);

/* Removes the folders made that are still empty (innermost first). */
void outdir_abort(outdir *d);

/* Keeps the folders: the run succeeded. */
void outdir_keep(outdir *d);

/* Whether standard output took everything written to it: flushes it and checks its error
 * flag.  False, with a sentence in err, when a write failed (a full disk, a closed pipe
 * whose SIGPIPE is ignored, /dev/full). */
bool outfile_stdout_ok(char *err, size_t err_size);

#endif
