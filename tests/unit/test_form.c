/* Unit tests for form.c: forms, packets and clinic settings load into the
 * typed model with their positions; every schema error carries the exact
 * message and the exact line:col a clinic would fix; text_err maps an offset
 * inside a text back to its place in the YAML file.
 *
 * Each case writes its YAML into a fresh temporary folder, with the line
 * number of every line in a comment beside it, so that the expected position
 * can be read off the test itself. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "form.h"
#include "tmptree.h"

static arena *A;     /* everything the loaders build; freed at the end */
static arena *PATHS; /* the test's own paths */
/* ---- expecting errors ------------------------------------------------- */

static void expect_err(int src_line, int rc, const mp_err *e, int code, const char *file, int line,
                       int col, const char *msg)
{
    int before = check_failures;
    CHECK_INT(rc, code);
    CHECK_INT(e->code, code);
    CHECK_STR(e->file, file);
    CHECK_INT(e->line, line);
    CHECK_INT(e->col, col);
    CHECK_STR(e->msg, msg);
    if (check_failures != before)
        fprintf(stderr, "  (in the case at %s:%d)\n", __FILE__, src_line);
}

/* Loads path as a packet into *p and expects it to load; a failure is
 * counted and its message printed. */
static bool load_ok(const char *path, packet *p)
{
    mp_err e;
    err_clear(&e);
    int rc = packet_load(path, A, p, &e);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "  %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
    return rc == 0;
}

/* Writes text to rel, loads it with packet_load, and expects an EX_DATAERR
 * in that same file at line:col with msg. */
static void expect_load_err(int src_line, const char *rel, const char *text, int line, int col,
                            const char *msg)
{
    const char *path = put(rel, text);
    packet p;
    mp_err e;
    err_clear(&e);
    int rc = packet_load(path, A, &p, &e);
    expect_err(src_line, rc, &e, EX_DATAERR, path, line, col, msg);
}

#define EXPECT_LOAD_ERR(text, line, col, msg)                                                      \
    expect_load_err(__LINE__, "bad.yaml", text, line, col, msg)

static void expect_clinic_err(int src_line, const char *text, int line, int col, const char *msg)
{
    const char *path = put("bad-clinic.yaml", text);
    clinic c;
    mp_err e;
    err_clear(&e);
    int rc = clinic_load(path, A, &c, &e);
    expect_err(src_line, rc, &e, EX_DATAERR, path, line, col, msg);
}

#define EXPECT_CLINIC_ERR(text, line, col, msg) expect_clinic_err(__LINE__, text, line, col, msg)

/* A text is what it says, and it came from where it says. */
static void check_text_n(int src_line, const mp_text *t, const char *s, int line, int col)
{
    int before = check_failures;
    CHECK_STR(t->s, s);
    if (t->s)
        CHECK_INT(t->len, strlen(s));
    CHECK(t->node != NULL);
    CHECK(t->doc != NULL);
    if (t->node) {
        CHECK_INT(t->node->line, line);
        CHECK_INT(t->node->col, col);
    }
    if (check_failures != before)
        fprintf(stderr, "  (in the text checked at %s:%d)\n", __FILE__, src_line);
}

#define CHECK_TEXT(t, s, line, col) check_text_n(__LINE__, t, s, line, col)

/* The first lines of every bad form below: a valid head, then "blocks:" on
 * line 7, so that the first block is on line 8. */
#define HEAD                                                                                       \
    "kind: consent\n"      /* 1 */                                                                 \
    "id: t-1\n"            /* 2 */                                                                 \
    "title: T\n"           /* 3 */                                                                 \
    "version: \"1.0\"\n"   /* 4 */                                                                 \
    "language: en\n"       /* 5 */                                                                 \
    "status: draft\n"      /* 6 */
#define BLOCKS "blocks:\n" /* 7 */

/* ---- good documents ----------------------------------------------------- */

static const char good_consent[] =
    "# A consent form with every kind of block.\n"                    /* 1 */
    "kind: consent\n"                                                 /* 2 */
    "id: tpi-consent.v2\n"                                            /* 3 */
    "title: Consent for Trigger Point Injections\n"                   /* 4 */
    "version: \"1.0\"\n"                                              /* 5 */
    "language: en\n"                                                  /* 6 */
    "status: approved\n"                                              /* 7 */
    "approved_by: Dr. Ana Ruiz\n"                                     /* 8 */
    "approved_on: 2026-11-02\n"                                       /* 9 */
    "qr_allows_patient_data: no\n"                                    /* 10 */
    "blocks:\n"                                                       /* 11 */
    "  - patient_id: [name, dob, mrn, appointment_date, clinician]\n" /* 12 */
    "  - heading: What is the procedure?\n"                           /* 13 */
    "  - paragraph: >\n"                                              /* 14 */
    "      Trigger points are\n"                                      /* 15 */
    "      tight knots.\n"                                            /* 16 */
    "\n"                                                              /* 17 */
    "      Second paragraph.\n"                                       /* 18 */
    "  - list:\n"                                                     /* 19 */
    "      - Wear loose clothing.\n"                                  /* 20 */
    "      - Eat a light meal.\n"                                     /* 21 */
    "  - benefits:\n"                                                 /* 22 */
    "      - title: Less pain\n"                                      /* 23 */
    "        text: It may help.\n"                                    /* 24 */
    "  - risks:\n"                                                    /* 25 */
    "      - title: Soreness\n"                                       /* 26 */
    "        text: The spot may be sore.\n"                           /* 27 */
    "      - title: Bruising\n"                                       /* 28 */
    "      - text: A risk with no title.\n"                           /* 29 */
    "  - alternatives:\n"                                             /* 30 */
    "      - title: Physical therapy\n"                               /* 31 */
    "        text: Stretching.\n"                                     /* 32 */
    "      - Doing nothing.\n"                                        /* 33 */
    "  - checkboxes:\n"                                               /* 34 */
    "      - I have read this form.\n"                                /* 35 */
    "      - My questions were answered.\n"                           /* 36 */
    "  - signatures:\n"                                               /* 37 */
    "      - role: Patient or legal representative\n"                 /* 38 */
    "        extra: [Relationship to patient, Phone]\n"               /* 39 */
    "      - role: Clinician\n"                                       /* 40 */
    "      - role: Witness\n"                                         /* 41 */
    "        printed_name: false\n"                                   /* 42 */
    "        date: yes\n"                                             /* 43 */
    "        time: off\n"                                             /* 44 */
    "  - page_break: true\n"                                          /* 45 */
    "  - booking_qr:\n"                                               /* 46 */
    "      caption: Scan to book your follow-up visit\n"              /* 47 */
    "      url: https://book.example/r/{{booking.ref}}\n"             /* 48 */
    "  - booking_qr: {}\n";                                           /* 49 */

