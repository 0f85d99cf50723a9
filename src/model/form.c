/*
 * form.c — YAML → a typed form: its keys, its blocks and their items (see
 * form.h and forms/README.md for the schema). Packets and translations are
 * packet.c's, clinic settings clinic.c's, the schema helpers schema.c's.
 *
 * The loader is deliberately strict: a consent form is a legal document, and
 * a misspelt key that is silently ignored ("risk:" for "risks:") would drop a
 * risk from what the patient signs. Every unknown key is an error with a
 * did-you-mean hint, and every value is checked for its type.
 */
#include "form.h"

#include "date.h"
#include "msg.h"
#include "paper.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- blocks ----------------------------------------------------------- */

static const char *const block_names[] = {
    "heading",      "paragraph",  "list",       "benefits",   "risks",
    "alternatives", "checkboxes", "patient_id", "signatures", "booking_qr",
    "page_break",   "procedure",  "questions",  NULL,
};

const char *block_kind_name(block_kind k)
{
    return block_names[k];
}

static const char *const field_names[] = {
    "name", "dob", "mrn", "appointment_date", "clinician", NULL,
};

const char *patient_field_name(patient_field f)
{
    return field_names[f];
}

/* Items of benefits / risks / alternatives / list / checkboxes. */
static int load_items(const ydoc *doc, const ynode *seq, form_block *b, bool titled, arena *a,
                      mp_err *err)
{
    const char *what = block_names[b->kind];
    int rc = schema_expect_kind(doc, seq, YNODE_SEQ, what, err);
    if (rc)
        return rc;
    if (seq->count == 0)
        return node_err(err, EX_DATAERR, doc, seq, "%s has no items", what);
    b->items = arena_array(a, seq->count, sizeof *b->items);
    if (!b->items)
        return OOM(err);
    b->nitems = seq->count;
    static const char *const item_keys[] = {"title", "text", NULL};
    for (size_t i = 0; i < seq->count; i++) {
        const ynode *it = seq->items[i];
        form_item *item = &b->items[i];
        if (it->kind == YNODE_SCALAR) {
            if ((rc = schema_get_text(doc, it, "an item", &item->text, a, err)))
                return rc;
            continue;
        }
        if (!titled)
            return schema_expect_kind(doc, it, YNODE_SCALAR, "an item of this list", err);
        if ((rc = schema_expect_kind(doc, it, YNODE_MAP, "an item", err)))
            return rc;
        if ((rc = schema_check_keys(doc, it, "an item", item_keys, err)))
            return rc;
        if ((rc = schema_optional_text(doc, it, "title", &item->title, a, err)) ||
            (rc = schema_optional_text(doc, it, "text", &item->text, a, err)))
            return rc;
        if (!item->title.s && !item->text.s)
            return node_err(err, EX_DATAERR, doc, it, "an item needs a title or a text");
    }
    return 0;
}

static int load_patient_id(const ydoc *doc, const ynode *seq, form_block *b, arena *a, mp_err *err)
{
    int rc = schema_expect_kind(doc, seq, YNODE_SEQ, "patient_id", err);
    if (rc)
        return rc;
    if (seq->count == 0)
        return node_err(err, EX_DATAERR, doc, seq, "patient_id has no fields");
    b->fields = arena_array(a, seq->count, sizeof *b->fields);
    b->field_nodes = arena_array(a, seq->count, sizeof *b->field_nodes);
    if (!b->fields || !b->field_nodes)
        return OOM(err);
    for (size_t i = 0; i < seq->count; i++) {
        const ynode *f = seq->items[i];
        if ((rc = schema_expect_kind(doc, f, YNODE_SCALAR, "a patient_id field", err)))
            return rc;
        size_t j = 0;
        while (field_names[j] && strcmp(field_names[j], f->str) != 0)
            j++;
        if (!field_names[j])
            return schema_unknown_word(err, doc, f, "patient_id field", NULL, field_names);
        b->fields[i] = (patient_field)j;
        b->field_nodes[i] = f;
    }
    b->nfields = seq->count;
    return 0;
}

