/* SPDX-License-Identifier: MIT */
/*
 * outfile.h - an output file that is written whole or not at all.
 *
 *     outfile o;
 *     if (!outfile_open(&o, "result.npy", err, sizeof err)) ...   // temp file beside it
 *     write(o.fd, ...) or fdopen/mmap o.fd ...
 *     if (!outfile_commit(&o, err, sizeof err)) ...   // fsync, close, rename over the target
 *     on any failure before that: outfile_abort(&o);  // close and remove the temp file
 *
 * The temporary file lives in the target's directory (so rename is atomic and never
 * crosses file systems), is named ".NAME.XXXXXX" and gets the usual 0666 & ~umask mode.
 * A reader of the target sees the old file or the whole new one, never a part.
 */
#ifndef LEAKY_OUTFILE_H
#define LEAKY_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct outfile {
    const char *path; /* the target, as given */
    char *tmp_path;   /* the temporary file (allocated) */
    int fd;           /* open for reading and writing; -1 once closed */
} outfile;

/* Creates the temporary file for path.  False (with a sentence in err naming the path and
 * the system's reason) when it cannot be created, e.g. the directory is missing or
 * unwritable, or path names a directory. */
bool outfile_open(outfile *o, const char *path, char *err, size_t err_size);

/* Flushes the data to disk, closes the file and renames it over the target.  On failure
 * the temporary file is removed, err says why, and false is returned. */
bool outfile_commit(outfile *o, char *err, size_t err_size);

/* Closes and removes the temporary file (nothing happens to the target). */
void outfile_abort(outfile *o);

#endif
