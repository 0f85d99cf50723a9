/*
 * csv.c — see csv.h. A byte-at-a-time state machine over a 64 KiB read
 * buffer; the record being read is built in one growable buffer that every
 * record reuses, so memory is bounded by CSV_MAX_RECORD, not by the file.
 *
 * Decisions the header leaves open, made here:
 *
 * - Line ends are LF, CRLF, or a lone CR (old Mac exports; spreadsheets read
 *   it as a line end too). A CR that ends a record leaves a note that an LF
 *   right after it belongs to the same line end, so a CRLF split across two
 *   buffer fills, or across two calls, is still one line end. Inside quotes
 *   line ends are data, kept byte for byte, and counted once each for line
 *   numbers.
 * - The header must be on line 1: a file whose first line is empty is an
 *   error, not a header further down, so that "the header is row 1" holds.
 * - A completely empty line after the header is skipped, but it still takes
 *   a row number: a spreadsheet shows it as an empty row, and the row numbers
 *   in our messages must be the ones the user sees there. A line of commas
 *   or spaces is not empty: it is a record (of empty or blank fields).
 * - Malformed input is read the way spreadsheets read it, so that a bad
 *   record ends exactly where the grammar says: a quote inside an unquoted
 *   field is a literal character; text after a closing quote runs on as
 *   unquoted text to the next comma or line end. A quote that is never
 *   closed swallows the rest of the file, as it must under RFC 4180; that
 *   problem is reported in preference to any other in the record, because
 *   it explains why the following rows are missing.
 * - Otherwise the first problem in reading order is reported, and nothing
 *   of the record is kept once a problem is found. A bad record is returned
 *   with nfields 0 and fields NULL, so its content cannot be used by mistake.
 * - Field length is the field's content (quotes undone); record length is
 *   the raw bytes of the record, without its line end.
 */
#include "csv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define CSV_BUF_SIZE (64u << 10)

/* Longest name echoed in a message; column names can be long, messages not. */
#define CSV_NAME_SHOWN 60

enum problem {
    P_NONE,
    P_UTF8,        /* a field is not valid UTF-8 */
    P_NUL,         /* a field holds a NUL byte */
    P_FIELDS,      /* more fields than the limit */
    P_STRAY_QUOTE, /* a quote inside an unquoted field */
    P_AFTER_QUOTE, /* text after a closing quote */
    P_FIELD_LONG,  /* a field longer than CSV_MAX_FIELD */
    P_RECORD_LONG, /* a record longer than CSV_MAX_RECORD */
    P_UNCLOSED,    /* a quoted field open at the end of the input */
};

enum rec_kind { REC_RECORD, REC_BLANK, REC_END };

/* next_byte()'s results besides a byte. */
enum { BYTE_END = -1, BYTE_ERROR = -2 };

struct csv_reader {
    FILE *in;
    char *name;
    size_t pos, len; /* unread bytes are buf[pos..len) */
    bool eof;        /* fread has reported the end: do not ask again */
    int fatal;       /* sticky: EX_IOERR, EX_OSERR or EX_DATAERR once one happened */
    int read_errno;  /* for EX_IOERR */
    bool lf_pending; /* the last line end was a CR: an LF next is part of it */
    long line;       /* line of the next unread byte */
    long row;        /* row of the last record or empty line read */

    size_t ncolumns;
    char **columns; /* normalised names, in column_text */
    char *column_text;

    /* The record being read: field i is rec[start[i]..start[i]+lens[i]),
     * NUL-terminated. Only the first `limit` fields are kept. */
    char *rec;
    size_t rec_len, rec_cap;
    size_t nfields; /* fields seen, kept or not */
    size_t raw_len;
    enum problem problem;
    size_t problem_col; /* 0-based column of the problem */
    size_t start[CSV_MAX_COLUMNS];
    size_t lens[CSV_MAX_COLUMNS];
    const char *fields[CSV_MAX_COLUMNS];
    char problem_msg[256];

    unsigned char buf[CSV_BUF_SIZE];
};

