/*
 * pdf.c — see pdf.h.
 *
 * libharu makes the document, its pages, links and logo image; the page
 * content, the document information's text and the structure tree
 * (pdftag.c) are made here, and pdfwrite.c writes the file (PDF 1.5, with
 * an object stream). Text arrives shaped: each text box is a run of glyph ids of one
 * face, in visual order, with HarfBuzz's advances and offsets. Each face
 * is embedded by pdffont.c as a subset of the glyphs the document draws,
 * with a ToUnicode CMap giving each glyph the text of its cluster; the
 * glyph ids go into each page's content stream, written by this file
 * straight into the stream, since libharu shows text only in fonts it
 * loaded itself (and loading them costs more than the rest of the
 * document).
 *
 * libharu reports errors through a handler; ours records the first one and
 * every step checks it, so no error is lost and nothing longjmps. The object
 * API this relies on (pdffont.c) and the page's content stream reached
 * through its HPDF_PageAttr record come from libharu 2.3.0's public headers.
 */
#include "pdf.h"

#include <hpdf.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "arena.h"
#include "buf.h"
#include "pdffont.h"
#include "pdftag.h"
#include "pdfwrite.h"
#include "utf8.h"

typedef struct hpdf_status {
    HPDF_STATUS code, detail;
} hpdf_status;

static void on_hpdf_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
    hpdf_status *st = user;
    if (!st->code) {
        st->code = code;
        st->detail = detail;
    }
}

/* ---- which glyphs each face must hold, and the text each stands for ---- */

/* One glyph drawn, with the text it stands for in the ToUnicode CMap (its
 * first use's), and, once its face is embedded, its code and /W width. */
typedef struct used_glyph {
    lface face;
    uint32_t gid;
    const char *text;
    size_t len;
    unsigned code;
    int width;
} used_glyph;

/* The distinct glyphs of a document, sorted by face and glyph once all are
 * in, with a hash index over (face, glyph): a consent draws some ten
 * thousand glyphs but only a few hundred distinct ones, and every drawn
 * glyph is looked up twice (for its text, for its code). */
typedef struct glyph_vec {
    used_glyph *v;
    size_t n, cap;
    uint64_t *keys;   /* key + 1 (0: empty slot) */
    uint32_t *slot_i; /* the index in v of keys[s] */
    size_t slots;     /* a power of two, at least twice n */
    /* Each face's space glyph, drawn after a text box that a word space
     * follows (lbox.space_after); 0 when the face has none. */
    uint32_t *space;
    bool *space_known;
} glyph_vec;

static uint64_t glyph_key(lface face, uint32_t gid)
{
    return ((uint64_t)face << 32 | gid) + 1;
}

static size_t key_slot(const glyph_vec *gv, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15u;
    size_t s = (size_t)(h >> 32) & (gv->slots - 1);
    while (gv->keys[s] && gv->keys[s] != key)
        s = (s + 1) & (gv->slots - 1);
    return s;
}

/* Indexes v[0..n) anew in a table of at least 2n slots; false on OOM. */
static bool reindex(glyph_vec *gv)
{
    size_t slots = 256;
    while (slots < 2 * (gv->n + 1))
        slots *= 2;
    if (slots != gv->slots) {
        uint64_t *k = malloc(slots * sizeof *k);
        uint32_t *v = malloc(slots * sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return false;
        }
        free(gv->keys);
        free(gv->slot_i);
        gv->keys = k;
        gv->slot_i = v;
        gv->slots = slots;
    }
    memset(gv->keys, 0, slots * sizeof *gv->keys);
    for (size_t i = 0; i < gv->n; i++) {
        uint64_t key = glyph_key(gv->v[i].face, gv->v[i].gid);
        size_t s = key_slot(gv, key);
        gv->keys[s] = key;
        gv->slot_i[s] = (uint32_t)i;
    }
    return true;
}

/* The entry of a face's glyph, or NULL when the document does not draw it. */
static used_glyph *find_glyph(const glyph_vec *gv, lface face, uint32_t gid)
{
    if (!gv->slots)
        return NULL;
    size_t s = key_slot(gv, glyph_key(face, gid));
    return gv->keys[s] ? &gv->v[gv->slot_i[s]] : NULL;
}

static void glyphs_free(glyph_vec *gv)
{
    free(gv->v);
    free(gv->keys);
    free(gv->slot_i);
    free(gv->space);
    free(gv->space_known);
}

/* Calls fn for each glyph of box b in reading order (left to right, or
 * right to left in a right-to-left run), with the text of its cluster for
 * the first glyph of each cluster and "" for the rest, so that the texts
 * read in that order give back the cluster's characters once. */
