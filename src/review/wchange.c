/*
 * wchange.c — see wchange.h.
 */
#include "wchange.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "wdiff.h"

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

static int print_word_diff(FILE *out, const char *old, const char *new)
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
    fprintf(out, "~ %.*s:", (int)n, new);
    for (size_t i = 0; i < ne; i++) {
        if (e[i].op == WDIFF_SAME) {
            fprintf(out, " %s", wa[e[i].a]);
            continue;
        }
        /* A run of removals, then a run of additions, bracketed once each. */
        wdiff_op op = e[i].op;
        fputs(op == WDIFF_DEL ? " [-" : " {+", out);
        size_t j = i;
        for (; j < ne && e[j].op == op; j++)
            fprintf(out, "%s%s", j > i ? " " : "", op == WDIFF_DEL ? wa[e[j].a] : wb[e[j].b]);
        fputs(op == WDIFF_DEL ? "-]" : "+}", out);
        i = j - 1;
    }
    fputc('\n', out);
    free(e);
    wdiff_words_free(wa);
    wdiff_words_free(wb);
    return 0;
}

/* Where the changes go: printed to out (when not NULL), and the names of
 * the sections they are in collected (when names is not NULL). */
typedef struct sink {
    FILE *out;
    mp_buf *names;
    const char *last_named;
} sink;

static void name_section(sink *s, const char *heading)
{
    if (!s->names || heading == s->last_named)
        return;
    s->last_named = heading;
    buf_putf(s->names, "%s\"%s\"", s->names->len ? ", " : "",
             heading ? heading : "(before the first heading)");
}

/* The changes, edit by edit, under the heading each belongs to: 0, or -1
 * when a changed line's word diff ran out of memory. */
static int walk_changes(sink *s, const char **la, const char **lb, const wdiff_edit *e, size_t ne)
{
    int rc = 0;
    const char *heading = NULL, *shown_heading = NULL;
    size_t changes = 0;
    FILE *out = s->out;
    for (size_t i = 0; i < ne; i++) {
        const char *line = e[i].op == WDIFF_ADD ? lb[e[i].b] : la[e[i].a];
        if (strncmp(line, "heading: ", 9) == 0 && e[i].op == WDIFF_SAME)
            heading = line + 9;
        if (e[i].op == WDIFF_SAME)
            continue;
        name_section(s, heading);
        if (out && heading != shown_heading) {
            fprintf(out, "@@ %s\n", heading);
            shown_heading = heading;
        } else if (out && !heading && !changes) {
            fprintf(out, "@@ (before the first heading)\n");
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
        for (size_t k = 0; out && k < nd; k++) {
            const char *old = la[e[i + k].a];
            if (k < pair && same_label(old, lb[e[dels + k].b])) {
                if (print_word_diff(out, old, lb[e[dels + k].b]))
                    rc = -1;
            } else {
                fprintf(out, "- %s\n", old);
                if (k < pair)
                    fprintf(out, "+ %s\n", lb[e[dels + k].b]);
            }
        }
        for (size_t k = pair; out && k < nadd; k++)
            fprintf(out, "+ %s\n", lb[e[dels + k].b]);
        if (out && nd == 0 && nadd == 0)
            fprintf(out, "+ %s\n", line);
        i = (nd || nadd) ? adds - 1 : i;
    }
    return rc;
}

/* Both texts as lines (in copies), compared, and the changes walked. */
static int compare(sink *s, const char *old_text, const char *new_text)
{
    char *ta = strdup(old_text), *tb = strdup(new_text);
    const char **la = NULL, **lb = NULL;
    size_t na = ta ? lines_of(ta, &la) : (size_t)-1;
    size_t nb = tb ? lines_of(tb, &lb) : (size_t)-1;
    wdiff_edit *e = NULL;
    size_t ne = 0;
    int rc = -1;
    if (na != (size_t)-1 && nb != (size_t)-1 && !wdiff(la, na, lb, nb, &e, &ne))
        rc = walk_changes(s, la, lb, e, ne);
    free(e);
    if (na != (size_t)-1)
        free(la);
    if (nb != (size_t)-1)
        free(lb);
    free(ta);
    free(tb);
    return rc;
}

int wchange_print(FILE *out, const char *old_text, const char *new_text)
{
    sink s = {.out = out};
    return compare(&s, old_text, new_text);
}

const char *wchange_sections(const char *old_text, const char *new_text, arena *a)
{
    mp_buf names;
    buf_init(&names, a);
    sink s = {.names = &names};
    if (compare(&s, old_text, new_text) || names.oom)
        return NULL;
    return buf_str(&names);
}
