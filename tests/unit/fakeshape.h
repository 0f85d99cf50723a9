/*
 * fakeshape.h — a layout_shaper with made-up metrics for the layout's
 * tests and fuzzing, so that every width and break can be worked out by
 * hand: one glyph per character (its id is the code point), 500/1000 em
 * (bold 600), a space 250, a combining mark 0 and in its letter's cluster.
 * "ễ" (U+1EC5) and anything from U+0370 on with fake_fallback set is drawn
 * by face 2 (a fallback), 700 wide. Right-to-left runs are reversed, as
 * HarfBuzz gives them. The Unicode stage is the real one (text.h).
 *
 * Header-only: each test includes it once.
 */
#ifndef MP_FAKESHAPE_H
#define MP_FAKESHAPE_H

#include <stdbool.h>
#include <string.h>

#include "arena.h"
#include "shaped.h"
#include "text.h"
#include "utf8.h"

typedef struct fake_shaper {
    arena *a;
    bool fallback_above_0370; /* every character from U+0370 on is face 2's */
    int bold_extra;           /* added to a bold glyph's 600 */
    /* When set, the advance of every glyph but a combining mark's (the
     * fuzzer's wilder metrics). */
    float (*advance)(lface face, uint32_t cp);
} fake_shaper;

static bool fake_is_mark(uint32_t cp)
{
    return cp >= 0x0300 && cp <= 0x036F;
}

static lface fake_face(const fake_shaper *fs, lfont style, uint32_t cp)
{
    if (cp == 0x1EC5 || (fs->fallback_above_0370 && cp >= 0x0370 && !fake_is_mark(cp)))
        return 2;
    return (lface)style;
}

static float fake_adv(const fake_shaper *fs, lface face, uint32_t cp)
{
    if (fake_is_mark(cp))
        return 0;
    if (fs->advance)
        return fs->advance(face, cp);
    if (cp == ' ')
        return 250;
    if (face == 2)
        return 700;
    return face == LFONT_BOLD ? (float)(600 + fs->bold_extra) : 500;
}

/* Glyphs of text[s, e) in face, clusters offset by base, visual order. */
static lglyph *fake_glyphs(fake_shaper *fs, lface face, const char *text, size_t s, size_t e,
                           bool rtl, size_t base, size_t *n)
{
    lglyph *g = arena_array(fs->a, e - s + 1, sizeof *g);
    if (!g)
        return NULL;
    size_t k = 0;
    for (size_t i = s; i < e;) {
        uint32_t cp;
        size_t len = utf8_decode(text + i, e - i, &cp);
        if (len == 0)
            len = 1, cp = 0xFFFD;
        uint32_t cluster = (uint32_t)(i + base);
        if (fake_is_mark(cp) && k > 0)
            cluster = g[k - 1].cluster;
        g[k++] = (lglyph){.gid = cp, .adv = fake_adv(fs, face, cp), .cluster = cluster};
        i += len;
    }
    for (size_t i = 0; rtl && i < k / 2; i++) {
        lglyph t = g[i];
        g[i] = g[k - 1 - i];
        g[k - 1 - i] = t;
    }
    *n = k;
    return g;
}

static int fake_para(void *ctx, lfont style, const char *lang, const char *text, size_t len,
                     text_dir dir, const lshaped **out)
{
    fake_shaper *fs = ctx;
    char *copy = arena_strndup(fs->a, text, len);
    text_para tp;
    if (!copy || text_analyze(copy, len, lang, dir, fs->a, &tp))
        return -1;
    lrun *runs = arena_array(fs->a, len + 1, sizeof *runs);
    double *pos = arena_array(fs->a, len + 1, sizeof *pos);
    lshaped *sp = arena_alloc(fs->a, sizeof *sp);
    if (!runs || !pos || !sp)
        return -1;
    size_t nr = 0;
    for (size_t r = 0; r < tp.nruns; r++) {
        /* Cut where the face changes, as the real shaper does. */
        size_t i = tp.runs[r].start;
        while (i < tp.runs[r].end) {
            uint32_t cp;
            size_t k = utf8_decode(copy + i, tp.runs[r].end - i, &cp);
            lface f = fake_face(fs, style, k ? cp : 0xFFFD);
            size_t j = i + (k ? k : 1);
            while (j < tp.runs[r].end) {
                size_t k2 = utf8_decode(copy + j, tp.runs[r].end - j, &cp);
                if (!fake_is_mark(cp) && fake_face(fs, style, k2 ? cp : 0xFFFD) != f)
                    break;
                j += k2 ? k2 : 1;
            }
            lrun *run = &runs[nr++];
            *run = (lrun){.start = i,
                          .end = j,
                          .level = tp.runs[r].level,
                          .script = tp.runs[r].script,
                          .face = f};
            run->glyphs = fake_glyphs(fs, f, copy, i, j, tp.runs[r].level & 1, 0, &run->nglyphs);
            if (!run->glyphs)
                return -1;
            i = j;
        }
    }
    memset(pos, 0, (len + 1) * sizeof *pos);
    for (size_t r = 0; r < nr; r++)
        for (size_t g = 0; g < runs[r].nglyphs; g++)
            pos[runs[r].glyphs[g].cluster + 1] += runs[r].glyphs[g].adv;
    for (size_t i = 1; i <= len; i++)
        pos[i] += pos[i - 1];
    *sp = (lshaped){copy, len, tp.flags, pos, runs, nr, tp.base_level};
    *out = sp;
    return 0;
}

static int fake_piece(void *ctx, lface face, const char *lang, const char *text, size_t len,
                      bool rtl, uint32_t script, const lglyph **glyphs, size_t *n)
{
    (void)lang;
    (void)script;
    lglyph *g = fake_glyphs(ctx, face, text, 0, len, rtl, 0, n);
    *glyphs = g;
    return g ? 0 : -1;
}

static layout_shaper fake_iface(fake_shaper *fs)
{
    return (layout_shaper){.ctx = fs, .para = fake_para, .piece = fake_piece};
}

#endif
