/*
 * fuzz_layout.c — libFuzzer harness for the layout engine (layout.c).
 *
 * The input is a little program of builder calls, read byte by byte:
 *
 *   config  bit 0 A4; bits 1-2 body size (11, 14, 10, 18 pt); bit 3 specimen
 *           highlights; bit 4 a fallback face for code points from U+0370;
 *           bits 5-6 the metrics (see advance()).
 *   then, until the input ends, an op byte (op % 13) and its arguments:
 *   strings are a length byte, a repeat byte and that many bytes, the bytes
 *   written (repeat % 32) + 1 times, so that a short input can make a text
 *   longer than a page. Invalid UTF-8 is made "?" first: every text reaches
 *   the engine validated (ydoc, csv), and so must it here.
 *
 * Metrics are made up, as in tests/unit/test_layout.c, but wilder: zero
 * widths, very wide glyphs, combining marks.
 *
 * What must hold for any program: every number in every box is finite, and
 * every box lies on its page, between the side margins (the watermark, which
 * is centred and turned, is only checked to be on the page); body text never
 * runs into the footer band. A box out of place is an abort().
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fakeshape.h"
#include "layout.h"
#include "utf8.h"
#include "vars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct reader {
    const uint8_t *p;
    size_t n;
    arena *a;
} reader;

static unsigned byte(reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

/* A string argument (never NULL); see the file's header for its encoding. */
static const char *str(reader *r)
{
    size_t len = byte(r), rep = byte(r) % 32 + 1;
    if (len > r->n)
        len = r->n;
    char *s = arena_alloc(r->a, len * rep + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode((const char *)r->p + i, len - i, &cp);
        if (k == 0 || cp == 0) {
            s[i++] = '?';
            continue;
        }
        memcpy(s + i, r->p + i, k);
        i += k;
    }
    for (size_t j = 1; j < rep; j++)
        memcpy(s + j * len, s, len);
    s[len * rep] = '\0';
    r->p += len;
    r->n -= len;
    return s;
}

/* A string or NULL, as a flag bit says. */
static const char *opt(reader *r, unsigned flags, unsigned bit)
{
    return flags & (1u << bit) ? str(r) : NULL;
}

static int metrics_kind;

static float advance(lface f, uint32_t cp)
{
    if (cp == ' ')
        return metrics_kind == 2 ? 0 : 250;
    int bold = f == LFONT_BOLD ? 60 : 0;
    switch (metrics_kind) {
    case 0: /* one width for every glyph */
        return (float)(500 + bold);
    case 1: /* varied widths */
        return (float)(cp * 37u % 900u + 100u + (unsigned)bold);
    case 2: /* some glyphs take no room at all (zero-width characters) */
        return cp % 3 == 0 ? 0.0f : (float)(600 + bold);
    default: /* some glyphs wider than an em (wide CJK, ligatures in a bad font) */
        return cp % 5 == 0 ? 2500.0f : (float)(450 + bold);
    }
}

static const char *const PAGE_FMT[] = {"Page %d of %d", "P\xC3\xA1gina %d de %d", "Cover page"};

/* Arguments are read into locals one statement at a time: C leaves the
 * order of function arguments and initialisers open, and the same input must
 * mean the same program to every compiler (the corpus is replayed by gcc). */
static layout_status op_form_begin(layout *L, reader *r)
{
    unsigned flags = byte(r);
    static layout_image logo;
    static layout_geom other;
    layout_header h = {0};
    h.left = str(r);
    h.right = opt(r, flags, 0);
    h.line2 = opt(r, flags, 1);
    h.footer_left = str(r);
    h.page_fmt = PAGE_FMT[byte(r) % 3];
    h.blank_note = opt(r, flags, 2);
    h.watermark = opt(r, flags, 3);
    /* An Arabic form: laid out right to left, mirrored. */
    h.rtl = flags & 128;
    h.lang = h.rtl ? "ar" : NULL;
    if (flags & 16) {
        logo.width_px = byte(r) << 4;
        logo.width_px |= byte(r);
        logo.height_px = byte(r) << 4;
        logo.height_px |= byte(r);
        h.logo = &logo;
    }
    if (flags & 32) {
        other = layout_geom_for(flags & 64 ? PAGE_A4 : PAGE_LETTER);
        h.geom = &other;
    }
    return layout_form_begin(L, &h);
}

static layout_status op_item(layout *L, reader *r)
{
    unsigned flags = byte(r);
    const char *title = opt(r, flags, 0);
    const char *text = opt(r, flags, 1);
    const char *initials = opt(r, flags, 2);
    return layout_item(L, title, text, initials);
}

static layout_status op_fields(layout *L, reader *r)
{
    size_t n = byte(r) % 6 + 1;
    const char *labels[6], *values[6];
    for (size_t i = 0; i < n; i++) {
        labels[i] = str(r);
        values[i] = str(r);
    }
    return layout_fields(L, labels, values, n);
}

static layout_status op_signatures(layout *L, reader *r)
{
    size_t n = byte(r) % 4 + 1;
    layout_signer s[4];
    const char *lines[4][5];
    for (size_t i = 0; i < n; i++) {
        unsigned flags = byte(r);
        s[i].sign_label = str(r);
        s[i].date_label = opt(r, flags, 0);
        s[i].time_label = opt(r, flags, 1);
        s[i].nlines = (flags >> 2) % 6;
        for (size_t j = 0; j < s[i].nlines; j++)
            lines[i][j] = str(r);
        s[i].lines = lines[i];
    }
    return layout_signatures(L, s, n);
}

