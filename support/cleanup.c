/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

enum { MAX_PATHS = 16, PATH_CHARS = 4096, MAX_MAPPINGS = 4, MESSAGE_CHARS = 512 };

/* A slot is filled before it is marked used and unmarked before it is reused, so a
 * handler sees either a whole path or none. */
static char paths[MAX_PATHS][PATH_CHARS];
static volatile sig_atomic_t path_used[MAX_PATHS];
static volatile sig_atomic_t path_is_folder[MAX_PATHS];

static struct {
    uintptr_t from, to;
    char message[MESSAGE_CHARS];
} mappings[MAX_MAPPINGS];
static volatile sig_atomic_t mapping_used[MAX_MAPPINGS];

static void unlink_all(void)
{
    for (int i = 0; i < MAX_PATHS; i++)
        if (path_used[i] && !path_is_folder[i])
            unlink(paths[i]);
    /* Folders inside folders: each pass removes the innermost empty ones. */
    for (int pass = 0; pass < MAX_PATHS; pass++)
        for (int i = 0; i < MAX_PATHS; i++)
            if (path_used[i] && path_is_folder[i])
                rmdir(paths[i]);
}

static void on_signal(int sig)
{
    unlink_all();
    signal(sig, SIG_DFL);
    raise(sig); /* delivered when the handler returns: the process ends as the signal does */
}

static void on_bus(int sig, siginfo_t *info, void *context)
{
    (void)context;
    const uintptr_t at = (uintptr_t)info->si_addr;
    for (int i = 0; i < MAX_MAPPINGS; i++) {
        if (mapping_used[i] && at >= mappings[i].from && at < mappings[i].to) {
            /* The threads of a split call can fault on the same shrunk file at once: one
             * tells, and _exit ends the others where they wait. */
            static atomic_flag telling = ATOMIC_FLAG_INIT;
            if (atomic_flag_test_and_set(&telling))
                for (;;)
                    pause();
            unlink_all();
            static const char prefix[] = "leaky: ";
            ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
            ignored = write(STDERR_FILENO, mappings[i].message, strlen(mappings[i].message));
            ignored = write(STDERR_FILENO, "\n", 1);
            (void)ignored;
            _exit(1);
        }
    }
    /* A fault outside every registered mapping is a bug: die of it, leaving no files. */
    unlink_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install(void)
{
    static bool installed;
    if (installed)
        return;
    installed = true;
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(signals[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask); /* one cleanup at a time */
        sigaction(signals[i], &sa, NULL);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

static int remember(const char *path, bool folder)
{
    const size_t len = strlen(path);
    if (len >= PATH_CHARS)
        return -1;
    install();
    for (int i = 0; i < MAX_PATHS; i++) {
        if (!path_used[i]) {
            memcpy(paths[i], path, len + 1);
            path_is_folder[i] = folder;
            path_used[i] = 1;
            return i;
        }
    }
    return -1;
}

int cleanup_remember(const char *path) { return remember(path, false); }

int cleanup_remember_folder(const char *path) { return remember(path, true); }

void cleanup_forget(int slot)
{
    if (slot >= 0 && slot < MAX_PATHS)
        path_used[slot] = 0;
}

int cleanup_remember_mapping(const void *addr, size_t len, const char *message)
{
    install();
    for (int i = 0; i < MAX_MAPPINGS; i++) {
        if (!mapping_used[i]) {
            mappings[i].from = (uintptr_t)addr;
            mappings[i].to = (uintptr_t)addr + len;
            strncpy(mappings[i].message, message, MESSAGE_CHARS - 1);
            mappings[i].message[MESSAGE_CHARS - 1] = '\0';
            mapping_used[i] = 1;
            return i;
        }
    }
    return -1;
}

void cleanup_forget_mapping(int slot)
{
    if (slot >= 0 && slot < MAX_MAPPINGS)
        mapping_used[slot] = 0;
}
