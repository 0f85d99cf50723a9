/*
 * cmd_common.c — see cmd.h. Part of the front end, not the engine: the only
 * place besides the command files that prints. It holds what the commands
 * share of their command lines (the shared options, their checks and their
 * messages) and of their reporting (errors, unknown options).
 */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "fhirpost.h"
#include "journal.h"
#include "paper.h"
#include "secret.h"
#include "suggest.h"

/* ---- reporting ----------------------------------------------------------- */

const char *cli_log_prefix(int priority)
{
    return journal_stderr() ? journal_prefix(priority) : "";
}

int cli_report(const mp_err *e)
{
    mp_err copy = *e;
    /* Insert "error: " after the place, gcc-style. */
    char place[700] = "", row[32];
    if (copy.file[0] && copy.line > 0 && copy.col > 0)
        snprintf(place, sizeof place, "%s:%d:%d: ", copy.file, copy.line, copy.col);
    else if (copy.file[0] && copy.line > 0)
        snprintf(place, sizeof place, "%s:%d: ", copy.file, copy.line);
    else if (copy.file[0] && copy.row > 0)
        snprintf(place, sizeof place, "%s: %s: ", copy.file, err_row_place(&copy, row, sizeof row));
    else if (copy.file[0])
        snprintf(place, sizeof place, "%s: ", copy.file);
    else
        snprintf(place, sizeof place, "medpacket: ");
    fprintf(stderr, "%s%serror: %s\n", cli_log_prefix(LOG_ERR), place, copy.msg);
    return e->code ? e->code : EX_SOFTWARE;
}