typedef bool (*glyph_fn)(void *ctx, const lbox *b, const lglyph *g, const char *text, size_t len);

static bool each_glyph(const lbox *b, glyph_fn fn, void *ctx)
{
    size_t n = b->nglyphs;
    for (size_t k = 0; k < n; k++) {
        size_t i = b->rtl ? n - 1 - k : k;
        uint32_t c = b->glyphs[i].cluster;
        bool first = k == 0 || b->glyphs[b->rtl ? i + 1 : i - 1].cluster != c;
        size_t end = b->len;
        /* The cluster ends where the next one in reading order starts. */
        for (size_t j = k + 1; j < n; j++) {
            uint32_t cj = b->glyphs[b->rtl ? n - 1 - j : j].cluster;
            if (cj != c) {
                end = cj > c ? cj : end;
                break;
            }
        }
        if (c > b->len || end < c)
            end = c = (uint32_t)b->len;
        if (!fn(ctx, b, &b->glyphs[i], first ? b->text + c : "", first ? end - c : 0))
            return false;
    }
    return true;
}

static bool collect_one(void *ctx, const lbox *b, const lglyph *g, const char *text, size_t len)
{
    glyph_vec *gv = ctx;
    if (find_glyph(gv, b->face, g->gid))
        return true; /* the first use's text stays */
    if (gv->n == gv->cap) {
        size_t cap = gv->cap ? 2 * gv->cap : 256;
        used_glyph *nv = realloc(gv->v, cap * sizeof *nv);
        if (!nv)
            return false;
        gv->v = nv;
        gv->cap = cap;
    }
    gv->v[gv->n++] = (used_glyph){.face = b->face, .gid = g->gid, .text = text, .len = len};
    if (2 * (gv->n + 1) > gv->slots)
        return reindex(gv);
    uint64_t key = glyph_key(b->face, g->gid);
    size_t s = key_slot(gv, key);
    gv->keys[s] = key;
    gv->slot_i[s] = (uint32_t)(gv->n - 1);
    return true;
}

static int by_face_gid(const void *x, const void *y)
{
    const used_glyph *a = x, *b = y;
    if (a->face != b->face)
        return a->face < b->face ? -1 : 1;
    return a->gid < b->gid ? -1 : a->gid > b->gid;
}

/* The space glyph of b's face, found the first time (0: none). */
static uint32_t space_of(glyph_vec *gv, const fontset *fs, const lbox *b)
{
    if (!gv->space_known[b->face]) {
        const mp_font *f = fontset_font(fs, (int)b->face);
        gv->space[b->face] = f ? font_glyph(f, 0x20) : 0;
        gv->space_known[b->face] = true;
    }
    return gv->space[b->face];
}

/* Every glyph the document draws, one per (face, glyph), sorted, keeping
 * each glyph's first text (a glyph drawn for other text elsewhere, such
 * as the space that also shows U+00A0, gets ActualText there), and the
 * space of each face drawn after a box a word space follows. */
static int collect_glyphs(const layout_doc *doc, const fontset *fs, size_t nf, glyph_vec *gv)
{
    gv->space = calloc(nf ? nf : 1, sizeof *gv->space);
    gv->space_known = calloc(nf ? nf : 1, sizeof *gv->space_known);
    if (!gv->space || !gv->space_known)
        return -1;
    for (size_t p = 0; p < doc->npages; p++)
        for (size_t i = 0; i < doc->pages[p].nboxes; i++) {
            const lbox *b = &doc->pages[p].boxes[i];
            if ((b->kind == LBOX_TEXT || b->kind == LBOX_WATERMARK) &&
                !each_glyph(b, collect_one, gv))
                return -1;
            if (b->kind == LBOX_TEXT && b->space_after && b->nglyphs && b->face < nf) {
                lglyph sp = {.gid = space_of(gv, fs, b)};
                if (sp.gid && !collect_one(gv, b, &sp, " ", 1))
                    return -1;
            }
        }
    if (gv->n)
        qsort(gv->v, gv->n, sizeof *gv->v, by_face_gid);
    return reindex(gv) ? 0 : -1;
}

/* The faces the document draws with, embedded in the order of their first
 * glyph; texts are copied NUL-terminated into a for pdffont. */
