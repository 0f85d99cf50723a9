/*
 * vars.c — see vars.h.
 */
#include "vars.h"

#include <curl/curl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

static bool eq(const char *name, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(name, lit, len) == 0;
}

static bool starts(const char *name, size_t len, const char *prefix, size_t *rest)
{
    size_t n = strlen(prefix);
    if (len <= n || memcmp(name, prefix, n) != 0)
        return false;
    *rest = n;
    return true;
}

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
        if (eq(f, n, std[i]))
            return true;
    return false;
}

static fill_status from_text(const mp_text *t, const char **value, size_t *value_len)
{
    if (!t || !t->s)
        return FILL_MISSING;
    *value = t->s;
    *value_len = t->len;
    return FILL_FOUND;
}

/* A patient value must be drawable: a character no font has is an error
 * naming its code point, not the value (patient data stays out of logs). */
static bool drawable(vars *v, const char *s, size_t len, const char **why)
{
    for (size_t i = 0; v->covered && i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k && !v->covered(v->covered_ctx, cp)) {
            *why = arena_printf(v->a, "the value has character U+%04X, which none of the fonts has",
                                (unsigned)cp);
            return false;
        }
        i += k ? k : 1;
    }
    return true;
}

static fill_status patient_value_of(vars *v, const char *f, size_t n, const char **value,
                                    size_t *value_len, const char **why)
{
    if (eq(f, n, "name")) {
        const mp_text *first = v->patient ? patient_get(v->patient, "first_name", 10) : NULL;
        const mp_text *last = v->patient ? patient_get(v->patient, "last_name", 9) : NULL;
        if (!first || !last)
            return FILL_MISSING;
        if (!drawable(v, first->s, first->len, why) || !drawable(v, last->s, last->len, why))
            return FILL_INVALID;
        char *s = arena_printf(v->a, "%s %s", first->s, last->s);
        if (!s) {
            *why = "out of memory";
            return FILL_INVALID;
        }
        *value = s;
        *value_len = strlen(s);
        return FILL_FOUND;
    }
    const mp_text *t = v->patient ? patient_get(v->patient, f, n) : NULL;
    if (!t)
        return standard_patient_field(f, n) || !v->patient ? FILL_MISSING : FILL_UNKNOWN;
    if (!drawable(v, t->s, t->len, why))
        return FILL_INVALID;
    if (patient_is_date_field(f, n) && !v->url) {
        mp_date d;
        if (!date_parse_iso(t->s, t->len, &d)) {
            *why = "not a valid date (YYYY-MM-DD)";
            return FILL_INVALID;
        }
        char buf[64];
        size_t k = date_format_long(d, v->form ? v->form->language.s : "en", buf, sizeof buf);
        char *s = arena_strndup(v->a, buf, k < sizeof buf ? k : sizeof buf - 1);
        if (!s) {
            *why = "out of memory";
            return FILL_INVALID;
        }
        *value = s;
        *value_len = strlen(s);
        return FILL_FOUND;
    }
    return from_text(t, value, value_len);
}

static const char base32[] = "abcdefghijklmnopqrstuvwxyz234567";

