/*
 * cmd_diff.c — `medpacket diff OLD.yaml NEW.yaml`: what changed in the
 * wording between two versions of a form.
 *
 * Both forms are reduced to their canonical wording (wording.h), one line
 * per unit of wording; the lines are compared (wdiff), and a removed line
 * followed by an added line of the same kind (a paragraph, a risk ...) is
 * shown as one changed line with the changed words marked [-old-]{+new+}.
 * Layout-only edits (YAML formatting, comments, key order, page breaks) give
 * the same canonical wording, so they are no change.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "cmd.h"
#include "wchange.h"
#include "wording.h"

static void diff_usage(FILE *out)
{
    fputs("usage: medpacket diff OLD.yaml NEW.yaml\n"
          "       medpacket diff --since-approval FORM.yaml\n"
          "\n"
          "Shows what changed in the wording between two versions of a form, block by\n"
          "block: lines removed (-), added (+), and changed (~, with the changed words\n"
          "marked [-old-]{+new+}), each under the heading it belongs to, and whether the\n"
          "wording fingerprint changed. Changes of YAML layout, comments, key order or\n"
          "page breaks are not wording changes.\n"
          "\n"
          "\n"
          "With --since-approval, shows what changed in FORM.yaml since it was approved:\n"
          "its wording against the approved wording `medpacket approve` kept beside it\n"
          "(FORM.approved.txt) and, for a translation, its source's wording against the\n"
          "source wording it translates (FORM.source.txt). diff warns when the wording\n"
          "of two versions differs and their version: does not.\n"
          "\n"
          "Exit status, as diff(1): 0 when the wording is the same, 1 when it differs;\n"
          "65 or 66 when a form or snapshot cannot be read (see 'medpacket --help').\n",
          out);
}

static int load_form(const char *path, arena *a, const form **f, mp_err *err)
{
    packet *p = arena_alloc(a, sizeof *p);
    if (!p)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    int rc = packet_load(path, a, p, err);
    if (rc)
        return rc;
    if (p->doc)
        return err_set(err, EX_USAGE, path, 0, 0, "is a packet; diff compares two forms");
    *f = p->entries[0].form;
    return 0;
}

static const cli_command diff_cmd = {.name = "diff", .usage = diff_usage};

/* The two forms' names, as given; or the one form with --since-approval. */
typedef struct diff_args {
    const char *old_path, *new_path;
    bool since_approval;
} diff_args;

/* Prints what changed from old to new (two canonical texts); true when
 * they differ. */
static int show(const char *old_text, const char *new_text, bool *differs, mp_err *err)
{
    *differs = strcmp(old_text, new_text) != 0;
    if (wchange_print(stdout, old_text, new_text))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    return 0;
}

/* Compares the two forms of args: 0 when their wording is the same, 1 when
 * it differs, else an error code with err set. */
static int run_two(const diff_args *args, arena *a, mp_err *err)
{
    const form *fa, *fb;
    int rc = load_form(args->old_path, a, &fa, err);
    if (!rc)
        rc = load_form(args->new_path, a, &fb, err);
    char *ta = NULL, *tb = NULL;
    if (!rc && (!(ta = wording_text(fa, a, NULL)) || !(tb = wording_text(fb, a, NULL))))
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (rc)
        return rc;
    printf("--- %s  %s version %s  wording %s\n", args->old_path, fa->id.s, fa->version.s,
           fa->fingerprint);
    printf("+++ %s  %s version %s  wording %s\n", args->new_path, fb->id.s, fb->version.s,
           fb->fingerprint);
    bool differs;
    if ((rc = show(ta, tb, &differs, err)))
        return rc;
    if (!differs) {
        printf("wording unchanged: fingerprint %s\n", fa->fingerprint);
        return 0;
    }
    printf("wording changed: fingerprint %.*s -> %.*s\n", WORDING_SHORT, fa->fingerprint,
           WORDING_SHORT, fb->fingerprint);
    /* A signed paper names the version: new wording under an old version
     * number cannot be told apart from the old on the page. */
    if (strcmp(fa->version.s, fb->version.s) == 0)
        fprintf(stderr,
                "%s:%d:%d: warning: the wording changed but version is still \"%s\": give the "
                "new wording a new version\n",
                args->new_path, fb->version.node->line, fb->version.node->col, fb->version.s);
    return 1;
}

