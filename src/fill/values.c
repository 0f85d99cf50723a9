/*
 * values.c — see values.h.
 *
 * The table holds every patient field as written, with what a page needs to
 * know of it, worked out when the row's table is built: whether the fonts
 * can draw it, and for a date field whether it is one. Two things wait for
 * their first use, and are then kept for the rest of the row: the long dates
 * of a language (a packet's forms may be in more than one, when a
 * translation is missing, and a form in none may use a date), and the
 * booking reference's HMAC (most packets print none).
 */
#include "values.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

/* A patient field, patient.name or today, as the pages and URLs use it. */
typedef struct field_value {
    const char *name;
    size_t name_len;
    const char *text; /* as written; NULL: empty, that is missing */
    size_t len;
    const char *undrawable; /* why no font can draw it, or NULL */
    int date;               /* its slot in a language's long dates; -1: not a date */
    bool bad_date;          /* a date field that holds no YYYY-MM-DD date */
    mp_date d;
} field_value;

/* One language's long dates, each written on its first use. */
typedef struct lang_dates {
    const char *lang;
    struct lang_dates *next;
    const char **text; /* one per date slot; NULL until used */
} lang_dates;

struct values_table {
    arena *a;
    const clinic *clinic;
    bool has_patient;
    /* In the patient's order: a field named twice is read from its first
     * place, as patient_get reads it. A row has a handful of fields, so a
     * scan beats sorting them. */
    field_value *fields;
    size_t nfields;
    field_value name;              /* patient.name; .text NULL when a part is missing */
    field_value name_family_first; /* the same, as Chinese, Japanese and Korean write it */
    const char *phone_unbroken, *tty_unbroken; /* clinic.phone, clinic.tty unbreakable */
    field_value today;                         /* its .text is today_iso */
    char today_iso[11];
    size_t ndates; /* date slots: the patient's date fields, then today */
    lang_dates *langs;
    bool ref_made; /* booking.ref, on its first use */
    fill_status ref_status;
    const char *ref, *ref_why;
};

/* Fields every clinic's data is expected to have: missing rather than unknown. */
static bool standard_patient_field(const char *f, size_t n)
{
    static const char *const std[] = {
        "first_name",
        "last_name",
        "dob",
        "mrn",
        "appointment_date",
        "appointment_time",
        "clinician",
        "phone",
        "email",
        "booking_ref",
        NULL,
    };
    for (size_t i = 0; std[i]; i++)
        if (strlen(std[i]) == n && memcmp(f, std[i], n) == 0)
            return true;
    return false;
}

/* A patient value must be drawable: a character no font has is an error
 * naming its code point, not the value (patient data stays out of logs).
 * Returns false only when out of memory. */
static bool check_drawable(const values_src *src, arena *a, field_value *f)
{
    for (size_t i = 0; src->covered && i < f->len;) {
        uint32_t cp;
        size_t k = utf8_decode(f->text + i, f->len - i, &cp);
        if (k && !src->covered(src->covered_ctx, cp)) {
            f->undrawable = arena_printf(
                a, "the value has character U+%04X, which none of the installed fonts has",
                (unsigned)cp);
            return f->undrawable != NULL;
        }
        i += k ? k : 1;
    }
    return true;
}

static const field_value *field_of(const values_table *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].name_len == len && memcmp(t->fields[i].name, name, len) == 0)
            return &t->fields[i];
    return NULL;
}

/* The field's value when it has one, else NULL. */
static const field_value *given(const values_table *t, const char *name)
{
    const field_value *f = field_of(t, name, strlen(name));
    return f && f->text ? f : NULL;
}

static bool add_fields(values_table *t, const values_src *src, arena *a)
{
    const patient *p = src->patient;
    if (!p || !p->nfields)
        return true;
    t->fields = arena_array(a, p->nfields, sizeof *t->fields);
    if (!t->fields)
        return false;
    t->nfields = p->nfields;
    for (size_t i = 0; i < p->nfields; i++) {
        field_value *f = &t->fields[i];
        const mp_text *v = &p->fields[i].value;
        f->name = p->fields[i].name;
        f->name_len = strlen(f->name);
        f->date = -1;
        if (!v->len)
            continue;
        f->text = v->s;
        f->len = v->len;
        if (!check_drawable(src, a, f))
            return false;
        if (patient_is_date_field(f->name, f->name_len)) {
            f->date = (int)t->ndates++;
            f->bad_date = !date_parse_iso(f->text, f->len, &f->d);
        }
    }
    return true;
}

/* Whether the code point at the start (or, with last, the end) of s is
 * written in Han, Hiragana, Katakana or Hangul: a name in those scripts is
 * written with no space between family and given name. */
