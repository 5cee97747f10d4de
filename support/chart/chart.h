/* SPDX-License-Identifier: MIT */
/*
 * chart.h - line charts through cairo, to PNG, SVG or PDF (chosen by the file's extension).
 *
 * A chart is a plain struct the caller fills in (zero means "default"), holding an array of
 * series that point at the caller's data (nothing is copied; keep it alive until
 * chart_write returns):
 *
 *     double x[100], y[100];   ...
 *     const chart_series s[] = {
 *         {.name = "Leaky ReLU", .x = x, .y = y, .n = 100},            // solid, palette colour
 *         {.name = "gradient", .x = x, .y = d, .n = 100, .style = CHART_DASHED, .rgb = 0xd62728},
 *         {.name = "RReLU range", .x = x, .y = lo, .y_upper = hi, .n = 100,
 *          .style = CHART_BAND},                                        // filled between lo and hi
 *     };
 *     const chart c = {.title = "Graph", .x_label = "Input Value (X)",
 *                      .y_label = "Output Value (Y)", .series = s, .n_series = 3,
 *                      .grid = true};
 *     char err[256];
 *     if (!chart_write(&c, "out.png", NULL, err, sizeof err)) fprintf(stderr, "%s\n", err);
 *
 * What it draws: white background, title, axis labels, ticks at round numbers (1, 2, 2.5, 5
 * times a power of ten; on log axes the powers of ten as 10^k), optional grid, the lines
 * x = 0 and y = 0 drawn darker when inside the ranges (linear axes), the series (antialiased,
 * round joins), a legend box where it covers the fewest curve points (a corner unless every
 * corner hides some; or the corner asked for), and an optional zoom inset of part of the x
 * range (for details a full-range chart flattens, such as a small negative slope) placed the
 * same way without covering the legend.
 *
 * Ranges: the data's range plus a 5% margin (as matplotlib), unless x_min < x_max (or
 * y_min < y_max) are given.  Log axes ignore non-positive values.
 * Sizes: width x height in pixels for PNG, in points (1/72 inch) for SVG and PDF;
 * 0 means 800 x 600; CHART_MIN_SIZE..CHART_MAX_SIZE each.
 *
 * Files are written whole or not at all: to a temporary file beside the target, renamed over
 * it on success (see outfile.h).
 *
 * Link: the CMake target leaky_chart (cairo through pkg-config; not part of the library).
 */
#ifndef LEAKY_CHART_H
#define LEAKY_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHART_MIN_SIZE 160
#define CHART_MAX_SIZE 8192
#define CHART_PALETTE_SIZE 10
#define CHART_MAX_TICKS 32

typedef enum chart_style {
    CHART_SOLID = 0, /* a line through the points */
    CHART_DASHED,    /* the same, dashed (derivatives, baselines) */
    CHART_DOTTED,    /* the same, dotted */
    CHART_BAND       /* filled area between y and y_upper, translucent, drawn under lines */
} chart_style;

typedef enum chart_corner {
    CHART_AUTO = 0, /* where the box covers the fewest points (upper left on a tie) */
    CHART_UPPER_LEFT,
    CHART_UPPER_RIGHT,
    CHART_LOWER_LEFT,
    CHART_LOWER_RIGHT,
    CHART_NONE /* not drawn */
} chart_corner;

/* rgb 0 (the zero default) takes the palette's next colour; for real black, or to make any
 * colour explicit, write CHART_RGB(0x000000). */
#define CHART_AUTO_COLOR 0u
#define CHART_RGB(rrggbb) (0x1000000u | (uint32_t)(rrggbb))

typedef struct chart_series {
    const char *name;      /* legend text; NULL or "" keeps it out of the legend */
    const double *x, *y;   /* n points; NaN or inf y breaks the line (a gap) */
    const double *y_upper; /* CHART_BAND only: the band's upper edge (y is its lower) */
    size_t n;
    chart_style style;
    uint32_t rgb;      /* 0xRRGGBB (nonzero), CHART_RGB(...), or CHART_AUTO_COLOR */
    double line_width; /* 0: 2 units */
    bool markers;      /* also draw a dot at each point (for measured data) */
} chart_series;

typedef struct chart_inset {
    bool show;
    double x_min, x_max; /* the zoomed x range */
    double y_min, y_max; /* used when y_min < y_max; else fitted to the data in x's range */
    const char *label;   /* a caption above the inset, e.g. "zoom: x < 0" */
    chart_corner corner; /* CHART_AUTO: the emptiest corner not taken by the legend */
} chart_inset;

typedef struct chart {
    const char *title, *x_label, *y_label; /* NULL: none */
    const char *note;                      /* a line of small text under the plot area, or NULL */
    int width, height;                     /* 0: 800 x 600 */
    bool log_x, log_y;
    bool x_whole; /* x ticks at whole numbers only (counts, such as epochs) */
    bool grid;
    chart_corner legend; /* CHART_AUTO picks a corner that hides the fewest points */
    double x_min, x_max; /* used when x_min < x_max; else fitted to the data */
    double y_min, y_max;
    const chart_series *series;
    size_t n_series;
    chart_inset inset;
} chart;

typedef enum chart_format {
    CHART_FORMAT_NONE = 0,
    CHART_FORMAT_PNG,
    CHART_FORMAT_SVG,
    CHART_FORMAT_PDF
} chart_format;

/* The format named by path's extension (case-insensitive .png, .svg, .pdf), or NONE. */
chart_format chart_format_of(const char *path);

/* The i-th palette colour (0xRRGGBB; matplotlib's "tab10"), i taken modulo the size. */
uint32_t chart_palette(size_t i);

/* Where the main plot area maps data to device units, filled by chart_write:
 * device_x = px0 + (t(x) - t(x_min)) / (t(x_max) - t(x_min)) * (px1 - px0), t = log10 on
 * log axes, identity otherwise (device y grows downwards: py0 is the bottom edge). */
typedef struct chart_layout {
    double x_min, x_max, y_min, y_max;
    double px0, px1, py0, py1;
    bool inset_shown; /* and where its box went (device units, x0 < x1, y0 < y1) */
    double inset_x0, inset_y0, inset_x1, inset_y1;
    double x_ticks[CHART_MAX_TICKS]; /* where the main area's x ticks are, in data units */
    int n_x_ticks;
} chart_layout;

/* Draws c into path (format from the extension).  On failure returns false, leaves no file
 * and writes a sentence naming the problem into err (err_size bytes; err may be NULL).
 * layout, when not NULL, receives the main plot area's mapping. */
bool chart_write(const chart *c, const char *path, chart_layout *layout, char *err,
                 size_t err_size);

/* Frees cairo's and fontconfig's process-wide caches (fonts, patterns).  Optional: call it
 * once at the end of a program that draws charts, when no cairo object is alive, so leak
 * checkers (ASan, valgrind) see a clean exit. */
void chart_release_caches(void);

#endif