int(cli_fail)(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%smedpacket: error: ", cli_log_prefix(LOG_ERR));
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

void cli_json_begin(mp_buf *line, json_writer *j)
{
    buf_init(line, NULL);
    json_init(j, line);
    json_begin_object(j);
}

void cli_json_end(mp_buf *line, json_writer *j, FILE *out, FILE *also)
{
    json_end_object(j);
    buf_putc(line, '\n');
    for (int i = 0; json_ok(j) && i < 2; i++) {
        FILE *f = i ? also : out;
        if (f)
            fwrite(line->data, 1, line->len, f);
    }
    buf_free(line);
}

void cli_json_printed(json_writer *j, const cli_printed *p)
{
    if (p->path) {
        json_key(j, "path");
        json_put_str(j, p->path);
    }
    json_key(j, "language");
    json_put_str(j, p->packet->language);
    json_key(j, "pages");
    json_put_int(j, p->pages);
    json_key(j, "bytes");
    json_put_uint(j, p->bytes);
    json_key(j, "sha256");
    json_put_str(j, p->sha256);
    json_key(j, "fonts");
    json_begin_array(j);
    for (size_t i = 0; i < p->nfonts; i++)
        json_put_str(j, p->fonts[i]);
    json_end_array(j);
    json_key(j, "forms");
    json_begin_array(j);
    for (size_t i = 0; i < p->packet->nentries; i++) {
        const form *f = p->packet->entries[i].form;
        json_begin_object(j);
        json_key(j, "id");
        json_put_str(j, f->id.s);
        json_key(j, "version");
        json_put_str(j, f->version.s);
        json_key(j, "wording");
        json_put_str(j, f->fingerprint);
        json_end_object(j);
    }
    json_end_array(j);
    if (p->choice && packet_choice_fallback(p->choice)) {
        json_key(j, "language_asked");
        json_put_str(j, p->choice->asked);
        if (p->choice->asked_tag[0]) {
            json_key(j, "language_asked_tag");
            json_put_str(j, p->choice->asked_tag);
        }
        json_key(j, "language_fallback");
        bool draft = render_withheld_for(p->env, p->choice->asked_tag) != NULL;
        json_put_str(j, draft                                   ? "draft"
                        : p->choice->fit == PACKET_MISSING      ? "missing"
                        : p->choice->fit == PACKET_OTHER_SCRIPT ? "other_script"
                                                                : "unknown");
    }
    if (p->fhir) {
        json_key(j, "fhir");
        json_put_str(j, p->fhir);
        json_key(j, "fhir_created");
        json_put_bool(j, p->fhir_created);
    }
}

int cli_run(int parsed, int (*run)(void *args, arena *a, mp_err *err), void *args)
{
    if (parsed)
        return parsed < 0 ? 0 : parsed;
    arena *a = arena_new();
    if (!a)
        return cli_fail(EX_OSERR, "out of memory");
    mp_err err;
    err_clear(&err);
    int rc = run(args, a, &err);
    if (rc && err.code)
        cli_report(&err);
    arena_free(a);
    return rc;
}

int cmd_check_overwrite(const char *path, bool force, mp_err *err)
{
    struct stat st;
    if (force || strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    return err_set(err, EX_CANTCREAT, path, 0, 0, "the file exists (--force replaces it)");
}

/* ---- options ------------------------------------------------------------- */

/* The most options a command takes, --help included. */
#define MAX_OPTIONS 48

/* A usage error of cmd's: "medpacket: error: render: ..." (serve's without
 * its name). Returns EX_USAGE. */
static int usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%smedpacket: error: %s%s", cli_log_prefix(LOG_ERR), cmd->bare ? "" : cmd->name,
            cmd->bare ? "" : ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EX_USAGE;
}

/* "render: unknown option --pagesize; did you mean --page-size? (see
 * medpacket render --help)": EX_USAGE, with the closest of opts' long names
 * when one is close (suggest.h). arg is the option as typed. */
static int unknown_option(const char *cmd, const char *arg, const struct option *opts)
{
    /* "--pagesize=a4" is asked about as "pagesize". */
    char word[64] = "";
    if (arg && arg[0] == '-' && arg[1] == '-')
        snprintf(word, sizeof word, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    const char *names[64];
    size_t n = 0;
    for (; n < sizeof names / sizeof names[0] - 1 && opts[n].name; n++)
        names[n] = opts[n].name;
    names[n] = NULL;
    const char *hint = word[0] ? suggest_word(word, names) : NULL;
    if (hint)
        return cli_fail(EX_USAGE,
                        "%s: unknown option %s; did you mean --%s? (see medpacket %s --help)", cmd,
                        arg, hint, cmd);
    return cli_fail(EX_USAGE, "%s: unknown option %s (see medpacket %s --help)", cmd,
                    arg ? arg : "", cmd);
}

/* A whole number from 1 to max (--copies, --jobs): 0 with *out set, else -1. */
static int parse_count(const char *s, long max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* Keeps o's value arg where o says: 0, or an exit code with the error said. */
static int take_option(const cli_command *cmd, const cli_option *o, const char *arg)
{
    switch (o->kind) {
    case CLI_TEXT:
        *(const char **)o->value = arg;
        return 0;
    case CLI_FLAG:
        *(bool *)o->value = true;
        return 0;
    case CLI_COUNT:
        if (parse_count(arg, o->max, o->value))
            return usage_error(cmd, "--%s takes a number from 1 to %d", o->name, o->max);
        return 0;
    case CLI_CALL:
        return o->take(o->value, arg);
    case CLI_END:
        break;
    }
    return cli_fail(EX_SOFTWARE, "%s: --%s has no reader", cmd->name, o->name);
}

/* opts as getopt_long takes them (an option without a short form is known
 * by 256 + its index) and the short options, --help added to both. */
static int getopt_table(const cli_command *cmd, const cli_option *opts, struct option *table,
                        char *shorts)
{
    size_t n = 0, k = 0;
    /* A missing value is a ':' from getopt_long, not a '?' (except serve's). */
    if (!cmd->bare)
        shorts[k++] = ':';
    for (; opts[n].kind != CLI_END; n++) {
        if (n + 2 >= MAX_OPTIONS)
            return cli_fail(EX_SOFTWARE, "%s: more than %d options", cmd->name, MAX_OPTIONS - 2);
        int has_arg = opts[n].kind == CLI_FLAG ? no_argument : required_argument;
        int letter = opts[n].letter;
        table[n] = (struct option){opts[n].name, has_arg, NULL, letter ? letter : 256 + (int)n};
        if (letter)
            shorts[k++] = (char)letter;
        if (letter && has_arg)
            shorts[k++] = ':';
    }
    table[n++] = (struct option){"help", no_argument, NULL, 'h'};
    table[n] = (struct option){0};
    shorts[k++] = 'h';
    shorts[k] = '\0';
    return 0;
}

/* The entry of opts that getopt_long's c stands for. */
static const cli_option *option_of(const cli_option *opts, int c)
{
    if (c >= 256)
        return &opts[c - 256];
    for (; opts->kind != CLI_END; opts++)
        if (opts->letter == c)
            return opts;
    return NULL;
}

int cli_parse_options(const cli_command *cmd, const cli_option *opts, int argc, char **argv)
{
    struct option table[MAX_OPTIONS];
    char shorts[2 * MAX_OPTIONS + 2];
    int rc = getopt_table(cmd, opts, table, shorts);
    if (rc)
        return rc;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, table, NULL)) != -1) {
        const cli_option *o = option_of(opts, c);
        if (c == 'h') {
            cmd->usage(stdout);
            return -1;
        }
        if (c == ':')
            return cli_fail(EX_USAGE, "%s: option %s needs a value", cmd->name, argv[optind - 1]);
        if (!o)
            return unknown_option(cmd->name, argv[optind - 1], table);
        if ((rc = take_option(cmd, o, optarg)))
            return rc;
    }
    return 0;
}