static int load_signatures(const ydoc *doc, const ynode *seq, form_block *b, arena *a, mp_err *err)
{
    int rc = schema_expect_kind(doc, seq, YNODE_SEQ, "signatures", err);
    if (rc)
        return rc;
    if (seq->count == 0)
        return node_err(err, EX_DATAERR, doc, seq, "signatures has no signers");
    b->sigs = arena_array(a, seq->count, sizeof *b->sigs);
    if (!b->sigs)
        return OOM(err);
    b->nsigs = seq->count;
    static const char *const keys[] = {"role",  "signer", "printed_name", "date", "time",
                                       "extra", NULL};
    static const char *const signers[] = {"patient", "clinician", "witness", "interpreter", NULL};
    for (size_t i = 0; i < seq->count; i++) {
        const ynode *s = seq->items[i];
        form_signature *sig = &b->sigs[i];
        sig->printed_name = sig->date = sig->time = true;
        if ((rc = schema_expect_kind(doc, s, YNODE_MAP, "a signature", err)) ||
            (rc = schema_check_keys(doc, s, "a signature", keys, err)) ||
            (rc = schema_required_text(doc, s, "role", "a signature", &sig->role, a, err)))
            return rc;
        const ynode *n;
        if ((n = ydoc_get(s, "signer"))) {
            if ((rc = schema_expect_kind(doc, n, YNODE_SCALAR, "signer", err)))
                return rc;
            size_t k = 0;
            while (signers[k] && strcmp(signers[k], n->str) != 0)
                k++;
            if (!signers[k])
                return schema_unknown_word(err, doc, n, "signer", NULL, signers);
            sig->signer = (signer_kind)(k + 1);
        }
        if ((n = ydoc_get(s, "printed_name")) &&
            (rc = schema_get_bool(doc, n, "printed_name", &sig->printed_name, err)))
            return rc;
        if ((n = ydoc_get(s, "date")) && (rc = schema_get_bool(doc, n, "date", &sig->date, err)))
            return rc;
        if ((n = ydoc_get(s, "time")) && (rc = schema_get_bool(doc, n, "time", &sig->time, err)))
            return rc;
        if ((n = ydoc_get(s, "extra"))) {
            if ((rc = schema_expect_kind(doc, n, YNODE_SEQ, "extra", err)))
                return rc;
            sig->extra = arena_array(a, n->count, sizeof *sig->extra);
            if (n->count && !sig->extra)
                return OOM(err);
            for (size_t j = 0; j < n->count; j++)
                if ((rc = schema_get_text(doc, n->items[j], "an extra line", &sig->extra[j], a,
                                          err)))
                    return rc;
            sig->nextra = n->count;
        }
    }
    return 0;
}

static int load_block(const ydoc *doc, const ynode *bn, form_block *b, arena *a, mp_err *err)
{
    int rc = schema_expect_kind(doc, bn, YNODE_MAP, "a block", err);
    if (rc)
        return rc;
    if (bn->count != 1)
        return node_err(err, EX_DATAERR, doc, bn,
                        "a block has exactly one key, the block's type (it has %zu)", bn->count);
    const ynode *key = bn->keys[0], *val = bn->vals[0];
    size_t k = 0;
    while (block_names[k] && strcmp(block_names[k], key->str) != 0)
        k++;
    if (!block_names[k])
        return schema_unknown_word(err, doc, key, "block type", NULL, block_names);
    b->kind = (block_kind)k;
    b->node = key;
    switch (b->kind) {
    case BLOCK_HEADING:
    case BLOCK_PARAGRAPH:
    case BLOCK_PROCEDURE:
    case BLOCK_QUESTIONS:
        return schema_get_text(doc, val, key->str, &b->text, a, err);
    case BLOCK_LIST:
    case BLOCK_CHECKBOXES:
        return load_items(doc, val, b, false, a, err);
    case BLOCK_BENEFITS:
    case BLOCK_RISKS:
    case BLOCK_ALTERNATIVES:
        return load_items(doc, val, b, true, a, err);
    case BLOCK_PATIENT_ID:
        return load_patient_id(doc, val, b, a, err);
    case BLOCK_SIGNATURES:
        return load_signatures(doc, val, b, a, err);
    case BLOCK_BOOKING_QR: {
        static const char *const keys[] = {"caption", "url", NULL};
        if ((rc = schema_expect_kind(doc, val, YNODE_MAP, "booking_qr", err)) ||
            (rc = schema_check_keys(doc, val, "booking_qr", keys, err)) ||
            (rc = schema_optional_text(doc, val, "caption", &b->text, a, err)) ||
            (rc = schema_optional_text(doc, val, "url", &b->url, a, err)))
            return rc;
        return 0;
    }
    case BLOCK_PAGE_BREAK: {
        bool yes;
        if ((rc = schema_get_bool(doc, val, "page_break", &yes, err)))
            return rc;
        if (!yes)
            return node_err(err, EX_DATAERR, doc, val,
                            "page_break: false means nothing; remove the block");
        return 0;
    }
    }
    return 0;
}