static void test_good_form(void)
{
    const char *path = put("good-consent.yaml", good_consent);
    packet p;
    if (!load_ok(path, &p))
        return;
    /* A single form is a packet of one, with no packet document. */
    CHECK(p.doc == NULL);
    CHECK_INT(p.nentries, 1);
    CHECK_STR(p.entries[0].path, path);
    CHECK(p.entries[0].copy_label.s == NULL);
    CHECK_STR(p.id.s, "tpi-consent.v2");
    CHECK_STR(p.title.s, "Consent for Trigger Point Injections");
    CHECK(p.clinic.s == NULL);

    const form *f = p.entries[0].form;
    CHECK(f->doc != NULL);
    CHECK_STR(f->doc->path, path);
    CHECK_INT(f->kind, FORM_CONSENT);
    CHECK_INT(f->status, FORM_APPROVED);
    CHECK_TEXT(&f->id, "tpi-consent.v2", 3, 5);
    CHECK_TEXT(&f->title, "Consent for Trigger Point Injections", 4, 8);
    CHECK_TEXT(&f->version, "1.0", 5, 10);
    CHECK_TEXT(&f->language, "en", 6, 11);
    CHECK_TEXT(&f->approved_by, "Dr. Ana Ruiz", 8, 14);
    CHECK_TEXT(&f->approved_on, "2026-11-02", 9, 14);
    CHECK(f->clinic.s == NULL);
    CHECK(!f->qr_allows_patient_data);

    static const block_kind want[] = {
        BLOCK_PATIENT_ID, BLOCK_HEADING,    BLOCK_PARAGRAPH,    BLOCK_LIST,
        BLOCK_BENEFITS,   BLOCK_RISKS,      BLOCK_ALTERNATIVES, BLOCK_CHECKBOXES,
        BLOCK_SIGNATURES, BLOCK_PAGE_BREAK, BLOCK_BOOKING_QR,   BLOCK_BOOKING_QR,
    };
    static const int want_line[] = {12, 13, 14, 19, 22, 25, 30, 34, 37, 45, 46, 49};
    CHECK_INT(f->nblocks, sizeof want / sizeof want[0]);
    if (f->nblocks != sizeof want / sizeof want[0])
        return;
    for (size_t i = 0; i < f->nblocks; i++) {
        CHECK_INT(f->blocks[i].kind, want[i]);
        CHECK_STR(block_kind_name(f->blocks[i].kind), block_kind_name(want[i]));
        /* The block's place is its key. */
        CHECK(f->blocks[i].node != NULL);
        if (f->blocks[i].node) {
            CHECK_INT(f->blocks[i].node->line, want_line[i]);
            CHECK_INT(f->blocks[i].node->col, 5);
        }
    }
    CHECK_STR(block_kind_name(BLOCK_RISKS), "risks");
    CHECK_STR(block_kind_name(BLOCK_PAGE_BREAK), "page_break");

    const form_block *b = &f->blocks[0]; /* patient_id */
    static const patient_field fields[] = {PATIENT_FIELD_NAME, PATIENT_FIELD_DOB, PATIENT_FIELD_MRN,
                                           PATIENT_FIELD_APPOINTMENT_DATE, PATIENT_FIELD_CLINICIAN};
    static const char *const field_words[] = {"name", "dob", "mrn", "appointment_date",
                                              "clinician"};
    static const int field_cols[] = {18, 24, 29, 34, 52};
    CHECK_INT(b->nfields, 5);
    for (size_t i = 0; i < b->nfields && i < 5; i++) {
        CHECK_INT(b->fields[i], fields[i]);
        CHECK_STR(patient_field_name(b->fields[i]), field_words[i]);
        CHECK_INT(b->field_nodes[i]->line, 12);
        CHECK_INT(b->field_nodes[i]->col, field_cols[i]);
    }

    CHECK_TEXT(&f->blocks[1].text, "What is the procedure?", 13, 14);
    /* Folded: a blank line is the paragraph break; the text starts at ">". */
    CHECK_TEXT(&f->blocks[2].text, "Trigger points are tight knots.\nSecond paragraph.\n", 14, 16);
    CHECK_INT(f->blocks[2].text.node->style, YSTYLE_FOLDED);

    b = &f->blocks[3]; /* list */
    CHECK_INT(b->nitems, 2);
    if (b->nitems == 2) {
        CHECK(b->items[0].title.s == NULL);
        CHECK_TEXT(&b->items[0].text, "Wear loose clothing.", 20, 9);
        CHECK_TEXT(&b->items[1].text, "Eat a light meal.", 21, 9);
    }

    b = &f->blocks[4]; /* benefits */
    CHECK_INT(b->nitems, 1);
    if (b->nitems == 1) {
        CHECK_TEXT(&b->items[0].title, "Less pain", 23, 16);
        CHECK_TEXT(&b->items[0].text, "It may help.", 24, 15);
    }

    b = &f->blocks[5]; /* risks: title + text, title only, text only */
    CHECK_INT(b->nitems, 3);
    if (b->nitems == 3) {
        CHECK_TEXT(&b->items[0].title, "Soreness", 26, 16);
        CHECK_TEXT(&b->items[0].text, "The spot may be sore.", 27, 15);
        CHECK_TEXT(&b->items[1].title, "Bruising", 28, 16);
        CHECK(b->items[1].text.s == NULL);
        CHECK(b->items[2].title.s == NULL);
        CHECK_TEXT(&b->items[2].text, "A risk with no title.", 29, 15);
    }

    b = &f->blocks[6]; /* alternatives: a plain text item is a text without a title */
    CHECK_INT(b->nitems, 2);
    if (b->nitems == 2) {
        CHECK_TEXT(&b->items[0].title, "Physical therapy", 31, 16);
        CHECK_TEXT(&b->items[0].text, "Stretching.", 32, 15);
        CHECK(b->items[1].title.s == NULL);
        CHECK_TEXT(&b->items[1].text, "Doing nothing.", 33, 9);
    }

    b = &f->blocks[7]; /* checkboxes */
    CHECK_INT(b->nitems, 2);
    if (b->nitems == 2) {
        CHECK(b->items[0].title.s == NULL);
        CHECK_TEXT(&b->items[0].text, "I have read this form.", 35, 9);
        CHECK_TEXT(&b->items[1].text, "My questions were answered.", 36, 9);
    }

    b = &f->blocks[8]; /* signatures: defaults true, overrides as written */
    CHECK_INT(b->nsigs, 3);
    if (b->nsigs == 3) {
        const form_signature *s = &b->sigs[0];
        CHECK_TEXT(&s->role, "Patient or legal representative", 38, 15);
        CHECK(s->printed_name);
        CHECK(s->date);
        CHECK(s->time);
        CHECK_INT(s->nextra, 2);
        if (s->nextra == 2) {
            CHECK_TEXT(&s->extra[0], "Relationship to patient", 39, 17);
            CHECK_TEXT(&s->extra[1], "Phone", 39, 42);
        }
        s = &b->sigs[1];
        CHECK_TEXT(&s->role, "Clinician", 40, 15);
        CHECK(s->printed_name);
        CHECK(s->date);
        CHECK(s->time);
        CHECK_INT(s->nextra, 0);
        s = &b->sigs[2];
        CHECK_TEXT(&s->role, "Witness", 41, 15);
        CHECK(!s->printed_name);
        CHECK(s->date);
        CHECK(!s->time);
        CHECK_INT(s->nextra, 0);
    }

    b = &f->blocks[10]; /* booking_qr with caption and url */
    CHECK_TEXT(&b->text, "Scan to book your follow-up visit", 47, 16);
    CHECK_TEXT(&b->url, "https://book.example/r/{{booking.ref}}", 48, 12);
    b = &f->blocks[11]; /* booking_qr with neither: both unset */
    CHECK(b->text.s == NULL);
    CHECK(b->url.s == NULL);
}

