/* SPDX-License-Identifier: MIT */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"

static const char MAGIC[16] = "leaky-journal-1\n";
static const uint64_t RECORD_MAGIC = 0x3130434552594b4cu; /* "LKYREC01" */
enum { HEADER_BYTES = 40, RECORD_HEADER = 40, PAGE = 4096 };
/* A record slot: its header and the largest block, in whole pages. */
#define SLOT_BYTES ((RECORD_HEADER + JOURNAL_MAX_BLOCK + PAGE - 1) / PAGE * PAGE)

/* A checksum that a torn write cannot match by chance (64 bits, every byte counted). */
static uint64_t checksum(uint64_t h, const unsigned char *p, size_t n)
{
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3u;
        h ^= h >> 29;
    }
    for (; n > 0; n--, p++)
        h = (h ^ *p) * 0x100000001b3u;
    return h ^ (h >> 32);
}

static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static bool full_io(bool writing, int fd, void *buf, size_t n, uint64_t offset)
{
    unsigned char *p = buf;
    while (n > 0) {
        const ssize_t k =
            writing ? pwrite(fd, p, n, (off_t)offset) : pread(fd, p, n, (off_t)offset);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = writing ? ENOSPC : EIO;
            return false;
        }
        p += k;
        n -= (size_t)k;
        offset += (uint64_t)k;
    }
    return true;
}

/* ".NAME.leaky-journal" in the folder of the file path names, its links followed, so that
 * every name of the file finds the same journal (allocated). */
static char *journal_path(const char *given)
{
    char *real = realpath(given, NULL);
    const char *path = real ? real : given;
    const char *slash = strrchr(path, '/');
    const size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const size_t size = strlen(path) + sizeof "..leaky-journal";
    char *p = malloc(size);
    if (p)
        snprintf(p, size, "%.*s.%s.leaky-journal", (int)dir_len, path, path + dir_len);
    free(real);
    return p;
}

