/*
 * layout.h — the layout engine: text, styles and font metrics in, positioned
 * boxes on pages out. It knows nothing of PDF or libharu (the backend draws
 * the boxes) and nothing of the YAML schema (render.c turns form blocks into
 * builder calls), so its rules are tested fast, on boxes:
 *
 *   - text is shaped (a layout_shaper: HarfBuzz in the tool, a fake in the
 *     tests) and lines break where Unicode allows on the shaped widths
 *     (lines.h); a piece longer than the line is cut between grapheme
 *     clusters, so nothing crosses the margin; each line's runs are shown
 *     in their bidi visual order;
 *   - a form in a right-to-left language is laid out mirrored: text starts
 *     at the right margin, and bullets, boxes, rules, signature lines, the
 *     QR code and the header change sides;
 *   - pages break automatically; a paragraph keeps at least two lines at the
 *     bottom and the top of a page (no orphans or widows);
 *   - a heading is never left alone at a page bottom (kept with what follows);
 *   - a risk item is kept whole, with its initials box; a signature block is
 *     kept whole on one page (it is split between signers only when it is
 *     taller than a page, so that it is still printed);
 *   - a signature block is signed on the page that holds what it signs: it
 *     keeps with the section of the patient's agreement (the nearest
 *     checkboxes before it) when all of that fits on a page, else with its
 *     own section (from the nearest heading), else, for a section longer
 *     than a page, with the statement right before the lines and the
 *     section's heading printed again above it;
 *   - a booking QR code is never alone on a page: when it does not fit under
 *     the text it floats beside the last paragraphs of the page (re-wrapped
 *     narrower), else it takes its section, else the paragraph before it,
 *     to the next page;
 *   - each form's pages get a header (the clinic's name, but not on the page
 *     that opens with the letterhead; the patient line; the copy label) and
 *     a footer with "Page X of Y" counted within the form. Header text
 *     shrinks to fit down to LAYOUT_HEADER_MIN_PT, no further: then the
 *     patient line wraps (two lines at most) and the rest is cut with an
 *     ellipsis.
 *
 * Coordinates are PDF points (1/72 in) with the origin at the bottom left of
 * the page. Ownership: a layout and everything it returns live in the arena
 * given to layout_new(); the text of boxes is copied there.
 */
#ifndef MP_LAYOUT_H
#define MP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "image.h"
#include "paper.h"
#include "qr.h"
#include "shaped.h"

typedef struct layout_geom {
    double width_pt, height_pt;
    double margin_left_pt, margin_right_pt;
    double body_top_pt, body_bottom_pt;    /* from the bottom edge */
    double header_base_pt, footer_base_pt; /* baselines of header line 1 and footer */
} layout_geom;

layout_geom layout_geom_for(page_size size);

typedef struct layout_style {
    double body_pt, heading_pt, title_pt, small_pt;
    double leading; /* line height as a multiple of the font size */
} layout_style;

/* Sizes that go together with a body size (11 pt standard, 14+ large print). */
layout_style layout_style_for(double body_pt);

typedef enum {
    LBOX_TEXT,      /* text at baseline (x, y), width w */
    LBOX_RECT,      /* stroked rectangle, lower-left (x, y), size w x h */
    LBOX_LINE,      /* stroked line from (x, y) to (x + w, y + h) */
    LBOX_QR,        /* QR symbol incl. quiet zone in the square (x, y, w, w) */
    LBOX_LINK,      /* clickable area (x, y, w, h) opening the URI in text */
    LBOX_WATERMARK, /* text in light grey, centred on (x, y), turned by angle_deg, behind all */
    LBOX_HIGHLIGHT, /* a filled marker-yellow rectangle behind text (x, y, w, h) */
    LBOX_IMAGE,     /* image drawn into (x, y, w, h) */
} lbox_kind;

/* What a box is part of: the rules' tests read it (tests/unit/test_render.c),
 * the PDF backend does not. */
typedef enum {
    LROLE_PAGE,       /* the header's clinic name, copy label and rule; the footer; a watermark */
    LROLE_PATIENT,    /* the header's patient line */
    LROLE_LETTERHEAD, /* the clinic's name, address and phone on a form's first page */
    LROLE_TITLE,
    LROLE_HEADING,
    LROLE_TEXT, /* a paragraph */
    LROLE_BULLET,
    LROLE_ITEM, /* a benefit, risk or alternative, with its initials box */
    LROLE_CHECKBOX,
    LROLE_FIELDS,
    LROLE_SIGNATURES,
    LROLE_QR,
    LROLE_NOTICE, /* an entry of the language notice: a language's name and its text */
} lrole;

