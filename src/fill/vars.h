/*
 * vars.h — what placeholders mean: the names of forms/README.md's table
 * (patient.*, clinic.*, form.*, today, booking.ref) resolved for one form
 * and one row's values (values.h), and the QR privacy rule about them.
 *
 * This and values.c, which resolves a row's patient.*, clinic.*, today and
 * booking.ref once, are the places that know placeholder names; fill.c only
 * parses them.
 */
#ifndef MP_VARS_H
#define MP_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "err.h"
#include "fill.h"
#include "form.h"
#include "values.h"

typedef struct vars {
    const form *form;
    values_table *row; /* the patient's values, built once per row (values_build) */
    arena *a;          /* for filled texts */
    /* Specimen for review: what varies per patient (patient.*, today,
     * booking.ref) is shown as its name between VARS_OPEN and VARS_CLOSE
     * instead of a value; clinic and form values are filled as usual. */
    bool specimen;
    /* Each value filled into a text keeps its own direction (vars_fill wraps
     * it in Unicode's first-strong isolate): set for a right-to-left form. */
    bool isolate;
    bool url;      /* set by vars_fill_url while it fills */
    bool in_title; /* filling {{form.title}}: it may not name itself */
} vars;

#define VARS_OPEN "\xE2\x80\xB9"  /* U+2039 SINGLE LEFT-POINTING ANGLE QUOTATION MARK */
#define VARS_CLOSE "\xE2\x80\xBA" /* U+203A */

/* The fill_lookup_fn for a vars context. *value is NUL-terminated at
 * *value_len and lives as long as v->a (or the form or the row's table). */
fill_status vars_lookup(void *ctx, const char *name, size_t name_len, const char **value,
                        size_t *value_len, const char **why);

/* Fills the placeholders of t into *out (in v->a). Errors name the place of
 * the placeholder in t's file. An unset t gives an unset *out. */
int vars_fill(vars *v, const mp_text *t, mp_text *out, mp_err *err);

/* The same for a URL (a booking_url, a booking_qr's url:): every value is
 * percent-encoded, so that "A B/?#&x" stays one value, and dates (patient
 * dates, today) are written YYYY-MM-DD, not "December 1, 2026". */
int vars_fill_url(vars *v, const mp_text *t, mp_text *out, mp_err *err);

/* True when a placeholder name would put a patient identifier into a URL
 * (name, date of birth, record number, contact details, free-form fields). */
bool vars_identifies_patient(const char *name, size_t len);

/* The first placeholder in a URL pattern that would identify the patient:
 * true with its byte offset and name (truncated to 127 bytes); false when
 * there is none. *bad is set (and false returned) when the pattern's
 * placeholder syntax is broken, with *offset at the problem. */
typedef struct vars_phi {
    bool found, bad;
    size_t offset;
    char name[128];
    const char *why; /* for bad syntax */
} vars_phi;
void vars_find_identifier(const char *pattern, size_t len, vars_phi *out);

#endif
