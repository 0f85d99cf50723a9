/*
 * cmd_approve.c — `medpacket approve FORM.yaml --by NAME [--on DATE]`:
 * records who approved exactly which wording, in the form file itself, and
 * keeps that wording beside it (approval.h).
 *
 * The form file is people's work, kept in git with its comments: the record
 * is written as a few small edits of its text (yedit.h), the result is read
 * back and must say exactly what was meant, and the edit is shown as a
 * unified diff before (or instead of, with --dry-run) writing it. The
 * snapshot is written first and the form last, each whole or not at all
 * (outfile.h): a run cut in between leaves a snapshot that `check` reports
 * as not matching the approval, never a form approved for wording it does
 * not hold.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "approval.h"
#include "check.h"
#include "cmd.h"
#include "date.h"
#include "outfile.h"
#include "sysdirs.h"
#include "utf8.h"
#include "wdiff.h"
#include "wording.h"
#include "yedit.h"

static void approve_usage(FILE *out)
{
    fputs("usage: medpacket approve FORM.yaml --by NAME [--on YYYY-MM-DD] [--dry-run]\n"
          "\n"
          "Records in FORM.yaml that NAME approved its wording as it is now:\n"
          "\n"
          "  status: approved\n"
          "  approved_by: NAME\n"
          "  approved_on: DATE\n"
          "  approved_wording: the full wording fingerprint (64 hex digits)\n"
          "\n"
          "and keeps that wording beside it in FORM.approved.txt (the canonical text\n"
          "forms/README.md defines), for `medpacket diff --since-approval`. For a\n"
          "translation (translation_of: form: ...), it also records the source's wording\n"
          "fingerprint (translation_of: wording:) and keeps the source's wording in\n"
          "FORM.source.txt; the source must be approved for its current wording first.\n"
          "render, batch and serve then print the form only while its wording is the\n"
          "approved one.\n"
          "\n"
          "Only those lines of the file change: its comments, quoting and layout are\n"
          "kept. The change is shown as a unified diff on standard output.\n"
          "A form with errors (`medpacket check`) is not approved.\n"
          "\n"
          "Options:\n"
          "      --by NAME          who approves it (\"Dr. Ana Ruiz, Medical Director\")\n"
          "      --on DATE          the date of the approval (default: today)\n"
          "  -n, --dry-run          show the change without writing anything\n"
          "      --clinic FILE      clinic settings, to check the form's placeholders and\n"
          "                         booking URL (default: as render finds them)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 when approved (or already approved as asked), 65 when the form\n"
          "has errors or its translation's source is not approved, 64 for a usage error,\n"
          "73 or 74 when a file cannot be written, 75 when the form changed meanwhile.\n",
          out);
}

typedef struct approve_args {
    const char *path, *by, *on, *clinic;
    bool dry_run;
} approve_args;

/* --by: one line of printable text, as it will stand in the file and on
 * the review cover. */
static int check_name(const char *by, mp_err *err)
{
    size_t n = strlen(by), bad;
    if (n == 0 || by[0] == ' ' || by[n - 1] == ' ')
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "approve: --by names who approves (not empty, no leading or trailing "
                       "space)");
    if (n > 200 || !utf8_valid(by, n, &bad))
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "approve: --by must be UTF-8 text of at most 200 bytes");
    for (const unsigned char *p = (const unsigned char *)by; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return err_set(err, EX_USAGE, NULL, 0, 0,
                           "approve: --by holds a control character (a line break, a tab)");
    return 0;
}

/* The form file's findings; a form with errors is not approved. The
 * approval's own findings are not asked: they are what approve mends. */
static int checked(const packet *pk, const approve_args *args, arena *a, mp_err *err)
{
    const form *f = pk->entries[0].form;
    clinic cl;
    const clinic *clp = NULL;
    mp_err cerr;
    err_clear(&cerr);
    const char *settings = args->clinic ? args->clinic : clinic_find(pk, args->path, a, &cerr);
    if (settings) {
        if (clinic_load(settings, a, &cl, &cerr)) {
            *err = cerr;
            return err->code;
        }
        clp = &cl;
    } else if (args->clinic) {
        *err = cerr;
        return err->code;
    }
    check_report r;
    if (check_form(f, clp, a, &r))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < r.nfindings; i++) {
        const mp_err *e = &r.findings[i].where;
        if (r.findings[i].level == FINDING_NOTE)
            continue;
        fprintf(stderr, "%s:%d:%d: %s: %s\n", e->file, e->line, e->col,
                r.findings[i].level == FINDING_ERROR ? "error" : "warning", e->msg);
    }
    if (r.errors)
        return err_set(err, EX_DATAERR, f->doc->path, 0, 0,
                       "not approved: the form has %zu error%s (above); mend %s and approve it "
                       "again",
                       r.errors, r.errors == 1 ? "" : "s", r.errors == 1 ? "it" : "them");
    return 0;
}

