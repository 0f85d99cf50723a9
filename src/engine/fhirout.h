/*
 * fhirout.h — what was printed, filed: each PDF's DocumentReference
 * (fhirdoc.h) posted to a FHIR server (fhirpost.h), written beside the
 * others in a folder, and added to a transaction Bundle, in the order that
 * keeps a rerun from filing anything twice.
 *
 * The order: a PDF's DocumentReference is posted, then its file is written,
 * then it joins the Bundle, and only then does the caller write the PDF.
 * So a PDF exists only once its record is filed: a rerun with
 * --skip-existing skips (and never sends again) every row whose PDF is
 * there, and renders and sends again every row whose post failed. A post
 * that the server took just before a crash, whose PDF was not yet renamed
 * into place, is sent again by the rerun, and its ifNoneExist finds the
 * first one when the PDF is the same bytes (the same clock:
 * SOURCE_DATE_EPOCH); docs/fhir.md says more.
 *
 * Used by render (one PDF) and batch (through its before_write hook, on the
 * thread that writes files, in row order). Prints nothing.
 */
#ifndef MP_FHIROUT_H
#define MP_FHIROUT_H

#include <stdbool.h>

#include "err.h"
#include "fhirdoc.h"
#include "fhirpost.h"
#include "outfile.h"

typedef struct fhirout_opts {
    const char *dir;      /* --fhir-out: DIR/NAME.json for the PDF NAME.pdf; NULL: none */
    const char *bundle;   /* --fhir-bundle: the Bundle's file; NULL: none */
    const char *post_url; /* --fhir-post: the server's base URL; NULL: none */
    const char *token;    /* the bearer token (--fhir-token-file), or NULL */
    /* What is already at a record's name in dir: force replaces it; so does
     * skip_existing for a PDF rendered again (the record of a run that was
     * killed before its PDF was in place). Without either it is an error. */
    bool force, skip_existing;
    bool nosync;                  /* records are not fsynced one by one (outfile.h) */
    const outfile_inputs *inputs; /* files the run reads: never replaced; may be NULL */
    outfile_opts bundle_fo;       /* how the Bundle's file is written */
} fhirout_opts;

typedef struct fhirout fhirout;

/* Opens the Bundle (a temporary file) and the server's client; dir must
 * exist. 0, or an error. */
int fhirout_open(const fhirout_opts *o, fhirout **out, mp_err *err);

typedef struct fhirout_pdf {
    fhirdoc_in doc;
    const char *pdf_path; /* where the PDF goes (its name names the record); NULL: none */
    /* A PDF an earlier run made (batch --skip-existing kept it): it is not
     * posted again, and its record is written only if it is missing. */
    bool kept;
} fhirout_pdf;

typedef struct fhirout_filed {
    bool posted;          /* sent, and taken: post says how */
    fhirpost_result post; /* the server's id, created or already there */
    /* The error is one no later PDF would escape (the server is down, a
     * file cannot be written): a batch stops at it. */
    bool stop;
} fhirout_filed;

/* Files one PDF, before the caller writes it. 0, or an error with *err set
 * (place and file left for the caller) and filed->stop said. */
int fhirout_file(fhirout *f, const fhirout_pdf *pdf, fhirout_filed *filed, mp_err *err);

typedef struct fhirout_counts {
    long created, existing; /* posted: new on the server, and found there */
    long records;           /* written to dir */
    long bundled;           /* DocumentReferences in the Bundle */
} fhirout_counts;

void fhirout_get_counts(const fhirout *f, fhirout_counts *c);

/* The end: the records made durable, and the Bundle put in place when
 * keep_bundle (the run went through its list) and it holds a
 * DocumentReference, else removed (*bundled says which). Frees f, also on
 * failure. */
int fhirout_close(fhirout *f, bool keep_bundle, bool *bundled, mp_err *err);

#endif
