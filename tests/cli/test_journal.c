/* SPDX-License-Identifier: MIT */
/* The in-place rollback journal under the crashes kill -9 cannot produce: a block left half
 * rewritten, a record torn half way (a power cut during its write), a header torn at
 * creation; and the jobs it must refuse to resume. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "test.h"

enum { START = 64, BLOCK = 4096, BLOCKS = 3, SIZE = START + BLOCKS * BLOCK };
static const char JOB[] = "leaky apply --inplace --slope 0.5";
static char dir[] = "/tmp/leaky-test-journal-XXXXXX";
static char path[64], journal_file[80];
static unsigned char original[SIZE];

static int fresh_file(void)
{
    for (size_t i = 0; i < SIZE; i++)
        original[i] = (unsigned char)(i * 7 + 3);
    unlink(journal_file);
    const int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || pwrite(fd, original, SIZE, 0) != SIZE) {
        perror(path);
        exit(1);
    }
    return fd;
}

static void fill(int fd, uint64_t offset, size_t n, unsigned char c)
{
    unsigned char buf[BLOCK];
    memset(buf, c, n);
    if (pwrite(fd, buf, n, (off_t)offset) != (ssize_t)n)
        perror("pwrite");
}

/* Whether block b of the file holds its original bytes (c == 0) or all c. */
static bool block_is(int fd, int b, unsigned char c)
{
    unsigned char buf[BLOCK];
    const uint64_t at = START + (uint64_t)b * BLOCK;
    if (pread(fd, buf, BLOCK, (off_t)at) != BLOCK)
        return false;
    for (size_t i = 0; i < BLOCK; i++)
        if (buf[i] != (c ? c : original[at + i]))
            return false;
    return true;
}

/* Flips a byte inside the data of the journal's newest record: its write was cut short. */
static void tear_newest_record(void)
{
    static const char magic[8] = "LKYREC01";
    const int fd = open(journal_file, O_RDWR);
    uint64_t best = 0, where = 0;
    unsigned char head[16];
    for (uint64_t at = 0; pread(fd, head, sizeof head, (off_t)at) == sizeof head; at += 4096) {
        uint64_t seq;
        memcpy(&seq, head + 8, 8);
        if (memcmp(head, magic, 8) == 0 && seq > best)
            best = seq, where = at;
    }
    CHECK(best > 0, "no record found in the journal");
    unsigned char c;
    if (pread(fd, &c, 1, (off_t)(where + 100)) == 1) {
        c ^= 0x40;
        CHECK(pwrite(fd, &c, 1, (off_t)(where + 100)) == 1, "cannot tear the record");
    }
    close(fd);
}

static void test_half_rewritten_block(void)
{
    const int fd = fresh_file();
    journal jn;
    uint64_t at;
    char err[512];
    CHECK(journal_begin(&jn, path, fd, START, JOB, &at, err, sizeof err) && at == START,
          "a fresh start: %s", err);
    CHECK(journal_pending(path), "no journal while the rewrite runs");
    CHECK(journal_record(&jn, START, BLOCK, err, sizeof err), "record block 0: %s", err);
    fill(fd, START, 100, 'X'); /* killed 100 bytes into block 0 */
    journal_close(&jn);
    CHECK(journal_begin(&jn, path, fd, START, JOB, &at, err, sizeof err) && at == START,
          "resume after a half-rewritten block 0: at %llu, %s", (unsigned long long)at, err);
    CHECK(block_is(fd, 0, 0), "block 0 is not restored");
    /* Blocks 0 and 1 finished, block 2 recorded but its record torn by a power cut. */
    for (int b = 0; b < BLOCKS; b++) {
        CHECK(journal_record(&jn, START + (uint64_t)b * BLOCK, BLOCK, err, sizeof err),
              "record block %d: %s", b, err);
        if (b < 2)
            fill(fd, START + (uint64_t)b * BLOCK, BLOCK, (unsigned char)('A' + b));
    }
    journal_close(&jn);
    tear_newest_record();
    CHECK(journal_begin(&jn, path, fd, START, JOB, &at, err, sizeof err) && at == START + BLOCK,
          "resume after a torn record: at %llu, %s", (unsigned long long)at, err);
    CHECK(block_is(fd, 0, 'A'), "block 0, finished, was changed");
    CHECK(block_is(fd, 1, 0), "block 1 (the previous record's) is not restored");
    CHECK(block_is(fd, 2, 0), "block 2, never rewritten, was changed");
    CHECK(journal_end(&jn, err, sizeof err), "end: %s", err);
    CHECK(!journal_pending(path), "the journal is left after the end");
    close(fd);
}

static void test_torn_header(void)
{
    const int fd = fresh_file();
    FILE *f = fopen(journal_file, "w");
    fputs("leaky-jour", f); /* the run died while creating its journal */
    fclose(f);
    journal jn;
    uint64_t at;
    char err[512];
    CHECK(journal_begin(&jn, path, fd, START, JOB, &at, err, sizeof err) && at == START,
          "a torn header is not a fresh start: %s", err);
    CHECK(block_is(fd, 0, 0), "a torn header changed the file");
    journal_close(&jn);
    close(fd);
}

static void test_other_jobs_refused(void)
{
    const int fd = fresh_file();
    journal jn;
    uint64_t at;
    char err[512] = "";
    CHECK(journal_begin(&jn, path, fd, START, JOB, &at, err, sizeof err), "begin: %s", err);
    CHECK(journal_record(&jn, START, BLOCK, err, sizeof err), "record: %s", err);
    fill(fd, START, BLOCK, 'Z');
    journal_close(&jn);
    CHECK(!journal_begin(&jn, path, fd, START, "leaky apply --inplace --relu", &at, err,
                         sizeof err) &&
              strstr(err, "another job (leaky apply --inplace --slope 0.5, on"),
          "another job resumed: '%s'", err);
    CHECK(block_is(fd, 0, 'Z'), "a refused job changed the file");
    CHECK(ftruncate(fd, SIZE + 1) == 0, "ftruncate");
    CHECK(!journal_begin(&jn, path, fd, START, JOB, &at, err, sizeof err),
          "the file at another size resumed");
    close(fd);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/x.npy", dir);
    snprintf(journal_file, sizeof journal_file, "%s/.x.npy.leaky-journal", dir);
    test_half_rewritten_block();
    test_torn_header();
    test_other_jobs_refused();
    unlink(journal_file);
    unlink(path);
    rmdir(dir);
    return test_finish("journal");
}
