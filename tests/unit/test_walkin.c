/* Unit tests for walkin.c, the serve command's walk-in form without HTTP:
 * the check of each kind of field (names, record number, dates, language,
 * and large_print, which the form does not have), its words in English and
 * Spanish, the patient the values make, and the probe's answer for the
 * shipped trigger-point packet and its Spanish translation: which fields it
 * cannot be laid out without, and so which fields the form asks for. */
#include <stdlib.h>

#include "check.h"
#include "fontdir.h"
#include "walkin.h"

static const char *data_dir(void)
{
    const char *d = getenv("MP_TEST_DATA");
    return d ? d : "tests";
}

static const walkin_field *field(const char *name)
{
    const walkin_field *f = walkin_field_named(name);
    CHECK(f != NULL);
    return f;
}

/* walkin_problem for a packet offered in English and Spanish. */
static packet pk_en = {.language = "en"}, pk_es = {.language = "es"};
static const packet *const variants[] = {&pk_en, &pk_es};

static const char *problem(const char *name, bool required, const char *text, msg_id *id)
{
    static char buf[128];
    *id = MSG_COUNT;
    return walkin_problem(field(name), required, text, variants, 2, buf, sizeof buf, id);
}

static void test_table(void)
{
    CHECK_INT(WALKIN_NFIELDS, 7);
    CHECK_STR(walkin_fields[0].name, "first_name");
    CHECK_STR(field("dob")->type, "date");
    CHECK_STR(field("appointment_date")->type, "date");
    CHECK_STR(field("language")->type, "language");
    CHECK_STR(field("mrn")->type, "text");
    CHECK(field("first_name")->required && field("last_name")->required);
    CHECK(field("dob")->required && field("mrn")->required);
    CHECK(!field("clinician")->required && !field("language")->required);
    CHECK(!field("appointment_date")->required);
    /* Not fields of the form: the page says so beside them. */
    CHECK(walkin_field_named("large_print") == NULL);
    CHECK(walkin_field_named("appointment_time") == NULL);
    CHECK(walkin_field_named("First_Name") == NULL);
    CHECK(walkin_field_named("") == NULL);
}

static void test_names(void)
{
    msg_id id;
    CHECK(problem("first_name", true, "Ana", &id) == NULL);
    CHECK(problem("first_name", true, "  José María  ", &id) == NULL);
    CHECK_STR(problem("first_name", true, "", &id), "is required");
    CHECK_INT(id, MSG_UI_ERR_REQUIRED);
    CHECK_STR(problem("last_name", true, "   ", &id), "is required"); /* spaces only */
    CHECK_STR(problem("first_name", true, NULL, &id), "must be a text");
    CHECK_INT(id, MSG_UI_ERR_ONE_LINE);
    CHECK_STR(problem("last_name", true, "Núñez\nGarcía", &id), "must be one line of text");
    CHECK_INT(id, MSG_UI_ERR_ONE_LINE);
    CHECK_STR(problem("last_name", true, "A\tB", &id), "must be one line of text");
    CHECK_STR(problem("last_name", true, "A\x7f", &id), "must be one line of text");
    /* 200 bytes is the limit, the spaces around aside. */
    char name[WALKIN_MAX_FIELD + 8];
    memset(name, 'a', WALKIN_MAX_FIELD);
    name[WALKIN_MAX_FIELD] = '\0';
    CHECK(problem("first_name", true, name, &id) == NULL);
    snprintf(name + WALKIN_MAX_FIELD, 8, "  ");
    CHECK(problem("first_name", true, name, &id) == NULL);
    snprintf(name + WALKIN_MAX_FIELD, 8, "b");
    CHECK_STR(problem("first_name", true, name, &id), "is too long");
    CHECK_INT(id, MSG_UI_ERR_TOO_LONG);
    /* An optional field may be empty, unless a packet needs it. */
    CHECK(problem("clinician", false, "", &id) == NULL);
    CHECK(problem("clinician", false, "  ", &id) == NULL);
    CHECK_STR(problem("clinician", true, "", &id), "is required");
    CHECK(problem("mrn", true, "A1003", &id) == NULL);
}

static void test_dates(void)
{
    msg_id id;
    CHECK(problem("dob", true, "1968-04-12", &id) == NULL);
    CHECK(problem("dob", true, " 2000-02-29 ", &id) == NULL); /* a leap year */
    CHECK_STR(problem("dob", true, "2001-02-29", &id),
              "is not a date that exists (check the month and the day)");
    CHECK_INT(id, MSG_UI_ERR_DATE);
    CHECK_STR(problem("dob", true, "1968-13-01", &id),
              "is not a date that exists (check the month and the day)");
    CHECK_STR(problem("dob", true, "1700-01-01", &id), "is not a date from the years 1800 to 2999");
    /* The desk types ISO dates: slashes are a list's export, not the form's. */
    CHECK_STR(problem("dob", true, "04/12/1968", &id),
              "is not a valid date (write it as YYYY-MM-DD)");
    CHECK_STR(problem("appointment_date", false, "tomorrow", &id),
              "is not a valid date (write it as YYYY-MM-DD)");
    CHECK(problem("appointment_date", false, "", &id) == NULL);
    CHECK_STR(problem("dob", true, "", &id), "is required");
}

