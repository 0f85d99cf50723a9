/* Unit tests for csv.c: the RFC 4180 grammar as scheduling systems export it,
 * the header rules, bad records named by column and skipped, row and line
 * numbers as the user sees them, flat memory over a long list, and a
 * fuzz-style loop over hostile bytes. */
#define _GNU_SOURCE /* fopencookie, to make a stream that fails */
#include "check.h"
#include "csv.h"
#include "utf8.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* A stream over n bytes (NULs included). tmpfile, not fmemopen: a zero-size
 * fmemopen buffer is not portable, and this way every input is a real FILE. */
static FILE *stream(const char *s, size_t n)
{
    FILE *f = tmpfile();
    if (!f || (n && fwrite(s, 1, n, f) != n) || fseek(f, 0, SEEK_SET) != 0) {
        perror("tmpfile");
        exit(2);
    }
    return f;
}

/* A reader over a string literal (sizeof - 1, so NULs inside are kept). */
#define OPEN(lit, r, err) open_bytes(lit, sizeof(lit) - 1, r, err)

/* The next record of r has field col equal to want, at that row and line
 * (a macro, so that a failure names the caller's line). */
#define EXPECT_NEXT(r, col, want, row_, line_)                                                     \
    do {                                                                                           \
        csv_record rec_;                                                                           \
        mp_err err_;                                                                               \
        CHECK_INT(csv_next(r, &rec_, &err_), 1);                                                   \
        CHECK_STR(rec_.fields[col], want);                                                         \
        CHECK_INT(rec_.row, row_);                                                                 \
        CHECK_INT(rec_.line, line_);                                                               \
    } while (0)

static FILE *current;

static int open_bytes(const char *s, size_t n, csv_reader **r, mp_err *err)
{
    current = stream(s, n);
    err_clear(err);
    int rc = csv_open(current, "patients.csv", r, err);
    if (rc)
        fclose(current);
    return rc;
}

static void close_reader(csv_reader *r)
{
    csv_close(r);
    fclose(current);
}

/* The header error for input s, formatted as the CLI prints it. */
static const char *header_error(const char *s, size_t n, int *code)
{
    static char buf[1200];
    csv_reader *r;
    mp_err err;
    *code = open_bytes(s, n, &r, &err);
    if (*code == 0) {
        close_reader(r);
        return "(no error)";
    }
    err_format(&err, buf, sizeof buf);
    return buf;
}
#define HEADER_ERROR(lit, code) header_error(lit, sizeof(lit) - 1, code)

static void test_simple(void)
{
    csv_reader *r;
    mp_err err;
    CHECK_INT(OPEN("mrn,first_name,last_name\n"
                   "1001,Ana,Silva\n"
                   "1002,Jos\xC3\xA9,Nguy\xE1\xBB\x85n\n",
                   &r, &err),
              0);
    CHECK_INT(csv_ncolumns(r), 3);
    CHECK_STR(csv_column(r, 0), "mrn");
    CHECK_STR(csv_column(r, 2), "last_name");
    CHECK(csv_column(r, 3) == NULL);
    csv_record rec;
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK(rec.problem == NULL);
    CHECK_INT(rec.row, 2);
    CHECK_INT(rec.line, 2);
    CHECK_INT(rec.nfields, 3);
    CHECK_STR(rec.fields[0], "1001");
    CHECK_STR(rec.fields[1], "Ana");
    CHECK_STR(rec.fields[2], "Silva");
    CHECK_INT(rec.lens[2], 5);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_INT(rec.row, 3);
    CHECK_INT(rec.line, 3);
    CHECK_STR(rec.fields[1], "Jos\xC3\xA9");
    CHECK_STR(rec.fields[2], "Nguy\xE1\xBB\x85n");
    CHECK_INT(rec.lens[2], 8);
    CHECK_INT(csv_next(r, &rec, &err), 0);
    CHECK_INT(csv_next(r, &rec, &err), 0); /* and it stays at the end */
    close_reader(r);
}

static void test_quoted(void)
{
    csv_reader *r;
    mp_err err;
    csv_record rec;
    CHECK_INT(OPEN("mrn,notes\n"
                   "1,\"Silva, Ana\"\n"
                   "2,\"say \"\"hi\"\"\"\n"
                   "3,\"line one\nline two\"\n"
                   "4,\"crlf\r\ninside\"\n"
                   "5,\"\"\n"
                   "\"6\",after\n",
                   &r, &err),
              0);
    EXPECT_NEXT(r, 1, "Silva, Ana", 2, 2);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.fields[1], "say \"hi\"");
    CHECK_INT(rec.lens[1], 8);
    CHECK_INT(rec.row, 3);
    EXPECT_NEXT(r, 1, "line one\nline two", 4, 4);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.fields[1], "crlf\r\ninside"); /* kept byte for byte */
    CHECK_INT(rec.row, 5);
    CHECK_INT(rec.line, 6);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.fields[1], "");
    CHECK(rec.problem == NULL);
    CHECK_INT(rec.row, 6);
    CHECK_INT(rec.line, 8);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.fields[0], "6");
    CHECK_STR(rec.fields[1], "after");
    CHECK_INT(rec.row, 7);
    CHECK_INT(rec.line, 9);
    CHECK_INT(csv_next(r, &rec, &err), 0);
    close_reader(r);
}

