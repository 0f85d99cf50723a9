/*
 * roster.c — see roster.h.
 */
#include "roster.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "fhirin.h"
#include "ydoc.h"

struct roster {
    char *name;
    FILE *in; /* CSV: the stream (not closed when it is stdin) */
    bool own_in;
    long size; /* CSV: file size for progress, or -1 */
    csv_reader *csv;
    fhirin *fhir;
    arena *yaml_arena; /* YAML: the loaded document */
    const ydoc *doc;
    size_t next_item;
    const char **columns; /* CSV: each column's field name, export headers mapped */
    date_order order;
};

/* Headers that scheduling systems and spreadsheets export, as the field
 * names forms use (after csv.h's normalising: "Date of Birth" is
 * date_of_birth). Documented in README.md ("Print a day's packets"). */
static const struct {
    const char *header, *field;
} header_alias[] = {
    {"date_of_birth", "dob"},
    {"birth_date", "dob"},
    {"birthdate", "dob"},
    {"patient_dob", "dob"},
    {"medical_record_number", "mrn"},
    {"record_number", "mrn"},
    {"mrn_number", "mrn"},
    {"patient_mrn", "mrn"},
    {"patient_first_name", "first_name"},
    {"given_name", "first_name"},
    {"firstname", "first_name"},
    {"patient_last_name", "last_name"},
    {"family_name", "last_name"},
    {"surname", "last_name"},
    {"lastname", "last_name"},
    {"appt_date", "appointment_date"},
    {"appointment_day", "appointment_date"},
    {"appt_time", "appointment_time"},
    {"provider", "clinician"},
    {"provider_name", "clinician"},
    {"preferred_language", "language"},
    {"patient_language", "language"},
};

static const char *field_of_header(const char *h)
{
    for (size_t i = 0; i < sizeof header_alias / sizeof header_alias[0]; i++)
        if (strcmp(h, header_alias[i].header) == 0)
            return header_alias[i].field;
    return h;
}

/* Two headers that name one field ("DOB" and "Date of Birth") would make
 * the row ambiguous: refused, by column number. */
