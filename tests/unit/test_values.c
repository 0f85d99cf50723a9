/* Unit tests for values.c: the table of one row's values, built once and
 * read by every placeholder. Dates written long in English and Spanish (and
 * as YYYY-MM-DD for a URL), patient.name made of both names, the booking
 * reference given or computed, a value no font can draw reported only where
 * a placeholder uses it, and lookups that allocate nothing once a value is
 * in the table. The patient and clinic are built in memory, as a CSV row
 * and clinic.yaml would give them. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "values.h"

static arena *A;

/* The booking key and the reference it gives for MRN A1003: the same
 * independent HMAC as test_vars.c's. */
#define KEY "unit-test-booking-key-42"
#define REF_A1003 "s23vkh57fhfvm7dm"

#define TEXT(lit)                                                                                  \
    {                                                                                              \
        .s = (lit), .len = sizeof(lit) - 1                                                         \
    }

static patient_value fields[] = {
    {.name = "first_name", .value = TEXT("Jos\xC3\xA9")},
    {.name = "last_name", .value = TEXT("N\xC3\xBA\xC3\xB1\x65z")},
    {.name = "dob", .value = TEXT("1968-04-12")},
    {.name = "mrn", .value = TEXT("A1003")},
    {.name = "appointment_date", .value = TEXT("2026-12-01")},
    {.name = "surgery_date", .value = TEXT("2026-02-30")}, /* no such day */
    {.name = "clinician", .value = TEXT("")},              /* empty: missing */
    {.name = "room", .value = TEXT("12B")},
    {.name = "room", .value = TEXT("never read")}, /* the first one wins */
};
static const patient P = {.source = "patients.csv", .row = 2, .fields = fields, .nfields = 9};

static const clinic C = {.name = TEXT("Harbor Test Clinic"),
                         .address = TEXT("1 Test Street"),
                         .phone = TEXT("(562) 555-0100"),
                         .booking_key = TEXT(KEY)};

static values_table *table(const patient *p, const clinic *c,
                           bool (*covered)(const void *, uint32_t))
{
    values_src src = {.clinic = c, .patient = p, .today = {2027, 1, 5}, .covered = covered};
    values_table *t = values_build(&src, A);
    CHECK(t != NULL);
    return t;
}

static fill_status get(values_table *t, const char *name, const char *lang, bool url,
                       const char **value, const char **why)
{
    size_t len = 0;
    *value = NULL;
    *why = NULL;
    fill_status st = values_get(t, name, strlen(name), lang, url, value, &len, why);
    /* Every value is NUL-terminated at its length. */
    if (st == FILL_FOUND)
        CHECK(*value != NULL && strlen(*value) == len);
    return st;
}

/* want: the value when st is FILL_FOUND, else the why (or NULL: not checked). */
/* where and n say which case failed: a line of this file, or row_cases[n]. */
static void expect_n(const char *where, int n, values_table *t, const char *name, const char *lang,
                     bool url, fill_status st, const char *want)
{
    const char *value, *why;
    int before = check_failures;
    CHECK_INT(get(t, name, lang, url, &value, &why), st);
    if (want)
        CHECK_STR(st == FILL_FOUND ? value : why, want);
    if (check_failures != before)
        fprintf(stderr, "  (%s in %s%s: %s %d)\n", name, lang ? lang : "NULL", url ? ", URL" : "",
                where, n);
}

#define EXPECT_VALUE(t, name, lang, url, want)                                                     \
    expect_n(__FILE__ " line", __LINE__, t, name, lang, url, FILL_FOUND, want)
#define EXPECT_STATUS(t, name, st, why)                                                            \
    expect_n(__FILE__ " line", __LINE__, t, name, "en", false, st, why)

/* The full row, name by name: dates in the language asked for, each
 * language kept apart, and as written for a URL (a bad date is an error
 * only where it is used, and not in a URL, which takes it as written); the
 * patient's fields as written, the derived name, the clinic's settings;
 * unknown and missing as vars.c's messages need them. */