/* The same list with LF, CRLF and lone-CR line ends reads the same. */
static void test_line_ends(void)
{
    static const struct {
        const char *s;
        size_t n;
    } inputs[] = {
#define IN(lit) {lit, sizeof(lit) - 1}
        IN("a,b\n1,\"x\ny\"\n2,z\n"),         /* LF */
        IN("a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n"), /* CRLF */
        IN("a,b\r1,\"x\ry\"\r2,z\r"),         /* a lone CR */
        IN("a,b\r\n1,\"x\ny\"\n2,z"),         /* mixed, and no final line end */
#undef IN
    };
    static const char *const want_x[] = {"x\ny", "x\r\ny", "x\ry", "x\ny"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        csv_reader *r;
        mp_err err;
        csv_record rec;
        CHECK_INT(open_bytes(inputs[i].s, inputs[i].n, &r, &err), 0);
        CHECK_INT(csv_next(r, &rec, &err), 1);
        CHECK_STR(rec.fields[0], "1");
        CHECK_STR(rec.fields[1], want_x[i]);
        CHECK_INT(rec.row, 2);
        CHECK_INT(rec.line, 2);
        CHECK_INT(csv_next(r, &rec, &err), 1);
        CHECK_STR(rec.fields[0], "2");
        CHECK_STR(rec.fields[1], "z");
        CHECK_INT(rec.row, 3);
        CHECK_INT(rec.line, 4);
        CHECK_INT(csv_next(r, &rec, &err), 0);
        close_reader(r);
    }
}

static void test_no_final_newline(void)
{
    csv_reader *r;
    mp_err err;
    csv_record rec;
    CHECK_INT(OPEN("mrn\n1\n2", &r, &err), 0);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.fields[0], "1");
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.fields[0], "2");
    CHECK_INT(rec.row, 3);
    CHECK_INT(csv_next(r, &rec, &err), 0);
    close_reader(r);

    /* A header alone, without a line end: no rows. */
    CHECK_INT(OPEN("mrn,dob", &r, &err), 0);
    CHECK_INT(csv_ncolumns(r), 2);
    CHECK_STR(csv_column(r, 1), "dob");
    CHECK_INT(csv_next(r, &rec, &err), 0);
    close_reader(r);
}

static void test_bom(void)
{
    csv_reader *r;
    mp_err err;
    csv_record rec;
    CHECK_INT(OPEN("\xEF\xBB\xBFmrn,name\r\n1,\xEF\xBB\xBFx\r\n", &r, &err), 0);
    CHECK_STR(csv_column(r, 0), "mrn");
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.fields[1], "\xEF\xBB\xBFx"); /* not at the start: data */
    CHECK_INT(rec.line, 2);
    close_reader(r);

    int code;
    CHECK_STR(HEADER_ERROR("\xEF\xBB\xBF\xEF\xBB\xBFmrn\n", &code),
              "patients.csv:1: column 1 name \"\xEF\xBB\xBFmrn\" is not usable: use letters, "
              "digits, spaces, \"-\" and \"_\"");
    CHECK_STR(HEADER_ERROR("\xEF\xBB\xBF", &code),
              "patients.csv: the file is empty: a CSV needs a header row");
    CHECK_INT(code, EX_DATAERR);
    CHECK_STR(HEADER_ERROR("\xEF\xBB", &code),
              "patients.csv:1: column 1 name is not valid UTF-8 (save the list as \"CSV UTF-8\")");
}

static void test_header_names(void)
{
    csv_reader *r;
    mp_err err;
    CHECK_INT(OPEN("First Name, DOB ,Appointment-Date,MRN_2,\"Last Name\"\n", &r, &err), 0);
    CHECK_INT(csv_ncolumns(r), 5);
    CHECK_STR(csv_column(r, 0), "first_name");
    CHECK_STR(csv_column(r, 1), "dob");
    CHECK_STR(csv_column(r, 2), "appointment_date");
    CHECK_STR(csv_column(r, 3), "mrn_2");
    CHECK_STR(csv_column(r, 4), "last_name");
    close_reader(r);
}

