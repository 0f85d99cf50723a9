/*
 * fhirout.c — see fhirout.h.
 */
#include "fhirout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct fhirout {
    fhirout_opts o;
    fhirdoc_bundle *bundle;
    fhirpost *post;
    fhirout_counts n;
};

int fhirout_open(const fhirout_opts *o, fhirout **out, mp_err *err)
{
    fhirout *f = calloc(1, sizeof *f);
    if (!f)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    f->o = *o;
    int rc = 0;
    if (o->post_url)
        rc = fhirpost_open(o->post_url, o->token, &f->post, err);
    if (!rc && o->bundle)
        rc = fhirdoc_bundle_open(o->bundle, &o->bundle_fo, &f->bundle, err);
    if (rc) {
        fhirpost_close(f->post);
        free(f);
        return rc;
    }
    *out = f;
    return 0;
}

/* DIR/NAME.json for the PDF .../NAME.pdf (or .../NAME, a pattern without
 * .pdf), into buf; false when it does not fit. */
static bool record_path(const char *dir, const char *pdf_path, char *buf, size_t n)
{
    const char *slash = strrchr(pdf_path, '/');
    const char *name = slash ? slash + 1 : pdf_path;
    size_t len = strlen(name);
    if (len > 4 && strcasecmp(name + len - 4, ".pdf") == 0)
        len -= 4;
    return (size_t)snprintf(buf, n, "%s/%.*s.json", dir, (int)len, name) < n;
}

/* The record's path in dir, into path, and whether it is to be written:
 * 0 with *write false for a kept PDF whose record is there (it stays), or
 * an error when something is there that may not be replaced. Checked before
 * the post, so that a row whose record cannot be written is not sent. */
static int record_target(const fhirout *f, const fhirout_pdf *pdf, char *path, size_t n,
                         bool *write, bool *there, mp_err *err)
{
    *write = false;
    if (!pdf->pdf_path || !record_path(f->o.dir, pdf->pdf_path, path, n))
        return err_set(err, EX_SOFTWARE, NULL, 0, 0,
                       "--fhir-out names each record after its PDF, and this one has no name");
    const char *name = strrchr(path, '/') + 1;
    struct stat st;
    *there = lstat(path, &st) == 0;
    if (*there && pdf->kept)
        return 0;
    if (*there && !f->o.force && !f->o.skip_existing)
        return err_set(err, EX_CANTCREAT, NULL, 0, 0,
                       "%s exists (--skip-existing resumes a run, --force replaces files)", name);
    const char *input =
        *there && S_ISREG(st.st_mode) ? outfile_inputs_find(f->o.inputs, &st) : NULL;
    if (input)
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "%s is %s, an input of this run, so it is not replaced", name, input);
    *write = true;
    return 0;
}

/* The record of the PDF at path: written whole or not at all. */
static int write_record(fhirout *f, const fhirout_pdf *pdf, const char *path, bool there,
                        fhirout_filed *filed, mp_err *err)
{
    char *json = NULL;
    size_t len = 0;
    int rc = fhirdoc_reference(&pdf->doc, NULL, FHIRDOC_PRETTY, &json, &len, err);
    if (rc)
        return rc;
    /* A name the program chose: only a regular file or a symlink there is
     * replaced, by a rename, and only what record_target allowed. */
    outfile_opts fo = {.mode = OUTFILE_DEFAULT_MODE,
                       .chosen_name = true,
                       .no_replace = !there,
                       .nosync = f->o.nosync};
    rc = outfile_write_opts(path, json, len, &fo, err);
    free(json);
    /* A file that cannot be written (a full disk, a folder made read-only)
     * fails every record after it the same way. */
    filed->stop = rc && rc != EX_CANTCREAT;
    if (!rc)
        f->n.records++;
    return rc;
}

int fhirout_file(fhirout *f, const fhirout_pdf *pdf, fhirout_filed *filed, mp_err *err)
{
    memset(filed, 0, sizeof *filed);
    /* Every output needs a subject: said once, before anything is sent. */
    const char *why = fhirdoc_subject_problem(pdf->doc.patient);
    if (why)
        return err_set(err, EX_DATAERR, NULL, 0, 0, "%s", why);
    char path[4200];
    bool write = false, there = false;
    int rc = f->o.dir ? record_target(f, pdf, path, sizeof path, &write, &there, err) : 0;
    if (rc)
        return rc;
    if (f->post && !pdf->kept) {
        char *json = NULL;
        size_t len = 0;
        rc = fhirdoc_transaction(&pdf->doc, &json, &len, err);
        if (!rc)
            rc = fhirpost_transaction(f->post, json, len, &filed->post, err);
        free(json);
        filed->stop = rc && filed->post.stop;
        if (rc)
            return rc;
        filed->posted = true;
        if (filed->post.created)
            f->n.created++;
        else
            f->n.existing++;
    }
    if (write && (rc = write_record(f, pdf, path, there, filed, err)))
        return rc;
    if (f->bundle) {
        bool added = false;
        rc = fhirdoc_bundle_add(f->bundle, &pdf->doc, &added, err);
        filed->stop = rc && rc != EX_DATAERR;
        if (added)
            f->n.bundled++;
    }
    return rc;
}

void fhirout_get_counts(const fhirout *f, fhirout_counts *c)
{
    *c = f->n;
}

int fhirout_close(fhirout *f, bool keep_bundle, bool *bundled, mp_err *err)
{
    int rc = 0;
    *bundled = false;
    if (f->bundle && keep_bundle && f->n.bundled) {
        rc = fhirdoc_bundle_commit(f->bundle, NULL, err);
        *bundled = !rc;
    } else {
        fhirdoc_bundle_abort(f->bundle);
    }
    if (!rc && f->o.dir && f->o.nosync && f->n.records)
        rc = outfile_sync_fs(f->o.dir, err);
    fhirpost_close(f->post);
    free(f);
    return rc;
}