static int fatal_error(const csv_reader *r, mp_err *err)
{
    if (r->fatal == EX_OSERR)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (r->fatal == EX_DATAERR && r->ncolumns == 0)
        return err_set(err, EX_DATAERR, r->name, 1, 0, "the header row is longer than %u bytes",
                       CSV_MAX_RECORD);
    if (r->fatal == EX_DATAERR)
        return err_set(err, EX_DATAERR, r->name, 0, 0,
                       "row %ld: no line end in %u MiB: this is not a CSV file", r->row + 1,
                       CSV_MAX_SKIP >> 20);
    /* A signal (Ctrl-C, SIGTERM, SIGHUP) stopped a read that was waiting for
     * a pipe or a terminal: the run was interrupted, the list is not bad. */
    if (r->read_errno == EINTR)
        return err_set(err, EX_IOERR, r->name, 0, 0, "interrupted");
    return err_set(err, EX_IOERR, r->name, 0, 0, "read error: %s", strerror(r->read_errno));
}

static void fill(csv_reader *r)
{
    r->pos = r->len = 0;
    if (r->eof || r->fatal)
        return;
    errno = 0;
    size_t n = fread(r->buf, 1, sizeof r->buf, r->in);
    if (ferror(r->in)) {
        r->fatal = EX_IOERR;
        r->read_errno = errno ? errno : EIO;
        return;
    }
    /* fread returns short only at the end (or on an error, seen above). */
    if (n < sizeof r->buf)
        r->eof = true;
    r->len = n;
}

static inline int next_byte(csv_reader *r)
{
    if (r->pos == r->len) {
        fill(r);
        if (r->fatal)
            return BYTE_ERROR;
        if (r->len == 0)
            return BYTE_END;
    }
    return r->buf[r->pos++];
}

/* The first problem in a record is the one reported (see the file comment). */
static void set_problem(csv_reader *r, enum problem p)
{
    if (r->problem == P_NONE) {
        r->problem = p;
        r->problem_col = r->nfields ? r->nfields - 1 : 0;
    }
}

/* Room for `more` bytes in the record buffer. The buffer never needs more
 * than CSV_MAX_RECORD content bytes plus a NUL per kept field. */
static bool reserve(csv_reader *r, size_t more)
{
    if (r->rec_len + more <= r->rec_cap)
        return true;
    const size_t most = CSV_MAX_RECORD + CSV_MAX_COLUMNS + 1;
    size_t cap = r->rec_cap ? r->rec_cap : 1024;
    while (cap < r->rec_len + more)
        cap *= 2;
    if (cap > most)
        cap = most;
    if (cap < r->rec_len + more)
        return false; /* cannot happen within the limits above */
    char *p = realloc(r->rec, cap);
    if (!p)
        return false;
    r->rec = p;
    r->rec_cap = cap;
    return true;
}

static void field_begin(csv_reader *r, size_t limit)
{
    size_t i = r->nfields++;
    if (i >= limit)
        set_problem(r, P_FIELDS);
    else if (r->problem == P_NONE)
        r->start[i] = r->rec_len;
}

/* Ends the current field: NUL-terminates it and checks its bytes. */
static bool field_end(csv_reader *r, size_t limit)
{
    size_t i = r->nfields - 1;
    if (r->problem != P_NONE || i >= limit)
        return true;
    if (!reserve(r, 1))
        return false;
    size_t n = r->rec_len - r->start[i];
    const char *s = r->rec + r->start[i];
    r->lens[i] = n;
    r->rec[r->rec_len++] = '\0';
    if (!utf8_valid(s, n, NULL))
        set_problem(r, P_UTF8);
    else if (memchr(s, '\0', n))
        set_problem(r, P_NUL);
    return true;
}

/* Appends a content byte to the current field, unless the record is
 * already bad (then nothing more of it is kept). */
static bool put(csv_reader *r, int c)
{
    if (r->problem != P_NONE)
        return true;
    if (r->rec_len - r->start[r->nfields - 1] == CSV_MAX_FIELD) {
        set_problem(r, P_FIELD_LONG);
        return true;
    }
    if (!reserve(r, 2)) /* the byte and the field's NUL */
        return false;
    r->rec[r->rec_len++] = (char)c;
    return true;
}

