/* SPDX-License-Identifier: MIT */
/* Line charts through cairo; the API and what it draws are described in chart.h. */
#define _POSIX_C_SOURCE 200809L
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "chart.h"
#include "outfile.h"

enum { MAX_TICKS = 64 };
static const double PI = 3.14159265358979323846;

static const uint32_t palette[CHART_PALETTE_SIZE] = {
    0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
    0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf,
};

uint32_t chart_palette(size_t i) { return palette[i % CHART_PALETTE_SIZE]; }

chart_format chart_format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return CHART_FORMAT_NONE;
    if (strcasecmp(dot, ".png") == 0)
        return CHART_FORMAT_PNG;
    if (strcasecmp(dot, ".svg") == 0)
        return CHART_FORMAT_SVG;
    if (strcasecmp(dot, ".pdf") == 0)
        return CHART_FORMAT_PDF;
    return CHART_FORMAT_NONE;
}

/* ------------------------------------------------------------ geometry */

typedef struct rect {
    double x0, y0, x1, y1; /* device units, y0 < y1 (top to bottom) */
} rect;

/* One plot area: its rectangle on the page and the data ranges it shows. */
typedef struct area {
    rect r;
    double x_min, x_max, y_min, y_max;
    bool log_x, log_y;
} area;

static double axis_t(double v, bool log_axis) { return log_axis ? log10(v) : v; }

static double map_x(const area *a, double x)
{
    const double t0 = axis_t(a->x_min, a->log_x), t1 = axis_t(a->x_max, a->log_x);
    return a->r.x0 + (axis_t(x, a->log_x) - t0) / (t1 - t0) * (a->r.x1 - a->r.x0);
}

static double map_y(const area *a, double y)
{
    const double t0 = axis_t(a->y_min, a->log_y), t1 = axis_t(a->y_max, a->log_y);
    return a->r.y1 - (axis_t(y, a->log_y) - t0) / (t1 - t0) * (a->r.y1 - a->r.y0);
}

/* Whether a point can be drawn on these axes. */
static bool usable(double v, bool log_axis) { return isfinite(v) && (!log_axis || v > 0); }

static void set_rgb(cairo_t *cr, uint32_t rgb, double alpha)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0,
                          (rgb & 255) / 255.0, alpha);
}

static void set_grey(cairo_t *cr, double level) { cairo_set_source_rgb(cr, level, level, level); }

/* A series' colour: its own, or the palette's next, handed out in order to the series
 * without one. */
static uint32_t colour_of(const chart *c, size_t s)
{
    if (c->series[s].rgb != CHART_AUTO_COLOR)
        return c->series[s].rgb & 0xffffffu;
    size_t before = 0;
    for (size_t i = 0; i < s; i++)
        before += c->series[i].rgb == CHART_AUTO_COLOR;
    return chart_palette(before);
}

/* ------------------------------------------------------------ ranges */

/* Widens [*lo, *hi] to include v (when usable on the axis). */
static void include(double v, bool log_axis, double *lo, double *hi)
{
    if (!usable(v, log_axis))
        return;
    if (v < *lo)
        *lo = v;
    if (v > *hi)
        *hi = v;
}

/* Turns a data extent into an axis range: a 5% margin (in log units on a log axis), and
 * something sensible for no data or a single value. */
static void pad_range(double *lo, double *hi, bool log_axis, double margin)
{
    if (*lo > *hi) { /* no data */
        *lo = log_axis ? 1 : 0;
        *hi = log_axis ? 10 : 1;
        return;
    }
    if (log_axis) {
        double t0 = log10(*lo), t1 = log10(*hi);
        if (t1 - t0 < 1e-9) {
            t0 -= 0.5;
            t1 += 0.5;
        }
        const double m = (t1 - t0) * margin;
        *lo = pow(10, t0 - m);
        *hi = pow(10, t1 + m);
        return;
    }
    if (*hi - *lo <= 1e-12 * fmax(fabs(*lo), fabs(*hi))) {
        const double d = *lo == 0 ? 1 : fabs(*lo) * 0.1;
        *lo -= d;
        *hi += d;
        return;
    }
    const double m = (*hi - *lo) * margin;
    *lo -= m;
    *hi += m;
}

/* The data ranges of the series, restricted to x in [x_from, x_to] for the y range. */
static void fit(const chart *c, double x_from, double x_to, double *x_lo, double *x_hi,
                double *y_lo, double *y_hi)
{
    *x_lo = *y_lo = INFINITY;
    *x_hi = *y_hi = -INFINITY;
    for (size_t s = 0; s < c->n_series; s++) {
        const chart_series *se = &c->series[s];
        for (size_t i = 0; i < se->n; i++) {
            const double x = se->x[i];
            if (!usable(x, c->log_x) || x < x_from || x > x_to)
                continue;
            include(x, c->log_x, x_lo, x_hi);
            include(se->y[i], c->log_y, y_lo, y_hi);
            if (se->style == CHART_BAND && se->y_upper)
                include(se->y_upper[i], c->log_y, y_lo, y_hi);
        }
    }
}