static void test_header_errors(void)
{
    int code;
    CHECK_STR(HEADER_ERROR("", &code), "patients.csv: the file is empty: a CSV needs a header row");
    CHECK_INT(code, EX_DATAERR);
    CHECK_STR(HEADER_ERROR("\nmrn\n1\n", &code),
              "patients.csv:1: the first line is empty: a CSV needs a header row on line 1");
    CHECK_INT(code, EX_DATAERR);
    CHECK_STR(HEADER_ERROR("mrn,name,,dob\n", &code), "patients.csv:1: column 3 has no name");
    CHECK_STR(HEADER_ERROR("mrn,name,\"  \"\n", &code), "patients.csv:1: column 3 has no name");
    CHECK_STR(HEADER_ERROR("mrn,name,\n", &code), "patients.csv:1: column 3 has no name");
    CHECK_INT(code, EX_DATAERR);
    CHECK_STR(HEADER_ERROR("name,MRN,a,b,mrn\n", &code),
              "patients.csv:1: column \"mrn\" appears twice (columns 2 and 5)");
    CHECK_STR(HEADER_ERROR("First Name,first-name\n", &code),
              "patients.csv:1: column \"first_name\" appears twice (columns 1 and 2)");
    CHECK_STR(HEADER_ERROR("mrn,a,b,F\xC3\xAFrst\n", &code),
              "patients.csv:1: column 4 name \"F\xC3\xAFrst\" is not usable: use letters, "
              "digits, spaces, \"-\" and \"_\"");
    CHECK_INT(code, EX_DATAERR);
    CHECK_STR(HEADER_ERROR("mrn,\"a\nb\"\n", &code),
              "patients.csv:1: column 2 name \"a\\x0Ab\" is not usable: use letters, digits, "
              "spaces, \"-\" and \"_\"");
    CHECK_STR(HEADER_ERROR("mrn,n\xFF\n", &code),
              "patients.csv:1: column 2 name is not valid UTF-8 (save the list as \"CSV UTF-8\")");
    CHECK_STR(HEADER_ERROR("mrn,n\0x\n", &code),
              "patients.csv:1: column 2 name contains a NUL byte");
    CHECK_STR(HEADER_ERROR("mrn,na\"me\n", &code),
              "patients.csv:1: a quote inside an unquoted field (column 2)");
    CHECK_STR(HEADER_ERROR("\"mrn\"x,name\n", &code),
              "patients.csv:1: text after a closing quote (column 1)");
    CHECK_STR(HEADER_ERROR("mrn,\"name\n1,2\n", &code),
              "patients.csv:1: a quoted field is not closed before the end of the file");

    /* Long names are cut in messages, at a character boundary. */
    char longname[256];
    size_t ln = (size_t)sprintf(longname, "mrn,");
    for (int i = 0; i < 40; i++)
        ln += (size_t)sprintf(longname + ln, "\xC3\x84"); /* Ä */
    longname[ln++] = '\n';
    char want[512];
    sprintf(want,
            "patients.csv:1: column 2 name \"%.60s...\" is not usable: use letters, digits, "
            "spaces, \"-\" and \"_\"",
            longname + 4);
    CHECK_STR(header_error(longname, ln, &code), want);

    /* CSV_MAX_COLUMNS columns are fine; one more is not. */
    char h[CSV_MAX_COLUMNS * 8 + 16];
    size_t n = 0;
    for (int i = 0; i < CSV_MAX_COLUMNS; i++)
        n += (size_t)sprintf(h + n, "%sc%d", i ? "," : "", i);
    h[n++] = '\n';
    CHECK_STR(header_error(h, n, &code), "(no error)");
    n--;
    n += (size_t)sprintf(h + n, ",c%d\n", CSV_MAX_COLUMNS);
    CHECK_STR(header_error(h, n, &code), "patients.csv:1: the header has more than 256 columns");
    CHECK_INT(code, EX_DATAERR);

    /* The error value itself, as the CLI gets it. */
    csv_reader *r = (csv_reader *)&code; /* must be reset to NULL on failure */
    mp_err err;
    CHECK_INT(OPEN("a,,b\n", &r, &err), EX_DATAERR);
    CHECK(r == NULL);
    CHECK_INT(err.code, EX_DATAERR);
    CHECK_STR(err.file, "patients.csv");
    CHECK_INT(err.line, 1);
    CHECK_INT(err.col, 0);
    CHECK_STR(err.msg, "column 2 has no name");
}

static void test_short_records(void)
{
    csv_reader *r;
    mp_err err;
    csv_record rec;
    CHECK_INT(OPEN("mrn,first,last,dob\n1,Ana\n2,Bo,Chan,\n", &r, &err), 0);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK(rec.problem == NULL);
    CHECK_INT(rec.nfields, 4);
    CHECK_STR(rec.fields[1], "Ana");
    CHECK_STR(rec.fields[2], "");
    CHECK_STR(rec.fields[3], "");
    CHECK_INT(rec.lens[2], 0);
    CHECK_INT(rec.lens[3], 0);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_INT(rec.nfields, 4);
    CHECK_STR(rec.fields[2], "Chan");
    CHECK_STR(rec.fields[3], "");
    close_reader(r);
}

/* A bad record: returned with its problem and no fields, and the next record
 * is read from where the bad one ends. */
static void expect_bad(csv_reader *r, long row, long line, const char *problem)
{
    csv_record rec;
    mp_err err;
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.problem, problem);
    CHECK_INT(rec.row, row);
    CHECK_INT(rec.line, line);
    CHECK_INT(rec.nfields, 0);
    CHECK(rec.fields == NULL);
}