static int embed_faces(HPDF_Doc pdf, const fontset *fs, pdffont_cache *cache, glyph_vec *gv,
                       arena *a, pdffont **pf, mp_err *err)
{
    for (size_t i = 0; i < gv->n;) {
        size_t j = i;
        while (j < gv->n && gv->v[j].face == gv->v[i].face)
            j++;
        size_t n = j - i;
        uint32_t *gids = arena_array(a, n, sizeof *gids);
        const char **texts = arena_array(a, n, sizeof *texts);
        if (!gids || !texts)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        for (size_t k = 0; k < n; k++) {
            gids[k] = gv->v[i + k].gid;
            if (!(texts[k] = arena_strndup(a, gv->v[i + k].text, gv->v[i + k].len)))
                return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        }
        const mp_font *f = fontset_font(fs, gv->v[i].face);
        int rc = f ? pdffont_embed_glyphs(pdf, cache, f, gids, texts, n, &pf[gv->v[i].face], err)
                   : err_set(err, EX_SOFTWARE, NULL, 0, 0, "no face %u in the font set",
                             (unsigned)gv->v[i].face);
        if (rc)
            return rc;
        for (size_t k = i; k < j; k++) {
            gv->v[k].code = pdffont_glyph_code(pf[gv->v[k].face], gv->v[k].gid);
            gv->v[k].width = pdffont_glyph_width(pf[gv->v[k].face], gv->v[k].gid);
        }
        i = j;
    }
    return 0;
}

typedef struct readback {
    const glyph_vec *gv;
    size_t at; /* bytes of the box's text matched so far */
} readback;

static bool read_one(void *ctx, const lbox *b, const lglyph *g, const char *text, size_t len)
{
    (void)text;
    (void)len;
    readback *rb = ctx;
    const used_glyph *u = find_glyph(rb->gv, b->face, g->gid);
    if (!u || u->len > b->len - rb->at || memcmp(b->text + rb->at, u->text, u->len) != 0)
        return false;
    rb->at += u->len;
    return true;
}

/* True when the glyphs' ToUnicode texts, read in reading order, give back
 * the box's text: then a viewer's copy and search get it without help. */
static bool reads_back(const glyph_vec *gv, const lbox *b)
{
    readback rb = {gv, 0};
    return each_glyph(b, read_one, &rb) && rb.at == b->len;
}
/* Every number on a page is written in thousandths of a point. */
static long long milli(double v)
{
    if (!(v > -1e12 && v < 1e12))
        return 0; /* NaN or absurd: the layout never gives these */
    return llround(v * 1000.0);
}

/* Writes m / 1000 in the shortest exact decimal form and a space ("12.5 ",
 * "-0.75 ", "3 "): by hand, because printf's decimal point follows the
 * locale and %g's exponent form is not PDF syntax. */
static void put_milli(mp_buf *c, long long m)
{
    char tmp[32], *end = tmp + sizeof tmp, *p = end;
    *--p = ' ';
    unsigned long long u = m < 0 ? 0ull - (unsigned long long)m : (unsigned long long)m;
    unsigned frac = (unsigned)(u % 1000);
    u /= 1000;
    if (frac) {
        int digits = 3;
        for (; frac % 10 == 0; digits--)
            frac /= 10;
        for (; digits > 0; digits--, frac /= 10)
            *--p = (char)('0' + frac % 10);
        *--p = '.';
    }
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (m < 0)
        *--p = '-';
    buf_put(c, p, (size_t)(end - p));
}

static void put_num(mp_buf *c, double v)
{
    put_milli(c, milli(v));
}

/* The glyphs of one box as TJ arrays of two-byte codes. A PDF viewer moves
 * by each glyph's /W width; where HarfBuzz placed the glyph elsewhere
 * (kerning, a mark's offset) a number in the array moves it, in 1/1000 em,
 * and a mark raised or lowered gets its own Ts. */
static void put_glyphs(mp_buf *c, const glyph_vec *gv, const lbox *b, bool space)
{
    static const char hex[] = "0123456789ABCDEF";
    double at = 0, pen = 0; /* where the viewer is, and where the glyph goes */
    long long rise = 0;
    bool open = false; /* a hex string is open: glyphs without a move between
                          them share one */
    buf_puts(c, "[");
    for (size_t i = 0; i < b->nglyphs; i++) {
        const lglyph *g = &b->glyphs[i];
        long long r = milli(g->dy * b->size_pt / 1000);
        if (r != rise) {
            buf_puts(c, open ? ">] TJ\n" : "] TJ\n");
            open = false;
            put_milli(c, r);
            buf_puts(c, "Ts [");
            rise = r;
        }
        double want = pen + g->dx;
        long long adj = milli((at - want) / 1000) / 10; /* hundredths of 1/1000 em */
        if (adj != 0) {
            if (open)
                buf_puts(c, ">");
            open = false;
            put_milli(c, adj * 10);
            at = want;
        }
        const used_glyph *u = find_glyph(gv, b->face, g->gid);
        unsigned code = u ? u->code : 0;
        char h[5] = {'<', hex[code >> 12 & 15], hex[code >> 8 & 15], hex[code >> 4 & 15],
                     hex[code & 15]};
        if (open)
            buf_put(c, h + 1, 4);
        else
            buf_put(c, h, 5);
        open = true;
        at += u ? u->width : 0;
        pen += g->adv;
    }
    /* The word space after the box: invisible, but text read out of the
     * page (a screen reader's, a copy) keeps the words of two lines apart. */
    const used_glyph *sp =
        space && gv->space[b->face] ? find_glyph(gv, b->face, gv->space[b->face]) : NULL;
    if (sp) {
        char h[5] = {'<', hex[sp->code >> 12 & 15], hex[sp->code >> 8 & 15],
                     hex[sp->code >> 4 & 15], hex[sp->code & 15]};
        buf_put(c, open ? h + 1 : h, open ? 4 : 5);
        open = true;
    }
    buf_puts(c, open ? ">] TJ\n" : "] TJ\n");
    if (rise)
        buf_puts(c, "0 Ts\n");
}

