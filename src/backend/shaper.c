/*
 * shaper.c — see shaper.h.
 *
 * Itemizing follows the usual order (as in Chromium and Pango): the
 * Unicode stage's runs of one bidi level and one script are cut again
 * wherever the face changes, and each piece is shaped with the whole
 * paragraph as context (hb_buffer_add_utf8 with an item offset), so that
 * HarfBuzz's clusters are byte offsets of the paragraph.
 */
#include "shaper.h"

#include <hb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "font.h"
#include "text.h"
#include "utf8.h"

/* ---- the cache ---------------------------------------------------------- */

typedef enum { KEY_PARA, KEY_PIECE } key_kind;

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    key_kind kind;
    int style;       /* KEY_PARA: lfont; KEY_PIECE: face */
    int dir;         /* KEY_PARA: text_dir; KEY_PIECE: rtl */
    uint32_t script; /* KEY_PIECE */
    const char *lang;
    const char *text;
    size_t len;
    const lshaped *para;  /* KEY_PARA */
    const lglyph *glyphs; /* KEY_PIECE */
    size_t nglyphs;
} entry;

#define BUCKETS 4096

struct shaper {
    fontset *fs;
    hb_buffer_t *buf;
    arena *a; /* the cache's entries and what they hold */
    entry *bucket[BUCKETS];
    int16_t *faces; /* shape_text_run()'s scratch */
    size_t faces_cap;
    shaper *next_free;
};

struct shaper_pool {
    fontset *fs;
    pthread_mutex_t mu;
    shaper *free_list;
};