static void expect_good(csv_reader *r, long row, long line, const char *first)
{
    csv_record rec;
    mp_err err;
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK(rec.problem == NULL);
    CHECK_INT(rec.row, row);
    CHECK_INT(rec.line, line);
    CHECK_INT(rec.nfields, 3);
    if (rec.nfields)
        CHECK_STR(rec.fields[0], first);
}

static void expect_end(csv_reader *r)
{
    csv_record rec;
    mp_err err;
    CHECK_INT(csv_next(r, &rec, &err), 0);
}

static void test_bad_records(void)
{
    csv_reader *r;
    mp_err err;
    CHECK_INT(OPEN("mrn,last_name,notes\n"
                   "1,a,b,c,d,e,f\n"               /* 2: too many fields */
                   "2,ok,ok\n"                     /* 3 */
                   "3,Silv\xFF,ok\n"               /* 4: not UTF-8 */
                   "4,\xED\xA0\x80,ok\n"           /* 5: a surrogate is not UTF-8 either */
                   "5,ok,n\0te\n"                  /* 6: NUL */
                   "6,ok,say \"hi\"\n"             /* 7: stray quote */
                   "7,ok,\"said\" it\n"            /* 8: text after closing quote */
                   "8,ok,\"a\"b,\"multi\nline\"\n" /* 9: bad, spanning two lines */
                   "9,ok,ok\n"                     /* 10, line 11 */
                   "10,\"x\"\"\"y\",ok\n"          /* 11: after "x""" comes y */
                   "11,\"\",\"\"\n"                /* 12 */
                   "12,\"unclosed,ok\n"            /* 13: swallows the rest */
                   "13,ok,ok\n",
                   &r, &err),
              0);
    expect_bad(r, 2, 2, "7 fields, but the header has 3 columns");
    expect_good(r, 3, 3, "2");
    expect_bad(r, 4, 4, "column \"last_name\" is not valid UTF-8 (save the list as \"CSV UTF-8\")");
    expect_bad(r, 5, 5, "column \"last_name\" is not valid UTF-8 (save the list as \"CSV UTF-8\")");
    expect_bad(r, 6, 6, "column \"notes\" contains a NUL byte");
    expect_bad(r, 7, 7, "a quote inside an unquoted field (column \"notes\")");
    expect_bad(r, 8, 8, "text after a closing quote (column \"notes\")");
    expect_bad(r, 9, 9, "text after a closing quote (column \"notes\")");
    expect_good(r, 10, 11, "9");
    expect_bad(r, 11, 12, "text after a closing quote (column \"last_name\")");
    expect_good(r, 12, 13, "11");
    expect_bad(r, 13, 14, "a quoted field is not closed before the end of the file");
    expect_end(r);
    close_reader(r);

    /* A long column name is cut in a problem, too. */
    char text[256];
    size_t n = (size_t)sprintf(text, "mrn,%070d\n1,\xFF\n", 0);
    CHECK_INT(open_bytes(text, n, &r, &err), 0);
    char want[256];
    sprintf(want, "column \"%060d...\" is not valid UTF-8 (save the list as \"CSV UTF-8\")", 0);
    expect_bad(r, 2, 2, want);
    close_reader(r);

    /* The first problem in a record is the one named... */
    CHECK_INT(OPEN("mrn,last_name,notes\n1,\xFF,\"a\"b,x,y\n", &r, &err), 0);
    expect_bad(r, 2, 2, "column \"last_name\" is not valid UTF-8 (save the list as \"CSV UTF-8\")");
    close_reader(r);
    /* ...but an unclosed quote explains the rows that follow, so it wins. */
    CHECK_INT(OPEN("mrn,last_name,notes\n1,\xFF,\"a\n2,b,c\n", &r, &err), 0);
    expect_bad(r, 2, 2, "a quoted field is not closed before the end of the file");
    expect_end(r);
    close_reader(r);
    /* The count of fields is the whole record's. */
    CHECK_INT(OPEN("a,b\n1,2,3,\"4\n\",5\n6,7\n", &r, &err), 0);
    expect_bad(r, 2, 2, "5 fields, but the header has 2 columns");
    csv_record rec;
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_INT(rec.row, 3);
    CHECK_INT(rec.line, 4);
    CHECK_STR(rec.fields[1], "7");
    close_reader(r);
}

