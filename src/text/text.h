/*
 * text.h — the Unicode stage of the text engine: what a paragraph's
 * characters say about direction, script and where lines may break, from
 * ICU (ubidi for UAX #9, ubrk for UAX #14 with its Thai, Khmer, Lao and
 * Myanmar dictionaries and for UAX #29 grapheme clusters, uscript for
 * script runs).
 *
 * Pure functions over UTF-8: no fonts, no PDF. The layout breaks lines on
 * the flags this stage gives and reorders each line's runs with
 * text_reorder(); the shaper (backend/shaper.c) shapes one run at a time.
 * Offsets are byte offsets into the UTF-8 text.
 *
 * Thread-safe: ICU's break iterators are opened once per locale and cloned
 * for each call's thread (opening one costs milliseconds; cloning,
 * microseconds).
 */
#ifndef MP_TEXT_H
#define MP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Flags of a byte offset (text_para.flags[i] describes the boundary before
 * byte i; flags[len] is the end of the text). */
#define TEXT_CLUSTER 0x01   /* a grapheme cluster (UAX #29) starts here */
#define TEXT_BREAK 0x02     /* a line may break here (UAX #14, dictionaries) */
#define TEXT_MANDATORY 0x04 /* a line must break here (never set at 0) */

/* The paragraph's base direction. */
typedef enum { TEXT_DIR_LTR, TEXT_DIR_RTL, TEXT_DIR_AUTO } text_dir;

/* A maximal run of characters with one bidi level and one script. */
typedef struct text_run {
    size_t start, end; /* byte range, logical order */
    uint8_t level;     /* bidi embedding level: odd is right to left */
    uint32_t script;   /* ISO 15924 as a HarfBuzz hb_script_t (HB_SCRIPT_ARABIC);
                          Common and Inherited characters take their
                          neighbours' script, so digits and spaces inside
                          Arabic text are Arabic */
} text_run;

typedef struct text_para {
    const char *text;
    size_t len;
    uint8_t *flags; /* len + 1 entries */
    text_run *runs; /* logical order, covering [0, len) */
    size_t nruns;
    uint8_t base_level; /* 0 or 1: the paragraph's resolved direction */
} text_para;

/* Analyzes one paragraph of UTF-8 text (no line breaks inside; a byte that
 * is not valid UTF-8 counts as one U+FFFD). lang is the BCP 47 language of
 * the text ("en", "ja", "th"), or NULL: it selects ICU's line-break
 * tailoring (Japanese and Chinese line-start rules). Everything in *out is
 * allocated in a. Returns 0, or -1 when out of memory or ICU fails. */
int text_analyze(const char *text, size_t len, const char *lang, text_dir dir, arena *a,
                 text_para *out);

/* The visual order of n pieces of one line, given their bidi levels in
 * logical order (UAX #9 rule L2): order[v] is the logical index of the
 * piece shown v-th from the left. */
void text_reorder(const uint8_t *levels, size_t n, int32_t *order);

/* True for a character that needs no glyph to print: white space, controls
 * and the default-ignorable characters shaping consumes (joiners, bidi
 * marks, variation selectors, the byte order mark), as ICU's properties
 * say. */
bool text_needs_no_glyph(uint32_t cp);

/* True for the languages written right to left (ar, fa, he, ur, yi, ps,
 * sd, ug, dv, ckb and their regional forms such as "ar-EG"). */
bool text_lang_rtl(const char *lang);

/* Frees ICU's per-process caches (the opened break iterators, and base/'s
 * date formats and language names): call once at exit so that leak
 * checkers see nothing left. */
void text_cleanup(void);

#endif
