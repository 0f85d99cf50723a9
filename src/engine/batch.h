/*
 * batch.h — a packet over a patient list: rendered in parallel, reported and
 * merged in row order, in flat memory.
 *
 * The calling thread reads rows and names files; --jobs worker threads render
 * them; results come back to the calling thread strictly in row order (a
 * reorder window of a few rows per worker bounds memory), where each is
 * written to its file, appended to the merged PDF and reported. A bad row is reported and
 * skipped; every good row is still produced.
 *
 * Each PDF is written through outfile (temporary name beside it, renamed into
 * place), so an interrupted run leaves only whole PDFs; with skip_existing a
 * rerun finishes the rest. (The caller first removes the temporary files a
 * killed run left: outfile_remove_stale_in.)
 *
 * What is already at a row's name: without force or skip_existing, the row
 * fails ("exists"). With either, only a regular file or a symlink is replaced
 * (by a rename: a symlink is never written through), never an input of the
 * run; a FIFO, device or folder there makes the row fail. skip_existing keeps
 * a file that is whole and regular; with a merge, that file is read back and
 * appended to the merge in its row's place (it must be a PDF the merge can
 * take, and with duplex have an even page count; else it is rendered again).
 *
 * A file that cannot be written (a full disk, a read-only folder) ends the
 * run at that row: the rows after it would fail the same way.
 */
#ifndef MP_BATCH_H
#define MP_BATCH_H

#include <signal.h>
#include <stdbool.h>

#include "err.h"
#include "form.h"
#include "outfile.h"
#include "pdfmerge.h"
#include "render.h"
#include "roster.h"

typedef enum { BATCH_OK, BATCH_SKIPPED, BATCH_FAILED } batch_status;

typedef struct batch_result {
    long row;
    char where[96]; /* how messages name the row: "" for "row N", else a FHIR entry's name */
    batch_status status;
    const char *path; /* the output file (NULL without an output folder) */
    int pages;
    size_t bytes;
    char sha256[65];      /* hex, of the PDF's bytes */
    const char *language; /* the language the row was printed in */
    /* The variant of the packet printed for the row (render_pick: its
     * language's), whose forms the manifest names with their wording
     * fingerprints; valid for the run. NULL for a row that failed before
     * it was picked (a bad row). */
    const packet *printed;
    /* BATCH_OK: the font files its PDF draws with (render_info), valid
     * during on_row. */
    const char *const *fonts;
    size_t nfonts;
    /* How the variant printed stands to the row's language column
     * (render_pick): a fallback (packet_choice_fallback) is reported. */
    packet_choice choice;
    /* The row's patient (NULL for a row that failed before it was read
     * whole: a bad row), and the PDF's bytes (BATCH_OK; BATCH_SKIPPED when
     * the kept file was read back: see read_kept; else NULL): valid during
     * before_write and on_row. */
    const patient *patient;
    const unsigned char *pdf;
    size_t pdf_len;
    mp_err err; /* BATCH_FAILED: what went wrong (file, row, place) */
    /* BATCH_FAILED: its file could not be written, or before_write said no
     * later row would fare better; the run ends */
    bool fatal;
} batch_result;

typedef struct batch_opts {
    /* The packet and its translations (variants[0] the packet itself); each
     * row gets the one in its language column's language (render_pick). */
    const packet *const *variants;
    size_t nvariants;
    const render_env *env;
    roster *roster;
    const char *out_dir;          /* NULL: no file per row (merge only) */
    const char *name_pattern;     /* see outname.h */
    pdfmerge *merge;              /* NULL: no merged PDF; else each good row is appended */
    bool duplex;                  /* forms are padded to even pages (a kept file must be too) */
    const outfile_inputs *inputs; /* files the run reads: never replaced; may be NULL */
    /* Names in out_dir that rows must not take (the merged file's and the
     * manifest's, when they are written there): a row gets "-2" instead. */
    const char *const *reserved;
    size_t nreserved;
    int jobs; /* worker threads, >= 1 */
    /* Shard `shard` of `shards` (0 <= shard < shards; shards 0 or 1: the
     * whole list): the rows whose index in the list (from 0, bad rows
     * counted) modulo shards is shard. The other rows are still read and
     * named, so that each file gets the name an unsharded run gives it. */
    long shard, shards;
    bool skip_existing;          /* a row whose file exists is skipped (resume) */
    bool force;                  /* a row whose file exists is replaced */
    bool fail_fast;              /* stop reading at the first failed row */
    volatile sig_atomic_t *stop; /* set (by a signal handler) to stop reading rows */
    /* A kept file is read back (into batch_result.pdf) even without a merge:
     * before_write wants the bytes of every row. */
    bool read_kept;
    /* Test hook: raise test_signal (SIGKILL: a killed run; SIGINT: Ctrl-C)
     * after this many rows were written; 0 = off. */
    long test_signal_after;
    int test_signal;
    /* Called in row order on the calling thread, for a row rendered, before
     * its file is put in place and it joins the merge (its bytes are in a
     * temporary file by then, so that a full disk fails the row before
     * anything is filed), and for a row kept whose
     * file was read back (r->pdf set): a record of the PDF is filed first,
     * so that the PDF exists only once that is done (fhirout.h). 0 goes on;
     * else the row fails with the r->err the hook set (its file is not
     * written, nor merged), and when the hook sets r->fatal the run ends
     * there with that error. NULL: none (nothing of it costs a row). */
    int (*before_write)(void *ctx, batch_result *r);
    /* Called in row order on the calling thread. */
    void (*on_row)(void *ctx, const batch_result *r);
    void (*on_tick)(void *ctx); /* after each row, for a progress bar */
    void *ctx;
} batch_opts;

typedef struct batch_summary {
    long rows, ok, skipped, failed, pages;
    bool stopped; /* by *stop, fail_fast or a file that could not be written */
} batch_summary;

/* Returns 0 when the run went through (rows may have failed: see the
 * summary), or a sysexits code for what stops a whole run: a read error on
 * the list, a row's file or the merge that cannot be written (EX_IOERR,
 * EX_CANTCREAT), a kept file that cannot be read back, out of memory. */
int batch_run(const batch_opts *o, batch_summary *sum, mp_err *err);

#endif
