/*
 * lines.c — see lines.h.
 */
#include "lines.h"

#include <string.h>

#define EPS 0.001

double lines_width(const lshaped *sp, double size_pt, size_t start, size_t end)
{
    return (sp->pos[end] - sp->pos[start]) * size_pt / 1000.0;
}

/* The end of a line that would end at break b: its trailing spaces left
 * out (squashed text has only U+0020 between words). */
static size_t trim_end(const lshaped *sp, size_t start, size_t b)
{
    while (b > start && sp->text[b - 1] == ' ')
        b--;
    return b;
}

static size_t skip_spaces(const lshaped *sp, size_t i)
{
    while (i < sp->len && sp->text[i] == ' ')
        i++;
    return i;
}

typedef struct line_vec {
    lline *v;
    size_t n, cap;
} line_vec;

static int push_line(const lshaped *sp, double size_pt, arena *a, line_vec *lv, size_t s, size_t e)
{
    lline *nv = arena_grow(a, lv->v, &lv->cap, lv->n + 1, sizeof *lv->v);
    if (!nv)
        return -1;
    lv->v = nv;
    lv->v[lv->n++] = (lline){s, e, lines_width(sp, size_pt, s, e)};
    return 0;
}

/* Where a piece with no break opportunity, wider than the line, is cut:
 * the last cluster boundary that keeps [s, cut) within max (at least one
 * cluster, so that the text always moves on). */
static size_t cut_point(const lshaped *sp, double size_pt, double max, size_t s, size_t e)
{
    size_t cut = s;
    for (size_t i = s + 1; i <= e; i++) {
        if (!(sp->flags[i] & TEXT_CLUSTER))
            continue;
        if (cut > s && lines_width(sp, size_pt, s, i) > max + EPS)
            break;
        cut = i;
        if (lines_width(sp, size_pt, s, i) > max + EPS)
            break; /* the first cluster alone is wider: it still goes */
    }
    return cut > s ? cut : e; /* no cluster boundary inside: all of it */
}

size_t lines_break(const lshaped *sp, double size_pt, double max_width_pt, arena *a, lline **lines)
{
    line_vec lv = {0};
    size_t ls = skip_spaces(sp, 0);
    size_t fit = 0; /* the last break after ls that fits, or 0 */
    size_t b = ls + 1;
    while (ls < sp->len) {
        while (b <= sp->len && !(sp->flags[b] & (TEXT_BREAK | TEXT_MANDATORY)))
            b++;
        if (b > sp->len)
            b = sp->len; /* flags[len] is a break; this is only a guard */
        size_t e = trim_end(sp, ls, b);
        if (lines_width(sp, size_pt, ls, e) <= max_width_pt + EPS) {
            fit = b;
            if (b < sp->len && !(sp->flags[b] & TEXT_MANDATORY)) {
                b++;
                continue;
            }
        } else if (fit == 0) {
            /* Nothing since ls fits: cut the piece between clusters. */
            size_t cut = cut_point(sp, size_pt, max_width_pt, ls, e);
            if (push_line(sp, size_pt, a, &lv, ls, cut))
                return (size_t)-1;
            ls = skip_spaces(sp, cut);
            b = ls + 1;
            continue;
        }
        size_t end = trim_end(sp, ls, fit);
        if (end > ls && push_line(sp, size_pt, a, &lv, ls, end))
            return (size_t)-1;
        ls = skip_spaces(sp, fit);
        fit = 0;
        b = ls + 1;
    }
    *lines = lv.v;
    return lv.n;
}

/* The first index of glyphs[0..n) whose cluster is past the cut at c (at
 * or after it in a left-to-right run, before it in a right-to-left one):
 * HarfBuzz keeps clusters monotonic in the run's direction, so a binary
 * search finds a line's glyphs without walking a long paragraph's run for
 * every line. */
static size_t first_past(const lglyph *g, size_t n, size_t c, bool rtl)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        bool past = rtl ? g[mid].cluster < c : g[mid].cluster >= c;
        if (past)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The glyphs of run r whose clusters fall in [s, e), in visual order, with
 * clusters made relative to s. */
static int copy_glyphs(const lrun *r, size_t s, size_t e, arena *a, lpiece *pc)
{
    bool rtl = r->level & 1;
    /* Left to right the piece is [past s, past e); right to left, the
     * glyphs before e come first: [past e, past s). */
    size_t i0 = first_past(r->glyphs, r->nglyphs, rtl ? e : s, rtl);
    size_t i1 = first_past(r->glyphs, r->nglyphs, rtl ? s : e, rtl);
    size_t n = i1 > i0 ? i1 - i0 : 0;
    pc->glyphs = arena_array(a, n ? n : 1, sizeof *pc->glyphs);
    if (!pc->glyphs)
        return -1;
    pc->nglyphs = n;
    pc->adv = 0;
    for (size_t i = 0; i < n; i++) {
        lglyph *o = &pc->glyphs[i];
        *o = r->glyphs[i0 + i];
        o->cluster -= (uint32_t)s;
        pc->adv += o->adv;
    }
    return 0;
}

/* A piece cut out of its run where the text on the far side of the cut is
 * not a space: contextual forms (an Arabic letter's joining, a Thai or
 * Khmer cluster's marks, a ligature) may have looked across the cut. */
static bool cut_in_word(const lshaped *sp, const lrun *r, size_t s, size_t e)
{
    return (s > r->start && sp->text[s - 1] != ' ') || (e < r->end && sp->text[e] != ' ');
}

static int reshape(const layout_shaper *sh, const char *lang, const lshaped *sp, const lrun *r,
                   arena *a, lpiece *pc)
{
    const lglyph *g;
    size_t n;
    if (sh->piece(sh->ctx, r->face, lang, sp->text + pc->start, pc->end - pc->start, r->level & 1,
                  r->script, &g, &n))
        return -1;
    pc->glyphs = arena_array(a, n ? n : 1, sizeof *pc->glyphs);
    if (!pc->glyphs)
        return -1;
    memcpy(pc->glyphs, g, n * sizeof *g);
    pc->nglyphs = n;
    pc->adv = 0;
    for (size_t i = 0; i < n; i++)
        pc->adv += g[i].adv;
    return 0;
}

int lines_pieces(const layout_shaper *sh, const char *lang, const lshaped *sp, size_t start,
                 size_t end, arena *a, lpiece **out, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < sp->nruns; i++)
        if (sp->runs[i].start < end && sp->runs[i].end > start)
            count++;
    lpiece *logical = arena_array(a, count ? count : 1, sizeof *logical);
    lpiece *visual = arena_array(a, count ? count : 1, sizeof *visual);
    uint8_t *levels = arena_alloc(a, count ? count : 1);
    int32_t *order = arena_array(a, count ? count : 1, sizeof *order);
    if (!logical || !visual || !levels || !order)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < sp->nruns; i++) {
        const lrun *r = &sp->runs[i];
        if (r->start >= end || r->end <= start)
            continue;
        lpiece *pc = &logical[k];
        pc->start = r->start > start ? r->start : start;
        pc->end = r->end < end ? r->end : end;
        pc->level = r->level;
        pc->face = r->face;
        levels[k++] = r->level;
        int rc = sh->piece && cut_in_word(sp, r, pc->start, pc->end)
                     ? reshape(sh, lang, sp, r, a, pc)
                     : copy_glyphs(r, pc->start, pc->end, a, pc);
        if (rc)
            return -1;
    }
    text_reorder(levels, count, order);
    for (size_t v = 0; v < count; v++)
        visual[v] = logical[order[v]];
    *out = visual;
    *n = count;
    return 0;
}
