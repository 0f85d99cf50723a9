/*
 * pdfmerge.h — one print-ready PDF out of many, streamed.
 *
 * The front desk sends the day's packets as one print job. libharu cannot
 * read PDFs, so this module appends the pages of PDFs that pdf_render()
 * wrote (no encryption, no incremental updates; a classic cross-reference
 * table as libharu 2.3 writes, or PDF 1.5's cross-reference stream with
 * object streams) to one output file as they come: the objects an input's pages
 * lead to are copied with their numbers shifted, each page is re-parented
 * under the merged page tree, and each input's catalog, page tree, info
 * dictionary and whatever only its catalog holds (a tagged PDF's structure
 * tree, its XMP metadata) are dropped, as are the pages' and annotations'
 * /StructParents and /StructParent: the merged file is an untagged print
 * job. Memory stays flat: only an offset per object and a number per page
 * are kept until the end (and, while an input is read, its object streams
 * inflated, 64 MiB at most).
 *
 * A batch's merge labels each row's pages (pdfmerge_add_row: /PageLabels,
 * "row 12, page 1"), so that the merged files of a batch run in shards can
 * be joined in row order (pdfmerge_src, medpacket merge).
 *
 * The output is written through outfile (temporary name, then rename), so a
 * failed or interrupted merge leaves no partial file at the target.
 * Deterministic: the same inputs and meta give the same bytes. The output
 * always has a classic table and no object streams.
 */
#ifndef MP_PDFMERGE_H
#define MP_PDFMERGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "outfile.h"

typedef struct pdfmerge pdfmerge;

typedef struct pdfmerge_meta {
    const char *title, *author, *creator; /* UTF-8, may be NULL */
    int64_t date_unix;
} pdfmerge_meta;

/* Starts a merge into path, a path the user typed (see outfile.h); _opts
 * says what to do with what is already there and when to stop waiting. */
int pdfmerge_open(const char *path, pdfmerge **out, mp_err *err);
int pdfmerge_open_opts(const char *path, const outfile_opts *opts, pdfmerge **out, mp_err *err);

/* Appends every page of pdf[0..len), in order. A PDF this module cannot read
 * is EX_SOFTWARE (it only reads what pdf_render writes); the merge stays
 * usable for further inputs only if the call succeeded. */
int pdfmerge_add(pdfmerge *m, const unsigned char *pdf, size_t len, mp_err *err);

/* pdfmerge_add, for the row of a patient list numbered row: the merged
 * file labels the row's pages ("row 12, page 1", /PageLabels), which a
 * viewer shows and pdfmerge_src reads back. */
int pdfmerge_add_row(pdfmerge *m, const unsigned char *pdf, size_t len, long row, mp_err *err);

/* A merged file with row labels (a shard's, from batch --shard --merge),
 * read once and added a row at a time, so that several shards' files join
 * in row order (medpacket merge). pdf must outlive it. The rows are in
 * rising order; a file without labels has none. */
typedef struct pdfmerge_src pdfmerge_src;
int pdfmerge_src_open(const unsigned char *pdf, size_t len, pdfmerge_src **out, mp_err *err);
size_t pdfmerge_src_rows(const pdfmerge_src *s);
/* Row i's number; *first and *count get its pages. */
long pdfmerge_src_row(const pdfmerge_src *s, size_t i, size_t *first, size_t *count);
/* Appends row i's pages (and what they lead to), labelled with its row. */
int pdfmerge_add_src_row(pdfmerge *m, pdfmerge_src *s, size_t i, mp_err *err);
void pdfmerge_src_free(pdfmerge_src *s);

/* Whether pdfmerge_add would take pdf[0..len) whole: everything is read as
 * for an add, nothing is written, and a PDF without pages fails too. *pages
 * (may be NULL) gets its page count. For a file read back from the disk (a
 * resumed batch's row), which a failed add would leave the merge spent by. */
int pdfmerge_check(const unsigned char *pdf, size_t len, long *pages, mp_err *err);

/* Pages appended so far. */
long pdfmerge_pages(const pdfmerge *m);

/* Writes the page tree, catalog, info, cross-reference table and trailer and
 * renames the file into place; frees m. A merge of zero pages is EX_DATAERR
 * ("nothing to merge") and leaves no file. */
int pdfmerge_commit(pdfmerge *m, const pdfmerge_meta *meta, mp_err *err);

/* Abandons the merge: no file is left; frees m. Safe on NULL. */
void pdfmerge_abort(pdfmerge *m);

#endif
