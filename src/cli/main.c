/*
 * main.c — medpacket's entry point: global options and the command table.
 * Each command lives in its own cmd_*.c and holds no engine logic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "fontset.h"
#include "suggest.h"
#include "text.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"render", cmd_render, "render one form or packet for one patient into a PDF"},
    {"batch", cmd_batch, "render a form or packet for every patient of a CSV or YAML list"},
    {"merge", cmd_merge, "join the --merge files of a batch run in shards, rows in order"},
    {"check", cmd_check, "validate forms: placeholders, QR code, consent elements, reading grade"},
    {"review", cmd_review, "a specimen PDF, or text, of a form's wording for clinical review"},
    {"diff", cmd_diff, "show what changed in the wording between two versions of a form"},
    {"approve", cmd_approve, "record who approved a form's exact wording, and keep it beside it"},
    {"serve", cmd_serve, "the front desk's local web page: find today's patient, preview, print"},
    {"new-key", cmd_newkey, "a new random booking key, in a file only its owner can read"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: medpacket COMMAND [OPTIONS] ...\n"
                 "       medpacket --help | --version\n"
                 "\n"
                 "Turns YAML patient handouts and consent forms into print-ready PDFs,\n"
                 "filled in for each patient, with a booking QR code.\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Run 'medpacket help COMMAND' (or 'medpacket COMMAND --help') for a command's\n"
            "options, 'man medpacket-COMMAND' for its manual page, and 'man medpacket-forms'\n"
            "for the YAML files of forms, packets and clinic settings.\n"
            "\n"
            "Exit status (sysexits.h):\n"
            "  0   success\n"
            "  1   diff: the wording differs\n"
            "  64  bad command line (EX_USAGE)\n"
            "  65  bad input data: a form, patient data, a placeholder, a font file (EX_DATAERR)\n"
            "  66  an input file or font folder cannot be opened, or no font (EX_NOINPUT)\n"
            "  69  --print: CUPS does not answer, no such printer, or the job was refused;\n"
            "      the PDF is written all the same (EX_UNAVAILABLE)\n"
            "  70  internal error (EX_SOFTWARE)\n"
            "  71  out of memory (EX_OSERR)\n"
            "  73  the output cannot be created (EX_CANTCREAT)\n"
            "  74  writing the output failed, e.g. a full disk (EX_IOERR)\n"
            "  78  no clinic settings found for the form, or its booking key cannot be used\n"
            "      (EX_CONFIG)\n"
            "  130 interrupted (Ctrl-C, SIGTERM, SIGHUP): nothing half-written is left\n");
}

int main(int argc, char **argv)
{
    /* ICU's break iterators and fontconfig's configuration are the
     * process's, opened on first use: closed at exit, so that a leak
     * checker sees only what medpacket itself lost. */
    atexit(text_cleanup);
    atexit(fontset_cleanup);
    if (argc < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    const char *cmd = argv[1];
    /* "medpacket help render" is "medpacket render --help". */
    char help_opt[] = "--help";
    char *help_argv[] = {argv[0], argv[argc > 2 ? 2 : 1], help_opt, NULL};
    /* "medpacket help help" is "medpacket help". */
    if (strcmp(cmd, "help") == 0 && argc > 2 && strcmp(argv[2], "help") != 0) {
        cmd = argv[2];
        argc = 3;
        argv = help_argv;
    } else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("medpacket %s\n", MP_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    const char *names[sizeof commands / sizeof commands[0] + 1];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        names[i] = commands[i].name;
    names[sizeof commands / sizeof commands[0]] = NULL;
    const char *hint = suggest_word(cmd, names);
    if (hint) {
        fprintf(stderr, "medpacket: error: unknown command \"%s\"; did you mean \"%s\"?\n", cmd,
                hint);
        return EX_USAGE;
    }
    fprintf(stderr, "medpacket: error: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return EX_USAGE;
}
