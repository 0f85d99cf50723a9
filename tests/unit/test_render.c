/*
 * Layout rules on the real forms: every packet shipped under forms/ (found
 * by walking the folder, so that a packet added in a new language is
 * checked without a line here), and the right-to-left test form, laid out
 * for a patient on Letter and A4, at 11 pt and in large print, keep every
 * box inside the margins, keep the signature block on one page, leave no
 * heading alone at a page bottom, and (large print) set the body text at
 * 14 pt or more. And, on the boxes' roles (lbox.role, lbox.seq):
 *
 *   - signature lines share their page with the statement right before them
 *     (the whole of it) and with their section's heading;
 *   - no page holds only a QR code, or only signature lines;
 *   - every page names the patient (name and record number) in its header;
 *   - the page that holds the letterhead does not print the clinic's name
 *     in its running header too;
 *   - the language notice, where a packet prints it, takes one page at 11 pt
 *     on Letter and on A4;
 *   - a right-to-left packet (the Arabic one) is mirrored: paragraphs start
 *     at the right margin, initials boxes are at the left, checkboxes at
 *     the right.
 */
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fontdir.h"
#include "notice.h"
#include "render.h"
#include "text.h"

static const char *data_dir(void)
{
    const char *d = getenv("MP_TEST_DATA");
    return d ? d : "tests";
}

typedef struct setup {
    arena *a;
    packet pk;
    clinic cl;
    patient pt;
    fontset *fonts;
    render_env env;
} setup;