static void test_language(void)
{
    msg_id id;
    CHECK(problem("language", false, "", &id) == NULL);
    CHECK(problem("language", false, "es", &id) == NULL);
    CHECK(problem("language", false, "en", &id) == NULL);
    CHECK(problem("language", false, "Spanish", &id) == NULL);
    CHECK(problem("language", false, "es-MX", &id) == NULL);
    CHECK(problem("language", false, "Espa\xC3\xB1ol", &id) == NULL);
    /* Refused, with the languages offered by their own names (ICU's). */
    CHECK_STR(problem("language", false, "fr", &id),
              "is not a language of this packet (English, Español)");
    CHECK_INT(id, MSG_UI_ERR_LANGUAGE);
    CHECK_STR(problem("language", false, "Klingon", &id),
              "is not a language of this packet (English, Español)");
    CHECK_STR(problem("language", false, "a language with a long name", &id),
              "is not a language of this packet (English, Español)");
    /* Only the packet's own languages. */
    const packet *en_only[] = {&pk_en};
    char buf[128];
    CHECK_STR(walkin_problem(field("language"), false, "es", en_only, 1, buf, sizeof buf, &id),
              "is not a language of this packet (English)");
    /* Arabic and Chinese as the other helpers' packets offer them: a name or
     * a tag of either script's reader is taken; Simplified Chinese, which
     * only the Traditional packet would stand in for, is not. */
    static packet pk_ar = {.language = "ar"}, pk_zh = {.language = "zh-Hant"};
    const packet *four[] = {&pk_en, &pk_es, &pk_ar, &pk_zh};
    static const char *const taken[] = {
        "ar",    "Arabic",  "العربية", "zh-Hant",  "zh_TW",
        "zh-HK", "Chinese", "中文",    "繁體中文", "Traditional Chinese"};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
        CHECK(walkin_problem(field("language"), false, taken[i], four, 4, buf, sizeof buf, &id) ==
              NULL);
    CHECK_STR(walkin_problem(field("language"), false, "zh-Hans", four, 4, buf, sizeof buf, &id),
              "is not a language of this packet (English, Español, العربية, 繁體中文)");
    /* A small buffer is cut short, never overrun. */
    char tiny[12];
    const char *why =
        walkin_problem(field("language"), false, "fr", variants, 2, tiny, sizeof tiny, &id);
    CHECK(why == tiny && strlen(tiny) == sizeof tiny - 1);
}

static void test_words(void)
{
    msg_id id;
    const char *why = problem("dob", true, "2001-02-29", &id);
    /* English keeps the detail; Spanish says the kind of problem. */
    CHECK_STR(walkin_say("en", id, why), "is not a date that exists (check the month and the day)");
    CHECK_STR(walkin_say("es", id, why), "no es una fecha válida (AAAA-MM-DD)");
    why = problem("first_name", true, "", &id);
    CHECK_STR(walkin_say("en", id, why), "is required");
    CHECK_STR(walkin_say("es", id, why), "es obligatorio");
    why = problem("language", false, "fr", &id);
    CHECK_STR(walkin_say("en", id, why), "is not a language of this packet (English, Español)");
    CHECK_STR(walkin_say("es", id, why), "no es un idioma de este paquete");
    why = problem("last_name", true, "a\nb", &id);
    CHECK_STR(walkin_say("es", id, why), "debe ser una sola línea");
    why = problem("last_name", true, NULL, &id);
    CHECK_STR(walkin_say("es", id, why), "debe ser una sola línea");
    char name[WALKIN_MAX_FIELD + 2];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    why = problem("first_name", true, name, &id);
    CHECK_STR(walkin_say("es", id, why), "es demasiado largo");
    /* What routes.c says beside a field the form lacks, and beside one the
     * packet needs but the walk-in left empty. */
    CHECK_STR(walkin_say("es", MSG_UI_ERR_UNKNOWN, "x"), "no es un campo de este formulario");
    CHECK_STR(msg_get("en", MSG_UI_ERR_UNKNOWN), "is not a field of the walk-in form");
    CHECK_STR(msg_get("en", MSG_UI_ERR_NEEDED), "is needed for this packet");
    CHECK_STR(msg_get("es", MSG_UI_ERR_NEEDED), "es necesario para este paquete");
}

