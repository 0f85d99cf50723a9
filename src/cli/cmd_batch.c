/*
 * cmd_batch.c — `medpacket batch`: a form or packet over a patient list.
 */
#define _GNU_SOURCE /* fopencookie: the manifest's JSON lines go through outfile */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "buf.h"
#include "cmd.h"
#include "json.h"
#include "outfile.h"
#include "outname.h"
#include "print.h"

static void batch_usage(FILE *out)
{
    fputs("usage: medpacket batch FORM_OR_PACKET.yaml --data PATIENTS.csv --out-dir DIR [OPTIONS]\n"
          "       medpacket batch FORM_OR_PACKET.yaml --data PATIENTS.csv --merge DAY.pdf\n"
          "       medpacket batch FORM_OR_PACKET.yaml --data PATIENTS.csv --merge DAY.pdf --print\n"
          "\n"
          "Renders a form or packet for every patient of a list: one PDF per row, and/or\n"
          "one merged, print-ready PDF of every packet in row order. Bad rows are reported\n"
          "as FILE: row N: message and skipped; every good row is still produced.\n"
          "\n"
          "Input:\n"
          "  -d, --data FILE        the patient list: CSV with a header row (RFC 4180, UTF-8,\n"
          "                         optional BOM), a YAML list for .yaml/.yml names, or FHIR\n"
          "                         R4 JSON (a Bundle, a Patient, NDJSON; docs/fhir.md) for\n"
          "                         .json/.ndjson names or a file that starts with {;\n"
          "                         \"-\" reads standard input\n"
          "      --data-format F    csv, yaml or fhir, when the name does not tell (standard\n"
          "                         input)\n"
          "Output:\n"
          "  -O, --out-dir DIR      write one PDF per row into DIR (created if missing)\n"
          "  -n, --name PATTERN     file names, with {field} from the row and {row}; made safe\n"
          "                         (default " OUTNAME_DEFAULT ")\n"
          "  -m, --merge FILE       also write one PDF of every packet, in row order\n"
          "      --duplex           pad every form to an even page count, so that no\n"
          "                         patient's pages print on the back of another's (and\n"
          "                         with --print, print on both sides, long edge)\n"
          "      --skip-existing    resume: skip rows whose PDF is already there (and whole);\n"
          "                         with --merge, their PDFs are merged in their place\n"
          "      --force            replace files that are already there: the rows' PDFs,\n"
          "                         the merged file, the manifest (default: the row fails,\n"
          "                         or the run does not start). An input of the run (the\n"
          "                         list, a form, the clinic settings) is never replaced\n"
          "Running:\n"
          "  -j, --jobs N           render with N threads (default: the number of cores)\n"
          "      --shard K/N        only the rows whose index in the list (from 0) modulo N\n"
          "                         is K, named as the whole run would name them; the\n"
          "                         shards' --merge files join with 'medpacket merge'\n"
          "      --fail-fast        stop reading at the first row that fails (rows already\n"
          "                         being rendered are finished)\n"
          "  -q, --quiet            no progress bar and no summary (row errors still print)\n"
          "      --json             a JSON line per row (and a summary line) on standard output:\n"
          "                         the row's file, language, pages, bytes, sha256, fonts,\n"
          "                         and \"forms\", each form printed (its language's, in\n"
          "                         packet order) with its id, version and whole wording\n"
          "                         fingerprint, as 'medpacket check --json' gives it\n"
          "      --manifest FILE    the same JSON lines into FILE (private, 0600; in place\n"
          "                         once the run ends)\n",
          out);
    /* Two strings: one would pass the 4095 bytes C99 compilers must take. */
    fputs(CLI_FHIR_HELP
          "                         (batch: --fhir-out and --fhir-post need --out-dir)\n"
          "Printing (CUPS):\n"
          "      --print            once the merged PDF is whole, send it to a printer as\n"
          "                         one job named \"medpacket batch N packets\"; when CUPS\n"
          "                         does not take it, the exit status is 69 and every PDF\n"
          "                         stays written (a run stopped early is not printed)\n"
          "      --printer NAME     the CUPS queue (default: CUPS's default printer)\n"
          "      --copies N         1 to 99 (default 1)\n"
          "Forms:\n"
          "      --clinic FILE      clinic settings (as for render)\n"
          "      --page-size SIZE   letter or a4\n"
          "      --date-order ORDER the list's dates are MM/DD/YYYY (mdy) or DD/MM/YYYY\n"
          "                         (dmy) (default: the clinic's date_order, else\n"
          "                         YYYY-MM-DD only)\n"
          "      --font-dir DIR     the font family to embed (as for render)\n"
          "      --allow-draft      print draft forms, with DRAFT on every page\n"
          "      --allow-stale-translation  print a translation whose source's wording\n"
          "                         changed since it was approved (refused otherwise);\n"
          "                         its pages then say OUTDATED TRANSLATION\n"
          "      --large-print      14 pt body text for every row (else a row's large_print\n"
          "                         column, else the clinic's setting)\n"
          "Each row is printed in its language column's language (a tag or a name: es,\n"
          "es-MX, Spanish, Español, 中文 ...) when the packet offers it under\n"
          "translations:, else in the packet's own, and that row is reported.\n"
          "  -h, --help             show this help\n"
          "\n"
          "Rows are numbered as a spreadsheet shows them: the header is row 1.\n"
          "Exit status: 0 when every row was written or skipped, 65 when some rows failed\n"
          "(the others are written), 69 when --print failed, 73 when a file cannot be\n"
          "created (a read-only folder) and 74 when it cannot be written (a full disk):\n"
          "the run stops at that row; 128+N when stopped by signal N (130: Ctrl-C, 129:\n"
          "hang-up, 143: SIGTERM); see 'medpacket --help'.\n",
          out);
}