static void test_good_handout(void)
{
    const char *path = put("handout.yaml", "kind: handout\n"                  /* 1 */
                                           "id: tpi_handout\n"                /* 2 */
                                           "title: About trigger points\n"    /* 3 */
                                           "version: 2026-1\n"                /* 4 */
                                           "language: en\n"                   /* 5 */
                                           "status: draft\n"                  /* 6 */
                                           "clinic: ../clinic.yaml\n"         /* 7 */
                                           "qr_allows_patient_data: true\n"   /* 8 */
                                           "blocks:\n"                        /* 9 */
                                           "  - heading: Before you come\n"); /* 10 */
    packet p;
    if (!load_ok(path, &p) || p.nentries != 1)
        return;
    const form *f = p.entries[0].form;
    CHECK_INT(f->kind, FORM_HANDOUT);
    CHECK_INT(f->status, FORM_DRAFT);
    CHECK_TEXT(&f->version, "2026-1", 4, 10);
    CHECK(f->approved_by.s == NULL);
    CHECK(f->approved_on.s == NULL);
    CHECK_TEXT(&f->clinic, "../clinic.yaml", 7, 9);
    CHECK(f->qr_allows_patient_data);
    /* A single form's clinic is the packet's. */
    CHECK_STR(p.clinic.s, "../clinic.yaml");
    CHECK_INT(f->nblocks, 1);
    CHECK_INT(f->blocks[0].kind, BLOCK_HEADING);
}

static void test_good_packet(void)
{
    mkdir_rel("pk");
    mkdir_rel("pk/sub");
    put("pk/handout.yaml", "kind: handout\nid: h\ntitle: Handout\nversion: \"1\"\n"
                           "language: en\nstatus: draft\nblocks:\n  - heading: H\n");
    put("pk/sub/consent.yaml", "kind: consent\nid: c\ntitle: Consent\nversion: \"1\"\n"
                               "language: en\nstatus: approved\nblocks:\n"
                               "  - signatures:\n      - role: Patient\n");
    const char *path = put("pk/packet.yaml", "kind: packet\n"               /* 1 */
                                             "id: tpi-packet\n"             /* 2 */
                                             "title: TPI packet\n"          /* 3 */
                                             "clinic: ../clinic.yaml\n"     /* 4 */
                                             "forms:\n"                     /* 5 */
                                             "  - handout.yaml\n"           /* 6 */
                                             "  - sub/consent.yaml\n"       /* 7 */
                                             "  - form: sub/consent.yaml\n" /* 8 */
                                             "    copy: Patient copy\n"     /* 9 */
                                             "  - ./handout.yaml\n");       /* 10 */
    packet p;
    if (!load_ok(path, &p))
        return;
    CHECK(p.doc != NULL);
    CHECK_TEXT(&p.id, "tpi-packet", 2, 5);
    CHECK_TEXT(&p.title, "TPI packet", 3, 8);
    CHECK_TEXT(&p.clinic, "../clinic.yaml", 4, 9);
    CHECK_INT(p.nentries, 4);
    if (p.nentries != 4)
        return;
    /* In order, each resolved against the packet's folder. */
    CHECK_STR(p.entries[0].path, at("pk/handout.yaml"));
    CHECK_STR(p.entries[1].path, at("pk/sub/consent.yaml"));
    CHECK_STR(p.entries[2].path, at("pk/sub/consent.yaml"));
    CHECK_STR(p.entries[3].path, at("pk/./handout.yaml"));
    CHECK_STR(p.entries[0].form->id.s, "h");
    CHECK_INT(p.entries[0].form->kind, FORM_HANDOUT);
    CHECK_STR(p.entries[1].form->id.s, "c");
    CHECK_INT(p.entries[1].form->kind, FORM_CONSENT);
    CHECK_STR(p.entries[2].form->id.s, "c");
    CHECK_STR(p.entries[3].form->id.s, "h");
    /* Each form's texts point into its own file. */
    CHECK_STR(p.entries[1].form->doc->path, at("pk/sub/consent.yaml"));
    CHECK_STR(p.entries[1].form->id.doc->path, at("pk/sub/consent.yaml"));
    /* Copy labels: only where given, with their place in the packet. */
    CHECK(p.entries[0].copy_label.s == NULL);
    CHECK(p.entries[1].copy_label.s == NULL);
    CHECK_TEXT(&p.entries[2].copy_label, "Patient copy", 9, 11);
    CHECK(p.entries[2].copy_label.doc == p.doc);
    CHECK(p.entries[3].copy_label.s == NULL);
}

/* ---- bad documents ------------------------------------------------------- */