static int prepare(setup *s, const char *packet_rel, const char *patient_yaml)
{
    memset(s, 0, sizeof *s);
    s->a = arena_new();
    mp_err e;
    err_clear(&e);
    const char *root = arena_printf(s->a, "%s/..", data_dir());
    const char *pt_path = arena_printf(s->a, "/tmp/mp-render-test-%d.yaml", (int)getpid());
    FILE *f = fopen(pt_path, "w");
    fputs(patient_yaml, f);
    fclose(f);
    int rc = packet_load(packet_rel, s->a, &s->pk, &e) ||
             clinic_load(arena_printf(s->a, "%s/forms/clinic.yaml", root), s->a, &s->cl, &e) ||
             patient_load_yaml(pt_path, s->a, &s->pt, &e) ||
             fontset_open(FONTDIR_SYSTEM_REGULAR, FONTDIR_SYSTEM_BOLD, &s->fonts, &e);
    remove(pt_path);
    /* The clinic's language notice, where the packet prints it, as
     * prepare_run adds it. */
    packet_entry *notice;
    size_t nn;
    if (!rc && s->pk.notice != NOTICE_NONE)
        rc = notice_load(&s->cl, &s->pk, s->a, &notice, &nn, &e) ||
             notice_attach(&s->pk, notice, nn, s->a, &e);
    if (rc) {
        fprintf(stderr, "%s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
        return -1;
    }
    s->env.clinic = &s->cl;
    s->env.fonts = s->fonts;
    s->env.shapers = shaper_pool_new(s->fonts);
    s->env.style = layout_style_for(11);
    s->env.style_large = layout_style_for(14);
    s->env.today = (mp_date){2025, 12, 1};
    return 0;
}

static void release(setup *s)
{
    shaper_pool_free(s->env.shapers);
    fontset_free(s->fonts);
    arena_free(s->a);
}

/* Checks the rules on one laid-out document. */
static void check_rules(const layout_doc *d, const layout_style *st, bool large, const char *what)
{
    int sign_page = -1, sign_count = 0, failures_before = check_failures;
    size_t body_glyph_boxes = 0, body_large = 0;
    for (size_t p = 0; p < d->npages; p++) {
        const lpage *pg = &d->pages[p];
        layout_geom g = layout_geom_for(pg->width_pt > 600 ? PAGE_LETTER : PAGE_A4);
        /* The lowest heading and the lowest other body text on the page. */
        double lowest_heading = 1e9, lowest_other = 1e9;
        for (size_t i = 0; i < pg->nboxes; i++) {
            const lbox *b = &pg->boxes[i];
            if (b->kind == LBOX_WATERMARK)
                continue;
            CHECK(b->x >= g.margin_left_pt - 0.01);
            CHECK(b->x + b->w <= pg->width_pt - g.margin_right_pt + 0.01);
            CHECK(b->y >= 18.0 && b->y + (b->kind == LBOX_TEXT ? 0 : b->h) <= pg->height_pt - 18.0);
            if (b->role == LROLE_SIGNATURES && b->kind == LBOX_LINE) {
                if (sign_page < 0 || pg->form_index != d->pages[sign_page].form_index)
                    sign_page = (int)p;
                CHECK_INT(p, sign_page); /* the signature block is whole */
                sign_count++;
            }
            if (b->kind != LBOX_TEXT)
                continue;
            bool body = b->y > g.body_bottom_pt - 1 && b->y < g.body_top_pt;
            if (!body)
                continue;
            if (b->role == LROLE_HEADING) {
                if (b->y < lowest_heading)
                    lowest_heading = b->y;
            } else if (b->y < lowest_other) {
                lowest_other = b->y;
            }
            if (b->size_pt > st->small_pt + 0.01) {
                body_glyph_boxes++;
                body_large += b->size_pt >= 14.0;
            }
        }
        /* A heading is never the last thing on a page. */
        if (lowest_heading < 1e9)
            CHECK(lowest_other < lowest_heading);
    }
    CHECK(sign_count >= 2);
    if (large)
        CHECK_INT(body_large, body_glyph_boxes); /* every body line 14 pt or more */
    if (check_failures != failures_before)
        fprintf(stderr, "  (in %s)\n", what);
}

/* Whether page p holds a box of seq (of its form's body). */
static bool page_has_seq(const lpage *pg, int seq)
{
    for (size_t i = 0; i < pg->nboxes; i++)
        if (pg->boxes[i].seq == seq && pg->boxes[i].role != LROLE_PAGE &&
            pg->boxes[i].role != LROLE_PATIENT)
            return true;
    return false;
}

/* The role of the body chunk seq of form f, or LROLE_PAGE when no box has it. */
static lrole seq_role(const layout_doc *d, int f, int seq)
{
    for (size_t p = 0; p < d->npages; p++)
        for (size_t i = 0; d->pages[p].form_index == f && i < d->pages[p].nboxes; i++) {
            const lbox *b = &d->pages[p].boxes[i];
            if (b->seq == seq && b->role != LROLE_PAGE && b->role != LROLE_PATIENT)
                return b->role;
        }
    return LROLE_PAGE;
}

/* The rules of issue 16, on the boxes' roles; name and mrn are the
 * patient's, clinic the clinic's name. */
static void check_signing_rules(const layout_doc *d, const char *name, const char *mrn,
                                const char *clinic_name, const char *what)
{
    int failures_before = check_failures;
    for (size_t p = 0; p < d->npages; p++) {
        const lpage *pg = &d->pages[p];
        char named[512] = "";
        size_t body = 0, qr = 0, sig = 0, letterhead = 0, clinic_in_header = 0;
        for (size_t i = 0; i < pg->nboxes; i++) {
            const lbox *b = &pg->boxes[i];
            if (b->role == LROLE_PATIENT && b->kind == LBOX_TEXT) {
                strncat(named, b->text, sizeof named - strlen(named) - 2);
                strcat(named, " ");
            }
            if (b->role == LROLE_PAGE && b->kind == LBOX_TEXT && strcmp(b->text, clinic_name) == 0)
                clinic_in_header++;
            if (b->role == LROLE_PAGE || b->role == LROLE_PATIENT)
                continue;
            body++;
            qr += b->role == LROLE_QR;
            sig += b->role == LROLE_SIGNATURES;
            letterhead += b->role == LROLE_LETTERHEAD;
        }
        /* Every page names its patient, so that a merged day splits. */
        if (!strstr(named, name) || !strstr(named, mrn)) {
            fprintf(stderr, "page %zu's header does not name %s, %s: [%s]\n", p + 1, name, mrn,
                    named);
            CHECK(0);
        }
        CHECK(body > 0);
        CHECK(qr < body);  /* never a page of only the QR code */
        CHECK(sig < body); /* never a page of only signature lines */
        if (letterhead)
            CHECK_INT(clinic_in_header, 0); /* the clinic's name once on that page */
        else
            CHECK_INT(clinic_in_header, 1);
        /* Signature lines: with the statement right before them, whole, and
         * with their section's heading. */
        for (size_t i = 0; i < pg->nboxes; i++) {
            const lbox *b = &pg->boxes[i];
            if (b->role != LROLE_SIGNATURES || (i > 0 && pg->boxes[i - 1].seq == b->seq &&
                                                pg->boxes[i - 1].role == LROLE_SIGNATURES))
                continue;
            int s = b->seq, f = pg->form_index, heading = -1;
            for (int k = s - 1; k >= 0 && heading < 0; k--) {
                lrole r = seq_role(d, f, k);
                if (r == LROLE_HEADING || r == LROLE_TITLE)
                    heading = k;
            }
            CHECK(heading >= 0 && page_has_seq(pg, heading));
            lrole before = seq_role(d, f, s - 1);
            if (before == LROLE_TEXT || before == LROLE_BULLET || before == LROLE_CHECKBOX ||
                before == LROLE_ITEM) {
                for (size_t q = 0; q < d->npages; q++)
                    if (q != p && d->pages[q].form_index == f && page_has_seq(&d->pages[q], s))
                        continue; /* a later page of a split block */
                    else if (q != p && d->pages[q].form_index == f &&
                             page_has_seq(&d->pages[q], s - 1)) {
                        fprintf(stderr,
                                "the statement before the lines on page %zu is (in part) "
                                "on page %zu\n",
                                p + 1, q + 1);
                        CHECK(0);
                    }
                CHECK(page_has_seq(pg, s - 1));
            }
        }
    }
    if (check_failures != failures_before)
        fprintf(stderr, "  (in %s)\n", what);
}

/* A right-to-left packet's pages are mirrored: each paragraph line starts
 * at the right margin, the initials box beside each risk is at the left
 * margin and each agreement checkbox at the right. */
static void check_mirrored(const layout_doc *d, const char *what)
{
    int failures_before = check_failures;
    size_t initials = 0, boxes = 0, lines = 0;
    for (size_t p = 0; p < d->npages; p++) {
        const lpage *pg = &d->pages[p];
        double left = d->geom.margin_left_pt, right = pg->width_pt - d->geom.margin_right_pt;
        for (size_t i = 0; i < pg->nboxes; i++) {
            const lbox *b = &pg->boxes[i];
            if (b->kind == LBOX_RECT && b->role == LROLE_ITEM) {
                CHECK(fabs(b->x - left) < 0.01);
                initials++;
            } else if (b->kind == LBOX_RECT && b->role == LROLE_CHECKBOX) {
                CHECK(fabs(b->x + b->w - (right - 1)) < 0.01);
                boxes++;
            } else if (b->kind == LBOX_TEXT && b->role == LROLE_TEXT) {
                /* A line's pieces: the one that ends rightmost ends at the
                 * margin (a line may hold runs in both directions). */
                double end = b->x + b->w;
                for (size_t k = 0; k < pg->nboxes; k++) {
                    const lbox *o = &pg->boxes[k];
                    if (o->kind == LBOX_TEXT && o->role == LROLE_TEXT && fabs(o->y - b->y) < 0.01 &&
                        o->x + o->w > end)
                        end = o->x + o->w;
                }
                CHECK(fabs(end - right) < 0.01);
                lines++;
            }
        }
    }
    CHECK(initials >= 4 && boxes >= 4 && lines > 20);
    if (check_failures != failures_before)
        fprintf(stderr, "  (mirrored: %zu initials boxes, %zu checkboxes, %zu lines, in %s)\n",
                initials, boxes, lines, what);
}

static const char *patient_en =
    "first_name: José\nlast_name: Núñez\ndob: 1968-04-12\n"
    "mrn: A1003\nappointment_date: 2026-12-01\nclinician: Dr. Ana Ruiz\n";

/* Every packet under forms/: a YAML file whose kind is packet. */
static char found[32][512];
static size_t nfound;

static int on_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".yaml") != 0 || nfound == 32)
        return 0;
    FILE *f = fopen(path, "r");
    char line[256];
    bool is_packet = false;
    while (f && fgets(line, sizeof line, f))
        is_packet |= strncmp(line, "kind: packet", 12) == 0;
    if (f)
        fclose(f);
    if (is_packet)
        snprintf(found[nfound++], sizeof found[0], "%s", path);
    return 0;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(x, y);
}

