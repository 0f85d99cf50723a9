/*
 * outname.h — safe output file names from a pattern with fields.
 *
 * `{last_name}-{first_name}-{mrn}.pdf` becomes `Núñez-José-A1003.pdf`. Patient
 * data chooses the name, so it is made safe whatever it holds: path
 * separators, control characters and NUL become "_", leading dots and
 * spaces are dropped (no hidden files, no "." or ".."), invalid UTF-8 is
 * replaced, and the name is cut at a character boundary to OUTNAME_MAX bytes
 * (the ".pdf" ending kept). A name that comes out empty becomes "row-N.pdf".
 *
 * Fields: any patient field ({mrn}, {last_name} ...) and {row}. A field the
 * row lacks is an error for that row, not an empty part.
 */
#ifndef MP_OUTNAME_H
#define MP_OUTNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "patient.h"

#define OUTNAME_MAX 120
/* No names by default: a folder listing or the JSON report then holds no
 * patient's name unless a pattern asks for it; the row keeps the schedule's
 * order in a listing. */
#define OUTNAME_DEFAULT "{row}-{mrn}.pdf"

/* Checks a pattern's syntax: fields close, names are [a-z0-9_]+, no "/" in
 * the literal text. Returns NULL when fine, else why not. */
const char *outname_check(const char *pattern);

/* The first field of a (checked) pattern that is neither {row} nor a
 * field has() says the data may hold, copied into buf; NULL when there is
 * none. */
const char *outname_unknown_field(const char *pattern, bool (*has)(void *ctx, const char *name),
                                  void *ctx, char *buf, size_t n);

/* Writes the safe name for p (in row `row`) into buf (at least
 * OUTNAME_MAX + 1 bytes). Returns NULL, or a message naming the missing field
 * (in why_buf). */
const char *outname_make(const char *pattern, const patient *p, long row, char *buf, char *why_buf,
                         size_t why_size);

/* buf (a safe name) with "-N" before its extension, for the N-th row that
 * would get the same name. */
void outname_suffix(char *buf, unsigned n);

#endif
