/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the .npy header parser (support/npy/npy.c), which reads untrusted files.
 * Besides the sanitizers' checks it asserts two properties:
 *   - a rejection always comes with a message;
 *   - a header we write for what was parsed parses back to the same dtype and shape, with
 *     the data 64-byte aligned (what numpy expects of writers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    npy_header h;
    char err[256] = "";
    if (!npy_parse_header(data, size, &h, err, sizeof err)) {
        if (err[0] == '\0')
            abort();
        return 0;
    }
    err[0] = '\0';
    if (!npy_check_size(&h, size, err, sizeof err) && err[0] == '\0')
        abort();
    if (h.structured)
        return 0;
    char buf[NPY_HEADER_MAX];
    const size_t n = npy_format_header(buf, sizeof buf, h.descr, h.shape, h.ndim);
    npy_header back;
    if (n == 0 || n % 64 != 0 || !npy_parse_header(buf, n, &back, err, sizeof err))
        abort();
    if (back.data_offset != n || back.ndim != h.ndim || strcmp(back.descr, h.descr) != 0 ||
        memcmp(back.shape, h.shape, h.ndim * sizeof h.shape[0]) != 0 || back.count != h.count ||
        back.fortran_order)
        abort();
    return 0;
}
