/*
 * fill.h — placeholders in form text: {{patient.first_name}}, {{today}} ...
 *
 * Syntax: "{{" NAME "}}", with optional spaces inside the braces; NAME is one
 * or more of [A-Za-z0-9_] separated by single dots (patient.first_name).
 * "\{{" writes a literal "{{" (the backslash is dropped); a backslash
 * anywhere else is an ordinary character, and "}}" outside a placeholder is
 * ordinary text. "{{" without a closing "}}" on the same text, or with a bad
 * name inside, is a syntax error.
 *
 * Strict by design: the lookup callback decides what a name means, and an
 * unknown name or a missing value is an error naming the place, never a blank
 * on a consent form. The module knows no names itself; the caller's lookup
 * does (patient fields, clinic settings, dates), and a specimen renderer can
 * supply a lookup that returns the placeholder's own name.
 */
#ifndef MP_FILL_H
#define MP_FILL_H

#include <stddef.h>

#include "arena.h"

typedef enum {
    FILL_FOUND = 0, /* *value / *value_len set */
    FILL_UNKNOWN,   /* no such placeholder name */
    FILL_MISSING,   /* a known name without a value for this patient */
    FILL_INVALID,   /* a value the lookup found unusable (e.g. a bad date); see why */
} fill_status;

/* name is NOT NUL-terminated. On FILL_INVALID the lookup may point *why at a
 * static or long-lived message. The value is copied; it need not outlive the call. */
typedef fill_status (*fill_lookup_fn)(void *ctx, const char *name, size_t name_len,
                                      const char **value, size_t *value_len, const char **why);

typedef enum {
    FILL_OK = 0,
    FILL_ERR_SYNTAX, /* unterminated "{{" or a bad name */
    FILL_ERR_LOOKUP, /* the lookup said UNKNOWN, MISSING or INVALID */
    FILL_ERR_NOMEM,
} fill_result;

typedef struct fill_problem {
    fill_result result;
    fill_status status; /* for FILL_ERR_LOOKUP */
    size_t offset;      /* byte offset of the offending "{{" in the input */
    size_t index;       /* 0-based count of placeholders before it in the input */
    char name[128];     /* the placeholder's name (truncated), "" for syntax errors */
    const char *why;    /* from the lookup (FILL_INVALID) or a syntax description */
} fill_problem;

/* Expands every placeholder in in[0..len). On success *out is a NUL-terminated
 * string in a (the input itself is never modified) and *out_len its length.
 * On failure returns the non-zero result and describes it in *p. */
fill_result fill_text(const char *in, size_t len, fill_lookup_fn lookup, void *ctx, arena *a,
                      char **out, size_t *out_len, fill_problem *p);

/* Calls fn for each placeholder name in in[0..len), in order, with its byte
 * offset; stops at the first syntax error and returns FILL_ERR_SYNTAX (and
 * *p set), else FILL_OK. For `check`, which lists names without values. */
typedef void (*fill_each_fn)(void *ctx, const char *name, size_t name_len, size_t offset);
fill_result fill_each(const char *in, size_t len, fill_each_fn fn, void *ctx, fill_problem *p);

#endif
