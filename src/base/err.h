/*
 * err.h — errors as values.
 *
 * Every module function that can fail returns 0 on success or a sysexits(3)
 * code, and fills a caller-provided mp_err with the file, line and column the
 * problem is about. Modules never print; the CLI formats the value as
 * "file:line:col: message" (or "file: row N: message" for CSV rows).
 */
#ifndef MP_ERR_H
#define MP_ERR_H

#include <stddef.h>
#include <sysexits.h>

typedef struct mp_err {
    int code;       /* sysexits code; 0 while no error is set */
    char file[512]; /* file the problem is in; "" when none */
    int line, col;  /* 1-based; 0 when unknown */
    long row;       /* data row (CSV, patient list), 1-based; 0 when none */
    /* How the row is named when not "row N": a FHIR list's
     * "entry 3 (Appointment/123)"; "" otherwise. */
    char where[96];
    /* The patient field whose value was missing ("clinician"), for a caller
     * that shows the problem beside that field (serve's walk-in form); ""
     * otherwise. "first_name" stands for a missing name. */
    char field[32];
    /* The errno behind an I/O error (a file that cannot be opened), so that a
     * caller can say it again in its own words; 0 otherwise. */
    int errnum;
    /* Long enough for a refusal that names two fingerprints, a person, a
     * date and the commands that resolve it. */
    char msg[1024];
} mp_err;

void err_clear(mp_err *e);

/* Sets *e (if e is not NULL) and returns code, so that callers can write
 * `return err_set(err, EX_DATAERR, path, line, col, "...")`. file may be NULL. */
int err_set(mp_err *e, int code, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Records in e (if not NULL), after err_set, the patient field whose value
 * was missing: "patient.clinician" or "clinician". */
void err_missing_field(mp_err *e, const char *name);

/* For clang-tidy's path analysis (scripts/lint), which cannot see into the
 * file that defines a function: err_set and the functions built like it
 * (text_err, node_err, cli_fail) return the code they are given, so an error
 * path is never followed as if it had succeeded. Their definitions put the
 * name in parentheses, out of the macro's reach. */
#ifdef __clang_analyzer__
static inline int err_returns_code(int returned, int code)
{
    (void)returned;
    return code;
}
#define err_set(e, code, ...) err_returns_code(err_set((e), (code), __VA_ARGS__), (code))
#endif

/* "row N", or e->where when set: how a message names e's data row. */
const char *err_row_place(const mp_err *e, char *buf, size_t n);

/* Formats e as "file:line:col: message", "file: row N: message",
 * "file: message" or "message", whichever parts are known. */
void err_format(const mp_err *e, char *buf, size_t n);

#endif