static void test_long_fields(void)
{
    /* A field of exactly CSV_MAX_FIELD bytes is fine, one more is not; the
     * same for a record of CSV_MAX_RECORD bytes. */
    size_t cap = 2 * CSV_MAX_RECORD;
    char *s = malloc(cap);
    CHECK(s != NULL);
    if (!s)
        return;
    size_t n = (size_t)sprintf(s, "mrn,notes,last_name\n1,");
    memset(s + n, 'x', CSV_MAX_FIELD);
    n += CSV_MAX_FIELD;
    n += (size_t)sprintf(s + n, ",ok\n2,\"");
    memset(s + n, 'y', CSV_MAX_FIELD + 1);
    n += CSV_MAX_FIELD + 1;
    n += (size_t)sprintf(s + n, "\",ok\n3,ok,ok\n");
    csv_reader *r;
    mp_err err;
    csv_record rec;
    CHECK_INT(open_bytes(s, n, &r, &err), 0);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK(rec.problem == NULL);
    CHECK_INT(rec.lens[1], CSV_MAX_FIELD);
    CHECK_STR(rec.fields[2], "ok");
    expect_bad(r, 3, 3, "field in column \"notes\" is longer than 65536 bytes");
    expect_good(r, 4, 4, "3");
    expect_end(r);
    close_reader(r);

    /* 18 fields of 60000 bytes pass 1 MiB, each within its own limit. */
    n = 0;
    for (int i = 0; i < 18; i++)
        n += (size_t)sprintf(s + n, "%sc%d", i ? "," : "", i);
    s[n++] = '\n';
    size_t rec_start = n;
    for (int i = 0; i < 18; i++) {
        if (i)
            s[n++] = ',';
        memset(s + n, 'z', 60000);
        n += 60000;
    }
    size_t rec_len = n - rec_start;
    n += (size_t)sprintf(s + n, "\n1,2,3\n");
    CHECK(rec_len > CSV_MAX_RECORD && n <= cap);
    CHECK_INT(open_bytes(s, n, &r, &err), 0);
    expect_bad(r, 2, 2, "record is longer than 1048576 bytes");
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK(rec.problem == NULL);
    CHECK_INT(rec.row, 3);
    CHECK_INT(rec.nfields, 18);
    CHECK_STR(rec.fields[2], "3");
    CHECK_STR(rec.fields[17], "");
    close_reader(r);

    /* The same limits hold for the header. */
    n = (size_t)sprintf(s, "mrn,");
    memset(s + n, 'h', CSV_MAX_FIELD + 1);
    n += CSV_MAX_FIELD + 1;
    int code;
    CHECK_STR(header_error(s, n, &code),
              "patients.csv:1: field in column 2 is longer than 65536 bytes");
    n = 0;
    for (int i = 0; i < 17; i++) {
        n += (size_t)sprintf(s + n, "%sc%d", i ? "," : "", i);
        memset(s + n, 'h', 65000);
        n += 65000;
    }
    CHECK_STR(header_error(s, n, &code),
              "patients.csv:1: the header row is longer than 1048576 bytes");
    CHECK_INT(code, EX_DATAERR);

    /* A quoted field, closed, but too long. */
    n = (size_t)sprintf(s, "a\n\"");
    memset(s + n, 'q', CSV_MAX_RECORD - 2);
    n += CSV_MAX_RECORD - 2;
    s[n++] = '"';
    CHECK_INT(open_bytes(s, n, &r, &err), 0);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.problem, "field in column \"a\" is longer than 65536 bytes");
    close_reader(r);
    free(s);
}

static void test_exact_record_limit(void)
{
    /* 15 fields of 65535 bytes, 15 commas, and a last field of exactly
     * CSV_MAX_FIELD bytes make a record of exactly CSV_MAX_RECORD bytes. */
    size_t cap = CSV_MAX_RECORD + 4096;
    char *s = malloc(cap);
    CHECK(s != NULL);
    if (!s)
        return;
    size_t n = 0;
    for (int i = 0; i < 16; i++)
        n += (size_t)sprintf(s + n, "%sc%d", i ? "," : "", i);
    s[n++] = '\n';
    size_t rec_start = n;
    for (int i = 0; i < 15; i++) {
        if (i)
            s[n++] = ',';
        memset(s + n, 'z', 65535);
        n += 65535;
    }
    size_t last = CSV_MAX_RECORD - (n - rec_start) - 1;
    CHECK_INT(last, CSV_MAX_FIELD);
    s[n++] = ',';
    memset(s + n, 'w', last);
    n += last;
    CHECK_INT(n - rec_start, CSV_MAX_RECORD);
    csv_reader *r;
    mp_err err;
    csv_record rec;
    CHECK_INT(open_bytes(s, n, &r, &err), 0);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK(rec.problem == NULL);
    CHECK_INT(rec.nfields, 16);
    if (rec.nfields == 16) {
        CHECK_INT(rec.lens[0], 65535);
        CHECK_INT(rec.lens[15], last);
        CHECK_INT(strlen(rec.fields[15]), last);
    }
    close_reader(r);
    /* One byte more in the first field, and the record is too long. */
    memmove(s + rec_start + 1, s + rec_start, n - rec_start);
    n++;
    CHECK_INT(open_bytes(s, n, &r, &err), 0);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_STR(rec.problem, "record is longer than 1048576 bytes");
    close_reader(r);
    free(s);
}

