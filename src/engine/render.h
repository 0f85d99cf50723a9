/*
 * render.h — one packet for one patient, from loaded forms to PDF bytes.
 *
 * The pipeline every front end shares (render, batch, review's specimen and
 * the front desk's server): fill each form's placeholders for the patient, turn its
 * blocks into layout calls with the printed labels of the form's language,
 * encode the booking QR code, and hand the pages to the PDF backend. What a
 * run loads once (clinic settings, fonts, page geometry) comes in render_env,
 * so that nothing per run is redone per patient. No global state.
 */
#ifndef MP_RENDER_H
#define MP_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "date.h"
#include "err.h"
#include "fontset.h"
#include "form.h"
#include "layout.h"
#include "patient.h"
#include "pdf.h"
#include "shaper.h"

/* Ends the PDF's keywords when every form was padded to an even number of
 * pages (--duplex): a resumed batch keeps a file only when it was made the
 * way the run makes them. */
#define RENDER_DUPLEX_KEYWORD "padded for duplex"

/* A translation a run does not print: a draft, without --allow-draft. */
typedef struct render_withheld {
    const char *lang; /* the language it is filed under */
    const char *why;  /* "tpi-consent-ar is a draft, not approved for patients" */
} render_withheld;

/* The sizes a run's language notice was set at (layout_notice), by page
 * size, body size and language, so that each patient's packet sets it at
 * once instead of trying every size again: the notice is the same for
 * every patient. Thread-safe (serve renders in several threads). */
typedef struct render_notice_memo render_notice_memo;
render_notice_memo *render_notice_memo_new(void);
void render_notice_memo_free(render_notice_memo *m);

typedef struct render_env {
    const clinic *clinic;
    fontset *fonts;               /* the clinic's family, then a face per script */
    shaper_pool *shapers;         /* one shaper per document being laid out */
    pdffont_cache *font_programs; /* subset fonts shared by the run's PDFs; may be NULL */
    layout_geom geom;             /* the clinic's page size, or --page-size */
    bool page_size_forced;        /* --page-size: it wins over a form's own page_size */
    layout_style style;           /* 11 pt body */
    layout_style style_large;     /* large print: 14 pt body */
    bool large_print;             /* the run's default (clinic setting or --large-print) */
    bool force_large_print;       /* --large-print: whatever the patient's column says */
    int64_t now_unix;             /* the PDF's dates */
    mp_date today;                /* {{today}} */
    const char *creator;          /* "medpacket 0.1.0" */
    bool duplex;                  /* pad every form to an even number of pages */
    bool specimen; /* review: no patient; placeholders shown, SPECIMEN on every page */
    /* Translations withheld from the run, so that a patient who reads one
     * is told why the packet's own language printed instead. */
    const render_withheld *withheld;
    size_t nwithheld;
    render_notice_memo *notice_memo; /* may be NULL: then every notice tries every size */
} render_env;

/* Large print for this patient: --large-print, else the patient's
 * large_print column (yes/no, sí, true/false, 1/0), else the run's default. */
bool render_large_print(const render_env *env, const patient *pt);

/* The variant of a packet in the patient's language (its `language` field:
 * a tag or a name, "es", "Spanish", "中文"), or in `forced` when not NULL;
 * variants[0] otherwise (packet_pick). choice, when not NULL, says how the
 * variant stands to the language asked, so that a fallback is reported,
 * not silent. */
const packet *render_pick(const packet *const *variants, size_t n, const patient *pt,
                          const char *forced, packet_choice *choice);

/* A fallback in words for the operator, into buf like snprintf ("" when c
 * is none): 'language "French" (fr): this packet has no French version;
 * printed English (en)'; when the run withheld a draft in that language,
 * that it is a draft. The language asked is named in English, the one
 * printed in its own name. */
size_t render_fallback_words(const packet_choice *c, const render_env *env, char *buf, size_t size);

/* The translation withheld from env's run that serves a reader of tag (a
 * draft: it would have been chosen), or NULL. */
const render_withheld *render_withheld_for(const render_env *env, const char *tag);

/* The languages of the variants for people, each by its own name
 * ("English, Español, العربية, 繁體中文"), with its tag after it when
 * with_tags ("English (en), Español (es)"): into buf like snprintf. */
size_t render_language_list(const packet *const *variants, size_t n, bool with_tags, char *buf,
                            size_t size);

/* Whether a form of p (or the clinic's booking URL it prints) names
 * {{patient.FIELD}}. */
bool render_uses_field(const packet *p, const render_env *env, const char *field);

/* Every character of p's own wording has a glyph in env's fonts: checked
 * once per run (the forms do not change from patient to patient; values
 * from patient data are checked as they are filled in). A missing one is
 * EX_DATAERR at its place in the YAML, with its code point. */
int render_check_glyphs(const packet *p, const render_env *env, mp_err *err);

/* What a rendered PDF holds, for the batch manifest. */
typedef struct render_info {
    int pages;
    /* The font files it draws with (render_fonts): the array is in the
     * arena, the strings belong to the run's fontset. */
    const char *const *fonts;
    size_t nfonts;
} render_info;

/* Renders packet p for patient pt. Temporary data goes into a; *pdf is
 * malloc'd and the caller frees it; *info (if not NULL) says what it holds.
 * Errors carry the file and place of the problem (a placeholder, a missing
 * patient field, a QR URL too long). */
int render_packet(const packet *p, const render_env *env, const patient *pt, arena *a,
                  unsigned char **pdf, size_t *pdf_len, render_info *info, mp_err *err);

/* The layout form (lpage.form_index) entry k of p is printed in, as
 * render_layout lays p out: the notice's languages share one. */
int render_form_index(const packet *p, size_t k);

/* The font files doc draws with, on the pages of form form_index (-1: every
 * page): fontset_describe() of each face it uses, in face order, each file
 * once (a bold that is the regular's file is listed once). *out is in a.
 * 0, or EX_OSERR. */
int render_fonts(const layout_doc *doc, int form_index, const fontset *fs, arena *a,
                 const char *const **out, size_t *n);

/* The specimen for review (env->specimen set, no patient): for each form a
 * cover page with its id, version, status, approval, full wording
 * fingerprint and the reading grade of each section (from reports[i], one
 * per packet entry), then the form with its placeholders highlighted and
 * SPECIMEN (DRAFT for a draft) across every page. */
struct check_report;
int render_specimen(const packet *p, const render_env *env,
                    const struct check_report *const *reports, arena *a, unsigned char **pdf,
                    size_t *pdf_len, int *pages, mp_err *err);

/* Lays out packet p without writing a PDF (for tests and for render_packet). */
int render_layout(const packet *p, const render_env *env, const patient *pt, arena *a,
                  const layout_doc **out, mp_err *err);

#endif