/* Reads one record, keeping at most `limit` fields. Returns 0 with *kind
 * set, or EX_IOERR / EX_OSERR (also left in r->fatal). */
static int read_record(csv_reader *r, size_t limit, enum rec_kind *kind)
{
    *kind = REC_END; /* set on every path, as clang-tidy cannot tell */
    r->rec_len = 0;
    r->nfields = 0;
    r->raw_len = 0;
    r->problem = P_NONE;
    r->problem_col = 0;

    int c = next_byte(r);
    if (r->lf_pending) {
        r->lf_pending = false;
        if (c == '\n')
            c = next_byte(r);
    }
    if (c == BYTE_ERROR)
        return r->fatal;
    if (c == BYTE_END) {
        *kind = REC_END;
        return 0;
    }
    if (c == '\n' || c == '\r') {
        r->line++;
        r->lf_pending = c == '\r';
        *kind = REC_BLANK;
        return 0;
    }

    enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED } st = FIELD_START;
    bool ok = true;
    field_begin(r, limit);
    int prev = -1;
    for (; ok; prev = c, c = next_byte(r)) {
        if (c == BYTE_ERROR)
            return r->fatal;
        if (c == BYTE_END) {
            if (st == QUOTED) {
                r->problem = P_UNCLOSED; /* overrides any other: see the file comment */
                r->problem_col = r->nfields - 1;
            }
            break;
        }
        if (st != QUOTED && (c == '\n' || c == '\r')) {
            r->line++;
            r->lf_pending = c == '\r';
            break;
        }
        if (++r->raw_len > CSV_MAX_RECORD) {
            set_problem(r, P_RECORD_LONG);
            /* A bad record is skipped to its line end, but a stream with no
             * line end (/dev/zero, a binary file) would be read for ever:
             * past the header's limit, or CSV_MAX_SKIP for a row, the input
             * is not a CSV at all. */
            if (r->raw_len > (r->ncolumns ? CSV_MAX_SKIP : CSV_MAX_RECORD)) {
                r->fatal = EX_DATAERR;
                return EX_DATAERR;
            }
        }
        switch (st) {
        case FIELD_START:
            if (c == '"') {
                st = QUOTED;
            } else if (c == ',') {
                ok = field_end(r, limit);
                field_begin(r, limit);
            } else {
                st = UNQUOTED;
                ok = put(r, c);
            }
            break;
        case UNQUOTED:
            if (c == ',') {
                ok = field_end(r, limit);
                field_begin(r, limit);
                st = FIELD_START;
            } else {
                if (c == '"')
                    set_problem(r, P_STRAY_QUOTE);
                ok = put(r, c);
            }
            break;
        case QUOTED:
            if (c == '"') {
                st = QUOTE_IN_QUOTED;
                break;
            }
            if (c == '\r' || (c == '\n' && prev != '\r'))
                r->line++;
            ok = put(r, c);
            break;
        case QUOTE_IN_QUOTED:
            if (c == '"') {
                st = QUOTED;
                ok = put(r, c);
            } else if (c == ',') {
                ok = field_end(r, limit);
                field_begin(r, limit);
                st = FIELD_START;
            } else {
                set_problem(r, P_AFTER_QUOTE);
                st = UNQUOTED;
                ok = put(r, c);
            }
            break;
        }
    }
    if (!ok || !field_end(r, limit)) {
        r->fatal = EX_OSERR;
        return EX_OSERR;
    }
    *kind = REC_RECORD;
    return 0;
}

/* Writes a header text for a message: at most CSV_NAME_SHOWN bytes, cut at
 * a character boundary (s is valid UTF-8), control characters escaped. */
static void show_text(char *out, size_t outn, const char *s, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n && o + 8 < outn) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0)
            k = 1;
        if (i + k > CSV_NAME_SHOWN) {
            o += (size_t)snprintf(out + o, outn - o, "...");
            break;
        }
        if (cp < 0x20 || cp == 0x7F) {
            o += (size_t)snprintf(out + o, outn - o, "\\x%02X", (unsigned)cp);
        } else {
            memcpy(out + o, s + i, k);
            o += k;
        }
        i += k;
    }
    out[o < outn ? o : outn - 1] = '\0';
}