typedef struct batch_args {
    /* --data, --force, --jobs, --clinic, --page-size, --date-order,
     * --font-dir, --allow-draft, --large-print, --duplex, --print (the
     * merged PDF, as one job), --printer, --copies; the form or packet */
    cli_run_opts run;
    const char *data_format, *out_dir, *name, *merge, *manifest, *shard_text;
    bool skip_existing, fail_fast, quiet, json;
    long shard, shards; /* --shard K/N; shards 0: the whole list */
} batch_args;

static const cli_command batch_cmd = {.name = "batch", .usage = batch_usage};

/* What goes where: --out-dir and --merge, and --print's job, which is the
 * merged file read back. */
static int check_destinations(const batch_args *a)
{
    const cli_run_opts *ro = &a->run;
    if (!a->out_dir && !a->merge)
        return cli_fail(EX_USAGE,
                        "batch: say where the PDFs go: --out-dir DIR and/or --merge FILE");
    if (!ro->print && (ro->printer || ro->copies))
        return cli_fail(EX_USAGE, "batch: --printer and --copies go with --print");
    if (ro->print && !a->merge)
        return cli_fail(EX_USAGE,
                        "batch: --print sends the merged PDF as one job: add --merge FILE");
    if (ro->print && strcmp(a->merge, "-") == 0)
        return cli_fail(EX_USAGE, "batch: --print reads the merged PDF back: --merge FILE, not -");
    if (a->merge && a->json && !a->manifest && strcmp(a->merge, "-") == 0)
        return cli_fail(EX_USAGE, "batch: --merge - and --json both write to standard output");
    return 0;
}

/* "K/N": digits, 0 <= K < N <= 100000. -1 when it is not. */
static int parse_shard(const char *text, long *k, long *n)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    *k = strtol(text, &end, 10);
    if (*end != '/' || end[1] < '0' || end[1] > '9')
        return -1;
    *n = strtol(end + 1, &end, 10);
    return *end || *n < 1 || *n > 100000 || *k >= *n ? -1 : 0;
}

static int parse_args(int argc, char **argv, batch_args *a)
{
    cli_run_opts *ro = &a->run;
    const cli_option opts[] = {
        CLI_OPT_DATA(ro),
        CLI_OPT_TEXT("data-format", 0, &a->data_format),
        CLI_OPT_TEXT("out-dir", 'O', &a->out_dir),
        CLI_OPT_TEXT("name", 'n', &a->name),
        CLI_OPT_TEXT("merge", 'm', &a->merge),
        CLI_OPT_DUPLEX(ro),
        CLI_OPT_FLAG("skip-existing", 0, &a->skip_existing),
        CLI_OPT_FORCE(ro),
        CLI_OPT_JOBS(ro, 256),
        CLI_OPT_TEXT("shard", 0, &a->shard_text),
        CLI_OPT_FLAG("fail-fast", 0, &a->fail_fast),
        CLI_OPT_FLAG("quiet", 'q', &a->quiet),
        CLI_OPT_FLAG("json", 0, &a->json),
        CLI_OPT_TEXT("manifest", 0, &a->manifest),
        CLI_OPTS_RUN(ro),
        CLI_OPT_LARGE_PRINT(ro),
        CLI_OPTS_PRINT(ro),
        CLI_OPTS_FHIR(ro),
        CLI_OPT_END,
    };
    int rc = cli_parse_with_input(&batch_cmd, opts, argc, argv, ro);
    if (rc)
        return rc;
    if (!ro->data)
        return cli_fail(EX_USAGE, "batch: --data PATIENTS.csv is required");
    if ((rc = check_destinations(a)) || (rc = cli_check_printer(&batch_cmd, ro)))
        return rc;
    if (a->skip_existing && ro->force)
        return cli_fail(EX_USAGE, "batch: --skip-existing and --force contradict each other");
    if ((rc = cli_check_run_opts(&batch_cmd, ro)) || (rc = cli_check_fhir(&batch_cmd, &ro->fhir)))
        return rc;
    /* A record is named after its row's PDF, and a row is sent once only
     * because its PDF, there only once it is filed, says so on a rerun. */
    if ((ro->fhir.out || ro->fhir.post) && !a->out_dir)
        return cli_fail(EX_USAGE, "batch: --fhir-out and --fhir-post go with --out-dir DIR");
    if (a->data_format && strcmp(a->data_format, "csv") != 0 &&
        strcmp(a->data_format, "yaml") != 0 && strcmp(a->data_format, "fhir") != 0)
        return cli_fail(EX_USAGE, "batch: --data-format must be csv, yaml or fhir");
    if (a->shard_text && parse_shard(a->shard_text, &a->shard, &a->shards))
        return cli_fail(EX_USAGE,
                        "batch: --shard K/N: N shards counted from 1, K from 0 to N-1, as in "
                        "--shard 0/3 (got \"%s\")",
                        a->shard_text);
    if (!a->name)
        a->name = OUTNAME_DEFAULT;
    const char *why = outname_check(a->name);
    if (why)
        return cli_fail(EX_USAGE, "batch: --name: %s", why);
    if (!ro->jobs) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        ro->jobs = n < 1 ? 1 : n > 64 ? 64 : (int)n;
    }
    return 0;
}