static bool cjk_edge(const char *s, bool last)
{
    size_t n = strlen(s), i = 0;
    if (last) {
        if (n == 0)
            return false;
        i = n - 1;
        while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
            i--;
    }
    uint32_t cp;
    if (!utf8_decode(s + i, n - i, &cp))
        return false;
    return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3040 && cp <= 0x30FF) ||
           (cp >= 0x3130 && cp <= 0x318F) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F);
}

static bool set_name(field_value *out, char *s, const field_value *first, const field_value *last)
{
    if (!s)
        return false;
    out->text = s;
    out->len = strlen(s);
    out->undrawable = first->undrawable ? first->undrawable : last->undrawable;
    out->date = -1;
    return true;
}

/* patient.name: both names, drawable only when both are; given name first,
 * and for a form in Chinese, Japanese or Korean family name first, as those
 * languages write it (王芳, or "Wang Fang" in Latin letters). */
static bool add_name(values_table *t, arena *a)
{
    const field_value *first = given(t, "first_name"), *last = given(t, "last_name");
    t->name.date = t->name_family_first.date = -1;
    if (!first || !last)
        return true;
    bool tight = cjk_edge(last->text, true) && cjk_edge(first->text, false);
    return set_name(&t->name, arena_printf(a, "%s %s", first->text, last->text), first, last) &&
           set_name(&t->name_family_first,
                    arena_printf(a, "%s%s%s", last->text, tight ? "" : " ", first->text), first,
                    last);
}

/* Whether lang (BCP 47) writes a person's family name first. */
static bool family_first(const char *lang)
{
    static const char *const langs[] = {"zh", "ja", "ko"};
    for (size_t i = 0; lang && i < sizeof langs / sizeof langs[0]; i++)
        if (strncmp(lang, langs[i], 2) == 0 && (lang[2] == '\0' || lang[2] == '-'))
            return true;
    return false;
}

values_table *values_build(const values_src *src, arena *a)
{
    values_table *t = arena_alloc(a, sizeof *t);
    if (!t)
        return NULL;
    t->a = a;
    t->clinic = src->clinic;
    t->has_patient = src->patient != NULL;
    if (!add_fields(t, src, a) || !add_name(t, a))
        return NULL;
    date_format_iso(src->today, t->today_iso);
    t->today = (field_value){
        .name = "today", .name_len = 5, .text = t->today_iso, .len = 10, .d = src->today};
    t->today.date = (int)t->ndates++;
    return t;
}

static fill_status long_date(values_table *t, const field_value *f, const char *lang,
                             const char **value, size_t *value_len, const char **why)
{
    if (!lang)
        lang = "en";
    lang_dates *l = t->langs;
    while (l && l->lang != lang && strcmp(l->lang, lang) != 0)
        l = l->next;
    if (!l) {
        l = arena_alloc(t->a, sizeof *l);
        const char **text = l ? arena_array(t->a, t->ndates, sizeof *text) : NULL;
        if (!text) {
            *why = "out of memory";
            return FILL_INVALID;
        }
        *l = (lang_dates){.lang = lang, .next = t->langs, .text = text};
        t->langs = l;
    }
    const char **s = &l->text[f->date];
    if (!*s) {
        char buf[256]; /* CLDR's longest long dates are under 100 bytes */
        size_t k = date_format_long(f->d, lang, buf, sizeof buf);
        *s = arena_strndup(t->a, buf, k < sizeof buf ? k : sizeof buf - 1);
        if (!*s) {
            *why = "out of memory";
            return FILL_INVALID;
        }
    }
    *value = *s;
    *value_len = strlen(*s);
    return FILL_FOUND;
}

static fill_status value_of(values_table *t, const field_value *f, const char *lang, bool url,
                            const char **value, size_t *value_len, const char **why)
{
    if (!f->text)
        return FILL_MISSING;
    if (f->undrawable) {
        *why = f->undrawable;
        return FILL_INVALID;
    }
    if (f->date >= 0 && !url) {
        if (f->bad_date) {
            *why = "not a valid date (YYYY-MM-DD)";
            return FILL_INVALID;
        }
        return long_date(t, f, lang, value, value_len, why);
    }
    *value = f->text;
    *value_len = f->len;
    return FILL_FOUND;
}

static fill_status lookup_patient(values_table *t, const char *f, size_t n, const char *lang,
                                  bool url, const char **value, size_t *value_len, const char **why)
{
    if (n == 4 && memcmp(f, "name", 4) == 0)
        return value_of(t, family_first(lang) ? &t->name_family_first : &t->name, lang, url, value,
                        value_len, why);
    const field_value *fv = field_of(t, f, n);
    if (!fv || !fv->text)
        return standard_patient_field(f, n) || !t->has_patient ? FILL_MISSING : FILL_UNKNOWN;
    return value_of(t, fv, lang, url, value, value_len, why);
}

