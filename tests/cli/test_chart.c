/* SPDX-License-Identifier: MIT */
/* The chart module on its own (what the benchmark and experiment tools use): log-log
 * axes, markers, bands, the layout it reports, and its errors (no file left behind). */
#define _POSIX_C_SOURCE 200809L
#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart.h"
#include "test.h"

static char dir[] = "/tmp/leaky-test-chart-XXXXXX";

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static int files_in_dir(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static uint32_t pixel(cairo_surface_t *s, double x, double y)
{
    const int ix = (int)floor(x), iy = (int)floor(y);
    const unsigned char *row =
        cairo_image_surface_get_data(s) + (size_t)iy * (size_t)cairo_image_surface_get_stride(s);
    uint32_t v;
    memcpy(&v, row + 4 * (size_t)ix, 4);
    return v & 0xffffff;
}

static bool near(uint32_t a, uint32_t b, int tol)
{
    for (int shift = 0; shift < 24; shift += 8)
        if (abs((int)(a >> shift & 255) - (int)(b >> shift & 255)) > tol)
            return false;
    return true;
}

/* Whether some pixel within r of (x, y) is near colour rgb. */
static bool colour_near(cairo_surface_t *s, double x, double y, int r, uint32_t rgb, int tol)
{
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
            if (near(pixel(s, x + dx, y + dy), rgb, tol))
                return true;
    return false;
}

static double map_x(const chart_layout *l, double x, bool log_axis)
{
    const double t = log_axis ? log10(x) : x;
    const double t0 = log_axis ? log10(l->x_min) : l->x_min;
    const double t1 = log_axis ? log10(l->x_max) : l->x_max;
    return l->px0 + (t - t0) / (t1 - t0) * (l->px1 - l->px0);
}

static double map_y(const chart_layout *l, double y, bool log_axis)
{
    const double t = log_axis ? log10(y) : y;
    const double t0 = log_axis ? log10(l->y_min) : l->y_min;
    const double t1 = log_axis ? log10(l->y_max) : l->y_max;
    return l->py0 + (t - t0) / (t1 - t0) * (l->py1 - l->py0);
}

static void test_log_log(void)
{
    /* A benchmark-like chart: ns per element against size, both log scale. */
    double size[6] = {256, 4096, 65536, 1048576, 16777216, 67108864};
    double fast[6] = {0.023, 0.027, 0.034, 0.069, 0.185, 0.251};
    double slow[6] = {9.5, 1.2, 3.6, 18, 6.1, 6.3};
    const chart_series s[] = {
        {.name = "memcpy", .x = size, .y = fast, .n = 6, .markers = true},
        {.name = "numpy",
         .x = size,
         .y = slow,
         .n = 6,
         .markers = true,
         .style = CHART_DASHED,
         .rgb = 0xd62728},
    };
    const chart c = {.title = "ns per element",
                     .x_label = "elements",
                     .y_label = "ns",
                     .log_x = true,
                     .log_y = true,
                     .grid = true,
                     .series = s,
                     .n_series = 2,
                     .width = 900,
                     .height = 500};
    char path[256], err[256];
    path_in(path, sizeof path, "loglog.png");
    chart_layout l;
    CHECK(chart_write(&c, path, &l, err, sizeof err), "log-log chart: %s", err);
    /* The axes cover the data with a margin, in log units. */
    CHECK(l.x_min < 256 && l.x_min > 100 && l.x_max > 67108864 && l.x_max < 2e8, "x range %g..%g",
          l.x_min, l.x_max);
    CHECK(l.y_min < 0.023 && l.y_min > 0.01 && l.y_max > 18 && l.y_max < 40, "y range %g..%g",
          l.y_min, l.y_max);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS, "read back");
    CHECK(cairo_image_surface_get_width(img) == 900 && cairo_image_surface_get_height(img) == 500,
          "size %dx%d", cairo_image_surface_get_width(img), cairo_image_surface_get_height(img));
    for (int i = 0; i < 6; i++) {
        const double px = map_x(&l, size[i], true);
        CHECK(colour_near(img, px, map_y(&l, fast[i], true), 1, chart_palette(0), 30),
              "memcpy marker %d (palette colour) at (%.1f, %.1f)", i, px, map_y(&l, fast[i], true));
        CHECK(colour_near(img, px, map_y(&l, slow[i], true), 1, 0xd62728, 30),
              "numpy marker %d (its own colour)", i);
    }
    /* Equal ratios are equal distances on a log axis. */
    const double d1 = map_x(&l, 4096, true) - map_x(&l, 256, true);
    const double d2 = map_x(&l, 1048576, true) - map_x(&l, 65536, true);
    CHECK(fabs(d1 - d2) < 1e-9, "log spacing %g vs %g", d1, d2);
    /* Far from both curves (between them, at mid-size): only background or grid. */
    const uint32_t mid = pixel(img, map_x(&l, 3e5, true), map_y(&l, 0.5, true));
    CHECK(near(mid, 0xffffff, 16), "empty area is %06x", mid);
    cairo_surface_destroy(img);
}