static void test_blank_lines(void)
{
    csv_reader *r;
    mp_err err;
    CHECK_INT(OPEN("mrn,a,b\n\n1,x,y\n\r\n\r\n2,x,y\r\r3,x,y\n,,\n \n\n", &r, &err), 0);
    expect_good(r, 3, 3, "1");   /* line 2 is blank: a spreadsheet shows row 2 empty */
    expect_good(r, 6, 6, "2");   /* two more blank rows */
    expect_good(r, 8, 8, "3");   /* "\r\r": a lone CR ends a line */
    expect_good(r, 9, 9, "");    /* commas only: a record, not a blank line */
    expect_good(r, 10, 10, " "); /* so is a space */
    expect_end(r);
    close_reader(r);

    /* With one column, an empty value must be quoted to be a row. */
    CHECK_INT(OPEN("mrn\n1\n\n\"\"\n", &r, &err), 0);
    csv_record rec;
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_INT(rec.row, 2);
    CHECK_INT(csv_next(r, &rec, &err), 1);
    CHECK_INT(rec.row, 4);
    CHECK_STR(rec.fields[0], "");
    CHECK_INT(csv_next(r, &rec, &err), 0);
    close_reader(r);
}

/* A CR at the last byte of one 64 KiB read and its LF at the first byte of
 * the next: still one line end, outside and inside quotes. */
static void test_buffer_boundary(void)
{
    const size_t buf = 64u << 10;
    char *s = malloc(2 * buf + 64);
    CHECK(s != NULL);
    if (!s)
        return;
    for (int quoted = 0; quoted < 2; quoted++) {
        size_t n = (size_t)sprintf(s, "a,b\n1,");
        if (quoted)
            s[n++] = '"';
        memset(s + n, 'x', buf - 1 - n);
        n = buf - 1;
        s[n++] = '\r';
        s[n++] = '\n';
        n += (size_t)sprintf(s + n, "%s2,y\n", quoted ? "z\"\n" : "");
        csv_reader *r;
        mp_err err;
        csv_record rec;
        CHECK_INT(open_bytes(s, n, &r, &err), 0);
        CHECK_INT(csv_next(r, &rec, &err), 1);
        CHECK(rec.problem == NULL);
        size_t want = buf - 1 - 6 - (size_t)quoted + (quoted ? 3 : 0);
        CHECK_INT(rec.lens[1], want);
        CHECK_INT(csv_next(r, &rec, &err), 1);
        CHECK_STR(rec.fields[0], "2");
        CHECK_INT(rec.row, 3);
        CHECK_INT(rec.line, quoted ? 4 : 3);
        CHECK_INT(csv_next(r, &rec, &err), 0);
        close_reader(r);
    }
    free(s);
}

/* A stream that hands out `good` bytes of a CSV, then fails with EIO. */
struct failing {
    const char *s;
    size_t n, pos, good;
};

static ssize_t failing_read(void *cookie, char *buf, size_t size)
{
    struct failing *f = cookie;
    if (f->pos >= f->good) {
        errno = EIO;
        return -1;
    }
    size_t k = f->n - f->pos;
    if (k > f->good - f->pos)
        k = f->good - f->pos;
    if (k > size)
        k = size;
    memcpy(buf, f->s + f->pos, k);
    f->pos += k;
    return (ssize_t)k;
}

/* Bytes without end: a header, then 'z' for ever with no line end. */
static ssize_t endless_read(void *cookie, char *buf, size_t size)
{
    size_t *sent = cookie;
    static const char head[] = "mrn,name\n";
    size_t k = 0;
    for (; k < size; k++, (*sent)++)
        buf[k] = *sent < sizeof head - 1 ? head[*sent] : 'z';
    return (ssize_t)k;
}

static ssize_t interrupted_read(void *cookie, char *buf, size_t size)
{
    (void)cookie, (void)buf, (void)size;
    errno = EINTR;
    return -1;
}

/* /dev/zero, or any stream with no line end, ends the reading instead of
 * being read for ever; a read that a signal stopped says "interrupted". */
static void test_endless_input(void)
{
    csv_reader *r;
    csv_record rec;
    mp_err err;
    char msg[1200];

    FILE *zero = fopen("/dev/zero", "r");
    CHECK(zero != NULL);
    if (zero) {
        err_clear(&err);
        CHECK_INT(csv_open(zero, "/dev/zero", &r, &err), EX_DATAERR);
        err_format(&err, msg, sizeof msg);
        CHECK_STR(msg, "/dev/zero:1: the header row is longer than 1048576 bytes");
        fclose(zero);
    }

    size_t sent = 0;
    cookie_io_functions_t endless = {.read = endless_read};
    FILE *in = fopencookie(&sent, "r", endless);
    CHECK(in != NULL);
    err_clear(&err);
    CHECK_INT(csv_open(in, "patients.csv", &r, &err), 0);
    CHECK_INT(csv_next(r, &rec, &err), EX_DATAERR);
    err_format(&err, msg, sizeof msg);
    CHECK_STR(msg, "patients.csv: row 2: no line end in 16 MiB: this is not a CSV file");
    CHECK(sent <= CSV_MAX_SKIP + 2 * 65536 + 16);   /* stopped at the limit, not later */
    CHECK_INT(csv_next(r, &rec, &err), EX_DATAERR); /* and it stays stopped */
    csv_close(r);
    fclose(in);

    cookie_io_functions_t io = {.read = interrupted_read};
    in = fopencookie(NULL, "r", io);
    CHECK(in != NULL);
    err_clear(&err);
    CHECK_INT(csv_open(in, "-", &r, &err), EX_IOERR);
    err_format(&err, msg, sizeof msg);
    CHECK_STR(msg, "-: interrupted");
    fclose(in);
}