static int map_columns(roster *r, mp_err *err)
{
    size_t n = csv_ncolumns(r->csv);
    r->columns = calloc(n ? n : 1, sizeof *r->columns);
    if (!r->columns)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        r->columns[i] = field_of_header(csv_column(r->csv, i));
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->columns[i], r->columns[j]) == 0)
                return err_set(err, EX_DATAERR, r->name, 1, 0,
                               "columns %zu (%s) and %zu (%s) are both read as %s: keep one", j + 1,
                               csv_column(r->csv, j), i + 1, csv_column(r->csv, i), r->columns[i]);
    }
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int roster_open(const char *path, roster_format fmt, roster **out, mp_err *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    /* Left ROSTER_AUTO: CSV, unless the file's first character says JSON. */
    if (fmt == ROSTER_AUTO && !is_stdin && (ends_with(path, ".yaml") || ends_with(path, ".yml")))
        fmt = ROSTER_YAML;
    if (fmt == ROSTER_AUTO && !is_stdin && (ends_with(path, ".json") || ends_with(path, ".ndjson")))
        fmt = ROSTER_FHIR;
    roster *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(is_stdin ? "<stdin>" : path))) {
        free(r);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    r->size = -1;
    int rc = 0;
    if (fmt == ROSTER_YAML) {
        ydoc *doc;
        r->yaml_arena = arena_new();
        if (!r->yaml_arena)
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        else if (!(rc = ydoc_open(is_stdin ? "/dev/stdin" : path, r->yaml_arena, &doc, err))) {
            r->doc = doc;
            if (doc->root->kind != YNODE_SEQ)
                rc = err_set(err, EX_DATAERR, r->name, doc->root->line, doc->root->col,
                             "a patient list must be a YAML list of patients (- first_name: ...)");
        }
    } else {
        r->in = is_stdin ? stdin : fopen(path, "rb");
        r->own_in = !is_stdin;
        if (!r->in) {
            rc = err_set(err, EX_NOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
        } else {
            struct stat st;
            if (fstat(fileno(r->in), &st) == 0 && S_ISREG(st.st_mode))
                r->size = (long)st.st_size;
            /* A file named .csv (or anything) that holds JSON is FHIR: an
             * EHR's export may be named by its date alone. Only a regular
             * file is looked into; a pipe cannot be read twice. */
            if (fmt == ROSTER_AUTO && r->size > 0) {
                char head[64];
                size_t got = fread(head, 1, sizeof head, r->in);
                if (fhirin_sniff(head, got))
                    fmt = ROSTER_FHIR;
                if (fseek(r->in, 0, SEEK_SET) != 0)
                    rc = err_set(err, EX_IOERR, path, 0, 0, "cannot read: %s", strerror(errno));
            }
            if (rc)
                ;
            else if (fmt == ROSTER_FHIR)
                rc = fhirin_open(r->in, is_stdin ? NULL : path, r->name, &r->fhir, err);
            else if (!(rc = csv_open(r->in, r->name, &r->csv, err)))
                rc = map_columns(r, err);
        }
    }
    if (rc) {
        roster_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void roster_close(roster *r)
{
    if (!r)
        return;
    csv_close(r->csv);
    fhirin_close(r->fhir);
    free(r->columns);
    if (r->in && r->own_in)
        fclose(r->in);
    arena_free(r->yaml_arena);
    free(r->name);
    free(r);
}

const char *roster_name(const roster *r)
{
    return r->name;
}

void roster_set_fhir(roster *r, const char *timezone, const char *mrn_system)
{
    if (r->fhir)
        fhirin_configure(r->fhir, &(fhirin_settings){timezone, mrn_system});
}

roster_skips roster_skipped(const roster *r)
{
    roster_skips k = {0, 0, 0};
    if (r->fhir) {
        fhirin_skips f = fhirin_skipped(r->fhir);
        k = (roster_skips){f.cancelled, f.noshow, f.entered_in_error};
    }
    return k;
}

bool roster_has_field(const roster *r, const char *name)
{
    if (r->fhir)
        return fhirin_has_field(name);
    if (r->csv) {
        for (size_t i = 0; i < csv_ncolumns(r->csv); i++)
            if (strcmp(r->columns[i], name) == 0)
                return true;
        return false;
    }
    const ynode *list = r->doc->root;
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i]->kind == YNODE_MAP && ydoc_get(list->items[i], name))
            return true;
    return false;
}

void roster_set_date_order(roster *r, date_order order)
{
    r->order = order;
}

double roster_progress(const roster *r)
{
    if (r->fhir)
        return fhirin_progress(r->fhir);
    if (r->doc)
        return r->doc->root->count ? (double)r->next_item / (double)r->doc->root->count : 1.0;
    if (r->size <= 0 || !r->in)
        return -1;
    long pos = ftell(r->in);
    return pos < 0 ? -1 : (double)pos / (double)r->size;
}

static void problem(roster_row *row, const char *fmt, const char *column)
{
    snprintf(row->problem_buf, sizeof row->problem_buf, fmt, column);
    row->problem = row->problem_buf;
}

/* Values are checked (and dates put as YYYY-MM-DD) when a row is read, as
 * for a single patient file: a bad value is this row's error. */
static void check_values(const roster *r, roster_row *row, arena *a)
{
    for (size_t i = 0; i < row->patient.nfields; i++) {
        patient_value *v = &row->patient.fields[i];
        const char *why = patient_value_problem(v->name, &v->value, r->order, a);
        if (!why)
            continue;
        /* 12/01/2026 in a list read as YYYY-MM-DD: say how to read it. */
        bool slashes = r->order == DATE_ORDER_ISO &&
                       patient_is_date_field(v->name, strlen(v->name)) &&
                       memchr(v->value.s, '/', v->value.len);
        snprintf(row->problem_buf, sizeof row->problem_buf, "column %s %s%s", v->name, why,
                 slashes ? "; if the list writes dates as MM/DD/YYYY, say so with date_order: mdy "
                           "in clinic.yaml or --date-order mdy"
                         : "");
        row->problem = row->problem_buf;
        return;
    }
}

static bool all_empty(const csv_record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++)
        if (rec->lens[i])
            return false;
    return true;
}

