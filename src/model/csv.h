/*
 * csv.h — a streaming reader of patient lists exported as CSV (RFC 4180).
 *
 * What scheduling systems really export: quoted fields holding commas,
 * doubled quotes and line breaks; CRLF or LF line ends (a final line end is
 * optional); an optional UTF-8 byte order mark; a header row naming the
 * columns. Memory stays flat whatever the number of rows: one record is held
 * at a time, in a buffer reused from record to record.
 *
 * Header names are normalised to placeholder-friendly field names: leading
 * and trailing spaces dropped, ASCII letters lowercased, spaces and hyphens
 * made "_" ("First Name" -> first_name, "DOB" -> dob). A header that is empty,
 * repeated, not valid UTF-8, or that normalises to something other than
 * [a-z0-9_]+ is a fatal error (EX_DATAERR, "FILE:1: ...").
 *
 * A bad record is not fatal: csv_next() returns it with .problem set (the
 * caller reports "FILE: row N: problem" and goes on), and reading resumes at
 * the next record. Problems never quote the field's content (patient data),
 * only the column's name. Bad records: invalid UTF-8 or a NUL byte in a
 * field, more fields than the header has, a quote inside an unquoted field,
 * text after a closing quote, a field longer than CSV_MAX_FIELD bytes or a
 * record longer than CSV_MAX_RECORD bytes, and a quoted field still open at
 * the end of the file. A record with fewer fields than the header is
 * accepted: the missing trailing fields are empty, as some exports write them.
 * A completely empty line is skipped (it is not a patient). A header row
 * longer than CSV_MAX_RECORD, or a row with no line end in CSV_MAX_SKIP bytes,
 * ends the reading at once with EX_DATAERR: that input is no CSV file.
 *
 * Rows are numbered as a spreadsheet shows them: the header is row 1, the
 * first patient row 2; a record that spans several lines is still one row.
 */
#ifndef MP_CSV_H
#define MP_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define CSV_MAX_FIELD (64u << 10)
#define CSV_MAX_RECORD (1u << 20)
#define CSV_MAX_COLUMNS 256
/* A row with no line end in this many bytes ends the reading (EX_DATAERR):
 * the input is not a CSV file (/dev/zero, a binary file). */
#define CSV_MAX_SKIP (16u << 20)

typedef struct csv_reader csv_reader;

/* Reads the header from in (not closed by the reader; may be stdin). name is
 * used in messages. Returns 0, EX_DATAERR (bad or missing header), EX_IOERR. */
int csv_open(FILE *in, const char *name, csv_reader **out, mp_err *err);
void csv_close(csv_reader *r);

size_t csv_ncolumns(const csv_reader *r);
/* The normalised name of column i. */
const char *csv_column(const csv_reader *r, size_t i);

typedef struct csv_record {
    long row;       /* spreadsheet row number (header = 1) */
    long line;      /* 1-based line where the record starts */
    size_t nfields; /* == csv_ncolumns() when problem is NULL */
    const char *
        *fields; /* NUL-terminated, valid UTF-8; owned by the reader, valid until the next call */
    const size_t *lens;
    const char
        *problem; /* non-NULL: this record is bad (fields unusable); a message without content */
} csv_record;

/* The next record: returns 1 with *rec filled, 0 at the end of the input,
 * or a sysexits code on a read error (EX_IOERR), OOM (EX_OSERR), or a row
 * with no line end in CSV_MAX_SKIP bytes (EX_DATAERR). */
int csv_next(csv_reader *r, csv_record *rec, mp_err *err);

#endif
