/*
 * fuzz_form.c — libFuzzer harness for the form loader: YAML text through
 * ydoc (the tree with positions and its defences) into the typed form model
 * (form.c), and on into `check` (check.c), which walks every text of a form
 * that loaded.
 *
 * packet_load takes a path, as the tool does: the input is written to
 * fuzz.yaml in a folder of this process's own (in $TMPDIR, else /dev/shm,
 * else /tmp), so the public API stays as it is. A packet can only name files
 * in that folder (absolute paths and ".." are refused), that is itself.
 * Inputs that ydoc cannot parse, or whose root is not a mapping, are not
 * written out, which keeps most runs in memory. The same bytes are tried as
 * clinic settings, which have their own loader.
 *
 * Promises checked besides not crashing: an error has a sysexits code that
 * it also returns, a message, and a line within the input.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "form.h"
#include "ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], path[300];

static void remove_dir(void)
{
    unlink(path);
    rmdir(dir);
}

static void setup(void)
{
    const char *bases[] = {getenv("TMPDIR"), "/dev/shm", "/tmp"};
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        if (!bases[i])
            continue;
        snprintf(dir, sizeof dir, "%s/mp-fuzz-form-XXXXXX", bases[i]);
        if (mkdtemp(dir)) {
            snprintf(path, sizeof path, "%s/fuzz.yaml", dir);
            atexit(remove_dir);
            return;
        }
    }
    perror("mkdtemp");
    abort();
}

static void write_input(const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        abort();
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0)
            abort();
        done += (size_t)w;
    }
    close(fd);
}

static void check_err(int rc, const mp_err *err, long lines)
{
    if (rc == 0)
        return;
    if (rc != err->code || !err->msg[0] || err->line < 0 || err->col < 0 || err->line > lines)
        abort();
    char buf[1200];
    err_format(err, buf, sizeof buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup();
    /* Forms are a few KB; the size limit itself (YDOC_MAX_BYTES) is a unit test. */
    if (size > 64 * 1024)
        return 0;
    /* YAML's line breaks: LF, CR, CRLF, NEL, LS and PS. libyaml may point
     * just past the last line. */
    long lines = 2;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n')) ||
                 (data[i] == 0xC2 && i + 1 < size && data[i + 1] == 0x85) ||
                 (data[i] == 0xE2 && i + 2 < size && data[i + 1] == 0x80 &&
                  (data[i + 2] == 0xA8 || data[i + 2] == 0xA9));

    arena *a = arena_new();
    if (!a)
        return 0;
    ydoc doc;
    mp_err err;
    err_clear(&err);
    int rc = ydoc_load_buffer("fuzz.yaml", (const char *)data, size, a, &doc, &err);
    check_err(rc, &err, lines);
    if (rc == 0 && doc.root && doc.root->kind == YNODE_MAP) {
        write_input(data, size);
        packet p;
        err_clear(&err);
        rc = packet_load(path, a, &p, &err);
        check_err(rc, &err, lines);
        for (size_t i = 0; rc == 0 && i < p.nentries; i++) {
            check_report report;
            if (check_form(p.entries[i].form, NULL, a, &report) != 0)
                abort();
        }
        clinic c;
        err_clear(&err);
        rc = clinic_load(path, a, &c, &err);
        check_err(rc, &err, lines);
    }
    arena_free(a);
    return 0;
}