static int next_csv(roster *r, arena *a, roster_row *row, mp_err *err)
{
    csv_record rec;
    int rc;
    /* ",,,," is what a spreadsheet exports for a blank row: not a patient. */
    while ((rc = csv_next(r->csv, &rec, err)) == 1 && !rec.problem && all_empty(&rec))
        ;
    if (rc != 1)
        return rc;
    row->row = rec.row;
    if (rec.problem) {
        snprintf(row->problem_buf, sizeof row->problem_buf, "%s", rec.problem);
        row->problem = row->problem_buf;
        return 1;
    }
    patient *p = &row->patient;
    p->source = r->name;
    p->row = rec.row;
    p->fields = arena_array(a, rec.nfields, sizeof *p->fields);
    if (rec.nfields && !p->fields)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < rec.nfields; i++) {
        if (rec.lens[i] == 0)
            continue; /* an empty cell is a missing value */
        patient_value *v = &p->fields[p->nfields++];
        v->name = r->columns[i];
        v->value.s = arena_strndup(a, rec.fields[i], rec.lens[i]);
        v->value.len = rec.lens[i];
        if (!v->value.s)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    check_values(r, row, a);
    return 1;
}

static int next_yaml(roster *r, arena *a, roster_row *row, mp_err *err)
{
    const ynode *list = r->doc->root;
    if (r->next_item >= list->count)
        return 0;
    const ynode *item = list->items[r->next_item++];
    /* Counted as a spreadsheet counts a CSV under its header (roster.h):
     * the first patient is row 2 in either format. */
    row->row = (long)r->next_item + 1;
    patient *p = &row->patient;
    p->source = r->name;
    p->row = row->row;
    if (item->kind != YNODE_MAP) {
        problem(row, "%s", "a patient must be a mapping of fields");
        return 1;
    }
    p->fields = arena_array(a, item->count, sizeof *p->fields);
    if (item->count && !p->fields)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < item->count; i++) {
        const ynode *k = item->keys[i], *v = item->vals[i];
        if (v->kind != YNODE_SCALAR) {
            problem(row, "field %s must be a text", k->str);
            return 1;
        }
        if (ydoc_is_null(v) || v->len == 0)
            continue;
        patient_value *pv = &p->fields[p->nfields++];
        /* Copied: the row outlives nothing, but the document is the roster's. */
        pv->name = arena_strdup(a, k->str);
        pv->value.s = arena_strndup(a, v->str, v->len);
        pv->value.len = v->len;
        if (!pv->name || !pv->value.s)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    check_values(r, row, a);
    return 1;
}

/* A FHIR row's values are made by the mapping (fhirin.c), which checks
 * them as it goes: nothing to rewrite. */
static int next_fhir(roster *r, arena *a, roster_row *row, mp_err *err)
{
    fhirin_row fr;
    int rc = fhirin_next(r->fhir, a, &fr, err);
    if (rc != 1)
        return rc;
    row->row = fr.entry;
    memcpy(row->where, fr.where, sizeof row->where);
    row->patient = fr.patient;
    if (fr.problem) {
        memcpy(row->problem_buf, fr.problem_buf, sizeof row->problem_buf);
        row->problem = row->problem_buf;
    }
    return 1;
}

int roster_next(roster *r, arena *a, roster_row *row, mp_err *err)
{
    memset(row, 0, sizeof *row);
    return r->fhir  ? next_fhir(r, a, row, err)
           : r->csv ? next_csv(r, a, row, err)
                    : next_yaml(r, a, row, err);
}

