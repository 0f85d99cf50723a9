/*
 * layout.c — see layout.h for the rules this engine keeps.
 *
 * The builder turns each call into a *chunk*: a list of *units* (groups of
 * boxes that never split, such as one line of a paragraph or a whole risk with
 * its initials box), with the space wanted before it and two flags:
 * keep_together (all units on one page when they fit on one) and
 * keep_with_next (a heading: held back until the next chunk is placed, and
 * moved to a new page with it). Units are laid out with y = 0 at their top and
 * y growing upwards (so every offset inside is negative), and shifted to the
 * page's cursor when placed.
 */
#include "layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

#define EPS 0.001

/* ---- geometry and styles ---------------------------------------------- */

layout_geom layout_geom_for(page_size size)
{
    layout_geom g;
    if (size == PAGE_A4) {
        g.width_pt = 595.276; /* 210 x 297 mm */
        g.height_pt = 841.890;
    } else {
        g.width_pt = 612.0; /* 8.5 x 11 in */
        g.height_pt = 792.0;
    }
    /* 0.75 in at the sides, body from 1.1 in below the top to 1 in above the
     * bottom: well inside the 0.25 in that office printers cannot reach,
     * with room for the header and footer lines. */
    g.margin_left_pt = g.margin_right_pt = 54.0;
    g.header_base_pt = g.height_pt - 40.0;
    g.body_top_pt = g.height_pt - 80.0;
    g.body_bottom_pt = 72.0;
    g.footer_base_pt = 40.0;
    return g;
}

layout_style layout_style_for(double body_pt)
{
    layout_style s;
    s.body_pt = body_pt;
    s.heading_pt = body_pt * 1.25;
    s.title_pt = body_pt * 1.6;
    s.small_pt = body_pt * 0.78 < 8.0 ? 8.0 : body_pt * 0.78;
    s.leading = 1.3;
    return s;
}

/* ---- measuring ------------------------------------------------------ */

