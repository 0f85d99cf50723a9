/*
 * vars.c — see vars.h.
 */
#include "vars.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

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

static fill_status from_text(const mp_text *t, const char **value, size_t *value_len)
{
    if (!t || !t->s)
        return FILL_MISSING;
    *value = t->s;
    *value_len = t->len;
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
    return values_get(v->row, name, len, v->form ? v->form->language.s : "en", v->url, value,
                      value_len, why);
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
    /* Most of a form's texts hold no placeholder: without a "{" there is
     * nothing to fill (fill.h's syntax), and the form's own text, which
     * outlives the row, is the filled one, not copied for every patient. */
    if (!t->s || !memchr(t->s, '{', t->len))
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

/* vars_lookup, the value between FSI and PDI (Unicode's first-strong
 * isolate, UAX #9): it keeps its own direction inside the form's wording.
 * On an Arabic form, "call {{clinic.phone}}" after Arabic words otherwise
 * printed the number 555-0142 as 0142-555 (the digits after Arabic letters
 * become Arabic numbers, and the hyphen between them takes the form's
 * direction). The marks draw nothing and are not shaped apart. */
static fill_status isolated_lookup(void *ctx, const char *name, size_t len, const char **value,
                                   size_t *value_len, const char **why)
{
    vars *v = ctx;
    fill_status st = vars_lookup(ctx, name, len, value, value_len, why);
    if (st != FILL_FOUND)
        return st;
    char *s = arena_printf(v->a, "\xE2\x81\xA8%.*s\xE2\x81\xA9", (int)*value_len, *value);
    if (!s) {
        *why = "out of memory";
        return FILL_INVALID;
    }
    *value = s;
    *value_len = strlen(s);
    return FILL_FOUND;
}

int vars_fill(vars *v, const mp_text *t, mp_text *out, mp_err *err)
{
    return fill_with(v, t, out, v->isolate ? isolated_lookup : vars_lookup, err);
}

int vars_fill_url(vars *v, const mp_text *t, mp_text *out, mp_err *err)
{
    v->url = true;
    int rc = fill_with(v, t, out, url_lookup, err);
    v->url = false;
    return rc;
}
