/* SPDX-License-Identifier: MIT */
/*
 * cleanup.h - what a signal must not leave behind.
 *
 * A process that writes through temporary files (outfile.h) registers each one here while
 * it exists; SIGINT, SIGTERM, SIGHUP and SIGPIPE then unlink every registered file and
 * end the process with the signal's default action, so the shell sees 128 + the signal.
 * A signal the process inherited as ignored (nohup's SIGHUP, a parent's SIGPIPE) stays
 * ignored: the write that would have raised it fails with an error instead.
 *
 * Mapped files register their ranges too: a fault in one (SIGBUS: the file shrank under
 * the mapping, or a page could not be read or written, e.g. on a full disk) prints the
 * message given at registration, unlinks the temporaries and exits with status 1.
 *
 * The handlers only read fixed-size tables and call unlink, write and _exit, all safe in
 * a signal handler; registration is for one thread (the program's main thread).
 */
#ifndef LEAKY_CLEANUP_H
#define LEAKY_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>

/* Registers a file to unlink on a signal (the handlers are installed on first use).
 * Returns a slot for cleanup_forget, or -1 when the table is full or the path too long
 * (the file is then simply not removed on a signal). */
int cleanup_remember(const char *path);

/* Registers a folder to remove on a signal if it is empty by then (after the files). */
int cleanup_remember_folder(const char *path);

/* Forgets a slot from cleanup_remember or cleanup_remember_folder (after the file was renamed or removed); -1 is
 * ignored. */
void cleanup_forget(int slot);

/* Registers [addr, addr + len) of a mapping: a SIGBUS inside it prints "leaky: " message
 * and a newline on standard error, removes the temporaries and exits with 1.  Returns a
 * slot for cleanup_forget_mapping, or -1 when the table is full. */
int cleanup_remember_mapping(const void *addr, size_t len, const char *message);

/* Forgets a slot from cleanup_remember_mapping; -1 is ignored. */
void cleanup_forget_mapping(int slot);

#endif