/* ---- reporting ---------------------------------------------------------- */

typedef struct report {
    const batch_args *args;
    const char *data_name;
    FILE *json;     /* --json: standard output, or NULL */
    FILE *manifest; /* --manifest FILE's stream, or NULL: both get every line */
    bool bar;       /* a progress bar on a terminal */
    struct timespec start, last_draw;
    long rows, ok, failed, skipped;
    roster *roster;
    const render_env *env; /* the run's: what a fallback's words need */
    const clinic *clinic;  /* the run's: a DocumentReference's author */
    fhirout *fhir;         /* the --fhir-* options' filer, or NULL */
    fhirout_filed filed;   /* the row's, for its JSON line */
} report;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* "row N", or how a FHIR list names the row ("entry 3 (Appointment/123)"). */
static const char *row_place(const batch_result *r, char *buf, size_t n)
{
    if (r->where[0])
        return r->where;
    snprintf(buf, n, "row %ld", r->row);
    return buf;
}

/* "FILE: row N: message", or with a form's place when the problem is there. */
static void row_message(const report *rp, const batch_result *r, char *buf, size_t n)
{
    const mp_err *e = &r->err;
    char rowbuf[32];
    const char *place = row_place(r, rowbuf, sizeof rowbuf);
    if (!e->file[0] || strcmp(e->file, rp->data_name) == 0) {
        snprintf(buf, n, "%s: %s: %s", rp->data_name, place, e->msg);
    } else {
        char inner[1200];
        mp_err copy = *e;
        copy.row = 0;
        err_format(&copy, inner, sizeof inner);
        snprintf(buf, n, "%s: %s: %s", rp->data_name, place, inner);
    }
}

static void clear_bar(report *rp)
{
    if (rp->bar)
        fputs("\r\033[K", stderr);
}

static void draw_bar(report *rp, bool force)
{
    if (!rp->bar)
        return;
    if (!force && seconds_since(&rp->last_draw) < 0.1)
        return;
    clock_gettime(CLOCK_MONOTONIC, &rp->last_draw);
    double t = seconds_since(&rp->start);
    double rate = t > 0 ? (double)rp->rows / t : 0;
    double frac = roster_progress(rp->roster);
    char eta[32] = "";
    if (frac > 0.001 && frac < 1)
        snprintf(eta, sizeof eta, "  about %.0f s left", t / frac - t);
    int width = 24, filled = frac >= 0 ? (int)(frac * width) : 0;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r\033[K[%s] %ld rows  %ld failed  %.0f rows/s%s", frac >= 0 ? bar : "",
            rp->rows, rp->failed, rate, eta);
    fflush(stderr);
}

/* A row's JSON line, to standard output (--json) and to the manifest alike;
 * msg is a failed row's message. */
static void row_json(const report *rp, const batch_result *r, const char *msg)
{
    mp_buf line;
    json_writer j;
    cli_json_begin(&line, &j);
    json_key(&j, "row");
    json_put_int(&j, r->row);
    json_key(&j, "status");
    json_put_str(&j, r->status == BATCH_OK        ? "ok"
                     : r->status == BATCH_SKIPPED ? "skipped"
                                                  : "error");
    if (r->status == BATCH_OK) {
        cli_printed p = {.path = r->path,
                         .packet = r->printed,
                         .pages = r->pages,
                         .bytes = r->bytes,
                         .sha256 = r->sha256,
                         .fonts = r->fonts,
                         .nfonts = r->nfonts,
                         .choice = &r->choice,
                         .env = rp->env,
                         .fhir = rp->filed.posted ? rp->filed.post.id : NULL,
                         .fhir_created = rp->filed.post.created};
        cli_json_printed(&j, &p);
    } else if (r->path) {
        json_key(&j, "path");
        json_put_str(&j, r->path);
    }
    if (r->status == BATCH_FAILED) {
        json_key(&j, "error");
        json_put_str(&j, msg);
    }
    cli_json_end(&line, &j, rp->json, rp->manifest);
}

