/*
 * cmd_batch.c — `medpacket batch`: a form or packet over a patient list.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "cmd.h"
#include "json.h"
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
          "                         optional BOM), or a YAML list for .yaml/.yml names;\n"
          "                         \"-\" reads standard input\n"
          "      --data-format F    csv or yaml, when the name does not tell (standard input)\n"
          "Output:\n"
          "  -O, --out-dir DIR      write one PDF per row into DIR (created if missing)\n"
          "  -n, --name PATTERN     file names, with {field} from the row and {row}; made safe\n"
          "                         (default " OUTNAME_DEFAULT ")\n"
          "  -m, --merge FILE       also write one PDF of every packet, in row order\n"
          "      --duplex           pad every form to an even page count, so that no\n"
          "                         patient's pages print on the back of another's (and\n"
          "                         with --print, print on both sides, long edge)\n"
          "      --skip-existing    resume: skip rows whose PDF is already there\n"
          "      --force            replace PDFs that are already there (default: the row fails)\n"
          "Running:\n"
          "  -j, --jobs N           render with N threads (default: the number of cores)\n"
          "      --fail-fast        stop reading at the first row that fails (rows already\n"
          "                         being rendered are finished)\n"
          "  -q, --quiet            no progress bar and no summary (row errors still print)\n"
          "      --json             a JSON line per row (and a summary line) on standard output\n"
          "      --manifest FILE    the same JSON lines into FILE\n"
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
          "      --font-dir DIR     the font family to embed (as for render)\n"
          "      --allow-draft      print draft forms, with DRAFT on every page\n"
          "      --large-print      14 pt body text for every row (else a row's large_print\n"
          "                         column, else the clinic's setting)\n"
          "Each row is printed in its language column's language (es, Spanish ...) when\n"
          "the packet offers it under translations:, else in the packet's own.\n"
          "  -h, --help             show this help\n"
          "\n"
          "Rows are numbered as a spreadsheet shows them: the header is row 1.\n"
          "Exit status: 0 when every row was written or skipped, 65 when some rows failed\n"
          "(the others are written), 69 when --print failed, 130 when interrupted; see\n"
          "'medpacket --help'.\n",
          out);
}

typedef struct batch_args {
    const char *input, *data, *data_format, *out_dir, *name, *merge, *manifest;
    const char *clinic, *page_size, *font_dir;
    int jobs;
    bool duplex, skip_existing, force, fail_fast, quiet, json, allow_draft, large_print;
    bool print;          /* --print: the merged PDF, as one job */
    const char *printer; /* --printer, NULL: CUPS's default */
    int copies;          /* --copies, 0 = not given */
} batch_args;

