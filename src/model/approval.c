/*
 * approval.c — see approval.h.
 */
#include "approval.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "schema.h"
#include "sha256.h"
#include "wording.h"

/* A snapshot is the canonical text of one form's wording: as large as the
 * text a form may hold (ydoc.h), and the lines that name each unit. */
#define SNAPSHOT_MAX (YDOC_MAX_BYTES + (1u << 20))

static const char *beside(const char *form_path, const char *suffix, arena *a)
{
    size_t n = strlen(form_path);
    const char *slash = strrchr(form_path, '/');
    const char *dot = strrchr(form_path, '.');
    if (dot && (!slash || dot > slash + 1) &&
        (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0))
        n = (size_t)(dot - form_path);
    return arena_printf(a, "%.*s%s", (int)n, form_path, suffix);
}

const char *approval_snapshot_path(const char *form_path, arena *a)
{
    return beside(form_path, ".approved.txt", a);
}

const char *approval_source_snapshot_path(const char *form_path, arena *a)
{
    return beside(form_path, ".source.txt", a);
}

void approval_read_snapshot(const char *path, arena *a, const char *want, snapshot *out)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    FILE *fp = path ? fopen(path, "rb") : NULL;
    if (!fp) {
        out->state = !path || errno == ENOENT ? SNAPSHOT_ABSENT : SNAPSHOT_UNREADABLE;
        out->errnum = path ? errno : ENOMEM;
        return;
    }
    struct stat st;
    size_t cap = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
                         (unsigned long long)st.st_size < SNAPSHOT_MAX
                     ? (size_t)st.st_size + 1
                     : SNAPSHOT_MAX + 1;
    /* The size is read again, not trusted: the file may grow meanwhile. */
    char *buf = arena_alloc(a, cap + 1);
    size_t n = buf ? fread(buf, 1, cap, fp) : 0;
    bool bad = !buf || ferror(fp) || n >= cap;
    int e = !buf ? ENOMEM : n >= cap ? EFBIG : EIO;
    fclose(fp);
    if (bad || sha256_hex(buf, n, out->sha256)) {
        out->state = SNAPSHOT_UNREADABLE;
        out->errnum = e;
        return;
    }
    buf[n] = '\0';
    out->text = buf;
    out->len = n;
    out->state = want && strcmp(out->sha256, want) == 0 ? SNAPSHOT_MATCHES : SNAPSHOT_DIFFERS;
}

/* The source a translation names, as a single form. */
static int load_source(const form *f, arena *a, approval *out)
{
    packet *p = arena_alloc(a, sizeof *p);
    if (!p)
        return EX_OSERR;
    err_clear(&out->source_err);
    int rc = packet_load(f->translation_of_path, a, p, &out->source_err);
    if (rc == EX_OSERR)
        return rc;
    if (rc) {
        /* Said where the translation names it, with the loader's reason. */
        mp_err inner = out->source_err;
        node_err(&out->source_err, EX_DATAERR, f->doc, f->translation_of.node,
                 "translation_of: form \"%s\" does not load: %s%s%s", f->translation_of.s,
                 inner.file, inner.file[0] ? ": " : "", inner.msg);
        return 0;
    }
    if (p->doc) {
        node_err(&out->source_err, EX_DATAERR, f->doc, f->translation_of.node,
                 "translation_of: form \"%s\" is a packet; name the form this one translates",
                 f->translation_of.s);
        return 0;
    }
    out->source = p->entries[0].form;
    return 0;
}