double layout_text_width(const layout_shaper *sh, const char *lang, lfont f, double size_pt,
                         const char *text, size_t len)
{
    const lshaped *sp;
    if (sh->para(sh->ctx, f, lang, text, len, TEXT_DIR_LTR, &sp))
        return -1;
    return lines_width(sp, size_pt, 0, sp->len);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *layout_squash_space(arena *a, const char *text, size_t len, size_t *out_len)
{
    char *out = arena_alloc(a, len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    bool pending_space = false;
    for (size_t i = 0; i < len; i++) {
        if (is_space(text[i])) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space)
            out[o++] = ' ';
        pending_space = false;
        out[o++] = text[i];
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* ---- units and chunks ------------------------------------------------- */

typedef struct unit {
    lbox *boxes;
    size_t n, cap;
    double height;
} unit;

typedef struct chunk chunk;
struct chunk {
    unit *units;
    size_t n, cap;
    double space_before;
    bool keep_together, keep_with_next;
    lrole role;
    int seq; /* lbox.seq of its boxes */
    /* Printed again at the top of each page the chunk goes on to (a
     * signature block's section heading), or NULL. */
    const chunk *repeat;
    /* What made it, so that it can be made again in a narrower column
     * (rebuild): its texts (a heading's; a paragraph's; an item's title,
     * text and initials label; a QR code's URL and caption), a heading's
     * font and size, a QR code. */
    const char *src[3];
    lfont font;
    double size;
    const qr_code *qr;
};

/* A chunk as it was placed, and where the page stood just before: enough
 * to take it and everything after it off the pages again (rollback). */
typedef struct placed {
    chunk *c;
    size_t mark_page, mark_nboxes; /* the last page and its box count before */
    double mark_cursor;
    bool mark_empty;
    size_t page; /* the page its first box went on */
} placed;

#define MAX_PENDING 8
#define NONE ((size_t)-1)

struct layout {
    arena *a;
    layout_geom g;
    layout_style s;
    const layout_shaper *sh;
    const char *lang; /* the form's language, for breaking and shaping */
    bool rtl;         /* the form reads right to left: its pages are mirrored */
    /* Text that reads right to left is placed mirrored about axis / 2: the
     * page's middle, or a notice column's (layout_notice). */
    double axis;
    layout_doc doc;
    size_t pages_cap;
    double cursor;   /* y of the top of the next unit on the current page */
    bool page_empty; /* nothing placed on the current page yet */
    chunk *pending[MAX_PENDING];
    size_t npending;
    /* The chunks of this form as they were placed. A rule that moves what
     * came before a chunk (a signature block's section, a QR code's
     * paragraphs) takes it off the pages and places it again; none reaches
     * before log[floor]: an explicit page break, or what an earlier rule
     * decided, stays. */
    placed *log;
    size_t nlog, log_cap, floor;
    int nseq;      /* chunks made in this form: the next one's seq */
    unsigned part; /* the lbox.part of the boxes being made */
    double inset;  /* the text column ends this far inside the right margin */
    int form_index;
    size_t form_first_page;
    layout_header hdr;
    bool in_form;
    const char *hl_open, *hl_close; /* see layout_set_highlight */
};

layout *layout_new(arena *a, layout_geom geom, layout_style style, const layout_shaper *sh)
{
    layout *L = arena_alloc(a, sizeof *L);
    if (!L)
        return NULL;
    L->a = a;
    L->g = geom;
    L->axis = geom.width_pt;
    L->s = style;
    L->sh = sh;
    L->doc.geom = geom;
    L->form_index = -1;
    return L;
}

void layout_set_highlight(layout *L, const char *open, const char *close)
{
    L->hl_open = open;
    L->hl_close = close;
}

const layout_doc *layout_result(layout *L)
{
    return &L->doc;
}

size_t layout_faces(const layout_doc *doc, int form_index, lface *out, size_t max)
{
    size_t n = 0;
    for (size_t p = 0; p < doc->npages; p++) {
        const lpage *pg = &doc->pages[p];
        if (form_index >= 0 && pg->form_index != form_index)
            continue;
        for (size_t b = 0; b < pg->nboxes; b++) {
            const lbox *bx = &pg->boxes[b];
            if (bx->kind != LBOX_TEXT && bx->kind != LBOX_WATERMARK)
                continue;
            /* Insertion into the sorted list: a document has a few faces. */
            size_t i = 0;
            while (i < n && out[i] < bx->face)
                i++;
            if (i < n && out[i] == bx->face)
                continue;
            if (n == max)
                continue; /* full: the caller's max is the fontset's */
            memmove(out + i + 1, out + i, (n - i) * sizeof *out);
            out[i] = bx->face;
            n++;
        }
    }
    return n;
}

static double line_h(const layout *L, double size)
{
    return size * L->s.leading;
}

/* The width of the text column: the body's, less what a float beside it
 * takes (inset). */
static double body_width(const layout *L)
{
    return L->g.width_pt - L->g.margin_left_pt - L->g.margin_right_pt - L->inset;
}

static chunk *new_chunk(layout *L, double space_before, lrole role)
{
    chunk *c = arena_alloc(L->a, sizeof *c);
    L->part = LPART_MAIN;
    if (c) {
        c->space_before = space_before;
        c->role = role;
        c->seq = L->nseq++;
    }
    return c;
}

static unit *new_unit(layout *L, chunk *c)
{
    unit *nu = arena_grow(L->a, c->units, &c->cap, c->n + 1, sizeof *c->units);
    if (!nu)
        return NULL;
    c->units = nu;
    unit *u = &c->units[c->n++];
    memset(u, 0, sizeof *u);
    return u;
}

static lbox *add_box(arena *a, lbox **boxes, size_t *n, size_t *cap)
{
    lbox *nb = arena_grow(a, *boxes, cap, *n + 1, sizeof **boxes);
    if (!nb)
        return NULL;
    *boxes = nb;
    lbox *b = &(*boxes)[(*n)++];
    memset(b, 0, sizeof *b);
    return b;
}

static lbox *unit_box(layout *L, unit *u, lbox_kind kind)
{
    lbox *b = add_box(L->a, &u->boxes, &u->n, &u->cap);
    if (b) {
        b->kind = kind;
        b->part = L->part;
        b->lang = L->lang;
    }
    return b;
}

/* ---- text ------------------------------------------------------------ */

/* s[0..len) shaped in style f as a paragraph of direction dir, or NULL
 * when out of memory. */
static const lshaped *shape_dir(layout *L, lfont f, const char *s, size_t len, text_dir dir)
{
    const lshaped *sp;
    return L->sh->para(L->sh->ctx, f, L->lang, s, len, dir, &sp) ? NULL : sp;
}

/* The direction of the form's wording and of its labels. */
static text_dir form_dir(const layout *L)
{
    return L->rtl ? TEXT_DIR_RTL : TEXT_DIR_LTR;
}

static const lshaped *shape(layout *L, lfont f, const char *s, size_t len)
{
    return shape_dir(L, f, s, len, form_dir(L));
}

/* Width of s in points, or -1 when out of memory. */
static double text_w(layout *L, lfont f, double size, const char *s)
{
    const lshaped *sp = shape(L, f, s, strlen(s));
    return sp ? lines_width(sp, size, 0, sp->len) : -1;
}

/* Where something laid out at x, w wide, goes on the page: on a form that
 * reads right to left, the mirror image. Text is placed with it as it is
 * made; every other box is mirrored when the form ends (mirror_pages). */
static double page_x(const layout *L, double x, double w)
{
    return L->rtl ? L->axis - x - w : x;
}

/* Highlights behind the glyphs of piece pc (at x) that lie between the
 * highlight marks of its paragraph sp: placeholders on a specimen. A span
 * cut by a line break is highlighted on each of its lines. */
static int add_highlights(layout *L, lbox **boxes, size_t *n, size_t *cap, const lshaped *sp,
                          const lpiece *pc, double x, double y, double size)
{
    size_t lo = strlen(L->hl_open), lc = strlen(L->hl_close);
    const char *text = sp->text, *end = sp->text + sp->len;
    const char *p = text;
    while (p < end) {
        const char *open = strstr(p, L->hl_open);
        if (!open || (size_t)(open - text) >= pc->end)
            return 0;
        const char *close = strstr(open + lo, L->hl_close);
        size_t s = (size_t)(open - text), e = close ? (size_t)(close - text) + lc : sp->len;
        p = text + e;
        if (e <= pc->start)
            continue;
        double at = 0, x0 = -1, x1 = -1;
        for (size_t i = 0; i < pc->nglyphs; i++) {
            const lglyph *g = &pc->glyphs[i];
            size_t c = pc->start + g->cluster;
            if (c >= s && c < e) {
                if (x0 < 0)
                    x0 = at;
                x1 = at + g->adv;
            }
            at += g->adv;
        }
        if (x0 < 0)
            continue;
        lbox *h = add_box(L->a, boxes, n, cap);
        if (!h)
            return -1;
        *h = (lbox){.kind = LBOX_HIGHLIGHT,
                    .part = L->part,
                    .x = x + x0 * size / 1000,
                    .y = y - size * 0.25,
                    .w = (x1 - x0) * size / 1000,
                    .h = size * 1.1};
        if (!close)
            return 0;
    }
    return 0;
}

/* Line [s, e) of paragraph sp at (x, baseline y) in left-to-right page
 * terms: one text box per piece, left to right in visual order, over its
 * highlights. */
static int add_line(layout *L, lbox **boxes, size_t *n, size_t *cap, const lshaped *sp, size_t s,
                    size_t e, double x, double y, double size)
{
    lpiece *pcs;
    size_t np;
    if (lines_pieces(L->sh, L->lang, sp, s, e, L->a, &pcs, &np))
        return -1;
    double total = 0;
    for (size_t i = 0; i < np; i++)
        total += pcs[i].adv * size / 1000;
    double px = page_x(L, x, total);
    /* The piece that ends the line in reading order is followed by a word
     * space when the line broke at one or the text ends there; not inside
     * a run of Chinese or Thai, which breaks between letters. */
    size_t last = 0;
    for (size_t i = 1; i < np; i++)
        if (pcs[i].end > pcs[last].end)
            last = i;
    bool spaced = np && (pcs[last].end >= sp->len || strchr(" \t\n", sp->text[pcs[last].end]));
    for (size_t i = 0; i < np; i++) {
        const lpiece *pc = &pcs[i];
        double w = pc->adv * size / 1000;
        if (L->hl_open && add_highlights(L, boxes, n, cap, sp, pc, px, y, size))
            return -1;
        lbox *b = add_box(L->a, boxes, n, cap);
        if (!b)
            return -1;
        *b = (lbox){.kind = LBOX_TEXT,
                    .x = px,
                    .y = y,
                    .w = w,
                    .h = size,
                    .size_pt = size,
                    .text = arena_strndup(L->a, sp->text + pc->start, pc->end - pc->start),
                    .len = pc->end - pc->start,
                    .face = pc->face,
                    .rtl = pc->level & 1,
                    .glyphs = pc->glyphs,
                    .nglyphs = pc->nglyphs,
                    .part = L->part,
                    .lang = L->lang,
                    .space_after = spaced && i == last};
        if (!b->text)
            return -1;
        px += w;
    }
    return 0;
}

/* s[0..len) on one line at (x, baseline y), unwrapped. */
static int add_word(layout *L, lbox **boxes, size_t *n, size_t *cap, double x, double y, lfont f,
                    double size, const char *s, size_t len)
{
    const lshaped *sp = shape(L, f, s, len);
    return sp ? add_line(L, boxes, n, cap, sp, 0, sp->len, x, y, size) : -1;
}

/* A word at (x, baseline y) in unit-local coordinates. */
static int unit_word(layout *L, unit *u, double x, double y, lfont f, double size, const char *s)
{
    return add_word(L, &u->boxes, &u->n, &u->cap, x, y, f, size, s, strlen(s));
}

static int unit_rect(layout *L, unit *u, lbox_kind kind, double x, double y, double w, double h)
{
    lbox *b = unit_box(L, u, kind);
    if (!b)
        return -1;
    b->x = x, b->y = y, b->w = w, b->h = h;
    return 0;
}

/* What a screen reader says for box b: fmt (a form's alt_* format, or
 * NULL: nothing) with what. False when out of memory. */
static bool set_alt(layout *L, lbox *b, const char *fmt, const char *what)
{
    if (!fmt)
        return true;
    b->alt = arena_printf(L->a, fmt, what ? what : "");
    return b->alt != NULL;
}

/* Wrapped text as lines inside unit u, starting `top` below the unit's top
 * (top >= 0), as a paragraph of direction dir. Returns the height used, or
 * -1 on OOM. */
static double unit_lines_dir(layout *L, unit *u, double x, double top, double width, lfont f,
                             double size, const char *text, text_dir dir)
{
    size_t len;
    char *sq = layout_squash_space(L->a, text, strlen(text), &len);
    const lshaped *sp = sq ? shape_dir(L, f, sq, len, dir) : NULL;
    if (!sp)
        return -1;
    lline *lines;
    size_t n = lines_break(sp, size, width, L->a, &lines);
    if (n == (size_t)-1)
        return -1;
    double lh = line_h(L, size);
    for (size_t i = 0; i < n; i++) {
        double base = -(top + (double)i * lh + size * 0.95);
        if (add_line(L, &u->boxes, &u->n, &u->cap, sp, lines[i].start, lines[i].end, x, base, size))
            return -1;
    }
    return (double)n * lh;
}

/* The form's wording or labels, wrapped (unit_lines_dir). */
static double unit_lines(layout *L, unit *u, double x, double top, double width, lfont f,
                         double size, const char *text)
{
    return unit_lines_dir(L, u, x, top, width, f, size, text, form_dir(L));
}

/* Data (the clinic's name and address, a patient's value, a URL), wrapped:
 * its order is that of its own first strong letter (UAX #9 P2, P3), as a
 * browser's dir="auto" does, whatever the form's direction; the form's
 * direction still places it. On an Arabic form, "1200 Main Street" would
 * otherwise print as "Main Street 1200". */
static double unit_data_lines(layout *L, unit *u, double x, double top, double width, lfont f,
                              double size, const char *text)
{
    return unit_lines_dir(L, u, x, top, width, f, size, text, TEXT_DIR_AUTO);
}

/* ---- pages and placement ---------------------------------------------- */

static layout_status new_page(layout *L)
{
    if (L->doc.npages >= LAYOUT_MAX_PAGES)
        return LAYOUT_TOO_LONG;
    lpage *np =
        arena_grow(L->a, L->doc.pages, &L->pages_cap, L->doc.npages + 1, sizeof *L->doc.pages);
    if (!np)
        return LAYOUT_NOMEM;
    L->doc.pages = np;
    lpage *p = &L->doc.pages[L->doc.npages++];
    memset(p, 0, sizeof *p);
    p->form_index = L->form_index;
    p->lang = L->lang;
    p->width_pt = L->g.width_pt;
    p->height_pt = L->g.height_pt;
    L->cursor = L->g.body_top_pt;
    L->page_empty = true;
    return LAYOUT_OK;
}

static bool fits(const layout *L, double h)
{
    return L->cursor - h >= L->g.body_bottom_pt - EPS;
}

static double body_height(const layout *L)
{
    return L->g.body_top_pt - L->g.body_bottom_pt;
}

static double chunk_height(const chunk *c)
{
    double h = 0;
    for (size_t i = 0; i < c->n; i++)
        h += c->units[i].height;
    return h;
}

/* How far a box reaches above and below its unit's top: a line of text
 * from its ascent (the line's top) to its descent, a highlight or its text's
 * descent, any other box its rectangle. */
static double box_top(const lbox *b)
{
    if (b->kind == LBOX_TEXT)
        return b->y + b->size_pt * 0.95;
    return b->h < 0 ? b->y : b->y + b->h;
}

static double box_bottom(const lbox *b)
{
    if (b->kind == LBOX_TEXT)
        return b->y - b->size_pt * 0.25;
    return b->h < 0 ? b->y + b->h : b->y;
}

/* Top to bottom; boxes side by side (the runs of one line, a line and its
 * highlight, a label and its value) keep their order. */
static int by_descent(const void *x, const void *y)
{
    const lbox *a = *(const lbox *const *)x, *b = *(const lbox *const *)y;
    double da = box_bottom(a), db = box_bottom(b);
    if (da != db)
        return da > db ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* A box of chunk c's, copied onto the current page with its top at y. */
static lbox *page_box(layout *L, const chunk *c, const lbox *from, double y)
{
    lpage *p = &L->doc.pages[L->doc.npages - 1];
    lbox *b = add_box(L->a, &p->boxes, &p->nboxes, &p->cap);
    if (!b)
        return NULL;
    *b = *from;
    b->y += y;
    b->role = c->role;
    b->seq = c->seq;
    return b;
}

/* A unit taller than the body cannot be kept whole on any page (a heading,
 * a checkbox or a patient's value thousands of characters long). Found by
 * fuzzing (tests/fuzz/corpus/layout/crash-tall-unit-*): it was placed whole
 * and ran over the footer and off the bottom of the page. It is cut between
 * its lines instead, each page taking what fits, as a paragraph is. */
static layout_status place_tall_unit(layout *L, const chunk *c, const unit *u)
{
    const lbox **order = arena_array(L->a, u->n, sizeof *order);
    if (u->n && !order)
        return LAYOUT_NOMEM;
    for (size_t i = 0; i < u->n; i++)
        order[i] = &u->boxes[i];
    if (u->n)
        qsort(order, u->n, sizeof *order, by_descent);
    double top = L->cursor; /* page y of the unit's top */
    for (size_t i = 0; i < u->n; i++) {
        if (top + box_bottom(order[i]) < L->g.body_bottom_pt - EPS && !L->page_empty) {
            layout_status st = new_page(L);
            if (st)
                return st;
            top = L->cursor - box_top(order[i]);
        }
        if (!page_box(L, c, order[i], top))
            return LAYOUT_NOMEM;
        L->page_empty = false;
    }
    L->cursor = top - u->height;
    if (L->cursor < L->g.body_bottom_pt)
        L->cursor = L->g.body_bottom_pt;
    L->page_empty = false;
    return LAYOUT_OK;
}

static layout_status place_unit(layout *L, const chunk *c, const unit *u)
{
    if (u->height > body_height(L) + EPS)
        return place_tall_unit(L, c, u);
    layout_status st;
    if (!fits(L, u->height) && !L->page_empty && (st = new_page(L)))
        return st;
    for (size_t i = 0; i < u->n; i++)
        if (!page_box(L, c, &u->boxes[i], L->cursor))
            return LAYOUT_NOMEM;
    L->cursor -= u->height;
    L->page_empty = false;
    return LAYOUT_OK;
}

/* Chunk c's units from the cursor on, unlogged: a heading printed again. */
static layout_status place_again(layout *L, const chunk *c)
{
    for (size_t i = 0; i < c->n; i++) {
        layout_status st = place_unit(L, c, &c->units[i]);
        if (st)
            return st;
    }
    return LAYOUT_OK;
}

/* Notes where the pages stand before chunk c goes on them. */
static layout_status log_chunk(layout *L, chunk *c)
{
    placed *nl = arena_grow(L->a, L->log, &L->log_cap, L->nlog + 1, sizeof *L->log);
    if (!nl)
        return LAYOUT_NOMEM;
    L->log = nl;
    size_t last = L->doc.npages - 1;
    L->log[L->nlog++] = (placed){.c = c,
                                 .mark_page = last,
                                 .mark_nboxes = L->doc.pages[last].nboxes,
                                 .mark_cursor = L->cursor,
                                 .mark_empty = L->page_empty,
                                 .page = last};
    return LAYOUT_OK;
}

/* Takes log[k] and everything placed after it off the pages. */
static void rollback(layout *L, size_t k)
{
    const placed *m = &L->log[k];
    L->doc.npages = m->mark_page + 1;
    L->doc.pages[m->mark_page].nboxes = m->mark_nboxes;
    L->cursor = m->mark_cursor;
    L->page_empty = m->mark_empty;
    L->nlog = k;
}

/* Chunk c's units, logged; with break_at < c->n, a new page (and c->repeat
 * on it) before unit break_at, whatever room is left. */
static layout_status place_units_split(layout *L, chunk *c, size_t break_at)
{
    if (c->n == 0)
        return LAYOUT_OK;
    layout_status st = log_chunk(L, c);
    if (st)
        return st;
    size_t at = L->nlog - 1, first_page = L->doc.npages - 1;
    size_t first_boxes = L->doc.pages[first_page].nboxes;
    double h = chunk_height(c);
    if (c->keep_together && h <= body_height(L) && !L->page_empty &&
        !fits(L, c->space_before + h) && (st = new_page(L)))
        return st;
    if (!L->page_empty) {
        if (fits(L, c->space_before + c->units[0].height))
            L->cursor -= c->space_before;
        else if ((st = new_page(L)))
            return st;
    }
    for (size_t i = 0; i < c->n; i++) {
        const unit *u = &c->units[i];
        bool forced = i == break_at && i > 0;
        if (i > 0 && !L->page_empty &&
            (forced || (c->repeat && u->height <= body_height(L) && !fits(L, u->height)))) {
            /* The page breaks inside the chunk: its heading again on the next. */
            if ((st = new_page(L)) || (c->repeat && (st = place_again(L, c->repeat))))
                return st;
        }
        if ((st = place_unit(L, c, u)))
            return st;
    }
    /* Where the first box went: the page the chunk began on, or the next. */
    if (L->doc.npages - 1 > first_page && L->doc.pages[first_page].nboxes == first_boxes)
        L->log[at].page = first_page + 1;
    else
        L->log[at].page = first_page;
    return LAYOUT_OK;
}

static layout_status place_units(layout *L, chunk *c)
{
    return place_units_split(L, c, c->n);
}

/* What must fit on the page for chunk c to start there. */
static double first_need(const layout *L, const chunk *c)
{
    if (c->n == 0)
        return 0;
    double h = chunk_height(c);
    return c->space_before + (c->keep_together && h <= body_height(L) ? h : c->units[0].height);
}

static layout_status flush_pending(layout *L)
{
    for (size_t i = 0; i < L->npending; i++) {
        layout_status st = place_units(L, L->pending[i]);
        if (st)
            return st;
    }
    L->npending = 0;
    return LAYOUT_OK;
}

/* Chunk c by the rules every chunk keeps: a heading waits for what follows
 * it and goes to a new page with it; a chunk kept together starts a new
 * page when it does not fit; a paragraph keeps two lines together. */
static layout_status place_plain(layout *L, chunk *c)
{
    layout_status st;
    if (c->keep_with_next) {
        if (L->npending == MAX_PENDING && (st = flush_pending(L)))
            return st;
        L->pending[L->npending++] = c;
        return LAYOUT_OK;
    }
    if (L->npending) {
        /* Headings go where their first following lines go. */
        double need = first_need(L, c);
        for (size_t i = 0; i < L->npending; i++)
            need += L->pending[i]->space_before + chunk_height(L->pending[i]);
        if (!L->page_empty && !fits(L, need) && need <= body_height(L) && (st = new_page(L)))
            return st;
        if ((st = flush_pending(L)))
            return st;
    }
    return place_units(L, c);
}

/* ---- keeping what is signed with the lines -------------------------------- */

static bool is_heading(const chunk *c)
{
    return c->role == LROLE_TITLE || c->role == LROLE_HEADING;
}

/* The log index of the heading that opens the section log[before - 1] is
 * in, or NONE when no heading came since log[floor]. */
static size_t section_start(const layout *L, size_t before)
{
    for (size_t i = before; i-- > L->floor;)
        if (is_heading(L->log[i].c))
            return i;
    return NONE;
}

/* The height log[from..] (from may be L->nlog), the pending headings and
 * then c take from the top of a fresh page. */
static double group_height(const layout *L, size_t from, const chunk *c)
{
    double h = 0;
    bool first = true;
    for (size_t i = from; i < L->nlog; i++, first = false)
        h += (first ? 0 : L->log[i].c->space_before) + chunk_height(L->log[i].c);
    for (size_t i = 0; i < L->npending; i++, first = false)
        h += (first ? 0 : L->pending[i]->space_before) + chunk_height(L->pending[i]);
    return h + (first ? 0 : c->space_before) + chunk_height(c);
}

/* Whether the pending headings and c fit under what the page holds. */
static bool fits_here(const layout *L, const chunk *c)
{
    double h = c->space_before + chunk_height(c);
    for (size_t i = 0; i < L->npending; i++)
        h += L->pending[i]->space_before + chunk_height(L->pending[i]);
    return L->page_empty || fits(L, h);
}

/* Takes log[g..] off the pages and places it again from the top of a new
 * page (after heading h, printed again, when h is not NULL), then c. */
static layout_status move_group(layout *L, size_t g, const chunk *h, chunk *c)
{
    size_t n = L->nlog - g, np = L->npending;
    chunk **again = arena_array(L->a, n + np + 1, sizeof *again);
    if (!again)
        return LAYOUT_NOMEM;
    for (size_t i = 0; i < n; i++)
        again[i] = L->log[g + i].c;
    memcpy(again + n, L->pending, np * sizeof *again);
    L->npending = 0;
    rollback(L, g);
    layout_status st;
    if (!L->page_empty && (st = new_page(L)))
        return st;
    if (h && (st = place_again(L, h)))
        return st;
    for (size_t i = 0; i < n + np; i++)
        if ((st = place_plain(L, again[i])))
            return st;
    return place_plain(L, c);
}

/* c goes with the last chunk placed before it (the statement right before
 * signature lines, the paragraph before a QR code), after heading h printed
 * again (or NULL): for a section too long for one page. A statement too
 * long to go whole keeps its last lines with c. */
static layout_status keep_tail(layout *L, const chunk *h, chunk *c)
{
    if (L->nlog <= L->floor || L->npending)
        return place_plain(L, c);
    size_t t = L->nlog - 1;
    chunk *tail = L->log[t].c;
    if (!tail) /* never: every logged chunk is one; said for the analyzer */
        return place_plain(L, c);
    if (h == tail)
        h = NULL;
    double body = body_height(L), ch = chunk_height(c);
    double hh = h ? chunk_height(h) + tail->space_before : 0;
    double cneed = c->space_before + (ch <= body ? ch : c->units[0].height);
    if (hh + chunk_height(tail) + cneed <= body + EPS)
        return move_group(L, t, h, c);
    /* The lines of the statement that go with c: as many as fit. */
    size_t j = tail->n;
    double rest = hh + cneed;
    while (j > 1 && rest + tail->units[j - 1].height <= body + EPS)
        rest += tail->units[--j].height;
    layout_status st;
    if (j == tail->n || (tail->keep_together && chunk_height(tail) <= body)) {
        /* Not even its last line fits (or it must stay whole): the heading
         * at least goes with the lines. */
        if (h && hh - tail->space_before + cneed <= body + EPS && !L->page_empty &&
            ((st = new_page(L)) || (st = place_again(L, h))))
            return st;
        return place_plain(L, c);
    }
    rollback(L, t);
    const chunk *keep = tail->repeat;
    tail->repeat = h;
    st = place_units_split(L, tail, j);
    tail->repeat = keep;
    return st ? st : place_plain(L, c);
}

/* A signature block: on the page of what it signs (layout.h). */
static layout_status place_signatures(layout *L, chunk *c)
{
    double body = body_height(L);
    size_t sec = section_start(L, L->nlog);
    /* A block split between pages says on each what it signs. */
    c->repeat = L->npending ? L->pending[L->npending - 1] : sec == NONE ? NULL : L->log[sec].c;
    /* Its own section; the pending headings, when they open it. */
    size_t own = L->npending ? L->nlog : sec == NONE ? L->floor : sec;
    /* The patient's agreement: the section of the nearest checkboxes. */
    size_t agree = own;
    for (size_t i = L->nlog; i-- > L->floor;)
        if (L->log[i].c->role == LROLE_CHECKBOX) {
            size_t s = section_start(L, i + 1);
            agree = s == NONE ? L->floor : s;
            break;
        }
    size_t groups[2] = {agree, own};
    for (size_t k = 0; k < 2; k++) {
        size_t g = groups[k];
        if (g >= L->nlog)
            break; /* just the pending headings: place_plain keeps them with it */
        if (group_height(L, g, c) > body + EPS)
            continue;
        if (L->log[g].page == L->doc.npages - 1 && fits_here(L, c))
            return place_plain(L, c); /* already on this page, and it fits */
        return move_group(L, g, NULL, c);
    }
    if (own >= L->nlog)
        return place_plain(L, c);
    return keep_tail(L, sec == NONE ? NULL : L->log[sec].c, c);
}

/* ---- a QR code never alone on a page ------------------------------------- */

static chunk *rebuild(layout *L, const chunk *c, layout_status *st);
static chunk *qr_chunk(layout *L, const qr_code *qr, const char *url, const char *caption, double x,
                       double width, double url_w);

/* The side of QR code q's square, quiet zone included. */
static double qr_side(const qr_code *q)
{
    return LAYOUT_QR_SYMBOL_PT / q->width * (q->width + 2 * QR_QUIET_MODULES);
}

/* QR chunk c where it does not fit under the text: in a column of its own
 * at the right of the page's last paragraphs, which are made again
 * narrower. Its top is level with the first of them: its section's heading
 * when the column fits from there, else the one that leaves the page
 * ending highest (where the paragraphs beside it first reach the code's
 * height: above that, each one more only makes the column longer). *done
 * is false when no such column fits on the page. */
static layout_status float_beside(layout *L, chunk *c, bool *done)
{
    *done = false;
    double gap = L->s.body_pt * 1.5, full = body_width(L);
    double fw = qr_side(c->qr);
    if (fw < full / 4)
        fw = full / 4; /* room for a caption of a few words a line */
    if (fw + gap > full / 2)
        return LAYOUT_OK;
    size_t cur = L->doc.npages - 1, lo = L->floor, sec = section_start(L, L->nlog);
    bool at_heading = false;
    int seq = L->nseq;
    double x = L->g.margin_left_pt + full - fw;
    chunk *qf = qr_chunk(L, c->qr, c->src[0], c->src[1], x, fw, fw);
    L->nseq = seq;
    chunk **narrow = arena_array(L->a, L->nlog - lo + 1, sizeof *narrow);
    if (!qf || !narrow)
        return LAYOUT_NOMEM;
    qf->seq = c->seq;
    double qh = chunk_height(qf), total = 0, best_bottom = L->g.body_bottom_pt - EPS;
    size_t best = NONE;
    layout_status st = LAYOUT_OK;
    L->inset = fw + gap;
    for (size_t k = L->nlog; k-- > lo;) {
        const placed *m = &L->log[k];
        if (m->mark_page != cur || m->page != cur)
            break;
        chunk *nc = rebuild(L, m->c, &st);
        if (!nc)
            break; /* out of memory (st), or a chunk not made of text */
        narrow[k - lo] = nc;
        if (k + 1 < L->nlog)
            total += narrow[k + 1 - lo]->space_before;
        total += chunk_height(nc);
        double top = m->mark_cursor - (m->mark_empty ? 0 : nc->space_before);
        double bottom = top - (total > qh ? total : qh);
        if (bottom > best_bottom) {
            best = k;
            best_bottom = bottom;
        }
        if (k == sec && bottom >= L->g.body_bottom_pt - EPS)
            at_heading = true;
        if (total >= qh)
            break;
    }
    L->inset = 0;
    /* Level with its section's heading, when that fits: the code reads as
     * part of the section, not of the one before. */
    if (at_heading)
        best = sec;
    if (st || best == NONE)
        return st;
    size_t end = L->nlog;
    rollback(L, best);
    double top = L->cursor - (L->page_empty ? 0 : narrow[best - lo]->space_before);
    for (size_t k = best; k < end; k++)
        if ((st = place_plain(L, narrow[k - lo])))
            return st;
    if ((st = flush_pending(L)))
        return st;
    for (size_t i = 0; i < qf->units[0].n; i++)
        if (!page_box(L, qf, &qf->units[0].boxes[i], top))
            return LAYOUT_NOMEM;
    if (top - qh < L->cursor)
        L->cursor = top - qh;
    L->page_empty = false;
    *done = true;
    return LAYOUT_OK;
}

/* A QR code: where it fits; else beside the last paragraphs; else with its
 * section, or the paragraph before it, on the next page. */
static layout_status place_qr(layout *L, chunk *c)
{
    double body = body_height(L);
    if (L->npending || L->page_empty || L->nlog <= L->floor || fits_here(L, c) ||
        chunk_height(c) > body)
        return place_plain(L, c);
    bool done;
    layout_status st = float_beside(L, c, &done);
    if (st || done)
        return st;
    size_t sec = section_start(L, L->nlog);
    size_t g = sec == NONE ? L->floor : sec;
    if (group_height(L, g, c) <= body + EPS)
        return move_group(L, g, NULL, c);
    return keep_tail(L, NULL, c);
}

static layout_status place(layout *L, chunk *c)
{
    layout_status st;
    if (!L->in_form && (st = layout_form_begin(L, &(layout_header){0})))
        return st;
    if (L->doc.npages == 0 && (st = new_page(L)))
        return st;
    if (c->role == LROLE_SIGNATURES || c->role == LROLE_QR) {
        st = c->role == LROLE_QR ? place_qr(L, c) : place_signatures(L, c);
        /* What these rules decided stays: no later rule moves it. */
        L->floor = L->nlog;
        return st;
    }
    return place_plain(L, c);
}

/* ---- builder calls ---------------------------------------------------- */

static int dup_str(arena *a, const char *s, const char **out)
{
    *out = NULL;
    if (!s)
        return 0;
    *out = arena_strdup(a, s);
    return *out ? 0 : -1;
}

layout_status layout_form_begin(layout *L, const layout_header *h)
{
    layout_status st;
    if (L->in_form && (st = layout_form_end(L)))
        return st;
    L->form_index++;
    L->in_form = true;
    L->nlog = L->floor = 0;
    L->nseq = 0;
    L->inset = 0;
    L->g = h->geom ? *h->geom : L->doc.geom;
    L->axis = L->g.width_pt;
    L->hdr.logo = h->logo;
    L->rtl = h->rtl;
    if (dup_str(L->a, h->lang, &L->lang))
        return LAYOUT_NOMEM;
    if (dup_str(L->a, h->left, &L->hdr.left) || dup_str(L->a, h->right, &L->hdr.right) ||
        dup_str(L->a, h->line2, &L->hdr.line2) ||
        dup_str(L->a, h->footer_left, &L->hdr.footer_left) ||
        dup_str(L->a, h->page_fmt, &L->hdr.page_fmt) ||
        dup_str(L->a, h->blank_note, &L->hdr.blank_note) ||
        dup_str(L->a, h->watermark, &L->hdr.watermark) ||
        dup_str(L->a, h->alt_checkbox, &L->hdr.alt_checkbox) ||
        dup_str(L->a, h->alt_initials, &L->hdr.alt_initials) ||
        dup_str(L->a, h->alt_qr, &L->hdr.alt_qr))
        return LAYOUT_NOMEM;
    /* Every form starts on a page of its own. */
    if ((st = new_page(L)))
        return st;
    L->form_first_page = L->doc.npages - 1;
    return LAYOUT_OK;
}

layout_status layout_letterhead(layout *L, const char *name, const char *details)
{
    chunk *c = new_chunk(L, 0, LROLE_LETTERHEAD);
    unit *u = c ? new_unit(L, c) : NULL;
    if (!u)
        return LAYOUT_NOMEM;
    double x = L->g.margin_left_pt, w = body_width(L);
    double y = unit_data_lines(L, u, x, 0, w, LFONT_BOLD, L->s.heading_pt, name);
    if (y < 0)
        return LAYOUT_NOMEM;
    if (details) {
        double d = unit_data_lines(L, u, x, y, w, LFONT_REGULAR, L->s.small_pt, details);
        if (d < 0)
            return LAYOUT_NOMEM;
        y += d;
    }
    y += 4;
    if (unit_rect(L, u, LBOX_LINE, x, -y, w, 0))
        return LAYOUT_NOMEM;
    u->height = y + 2;
    return place(L, c);
}

/* A copy of s in the arena (NULL stays NULL); false when out of memory. */
static bool keep_src(layout *L, chunk *c, int i, const char *s)
{
    c->src[i] = s ? arena_strdup(L->a, s) : NULL;
    return !s || c->src[i];
}

static chunk *make_heading(layout *L, const char *text, lfont f, double size, double space,
                           lrole role)
{
    chunk *c = new_chunk(L, space, role);
    unit *u = c ? new_unit(L, c) : NULL;
    if (!u || !keep_src(L, c, 0, text))
        return NULL;
    c->keep_with_next = true;
    c->font = f;
    c->size = size;
    double h = unit_lines(L, u, L->g.margin_left_pt, 0, body_width(L), f, size, text);
    if (h < 0)
        return NULL;
    u->height = h + size * 0.2;
    return c;
}

static layout_status place_made(layout *L, chunk *c)
{
    return c ? place(L, c) : LAYOUT_NOMEM;
}

layout_status layout_title(layout *L, const char *text)
{
    return place_made(L, make_heading(L, text, LFONT_BOLD, L->s.title_pt,
                                      line_h(L, L->s.body_pt) * 0.8, LROLE_TITLE));
}

layout_status layout_heading(layout *L, const char *text)
{
    return place_made(L, make_heading(L, text, LFONT_BOLD, L->s.heading_pt,
                                      line_h(L, L->s.body_pt) * 0.9, LROLE_HEADING));
}

static double indent(const layout *L)
{
    return L->s.body_pt * 1.4;
}

/* One paragraph (no blank lines inside), or a bulleted one, as line units,
 * with the first two and the last two lines kept together (no orphan, no
 * widow). *c is NULL for a text of blanks only, which prints nothing. */
static layout_status make_paragraph(layout *L, const char *text, size_t len, bool bullet,
                                    chunk **out)
{
    *out = NULL;
    double in = bullet ? indent(L) : 0;
    double x = L->g.margin_left_pt + in, width = body_width(L) - in;
    size_t sq_len;
    char *sq = layout_squash_space(L->a, text, len, &sq_len);
    if (!sq)
        return LAYOUT_NOMEM;
    if (sq_len == 0)
        return LAYOUT_OK;
    const lshaped *sp = shape(L, LFONT_REGULAR, sq, sq_len);
    if (!sp)
        return LAYOUT_NOMEM;
    lline *lines;
    size_t n = lines_break(sp, L->s.body_pt, width, L->a, &lines);
    if (n == (size_t)-1)
        return LAYOUT_NOMEM;
    double size = L->s.body_pt, lh = line_h(L, size);
    chunk *c = new_chunk(L, bullet ? lh * 0.15 : lh * 0.45, bullet ? LROLE_BULLET : LROLE_TEXT);
    if (!c)
        return LAYOUT_NOMEM;
    c->src[0] = sq;
    unit *u = NULL;
    for (size_t i = 0; i < n; i++) {
        bool join = u && (i == 1 || (n >= 4 && i == n - 1) || n <= 3);
        if (!join && !(u = new_unit(L, c)))
            return LAYOUT_NOMEM;
        double base = -(u->height + size * 0.95);
        L->part = bullet ? LPART_LABEL : LPART_MAIN;
        if (i == 0 && bullet &&
            unit_word(L, u, L->g.margin_left_pt + 4, base, LFONT_REGULAR, size, "\xE2\x80\xA2"))
            return LAYOUT_NOMEM;
        L->part = bullet ? LPART_BODY : LPART_MAIN;
        if (add_line(L, &u->boxes, &u->n, &u->cap, sp, lines[i].start, lines[i].end, x, base, size))
            return LAYOUT_NOMEM;
        u->height += lh;
    }
    *out = c;
    return LAYOUT_OK;
}

static layout_status one_paragraph(layout *L, const char *text, size_t len, bool bullet)
{
    chunk *c;
    layout_status st = make_paragraph(L, text, len, bullet, &c);
    return st || !c ? st : place(L, c);
}

layout_status layout_paragraph(layout *L, const char *text)
{
    /* Every line break is a paragraph break (form.c turns a blank line of
     * any YAML style into one); empty pieces print nothing. */
    const char *p = text;
    for (;;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        layout_status st = one_paragraph(L, p, n, false);
        if (st)
            return st;
        if (!end)
            return LAYOUT_OK;
        p = end + 1;
    }
}

layout_status layout_bullet(layout *L, const char *text)
{
    return one_paragraph(L, text, strlen(text), true);
}

static layout_status make_item(layout *L, const char *title, const char *text,
                               const char *initials_label, chunk **out)
{
    double size = L->s.body_pt, lh = line_h(L, size);
    double in = indent(L), x = L->g.margin_left_pt + in;
    double box_w = size * 5.0, box_h = size * 2.2, gap = size;
    double w = body_width(L) - in - (initials_label ? box_w + gap : 0);
    chunk *c = *out = new_chunk(L, lh * 0.35, LROLE_ITEM);
    if (!c || !keep_src(L, c, 0, title) || !keep_src(L, c, 1, text) ||
        !keep_src(L, c, 2, initials_label))
        return LAYOUT_NOMEM;
    c->keep_together = true; /* the item and its initials box stay whole */
    unit *u = new_unit(L, c);
    if (!u)
        return LAYOUT_NOMEM;
    const char *bullet = "\xE2\x80\xA2";
    L->part = LPART_LABEL;
    if (unit_word(L, u, L->g.margin_left_pt + 4, -(size * 0.95), LFONT_REGULAR, size, bullet))
        return LAYOUT_NOMEM;
    /* Units per line so that an item taller than a page can still be split. */
    const char *parts[2] = {title, text};
    lfont fonts[2] = {LFONT_BOLD, LFONT_REGULAR};
    bool first = true;
    for (int k = 0; k < 2; k++) {
        if (!parts[k])
            continue;
        L->part = k == 0 ? LPART_TITLE : LPART_BODY;
        size_t len;
        char *sq = layout_squash_space(L->a, parts[k], strlen(parts[k]), &len);
        const lshaped *sp = sq ? shape(L, fonts[k], sq, len) : NULL;
        if (!sp)
            return LAYOUT_NOMEM;
        lline *lines;
        size_t n = lines_break(sp, size, w, L->a, &lines);
        if (n == (size_t)-1)
            return LAYOUT_NOMEM;
        for (size_t i = 0; i < n; i++) {
            if (!first && !(u = new_unit(L, c)))
                return LAYOUT_NOMEM;
            if (add_line(L, &u->boxes, &u->n, &u->cap, sp, lines[i].start, lines[i].end, x,
                         -(size * 0.95), size))
                return LAYOUT_NOMEM;
            u->height = lh;
            first = false;
        }
    }
    /* Title and text can both be blank (" ", or a placeholder filled with
     * nothing): the bullet still takes its line, or it would hang below the
     * room kept for it, into the next item or the footer (found by fuzzing,
     * tests/fuzz/corpus/layout/crash-blank-item-bullet). */
    if (first)
        u->height = lh;
    if (initials_label) {
        /* The box hangs from the item's first line, on the right. */
        unit *u0 = &c->units[0];
        L->part = LPART_INITIALS;
        double bx = L->g.margin_left_pt + body_width(L) - box_w;
        if (unit_rect(L, u0, LBOX_RECT, bx, -box_h, box_w, box_h) ||
            !set_alt(L, &u0->boxes[u0->n - 1], L->hdr.alt_initials, title && *title ? title : text))
            return LAYOUT_NOMEM;
        double sw = text_w(L, LFONT_REGULAR, L->s.small_pt, initials_label);
        if (sw < 0)
            return LAYOUT_NOMEM;
        double lsize = L->s.small_pt;
        if (sw > box_w) /* shrink a long translation to fit under the box */
            lsize *= box_w / sw;
        if (unit_word(L, u0, bx, -(box_h + lsize * 1.1), LFONT_REGULAR, lsize, initials_label))
            return LAYOUT_NOMEM;
        double need = box_h + lsize * 1.5;
        double have = chunk_height(c);
        if (have < need)
            c->units[c->n - 1].height += need - have;
        /* An item taller than the body is split between its units (see
         * place_units): then the lines beside the box join its unit, or the
         * box could hang below its page's last line into the footer (found
         * by fuzzing, tests/fuzz/corpus/layout/crash-initials-box-split). */
        while (have > body_height(L) && c->n > 1 && c->units[0].height < need) {
            unit *first_u = &c->units[0], *next = &c->units[1];
            for (size_t i = 0; i < next->n; i++) {
                lbox *b = add_box(L->a, &first_u->boxes, &first_u->n, &first_u->cap);
                if (!b)
                    return LAYOUT_NOMEM;
                *b = next->boxes[i];
                b->y -= first_u->height;
            }
            first_u->height += next->height;
            memmove(next, next + 1, (c->n - 2) * sizeof *next);
            c->n--;
        }
    }
    return LAYOUT_OK;
}

layout_status layout_item(layout *L, const char *title, const char *text,
                          const char *initials_label)
{
    chunk *c;
    layout_status st = make_item(L, title, text, initials_label, &c);
    return st ? st : place(L, c);
}

static chunk *make_checkbox(layout *L, const char *text)
{
    double size = L->s.body_pt, lh = line_h(L, size);
    double box = size * 0.9, in = indent(L);
    chunk *c = new_chunk(L, lh * 0.3, LROLE_CHECKBOX);
    unit *u = c ? new_unit(L, c) : NULL;
    if (!u || !keep_src(L, c, 0, text))
        return NULL;
    c->keep_together = true;
    L->part = LPART_LABEL;
    if (unit_rect(L, u, LBOX_RECT, L->g.margin_left_pt + 1, -(size * 0.95) - size * 0.12, box,
                  box) ||
        !set_alt(L, &u->boxes[u->n - 1], L->hdr.alt_checkbox, text))
        return NULL;
    L->part = LPART_BODY;
    double h = unit_lines(L, u, L->g.margin_left_pt + in, 0, body_width(L) - in, LFONT_REGULAR,
                          size, text);
    if (h < 0)
        return NULL;
    /* Blank text still leaves the box its line (as for a blank item; found
     * by fuzzing, tests/fuzz/corpus/layout/crash-blank-checkbox). */
    u->height = h > lh ? h : lh;
    return c;
}

layout_status layout_checkbox(layout *L, const char *text)
{
    return place_made(L, make_checkbox(L, text));
}

layout_status layout_fields(layout *L, const char *const *labels, const char *const *values,
                            size_t n)
{
    double size = L->s.body_pt, lh = line_h(L, size);
    double label_w = 0;
    for (size_t i = 0; i < n; i++) {
        double w = text_w(L, LFONT_BOLD, size, labels[i]);
        if (w < 0)
            return LAYOUT_NOMEM;
        if (w > label_w)
            label_w = w;
    }
    if (label_w > body_width(L) * 0.4)
        label_w = body_width(L) * 0.4;
    double x = L->g.margin_left_pt, vx = x + label_w + size;
    chunk *c = new_chunk(L, lh * 0.45, LROLE_FIELDS);
    if (!c)
        return LAYOUT_NOMEM;
    c->keep_together = true;
    for (size_t i = 0; i < n; i++) {
        unit *u = new_unit(L, c);
        if (!u)
            return LAYOUT_NOMEM;
        L->part = LPART_CELL + 2 * (unsigned)i;
        double h1 = unit_lines(L, u, x, 0, label_w, LFONT_BOLD, size, labels[i]);
        L->part++;
        double h2 = unit_data_lines(L, u, vx, 0, body_width(L) - label_w - size, LFONT_REGULAR,
                                    size, values[i]);
        if (h1 < 0 || h2 < 0)
            return LAYOUT_NOMEM;
        u->height = (h1 > h2 ? h1 : h2) + size * 0.2;
    }
    return place(L, c);
}

/* One row of signature lines: each a line to write on and a label under it. */
static int sign_row(layout *L, chunk *c, const char *const *labels, const double *frac, size_t n,
                    unsigned part)
{
    unit *u = new_unit(L, c);
    if (!u)
        return -1;
    double size = L->s.small_pt, gap = L->s.body_pt;
    double write = L->s.body_pt * 2.6; /* room to write a signature above the line */
    double x = L->g.margin_left_pt, total = body_width(L) - gap * (double)(n - 1);
    double tallest = 0;
    for (size_t i = 0; i < n; i++) {
        double w = total * frac[i];
        if (labels[i]) {
            L->part = part + (unsigned)i;
            if (unit_rect(L, u, LBOX_LINE, x, -write, w, 0))
                return -1;
            double h = unit_lines(L, u, x, write + size * 0.3, w, LFONT_REGULAR, size, labels[i]);
            if (h < 0)
                return -1;
            if (h > tallest)
                tallest = h;
        }
        x += w + gap;
    }
    u->height = write + size * 0.3 + tallest;
    return 0;
}

layout_status layout_signatures(layout *L, const layout_signer *signers, size_t n)
{
    chunk *c = new_chunk(L, line_h(L, L->s.body_pt) * 0.6, LROLE_SIGNATURES);
    if (!c)
        return LAYOUT_NOMEM;
    c->keep_together = true; /* the signature block is never split */
    for (size_t i = 0; i < n; i++) {
        const layout_signer *s = &signers[i];
        const char *row[3] = {s->sign_label, s->date_label, s->time_label};
        static const double frac3[3] = {0.56, 0.26, 0.18};
        unsigned part = LPART_CELL + 16 * (unsigned)i;
        if (sign_row(L, c, row, frac3, 3, part))
            return LAYOUT_NOMEM;
        static const double frac2[2] = {0.5, 0.5};
        for (size_t j = 0; j < s->nlines; j += 2) {
            const char *r2[2] = {s->lines[j], j + 1 < s->nlines ? s->lines[j + 1] : NULL};
            if (sign_row(L, c, r2, frac2, 2, part + 3 + (unsigned)(j < 12 ? j : 12)))
                return LAYOUT_NOMEM;
        }
        if (i + 1 < n)
            c->units[c->n - 1].height += L->s.body_pt * 0.8;
    }
    return place(L, c);
}

/* A QR code at x with its caption above (wrapped to width) and its URL
 * under it (wrapped to url_w). */
static chunk *qr_chunk(layout *L, const qr_code *qr, const char *url, const char *caption, double x,
                       double width, double url_w)
{
    double size = L->s.body_pt;
    chunk *c = new_chunk(L, line_h(L, size) * 0.8, LROLE_QR);
    unit *u = c ? new_unit(L, c) : NULL;
    if (!u || !keep_src(L, c, 0, url) || !keep_src(L, c, 1, caption))
        return NULL;
    c->keep_together = true;
    c->qr = qr;
    double y = 0;
    L->part = LPART_CAPTION;
    if (caption) {
        double h = unit_lines(L, u, x, 0, width, LFONT_BOLD, size, caption);
        if (h < 0)
            return NULL;
        y += h + size * 0.2;
    }
    double module = LAYOUT_QR_SYMBOL_PT / qr->width;
    double side = qr_side(qr);
    L->part = LPART_SYMBOL;
    lbox *b = unit_box(L, u, LBOX_QR);
    if (!b)
        return NULL;
    b->x = x, b->y = -(y + side), b->w = side, b->h = side, b->qr = qr;
    if (!set_alt(L, b, L->hdr.alt_qr, url))
        return NULL;
    lbox *link = unit_box(L, u, LBOX_LINK);
    if (!link || !(link->text = c->src[0]))
        return NULL;
    link->x = x, link->y = -(y + side), link->w = side, link->h = side;
    link->len = strlen(url);
    y += side;
    /* The URL under the code, for anyone who cannot scan it. */
    L->part = LPART_URL;
    double h =
        unit_data_lines(L, u, x + module * QR_QUIET_MODULES, y, url_w - module * QR_QUIET_MODULES,
                        LFONT_REGULAR, L->s.small_pt, url);
    if (h < 0)
        return NULL;
    u->height = y + h;
    return c;
}

layout_status layout_qr(layout *L, const qr_code *qr, const char *url, const char *caption)
{
    double x = L->g.margin_left_pt, w = body_width(L);
    double module = LAYOUT_QR_SYMBOL_PT / qr->width;
    return place_made(L, qr_chunk(L, qr, url, caption, x, w, w * 0.6 + module * QR_QUIET_MODULES));
}

/* Chunk c made again as it was, in the column the layout has now (see
 * float_beside); seq as c's. NULL with *st LAYOUT_OK for a chunk that is not
 * made of text. */
static chunk *rebuild(layout *L, const chunk *c, layout_status *st)
{
    int seq = L->nseq;
    chunk *nc = NULL;
    *st = LAYOUT_OK;
    switch (c->role) {
    case LROLE_TITLE:
    case LROLE_HEADING:
        nc = make_heading(L, c->src[0], c->font, c->size, c->space_before, c->role);
        *st = nc ? LAYOUT_OK : LAYOUT_NOMEM;
        break;
    case LROLE_TEXT:
    case LROLE_BULLET:
        *st = make_paragraph(L, c->src[0], strlen(c->src[0]), c->role == LROLE_BULLET, &nc);
        break;
    case LROLE_ITEM:
        *st = make_item(L, c->src[0], c->src[1], c->src[2], &nc);
        break;
    case LROLE_CHECKBOX:
        nc = make_checkbox(L, c->src[0]);
        *st = nc ? LAYOUT_OK : LAYOUT_NOMEM;
        break;
    default:
        break;
    }
    L->nseq = seq;
    if (*st)
        return NULL;
    if (nc)
        nc->seq = c->seq;
    return nc;
}

layout_status layout_page_break(layout *L)
{
    layout_status st = flush_pending(L);
    if (st)
        return st;
    L->floor = L->nlog; /* the author's break: no rule moves a section over it */
    if (!L->page_empty)
        return new_page(L);
    return LAYOUT_OK;
}

/* ---- the language notice ------------------------------------------------ */

#define NOTICE_COLUMNS 2
#define NOTICE_GAP_PT 18.0 /* between the columns */

/* Entry e set at size in a column [x, x + w), as a unit of its own with its
 * top at 0: its language's name, bold, over its paragraphs. The entry's own
 * language and direction hold while it is made; a right-to-left entry is
 * mirrored within its column, not across the page. NULL on OOM. */
static unit *notice_entry(layout *L, chunk *c, const layout_notice_entry *e, double x, double w,
                          double size)
{
    const char *lang = L->lang;
    bool rtl = L->rtl;
    double axis = L->axis;
    L->lang = e->lang;
    L->rtl = e->rtl;
    L->axis = 2 * x + w;
    unit *u = new_unit(L, c);
    L->part = LPART_CELL + 2 * (unsigned)(u ? c->n - 1 : 0);
    double h = u ? unit_lines(L, u, x, 0, w, LFONT_BOLD, size, e->name) : -1;
    L->part++;
    for (const char *p = e->text; h >= 0 && p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *para = arena_strndup(L->a, p, len);
        double ph = para ? unit_lines(L, u, x, h + size * 0.15, w, LFONT_REGULAR, size, para) : -1;
        h = ph < 0 ? -1 : h + size * 0.15 + ph;
        p = end ? end + 1 : NULL;
    }
    L->lang = lang;
    L->rtl = rtl;
    L->axis = axis;
    if (h < 0)
        return NULL;
    u->height = h;
    return u;
}

/* Where a column of height room that starts with entry `from` ends (the
 * index after its last entry): it takes at least one, so that an entry
 * taller than a page still goes somewhere (it is then cut as any unit
 * taller than the body is). */
static size_t column_take(const unit *u, size_t from, size_t n, double gap, double room)
{
    size_t k = from;
    double h = 0;
    while (k < n && (k == from || h + gap + u[k].height <= room + EPS)) {
        h += (k > from ? gap : 0) + u[k].height;
        k++;
    }
    return k;
}

static double column_height(const unit *u, size_t from, size_t to, double gap)
{
    double h = 0;
    for (size_t k = from; k < to; k++)
        h += (k > from ? gap : 0) + u[k].height;
    return h;
}

/* Where the first column of entries [from, n) ends on a page of height room,
 * and so the second begins: all of them balanced when they fit, else as
 * many as fit in the first column. */
static size_t column_split(const unit *u, size_t from, size_t n, double gap, double room)
{
    size_t best = NONE;
    double best_h = 0;
    for (size_t k = from + 1; k <= n; k++) {
        double h1 = column_height(u, from, k, gap), h2 = column_height(u, k, n, gap);
        double h = h1 > h2 ? h1 : h2;
        if (h <= room + EPS && (best == NONE || h < best_h - EPS)) {
            best = k;
            best_h = h;
        }
    }
    return best != NONE ? best : column_take(u, from, n, gap, room);
}

/* The entries made at size into one unit each, held in a chunk that is
 * never placed (the columns are: layout_notice), or NULL on OOM. */
static chunk *notice_units(layout *L, const layout_notice_entry *e, size_t n, double size, double w)
{
    chunk *c = arena_alloc(L->a, sizeof *c);
    for (size_t i = 0; c && i < n; i++)
        if (!notice_entry(L, c, &e[i], L->g.margin_left_pt, w, size))
            return NULL;
    return c;
}

/* Whether the entries fit in the columns of the room left on this page. */
static bool notice_fits(const chunk *c, double gap, double room)
{
    size_t k = column_split(c->units, 0, c->n, gap, room);
    return column_height(c->units, 0, k, gap) <= room + EPS &&
           column_height(c->units, k, c->n, gap) <= room + EPS;
}

layout_status layout_notice(layout *L, const layout_notice_entry *e, size_t n, double min_pt,
                            double *size_pt)
{
    layout_status st;
    if (!L->in_form && (st = layout_form_begin(L, &(layout_header){0})))
        return st;
    if (L->doc.npages == 0 && (st = new_page(L)))
        return st;
    if (n == 0)
        return LAYOUT_OK;
    /* The title waits for what follows it (keep with next): placed now, it
     * tells how much of the page is left for the columns. */
    if ((st = flush_pending(L)))
        return st;
    double space = line_h(L, L->s.body_pt) * 0.45;
    double room = L->page_empty ? body_height(L) : L->cursor - space - L->g.body_bottom_pt;
    double w = (body_width(L) - NOTICE_GAP_PT * (NOTICE_COLUMNS - 1)) / NOTICE_COLUMNS;
    double size = *size_pt > 0 && *size_pt < L->s.body_pt ? *size_pt : L->s.body_pt, gap;
    chunk *made;
    /* Short paragraphs in narrow columns read well a little tighter. */
    double leading = L->s.leading;
    L->s.leading = leading < 1.2 ? leading : 1.2;
    for (;;) {
        made = notice_units(L, e, n, size, w);
        if (!made) {
            L->s.leading = leading;
            return LAYOUT_NOMEM;
        }
        gap = size * 0.7;
        if (notice_fits(made, gap, room) || size - 0.5 < min_pt - EPS)
            break;
        size -= 0.5;
    }
    L->s.leading = leading;
    *size_pt = size;
    /* The columns of each page as one unit: entries side by side share its
     * top, and a page holds as many as its columns take. */
    chunk *c = new_chunk(L, space, LROLE_NOTICE);
    if (!c)
        return LAYOUT_NOMEM;
    for (size_t from = 0; from < n;) {
        size_t cols[NOTICE_COLUMNS + 1] = {from};
        size_t split = column_split(made->units, from, n, gap, room);
        cols[1] = split;
        cols[2] = column_take(made->units, split, n, gap, room);
        if (split == n)
            cols[2] = n;
        unit *u = new_unit(L, c);
        if (!u)
            return LAYOUT_NOMEM;
        for (int col = 0; col < NOTICE_COLUMNS; col++) {
            /* Column 0 is the one a reader starts with: the right one on
             * a right-to-left form. */
            int place_at = L->rtl ? NOTICE_COLUMNS - 1 - col : col;
            double dx = place_at * (w + NOTICE_GAP_PT), top = 0;
            for (size_t k = cols[col]; k < cols[col + 1]; k++) {
                const unit *eu = &made->units[k];
                for (size_t b = 0; b < eu->n; b++) {
                    lbox *nb = unit_box(L, u, eu->boxes[b].kind);
                    if (!nb)
                        return LAYOUT_NOMEM;
                    *nb = eu->boxes[b];
                    nb->x += dx;
                    nb->y -= top;
                }
                top += eu->height + gap;
            }
            if (top - gap > u->height)
                u->height = top - gap;
        }
        from = cols[NOTICE_COLUMNS];
        room = body_height(L); /* the pages after the first are whole */
    }
    return place(L, c);
}

/* Text shrunk, if need be, to fit max_w: a long name in a header must not
 * run off the page, and must not be cut either. dir as for unit_lines_dir:
 * the form's, or TEXT_DIR_AUTO for data. */
static int fit_text(layout *L, lpage *p, double x, double y, double max_w, lfont f, double size,
                    const char *s, bool right, text_dir dir)
{
    if (!s || !*s)
        return 0;
    const lshaped *sp = shape_dir(L, f, s, strlen(s), dir);
    if (!sp)
        return -1;
    double w = lines_width(sp, size, 0, sp->len);
    if (w > max_w && w > 0) {
        size *= max_w / w;
        w = max_w;
    }
    return add_line(L, &p->boxes, &p->nboxes, &p->cap, sp, 0, sp->len, right ? x - w : x, y, size);
}

/* Header text: at size when it fits in max_w, else shrunk to fit, but never
 * below LAYOUT_HEADER_MIN_PT, a size still read at arm's length; then broken
 * into at most max_lines lines, the last cut with an ellipsis when the text
 * goes on. Line i's baseline is at y - i * 1.35 * the size used. Returns the
 * number of lines, or -1 when out of memory. dir as for fit_text. */
static int header_text(layout *L, lpage *p, double x, double y, double max_w, lfont f, double size,
                       const char *s, bool right, text_dir dir, int max_lines)
{
    if (!s || !*s || max_w <= 0)
        return 0;
    const lshaped *sp = shape_dir(L, f, s, strlen(s), dir);
    if (!sp)
        return -1;
    double w = lines_width(sp, size, 0, sp->len);
    double min = size < LAYOUT_HEADER_MIN_PT ? size : LAYOUT_HEADER_MIN_PT;
    if (w > max_w && w > 0)
        size = size * max_w / w > min ? size * max_w / w : min;
    if (w <= max_w || lines_width(sp, size, 0, sp->len) <= max_w + EPS) {
        w = lines_width(sp, size, 0, sp->len);
        return add_line(L, &p->boxes, &p->nboxes, &p->cap, sp, 0, sp->len, right ? x - w : x, y,
                        size)
                   ? -1
                   : 1;
    }
    /* A line of fields ("Patient: ...     Record number: ...") breaks
     * between fields, where a run of spaces separates them, so that no
     * label is parted from its value: as many whole fields as fit first. */
    size_t cut = 0, rest = 0, first_cut = 0, first_rest = 0;
    for (size_t i = 1; max_lines > 1 && i + 1 < sp->len; i++)
        if (sp->text[i] == ' ' && sp->text[i + 1] == ' ' && sp->text[i - 1] != ' ') {
            size_t j = i;
            while (j < sp->len && sp->text[j] == ' ')
                j++;
            if (j < sp->len && !first_cut)
                first_cut = i, first_rest = j;
            if (j < sp->len && lines_width(sp, size, 0, i) <= max_w + EPS)
                cut = i, rest = j;
        }
    if (!cut && first_cut) {
        /* Not even the first field fits a line (a name hundreds of letters
         * long): it is cut with an ellipsis, and the others (the record
         * number) still follow on the next line. */
        char *field = arena_strndup(L->a, sp->text, first_cut);
        if (!field || header_text(L, p, x, y, max_w, f, size, field, right, dir, 1) < 0)
            return -1;
        int more = header_text(L, p, x, y - size * 1.35, max_w, f, size, sp->text + first_rest,
                               right, dir, max_lines - 1);
        return more < 0 ? -1 : 1 + more;
    }
    if (cut) {
        double lw = lines_width(sp, size, 0, cut);
        if (add_line(L, &p->boxes, &p->nboxes, &p->cap, sp, 0, cut, right ? x - lw : x, y, size))
            return -1;
        int more = header_text(L, p, x, y - size * 1.35, max_w, f, size, sp->text + rest, right,
                               dir, max_lines - 1);
        return more < 0 ? -1 : 1 + more;
    }
    lline *lines;
    size_t n = lines_break(sp, size, max_w, L->a, &lines);
    if (n == (size_t)-1)
        return -1;
    size_t keep = n < (size_t)max_lines ? n : (size_t)max_lines;
    size_t whole = n <= (size_t)max_lines ? n : keep - 1;
    for (size_t i = 0; i < whole; i++) {
        double lw = lines[i].width_pt;
        if (add_line(L, &p->boxes, &p->nboxes, &p->cap, sp, lines[i].start, lines[i].end,
                     right ? x - lw : x, y - (double)i * size * 1.35, size))
            return -1;
    }
    if (n <= (size_t)max_lines)
        return (int)n;
    /* The last line: as much of the rest as leaves room for the ellipsis,
     * cut between clusters, and the ellipsis after it. */
    static const char ell[] = "\xE2\x80\xA6";
    size_t from = lines[keep - 1].start;
    double room = max_w - text_w(L, f, size, ell);
    size_t end = from;
    for (size_t i = from + 1; i <= sp->len; i++)
        if ((sp->flags[i] & TEXT_CLUSTER) || i == sp->len) {
            if (lines_width(sp, size, from, i) > room)
                break;
            end = i;
        }
    while (end > from && sp->text[end - 1] == ' ')
        end--;
    char *shown = arena_alloc(L->a, end - from + sizeof ell);
    if (!shown)
        return -1;
    memcpy(shown, sp->text + from, end - from);
    memcpy(shown + (end - from), ell, sizeof ell);
    const lshaped *cs = shape_dir(L, f, shown, strlen(shown), dir);
    if (!cs)
        return -1;
    double cw = lines_width(cs, size, 0, cs->len);
    if (add_line(L, &p->boxes, &p->nboxes, &p->cap, cs, 0, cs->len, right ? x - cw : x,
                 y - (double)(keep - 1) * size * 1.35, size))
        return -1;
    return (int)keep;
}

/* Boxes [from, p->nboxes) of page p are the page's own: header, footer. */
static void page_boxes(lpage *p, size_t from, lrole role)
{
    for (size_t i = from; i < p->nboxes; i++) {
        p->boxes[i].role = role;
        p->boxes[i].seq = -1;
    }
}

static bool has_letterhead(const lpage *p)
{
    for (size_t i = 0; i < p->nboxes; i++)
        if (p->boxes[i].role == LROLE_LETTERHEAD)
            return true;
    return false;
}

/* The word across a page (SPECIMEN, DRAFT), on the diagonal, as wide as
 * the page allows at 45 degrees: one box per run, each knowing how far
 * along the word it starts. */
static int add_watermark(layout *L, lpage *p, const char *word)
{
    const layout_geom *g = &L->g;
    double size = L->s.body_pt * 8;
    const lshaped *sp = shape(L, LFONT_BOLD, word, strlen(word));
    lpiece *pcs;
    size_t np;
    if (!sp || lines_pieces(L->sh, L->lang, sp, 0, sp->len, L->a, &pcs, &np))
        return -1;
    double ww = lines_width(sp, size, 0, sp->len);
    double room = (g->width_pt < g->height_pt ? g->width_pt : g->height_pt) * 1.2;
    if (ww > room) {
        size *= room / ww;
        ww = room;
    }
    double along = 0;
    for (size_t i = 0; i < np; i++) {
        lbox *wm = add_box(L->a, &p->boxes, &p->nboxes, &p->cap);
        if (!wm)
            return -1;
        *wm = (lbox){.kind = LBOX_WATERMARK,
                     .x = g->width_pt / 2,
                     .y = g->height_pt / 2,
                     .w = ww,
                     .h = size,
                     .size_pt = size,
                     .text = arena_strndup(L->a, word + pcs[i].start, pcs[i].end - pcs[i].start),
                     .len = pcs[i].end - pcs[i].start,
                     .face = pcs[i].face,
                     .rtl = pcs[i].level & 1,
                     .glyphs = pcs[i].glyphs,
                     .nglyphs = pcs[i].nglyphs,
                     .along = along,
                     .angle_deg = 45};
        if (!wm->text)
            return -1;
        along += pcs[i].adv * size / 1000;
    }
    return 0;
}

/* A right-to-left form's pages in mirror image: every box but its text
 * (placed mirrored as it was made, so that each line keeps its visual
 * order) and what goes with the text (highlights, the centred watermark). */
static void mirror_pages(layout *L)
{
    for (size_t i = L->form_first_page; i < L->doc.npages; i++) {
        lpage *p = &L->doc.pages[i];
        for (size_t k = 0; k < p->nboxes; k++) {
            lbox *b = &p->boxes[k];
            if (b->kind != LBOX_TEXT && b->kind != LBOX_HIGHLIGHT && b->kind != LBOX_WATERMARK)
                b->x = p->width_pt - b->x - b->w;
        }
    }
}

layout_status layout_form_end(layout *L)
{
    if (!L->in_form)
        return LAYOUT_OK;
    layout_status st = flush_pending(L);
    if (st)
        return st;
    L->in_form = false;
    if (L->hdr.blank_note && (L->doc.npages - L->form_first_page) % 2 == 1) {
        if ((st = new_page(L)))
            return st;
        lpage *p = &L->doc.pages[L->doc.npages - 1];
        double w = text_w(L, LFONT_REGULAR, L->s.body_pt, L->hdr.blank_note);
        if (w < 0)
            return LAYOUT_NOMEM;
        double x = (L->g.width_pt - w) / 2;
        if (fit_text(L, p, x < L->g.margin_left_pt ? L->g.margin_left_pt : x,
                     (L->g.body_top_pt + L->g.body_bottom_pt) / 2, body_width(L), LFONT_REGULAR,
                     L->s.body_pt, L->hdr.blank_note, false, form_dir(L)))
            return LAYOUT_NOMEM;
        page_boxes(p, 0, LROLE_PAGE);
    }
    const layout_geom *g = &L->g;
    double small = L->s.small_pt, left = g->margin_left_pt;
    double right = g->width_pt - g->margin_right_pt, w = right - left;
    /* The logo takes the right end of the header; its labels move left. */
    double logo_w = 0;
    if (L->hdr.logo && L->hdr.logo->height_px) {
        logo_w = LAYOUT_LOGO_PT * L->hdr.logo->width_px / L->hdr.logo->height_px;
        if (logo_w > w / 3)
            logo_w = w / 3;
    }
    size_t total = L->doc.npages - L->form_first_page;
    for (size_t i = L->form_first_page; i < L->doc.npages; i++) {
        lpage *p = &L->doc.pages[i];
        const layout_header *h = &L->hdr;
        size_t first_box = p->nboxes;
        double rw = h->right ? text_w(L, LFONT_BOLD, small, h->right) : 0;
        if (rw < 0)
            return LAYOUT_NOMEM;
        if (rw > w / 2)
            rw = w / 2;
        double y = g->header_base_pt, tw = w - (logo_w > 0 ? logo_w + small : 0);
        if (rw > tw / 2)
            rw = tw / 2;
        /* The page that opens with the letterhead names the clinic there,
         * large: its header does not say it again. The copy label goes on
         * the header's first line, whichever it is. */
        const char *clinic = has_letterhead(p) ? NULL : h->left;
        double beside = h->right ? rw + small : 0, last_y = y;
        int nl = 0;
        /* The clinic's name is data; the copy label is the form's. */
        if (clinic) {
            if (header_text(L, p, left, y, tw - beside, LFONT_BOLD, small, clinic, false,
                            TEXT_DIR_AUTO, 1) < 0)
                return LAYOUT_NOMEM;
            if (header_text(L, p, left + tw, y, rw, LFONT_BOLD, small, h->right, true, form_dir(L),
                            1) < 0)
                return LAYOUT_NOMEM;
            beside = 0;
            last_y = y;
            y -= small * 1.35;
        }
        size_t patient_box = p->nboxes;
        if (h->line2) {
            if ((nl = header_text(L, p, left, y, tw - beside, LFONT_REGULAR, small, h->line2, false,
                                  form_dir(L), 2)) < 0)
                return LAYOUT_NOMEM;
            last_y = y;
            if (nl > 1) /* wrapped: at the smallest size */
                last_y -= (nl - 1) * LAYOUT_HEADER_MIN_PT * 1.35;
        }
        page_boxes(p, first_box, LROLE_PAGE);
        page_boxes(p, patient_box, LROLE_PATIENT);
        size_t page_box = p->nboxes;
        if (!clinic && h->right &&
            header_text(L, p, left + tw, g->header_base_pt, rw, LFONT_BOLD, small, h->right, true,
                        form_dir(L), 1) < 0)
            return LAYOUT_NOMEM;
        lbox *rule = add_box(L->a, &p->boxes, &p->nboxes, &p->cap);
        if (!rule)
            return LAYOUT_NOMEM;
        *rule = (lbox){.kind = LBOX_LINE, .x = left, .y = last_y - small * 0.6, .w = w, .h = 0};
        if (logo_w > 0 && L->hdr.logo) { /* the analyzer cannot tell that one implies the other */
            lbox *img = add_box(L->a, &p->boxes, &p->nboxes, &p->cap);
            if (!img)
                return LAYOUT_NOMEM;
            double img_h = logo_w * L->hdr.logo->height_px / L->hdr.logo->width_px;
            *img = (lbox){.kind = LBOX_IMAGE,
                          .x = right - logo_w,
                          .y = rule->y + 3,
                          .w = logo_w,
                          .h = img_h,
                          .image = L->hdr.logo};
        }

        if (h->watermark && add_watermark(L, p, h->watermark))
            return LAYOUT_NOMEM;
        char page[96];
        snprintf(page, sizeof page, h->page_fmt ? h->page_fmt : "Page %d of %d",
                 (int)(i - L->form_first_page + 1), (int)total);
        double pw = text_w(L, LFONT_REGULAR, small, page);
        if (pw < 0)
            return LAYOUT_NOMEM;
        if (pw > w / 3)
            pw = w / 3;
        lbox *frule = add_box(L->a, &p->boxes, &p->nboxes, &p->cap);
        if (!frule)
            return LAYOUT_NOMEM;
        *frule = (lbox){
            .kind = LBOX_LINE, .x = left, .y = g->footer_base_pt + small * 1.3, .w = w, .h = 0};
        if (fit_text(L, p, left, g->footer_base_pt, w - pw - small, LFONT_REGULAR, small,
                     h->footer_left, false, form_dir(L)) ||
            fit_text(L, p, right, g->footer_base_pt, pw, LFONT_REGULAR, small, page, true,
                     form_dir(L)))
            return LAYOUT_NOMEM;
        page_boxes(p, page_box, LROLE_PAGE);
    }
    if (L->rtl)
        mirror_pages(L);
    /* A form's own page size ends with it: a builder call after this one
     * measures for the page that place() will begin (found by fuzzing,
     * tests/fuzz/corpus/layout/crash-stale-page-size; render.c always
     * begins each form itself, so the tool never met it). */
    L->g = L->doc.geom;
    L->axis = L->g.width_pt;
    return LAYOUT_OK;
}