/* One step of the record: the text with key set in the mapping at keypath
 * (NULL: the root; else the root's value at that key), read back. */
static int set_key(ydoc *doc, const char *keypath, const char *key, const char *value,
                   const char *const *after, arena *a, mp_err *err)
{
    const ynode *map = keypath ? ydoc_get(doc->root, keypath) : doc->root;
    size_t len;
    char *text = yedit_set(doc, map, key, value, after, a, &len);
    if (!text)
        return err_set(err, EX_SOFTWARE, doc->path, 0, 0,
                       "cannot write %s%s%s into the file: edit it by hand", keypath ? keypath : "",
                       keypath ? ": " : "", key);
    ydoc next;
    int rc = ydoc_load_buffer(doc->path, text, len, a, &next, err);
    if (rc)
        return rc;
    *doc = next;
    return 0;
}

/* The new text must say what was meant, and nothing else of the form may
 * have changed: its wording fingerprint is the same. */
static int verify(const ydoc *doc, const form *old, const char *by, const char *on,
                  const char *source_fp, arena *a, mp_err *err)
{
    form nf;
    memset(&nf, 0, sizeof nf);
    int rc = form_load_doc(doc, doc->root, &nf, a, err);
    char fp[65];
    if (rc || wording_fingerprint(&nf, a, fp))
        return rc ? rc : err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    bool ok = nf.status == FORM_APPROVED && nf.approved_by.s && strcmp(nf.approved_by.s, by) == 0 &&
              nf.approved_on.s && strcmp(nf.approved_on.s, on) == 0 && nf.approved_wording.s &&
              strcmp(nf.approved_wording.s, old->fingerprint) == 0 &&
              strcmp(fp, old->fingerprint) == 0 &&
              (!source_fp || (nf.source_wording.s && strcmp(nf.source_wording.s, source_fp) == 0));
    if (!ok)
        return err_set(err, EX_SOFTWARE, doc->path, 0, 0,
                       "the edited file does not read back as the approval meant: nothing was "
                       "written; edit it by hand");
    return 0;
}

/* ---- the diff shown ---------------------------------------------------- */

typedef struct lines {
    char **v;
    size_t n;
    char *copy;
} lines;