static void on_row(void *ctx, const batch_result *r)
{
    report *rp = ctx;
    /* A language the packet does not offer is printed in the packet's own,
     * and said: the front desk may want an interpreter or a translation. */
    if (r->status == BATCH_OK && packet_choice_fallback(&r->choice) && !rp->args->quiet) {
        char words[512];
        render_fallback_words(&r->choice, rp->env, words, sizeof words);
        clear_bar(rp);
        char rowbuf[32];
        fprintf(stderr, "%s: %s: %s\n", rp->data_name, row_place(r, rowbuf, sizeof rowbuf), words);
    }
    rp->rows++;
    if (r->status == BATCH_OK)
        rp->ok++;
    else if (r->status == BATCH_SKIPPED)
        rp->skipped++;
    else
        rp->failed++;
    char msg[2048] = "";
    if (r->status == BATCH_FAILED) {
        row_message(rp, r, msg, sizeof msg);
        /* A file that could not be written ends the run, which says so once. */
        if (!r->fatal) {
            clear_bar(rp);
            fprintf(stderr, "%s\n", msg);
        }
    }
    if (rp->json || rp->manifest)
        row_json(rp, r, msg);
    memset(&rp->filed, 0, sizeof rp->filed);
}

/* batch's before_write: the row's PDF filed (fhirout.h) before it is put
 * in place; a kept row's, read back, only written down (never sent again). */
static int file_row(void *ctx, batch_result *r)
{
    report *rp = ctx;
    bool kept = r->status == BATCH_SKIPPED;
    /* A kept PDF was made by an earlier run: its file's time is its own. */
    struct stat st;
    int64_t made =
        kept && r->path && stat(r->path, &st) == 0 ? (int64_t)st.st_mtime : rp->env->now_unix;
    fhirout_pdf pdf = {.doc = {.printed = r->printed,
                               .clinic = rp->clinic,
                               .patient = r->patient,
                               .now_unix = rp->env->now_unix,
                               .created_unix = made,
                               .pdf = r->pdf,
                               .pdf_len = r->pdf_len,
                               .sha256 = kept ? NULL : r->sha256},
                       .pdf_path = r->path,
                       .kept = kept};
    mp_err err;
    err_clear(&err);
    int rc = fhirout_file(rp->fhir, &pdf, &rp->filed, &err);
    if (!rc)
        return 0;
    /* The row's place, for its message; the file is the list's. */
    snprintf(err.file, sizeof err.file, "%s", rp->data_name);
    err.row = r->row;
    memcpy(err.where, r->where, sizeof err.where);
    r->err = err;
    r->fatal = rp->filed.stop;
    return rc;
}

