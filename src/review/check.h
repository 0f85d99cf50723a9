/*
 * check.h — what a clinician's reviewer needs to know about a form before
 * it reaches patients, found without rendering it:
 *
 *   - placeholders that no patient field, clinic setting or form value can
 *     fill (errors), and patient fields outside the usual columns (warnings:
 *     the data must have such a column);
 *   - the booking QR code: a URL pattern at all, a scheme, whether it could
 *     outgrow a QR code, and whether it would carry patient identifiers;
 *   - for consent forms, the elements informed consent needs: the nature of
 *     the procedure, benefits, every risk described, alternatives, the
 *     questions-answered statement, the patient's and the clinician's
 *     signatures with a date;
 *   - the approval (check_approval): that it holds for the wording, that the
 *     snapshots beside the form are what they stand for, and that a
 *     translation still translates its source's wording;
 *   - the reading grade (Flesch-Kincaid; Crawford for Spanish) of each
 *     section of the wording, against the form's target (reading_grade,
 *     default 8); a form in a language with no formula gets a note saying
 *     so, and no grade.
 *
 * Findings carry the file, line and column they are about. Pure: no output.
 */
#ifndef MP_CHECK_H
#define MP_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "approval.h"
#include "arena.h"
#include "form.h"
#include "readability.h"

/* A note is for the reviewer's information: it changes no exit status. */
typedef enum { FINDING_ERROR, FINDING_WARNING, FINDING_NOTE } finding_level;

typedef struct finding {
    finding_level level;
    mp_err where; /* file, line, col and message */
} finding;

typedef struct check_section {
    const char *title; /* the heading, or the form's title before the first heading */
    int line;          /* where the section starts */
    readability r;     /* readability_formula(&r) NULL: not graded */
    bool above;        /* grade above the form's target */
} check_section;

typedef struct check_report {
    const form *form;
    arena *a;
    finding *findings;
    size_t nfindings, cap;
    size_t errors, warnings, notes;
    check_section *sections;
    size_t nsections, sections_cap;
    /* The reading-grade formula of the form's language, or NULL when it has
     * none; then no_grade says so in words (the note's message, for review's
     * pages), else it is NULL. */
    const char *grade_formula, *no_grade;
} check_report;

/* Checks form f (clinic c may be NULL when none was found: then the clinic's
 * booking URL counts as missing). Memory in a. Returns 0, or EX_OSERR. */
int check_form(const form *f, const clinic *c, arena *a, check_report *out);

/* Adds to r what approval_examine found of r's form: an approval that does
 * not hold or names no wording, a stale translation with the source's
 * sections that changed, snapshots that are not the approved wording
 * (errors); a missing snapshot (a warning). Returns 0, or EX_OSERR. */
int check_approval(check_report *r, const form *f, const approval *ap);

#endif