static const struct {
    const char *name, *lang;
    bool url;
    fill_status st;
    const char *want; /* the value, or the why */
} row_cases[] = {
    {"patient.dob", "en", false, FILL_FOUND, "April 12, 1968"},
    {"patient.dob", "es", false, FILL_FOUND, "12 de abril de 1968"},
    {"patient.appointment_date", "es", false, FILL_FOUND, "1 de diciembre de 2026"},
    {"patient.appointment_date", "en", false, FILL_FOUND, "December 1, 2026"},
    {"patient.dob", "en", false, FILL_FOUND, "April 12, 1968"},
    {"patient.dob", NULL, false, FILL_FOUND, "April 12, 1968"}, /* no language: English */
    {"today", "en", false, FILL_FOUND, "January 5, 2027"},
    {"today", "es", false, FILL_FOUND, "5 de enero de 2027"},
    {"today", "en", true, FILL_FOUND, "2027-01-05"},
    {"patient.dob", "es", true, FILL_FOUND, "1968-04-12"},
    {"patient.surgery_date", "en", true, FILL_FOUND, "2026-02-30"},
    {"patient.surgery_date", "en", false, FILL_INVALID, "not a valid date (YYYY-MM-DD)"},
    {"patient.name", "en", false, FILL_FOUND, "Jos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z"},
    /* Chinese, Japanese and Korean put the family name first. */
    {"patient.name", "zh-Hant", false, FILL_FOUND, "N\xC3\xBA\xC3\xB1\x65z Jos\xC3\xA9"},
    {"patient.name", "ja", false, FILL_FOUND, "N\xC3\xBA\xC3\xB1\x65z Jos\xC3\xA9"},
    {"patient.name", "zu", false, FILL_FOUND, "Jos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z"},
    {"patient.first_name", "es", false, FILL_FOUND, "Jos\xC3\xA9"},
    {"patient.mrn", "en", true, FILL_FOUND, "A1003"},
    {"patient.room", "en", false, FILL_FOUND, "12B"},
    {"clinic.name", "en", false, FILL_FOUND, "Harbor Test Clinic"},
    {"clinic.address", "en", false, FILL_FOUND, "1 Test Street"},
    /* A phone number is not broken across lines: no-break space. */
    {"clinic.phone", "en", false, FILL_FOUND,
     "(562)\xC2\xA0"
     "555-0100"},
    {"clinic.phone", "en", true, FILL_FOUND, "(562) 555-0100"},
    {"patient.clinician", "en", false, FILL_MISSING, NULL},
    {"patient.email", "en", false, FILL_MISSING, NULL},
    {"patient.nope", "en", false, FILL_UNKNOWN, NULL},
    {"clinic.fax", "en", false, FILL_UNKNOWN, NULL},
    {"form.id", "en", false, FILL_UNKNOWN, NULL}, /* vars.c's, not the row's */
    {"patient", "en", false, FILL_UNKNOWN, NULL},
    {"todays", "en", false, FILL_UNKNOWN, NULL},
};

static void test_row(void)
{
    values_table *t = table(&P, &C, NULL);
    for (size_t i = 0; t && i < sizeof row_cases / sizeof row_cases[0]; i++)
        expect_n("row_cases", (int)i, t, row_cases[i].name, row_cases[i].lang, row_cases[i].url,
                 row_cases[i].st, row_cases[i].want);
}

/* Rows with less in them. */
static void test_partial(void)
{
    /* Only a first name: no patient.name. */
    patient half = {.source = "patients.csv", .fields = fields, .nfields = 1};
    values_table *h = table(&half, &C, NULL);
    EXPECT_STATUS(h, "patient.name", FILL_MISSING, NULL);
    EXPECT_VALUE(h, "patient.first_name", "en", false, "Jos\xC3\xA9");

    /* A name in Han characters (or kana, or hangul) is one word: 王芳. */
    patient_value han[] = {{.name = "first_name", .value = TEXT("\xE8\x8A\xB3")},
                           {.name = "last_name", .value = TEXT("\xE7\x8E\x8B")}};
    patient wang = {.source = "patients.csv", .fields = han, .nfields = 2};
    values_table *w = table(&wang, &C, NULL);
    EXPECT_VALUE(w, "patient.name", "zh-Hant", false, "\xE7\x8E\x8B\xE8\x8A\xB3");
    EXPECT_VALUE(w, "patient.name", "zh", false, "\xE7\x8E\x8B\xE8\x8A\xB3");
    EXPECT_VALUE(w, "patient.name", "en", false, "\xE8\x8A\xB3 \xE7\x8E\x8B");

    /* No patient (the specimen), no clinic. */
    values_table *none = table(NULL, NULL, NULL);
    EXPECT_STATUS(none, "patient.first_name", FILL_MISSING, NULL);
    EXPECT_STATUS(none, "patient.nope", FILL_MISSING, NULL);
    EXPECT_STATUS(none, "patient.name", FILL_MISSING, NULL);
    EXPECT_STATUS(none, "booking.ref", FILL_MISSING, NULL);
    EXPECT_STATUS(none, "clinic.name", FILL_MISSING, NULL);
    EXPECT_VALUE(none, "today", "en", false, "January 5, 2027");
}

