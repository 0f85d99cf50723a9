/*
 * Layout rules on the real forms: the shipped English and Spanish packets,
 * laid out for a patient on Letter and A4, at 11 pt and in large print, keep
 * every box inside the margins, keep the signature block on one page, leave
 * no heading alone at a page bottom, and (large print) set the body text at
 * 14 pt or more.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fontdir.h"
#include "render.h"

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
    int rc = packet_load(arena_printf(s->a, "%s/%s", root, packet_rel), s->a, &s->pk, &e) ||
             clinic_load(arena_printf(s->a, "%s/forms/clinic.yaml", root), s->a, &s->cl, &e) ||
             patient_load_yaml(pt_path, s->a, &s->pt, &e) ||
             fontset_open(FONTDIR_SYSTEM_REGULAR, FONTDIR_SYSTEM_BOLD, &s->fonts, &e);
    remove(pt_path);
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

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Checks the rules on one laid-out document; sign is the label that starts
 * every signature line ("Signature of", "Firma:"). */
static void check_rules(const layout_doc *d, const layout_style *st, const char *sign, bool large,
                        const char *what)
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
            if (b->kind != LBOX_TEXT)
                continue;
            bool body = b->y > g.body_bottom_pt - 1 && b->y < g.body_top_pt;
            if (!body)
                continue;
            if (starts(b->text, sign)) {
                if (sign_page < 0)
                    sign_page = (int)p;
                CHECK_INT(p, sign_page); /* the signature block is whole */
                sign_count++;
            }
            if (b->face == LFONT_BOLD && b->size_pt > st->body_pt + 0.5 &&
                b->size_pt < st->title_pt - 0.5) {
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

static const char *patient_en =
    "first_name: José\nlast_name: Núñez\ndob: 1968-04-12\n"
    "mrn: A1003\nappointment_date: 2026-12-01\nclinician: Dr. Ana Ruiz\n";

int main(void)
{
    static const struct {
        const char *packet, *sign;
    } packets[] = {
        {"forms/trigger-point/packet.yaml", "Signature of"},
        {"forms/trigger-point/es/packet.yaml", "Firma:"},
    };
    for (size_t k = 0; k < 2; k++)
        for (int size = 0; size < 2; size++)
            for (int large = 0; large < 2; large++) {
                setup s;
                if (prepare(&s, packets[k].packet, patient_en) != 0) {
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
                char what[160];
                snprintf(what, sizeof what, "%s, %s, %s", packets[k].packet, size ? "A4" : "Letter",
                         large ? "large print" : "11 pt");
                if (!e.code)
                    check_rules(d, large ? &s.env.style_large : &s.env.style, packets[k].sign,
                                large, what);
                if (!e.code && size)
                    CHECK(d->pages[0].width_pt < 600); /* A4 really */
                release(&s);
            }
    CHECK_DONE();
}
