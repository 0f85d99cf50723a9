/*
 * approval.h — whether a form's approval still holds for its wording, and
 * whether a translation still matches the wording of the form it translates.
 *
 * The approval record is what `medpacket approve` writes into the form file
 * (forms/README.md, "Approval"):
 *
 *   status: approved
 *   approved_by: Dr. Ana Ruiz, Medical Director
 *   approved_on: 2026-11-02
 *   approved_wording: <the 64-hex wording fingerprint approved>
 *   translation_of:                 (a translation only)
 *     form: ../consent.yaml
 *     wording: <the source's fingerprint it translates>
 *
 * and beside the form two snapshots in the canonical text of wording.h, so
 * that `diff --since-approval`, `check` and `git diff` can show what changed:
 *
 *   consent.approved.txt   the wording approved (its SHA-256 is approved_wording)
 *   consent.source.txt     a translation's: the source wording it translates
 *
 * An approved form prints only while its wording fingerprint is the approved
 * one; a translation prints only while its source's wording is the one it
 * translates (or with --allow-stale-translation, stamped as such).
 */
#ifndef MP_APPROVAL_H
#define MP_APPROVAL_H

#include <stdbool.h>

#include "arena.h"
#include "err.h"
#include "form.h"

typedef enum {
    APPROVAL_DRAFT,      /* status: draft; nothing to hold */
    APPROVAL_HOLDS,      /* approved, and the wording is the approved one */
    APPROVAL_UNRECORDED, /* approved, but no approved_wording is recorded */
    APPROVAL_MOVED,      /* approved for other wording than the form has now */
} approval_kind;

typedef enum {
    SNAPSHOT_ABSENT,     /* no file */
    SNAPSHOT_MATCHES,    /* its SHA-256 is the fingerprint it stands for */
    SNAPSHOT_DIFFERS,    /* it was edited, or belongs to another approval */
    SNAPSHOT_UNREADABLE, /* it exists but cannot be read (errnum) */
} snapshot_state;

typedef struct snapshot {
    const char *path; /* where it is, or would be */
    snapshot_state state;
    const char *text; /* MATCHES or DIFFERS: the file's bytes, NUL-terminated */
    size_t len;
    char sha256[65]; /* MATCHES or DIFFERS */
    int errnum;      /* UNREADABLE */
} snapshot;

typedef struct approval {
    approval_kind kind;
    snapshot approved; /* <stem>.approved.txt, against approved_wording */
    /* A translation (translation_of: given): */
    bool translation;
    form *source;             /* the source form, or NULL when it does not load */
    mp_err source_err;        /* why it did not */
    bool source_recorded;     /* translation_of: wording: is given */
    bool stale;               /* recorded, and the source's wording is no longer it */
    snapshot source_snapshot; /* <stem>.source.txt, against translation_of: wording: */
} approval;

/* The snapshot paths beside a form file: "dir/consent.yaml" gives
 * "dir/consent.approved.txt" and "dir/consent.source.txt" (the extension
 * .yaml or .yml is replaced; another name has the suffix appended). In a. */
const char *approval_snapshot_path(const char *form_path, arena *a);
const char *approval_source_snapshot_path(const char *form_path, arena *a);

/* Examines f's approval record, its snapshots and, for a translation, its
 * source form (loaded into a). Never fails for what it finds: that is in
 * *out. Returns 0, or EX_OSERR out of memory. */
int approval_examine(const form *f, arena *a, approval *out);

/* Why f must not be printed, as an error at its place in the form file
 * (EX_DATAERR), or 0 when it may be: an approval that no longer holds or was
 * never bound to a wording, a translation whose source cannot be read, has
 * moved on (unless allow_stale) or is not recorded. changed names the
 * source's changed sections for a stale translation ("\"Risks\", \"After\""),
 * or is NULL. A draft is the draft gate's business, not this one's. */
int approval_problem(const form *f, const approval *ap, bool allow_stale, const char *changed,
                     mp_err *err);

/* Where the approval stands, in a sentence for the reviewer (review's
 * cover page and text): "approved, for this wording", "NOT APPROVED as it
 * stands: approved for wording 3f5a0c1d2e4b, changed since", ... with a
 * stale translation said too. In a; NULL out of memory. */
const char *approval_status(const form *f, const approval *ap, arena *a);

/* Reads a snapshot file whole into a, and its SHA-256. */
void approval_read_snapshot(const char *path, arena *a, const char *want, snapshot *out);

#endif
