/*
 * font.h — a TrueType face for measuring and embedding, through HarfBuzz.
 *
 * The layout engine measures text with font_advance(); the PDF backend
 * embeds font_subset() output, so a PDF carries only the glyphs it uses.
 * Advances are returned in 1/1000 em, truncated to whole units exactly as
 * libharu writes the /W widths of an embedded TrueType font
 * (advance * 1000 / unitsPerEm, integer division), so that what the layout
 * measured is what a PDF viewer places.
 *
 * A face is read-only after font_open() and may be shared between threads.
 */
#ifndef MP_FONT_H
#define MP_FONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct mp_font mp_font;

/* Opens a TrueType (glyf-outline) font file. A file that is not a font, a
 * font without a Unicode cmap, or a CFF-flavoured OpenType font (libharu
 * cannot embed those) is an EX_DATAERR error naming the file; a missing or
 * unreadable file is EX_NOINPUT. Free with font_close(). */
int font_open(const char *path, mp_font **out, mp_err *err);
void font_close(mp_font *f);

const char *font_path(const mp_font *f);

/* Horizontal advance of cp's glyph in 1/1000 em (the .notdef glyph's when the
 * font lacks cp). Fast path for Latin text: a table for U+0000-U+024F. */
int font_advance(const mp_font *f, uint32_t cp);

/* True when the font maps cp to a real glyph. */
bool font_has_glyph(const mp_font *f, uint32_t cp);

/* Ascender and descender (descender negative) in 1/1000 em, from hhea. */
int font_ascent(const mp_font *f);
int font_descent(const mp_font *f);

/* A TrueType font holding only the glyphs for the given code points (plus
 * .notdef), with a Unicode cmap, hmtx and the tables libharu needs to embed
 * it. cps need not be sorted or unique. *out is malloc'd; the caller frees it.
 * Returns 0 or EX_SOFTWARE (subsetter failure) / EX_OSERR (no memory). */
int font_subset(const mp_font *f, const uint32_t *cps, size_t n, unsigned char **out,
                size_t *out_len, mp_err *err);

#endif