/* The file at path, whole and NUL-terminated, in *out (malloc'd): at most
 * 64 KiB, no NUL byte in it. */
static int read_settings_file(const char *path, char **out, mp_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open it: %s", strerror(errno));
    size_t cap = 64 * 1024;
    char *text = malloc(cap + 1);
    size_t n = text ? fread(text, 1, cap + 1, f) : 0;
    bool bad = ferror(f);
    fclose(f);
    if (!text)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    int rc = bad                     ? err_set(err, EX_IOERR, path, 0, 0, "cannot read it")
             : n > cap               ? err_set(err, EX_DATAERR, path, 0, 0, "larger than 64 KiB")
             : memchr(text, '\0', n) ? err_set(err, EX_DATAERR, path, 0, 0, "not a text file")
                                     : 0;
    if (rc) {
        free(text);
        return rc;
    }
    text[n] = '\0';
    *out = text;
    return 0;
}

static bool is_name_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* The setting at line/col, value (NUL-terminated in place) kept in o unless
 * the command line set it; seen[] is the line each option was set on in the
 * file. */
static int take_setting(const cli_option *o, size_t index, char *value, const char *path, int line,
                        int col, int *seen, mp_err *err)
{
    if (o->kind != CLI_CALL && seen[index])
        return err_set(err, EX_CONFIG, path, line, 1, "%s is set twice (also on line %d)", o->name,
                       seen[index]);
    seen[index] = line;
    if (o->kind == CLI_FLAG) {
        bool yes = strcmp(value, "yes") == 0 || strcmp(value, "true") == 0;
        if (!yes && strcmp(value, "no") != 0 && strcmp(value, "false") != 0)
            return err_set(err, EX_CONFIG, path, line, col, "%s takes yes or no", o->name);
        if (yes)
            *(bool *)o->value = true;
        return 0;
    }
    if (!*value)
        return err_set(err, EX_CONFIG, path, line, col, "%s needs a value", o->name);
    if (o->kind == CLI_COUNT) {
        int n;
        if (parse_count(value, o->max, &n))
            return err_set(err, EX_CONFIG, path, line, col, "%s takes a number from 1 to %d",
                           o->name, o->max);
        if (!*(int *)o->value)
            *(int *)o->value = n;
        return 0;
    }
    if (o->kind == CLI_TEXT) {
        if (!*(const char **)o->value)
            *(const char **)o->value = value;
        return 0;
    }
    /* CLI_CALL: take() says its own error, which has no place: say it. */
    int rc = o->take(o->value, value);
    return rc ? err_set(err, rc, path, line, col, "in this setting (see above)") : 0;
}

