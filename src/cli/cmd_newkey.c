/*
 * cmd_newkey.c — `medpacket new-key FILE`: a new secret in a file of its own
 * (secret.h), for booking_key_file: in clinic.yaml.
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "secret.h"

static void newkey_usage(FILE *out)
{
    fputs("usage: medpacket new-key [--force] FILE\n"
          "\n"
          "Writes a new random secret (32 bytes from the kernel, 43 characters) to FILE,\n"
          "readable by its owner only (mode 0600), for booking_key_file: in the clinic\n"
          "settings. The booking reference in every QR code is made with this key: keep\n"
          "the file out of the forms' folder and out of version control, and give it\n"
          "only to the booking system that must read the references.\n"
          "\n"
          "  -f, --force   replace FILE if it exists (every reference made with the old\n"
          "                key then changes)\n"
          "  -h, --help    this help\n",
          out);
}

static const cli_command newkey_cmd = {.name = "new-key", .usage = newkey_usage};

int cmd_newkey(int argc, char **argv)
{
    bool force = false;
    const cli_option opts[] = {CLI_OPT_FLAG("force", 'f', &force), CLI_OPT_END};
    int rc = cli_parse_options(&newkey_cmd, opts, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind != argc - 1)
        return cli_fail(EX_USAGE, "new-key: name one file to write the key to");
    mp_err err;
    err_clear(&err);
    if (secret_create(argv[optind], force, &err))
        return cli_report(&err);
    fprintf(stderr, "wrote a new key to %s (mode 0600)\n", argv[optind]);
    return 0;
}