/* Makes the journal's creation or removal durable: the folder holding it is flushed. */
static bool sync_folder(const char *journal)
{
    const char *slash = strrchr(journal, '/');
    char dir[4096] = ".";
    if (slash && (size_t)(slash - journal) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", slash == journal ? 1 : (int)(slash - journal), journal);
    const int fd = open(dir, O_RDONLY);
    if (fd < 0)
        return false;
    const bool ok = fsync(fd) == 0 || errno == EINVAL;
    close(fd);
    return ok;
}

static bool fail(journal *jn, char *err, size_t err_size, const char *what)
{
    snprintf(err, err_size, "%s: %s the in-place journal %s: %s", jn->file, what, jn->path,
             strerror(errno));
    return false;
}

/* The header of a journal for a file of size bytes and the job identity. */
static size_t format_header(unsigned char *h, uint64_t size, const char *identity)
{
    const uint64_t len = strlen(identity);
    memcpy(h, MAGIC, 16);
    put64(h + 16, size);
    put64(h + 24, len);
    put64(h + 32, checksum(checksum(size, (const unsigned char *)identity, len), h + 16, 16));
    return HEADER_BYTES;
}

/* Looks at an existing journal: true when it is valid and resumable (*at and jn->seq set,
 * the recorded block restored), true with *torn when it was never completed (the file was
 * not touched yet), false with a sentence otherwise. */
static bool recover(journal *jn, uint64_t size, const char *identity, uint64_t start, uint64_t *at,
                    bool *torn, char *err, size_t err_size)
{
    unsigned char h[HEADER_BYTES], expect[HEADER_BYTES];
    format_header(expect, size, identity);
    const uint64_t len = strlen(identity);
    char *theirs = NULL;
    *torn = !full_io(false, jn->fd, h, sizeof h, 0) || memcmp(h, MAGIC, 16) != 0;
    if (!*torn) {
        const uint64_t their_len = get64(h + 24);
        theirs = their_len < (1u << 24) ? calloc(their_len + 1, 1) : NULL;
        *torn =
            !theirs || !full_io(false, jn->fd, theirs, their_len, HEADER_BYTES) ||
            get64(h + 32) !=
                checksum(checksum(get64(h + 16), (unsigned char *)theirs, their_len), h + 16, 16);
    }
    if (*torn) {
        free(theirs);
        return true;
    }
    if (get64(h + 16) != size || strcmp(theirs, identity) != 0) {
        snprintf(err, err_size,
                 "%s: an interrupted in-place run of another job (%s, on %llu bytes) is "
                 "recorded in %s; rerun that command to finish it, or delete the journal to "
                 "keep the file as it is (partly rewritten)",
                 jn->file, theirs, (unsigned long long)get64(h + 16), jn->path);
        free(theirs);
        return false;
    }
    free(theirs);
    jn->slots_from = (HEADER_BYTES + len + PAGE - 1) / PAGE * PAGE;
    /* The newest whole record names the block to put back. */
    uint64_t best_seq = 0, best_slot = 0;
    for (uint64_t s = 0; s < 2; s++) {
        unsigned char *r = jn->record;
        const uint64_t where = jn->slots_from + s * SLOT_BYTES;
        if (!full_io(false, jn->fd, r, RECORD_HEADER, where) || get64(r) != RECORD_MAGIC)
            continue;
        const uint64_t n = get64(r + 24);
        if (n > JOURNAL_MAX_BLOCK || get64(r + 16) + n > size ||
            !full_io(false, jn->fd, r + RECORD_HEADER, n, where + RECORD_HEADER))
            continue;
        if (checksum(checksum(0, r + 8, 24), r + RECORD_HEADER, n) == get64(r + 32) &&
            get64(r + 8) > best_seq) {
            best_seq = get64(r + 8);
            best_slot = s;
        }
    }
    *at = start;
    jn->seq = best_seq + 1;
    if (best_seq == 0)
        return true;
    unsigned char *r = jn->record;
    const uint64_t where = jn->slots_from + best_slot * SLOT_BYTES;
    if (!full_io(false, jn->fd, r, RECORD_HEADER, where) ||
        !full_io(false, jn->fd, r + RECORD_HEADER, get64(r + 24), where + RECORD_HEADER))
        return fail(jn, err, err_size, "cannot read");
    const uint64_t offset = get64(r + 16), n = get64(r + 24);
    if (!full_io(true, jn->file_fd, r + RECORD_HEADER, n, offset) || fdatasync(jn->file_fd) != 0) {
        snprintf(err, err_size, "%s: cannot restore the block the in-place journal %s recorded: %s",
                 jn->file, jn->path, strerror(errno));
        return false;
    }
    *at = offset;
    return true;
}

bool journal_begin(journal *jn, const char *path, int file_fd, uint64_t start, const char *identity,
                   uint64_t *at, char *err, size_t err_size)
{
    *jn = (journal){.file = path, .fd = -1, .file_fd = file_fd};
    jn->path = journal_path(path);
    jn->record = malloc(RECORD_HEADER + JOURNAL_MAX_BLOCK);
    struct stat st;
    if (!jn->path || !jn->record || fstat(file_fd, &st) != 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(jn->path && jn->record ? errno : ENOMEM));
        journal_close(jn);
        return false;
    }
    const uint64_t size = (uint64_t)st.st_size;
    jn->fd = open(jn->path, O_RDWR);
    if (jn->fd >= 0) {
        bool torn;
        if (!recover(jn, size, identity, start, at, &torn, err, err_size)) {
            journal_close(jn);
            return false;
        }
        if (!torn)
            return true;
        /* Never completed: nothing was rewritten yet; start afresh. */
        close(jn->fd);
        jn->fd = -1;
        unlink(jn->path);
    } else if (errno != ENOENT) {
        fail(jn, err, err_size, "cannot open");
        journal_close(jn);
        return false;
    }
    const uint64_t len = strlen(identity);
    jn->slots_from = (HEADER_BYTES + len + PAGE - 1) / PAGE * PAGE;
    jn->fd = open(jn->path, O_RDWR | O_CREAT | O_EXCL, 0600);
    unsigned char h[HEADER_BYTES];
    format_header(h, size, identity);
    int e = 0;
    /* The whole journal is allocated now, so that recording never meets a full disk. */
    if (jn->fd < 0)
        e = errno;
    else if ((e = posix_fallocate(jn->fd, 0, (off_t)(jn->slots_from + 2 * SLOT_BYTES))) == 0 &&
             (!full_io(true, jn->fd, h, sizeof h, 0) ||
              !full_io(true, jn->fd, (void *)identity, len, HEADER_BYTES) ||
              fdatasync(jn->fd) != 0 || !sync_folder(jn->path)))
        e = errno;
    if (e != 0) {
        errno = e;
        fail(jn, err, err_size, "cannot create");
        if (jn->fd >= 0)
            unlink(jn->path);
        journal_close(jn);
        return false;
    }
    jn->seq = 1;
    *at = start;
    return true;
}

bool journal_record(journal *jn, uint64_t offset, size_t len, char *err, size_t err_size)
{
    if (fdatasync(jn->file_fd) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", jn->file, strerror(errno));
        return false;
    }
    unsigned char *r = jn->record;
    if (!full_io(false, jn->file_fd, r + RECORD_HEADER, len, offset)) {
        snprintf(err, err_size, "cannot read %s: %s", jn->file, strerror(errno));
        return false;
    }
    put64(r, RECORD_MAGIC);
    put64(r + 8, jn->seq);
    put64(r + 16, offset);
    put64(r + 24, len);
    put64(r + 32, checksum(checksum(0, r + 8, 24), r + RECORD_HEADER, len));
    if (!full_io(true, jn->fd, r, RECORD_HEADER + len,
                 jn->slots_from + (jn->seq % 2) * SLOT_BYTES) ||
        fdatasync(jn->fd) != 0)
        return fail(jn, err, err_size, "cannot write");
    jn->seq++;
    return true;
}

bool journal_end(journal *jn, char *err, size_t err_size)
{
    if (fdatasync(jn->file_fd) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", jn->file, strerror(errno));
        journal_close(jn);
        return false;
    }
    const bool ok = unlink(jn->path) == 0 && sync_folder(jn->path);
    if (!ok)
        fail(jn, err, err_size, "cannot remove");
    journal_close(jn);
    return ok;
}

void journal_close(journal *jn)
{
    if (jn->fd >= 0)
        close(jn->fd);
    jn->fd = -1;
    free(jn->path);
    free(jn->record);
    jn->path = NULL;
    jn->record = NULL;
}

bool journal_pending(const char *path)
{
    char *p = journal_path(path);
    struct stat st;
    const bool pending = p && lstat(p, &st) == 0;
    free(p);
    return pending;
}