int roster_find(roster *r, const char *field, const char *value, long row, arena *a, patient *out,
                mp_err *err)
{
    /* The field named as the list's header names it ("MRN", "Date of
     * Birth"): read as the header is. */
    char named[64];
    if (field) {
        size_t k = 0;
        for (; k < sizeof named - 1 && field[k]; k++) {
            char c = field[k];
            named[k] = c >= 'A' && c <= 'Z'   ? (char)(c - 'A' + 'a')
                       : c == ' ' || c == '-' ? '_'
                                              : c;
        }
        named[k] = '\0';
        field = field_of_header(named);
    }
    if (!field && row == 1 && !r->fhir)
        return err_set(err, EX_DATAERR, r->name, 0, 0,
                       r->csv ? "row 1 is the list's header; the first patient is row 2"
                              : "rows are counted as in a spreadsheet with a header row: the "
                                "first patient is row 2");
    char found[256] = "";
    size_t nfound = 0, flen = field ? strlen(field) : 0;
    for (;;) {
        roster_row rr;
        int rc = roster_next(r, a, &rr, err);
        if (rc == 0)
            break;
        if (rc != 1)
            return rc;
        bool match;
        if (!field) {
            match = rr.row == row;
        } else {
            const mp_text *v = rr.problem ? NULL : patient_get(&rr.patient, field, flen);
            match = v && strcmp(v->s, value) == 0;
        }
        if (!match)
            continue;
        if (rr.problem) {
            err_set(err, EX_DATAERR, r->name, 0, 0, "%s", rr.problem);
            err->row = rr.row;
            memcpy(err->where, rr.where, sizeof err->where);
            return EX_DATAERR;
        }
        if (nfound++ == 0) {
            /* CSV column names belong to the reader: copy them, so that the
             * patient outlives the roster. */
            *out = rr.patient;
            for (size_t i = 0; i < out->nfields; i++)
                if (!(out->fields[i].name = arena_strdup(a, out->fields[i].name)))
                    return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        }
        /* Candidates by row and record number only: no names in a message. */
        char rowname[32];
        const mp_text *mrn = patient_get(&rr.patient, "mrn", 3);
        size_t used = strlen(found);
        if (used < sizeof found - 40)
            snprintf(found + used, sizeof found - used, "%s%s (record %s)", nfound > 1 ? ", " : "",
                     patient_place(&rr.patient, rowname, sizeof rowname), mrn ? mrn->s : "none");
        if (!field)
            break;
    }
    if (nfound == 1)
        return 0;
    if (nfound == 0)
        return field ? err_set(err, EX_DATAERR, r->name, 0, 0, "no row has %s = %s", field, value)
                     : err_set(err, EX_DATAERR, r->name, 0, 0, "there is no %s %ld",
                               r->fhir ? "entry" : "row", row);
    return err_set(err, EX_DATAERR, r->name, 0, 0,
                   "%zu rows have %s = %s: %s; pick one with --row N", nfound, field, value, found);
}

bool roster_is_fhir(const roster *r)
{
    return r->fhir != NULL;
}

int roster_only(roster *r, arena *a, patient *out, mp_err *err)
{
    long n = 0;
    for (;;) {
        roster_row rr;
        int rc = roster_next(r, a, &rr, err);
        if (rc == 0)
            break;
        if (rc != 1)
            return rc;
        if (++n > 1)
            return err_set(err, EX_USAGE, r->name, 0, 0,
                           "a list of patients: pick one with --select FIELD=VALUE or --row N");
        if (rr.problem) {
            err_set(err, EX_DATAERR, r->name, 0, 0, "%s", rr.problem);
            err->row = rr.row;
            memcpy(err->where, rr.where, sizeof err->where);
            return EX_DATAERR;
        }
        *out = rr.patient;
    }
    if (n == 0)
        return err_set(err, EX_DATAERR, r->name, 0, 0, "holds no patient to print");
    return 0;
}