static void test_read_errors(void)
{
    static const char text[] = "mrn,name\n1,a\n2,b\n";
    cookie_io_functions_t io = {.read = failing_read};
    csv_reader *r;
    mp_err err;
    char msg[1200];

    struct failing f = {text, sizeof text - 1, 0, 4};
    FILE *in = fopencookie(&f, "r", io);
    CHECK(in != NULL);
    err_clear(&err);
    CHECK_INT(csv_open(in, "patients.csv", &r, &err), EX_IOERR);
    err_format(&err, msg, sizeof msg);
    CHECK_STR(msg, "patients.csv: read error: Input/output error");
    fclose(in);

    /* Later, in the middle of the list: a fill happens only every 64 KiB, so
     * make the list longer than that. */
    size_t n = 70000;
    char *big = malloc(n + 16);
    CHECK(big != NULL);
    if (!big)
        return;
    size_t k = (size_t)sprintf(big, "mrn,name\n");
    while (k + 6 < n)
        k += (size_t)sprintf(big + k, "1,abc\n");
    struct failing g = {big, k, 0, 66000};
    in = fopencookie(&g, "r", io);
    CHECK(in != NULL);
    CHECK_INT(csv_open(in, "patients.csv", &r, &err), 0);
    csv_record rec;
    long rows = 0;
    int rc;
    while ((rc = csv_next(r, &rec, &err)) == 1)
        rows++;
    CHECK_INT(rc, EX_IOERR);
    CHECK_INT(rows, (65536 - 9) / 6); /* the whole rows in the first 64 KiB */
    CHECK_STR(err.msg, "read error: Input/output error");
    CHECK_INT(csv_next(r, &rec, &err), EX_IOERR); /* and it stays an error */
    csv_close(r);
    fclose(in);
    free(big);
}

/* 200,000 rows through a pipe from a child process, each spanning two lines:
 * every row arrives with the right numbers, and the peak memory of this
 * process does not grow with the list (about 13 MB of CSV pass through; a
 * reader that kept them, or leaked per row, would show it). */
static void test_many_rows(void)
{
    enum { ROWS = 200000 };
    int fd[2];
    if (pipe(fd) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(fd[0]);
        FILE *out = fdopen(fd[1], "w");
        if (!out)
            _exit(1);
        fputs("MRN,First Name,Last Name,Notes\r\n", out);
        for (long i = 0; i < ROWS; i++)
            fprintf(out,
                    "M%07ld,Jos\xC3\xA9,\"Nguy\xE1\xBB\x85n, %ld\",\"line\r\n\"\"two\"\"\"\r\n", i,
                    i);
        _exit(fclose(out) == 0 ? 0 : 1);
    }
    close(fd[1]);
    FILE *in = fdopen(fd[0], "r");
    CHECK(in != NULL);
    if (!in)
        return;
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);

    csv_reader *r;
    mp_err err;
    csv_record rec;
    CHECK_INT(csv_open(in, "<stdin>", &r, &err), 0);
    long count = 0, bad_numbers = 0, bad_fields = 0;
    int rc;
    char want[64], last[64] = "";
    while ((rc = csv_next(r, &rec, &err)) == 1) {
        if (rec.problem || rec.row != count + 2 || rec.line != 2 * count + 2)
            bad_numbers++;
        snprintf(want, sizeof want, "M%07ld", count);
        if (rec.problem || strcmp(rec.fields[0], want) != 0 ||
            strcmp(rec.fields[3], "line\r\n\"two\"") != 0)
            bad_fields++;
        else
            snprintf(last, sizeof last, "%s", rec.fields[2]);
        count++;
    }
    CHECK_INT(rc, 0);
    CHECK_INT(count, ROWS);
    CHECK_INT(bad_numbers, 0);
    CHECK_INT(bad_fields, 0);
    snprintf(want, sizeof want, "Nguy\xE1\xBB\x85n, %d", ROWS - 1);
    CHECK_STR(last, want);
    getrusage(RUSAGE_SELF, &after);
    csv_close(r);
    fclose(in);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    long grown_kb = after.ru_maxrss - before.ru_maxrss;
    if (grown_kb >= 2048)
        fprintf(stderr, "peak memory grew by %ld KiB over %d rows\n", grown_kb, ROWS);
    CHECK(grown_kb < 2048);
}

/* Checks one whole read of s: it ends, and every good record is whole valid
 * UTF-8 without NUL. Returns the records read (-1 when the header failed). */
