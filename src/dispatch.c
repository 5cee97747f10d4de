/* SPDX-License-Identifier: MIT */
/* Chooses the kernel table once: the best path this CPU runs, or the one LEAKY_ISA names.
 * Every table starts as a copy of the scalar one, so no entry is ever empty. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/check.h"
#include "internal/cpu.h"
#include "internal/isa.h"
#include "internal/kernels.h"
#include "internal/parallel.h"

/* Each path of the list: its name, what the CPU needs for it, and where this build has the
 * path, its table's filler and its kernels (NULL where not). */
static const struct {
    const char *name;
    unsigned cpu_features;
    void (*fill)(struct leaky_kernels *, unsigned cpu_features);
    const struct leaky_kernel_impl *impls;
} isa_info[LEAKY_ISA_COUNT] = {
#define LEAKY_X_ISA_INFO(a, isa, ISA, features)                                \
    [LEAKY_ISA_##ISA] = {.name = #isa,                                         \
                         .cpu_features = features,                             \
                         LEAKY_IF_HAVE(ISA, .fill = leaky_fill_kernels__##isa, \
                                       .impls = leaky_kernel_impls__##isa)},
    LEAKY_ISA_LIST(LEAKY_X_ISA_INFO, ~)
#undef LEAKY_X_ISA_INFO
};

static struct leaky_kernels tables[LEAKY_ISA_COUNT];
_Atomic(const struct leaky_kernels *) leaky_active_table;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* Why LEAKY_ISA could not be honoured; replayed into each failing call's thread. */
static leaky_status env_status = LEAKY_OK;
static char env_message[256];

const char *leaky_isa_name(leaky_isa isa)
{
    return (unsigned)isa < LEAKY_ISA_COUNT ? isa_info[isa].name : NULL;
}

leaky_status leaky_isa_from_name(const char *name, leaky_isa *isa)
{
    if (!isa)
        return leaky_fail(LEAKY_EINVAL,
                          "leaky_isa_from_name: isa is NULL; expected where to store the path");
    for (int i = 0; name && i < LEAKY_ISA_COUNT; i++) {
        if (strcmp(name, isa_info[i].name) == 0) {
            *isa = (leaky_isa)i;
            return LEAKY_OK;
        }
    }
    return leaky_fail(LEAKY_EINVAL, "unknown CPU path \"%s\"; expected one of %s",
                      name ? name : "(null)", LEAKY_ISA_NAMES);
}

bool leaky_isa_compiled(leaky_isa isa)
{
    return (unsigned)isa < LEAKY_ISA_COUNT && isa_info[isa].fill != NULL;
}

bool leaky_isa_supported(leaky_isa isa)
{
    return leaky_isa_compiled(isa) &&
           (leaky_cpu_features() & isa_info[isa].cpu_features) == isa_info[isa].cpu_features;
}

leaky_isa leaky_isa_best(void)
{
    for (int i = LEAKY_ISA_COUNT - 1; i > 0; i--)
        if (leaky_isa_supported((leaky_isa)i))
            return (leaky_isa)i;
    return LEAKY_ISA_SCALAR;
}

static void init_tables(void)
{
    const unsigned features = leaky_cpu_features();
    for (int i = 0; i < LEAKY_ISA_COUNT; i++) {
        if (!leaky_isa_supported((leaky_isa)i))
            continue;
        leaky_fill_kernels__scalar(&tables[i], features);
        isa_info[i].fill(&tables[i], features);
    }
    /* A bad LEAKY_NUM_THREADS fails every call too, as a bad LEAKY_ISA does. */
    env_status = leaky_parallel_env_status(env_message, sizeof env_message);
    if (env_status != LEAKY_OK)
        return;
    leaky_isa chosen = leaky_isa_best();
    const char *forced = getenv("LEAKY_ISA");
    if (forced && *forced) {
        leaky_isa isa = LEAKY_ISA_SCALAR;
        if (leaky_isa_from_name(forced, &isa) != LEAKY_OK) {
            env_status = LEAKY_EINVAL;
            snprintf(env_message, sizeof env_message,
                     "LEAKY_ISA=%s is not a CPU path; "
                     "expected one of %s",
                     forced, LEAKY_ISA_NAMES);
            return;
        }
        if (!leaky_isa_supported(isa)) {
            env_status = LEAKY_EUNSUPPORTED;
            snprintf(env_message, sizeof env_message,
                     "LEAKY_ISA=%s names a path that %s; "
                     "the best one here is %s",
                     forced, leaky_isa_compiled(isa) ? "this CPU cannot run" : "this build lacks",
                     isa_info[leaky_isa_best()].name);
            return;
        }
        chosen = isa;
    }
    atomic_store_explicit(&leaky_active_table, &tables[chosen], memory_order_release);
}

leaky_status leaky_active_kernels_first(const struct leaky_kernels **kernels)
{
    pthread_once(&init_once, init_tables);
    const struct leaky_kernels *k = atomic_load_explicit(&leaky_active_table, memory_order_acquire);
    if (!k)
        return leaky_fail(env_status, "%s", env_message);
    *kernels = k;
    return LEAKY_OK;
}

const struct leaky_kernels *leaky_kernels_for_isa(leaky_isa isa)
{
    pthread_once(&init_once, init_tables);
    return leaky_isa_supported(isa) ? &tables[isa] : NULL;
}

const struct leaky_kernel_impl *leaky_kernel_impls(leaky_isa isa)
{
    return leaky_isa_compiled(isa) ? isa_info[isa].impls : NULL;
}

leaky_status leaky_isa_active(leaky_isa *isa)
{
    if (!isa)
        return leaky_fail(LEAKY_EINVAL,
                          "leaky_isa_active: isa is NULL; expected where to store the path");
    const struct leaky_kernels *k = NULL;
    const leaky_status status = leaky_active_kernels(&k);
    if (status != LEAKY_OK)
        return status;
    *isa = (leaky_isa)(k - tables);
    return LEAKY_OK;
}

leaky_status leaky_set_isa(leaky_isa isa)
{
    pthread_once(&init_once, init_tables);
    if (!leaky_isa_compiled(isa) || !leaky_isa_supported(isa))
        return leaky_fail(LEAKY_EUNSUPPORTED, "leaky_set_isa: %s is a path that %s",
                          leaky_isa_name(isa) ? leaky_isa_name(isa) : "(out of range)",
                          leaky_isa_compiled(isa) ? "this CPU cannot run" : "this build lacks");
    atomic_store_explicit(&leaky_active_table, &tables[isa], memory_order_release);
    return LEAKY_OK;
}
