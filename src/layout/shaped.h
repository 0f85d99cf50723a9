/*
 * shaped.h — what the layout asks of the text engine: a paragraph shaped
 * into glyphs, with the Unicode stage's break flags beside them.
 *
 * The layout knows no fonts and no HarfBuzz: it gets glyph ids, advances
 * and offsets in 1/1000 em through a layout_shaper (backend/shaper.c
 * shapes with HarfBuzz over the run's font set; the tests use a fake that
 * gives one glyph per character). It breaks lines on the widths and flags
 * of an lshaped, and builds each line's boxes from its runs' glyphs in
 * visual order (text_reorder).
 */
#ifndef MP_SHAPED_H
#define MP_SHAPED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

/* The two styles text is set in. Which face draws a character in a style
 * is the shaper's choice (the clinic's family first, then a face found for
 * the script); boxes name the face. */
typedef enum { LFONT_REGULAR, LFONT_BOLD } lfont;

/* A face of the run's font set (backend/fontset.h numbers them). */
typedef uint16_t lface;

typedef struct lglyph {
    uint32_t gid;
    float adv, dx, dy; /* advance and offsets, 1/1000 em */
    uint32_t cluster;  /* byte offset of the glyph's cluster in the text shaped */
} lglyph;

/* A run of one face and one direction. */
typedef struct lrun {
    size_t start, end; /* bytes of the paragraph, logical order */
    uint8_t level;     /* bidi level: odd is right to left */
    uint32_t script;   /* hb_script_t, as text.h gives it */
    lface face;
    const lglyph *glyphs; /* visual order, left to right; clusters are
                             paragraph offsets */
    size_t nglyphs;
} lrun;

typedef struct lshaped {
    const char *text;
    size_t len;
    const uint8_t *flags; /* TEXT_CLUSTER, TEXT_BREAK, TEXT_MANDATORY; len + 1 */
    const double *pos;    /* len + 1: the advance of all glyphs whose cluster
                             starts before byte i, in 1/1000 em */
    const lrun *runs;     /* logical order, covering the text */
    size_t nruns;
    uint8_t base_level; /* 0 left to right, 1 right to left */
} lshaped;

typedef struct layout_shaper {
    void *ctx;
    /* Shapes one paragraph (squashed text, no line breaks) in a style. The
     * result stays valid until the shaper is told a new document begins;
     * text need not outlive the call. Returns 0, or -1 when out of
     * memory. lang is the text's language (BCP 47) or NULL: it picks the
     * line-break rules (Japanese, Chinese) and the shaping language. */
    int (*para)(void *ctx, lfont style, const char *lang, const char *text, size_t len,
                text_dir dir, const lshaped **out);
    /* Shapes a piece of a run alone: a line's end that cut a word (CJK,
     * Thai) where shaping may depend on what follows. Glyphs are in
     * visual order with clusters relative to text. Same lifetime. */
    int (*piece)(void *ctx, lface face, const char *lang, const char *text, size_t len, bool rtl,
                 uint32_t script, const lglyph **glyphs, size_t *n);
} layout_shaper;

#endif
