/*
 * wchange.h — what changed between two canonical wordings (wording.h), for
 * `medpacket diff` and for what `check` says of a stale translation.
 *
 * The texts are compared line by line (wdiff), each line a unit of wording;
 * a removed line followed by an added line of the same kind (a paragraph, a
 * risk ...) is one changed line, its changed words marked [-old-]{+new+}.
 * Each change is shown under the heading of the section it is in.
 */
#ifndef MP_WCHANGE_H
#define MP_WCHANGE_H

#include <stdio.h>

#include "arena.h"

/* Prints the changes from old_text to new_text, section by section:
 * "@@ HEADING", then "- line", "+ line" or "~ kind: words [-old-]{+new+}".
 * Prints nothing when they are the same. Returns 0, or -1 out of memory. */
int wchange_print(FILE *out, const char *old_text, const char *new_text);

/* The sections in which they differ, quoted and joined by ", " in a
 * ("\"Risks\", \"(before the first heading)\""), or "" when none. NULL out
 * of memory. */
const char *wchange_sections(const char *old_text, const char *new_text, arena *a);

#endif