static int parse_jobs(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > 256)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, batch_args *a)
{
    enum {
        OPT_CLINIC = 256, OPT_PAGE_SIZE, OPT_FONT_DIR, OPT_DUPLEX, OPT_SKIP, OPT_FORCE,
        OPT_FAIL_FAST, OPT_JSON, OPT_MANIFEST, OPT_DATA_FORMAT, OPT_ALLOW_DRAFT, OPT_LARGE,
        OPT_PRINT, OPT_PRINTER, OPT_COPIES,
    };
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"data-format", required_argument, NULL, OPT_DATA_FORMAT},
        {"out-dir", required_argument, NULL, 'O'},
        {"name", required_argument, NULL, 'n'},
        {"merge", required_argument, NULL, 'm'},
        {"duplex", no_argument, NULL, OPT_DUPLEX},
        {"skip-existing", no_argument, NULL, OPT_SKIP},
        {"force", no_argument, NULL, OPT_FORCE},
        {"jobs", required_argument, NULL, 'j'},
        {"fail-fast", no_argument, NULL, OPT_FAIL_FAST},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, OPT_JSON},
        {"manifest", required_argument, NULL, OPT_MANIFEST},
        {"clinic", required_argument, NULL, OPT_CLINIC},
        {"page-size", required_argument, NULL, OPT_PAGE_SIZE},
        {"font-dir", required_argument, NULL, OPT_FONT_DIR},
        {"allow-draft", no_argument, NULL, OPT_ALLOW_DRAFT},
        {"large-print", no_argument, NULL, OPT_LARGE},
        {"print", no_argument, NULL, OPT_PRINT},
        {"printer", required_argument, NULL, OPT_PRINTER},
        {"copies", required_argument, NULL, OPT_COPIES},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":d:O:n:m:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a->data = optarg; break;
        case OPT_DATA_FORMAT: a->data_format = optarg; break;
        case 'O': a->out_dir = optarg; break;
        case 'n': a->name = optarg; break;
        case 'm': a->merge = optarg; break;
        case OPT_DUPLEX: a->duplex = true; break;
        case OPT_SKIP: a->skip_existing = true; break;
        case OPT_FORCE: a->force = true; break;
        case 'j':
            if (parse_jobs(optarg, &a->jobs))
                return cli_fail(EX_USAGE, "batch: --jobs takes a number from 1 to 256");
            break;
        case OPT_FAIL_FAST: a->fail_fast = true; break;
        case 'q': a->quiet = true; break;
        case OPT_JSON: a->json = true; break;
        case OPT_MANIFEST: a->manifest = optarg; break;
        case OPT_CLINIC: a->clinic = optarg; break;
        case OPT_PAGE_SIZE: a->page_size = optarg; break;
        case OPT_FONT_DIR: a->font_dir = optarg; break;
        case OPT_ALLOW_DRAFT: a->allow_draft = true; break;
        case OPT_LARGE: a->large_print = true; break;
        case OPT_PRINT: a->print = true; break;
        case OPT_PRINTER: a->printer = optarg; break;
        case OPT_COPIES:
            if (cli_parse_copies(optarg, &a->copies))
                return cli_fail(EX_USAGE, "batch: --copies takes a number from 1 to 99");
            break;
        case 'h': batch_usage(stdout); return -1;
        case ':': return cli_fail(EX_USAGE, "batch: option %s needs a value", argv[optind - 1]);
        default:
            return cli_fail(EX_USAGE, "batch: unknown option %s (see medpacket batch --help)",
                            argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_fail(EX_USAGE, "batch: name a form or packet file (see medpacket batch --help)");
    a->input = argv[optind++];
    if (optind < argc)
        return cli_fail(EX_USAGE, "batch: unexpected argument \"%s\"", argv[optind]);
    if (!a->data)
        return cli_fail(EX_USAGE, "batch: --data PATIENTS.csv is required");
    if (!a->out_dir && !a->merge)
        return cli_fail(EX_USAGE, "batch: say where the PDFs go: --out-dir DIR and/or --merge FILE");
    if (!a->print && (a->printer || a->copies))
        return cli_fail(EX_USAGE, "batch: --printer and --copies go with --print");
    if (a->print && !a->merge)
        return cli_fail(EX_USAGE, "batch: --print sends the merged PDF as one job: add --merge FILE");
    if (a->print && strcmp(a->merge, "-") == 0)
        return cli_fail(EX_USAGE, "batch: --print reads the merged PDF back: --merge FILE, not -");
    if (a->printer && !*a->printer)
        return cli_fail(EX_USAGE, "batch: --printer takes a CUPS queue name");
    if (a->skip_existing && a->force)
        return cli_fail(EX_USAGE, "batch: --skip-existing and --force contradict each other");
    if (a->page_size && strcmp(a->page_size, "letter") != 0 && strcmp(a->page_size, "a4") != 0)
        return cli_fail(EX_USAGE, "batch: --page-size must be letter or a4, not \"%s\"",
                        a->page_size);
    if (a->data_format && strcmp(a->data_format, "csv") != 0 && strcmp(a->data_format, "yaml") != 0)
        return cli_fail(EX_USAGE, "batch: --data-format must be csv or yaml");
    if (!a->name)
        a->name = OUTNAME_DEFAULT;
    const char *why = outname_check(a->name);
    if (why)
        return cli_fail(EX_USAGE, "batch: --name: %s", why);
    if (!a->jobs) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        a->jobs = n < 1 ? 1 : n > 64 ? 64 : (int)n;
    }
    return 0;
}

/* ---- reporting ---------------------------------------------------------- */