static void test_unknown_keys(void)
{
    /* Unknown keys name the key, then where it is (forms/README.md). */
    EXPECT_LOAD_ERR(HEAD "aproved_by: Dr. Ruiz\n" /* 7 */
                         "blocks:\n"              /* 8 */
                         "  - heading: H\n",      /* 9 */
                    7, 1, "unknown key \"aproved_by\" in a form; did you mean \"approved_by\"?");
    EXPECT_LOAD_ERR(
        HEAD "colour: red\n" BLOCKS "  - heading: H\n", 7, 1,
        "unknown key \"colour\" in a form (expected one of: kind, id, title, "
        "version, language, status, approved_by, approved_on, approved_wording, "
        "translation_of, clinic, "
        "qr_allows_patient_data, reading_grade, translations, page_size, language_name, blocks)");
    EXPECT_LOAD_ERR(HEAD BLOCKS                  /* 7 */
                    "  - risks:\n"               /* 8 */
                    "      - titel: Soreness\n", /* 9 */
                    9, 9, "unknown key \"titel\" in an item; did you mean \"title\"?");
    EXPECT_LOAD_ERR(HEAD BLOCKS                     /* 7 */
                    "  - signatures:\n"             /* 8 */
                    "      - role: Patient\n"       /* 9 */
                    "        printed_nam: false\n", /* 10 */
                    10, 9,
                    "unknown key \"printed_nam\" in a signature; did you mean \"printed_name\"?");

    /* Unknown block types: the hint for a missing plural, and the list when
     * nothing is close. */
    EXPECT_LOAD_ERR(HEAD BLOCKS           /* 7 */
                    "  - heading: H\n"    /* 8 */
                    "  - risk:\n"         /* 9 */
                    "      - Soreness\n", /* 10 */
                    9, 5, "unknown block type \"risk\"; did you mean \"risks\"?");
    EXPECT_LOAD_ERR(HEAD BLOCKS          /* 7 */
                    "  - signature:\n"   /* 8 */
                    "      - role: P\n", /* 9 */
                    8, 5, "unknown block type \"signature\"; did you mean \"signatures\"?");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - table: x\n", 8, 5,
                    "unknown block type \"table\" (expected one of: heading, paragraph, list, "
                    "benefits, risks, alternatives, checkboxes, patient_id, signatures, "
                    "booking_qr, page_break, procedure, questions)");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - patient_id: [name, dobb]\n", 8, 24,
                    "unknown patient_id field \"dobb\"; did you mean \"dob\"?");
    EXPECT_LOAD_ERR("kind: consnet\n", 1, 7, "unknown kind \"consnet\"; did you mean \"consent\"?");
    EXPECT_LOAD_ERR("kind: consent\n"   /* 1 */
                    "id: t-1\n"         /* 2 */
                    "title: T\n"        /* 3 */
                    "version: \"1\"\n"  /* 4 */
                    "language: en\n"    /* 5 */
                    "status: aproved\n" /* 6 */
                    BLOCKS "  - heading: H\n",
                    6, 9, "unknown status \"aproved\"; did you mean \"approved\"?");
}

static void test_wrong_types(void)
{
    EXPECT_LOAD_ERR("kind: consent\n"  /* 1 */
                    "id: t-1\n"        /* 2 */
                    "title: [a, b]\n"  /* 3 */
                    "version: \"1\"\n" /* 4 */
                    "language: en\n"   /* 5 */
                    "status: draft\n"  /* 6 */
                    BLOCKS "  - heading: H\n",
                    3, 8, "title must be a text, not a list");
    EXPECT_LOAD_ERR(HEAD "blocks: {heading: x}\n", 7, 9, "blocks must be a list, not a mapping");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - heading: [a]\n", 8, 14, "heading must be a text, not a list");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - risks: Soreness\n", 8, 12, "risks must be a list, not a text");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - just some text\n", 8, 5,
                    "a block must be a mapping, not a text");
    EXPECT_LOAD_ERR(HEAD BLOCKS             /* 7 */
                    "  - list:\n"           /* 8 */
                    "      - {title: x}\n", /* 9 */
                    9, 9, "an item of this list must be a text, not a mapping");
    EXPECT_LOAD_ERR(HEAD BLOCKS               /* 7 */
                    "  - signatures:\n"       /* 8 */
                    "      - role: Patient\n" /* 9 */
                    "        time: maybe\n",  /* 10 */
                    10, 15, "time must be true or false");
    /* A quoted "yes" is a text, not a boolean. */
    EXPECT_LOAD_ERR(HEAD "qr_allows_patient_data: \"yes\"\n" BLOCKS "  - heading: H\n", 7, 25,
                    "qr_allows_patient_data must be true or false");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - page_break: false\n", 8, 17,
                    "page_break: false means nothing; remove the block");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - booking_qr: Scan me\n", 8, 17,
                    "booking_qr must be a mapping, not a text");
    EXPECT_LOAD_ERR("- kind: consent\n", 1, 1, "a form file must be a mapping, not a list");
    EXPECT_LOAD_ERR("kind: consent\n"  /* 1 */
                    "id: my form\n"    /* 2 */
                    "title: T\n"       /* 3 */
                    "version: \"1\"\n" /* 4 */
                    "language: en\n"   /* 5 */
                    "status: draft\n"  /* 6 */
                    BLOCKS "  - heading: H\n",
                    2, 5, "id may hold only letters, digits, \"-\", \"_\" and \".\" (at most 64)");
    EXPECT_LOAD_ERR("kind: consent\n"    /* 1 */
                    "id: t\n"            /* 2 */
                    "title: T\n"         /* 3 */
                    "version: \"1\"\n"   /* 4 */
                    "language: French\n" /* 5 */
                    "status: draft\n"    /* 6 */
                    BLOCKS "  - heading: H\n",
                    5, 11,
                    "language \"French\" is not a language tag (such as en, es, ar, zh-Hant)");
    EXPECT_LOAD_ERR("kind: consent\n"  /* 1 */
                    "id: t\n"          /* 2 */
                    "title: T\n"       /* 3 */
                    "version: \"1\"\n" /* 4 */
                    "language: zh-\n"  /* 5 */
                    "status: draft\n"  /* 6 */
                    BLOCKS "  - heading: H\n",
                    5, 11, "language \"zh-\" is not a language tag (such as en, es, ar, zh-Hant)");
}

static void test_missing_keys(void)
{
    EXPECT_LOAD_ERR("id: t-1\ntitle: T\n", 1, 1,
                    "missing required key \"kind\" (handout, consent, notice or packet)");
    EXPECT_LOAD_ERR("# no title\n"     /* 1 */
                    "kind: consent\n"  /* 2 */
                    "id: t-1\n"        /* 3 */
                    "version: \"1\"\n" /* 4 */
                    "language: en\n"   /* 5 */
                    "status: draft\n"  /* 6 */
                    BLOCKS "  - heading: H\n",
                    2, 1, "a form is missing required key \"title\"");
    EXPECT_LOAD_ERR(HEAD, 1, 1, "a form is missing required key \"blocks\"");
    EXPECT_LOAD_ERR(HEAD "blocks: []\n", 7, 9, "blocks is empty: a form prints something");
    EXPECT_LOAD_ERR(HEAD BLOCKS                      /* 7 */
                    "  - signatures:\n"              /* 8 */
                    "      - printed_name: false\n", /* 9 */
                    9, 9, "a signature is missing required key \"role\"");
    EXPECT_LOAD_ERR("", 0, 0, "the file is empty");
}

