/*
 * cmd_merge.c — `medpacket merge A.pdf B.pdf ... -o ALL.pdf`: the merged
 * files of a batch run in shards (batch --shard K/N --merge) joined into the
 * one print file the whole run would have made, rows in order.
 *
 * Each shard's file labels its rows' pages (pdfmerge_add_row); the inputs are
 * mapped, not read, and the rows taken from them in rising order, a row's
 * pages at a time, through the streaming merger: memory stays that of one
 * merge, whatever the night's size.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "date.h"
#include "outfile.h"
#include "pdfmerge.h"

static void merge_usage(FILE *out)
{
    fputs("usage: medpacket merge SHARD.pdf... -o ALL.pdf [--force]\n"
          "\n"
          "Joins the merged files of a batch run in shards (medpacket batch --shard K/N\n"
          "--merge SHARD.pdf, one per shard) into the one print file the whole run would\n"
          "have made, the rows in the order of the patient list. Each shard's file says\n"
          "which row each page belongs to (its page labels, \"row 12, page 1\"); a file\n"
          "without them, or two files holding one row, is an error.\n"
          "\n"
          "  -o, --output FILE  the merged file (\"-\": standard output)\n"
          "  -f, --force        replace FILE if it exists\n"
          "  -h, --help         this help\n"
          "\n"
          "Exit status: 0, 64 for bad usage, 65 for a file that is not a shard's merged\n"
          "file, 66 for a file that cannot be read, 73 or 74 when ALL.pdf cannot be\n"
          "written; see 'medpacket --help'.\n",
          out);
}

static const cli_command merge_cmd = {.name = "merge", .usage = merge_usage};

/* One input: its bytes (mapped) and rows, and the next row to take. */
typedef struct input {
    const char *path;
    void *map;
    size_t len;
    pdfmerge_src *src;
    size_t next;
} input;

static int open_input(input *in, mp_err *err)
{
    int fd = open(in->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return err_set(err, EX_NOINPUT, in->path, 0, 0, "cannot read the file");
    }
    if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        close(fd);
        return err_set(err, EX_NOINPUT, in->path, 0, 0, "not a PDF file");
    }
    in->len = (size_t)st.st_size;
    in->map = mmap(NULL, in->len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (in->map == MAP_FAILED) {
        in->map = NULL;
        return err_set(err, EX_NOINPUT, in->path, 0, 0, "cannot map the file");
    }
    int rc = pdfmerge_src_open(in->map, in->len, &in->src, err);
    if (rc) {
        /* Name the file: the merger's message says what, not where. */
        char what[sizeof err->msg];
        snprintf(what, sizeof what, "%s", err->msg);
        err_clear(err);
        return err_set(err, EX_DATAERR, in->path, 0, 0, "%s", what);
    }
    if (pdfmerge_src_rows(in->src) == 0)
        return err_set(err, EX_DATAERR, in->path, 0, 0,
                       "no row labels: not the --merge file of a batch run (medpacket batch "
                       "--shard K/N --merge FILE)");
    return 0;
}

/* The input holding the lowest next row, or -1 when all are taken; a row
 * two inputs hold is an error. */
static int next_input(input *in, int n, mp_err *err, int *which)
{
    *which = -1;
    long best = 0;
    for (int i = 0; i < n; i++) {
        if (in[i].next >= pdfmerge_src_rows(in[i].src))
            continue;
        size_t first, count;
        long row = pdfmerge_src_row(in[i].src, in[i].next, &first, &count);
        if (*which >= 0 && row == best)
            return err_set(err, EX_DATAERR, in[i].path, 0, 0, "row %ld is also in %s", row,
                           in[*which].path);
        if (*which < 0 || row < best) {
            *which = i;
            best = row;
        }
    }
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    const char *output = NULL;
    bool force = false;
    const cli_option opts[] = {CLI_OPT_TEXT("output", 'o', &output),
                               CLI_OPT_FLAG("force", 'f', &force), CLI_OPT_END};
    int rc = cli_parse_options(&merge_cmd, opts, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!output)
        return cli_fail(EX_USAGE, "merge: say where the merged file goes: -o ALL.pdf");
    if (optind >= argc)
        return cli_fail(EX_USAGE, "merge: name the shards' merged files to join");
    int n = argc - optind;
    input *in = calloc((size_t)n, sizeof *in);
    if (!in)
        return cli_fail(EX_OSERR, "merge: out of memory");
    mp_err err;
    err_clear(&err);
    for (int i = 0; i < n && !rc; i++) {
        in[i].path = argv[optind + i];
        rc = open_input(&in[i], &err);
    }
    pdfmerge *m = NULL;
    int64_t now = 0;
    mp_date today;
    if (!rc)
        rc = date_clock(&now, &today, &err);
    outfile_opts fo = {.mode = OUTFILE_DEFAULT_MODE, .no_replace = !force};
    if (!rc)
        rc = pdfmerge_open_opts(output, &fo, &m, &err);
    long rows = 0;
    for (int w; !rc;) {
        if ((rc = next_input(in, n, &err, &w)) || w < 0)
            break;
        if (!(rc = pdfmerge_add_src_row(m, in[w].src, in[w].next, &err)))
            in[w].next++, rows++;
    }
    if (!rc) {
        pdfmerge_meta meta = {.creator = "medpacket merge", .date_unix = now};
        rc = pdfmerge_commit(m, &meta, &err);
        m = NULL;
    }
    pdfmerge_abort(m);
    for (int i = 0; i < n; i++) {
        pdfmerge_src_free(in[i].src);
        if (in[i].map)
            munmap(in[i].map, in[i].len);
    }
    free(in);
    if (rc)
        return cli_report(&err);
    if (strcmp(output, "-") != 0)
        fprintf(stderr, "merged %ld rows of %d files into %s\n", rows, n, output);
    return 0;
}
