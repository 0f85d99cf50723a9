/*
 * lines.h — a shaped paragraph broken into lines, and a line into the
 * pieces it shows from left to right. Pure: no pages, no PDF.
 *
 * Lines break only where the Unicode stage allows (TEXT_BREAK: after a
 * space, between ideographs, between Thai words found by dictionary), on
 * the shaped widths; a piece of text with no break opportunity that is
 * wider than the line is cut between grapheme clusters, so nothing crosses
 * the margin. Spaces at a line's end take no room.
 */
#ifndef MP_LINES_H
#define MP_LINES_H

#include <stddef.h>

#include "arena.h"
#include "shaped.h"

typedef struct lline {
    size_t start, end; /* byte range of the line, trailing spaces left out */
    double width_pt;
} lline;

/* Width in points of bytes [start, end) of sp at size_pt, as measured for
 * line breaking. */
double lines_width(const lshaped *sp, double size_pt, size_t start, size_t end);

/* Greedy breaking of sp into lines no wider than max_width_pt. Returns the
 * number of lines (0 for empty text); *lines is in a. (size_t)-1 when out
 * of memory. */
size_t lines_break(const lshaped *sp, double size_pt, double max_width_pt, arena *a, lline **lines);

/* One piece of a line: a run, or the part of a run the line holds. */
typedef struct lpiece {
    size_t start, end; /* bytes of the paragraph */
    uint8_t level;
    lface face;
    lglyph *glyphs; /* visual order; clusters relative to start */
    size_t nglyphs;
    double adv; /* the glyphs' advance, 1/1000 em */
} lpiece;

/* The pieces of line [start, end) of sp in visual order (UAX #9 L2), with
 * their glyphs copied into a. A piece cut out of a run where no space
 * separates it from the rest is shaped again alone (sh->piece), so that a
 * glyph that depended on the text across the cut is not shown. Returns
 * 0, or -1 when out of memory. */
int lines_pieces(const layout_shaper *sh, const char *lang, const lshaped *sp, size_t start,
                 size_t end, arena *a, lpiece **out, size_t *n);

#endif