static void test_block_shape(void)
{
    EXPECT_LOAD_ERR(HEAD BLOCKS           /* 7 */
                    "  - heading: H\n"    /* 8 */
                    "    paragraph: P\n", /* 9 */
                    8, 5, "a block has exactly one key, the block's type (it has 2)");
    /* Empty items, written every way. */
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - risks:\n      - \"\"\n", 9, 9, "an item is empty");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - checkboxes:\n      -\n", 9, 8, "an item is empty");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - benefits:\n      - {}\n", 9, 9,
                    "an item needs a title or a text");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - checkboxes: []\n", 8, 17, "checkboxes has no items");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - heading: \"\"\n", 8, 14, "heading is empty");
    EXPECT_LOAD_ERR(HEAD BLOCKS "  - heading: ~\n", 8, 14, "heading is empty");
}

static void test_packet_errors(void)
{
    mkdir_rel("bp");
    put("bp/form.yaml", HEAD BLOCKS "  - heading: H\n");
    const char *inner = put("bp/inner.yaml", "kind: packet\nid: i\ntitle: I\nforms: [form.yaml]\n");
    (void)inner;
    const char *bad_form = put("bp/bad-form.yaml", HEAD BLOCKS "  - risk: [a]\n");
#define PACKET_HEAD                                                                                \
    "kind: packet\n" /* 1 */ "id: p\n" /* 2 */ "title: P\n" /* 3 */ "forms:\n" /* 4 */
    expect_load_err(__LINE__, "bp/p1.yaml", PACKET_HEAD "  - form.yaml\n  - ../outside.yaml\n", 6,
                    5, "form path \"../outside.yaml\" leaves the packet's folder (\"..\")");
    expect_load_err(__LINE__, "bp/p2.yaml", PACKET_HEAD "  - form: sub/../../x.yaml\n", 5, 11,
                    "form path \"sub/../../x.yaml\" leaves the packet's folder (\"..\")");
    expect_load_err(__LINE__, "bp/p3.yaml", PACKET_HEAD "  - ..\n", 5, 5,
                    "form path \"..\" leaves the packet's folder (\"..\")");
    expect_load_err(__LINE__, "bp/p4.yaml", PACKET_HEAD "  - /etc/form.yaml\n", 5, 5,
                    "form path \"/etc/form.yaml\" is absolute; name it relative to the packet");
    expect_load_err(__LINE__, "bp/p6.yaml", PACKET_HEAD "  - inner.yaml\n", 5, 5,
                    "\"inner.yaml\" is a packet; a packet lists forms, not packets");
    expect_load_err(__LINE__, "bp/p7.yaml", "kind: packet\nid: p\ntitle: P\n", 1, 1,
                    "a packet is missing required key \"forms\"");
    expect_load_err(__LINE__, "bp/p8.yaml", PACKET_HEAD "  - copy: Patient copy\n", 5, 5,
                    "a packet entry is missing required key \"form\"");
    expect_load_err(__LINE__, "bp/p9.yaml", "kind: packet\nid: p\ntitle: P\nforms: []\n", 4, 8,
                    "forms is empty");

    /* A form that cannot be opened: EX_NOINPUT, where the packet names it. */
    const char *path = put("bp/p5.yaml", PACKET_HEAD "  - form.yaml\n  - missing.yaml\n");
    packet p;
    mp_err e;
    err_clear(&e);
    int rc = packet_load(path, A, &p, &e);
    expect_err(__LINE__, rc, &e, EX_NOINPUT, path, 6, 5,
               "cannot open form \"missing.yaml\": No such file or directory");

    /* A problem inside a listed form is reported in that form's file. */
    path = put("bp/p10.yaml", PACKET_HEAD "  - form.yaml\n  - bad-form.yaml\n");
    err_clear(&e);
    rc = packet_load(path, A, &p, &e);
    expect_err(__LINE__, rc, &e, EX_DATAERR, bad_form, 8, 5,
               "unknown block type \"risk\"; did you mean \"risks\"?");
#undef PACKET_HEAD

    err_clear(&e);
    rc = packet_load(at("no-such-file.yaml"), A, &p, &e);
    CHECK_INT(rc, EX_NOINPUT);
    CHECK_STR(e.file, at("no-such-file.yaml"));
}

/* ---- the language notice ------------------------------------------------ */

#define NOTICE_HEAD                                                                                \
    "kind: notice\n"             /* 1 */                                                           \
    "id: language-notice-es\n"   /* 2 */                                                           \
    "title: Ayuda con idiomas\n" /* 3 */                                                           \
    "version: \"1.0\"\n"         /* 4 */                                                           \
    "language: es\n"             /* 5 */                                                           \
    "status: draft\n"            /* 6 */

static void test_notice(void)
{
    const char *path =
        put("notice-es.yaml", NOTICE_HEAD "language_name: Español\n" /* 7 */
                                          "blocks:\n"                /* 8 */
                                          "  - paragraph: Llame al {{clinic.phone}}.\n");
    packet p;
    if (load_ok(path, &p)) {
        const form *f = p.entries[0].form;
        CHECK_INT(f->kind, FORM_NOTICE);
        CHECK_TEXT(&f->language_name, "Español", 7, 16);
        CHECK_INT(p.notice, NOTICE_NONE);
    }
    /* Its heading is its language's own name: no table here has them all. */
    EXPECT_LOAD_ERR(NOTICE_HEAD BLOCKS "  - paragraph: P\n", 1, 1,
                    "missing required key \"language_name\" in a notice (the language's own "
                    "name, such as Español or العربية)");
    EXPECT_LOAD_ERR(HEAD "language_name: English\n" BLOCKS "  - heading: H\n", 7, 16,
                    "language_name is a notice's key (kind: notice), not a consent's");
    /* One entry among sixteen on a page: paragraphs only. */
    EXPECT_LOAD_ERR(NOTICE_HEAD "language_name: Español\nblocks:\n  - heading: H\n", 9, 5,
                    "a notice holds paragraphs only, not heading");

    /* A packet says where the clinic's notice goes; it does not list it. */
    mkdir_rel("np");
    put("np/form.yaml", HEAD BLOCKS "  - heading: H\n");
    put("np/notice.yaml", NOTICE_HEAD "language_name: Español\nblocks:\n  - paragraph: P\n");
    path = put("np/last.yaml", "kind: packet\nid: p\ntitle: P\nlanguage_notice: last\n"
                               "forms: [form.yaml]\n");
    if (load_ok(path, &p)) {
        CHECK_INT(p.notice, NOTICE_LAST);
        CHECK_INT(p.nentries, 1);
    }
    expect_load_err(__LINE__, "np/bad.yaml",
                    "kind: packet\nid: p\ntitle: P\nlanguage_notice: end\nforms: [form.yaml]\n", 4,
                    18, "unknown language_notice \"end\" (expected one of: first, last)");
    expect_load_err(__LINE__, "np/listed.yaml",
                    "kind: packet\nid: p\ntitle: P\nforms: [form.yaml, notice.yaml]\n", 4, 20,
                    "\"notice.yaml\" is a language notice: the clinic's notice is printed in all "
                    "its languages with `language_notice: last` (or first), not listed");
}
#undef NOTICE_HEAD