/* ---- forms ------------------------------------------------------------ */

static bool valid_id(const mp_text *t)
{
    for (size_t i = 0; i < t->len; i++) {
        char c = t->s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return t->len <= 64;
}

/* A wording fingerprint as the approval record holds it: 64 lowercase hex
 * digits, or absent. */
static int optional_fingerprint(const ydoc *doc, const ynode *map, const char *key, mp_text *out,
                                arena *a, mp_err *err)
{
    int rc = schema_optional_text(doc, map, key, out, a, err);
    if (rc || !out->s)
        return rc;
    bool hex = out->len == 64;
    for (size_t i = 0; hex && i < out->len; i++)
        hex = (out->s[i] >= '0' && out->s[i] <= '9') || (out->s[i] >= 'a' && out->s[i] <= 'f');
    if (!hex)
        return node_err(err, EX_DATAERR, doc, out->node,
                        "%s is not a wording fingerprint (64 lowercase hex digits, as "
                        "`medpacket approve` writes it)",
                        key);
    return 0;
}

/* translation_of: {form: PATH, wording: FINGERPRINT}: the form this one
 * translates, relative to this file (it may lie in a folder above), and the
 * source wording the translation was approved against. */
static int load_translation_of(const ydoc *doc, const ynode *root, form *f, arena *a, mp_err *err)
{
    const ynode *t = ydoc_get(root, "translation_of");
    if (!t)
        return 0;
    static const char *const keys[] = {"form", "wording", NULL};
    int rc;
    if ((rc = schema_expect_kind(doc, t, YNODE_MAP, "translation_of", err)) ||
        (rc = schema_check_keys(doc, t, "translation_of", keys, err)) ||
        (rc = schema_required_text(doc, t, "form", "translation_of", &f->translation_of, a, err)) ||
        (rc = optional_fingerprint(doc, t, "wording", &f->source_wording, a, err)))
        return rc;
    if (f->translation_of.s[0] == '/')
        return node_err(err, EX_DATAERR, doc, f->translation_of.node,
                        "translation_of: form \"%s\" is absolute; name it relative to this file",
                        f->translation_of.s);
    const char *dir = schema_dir_of(doc->path, a);
    f->translation_of_path = dir ? schema_join(a, dir, f->translation_of.s) : NULL;
    return f->translation_of_path ? 0 : OOM(err);
}

int form_load_doc(const ydoc *doc, const ynode *root, form *f, arena *a, mp_err *err)
{
    static const char *const keys[] = {
        "kind",           "id",           "title",
        "version",        "language",     "status",
        "approved_by",    "approved_on",  "approved_wording",
        "translation_of", "clinic",       "qr_allows_patient_data",
        "reading_grade",  "translations", "page_size",
        "language_name",  "blocks",       NULL,
    };
    int rc = schema_check_keys(doc, root, "a form", keys, err);
    if (rc)
        return rc;
    f->doc = doc;
    const ynode *kind = ydoc_get(root, "kind");
    f->kind = strcmp(kind->str, "consent") == 0  ? FORM_CONSENT
              : strcmp(kind->str, "notice") == 0 ? FORM_NOTICE
                                                 : FORM_HANDOUT;
    if ((rc = schema_required_text(doc, root, "id", "a form", &f->id, a, err)) ||
        (rc = schema_required_text(doc, root, "title", "a form", &f->title, a, err)) ||
        (rc = schema_required_text(doc, root, "version", "a form", &f->version, a, err)) ||
        (rc = schema_required_text(doc, root, "language", "a form", &f->language, a, err)) ||
        (rc = schema_optional_text(doc, root, "approved_by", &f->approved_by, a, err)) ||
        (rc = schema_optional_text(doc, root, "approved_on", &f->approved_on, a, err)) ||
        (rc = optional_fingerprint(doc, root, "approved_wording", &f->approved_wording, a, err)) ||
        (rc = load_translation_of(doc, root, f, a, err)) ||
        (rc = schema_optional_text(doc, root, "clinic", &f->clinic, a, err)) ||
        (rc = schema_optional_text(doc, root, "page_size", &f->page_size, a, err)) ||
        (rc = schema_optional_text(doc, root, "language_name", &f->language_name, a, err)))
        return rc;
    /* A notice's entry is headed by its language's own name, which no
     * table here holds for every language a clinic may list. */
    if (f->kind == FORM_NOTICE && !f->language_name.s)
        return node_err(err, EX_DATAERR, doc, root,
                        "missing required key \"language_name\" in a notice (the language's own "
                        "name, such as Español or العربية)");
    if (f->kind != FORM_NOTICE && f->language_name.s)
        return node_err(err, EX_DATAERR, doc, f->language_name.node,
                        "language_name is a notice's key (kind: notice), not a %s's", kind->str);
    page_size ps;
    if (f->page_size.s && !page_size_parse(f->page_size.s, &ps)) {
        static const char *const sizes[] = {"letter", "a4", NULL};
        return schema_unknown_word(err, doc, f->page_size.node, "page_size", NULL, sizes);
    }
    if (f->approved_on.s) {
        mp_date d;
        if (!date_parse_iso(f->approved_on.s, f->approved_on.len, &d))
            return node_err(err, EX_DATAERR, doc, f->approved_on.node,
                            "approved_on is not a valid date (write it as YYYY-MM-DD)");
    }
    if (!valid_id(&f->id))
        return node_err(err, EX_DATAERR, doc, f->id.node,
                        "id may hold only letters, digits, \"-\", \"_\" and \".\" (at most 64)");
    if (!msg_is_language_tag(f->language.s))
        return node_err(err, EX_DATAERR, doc, f->language.node,
                        "language \"%s\" is not a language tag (such as en, es, ar, zh-Hant)",
                        f->language.s);
    mp_text status;
    if ((rc = schema_required_text(doc, root, "status", "a form", &status, a, err)))
        return rc;
    if (strcmp(status.s, "draft") == 0)
        f->status = FORM_DRAFT;
    else if (strcmp(status.s, "approved") == 0)
        f->status = FORM_APPROVED;
    else {
        static const char *const st[] = {"draft", "approved", NULL};
        return schema_unknown_word(err, doc, status.node, "status", NULL, st);
    }
    f->status_node = status.node;
    f->reading_grade = 8;
    const ynode *g = ydoc_get(root, "reading_grade");
    if (g) {
        char *end;
        long v = g->kind == YNODE_SCALAR ? strtol(g->str, &end, 10) : -1;
        if (g->kind != YNODE_SCALAR || *end || v < 1 || v > 18)
            return node_err(err, EX_DATAERR, doc, g,
                            "reading_grade must be a whole number from 1 to 18");
        f->reading_grade = (int)v;
    }
    const ynode *n = ydoc_get(root, "qr_allows_patient_data");
    if (n &&
        (rc = schema_get_bool(doc, n, "qr_allows_patient_data", &f->qr_allows_patient_data, err)))
        return rc;

    const ynode *blocks;
    if ((rc = schema_required(doc, root, "blocks", "a form", &blocks, err)) ||
        (rc = schema_expect_kind(doc, blocks, YNODE_SEQ, "blocks", err)))
        return rc;
    if (blocks->count == 0)
        return node_err(err, EX_DATAERR, doc, blocks, "blocks is empty: a form prints something");
    f->blocks = arena_array(a, blocks->count, sizeof *f->blocks);
    if (!f->blocks)
        return OOM(err);
    f->nblocks = blocks->count;
    for (size_t i = 0; i < blocks->count; i++) {
        if ((rc = load_block(doc, blocks->items[i], &f->blocks[i], a, err)))
            return rc;
        /* A notice is one entry among sixteen on a page: text only. */
        if (f->kind == FORM_NOTICE && f->blocks[i].kind != BLOCK_PARAGRAPH)
            return node_err(err, EX_DATAERR, doc, blocks->items[i],
                            "a notice holds paragraphs only, not %s",
                            block_kind_name(f->blocks[i].kind));
    }
    return 0;
}

int form_each_text(const form *f, bool with_urls, int (*fn)(void *ctx, const mp_text *t), void *ctx)
{
#define TEXT(t)                                                                                    \
    do {                                                                                           \
        if ((t).s && (rc = fn(ctx, &(t))))                                                         \
            return rc;                                                                             \
    } while (0)
    int rc = 0;
    TEXT(f->title);
    for (size_t i = 0; i < f->nblocks; i++) {
        const form_block *b = &f->blocks[i];
        TEXT(b->text);
        if (with_urls)
            TEXT(b->url);
        for (size_t k = 0; k < b->nitems; k++) {
            TEXT(b->items[k].title);
            TEXT(b->items[k].text);
        }
        for (size_t k = 0; k < b->nsigs; k++) {
            TEXT(b->sigs[k].role);
            for (size_t j = 0; j < b->sigs[k].nextra; j++)
                TEXT(b->sigs[k].extra[j]);
        }
    }
    return 0;
#undef TEXT
}
