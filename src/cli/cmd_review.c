/*
 * cmd_review.c — `medpacket review`: the wording a patient will sign, for
 * the clinicians who approve it: a specimen PDF, or plain text or Markdown.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmd.h"
#include "outfile.h"
#include "review.h"

static void review_usage(FILE *out)
{
    fputs("usage: medpacket review FORM_OR_PACKET.yaml -o SPECIMEN.pdf [OPTIONS]\n"
          "       medpacket review FORM_OR_PACKET.yaml --format text|markdown [-o FILE]\n"
          "\n"
          "Renders the form without patient data, for review: a cover page with its id,\n"
          "version, status, approval, full wording fingerprint and the reading grade of\n"
          "each section; then the form with every placeholder shown by name and\n"
          "highlighted, and SPECIMEN (DRAFT for a draft) across every page.\n"
          "--format text or markdown writes the same wording as text, for email or a\n"
          "code review (standard output unless -o names a file).\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE      where to write (\"-\" for standard output)\n"
          "      --format FORMAT    pdf (default), text or markdown\n"
          "      --clinic FILE      clinic settings (as for render)\n"
          "      --page-size SIZE   letter or a4\n"
          "      --font-dir DIR     the font family to embed (as for render)\n"
          "      --force            replace an existing output file\n"
          "  -h, --help             show this help\n",
          out);
}

typedef struct review_args {
    cli_run_opts run; /* -o, --force, --clinic, --page-size, --font-dir */
    const char *format;
    bool pdf, markdown; /* --format pdf, --format markdown */
} review_args;

static const cli_command review_cmd = {.name = "review",
                                       .usage = review_usage,
                                       .page_size_msg = "review: --page-size must be letter or a4"};

static int parse_args(int argc, char **argv, review_args *a)
{
    cli_run_opts *ro = &a->run;
    /* A specimen shows a draft as it is (DRAFT across it), for its review. */
    ro->prep.allow_draft = true;
    ro->prep.specimen = true;
    a->format = "pdf";
    const cli_option opts[] = {
        CLI_OPT_OUTPUT(ro),   CLI_OPT_TEXT("format", 0, &a->format),
        CLI_OPT_CLINIC(ro),   CLI_OPT_PAGE_SIZE(ro),
        CLI_OPT_FONT_DIR(ro), CLI_OPT_FORCE(ro),
        CLI_OPT_END,
    };
    int rc = cli_parse_options(&review_cmd, opts, argc, argv);
    if (rc)
        return rc;
    if (argc - optind != 1)
        return cli_fail(EX_USAGE, "review: name one form or packet file");
    ro->prep.input = argv[optind];
    a->pdf = strcmp(a->format, "pdf") == 0;
    a->markdown = strcmp(a->format, "markdown") == 0;
    if (!a->pdf && !a->markdown && strcmp(a->format, "text") != 0)
        return cli_fail(EX_USAGE, "review: --format must be pdf, text or markdown");
    if ((rc = cli_check_run_opts(&review_cmd, ro)))
        return rc;
    if (a->pdf && !ro->output)
        return cli_fail(EX_USAGE, "review: -o SPECIMEN.pdf is required for a PDF");
    if (a->pdf && (rc = cli_check_pdf_output(&review_cmd, ro->output)))
        return rc;
    if (!ro->output)
        ro->output = "-";
    return 0;
}

/* What check finds in each form of the packet, for the specimen's cover and
 * the text's header: reports[i] for run->pk.entries[i]. */
static int check_reports(const prepared_run *run, arena *a, const check_report ***out, mp_err *err)
{
    const check_report **reports = arena_array(a, run->pk.nentries, sizeof *reports);
    if (!reports)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < run->pk.nentries; i++) {
        check_report *r = arena_alloc(a, sizeof *r);
        reports[i] = r;
        if (!r || check_form(run->pk.entries[i].form, &run->cl, a, r))
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    *out = reports;
    return 0;
}

/* The specimen PDF, to output. */
static int write_specimen(prepared_run *run, const check_report **reports, const char *output,
                          arena *a, mp_err *err)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    run->env.specimen = true;
    int rc = render_specimen(&run->pk, &run->env, (const struct check_report *const *)reports, a,
                             &bytes, &len, NULL, err);
    if (!rc)
        rc = outfile_write(output, bytes, len, OUTFILE_DEFAULT_MODE, err);
    free(bytes);
    return rc;
}

/* The wording as text or Markdown, to output: every form of a packet, one
 * after the other. */
static int write_text(const prepared_run *run, const check_report **reports, bool markdown,
                      const char *output, arena *a, mp_err *err)
{
    outfile *o = NULL;
    int rc = outfile_open(output, 0644, &o, err);
    for (size_t i = 0; !rc && i < run->pk.nentries; i++) {
        char *text = review_text(run->pk.entries[i].form, reports[i], markdown, a);
        rc = text ? outfile_put(o, text, strlen(text), err)
                  : err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    if (o && rc)
        outfile_abort(o);
    else if (o)
        rc = outfile_commit(o, err);
    return rc;
}

/* The specimen or the text, for the parsed args (ctx). */
static int run(void *ctx, arena *a, mp_err *err)
{
    const review_args *args = ctx;
    const cli_run_opts *ro = &args->run;
    prepared_run run = {0};
    const check_report **reports = NULL;
    int rc = cmd_check_overwrite(ro->output, ro->force, err);
    if (!rc)
        rc = prepare_run(&ro->prep, a, &run, err);
    if (!rc)
        rc = check_reports(&run, a, &reports, err);
    if (!rc)
        rc = args->pdf ? write_specimen(&run, reports, ro->output, a, err)
                       : write_text(&run, reports, args->markdown, ro->output, a, err);
    prepare_release(&run);
    if (!rc && args->pdf && strcmp(ro->output, "-") != 0)
        fprintf(stderr, "wrote %s\n", ro->output);
    return rc;
}

int cmd_review(int argc, char **argv)
{
    review_args args = {0};
    return cli_run(parse_args(argc, argv, &args), run, &args);
}