static long read_all(const char *s, size_t n, char *log, size_t logn)
{
    csv_reader *r;
    mp_err err;
    if (open_bytes(s, n, &r, &err) != 0) {
        CHECK(err.code == EX_DATAERR && err.msg[0]);
        return -1;
    }
    size_t used = 0;
    if (log)
        log[0] = '\0';
    csv_record rec;
    long count = 0;
    int rc;
    while ((rc = csv_next(r, &rec, &err)) == 1) {
        count++;
        if (count > (long)n + 1) { /* each record takes at least a byte */
            CHECK(!"the reader does not end");
            break;
        }
        CHECK(rec.row >= count + 1 && rec.line >= 2);
        if (rec.problem) {
            CHECK(rec.nfields == 0 && rec.fields == NULL && rec.problem[0]);
            if (log && used < logn)
                used += (size_t)snprintf(log + used, logn - used, "%ld:%ld:%s;", rec.row, rec.line,
                                         rec.problem);
            continue;
        }
        CHECK_INT(rec.nfields, csv_ncolumns(r));
        for (size_t i = 0; i < rec.nfields; i++) {
            CHECK(utf8_valid(rec.fields[i], rec.lens[i], NULL));
            CHECK(memchr(rec.fields[i], '\0', rec.lens[i]) == NULL);
            CHECK(rec.fields[i][rec.lens[i]] == '\0');
        }
        if (log && used < logn) {
            used += (size_t)snprintf(log + used, logn - used, "%ld:%ld", rec.row, rec.line);
            for (size_t i = 0; i < rec.nfields && used < logn; i++)
                used += (size_t)snprintf(log + used, logn - used, "|%s", rec.fields[i]);
            if (used < logn)
                used += (size_t)snprintf(log + used, logn - used, ";");
        }
    }
    CHECK_INT(rc, 0);
    close_reader(r);
    return count;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static void test_fuzz(void)
{
    static const char *const alphabet[] = {"a",  "\xC3\xA9", "\xC3", "\xA9", ",",
                                           "\"", "\r",       "\n",   "\xFF", "\0"};
    static const size_t alen[] = {1, 2, 1, 1, 1, 1, 1, 1, 1, 1};
    char s[512];
    long opened = 0, records = 0;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        if (rnd(2)) /* half of them past a good header, to reach the records */
            n = (size_t)sprintf(s, "%sa,b,c\n", rnd(4) ? "" : "\xEF\xBB\xBF");
        size_t len = rnd(200);
        for (size_t i = 0; i < len; i++) {
            uint32_t k = rnd(10);
            memcpy(s + n, alphabet[k], alen[k]);
            n += alen[k];
        }
        int failures = check_failures;
        long got = read_all(s, n, NULL, 0);
        if (got >= 0)
            opened++, records += got;
        if (check_failures != failures) {
            fprintf(stderr, "fuzz input %d failed\n", iter);
            break;
        }
    }
    /* The loop did reach records, not only header errors. */
    CHECK(opened > 5000);
    CHECK(records > 20000);
}

/* Every truncation of a valid file reads without harm, and the records it
 * returns before the last one (which may be cut) are the full file's. */
static void test_truncations(void)
{
    static const char full[] = "\xEF\xBB\xBFMRN,First Name,Notes\r\n"
                               "1,Jos\xC3\xA9,\"a, \"\"b\"\"\r\nc\"\r\n"
                               "\r\n"
                               "2,Nguy\xE1\xBB\x85n,plain\r\n"
                               "3,\"\",\"\n\"\n"
                               "4,x\n"
                               "5,y,z";
    char want[4096], got[4096];
    CHECK_INT(read_all(full, sizeof full - 1, want, sizeof want), 5);
    CHECK_STR(want, "2:2|1|Jos\xC3\xA9|a, \"b\"\r\nc;"
                    "4:5|2|Nguy\xE1\xBB\x85n|plain;"
                    "5:6|3||\n;"
                    "6:8|4|x|;"
                    "7:9|5|y|z;");
    for (size_t cut = 0; cut <= sizeof full - 1; cut++) {
        int failures = check_failures;
        long k = read_all(full, cut, got, sizeof got);
        /* All but the last record returned must be the full file's. */
        if (k >= 2) {
            size_t prefix = 0;
            for (long i = 0, seen = 0; got[i] && seen < k - 1; i++)
                if (got[i] == ';')
                    seen++, prefix = (size_t)i + 1;
            CHECK(strncmp(got, want, prefix) == 0);
        }
        if (check_failures != failures) {
            fprintf(stderr, "truncation at %zu failed: %s\n", cut, got);
            break;
        }
    }
    for (int iter = 0; iter < 2000; iter++) /* and cuts of random noise into it */ {
        char s[sizeof full];
        memcpy(s, full, sizeof full);
        s[rnd(sizeof full - 1)] = (char)rnd(256);
        read_all(s, rnd(sizeof full), NULL, 0);
    }
}

int main(void)
{
    test_many_rows(); /* first, while the peak memory is still low */
    csv_close(NULL);  /* allowed, as free(NULL) */

    test_simple();
    test_quoted();
    test_line_ends();
    test_no_final_newline();
    test_bom();
    test_header_names();
    test_header_errors();
    test_short_records();
    test_bad_records();
    test_long_fields();
    test_exact_record_limit();
    test_blank_lines();
    test_buffer_boundary();
    test_read_errors();
    test_endless_input();
    test_fuzz();
    test_truncations();
    CHECK_DONE();
}
