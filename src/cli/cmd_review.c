/*
 * cmd_review.c — `medpacket review`: the wording a patient will sign, for
 * the clinicians who approve it: a specimen PDF, or plain text or Markdown.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int cmd_review(int argc, char **argv)
{
    enum { OPT_FORMAT = 256, OPT_CLINIC, OPT_PAGE_SIZE, OPT_FONT_DIR, OPT_FORCE };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"clinic", required_argument, NULL, OPT_CLINIC},
        {"page-size", required_argument, NULL, OPT_PAGE_SIZE},
        {"font-dir", required_argument, NULL, OPT_FONT_DIR},
        {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *output = NULL, *format = "pdf";
    bool force = false;
    prepare_opts setup = {.allow_draft = true};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case OPT_FORMAT:
            format = optarg;
            break;
        case OPT_CLINIC:
            setup.clinic = optarg;
            break;
        case OPT_PAGE_SIZE:
            setup.page_size = optarg;
            break;
        case OPT_FONT_DIR:
            setup.font_dir = optarg;
            break;
        case OPT_FORCE:
            force = true;
            break;
        case 'h':
            review_usage(stdout);
            return 0;
        case ':':
            return cli_fail(EX_USAGE, "review: option %s needs a value", argv[optind - 1]);
        default:
            return cli_unknown_option("review", argv[optind - 1], opts);
        }
    }
    if (argc - optind != 1)
        return cli_fail(EX_USAGE, "review: name one form or packet file");
    setup.input = argv[optind];
    bool pdf = strcmp(format, "pdf") == 0, md = strcmp(format, "markdown") == 0;
    if (!pdf && !md && strcmp(format, "text") != 0)
        return cli_fail(EX_USAGE, "review: --format must be pdf, text or markdown");
    page_size ps;
    if (setup.page_size && !page_size_parse(setup.page_size, &ps))
        return cli_fail(EX_USAGE, "review: --page-size must be letter or a4");
    if (pdf && !output)
        return cli_fail(EX_USAGE, "review: -o SPECIMEN.pdf is required for a PDF");
    if (pdf && strcmp(output, "-") == 0 && isatty(STDOUT_FILENO))
        return cli_fail(EX_USAGE, "review: refusing to write a PDF to a terminal; use -o FILE");
    if (!output)
        output = "-";

    arena *a = arena_new();
    if (!a)
        return cli_fail(EX_OSERR, "out of memory");
    mp_err err;
    err_clear(&err);
    prepared_run run = {0};
    int rc = cmd_check_overwrite(output, force, &err);
    if (!rc)
        rc = prepare_run(&setup, a, &run, &err);
    const check_report **reports = NULL;
    if (!rc && !(reports = arena_array(a, run.pk.nentries, sizeof *reports)))
        rc = err_set(&err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < run.pk.nentries; i++) {
        check_report *r = arena_alloc(a, sizeof *r);
        if (!r || check_form(run.pk.entries[i].form, &run.cl, a, r))
            rc = err_set(&err, EX_OSERR, NULL, 0, 0, "out of memory");
        reports[i] = r;
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (!rc && pdf) {
        run.env.specimen = true;
        rc = render_specimen(&run.pk, &run.env, (const struct check_report *const *)reports, a,
                             &bytes, &len, NULL, &err);
        if (!rc)
            rc = outfile_write(output, bytes, len, OUTFILE_DEFAULT_MODE, &err);
        free(bytes);
    } else if (!rc) {
        /* Every form of a packet, one after the other. */
        outfile *o = NULL;
        rc = outfile_open(output, 0644, &o, &err);
        for (size_t i = 0; !rc && i < run.pk.nentries; i++) {
            char *text = review_text(run.pk.entries[i].form, reports[i], md, a);
            rc = text ? outfile_put(o, text, strlen(text), &err)
                      : err_set(&err, EX_OSERR, NULL, 0, 0, "out of memory");
        }
        if (o && rc)
            outfile_abort(o);
        else if (o)
            rc = outfile_commit(o, &err);
    }
    prepare_release(&run);
    if (rc)
        cli_report(&err);
    else if (pdf && strcmp(output, "-") != 0)
        fprintf(stderr, "wrote %s\n", output);
    arena_free(a);
    return rc;
}
