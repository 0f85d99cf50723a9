/*
 * roster.h — the day's patients, one row at a time, from a CSV export or a
 * YAML list, as patient values the renderer takes.
 *
 * CSV streams (see csv.h): one row in memory at a time. A YAML list is loaded
 * whole (YAML files are bounded by ydoc's size limit). Rows are numbered one
 * way for both, as a spreadsheet shows a CSV: the header is row 1 and the
 * first patient row 2, so the first patient of a YAML list is row 2 too, and
 * a row number names the same patient whichever format the list came in. A row that cannot be a
 * patient (a CSV problem, a bad date, time or yes/no, a field that is not text:
 * patient_value_problem) is returned with a problem message that names the column, never its
 * content, so that it can be reported and skipped.
 *
 * CSV headers are read as field names after csv.h's normalising, and the
 * usual export headers as the fields they mean (Date of Birth, Birth Date:
 * dob; MRN, Medical Record Number: mrn; Patient First Name: first_name ...);
 * two columns that mean one field are an error.
 */
#ifndef MP_ROSTER_H
#define MP_ROSTER_H

#include <stdio.h>

#include "arena.h"
#include "err.h"
#include "patient.h"

typedef struct roster roster;

typedef enum { ROSTER_AUTO, ROSTER_CSV, ROSTER_YAML, ROSTER_FHIR } roster_format;

/* Opens path ("-" for standard input). ROSTER_AUTO picks YAML for .yaml/.yml
 * names, FHIR JSON (fhirin.h) for .json/.ndjson names and for a file whose
 * first character is "{", and CSV otherwise (standard input included:
 * --data-format fhir says otherwise). */
int roster_open(const char *path, roster_format fmt, roster **out, mp_err *err);
void roster_close(roster *r);

/* How the list writes dates with slashes (the clinic's date_order:, or
 * --date-order); DATE_ORDER_ISO, the default, takes YYYY-MM-DD only. Every
 * date is handed on as YYYY-MM-DD. */
void roster_set_date_order(roster *r, date_order order);

/* What a FHIR list needs of the clinic (fhirin_settings): its time zone and
 * record number system; the strings must outlive r. No effect on CSV/YAML. */
void roster_set_fhir(roster *r, const char *timezone, const char *mrn_system);

/* Appointments a FHIR list skipped (cancelled, noshow, entered-in-error);
 * all zero for CSV and YAML. */
typedef struct roster_skips {
    long cancelled, noshow, entered_in_error;
} roster_skips;
roster_skips roster_skipped(const roster *r);

/* Whether a row of the list may hold field name: a column of the CSV (as
 * its header is read), or a key of some patient of a YAML list. */
bool roster_has_field(const roster *r, const char *name);

/* The name used in messages ("<stdin>" for "-"). */
const char *roster_name(const roster *r);

typedef struct roster_row {
    long row; /* as the user counts rows (see above); a FHIR list's entry */
    /* How messages name it: "" for "row N"; a FHIR list's
     * "entry 3 (Appointment/123)" (fhirin.h). */
    char where[96];
    patient patient;     /* in the arena given to roster_next */
    const char *problem; /* non-NULL: a bad row; patient is unusable */
    char problem_buf[256];
} roster_row;

/* The next row: 1 with *row filled (patient data copied into a), 0 at the
 * end, or a sysexits code on a read error. */
int roster_next(roster *r, arena *a, roster_row *row, mp_err *err);

/* One patient of the list: the row whose field equals value exactly (field
 * != NULL), or row number `row` (field == NULL). No match, or more than one,
 * is EX_DATAERR with a message that lists candidates by row and record
 * number only. A bad row on the way is skipped; a bad row that is the one
 * asked for is reported. The patient is copied into a. */
int roster_find(roster *r, const char *field, const char *value, long row, arena *a, patient *out,
                mp_err *err);

/* Whether r reads FHIR JSON (fhirin.h). */
bool roster_is_fhir(const roster *r);

/* The list's one patient (a FHIR file of one Patient, or a Bundle of one
 * appointment): EX_USAGE when it holds more than one, EX_DATAERR when none
 * or when its one row is bad. Copied into a as roster_find copies. */
int roster_only(roster *r, arena *a, patient *out, mp_err *err);

/* Fraction of the input read so far, 0..1, or -1 when unknown (a pipe):
 * for a progress bar's time estimate. */
double roster_progress(const roster *r);

#endif
