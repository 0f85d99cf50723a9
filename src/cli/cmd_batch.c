/*
 * cmd_batch.c — `medpacket batch`: a form or packet over a patient list.
 */
#define _GNU_SOURCE /* fopencookie: the manifest's JSON lines go through outfile */

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
          "      --skip-existing    resume: skip rows whose PDF is already there (and whole);\n"
          "                         with --merge, their PDFs are merged in their place\n"
          "      --force            replace files that are already there: the rows' PDFs,\n"
          "                         the merged file, the manifest (default: the row fails,\n"
          "                         or the run does not start). An input of the run (the\n"
          "                         list, a form, the clinic settings) is never replaced\n"
          "Running:\n"
          "  -j, --jobs N           render with N threads (default: the number of cores)\n"
          "      --fail-fast        stop reading at the first row that fails (rows already\n"
          "                         being rendered are finished)\n"
          "  -q, --quiet            no progress bar and no summary (row errors still print)\n"
          "      --json             a JSON line per row (and a summary line) on standard output\n"
          "      --manifest FILE    the same JSON lines into FILE (private, 0600; in place\n"
          "                         once the run ends)\n"
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
          "      --large-print      14 pt body text for every row (else a row's large_print\n"
          "                         column, else the clinic's setting)\n"
          "Each row is printed in its language column's language (es, Spanish ...) when\n"
          "the packet offers it under translations:, else in the packet's own.\n"
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
    const char *input, *data, *data_format, *out_dir, *name, *merge, *manifest;
    const char *clinic, *page_size, *font_dir;
    const char *date_order; /* --date-order */
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
        OPT_CLINIC = 256,
        OPT_PAGE_SIZE,
        OPT_FONT_DIR,
        OPT_DUPLEX,
        OPT_SKIP,
        OPT_FORCE,
        OPT_FAIL_FAST,
        OPT_JSON,
        OPT_MANIFEST,
        OPT_DATA_FORMAT,
        OPT_ALLOW_DRAFT,
        OPT_LARGE,
        OPT_PRINT,
        OPT_PRINTER,
        OPT_COPIES,
        OPT_DATE_ORDER,
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
        {"date-order", required_argument, NULL, OPT_DATE_ORDER},
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
        case 'd':
            a->data = optarg;
            break;
        case OPT_DATA_FORMAT:
            a->data_format = optarg;
            break;
        case 'O':
            a->out_dir = optarg;
            break;
        case 'n':
            a->name = optarg;
            break;
        case 'm':
            a->merge = optarg;
            break;
        case OPT_DUPLEX:
            a->duplex = true;
            break;
        case OPT_SKIP:
            a->skip_existing = true;
            break;
        case OPT_FORCE:
            a->force = true;
            break;
        case 'j':
            if (parse_jobs(optarg, &a->jobs))
                return cli_fail(EX_USAGE, "batch: --jobs takes a number from 1 to 256");
            break;
        case OPT_FAIL_FAST:
            a->fail_fast = true;
            break;
        case 'q':
            a->quiet = true;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_MANIFEST:
            a->manifest = optarg;
            break;
        case OPT_CLINIC:
            a->clinic = optarg;
            break;
        case OPT_PAGE_SIZE:
            a->page_size = optarg;
            break;
        case OPT_DATE_ORDER:
            a->date_order = optarg;
            break;
        case OPT_FONT_DIR:
            a->font_dir = optarg;
            break;
        case OPT_ALLOW_DRAFT:
            a->allow_draft = true;
            break;
        case OPT_LARGE:
            a->large_print = true;
            break;
        case OPT_PRINT:
            a->print = true;
            break;
        case OPT_PRINTER:
            a->printer = optarg;
            break;
        case OPT_COPIES:
            if (cli_parse_copies(optarg, &a->copies))
                return cli_fail(EX_USAGE, "batch: --copies takes a number from 1 to 99");
            break;
        case 'h':
            batch_usage(stdout);
            return -1;
        case ':':
            return cli_fail(EX_USAGE, "batch: option %s needs a value", argv[optind - 1]);
        default:
            return cli_unknown_option("batch", argv[optind - 1], opts);
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
        return cli_fail(EX_USAGE,
                        "batch: say where the PDFs go: --out-dir DIR and/or --merge FILE");
    if (!a->print && (a->printer || a->copies))
        return cli_fail(EX_USAGE, "batch: --printer and --copies go with --print");
    if (a->print && !a->merge)
        return cli_fail(EX_USAGE,
                        "batch: --print sends the merged PDF as one job: add --merge FILE");
    if (a->print && strcmp(a->merge, "-") == 0)
        return cli_fail(EX_USAGE, "batch: --print reads the merged PDF back: --merge FILE, not -");
    if (a->merge && a->json && !a->manifest && strcmp(a->merge, "-") == 0)
        return cli_fail(EX_USAGE, "batch: --merge - and --json both write to standard output");
    if (a->printer && !*a->printer)
        return cli_fail(EX_USAGE, "batch: --printer takes a CUPS queue name");
    if (a->skip_existing && a->force)
        return cli_fail(EX_USAGE, "batch: --skip-existing and --force contradict each other");
    page_size ps;
    if (a->page_size && !page_size_parse(a->page_size, &ps))
        return cli_fail(EX_USAGE, "batch: --page-size must be letter or a4, not \"%s\"",
                        a->page_size);
    date_order order;
    if (a->date_order && !date_order_parse(a->date_order, &order))
        return cli_fail(EX_USAGE, "batch: --date-order takes mdy, dmy or iso");
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
    FILE *json;     /* --json: standard output, or NULL */
    FILE *manifest; /* --manifest FILE's stream, or NULL: both get every line */
    bool bar;       /* a progress bar on a terminal */
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
    fprintf(stderr, "\r\033[K[%s] %ld rows  %ld failed  %.0f rows/s%s", frac >= 0 ? bar : "",
            rp->rows, rp->failed, rate, eta);
    fflush(stderr);
}