/* A box's glyphs, inside a marked span whose ActualText gives its text
 * back where the glyphs' own ToUnicode texts would not (a glyph shared by
 * two characters) or a viewer would read it wrongly (a cluster of several
 * glyphs, reordered). Right-to-left runs are left to
 * the viewer, which reads their glyphs from the right. */
/* True when some cluster of b has several glyphs (a Devanagari syllable's
 * vowel sign drawn before its consonant, a split vowel): a viewer that
 * reads glyph by glyph may put a space inside the word. */
static bool split_cluster(const lbox *b)
{
    for (size_t i = 1; i < b->nglyphs; i++)
        if (b->glyphs[i].cluster == b->glyphs[i - 1].cluster)
            return true;
    return false;
}

static void put_run(mp_buf *c, const lbox *b, const glyph_vec *gv)
{
    bool actual = !b->rtl && (split_cluster(b) || !reads_back(gv, b));
    if (actual) {
        buf_puts(c, "/Span <</ActualText ");
        if (b->space_after) {
            mp_buf t;
            buf_init(&t, NULL);
            buf_put(&t, b->text, b->len);
            buf_putc(&t, ' ');
            pdfwrite_text(c, t.data, t.len);
            c->oom |= t.oom;
            buf_free(&t);
        } else {
            pdfwrite_text(c, b->text, b->len);
        }
        buf_puts(c, ">> BDC\n");
    }
    put_glyphs(c, gv, b, b->space_after);
    if (actual)
        buf_puts(c, "EMC\n");
}

/* The page's local name of face f (/F1, /F2...), registered with the page
 * on first use; NULL when libharu cannot. */
static const char *font_name(HPDF_Page page, pdffont *const *pf, const char **names, lface f)
{
    if (!names[f] && pf[f])
        names[f] = HPDF_Page_GetLocalFontName(page, pdffont_dict(pf[f]));
    return names[f];
}

/* All text of the page in one BT/ET block. Each run moves with Td relative
 * to the last one, computed in whole thousandths so that no rounding error
 * accumulates down the page. Returns false when libharu cannot register a
 * font with the page. */
static bool put_text(mp_buf *c, HPDF_Page page, const lpage *pg, pdffont *const *pf,
                     const char **names, const glyph_vec *gv, pdftag *tag)
{
    int cur_face = -1;
    long long cur_size = -1, at_x = 0, at_y = 0;
    bool in_text = false, marked = false;
    const pdftag_elem *cur = NULL;
    bool cur_artifact = false;
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind != LBOX_TEXT || b->nglyphs == 0)
            continue;
        if (!in_text) {
            buf_puts(c, "BT\n");
            in_text = true;
        }
        /* One marked-content sequence for each run of boxes of one element
         * (or of artifacts): the tree's leaves hold their MCIDs. */
        pdftag_elem *e = pdftag_elem_of(tag, b);
        bool artifact = e == NULL;
        if (!marked || e != cur || artifact != cur_artifact) {
            if (marked)
                buf_puts(c, "EMC\n");
            if (!pdftag_begin(tag, e, b->role == LROLE_PAGE || b->role == LROLE_PATIENT, c))
                return false;
            marked = true;
            cur = e;
            cur_artifact = artifact;
        }
        long long size = milli(b->size_pt);
        if ((int)b->face != cur_face || size != cur_size) {
            const char *name = font_name(page, pf, names, b->face);
            if (!name)
                return false;
            buf_puts(c, "/");
            buf_puts(c, name);
            buf_puts(c, " ");
            put_milli(c, size);
            buf_puts(c, "Tf\n");
            cur_face = (int)b->face;
            cur_size = size;
        }
        long long x = milli(b->x), y = milli(b->y);
        put_milli(c, x - at_x);
        put_milli(c, y - at_y);
        buf_puts(c, "Td\n");
        at_x = x;
        at_y = y;
        put_run(c, b, gv);
    }
    if (marked)
        buf_puts(c, "EMC\n");
    if (in_text)
        buf_puts(c, "ET\n");
    return true;
}