static void test_band(void)
{
    enum { N = 61 };
    double x[N], lo[N], hi[N];
    for (int i = 0; i < N; i++) {
        x[i] = -3 + 6.0 * i / (N - 1);
        lo[i] = x[i] > 0 ? x[i] : x[i] / 3; /* RReLU's range of slopes, 1/8 to 1/3 */
        hi[i] = x[i] > 0 ? x[i] : x[i] / 8;
    }
    const chart_series s[] = {
        {.name = "RReLU range",
         .x = x,
         .y = lo,
         .y_upper = hi,
         .n = N,
         .style = CHART_BAND,
         .rgb = CHART_RGB(0x000000)},
    };
    const chart c = {.series = s, .n_series = 1};
    char path[256], err[256];
    path_in(path, sizeof path, "band.png");
    chart_layout l;
    CHECK(chart_write(&c, path, &l, err, sizeof err), "band chart: %s", err);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    /* Inside the band at x = -2.3: black at 25% over white; outside it: white. */
    const double px = map_x(&l, -2.3, false);
    const uint32_t in = pixel(img, px, map_y(&l, -2.3 * (1 / 3.0 + 1 / 8.0) / 2, false));
    CHECK(near(in, 0xbfbfbf, 6), "band inside is %06x, expected bfbfbf", in);
    const uint32_t out = pixel(img, px, map_y(&l, -2.3 / 3 - 0.3, false));
    CHECK(near(out, 0xffffff, 6), "below the band is %06x", out);
    cairo_surface_destroy(img);
}

static void test_errors(void)
{
    double x[2] = {0, 1}, y[2] = {0, 1};
    const chart_series ok = {.x = x, .y = y, .n = 2};
    chart c = {.series = &ok, .n_series = 1};
    char path[256], err[256];
    const int before = files_in_dir();

    path_in(path, sizeof path, "chart.gif");
    CHECK(!chart_write(&c, path, NULL, err, sizeof err) && strstr(err, "unknown picture format"),
          "gif: %s", err);
    path_in(path, sizeof path, "no/such/dir/chart.png");
    CHECK(!chart_write(&c, path, NULL, err, sizeof err) && strstr(err, "No such file"),
          "missing dir: %s", err);
    path_in(path, sizeof path, "big.png");
    c.width = CHART_MAX_SIZE + 1;
    CHECK(!chart_write(&c, path, NULL, err, sizeof err) && strstr(err, "out of range"),
          "too wide: %s", err);
    c.width = 100;
    CHECK(!chart_write(&c, path, NULL, err, sizeof err), "too narrow");
    c.width = 0;
    const chart_series no_data = {.x = NULL, .y = y, .n = 2};
    c.series = &no_data;
    CHECK(!chart_write(&c, path, NULL, err, sizeof err) && strstr(err, "lacks its data"),
          "NULL x: %s", err);
    const chart_series band_no_upper = {.x = x, .y = y, .n = 2, .style = CHART_BAND};
    c.series = &band_no_upper;
    CHECK(!chart_write(&c, path, NULL, err, sizeof err), "band without y_upper");
    CHECK(files_in_dir() == before, "failed writes left %d files", files_in_dir() - before);

    /* No series at all, NaN and log-hostile values: still a chart, no crash. */
    double bad[2] = {NAN, -1};
    const chart_series odd = {.name = "odd", .x = x, .y = bad, .n = 2};
    c = (chart){.series = &odd, .n_series = 1, .log_y = true};
    path_in(path, sizeof path, "odd.svg");
    CHECK(chart_write(&c, path, NULL, err, sizeof err), "odd data: %s", err);
    c = (chart){.title = "empty"};
    path_in(path, sizeof path, "empty.pdf");
    CHECK(chart_write(&c, path, NULL, err, sizeof err), "no series: %s", err);
    CHECK(chart_format_of("a.PNG") == CHART_FORMAT_PNG &&
              chart_format_of("a.svg") == CHART_FORMAT_SVG &&
              chart_format_of("x.pdf") == CHART_FORMAT_PDF &&
              chart_format_of("dir.png/x") == CHART_FORMAT_NONE &&
              chart_format_of("png") == CHART_FORMAT_NONE,
          "chart_format_of");
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    char path[512];
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* An axis of counts (epochs 1 to 20) gets whole-number ticks; left alone the same range
 * gets steps of 2.5. */
static void test_whole_ticks(void)
{
    enum { N = 20 };
    double x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = i + 1;
        y[i] = 0.8 + 0.004 * i;
    }
    const chart_series s[] = {{.name = "accuracy", .x = x, .y = y, .n = N, .markers = true}};
    char path[256], err[256];
    path_in(path, sizeof path, "epochs.png");
    for (int whole = 0; whole <= 1; whole++) {
        const chart c = {.series = s, .n_series = 1, .x_min = 1, .x_max = N, .x_whole = whole};
        chart_layout l;
        CHECK(chart_write(&c, path, &l, err, sizeof err), "epoch chart: %s", err);
        CHECK(l.n_x_ticks >= 3, "only %d x ticks", l.n_x_ticks);
        int fractional = 0;
        for (int i = 0; i < l.n_x_ticks; i++)
            fractional += l.x_ticks[i] != floor(l.x_ticks[i]);
        if (whole)
            CHECK(fractional == 0, "whole-number axis has %d fractional ticks", fractional);
        else
            CHECK(fractional > 0, "expected steps of 2.5 on 1..20 at 800 px");
    }
    remove(path);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_log_log();
    test_band();
    test_whole_ticks();
    test_errors();
    remove_dir();
    chart_release_caches();
    return test_finish("chart");
}