typedef struct lbox {
    lbox_kind kind;
    lrole role;
    /* The builder's piece of text this box belongs to, counted from 0 in its
     * form in the order of the builder calls (each paragraph of a text, each
     * item of a list is one); -1 for the header and footer. A heading
     * printed again keeps its number. */
    int seq;
    double x, y, w, h;
    double size_pt;
    const char *text; /* TEXT, WATERMARK: the UTF-8 the glyphs show, in
                         logical order; LINK: URI. NUL-terminated. */
    size_t len;
    /* TEXT, WATERMARK: one run of one face and direction, its glyphs in
     * visual order with clusters relative to text. */
    lface face;
    bool rtl;
    const lglyph *glyphs;
    size_t nglyphs;
    double along; /* WATERMARK: where this run starts along the word */
    const qr_code *qr;
    double angle_deg;          /* WATERMARK */
    const layout_image *image; /* IMAGE */
    /* For the PDF's structure tree (a tagged PDF, for screen readers): which
     * part of its piece a box is (LPART_*), and the language of the text it
     * shows (the form's, or a notice entry's; NULL when not known). */
    unsigned part;
    const char *lang;
    /* A box a screen reader names (a box to tick, an initials box, the QR
     * code): what it says, in the form's language; NULL for the rest. */
    const char *alt;
    /* TEXT: a word space follows in the text (the line broke at a space, or
     * the text ends here): the PDF draws an invisible space glyph after the
     * run, so that text read out of the page keeps its words apart. */
    bool space_after;
} lbox;

/* lbox.part. A list item (a bullet, benefit, risk, alternative or
 * checkbox) has its label (the bullet, the box to tick), its title, its body
 * and its initials box; a QR code its caption, its symbol and its URL. A
 * table (the patient's facts) numbers its cells from LPART_CELL: row r,
 * column k is LPART_CELL + 2r + k; a signature block its labels, signer s,
 * label k (of 16 at most) LPART_CELL + 16s + k; the language notice its
 * entries, entry i's name LPART_CELL + 2i, its text LPART_CELL + 2i + 1. */
enum {
    LPART_MAIN = 0,
    LPART_LABEL,
    LPART_TITLE,
    LPART_BODY,
    LPART_INITIALS,
    LPART_CAPTION,
    LPART_SYMBOL,
    LPART_URL,
    LPART_CELL = 16,
};

typedef struct lpage {
    lbox *boxes;
    size_t nboxes, cap;
    int form_index;             /* which layout_form_begin() this page belongs to */
    const char *lang;           /* that form's language (layout_header.lang), or NULL */
    double width_pt, height_pt; /* forms of one packet may differ in page size */
} lpage;

typedef struct layout_doc {
    lpage *pages;
    size_t npages;
    layout_geom geom;
} layout_doc;

/* ---- pure text measuring ---- */

/* Width in points of text[0..len) shaped in style f at size_pt; -1 when
 * the shaper runs out of memory. */
double layout_text_width(const layout_shaper *sh, const char *lang, lfont f, double size_pt,
                         const char *text, size_t len);

/* Copies text with every run of white space (space, tab, CR, LF) made one
 * space and the ends trimmed. Returns NULL on OOM. */
char *layout_squash_space(arena *a, const char *text, size_t len, size_t *out_len);

/* ---- the builder ---- */

typedef struct layout layout;

/* NULL when out of memory. */
layout *layout_new(arena *a, layout_geom geom, layout_style style, const layout_shaper *sh);

/* What a builder call returns. */
typedef enum {
    LAYOUT_OK,
    LAYOUT_NOMEM,    /* out of memory */
    LAYOUT_TOO_LONG, /* the page it needed would pass LAYOUT_MAX_PAGES */
} layout_status;

/* A document never gets more pages than this: a form whose text would need
 * more (a runaway paste, a hostile file) stops the layout, and the builder
 * call that would have added the page returns LAYOUT_TOO_LONG. */
#define LAYOUT_MAX_PAGES 500

