/*
 * Unit tests for layout.c and lines.c: wrapping, pagination and direction
 * rules, checked on boxes with made-up metrics (fakeshape.h: every glyph
 * 500/1000 em, space 250, bold 600) over the real Unicode stage, so that
 * every expected width and break can be worked out by hand.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "fakeshape.h"
#include "layout.h"
#include "lines.h"

static fake_shaper FS;
static layout_shaper M;

/* text shaped in style f and broken into lines of max_pt at size_pt. */
static size_t wrap(arena *a, lfont f, double size_pt, double max_pt, const char *text, lline **l)
{
    const lshaped *sp;
    CHECK(M.para(M.ctx, f, NULL, text, strlen(text), TEXT_DIR_LTR, &sp) == 0);
    return lines_break(sp, size_pt, max_pt, a, l);
}

/* Page index and box of the first text box that starts with prefix. */
static const lbox *find_prefix(const layout_doc *d, const char *prefix, size_t *page)
{
    for (size_t p = 0; p < d->npages; p++)
        for (size_t i = 0; i < d->pages[p].nboxes; i++) {
            const lbox *b = &d->pages[p].boxes[i];
            if (b->kind == LBOX_TEXT && strncmp(b->text, prefix, strlen(prefix)) == 0) {
                *page = p;
                return b;
            }
        }
    return NULL;
}

/* Page index and box of the first text box that equals s. */
static const lbox *find_text(const layout_doc *d, const char *s, size_t *page)
{
    for (size_t p = 0; p < d->npages; p++)
        for (size_t i = 0; i < d->pages[p].nboxes; i++) {
            const lbox *b = &d->pages[p].boxes[i];
            if (b->kind == LBOX_TEXT && strcmp(b->text, s) == 0) {
                *page = p;
                return b;
            }
        }
    return NULL;
}

static size_t count_kind(const lpage *pg, lbox_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < pg->nboxes; i++)
        n += pg->boxes[i].kind == k;
    return n;
}

/* Nothing crosses a margin; body content stays between body top and bottom. */
static void check_inside(const layout_doc *d)
{
    const layout_geom *g = &d->geom;
    for (size_t p = 0; p < d->npages; p++)
        for (size_t i = 0; i < d->pages[p].nboxes; i++) {
            const lbox *b = &d->pages[p].boxes[i];
            CHECK(b->x >= g->margin_left_pt - 0.01);
            CHECK(b->x + b->w <= g->width_pt - g->margin_right_pt + 0.01);
            CHECK(b->y >= g->footer_base_pt - 0.01);
            CHECK(b->y <= g->height_pt - 36.0);
        }
}

static layout *fresh(arena *a, int form_pages_hint)
{
    (void)form_pages_hint;
    layout *L = layout_new(a, layout_geom_for(PAGE_LETTER), layout_style_for(10.0), &M);
    layout_header h = {.left = "Clinic", .footer_left = "form v1", .page_fmt = "Page %d of %d"};
    CHECK(layout_form_begin(L, &h) == LAYOUT_OK);
    return L;
}

static void test_wrap(void)
{
    arena *a = arena_new();
    CHECK(layout_text_width(&M, NULL, LFONT_REGULAR, 10, "abc", 3) == 15.0);
    CHECK(layout_text_width(&M, NULL, LFONT_BOLD, 10, "abc", 3) == 18.0);
    /* Words of 20 pt, spaces of 2.5 pt, a 45 pt line: two words fit (42.5). */
    lline *l;
    size_t n = wrap(a, LFONT_REGULAR, 10, 45, "aaaa bbbb cccc", &l);
    CHECK_INT(n, 2);
    CHECK_INT(l[0].start, 0);
    CHECK_INT(l[0].end, 9);
    CHECK(l[0].width_pt == 42.5);
    CHECK_INT(l[1].start, 10);
    CHECK_INT(l[1].end, 14);
    /* A word longer than the line is broken, never overflowing: 6 x 5 pt = 30. */
    char word[21];
    memset(word, 'x', 20);
    word[20] = 0;
    n = wrap(a, LFONT_REGULAR, 10, 30, word, &l);
    CHECK_INT(n, 4);
    for (size_t i = 0; i < n; i++)
        CHECK(l[i].width_pt <= 30.0);
    CHECK_INT(l[3].end - l[3].start, 2);
    /* ...and the rest of a broken word shares its line with the next word. */
    n = wrap(a, LFONT_REGULAR, 10, 30, "xxxxxxxx yy", &l);
    CHECK_INT(n, 2);
    CHECK_INT(l[1].start, 6);
    CHECK_INT(l[1].end, 11);
    /* Never between a letter and its combining accent: "e" + U+0301 = 3 bytes. */
    const char *acc = "e\xCC\x81"
                      "e\xCC\x81"
                      "e\xCC\x81";
    n = wrap(a, LFONT_REGULAR, 10, 10, acc, &l);
    CHECK_INT(n, 2);
    CHECK_INT(l[0].end, 6);
    /* UTF-8 names measure by characters, not bytes: "Núñez" is 5 x 5 pt. */
    CHECK(layout_text_width(&M, NULL, LFONT_REGULAR, 10,
                            "N\xC3\xBA\xC3\xB1"
                            "ez",
                            7) == 25.0);
    size_t sl;
    char *sq = layout_squash_space(a, "  a \n\t b  ", 10, &sl);
    CHECK_STR(sq, "a b");
    arena_free(a);
}

/* Fills the current page with one-line paragraphs until less than `left_pt`
 * of body is left; returns how many it added. */
static int fill_until(layout *L, double left_pt)
{
    const layout_doc *d = layout_result(L);
    size_t start_page = d->npages;
    int n = 0;
    for (;;) {
        /* The last text box on the page tells where the cursor is. */
        const lpage *pg = &d->pages[d->npages - 1];
        double lowest = d->geom.body_top_pt;
        for (size_t i = 0; i < pg->nboxes; i++)
            if (pg->boxes[i].kind == LBOX_TEXT && pg->boxes[i].y < lowest &&
                pg->boxes[i].y > d->geom.body_bottom_pt - 5)
                lowest = pg->boxes[i].y;
        if (lowest - d->geom.body_bottom_pt < left_pt || d->npages != start_page)
            return n;
        CHECK(layout_paragraph(L, "filler") == LAYOUT_OK);
        n++;
    }
}

