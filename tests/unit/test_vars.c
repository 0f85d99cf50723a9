/* Unit tests for vars.c, values.c and patient.c: what each placeholder name means for a
 * patient loaded from YAML, the place and wording of every placeholder error,
 * the booking reference (checked against an HMAC computed outside this
 * code), the QR privacy rule, and patient files that must be refused.
 *
 * The YAML files are written into a fresh temporary folder, with the line
 * number of every line in a comment beside it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "form.h"
#include "patient.h"
#include "vars.h"

static arena *A;
static arena *PATHS;
static char tmp[] = "/tmp/mp-test-vars-XXXXXX";
static const char *made[64];
static int nmade;

/* The booking key of the test clinic, and the reference it gives for MRN
 * A1003 and A1004, computed independently with
 *   python3 -c "import hmac,hashlib,base64; print(base64.b32encode(hmac.new(
 *     b'unit-test-booking-key-42', b'A1003', hashlib.sha256).digest()[:10]).decode().lower())"
 */
#define KEY "unit-test-booking-key-42"
#define REF_A1003 "s23vkh57fhfvm7dm"
#define REF_A1004 "ogspldmjuxqj2cjw"

static const char *put(const char *name, const char *text)
{
    const char *path = arena_printf(PATHS, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        perror(path);
        check_failures++;
        return path;
    }
    for (int i = 0; i < nmade; i++)
        if (strcmp(made[i], path) == 0)
            return path;
    if (nmade < (int)(sizeof made / sizeof made[0]))
        made[nmade++] = path;
    return path;
}

static void cleanup(void)
{
    for (int i = nmade - 1; i >= 0; i--)
        if (remove(made[i]) != 0)
            perror(made[i]);
    if (rmdir(tmp) != 0)
        perror(tmp);
}

static const char form_text[] =
    "kind: consent\n"                                                       /* 1 */
    "id: vt-consent\n"                                                      /* 2 */
    "title: Vars Test\n"                                                    /* 3 */
    "version: \"2.1\"\n"                                                    /* 4 */
    "language: en\n"                                                        /* 5 */
    "status: draft\n"                                                       /* 6 */
    "blocks:\n"                                                             /* 7 */
    "  - paragraph: Dear {{patient.first_name}}, see {{ patient.name }}.\n" /* 8 */
    "  - paragraph: Hello {{patient.frist_name}}!\n"                        /* 9 */
    "  - paragraph: Seen by {{patient.clinician}}.\n"                       /* 10 */
    "  - paragraph: |\n"                                                    /* 11 */
    "      Booking:\n"                                                      /* 12 */
    "      https://b.example/{{booking.ref}}\n"                             /* 13 */
    "  - heading: N\xC3\xBA\xC3\xB1\x65z {{patient.nope}}\n"                /* 14 */
    "  - paragraph: \"Born {{patient.dob}}, seen {{today}} at {{clinic.name}} "
    "({{form.id}} {{form.version}})\"\n"            /* 15 */
    "  - paragraph: Broken {{patient.first_name\n"; /* 16 */

static const char clinic_text[] = "name: Harbor Test Clinic\n"
                                  "address: 1 Test Street, Long Beach, CA 90802\n"
                                  "phone: (562) 555-0100\n"
                                  "booking_url: https://b.example/{{booking.ref}}\n"
                                  "booking_key: " KEY "\n";

static const char clinic_nokey_text[] = "name: Keyless Clinic\n"
                                        "address: 2 Test Street\n"
                                        "phone: (562) 555-0101\n";

static const char patient_text[] = "# Fictional.\n"                      /* 1 */
                                   "first_name: Jos\xC3\xA9\n"           /* 2 */
                                   "last_name: N\xC3\xBA\xC3\xB1\x65z\n" /* 3 */
                                   "dob: 1968-04-12\n"                   /* 4 */
                                   "mrn: A1003\n"                        /* 5 */
                                   "appointment_date: 2026-12-01\n"      /* 6 */
                                   "favourite_colour: blue\n"            /* 7 */
                                   "clinician:\n";                       /* 8 */

static form F;
static clinic C, C_NOKEY;
static patient P;
static bool ready;