static void on_tick(void *ctx)
{
    draw_bar(ctx, false);
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

/* ---- printing ----------------------------------------------------------- */

/* Sends the merged PDF, read back from its file in chunks (never whole in
 * memory: 10,000 packets are 280 MB), as one job named by the number of
 * packets in it, never by a patient. */
static int print_merged(const batch_args *args, long packets, print_result *res, mp_err *err)
{
    int fd = open(args->merge, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return err_set(err, EX_NOINPUT, args->merge, 0, 0, "cannot read it back to print it: %s",
                       strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(err, EX_USAGE, args->merge, 0, 0,
                       "not a regular file, so it cannot be read back to print it");
    }
    char title[64];
    snprintf(title, sizeof title, "medpacket batch %ld packet%s", packets, packets == 1 ? "" : "s");
    print_opts po = {.printer = args->run.printer,
                     .copies = args->run.copies ? args->run.copies : 1,
                     .duplex = args->run.prep.duplex,
                     .title = title};
    int rc = print_pdf_fd(&po, fd, res, err);
    close(fd);
    return rc;
}

/* ---- the manifest ------------------------------------------------------- */

/* The manifest is an output like the others: written to a temporary file
 * through outfile and renamed into place when the run ends, so a killed run
 * leaves none (the next run removes the temporary file), a full disk leaves
 * none, and an existing file is replaced only with --force. The JSON lines go
 * through stdio (a cookie stream) so that on_row writes them like --json's. */
typedef struct manifest {
    outfile *out;
    FILE *f;
    int rc; /* the first failed write, kept in err */
    mp_err err;
} manifest;

static ssize_t manifest_write(void *cookie, const char *buf, size_t n)
{
    manifest *m = cookie;
    if (!m->rc)
        m->rc = outfile_put(m->out, buf, n, &m->err);
    return m->rc ? -1 : (ssize_t)n;
}

static int manifest_open(const char *path, const outfile_opts *fo, manifest *m, mp_err *err)
{
    memset(m, 0, sizeof *m);
    int rc = outfile_open_opts(path, fo, &m->out, err);
    if (rc)
        return rc;
    cookie_io_functions_t io = {.write = manifest_write};
    if (!(m->f = fopencookie(m, "w", io))) {
        outfile_abort(m->out);
        m->out = NULL;
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    return 0;
}

/* Puts the manifest in place when keep (the run got as far as its summary),
 * else removes it. Returns 0 or, with *err set, why it could not be kept. */
static int manifest_close(manifest *m, bool keep, mp_err *err)
{
    if (!m->out)
        return 0;
    if (fclose(m->f) != 0 && !m->rc)
        m->rc = err_set(&m->err, EX_IOERR, NULL, 0, 0, "cannot write the manifest");
    m->f = NULL;
    int rc = 0;
    if (!keep || m->rc)
        outfile_abort(m->out);
    else
        rc = outfile_commit(m->out, &m->err);
    m->out = NULL;
    if (keep && (rc || m->rc)) {
        *err = m->err;
        return err->code ? err->code : EX_IOERR;
    }
    return 0;
}

static bool list_has(void *ctx, const char *name)
{
    return roster_has_field(ctx, name);
}

/* ---- outputs and inputs ------------------------------------------------- */

/* Everything about --merge and --manifest that can be known before a row is
 * rendered: neither is an input, they are not one file, and neither
 * replaces a file without --force. */
static int check_outputs(const batch_args *args, const outfile_inputs *in, mp_err *err)
{
    const char *names[2] = {args->merge, args->manifest};
    const char *options[2] = {"--merge", "--manifest"};
    for (int i = 0; i < 2; i++) {
        int rc = names[i] ? outfile_check_inputs(in, names[i], options[i], err) : 0;
        if (rc)
            return rc;
    }
    if (args->merge && args->manifest && outfile_same_target(args->merge, args->manifest))
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "batch: --merge and --manifest name the same file");
    const char *bundle = args->run.fhir.bundle;
    for (int i = 0; bundle && i < 2; i++)
        if (names[i] && outfile_same_target(names[i], bundle))
            return err_set(err, EX_USAGE, NULL, 0, 0,
                           "batch: %s and --fhir-bundle name the same file", options[i]);
    for (int i = 0; i < 2; i++) {
        int rc = names[i] ? cmd_check_overwrite(names[i], args->run.force, err) : 0;
        /* --force and --skip-existing contradict each other. */
        if (rc && args->skip_existing)
            snprintf(err->msg, sizeof err->msg, "%s",
                     "the file exists (a resumed run writes a new one: move it away first)");
        if (rc)
            return rc;
    }
    return 0;
}

/* The name of path when it would land in dir (so that no row takes it), or
 * NULL. */
static const char *name_in_dir(const char *path, const char *dir, char *buf, size_t n)
{
    if (!path || strcmp(path, "-") == 0)
        return NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if ((size_t)snprintf(buf, n, "%s/%s", dir, base) >= n || !outfile_same_target(path, buf))
        return NULL;
    return base;
}

/* ---- the run ------------------------------------------------------------ */

/* What one run holds from its first check to its report; run() below takes
 * it through the steps. */
typedef struct run_state {
    prepared_run cr;
    roster *ro;
    pdfmerge *merge;       /* --merge's file while rows are added, else NULL */
    manifest man;          /* --manifest's */
    outfile_inputs inputs; /* what no output may replace */
    outfile_opts fo;       /* how --merge and --manifest are written */
    bool made_dir;         /* --out-dir was made by this run */
    batch_summary sum;
    long packets;       /* in the merged file: rows written, and kept ones */
    const char *ended;  /* how the rows ended: complete, stopped, interrupted */
    bool merged;        /* the merged file is whole and in place */
    fhirout *fhir;      /* the --fhir-* options' filer while rows are filed, else NULL */
    bool made_fhir_dir; /* --fhir-out was made by this run */
    fhirout_counts filed;
    bool bundled; /* --fhir-bundle's file is whole and in place */
    /* --print: the job, or why there was none (not_printed, or prc and perr
     * when CUPS did not take it) */
    print_result printed;
    const char *not_printed;
    int prc;
    mp_err perr;
} run_state;

/* First, so that a wait for a FIFO's reader (--merge, --manifest) ends on a
 * signal too. SIGHUP: a closed terminal or a dropped ssh session is an
 * interruption like Ctrl-C, not a kill that leaves temporary files. */
static void catch_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* Owns every refusal, all made before anything is written or rendered: the
 * packet and clinic (prepared), the list, --name's fields, and the outputs
 * against the inputs and each other. */
static int check_run(const batch_args *args, arena *a, run_state *st, mp_err *err)
{
    int rc = prepare_run(&args->run.prep, a, &st->cr, err);
    roster_format fmt = !args->data_format                       ? ROSTER_AUTO
                        : strcmp(args->data_format, "yaml") == 0 ? ROSTER_YAML
                        : strcmp(args->data_format, "fhir") == 0 ? ROSTER_FHIR
                                                                 : ROSTER_CSV;
    if (!rc)
        rc = roster_open(args->run.data, fmt, &st->ro, err);
    if (!rc) {
        roster_set_date_order(st->ro, st->cr.date_order);
        roster_set_fhir(st->ro, st->cr.cl.timezone, st->cr.cl.fhir_mrn_system);
    }
    /* A --name field the list never holds would fail every row: said once. */
    char field[64];
    if (!rc && args->out_dir &&
        outname_unknown_field(args->name, list_has, st->ro, field, sizeof field))
        rc = err_set(err, EX_USAGE, NULL, 0, 0,
                     "batch: --name uses {%s}, which %s has no column for", field,
                     roster_name(st->ro));
    if (!rc)
        rc = prepare_inputs(&st->cr, args->run.data, &st->inputs, err);
    if (!rc)
        rc = check_outputs(args, &st->inputs, err);
    return rc;
}

/* Owns the outputs' opening: --out-dir made, what a killed run left there
 * removed, the manifest and the merged file opened (as temporary files). */
static int open_outputs(const batch_args *args, report *rp, run_state *st, arena *a, mp_err *err)
{
    int rc = 0;
    if (args->out_dir) {
        st->made_dir = mkdir(args->out_dir, 0700) == 0;
        if (!st->made_dir && errno != EEXIST)
            return err_set(err, EX_CANTCREAT, args->out_dir, 0, 0,
                           "cannot create the output folder: %s", strerror(errno));
    }
    /* What a killed run left (only temporary files whose writer is gone: see
     * outfile.c), with or without --skip-existing; before this run opens
     * anything there. */
    if (args->out_dir)
        outfile_remove_stale_in(args->out_dir, ".pdf");
    outfile_remove_stale(args->merge);
    outfile_remove_stale(args->manifest);
    if (args->manifest && !(rc = manifest_open(args->manifest, &st->fo, &st->man, err)))
        rp->manifest = st->man.f;
    if (!rc && args->merge)
        rc = pdfmerge_open_opts(args->merge, &st->fo, &st->merge, err);
    if (!rc)
        rc =
            cli_fhir_prepare(&args->run, &st->inputs, args->skip_existing, &st->made_fhir_dir, err);
    if (!rc)
        rc = cli_fhir_open(&args->run, &st->inputs, args->skip_existing, true, &interrupted, a,
                           &st->fhir, err);
    rp->fhir = st->fhir;
    return rc;
}

/* Releases what the run read: its inputs, the list, the prepared packet. */
static void close_run(run_state *st)
{
    outfile_inputs_free(&st->inputs);
    roster_close(st->ro);
    prepare_release(&st->cr);
}

/* A run that did not start leaves nothing: its outputs are removed, and the
 * output folder when it made it. */
static void abandon_run(const batch_args *args, run_state *st, mp_err *err)
{
    pdfmerge_abort(st->merge);
    manifest_close(&st->man, false, err);
    bool bundled;
    mp_err ferr;
    if (st->fhir)
        fhirout_close(st->fhir, false, &bundled, &ferr);
    st->fhir = NULL;
    if (st->made_dir)
        rmdir(args->out_dir);
    if (st->made_fhir_dir)
        rmdir(args->run.fhir.out);
    close_run(st);
}

/* Test hooks: a run killed, or interrupted (by SIGINT, or the signal
 * MEDPACKET_TEST_INTERRUPT_SIGNAL names: HUP, TERM), after N rows. */
static void set_test_hooks(batch_opts *o)
{
    const char *kill_after = getenv("MEDPACKET_TEST_KILL_AFTER");
    const char *int_after = getenv("MEDPACKET_TEST_INTERRUPT_AFTER");
    const char *int_signal = getenv("MEDPACKET_TEST_INTERRUPT_SIGNAL");
    o->test_signal = kill_after                                      ? SIGKILL
                     : int_signal && strcmp(int_signal, "HUP") == 0  ? SIGHUP
                     : int_signal && strcmp(int_signal, "TERM") == 0 ? SIGTERM
                                                                     : SIGINT;
    const char *after = kill_after ? kill_after : int_after;
    /* NOLINTNEXTLINE(cert-err34-c): a test hook; a number the tests set */
    o->test_signal_after = after ? atol(after) : 0;
}

/* Owns the rows: renders every row of the list into --out-dir and the merged
 * file (batch.h), with the progress bar, and notes how the rows ended. */
static int render_rows(const batch_args *args, report *rp, run_state *st, mp_err *err)
{
    /* A row must not take the merged file's or the manifest's name. */
    char buf[2][4096];
    const char *reserved[2];
    size_t nreserved = 0;
    const char *outs[2] = {args->merge, args->manifest};
    for (int i = 0; args->out_dir && i < 2; i++) {
        const char *name = name_in_dir(outs[i], args->out_dir, buf[i], sizeof buf[i]);
        if (name)
            reserved[nreserved++] = name;
    }
    batch_opts o = {
        .variants = st->cr.variants,
        .nvariants = st->cr.nvariants,
        .env = &st->cr.env,
        .roster = st->ro,
        .out_dir = args->out_dir,
        .name_pattern = args->name,
        .merge = st->merge,
        .duplex = args->run.prep.duplex,
        .inputs = &st->inputs,
        .reserved = reserved,
        .nreserved = nreserved,
        .jobs = args->run.jobs,
        .shard = args->shard,
        .shards = args->shards,
        .skip_existing = args->skip_existing,
        .force = args->run.force,
        .fail_fast = args->fail_fast,
        .stop = &interrupted,
        .before_write = st->fhir ? file_row : NULL,
        /* A kept row's DocumentReference joins the Bundle, and its record
         * is written if missing: its bytes are read back. */
        .read_kept = st->fhir && (args->run.fhir.bundle || args->run.fhir.out),
        .on_row = on_row,
        .on_tick = on_tick,
        .ctx = rp,
    };
    set_test_hooks(&o);
    int rc = batch_run(&o, &st->sum, err);
    draw_bar(rp, true);
    clear_bar(rp);
    /* Rows kept by a resumed run are in the merge too. */
    st->packets = st->sum.ok + (st->merge ? st->sum.skipped : 0);
    /* How the run ended, said in the summary and the JSON alike. */
    st->ended = interrupted ? "interrupted" : st->sum.stopped ? "stopped" : "complete";
    return rc;
}

/* Owns the merged file's end: put in place when whole, else removed. A
 * partial day's print job is worse than none: an interrupted run, or one
 * that stopped at its first failure (--fail-fast), leaves no merged file;
 * its rerun makes the whole one. */
static int finish_merge(run_state *st, mp_err *err)
{
    int rc = 0;
    if (interrupted || st->sum.stopped || pdfmerge_pages(st->merge) == 0) {
        pdfmerge_abort(st->merge);
    } else {
        const prepared_run *cr = &st->cr;
        pdfmerge_meta meta = {cr->pk.title.s, cr->cl.name.s, cr->env.creator, cr->env.now_unix};
        rc = pdfmerge_commit(st->merge, &meta, err);
        st->merged = !rc;
    }
    st->merge = NULL;
    return rc;
}

/* Owns the --fhir-* options' end: the records made durable, and the Bundle
 * put in place when the run went through its list (as the merged file: its
 * rerun, with --skip-existing, makes the whole one), else removed. rc: the
 * run's error so far. */
static int finish_fhir(run_state *st, int rc, mp_err *err)
{
    if (!st->fhir)
        return 0;
    fhirout_get_counts(st->fhir, &st->filed);
    bool keep = !rc && !interrupted && !st->sum.stopped;
    mp_err ferr;
    err_clear(&ferr);
    int frc = fhirout_close(st->fhir, keep, &st->bundled, &ferr);
    st->fhir = NULL;
    if (frc && !rc)
        *err = ferr;
    return frc;
}

/* Owns --print: the merged file to the printer, only once it is whole and in
 * place, so that a printer that fails loses nothing. A run that stopped early
 * (--fail-fast) is not printed either: the rerun would print its rows twice. */
static void print_day(const batch_args *args, run_state *st)
{
    err_clear(&st->perr);
    if (!st->merged)
        st->not_printed = interrupted ? "interrupted" : "no row was written";
    else if (st->sum.stopped)
        st->not_printed = "the run stopped before the end of the list";
    else
        st->prc = print_merged(args, st->packets, &st->printed, &st->perr);
}

/* The summary's "fhir": {"url", "filed", "created", "already_there"} for
 * --fhir-post, "records" for --fhir-out, "bundle" (the file, or null when
 * it was not written) and "bundled" for --fhir-bundle. */
static void fhir_json(json_writer *j, const cli_fhir_opts *f, const run_state *st)
{
    const fhirout_counts *c = &st->filed;
    json_key(j, "fhir");
    json_begin_object(j);
    if (f->post) {
        const struct {
            const char *key;
            long n;
        } counts[] = {{"filed", c->created + c->existing},
                      {"created", c->created},
                      {"already_there", c->existing}};
        json_key(j, "url");
        json_put_str(j, f->post);
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            json_key(j, counts[i].key);
            json_put_int(j, counts[i].n);
        }
    }
    if (f->out) {
        json_key(j, "records");
        json_put_int(j, c->records);
    }
    if (f->bundle) {
        json_key(j, "bundle");
        if (st->bundled)
            json_put_str(j, f->bundle);
        else
            json_put_null(j);
        json_key(j, "bundled");
        json_put_int(j, c->bundled);
    }
    json_end_object(j);
}

/* Owns the summary's JSON line (--json, --manifest): the counts, how the run
 * ended, the merged file, and the print job when --print asked for one. */
static void summary_json(const batch_args *args, report *rp, const run_state *st, bool print)
{
    const batch_summary *sum = &st->sum;
    const struct {
        const char *key;
        long n;
    } counts[] = {{"rows", sum->rows},
                  {"ok", sum->ok},
                  {"skipped", sum->skipped},
                  {"failed", sum->failed},
                  {"pages", sum->pages}};
    mp_buf line;
    json_writer j;
    cli_json_begin(&line, &j);
    json_key(&j, "summary");
    json_begin_object(&j);
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        json_key(&j, counts[i].key);
        json_put_int(&j, counts[i].n);
    }
    roster_skips k = roster_skipped(rp->roster);
    if (k.cancelled + k.noshow + k.entered_in_error) {
        json_key(&j, "appointments_not_printed");
        json_begin_object(&j);
        json_key(&j, "cancelled");
        json_put_int(&j, k.cancelled);
        json_key(&j, "noshow");
        json_put_int(&j, k.noshow);
        json_key(&j, "entered_in_error");
        json_put_int(&j, k.entered_in_error);
        json_end_object(&j);
    }
    json_key(&j, "ended");
    json_put_str(&j, st->ended);
    json_key(&j, "stopped");
    json_put_bool(&j, sum->stopped);
    json_key(&j, "interrupted");
    json_put_bool(&j, interrupted != 0);
    json_key(&j, "merged");
    if (st->merged)
        json_put_str(&j, args->merge);
    else
        json_put_null(&j);
    if (print) {
        char why[1200];
        if (st->not_printed)
            snprintf(why, sizeof why, "not printed: %s", st->not_printed);
        else if (st->prc)
            err_format(&st->perr, why, sizeof why);
        json_key(&j, "print");
        json_begin_object(&j);
        if (st->not_printed || st->prc) {
            json_key(&j, "error");
            json_put_str(&j, why);
        } else {
            json_key(&j, "printer");
            json_put_str(&j, st->printed.printer);
            json_key(&j, "job");
            json_put_int(&j, st->printed.job_id);
        }
        json_end_object(&j);
    }
    if (cli_fhir_wanted(&args->run.fhir))
        fhir_json(&j, &args->run.fhir, st);
    json_end_object(&j);
    cli_json_end(&line, &j, rp->json, rp->manifest);
}