/* ---- clinic settings ---------------------------------------------------- */

static void test_clinic_load(void)
{
    const char *path =
        put("clinic-good.yaml", "# The clinic\n"                                        /* 1 */
                                "name: Harbor View Pain & Spine Clinic\n"               /* 2 */
                                "address: 1200 Seaside Avenue, Long Beach, CA 90802\n"  /* 3 */
                                "phone: (562) 555-0142\n"                               /* 4 */
                                "booking_url: https://book.example/r/{{booking.ref}}\n" /* 5 */
                                "booking_key: 0123456789abcdef\n"                       /* 6 */
                                "page_size: a4\n");                                     /* 7 */
    clinic c;
    mp_err e;
    err_clear(&e);
    CHECK_INT(clinic_load(path, A, &c, &e), 0);
    CHECK(c.doc != NULL);
    CHECK_TEXT(&c.name, "Harbor View Pain & Spine Clinic", 2, 7);
    CHECK_TEXT(&c.address, "1200 Seaside Avenue, Long Beach, CA 90802", 3, 10);
    CHECK_TEXT(&c.phone, "(562) 555-0142", 4, 8);
    CHECK_TEXT(&c.booking_url, "https://book.example/r/{{booking.ref}}", 5, 14);
    CHECK_TEXT(&c.booking_key, "0123456789abcdef", 6, 14); /* 16 characters: enough */
    CHECK_TEXT(&c.page_size, "a4", 7, 12);

    /* The optional keys may be left out. */
    path = put("clinic-min.yaml", "name: N\naddress: A\nphone: P\n");
    err_clear(&e);
    CHECK_INT(clinic_load(path, A, &c, &e), 0);
    CHECK_STR(c.name.s, "N");
    CHECK(c.booking_url.s == NULL);
    CHECK(c.booking_key.s == NULL);
    CHECK(c.page_size.s == NULL);

#define CLINIC_HEAD "name: N\n" /* 1 */ "address: A\n" /* 2 */ "phone: P\n" /* 3 */
    EXPECT_CLINIC_ERR(CLINIC_HEAD "page_size: leter\n", 4, 12,
                      "unknown page_size \"leter\"; did you mean \"letter\"?");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "page_size: a5\n", 4, 12,
                      "unknown page_size \"a5\"; did you mean \"a4\"?");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "page_size: tabloid\n", 4, 12,
                      "unknown page_size \"tabloid\" (expected one of: letter, a4)");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "booking_key: 0123456789abcde\n", 4, 14,
                      "booking_key is too short to keep references private (use 16 or more "
                      "characters)");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "booking_key: \"\"\n", 4, 14, "booking_key is empty");
    EXPECT_CLINIC_ERR("name: N\naddress: A\n", 1, 1,
                      "clinic settings is missing required key \"phone\"");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "booking_url: [a]\n", 4, 14,
                      "booking_url must be a text, not a list");
    EXPECT_CLINIC_ERR("- name: N\n", 1, 1, "clinic settings must be a mapping, not a list");
    /* The notice: a folder and its languages, given together, each once. */
    EXPECT_CLINIC_ERR(CLINIC_HEAD "language_notice: notice\n", 4, 18,
                      "language_notice needs notice_languages: the languages the notice is "
                      "printed in besides English");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "notice_languages: [es]\n", 4, 19,
                      "notice_languages needs language_notice: the folder of the notice's files");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "language_notice: n\nnotice_languages: [es, Spanish!]\n", 5, 24,
                      "notice language \"Spanish!\" is not a language tag (such as es, zh-Hant)");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "language_notice: n\nnotice_languages: [es, zh-Hant, es]\n", 5,
                      33, "notice language \"es\" is listed twice");
    EXPECT_CLINIC_ERR(CLINIC_HEAD "language_notice: n\nnotice_languages: [en, es]\n", 5, 20,
                      "the notice is always printed in English first; list the other languages");
    path = put("clinic-notice.yaml", CLINIC_HEAD "tty: \"711\"\n"            /* 4 */
                                                 "language_notice: notice\n" /* 5 */
                                                 "notice_languages: [es, zh-Hant]\n");
    err_clear(&e);
    CHECK_INT(clinic_load(path, A, &c, &e), 0);
    CHECK_TEXT(&c.tty, "711", 4, 6);
    CHECK_STR(c.notice_dir, at("notice"));
    CHECK_INT(c.nnotice_languages, 2);
    if (c.nnotice_languages == 2)
        CHECK_TEXT(&c.notice_languages[1], "zh-Hant", 6, 24);
#undef CLINIC_HEAD

    err_clear(&e);
    CHECK_INT(clinic_load(at("no-clinic.yaml"), A, &c, &e), EX_NOINPUT);
}

static bool same_file(const char *a, const char *b)
{
    char ra[4096], rb[4096];
    return a && b && realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

static const char *find_for(const char *path, mp_err *e)
{
    packet p;
    err_clear(e);
    int rc = packet_load(path, A, &p, e);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "  %s:%d:%d: %s\n", e->file, e->line, e->col, e->msg);
        return NULL;
    }
    return clinic_find(&p, path, A, e);
}

#define FORM_WITH(clinic_line)                                                                     \
    "kind: handout\n" /* 1 */ "id: f\n" /* 2 */ "title: F\n"              /* 3 */                  \
    "version: \"1\"\n" /* 4 */ "language: en\n" /* 5 */ "status: draft\n" /* 6 */                  \
        clinic_line "blocks:\n  - heading: H\n"

