/*
 * fhirin.h — the day's patients from FHIR R4 JSON, as roster rows
 * (roster.h reads a FHIR file through this; callers use roster.h).
 *
 * What it reads (docs/fhir.md has the mapping with its FHIR paths):
 *   - a Bundle (a searchset as Appointment?date=...&_include=Appointment:patient
 *     answers, a collection, a transaction): its Appointments are the rows,
 *     their Patients and Practitioners found among its entries; a Bundle
 *     with no Appointment has its Patients as rows;
 *   - one Patient, or one Appointment (which then names no Patient it holds:
 *     a row error);
 *   - NDJSON (Bulk Data export), one resource a line: Patients, each a row,
 *     streamed so that memory stays flat whatever the number of lines; or
 *     Appointments, whose Patients and Practitioners are lines of the same
 *     file or of Patient.ndjson and Practitioner.ndjson beside it (an export
 *     folder): those are held in memory, trimmed to what is mapped.
 * A pretty-printed document is read whole (at most FHIRIN_MAX_DOC bytes);
 * a file whose first line is a whole JSON value is NDJSON (a minified
 * Bundle is then a one-line file, and is expanded as a Bundle).
 *
 * Rows are numbered by entry: the Bundle's entry (1-based), or the NDJSON
 * line; messages name them "entry 3 (Appointment/123)". Appointments that
 * are cancelled, noshow or entered-in-error are skipped and counted
 * (fhirin_skipped), never rows. Problems name FHIR paths and resource ids,
 * never a value: no patient data in messages.
 *
 * JSON is parsed with jansson (Debian's libjansson: already what serve reads
 * request bodies with; it rejects duplicate keys and bounds nesting).
 */
#ifndef MP_FHIRIN_H
#define MP_FHIRIN_H

#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "err.h"
#include "patient.h"

/* A pretty-printed JSON document, or one NDJSON line, larger than this is
 * refused (EX_DATAERR): a day's Bundle is far smaller. */
#define FHIRIN_MAX_DOC (64u << 20)
/* A Patient, Appointment or Practitioner larger than this is a row error:
 * no chart needs a megabyte to say who a patient is (a narrative or photo
 * that large is not read). */
#define FHIRIN_MAX_RESOURCE (1u << 20)

typedef struct fhirin fhirin;

typedef struct fhirin_settings {
    const char *timezone;   /* the clinic's IANA zone, or NULL: an instant's own offset */
    const char *mrn_system; /* the record number's Identifier.system, or NULL: type MR */
} fhirin_settings;

/* Reads from in (kept open; the caller closes it). path is the file's name
 * (NULL for standard input: Patient.ndjson beside it is then not looked
 * for); name is used in messages. Reads as far as the first row, so that a
 * file that is not FHIR, or not JSON at its start, is refused here (a
 * document is parsed whole here). */
int fhirin_open(FILE *in, const char *path, const char *name, fhirin **out, mp_err *err);
void fhirin_close(fhirin *r);
/* Before the first fhirin_next. The strings must outlive r. */
void fhirin_configure(fhirin *r, const fhirin_settings *s);

typedef struct fhirin_row {
    long entry;      /* the Bundle entry or NDJSON line, 1-based */
    char where[96];  /* "entry 3 (Appointment/123)" */
    patient patient; /* in the arena given; unusable when problem is set */
    const char *problem;
    char problem_buf[256];
} fhirin_row;

/* The next row: 1 with *row filled, 0 at the end, or a sysexits code for
 * input that cannot be read on (not JSON, not FHIR, too large, I/O). */
int fhirin_next(fhirin *r, arena *a, fhirin_row *row, mp_err *err);

/* Appointments skipped so far, by status. */
typedef struct fhirin_skips {
    long cancelled, noshow, entered_in_error;
} fhirin_skips;
fhirin_skips fhirin_skipped(const fhirin *r);

/* Fraction read, 0..1, or -1 when unknown. */
double fhirin_progress(const fhirin *r);

/* Whether the rows can hold field name (first_name, dob, mrn, language,
 * and for Appointments appointment_date, appointment_time, clinician). */
bool fhirin_has_field(const char *name);

/* Whether id[0..n) is a FHIR id, [A-Za-z0-9-.]{1,64} (R4 2.24.0.1): safe to
 * print in a message and to put in a URL as it is. */
bool fhirin_good_id(const char *id, size_t n);

/* Whether the start of a file looks like JSON (its first byte other than
 * white space or a byte order mark is "{"): how roster.h tells FHIR from
 * CSV in a file whose name does not say. */
bool fhirin_sniff(const char *head, size_t n);

#endif