static void test_heading_not_stranded(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    fill_until(L, 58); /* room for a heading (31 pt), not for heading + two lines (63) */
    CHECK(layout_heading(L, "Risks") == LAYOUT_OK);
    CHECK(layout_paragraph(L, "one two three four five six seven eight nine ten eleven twelve "
                              "thirteen fourteen fifteen sixteen seventeen eighteen") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    size_t hp = 99, pp = 98;
    CHECK(find_text(d, "Risks", &hp) != NULL);
    CHECK(find_prefix(d, "one two", &pp) != NULL);
    CHECK_INT(hp, pp);
    CHECK_INT(hp, 1);
    check_inside(d);
    arena_free(a);
}

static void test_risk_kept_whole(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    fill_until(L, 30);
    CHECK(layout_item(L, "Bleeding",
                      "You may bleed a little where the needle goes in, and the "
                      "spot may be sore or numb for a while afterwards.",
                      "Initials") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    size_t tp = 99, ip = 98;
    CHECK(find_text(d, "Bleeding", &tp) != NULL);
    CHECK(find_text(d, "Initials", &ip) != NULL);
    CHECK_INT(tp, 1);
    CHECK_INT(ip, 1);
    CHECK_INT(count_kind(&d->pages[1], LBOX_RECT), 1);
    CHECK_INT(count_kind(&d->pages[0], LBOX_RECT), 0);
    check_inside(d);
    arena_free(a);
}

static void test_signatures_whole(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    fill_until(L, 200);
    const char *lines[] = {"Printed name", "Relationship"};
    layout_signer s[3] = {
        {"Signature of Patient", "Date", "Time", lines, 2},
        {"Signature of Clinician", "Date", "Time", lines, 1},
        {"Signature of Witness", "Date", NULL, lines, 1},
    };
    CHECK(layout_signatures(L, s, 3) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    size_t p1 = 9, p2 = 8, p3 = 7;
    CHECK(find_text(d, "Signature of Patient", &p1) != NULL);
    CHECK(find_text(d, "Signature of Clinician", &p2) != NULL);
    CHECK(find_text(d, "Signature of Witness", &p3) != NULL);
    CHECK_INT(p1, 1);
    CHECK_INT(p2, 1);
    CHECK_INT(p3, 1);
    check_inside(d);
    arena_free(a);
}

static void test_page_numbers_per_form(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 2);
    fill_until(L, 20);
    CHECK(layout_paragraph(L, "second page") == LAYOUT_OK);
    layout_header h2 = {.left = "Clinic", .footer_left = "other v2", .page_fmt = "Page %d of %d"};
    CHECK(layout_form_begin(L, &h2) == LAYOUT_OK); /* ends the first form */
    CHECK(layout_paragraph(L, "only page") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    CHECK_INT(d->npages, 3);
    size_t p;
    CHECK(find_text(d, "Page 1 of 2", &p) && p == 0);
    CHECK(find_text(d, "Page 2 of 2", &p) && p == 1);
    CHECK(find_text(d, "Page 1 of 1", &p) && p == 2);
    CHECK(find_text(d, "other v2", &p) && p == 2);
    CHECK_INT(d->pages[2].form_index, 1);
    check_inside(d);
    arena_free(a);
}

static void test_no_orphans(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    fill_until(L, 25); /* room for one line, not two */
    /* A long paragraph: its first line must not stay alone at the bottom. */
    char text[2000] = "";
    for (int i = 0; i < 60; i++)
        strcat(text, "word word ");
    CHECK(layout_paragraph(L, text) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    size_t words_on_first = 0;
    for (size_t i = 0; i < d->pages[0].nboxes; i++)
        words_on_first += d->pages[0].boxes[i].kind == LBOX_TEXT &&
                          strncmp(d->pages[0].boxes[i].text, "word", 4) == 0;
    CHECK_INT(words_on_first, 0);
    arena_free(a);
}

static void test_huge_item_splits_inside_body(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    /* An item taller than a page is split between lines, never overflowing. */
    static char text[40000];
    for (int i = 0; i < 1500; i++)
        strcat(text, "risk ");
    CHECK(layout_item(L, "Huge", text, "Initials") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    CHECK(d->npages >= 2);
    for (size_t p = 0; p < d->npages; p++)
        for (size_t i = 0; i < d->pages[p].nboxes; i++) {
            const lbox *b = &d->pages[p].boxes[i];
            if (b->kind == LBOX_TEXT && strncmp(b->text, "risk", 4) == 0)
                CHECK(b->y >= d->geom.body_bottom_pt);
        }
    check_inside(d);
    arena_free(a);
}

/* A long patient line shrinks to LAYOUT_HEADER_MIN_PT and no further, then
 * breaks between its fields: every field printed, none below 8 pt. */
static void test_long_header_shrinks(void)
{
    arena *a = arena_new();
    layout *L = layout_new(a, layout_geom_for(PAGE_A4), layout_style_for(11.0), &M);
    char name[400] = "Patient: ";
    for (int i = 0; i < 10; i++)
        strcat(name, "Maria-Jose ");
    strcat(name, "    Record number: A1003");
    layout_header h = {
        .left = "Clinic", .line2 = name, .footer_left = "x", .page_fmt = "Page %d of %d"};
    CHECK(layout_form_begin(L, &h) == LAYOUT_OK);
    CHECK(layout_paragraph(L, "text") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    size_t p;
    const lbox *first = find_prefix(d, "Patient: Maria-Jose", &p);
    const lbox *second = find_text(d, "Record number: A1003", &p);
    CHECK(first && second);
    if (first && second) {
        CHECK(first->size_pt >= LAYOUT_HEADER_MIN_PT && first->size_pt < 8.58);
        CHECK(second->size_pt >= LAYOUT_HEADER_MIN_PT);
        CHECK(second->y < first->y); /* the next field on the next line */
        CHECK_INT(first->role, LROLE_PATIENT);
        CHECK_INT(second->role, LROLE_PATIENT);
        /* The header's rule under both lines, the body under the rule. */
        for (size_t i = 0; i < d->pages[0].nboxes; i++) {
            const lbox *b = &d->pages[0].boxes[i];
            if (b->kind == LBOX_LINE && b->role == LROLE_PAGE && b->y > d->geom.body_top_pt)
                CHECK(b->y < second->y - 1);
        }
    }
    check_inside(d);
    arena_free(a);
}

/* The clinic's name is not printed twice on the page that holds the
 * letterhead; on the next pages the running header names it, and a name
 * too long for the line is shrunk to 8 pt, then cut with an ellipsis. */
static void test_long_clinic_name(void)
{
    arena *a = arena_new();
    layout *L = layout_new(a, layout_geom_for(PAGE_LETTER), layout_style_for(11.0), &M);
    char clinic[600] = "";
    for (int i = 0; i < 12; i++)
        strcat(clinic, "Harbor View Pain and Spine ");
    strcat(clinic, "Clinic");
    layout_header h = {.left = clinic,
                       .line2 = "Patient: Ana Lee     Record number: A1",
                       .footer_left = "x",
                       .page_fmt = "Page %d of %d"};
    CHECK(layout_form_begin(L, &h) == LAYOUT_OK);
    CHECK(layout_letterhead(L, clinic, "1 Main Street") == LAYOUT_OK);
    for (int i = 0; i < 60; i++)
        CHECK(layout_paragraph(L, "filler filler filler") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    CHECK(d->npages >= 2);
    for (size_t p = 0; p < d->npages; p++) {
        size_t heads = 0, patient = 0;
        for (size_t i = 0; i < d->pages[p].nboxes; i++) {
            const lbox *b = &d->pages[p].boxes[i];
            if (b->kind != LBOX_TEXT)
                continue;
            if (b->role == LROLE_PATIENT)
                patient++;
            if (b->role != LROLE_PAGE || strncmp(b->text, "Harbor", 6) != 0)
                continue;
            heads++;
            CHECK(b->size_pt >= LAYOUT_HEADER_MIN_PT);
            const char *end = b->text + strlen(b->text) - 3;
            CHECK(strcmp(end, "\xE2\x80\xA6") == 0); /* cut with an ellipsis */
            CHECK(end[-1] != ' ');
            CHECK(b->x + b->w <= d->geom.width_pt - d->geom.margin_right_pt + 0.01);
        }
        CHECK_INT(heads, p == 0 ? 0 : 1); /* the letterhead names it on page 1 */
        CHECK_INT(patient, 1);
    }
    check_inside(d);
    arena_free(a);
}

static void test_qr_size(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    /* The largest code we allow (version 10, 57 modules) is still 2.5 cm wide
     * without its quiet zone, and the quiet zone is 4 modules on each side. */
    static unsigned char dark[57 * 57];
    qr_code q = {.version = 10, .width = 57, .dark = dark};
    CHECK(layout_qr(L, &q, "https://example.test/r/abc", "Scan to book") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    const lbox *qb = NULL, *link = NULL;
    for (size_t i = 0; i < d->pages[0].nboxes; i++) {
        if (d->pages[0].boxes[i].kind == LBOX_QR)
            qb = &d->pages[0].boxes[i];
        if (d->pages[0].boxes[i].kind == LBOX_LINK)
            link = &d->pages[0].boxes[i];
    }
    CHECK(qb && link);
    if (qb && link) {
        double module = qb->w / (57 + 2 * QR_QUIET_MODULES);
        CHECK(module * 57 >= 25.0 / 25.4 * 72.0);
        CHECK(link->x == qb->x && link->w == qb->w && link->y == qb->y);
        CHECK_STR(link->text, "https://example.test/r/abc");
    }
    size_t p;
    const lbox *url = find_text(d, "https://example.test/r/abc", &p);
    CHECK(url && qb && url->y < qb->y); /* printed under the code */
    check_inside(d);
    arena_free(a);
}

static void test_fallback_runs(void)
{
    arena *a = arena_new();
    layout *L = layout_new(a, layout_geom_for(PAGE_LETTER), layout_style_for(10.0), &M);
    layout_header h = {.left = "C", .footer_left = "f", .page_fmt = "Page %d of %d"};
    CHECK(layout_form_begin(L, &h) == LAYOUT_OK);
    CHECK(layout_paragraph(L, "Nguy\xE1\xBB\x85n Anh") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    size_t p;
    const lbox *b1 = find_text(d, "Nguy", &p), *b2 = find_text(d, "\xE1\xBB\x85", &p),
               *b3 = find_text(d, "n Anh", &p);
    CHECK(b1 && b2 && b3);
    if (b1 && b2 && b3) {
        CHECK_INT(b1->face, LFONT_REGULAR);
        CHECK_INT(b2->face, 2);
        CHECK_INT(b3->face, LFONT_REGULAR);
        CHECK(b2->x == b1->x + 20.0); /* "Nguy": 4 x 5 pt */
        CHECK(b3->x == b2->x + 7.0);  /* the fallback's 700 units at 10 pt */
        CHECK(b2->y == b1->y && b3->y == b1->y);
    }
    arena_free(a);
}

/* A run whose advances sum past INT_MAX (4,000 glyphs of a million units)
 * is measured, not wrapped round to a negative width. */
static void test_wide_sum(void)
{
    size_t n = 4000;
    char *s = malloc(n + 1);
    CHECK(s != NULL);
    if (!s)
        return;
    memset(s, 'a', n);
    s[n] = 0;
    FS.bold_extra = 1000000 - 600;
    CHECK(layout_text_width(&M, NULL, LFONT_BOLD, 1.0, s, n) == 4000000.0);
    FS.bold_extra = 0;
    free(s);
}

/* The text boxes of page 0 whose baseline is y, left to right. */
static size_t line_boxes(const layout_doc *d, double y, const lbox **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < d->pages[0].nboxes && n < max; i++) {
        const lbox *b = &d->pages[0].boxes[i];
        if (b->kind == LBOX_TEXT && b->y == y)
            out[n++] = b;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort by x */
        for (size_t j = i; j > 0 && out[j]->x < out[j - 1]->x; j--) {
            const lbox *t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* UAX #9 on one line of a left-to-right form: the Arabic name reads right
 * to left between its English neighbours, digits and comma in place. */
static void test_mixed_line(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    const char *text = "Patient: \xd9\x85\xd8\xad\xd9\x85\xd8\xaf \xd8\xb9\xd8\xa8\xd8\xaf "
                       "\xd8\xa7\xd9\x84\xd9\x84\xd9\x87, record A1003";
    CHECK(layout_paragraph(L, text) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    size_t p;
    const lbox *first = find_prefix(d, "Patient", &p);
    CHECK(first != NULL);
    if (!first)
        return;
    const lbox *b[8];
    size_t n = line_boxes(d, first->y, b, 8);
    /* The comma after the name takes the name's script (a run of its own,
     * still left to right): pieces "Patient: ", the name, ", ", "record". */
    CHECK(n >= 3);
    if (n >= 3) {
        CHECK_STR(b[0]->text, "Patient: ");
        CHECK(!b[0]->rtl && b[1]->rtl);
        CHECK_STR(b[1]->text, "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf \xd8\xb9\xd8\xa8\xd8\xaf "
                              "\xd8\xa7\xd9\x84\xd9\x84\xd9\x87");
        char rest[64] = "";
        for (size_t i = 2; i < n; i++) {
            CHECK(!b[i]->rtl);
            strncat(rest, b[i]->text, sizeof rest - strlen(rest) - 1);
        }
        CHECK_STR(rest, ", record A1003");
        /* Visual order: the name's last letter (U+0647) leftmost, its
         * first (U+0645) rightmost. */
        CHECK_INT(b[1]->glyphs[0].gid, 0x0647);
        CHECK_INT(b[1]->glyphs[b[1]->nglyphs - 1].gid, 0x0645);
        for (size_t i = 1; i < n; i++)
            CHECK(fabs(b[i]->x - (b[i - 1]->x + b[i - 1]->w)) < 0.001);
    }
    arena_free(a);
}

/* A form in Arabic is laid out mirrored: text ends at the right margin,
 * the bullet is on the right, the initials box and its label on the left,
 * the checkbox on the right. */
static void test_rtl_form(void)
{
    arena *a = arena_new();
    layout *L = layout_new(a, layout_geom_for(PAGE_LETTER), layout_style_for(10.0), &M);
    layout_header h = {.left = "Clinic",
                       .footer_left = "form v1",
                       .page_fmt = "Page %d of %d",
                       .lang = "ar",
                       .rtl = true};
    CHECK(layout_form_begin(L, &h) == LAYOUT_OK);
    const char *word = "\xd8\xae\xd8\xb7\xd8\xb1"; /* risk */
    CHECK(layout_item(L, word, word, "Initials") == LAYOUT_OK);
    CHECK(layout_checkbox(L, word) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    const layout_geom *g = &d->geom;
    double right = g->width_pt - g->margin_right_pt, left = g->margin_left_pt;
    const lbox *bullet = NULL, *title = NULL, *initials = NULL, *box = NULL, *check = NULL,
               *label = NULL, *clinic = NULL;
    for (size_t i = 0; i < d->pages[0].nboxes; i++) {
        const lbox *b = &d->pages[0].boxes[i];
        if (b->kind == LBOX_TEXT && strcmp(b->text, "\xE2\x80\xA2") == 0)
            bullet = b;
        else if (b->kind == LBOX_TEXT && strcmp(b->text, word) == 0 && !title)
            title = b;
        else if (b->kind == LBOX_TEXT && strcmp(b->text, "Initials") == 0)
            label = b;
        else if (b->kind == LBOX_TEXT && strcmp(b->text, "Clinic") == 0)
            clinic = b;
        else if (b->kind == LBOX_RECT && b->w > 30)
            initials = b;
        else if (b->kind == LBOX_RECT)
            box = check = b;
    }
    CHECK(bullet && title && initials && check && label && clinic);
    if (!(bullet && title && initials && check && label && clinic))
        return;
    (void)box;
    CHECK(fabs(bullet->x + bullet->w - (right - 4)) < 0.001); /* bullet at the right */
    CHECK(title->x + title->w < bullet->x);                   /* title left of it */
    CHECK(fabs(title->x + title->w - (right - 14)) < 0.001);  /* indented 1.4 em */
    CHECK(fabs(initials->x - left) < 0.001);                  /* box at the left */
    CHECK(fabs(label->x + label->w - (left + initials->w)) < 0.001);
    CHECK(fabs(check->x + check->w - (right - 1)) < 0.001); /* checkbox at the right */
    CHECK(fabs(clinic->x + clinic->w - right) < 0.001);     /* header starts right */
    CHECK(title->rtl);
    check_inside(d);
    arena_free(a);
}

/* The clinic's and the patient's details are data, not the form's
 * wording: on a right-to-left form they keep the order of their own first
 * strong letter, so a Latin address still starts with its street number
 * ("1200 Main Street", not "Main Street 1200"), while each line is still
 * placed at the right margin. */
static void test_rtl_data_own_order(void)
{
    arena *a = arena_new();
    layout *L = layout_new(a, layout_geom_for(PAGE_LETTER), layout_style_for(10.0), &M);
    layout_header h = {.left = "24 Hour Clinic",
                       .footer_left = "form v1",
                       .page_fmt = "Page %d of %d",
                       .lang = "ar",
                       .rtl = true};
    const char *label = "\xd8\xa7\xd9\x84\xd8\xb9\xd9\x86\xd9\x88\xd8\xa7\xd9\x86"; /* address */
    const char *value = "5 Oak Road";
    CHECK(layout_form_begin(L, &h) == LAYOUT_OK);
    CHECK(layout_letterhead(L, "24 Hour Clinic", "1200 Main Street") == LAYOUT_OK);
    CHECK(layout_fields(L, &label, &value, 1) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    const layout_geom *g = &d->geom;
    double right = g->width_pt - g->margin_right_pt;
    /* Each pair: a number and the word after it in the text, on one line. */
    static const char *const pairs[][2] = {{"1200", "Main"}, {"5", "Oak"}, {"24", "Hour"}};
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        size_t n = 0;
        for (size_t i = 0; i < d->pages[0].nboxes; i++) {
            const lbox *num = &d->pages[0].boxes[i];
            if (num->kind != LBOX_TEXT || strncmp(num->text, pairs[k][0], strlen(pairs[k][0])))
                continue;
            double end = num->x + num->w;
            const lbox *word = NULL;
            for (size_t j = 0; j < d->pages[0].nboxes; j++) {
                const lbox *b = &d->pages[0].boxes[j];
                if (b->kind == LBOX_TEXT && fabs(b->y - num->y) < 0.001) {
                    if (strstr(b->text, pairs[k][1]))
                        word = b;
                    if (b->x + b->w > end)
                        end = b->x + b->w;
                }
            }
            CHECK(word && num->x <= word->x); /* the number first, at the left */
            if (strcmp(pairs[k][0], "5") != 0)
                CHECK(fabs(end - right) < 0.001); /* the line at the right margin */
            n++;
        }
        CHECK_INT(n, 1); /* the clinic once: the letterhead's page has no running header name */
    }
    check_inside(d);
    arena_free(a);
}

/* Japanese line starts: no line begins with 。、」 or ends with 「, at
 * every width from 2 to 30 characters. */
static void test_cjk_kinsoku(void)
{
    arena *a = arena_new();
    const char *text = "日本語の文章です。次の文、そして「引用」です。終わり。";
    for (int chars = 2; chars <= 30; chars++) {
        lline *l;
        const lshaped *sp;
        CHECK(M.para(M.ctx, LFONT_REGULAR, "ja", text, strlen(text), TEXT_DIR_LTR, &sp) == 0);
        size_t n = lines_break(sp, 10, chars * 5.0, a, &l);
        CHECK(n >= 1);
        for (size_t i = 0; i < n; i++) {
            const char *s = text + l[i].start, *e = text + l[i].end;
            CHECK(strncmp(s, "。", 3) != 0 && strncmp(s, "、", 3) != 0 && strncmp(s, "」", 3) != 0);
            CHECK(strncmp(e - 3, "「", 3) != 0);
            CHECK(l[i].width_pt <= chars * 5.0 + 0.001);
            if (i + 1 < n)
                CHECK_INT(l[i + 1].start, l[i].end);
        }
        CHECK_INT(l[n - 1].end, strlen(text));
    }
    arena_free(a);
}

/* Thai, written without spaces, breaks only between dictionary words. */
static void test_thai_words(void)
{
    arena *a = arena_new();
    static const char *const words[] = {"สวัสดี", "ครับ", "ผม", "ชื่อ", "สมชาย"};
    char text[256] = "";
    size_t bounds[6], nb = 0;
    for (size_t i = 0; i < 5; i++) {
        bounds[nb++] = strlen(text);
        strcat(text, words[i]);
    }
    bounds[nb++] = strlen(text);
    for (int chars = 6; chars <= 20; chars++) {
        lline *l;
        size_t n = wrap(a, LFONT_REGULAR, 10, chars * 5.0, text, &l);
        CHECK(n >= 1);
        for (size_t i = 0; i < n; i++) {
            bool ok_start = false, ok_end = false;
            for (size_t k = 0; k < nb; k++) {
                ok_start |= l[i].start == bounds[k];
                ok_end |= l[i].end == bounds[k];
            }
            CHECK(ok_start && ok_end);
        }
    }
    arena_free(a);
}

/* A Khmer word longer than the line is cut between grapheme clusters,
 * never between a consonant and its subscript or vowel sign. */
static void test_khmer_long_word(void)
{
    arena *a = arena_new();
    char text[512] = "";
    for (int i = 0; i < 8; i++)
        strcat(text, "ស្រស់"); /* one word, no break opportunity inside */
    text_para tp;
    CHECK(text_analyze(text, strlen(text), "km", TEXT_DIR_LTR, a, &tp) == 0);
    lline *l;
    size_t n = wrap(a, LFONT_REGULAR, 10, 40, text, &l);
    CHECK(n > 1);
    for (size_t i = 0; i < n; i++) {
        CHECK(tp.flags[l[i].start] & TEXT_CLUSTER);
        CHECK(tp.flags[l[i].end] & TEXT_CLUSTER);
        CHECK(l[i].width_pt <= 40.001 || l[i].end - l[i].start <= 12);
    }
    arena_free(a);
}
/* ---- keeping what is signed with the lines; the QR code never alone ---- */

/* The first and last page that hold a box of seq; -1 when none does. */
static void seq_pages(const layout_doc *d, int seq, int *first, int *last)
{
    *first = *last = -1;
    for (size_t p = 0; p < d->npages; p++)
        for (size_t i = 0; i < d->pages[p].nboxes; i++)
            if (d->pages[p].boxes[i].seq == seq && d->pages[p].boxes[i].role != LROLE_PAGE &&
                d->pages[p].boxes[i].role != LROLE_PATIENT) {
                if (*first < 0)
                    *first = (int)p;
                *last = (int)p;
            }
}

/* How many text boxes of page p (every page when p < 0) equal s. */
static size_t count_text(const layout_doc *d, int p, const char *s)
{
    size_t n = 0;
    for (size_t k = 0; k < d->npages; k++)
        for (size_t i = 0; (p < 0 || (size_t)p == k) && i < d->pages[k].nboxes; i++) {
            const lbox *b = &d->pages[k].boxes[i];
            n += b->kind == LBOX_TEXT && strcmp(b->text, s) == 0;
        }
    return n;
}

/* The page whose box is the text s (the first such), or -1. */
static int page_of(const layout_doc *d, const char *s)
{
    size_t p;
    return find_text(d, s, &p) ? (int)p : -1;
}

static const char *const PRINTED[] = {"Printed name", "Relationship"};
static const layout_signer SIGNERS[3] = {
    {"Signature of Patient", "Date", "Time", PRINTED, 2},
    {"Signature of Clinician", "Date", "Time", PRINTED, 1},
    {"Signature of Witness", "Date", NULL, PRINTED, 1},
};

/* Room for the section's heading and attestation at the bottom of page 1,
 * not for the lines: the heading and the attestation go to page 2 with
 * them. (Placed one after the other, the lines alone would be on page 2.) */
static void test_signatures_keep_section(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    fill_until(L, 120);
    CHECK(layout_heading(L, "Signatures") == LAYOUT_OK);
    CHECK(layout_paragraph(L, "Attest: when I sign, I say that I told the patient.") == LAYOUT_OK);
    CHECK(layout_signatures(L, SIGNERS, 3) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    CHECK_INT(d->npages, 2);
    CHECK_INT(page_of(d, "Signatures"), 1);
    CHECK_INT(page_of(d, "Attest: when I sign, I say that I told the patient."), 1);
    CHECK_INT(page_of(d, "Signature of Patient"), 1);
    CHECK_INT(page_of(d, "Signature of Witness"), 1);
    CHECK_INT(count_text(d, -1, "Signatures"), 1);
    check_inside(d);
    arena_free(a);
}

/* The patient's agreement (the checkboxes' section) and the signature
 * section fit on one page together: they go there together. */
static void test_signatures_keep_agreement(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    fill_until(L, 200);
    CHECK(layout_heading(L, "Your agreement") == LAYOUT_OK);
    CHECK(layout_checkbox(L, "I have read this form.") == LAYOUT_OK);
    CHECK(layout_checkbox(L, "I agree to the shots.") == LAYOUT_OK);
    CHECK(layout_heading(L, "Signatures") == LAYOUT_OK);
    CHECK(layout_paragraph(L, "Attest.") == LAYOUT_OK);
    CHECK(layout_signatures(L, SIGNERS, 3) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    CHECK_INT(d->npages, 2);
    CHECK_INT(page_of(d, "Your agreement"), 1);
    CHECK_INT(page_of(d, "I have read this form."), 1);
    CHECK_INT(page_of(d, "I agree to the shots."), 1);
    CHECK_INT(page_of(d, "Signatures"), 1);
    CHECK_INT(page_of(d, "Signature of Patient"), 1);
    check_inside(d);
    arena_free(a);
}

/* "word 0 word 1 ..." as n one-line paragraphs' worth of words. */
static char *words(arena *a, const char *word, int n)
{
    char *s = arena_alloc(a, (size_t)n * (strlen(word) + 1) + 1);
    s[0] = 0;
    for (int i = 0; i < n; i++) {
        strcat(s, word);
        strcat(s, " ");
    }
    return s;
}

/* How many text boxes start with prefix, on every page. */
static size_t count_prefix(const layout_doc *d, const char *prefix)
{
    size_t n = 0;
    for (size_t p = 0; p < d->npages; p++)
        for (size_t i = 0; i < d->pages[p].nboxes; i++) {
            const lbox *b = &d->pages[p].boxes[i];
            n += b->kind == LBOX_TEXT && strncmp(b->text, prefix, strlen(prefix)) == 0;
        }
    return n;
}

/* A section longer than a page: the statement right before the lines goes
 * with them, under the section's heading printed again; nothing is lost or
 * printed twice but the heading. */
static void test_signatures_long_section(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    CHECK(layout_paragraph(L, "Opening") == LAYOUT_OK);
    CHECK(layout_heading(L, "Signatures") == LAYOUT_OK);
    /* Some 1.3 pages of lines, each of which is one box (no spaces). */
    const char *long_text = words(a, "lorem", 1100);
    CHECK(layout_paragraph(L, long_text) == LAYOUT_OK);
    CHECK(layout_paragraph(L, "Attest: I saw the patient sign.") == LAYOUT_OK);
    CHECK(layout_signatures(L, SIGNERS, 3) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    int sp = page_of(d, "Signature of Patient");
    CHECK(sp >= 1);
    CHECK_INT(page_of(d, "Attest: I saw the patient sign."), sp);
    CHECK_INT(count_text(d, sp, "Signatures"), 1); /* the heading again */
    CHECK_INT(count_text(d, 0, "Signatures"), 1);  /* where the section starts */
    CHECK_INT(count_text(d, -1, "Signatures"), 2);
    /* The heading printed again is the same heading (its seq). */
    size_t p0, p1;
    const lbox *h0 = find_text(d, "Signatures", &p0);
    const lbox *h1 = NULL;
    for (size_t i = 0; i < d->pages[sp].nboxes; i++)
        if (d->pages[sp].boxes[i].kind == LBOX_TEXT &&
            strcmp(d->pages[sp].boxes[i].text, "Signatures") == 0)
            h1 = &d->pages[sp].boxes[i];
    CHECK(h0 && h1 && h0->seq == h1->seq && h1->role == LROLE_HEADING);
    (void)p1;
    /* Every line of the long paragraph once: the same count as laid out
     * without the signatures. */
    arena *b = arena_new();
    layout *L2 = fresh(b, 1);
    CHECK(layout_paragraph(L2, "Opening") == LAYOUT_OK);
    CHECK(layout_heading(L2, "Signatures") == LAYOUT_OK);
    CHECK(layout_paragraph(L2, long_text) == LAYOUT_OK);
    CHECK(layout_form_end(L2) == LAYOUT_OK);
    CHECK_INT(count_prefix(d, "lorem"), count_prefix(layout_result(L2), "lorem"));
    CHECK(count_prefix(d, "lorem") > 0);
    check_inside(d);
    arena_free(b);
    arena_free(a);
}

/* The statement itself is longer than a page: its last lines go with the
 * lines, under the heading printed again; every line once; it ends. */
static void test_signatures_long_attestation(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    CHECK(layout_heading(L, "Signatures") == LAYOUT_OK);
    const char *long_text = words(a, "ipsum", 1400);
    CHECK(layout_paragraph(L, long_text) == LAYOUT_OK);
    CHECK(layout_signatures(L, SIGNERS, 3) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    int sp = page_of(d, "Signature of Patient");
    CHECK(sp >= 1);
    CHECK_INT(count_text(d, sp, "Signatures"), 1);
    /* The statement's last line is on the lines' page. */
    int first, last;
    seq_pages(d, 1, &first, &last);
    CHECK_INT(first, 0);
    CHECK_INT(last, sp);
    arena *b = arena_new();
    layout *L2 = fresh(b, 1);
    CHECK(layout_paragraph(L2, long_text) == LAYOUT_OK);
    CHECK(layout_form_end(L2) == LAYOUT_OK);
    CHECK_INT(count_prefix(d, "ipsum"), count_prefix(layout_result(L2), "ipsum"));
    check_inside(d);
    arena_free(b);
    arena_free(a);
}

/* A signature block taller than a page is split between signers, and each
 * page it goes on to starts with its section's heading: no page of bare
 * lines. */
static void test_signatures_taller_than_page(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    CHECK(layout_heading(L, "Signatures") == LAYOUT_OK);
    CHECK(layout_paragraph(L, "Attest.") == LAYOUT_OK);
    layout_signer many[24];
    for (size_t i = 0; i < 24; i++)
        many[i] = SIGNERS[i % 3];
    CHECK(layout_signatures(L, many, 24) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    CHECK(d->npages >= 3);
    CHECK_INT(count_prefix(d, "Signature of"), 24);
    for (size_t p = 0; p < d->npages; p++)
        CHECK_INT(count_text(d, (int)p, "Signatures"), 1);
    check_inside(d);
    arena_free(a);
}

static qr_code test_qr(void)
{
    static unsigned char dark[25 * 25];
    return (qr_code){.version = 2, .width = 25, .dark = dark};
}

/* The pages that hold boxes of role r and of no other body role. */
static size_t pages_only(const layout_doc *d, lrole r)
{
    size_t n = 0;
    for (size_t p = 0; p < d->npages; p++) {
        size_t mine = 0, other = 0;
        for (size_t i = 0; i < d->pages[p].nboxes; i++) {
            lrole br = d->pages[p].boxes[i].role;
            if (br == LROLE_PAGE || br == LROLE_PATIENT)
                continue;
            mine += br == r;
            other += br != r;
        }
        n += mine && !other;
    }
    return n;
}

/* No room under the text: the code goes in a column at the right of the
 * last paragraphs, which are wrapped narrower, on the same page. */
static void test_qr_floats_beside(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    fill_until(L, 200); /* room for the heading and the list, not for the code under it */
    CHECK(layout_heading(L, "When to call us") == LAYOUT_OK);
    for (int i = 0; i < 4; i++)
        CHECK(layout_bullet(L, "Call us if the spot is red, warm or swollen, or you have a fever "
                               "and chills.") == LAYOUT_OK);
    qr_code q = test_qr();
    CHECK(layout_qr(L, &q, "https://example.test/r/abc", "Scan to book") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    const lbox *qb = NULL;
    size_t qp = 0;
    for (size_t p = 0; p < d->npages; p++)
        for (size_t i = 0; i < d->pages[p].nboxes; i++)
            if (d->pages[p].boxes[i].kind == LBOX_QR)
                qb = &d->pages[p].boxes[i], qp = p;
    CHECK(qb != NULL);
    CHECK_INT(pages_only(d, LROLE_QR), 0);
    if (qb) {
        CHECK(qb->x > d->geom.width_pt / 2); /* at the right */
        /* The text beside it ends left of it. */
        size_t beside = 0;
        for (size_t i = 0; i < d->pages[qp].nboxes; i++) {
            const lbox *b = &d->pages[qp].boxes[i];
            if (b->kind == LBOX_TEXT && b->role == LROLE_BULLET && b->y < qb->y + qb->h &&
                b->y > qb->y) {
                CHECK(b->x + b->w < qb->x);
                beside++;
            }
        }
        CHECK(beside > 0);
        /* Level with its section's heading. */
        size_t hp, cp;
        const lbox *head = find_text(d, "When to call us", &hp),
                   *cap = find_prefix(d, "Scan to", &cp);
        CHECK(head && cap && hp == qp && cp == qp && fabs(head->y - cap->y) < 5);
    }
    check_inside(d);
    arena_free(a);
}

/* Nothing to float beside (a table of fields, not text): the code takes
 * its section to the next page rather than stand alone there. */
static void test_qr_takes_its_section(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    fill_until(L, 150);
    CHECK(layout_heading(L, "Your visit") == LAYOUT_OK);
    const char *labels[] = {"Date", "Clinician", "Room"};
    const char *values[] = {"December 1", "Dr. Ruiz", "3"};
    CHECK(layout_fields(L, labels, values, 3) == LAYOUT_OK);
    qr_code q = test_qr();
    CHECK(layout_qr(L, &q, "https://example.test/r/abc", "Scan to book") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    CHECK_INT(d->npages, 2);
    CHECK_INT(page_of(d, "Your visit"), 1);
    CHECK_INT(page_of(d, "Scan to book"), 1);
    CHECK_INT(pages_only(d, LROLE_QR), 0);
    check_inside(d);
    arena_free(a);
}

/* The page limit is told from running out of memory: the call that would
 * add page LAYOUT_MAX_PAGES + 1 says so, and the pages stop there. */
static void test_page_limit(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    layout_status st = LAYOUT_OK;
    int calls = 0;
    while (st == LAYOUT_OK && calls++ < 2 * LAYOUT_MAX_PAGES) {
        st = layout_paragraph(L, "a page");
        if (st == LAYOUT_OK)
            st = layout_page_break(L);
    }
    CHECK_INT(st, LAYOUT_TOO_LONG);
    CHECK_INT(layout_result(L)->npages, LAYOUT_MAX_PAGES);
    arena_free(a);
}

/* ---- the language notice ------------------------------------------------ */

/* The notice's entries: "L0".."L15", each "wN" words of text; entry rtl_at
 * (if < n) in Arabic, right to left. Memory in a. */
static layout_notice_entry *notice_entries(arena *a, size_t n, int words, size_t rtl_at)
{
    layout_notice_entry *e = arena_array(a, n, sizeof *e);
    const char *ar = "\xd8\xae\xd8\xb7\xd8\xb1"; /* a word in Arabic */
    for (size_t i = 0; i < n; i++) {
        mp_buf b;
        buf_init(&b, a);
        for (int w = 0; w < words; w++)
            buf_putf(&b, "%s%s", w ? " " : "", i == rtl_at ? ar : "word");
        e[i] = (layout_notice_entry){.lang = i == rtl_at ? "ar" : "en",
                                     .rtl = i == rtl_at,
                                     .name = arena_printf(a, "L%zu", i),
                                     .text = buf_str(&b)};
    }
    return e;
}

/* Which column (0 left, 1 right) entry i's boxes are in, and its page; -1
 * when its boxes are not all in one column of one page, or it is missing. */
static int notice_column(const layout_doc *d, const char *name, size_t *page)
{
    const lbox *head = find_text(d, name, page);
    if (!head)
        return -1;
    const layout_geom *g = &d->geom;
    double mid = g->width_pt / 2;
    int col = head->x + head->w / 2 < mid ? 0 : 1;
    /* Its text follows its name in the same unit: the boxes after it up to
     * the next entry's name. */
    const lpage *pg = &d->pages[*page];
    size_t at = (size_t)(head - pg->boxes);
    for (size_t i = at + 1; i < pg->nboxes && pg->boxes[i].text && pg->boxes[i].text[0] != 'L';
         i++) {
        const lbox *b = &pg->boxes[i];
        if (b->role != LROLE_NOTICE)
            break;
        if ((b->x + b->w / 2 < mid ? 0 : 1) != col)
            return -1;
    }
    return col;
}

static void test_notice_columns(void)
{
    arena *a = arena_new();
    layout *L = fresh(a, 1);
    layout_notice_entry *e = notice_entries(a, 16, 18, 9);
    CHECK(layout_title(L, "Free language help") == LAYOUT_OK);
    double size = 0;
    CHECK(layout_notice(L, e, 16, 8.0, &size) == LAYOUT_OK);
    CHECK(fabs(size - 10.0) < 0.001);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    CHECK_INT(d->npages, 1);
    check_inside(d);
    /* Read down the left column, then the right: balanced, 8 and 8. */
    int cols[16];
    for (size_t i = 0; i < 16; i++) {
        size_t page;
        char name[8];
        snprintf(name, sizeof name, "L%zu", i);
        cols[i] = notice_column(d, name, &page);
        CHECK(cols[i] >= 0);
        CHECK_INT(cols[i], i < 8 ? 0 : 1);
    }
    const layout_geom *g = &d->geom;
    double colw = (g->width_pt - g->margin_left_pt - g->margin_right_pt - 18.0) / 2;
    double right1 = g->width_pt - g->margin_right_pt;
    size_t page;
    const lbox *l0 = find_text(d, "L0", &page), *l8 = find_text(d, "L8", &page);
    const lbox *l9 = find_text(d, "L9", &page);
    CHECK(l0 && l8 && l9);
    if (l0 && l8 && l9) {
        /* The columns start level, under the title. */
        CHECK(fabs(l0->y - l8->y) < 0.001);
        CHECK(fabs(l0->x - g->margin_left_pt) < 0.001);
        CHECK(fabs(l8->x - (g->margin_left_pt + colw + 18.0)) < 0.001);
        /* The Arabic entry starts at its column's right edge, not the page's
         * middle, and reads right to left. */
        CHECK(fabs(l9->x + l9->w - right1) < 0.001);
        const lbox *t9 = l9 + 1;
        CHECK(t9->rtl);
        CHECK(fabs(t9->x + t9->w - right1) < 0.001);
        CHECK(t9->x > g->margin_left_pt + colw);
        /* At the body size: it fitted without shrinking. */
        CHECK(fabs(l0->size_pt - 10.0) < 0.001);
    }
    arena_free(a);

    /* Longer texts: made smaller, in half points, until they fit one page. */
    a = arena_new();
    L = fresh(a, 1);
    e = notice_entries(a, 16, 60, 16);
    size = 0;
    CHECK(layout_notice(L, e, 16, 7.0, &size) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    d = layout_result(L);
    CHECK_INT(d->npages, 1);
    check_inside(d);
    l0 = find_text(d, "L0", &page);
    CHECK(l0 && l0->size_pt < 10.0 && l0->size_pt >= 7.0);
    if (l0) {
        CHECK(fabs(l0->size_pt * 2 - floor(l0->size_pt * 2)) < 0.001);
        CHECK(fabs(l0->size_pt - size) < 0.001);
    }
    arena_free(a);
    /* The same notice again, told the size it took: set at it at once, the
     * same boxes. */
    a = arena_new();
    L = fresh(a, 1);
    e = notice_entries(a, 16, 60, 16);
    double again = size;
    CHECK(layout_notice(L, e, 16, 7.0, &again) == LAYOUT_OK);
    CHECK(fabs(again - size) < 0.001);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    d = layout_result(L);
    CHECK_INT(d->npages, 1);
    l0 = find_text(d, "L0", &page);
    CHECK(l0 && fabs(l0->size_pt - size) < 0.001);
    arena_free(a);

    /* Large print does not shrink: the columns go on to the next page, and
     * no entry is split between columns or pages. */
    a = arena_new();
    L = fresh(a, 1);
    e = notice_entries(a, 16, 60, 16);
    size = 0;
    CHECK(layout_notice(L, e, 16, 10.0, &size) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    d = layout_result(L);
    CHECK(d->npages >= 2);
    check_inside(d);
    size_t last_page = 0;
    for (size_t i = 0; i < 16; i++) {
        char name[8];
        snprintf(name, sizeof name, "L%zu", i);
        CHECK(notice_column(d, name, &page) >= 0);
        CHECK(page >= last_page); /* in reading order */
        last_page = page;
    }
    arena_free(a);

    /* On a right-to-left form the first column is the right one. */
    a = arena_new();
    L = layout_new(a, layout_geom_for(PAGE_LETTER), layout_style_for(10.0), &M);
    layout_header h = {.left = "Clinic", .page_fmt = "%d/%d", .lang = "ar", .rtl = true};
    CHECK(layout_form_begin(L, &h) == LAYOUT_OK);
    e = notice_entries(a, 4, 10, 4);
    size = 0;
    CHECK(layout_notice(L, e, 4, 8.0, &size) == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    d = layout_result(L);
    CHECK_INT(notice_column(d, "L0", &page), 1);
    CHECK_INT(notice_column(d, "L3", &page), 0);
    check_inside(d);
    arena_free(a);
}

int main(void)
{
    FS.a = arena_new();
    M = fake_iface(&FS);
    test_wide_sum();
    test_mixed_line();
    test_rtl_form();
    test_rtl_data_own_order();
    test_cjk_kinsoku();
    test_thai_words();
    test_khmer_long_word();
    test_fallback_runs();
    test_qr_size();
    test_wrap();
    test_heading_not_stranded();
    test_risk_kept_whole();
    test_signatures_whole();
    test_page_numbers_per_form();
    test_no_orphans();
    test_huge_item_splits_inside_body();
    test_long_header_shrinks();
    test_long_clinic_name();
    test_signatures_keep_section();
    test_signatures_keep_agreement();
    test_signatures_long_section();
    test_signatures_long_attestation();
    test_signatures_taller_than_page();
    test_qr_floats_beside();
    test_qr_takes_its_section();
    test_page_limit();
    test_notice_columns();
    arena_free(FS.a);
    CHECK_DONE();
}