/* What lies behind the text: marker-yellow highlights (placeholders on a
 * specimen) and the light grey watermark word (SPECIMEN, DRAFT), turned
 * about its centre, one run at a time. Returns false when libharu cannot
 * register a font. */
static bool put_backdrop(mp_buf *c, HPDF_Page page, const lpage *pg, pdffont *const *pf,
                         const char **names, const glyph_vec *gv)
{
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind == LBOX_HIGHLIGHT) {
            buf_puts(c, "/Artifact BMC q 1 0.93 0.55 rg\n");
            put_num(c, b->x);
            put_num(c, b->y);
            put_num(c, b->w);
            put_num(c, b->h);
            buf_puts(c, "re f Q EMC\n");
        } else if (b->kind == LBOX_WATERMARK && b->nglyphs) {
            const char *name = font_name(page, pf, names, b->face);
            if (!name)
                return false;
            double a = b->angle_deg * 3.14159265358979323846 / 180, co = cos(a), si = sin(a);
            /* Start so that the word's middle, at half its cap height, is
             * the centre; each run starts `along` the word from there. */
            double up = b->size_pt * 0.36, from = b->along - b->w / 2;
            double x = b->x + co * from + si * up, y = b->y + si * from - co * up;
            buf_puts(c, "/Artifact BMC q 0.82 g BT /");
            buf_puts(c, name);
            buf_puts(c, " ");
            put_num(c, b->size_pt);
            buf_puts(c, "Tf ");
            put_num(c, co);
            put_num(c, si);
            put_num(c, -si);
            put_num(c, co);
            put_num(c, x);
            put_num(c, y);
            buf_puts(c, "Tm\n");
            put_run(c, b, gv);
            buf_puts(c, "ET Q EMC\n");
        }
    }
    return true;
}

static void put_qr(mp_buf *c, const lbox *b)
{
    const qr_code *q = b->qr;
    double m = b->w / (q->width + 2 * QR_QUIET_MODULES);
    double x0 = b->x + m * QR_QUIET_MODULES, top = b->y + b->h - m * QR_QUIET_MODULES;
    /* Runs of dark modules in a row become one rectangle: a tenth of the
     * operators, and no hairline seams between modules in some viewers.
     * Edges are rounded, not sizes, so that neighbours share their edges. */
    bool any = false;
    for (int r = 0; r < q->width; r++) {
        long long y_hi = milli(top - r * m), y_lo = milli(top - (r + 1) * m);
        int col = 0;
        while (col < q->width) {
            if (!q->dark[r * q->width + col]) {
                col++;
                continue;
            }
            int start = col;
            while (col < q->width && q->dark[r * q->width + col])
                col++;
            long long x_lo = milli(x0 + start * m), x_hi = milli(x0 + col * m);
            put_milli(c, x_lo);
            put_milli(c, y_lo);
            put_milli(c, x_hi - x_lo);
            put_milli(c, y_hi - y_lo);
            buf_puts(c, "re\n");
            any = true;
        }
    }
    if (any)
        buf_puts(c, "f\n");
}

/* The logo, decoded once per document however many pages show it. */
typedef struct image_cache {
    const layout_image *key;
    HPDF_Image image;
    pdffont_cache *run; /* the run's cache: the logo's pixels, deflated once */
} image_cache;

/* A PNG logo's pixels, which libharu keeps raw and deflated in every PDF
 * (a twentieth of a consent's time), deflated once per run: the run's
 * copy goes into the image's stream as it is. Only for the plain case
 * libharu's PNG reader makes: no predictor, no writer of its own. */