static layout_status op_qr(layout *L, reader *r, qr_code *qr, unsigned char *dark)
{
    unsigned flags = byte(r);
    qr->version = (int)(flags % 10) + 1;
    qr->width = 17 + 4 * qr->version;
    qr->dark = dark;
    const char *url = str(r);
    const char *caption = opt(r, flags, 4);
    return layout_qr(L, qr, url, caption);
}

static void fail(const char *what, size_t page, const lbox *b)
{
    fprintf(stderr, "fuzz_layout: %s: page %zu, box kind %d at x=%g y=%g w=%g h=%g size=%g: %s\n",
            what, page + 1, (int)b->kind, b->x, b->y, b->w, b->h, b->size_pt,
            b->text ? b->text : "");
    abort();
}

/* See the file's header. small_pt is the header and footer size. */
static void check_boxes(const layout_doc *d, double small_pt)
{
    const double eps = 0.01;
    for (size_t p = 0; p < d->npages; p++) {
        const lpage *pg = &d->pages[p];
        double W = pg->width_pt, H = pg->height_pt;
        layout_geom g = layout_geom_for(W < 600 ? PAGE_A4 : PAGE_LETTER);
        if (W != g.width_pt || H != g.height_pt)
            abort();
        for (size_t i = 0; i < pg->nboxes; i++) {
            const lbox *b = &pg->boxes[i];
            if (!isfinite(b->x) || !isfinite(b->y) || !isfinite(b->w) || !isfinite(b->h) ||
                !isfinite(b->size_pt))
                fail("not a finite number", p, b);
            if (b->w < -eps || (b->kind != LBOX_LINE && b->h < -eps))
                fail("negative size", p, b);
            if (b->kind == LBOX_WATERMARK) {
                if (b->x <= 0 || b->x >= W || b->y <= 0 || b->y >= H)
                    fail("watermark off the page", p, b);
                continue;
            }
            if (b->x < g.margin_left_pt - eps || b->x + b->w > W - g.margin_right_pt + eps)
                fail("across a side margin", p, b);
            bool text = b->kind == LBOX_TEXT;
            double lo = fmin(b->y, b->y + b->h), hi = fmax(b->y, b->y + b->h);
            double bottom = text ? b->y - 0.25 * b->size_pt : lo;
            double top = text ? b->y + b->size_pt : hi;
            if (bottom < -eps || top > H + eps)
                fail("off the page", p, b);
            /* The footer band: only the footer's own rule and text, at their
             * places, stand below the body. */
            bool footer =
                (text && fabs(b->y - g.footer_base_pt) < eps) ||
                (b->kind == LBOX_LINE && fabs(b->y - (g.footer_base_pt + small_pt * 1.3)) < eps) ||
                (b->kind == LBOX_HIGHLIGHT && b->y < g.footer_base_pt + eps &&
                 b->y + b->h > g.footer_base_pt - eps);
            if (!footer && bottom < g.body_bottom_pt - 0.3 * (text ? b->size_pt : 0) - eps)
                fail("in the footer band", p, b);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const double body[] = {11.0, 14.0, 10.0, 18.0};
    static unsigned char dark[57 * 57];
    arena *a = arena_new();
    if (!a)
        return 0;
    reader r = {data, size, a};
    unsigned config = byte(&r);
    metrics_kind = (int)(config >> 5) % 4;
    fake_shaper fs = {.a = a, .fallback_above_0370 = config & 16, .advance = advance};
    layout_shaper m = fake_iface(&fs);
    layout_style style = layout_style_for(body[(config >> 1) % 4]);
    layout *L = layout_new(a, layout_geom_for(config & 1 ? PAGE_A4 : PAGE_LETTER), style, &m);
    if (!L)
        abort();
    if (config & 8)
        layout_set_highlight(L, VARS_OPEN, VARS_CLOSE);
    qr_code qr;
    layout_status rc = LAYOUT_OK;
    for (int ops = 0; r.n && ops < 200 && rc == LAYOUT_OK; ops++) {
        switch (byte(&r) % 13) {
        case 0:
            rc = layout_title(L, str(&r));
            break;
        case 1:
            rc = layout_heading(L, str(&r));
            break;
        case 2:
            rc = layout_paragraph(L, str(&r));
            break;
        case 3:
            rc = layout_bullet(L, str(&r));
            break;
        case 4:
            rc = op_item(L, &r);
            break;
        case 5:
            rc = layout_checkbox(L, str(&r));
            break;
        case 6:
            rc = op_fields(L, &r);
            break;
        case 7:
            rc = op_signatures(L, &r);
            break;
        case 8:
            rc = op_qr(L, &r, &qr, dark);
            break;
        case 9:
            rc = layout_page_break(L);
            break;
        case 10:
            rc = op_form_begin(L, &r);
            break;
        case 11: {
            const char *name = str(&r);
            rc = layout_letterhead(L, name, opt(&r, byte(&r), 0));
            break;
        }
        default:
            rc = layout_form_end(L);
            break;
        }
    }
    if (rc == LAYOUT_OK)
        rc = layout_form_end(L);
    if (rc == LAYOUT_NOMEM)
        abort(); /* there is none at these sizes */
    /* LAYOUT_TOO_LONG is an answer, not a fault (long texts in very wide
     * glyphs can reach the limit): the pages made until then must hold. */
    check_boxes(layout_result(L), style.small_pt);
    arena_free(a);
    return 0;
}
