/*
 * cmd.h — what the command files share: printing an error value the one way
 * the tool prints errors, and the options more than one command takes, each
 * spelt, checked and worded here once. What a run loads before its first
 * patient is the engine's (prepare.h), not the command line's.
 */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "buf.h"
#include "date.h"
#include "err.h"
#include "fhirout.h"
#include "font.h"
#include "form.h"
#include "json.h"
#include "outfile.h"
#include "prepare.h"
#include "render.h"

/* "<3>" and the like, the syslog(3) priority (LOG_ERR ...) journald reads at
 * the start of a line (sd-daemon(3)), when standard error is the journal;
 * "" otherwise. The journal adds the time: no line carries one of its own. */
const char *cli_log_prefix(int priority);

/* Prints "file:line:col: error: message" (or the parts known) to stderr and
 * returns e->code, or EX_SOFTWARE when the code was not set. */
int cli_report(const mp_err *e);

/* Prints "medpacket: error: ..." and returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#ifdef __clang_analyzer__ /* it returns code: see err.h */
#define cli_fail(code, ...) err_returns_code(cli_fail((code), __VA_ARGS__), (code))
#endif

/* One line of JSON on its way out (batch --json and its manifest, render
 * --json, check --json): cli_json_begin starts j on the empty buffer line
 * with the outer object open; j is filled with json.h's calls; cli_json_end
 * closes the outer object and, when the line is whole, writes it with its
 * '\n' to out and to also (either may be NULL), and frees line. */
void cli_json_begin(mp_buf *line, json_writer *j);
void cli_json_end(mp_buf *line, json_writer *j, FILE *out, FILE *also);

/* What one patient's PDF holds, as render --json and each of batch's rows
 * (--json, the manifest) report it: never the patient's data. */
typedef struct cli_printed {
    const char *path;     /* the file written ("-": standard output), or NULL */
    const packet *packet; /* the variant printed: its language and its forms */
    int pages;
    size_t bytes;
    const char *sha256;       /* of the PDF's bytes, 64 hex */
    const char *const *fonts; /* the font files it draws with (render_info) */
    size_t nfonts;
    /* How the variant printed stands to the patient's language (render_pick);
     * NULL when the language was asked for by --language. */
    const packet_choice *choice;
    const render_env *env; /* the run's: a draft it withheld is a "draft" fallback */
    /* --fhir-post: the DocumentReference filed ("DocumentReference/123"),
     * or NULL; and whether the server made it (false: it had it already). */
    const char *fhir;
    bool fhir_created;
} cli_printed;

/* Writes p's members into j's open object, in this order: "path" (when
 * set), "language", "pages", "bytes", "sha256", "fonts", "forms", and when
 * the patient's language was not the one printed (packet_choice_fallback),
 * "language_asked" (the words of the data), "language_asked_tag" (the
 * language they name, when they name one) and "language_fallback"
 * ("missing": the packet has no version in it; "draft": its version in it
 * is a draft the run withheld (no --allow-draft); "other_script": it has one
 * in another script only; "unknown": the words name no language). "forms"
 * records the wording that printed,
 * so that a patient's packet is traced to what was approved: each form of
 * the variant, in packet order, [{"id":..,"version":..,"wording":"<64
 * hex>"}, ...], the wording fingerprint whole, as `check --json` gives it.
 * Last, with --fhir-post, "fhir" (the DocumentReference's id on the
 * server) and "fhir_created" (false: it was there already). */
void cli_json_printed(json_writer *j, const cli_printed *p);

/* A command's last step: parsed is its parse_args' result (0: run; -1:
 * --help, which printed the usage; else a usage error's exit code, said).
 * Runs run(args, a, err) with an arena and an error value of its own, and
 * says the error when run set one (a run may end without one: batch's,
 * interrupted, has said so in its summary). Returns the exit code. */
int cli_run(int parsed, int (*run)(void *args, arena *a, mp_err *err), void *args);

/* A regular file at path is never replaced unless force: a packet printed
 * for one patient must not silently overwrite another's. Returns 0 or
 * EX_CANTCREAT with *err set. Devices, FIFOs and "-" pass. */
int cmd_check_overwrite(const char *path, bool force, mp_err *err);

/* ---- options -------------------------------------------------------------
 * A command lists its options in a table of cli_option, each naming where its
 * value goes (as git's parse-options does), and cli_parse_options reads them
 * with getopt_long. The options more than one command takes are the
 * CLI_OPT_* entries below, each spelt, checked and worded once; their values
 * go to a cli_run_opts. */

/* --fhir-out DIR, --fhir-bundle FILE, --fhir-post URL, --fhir-token-file
 * FILE (render, batch): each PDF's DocumentReference (fhirout.h). */
typedef struct cli_fhir_opts {
    const char *out, *bundle, *post, *token_file;
} cli_fhir_opts;