static void test_booking_ref(void)
{
    /* Computed from the record number with the clinic's key. */
    values_table *t = table(&P, &C, NULL);
    EXPECT_VALUE(t, "booking.ref", "en", false, REF_A1003);
    EXPECT_VALUE(t, "booking.ref", "en", true, REF_A1003);

    /* Given in the data: used as it is, key or no key. */
    patient_value own[] = {{.name = "mrn", .value = TEXT("A1003")},
                           {.name = "booking_ref", .value = TEXT("APPT-889")}};
    patient po = {.fields = own, .nfields = 2};
    EXPECT_VALUE(table(&po, &C, NULL), "booking.ref", "en", false, "APPT-889");
    clinic keyless = {.name = TEXT("Keyless Clinic")};
    EXPECT_VALUE(table(&po, &keyless, NULL), "booking.ref", "en", false, "APPT-889");

    /* Neither given nor computable: why, or what is missing. */
    EXPECT_STATUS(table(&P, &keyless, NULL), "booking.ref", FILL_INVALID,
                  "needs the patient's booking_ref or the clinic's booking_key");
    patient nomrn = {.fields = fields, .nfields = 2};
    EXPECT_STATUS(table(&nomrn, &C, NULL), "booking.ref", FILL_MISSING, NULL);
}

/* The test's fonts have no U+00FA (ú), which is in the last name only. */
static bool no_u_acute(const void *ctx, uint32_t cp)
{
    (void)ctx;
    return cp != 0xFA;
}

static void test_drawable(void)
{
    /* Building the table is no error: the value is bad only where used. */
    values_table *t = table(&P, &C, no_u_acute);
    if (!t)
        return;
    EXPECT_VALUE(t, "patient.first_name", "en", false, "Jos\xC3\xA9");
    EXPECT_VALUE(t, "patient.dob", "en", false, "April 12, 1968");
    static const char why[] =
        "the value has character U+00FA, which none of the installed fonts has";
    EXPECT_STATUS(t, "patient.last_name", FILL_INVALID, why);
    EXPECT_STATUS(t, "patient.name", FILL_INVALID, why); /* made of it */
    const char *value, *w;
    CHECK_INT(get(t, "patient.last_name", "en", true, &value, &w), FILL_INVALID); /* and in URLs */
    /* The message names the code point, never the value. */
    CHECK(w != NULL && strstr(w, "N\xC3\xBA") == NULL);
}

/* A value in the table costs no allocation per placeholder: the arena does
 * not grow however often it is read. */
static void test_no_allocation(void)
{
    values_table *t = table(&P, &C, NULL);
    static const char *const names[] = {"patient.name", "patient.dob", "today",
                                        "booking.ref",  "patient.mrn", "clinic.name"};
    static const char *const langs[] = {"en", "es"};
    const char *first[2][6];
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < 6; i++) {
            const char *why;
            CHECK_INT(get(t, names[i], langs[l], false, &first[l][i], &why), FILL_FOUND);
        }
    size_t used = arena_used(A);
    for (int round = 0; round < 3; round++)
        for (int l = 0; l < 2; l++)
            for (int i = 0; i < 6; i++) {
                const char *value, *why;
                CHECK_INT(get(t, names[i], langs[l], round == 2, &value, &why), FILL_FOUND);
                if (round < 2)
                    CHECK(value == first[l][i]); /* the same bytes, not a copy */
            }
    CHECK_INT(arena_used(A), used);
}

int main(void)
{
    A = arena_new();
    CHECK(A != NULL);
    if (A) {
        test_row();
        test_partial();
        test_booking_ref();
        test_drawable();
        test_no_allocation();
        arena_free(A);
    }
    CHECK_DONE();
}
