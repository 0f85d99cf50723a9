/*
 * review.h — a form's wording as plain text or Markdown, for clinicians who
 * review consent wording by email or in a code review. Placeholders are
 * shown as written ({{patient.first_name}}), so the reviewer sees exactly
 * what will be filled in, and the header gives the form's id, version,
 * status, approval, wording fingerprint and the reading grade per section.
 */
#ifndef MP_REVIEW_H
#define MP_REVIEW_H

#include <stdbool.h>

#include "arena.h"
#include "check.h"
#include "form.h"

/* The review text of f (with r's reading grades), NUL-terminated, in a.
 * markdown selects Markdown instead of plain text wrapped at 72 columns.
 * NULL on OOM. */
char *review_text(const form *f, const check_report *r, bool markdown, arena *a);

#endif
