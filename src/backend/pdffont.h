/*
 * pdffont.h — a font subset embedded as a PDF composite font, for pdf.c.
 *
 * Private to the PDF backend: pdf.c draws, this module builds the font
 * objects it draws with. Each font is cut down with font_subset() to the
 * characters a document uses and added to the libharu document, through
 * libharu's object API, as a Type0 font over a CIDFontType2 with the subset
 * as its FontFile2, a /W array for exactly the characters used and a
 * ToUnicode CMap, so that text extracts as it was written.
 *
 * libharu's own TrueType path (HPDF_LoadTTFontFromFile + HPDF_GetFont) is not
 * used: with UTF-8 it maps all 65,536 code points and writes two 128 KB
 * tables for every document, its ToUnicode CMap is malformed, and it drops
 * the components of nested composite glyphs.
 *
 * Every character drawn gets a code (a CID) of its own, numbered 1..n in code
 * point order, and a CIDToGIDMap sends it to its glyph. Several characters
 * may share a glyph (.notdef for characters the font lacks, the space for
 * characters beyond the BMP, which the layout measures as spaces), and a code
 * per character still lets the ToUnicode CMap say which character each is.
 */
#ifndef MP_PDFFONT_H
#define MP_PDFFONT_H

#include <hpdf.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "font.h"

typedef struct pdffont pdffont;

/* Adds font f to pdf, holding the code points cps[0..n) (sorted ascending,
 * distinct). The PDF objects belong to pdf; *out is the caller's, freed with
 * pdffont_free(). Returns 0, EX_SOFTWARE (subsetting or libharu failed,
 * more than 65,535 distinct characters) or EX_OSERR (no memory). */
int pdffont_embed(HPDF_Doc pdf, const mp_font *f, const uint32_t *cps, size_t n, pdffont **out,
                  mp_err *err);

/* The Type0 font dictionary, to register in a page's /Font resources. */
HPDF_Dict pdffont_dict(const pdffont *pf);

/* The two-byte code that shows cp; cp must be one of those embedded. */
unsigned pdffont_code(const pdffont *pf, uint32_t cp);

void pdffont_free(pdffont *pf);

#endif