static void load_all(void)
{
    packet pk;
    mp_err e;
    err_clear(&e);
    int rc = packet_load(put("form.yaml", form_text), A, &pk, &e);
    if (!rc)
        rc = clinic_load(put("clinic.yaml", clinic_text), A, &C, &e);
    if (!rc)
        rc = clinic_load(put("clinic-nokey.yaml", clinic_nokey_text), A, &C_NOKEY, &e);
    if (!rc)
        rc = patient_load_yaml(put("patient.yaml", patient_text), A, &P, &e);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "  %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
        return;
    }
    F = *pk.entries[0].form;
    ready = F.nblocks == 7;
    CHECK_INT(F.nblocks, 7);
}

/* A form's context over the row's table of values (values.h), as render.c
 * builds them. */
static vars make_vars_at(const patient *p, const clinic *c, mp_date today)
{
    values_src src = {.clinic = c, .patient = p, .today = today};
    values_table *row = values_build(&src, A);
    CHECK(row != NULL);
    return (vars){.form = &F, .row = row, .a = A};
}

static vars make_vars(const patient *p, const clinic *c)
{
    return make_vars_at(p, c, (mp_date){2027, 1, 5});
}

/* ---- vars_lookup ---------------------------------------------------------- */

static void expect_found_n(int src_line, vars *v, const char *name, const char *want)
{
    const char *value = NULL, *why = NULL;
    size_t len = 0;
    fill_status st = vars_lookup(v, name, strlen(name), &value, &len, &why);
    int before = check_failures;
    CHECK_INT(st, FILL_FOUND);
    if (st == FILL_FOUND) {
        CHECK(value != NULL);
        if (value)
            CHECK_STR(arena_strndup(A, value, len), want);
    }
    if (check_failures != before)
        fprintf(stderr, "  (looking up %s at %s:%d)\n", name, __FILE__, src_line);
}

static void expect_status_n(int src_line, vars *v, const char *name, fill_status want,
                            const char *want_why)
{
    const char *value = NULL, *why = NULL;
    size_t len = 0;
    fill_status st = vars_lookup(v, name, strlen(name), &value, &len, &why);
    int before = check_failures;
    CHECK_INT(st, want);
    if (want_why)
        CHECK_STR(why, want_why);
    if (check_failures != before)
        fprintf(stderr, "  (looking up %s at %s:%d)\n", name, __FILE__, src_line);
}

#define EXPECT_FOUND(v, name, want) expect_found_n(__LINE__, v, name, want)
#define EXPECT_STATUS(v, name, st, why) expect_status_n(__LINE__, v, name, st, why)