/* One "NAME = VALUE" line (NUL-terminated, from text) into opts. */
static int read_setting(const cli_option *opts, char *line_text, const char *path, int line,
                        const char *const *not_in_file, int *seen, mp_err *err)
{
    char *p = line_text + strspn(line_text, " \t");
    if (!*p || *p == '#')
        return 0;
    char *name = p;
    while (is_name_byte(*p))
        p++;
    char *name_end = p;
    p += strspn(p, " \t");
    if (name_end == name || *p != '=')
        return err_set(err, EX_CONFIG, path, line, (int)(p - line_text) + 1,
                       "expected NAME = VALUE (an option's long name, as printer = Front_Desk)");
    char *value = p + 1 + strspn(p + 1, " \t");
    size_t len = strlen(value);
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\r'))
        len--;
    value[len] = '\0';
    *name_end = '\0';
    const char *names[MAX_OPTIONS];
    size_t n = 0;
    const cli_option *found = NULL;
    size_t index = 0;
    for (size_t i = 0; opts[i].kind != CLI_END && n + 1 < MAX_OPTIONS; i++) {
        bool refused = false;
        for (size_t k = 0; not_in_file && not_in_file[k]; k++)
            refused |= strcmp(opts[i].name, not_in_file[k]) == 0;
        if (refused)
            continue;
        names[n++] = opts[i].name;
        if (strcmp(opts[i].name, name) == 0) {
            found = &opts[i];
            index = i;
        }
    }
    names[n] = NULL;
    int col = (int)(name - line_text) + 1;
    if (!found) {
        const char *hint = suggest_word(name, names);
        return hint ? err_set(err, EX_CONFIG, path, line, col,
                              "unknown setting \"%s\"; did you mean %s?", name, hint)
                    : err_set(err, EX_CONFIG, path, line, col, "unknown setting \"%s\"", name);
    }
    return take_setting(found, index, value, path, line, (int)(value - line_text) + 1, seen, err);
}

int cli_read_settings(const cli_option *opts, const char *path, const char *const *not_in_file,
                      char **text)
{
    mp_err err;
    err_clear(&err);
    int rc = read_settings_file(path, text, &err);
    int seen[MAX_OPTIONS] = {0};
    int line = 1;
    for (char *p = rc ? NULL : *text; !rc && p; line++) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        rc = read_setting(opts, p, path, line, not_in_file, seen, &err);
        p = nl ? nl + 1 : NULL;
    }
    return rc ? cli_report(&err) : 0;
}

int cli_parse_with_input(const cli_command *cmd, const cli_option *opts, int argc, char **argv,
                         cli_run_opts *ro)
{
    int rc = cli_parse_options(cmd, opts, argc, argv);
    if (rc)
        return rc;
    if (optind >= argc)
        return usage_error(cmd, "name a form or packet file (see medpacket %s --help)", cmd->name);
    ro->prep.input = argv[optind++];
    if (optind < argc)
        return usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
    return 0;
}

int cli_check_run_opts(const cli_command *cmd, const cli_run_opts *ro)
{
    const char *size = ro->prep.page_size;
    page_size ps;
    if (size && !page_size_parse(size, &ps))
        return cmd->page_size_msg
                   ? cli_fail(EX_USAGE, "%s", cmd->page_size_msg)
                   : usage_error(cmd, "--page-size must be letter or a4, not \"%s\"", size);
    date_order order;
    if (ro->prep.date_order && !date_order_parse(ro->prep.date_order, &order))
        return usage_error(cmd, "--date-order takes mdy, dmy or iso");
    char tag[LANGUAGE_TAG_MAX];
    if (ro->language && !language_resolve(ro->language, tag, sizeof tag))
        return usage_error(cmd,
                           "--language \"%s\" names no language (give a tag such as es or "
                           "zh-Hant, or a name such as Spanish or Español)",
                           ro->language);
    return 0;
}

int cli_check_printer(const cli_command *cmd, const cli_run_opts *ro)
{
    if (ro->printer && !*ro->printer)
        return usage_error(cmd, "--printer takes a CUPS queue name");
    return 0;
}

int cli_check_pdf_output(const cli_command *cmd, const char *output)
{
    if (strcmp(output, "-") == 0 && isatty(STDOUT_FILENO))
        return usage_error(cmd, "refusing to write a PDF to a terminal; use -o FILE");
    return 0;
}

/* ---- --fhir-* ------------------------------------------------------------ */

bool cli_fhir_wanted(const cli_fhir_opts *f)
{
    return f->out || f->bundle || f->post;
}

