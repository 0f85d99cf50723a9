/*
 * font.h — a font face for shaping and embedding, through HarfBuzz.
 *
 * font_open_face() opens TrueType or CFF outlines, any face of a
 * collection, and gives an hb_font_t (font_hb()) in font units for
 * hb_shape() (shaper.c). The PDF backend embeds the glyphs a document
 * draws with pdffont_embed_glyphs(); libharu never loads a font itself.
 *
 * A face is read-only after it is opened and may be shared between threads.
 */
#ifndef MP_FONT_H
#define MP_FONT_H

#include <stdbool.h>
#include <stdint.h>

#include <hb.h>

#include "err.h"

typedef struct mp_font mp_font;

/* Opens face index (0 for a plain .ttf or .otf) of a TrueType (glyf), CFF
 * OpenType or collection (.ttc, .otc) file. The file is mapped once, never
 * copied. A file that is not a font, a missing face, CFF2 outlines, a face
 * without head/hhea/hmtx/maxp/cmap or one whose licence forbids embedding
 * is EX_DATAERR; a missing or unreadable file EX_NOINPUT. Free with
 * font_close(). */
int font_open_face(const char *path, unsigned index, mp_font **out, mp_err *err);
void font_close(mp_font *f);

/* The face's HarfBuzz font for hb_shape(): scale = units per em, so that
 * positions come out in font units; immutable, so that threads may shape
 * with it at once. It belongs to f. */
hb_font_t *font_hb(const mp_font *f);

/* The face to subset from, by glyph id: f's tables without its cmap, which
 * hb-subset would otherwise read whole for every subset (font.c says why).
 * It belongs to f; safe from several threads. */
hb_face_t *font_subset_face(const mp_font *f);

int font_upem(const mp_font *f);
bool font_is_cff(const mp_font *f); /* CFF outlines; false for glyf */
unsigned font_face_index(const mp_font *f);

/* The family name from the name table ("Noto Sans CJK JP"), for messages;
 * "" when the face has none. It belongs to f. */
const char *font_family(const mp_font *f);

/* The nominal glyph of cp (any plane), or 0 when the face lacks it: a face
 * has cp when this is not 0. Latin is a table lookup. */
uint32_t font_glyph(const mp_font *f, uint32_t cp);

const char *font_path(const mp_font *f);

/* Ascender and descender (descender negative) in 1/1000 em, truncated,
 * from hhea: the font descriptor's /Ascent and /Descent. */
int font_ascent(const mp_font *f);
int font_descent(const mp_font *f);

#endif