static void test_lookup(void)
{
    vars v = make_vars(&P, &C);
    EXPECT_FOUND(&v, "patient.first_name", "Jos\xC3\xA9");
    EXPECT_FOUND(&v, "patient.last_name", "N\xC3\xBA\xC3\xB1\x65z");
    EXPECT_FOUND(&v, "patient.name", "Jos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z");
    EXPECT_FOUND(&v, "patient.dob", "April 12, 1968");
    EXPECT_FOUND(&v, "patient.appointment_date", "December 1, 2026");
    EXPECT_FOUND(&v, "patient.mrn", "A1003");
    EXPECT_FOUND(&v, "patient.favourite_colour", "blue"); /* any other field, as written */
    EXPECT_FOUND(&v, "clinic.name", "Harbor Test Clinic");
    EXPECT_FOUND(&v, "clinic.address", "1 Test Street, Long Beach, CA 90802");
    EXPECT_FOUND(&v, "clinic.phone",
                 "(562)\xC2\xA0"
                 "555-0100"); /* one unbreakable piece */
    EXPECT_FOUND(&v, "form.id", "vt-consent");
    EXPECT_FOUND(&v, "form.title", "Vars Test");
    EXPECT_FOUND(&v, "form.version", "2.1");
    EXPECT_FOUND(&v, "today", "January 5, 2027");
    v = make_vars_at(&P, &C, (mp_date){2024, 2, 29});
    EXPECT_FOUND(&v, "today", "February 29, 2024");

    /* A name that means nothing is unknown; a standard field the patient
     * lacks (or left empty) is missing. */
    EXPECT_STATUS(&v, "patient.frist_name", FILL_UNKNOWN, NULL);
    EXPECT_STATUS(&v, "clinic.fax", FILL_UNKNOWN, NULL);
    EXPECT_STATUS(&v, "clinic.booking_key", FILL_UNKNOWN, NULL);
    EXPECT_STATUS(&v, "form.status", FILL_UNKNOWN, NULL);
    EXPECT_STATUS(&v, "tomorrow", FILL_UNKNOWN, NULL);
    EXPECT_STATUS(&v, "patient", FILL_UNKNOWN, NULL);
    EXPECT_STATUS(&v, "patient.clinician", FILL_MISSING, NULL); /* "clinician:" is empty */
    EXPECT_STATUS(&v, "patient.phone", FILL_MISSING, NULL);
    EXPECT_STATUS(&v, "patient.email", FILL_MISSING, NULL);

    /* Without a patient, every patient.* name is missing. */
    vars nobody = make_vars(NULL, &C);
    EXPECT_STATUS(&nobody, "patient.first_name", FILL_MISSING, NULL);
    EXPECT_STATUS(&nobody, "patient.name", FILL_MISSING, NULL);
    EXPECT_STATUS(&nobody, "patient.favourite_colour", FILL_MISSING, NULL);
    EXPECT_FOUND(&nobody, "clinic.name", "Harbor Test Clinic");
    vars noclinic = make_vars(&P, NULL);
    EXPECT_STATUS(&noclinic, "clinic.name", FILL_MISSING, NULL);
    noclinic.form = NULL;
    EXPECT_STATUS(&noclinic, "form.id", FILL_MISSING, NULL);
    /* Dates fall back to English without a form. */
    EXPECT_FOUND(&noclinic, "patient.dob", "April 12, 1968");

    /* A date field from CSV is checked when it is used. */
    patient_value fields[] = {
        {.name = "first_name", .value = {.s = "Ana", .len = 3}},
        {.name = "dob", .value = {.s = "1968-02-30", .len = 10}},
    };
    patient csv = {.source = "patients.csv", .fields = fields, .nfields = 2};
    vars vc = make_vars(&csv, &C);
    EXPECT_FOUND(&vc, "patient.first_name", "Ana");
    EXPECT_STATUS(&vc, "patient.dob", FILL_INVALID, "not a valid date (YYYY-MM-DD)");
    EXPECT_STATUS(&vc, "patient.name", FILL_MISSING, NULL);
}

static bool is_base32_ref(const char *s)
{
    if (!s || strlen(s) != 16)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '2' && *s <= '7')))
            return false;
    return true;
}

