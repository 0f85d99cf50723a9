/*
 * fhirdoc.h — what was printed, as a FHIR R4 DocumentReference: the PDF of
 * one patient's packet, filed back into the patient's chart.
 *
 * A DocumentReference says which packet, which version of each form and
 * which wording (the full fingerprint) a patient was given, for whom
 * (subject: the Patient's id, or the record number as an identifier) and at
 * which visit (context.related: the Appointment), by whom (author: the
 * clinic, a contained Organization), and holds the PDF itself, inline or as
 * a Binary beside it in a transaction Bundle. docs/fhir.md maps each
 * element.
 *
 * Its masterIdentifier is derived from the PDF's bytes (a name-based UUID,
 * version 5, of the PDF's SHA-256 in FHIRDOC_UUID_NAMESPACE): the same PDF
 * gives the same identifier, so that a transaction that creates it only if
 * none has it (ifNoneExist) is sent again without a duplicate. The entries'
 * fullUrls are UUIDs of the same kind, of "DocumentReference/" and
 * "Binary/" followed by the SHA-256: fixed by the PDF too, and never the
 * masterIdentifier, which a server would otherwise rewrite as it rewrites
 * every occurrence of a fullUrl.
 *
 * The JSON is made with jansson. Everything here is a function of its
 * inputs, the clock included (fhirdoc_in.now_unix), so that a test checks
 * it without a PDF or a server. Nothing here prints; the texts returned are
 * malloc'd, for the caller to free().
 */
#ifndef MP_FHIRDOC_H
#define MP_FHIRDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "form.h"
#include "outfile.h"
#include "patient.h"

/* The namespace of masterIdentifier's UUIDs (RFC 9562 version 5): the UUID
 * of a PDF is uuid5(FHIRDOC_UUID_NAMESPACE, the PDF's SHA-256 as 64
 * lowercase hex digits). */
#define FHIRDOC_UUID_NAMESPACE "ed1c8d6e-a0f5-4153-a4fb-42f793d09cc7"

/* What a packet is for the chart: a consent document when any of its forms
 * is a consent, else patient education (handouts, and a language notice). */
typedef enum { FHIRDOC_CONSENT, FHIRDOC_EDUCATION } fhirdoc_kind;

fhirdoc_kind fhirdoc_kind_of(const packet *p);

/* One PDF, and what it was printed for and from. */
typedef struct fhirdoc_in {
    const packet *printed;  /* the variant printed: id, title, language, forms */
    const clinic *clinic;   /* the author; its fhir_mrn_system */
    const patient *patient; /* the subject: patient->fhir, and the field mrn */
    int64_t now_unix;       /* DocumentReference.date: the run's clock */
    int64_t created_unix;   /* attachment.creation: when the PDF was made */
    const unsigned char *pdf;
    size_t pdf_len;
    /* The PDF's SHA-256 as 64 hex digits when the caller has it (batch
     * does), else NULL: it is computed. */
    const char *sha256;
} fhirdoc_in;

/* Why p cannot be the subject of a DocumentReference (it has neither a
 * Patient id from a FHIR list nor a record number), in words that name no
 * patient data; NULL when it can. */
const char *fhirdoc_subject_problem(const patient *p);

/* The masterIdentifier's UUID of the PDF whose SHA-256 is sha256_hex (64
 * lowercase hex digits), as 36 characters and a NUL. 0, or -1 when OpenSSL
 * fails. */
int fhirdoc_uuid(const char *sha256_hex, char out[37]);

/* FHIR R4's Attachment.hash of bytes: the base64 of their SHA-1 (28
 * characters and a NUL). 0, or -1. */
int fhirdoc_sha1_base64(const unsigned char *bytes, size_t len, char out[29]);

/* Flags of fhirdoc_reference. */
#define FHIRDOC_PRETTY 1 /* indented, a member a line (a file for people too) */

/* The DocumentReference of in->pdf as JSON text (*json, *len; malloc'd):
 * the PDF inline (attachment.data) when binary_url is NULL, else
 * attachment.url = binary_url, a Binary that travels with it. 0, or
 * EX_DATAERR (fhirdoc_subject_problem), EX_OSERR (out of memory, or OpenSSL
 * failed) with *err set. */
int fhirdoc_reference(const fhirdoc_in *in, const char *binary_url, int flags, char **json,
                      size_t *len, mp_err *err);

/* A transaction Bundle of one entry, the DocumentReference with the PDF
 * inline, created only if no DocumentReference has its masterIdentifier
 * (request.ifNoneExist): what --fhir-post sends for a row. */
int fhirdoc_transaction(const fhirdoc_in *in, char **json, size_t *len, mp_err *err);

/* ---- a transaction Bundle of many rows, streamed to a file --------------
 * Each PDF adds two entries: a Binary with the PDF, and the DocumentReference
 * whose attachment.url names the Binary by its fullUrl (urn:uuid:...),
 * created only if none has its masterIdentifier. An entry is written as it
 * is added, so that memory stays flat whatever the rows; the file is written
 * through outfile: whole once committed, or absent. A PDF already in the
 * Bundle (a list with the same row twice prints the same bytes) is not added
 * again: a transaction must not hold one fullUrl twice. */
typedef struct fhirdoc_bundle fhirdoc_bundle;

int fhirdoc_bundle_open(const char *path, const outfile_opts *fo, fhirdoc_bundle **out,
                        mp_err *err);
/* *added (may be NULL) is false for a PDF the Bundle already holds. */
int fhirdoc_bundle_add(fhirdoc_bundle *b, const fhirdoc_in *in, bool *added, mp_err *err);
/* Closes the Bundle and puts the file in place; *docs (may be NULL): the
 * DocumentReferences in it. Frees b, also on failure. */
int fhirdoc_bundle_commit(fhirdoc_bundle *b, long *docs, mp_err *err);
/* Removes the file; frees b. Safe on NULL. */
void fhirdoc_bundle_abort(fhirdoc_bundle *b);

#endif