/* Owns what a run that went to its end says on standard error: the summary
 * (unless --quiet), and whether a job went to the printer (which is not
 * progress: --quiet keeps it). */
static void summary_text(const batch_args *args, const report *rp, const run_state *st)
{
    const batch_summary *sum = &st->sum;
    if (!args->quiet) {
        char merge_note[600] = "";
        if (st->merged)
            snprintf(merge_note, sizeof merge_note, "; merged into %s", args->merge);
        else if (args->merge)
            snprintf(merge_note, sizeof merge_note, "; %s not written", args->merge);
        /* A FHIR list's appointments that are off: not rows, but said, so
         * that the desk knows the count is not a mistake. */
        roster_skips k = roster_skipped(rp->roster);
        long off = k.cancelled + k.noshow + k.entered_in_error;
        char skip_note[200] = "";
        if (off)
            snprintf(skip_note, sizeof skip_note,
                     "; %ld appointment%s not printed (%ld cancelled, %ld no-show, %ld entered in "
                     "error)",
                     off, off == 1 ? "" : "s", k.cancelled, k.noshow, k.entered_in_error);
        fprintf(stderr,
                "%s: %s: %ld rows: %ld written, %ld skipped, %ld failed; %ld pages in %.1f s%s%s\n",
                rp->data_name,
                interrupted    ? "interrupted"
                : sum->stopped ? "stopped at the first failure"
                               : "complete",
                sum->rows, sum->ok, sum->skipped, sum->failed, sum->pages,
                seconds_since(&rp->start), skip_note, merge_note);
        cli_fhir_summary(&args->run, &st->filed, st->bundled);
    }
    if (args->run.print && !st->prc) {
        if (st->not_printed)
            fprintf(stderr, "%s: not printed: %s\n", args->merge, st->not_printed);
        else
            fprintf(stderr, "printed %s on %s as job %d\n", args->merge, st->printed.printer,
                    st->printed.job_id);
    }
}