/* `column "name"` for a message. Names are [a-z0-9_]+, safe to show. */
static void column_label(const char *name, char *out, size_t outn)
{
    snprintf(out, outn, "column \"%.*s%s\"", CSV_NAME_SHOWN, name,
             strlen(name) > CSV_NAME_SHOWN ? "..." : "");
}

static void describe_problem(csv_reader *r)
{
    char col[96];
    if (r->problem_col < r->ncolumns)
        column_label(r->columns[r->problem_col], col, sizeof col);
    else /* cannot happen: a problem past the last column is "too many fields" */
        snprintf(col, sizeof col, "column %zu", r->problem_col + 1);
    char *m = r->problem_msg;
    size_t n = sizeof r->problem_msg;
    switch (r->problem) {
    case P_NONE:
        m[0] = '\0';
        break;
    case P_UTF8:
        /* Spreadsheets save "CSV" in the machine's legacy code page (Windows-
         * 1252) unless told "CSV UTF-8": the usual cause, and its fix. */
        snprintf(m, n, "%s is not valid UTF-8 (save the list as \"CSV UTF-8\")", col);
        break;
    case P_NUL:
        snprintf(m, n, "%s contains a NUL byte", col);
        break;
    case P_FIELDS:
        snprintf(m, n, "%zu fields, but the header has %zu columns", r->nfields, r->ncolumns);
        break;
    case P_STRAY_QUOTE:
        snprintf(m, n, "a quote inside an unquoted field (%s)", col);
        break;
    case P_AFTER_QUOTE:
        snprintf(m, n, "text after a closing quote (%s)", col);
        break;
    case P_FIELD_LONG:
        snprintf(m, n, "field in %s is longer than %u bytes", col, CSV_MAX_FIELD);
        break;
    case P_RECORD_LONG:
        snprintf(m, n, "record is longer than %u bytes", CSV_MAX_RECORD);
        break;
    case P_UNCLOSED:
        snprintf(m, n, "a quoted field is not closed before the end of the file");
        break;
    }
}

static int header_error(csv_reader *r, mp_err *err)
{
    size_t col = r->problem_col + 1;
    switch (r->problem) {
    case P_NONE:
        break;
    case P_UTF8:
        return err_set(err, EX_DATAERR, r->name, 1, 0,
                       "column %zu name is not valid UTF-8 (save the list as \"CSV UTF-8\")", col);
    case P_NUL:
        return err_set(err, EX_DATAERR, r->name, 1, 0, "column %zu name contains a NUL byte", col);
    case P_FIELDS:
        return err_set(err, EX_DATAERR, r->name, 1, 0, "the header has more than %d columns",
                       CSV_MAX_COLUMNS);
    case P_STRAY_QUOTE:
        return err_set(err, EX_DATAERR, r->name, 1, 0,
                       "a quote inside an unquoted field (column %zu)", col);
    case P_AFTER_QUOTE:
        return err_set(err, EX_DATAERR, r->name, 1, 0, "text after a closing quote (column %zu)",
                       col);
    case P_FIELD_LONG:
        return err_set(err, EX_DATAERR, r->name, 1, 0,
                       "field in column %zu is longer than %u bytes", col, CSV_MAX_FIELD);
    case P_RECORD_LONG:
        return err_set(err, EX_DATAERR, r->name, 1, 0, "the header row is longer than %u bytes",
                       CSV_MAX_RECORD);
    case P_UNCLOSED:
        return err_set(err, EX_DATAERR, r->name, 1, 0,
                       "a quoted field is not closed before the end of the file");
    }
    return 0;
}

