/*
 * packet.c — YAML → packets: the forms printed together, their translations
 * and languages (see form.h). A single form file is a packet of one. The
 * wording fingerprint of each form is computed here, once it has loaded.
 */
#include "form.h"

#include "msg.h"
#include "schema.h"
#include "sysdirs.h"
#include "wording.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A form, and its wording fingerprint: computed once per load, not per
 * patient (every page footer prints it), here rather than in form.c so that
 * the form model does not depend on the wording built from it. */
static int form_load_doc_fp(const ydoc *doc, const ynode *root, form *f, arena *a, mp_err *err)
{
    int rc = form_load_doc(doc, root, f, a, err);
    if (!rc && wording_fingerprint(f, a, f->fingerprint))
        return OOM(err);
    return rc;
}

/* Loads a YAML file whose root must be a mapping with a `kind:`. */
static int load_root(const char *path, arena *a, ydoc **doc, const ynode **kind, mp_err *err)
{
    int rc = ydoc_open(path, a, doc, err);
    if (rc)
        return rc;
    const ynode *root = (*doc)->root;
    if ((rc = schema_expect_kind(*doc, root, YNODE_MAP, "a form file", err)))
        return rc;
    *kind = ydoc_get(root, "kind");
    if (!*kind)
        return node_err(err, EX_DATAERR, *doc, root,
                        "missing required key \"kind\" (handout, consent, notice or packet)");
    if ((*kind)->kind != YNODE_SCALAR)
        return schema_expect_kind(*doc, *kind, YNODE_SCALAR, "kind", err);
    static const char *const kinds[] = {"handout", "consent", "notice", "packet", NULL};
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp((*kind)->str, kinds[i]) == 0)
            return 0;
    return schema_unknown_word(err, *doc, *kind, "kind", NULL, kinds);
}

/* language_notice: first | last: where the clinic's notice of free
 * language help goes in this packet. */
static int load_notice_at(const ydoc *doc, const ynode *root, packet *out, arena *a, mp_err *err)
{
    mp_text at = {0};
    int rc = schema_optional_text(doc, root, "language_notice", &at, a, err);
    if (rc || !at.s)
        return rc;
    out->notice_node = at.node;
    if (strcmp(at.s, "first") == 0)
        out->notice = NOTICE_FIRST;
    else if (strcmp(at.s, "last") == 0)
        out->notice = NOTICE_LAST;
    else {
        static const char *const where[] = {"first", "last", NULL};
        return schema_unknown_word(err, doc, at.node, "language_notice", NULL, where);
    }
    return 0;
}

