/*
 * Unit tests for layout.c: wrapping and pagination rules, checked on boxes
 * with made-up metrics (every glyph 500/1000 em, space 250, bold 600), so
 * that every expected width and break can be worked out by hand.
 */
#include <stdlib.h>

#include "check.h"
#include "layout.h"

static int fake_advance(const void *ctx, lfont f, uint32_t cp)
{
    (void)ctx;
    if (cp == ' ')
        return 250;
    if (cp == 0x0301)
        return 0; /* a combining accent */
    return f == LFONT_BOLD ? 600 : 500;
}

static const layout_metrics M = {NULL, fake_advance, NULL};

/* A first face without "ễ" (U+1EC5): the fallback draws it, 700 units wide. */
static int fb_advance(const void *ctx, lfont f, uint32_t cp)
{
    return f == LFONT_FALLBACK_REGULAR ? 700 : fake_advance(ctx, f, cp);
}

static lfont fb_face(const void *ctx, lfont style, uint32_t cp)
{
    (void)ctx;
    return cp == 0x1EC5 ? LFONT_FALLBACK(style) : style;
}

static const layout_metrics FB = {NULL, fb_advance, fb_face};

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
    CHECK(layout_text_width(&M, LFONT_REGULAR, 10, "abc", 3) == 15.0);
    CHECK(layout_text_width(&M, LFONT_BOLD, 10, "abc", 3) == 18.0);
    /* Words of 20 pt, spaces of 2.5 pt, a 45 pt line: two words fit (42.5). */
    lline *l;
    size_t n = layout_wrap(&M, LFONT_REGULAR, 10, 45, "aaaa bbbb cccc", 14, a, &l);
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
    n = layout_wrap(&M, LFONT_REGULAR, 10, 30, word, 20, a, &l);
    CHECK_INT(n, 4);
    for (size_t i = 0; i < n; i++)
        CHECK(l[i].width_pt <= 30.0);
    CHECK_INT(l[3].end - l[3].start, 2);
    /* ...and the rest of a broken word shares its line with the next word. */
    n = layout_wrap(&M, LFONT_REGULAR, 10, 30, "xxxxxxxx yy", 11, a, &l);
    CHECK_INT(n, 2);
    CHECK_INT(l[1].start, 6);
    CHECK_INT(l[1].end, 11);
    /* Never between a letter and its combining accent: "e" + U+0301 = 3 bytes. */
    const char *acc = "e\xCC\x81"
                      "e\xCC\x81"
                      "e\xCC\x81";
    n = layout_wrap(&M, LFONT_REGULAR, 10, 10, acc, 9, a, &l);
    CHECK_INT(n, 2);
    CHECK_INT(l[0].end, 6);
    /* UTF-8 names measure by characters, not bytes: "Núñez" is 5 x 5 pt. */
    CHECK(layout_text_width(&M, LFONT_REGULAR, 10,
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

static void test_long_header_shrinks(void)
{
    arena *a = arena_new();
    layout *L = layout_new(a, layout_geom_for(PAGE_A4), layout_style_for(11.0), &M);
    char name[400] = "Patient: ";
    for (int i = 0; i < 30; i++)
        strcat(name, "Maria-Jose ");
    layout_header h = {
        .left = "Clinic", .line2 = name, .footer_left = "x", .page_fmt = "Page %d of %d"};
    CHECK(layout_form_begin(L, &h) == LAYOUT_OK);
    CHECK(layout_paragraph(L, "text") == LAYOUT_OK);
    CHECK(layout_form_end(L) == LAYOUT_OK);
    const layout_doc *d = layout_result(L);
    size_t p;
    const lbox *b = find_text(d, name, &p);
    CHECK(b != NULL);
    CHECK(b && b->size_pt < 8.58);
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
    layout *L = layout_new(a, layout_geom_for(PAGE_LETTER), layout_style_for(10.0), &FB);
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
        CHECK_INT(b1->font, LFONT_REGULAR);
        CHECK_INT(b2->font, LFONT_FALLBACK_REGULAR);
        CHECK_INT(b3->font, LFONT_REGULAR);
        CHECK(b2->x == b1->x + 20.0); /* "Nguy": 4 x 5 pt */
        CHECK(b3->x == b2->x + 7.0);  /* the fallback's 700 units at 10 pt */
        CHECK(b2->y == b1->y && b3->y == b1->y);
    }
    arena_free(a);
}

/* A run whose advances sum past INT_MAX (4,000 glyphs of a million units)
 * is measured, not wrapped round to a negative width. */
static int huge_advance(const void *ctx, lfont f, uint32_t cp)
{
    (void)ctx, (void)f, (void)cp;
    return 1000000;
}

static void test_wide_sum(void)
{
    static const layout_metrics H = {NULL, huge_advance, NULL};
    size_t n = 4000;
    char *s = malloc(n);
    CHECK(s != NULL);
    if (!s)
        return;
    memset(s, 'a', n);
    CHECK(layout_text_width(&H, LFONT_REGULAR, 1.0, s, n) == 4000000.0);
    free(s);
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

int main(void)
{
    test_wide_sum();
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
    test_page_limit();
    CHECK_DONE();
}