static void test_clinic_find(void)
{
    static const char clinic_text[] = "name: N\naddress: A\nphone: P\n";
    mp_err e;
    const char *got;

    /* The packet's own clinic: key, relative to the packet. */
    mkdir_rel("cf");
    mkdir_rel("cf/shared");
    mkdir_rel("cf/pk");
    mkdir_rel("cf/pk/sub");
    const char *shared = put("cf/shared/clinic.yaml", clinic_text);
    put("cf/pk/clinic.yaml", clinic_text); /* a decoy: an explicit key wins */
    const char *other = put("cf/pk/other-clinic.yaml", clinic_text);
    put("cf/pk/sub/form.yaml", FORM_WITH("clinic: ../other-clinic.yaml\n"));
    const char *pk =
        put("cf/pk/packet.yaml", "kind: packet\nid: p\ntitle: P\nclinic: ../shared/clinic.yaml\n"
                                 "forms: [sub/form.yaml]\n");
    got = find_for(pk, &e);
    CHECK_STR(got, at("cf/pk/../shared/clinic.yaml"));
    CHECK(same_file(got, shared));

    /* No clinic: in the packet: its first form's, relative to that form. */
    const char *pk2 = put("cf/pk/packet2.yaml", "kind: packet\nid: p\ntitle: P\n"
                                                "forms: [sub/form.yaml]\n");
    got = find_for(pk2, &e);
    CHECK_STR(got, at("cf/pk/sub/../other-clinic.yaml"));
    CHECK(same_file(got, other));

    /* A single form's clinic:, relative to the form. */
    got = find_for(at("cf/pk/sub/form.yaml"), &e);
    CHECK(same_file(got, other));

    /* A clinic: that names nothing is an error at the key's value. */
    const char *lost = put("cf/pk/lost.yaml", FORM_WITH("clinic: nope/clinic.yaml\n"));
    got = find_for(lost, &e);
    CHECK(got == NULL);
    expect_err(__LINE__, e.code, &e, EX_CONFIG, lost, 7, 9,
               "clinic settings \"nope/clinic.yaml\" not found");

    /* No clinic: anywhere: clinic.yaml beside the file, else the nearest one up. */
    mkdir_rel("up");
    mkdir_rel("up/a");
    mkdir_rel("up/a/b");
    mkdir_rel("up/a/b/c");
    put("up/clinic.yaml", clinic_text);
    const char *near = put("up/a/clinic.yaml", clinic_text);
    const char *beside = put("up/a/form.yaml", FORM_WITH(""));
    got = find_for(beside, &e);
    CHECK_STR(got, at("up/a/clinic.yaml"));
    const char *deep = put("up/a/b/c/form.yaml", FORM_WITH(""));
    got = find_for(deep, &e);
    CHECK(same_file(got, near));
    const char *pk3 = put("up/a/b/packet.yaml", "kind: packet\nid: p\ntitle: P\n"
                                                "forms: [c/form.yaml]\n");
    got = find_for(pk3, &e);
    CHECK(same_file(got, near));

    /* None at all: only testable when no folder above the temporary one has
     * a clinic.yaml of its own. */
    bool clean = true;
    char dir[4096];
    if (realpath(tmptree_dir, dir)) {
        for (;;) {
            char *slash = strrchr(dir, '/');
            if (!slash)
                break;
            *slash = '\0';
            char cand[4200];
            snprintf(cand, sizeof cand, "%s/clinic.yaml", dir[0] ? dir : "");
            struct stat st;
            if (stat(cand, &st) == 0)
                clean = false;
            if (!dir[0])
                break;
        }
    }
    mkdir_rel("none");
    const char *alone = put("none/form.yaml", FORM_WITH(""));
    if (clean) {
        got = find_for(alone, &e);
        CHECK(got == NULL);
        expect_err(__LINE__, e.code, &e, EX_CONFIG, alone, 0, 0,
                   "no clinic settings: add \"clinic: PATH\" to the form, put a clinic.yaml "
                   "beside it, or pass --clinic FILE");
    } else {
        fprintf(stderr, "note: a clinic.yaml above %s; the not-found case is skipped\n",
                tmptree_dir);
    }
}

/* ---- text_err ------------------------------------------------------------ */

static const char texts[] = "kind: handout\n"                               /* 1 */
                            "id: te\n"                                      /* 2 */
                            "title: T\n"                                    /* 3 */
                            "version: \"1\"\n"                              /* 4 */
                            "language: en\n"                                /* 5 */
                            "status: draft\n"                               /* 6 */
                            "blocks:\n"                                     /* 7 */
                            "  - paragraph: Jos\xC3\xA9 said {{x}} twice\n" /* 8 */
                            "  - heading: \"Hi {{x}}\"\n"                   /* 9 */
                            "  - paragraph: |\n"                            /* 10 */
                            "      First line.\n"                           /* 11 */
                            "      Then {{x}} here.\n"                      /* 12 */
                            "  - paragraph: >\n"                            /* 13 */
                            "      Folded {{x}}\n"                          /* 14 */
                            "      text.\n"                                 /* 15 */
                            "  - paragraph: \"Tab\\there {{x}}\"\n"         /* 16 */
                            "  - paragraph: Two\n"                          /* 17 */
                            "      lines {{x}}\n"                           /* 18 */
                            "  - paragraph: |\n"                            /* 19 */
                            "      First line.\n"                           /* 20 */
                            "        Indented {{x}}.\n"                     /* 21 */
                            "  - heading: 'It''s {{x}}'\n";                 /* 22 */

/* text_err on block i's text at the offset of its first "{{". */
static void expect_text_pos(int src_line, const form *f, size_t i, int line, int col)
{
    if (i >= f->nblocks)
        return;
    const mp_text *t = &f->blocks[i].text;
    const char *brace = strstr(t->s, "{{");
    size_t off = brace ? (size_t)(brace - t->s) : 0;
    mp_err e;
    err_clear(&e);
    int rc = text_err(&e, EX_DATAERR, t, off, "bad {{%s}} %d", "x", 1);
    expect_err(src_line, rc, &e, EX_DATAERR, f->doc->path, line, col, "bad {{x}} 1");
}

#define EXPECT_TEXT_POS(f, i, line, col) expect_text_pos(__LINE__, f, i, line, col)

