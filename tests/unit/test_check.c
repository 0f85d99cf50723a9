/*
 * test_check.c — the reading grade as check and review report it: English
 * and Spanish forms graded by their formulas, and a form in any other
 * language given one note and no grade, never an English score.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h" /* the test's assertions: tests/unit/check.h */
#include "form.h"
#include "review.h" /* and, through it, src/review/check.h */

static arena *A;

static form *load(const char *rel)
{
    const char *data = getenv("MP_TEST_DATA");
    CHECK(data != NULL);
    packet p;
    mp_err e;
    err_clear(&e);
    int rc = data ? packet_load(arena_printf(A, "%s/%s", data, rel), A, &p, &e) : -1;
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "  %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
        return NULL;
    }
    return p.entries[0].form;
}

static check_report checked(const form *f)
{
    check_report r;
    CHECK_INT(check_form(f, NULL, A, &r), 0);
    return r;
}

static void test_graded(void)
{
    form *f = load("../forms/trigger-point/consent.yaml");
    if (!f)
        return;
    check_report r = checked(f);
    CHECK_STR(r.grade_formula, "Flesch-Kincaid");
    CHECK(r.no_grade == NULL);
    CHECK_INT(r.notes, 0);
    CHECK(r.nsections > 1 && r.sections[1].r.words > 0 && r.sections[1].r.grade > 0);
    char *text = review_text(f, &r, false, A);
    CHECK(text && strstr(text, "Reading grade (Flesch-Kincaid, target 8 or below):"));

    f = load("../forms/trigger-point/es/consent.yaml");
    if (!f)
        return;
    r = checked(f);
    CHECK_STR(r.grade_formula, "Crawford");
    CHECK(r.no_grade == NULL);
    CHECK_INT(r.notes, 0);
}

static void test_no_formula(void)
{
    form *f = load("../forms/trigger-point/consent.yaml");
    if (!f)
        return;
    check_report en = checked(f);
    /* The language is set after loading, on the English form's sections. */
    f->language.s = "ar";
    check_report r = checked(f);
    CHECK(r.grade_formula == NULL);
    CHECK_STR(r.no_grade,
              "no reading-grade formula for language \"ar\": the reading level is not scored");
    /* One note, at the form's language:; medpacket has labels in Arabic,
     * so there is no warning about them, and nothing else changed. */
    CHECK_INT(r.notes, 1);
    CHECK_INT(r.errors, en.errors);
    CHECK_INT(r.warnings, en.warnings);
    CHECK_INT(r.nfindings, en.nfindings + 1);
    /* The same sections, each named, though none is graded. */
    CHECK_INT(r.nsections, en.nsections);
    for (size_t i = 0; i < r.nsections && i < en.nsections; i++)
        CHECK_STR(r.sections[i].title, en.sections[i].title);
    const finding *note = &r.findings[r.nfindings - 1];
    CHECK_INT(note->level, FINDING_NOTE);
    CHECK_INT(note->where.line, 8);
    CHECK_STR(note->where.msg, r.no_grade);
    for (size_t i = 0; i < r.nsections; i++) {
        CHECK_INT(r.sections[i].r.words, 0);
        CHECK(r.sections[i].r.grade == 0.0);
        CHECK(!r.sections[i].above);
    }
    char *text = review_text(f, &r, true, A);
    CHECK(text && strstr(text, "- Reading grade: no reading-grade formula for language \"ar\": "
                               "the reading level is not scored\n"));
    CHECK(text && !strstr(text, "Flesch-Kincaid"));

    f->language.s = "zh-Hant";
    r = checked(f);
    CHECK(r.grade_formula == NULL);
    CHECK_INT(r.notes, 1);
    f->language.s = "en-GB";
    r = checked(f);
    CHECK_STR(r.grade_formula, "Flesch-Kincaid");
    CHECK_INT(r.notes, 0);
}

int main(void)
{
    A = arena_new();
    if (!A)
        return 1;
    test_graded();
    test_no_formula();
    arena_free(A);
    CHECK_DONE();
}