static void deflate_once(image_cache *ic, HPDF_Image img, const layout_image *li)
{
    if (!ic->run || img->filter != HPDF_STREAM_FILTER_FLATE_DECODE || img->filterParams ||
        img->write_fn)
        return;
    /* By what the logo is, not where: FNV-1a over its file's bytes. */
    uint64_t key = 0xcbf29ce484222325u ^ li->len;
    for (size_t i = 0; i < li->len; i++)
        key = (key ^ ((const unsigned char *)li->data)[i]) * 0x100000001b3u;
    size_t zlen = 0;
    unsigned char *z = pdffont_cache_get_blob(ic->run, key, &zlen);
    if (!z) {
        mp_buf raw;
        buf_init(&raw, NULL);
        HPDF_UINT n = HPDF_Stream_Size(img->stream), got = n;
        char *room = n ? buf_room(&raw, n) : NULL;
        uLongf zl = compressBound(n);
        bool ok = room && HPDF_Stream_Seek(img->stream, 0, HPDF_SEEK_SET) == HPDF_OK &&
                  HPDF_Stream_Read(img->stream, (HPDF_BYTE *)room, &got) == HPDF_OK && got == n &&
                  (z = malloc(zl)) && compress2(z, &zl, (const Bytef *)room, n, 6) == Z_OK;
        buf_free(&raw);
        if (!ok) {
            free(z);
            return;
        }
        zlen = zl;
        pdffont_cache_put_blob(ic->run, key, z, zlen);
    }
    HPDF_MemStream_FreeData(img->stream);
    if (HPDF_Stream_Write(img->stream, z, (HPDF_UINT)zlen) == HPDF_OK)
        pdffont_mark_deflated(img);
    free(z);
}

static HPDF_Image load_image(HPDF_Doc pdf, image_cache *ic, const layout_image *li)
{
    if (ic->key != li) {
        ic->key = li;
        ic->image = li->png ? HPDF_LoadPngImageFromMem(pdf, li->data, (HPDF_UINT)li->len)
                            : HPDF_LoadJpegImageFromMem(pdf, li->data, (HPDF_UINT)li->len);
        if (ic->image && li->png)
            deflate_once(ic, ic->image, li);
    }
    return ic->image;
}

/* The embedded faces, by face number, and the page's names for them. */
typedef struct faces {
    pdffont **pf;
    const char **names;
    size_t n;
    const glyph_vec *gv;
    pdftag *tag;   /* the structure tree: what each box is drawn as */
    pdfwrite_z *z; /* deflates each page's content */
    mp_buf *zbuf;  /* the deflated content, reused from page to page */
} faces;

/* The page's drawing, c, as a content stream of its own, deflated here by
 * libdeflate (pdfwrite_deflate()) rather than by libharu's zlib at level
 * 6: page contents are about half of a consent's bytes, and libharu spent
 * 0.5 ms a PDF on them, a quarter of all. /Contents becomes [ours,
 * libharu's]: libharu still writes its own operators (the logo's image)
 * into its stream, after ours. */
static bool add_contents(HPDF_Doc pdf, HPDF_Page page, const mp_buf *c, pdfwrite_z *zc, mp_buf *z)
{
    buf_reset(z);
    if (!pdfwrite_deflate(zc, c->data, c->len, z))
        return false;
    HPDF_Dict s = HPDF_DictStream_New(pdf->mmgr, pdf->xref);
    HPDF_Array contents = s ? HPDF_Array_New(pdf->mmgr) : NULL;
    if (!contents)
        return false;
    pdffont_mark_deflated(s);
    return HPDF_Stream_Write(s->stream, (const HPDF_BYTE *)z->data, (HPDF_UINT)z->len) == HPDF_OK &&
           HPDF_Dict_Add(page, "Contents", contents) == HPDF_OK &&
           HPDF_Array_Add(contents, s) == HPDF_OK &&
           HPDF_Array_Add(contents, ((HPDF_PageAttr)page->attr)->contents) == HPDF_OK;
}

/* Draws a page: libharu sets its size, adds the links and draws the logo
 * (in its own content stream, inside q/Q); the rest is built in c (reused
 * from page to page) and becomes the page's first content stream
 * (add_contents). It ends outside BT/ET with no path open, so that
 * libharu's operators after it start from a clean state. */