/* The steps, in order; the exit status: the run's own error first, then the
 * manifest's, then the printer's, then a signal, then failed rows. */
static int run(void *ctx, arena *a, mp_err *err)
{
    const batch_args *args = ctx;
    report rep = {.args = args, .data_name = args->run.data};
    report *rp = &rep;
    clock_gettime(CLOCK_MONOTONIC, &rp->start);
    rp->bar = !args->quiet && isatty(STDERR_FILENO);
    if (args->json)
        rp->json = stdout;
    catch_signals();
    run_state st = {0};
    st.fo = (outfile_opts){
        .mode = OUTFILE_DEFAULT_MODE, .no_replace = !args->run.force, .stop = &interrupted};
    int rc = check_run(args, a, &st, err);
    if (!rc)
        rc = open_outputs(args, rp, &st, a, err);
    if (rc) {
        abandon_run(args, &st, err);
        return rc && interrupted ? 128 + (int)interrupted : rc;
    }
    rp->data_name = roster_name(st.ro);
    rp->roster = st.ro;
    rp->env = &st.cr.env;

    rp->clinic = &st.cr.cl;

    rc = render_rows(args, rp, &st, err);
    if (!rc && st.merge)
        rc = finish_merge(&st, err);
    pdfmerge_abort(st.merge);
    int frc = finish_fhir(&st, rc, err);
    if (!rc)
        rc = frc;
    bool print = !rc && args->run.print;
    if (print)
        print_day(args, &st);
    if (rp->json || rp->manifest)
        summary_json(args, rp, &st, print);
    /* The manifest is kept whatever happened to the rows: it says what. */
    mp_err merr;
    err_clear(&merr);
    rp->manifest = NULL;
    int mrc = manifest_close(&st.man, true, &merr);
    if (!rc)
        summary_text(args, rp, &st);
    close_run(&st);
    if (rc)
        return interrupted ? 128 + (int)interrupted : rc;
    if (mrc) {
        *err = merr;
        return mrc;
    }
    if (st.prc) {
        *err = st.perr;
        return st.prc;
    }
    if (interrupted)
        return 128 + (int)interrupted;
    return st.sum.failed ? EX_DATAERR : 0;
}

int cmd_batch(int argc, char **argv)
{
    batch_args args = {0};
    return cli_run(parse_args(argc, argv, &args), run, &args);
}