static uint64_t hash_key(key_kind kind, int style, int dir, uint32_t script, const char *lang,
                         const char *text, size_t len)
{
    /* FNV-1a: the text is the key, and form text runs to a few hundred
     * bytes a paragraph; this costs far less than shaping it. */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
    for (const char *p = lang ? lang : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h ^= (uint64_t)kind << 60 ^ (uint64_t)(unsigned)style << 40 ^ (uint64_t)(unsigned)dir << 32 ^
         script;
    return h * 1099511628211ull;
}

static bool same_lang(const char *a, const char *b)
{
    return (a ? a : "")[0] == (b ? b : "")[0] && strcmp(a ? a : "", b ? b : "") == 0;
}

static entry *find(shaper *s, uint64_t h, key_kind kind, int style, int dir, uint32_t script,
                   const char *lang, const char *text, size_t len)
{
    for (entry *e = s->bucket[h % BUCKETS]; e; e = e->next)
        if (e->hash == h && e->kind == kind && e->style == style && e->dir == dir &&
            e->script == script && e->len == len && same_lang(e->lang, lang) &&
            memcmp(e->text, text, len) == 0)
            return e;
    return NULL;
}

/* Adds an entry for text, which the cache's arena already holds; what it
 * maps to is filled in by the caller. */
static entry *insert(shaper *s, uint64_t h, key_kind kind, int style, int dir, uint32_t script,
                     const char *lang, const char *text, size_t len)
{
    entry *e = arena_alloc(s->a, sizeof *e);
    if (!e || (lang && !(e->lang = arena_strdup(s->a, lang))))
        return NULL;
    e->text = text;
    e->hash = h, e->kind = kind, e->style = style, e->dir = dir, e->script = script;
    e->len = len;
    e->next = s->bucket[h % BUCKETS];
    s->bucket[h % BUCKETS] = e;
    return e;
}

/* ---- shaping ------------------------------------------------------------ */

/* Shapes text[start, end) of text[0, len) in face, appending the glyphs (in
 * visual order, clusters as paragraph byte offsets) to *g. */
static int shape_run(shaper *s, lface face, const char *lang, const char *text, size_t len,
                     size_t start, size_t end, bool rtl, uint32_t script, arena *a, lglyph **g,
                     size_t *n)
{
    const mp_font *f = fontset_font(s->fs, face);
    hb_buffer_t *b = s->buf;
    hb_buffer_clear_contents(b);
    hb_buffer_add_utf8(b, text, (int)len, (unsigned)start, (int)(end - start));
    hb_buffer_set_direction(b, rtl ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
    hb_script_t sc = (hb_script_t)script;
    if (sc == HB_SCRIPT_COMMON || sc == HB_SCRIPT_INHERITED || sc == HB_SCRIPT_UNKNOWN ||
        sc == HB_SCRIPT_INVALID)
        sc = HB_SCRIPT_LATIN;
    hb_buffer_set_script(b, sc);
    hb_buffer_set_language(b, hb_language_from_string(lang ? lang : "en", -1));
    hb_shape(font_hb(f), b, NULL, 0);
    if (!hb_buffer_allocation_successful(b))
        return -1;
    unsigned count;
    const hb_glyph_info_t *info = hb_buffer_get_glyph_infos(b, &count);
    const hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(b, &count);
    lglyph *out = arena_array(a, count ? count : 1, sizeof *out);
    if (!out)
        return -1;
    double k = 1000.0 / font_upem(f);
    for (unsigned i = 0; i < count; i++)
        out[i] = (lglyph){.gid = info[i].codepoint,
                          .adv = (float)(pos[i].x_advance * k),
                          .dx = (float)(pos[i].x_offset * k),
                          .dy = (float)(pos[i].y_offset * k),
                          .cluster = info[i].cluster};
    *g = out;
    *n = count;
    return 0;
}

/* The face for the cluster starting at text[i]: the current one while it
 * has the character (so that spaces and punctuation do not split a run),
 * else the font set's choice. A character no installed font has stays
 * with the style's own face and shows as its .notdef: render.c refuses
 * such text before it gets here. */
static int face_at(shaper *s, lfont style, const char *lang, uint32_t cp, int cur)
{
    if (cur >= 0 && font_glyph(fontset_font(s->fs, cur), cp) != 0)
        return cur;
    int f = fontset_face_for(s->fs, (int)style, cp, lang);
    if (f < 0)
        f = cur >= 0 ? cur : (int)style;
    return f;
}

/* Whether face has a glyph for every character of text[start, end). */
static bool face_covers(shaper *s, int face, const char *text, size_t start, size_t end)
{
    const mp_font *f = fontset_font(s->fs, face);
    for (size_t i = start; i < end;) {
        uint32_t cp;
        size_t k = utf8_decode(text + i, end - i, &cp);
        if (k == 0 || font_glyph(f, cp) == 0)
            return false;
        i += k;
    }
    return true;
}

/* One word drawn in two faces breaks what shaping does across letters:
 * Arabic letters lose their joins, an Indic conjunct its parts. When the
 * faces chosen letter by letter differ inside text[start, end) (no space
 * in it), the first of them that has every letter of the word draws it
 * all: an Urdu name whose last letter DejaVu lacks is set wholly in Noto
 * rather than joined in two halves. Without such a face the word keeps
 * its letter-by-letter faces. */
static void unify_word(shaper *s, const text_para *tp, int16_t *faces, size_t base, size_t start,
                       size_t end)
{
    while (start < end && !(tp->flags[start] & TEXT_CLUSTER))
        start++; /* marks on the space before stay with it */
    int first = -1;
    bool mixed = false;
    for (size_t i = start; i < end; i++)
        if (tp->flags[i] & TEXT_CLUSTER) {
            if (first < 0)
                first = faces[i - base];
            else if (faces[i - base] != first)
                mixed = true;
        }
    if (!mixed)
        return;
    for (size_t i = start; i < end; i++) {
        if (!(tp->flags[i] & TEXT_CLUSTER))
            continue;
        int cand = faces[i - base];
        if (face_covers(s, cand, tp->text, start, end)) {
            for (size_t j = start; j < end; j++)
                faces[j - base] = (int16_t)cand;
            return;
        }
    }
}

typedef struct run_vec {
    lrun *v;
    size_t n, cap;
} run_vec;

/* Text run tr cut where the face changes, each piece shaped. */
static int shape_text_run(shaper *s, lfont style, const char *lang, const text_para *tp,
                          const text_run *tr, run_vec *rv)
{
    const char *t = tp->text;
    size_t n = tr->end - tr->start;
    if (n == 0)
        return 0;
    if (n > s->faces_cap) {
        int16_t *nf = realloc(s->faces, n * sizeof *nf);
        if (!nf)
            return -1;
        s->faces = nf;
        s->faces_cap = n;
    }
    int16_t *faces = s->faces; /* per byte of the run: the face drawing it */

    /* Letter by letter, then word by word (words end at a space). What
     * draws nothing (a space, an isolate mark around a filled-in value)
     * stays in the face of the letters around it: asked for on its own, it
     * would pull in a face of its own for nothing. The run starts in the
     * face of its first letter (the style's own when it has none). */
    int cur = -1;
    for (size_t i = tr->start; i < tr->end && cur < 0;) {
        uint32_t cp;
        size_t k = utf8_decode(t + i, tr->end - i, &cp);
        if (k == 0)
            k = 1, cp = 0xFFFD;
        if (!text_needs_no_glyph(cp))
            cur = face_at(s, style, lang, cp, -1);
        i += k;
    }
    if (cur < 0) /* nothing to draw: an isolate mark's run of its own */
        cur = (int)style;
    size_t word = tr->start;
    for (size_t i = tr->start; i < tr->end;) {
        uint32_t cp;
        size_t k = utf8_decode(t + i, tr->end - i, &cp);
        if (k == 0)
            k = 1, cp = 0xFFFD;
        if ((tp->flags[i] & TEXT_CLUSTER && !(cur >= 0 && text_needs_no_glyph(cp))) || cur < 0)
            cur = face_at(s, style, lang, cp, cur);
        for (size_t j = 0; j < k && i + j < tr->end; j++)
            faces[i + j - tr->start] = (int16_t)cur;
        if (cp == ' ' || cp == 0x3000) {
            unify_word(s, tp, faces, tr->start, word, i);
            word = i + k;
        }
        i += k;
    }
    unify_word(s, tp, faces, tr->start, word, tr->end);

    /* Pieces of one face, each shaped with the paragraph as context. */
    size_t piece = tr->start;
    for (size_t i = tr->start + 1; i <= tr->end; i++) {
        if (i < tr->end && faces[i - tr->start] == faces[piece - tr->start])
            continue;
        lrun *nv = arena_grow(s->a, rv->v, &rv->cap, rv->n + 1, sizeof *rv->v);
        if (!nv)
            return -1;
        rv->v = nv;
        lrun *r = &rv->v[rv->n++];
        *r = (lrun){.start = piece,
                    .end = i,
                    .level = tr->level,
                    .script = tr->script,
                    .face = (lface)faces[piece - tr->start]};
        lglyph *g;
        if (shape_run(s, r->face, lang, t, tp->len, piece, i, tr->level & 1, tr->script, s->a, &g,
                      &r->nglyphs))
            return -1;
        r->glyphs = g;
        piece = i;
    }
    return 0;
}

static int shape_para(shaper *s, lfont style, const char *lang, const char *text, size_t len,
                      text_dir dir, lshaped **out)
{
    text_para tp;
    if (text_analyze(text, len, lang, dir, s->a, &tp))
        return -1;
    run_vec rv = {0};
    for (size_t i = 0; i < tp.nruns; i++)
        if (shape_text_run(s, style, lang, &tp, &tp.runs[i], &rv))
            return -1;
    lshaped *sp = arena_alloc(s->a, sizeof *sp);
    double *pos = arena_array(s->a, len + 1, sizeof *pos);
    if (!sp || !pos)
        return -1;
    /* Each glyph's advance counts at its cluster's first byte. */
    memset(pos, 0, (len + 1) * sizeof *pos);
    for (size_t r = 0; r < rv.n; r++)
        for (size_t g = 0; g < rv.v[r].nglyphs; g++)
            if (rv.v[r].glyphs[g].cluster < len)
                pos[rv.v[r].glyphs[g].cluster + 1] += rv.v[r].glyphs[g].adv;
    for (size_t i = 1; i <= len; i++)
        pos[i] += pos[i - 1];
    *sp = (lshaped){.text = tp.text,
                    .len = len,
                    .flags = tp.flags,
                    .pos = pos,
                    .runs = rv.v,
                    .nruns = rv.n,
                    .base_level = tp.base_level};
    *out = sp;
    return 0;
}

static int iface_para(void *ctx, lfont style, const char *lang, const char *text, size_t len,
                      text_dir dir, const lshaped **out)
{
    shaper *s = ctx;
    uint64_t h = hash_key(KEY_PARA, (int)style, (int)dir, 0, lang, text, len);
    entry *e = find(s, h, KEY_PARA, (int)style, (int)dir, 0, lang, text, len);
    if (e) {
        *out = e->para;
        return 0;
    }
    /* Shaped from the cache's own copy: the lshaped points into it. */
    const char *copy = arena_strndup(s->a, text, len);
    lshaped *sp;
    if (!copy || shape_para(s, style, lang, copy, len, dir, &sp) ||
        !(e = insert(s, h, KEY_PARA, (int)style, (int)dir, 0, lang, copy, len)))
        return -1;
    e->para = sp;
    *out = sp;
    return 0;
}

static int iface_piece(void *ctx, lface face, const char *lang, const char *text, size_t len,
                       bool rtl, uint32_t script, const lglyph **glyphs, size_t *n)
{
    shaper *s = ctx;
    uint64_t h = hash_key(KEY_PIECE, face, rtl, script, lang, text, len);
    entry *e = find(s, h, KEY_PIECE, face, rtl, script, lang, text, len);
    if (!e) {
        const char *copy = arena_strndup(s->a, text, len);
        lglyph *g;
        size_t count;
        if (!copy || shape_run(s, face, lang, copy, len, 0, len, rtl, script, s->a, &g, &count) ||
            !(e = insert(s, h, KEY_PIECE, face, rtl, script, lang, copy, len)))
            return -1;
        e->glyphs = g;
        e->nglyphs = count;
    }
    *glyphs = e->glyphs;
    *n = e->nglyphs;
    return 0;
}

layout_shaper shaper_iface(shaper *s)
{
    return (layout_shaper){.ctx = s, .para = iface_para, .piece = iface_piece};
}

/* ---- the pool ----------------------------------------------------------- */

static void shaper_free(shaper *s)
{
    if (!s)
        return;
    hb_buffer_destroy(s->buf);
    arena_free(s->a);
    free(s->faces);
    free(s);
}

shaper_pool *shaper_pool_new(fontset *fs)
{
    shaper_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fs = fs;
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

void shaper_pool_free(shaper_pool *p)
{
    if (!p)
        return;
    while (p->free_list) {
        shaper *s = p->free_list;
        p->free_list = s->next_free;
        shaper_free(s);
    }
    pthread_mutex_destroy(&p->mu);
    free(p);
}

shaper *shaper_take(shaper_pool *p)
{
    pthread_mutex_lock(&p->mu);
    shaper *s = p->free_list;
    if (s)
        p->free_list = s->next_free;
    pthread_mutex_unlock(&p->mu);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
        s->fs = p->fs;
        s->buf = hb_buffer_create();
        s->a = arena_new();
        if (!hb_buffer_allocation_successful(s->buf) || !s->a) {
            shaper_free(s);
            return NULL;
        }
    }
    /* A new document: the cache starts over once it has grown past its
     * budget (a batch of long, different paragraphs), never in the middle
     * of a document. */
    if (arena_used(s->a) > SHAPER_CACHE_BYTES) {
        arena *fresh = arena_new();
        if (!fresh) {
            shaper_free(s);
            return NULL;
        }
        arena_free(s->a);
        s->a = fresh;
        memset(s->bucket, 0, sizeof s->bucket);
    }
    return s;
}

void shaper_give(shaper_pool *p, shaper *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&p->mu);
    s->next_free = p->free_list;
    p->free_list = s;
    pthread_mutex_unlock(&p->mu);
}