static void test_booking_ref(void)
{
    char r1[17], r2[17], r3[17];
    memset(r1, 'X', sizeof r1);
    values_booking_ref(KEY, strlen(KEY), "A1003", 5, r1);
    values_booking_ref(KEY, strlen(KEY), "A1003", 5, r2);
    values_booking_ref(KEY, strlen(KEY), "A1004", 5, r3);
    CHECK(is_base32_ref(r1));
    CHECK(is_base32_ref(r3));
    CHECK_STR(r1, REF_A1003);
    CHECK_STR(r2, r1); /* deterministic */
    CHECK_STR(r3, REF_A1004);
    CHECK(strcmp(r1, r3) != 0); /* and different for another record */
    char rk[17];
    values_booking_ref("another-key-0123456789", 22, "A1003", 5, rk);
    CHECK(is_base32_ref(rk));
    CHECK(strcmp(rk, r1) != 0);

    /* Through the lookup: derived from the record number and the key. */
    vars v = make_vars(&P, &C);
    EXPECT_FOUND(&v, "booking.ref", REF_A1003);
    EXPECT_FOUND(&v, "booking.ref", REF_A1003);

    /* Another patient, another reference. */
    patient p2;
    mp_err e;
    err_clear(&e);
    CHECK_INT(patient_load_yaml(put("patient2.yaml", "first_name: Ana\nmrn: A1004\n"), A, &p2, &e),
              0);
    vars v2 = make_vars(&p2, &C);
    EXPECT_FOUND(&v2, "booking.ref", REF_A1004);

    /* A booking_ref in the data is used as it is, key or no key. */
    patient p3;
    err_clear(&e);
    CHECK_INT(
        patient_load_yaml(put("patient3.yaml", "mrn: A1003\nbooking_ref: APPT-889\n"), A, &p3, &e),
        0);
    vars v3 = make_vars(&p3, &C);
    EXPECT_FOUND(&v3, "booking.ref", "APPT-889");
    vars v3k = make_vars(&p3, &C_NOKEY);
    EXPECT_FOUND(&v3k, "booking.ref", "APPT-889");
    /* Both are scheduling facts: the URL may carry them. */
    EXPECT_FOUND(&v3, "patient.booking_ref", "APPT-889");

    /* No booking_ref and no key: unusable, with the reason. */
    vars vk = make_vars(&P, &C_NOKEY);
    EXPECT_STATUS(&vk, "booking.ref", FILL_INVALID,
                  "needs the patient's booking_ref or the clinic's booking_key");
    vars vnc = make_vars(&P, NULL);
    EXPECT_STATUS(&vnc, "booking.ref", FILL_INVALID,
                  "needs the patient's booking_ref or the clinic's booking_key");
    /* No record number to derive it from: missing. */
    patient p4;
    err_clear(&e);
    CHECK_INT(patient_load_yaml(put("patient4.yaml", "first_name: Ana\n"), A, &p4, &e), 0);
    vars v4 = make_vars(&p4, &C);
    EXPECT_STATUS(&v4, "booking.ref", FILL_MISSING, NULL);
}

/* ---- vars_fill ------------------------------------------------------------- */

static void expect_fill_err_n(int src_line, vars *v, size_t block, int line, int col,
                              const char *msg)
{
    if (!ready || block >= F.nblocks)
        return;
    mp_text out;
    mp_err e;
    err_clear(&e);
    int rc = vars_fill(v, &F.blocks[block].text, &out, &e);
    int before = check_failures;
    CHECK_INT(rc, EX_DATAERR);
    CHECK_STR(e.file, F.doc->path);
    CHECK_INT(e.line, line);
    CHECK_INT(e.col, col);
    CHECK_STR(e.msg, msg);
    if (check_failures != before)
        fprintf(stderr, "  (in the case at %s:%d)\n", __FILE__, src_line);
}

#define EXPECT_FILL_ERR(v, block, line, col, msg)                                                  \
    expect_fill_err_n(__LINE__, v, block, line, col, msg)