static bool draw_page(HPDF_Doc pdf, HPDF_Page page, const lpage *pg, const layout_doc *doc,
                      const faces *fc, mp_buf *c, image_cache *ic)
{
    /* Font names are the page's own: each page registers what it uses. */
    memset(fc->names, 0, fc->n * sizeof *fc->names);
    HPDF_Page_SetWidth(page, (HPDF_REAL)(pg->width_pt > 0 ? pg->width_pt : doc->geom.width_pt));
    HPDF_Page_SetHeight(page, (HPDF_REAL)(pg->height_pt > 0 ? pg->height_pt : doc->geom.height_pt));
    buf_reset(c);
    buf_puts(c, "0.75 w\n");
    /* Highlights and watermark behind, then text, then the graphics. */
    if (!put_backdrop(c, page, pg, fc->pf, fc->names, fc->gv) ||
        !put_text(c, page, pg, fc->pf, fc->names, fc->gv, fc->tag))
        return false;
    /* Boxes to tick and initials boxes are figures a screen reader names;
     * every other rule is an artifact, stroked together. */
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        pdftag_elem *e = b->kind == LBOX_RECT ? pdftag_elem_of(fc->tag, b) : NULL;
        if (!e)
            continue;
        if (!pdftag_begin(fc->tag, e, false, c))
            return false;
        put_num(c, b->x);
        put_num(c, b->y);
        put_num(c, b->w);
        put_num(c, b->h);
        buf_puts(c, "re S EMC\n");
    }
    bool stroke = false;
    buf_puts(c, "/Artifact BMC\n");
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind == LBOX_RECT && pdftag_elem_of(fc->tag, b))
            continue;
        if (b->kind == LBOX_RECT) {
            put_num(c, b->x);
            put_num(c, b->y);
            put_num(c, b->w);
            put_num(c, b->h);
            buf_puts(c, "re\n");
            stroke = true;
        } else if (b->kind == LBOX_LINE) {
            put_num(c, b->x);
            put_num(c, b->y);
            buf_puts(c, "m\n");
            put_num(c, b->x + b->w);
            put_num(c, b->y + b->h);
            buf_puts(c, "l\n");
            stroke = true;
        }
    }
    if (stroke)
        buf_puts(c, "S\n");
    buf_puts(c, "EMC\n");
    for (size_t i = 0; i < pg->nboxes; i++)
        if (pg->boxes[i].kind == LBOX_QR) {
            if (!pdftag_begin(fc->tag, pdftag_elem_of(fc->tag, &pg->boxes[i]), false, c))
                return false;
            put_qr(c, &pg->boxes[i]);
            buf_puts(c, "EMC\n");
        }
    if (c->oom)
        return false;
    if (!add_contents(pdf, page, c, fc->z, fc->zbuf))
        return false;

    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind == LBOX_LINK) {
            HPDF_Rect r = {(HPDF_REAL)b->x, (HPDF_REAL)b->y, (HPDF_REAL)(b->x + b->w),
                           (HPDF_REAL)(b->y + b->h)};
            HPDF_Annotation a = HPDF_Page_CreateURILinkAnnot(page, r, b->text);
            if (a)
                HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0);
            if (a && !pdftag_annot(fc->tag, pdftag_elem_of(fc->tag, b), a))
                return false;
        } else if (b->kind == LBOX_IMAGE) {
            HPDF_Image img = load_image(pdf, ic, b->image);
            if (!img)
                return false;
            /* libharu draws the image into its own content stream: the
             * marks go there, around it. */
            mp_buf m;
            buf_init(&m, NULL);
            bool ok = pdftag_begin(fc->tag, pdftag_elem_of(fc->tag, b), false, &m);
            HPDF_Stream s = ((HPDF_PageAttr)page->attr)->stream;
            ok = ok && HPDF_Stream_Write(s, (const HPDF_BYTE *)m.data, (HPDF_UINT)m.len) == HPDF_OK;
            buf_free(&m);
            if (!ok)
                return false;
            HPDF_Page_DrawImage(page, img, (HPDF_REAL)b->x, (HPDF_REAL)b->y, (HPDF_REAL)b->w,
                                (HPDF_REAL)b->h);
            if (HPDF_Stream_WriteStr(s, "EMC\n") != HPDF_OK)
                return false;
        }
    }
    return true;
}
static void set_date(HPDF_Doc pdf, HPDF_InfoType type, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    HPDF_Date d = {0};
    d.year = tm.tm_year + 1900;
    d.month = tm.tm_mon + 1;
    d.day = tm.tm_mday;
    d.hour = tm.tm_hour;
    d.minutes = tm.tm_min;
    d.seconds = tm.tm_sec;
    d.ind = 'Z';
    HPDF_SetInfoDateAttr(pdf, type, d);
}

/* A text entry of the document information: as it is when printable
 * ASCII, else UTF-16BE with a byte order mark, the bytes libharu's UTF-8
 * encoder would give. Made here because setting up that encoder costs a
 * tenth of a document's time (it fills tables for 65,536 code points byte
 * by byte). Returns false when out of memory. */
static bool set_info_text(HPDF_Doc pdf, const char *key, const char *text)
{
    size_t len = strlen(text);
    bool ascii = pdfwrite_is_ascii(text, len);
    mp_buf u;
    buf_init(&u, NULL);
    if (!ascii)
        pdfwrite_utf16(&u, text, len);
    if (u.oom)
        return false;
    /* HPDF_New made the dictionary when it set /Producer; errors reach
     * our handler through HPDF_CheckError() in pdf_render(). */
    if (pdf->info)
        HPDF_Dict_Add(
            pdf->info, key,
            ascii ? (void *)HPDF_String_New(pdf->mmgr, text, NULL)
                  : (void *)HPDF_Binary_New(pdf->mmgr, (HPDF_BYTE *)u.data, (HPDF_UINT)u.len));
    else
        HPDF_RaiseError(&pdf->error, HPDF_INVALID_DOCUMENT, 0);
    buf_free(&u);
    return true;
}