void vars_booking_ref(const char *key, size_t key_len, const char *mrn, size_t mrn_len,
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

static fill_status booking_ref(vars *v, const char **value, size_t *value_len, const char **why)
{
    if (!v->booking_ref) {
        const mp_text *given = v->patient ? patient_get(v->patient, "booking_ref", 11) : NULL;
        if (given) {
            v->booking_ref = given->s;
        } else {
            const mp_text *mrn = v->patient ? patient_get(v->patient, "mrn", 3) : NULL;
            if (!mrn)
                return FILL_MISSING;
            if (!v->clinic || !v->clinic->booking_key.s) {
                *why = "needs the patient's booking_ref or the clinic's booking_key";
                return FILL_INVALID;
            }
            char *ref = arena_alloc(v->a, 17);
            if (!ref) {
                *why = "out of memory";
                return FILL_INVALID;
            }
            vars_booking_ref(v->clinic->booking_key.s, v->clinic->booking_key.len, mrn->s, mrn->len,
                             ref);
            v->booking_ref = ref;
        }
    }
    *value = v->booking_ref;
    *value_len = strlen(v->booking_ref);
    return FILL_FOUND;
}

fill_status vars_lookup(void *ctx, const char *name, size_t len, const char **value,
                        size_t *value_len, const char **why);

/* A title may hold placeholders ("Consent for {{clinic.name}}"): filled
 * like any text, so that none reaches a page unfilled, but never from
 * itself. */
static fill_status form_title(vars *v, const char **value, size_t *value_len, const char **why)
{
    const mp_text *t = &v->form->title;
    if (!memchr(t->s, '{', t->len))
        return from_text(t, value, value_len);
    if (v->in_title) {
        *why = "the form's title names itself";
        return FILL_INVALID;
    }
    v->in_title = true;
    char *s;
    size_t n;
    fill_problem p;
    fill_result r = fill_text(t->s, t->len, vars_lookup, v, v->a, &s, &n, &p);
    v->in_title = false;
    if (r == FILL_OK) {
        *value = s;
        *value_len = n;
        return FILL_FOUND;
    }
    *why = r == FILL_ERR_NOMEM                     ? "out of memory"
           : r == FILL_ERR_LOOKUP && p.why != NULL ? p.why
                                                   : "the form's title has a placeholder without a "
                                                     "value";
    return FILL_INVALID;
}

fill_status vars_lookup(void *ctx, const char *name, size_t len, const char **value,
                        size_t *value_len, const char **why)
{
    vars *v = ctx;
    size_t rest;
    if (v->specimen && (starts(name, len, "patient.", &rest) || eq(name, len, "today") ||
                        eq(name, len, "booking.ref"))) {
        char *s = arena_printf(v->a, VARS_OPEN "%.*s" VARS_CLOSE, (int)len, name);
        if (!s) {
            *why = "out of memory";
            return FILL_INVALID;
        }
        *value = s;
        *value_len = strlen(s);
        return FILL_FOUND;
    }
    if (starts(name, len, "patient.", &rest))
        return patient_value_of(v, name + rest, len - rest, value, value_len, why);
    if (starts(name, len, "clinic.", &rest)) {
        const char *f = name + rest;
        size_t n = len - rest;
        if (!v->clinic)
            return FILL_MISSING;
        if (eq(f, n, "name"))
            return from_text(&v->clinic->name, value, value_len);
        if (eq(f, n, "address"))
            return from_text(&v->clinic->address, value, value_len);
        if (eq(f, n, "phone"))
            return from_text(&v->clinic->phone, value, value_len);
        return FILL_UNKNOWN;
    }
    if (starts(name, len, "form.", &rest)) {
        const char *f = name + rest;
        size_t n = len - rest;
        if (!v->form)
            return FILL_MISSING;
        if (eq(f, n, "id"))
            return from_text(&v->form->id, value, value_len);
        if (eq(f, n, "title"))
            return form_title(v, value, value_len, why);
        if (eq(f, n, "version"))
            return from_text(&v->form->version, value, value_len);
        return FILL_UNKNOWN;
    }
    if (eq(name, len, "today") && v->url) {
        char *s = arena_alloc(v->a, 11);
        if (!s) {
            *why = "out of memory";
            return FILL_INVALID;
        }
        date_format_iso(v->today, s);
        *value = s;
        *value_len = 10;
        return FILL_FOUND;
    }
    if (eq(name, len, "today")) {
        char buf[64];
        size_t k =
            date_format_long(v->today, v->form ? v->form->language.s : "en", buf, sizeof buf);
        char *s = arena_strndup(v->a, buf, k < sizeof buf ? k : sizeof buf - 1);
        if (!s) {
            *why = "out of memory";
            return FILL_INVALID;
        }
        *value = s;
        *value_len = strlen(s);
        return FILL_FOUND;
    }
    if (eq(name, len, "booking.ref"))
        return booking_ref(v, value, value_len, why);
    return FILL_UNKNOWN;
}

bool vars_identifies_patient(const char *name, size_t len)
{
    size_t rest;
    if (!starts(name, len, "patient.", &rest))
        return false;
    const char *f = name + rest;
    size_t n = len - rest;
    /* Scheduling facts that say nothing about who the patient is. */
    return !(eq(f, n, "booking_ref") || eq(f, n, "appointment_id") ||
             eq(f, n, "appointment_date") || eq(f, n, "appointment_time") || eq(f, n, "language"));
}

static void phi_each(void *ctx, const char *name, size_t len, size_t offset)
{
    vars_phi *p = ctx;
    if (!p->found && vars_identifies_patient(name, len)) {
        p->found = true;
        p->offset = offset;
        snprintf(p->name, sizeof p->name, "%.*s", (int)len, name);
    }
}

void vars_find_identifier(const char *pattern, size_t len, vars_phi *out)
{
    memset(out, 0, sizeof *out);
    fill_problem fp;
    if (fill_each(pattern, len, phi_each, out, &fp) != FILL_OK) {
        out->found = false;
        out->bad = true;
        out->offset = fp.offset;
        out->why = fp.why;
    }
}

/* vars_lookup, percent-encoded for a URL (curl_easy_escape: RFC 3986's
 * unreserved characters are kept, every other byte is %XX). */
static fill_status url_lookup(void *ctx, const char *name, size_t len, const char **value,
                              size_t *value_len, const char **why)
{
    vars *v = ctx;
    fill_status st = vars_lookup(ctx, name, len, value, value_len, why);
    if (st != FILL_FOUND)
        return st;
    if (*value_len > INT_MAX) {
        *why = "too long for a URL";
        return FILL_INVALID;
    }
    char *esc = curl_easy_escape(NULL, *value, (int)*value_len);
    char *s = esc ? arena_strdup(v->a, esc) : NULL;
    curl_free(esc);
    if (!s) {
        *why = "out of memory";
        return FILL_INVALID;
    }
    *value = s;
    *value_len = strlen(s);
    return FILL_FOUND;
}

static int fill_with(vars *v, const mp_text *t, mp_text *out, fill_lookup_fn lookup, mp_err *err)
{
    *out = *t;
    if (!t->s)
        return 0;
    char *s;
    size_t n;
    fill_problem p;
    fill_result r = fill_text(t->s, t->len, lookup, v, v->a, &s, &n, &p);
    switch (r) {
    case FILL_OK:
        out->s = s;
        out->len = n;
        return 0;
    case FILL_ERR_NOMEM:
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    case FILL_ERR_SYNTAX:
        return text_err(err, EX_DATAERR, t, p.offset, "%s", p.why ? p.why : "bad placeholder");
    case FILL_ERR_LOOKUP:
        break;
    }
    switch (p.status) {
    case FILL_UNKNOWN:
        return text_err(err, EX_DATAERR, t, p.offset, "unknown placeholder {{%s}}", p.name);
    case FILL_MISSING:
        if (strncmp(p.name, "patient.", 8) == 0) {
            int rc = text_err(err, EX_DATAERR, t, p.offset,
                              "placeholder {{%s}}: the patient data has no %s", p.name,
                              strcmp(p.name, "patient.name") == 0 ? "first_name and last_name"
                                                                  : p.name + 8);
            err_missing_field(err, p.name);
            return rc;
        }
        if (strcmp(p.name, "booking.ref") == 0) {
            /* The reference is made from the record number: that is what the
             * data lacks, not something in the file that holds the URL. */
            int rc = text_err(err, EX_DATAERR, t, p.offset,
                              "placeholder {{booking.ref}}: the patient data has no mrn (or "
                              "booking_ref)");
            err_missing_field(err, "mrn");
            return rc;
        }
        return text_err(err, EX_DATAERR, t, p.offset, "placeholder {{%s}} has no value", p.name);
    default:
        return text_err(err, EX_DATAERR, t, p.offset, "placeholder {{%s}}: %s", p.name,
                        p.why ? p.why : "invalid value");
    }
}

int vars_fill(vars *v, const mp_text *t, mp_text *out, mp_err *err)
{
    return fill_with(v, t, out, vars_lookup, err);
}

int vars_fill_url(vars *v, const mp_text *t, mp_text *out, mp_err *err)
{
    v->url = true;
    int rc = fill_with(v, t, out, url_lookup, err);
    v->url = false;
    return rc;
}