/* A packet's form path: relative and inside the packet's folder. */
static int safe_relative(const ydoc *doc, const mp_text *t, mp_err *err)
{
    if (t->s[0] == '/')
        return node_err(err, EX_DATAERR, doc, t->node,
                        "form path \"%s\" is absolute; name it relative to the packet", t->s);
    const char *p = t->s;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return node_err(err, EX_DATAERR, doc, t->node,
                            "form path \"%s\" leaves the packet's folder (\"..\")", t->s);
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

/* `translations:` maps language codes to the same packet (or form) in that
 * language, by a path that stays inside this file's folder. */
static int load_translations(const ydoc *doc, const ynode *root, packet *out, arena *a, mp_err *err)
{
    const ynode *t = ydoc_get(root, "translations");
    if (!t)
        return 0;
    int rc = schema_expect_kind(doc, t, YNODE_MAP, "translations", err);
    if (rc)
        return rc;
    out->translations = arena_array(a, t->count, sizeof *out->translations);
    if (t->count && !out->translations)
        return OOM(err);
    const char *dir = schema_dir_of(doc->path, a);
    for (size_t i = 0; i < t->count; i++) {
        packet_translation *pt = &out->translations[i];
        const ynode *k = t->keys[i];
        if (!msg_is_language_tag(k->str))
            return node_err(err, EX_DATAERR, doc, k,
                            "translation language \"%s\" is not a language tag (such as es, ar, "
                            "zh-Hant)",
                            k->str);
        pt->lang = (mp_text){.s = k->str, .len = k->len, .doc = doc, .node = k};
        mp_text rel;
        if ((rc = schema_get_text(doc, t->vals[i], "a translation", &rel, a, err)) ||
            (rc = safe_relative(doc, &rel, err)))
            return rc;
        pt->path = schema_join(a, dir, rel.s);
        if (!pt->path)
            return OOM(err);
    }
    out->ntranslations = t->count;
    return 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

const char *packet_find(const char *path, arena *a)
{
    if (path[0] == '/' || exists(path))
        return path;
    /* The clinic's own forms first: a clinic that changes a shipped form
     * keeps its copy under the same name, and that copy wins. */
    const char *dirs[2] = {sysdirs_conf(), sysdirs_data()};
    for (int i = 0; i < 2; i++) {
        const char *cand = dirs[i] ? arena_printf(a, "%s/forms/%s", dirs[i], path) : NULL;
        if (cand && exists(cand))
            return cand;
    }
    return path;
}

int packet_load(const char *path, arena *a, packet *out, mp_err *err)
{
    memset(out, 0, sizeof *out);
    ydoc *doc;
    const ynode *kind;
    int rc = load_root(packet_find(path, a), a, &doc, &kind, err);
    if (rc)
        return rc;
    const ynode *root = doc->root;

    if (strcmp(kind->str, "packet") != 0) {
        out->entries = arena_alloc(a, sizeof *out->entries);
        form *f = arena_alloc(a, sizeof *f);
        if (!out->entries || !f)
            return OOM(err);
        if ((rc = form_load_doc_fp(doc, root, f, a, err)))
            return rc;
        out->entries[0].path = doc->path;
        out->entries[0].form = f;
        out->nentries = 1;
        out->id = f->id;
        out->title = f->title;
        out->clinic = f->clinic;
        out->language = f->language.s;
        return load_translations(doc, root, out, a, err);
    }

    static const char *const keys[] = {"kind",         "id",    "title",           "clinic",
                                       "translations", "forms", "language_notice", NULL};
    if ((rc = schema_check_keys(doc, root, "a packet", keys, err)) ||
        (rc = load_notice_at(doc, root, out, a, err)) ||
        (rc = schema_required_text(doc, root, "id", "a packet", &out->id, a, err)) ||
        (rc = schema_required_text(doc, root, "title", "a packet", &out->title, a, err)) ||
        (rc = schema_optional_text(doc, root, "clinic", &out->clinic, a, err)))
        return rc;
    out->doc = doc;
    const ynode *forms;
    if ((rc = schema_required(doc, root, "forms", "a packet", &forms, err)) ||
        (rc = schema_expect_kind(doc, forms, YNODE_SEQ, "forms", err)))
        return rc;
    if (forms->count == 0)
        return node_err(err, EX_DATAERR, doc, forms, "forms is empty");
    out->entries = arena_array(a, forms->count, sizeof *out->entries);
    if (!out->entries)
        return OOM(err);
    out->nentries = forms->count;
    const char *dir = schema_dir_of(doc->path, a);
    if (!dir)
        return OOM(err);
    static const char *const entry_keys[] = {"form", "copy", NULL};
    for (size_t i = 0; i < forms->count; i++) {
        const ynode *e = forms->items[i];
        packet_entry *pe = &out->entries[i];
        mp_text rel = {0};
        if (e->kind == YNODE_MAP) {
            if ((rc = schema_check_keys(doc, e, "a packet entry", entry_keys, err)) ||
                (rc = schema_required_text(doc, e, "form", "a packet entry", &rel, a, err)) ||
                (rc = schema_optional_text(doc, e, "copy", &pe->copy_label, a, err)))
                return rc;
        } else if ((rc = schema_get_text(doc, e, "a packet entry", &rel, a, err))) {
            return rc;
        }
        if ((rc = safe_relative(doc, &rel, err)))
            return rc;
        pe->path = schema_join(a, dir, rel.s);
        pe->form = arena_alloc(a, sizeof *pe->form);
        if (!pe->path || !pe->form)
            return OOM(err);
        ydoc *fdoc;
        const ynode *fkind;
        if ((rc = load_root(pe->path, a, &fdoc, &fkind, err))) {
            /* A form that cannot be opened is reported where the packet names it. */
            if (rc == EX_NOINPUT && err->errnum)
                return node_err(err, rc, doc, rel.node, "cannot open form \"%s\": %s", rel.s,
                                strerror(err->errnum));
            return rc;
        }
        if (strcmp(fkind->str, "packet") == 0)
            return node_err(err, EX_DATAERR, doc, rel.node,
                            "\"%s\" is a packet; a packet lists forms, not packets", rel.s);
        if (strcmp(fkind->str, "notice") == 0)
            return node_err(err, EX_DATAERR, doc, rel.node,
                            "\"%s\" is a language notice: the clinic's notice is printed in all "
                            "its languages with `language_notice: last` (or first), not listed",
                            rel.s);
        if ((rc = form_load_doc_fp(fdoc, fdoc->root, pe->form, a, err)))
            return rc;
    }
    out->language = out->entries[0].form->language.s;
    return load_translations(doc, root, out, a, err);
}

const packet *packet_pick(const packet *const *variants, size_t n, const char *requested,
                          packet_choice *choice)
{
    packet_choice c = {.packet = variants[0], .fit = PACKET_NOT_ASKED};
    if (requested && requested[strspn(requested, " \t")]) {
        c.fit = PACKET_UNKNOWN;
        /* The words kept for the report, cut between characters. */
        size_t k = strlen(requested);
        if (k >= sizeof c.asked)
            for (k = sizeof c.asked - 1; k && ((unsigned char)requested[k] & 0xC0) == 0x80;)
                k--;
        memcpy(c.asked, requested, k);
        c.asked[k] = '\0';
        if (language_resolve(requested, c.asked_tag, sizeof c.asked_tag)) {
            language_fit best = LANGUAGE_OTHER;
            for (size_t i = 0; i < n; i++) {
                language_fit fit = language_fit_of(c.asked_tag, variants[i]->language);
                if (fit < best) {
                    best = fit;
                    c.packet = variants[i];
                }
            }
            c.fit = best == LANGUAGE_EXACT          ? PACKET_EXACT
                    : best <= LANGUAGE_COMPATIBLE   ? PACKET_COMPATIBLE
                    : best == LANGUAGE_OTHER_SCRIPT ? PACKET_OTHER_SCRIPT
                                                    : PACKET_MISSING;
        }
    }
    if (choice)
        *choice = c;
    return c.packet;
}
