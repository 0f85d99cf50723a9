/*
 * prepare.h — what a run loads once, before its first patient: the packet
 * and its translations (drafts refused unless allowed; an approval that no
 * longer holds and a stale translation refused: approval.h), the clinic settings
 * and booking key, the clock, the page geometry and the fonts, with every
 * glyph of the forms' own wording checked. render, batch and serve prepare
 * a run the same way, so that no front end holds this logic.
 */
#ifndef MP_PREPARE_H
#define MP_PREPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "err.h"
#include "fontset.h"
#include "form.h"
#include "outfile.h"
#include "render.h"

/* What render and batch load once per run: the packet, its clinic, the
 * clock, the page geometry and the fonts. */
typedef struct prepare_opts {
    const char *input, *clinic, *page_size, *font_dir;
    bool duplex;
    bool allow_draft; /* print draft forms (each page then says DRAFT) */
    /* print a translation whose source's wording moved on, stamped so */
    bool allow_stale;
    /* a specimen for review: approvals are shown on its cover, not enforced */
    bool specimen;
    bool large_print; /* --large-print */
    /* --date-order (mdy, dmy, iso; checked by the command line), or NULL for
     * the clinic's date_order: */
    const char *date_order;
} prepare_opts;

typedef struct prepared_run {
    packet pk;
    /* pk and its translations, each loaded once: variants[0] == &pk. */
    const packet **variants;
    size_t nvariants;
    /* Translations that are drafts, when drafts are not allowed: not
     * printed, so that a patient who reads that language gets the packet's
     * own language, and the front end says why (a draft's wording must
     * not reach a patient, and a draft translation must not stop the
     * packet printing for everyone else). */
    render_withheld *withheld;
    size_t nwithheld;
    clinic cl;
    fontset *fonts;
    shaper_pool *shapers;
    pdffont_cache *font_programs;
    render_env env;
    /* How the run's patient list writes dates with slashes: --date-order,
     * else the clinic's date_order:, else YYYY-MM-DD only
     * (roster_set_date_order). */
    date_order date_order;
} prepared_run;

/* Every file a prepared run reads (the patient data, "-" as standard
 * input's file; the packet, each form and translation; the clinic settings),
 * so that no output replaces one of them (outfile_check_inputs). */
int prepare_inputs(const prepared_run *run, const char *data, outfile_inputs *in, mp_err *err);

/* Fills run (memory in a) for the packet or form file s->input; release
 * with prepare_release() even on failure. */
int prepare_run(const prepare_opts *s, arena *a, prepared_run *run, mp_err *err);
void prepare_release(prepared_run *run);

#endif