/* ------------------------------------------------------------ ticks */

typedef struct ticks {
    double v[MAX_TICKS];
    int n;
    int decimals; /* for linear labels */
    bool powers;  /* log axis: labels are 10^k */
} ticks;

/* Round numbers for a linear axis: steps of 1, 2, 2.5 or 5 times a power of ten, about
 * `want` of them; whole numbers only for an axis of counts (an epoch 2.5 means nothing). */
static void linear_ticks(double lo, double hi, int want, bool whole, ticks *t)
{
    double raw = (hi - lo) / (want > 1 ? want : 1);
    if (whole && raw < 1)
        raw = 1;
    const double p = pow(10, floor(log10(raw)));
    static const double mult[] = {1, 2, 2.5, 5, 10};
    double step = 10 * p;
    int m = 4;
    for (int i = 0; i < 5; i++) {
        if (whole && mult[i] * p != floor(mult[i] * p))
            continue;
        if (mult[i] * p >= raw) {
            step = mult[i] * p;
            m = i;
            break;
        }
    }
    /* Decimals enough for the step: 2.5 x 10^k needs one more digit than 10^k. */
    int decimals = (int)-floor(log10(step) + 1e-9);
    if (m == 2)
        decimals++;
    t->decimals = decimals > 0 ? decimals : 0;
    t->powers = false;
    t->n = 0;
    for (double k = ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9 && t->n < MAX_TICKS; k++) {
        const double v = k * step;
        t->v[t->n++] = fabs(v) < step * 1e-9 ? 0 : v;
    }
}

/* A log axis: the powers of ten (every k-th if there are many); within less than about
 * a decade, 1, 2 and 5 times them. */
static void log_ticks(double lo, double hi, int want, ticks *t)
{
    const int e0 = (int)ceil(log10(lo) - 1e-9), e1 = (int)floor(log10(hi) + 1e-9);
    t->n = 0;
    if (e1 - e0 >= 1) {
        const int every = (e1 - e0 + 1 + want - 1) / (want > 0 ? want : 1);
        t->powers = true;
        for (int e = e0; e <= e1 && t->n < MAX_TICKS; e++)
            if ((e - e0) % (every > 0 ? every : 1) == 0)
                t->v[t->n++] = pow(10, e);
        return;
    }
    t->powers = false;
    t->decimals = -1; /* %g */
    static const double mult[] = {1, 2, 5};
    for (int e = (int)floor(log10(lo)); e <= (int)ceil(log10(hi)); e++)
        for (int i = 0; i < 3 && t->n < MAX_TICKS; i++) {
            const double v = mult[i] * pow(10, e);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                t->v[t->n++] = v;
        }
}

static void make_ticks(double lo, double hi, bool log_axis, int want, bool whole, ticks *t)
{
    if (log_axis)
        log_ticks(lo, hi, want, t);
    else
        linear_ticks(lo, hi, want, whole, t);
}

static void tick_label(const ticks *t, double v, char *buf, size_t size)
{
    /* Fixed decimals read best; very large or small steps need the exponent form. */
    if (t->decimals < 0 || t->decimals > 5 || fabs(v) >= 1e7)
        snprintf(buf, size, "%g", v);
    else
        snprintf(buf, size, "%.*f", t->decimals, v);
    if (strcmp(buf, "-0") == 0 || (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1)))
        memmove(buf, buf + 1, strlen(buf));
}

/* ------------------------------------------------------------ text */

typedef struct fonts {
    double tick, label, title, legend, note;
} fonts;