static void test_patient(void)
{
    arena *a = arena_new();
    patient pt = {.source = "walk-in"};
    mp_err err;
    err_clear(&err);
    CHECK_INT(walkin_set(&pt, field("first_name"), "  Ana  ", a, &err), 0);
    CHECK_INT(walkin_set(&pt, field("dob"), "1968-04-12", a, &err), 0);
    CHECK_INT(walkin_set(&pt, field("mrn"), "1003", a, &err), 0);
    CHECK_INT(walkin_set(&pt, field("clinician"), "   ", a, &err), 0); /* nothing set */
    CHECK_INT(walkin_set(&pt, field("language"), "", a, &err), 0);
    const mp_text *v = patient_get(&pt, "first_name", 10);
    CHECK(v && v->len == 3);
    CHECK_STR(v ? v->s : NULL, "Ana");
    v = patient_get(&pt, "dob", 3);
    CHECK_STR(v ? v->s : NULL, "1968-04-12");
    CHECK(patient_get(&pt, "clinician", 9) == NULL);
    CHECK(patient_get(&pt, "language", 8) == NULL);
    /* Seen today when no date is given; a given date is kept. */
    walkin_seen_today(&pt, a, &err);
    v = patient_get(&pt, "appointment_date", 16);
    CHECK(v && v->len == 10 && v->s[4] == '-' && v->s[7] == '-');
    CHECK(v && patient_date_problem(v->s, v->len) == NULL);
    patient later = {.source = "walk-in"};
    CHECK_INT(walkin_set(&later, field("appointment_date"), "2026-12-01", a, &err), 0);
    walkin_seen_today(&later, a, &err);
    v = patient_get(&later, "appointment_date", 16);
    CHECK_STR(v ? v->s : NULL, "2026-12-01");
    arena_free(a);
}

/* The bit of a probe field in a needs mask. */
static unsigned bit(const char *name)
{
    for (size_t i = 0; i < WALKIN_NPROBE_FIELDS; i++)
        if (strcmp(walkin_probe_fields[i].name, name) == 0)
            return 1u << i;
    CHECK(0);
    return 0;
}

static void test_probe(void)
{
    arena *a = arena_new();
    mp_err e;
    err_clear(&e);
    const char *root = arena_printf(a, "%s/..", data_dir());
    packet en, es;
    clinic cl;
    fontset *fonts = NULL;
    int rc =
        packet_load(arena_printf(a, "%s/forms/trigger-point/packet.yaml", root), a, &en, &e) ||
        packet_load(arena_printf(a, "%s/forms/trigger-point/es/packet.yaml", root), a, &es, &e) ||
        clinic_load(arena_printf(a, "%s/forms/clinic.yaml", root), a, &cl, &e) ||
        fontset_open(FONTDIR_SYSTEM_REGULAR, FONTDIR_SYSTEM_BOLD, &fonts, &e);
    if (rc) {
        fprintf(stderr, "%s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
        CHECK(0);
    } else {
        render_env env = {.clinic = &cl};
        env.fonts = fonts;
        env.shapers = shaper_pool_new(fonts);
        env.style = layout_style_for(11);
        env.style_large = layout_style_for(14);
        env.geom = layout_geom_for(PAGE_LETTER);
        env.today = (mp_date){2025, 12, 1};
        /* The consent prints the patient's name, date of birth, record
         * number, appointment date and clinician; the booking reference is
         * made of the record number. The appointment time it does not
         * print. */
        unsigned want = bit("first_name") | bit("last_name") | bit("dob") | bit("mrn") |
                        bit("appointment_date") | bit("clinician");
        unsigned needs_en = 0, needs_es = 0;
        CHECK_INT(walkin_probe(&en, &env, &needs_en), 0);
        CHECK_INT(walkin_probe(&es, &env, &needs_es), 0);
        CHECK_INT(needs_en, want);
        CHECK_INT(needs_es, want);
        unsigned any = needs_en | needs_es;
        /* So the form asks for the clinician too; the appointment date not
         * (a walk-in is seen today), nor the language. */
        CHECK(walkin_required(field("first_name"), any));
        CHECK(walkin_required(field("last_name"), any));
        CHECK(walkin_required(field("dob"), any));
        CHECK(walkin_required(field("mrn"), any));
        CHECK(walkin_required(field("clinician"), any));
        CHECK(!walkin_required(field("appointment_date"), any));
        CHECK(!walkin_required(field("language"), any));
        shaper_pool_free(env.shapers);
    }
    /* A packet that prints no clinician leaves it optional; the required
     * fields stay required whatever the packets need. */
    CHECK(!walkin_required(field("clinician"), 0));
    CHECK(walkin_required(field("first_name"), 0));
    CHECK(walkin_required(field("clinician"), bit("clinician")));
    CHECK(!walkin_required(field("clinician"), bit("mrn") | bit("appointment_time")));
    fontset_free(fonts);
    arena_free(a);
}

int main(void)
{
    test_table();
    test_names();
    test_dates();
    test_language();
    test_words();
    test_patient();
    test_probe();
    CHECK_DONE();
}