/* A snapshot beside a form, which must be the one its record names. */
static int usable(const form *f, const snapshot *s, const char *what, const char *want, mp_err *err)
{
    if (s->state == SNAPSHOT_MATCHES)
        return 0;
    if (s->state == SNAPSHOT_ABSENT)
        return err_set(err, EX_NOINPUT, s->path, 0, 0,
                       "no %s is kept beside %s: `medpacket approve` writes it", what,
                       f->doc->path);
    if (s->state == SNAPSHOT_UNREADABLE)
        return err_set(err, EX_NOINPUT, s->path, 0, 0, "cannot read the %s: %s", what,
                       strerror(s->errnum));
    return err_set(err, EX_DATAERR, s->path, 0, 0,
                   "this is not the %s: its fingerprint is %.*s, the approval's %.*s (was it "
                   "edited by hand?)",
                   what, WORDING_SHORT, s->sha256, WORDING_SHORT, want);
}

/* What changed in a form since its approval: its own wording against the
 * snapshot approve kept and, for a translation, its source's wording
 * against the source wording it translates. */
static int run_since(const diff_args *args, arena *a, mp_err *err)
{
    const form *f;
    int rc = load_form(args->new_path, a, &f, err);
    approval ap;
    if (!rc && approval_examine(f, a, &ap))
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (rc)
        return rc;
    if (!f->approved_wording.s)
        return node_err(err, EX_DATAERR, f->doc, f->status_node,
                        "form %s has no approval recorded (approved_wording:): nothing to compare",
                        f->id.s);
    if ((rc = usable(f, &ap.approved, "approved wording", f->approved_wording.s, err)))
        return rc;
    const char *now = wording_text(f, a, NULL);
    if (!now)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    printf("--- %s  %s approved by %s on %s  wording %s\n", ap.approved.path, f->id.s,
           f->approved_by.s ? f->approved_by.s : "(no one named)",
           f->approved_on.s ? f->approved_on.s : "(no date)", f->approved_wording.s);
    printf("+++ %s  %s version %s  wording %s\n", f->doc->path, f->id.s, f->version.s,
           f->fingerprint);
    bool differs, source_differs = false;
    if ((rc = show(ap.approved.text, now, &differs, err)))
        return rc;
    if (differs)
        printf("wording changed since approval: fingerprint %.*s -> %.*s\n", WORDING_SHORT,
               f->approved_wording.s, WORDING_SHORT, f->fingerprint);
    else
        printf("wording unchanged since approval: fingerprint %s\n", f->fingerprint);
    if (ap.translation && ap.source && ap.source_recorded) {
        if ((rc = usable(f, &ap.source_snapshot, "source wording", f->source_wording.s, err)))
            return rc;
        const char *src = wording_text(ap.source, a, NULL);
        if (!src)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        printf("--- %s  the source wording %s translates  wording %s\n", ap.source_snapshot.path,
               f->id.s, f->source_wording.s);
        printf("+++ %s  %s version %s  wording %s\n", ap.source->doc->path, ap.source->id.s,
               ap.source->version.s, ap.source->fingerprint);
        if ((rc = show(ap.source_snapshot.text, src, &source_differs, err)))
            return rc;
        if (source_differs)
            printf("source wording changed since the translation's approval: fingerprint %.*s "
                   "-> %.*s\n",
                   WORDING_SHORT, f->source_wording.s, WORDING_SHORT, ap.source->fingerprint);
        else
            printf("source wording unchanged: fingerprint %s\n", ap.source->fingerprint);
    }
    return differs || source_differs ? 1 : 0;
}

static int run(void *ctx, arena *a, mp_err *err)
{
    const diff_args *args = ctx;
    return args->since_approval ? run_since(args, a, err) : run_two(args, a, err);
}

int cmd_diff(int argc, char **argv)
{
    diff_args args = {0};
    const cli_option opts[] = {CLI_OPT_FLAG("since-approval", 0, &args.since_approval),
                               CLI_OPT_END};
    int rc = cli_parse_options(&diff_cmd, opts, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (args.since_approval) {
        if (argc - optind != 1)
            return cli_fail(EX_USAGE, "diff --since-approval: name one form file");
        args.new_path = argv[optind];
    } else {
        if (argc - optind != 2)
            return cli_fail(EX_USAGE, "diff: name two form files, the old and the new");
        args.old_path = argv[optind];
        args.new_path = argv[optind + 1];
    }
    return cli_run(0, run, &args);
}