int main(void)
{
    char forms[512];
    snprintf(forms, sizeof forms, "%s/../forms", data_dir());
    CHECK_INT(nftw(forms, on_file, 16, FTW_PHYS), 0);
    qsort(found, nfound, sizeof found[0], by_name);
    CHECK(nfound >= 2); /* English and Spanish at least */
    /* ...and the right-to-left consent, mirrored. */
    snprintf(found[nfound++], sizeof found[0], "%s/fixtures/rtl/consent-ar.yaml", data_dir());
    for (size_t k = 0; k < nfound; k++)
        for (int size = 0; size < 2; size++)
            for (int large = 0; large < 2; large++) {
                setup s;
                if (prepare(&s, found[k], patient_en) != 0) {
                    CHECK(0);
                    continue;
                }
                s.env.geom = layout_geom_for(size ? PAGE_A4 : PAGE_LETTER);
                s.env.page_size_forced = true;
                s.env.force_large_print = large;
                const layout_doc *d;
                mp_err e;
                err_clear(&e);
                CHECK_INT(render_layout(&s.pk, &s.env, &s.pt, s.a, &d, &e), 0);
                char what[700];
                snprintf(what, sizeof what, "%.500s, %s, %s", found[k], size ? "A4" : "Letter",
                         large ? "large print" : "11 pt");
                int before = check_failures;
                if (!e.code) {
                    check_rules(d, large ? &s.env.style_large : &s.env.style, large, what);
                    /* Chinese (like Japanese and Korean) names the family first. */
                    bool family_first = strncmp(s.pk.language, "zh", 2) == 0;
                    check_signing_rules(d,
                                        family_first ? "N\xC3\xBA\xC3\xB1"
                                                       "ez Jos\xC3\xA9"
                                                     : "Jos\xC3\xA9 N\xC3\xBA\xC3\xB1"
                                                       "ez",
                                        "A1003", s.cl.name.s, what);
                    /* The notice's pages: those with its entries. */
                    size_t notice_pages = 0;
                    for (size_t p = 0; p < d->npages; p++) {
                        bool has = false;
                        for (size_t i = 0; i < d->pages[p].nboxes && !has; i++)
                            has = d->pages[p].boxes[i].role == LROLE_NOTICE;
                        notice_pages += has;
                    }
                    if (text_lang_rtl(s.pk.language) && s.pk.nentries > 1)
                        check_mirrored(d, what);
                    if (s.pk.notice != NOTICE_NONE) {
                        CHECK(notice_pages >= 1);
                        if (!large)
                            CHECK_INT(notice_pages, 1);
                    } else {
                        CHECK_INT(notice_pages, 0);
                    }
                    if (check_failures == before)
                        printf("ok: %s: %zu pages (the language notice: %zu)\n", what, d->npages,
                               notice_pages);
                }
                if (!e.code && size)
                    CHECK(d->pages[0].width_pt < 600); /* A4 really */
                release(&s);
            }
    CHECK_DONE();
}