pdffont_cache *pdf_font_cache_new(void)
{
    return pdffont_cache_new(PDF_FONT_CACHE_BYTES);
}

void pdf_font_cache_free(pdffont_cache *c)
{
    pdffont_cache_free(c);
}

int pdf_render(const layout_doc *doc, const fontset *fs, pdffont_cache *cache, const pdf_meta *meta,
               unsigned char **out, size_t *out_len, mp_err *err)
{
    *out = NULL;
    *out_len = 0;
    hpdf_status st = {0};
    int rc = 0;
    HPDF_Doc pdf = HPDF_New(on_hpdf_error, &st);
    if (!pdf)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory (libharu)");
    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);

    size_t nf = (size_t)fontset_count(fs);
    glyph_vec gv = {0};
    arena *a = arena_new();
    faces fc = {.pf = calloc(nf ? nf : 1, sizeof *fc.pf),
                .names = calloc(nf ? nf : 1, sizeof *fc.names),
                .n = nf,
                .gv = &gv,
                .z = pdfwrite_z_new()};
    mp_buf zbuf;
    buf_init(&zbuf, NULL);
    fc.zbuf = &zbuf;
    if (!a || !fc.pf || !fc.names || !fc.z || collect_glyphs(doc, fs, nf, &gv))
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < gv.n && !rc; i++)
        if (gv.v[i].face >= nf)
            rc = err_set(err, EX_SOFTWARE, NULL, 0, 0, "face %u is not in the font set",
                         (unsigned)gv.v[i].face);
    if (!rc)
        rc = embed_faces(pdf, fs, cache, &gv, a, fc.pf, err);

    mp_buf c;
    buf_init(&c, NULL);
    image_cache ic = {.run = cache};
    if (!rc) {
        bool oom = false, drawn = true;
        const char *const info[][2] = {{"Title", meta->title},
                                       {"Author", meta->author},
                                       {"Subject", meta->subject},
                                       {"Keywords", meta->keywords},
                                       {"Creator", meta->creator}};
        for (size_t i = 0; i < sizeof info / sizeof *info && !oom; i++)
            if (info[i][1] && !set_info_text(pdf, info[i][0], info[i][1]))
                oom = true;
        set_date(pdf, HPDF_INFO_CREATION_DATE, meta->date_unix);
        set_date(pdf, HPDF_INFO_MOD_DATE, meta->date_unix);
        /* libharu has no call for /Lang; the catalog is a plain dictionary. */
        if (meta->lang && HPDF_Dict_Add(pdf->catalog, "Lang",
                                        HPDF_String_New(pdf->mmgr, meta->lang, NULL)) != HPDF_OK)
            oom = true;
        fc.tag = pdftag_new(a, doc, meta->lang, meta->author);
        oom = oom || !fc.tag;
        for (size_t p = 0; p < doc->npages && drawn && !oom && !st.code; p++) {
            HPDF_Page page = HPDF_AddPage(pdf);
            drawn = page && pdftag_page(fc.tag, p, page) &&
                    draw_page(pdf, page, &doc->pages[p], doc, &fc, &c, &ic);
        }
        pdfwrite_extra tree;
        if (drawn && !oom && !st.code && !pdftag_finish(fc.tag, pdf, meta->title, &tree))
            oom = true;
        oom = oom || c.oom;
        /* The object and stream calls record their errors without calling
         * the handler: raise any now. */
        HPDF_CheckError(&pdf->error);
        mp_buf o;
        buf_init(&o, NULL);
        if (drawn && !oom && !st.code) {
            if (pdfwrite(pdf, &tree, fc.z, &o)) {
                *out = (unsigned char *)o.data;
                *out_len = o.len;
                o.data = NULL;
            } else {
                oom = true;
            }
        }
        buf_free(&o);
        if (oom || st.code == HPDF_FAILD_TO_ALLOC_MEM)
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory (libharu)");
        else if (st.code || !drawn)
            rc = err_set(err, EX_SOFTWARE, NULL, 0, 0, "libharu failed (error 0x%04X, detail %u)",
                         (unsigned)st.code, (unsigned)st.detail);
    }
    buf_free(&c);

    HPDF_Free(pdf);
    pdfwrite_z_free(fc.z);
    buf_free(&zbuf);
    for (size_t f = 0; f < nf && fc.pf; f++)
        pdffont_free(fc.pf[f]);
    free(fc.pf);
    free(fc.names);
    glyphs_free(&gv);
    arena_free(a);
    return rc;
}
