/*
 * patient.h — one patient's data: named fields with their texts.
 *
 * Loaded from a YAML mapping now, and from a CSV row by the batch reader, the
 * same struct either way. Dates (`dob` and any `*_date` field) are checked at
 * load time, so a bad date is reported where it was written, before anything
 * is rendered.
 *
 * Ownership: everything lives in the arena passed to the loader.
 */
#ifndef MP_PATIENT_H
#define MP_PATIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "date.h"
#include "err.h"
#include "form.h"

typedef struct patient_value {
    const char *name; /* field name: [a-z0-9_]+ */
    mp_text value;    /* the text as written; .node NULL for CSV values */
} patient_value;

/* Who the patient and the visit are in the EHR, when the list came from FHIR
 * (fhirin.h): what a DocumentReference filed back names as its subject and
 * context. Every member may be NULL: a CSV row has none of them. */
typedef struct patient_fhir {
    const char *patient_ref;     /* "Patient/123" (relative, as the server names it) */
    const char *appointment_ref; /* "Appointment/9" */
    const char *mrn_system;      /* Identifier.system the record number (field mrn) came with */
} patient_fhir;

typedef struct patient {
    const char *source; /* the file it came from, for messages */
    long row;           /* its row in a patient list, or 0 for a file of its own; for
                         * FHIR, the Bundle entry (1-based) or NDJSON line */
    /* How messages name the row: NULL for "row N"; for FHIR,
     * "entry 3 (Appointment/123)" (patient_place). */
    const char *where;
    patient_fhir fhir;
    patient_value *fields;
    size_t nfields;
} patient;

/* How a message names p's row: "row 12", or p->where. */
const char *patient_place(const patient *p, char *buf, size_t n);

/* Loads one patient from a YAML file whose root is a mapping of fields.
 * A list of patients is an EX_DATAERR error. */
int patient_load_yaml(const char *path, arena *a, patient *out, mp_err *err);

/* The field's value, or NULL when the patient has no such field (or it is empty). */
const mp_text *patient_get(const patient *p, const char *name, size_t name_len);

/* NULL when s[0..n) is a valid YYYY-MM-DD date; else why not, in words that
 * tell what to fix without repeating the value ("is not a date that exists
 * (check the month and the day)"). */
const char *patient_date_problem(const char *s, size_t n);

/* The one check of a field's value, wherever it came from (a list's row, a
 * patient file, --set): NULL when it is good, else why not, without the
 * value. Dates (dob, *_date) are YYYY-MM-DD or, with order, MM/DD/YYYY or
 * DD/MM/YYYY, and are rewritten as YYYY-MM-DD; large_print is a yes or a no
 * (patient_yes_no); appointment_time is 14:30 or 2:30 PM, rewritten as
 * HH:MM. A rewritten value is copied into a. */
const char *patient_value_problem(const char *name, mp_text *value, date_order order, arena *a);

/* yes/y/true/1/x/si/sí or no/n/false/0, any case: true with *out set;
 * false for anything else. */
bool patient_yes_no(const char *s, bool *out);

/* Sets field name (a-z, 0-9, _) to value, adding it or replacing what the
 * data had (--set patient.NAME=VALUE, a walk-in's form). Only the fields a
 * clinic's data has or may have are accepted: the standard ones and those
 * already present. Dates are checked. Copies into a. Returns 0 or
 * EX_USAGE/EX_DATAERR with *err set. */
int patient_set(patient *p, const char *name, const char *value, arena *a, mp_err *err);

/* The same without the list of fields a clinic's data may have: for a field
 * the caller knows is wanted (one the packet's forms use: --set
 * patient.room=12B for a form that prints {{patient.room}}). */
int patient_put(patient *p, const char *name, const char *value, arena *a, mp_err *err);

/* True for field names that hold dates: "dob" and names ending in "_date". */
bool patient_is_date_field(const char *name, size_t len);

#endif
