/*
 * values.h — one patient's placeholder values, resolved once per row.
 *
 * A packet fills dozens of placeholders for one patient, across its forms.
 * What each name means for that patient (a date checked and written out in
 * the form's language, patient.name, the booking reference, whether the
 * fonts can draw a value) is worked out here once per row, and every
 * placeholder then reads the table: the patient's data goes one way, into
 * the table and out to the page, instead of being parsed again for each use.
 *
 * The names are patient.*, clinic.*, today and booking.ref (forms/README.md);
 * form.* belongs to the form being filled, not to the row, and vars.c
 * answers it, as it does the specimen's and a URL's encoding.
 *
 * A bad value is not an error when the table is built: a field that no
 * placeholder uses may hold anything. Its verdict is kept and given only to
 * the placeholder that uses it.
 *
 * Ownership: the table and every value it gives live in the arena passed to
 * values_build, or in the clinic and patient it was built from, and are
 * freed with them. One table per row, read by the one thread that renders
 * the row (a lookup may write a language's dates into it).
 */
#ifndef MP_VALUES_H
#define MP_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "date.h"
#include "fill.h"
#include "form.h"
#include "patient.h"

typedef struct values_table values_table;

typedef struct values_src {
    const clinic *clinic;   /* NULL: every clinic.* name is "missing" */
    const patient *patient; /* NULL: every patient.* name is "missing" */
    mp_date today;
    /* When set, a patient value with a character no font can draw is
     * FILL_INVALID where it is used, naming the code point (not the value). */
    bool (*covered)(const void *ctx, uint32_t cp);
    const void *covered_ctx;
} values_src;

/* The table of one row. NULL when out of memory (the only failure). */
values_table *values_build(const values_src *src, arena *a);

/* The value of placeholder name[0..len) for the row: dates (dob, *_date,
 * today) written long in language lang (a tag: date_format_long), or, when
 * url is set, as YYYY-MM-DD, every other value as written (vars.c encodes
 * it for the URL). FILL_UNKNOWN for a name the table does not hold (form.*
 * among them); FILL_MISSING and FILL_INVALID (with *why) as fill.h says.
 * *value is NUL-terminated at *value_len and lives as long as the table. */
fill_status values_get(values_table *t, const char *name, size_t len, const char *lang, bool url,
                       const char **value, size_t *value_len, const char **why);

/* HMAC-SHA-256(key, mrn) as 16 lowercase base32 characters (+ NUL): the
 * booking reference when the patient's data has none. */
void values_booking_ref(const char *key, size_t key_len, const char *mrn, size_t mrn_len,
                        char out[17]);

#endif