static void test_text_err(void)
{
    const char *path = put("texts.yaml", texts);
    packet p;
    if (!load_ok(path, &p))
        return;
    const form *f = p.entries[0].form;
    CHECK_INT(f->nblocks, 8);
    /* Plain, single line: columns count characters ("é" is one). */
    EXPECT_TEXT_POS(f, 0, 8, 26);
    /* Double-quoted without escapes: past the opening quote. */
    EXPECT_TEXT_POS(f, 1, 9, 18);
    /* Literal: the value's 2nd line is the source's line after "|"+1. */
    EXPECT_TEXT_POS(f, 2, 12, 12);
    /* Folded (>) blocks: the scalar's own start is reported. */
    EXPECT_TEXT_POS(f, 3, 13, 16);
    /* Escaped, multi-line and '' quoted: walked beside the source, escapes
     * and line folds counted as the bytes they became. */
    EXPECT_TEXT_POS(f, 4, 16, 27);
    EXPECT_TEXT_POS(f, 5, 18, 13);
    EXPECT_TEXT_POS(f, 7, 22, 21);
    /* A more-indented line inside a literal keeps its extra spaces in the
     * value: they must not be counted twice (once as indentation, once as
     * text). The "{{" is at 21:18. */
    EXPECT_TEXT_POS(f, 6, 21, 18);

    if (f->nblocks < 3)
        return;
    /* Offset 0 of a literal is its first content line; an offset past the
     * text is the scalar's start. */
    const mp_text *lit = &f->blocks[2].text;
    mp_err e;
    err_clear(&e);
    text_err(&e, EX_DATAERR, lit, 0, "m");
    CHECK_INT(e.line, 11);
    CHECK_INT(e.col, 7);
    err_clear(&e);
    text_err(&e, EX_DATAERR, lit, lit->len + 1, "m");
    CHECK_INT(e.line, 10);
    CHECK_INT(e.col, 16);
    /* The end of a plain text (offset == len) is just past its last character. */
    const mp_text *plain = &f->blocks[0].text;
    err_clear(&e);
    text_err(&e, EX_DATAERR, plain, plain->len, "m");
    CHECK_INT(e.line, 8);
    CHECK_INT(e.col, 16 + 21); /* 21 characters, 22 bytes */

    /* A text from no file (a CSV value) has no place. */
    mp_text csv = {.s = "x {{y}}", .len = 7};
    err_clear(&e);
    CHECK_INT(text_err(&e, EX_DATAERR, &csv, 2, "no place"), EX_DATAERR);
    CHECK_INT(e.line, 0);
    CHECK_INT(e.col, 0);
    CHECK_STR(e.file, "");
    CHECK_STR(e.msg, "no place");

    /* node_err names the node's place. */
    err_clear(&e);
    CHECK_INT(node_err(&e, EX_DATAERR, f->doc, f->blocks[1].node, "at %s", "key"), EX_DATAERR);
    CHECK_INT(e.line, 9);
    CHECK_INT(e.col, 5);
    CHECK_STR(e.msg, "at key");
    CHECK_STR(e.file, path);
}

/* ---- the forms that ship ------------------------------------------------ */

static bool has_item_title(const form_block *b, const char *title)
{
    for (size_t i = 0; i < b->nitems; i++)
        if (b->items[i].title.s && strcmp(b->items[i].title.s, title) == 0)
            return true;
    return false;
}

static bool has_role(const form_block *b, const char *word)
{
    for (size_t i = 0; i < b->nsigs; i++)
        if (b->sigs[i].role.s && strstr(b->sigs[i].role.s, word))
            return true;
    return false;
}

static void test_shipped_forms(void)
{
    const char *data = getenv("MP_TEST_DATA");
    CHECK(data != NULL);
    if (!data)
        return;
    const char *path = arena_printf(PATHS, "%s/../forms/trigger-point/packet.yaml", data);
    packet p;
    if (!load_ok(path, &p))
        return;
    CHECK_INT(p.nentries, 2);
    if (p.nentries != 2)
        return;
    CHECK_INT(p.entries[0].form->kind, FORM_HANDOUT);
    const form *f = p.entries[1].form;
    CHECK_INT(f->kind, FORM_CONSENT);
    CHECK_STR(f->id.s, "tpi-consent");
    CHECK_INT(f->status, FORM_APPROVED);

    const form_block *risks = NULL, *benefits = NULL, *alternatives = NULL, *checkboxes = NULL,
                     *signatures = NULL;
    for (size_t i = 0; i < f->nblocks; i++) {
        const form_block *b = &f->blocks[i];
        if (b->kind == BLOCK_RISKS && !risks)
            risks = b;
        else if (b->kind == BLOCK_BENEFITS && !benefits)
            benefits = b;
        else if (b->kind == BLOCK_ALTERNATIVES && !alternatives)
            alternatives = b;
        else if (b->kind == BLOCK_CHECKBOXES && !checkboxes)
            checkboxes = b;
        else if (b->kind == BLOCK_SIGNATURES && !signatures)
            signatures = b;
    }
    CHECK(risks != NULL);
    if (risks) {
        CHECK(has_item_title(risks, "Pain after the injection"));
        CHECK(has_item_title(risks, "Fat shrinkage under the skin"));
        CHECK(has_item_title(risks, "Infection"));
        CHECK(has_item_title(risks, "Bleeding"));
    }
    CHECK(benefits != NULL);
    if (benefits)
        CHECK_INT(benefits->nitems, 3);
    CHECK(alternatives != NULL && alternatives->nitems > 0);
    CHECK(checkboxes != NULL && checkboxes->nitems > 0);
    CHECK(signatures != NULL);
    if (signatures) {
        CHECK(has_role(signatures, "Patient"));
        CHECK(has_role(signatures, "Clinician"));
        CHECK(has_role(signatures, "Witness"));
        CHECK(has_role(signatures, "Interpreter"));
    }

    /* Its clinic is found through the packet's clinic: key, and loads. */
    mp_err e;
    const char *cp = clinic_find(&p, path, A, &e);
    CHECK(cp != NULL);
    const char *want = arena_printf(PATHS, "%s/../forms/clinic.yaml", data);
    CHECK(same_file(cp, want));
    if (cp) {
        clinic c;
        err_clear(&e);
        CHECK_INT(clinic_load(cp, A, &c, &e), 0);
        CHECK_STR(c.page_size.s, "letter");
        CHECK(c.booking_key.s && c.booking_key.len >= 16);
    }
}

int main(void)
{
    A = arena_new();
    PATHS = arena_new();
    if (!A || !PATHS || !tmptree_open("form", PATHS)) {
        fprintf(stderr, "cannot set up the test\n");
        return 1;
    }
    test_good_form();
    test_good_handout();
    test_good_packet();
    test_unknown_keys();
    test_wrong_types();
    test_missing_keys();
    test_block_shape();
    test_packet_errors();
    test_notice();
    test_clinic_load();
    test_clinic_find();
    test_text_err();
    test_shipped_forms();
    tmptree_close();
    arena_free(PATHS);
    arena_free(A);
    CHECK_DONE();
}