/* The shared options' values; an option a command does not list stays zero. */
typedef struct cli_run_opts {
    /* --clinic, --page-size, --date-order, --font-dir, --allow-draft,
     * --large-print, --duplex; input is the command's operand. */
    prepare_opts prep;
    const char *data;     /* -d, --data */
    const char *output;   /* -o, --output */
    const char *language; /* --language */
    bool force;           /* --force */
    bool print;           /* --print */
    const char *printer;  /* --printer, NULL: CUPS's default */
    int copies;           /* --copies N (1 to 99), 0 = not given */
    int jobs;             /* -j, --jobs N, 0 = not given */
    cli_fhir_opts fhir;   /* --fhir-out, --fhir-bundle, --fhir-post, --fhir-token-file */
} cli_run_opts;

typedef enum cli_kind {
    CLI_END,   /* the end of a table */
    CLI_TEXT,  /* a value, kept as typed in a const char * */
    CLI_FLAG,  /* no value: a bool set to true */
    CLI_COUNT, /* a whole number from 1 to max, in an int */
    CLI_CALL,  /* a value that take() checks and keeps */
} cli_kind;

typedef struct cli_option {
    const char *name; /* "page-size" for --page-size */
    int letter;       /* its short form: 'd' for -d; 0 for none */
    cli_kind kind;
    void *value; /* where the value goes (take's first argument for CLI_CALL) */
    int max;     /* CLI_COUNT: the largest number it takes */
    /* CLI_CALL: 0, or an exit code with the error said. */
    int (*take)(void *value, const char *arg);
} cli_option;

/* Entries on one line each: clang-format would spread their braces over
 * four. */
// clang-format off
#define CLI_OPT(name, letter, kind, value) {(name), (letter), (kind), (value), 0, NULL}
#define CLI_OPT_CALL(name, take, value) {(name), 0, CLI_CALL, (value), 0, (take)}
#define CLI_OPT_COUNT(name, letter, value, max) {(name), (letter), CLI_COUNT, (value), (max), NULL}
#define CLI_OPT_END {NULL, 0, CLI_END, NULL, 0, NULL}
// clang-format on
#define CLI_OPT_TEXT(name, letter, value) CLI_OPT(name, letter, CLI_TEXT, value)
#define CLI_OPT_FLAG(name, letter, value) CLI_OPT(name, letter, CLI_FLAG, value)

/* The shared options, into the cli_run_opts ro. */
#define CLI_OPT_DATA(ro) CLI_OPT_TEXT("data", 'd', &(ro)->data)
#define CLI_OPT_OUTPUT(ro) CLI_OPT_TEXT("output", 'o', &(ro)->output)
#define CLI_OPT_CLINIC(ro) CLI_OPT_TEXT("clinic", 0, &(ro)->prep.clinic)
#define CLI_OPT_PAGE_SIZE(ro) CLI_OPT_TEXT("page-size", 0, &(ro)->prep.page_size)
#define CLI_OPT_FONT_DIR(ro) CLI_OPT_TEXT("font-dir", 0, &(ro)->prep.font_dir)
#define CLI_OPT_LARGE_PRINT(ro) CLI_OPT_FLAG("large-print", 0, &(ro)->prep.large_print)
#define CLI_OPT_DUPLEX(ro) CLI_OPT_FLAG("duplex", 0, &(ro)->prep.duplex)
#define CLI_OPT_LANGUAGE(ro) CLI_OPT_TEXT("language", 0, &(ro)->language)
#define CLI_OPT_FORCE(ro) CLI_OPT_FLAG("force", 0, &(ro)->force)
#define CLI_OPT_PRINTER(ro) CLI_OPT_TEXT("printer", 0, &(ro)->printer)
/* --jobs N: how many at once, up to max. */
#define CLI_OPT_JOBS(ro, max) CLI_OPT_COUNT("jobs", 'j', &(ro)->jobs, max)
/* What render, batch and serve take alike to prepare a run (prepare.h). */
#define CLI_OPTS_RUN(ro)                                                                           \
    CLI_OPT_CLINIC(ro), CLI_OPT_PAGE_SIZE(ro),                                                     \
        CLI_OPT_TEXT("date-order", 0, &(ro)->prep.date_order), CLI_OPT_FONT_DIR(ro),               \
        CLI_OPT_FLAG("allow-draft", 0, &(ro)->prep.allow_draft),                                   \
        CLI_OPT_FLAG("allow-stale-translation", 0, &(ro)->prep.allow_stale)
/* A print job's, render's and batch's: --print, --printer, --copies. */
#define CLI_OPTS_PRINT(ro)                                                                         \
    CLI_OPT_FLAG("print", 0, &(ro)->print), CLI_OPT_PRINTER(ro),                                   \
        CLI_OPT_COUNT("copies", 0, &(ro)->copies, 99)

/* What render and batch file of each PDF in a FHIR server or beside it. */
#define CLI_OPTS_FHIR(ro)                                                                          \
    CLI_OPT_TEXT("fhir-out", 0, &(ro)->fhir.out),                                                  \
        CLI_OPT_TEXT("fhir-bundle", 0, &(ro)->fhir.bundle),                                        \
        CLI_OPT_TEXT("fhir-post", 0, &(ro)->fhir.post),                                            \
        CLI_OPT_TEXT("fhir-token-file", 0, &(ro)->fhir.token_file)