static void test_fill(void)
{
    if (!ready)
        return;
    vars v = make_vars(&P, &C);
    mp_text out;
    mp_err e;
    err_clear(&e);
    CHECK_INT(vars_fill(&v, &F.blocks[0].text, &out, &e), 0);
    CHECK_STR(out.s, "Dear Jos\xC3\xA9, see Jos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z.");
    CHECK_INT(out.len, strlen("Dear Jos\xC3\xA9, see Jos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z."));
    /* The filled text keeps its place in the form. */
    CHECK(out.node == F.blocks[0].text.node);
    CHECK(out.doc == F.doc);
    /* The form's own text is left as it was. */
    CHECK_STR(F.blocks[0].text.s, "Dear {{patient.first_name}}, see {{ patient.name }}.");

    err_clear(&e);
    CHECK_INT(vars_fill(&v, &F.blocks[3].text, &out, &e), 0);
    /* A literal block's lone line breaks are spaces (form.c: only a blank
     * line starts a new paragraph, whatever the YAML style). */
    CHECK_STR(out.s, "Booking: https://b.example/" REF_A1003 " ");

    err_clear(&e);
    CHECK_INT(vars_fill(&v, &F.blocks[5].text, &out, &e), 0);
    CHECK_STR(out.s, "Born April 12, 1968, seen January 5, 2027 at Harbor Test Clinic "
                     "(vt-consent 2.1)");

    /* An unset text stays unset. */
    mp_text unset = {0};
    err_clear(&e);
    CHECK_INT(vars_fill(&v, &unset, &out, &e), 0);
    CHECK(out.s == NULL);

    /* Errors at the exact place of the placeholder. */
    EXPECT_FILL_ERR(&v, 1, 9, 22, "unknown placeholder {{patient.frist_name}}");
    EXPECT_FILL_ERR(&v, 2, 10, 24,
                    "placeholder {{patient.clinician}}: the patient data has no clinician");
    /* ... naming the missing field apart, for the walk-in form (serve). */
    err_clear(&e);
    CHECK(vars_fill(&v, &F.blocks[2].text, &out, &e) != 0);
    CHECK_STR(e.field, "clinician");
    err_clear(&e);
    CHECK(vars_fill(&v, &F.blocks[1].text, &out, &e) != 0); /* unknown: no field */
    CHECK_STR(e.field, "");
    EXPECT_FILL_ERR(&v, 4, 14, 20, "unknown placeholder {{patient.nope}}");
    EXPECT_FILL_ERR(&v, 6, 16, 23, "unterminated placeholder: \"{{\" without \"}}\"");
    vars vk = make_vars(&P, &C_NOKEY);
    EXPECT_FILL_ERR(&vk, 3, 13, 25,
                    "placeholder {{booking.ref}}: needs the patient's booking_ref or the "
                    "clinic's booking_key");

    /* patient.name needs both names; the message says so. */
    patient half;
    err_clear(&e);
    CHECK_INT(patient_load_yaml(put("half.yaml", "first_name: Ana\nmrn: A1\n"), A, &half, &e), 0);
    vars vh = make_vars(&half, &C);
    EXPECT_FILL_ERR(&vh, 0, 8, 49,
                    "placeholder {{patient.name}}: the patient data has no first_name and "
                    "last_name");
    err_clear(&e);
    CHECK(vars_fill(&vh, &F.blocks[0].text, &out, &e) != 0);
    CHECK_STR(e.field, "first_name");
}

/* A URL gets every value percent-encoded and its dates as YYYY-MM-DD; a
 * title's own placeholders are filled, and a title that names itself is an
 * error, not a loop. */
static void test_fill_url_and_title(void)
{
    if (!ready)
        return;
    patient odd;
    mp_err e;
    err_clear(&e);
    CHECK_INT(patient_load_yaml(put("odd.yaml", "first_name: Ana\nmrn: A1\n"
                                                "booking_ref: \"A B/?#&x\"\n"
                                                "appointment_date: 2026-12-01\n"),
                                A, &odd, &e),
              0);
    vars v = make_vars(&odd, &C);
    mp_text url = {.s = "https://b.example/r/{{booking.ref}}?d={{patient.appointment_date}}"
                        "&t={{today}}&n={{patient.first_name}}%20x",
                   .len = 0};
    url.len = strlen(url.s);
    mp_text out;
    CHECK_INT(vars_fill_url(&v, &url, &out, &e), 0);
    CHECK_STR(out.s, "https://b.example/r/A%20B%2F%3F%23%26x?d=2026-12-01&t=2027-01-05&n=Ana%20x");
    /* Outside a URL, the same values read as prose again. */
    mp_text prose = {.s = "{{patient.appointment_date}} {{today}}", .len = 0};
    prose.len = strlen(prose.s);
    CHECK_INT(vars_fill(&v, &prose, &out, &e), 0);
    CHECK_STR(out.s, "December 1, 2026 January 5, 2027");

    form titled = F;
    titled.title = (mp_text){.s = "Consent at {{clinic.name}} ({{form.id}})", .len = 0};
    titled.title.len = strlen(titled.title.s);
    v.form = &titled;
    mp_text t = {.s = "{{form.title}}", .len = 14};
    CHECK_INT(vars_fill(&v, &t, &out, &e), 0);
    CHECK_STR(out.s, "Consent at Harbor Test Clinic (vt-consent)");
    titled.title = (mp_text){.s = "Loop {{form.title}}", .len = 19};
    err_clear(&e);
    CHECK(vars_fill(&v, &t, &out, &e) != 0);
    CHECK_STR(e.msg, "placeholder {{form.title}}: the form's title names itself");
}

/* patient_value_problem: one rule for dates, times and yes/no, whatever the
 * source; the date order is the clinic's word, never a guess. */