static int split_lines(const char *text, size_t len, lines *out)
{
    memset(out, 0, sizeof *out);
    out->copy = malloc(len + 1);
    out->v = malloc((len + 1) * sizeof *out->v);
    if (!out->copy || !out->v)
        return -1;
    memcpy(out->copy, text, len);
    out->copy[len] = '\0';
    char *p = out->copy;
    while (*p) {
        out->v[out->n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return 0;
}

static void free_lines(lines *l)
{
    free(l->v);
    free(l->copy);
}

/* A unified diff (3 lines of context) of the file's lines. */
static int print_unified(const char *path, const char *old, size_t olen, const char *new,
                         size_t nlen)
{
    lines la = {0}, lb = {0};
    wdiff_edit *e = NULL;
    size_t ne = 0;
    int rc = -1;
    if (split_lines(old, olen, &la) || split_lines(new, nlen, &lb) ||
        wdiff((const char *const *)la.v, la.n, (const char *const *)lb.v, lb.n, &e, &ne))
        goto out;
    printf("--- %s\n+++ %s\n", path, path);
    /* The edits within 3 lines of a change are shown; runs of them are the
     * hunks. */
    enum { CTX = 3 };
    bool *shown = calloc(ne ? ne : 1, sizeof *shown);
    if (!shown)
        goto out;
    for (size_t k = 0; k < ne; k++)
        for (size_t j = k >= CTX ? k - CTX : 0; e[k].op != WDIFF_SAME && j < ne && j <= k + CTX;
             j++)
            shown[j] = true;
    for (size_t s0 = 0; s0 < ne;) {
        if (!shown[s0]) {
            s0++;
            continue;
        }
        size_t t = s0, na = 0, nb = 0;
        for (; t < ne && shown[t]; t++) {
            na += e[t].op != WDIFF_ADD;
            nb += e[t].op != WDIFF_DEL;
        }
        /* 1-based first lines; an empty side names the line before it. */
        printf("@@ -%zu,%zu +%zu,%zu @@\n", e[s0].a + (na > 0), na, e[s0].b + (nb > 0), nb);
        for (size_t k = s0; k < t; k++)
            printf("%c%s\n",
                   e[k].op == WDIFF_SAME  ? ' '
                   : e[k].op == WDIFF_DEL ? '-'
                                          : '+',
                   e[k].op == WDIFF_ADD ? lb.v[e[k].b] : la.v[e[k].a]);
        s0 = t;
    }
    free(shown);
    rc = 0;
out:
    free(e);
    free_lines(&la);
    free_lines(&lb);
    return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* A snapshot that is not already the wording it must hold, written whole. */
static int write_snapshot(const snapshot *have, const char *text, size_t len, mode_t mode,
                          bool *wrote, mp_err *err)
{
    if (have->state == SNAPSHOT_MATCHES && have->len == len && memcmp(have->text, text, len) == 0)
        return 0;
    *wrote = true;
    return outfile_write(have->path, text, len, mode, err);
}

/* The form file, unless someone changed it since it was read. */
static int write_form(const char *path, const ydoc *was, const char *text, size_t len, mode_t mode,
                      arena *a, mp_err *err)
{
    ydoc now;
    int rc = ydoc_load_file(path, a, &now, err);
    if (rc)
        return rc;
    if (now.src_len != was->src_len || memcmp(now.src, was->src, was->src_len) != 0)
        return err_set(err, EX_TEMPFAIL, path, 0, 0,
                       "the file changed while it was being approved: nothing was written; "
                       "approve it again");
    /* A form reached through a symbolic link is written where it lives. */
    char real[PATH_MAX];
    if (!realpath(path, real))
        return err_set(err, EX_CANTCREAT, path, 0, 0, "%s", strerror(errno));
    return outfile_write(real, text, len, mode, err);
}

static int run(void *ctx, arena *a, mp_err *err)
{
    const approve_args *args = ctx;
    int rc = check_name(args->by, err);
    mp_date today, on;
    int64_t now;
    if (rc || (rc = date_clock(&now, &today, err)))
        return rc;
    on = today;
    if (args->on && !date_parse_iso(args->on, strlen(args->on), &on))
        return err_set(err, EX_USAGE, NULL, 0, 0, "approve: --on takes a date as YYYY-MM-DD");
    if (on.year * 10000 + on.month * 100 + on.day >
        today.year * 10000 + today.month * 100 + today.day)
        return err_set(err, EX_USAGE, NULL, 0, 0, "approve: --on %s is after today", args->on);
    char on_iso[11];
    date_format_iso(on, on_iso);

    packet pk;
    if ((rc = packet_load(args->path, a, &pk, err)))
        return rc;
    if (pk.doc)
        return err_set(err, EX_USAGE, args->path, 0, 0,
                       "is a packet: approve each of its forms (and translations) by itself");
    const form *f = pk.entries[0].form;
    /* The shipped forms belong to the package, which replaces them on
     * upgrade: an approval written there would be lost, or hide the
     * clinic's review. The clinic approves its own copy. */
    const char *shipped = sysdirs_data();
    size_t nshipped = shipped ? strlen(shipped) : 0;
    if (nshipped && strncmp(f->doc->path, shipped, nshipped) == 0 && f->doc->path[nshipped] == '/')
        return err_set(err, EX_USAGE, f->doc->path, 0, 0,
                       "is a form the package ships: copy its folder into %s/forms and "
                       "approve the copy, which is printed in its place",
                       sysdirs_conf() ? sysdirs_conf() : "/etc/medpacket");
    approval ap;
    if ((rc = checked(&pk, args, a, err)))
        return rc;
    if (approval_examine(f, a, &ap))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    /* A translation is approved against its source's approved wording. */
    approval sap;
    if (ap.translation && !ap.source) {
        *err = ap.source_err;
        return err->code;
    }
    if (ap.translation && approval_examine(ap.source, a, &sap))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (ap.translation && sap.kind != APPROVAL_HOLDS)
        return node_err(err, EX_DATAERR, f->doc, f->translation_of.node,
                        "not approved: its source, %s, is not approved for its current wording "
                        "(%.*s); approve the source first",
                        ap.source->doc->path, WORDING_SHORT, ap.source->fingerprint);

    /* The record, key by key, each read back before the next. */
    ydoc doc = *f->doc;
    static const char *const after_status[] = {"version", "language", "status", NULL};
    static const char *const after_by[] = {"status", "approved_by", NULL};
    static const char *const after_on[] = {"status", "approved_by", "approved_on", NULL};
    static const char *const after_wording[] = {"status", "approved_by", "approved_on",
                                                "approved_wording", NULL};
    static const char *const after_form[] = {"form", NULL};
    if ((rc = set_key(&doc, NULL, "status", "approved", after_status, a, err)) ||
        (rc = set_key(&doc, NULL, "approved_by", args->by, after_by, a, err)) ||
        (rc = set_key(&doc, NULL, "approved_on", on_iso, after_on, a, err)) ||
        (rc = set_key(&doc, NULL, "approved_wording", f->fingerprint, after_wording, a, err)) ||
        (ap.translation && (rc = set_key(&doc, "translation_of", "wording", ap.source->fingerprint,
                                         after_form, a, err))) ||
        (rc = verify(&doc, f, args->by, on_iso, ap.translation ? ap.source->fingerprint : NULL, a,
                     err)))
        return rc;

    size_t wlen, slen = 0;
    const char *wtext = wording_text(f, a, &wlen);
    const char *stext = ap.translation ? wording_text(ap.source, a, &slen) : NULL;
    if (!wtext || (ap.translation && !stext))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    bool changed = doc.src_len != f->doc->src_len || memcmp(doc.src, f->doc->src, doc.src_len) != 0;
    if (changed && print_unified(f->doc->path, f->doc->src, f->doc->src_len, doc.src, doc.src_len))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    fflush(stdout);
    if (args->dry_run) {
        fprintf(stderr, "%s: dry run: nothing written\n", f->doc->path);
        return 0;
    }
    struct stat st;
    if (stat(f->doc->path, &st) != 0)
        return err_set(err, EX_NOINPUT, f->doc->path, 0, 0, "%s", strerror(errno));
    mode_t mode = st.st_mode & 0777;
    bool wrote = false;
    if ((rc = write_snapshot(&ap.approved, wtext, wlen, mode, &wrote, err)) ||
        (ap.translation &&
         (rc = write_snapshot(&ap.source_snapshot, stext, slen, mode, &wrote, err))) ||
        (changed && (rc = write_form(f->doc->path, f->doc, doc.src, doc.src_len, mode, a, err))))
        return rc;
    if (!changed && !wrote)
        fprintf(stderr, "%s: already approved by %s on %s for this wording: nothing to write\n",
                f->doc->path, args->by, on_iso);
    else
        fprintf(stderr,
                "%s: %s approved by %s on %s for wording %.*s; the wording is kept in %s%s%s\n",
                f->doc->path, f->id.s, args->by, on_iso, WORDING_SHORT, f->fingerprint,
                ap.approved.path, ap.translation ? " and the source's in " : "",
                ap.translation ? ap.source_snapshot.path : "");
    return 0;
}

static const cli_command approve_cmd = {.name = "approve", .usage = approve_usage};

int cmd_approve(int argc, char **argv)
{
    approve_args args = {0};
    const cli_option opts[] = {
        CLI_OPT_TEXT("by", 0, &args.by),
        CLI_OPT_TEXT("on", 0, &args.on),
        CLI_OPT_FLAG("dry-run", 'n', &args.dry_run),
        CLI_OPT_TEXT("clinic", 0, &args.clinic),
        CLI_OPT_END,
    };
    int rc = cli_parse_options(&approve_cmd, opts, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (argc - optind != 1)
        return cli_fail(EX_USAGE, "approve: name one form file");
    if (!args.by)
        return cli_fail(EX_USAGE, "approve: say who approves the form with --by NAME");
    args.path = argv[optind];
    return cli_run(0, run, &args);
}
