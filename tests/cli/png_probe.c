/* SPDX-License-Identifier: MIT */
/* Reads a PNG back through cairo, for the plot tests:
 *   png_probe FILE size                   prints "WIDTH HEIGHT"
 *   png_probe FILE at X Y                 prints the pixel's colour as RRGGBB
 *   png_probe FILE find X Y R RRGGBB TOL  exit 0 if a pixel within R of (X, Y) has each
 *                                         channel within TOL of RRGGBB, else 1 (and what
 *                                         it saw at the centre) */
#include <cairo.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *row =
        cairo_image_surface_get_data(s) + (size_t)y * (size_t)cairo_image_surface_get_stride(s);
    uint32_t v;
    memcpy(&v, row + 4 * (size_t)x, 4);
    return v & 0xffffff; /* the chart is opaque: premultiplied ARGB equals RGB */
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: png_probe FILE size|at X Y|find X Y R RRGGBB TOL\n");
        return 2;
    }
    cairo_surface_t *s = cairo_image_surface_create_from_png(argv[1]);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "png_probe: %s: %s\n", argv[1],
                cairo_status_to_string(cairo_surface_status(s)));
        return 2;
    }
    cairo_surface_flush(s);
    const int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int rc = 0;
    if (strcmp(argv[2], "size") == 0) {
        printf("%d %d\n", w, h);
    } else if (strcmp(argv[2], "at") == 0 && argc == 5) {
        const double fx = atof(argv[3]), fy = atof(argv[4]);
        const int x = isfinite(fx) ? (int)lround(fx) : -1, y = isfinite(fy) ? (int)lround(fy) : -1;
        if (x < 0 || y < 0 || x >= w || y >= h) {
            fprintf(stderr, "png_probe: (%d, %d) is outside %dx%d\n", x, y, w, h);
            rc = 2;
        } else {
            printf("%06x\n", pixel(s, x, y));
        }
    } else if (strcmp(argv[2], "find") == 0 && argc == 8) {
        const double cx = atof(argv[3]), cy = atof(argv[4]);
        const int r = atoi(argv[5]), tol = atoi(argv[7]);
        const uint32_t want = (uint32_t)strtoul(argv[6], NULL, 16);
        if (!isfinite(cx) || !isfinite(cy)) {
            fprintf(stderr, "png_probe: bad point (%s, %s)\n", argv[3], argv[4]);
            cairo_surface_destroy(s);
            return 2;
        }
        rc = 1;
        for (int y = (int)lround(cy) - r; y <= (int)lround(cy) + r && rc; y++)
            for (int x = (int)lround(cx) - r; x <= (int)lround(cx) + r && rc; x++) {
                if (x < 0 || y < 0 || x >= w || y >= h)
                    continue;
                const uint32_t got = pixel(s, x, y);
                bool near = true;
                for (int shift = 0; shift < 24; shift += 8)
                    near &= abs((int)(got >> shift & 255) - (int)(want >> shift & 255)) <= tol;
                if (near) {
                    printf("found %06x at (%d, %d)\n", got, x, y);
                    rc = 0;
                }
            }
        if (rc) {
            const int x = (int)lround(cx), y = (int)lround(cy);
            printf("no %06x within %d of (%.1f, %.1f); centre is %06x\n", want, r, cx, cy,
                   x >= 0 && y >= 0 && x < w && y < h ? pixel(s, x, y) : 0);
        }
    } else {
        fprintf(stderr, "png_probe: bad arguments\n");
        rc = 2;
    }
    cairo_surface_destroy(s);
    return rc;
}