/* Their lines of render's and batch's --help, worded once. */
#define CLI_FHIR_HELP                                                                              \
    "EHR (FHIR R4, docs/fhir.md): a DocumentReference of each PDF, naming the patient\n"           \
    "by the list's FHIR Patient id or by record number (mrn), and the packet, each\n"              \
    "form's version and whole wording fingerprint:\n"                                              \
    "      --fhir-out DIR     for each PDF NAME.pdf, DIR/NAME.json, with the PDF inline\n"         \
    "      --fhir-bundle FILE one transaction Bundle of them all, each PDF a Binary\n"             \
    "      --fhir-post URL    file each at the FHIR server whose base is URL (https://,\n"         \
    "                         or http:// to this machine): a transaction, created only\n"          \
    "                         if none has its identifier; a PDF is kept only once its\n"           \
    "                         record is filed, so a rerun never sends one twice\n"                 \
    "      --fhir-token-file FILE  the server's bearer token, alone in a file only its\n"          \
    "                         owner can read\n"

/* A command as its usage errors name it. */
typedef struct cli_command {
    const char *name;         /* "render", as in "see medpacket render --help" */
    void (*usage)(FILE *out); /* its --help (every command takes -h, --help) */
    /* serve's own dialect, kept word for word: its usage errors do not
     * start with "serve: ", and a missing value is an unknown option. */
    bool bare;
    /* How it words a bad --page-size where that is not the shared
     * "--page-size must be letter or a4, not "A5"" (serve, review), kept
     * word for word; NULL: the shared wording. */
    const char *page_size_msg;
} cli_command;

/* Whether any --fhir-* option was given. */
bool cli_fhir_wanted(const cli_fhir_opts *f);

/* The --fhir-* options' values, and what they need of each other: a
 * --fhir-post URL fhirpost takes, --fhir-token-file with --fhir-post. 0, or
 * EX_USAGE with the error said. */
int cli_check_fhir(const cli_command *cmd, const cli_fhir_opts *f);

/* What --fhir-bundle may not replace (an input, without --force a file
 * there: a resumed run, skip_existing, writes a new one), and --fhir-out's
 * folder made when missing (*made: by this call); checked before anything
 * is rendered. 0, or an error in *err. */
int cli_fhir_prepare(const cli_run_opts *ro, const outfile_inputs *in, bool skip_existing,
                     bool *made, mp_err *err);

/* The filer of the --fhir-* options (NULL in *out when none was given):
 * the token read (secret.h) into a. skip_existing and nosync: as batch
 * writes its files. 0, or an error in *err. */
int cli_fhir_open(const cli_run_opts *ro, const outfile_inputs *in, bool skip_existing, bool nosync,
                  volatile sig_atomic_t *stop, arena *a, fhirout **out, mp_err *err);

/* "filed 3 DocumentReferences (1 already there) at URL", and what became
 * of the Bundle (bundled: in place), on standard error. */
void cli_fhir_summary(const cli_run_opts *ro, const fhirout_counts *c, bool bundled);

/* Reads a settings file into opts, for a service that starts a command with
 * `--config FILE`: lines "NAME = VALUE", NAME an option's long name
 * ("printer = Front_Desk", "jobs = 2"; a flag takes yes or no), blank lines
 * and lines starting "#" skipped; the value runs to the end of the line,
 * spaces at either end dropped, nothing quoted. An option the command line
 * already gave keeps the command line's value; a repeatable one (CLI_CALL)
 * adds the file's values after them. Names in not_in_file (NULL-ended) are
 * refused, as is one given twice. *text gets the file's bytes, which the
 * values point into, for the caller to free(). Returns 0, or an exit code
 * with the error said as "FILE:LINE:COL: error: ...". */
int cli_read_settings(const cli_option *opts, const char *path, const char *const *not_in_file,
                      char **text);

/* Reads argv's options as opts (ended by CLI_OPT_END) say, then -h, --help.
 * Returns 0 with optind at the first operand; -1 when --help printed the
 * usage (to standard output); else an exit code with the error said. */
int cli_parse_options(const cli_command *cmd, const cli_option *opts, int argc, char **argv);

/* cli_parse_options, then the one operand of render and batch, the form or
 * packet file, into ro->prep.input. */
int cli_parse_with_input(const cli_command *cmd, const cli_option *opts, int argc, char **argv,
                         cli_run_opts *ro);

/* The shared options' values that only make sense once all are read:
 * --page-size, --date-order and --language. 0, or EX_USAGE with the error
 * said. */
int cli_check_run_opts(const cli_command *cmd, const cli_run_opts *ro);

/* --printer names a CUPS queue: not "". 0, or EX_USAGE with the error said. */
int cli_check_printer(const cli_command *cmd, const cli_run_opts *ro);

/* "-o -" (output "-") with standard output a terminal: a PDF there is
 * garbage on the screen. 0, or EX_USAGE with the error said. */
int cli_check_pdf_output(const cli_command *cmd, const char *output);

int cmd_render(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_newkey(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_merge(int argc, char **argv);

#endif