/* One JSON line to standard output (--json) and to the manifest, alike. */
static void json_line(const report *rp, const char *line, size_t len)
{
    if (rp->json)
        fwrite(line, 1, len, rp->json);
    if (rp->manifest)
        fwrite(line, 1, len, rp->manifest);
}

static void on_row(void *ctx, const batch_result *r)
{
    report *rp = ctx;
    /* A language the packet does not offer is printed in the packet's own,
     * and said: the front desk may want an interpreter or a translation. */
    if (r->status == BATCH_OK && r->language_asked[0] && !rp->args->quiet) {
        clear_bar(rp);
        fprintf(stderr,
                "%s: row %ld: language \"%s\" is not offered by this packet; printed in %s\n",
                rp->data_name, r->row, r->language_asked, r->language);
    }
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
        /* A file that could not be written ends the run, which says so once. */
        if (!r->fatal) {
            clear_bar(rp);
            fprintf(stderr, "%s\n", msg);
        }
    }
    if (!rp->json && !rp->manifest)
        return;
    mp_buf line;
    buf_init(&line, NULL);
    json_writer j;
    json_init(&j, &line);
    json_begin_object(&j);
    json_key(&j, "row");
    json_put_int(&j, r->row);
    json_key(&j, "status");
    json_put_str(&j, r->status == BATCH_OK        ? "ok"
                     : r->status == BATCH_SKIPPED ? "skipped"
                                                  : "error");
    if (r->path) {
        json_key(&j, "path");
        json_put_str(&j, r->path);
    }
    if (r->status == BATCH_OK) {
        json_key(&j, "language");
        json_put_str(&j, r->language);
        json_key(&j, "pages");
        json_put_int(&j, r->pages);
        json_key(&j, "bytes");
        json_put_uint(&j, r->bytes);
        json_key(&j, "sha256");
        json_put_str(&j, r->sha256);
        if (r->language_asked[0]) {
            json_key(&j, "language_asked");
            json_put_str(&j, r->language_asked);
        }
    }
    if (r->status == BATCH_FAILED) {
        json_key(&j, "error");
        json_put_str(&j, msg);
    }
    json_end_object(&j);
    buf_putc(&line, '\n');
    if (json_ok(&j))
        json_line(rp, line.data, line.len);
    buf_free(&line);
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
    print_opts po = {.printer = args->printer,
                     .copies = args->copies ? args->copies : 1,
                     .duplex = args->duplex,
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
    for (int i = 0; i < 2; i++) {
        int rc = names[i] ? cmd_check_overwrite(names[i], args->force, err) : 0;
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

static int run(const batch_args *args, arena *a, report *rp, mp_err *err)
{
    /* First, so that a wait for a FIFO's reader (--merge, --manifest) ends on
     * a signal too. SIGHUP: a closed terminal or a dropped ssh session is
     * an interruption like Ctrl-C, not a kill that leaves temporary files. */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    prepare_opts setup = {.input = args->input,
                          .clinic = args->clinic,
                          .page_size = args->page_size,
                          .font_dir = args->font_dir,
                          .duplex = args->duplex,
                          .allow_draft = args->allow_draft,
                          .large_print = args->large_print,
                          .date_order = args->date_order};
    prepared_run cr;
    roster *ro = NULL;
    pdfmerge *merge = NULL;
    manifest man = {0};
    outfile_inputs inputs = {0};
    outfile_opts fo = {
        .mode = OUTFILE_DEFAULT_MODE, .no_replace = !args->force, .stop = &interrupted};
    int rc = prepare_run(&setup, a, &cr, err);
    roster_format fmt = !args->data_format                       ? ROSTER_AUTO
                        : strcmp(args->data_format, "yaml") == 0 ? ROSTER_YAML
                                                                 : ROSTER_CSV;
    if (!rc)
        rc = roster_open(args->data, fmt, &ro, err);
    if (!rc)
        roster_set_date_order(ro, cr.date_order);
    /* A --name field the list never holds would fail every row: said once. */
    char field[64];
    if (!rc && args->out_dir &&
        outname_unknown_field(args->name, list_has, ro, field, sizeof field))
        rc = err_set(err, EX_USAGE, NULL, 0, 0,
                     "batch: --name uses {%s}, which %s has no column for", field, roster_name(ro));
    /* Every refusal comes before anything is written or rendered. */
    if (!rc)
        rc = prepare_inputs(&cr, args->data, &inputs, err);
    if (!rc)
        rc = check_outputs(args, &inputs, err);
    bool made_dir = false;
    if (!rc && args->out_dir) {
        made_dir = mkdir(args->out_dir, 0700) == 0;
        if (!made_dir && errno != EEXIST)
            rc = err_set(err, EX_CANTCREAT, args->out_dir, 0, 0,
                         "cannot create the output folder: %s", strerror(errno));
    }
    if (!rc) {
        /* What a killed run left (only temporary files whose writer is gone:
         * see outfile.c), with or without --skip-existing; before this run
         * opens anything there. */
        if (args->out_dir)
            outfile_remove_stale_in(args->out_dir, ".pdf");
        outfile_remove_stale(args->merge);
        outfile_remove_stale(args->manifest);
    }
    if (!rc && args->manifest && !(rc = manifest_open(args->manifest, &fo, &man, err)))
        rp->manifest = man.f;
    if (!rc && args->merge)
        rc = pdfmerge_open_opts(args->merge, &fo, &merge, err);
    if (rc) {
        pdfmerge_abort(merge);
        manifest_close(&man, false, err);
        if (made_dir)
            rmdir(args->out_dir); /* a run that did not start leaves nothing */
        outfile_inputs_free(&inputs);
        roster_close(ro);
        prepare_release(&cr);
        return rc && interrupted ? 128 + (int)interrupted : rc;
    }
    rp->data_name = roster_name(ro);
    rp->roster = ro;

    /* Test hooks: a run killed, or interrupted (by SIGINT, or the signal
     * MEDPACKET_TEST_INTERRUPT_SIGNAL names: HUP, TERM), after N rows. */
    const char *kill_after = getenv("MEDPACKET_TEST_KILL_AFTER");
    const char *int_after = getenv("MEDPACKET_TEST_INTERRUPT_AFTER");
    const char *int_signal = getenv("MEDPACKET_TEST_INTERRUPT_SIGNAL");
    int test_signal = kill_after                                      ? SIGKILL
                      : int_signal && strcmp(int_signal, "HUP") == 0  ? SIGHUP
                      : int_signal && strcmp(int_signal, "TERM") == 0 ? SIGTERM
                                                                      : SIGINT;

    const char *after = kill_after ? kill_after : int_after;
    /* NOLINTNEXTLINE(cert-err34-c): a test hook; a number the tests set */
    long signal_after = after ? atol(after) : 0;

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
        .variants = cr.variants,
        .nvariants = cr.nvariants,
        .env = &cr.env,
        .roster = ro,
        .out_dir = args->out_dir,
        .name_pattern = args->name,
        .merge = merge,
        .duplex = args->duplex,
        .inputs = &inputs,
        .reserved = reserved,
        .nreserved = nreserved,
        .jobs = args->jobs,
        .skip_existing = args->skip_existing,
        .force = args->force,
        .fail_fast = args->fail_fast,
        .stop = &interrupted,
        .test_signal_after = signal_after,
        .test_signal = test_signal,
        .on_row = on_row,
        .on_tick = on_tick,
        .ctx = rp,
    };
    batch_summary sum;
    rc = batch_run(&o, &sum, err);
    draw_bar(rp, true);
    clear_bar(rp);

    bool merged = false;
    /* Rows kept by a resumed run are in the merge too. */
    long packets = sum.ok + (merge ? sum.skipped : 0);
    /* How the run ended, said in the summary and the JSON alike. */
    const char *ended = interrupted ? "interrupted" : sum.stopped ? "stopped" : "complete";
    if (!rc && merge) {
        /* A partial day's print job is worse than none: an interrupted run,
         * or one that stopped at its first failure (--fail-fast), leaves no
         * merged file; its rerun makes the whole one. */
        if (interrupted || sum.stopped || pdfmerge_pages(merge) == 0) {
            pdfmerge_abort(merge);
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
            prc = print_merged(args, packets, &printed, &perr);
    }
    if (rp->json || rp->manifest) {
        mp_buf line;
        buf_init(&line, NULL);
        json_writer j;
        json_init(&j, &line);
        json_begin_object(&j);
        json_key(&j, "summary");
        json_begin_object(&j);
        json_key(&j, "rows");
        json_put_int(&j, sum.rows);
        json_key(&j, "ok");
        json_put_int(&j, sum.ok);
        json_key(&j, "skipped");
        json_put_int(&j, sum.skipped);
        json_key(&j, "failed");
        json_put_int(&j, sum.failed);
        json_key(&j, "pages");
        json_put_int(&j, sum.pages);
        json_key(&j, "ended");
        json_put_str(&j, ended);
        json_key(&j, "stopped");
        json_put_bool(&j, sum.stopped);
        json_key(&j, "interrupted");
        json_put_bool(&j, interrupted != 0);
        json_key(&j, "merged");
        if (merged)
            json_put_str(&j, args->merge);
        else
            json_put_null(&j);
        if (!rc && args->print) {
            char why[1200];
            if (not_printed)
                snprintf(why, sizeof why, "not printed: %s", not_printed);
            else if (prc)
                err_format(&perr, why, sizeof why);
            json_key(&j, "print");
            json_begin_object(&j);
            if (not_printed || prc) {
                json_key(&j, "error");
                json_put_str(&j, why);
            } else {
                json_key(&j, "printer");
                json_put_str(&j, printed.printer);
                json_key(&j, "job");
                json_put_int(&j, printed.job_id);
            }
            json_end_object(&j);
        }
        json_end_object(&j);
        json_end_object(&j);
        buf_putc(&line, '\n');
        if (json_ok(&j))
            json_line(rp, line.data, line.len);
        buf_free(&line);
    }
    /* The manifest is kept whatever happened to the rows: it says what. */
    mp_err merr;
    err_clear(&merr);
    rp->manifest = NULL;
    int mrc = manifest_close(&man, true, &merr);
    if (!args->quiet && !rc) {
        char merge_note[600] = "";
        if (merged)
            snprintf(merge_note, sizeof merge_note, "; merged into %s", args->merge);
        else if (args->merge)
            snprintf(merge_note, sizeof merge_note, "; %s not written", args->merge);
        fprintf(stderr,
                "%s: %s: %ld rows: %ld written, %ld skipped, %ld failed; %ld pages in %.1f s%s\n",
                rp->data_name,
                interrupted   ? "interrupted"
                : sum.stopped ? "stopped at the first failure"
                              : "complete",
                sum.rows, sum.ok, sum.skipped, sum.failed, sum.pages, seconds_since(&rp->start),
                merge_note);
    }
    /* Whether a job went to the printer is not progress: --quiet keeps it. */
    if (!rc && args->print && !prc) {
        if (not_printed)
            fprintf(stderr, "%s: not printed: %s\n", args->merge, not_printed);
        else
            fprintf(stderr, "printed %s on %s as job %d\n", args->merge, printed.printer,
                    printed.job_id);
    }
    outfile_inputs_free(&inputs);
    roster_close(ro);
    prepare_release(&cr);
    if (rc)
        return interrupted ? 128 + (int)interrupted : rc;
    if (mrc) {
        *err = merr;
        return mrc;
    }
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
    if (args.json)
        rp.json = stdout;
    arena *a = arena_new();
    if (!a)
        return cli_fail(EX_OSERR, "out of memory");
    mp_err err;
    err_clear(&err);
    rc = run(&args, a, &rp, &err);
    if (rc && err.code)
        cli_report(&err);
    arena_free(a);
    return rc;
}
