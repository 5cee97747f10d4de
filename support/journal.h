/* SPDX-License-Identifier: MIT */
/*
 * journal.h - rewriting a file in place so that any interruption (a signal, kill -9, a
 * power cut) can be undone: a rollback journal of one block.
 *
 * The file is rewritten block by block, in order.  Before a block changes, its original
 * bytes, its offset and a sequence number go into the journal beside the file
 * (".NAME.leaky-journal") and are flushed to disk, after the previous block's new bytes
 * were.  So at every moment the blocks before the recorded one are finished and durable,
 * those after it untouched, and the recorded one restorable.  The journal holds two
 * record slots, written alternately, each with a checksum: a record torn by a crash is
 * ignored and the previous one (an already finished block, restored and redone) serves.
 *
 * The next run finds the journal, checks that it is the same job on the same file, puts
 * the recorded block back as it was and continues from there: every element is rewritten
 * exactly once however often the work is interrupted.  The cost: the journal's two blocks
 * of disk, and two flushes to disk per block.
 *
 *     journal jn;
 *     uint64_t at;                       // where the work (re)starts
 *     if (!journal_begin(&jn, path, fd, start, identity, &at, err, sizeof err)) ...
 *     for (; at < end; at += len) {
 *         if (!journal_record(&jn, at, len, err, sizeof err)) ...
 *         ... rewrite [at, at + len) of the file (write or a shared mapping) ...
 *     }
 *     if (!journal_end(&jn, err, sizeof err)) ...   // everything durable: journal removed
 *     on a failure: journal_close(&jn)              // the journal stays for the next run
 */
#ifndef LEAKY_JOURNAL_H
#define LEAKY_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest block journal_record takes. */
#define JOURNAL_MAX_BLOCK ((size_t)4 << 20)

typedef struct journal {
    const char *file; /* the file rewritten, as given */
    char *path;       /* the journal (allocated) */
    int fd, file_fd;
    uint64_t seq;          /* the next record's number */
    uint64_t slots_from;   /* where the record slots start in the journal */
    unsigned char *record; /* one record: its header and a block */
} journal;

/* Starts (or resumes) rewriting the file path, open for reading and writing as file_fd,
 * from byte start.  identity names the job (the same text must come back to resume).
 * *at is set to start, or, when a journal of an interrupted run is found, to the block
 * it recorded, whose original bytes are put back.  False with a sentence naming the file
 * when the journal cannot be created (a full disk, a read-only folder), or belongs to
 * another job or to the file at another size. */
bool journal_begin(journal *jn, const char *path, int file_fd, uint64_t start, const char *identity,
                   uint64_t *at, char *err, size_t err_size);

/* Makes the blocks rewritten so far durable, then records [offset, offset + len) of the
 * file (len at most JOURNAL_MAX_BLOCK) durably, before the caller rewrites it. */
bool journal_record(journal *jn, uint64_t offset, size_t len, char *err, size_t err_size);

/* Makes the file durable and removes the journal: the rewrite is complete. */
bool journal_end(journal *jn, char *err, size_t err_size);

/* Closes the journal and leaves it on disk, for the next run to recover. */
void journal_close(journal *jn);

/* Whether an unfinished rewrite's journal lies beside path. */
bool journal_pending(const char *path);

#endif