int approval_examine(const form *f, arena *a, approval *out)
{
    memset(out, 0, sizeof *out);
    if (f->status == FORM_DRAFT)
        out->kind = APPROVAL_DRAFT;
    else if (!f->approved_wording.s)
        out->kind = APPROVAL_UNRECORDED;
    else if (strcmp(f->approved_wording.s, f->fingerprint) != 0)
        out->kind = APPROVAL_MOVED;
    else
        out->kind = APPROVAL_HOLDS;
    const char *path = approval_snapshot_path(f->doc->path, a);
    if (!path)
        return EX_OSERR;
    approval_read_snapshot(path, a, f->approved_wording.s, &out->approved);
    if (out->approved.errnum == ENOMEM)
        return EX_OSERR;
    if (!f->translation_of.s)
        return 0;
    out->translation = true;
    int rc = load_source(f, a, out);
    if (rc)
        return rc;
    out->source_recorded = f->source_wording.s != NULL;
    out->stale = out->source && out->source_recorded &&
                 strcmp(f->source_wording.s, out->source->fingerprint) != 0;
    const char *spath = approval_source_snapshot_path(f->doc->path, a);
    if (!spath)
        return EX_OSERR;
    approval_read_snapshot(spath, a, f->source_wording.s, &out->source_snapshot);
    return out->source_snapshot.errnum == ENOMEM ? EX_OSERR : 0;
}

int approval_problem(const form *f, const approval *ap, bool allow_stale, const char *changed,
                     mp_err *err)
{
    const char *path = f->doc->path;
    switch (ap->kind) {
    case APPROVAL_DRAFT:
    case APPROVAL_HOLDS:
        break;
    case APPROVAL_UNRECORDED:
        return node_err(err, EX_DATAERR, f->doc, f->status_node,
                        "form %s is approved, but the approval names no wording fingerprint "
                        "(approved_wording:): bind it to the wording with `medpacket approve %s "
                        "--by NAME`",
                        f->id.s, path);
    case APPROVAL_MOVED:
        return node_err(err, EX_DATAERR, f->doc, f->approved_wording.node,
                        "form %s was approved by %s on %s for wording %.*s, but its wording is "
                        "now %.*s: see what changed with `medpacket diff --since-approval %s`, "
                        "then approve it again with `medpacket approve %s --by NAME`",
                        f->id.s, f->approved_by.s ? f->approved_by.s : "(no one named)",
                        f->approved_on.s ? f->approved_on.s : "(no date)", WORDING_SHORT,
                        f->approved_wording.s, WORDING_SHORT, f->fingerprint, path, path);
    }
    if (!ap->translation)
        return 0;
    if (!ap->source) {
        *err = ap->source_err;
        return err->code;
    }
    if (!ap->source_recorded) {
        if (f->status == FORM_DRAFT)
            return 0;
        return node_err(err, EX_DATAERR, f->doc, f->translation_of.node,
                        "form %s translates %s, but its approval names no source wording "
                        "(translation_of: wording:): approve it with `medpacket approve %s --by "
                        "NAME`",
                        f->id.s, f->translation_of.s, path);
    }
    if (ap->stale && !allow_stale)
        return node_err(err, EX_DATAERR, f->doc, f->source_wording.node,
                        "form %s is a stale translation: it translates wording %.*s of %s, whose "
                        "wording is now %.*s%s%s%s: update the translation and approve it again "
                        "(`medpacket diff --since-approval %s` shows the source's changes), or "
                        "print it with --allow-stale-translation, which stamps it as such",
                        f->id.s, WORDING_SHORT, f->source_wording.s, f->translation_of.s,
                        WORDING_SHORT, ap->source->fingerprint, changed ? " (changed: " : "",
                        changed ? changed : "", changed ? ")" : "", path);
    return 0;
}

const char *approval_status(const form *f, const approval *ap, arena *a)
{
    const char *status = NULL;
    switch (ap->kind) {
    case APPROVAL_DRAFT:
        status = "draft: not approved for patients";
        break;
    case APPROVAL_HOLDS:
        status = "approved, for this wording";
        break;
    case APPROVAL_UNRECORDED:
        status = "NOT APPROVED as it stands: the approval names no wording fingerprint";
        break;
    case APPROVAL_MOVED:
        status =
            arena_printf(a, "NOT APPROVED as it stands: approved for wording %.*s, changed since",
                         WORDING_SHORT, f->approved_wording.s);
        break;
    }
    if (status && ap->stale)
        status = arena_printf(a, "%s; OUTDATED TRANSLATION: %s moved on to wording %.*s", status,
                              f->translation_of.s, WORDING_SHORT, ap->source->fingerprint);
    return status;
}