typedef struct report {
    const batch_args *args;
    const char *data_name;
    FILE *json;           /* stdout, the manifest file, or NULL */
    bool bar;             /* a progress bar on a terminal */
    struct timespec start, last_draw;
    long rows, ok, failed, skipped;
    roster *roster;
} report;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* "FILE: row N: message", or with a form's place when the problem is there. */
static void row_message(const report *rp, const batch_result *r, char *buf, size_t n)
{
    const mp_err *e = &r->err;
    if (!e->file[0] || strcmp(e->file, rp->data_name) == 0) {
        snprintf(buf, n, "%s: row %ld: %s", rp->data_name, r->row, e->msg);
    } else {
        char inner[1200];
        mp_err copy = *e;
        copy.row = 0;
        err_format(&copy, inner, sizeof inner);
        snprintf(buf, n, "%s: row %ld: %s", rp->data_name, r->row, inner);
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
    fprintf(stderr, "\r\033[K[%s] %ld rows  %ld failed  %.0f rows/s%s", frac >= 0 ? bar : "", rp->rows,
            rp->failed, rate, eta);
    fflush(stderr);
}

static void on_row(void *ctx, const batch_result *r)
{
    report *rp = ctx;
    rp->rows++;
    if (r->status == BATCH_OK)
        rp->ok++;
    else if (r->status == BATCH_SKIPPED)
        rp->skipped++;
    else
        rp->failed++;
    char msg[1600] = "";
    if (r->status == BATCH_FAILED) {
        row_message(rp, r, msg, sizeof msg);
        clear_bar(rp);
        fprintf(stderr, "%s\n", msg);
    }
    if (!rp->json)
        return;
    fprintf(rp->json, "{\"row\":%ld,\"status\":\"%s\"", r->row,
            r->status == BATCH_OK ? "ok" : r->status == BATCH_SKIPPED ? "skipped" : "error");
    if (r->path) {
        fputs(",\"path\":", rp->json);
        json_string(rp->json, r->path);
    }
    if (r->status == BATCH_OK)
        fprintf(rp->json, ",\"language\":\"%s\",\"pages\":%d,\"bytes\":%zu,\"sha256\":\"%s\"",
                r->language, r->pages, r->bytes, r->sha256);
    if (r->status == BATCH_FAILED) {
        fputs(",\"error\":", rp->json);
        json_string(rp->json, msg);
    }
    fputs("}\n", rp->json);
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
    print_opts po = {.printer = args->printer, .copies = args->copies ? args->copies : 1,
                     .duplex = args->duplex, .title = title};
    int rc = print_pdf_fd(&po, fd, res, err);
    close(fd);
    return rc;
}

/* ---- the run ------------------------------------------------------------ */

static int run(const batch_args *args, arena *a, report *rp, mp_err *err)
{
    cmd_setup setup = {.input = args->input, .clinic = args->clinic,
                       .page_size = args->page_size, .font_dir = args->font_dir,
                       .duplex = args->duplex, .allow_draft = args->allow_draft,
                       .large_print = args->large_print};
    cmd_run cr;
    roster *ro = NULL;
    pdfmerge *merge = NULL;
    int rc = cmd_prepare(&setup, a, &cr, err);
    roster_format fmt = !args->data_format ? ROSTER_AUTO
                        : strcmp(args->data_format, "yaml") == 0 ? ROSTER_YAML
                                                                 : ROSTER_CSV;
    if (!rc)
        rc = roster_open(args->data, fmt, &ro, err);
    if (!rc && args->out_dir && mkdir(args->out_dir, 0700) != 0 && errno != EEXIST)
        rc = err_set(err, EX_CANTCREAT, args->out_dir, 0, 0, "cannot create the output folder: %s",
                     strerror(errno));
    if (!rc && args->merge)
        rc = pdfmerge_open(args->merge, &merge, err);
    if (rc) {
        roster_close(ro);
        cmd_release(&cr);
        return rc;
    }
    rp->data_name = roster_name(ro);
    rp->roster = ro;

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Test hooks: a run killed, or interrupted with Ctrl-C, after N rows. */
    const char *kill_after = getenv("MEDPACKET_TEST_KILL_AFTER");
    const char *int_after = getenv("MEDPACKET_TEST_INTERRUPT_AFTER");

    batch_opts o = {
        .variants = cr.variants, .nvariants = cr.nvariants, .env = &cr.env, .roster = ro,
        .out_dir = args->out_dir, .name_pattern = args->name, .merge = merge,
        .jobs = args->jobs, .skip_existing = args->skip_existing, .force = args->force,
        .fail_fast = args->fail_fast, .stop = &interrupted,
        /* NOLINTNEXTLINE(cert-err34-c): a test hook; a number the tests set */
        .test_signal_after = kill_after ? atol(kill_after) : int_after ? atol(int_after) : 0,
        .test_signal = kill_after ? SIGKILL : SIGINT,
        .on_row = on_row, .on_tick = on_tick, .ctx = rp,
    };
    batch_summary sum;
    rc = batch_run(&o, &sum, err);
    draw_bar(rp, true);
    clear_bar(rp);

    bool merged = false;
    if (!rc && merge) {
        if (interrupted || sum.ok == 0) {
            pdfmerge_abort(merge); /* a partial day's print job is worse than none */
        } else {
            pdfmerge_meta meta = {cr.pk.title.s, cr.cl.name.s, cr.env.creator, cr.env.now_unix};
            rc = pdfmerge_commit(merge, &meta, err);
            merged = !rc;
        }
        merge = NULL;
    }
    pdfmerge_abort(merge);

    /* Printed only once the merged file is whole and in place, so that a
     * printer that fails loses nothing. A run that stopped early (--fail-fast)
     * is not printed either: the rerun would print its rows twice. */
    mp_err perr;
    err_clear(&perr);
    print_result printed = {0};
    int prc = 0;
    const char *not_printed = NULL;
    if (!rc && args->print) {
        if (!merged)
            not_printed = interrupted ? "interrupted" : "no row was written";
        else if (sum.stopped)
            not_printed = "the run stopped before the end of the list";
        else
            prc = print_merged(args, sum.ok, &printed, &perr);
    }
    if (rp->json) {
        fprintf(rp->json,
                "{\"summary\":{\"rows\":%ld,\"ok\":%ld,\"skipped\":%ld,\"failed\":%ld,\"pages\":%ld,"
                "\"stopped\":%s,\"interrupted\":%s",
                sum.rows, sum.ok, sum.skipped, sum.failed, sum.pages,
                sum.stopped ? "true" : "false", interrupted ? "true" : "false");
        if (!rc && args->print) {
            char why[1200];
            if (not_printed)
                snprintf(why, sizeof why, "not printed: %s", not_printed);
            else if (prc)
                err_format(&perr, why, sizeof why);
            fputs(",\"print\":{", rp->json);
            if (not_printed || prc) {
                fputs("\"error\":", rp->json);
                json_string(rp->json, why);
            } else {
                fputs("\"printer\":", rp->json);
                json_string(rp->json, printed.printer);
                fprintf(rp->json, ",\"job\":%d", printed.job_id);
            }
            fputc('}', rp->json);
        }
        fputs("}}\n", rp->json);
    }
    if (!args->quiet && !rc)
        fprintf(stderr, "%s: %ld rows: %ld written, %ld skipped, %ld failed; %ld pages in %.1f s%s%s\n",
                rp->data_name, sum.rows, sum.ok, sum.skipped, sum.failed, sum.pages,
                seconds_since(&rp->start), merged ? "; merged into " : "", merged ? args->merge : "");
    /* Whether a job went to the printer is not progress: --quiet keeps it. */
    if (!rc && args->print && !prc) {
        if (not_printed)
            fprintf(stderr, "%s: not printed: %s\n", args->merge, not_printed);
        else
            fprintf(stderr, "printed %s on %s as job %d\n", args->merge, printed.printer,
                    printed.job_id);
    }
    roster_close(ro);
    cmd_release(&cr);
    if (rc)
        return rc;
    if (prc) {
        *err = perr;
        return prc;
    }
    if (interrupted)
        return 128 + (int)interrupted;
    return sum.failed ? EX_DATAERR : 0;
}

int cmd_batch(int argc, char **argv)
{
    batch_args args = {0};
    int rc = parse_args(argc, argv, &args);
    if (rc)
        return rc < 0 ? 0 : rc;
    report rp = {.args = &args, .data_name = args.data};
    clock_gettime(CLOCK_MONOTONIC, &rp.start);
    rp.bar = !args.quiet && isatty(STDERR_FILENO);
    if (args.manifest) {
        /* Paths can carry patient names: the manifest is private like the PDFs. */
        int fd = open(args.manifest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        rp.json = fd < 0 ? NULL : fdopen(fd, "w");
        if (!rp.json && fd >= 0)
            close(fd);
        if (!rp.json)
            return cli_fail(EX_CANTCREAT, "%s: cannot create the manifest: %s", args.manifest,
                            strerror(errno));
    } else if (args.json) {
        rp.json = stdout;
    }
    arena *a = arena_new();
    if (!a)
        return cli_fail(EX_OSERR, "out of memory");
    mp_err err;
    err_clear(&err);
    rc = run(&args, a, &rp, &err);
    if (rc && err.code)
        cli_report(&err);
    if (rp.json && rp.json != stdout && fclose(rp.json) != 0 && !rc)
        rc = cli_fail(EX_IOERR, "%s: cannot write the manifest", args.manifest);
    arena_free(a);
    return rc;
}