int cli_check_fhir(const cli_command *cmd, const cli_fhir_opts *f)
{
    const struct {
        const char *name, *value;
    } given[] = {{"fhir-out", f->out},
                 {"fhir-bundle", f->bundle},
                 {"fhir-post", f->post},
                 {"fhir-token-file", f->token_file}};
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++) {
        if (given[i].value && !*given[i].value)
            return usage_error(cmd, "--%s needs a value", given[i].name);
        if (given[i].value && strcmp(given[i].value, "-") == 0)
            return usage_error(cmd, "--%s takes a %s, not -", given[i].name,
                               i == 0   ? "folder"
                               : i == 2 ? "URL"
                                        : "file");
    }
    if (f->token_file && !f->post)
        return usage_error(cmd, "--fhir-token-file goes with --fhir-post");
    const char *why = f->post ? fhirpost_url_problem(f->post) : NULL;
    if (why)
        return usage_error(cmd, "%s", why);
    return 0;
}

int cli_fhir_prepare(const cli_run_opts *ro, const outfile_inputs *in, bool skip_existing,
                     bool *made, mp_err *err)
{
    const cli_fhir_opts *f = &ro->fhir;
    *made = false;
    int rc = 0;
    if (f->bundle && !(rc = outfile_check_inputs(in, f->bundle, "--fhir-bundle", err)))
        rc = cmd_check_overwrite(f->bundle, ro->force, err);
    /* --force and --skip-existing contradict each other (as for --merge). */
    if (rc == EX_CANTCREAT && skip_existing)
        snprintf(err->msg, sizeof err->msg, "%s",
                 "the file exists (a resumed run writes a new one: move it away first)");
    if (rc || !f->out)
        return rc;
    *made = mkdir(f->out, 0700) == 0;
    struct stat st;
    if (!*made && (errno != EEXIST || stat(f->out, &st) != 0 || !S_ISDIR(st.st_mode)))
        return err_set(err, EX_CANTCREAT, f->out, 0, 0, "cannot create the --fhir-out folder: %s",
                       errno == EEXIST ? "something else has its name" : strerror(errno));
    return 0;
}

int cli_fhir_open(const cli_run_opts *ro, const outfile_inputs *in, bool skip_existing, bool nosync,
                  volatile sig_atomic_t *stop, arena *a, fhirout **out, mp_err *err)
{
    const cli_fhir_opts *f = &ro->fhir;
    *out = NULL;
    if (!cli_fhir_wanted(f))
        return 0;
    const char *token = NULL;
    /* The EHR issues it (often a JWT, kilobytes long): read as serve reads
     * its --fhir-token-file, the file checked, its strength the issuer's. */
    int rc =
        f->token_file ? secret_read_given(f->token_file, "FHIR server token", a, &token, err) : 0;
    if (rc)
        return rc;
    /* What a killed run left, before this run writes there. */
    if (f->out)
        outfile_remove_stale_in(f->out, ".json");
    if (f->bundle)
        outfile_remove_stale(f->bundle);
    fhirout_opts o = {
        .dir = f->out,
        .bundle = f->bundle,
        .post_url = f->post,
        .token = token,
        .force = ro->force,
        .skip_existing = skip_existing,
        .nosync = nosync,
        .inputs = in,
        .bundle_fo = {.mode = OUTFILE_DEFAULT_MODE, .no_replace = !ro->force, .stop = stop}};
    return fhirout_open(&o, out, err);
}

void cli_fhir_summary(const cli_run_opts *ro, const fhirout_counts *c, bool bundled)
{
    const cli_fhir_opts *f = &ro->fhir;
    long filed = c->created + c->existing;
    if (f->post)
        fprintf(stderr, "filed %ld DocumentReference%s (%ld already there) at %s\n", filed,
                filed == 1 ? "" : "s", c->existing, f->post);
    if (f->out)
        fprintf(stderr, "wrote %ld DocumentReference%s into %s\n", c->records,
                c->records == 1 ? "" : "s", f->out);
    if (f->bundle && bundled)
        fprintf(stderr, "wrote %s: a transaction Bundle of %ld DocumentReference%s\n", f->bundle,
                c->bundled, c->bundled == 1 ? "" : "s");
    else if (f->bundle)
        fprintf(stderr, "%s not written: %s\n", f->bundle,
                c->bundled ? "the run did not go through the list" : "no DocumentReference");
}
