/*
 * fuzz_csv.c — libFuzzer harness for the streaming CSV reader (csv.c).
 *
 * The input is a whole patient list, read through fmemopen as batch reads a
 * file. Besides not crashing, the reader must keep the promises of csv.h:
 * column names are [a-z0-9_]+; a good record has exactly one field per
 * column, each NUL-terminated at its length and valid UTF-8 without NUL; a
 * bad record carries a problem and no fields; rows and lines only go
 * forward; and the input is read to its end. A broken promise is an abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer; csv_open's EOF case is a unit test */
    FILE *in = fmemopen((void *)data, size, "r");
    if (!in)
        return 0;
    csv_reader *r;
    mp_err err;
    err_clear(&err);
    int rc = csv_open(in, "fuzz.csv", &r, &err);
    if (rc) {
        if (rc != EX_DATAERR || err.code != rc || !err.msg[0])
            abort();
        fclose(in);
        return 0;
    }
    size_t ncol = csv_ncolumns(r);
    if (ncol == 0 || ncol > CSV_MAX_COLUMNS)
        abort();
    for (size_t i = 0; i < ncol; i++) {
        const char *c = csv_column(r, i);
        if (!c[0])
            abort();
        for (; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
                abort();
    }
    csv_record rec;
    long last_row = 1, last_line = 1;
    while ((rc = csv_next(r, &rec, &err)) == 1) {
        if (rec.row <= last_row || rec.line < last_line || rec.line < rec.row)
            abort();
        last_row = rec.row;
        last_line = rec.line;
        if (rec.problem) {
            if (rec.nfields != 0 || rec.fields != NULL || !rec.problem[0])
                abort();
            continue;
        }
        if (rec.nfields != ncol || !rec.fields || !rec.lens)
            abort();
        for (size_t i = 0; i < ncol; i++) {
            if (rec.fields[i][rec.lens[i]] != '\0' || strlen(rec.fields[i]) != rec.lens[i] ||
                rec.lens[i] > CSV_MAX_FIELD || !utf8_valid(rec.fields[i], rec.lens[i], NULL))
                abort();
        }
    }
    if (rc != 0)
        abort(); /* no I/O error or OOM can happen on a memory stream */
    if (!feof(in) && fgetc(in) != EOF)
        abort(); /* the reader stopped before the end */
    csv_close(r);
    fclose(in);
    return 0;
}
