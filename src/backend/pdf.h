/*
 * pdf.h — the PDF backend: draws a laid-out document with libharu.
 *
 * With its parts (pdffont.c, pdftag.c, pdfwrite.c), the only code that
 * knows libharu. It embeds each font as a subset holding only the glyphs
 * the document uses (pdffont_embed_glyphs()), draws text,
 * rules, boxes and QR modules as vectors, adds the link annotations and the
 * document information, and returns the PDF as bytes; writing them to a file
 * is outfile's job.
 *
 * Every PDF is tagged (PDF/UA-1: a structure tree in reading order,
 * artifacts, alternate text, languages; pdftag.h) and written as PDF 1.5
 * with an object stream (pdfwrite.h).
 *
 * Deterministic: the same document, fonts and meta give the same bytes
 * (no /ID is written; dates come from meta).
 * No global state; one call may run per thread.
 */
#ifndef MP_PDF_H
#define MP_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fontset.h"
#include "layout.h"

typedef struct pdf_meta {
    const char *title, *author, *subject, *keywords, *creator; /* UTF-8; NULL to leave out */
    int64_t date_unix;                                         /* CreationDate and ModDate, UTC */
    const char *lang; /* the document's language (/Lang, for screen readers), e.g. "es"; or NULL */
} pdf_meta;

/* The font programs a run's documents share (pdffont.h): one per run,
 * shared by its threads, holding at most PDF_FONT_CACHE_BYTES. NULL when
 * out of memory (pdf_render() then makes every program anew). */
typedef struct pdffont_cache pdffont_cache;
#define PDF_FONT_CACHE_BYTES (4u << 20)
pdffont_cache *pdf_font_cache_new(void);
void pdf_font_cache_free(pdffont_cache *c);

/* Renders doc, whose boxes name faces of fs; each face it draws with is
 * embedded as a subset of the glyphs it draws, taken from cache when an
 * earlier document drew the same set (cache may be NULL). *out is malloc'd
 * (the caller frees it). Returns 0, EX_SOFTWARE for a libharu or subsetter
 * error, EX_OSERR on OOM. */
int pdf_render(const layout_doc *doc, const fontset *fs, pdffont_cache *cache, const pdf_meta *meta,
               unsigned char **out, size_t *out_len, mp_err *err);

#endif