/* Normalises the header just read (in r->rec) into r->columns. */
static int take_header(csv_reader *r, mp_err *err)
{
    size_t n = r->nfields;
    r->columns = calloc(n, sizeof *r->columns);
    r->column_text = malloc(r->rec_len ? r->rec_len : 1);
    if (!r->columns || !r->column_text)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    char *o = r->column_text;
    for (size_t i = 0; i < n; i++) {
        const char *s = r->rec + r->start[i];
        size_t len = r->lens[i];
        while (len && s[0] == ' ')
            s++, len--;
        while (len && s[len - 1] == ' ')
            len--;
        if (len == 0)
            return err_set(err, EX_DATAERR, r->name, 1, 0, "column %zu has no name", i + 1);
        r->columns[i] = o;
        for (size_t k = 0; k < len; k++) {
            char c = s[k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            else if (c == ' ' || c == '-')
                c = '_';
            else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                char shown[CSV_NAME_SHOWN * 4 + 8];
                show_text(shown, sizeof shown, s, len);
                return err_set(err, EX_DATAERR, r->name, 1, 0,
                               "column %zu name \"%s\" is not usable: use letters, digits, "
                               "spaces, \"-\" and \"_\"",
                               i + 1, shown);
            }
            *o++ = c;
        }
        *o++ = '\0';
        /* At most CSV_MAX_COLUMNS names: comparing each with the ones before
         * costs little. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->columns[j], r->columns[i]) == 0) {
                char col[96];
                column_label(r->columns[j], col, sizeof col);
                return err_set(err, EX_DATAERR, r->name, 1, 0,
                               "%s appears twice (columns %zu and %zu)", col, j + 1, i + 1);
            }
    }
    r->ncolumns = n;
    return 0;
}

int csv_open(FILE *in, const char *name, csv_reader **out, mp_err *err)
{
    *out = NULL;
    csv_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name ? name : ""))) {
        free(r);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    r->in = in;
    r->line = 1;

    /* A byte order mark, only at the very start. A short first fill means
     * the input is shorter than a mark. */
    fill(r);
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;

    enum rec_kind kind;
    int rc = read_record(r, CSV_MAX_COLUMNS, &kind);
    if (rc)
        rc = fatal_error(r, err);
    else if (kind == REC_END)
        rc = err_set(err, EX_DATAERR, r->name, 0, 0, "the file is empty: a CSV needs a header row");
    else if (kind == REC_BLANK)
        rc = err_set(err, EX_DATAERR, r->name, 1, 0,
                     "the first line is empty: a CSV needs a header row on line 1");
    else if (r->problem != P_NONE)
        rc = header_error(r, err);
    else
        rc = take_header(r, err);
    if (rc) {
        csv_close(r);
        return rc;
    }
    r->row = 1;
    *out = r;
    return 0;
}

void csv_close(csv_reader *r)
{
    if (!r)
        return;
    free(r->columns);
    free(r->column_text);
    free(r->rec);
    free(r->name);
    free(r);
}

size_t csv_ncolumns(const csv_reader *r)
{
    return r->ncolumns;
}

const char *csv_column(const csv_reader *r, size_t i)
{
    return i < r->ncolumns ? r->columns[i] : NULL;
}

int csv_next(csv_reader *r, csv_record *rec, mp_err *err)
{
    memset(rec, 0, sizeof *rec);
    if (r->fatal)
        return fatal_error(r, err);
    for (;;) {
        long line = r->line;
        enum rec_kind kind;
        if (read_record(r, r->ncolumns, &kind))
            return fatal_error(r, err);
        if (kind == REC_END)
            return 0;
        r->row++;
        if (kind == REC_BLANK)
            continue;
        rec->row = r->row;
        rec->line = line;
        if (r->problem != P_NONE) {
            describe_problem(r);
            rec->problem = r->problem_msg;
            return 1;
        }
        static const char empty[] = "";
        for (size_t i = 0; i < r->ncolumns; i++) {
            if (i < r->nfields) {
                r->fields[i] = r->rec + r->start[i];
            } else {
                r->fields[i] = empty; /* missing trailing fields are empty */
                r->lens[i] = 0;
            }
        }
        rec->nfields = r->ncolumns;
        rec->fields = r->fields;
        rec->lens = r->lens;
        return 1;
    }
}
