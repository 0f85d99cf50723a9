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

#include "cmd.h"
#include "wdiff.h"
#include "wording.h"

static void diff_usage(FILE *out)
{
    fputs("usage: medpacket diff OLD.yaml NEW.yaml\n"
          "\n"
          "Shows what changed in the wording between two versions of a form, block by\n"
          "block: lines removed (-), added (+), and changed (~, with the changed words\n"
          "marked [-old-]{+new+}), each under the heading it belongs to, and whether the\n"
          "wording fingerprint changed. Changes of YAML layout, comments, key order or\n"
          "page breaks are not wording changes.\n"
          "\n"
          "Exit status, as diff(1): 0 when the wording is the same, 1 when it differs;\n"
          "65 or 66 when a form cannot be read (see 'medpacket --help').\n",
          out);
}

/* The canonical lines of a form, without the format line. */
static size_t lines_of(char *text, const char ***out)
{
    size_t n = 0;
    for (char *p = text; *p; p++)
        n += *p == '\n';
    const char **v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return (size_t)-1;
    size_t k = 0;
    char *line = strchr(text, '\n'); /* skip "medpacket-wording 1" */
    line = line ? line + 1 : text + strlen(text);
    while (*line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        v[k++] = line;
        if (!nl)
            break;
        line = nl + 1;
    }
    *out = v;
    return k;
}

/* "risk" of "risk: Pain | ..." */
static size_t label_len(const char *line)
{
    const char *colon = strchr(line, ':');
    return colon ? (size_t)(colon - line) : 0;
}

static bool same_label(const char *x, const char *y)
{
    size_t n = label_len(x);
    return n && n == label_len(y) && strncmp(x, y, n) == 0;
}

static int print_word_diff(const char *old, const char *new)
{
    size_t n = label_len(new);
    char **wa, **wb;
    size_t na = wdiff_words(old + n + 1, &wa);
    size_t nb = wdiff_words(new + n + 1, &wb);
    wdiff_edit *e = NULL;
    size_t ne = 0;
    if (na == (size_t)-1 || nb == (size_t)-1 ||
        wdiff((const char *const *)wa, na, (const char *const *)wb, nb, &e, &ne)) {
        if (na != (size_t)-1)
            wdiff_words_free(wa);
        if (nb != (size_t)-1)
            wdiff_words_free(wb);
        return -1;
    }
    printf("~ %.*s:", (int)n, new);
    for (size_t i = 0; i < ne; i++) {
        if (e[i].op == WDIFF_SAME) {
            printf(" %s", wa[e[i].a]);
            continue;
        }
        /* A run of removals, then a run of additions, bracketed once each. */
        wdiff_op op = e[i].op;
        printf(op == WDIFF_DEL ? " [-" : " {+");
        size_t j = i;
        for (; j < ne && e[j].op == op; j++)
            printf("%s%s", j > i ? " " : "", op == WDIFF_DEL ? wa[e[j].a] : wb[e[j].b]);
        printf(op == WDIFF_DEL ? "-]" : "+}");
        i = j - 1;
    }
    printf("\n");
    free(e);
    wdiff_words_free(wa);
    wdiff_words_free(wb);
    return 0;
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

/* The changes, edit by edit, under the heading each belongs to: 0, or
 * EX_OSERR when a changed line's word diff ran out of memory. */
static int print_changes(const char **la, const char **lb, const wdiff_edit *e, size_t ne)
{
    int rc = 0;
    const char *heading = NULL, *shown_heading = NULL;
    size_t changes = 0;
    for (size_t i = 0; i < ne; i++) {
        const char *line = e[i].op == WDIFF_ADD ? lb[e[i].b] : la[e[i].a];
        if (strncmp(line, "heading: ", 9) == 0 && e[i].op == WDIFF_SAME)
            heading = line + 9;
        if (e[i].op == WDIFF_SAME)
            continue;
        if (heading != shown_heading) {
            printf("@@ %s\n", heading);
            shown_heading = heading;
        } else if (!heading && !changes) {
            printf("@@ (before the first heading)\n");
        }
        changes++;
        /* Removals followed by additions: pair those of the same kind. */
        size_t dels = i, adds;
        while (dels < ne && e[dels].op == WDIFF_DEL)
            dels++;
        adds = dels;
        while (adds < ne && e[adds].op == WDIFF_ADD)
            adds++;
        size_t nd = dels - i, nadd = adds - dels;
        size_t pair = nd < nadd ? nd : nadd;
        for (size_t k = 0; k < nd; k++) {
            const char *old = la[e[i + k].a];
            if (k < pair && same_label(old, lb[e[dels + k].b])) {
                if (print_word_diff(old, lb[e[dels + k].b]))
                    rc = EX_OSERR;
            } else {
                printf("- %s\n", old);
                if (k < pair)
                    printf("+ %s\n", lb[e[dels + k].b]);
            }
        }
        for (size_t k = pair; k < nadd; k++)
            printf("+ %s\n", lb[e[dels + k].b]);
        if (nd == 0 && nadd == 0)
            printf("+ %s\n", line);
        i = (nd || nadd) ? adds - 1 : i;
    }
    return rc;
}

static const cli_command diff_cmd = {.name = "diff", .usage = diff_usage};

/* The two forms' names, as given. */
typedef struct diff_args {
    const char *old_path, *new_path;
} diff_args;

/* Compares the two forms of args (ctx): 0 when their wording is the same,
 * 1 when it differs, else an error code with err set. */
static int run(void *ctx, arena *a, mp_err *err)
{
    const diff_args *args = ctx;
    const form *fa, *fb;
    int rc = load_form(args->old_path, a, &fa, err);
    if (!rc)
        rc = load_form(args->new_path, a, &fb, err);
    char *ta = NULL, *tb = NULL;
    if (!rc && (!(ta = wording_text(fa, a, NULL)) || !(tb = wording_text(fb, a, NULL))))
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (rc)
        return rc;
    const char **la = NULL, **lb = NULL;
    size_t na = lines_of(ta, &la), nb = lines_of(tb, &lb);
    wdiff_edit *e = NULL;
    size_t ne = 0;
    if (na == (size_t)-1 || nb == (size_t)-1 || wdiff(la, na, lb, nb, &e, &ne)) {
        free(la);
        free(lb);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    bool same = strcmp(fa->fingerprint, fb->fingerprint) == 0;
    printf("--- %s  %s version %s  wording %s\n", args->old_path, fa->id.s, fa->version.s,
           fa->fingerprint);
    printf("+++ %s  %s version %s  wording %s\n", args->new_path, fb->id.s, fb->version.s,
           fb->fingerprint);
    rc = print_changes(la, lb, e, ne);
    if (same)
        printf("wording unchanged: fingerprint %s\n", fa->fingerprint);
    else
        printf("wording changed: fingerprint %.*s -> %.*s\n", WORDING_SHORT, fa->fingerprint,
               WORDING_SHORT, fb->fingerprint);
    free(e);
    free(la);
    free(lb);
    if (rc)
        return err_set(err, rc, NULL, 0, 0, "out of memory");
    return same ? 0 : 1;
}

int cmd_diff(int argc, char **argv)
{
    const cli_option none[] = {CLI_OPT_END};
    int rc = cli_parse_options(&diff_cmd, none, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (argc - optind != 2)
        return cli_fail(EX_USAGE, "diff: name two form files, the old and the new");
    diff_args args = {argv[optind], argv[optind + 1]};
    return cli_run(0, run, &args);
}