/* Text arguments need not outlive the call. */
typedef struct layout_header {
    const char *left;        /* clinic name: on every page but the one that holds the letterhead */
    const char *right;       /* copy label ("Patient copy") or NULL */
    const char *line2;       /* the patient line (name, record number...), or NULL */
    const char *footer_left; /* form id and version */
    const char *page_fmt;    /* "Page %d of %d" in the form's language */
    /* For duplex printing: when not NULL, a form with an odd number of pages
     * gets one more, blank but for this note, so that the next form (or the
     * next patient) starts on a fresh sheet. */
    const char *blank_note;
    /* When not NULL, every page of the form carries this word across it
     * (SPECIMEN, DRAFT): a page that must not reach a patient says so. */
    const char *watermark;
    /* The clinic's logo, at the right of the header at a fixed height, its
     * aspect ratio kept; or NULL. */
    const layout_image *logo;
    /* This form's page size, when it differs from the layout's; or NULL. */
    const layout_geom *geom;
    /* The form's language (BCP 47; NULL for English): it picks the line
     * break rules and the shaping language. When rtl, the form's pages are
     * laid out right to left. */
    const char *lang;
    bool rtl;
    /* What a screen reader says for the boxes that draw no text, in the
     * form's language (printf formats with one %s; NULL: none): a box to
     * tick ("Checkbox: %s", its statement), an initials box ("Initials for
     * %s", its item's title), the booking QR code ("... %s", its URL). */
    const char *alt_checkbox, *alt_initials, *alt_qr;
} layout_header;

/* The height of the logo in the page header. */
#define LAYOUT_LOGO_PT 24.0

/* The smallest size header text is shrunk to: below it, a line is cut with
 * an ellipsis (the clinic's name) or wrapped (the patient line). */
#define LAYOUT_HEADER_MIN_PT 8.0

layout_status layout_form_begin(layout *L, const layout_header *h);

/* From now on, text between open and close (UTF-8 marks, kept in the text)
 * is drawn over a highlight: placeholders on a specimen. */
void layout_set_highlight(layout *L, const char *open, const char *close);
layout_status layout_letterhead(layout *L, const char *name, const char *details);
layout_status layout_title(layout *L, const char *text);
layout_status layout_heading(layout *L, const char *text);
/* Each line break in text starts a new paragraph. */
layout_status layout_paragraph(layout *L, const char *text);
layout_status layout_bullet(layout *L, const char *text);
/* Benefits, risks, alternatives: bold title (or NULL) over text (or NULL);
 * initials_label != NULL draws an initials box beside it and keeps it whole. */
layout_status layout_item(layout *L, const char *title, const char *text,
                          const char *initials_label);
layout_status layout_checkbox(layout *L, const char *text);
/* A table of labelled patient facts. */
layout_status layout_fields(layout *L, const char *const *labels, const char *const *values,
                            size_t n);

typedef struct layout_signer {
    const char *sign_label;   /* "Signature of Patient" */
    const char *date_label;   /* NULL: no date line */
    const char *time_label;   /* NULL: no time line */
    const char *const *lines; /* further labelled lines (printed name, extras) */
    size_t nlines;
} layout_signer;
layout_status layout_signatures(layout *L, const layout_signer *signers, size_t n);

/* QR code (the caller keeps qr alive as long as the layout), caption above,
 * URL printed under it, link annotation over it. Never alone on a page (see
 * the rules above). */
layout_status layout_qr(layout *L, const qr_code *qr, const char *url, const char *caption);
layout_status layout_page_break(layout *L);

/* One language of the notice of free language help: its own name over its
 * text (a line break starts a new paragraph), each in its own language and
 * direction whatever the form's. */
typedef struct layout_notice_entry {
    const char *lang; /* BCP 47: picks line breaking and shaping */
    bool rtl;         /* right to left: the entry is set from its column's right edge */
    const char *name; /* "Español", "العربية" */
    const char *text;
} layout_notice_entry;

/* The notice's entries in two columns, each entry kept whole in one column,
 * read down the first column and then the second (on a right-to-left form
 * the first column is the right one). When they all fit on the page, the
 * columns are balanced; when they do not fit at the body size, the text is
 * made smaller, in half points, down to min_pt; below that the columns go
 * on to the next page (large print passes its body size: it never shrinks).
 * The trying starts at *size_pt when it is set (> 0 and below the body
 * size: the size an identical notice was set at before, so that each
 * patient's packet does not try every size again); *size_pt gets the size
 * the entries were set at. */
layout_status layout_notice(layout *L, const layout_notice_entry *e, size_t n, double min_pt,
                            double *size_pt);
layout_status layout_form_end(layout *L);

/* The pages so far. Valid until the arena is freed. */
const layout_doc *layout_result(layout *L);

/* The faces doc's text draws with (text and watermark boxes), each once, in
 * ascending order, into out (at most max); returns how many. form_index >= 0
 * counts only the pages of that form (lpage.form_index), -1 every page. */
size_t layout_faces(const layout_doc *doc, int form_index, lface *out, size_t max);

/* For tests: the smallest QR width the engine draws, quiet zone excluded. */
#define LAYOUT_QR_SYMBOL_PT 80.0

#endif
