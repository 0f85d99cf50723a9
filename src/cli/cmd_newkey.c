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

int cmd_newkey(int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool force = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            force = true;
            break;
        case 'h':
            newkey_usage(stdout);
            return 0;
        default:
            return cli_unknown_option("new-key", argv[optind - 1], opts);
        }
    }
    if (optind != argc - 1)
        return cli_fail(EX_USAGE, "new-key: name one file to write the key to");
    mp_err err;
    err_clear(&err);
    if (secret_create(argv[optind], force, &err))
        return cli_report(&err);
    fprintf(stderr, "wrote a new key to %s (mode 0600)\n", argv[optind]);
    return 0;
}
