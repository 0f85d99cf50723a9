/*
 * pdftag.h — the structure tree of a tagged PDF (PDF/UA-1, ISO 14289-1), for
 * screen readers: what each box of a laid-out document is (a heading, a
 * paragraph, a list item, a table cell, a figure) in reading order, and what
 * is only decoration (headers, footers, rules, watermarks: artifacts).
 *
 * pdf.c draws; this file decides. pdftag_new() makes the tree's elements
 * from the boxes' roles (lbox.role, seq, part) before anything is drawn.
 * While a page is drawn, each run of boxes of one element is wrapped in a
 * marked-content sequence (pdftag_begin() writes "/P <</MCID 3>> BDC", the
 * caller "EMC"), and the element learns its MCIDs; boxes of no element are
 * artifacts. pdftag_finish() serializes the tree, the parent tree and the
 * StructTreeRoot as objects for pdfwrite's object stream, and gives the
 * catalog what it must say (MarkInfo, ViewerPreferences, XMP metadata).
 *
 * The elements are plain structs in the document's arena, not libharu
 * objects: a consent has some two hundred, and making each a libharu
 * dictionary cost a sixth of the document's time.
 */
#ifndef MP_PDFTAG_H
#define MP_PDFTAG_H

#include <hpdf.h>
#include <stdbool.h>

#include "arena.h"
#include "buf.h"
#include "layout.h"
#include "pdfwrite.h"

typedef struct pdftag pdftag;

/* What a box is drawn as: the element it is part of, or NULL (artifact). */
typedef struct pdftag_elem pdftag_elem;

/* The tree for doc, in a: lang is the document's language (/Lang of the
 * catalog), logo_alt the logo's alternate text (the clinic's name). NULL
 * when out of memory. */
pdftag *pdftag_new(arena *a, const layout_doc *doc, const char *lang, const char *logo_alt);

/* Starts drawing page p (its index in doc) on the PDF page `page`: its
 * MCIDs count from 0; the page gets /StructParents and /Tabs /S. False when
 * out of memory. */
bool pdftag_page(pdftag *t, size_t p, HPDF_Page page);

/* The element box b of the current page belongs to, or NULL for an
 * artifact. */
pdftag_elem *pdftag_elem_of(const pdftag *t, const lbox *b);

/* Opens a marked-content sequence in c: "/Tag <</MCID n>> BDC" for e (and
 * records n for e), or an artifact's "/Artifact BMC" (pagination when
 * header_footer). Close it with "EMC". False when out of memory. */
bool pdftag_begin(pdftag *t, pdftag_elem *e, bool header_footer, mp_buf *c);

/* Adds annotation a (a link over e's box) to the tree: /StructParent, an
 * OBJR in e, and /Contents (what e's figure says). False when out of
 * memory. */
bool pdftag_annot(pdftag *t, pdftag_elem *e, HPDF_Annotation a);

/* The tree as objects numbered from pdfwrite_next(pdf), into *x (in t's
 * arena); the catalog's /MarkInfo, /ViewerPreferences and an XMP /Metadata
 * stream with title and language, made in pdf. Call it after the last
 * libharu object is made. False when out of memory. */
bool pdftag_finish(pdftag *t, HPDF_Doc pdf, const char *title, pdfwrite_extra *x);

#endif
