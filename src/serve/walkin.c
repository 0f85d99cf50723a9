/*
 * walkin.c — see walkin.h. The rules of a value are patient.h's; this file
 * adds what a form typed at a desk needs: required fields, a length limit,
 * one line, and the packet's own languages.
 */
#include "walkin.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "date.h"

const walkin_field walkin_fields[WALKIN_NFIELDS] = {
    {"first_name", true, "text"},
    {"last_name", true, "text"},
    {"dob", true, "date"},
    {"mrn", true, "text"},
    {"appointment_date", false, "date"},
    {"clinician", false, "text"},
    {"language", false, "language"},
};

const walkin_probe_field walkin_probe_fields[WALKIN_NPROBE_FIELDS] = {
    {"first_name", "Sample"},
    {"last_name", "Patient"},
    {"dob", "2000-01-01"},
    {"mrn", "X0"},
    {"appointment_date", "2000-01-01"},
    {"appointment_time", "09:30"},
    {"clinician", "Sample Clinician"},
};
_Static_assert(WALKIN_NPROBE_FIELDS <= sizeof(unsigned) * 8, "a needs mask has a bit per field");

const walkin_field *walkin_field_named(const char *name)
{
    for (size_t f = 0; f < WALKIN_NFIELDS; f++)
        if (strcmp(walkin_fields[f].name, name) == 0)
            return &walkin_fields[f];
    return NULL;
}

/* s[0..*n) without the spaces around it. */
static const char *trim(const char *s, size_t *n)
{
    while (*n && s[*n - 1] == ' ')
        (*n)--;
    while (*n && *s == ' ')
        s++, (*n)--;
    return s;
}

const char *walkin_problem(const walkin_field *f, bool required, const char *text,
                           const packet *const *variants, size_t nvariants, char *buf,
                           size_t bufsize, msg_id *id)
{
    if (!text)
        return *id = MSG_UI_ERR_ONE_LINE, "must be a text";
    size_t n = strlen(text); /* no NUL inside: the parser refuses "\u0000" */
    const char *s = trim(text, &n);
    if (n == 0)
        return required ? (*id = MSG_UI_ERR_REQUIRED, "is required") : NULL;
    if (n > WALKIN_MAX_FIELD)
        return *id = MSG_UI_ERR_TOO_LONG, "is too long";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return *id = MSG_UI_ERR_ONE_LINE, "must be one line of text";
    if (strcmp(f->type, "date") == 0)
        return *id = MSG_UI_ERR_DATE, patient_date_problem(s, n);
    if (strcmp(f->type, "language") == 0) {
        *id = MSG_UI_ERR_LANGUAGE;
        /* A tag or a name, as the list's language column may hold; a
         * variant in another script or language is no walk-in's choice. */
        char want[WALKIN_MAX_FIELD + 1];
        memcpy(want, s, n);
        want[n] = '\0';
        packet_choice choice;
        packet_pick(variants, nvariants, want, &choice);
        if (!packet_choice_fallback(&choice))
            return NULL;
        size_t used = (size_t)snprintf(buf, bufsize, "is not a language of this packet (");
        if (used < bufsize)
            used += render_language_list(variants, nvariants, false, buf + used, bufsize - used);
        if (used < bufsize)
            snprintf(buf + used, bufsize - used, ")");
        return buf;
    }
    return NULL;
}

const char *walkin_say(const char *lang, msg_id id, const char *english)
{
    return strcmp(lang, "en") == 0 ? english : msg_get(lang, id);
}

int walkin_set(patient *pt, const walkin_field *f, const char *text, arena *a, mp_err *err)
{
    size_t n = strlen(text);
    const char *s = trim(text, &n);
    if (!n)
        return 0;
    char *copy = arena_strndup(a, s, n);
    return !copy || patient_set(pt, f->name, copy, a, err) ? -1 : 0;
}

void walkin_seen_today(patient *pt, arena *a, mp_err *err)
{
    if (patient_get(pt, "appointment_date", 16))
        return;
    int64_t now;
    mp_date today;
    char iso[11];
    if (date_clock(&now, &today, err) == 0) {
        date_format_iso(today, iso);
        patient_set(pt, "appointment_date", iso, a, err);
    }
}

/* Lays out pk for a made-up patient with every probe field but
 * walkin_probe_fields[skip] (none when skip is WALKIN_NPROBE_FIELDS). 0, or
 * the layout's error in *err; -1 when out of memory. */
static int layout_without(const packet *pk, const render_env *env, size_t skip, mp_err *err)
{
    arena *a = arena_new();
    if (!a)
        return -1;
    patient pt = {.source = "probe"};
    int rc = 0;
    for (size_t f = 0; f < WALKIN_NPROBE_FIELDS && !rc; f++)
        if (f != skip &&
            patient_set(&pt, walkin_probe_fields[f].name, walkin_probe_fields[f].sample, a, err))
            rc = -1; /* the made-up values are valid: only memory can fail */
    const layout_doc *doc;
    err_clear(err);
    if (!rc)
        rc = render_layout(pk, env, &pt, a, &doc, err);
    arena_free(a);
    return rc;
}

int walkin_probe(const packet *pk, const render_env *env, unsigned *needs)
{
    *needs = 0;
    mp_err err;
    int full = layout_without(pk, env, WALKIN_NPROBE_FIELDS, &err);
    if (full < 0)
        return -1;
    for (size_t f = 0; f < WALKIN_NPROBE_FIELDS; f++) {
        int rc = layout_without(pk, env, f, &err);
        if (rc < 0)
            return -1;
        /* With all the others there, any failure is for want of this one,
         * whatever it says ("placeholder {{booking.ref}} has no value" for
         * the mrn a booking reference is made of). */
        if (rc && (full == 0 || strcmp(err.field, walkin_probe_fields[f].name) == 0))
            *needs |= 1u << f;
    }
    return 0;
}

bool walkin_required(const walkin_field *f, unsigned needs)
{
    if (f->required)
        return true;
    /* A walk-in without an appointment date is seen today (walkin_seen_today). */
    if (strcmp(f->name, "appointment_date") == 0)
        return false;
    for (size_t i = 0; i < WALKIN_NPROBE_FIELDS; i++)
        if (strcmp(walkin_probe_fields[i].name, f->name) == 0 && (needs & (1u << i)))
            return true;
    return false;
}
