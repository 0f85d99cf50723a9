/*
 * paper.h — the page sizes a clinic prints on, as options and settings name
 * them. The layout turns one into a page's geometry (layout_geom_for).
 */
#ifndef MP_PAPER_H
#define MP_PAPER_H

#include <stdbool.h>

typedef enum { PAGE_LETTER, PAGE_A4 } page_size;

/* "letter" or "a4", in any case (--page-size A4 is what people type): true
 * with *out set; false for anything else. The one reading of a page size, for
 * options and settings alike. */
bool page_size_parse(const char *s, page_size *out);

#endif
