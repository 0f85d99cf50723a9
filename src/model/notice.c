/*
 * notice.c — see notice.h.
 */
#include "notice.h"

#include <stdio.h>
#include <string.h>

#include "schema.h"

int notice_load(const clinic *c, const packet *p, arena *a, packet_entry **out, size_t *n,
                mp_err *err)
{
    *out = NULL;
    *n = 0;
    if (!c->notice_dir)
        return node_err(err, EX_CONFIG, p->doc, p->notice_node,
                        "the packet prints the language notice, but the clinic settings (%s) "
                        "name no language_notice folder",
                        c->doc ? c->doc->path : "none found");
    size_t count = c->nnotice_languages + 1;
    packet_entry *e = arena_array(a, count, sizeof *e);
    if (!e)
        return OOM(err);
    for (size_t i = 0; i < count; i++) {
        const mp_text *named = i ? &c->notice_languages[i - 1] : &c->language_notice;
        const char *tag = i ? named->s : "en";
        const char *path = arena_printf(a, "%s/%s.yaml", c->notice_dir, tag);
        if (!path)
            return OOM(err);
        packet one;
        int rc = packet_load(path, a, &one, err);
        /* A language without its file is told where the settings list it. */
        if (rc == EX_NOINPUT && err->errnum)
            return node_err(err, rc, c->doc, named->node, "no %s notice: cannot open %s: %s", tag,
                            path, strerror(err->errnum));
        if (rc)
            return rc;
        const form *f = one.entries[0].form;
        if (f->kind != FORM_NOTICE)
            return node_err(err, EX_DATAERR, f->doc, ydoc_get(f->doc->root, "kind"),
                            "the clinic's language notice folder holds a %s, not a notice "
                            "(kind: notice)",
                            f->kind == FORM_CONSENT ? "consent" : "handout");
        if (strcmp(f->language.s, tag) != 0)
            return node_err(err, EX_DATAERR, f->doc, f->language.node,
                            "the %s notice is in language \"%s\"", tag, f->language.s);
        e[i] = one.entries[0];
    }
    *out = e;
    *n = count;
    return 0;
}

int notice_attach(packet *p, const packet_entry *notice, size_t n, arena *a, mp_err *err)
{
    if (p->notice == NOTICE_NONE || n == 0)
        return 0;
    packet_entry *all = arena_array(a, p->nentries + n, sizeof *all);
    if (!all)
        return OOM(err);
    size_t at = p->notice == NOTICE_FIRST ? 0 : p->nentries;
    memcpy(all + (at ? 0 : n), p->entries, p->nentries * sizeof *all);
    memcpy(all + at, notice, n * sizeof *all);
    p->entries = all;
    p->nentries += n;
    return 0;
}
