/*
 * pdffont.h — a glyph set embedded as a PDF composite font, for pdf.c.
 *
 * Private to the PDF backend: pdf.c draws, this module builds the font
 * objects it draws with. Each face is cut down with HarfBuzz's subsetter
 * to the glyphs the shaped document draws and added to the libharu
 * document, through libharu's object API, as a Type0 font (Identity-H) over
 * a CIDFontType2 with the TrueType subset as FontFile2, or a CIDFontType0
 * with the subset's bare CFF as FontFile3 /CIDFontType0C; with a /W array
 * for exactly the glyphs drawn and a ToUnicode CMap giving each glyph the
 * text it stands for, so that text extracts as it was written.
 *
 * libharu loads no font itself (no HPDF_LoadTTFontFromFile, no
 * HPDF_GetFont): its TrueType path maps all 65,536 code points and writes
 * two 128 KB tables for every document, its ToUnicode CMap is malformed,
 * it drops the components of nested composite glyphs, and it takes neither
 * CFF outlines nor glyphs that are not characters (conjuncts, ligatures).
 */
#ifndef MP_PDFFONT_H
#define MP_PDFFONT_H

#include <hpdf.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "font.h"

typedef struct pdffont pdffont;

/* Font programs (a face's subset, deflated, and its glyphs' codes) kept
 * across the documents of a run, keyed by face and glyph set, the least
 * recently used dropped beyond max_bytes. A batch's PDFs mostly draw the
 * same glyph sets (the form's text, and names that add no new letter), and
 * subsetting and deflating a face cost more than all else in a PDF. Safe
 * to share between threads; NULL when out of memory. */
typedef struct pdffont_cache pdffont_cache;
pdffont_cache *pdffont_cache_new(size_t max_bytes);
void pdffont_cache_free(pdffont_cache *c);

/* One more thing a run's documents share, deflated once: the bytes made of
 * what key names (the clinic's logo, by a hash of its file's bytes). get
 * gives a malloc'd copy (the caller frees it), or NULL; put keeps a copy in
 * place of the one kept before (nothing when out of memory: the cache only
 * saves time). */
unsigned char *pdffont_cache_get_blob(pdffont_cache *c, uint64_t key, size_t *len);
void pdffont_cache_put_blob(pdffont_cache *c, uint64_t key, const unsigned char *data, size_t len);

/* Adds face f (TrueType or CFF, see font_open_face()) holding the glyphs
 * gids[0..n) (original glyph ids, ascending, distinct; 0 = .notdef may be
 * among them); text[i] is the UTF-8 text glyph gids[i] stands for, written
 * to the ToUnicode CMap (several characters for a ligature; NULL or "" for
 * none, and text itself may be NULL). A TrueType face becomes a
 * CIDFontType2 with its subset as FontFile2 (the code is the subset's
 * glyph number, CIDToGIDMap /Identity); a CFF face a CIDFontType0 with the
 * subset's bare CFF as FontFile3 /CIDFontType0C (the code is the glyph's
 * CID). Same input, same bytes, with or without cache (which may be NULL).
 * The PDF objects belong to pdf; *out is the
 * caller's, freed with pdffont_free(). Returns 0, EX_SOFTWARE (bad glyph
 * ids, more than 65,535 glyphs, subsetting or libharu failed) or EX_OSERR. */
int pdffont_embed_glyphs(HPDF_Doc pdf, pdffont_cache *cache, const mp_font *f, const uint32_t *gids,
                         const char *const *text, size_t n, pdffont **out, mp_err *err);

/* The Type0 font dictionary, to register in a page's /Font resources. */
HPDF_Dict pdffont_dict(const pdffont *pf);

/* The two-byte code that shows original glyph gid (one of those embedded;
 * 0, the .notdef code, otherwise). */
unsigned pdffont_glyph_code(const pdffont *pf, uint32_t gid);

/* Its /W width as written: the original face's advance in 1/1000 em,
 * rounded to the nearest integer (0 for a glyph not embedded). A run drawn
 * from shaped positions adjusts by the difference (TJ). */
int pdffont_glyph_width(const pdffont *pf, uint32_t gid);

void pdffont_free(pdffont *pf);

/* Makes stream (a libharu stream dictionary) go out as the bytes written to
 * it, with /Filter /FlateDecode: for bytes deflated beforehand (a cached
 * font program; page contents deflated at a faster level than libharu's). */
void pdffont_mark_deflated(HPDF_Dict stream);

#endif