static double text_width(cairo_t *cr, const char *s, double size)
{
    cairo_text_extents_t e;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

/* Draws s with its anchor at (x, y): ax, ay in {0, 0.5, 1} pick left/centre/right and
 * top/middle/baseline-ish bottom of the font's height. */
static void text_at(cairo_t *cr, const char *s, double size, double x, double y, double ax,
                    double ay)
{
    cairo_font_extents_t fe;
    cairo_set_font_size(cr, size);
    cairo_font_extents(cr, &fe);
    const double w = text_width(cr, s, size);
    const double h = fe.ascent;
    cairo_move_to(cr, x - ax * w, y - ay * h + h);
    cairo_show_text(cr, s);
}

/* The width of a tick label: "10" plus a raised exponent for powers of ten. */
static double label_width(cairo_t *cr, const ticks *t, double v, double size)
{
    char buf[48];
    if (t->powers) {
        snprintf(buf, sizeof buf, "%d", (int)lround(log10(v)));
        return text_width(cr, "10", size) + text_width(cr, buf, size * 0.7);
    }
    tick_label(t, v, buf, sizeof buf);
    return text_width(cr, buf, size);
}

static void draw_label(cairo_t *cr, const ticks *t, double v, double size, double x, double y,
                       double ax, double ay)
{
    char buf[48];
    if (!t->powers) {
        tick_label(t, v, buf, sizeof buf);
        text_at(cr, buf, size, x, y, ax, ay);
        return;
    }
    snprintf(buf, sizeof buf, "%d", (int)lround(log10(v)));
    const double w = label_width(cr, t, v, size);
    const double left = x - ax * w;
    text_at(cr, "10", size, left, y, 0, ay);
    text_at(cr, buf, size * 0.7, left + text_width(cr, "10", size), y - size * 0.35, 0, ay);
}

/* ------------------------------------------------------------ drawing a plot area */

static void path_series(cairo_t *cr, const area *a, const chart_series *se, const double *y)
{
    bool pen_down = false;
    for (size_t i = 0; i < se->n; i++) {
        if (!usable(se->x[i], a->log_x) || !usable(y[i], a->log_y)) {
            pen_down = false;
            continue;
        }
        const double px = map_x(a, se->x[i]), py = map_y(a, y[i]);
        if (pen_down)
            cairo_line_to(cr, px, py);
        else
            cairo_move_to(cr, px, py);
        pen_down = true;
    }
}

static void draw_band(cairo_t *cr, const area *a, const chart_series *se, uint32_t rgb)
{
    /* Each unbroken run of points becomes one polygon: lower edge forward, upper back. */
    size_t i = 0;
    while (i < se->n) {
        size_t j = i;
        while (j < se->n && usable(se->x[j], a->log_x) && usable(se->y[j], a->log_y) &&
               usable(se->y_upper[j], a->log_y))
            j++;
        if (j > i + 1) {
            cairo_move_to(cr, map_x(a, se->x[i]), map_y(a, se->y[i]));
            for (size_t k = i + 1; k < j; k++)
                cairo_line_to(cr, map_x(a, se->x[k]), map_y(a, se->y[k]));
            for (size_t k = j; k-- > i;)
                cairo_line_to(cr, map_x(a, se->x[k]), map_y(a, se->y_upper[k]));
            cairo_close_path(cr);
        }
        i = j + 1;
    }
    set_rgb(cr, rgb, 0.25);
    cairo_fill(cr);
}

static void set_line_style(cairo_t *cr, chart_style style, double width)
{
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    if (style == CHART_DASHED) {
        const double d[] = {3.5 * width, 2.5 * width};
        cairo_set_dash(cr, d, 2, 0);
    } else if (style == CHART_DOTTED) {
        const double d[] = {0.01, 2.2 * width};
        cairo_set_dash(cr, d, 2, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

static double series_width(const chart_series *se, double scale)
{
    return (se->line_width > 0 ? se->line_width : 2.0) * scale;
}

static void draw_series(cairo_t *cr, const chart *c, const area *a, double scale)
{
    cairo_save(cr);
    cairo_rectangle(cr, a->r.x0, a->r.y0, a->r.x1 - a->r.x0, a->r.y1 - a->r.y0);
    cairo_clip(cr);
    /* Bands first, so that every line stays visible on top of them. */
    for (size_t s = 0; s < c->n_series; s++)
        if (c->series[s].style == CHART_BAND && c->series[s].y_upper)
            draw_band(cr, a, &c->series[s], colour_of(c, s));
    for (size_t s = 0; s < c->n_series; s++) {
        const chart_series *se = &c->series[s];
        if (se->style == CHART_BAND)
            continue;
        const double w = series_width(se, scale);
        set_line_style(cr, se->style, w);
        set_rgb(cr, colour_of(c, s), 1);
        path_series(cr, a, se, se->y);
        cairo_stroke(cr);
        if (se->markers) {
            for (size_t i = 0; i < se->n; i++) {
                if (!usable(se->x[i], a->log_x) || !usable(se->y[i], a->log_y))
                    continue;
                cairo_new_sub_path(cr);
                cairo_arc(cr, map_x(a, se->x[i]), map_y(a, se->y[i]), 1.6 * w, 0, 2 * PI);
            }
            cairo_fill(cr);
        }
    }
    cairo_restore(cr);
}

/* Minor ticks of a log axis, 2..9 times each power of ten within [lo, hi], as device
 * positions along the axis; returns how many (at most max). */
static int minor_ticks(double lo, double hi, const area *a, bool y_axis, double *pos, int max)
{
    int n = 0;
    for (int e = (int)floor(log10(lo)); e <= (int)ceil(log10(hi)) && n < max; e++)
        for (int m = 2; m <= 9 && n < max; m++) {
            const double v = m * pow(10, e);
            if (v > lo && v < hi)
                pos[n++] = y_axis ? map_y(a, v) : map_x(a, v);
        }
    return n;
}

/* Frame, grid, zero lines, ticks and their labels, then the series. The x ticks go to
 * x_ticks when it is not NULL. */
static void draw_area(cairo_t *cr, const chart *c, const area *a, double scale, double tick_font,
                      bool grid, ticks *x_ticks)
{
    const rect *r = &a->r;
    ticks tx, ty;
    make_ticks(a->x_min, a->x_max, a->log_x, (int)((r->x1 - r->x0) / (90 * scale)) + 1, c->x_whole,
               &tx);
    make_ticks(a->y_min, a->y_max, a->log_y, (int)((r->y1 - r->y0) / (60 * scale)) + 1, false, &ty);

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, r->x0, r->y0, r->x1 - r->x0, r->y1 - r->y0);
    cairo_fill(cr);

    double minor_x[8 * MAX_TICKS], minor_y[8 * MAX_TICKS];
    const int n_minor_x = a->log_x && tx.powers
                              ? minor_ticks(a->x_min, a->x_max, a, false, minor_x, 8 * MAX_TICKS)
                              : 0;
    const int n_minor_y = a->log_y && ty.powers
                              ? minor_ticks(a->y_min, a->y_max, a, true, minor_y, 8 * MAX_TICKS)
                              : 0;
    cairo_set_dash(cr, NULL, 0, 0);
    if (grid) {
        cairo_set_line_width(cr, 0.8 * scale);
        set_grey(cr, 0.95);
        for (int i = 0; i < n_minor_x; i++) {
            cairo_move_to(cr, minor_x[i], r->y0);
            cairo_line_to(cr, minor_x[i], r->y1);
        }
        for (int i = 0; i < n_minor_y; i++) {
            cairo_move_to(cr, r->x0, minor_y[i]);
            cairo_line_to(cr, r->x1, minor_y[i]);
        }
        cairo_stroke(cr);
        cairo_set_line_width(cr, 1.0 * scale);
        set_grey(cr, 0.88);
        for (int i = 0; i < tx.n; i++) {
            const double px = map_x(a, tx.v[i]);
            cairo_move_to(cr, px, r->y0);
            cairo_line_to(cr, px, r->y1);
        }
        for (int i = 0; i < ty.n; i++) {
            const double py = map_y(a, ty.v[i]);
            cairo_move_to(cr, r->x0, py);
            cairo_line_to(cr, r->x1, py);
        }
        cairo_stroke(cr);
    }
    /* The axes through zero, darker than the grid, so the origin is easy to find. */
    cairo_set_line_width(cr, 1.3 * scale);
    set_grey(cr, 0.35);
    if (!a->log_x && a->x_min < 0 && a->x_max > 0) {
        cairo_move_to(cr, map_x(a, 0), r->y0);
        cairo_line_to(cr, map_x(a, 0), r->y1);
    }
    if (!a->log_y && a->y_min < 0 && a->y_max > 0) {
        cairo_move_to(cr, r->x0, map_y(a, 0));
        cairo_line_to(cr, r->x1, map_y(a, 0));
    }
    cairo_stroke(cr);

    draw_series(cr, c, a, scale);

    /* Frame and tick marks (outside the frame, so they never cross a curve). */
    set_grey(cr, 0.15);
    cairo_set_line_width(cr, 1.0 * scale);
    cairo_rectangle(cr, r->x0, r->y0, r->x1 - r->x0, r->y1 - r->y0);
    const double tick_len = 5 * scale;
    for (int i = 0; i < tx.n; i++) {
        const double px = map_x(a, tx.v[i]);
        cairo_move_to(cr, px, r->y1);
        cairo_line_to(cr, px, r->y1 + tick_len);
    }
    for (int i = 0; i < ty.n; i++) {
        const double py = map_y(a, ty.v[i]);
        cairo_move_to(cr, r->x0, py);
        cairo_line_to(cr, r->x0 - tick_len, py);
    }
    for (int i = 0; i < n_minor_x; i++) {
        cairo_move_to(cr, minor_x[i], r->y1);
        cairo_line_to(cr, minor_x[i], r->y1 + tick_len * 0.6);
    }
    for (int i = 0; i < n_minor_y; i++) {
        cairo_move_to(cr, r->x0, minor_y[i]);
        cairo_line_to(cr, r->x0 - tick_len * 0.6, minor_y[i]);
    }
    cairo_stroke(cr);
    for (int i = 0; i < tx.n; i++)
        draw_label(cr, &tx, tx.v[i], tick_font, map_x(a, tx.v[i]), r->y1 + tick_len + 2 * scale,
                   0.5, 0);
    for (int i = 0; i < ty.n; i++)
        draw_label(cr, &ty, ty.v[i], tick_font, r->x0 - tick_len - 3 * scale, map_y(a, ty.v[i]), 1,
                   0.5);
    if (x_ticks)
        *x_ticks = tx;
}

/* The widest y tick label, to size the left margin. */
static double widest_y_label(cairo_t *cr, const area *a, double height, double scale, double size)
{
    ticks ty;
    make_ticks(a->y_min, a->y_max, a->log_y, (int)(height / (60 * scale)) + 1, false, &ty);
    double w = 0;
    for (int i = 0; i < ty.n; i++)
        w = fmax(w, label_width(cr, &ty, ty.v[i], size));
    return w;
}

/* ------------------------------------------------------------ placing boxes */

/* How many points of the curves (sampled every few device units along each segment) fall
 * inside box: the cost of covering them with a legend or an inset. */
static double covered(const chart *c, const area *a, rect box)
{
    double count = 0;
    /* The axes through zero count a little: better not hidden, but curves matter more. */
    const double axis_weight = 0.05, step = 3;
    if (!a->log_x && a->x_min < 0 && a->x_max > 0) {
        const double px = map_x(a, 0);
        if (px >= box.x0 && px <= box.x1)
            count += axis_weight * (box.y1 - box.y0) / step;
    }
    if (!a->log_y && a->y_min < 0 && a->y_max > 0) {
        const double py = map_y(a, 0);
        if (py >= box.y0 && py <= box.y1)
            count += axis_weight * (box.x1 - box.x0) / step;
    }
    for (size_t s = 0; s < c->n_series; s++) {
        const chart_series *se = &c->series[s];
        for (int edge = 0; edge < (se->style == CHART_BAND ? 2 : 1); edge++) {
            const double *y = edge ? se->y_upper : se->y;
            if (!y)
                continue;
            double qx = 0, qy = 0;
            bool have = false;
            for (size_t i = 0; i < se->n; i++) {
                if (!usable(se->x[i], a->log_x) || !usable(y[i], a->log_y)) {
                    have = false;
                    continue;
                }
                const double px = map_x(a, se->x[i]), py = map_y(a, y[i]);
                const double len = have ? hypot(px - qx, py - qy) : 0;
                const int steps = have ? (int)fmin(len / 3, 4096) + 1 : 1;
                for (int k = 1; k <= steps; k++) {
                    const double f = have ? (double)k / steps : 1;
                    const double sx = qx + (px - qx) * f, sy = qy + (py - qy) * f;
                    if (sx >= box.x0 && sx <= box.x1 && sy >= box.y0 && sy <= box.y1)
                        count++;
                }
                qx = px;
                qy = py;
                have = true;
            }
        }
    }
    return count;
}

static bool overlaps(rect a, rect b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static rect corner_box(const rect *area_r, chart_corner corner, double w, double h, double pad)
{
    const bool left = corner == CHART_UPPER_LEFT || corner == CHART_LOWER_LEFT;
    const bool upper = corner == CHART_UPPER_LEFT || corner == CHART_UPPER_RIGHT;
    rect b;
    b.x0 = left ? area_r->x0 + pad : area_r->x1 - pad - w;
    b.y0 = upper ? area_r->y0 + pad : area_r->y1 - pad - h;
    b.x1 = b.x0 + w;
    b.y1 = b.y0 + h;
    return b;
}

/* Where a w x h box goes: the corner asked for, or else the place covering the fewest curve
 * points without overlapping `avoid`: the four corners first (upper left, upper right,
 * lower left, lower right win a tie), then a 5 x 5 grid of positions along and between
 * the edges, for charts whose corners are all crossed by curves. */
static rect place_box(const chart *c, const area *a, chart_corner want, double w, double h,
                      double pad, const rect *avoid)
{
    if (want != CHART_AUTO)
        return corner_box(&a->r, want, w, h, pad);
    enum { GRID = 5 };
    rect best = corner_box(&a->r, CHART_UPPER_LEFT, w, h, pad);
    double best_cost = INFINITY;
    for (int k = 0; k < 4 + GRID * GRID; k++) {
        rect b;
        if (k < 4) {
            b = corner_box(&a->r, (chart_corner)(CHART_UPPER_LEFT + k), w, h, pad);
        } else {
            const int i = (k - 4) % GRID, j = (k - 4) / GRID;
            b.x0 = a->r.x0 + pad + (a->r.x1 - a->r.x0 - w - 2 * pad) * i / (GRID - 1);
            b.y0 = a->r.y0 + pad + (a->r.y1 - a->r.y0 - h - 2 * pad) * j / (GRID - 1);
            b.x1 = b.x0 + w;
            b.y1 = b.y0 + h;
        }
        double cost = covered(c, a, b);
        if (avoid && overlaps(b, *avoid))
            cost += 1e12;
        if (cost < best_cost) {
            best_cost = cost;
            best = b;
        }
    }
    return best;
}

/* ------------------------------------------------------------ legend */

static size_t legend_entries(const chart *c)
{
    size_t n = 0;
    for (size_t s = 0; s < c->n_series; s++)
        if (c->series[s].name && c->series[s].name[0])
            n++;
    return n;
}

static void legend_size(cairo_t *cr, const chart *c, double font, double scale, double *w,
                        double *h)
{
    double text = 0;
    for (size_t s = 0; s < c->n_series; s++)
        if (c->series[s].name && c->series[s].name[0])
            text = fmax(text, text_width(cr, c->series[s].name, font));
    *w = text + 58 * scale;
    *h = (double)legend_entries(c) * font * 1.45 + 12 * scale;
}

static void draw_legend(cairo_t *cr, const chart *c, rect box, double font, double scale)
{
    cairo_rectangle(cr, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_fill_preserve(cr);
    set_grey(cr, 0.75);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 1 * scale);
    cairo_stroke(cr);
    double y = box.y0 + 6 * scale + font * 0.72;
    for (size_t s = 0; s < c->n_series; s++) {
        const chart_series *se = &c->series[s];
        if (!se->name || !se->name[0])
            continue;
        const double x0 = box.x0 + 8 * scale, x1 = x0 + 28 * scale;
        if (se->style == CHART_BAND) {
            set_rgb(cr, colour_of(c, s), 0.35);
            cairo_rectangle(cr, x0, y - font * 0.4, x1 - x0, font * 0.8);
            cairo_fill(cr);
        } else {
            set_line_style(cr, se->style, series_width(se, scale));
            set_rgb(cr, colour_of(c, s), 1);
            cairo_move_to(cr, x0, y);
            cairo_line_to(cr, x1, y);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
        set_grey(cr, 0.1);
        text_at(cr, se->name, font, x1 + 8 * scale, y, 0, 0.5);
        y += font * 1.45;
    }
}

/* ------------------------------------------------------------ the whole chart */

static void draw_chart(cairo_t *cr, const chart *c, double W, double H, chart_layout *layout)
{
    const double scale = fmax(0.5, fmin(W / 800.0, H / 600.0));
    const fonts f = {12 * scale, 14 * scale, 17 * scale, 12 * scale, 11 * scale};
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    area a = {.log_x = c->log_x, .log_y = c->log_y};
    double xl, xh, yl, yh;
    fit(c, -INFINITY, INFINITY, &xl, &xh, &yl, &yh);
    pad_range(&xl, &xh, c->log_x, 0.05);
    pad_range(&yl, &yh, c->log_y, 0.05);
    a.x_min = c->x_min < c->x_max ? c->x_min : xl;
    a.x_max = c->x_min < c->x_max ? c->x_max : xh;
    a.y_min = c->y_min < c->y_max ? c->y_min : yl;
    a.y_max = c->y_min < c->y_max ? c->y_max : yh;

    const double top = (c->title ? f.title * 2.6 : 14 * scale);
    const double bottom =
        f.tick * 2.2 + (c->x_label ? f.label * 2.0 : 0) + (c->note ? f.note * 1.8 : 0) + 8 * scale;
    const double plot_h = H - top - bottom;
    const double left = 16 * scale + (c->y_label ? f.label * 1.8 : 0) +
                        widest_y_label(cr, &a, plot_h, scale, f.tick) + 10 * scale;
    a.r = (rect){left, top, W - 24 * scale, H - bottom};

    if (c->title) {
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        set_grey(cr, 0.05);
        text_at(cr, c->title, f.title, (a.r.x0 + a.r.x1) / 2, f.title * 0.8, 0.5, 0);
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    }
    set_grey(cr, 0.1);
    if (c->x_label)
        text_at(cr, c->x_label, f.label, (a.r.x0 + a.r.x1) / 2, a.r.y1 + f.tick * 2.2 + 4 * scale,
                0.5, 0);
    if (c->y_label) {
        cairo_save(cr);
        cairo_translate(cr, 10 * scale, (a.r.y0 + a.r.y1) / 2);
        cairo_rotate(cr, -PI / 2);
        text_at(cr, c->y_label, f.label, 0, 0, 0.5, 0);
        cairo_restore(cr);
    }
    if (c->note) {
        set_grey(cr, 0.3);
        text_at(cr, c->note, f.note, a.r.x0, H - f.note * 1.6, 0, 0);
    }

    set_grey(cr, 0.1);
    ticks main_x_ticks;
    draw_area(cr, c, &a, scale, f.tick, c->grid, &main_x_ticks);

    rect legend_box = {0, 0, 0, 0};
    const bool has_legend = c->legend != CHART_NONE && legend_entries(c) > 0;
    if (has_legend) {
        double w, h;
        legend_size(cr, c, f.legend, scale, &w, &h);
        legend_box = place_box(c, &a, c->legend, w, h, 10 * scale, NULL);
    }

    chart_layout lay = {.x_min = a.x_min,
                        .x_max = a.x_max,
                        .y_min = a.y_min,
                        .y_max = a.y_max,
                        .px0 = a.r.x0,
                        .px1 = a.r.x1,
                        .py0 = a.r.y1,
                        .py1 = a.r.y0};
    if (c->inset.show && c->inset.x_min < c->inset.x_max) {
        area in = {.log_x = c->log_x, .log_y = c->log_y};
        fit(c, c->inset.x_min, c->inset.x_max, &xl, &xh, &yl, &yh);
        in.x_min = c->inset.x_min;
        in.x_max = c->inset.x_max;
        pad_range(&yl, &yh, c->log_y, 0.12);
        const bool y_given = c->inset.y_min < c->inset.y_max;
        in.y_min = y_given ? c->inset.y_min : yl;
        in.y_max = y_given ? c->inset.y_max : yh;
        /* The inset's box (35% x 31% of the plot area) holds its tick labels (left,
         * below) and caption (above) too. */
        const double bw = (a.r.x1 - a.r.x0) * 0.35, bh = (a.r.y1 - a.r.y0) * 0.31;
        const double caption = c->inset.label ? f.tick * 1.5 : 0;
        const double lw = widest_y_label(cr, &in, bh, scale * 0.85, f.tick * 0.85) + 12 * scale;
        const rect box =
            place_box(c, &a, c->inset.corner, bw, bh, 12 * scale, has_legend ? &legend_box : NULL);
        /* Mark the zoomed region on the main chart, unless it is too flat to see. */
        const double mark_h = map_y(&a, in.y_min) - map_y(&a, in.y_max);
        if (mark_h >= 8 * scale) {
            cairo_save(cr);
            cairo_rectangle(cr, a.r.x0, a.r.y0, a.r.x1 - a.r.x0, a.r.y1 - a.r.y0);
            cairo_clip(cr);
            cairo_set_dash(cr, (const double[]){3 * scale, 3 * scale}, 2, 0);
            cairo_set_line_width(cr, 1 * scale);
            set_grey(cr, 0.5);
            cairo_rectangle(cr, map_x(&a, in.x_min), map_y(&a, in.y_max),
                            map_x(&a, in.x_max) - map_x(&a, in.x_min), mark_h);
            cairo_stroke(cr);
            cairo_restore(cr);
        }

        cairo_rectangle(cr, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.95);
        cairo_fill_preserve(cr);
        set_grey(cr, 0.6);
        cairo_stroke(cr);
        if (c->inset.label) {
            set_grey(cr, 0.15);
            text_at(cr, c->inset.label, f.tick, (box.x0 + box.x1) / 2, box.y0 + 4 * scale, 0.5, 0);
        }
        in.r = (rect){box.x0 + lw, box.y0 + caption + 6 * scale, box.x1 - 8 * scale,
                      box.y1 - f.tick * 1.6 - 8 * scale};
        draw_area(cr, c, &in, scale * 0.85, f.tick * 0.85, true, NULL);
        lay.inset_shown = true;
        lay.inset_x0 = box.x0;
        lay.inset_y0 = box.y0;
        lay.inset_x1 = box.x1;
        lay.inset_y1 = box.y1;
    }

    if (has_legend)
        draw_legend(cr, c, legend_box, f.legend, scale);

    lay.n_x_ticks = main_x_ticks.n < CHART_MAX_TICKS ? main_x_ticks.n : CHART_MAX_TICKS;
    memcpy(lay.x_ticks, main_x_ticks.v, (size_t)lay.n_x_ticks * sizeof lay.x_ticks[0]);
    if (layout)
        *layout = lay;
}

/* ------------------------------------------------------------ output */

/* cairo's stream writer into the temporary file.  For SVG it also puts the chart's title
 * into the document as <title> (cairo draws text as glyph outlines, so otherwise no
 * reader, screen reader or search would find it). */
typedef struct sink {
    FILE *f;
    const char *svg_title; /* pending until the root <svg ...> tag has been written */
    int svg_state;         /* 0: before "<svg", 1: inside its tag, 2: done */
    size_t match;
} sink;

static bool put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : NULL;
        if (e ? fputs(e, f) < 0 : putc(*s, f) == EOF)
            return false;
    }
    return true;
}

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int length)
{
    sink *k = closure;
    if (k->svg_title && k->svg_state < 2) {
        static const char tag[] = "<svg";
        for (unsigned int i = 0; i < length; i++) {
            if (k->svg_state == 0) {
                k->match =
                    data[i] == (unsigned char)tag[k->match] ? k->match + 1 : (data[i] == '<');
                if (k->match == 4)
                    k->svg_state = 1;
            } else if (data[i] == '>') {
                if (fwrite(data, 1, i + 1, k->f) != i + 1 || fputs("\n<title>", k->f) < 0 ||
                    !put_escaped(k->f, k->svg_title) || fputs("</title>", k->f) < 0)
                    return CAIRO_STATUS_WRITE_ERROR;
                k->svg_state = 2;
                data += i + 1;
                length -= i + 1;
                break;
            }
        }
    }
    return fwrite(data, 1, length, k->f) == length ? CAIRO_STATUS_SUCCESS
                                                   : CAIRO_STATUS_WRITE_ERROR;
}

static void say(char *err, size_t err_size, const char *fmt, const char *a, const char *b)
{
    if (err && err_size)
        snprintf(err, err_size, fmt, a, b);
}

bool chart_write(const chart *c, const char *path, chart_layout *layout, char *err, size_t err_size)
{
    const chart_format format = chart_format_of(path);
    if (format == CHART_FORMAT_NONE) {
        say(err, err_size, "%s: %s", path,
            "unknown picture format; the name must end in .png, .svg or .pdf");
        return false;
    }
    const int W = c->width ? c->width : 800, H = c->height ? c->height : 600;
    if (W < CHART_MIN_SIZE || W > CHART_MAX_SIZE || H < CHART_MIN_SIZE || H > CHART_MAX_SIZE) {
        char what[96];
        snprintf(what, sizeof what, "size %dx%d is out of range; each side must be %d to %d", W, H,
                 CHART_MIN_SIZE, CHART_MAX_SIZE);
        say(err, err_size, "%s: %s", path, what);
        return false;
    }
    for (size_t s = 0; s < c->n_series; s++) {
        const chart_series *se = &c->series[s];
        if (se->n > 0 && (!se->x || !se->y || (se->style == CHART_BAND && !se->y_upper))) {
            say(err, err_size, "%s: %s", path, "a series lacks its data arrays");
            return false;
        }
    }

    outfile o;
    if (!outfile_open(&o, path, err, err_size))
        return false;
    /* The stream gets its own descriptor, so closing it leaves o.fd for outfile_commit. */
    const int stream_fd = dup(o.fd);
    sink k = {.f = stream_fd >= 0 ? fdopen(stream_fd, "wb") : NULL,
              .svg_title = format == CHART_FORMAT_SVG ? c->title : NULL};
    if (!k.f) {
        if (stream_fd >= 0)
            close(stream_fd);
        outfile_abort(&o);
        say(err, err_size, "cannot write %s: %s", path, "out of memory");
        return false;
    }
    cairo_surface_t *surface;
    switch (format) {
    case CHART_FORMAT_SVG:
        surface = cairo_svg_surface_create_for_stream(sink_write, &k, W, H);
        break;
    case CHART_FORMAT_PDF:
        surface = cairo_pdf_surface_create_for_stream(sink_write, &k, W, H);
        if (c->title && cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, c->title);
        break;
    default: surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H); break;
    }
    cairo_t *cr = cairo_create(surface);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_BEST);
    draw_chart(cr, c, W, H, layout);
    cairo_status_t status = cairo_status(cr);
    cairo_destroy(cr);
    if (status == CAIRO_STATUS_SUCCESS && format == CHART_FORMAT_PNG)
        status = cairo_surface_write_to_png_stream(surface, sink_write, &k);
    cairo_surface_finish(surface);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);

    const bool flushed = fclose(k.f) == 0;
    if (status != CAIRO_STATUS_SUCCESS || !flushed) {
        outfile_abort(&o);
        say(err, err_size, "cannot write %s: %s", path,
            status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(status) : "write error");
        return false;
    }
    return outfile_commit(&o, err, err_size);
}

void chart_release_caches(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}