/* s with each space made a no-break space (in a), or NULL on OOM. */
static const char *unbroken(arena *a, const mp_text *s)
{
    mp_buf b;
    buf_init(&b, a);
    for (size_t i = 0; i < s->len; i++) {
        if (s->s[i] == ' ')
            buf_puts(&b, "\xC2\xA0");
        else
            buf_putc(&b, s->s[i]);
    }
    return buf_str(&b);
}

static fill_status clinic_value(values_table *t, const char *f, size_t n, bool url,
                                const char **value, size_t *value_len)
{
    const clinic *c = t->clinic;
    if (!c)
        return FILL_MISSING;
    /* A phone number is read as one: "(562)" at a line's end and
     * "555-0142" at the next line's start is a number misdialled. In a
     * URL it stays as written. */
    bool phone = n == 5 && memcmp(f, "phone", 5) == 0, tty = n == 3 && memcmp(f, "tty", 3) == 0;
    if (!url && (phone || tty) && (phone ? c->phone.s : c->tty.s)) {
        const char **kept = phone ? &t->phone_unbroken : &t->tty_unbroken;
        if (!*kept && !(*kept = unbroken(t->a, phone ? &c->phone : &c->tty)))
            return FILL_INVALID;
        *value = *kept;
        *value_len = strlen(*kept);
        return FILL_FOUND;
    }
    const mp_text *s = n == 4 && memcmp(f, "name", 4) == 0      ? &c->name
                       : n == 7 && memcmp(f, "address", 7) == 0 ? &c->address
                       : n == 5 && memcmp(f, "phone", 5) == 0   ? &c->phone
                       : n == 3 && memcmp(f, "tty", 3) == 0     ? &c->tty
                                                                : NULL;
    if (!s)
        return FILL_UNKNOWN;
    if (!s->s)
        return FILL_MISSING;
    *value = s->s;
    *value_len = s->len;
    return FILL_FOUND;
}

static const char base32[] = "abcdefghijklmnopqrstuvwxyz234567";

void values_booking_ref(const char *key, size_t key_len, const char *mrn, size_t mrn_len,
                        char out[17])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)mrn, mrn_len, mac, &mac_len);
    /* 10 bytes = 80 bits = 16 base32 digits: too many to guess, short to print. */
    unsigned bits = 0, acc = 0, o = 0;
    for (int i = 0; i < 10; i++) {
        acc = (acc << 8) | mac[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = base32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    out[o] = '\0';
}

/* The patient's own booking_ref as written, else the HMAC of the record
 * number with the clinic's key. */
static fill_status make_ref(const values_table *t, const char **ref, const char **why)
{
    const field_value *own = given(t, "booking_ref");
    if (own) {
        *ref = own->text;
        return FILL_FOUND;
    }
    const field_value *mrn = given(t, "mrn");
    if (!mrn)
        return FILL_MISSING;
    if (!t->clinic || !t->clinic->booking_key.s) {
        *why = "needs the patient's booking_ref or the clinic's booking_key";
        return FILL_INVALID;
    }
    char *s = arena_alloc(t->a, 17);
    if (!s) {
        *why = "out of memory";
        return FILL_INVALID;
    }
    values_booking_ref(t->clinic->booking_key.s, t->clinic->booking_key.len, mrn->text, mrn->len,
                       s);
    *ref = s;
    return FILL_FOUND;
}

static fill_status booking_ref(values_table *t, const char **value, size_t *value_len,
                               const char **why)
{
    if (!t->ref_made) {
        t->ref_status = make_ref(t, &t->ref, &t->ref_why);
        t->ref_made = true;
    }
    if (t->ref_status != FILL_FOUND) {
        *why = t->ref_why;
        return t->ref_status;
    }
    *value = t->ref;
    *value_len = strlen(t->ref);
    return FILL_FOUND;
}

fill_status values_get(values_table *t, const char *name, size_t len, const char *lang, bool url,
                       const char **value, size_t *value_len, const char **why)
{
    /* The family is told by the name's first letter; a prefix is followed
     * by at least one more character (fill.c's names never end in a dot). */
    switch (len ? name[0] : '\0') {
    case 'p':
        if (len > 8 && memcmp(name, "patient.", 8) == 0)
            return lookup_patient(t, name + 8, len - 8, lang, url, value, value_len, why);
        break;
    case 'c':
        if (len > 7 && memcmp(name, "clinic.", 7) == 0)
            return clinic_value(t, name + 7, len - 7, url, value, value_len);
        break;
    case 't':
        if (len == 5 && memcmp(name, "today", 5) == 0)
            return value_of(t, &t->today, lang, url, value, value_len, why);
        break;
    case 'b':
        if (len == 11 && memcmp(name, "booking.ref", 11) == 0)
            return booking_ref(t, value, value_len, why);
        break;
    default:
        break;
    }
    return FILL_UNKNOWN;
}