static void test_values(void)
{
    struct {
        const char *name, *value;
        date_order order;
        const char *want_problem, *want_value;
    } cases[] = {
        {"dob", "1968-04-12", DATE_ORDER_ISO, NULL, "1968-04-12"},
        {"dob", "04/12/1968", DATE_ORDER_ISO, "is not a valid date (write it as YYYY-MM-DD)", NULL},
        {"dob", "04/12/1968", DATE_ORDER_MDY, NULL, "1968-04-12"},
        {"dob", "4/2/1968", DATE_ORDER_MDY, NULL, "1968-04-02"},
        {"dob", "04/12/1968", DATE_ORDER_DMY, NULL, "1968-12-04"},
        {"dob", "1968-04-12", DATE_ORDER_MDY, NULL, "1968-04-12"},
        {"dob", "13/12/1968", DATE_ORDER_MDY,
         "is not a date that exists (check the month and the day)", NULL},
        {"dob", "04/12/68", DATE_ORDER_MDY,
         "is not a valid date (write it as MM/DD/YYYY or YYYY-MM-DD)", NULL},
        {"dob", "9999-12-31", DATE_ORDER_ISO, "is not a date from the years 1800 to 2999", NULL},
        {"dob", "0001-01-01", DATE_ORDER_ISO, "is not a date from the years 1800 to 2999", NULL},
        {"appointment_date", "1968-02-30", DATE_ORDER_ISO,
         "is not a date that exists (check the month and the day)", NULL},
        {"appointment_time", "9:05", DATE_ORDER_ISO, NULL, "09:05"},
        {"appointment_time", "2:30 PM", DATE_ORDER_ISO, NULL, "14:30"},
        {"appointment_time", "12:00 am", DATE_ORDER_ISO, NULL, "00:00"},
        {"appointment_time", "25:99", DATE_ORDER_ISO,
         "is not a time (write it as 14:30 or 2:30 PM)", NULL},
        {"appointment_time", "13:00 PM", DATE_ORDER_ISO,
         "is not a time (write it as 14:30 or 2:30 PM)", NULL},
        {"large_print", "Yes", DATE_ORDER_ISO, NULL, "Yes"},
        {"large_print", "maybe", DATE_ORDER_ISO, "must be yes or no (or empty)", NULL},
        {"room", "12B", DATE_ORDER_ISO, NULL, "12B"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mp_text v = {.s = cases[i].value, .len = strlen(cases[i].value)};
        const char *why = patient_value_problem(cases[i].name, &v, cases[i].order, A);
        if (cases[i].want_problem) {
            CHECK(why != NULL);
            if (why)
                CHECK_STR(why, cases[i].want_problem);
        } else {
            CHECK(why == NULL);
            CHECK_STR(v.s, cases[i].want_value);
        }
    }
}

/* An error inside a quoted or folded text points at the placeholder itself,
 * escapes and line folds counted, not at the text's start. */
static void test_positions(void)
{
    static const char text[] = "kind: handout\n"                                            /* 1 */
                               "id: pos\n"                                                  /* 2 */
                               "title: Positions\n"                                         /* 3 */
                               "version: \"1\"\n"                                           /* 4 */
                               "language: en\n"                                             /* 5 */
                               "status: draft\n"                                            /* 6 */
                               "blocks:\n"                                                  /* 7 */
                               "  - paragraph: \"caf\\u00e9 \\\"x\\\" {{patient.nope}}\"\n" /* 8 */
                               "  - paragraph: 'it''s {{patient.nope}}'\n"                  /* 9 */
                               "  - paragraph: \"one\n"                                     /* 10 */
                               "      two {{patient.nope}}\"\n"                             /* 11 */
                               "  - paragraph: plain text\n"                                /* 12 */
                               "      folded {{patient.nope}}\n";                           /* 13 */
    packet pk;
    mp_err e;
    err_clear(&e);
    CHECK_INT(packet_load(put("pos.yaml", text), A, &pk, &e), 0);
    if (e.code) {
        fprintf(stderr, "  %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
        return;
    }
    const form *f = pk.entries[0].form;
    vars v = make_vars(&P, &C);
    v.form = f;
    const int want[][2] = {{8, 33}, {9, 23}, {11, 11}, {13, 14}};
    for (size_t i = 0; i < 4 && i < f->nblocks; i++) {
        mp_text out;
        err_clear(&e);
        CHECK_INT(vars_fill(&v, &f->blocks[i].text, &out, &e), EX_DATAERR);
        CHECK_INT(e.line, want[i][0]);
        CHECK_INT(e.col, want[i][1]);
    }
}

/* ---- the QR privacy rule ------------------------------------------------- */

static bool identifies(const char *name)
{
    return vars_identifies_patient(name, strlen(name));
}

static void test_identifies(void)
{
    CHECK(identifies("patient.mrn"));
    CHECK(identifies("patient.name"));
    CHECK(identifies("patient.dob"));
    CHECK(identifies("patient.first_name"));
    CHECK(identifies("patient.last_name"));
    CHECK(identifies("patient.phone"));
    CHECK(identifies("patient.email"));
    CHECK(identifies("patient.address"));
    CHECK(identifies("patient.some_custom_field"));
    CHECK(!identifies("patient.booking_ref"));
    CHECK(!identifies("patient.appointment_id"));
    CHECK(!identifies("patient.appointment_date"));
    CHECK(!identifies("clinic.name"));
    CHECK(!identifies("clinic.phone"));
    CHECK(!identifies("booking.ref"));
    CHECK(!identifies("form.id"));
    CHECK(!identifies("today"));
    /* The length is honoured: "patient.mrn" cut to "patient." is no field. */
    CHECK(!vars_identifies_patient("patient.mrn", 8));
    CHECK(vars_identifies_patient("patient.mrnXYZ", 11));
}

/* ---- patient_load_yaml ---------------------------------------------------- */

static void expect_patient_err_n(int src_line, const char *name, const char *text, int line,
                                 int col, const char *msg)
{
    const char *path = put(name, text);
    patient p;
    mp_err e;
    err_clear(&e);
    int rc = patient_load_yaml(path, A, &p, &e);
    int before = check_failures;
    CHECK_INT(rc, EX_DATAERR);
    CHECK_STR(e.file, path);
    CHECK_INT(e.line, line);
    CHECK_INT(e.col, col);
    CHECK_STR(e.msg, msg);
    if (check_failures != before)
        fprintf(stderr, "  (in the case at %s:%d)\n", __FILE__, src_line);
}

#define EXPECT_PATIENT_ERR(text, line, col, msg)                                                   \
    expect_patient_err_n(__LINE__, "bad-patient.yaml", text, line, col, msg)

static void test_patient_load(void)
{
    /* The good file: every non-empty field, in order, with its place. */
    CHECK_INT(P.nfields, 6);
    CHECK(P.source != NULL && strstr(P.source, "/patient.yaml") != NULL);
    if (P.nfields == 6) {
        CHECK_STR(P.fields[0].name, "first_name");
        CHECK_STR(P.fields[5].name, "favourite_colour");
    }
    const mp_text *mrn = patient_get(&P, "mrn", 3);
    CHECK(mrn != NULL);
    if (mrn) {
        CHECK_STR(mrn->s, "A1003");
        CHECK_INT(mrn->node->line, 5);
        CHECK_INT(mrn->node->col, 6);
    }
    CHECK(patient_get(&P, "clinician", 9) == NULL);
    CHECK(patient_get(&P, "mr", 2) == NULL);
    CHECK(patient_is_date_field("dob", 3));
    CHECK(patient_is_date_field("appointment_date", 16));
    CHECK(patient_is_date_field("surgery_date", 12));
    CHECK(!patient_is_date_field("_date", 5));
    CHECK(!patient_is_date_field("dobs", 4));
    CHECK(!patient_is_date_field("date", 4));

    EXPECT_PATIENT_ERR("first_name: Jos\xC3\xA9\n" /* 1 */
                       "dob: 12/04/1968\n",        /* 2 */
                       2, 6, "field dob is not a valid date (write it as YYYY-MM-DD)");
    EXPECT_PATIENT_ERR("first_name: Jos\xC3\xA9\n" /* 1 */
                       "dob: 1968-4-12\n",         /* 2 */
                       2, 6, "field dob is not a valid date (write it as YYYY-MM-DD)");
    EXPECT_PATIENT_ERR("first_name: Jos\xC3\xA9\n" /* 1 */
                       "dob: 1968-02-30\n",        /* 2 */
                       2, 6, "field dob is not a date that exists (check the month and the day)");
    EXPECT_PATIENT_ERR("mrn: A1\n"                      /* 1 */
                       "dob: 1968-04-12\n"              /* 2 */
                       "appointment_date: 2026-12-1\n", /* 3 */
                       3, 19,
                       "field appointment_date is not a valid date (write it as YYYY-MM-DD)");
    /* A list of patients is batch's input, not render's. */
    EXPECT_PATIENT_ERR("- first_name: Ana\n" /* 1 */
                       "  mrn: A1\n"         /* 2 */
                       "- first_name: Bea\n" /* 3 */
                       "  mrn: A2\n",        /* 4 */
                       1, 1, "this file lists 2 patients; render takes one patient per file");
    EXPECT_PATIENT_ERR("First_Name: Ana\n", 1, 1,
                       "field name \"First_Name\" may hold only a-z, 0-9 and _");
    EXPECT_PATIENT_ERR("mrn: A1\nfirst_name: [Ana]\n", 2, 13,
                       "field first_name must be a text, not a list");
    EXPECT_PATIENT_ERR("just a text\n", 1, 1,
                       "patient data must be a mapping of fields (first_name: ...)");

    /* Empty values are missing ones, however they are written. */
    patient p;
    mp_err e;
    err_clear(&e);
    int rc = patient_load_yaml(put("empties.yaml", "first_name: Ana\n"      /* 1 */
                                                   "last_name: \"\"\n"      /* 2 */
                                                   "clinician:\n"           /* 3 */
                                                   "phone: ~\n"             /* 4 */
                                                   "email: ''\n"            /* 5 */
                                                   "dob:\n"                 /* 6 */
                                                   "surgery_date: null\n"), /* 7 */
                               A, &p, &e);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "  %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
    CHECK(patient_get(&p, "first_name", 10) != NULL);
    CHECK(patient_get(&p, "last_name", 9) == NULL);
    CHECK(patient_get(&p, "clinician", 9) == NULL);
    CHECK(patient_get(&p, "phone", 5) == NULL);
    CHECK(patient_get(&p, "email", 5) == NULL);
    CHECK(patient_get(&p, "dob", 3) == NULL);
    CHECK(patient_get(&p, "surgery_date", 12) == NULL);
    vars v = make_vars(&p, &C);
    EXPECT_STATUS(&v, "patient.last_name", FILL_MISSING, NULL);
    EXPECT_STATUS(&v, "patient.name", FILL_MISSING, NULL);
    EXPECT_STATUS(&v, "patient.dob", FILL_MISSING, NULL);

    /* An empty quoted date ("" or '') is missing, like every other empty
     * value and like a date written `dob:`. */
    err_clear(&e);
    rc = patient_load_yaml(put("empty-date.yaml", "first_name: Ana\n"
                                                  "appointment_date: \"\"\n"),
                           A, &p, &e);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "  (empty quoted date) %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
    else
        CHECK(patient_get(&p, "appointment_date", 16) == NULL);

    err_clear(&e);
    CHECK_INT(patient_load_yaml(put("empty.yaml", ""), A, &p, &e), EX_DATAERR);
    CHECK_STR(e.msg, "the file is empty");
    err_clear(&e);
    const char *none = arena_printf(PATHS, "%s/no-such-patient.yaml", tmp);
    CHECK_INT(patient_load_yaml(none, A, &p, &e), EX_NOINPUT);
}

int main(void)
{
    A = arena_new();
    PATHS = arena_new();
    if (!A || !PATHS || !mkdtemp(tmp)) {
        fprintf(stderr, "cannot set up the test\n");
        return 1;
    }
    load_all();
    test_lookup();
    test_booking_ref();
    test_fill();
    test_fill_url_and_title();
    test_values();
    test_positions();
    test_identifies();
    test_patient_load();
    cleanup();
    arena_free(PATHS);
    arena_free(A);
    CHECK_DONE();
}
