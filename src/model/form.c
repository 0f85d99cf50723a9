/*
 * form.c — YAML → typed forms, packets and clinic settings (see form.h and
 * forms/README.md for the schema).
 *
 * The loader is deliberately strict: a consent form is a legal document, and
 * a misspelt key that is silently ignored ("risk:" for "risks:") would drop a
 * risk from what the patient signs. Every unknown key is an error with a
 * did-you-mean hint, and every value is checked for its type.
 */
#include "form.h"

#include "date.h"
#include "image.h"
#include "msg.h"
#include "paper.h"
#include "secret.h"
#include "suggest.h"
#include "wording.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- messages at a place ---------------------------------------------- */

static int vnode_err(mp_err *err, int code, const ydoc *doc, int line, int col, const char *fmt,
                     va_list ap)
{
    char msg[sizeof err->msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return err_set(err, code, doc ? doc->path : NULL, line, col, "%s", msg);
}

int(node_err)(mp_err *err, int code, const ydoc *doc, const ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vnode_err(err, code, doc, n ? n->line : 0, n ? n->col : 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* Bytes of value that a double-quoted escape (at s, with n bytes left in the
 * source) stands for, and how many source bytes it takes; false when it is
 * not one this walk knows. */
static bool escape_size(const char *s, size_t n, size_t *src_len, size_t *val_len)
{
    if (n < 2)
        return false;
    int hex = s[1] == 'x' ? 2 : s[1] == 'u' ? 4 : s[1] == 'U' ? 8 : 0;
    if (hex) {
        if (n < (size_t)hex + 2)
            return false;
        char digits[9] = {0};
        memcpy(digits, s + 2, (size_t)hex);
        unsigned long cp = strtoul(digits, NULL, 16);
        *src_len = (size_t)hex + 2;
        *val_len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        return true;
    }
    *src_len = 2;
    switch (s[1]) {
    case 'N':
    case '_':
        *val_len = 2;
        return true; /* U+0085, U+00A0 */
    case 'L':
    case 'P':
        *val_len = 3;
        return true; /* U+2028, U+2029 */
    case '0':
    case 'a':
    case 'b':
    case 't':
    case '\t':
    case 'n':
    case 'v':
    case 'f':
    case 'r':
    case 'e':
    case ' ':
    case '"':
    case '/':
    case '\\':
        *val_len = 1;
        return true;
    default:
        return false;
    }
}

/*
 * Where byte `offset` of a scalar's value stands in the source. Flow scalars
 * (plain, '...' and "...") are walked beside their source: escapes ("\u00e9",
 * "\"", '' in single quotes) and folded line breaks are counted as the value
 * bytes they became. Literal (|) block scalars are exact too; for anything
 * else (folded > blocks), or a walk that does not match, the scalar's own
 * start is reported, which still names the right text.
 */
static void text_locate(const mp_text *t, size_t offset, int *line, int *col)
{
    const ynode *n = t->node;
    *line = n ? n->line : 0;
    *col = n ? n->col : 0;
    if (!n || !t->doc || offset > t->len)
        return;
    const char *src = t->doc->src;
    if (n->style == YSTYLE_PLAIN || n->style == YSTYLE_SINGLE || n->style == YSTYLE_DOUBLE) {
        size_t pos = n->start + (n->style == YSTYLE_PLAIN ? 0 : 1);
        size_t end = n->end <= t->doc->src_len ? n->end : t->doc->src_len;
        int l = n->line, c = n->col + (n->style == YSTYLE_PLAIN ? 0 : 1);
        size_t v = 0;
        while (v < offset) {
            if (pos >= end)
                return;
            char ch = src[pos];
            size_t sl, vl;
            if (ch == ' ' || ch == '\t' || ch == '\n') {
                /* Spaces that end at a line break, the breaks and the next
                 * line's indentation fold into one space, or into one line
                 * break fewer than there were. */
                size_t q = pos;
                while (q < end && (src[q] == ' ' || src[q] == '\t'))
                    q++;
                if (q < end && src[q] == '\n') {
                    int breaks = 0;
                    while (q < end && (src[q] == '\n' || src[q] == ' ' || src[q] == '\t')) {
                        if (src[q] == '\n')
                            breaks++, c = 1;
                        else
                            c++;
                        q++;
                    }
                    v += breaks == 1 ? 1 : (size_t)(breaks - 1);
                    l += breaks;
                    pos = q;
                    continue;
                }
            }
            if (n->style == YSTYLE_DOUBLE && ch == '\\') {
                if (!escape_size(src + pos, end - pos, &sl, &vl))
                    return;
            } else if (n->style == YSTYLE_SINGLE && ch == '\'' && pos + 1 < end &&
                       src[pos + 1] == '\'') {
                sl = 2, vl = 1;
            } else {
                if (ch != t->s[v])
                    return; /* not the value after all: keep the start */
                sl = vl = 1;
            }
            /* Columns count characters, as libyaml's do. */
            for (size_t i = 0; i < sl; i++)
                if (((unsigned char)src[pos + i] & 0xC0) != 0x80)
                    c++;
            pos += sl;
            v += vl;
        }
        if (v == offset) {
            *line = l;
            *col = c;
        }
        return;
    }
    if (n->style == YSTYLE_LITERAL) {
        /* Find the value's line `k` (counting newlines before offset), then
         * the same line in the source after the indicator line. */
        /* The original value: get_text turned its lone line breaks into spaces. */
        const char *orig = n->str;
        size_t k = 0, line_start = 0;
        for (size_t i = 0; i < offset; i++)
            if (orig[i] == '\n')
                k++, line_start = i + 1;
        size_t p = n->start;
        while (p < t->doc->src_len && src[p] != '\n')
            p++; /* the "|" line */
        int l = n->line;
        for (size_t i = 0; i <= k && p < t->doc->src_len; i++) {
            p++; /* past '\n' */
            l++;
            if (i < k)
                while (p < t->doc->src_len && src[p] != '\n')
                    p++;
        }
        /* The block's indentation is that of its first non-blank line; a line
         * indented further keeps its extra spaces in the value. */
        size_t q = n->start;
        while (q < t->doc->src_len && src[q] != '\n')
            q++;
        size_t indent = 0;
        while (q < t->doc->src_len) {
            q++;
            indent = 0;
            while (q + indent < t->doc->src_len && src[q + indent] == ' ')
                indent++;
            if (q + indent >= t->doc->src_len || src[q + indent] != '\n')
                break;
            q += indent;
        }
        int c = (int)indent + 1;
        for (size_t i = line_start; i < offset; i++)
            if (((unsigned char)t->s[i] & 0xC0) != 0x80)
                c++;
        *line = l;
        *col = c;
    }
}

int(text_err)(mp_err *err, int code, const mp_text *t, size_t offset, const char *fmt, ...)
{
    int line, col;
    text_locate(t, offset, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    int rc = vnode_err(err, code, t->doc, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

#define OOM(err) err_set((err), EX_OSERR, NULL, 0, 0, "out of memory")

/* ---- schema helpers ---------------------------------------------------- */

/* "unknown key "stauts" in a form; did you mean "status"?" (where may be NULL) */
static int unknown_word(mp_err *err, const ydoc *doc, const ynode *n, const char *what,
                        const char *where, const char *const *allowed)
{
    char in[80] = "";
    if (where)
        snprintf(in, sizeof in, " in %s", where);
    const char *hint = suggest_word(n->str, allowed);
    if (hint)
        return node_err(err, EX_DATAERR, doc, n, "unknown %s \"%s\"%s; did you mean \"%s\"?", what,
                        n->str, in, hint);
    char list[256] = "";
    for (size_t i = 0; allowed[i]; i++) {
        if (i)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, allowed[i], sizeof list - strlen(list) - 1);
    }
    return node_err(err, EX_DATAERR, doc, n, "unknown %s \"%s\"%s (expected one of: %s)", what,
                    n->str, in, list);
}

/* Every key of map must be in allowed. */
static int check_keys(const ydoc *doc, const ynode *map, const char *where,
                      const char *const *allowed, mp_err *err)
{
    for (size_t i = 0; i < map->count; i++) {
        const ynode *k = map->keys[i];
        bool ok = false;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = strcmp(k->str, allowed[j]) == 0;
        if (!ok) {
            return unknown_word(err, doc, k, "key", where, allowed);
        }
    }
    return 0;
}

static int expect_kind(const ydoc *doc, const ynode *n, ynode_kind kind, const char *what,
                       mp_err *err)
{
    static const char *names[] = {"a text", "a mapping", "a list"};
    if (n->kind != kind)
        return node_err(err, EX_DATAERR, doc, n, "%s must be %s, not %s", what, names[kind],
                        ydoc_kind_name(n));
    return 0;
}

/*
 * A text value: a scalar that is not null and not empty.
 *
 * Paragraphs: in what YAML hands over, a blank line of the source is one
 * "\n" for folded (>), plain and quoted scalars, but a literal (|) scalar
 * keeps every line break. So that "a blank line starts a new paragraph"
 * holds whatever the style, a literal's lone line breaks become spaces here
 * (same length, so byte offsets still map to the source), and every "\n"
 * left in a text is a paragraph break.
 */
static int get_text(const ydoc *doc, const ynode *n, const char *what, mp_text *out, arena *a,
                    mp_err *err)
{
    int rc = expect_kind(doc, n, YNODE_SCALAR, what, err);
    if (rc)
        return rc;
    if (ydoc_is_null(n) || n->len == 0)
        return node_err(err, EX_DATAERR, doc, n, "%s is empty", what);
    out->s = n->str;
    if (n->style == YSTYLE_LITERAL && memchr(n->str, '\n', n->len)) {
        char *copy = arena_strndup(a, n->str, n->len);
        if (!copy)
            return OOM(err);
        for (size_t i = 0; i < n->len; i++)
            if (copy[i] == '\n' && !(i + 1 < n->len && copy[i + 1] == '\n') &&
                !(i > 0 && copy[i - 1] == '\n'))
                copy[i] = ' ';
        out->s = copy;
    }
    out->len = n->len;
    out->doc = doc;
    out->node = n;
    return 0;
}

static int get_bool(const ydoc *doc, const ynode *n, const char *what, bool *out, mp_err *err)
{
    if (n->kind != YNODE_SCALAR || !ydoc_bool(n, out))
        return node_err(err, EX_DATAERR, doc, n, "%s must be true or false", what);
    return 0;
}

static int required(const ydoc *doc, const ynode *map, const char *key, const char *where,
                    const ynode **out, mp_err *err)
{
    *out = ydoc_get(map, key);
    if (!*out)
        return node_err(err, EX_DATAERR, doc, map, "%s is missing required key \"%s\"", where, key);
    return 0;
}

static int optional_text(const ydoc *doc, const ynode *map, const char *key, mp_text *out, arena *a,
                         mp_err *err)
{
    const ynode *n = ydoc_get(map, key);
    if (!n)
        return 0;
    return get_text(doc, n, key, out, a, err);
}

static int required_text(const ydoc *doc, const ynode *map, const char *key, const char *where,
                         mp_text *out, arena *a, mp_err *err)
{
    const ynode *n;
    int rc = required(doc, map, key, where, &n, err);
    return rc ? rc : get_text(doc, n, key, out, a, err);
}

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
    int rc = expect_kind(doc, seq, YNODE_SEQ, what, err);
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
            if ((rc = get_text(doc, it, "an item", &item->text, a, err)))
                return rc;
            continue;
        }
        if (!titled)
            return expect_kind(doc, it, YNODE_SCALAR, "an item of this list", err);
        if ((rc = expect_kind(doc, it, YNODE_MAP, "an item", err)))
            return rc;
        if ((rc = check_keys(doc, it, "an item", item_keys, err)))
            return rc;
        if ((rc = optional_text(doc, it, "title", &item->title, a, err)) ||
            (rc = optional_text(doc, it, "text", &item->text, a, err)))
            return rc;
        if (!item->title.s && !item->text.s)
            return node_err(err, EX_DATAERR, doc, it, "an item needs a title or a text");
    }
    return 0;
}

static int load_patient_id(const ydoc *doc, const ynode *seq, form_block *b, arena *a, mp_err *err)
{
    int rc = expect_kind(doc, seq, YNODE_SEQ, "patient_id", err);
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
        if ((rc = expect_kind(doc, f, YNODE_SCALAR, "a patient_id field", err)))
            return rc;
        size_t j = 0;
        while (field_names[j] && strcmp(field_names[j], f->str) != 0)
            j++;
        if (!field_names[j])
            return unknown_word(err, doc, f, "patient_id field", NULL, field_names);
        b->fields[i] = (patient_field)j;
        b->field_nodes[i] = f;
    }
    b->nfields = seq->count;
    return 0;
}

static int load_signatures(const ydoc *doc, const ynode *seq, form_block *b, arena *a, mp_err *err)
{
    int rc = expect_kind(doc, seq, YNODE_SEQ, "signatures", err);
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
        if ((rc = expect_kind(doc, s, YNODE_MAP, "a signature", err)) ||
            (rc = check_keys(doc, s, "a signature", keys, err)) ||
            (rc = required_text(doc, s, "role", "a signature", &sig->role, a, err)))
            return rc;
        const ynode *n;
        if ((n = ydoc_get(s, "signer"))) {
            if ((rc = expect_kind(doc, n, YNODE_SCALAR, "signer", err)))
                return rc;
            size_t k = 0;
            while (signers[k] && strcmp(signers[k], n->str) != 0)
                k++;
            if (!signers[k])
                return unknown_word(err, doc, n, "signer", NULL, signers);
            sig->signer = (signer_kind)(k + 1);
        }
        if ((n = ydoc_get(s, "printed_name")) &&
            (rc = get_bool(doc, n, "printed_name", &sig->printed_name, err)))
            return rc;
        if ((n = ydoc_get(s, "date")) && (rc = get_bool(doc, n, "date", &sig->date, err)))
            return rc;
        if ((n = ydoc_get(s, "time")) && (rc = get_bool(doc, n, "time", &sig->time, err)))
            return rc;
        if ((n = ydoc_get(s, "extra"))) {
            if ((rc = expect_kind(doc, n, YNODE_SEQ, "extra", err)))
                return rc;
            sig->extra = arena_array(a, n->count, sizeof *sig->extra);
            if (n->count && !sig->extra)
                return OOM(err);
            for (size_t j = 0; j < n->count; j++)
                if ((rc = get_text(doc, n->items[j], "an extra line", &sig->extra[j], a, err)))
                    return rc;
            sig->nextra = n->count;
        }
    }
    return 0;
}

static int load_block(const ydoc *doc, const ynode *bn, form_block *b, arena *a, mp_err *err)
{
    int rc = expect_kind(doc, bn, YNODE_MAP, "a block", err);
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
        return unknown_word(err, doc, key, "block type", NULL, block_names);
    b->kind = (block_kind)k;
    b->node = key;
    switch (b->kind) {
    case BLOCK_HEADING:
    case BLOCK_PARAGRAPH:
    case BLOCK_PROCEDURE:
    case BLOCK_QUESTIONS:
        return get_text(doc, val, key->str, &b->text, a, err);
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
        if ((rc = expect_kind(doc, val, YNODE_MAP, "booking_qr", err)) ||
            (rc = check_keys(doc, val, "booking_qr", keys, err)) ||
            (rc = optional_text(doc, val, "caption", &b->text, a, err)) ||
            (rc = optional_text(doc, val, "url", &b->url, a, err)))
            return rc;
        return 0;
    }
    case BLOCK_PAGE_BREAK: {
        bool yes;
        if ((rc = get_bool(doc, val, "page_break", &yes, err)))
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

static int load_form_doc(const ydoc *doc, const ynode *root, form *f, arena *a, mp_err *err)
{
    static const char *const keys[] = {
        "kind",          "id",           "title",       "version", "language",
        "status",        "approved_by",  "approved_on", "clinic",  "qr_allows_patient_data",
        "reading_grade", "translations", "page_size",   "blocks",  NULL,
    };
    int rc = check_keys(doc, root, "a form", keys, err);
    if (rc)
        return rc;
    f->doc = doc;
    const ynode *kind = ydoc_get(root, "kind");
    f->kind = strcmp(kind->str, "consent") == 0 ? FORM_CONSENT : FORM_HANDOUT;
    if ((rc = required_text(doc, root, "id", "a form", &f->id, a, err)) ||
        (rc = required_text(doc, root, "title", "a form", &f->title, a, err)) ||
        (rc = required_text(doc, root, "version", "a form", &f->version, a, err)) ||
        (rc = required_text(doc, root, "language", "a form", &f->language, a, err)) ||
        (rc = optional_text(doc, root, "approved_by", &f->approved_by, a, err)) ||
        (rc = optional_text(doc, root, "approved_on", &f->approved_on, a, err)) ||
        (rc = optional_text(doc, root, "clinic", &f->clinic, a, err)) ||
        (rc = optional_text(doc, root, "page_size", &f->page_size, a, err)))
        return rc;
    page_size ps;
    if (f->page_size.s && !page_size_parse(f->page_size.s, &ps)) {
        static const char *const sizes[] = {"letter", "a4", NULL};
        return unknown_word(err, doc, f->page_size.node, "page_size", NULL, sizes);
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
    if (!msg_has_language(f->language.s))
        return node_err(err, EX_DATAERR, doc, f->language.node,
                        "language \"%s\" is not supported (supported: en, es)", f->language.s);
    mp_text status;
    if ((rc = required_text(doc, root, "status", "a form", &status, a, err)))
        return rc;
    if (strcmp(status.s, "draft") == 0)
        f->status = FORM_DRAFT;
    else if (strcmp(status.s, "approved") == 0)
        f->status = FORM_APPROVED;
    else {
        static const char *const st[] = {"draft", "approved", NULL};
        return unknown_word(err, doc, status.node, "status", NULL, st);
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
    if (n && (rc = get_bool(doc, n, "qr_allows_patient_data", &f->qr_allows_patient_data, err)))
        return rc;

    const ynode *blocks;
    if ((rc = required(doc, root, "blocks", "a form", &blocks, err)) ||
        (rc = expect_kind(doc, blocks, YNODE_SEQ, "blocks", err)))
        return rc;
    if (blocks->count == 0)
        return node_err(err, EX_DATAERR, doc, blocks, "blocks is empty: a form prints something");
    f->blocks = arena_array(a, blocks->count, sizeof *f->blocks);
    if (!f->blocks)
        return OOM(err);
    f->nblocks = blocks->count;
    for (size_t i = 0; i < blocks->count; i++)
        if ((rc = load_block(doc, blocks->items[i], &f->blocks[i], a, err)))
            return rc;
    /* Once per load, not per patient: every page footer prints it. */
    if (wording_fingerprint(f, a, f->fingerprint))
        return OOM(err);
    return 0;
}

/* Loads a YAML file whose root must be a mapping with a `kind:`. */
static int load_root(const char *path, arena *a, ydoc **doc, const ynode **kind, mp_err *err)
{
    int rc = ydoc_open(path, a, doc, err);
    if (rc)
        return rc;
    const ynode *root = (*doc)->root;
    if ((rc = expect_kind(*doc, root, YNODE_MAP, "a form file", err)))
        return rc;
    *kind = ydoc_get(root, "kind");
    if (!*kind)
        return node_err(err, EX_DATAERR, *doc, root,
                        "missing required key \"kind\" (handout, consent or packet)");
    if ((*kind)->kind != YNODE_SCALAR)
        return expect_kind(*doc, *kind, YNODE_SCALAR, "kind", err);
    static const char *const kinds[] = {"handout", "consent", "packet", NULL};
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp((*kind)->str, kinds[i]) == 0)
            return 0;
    return unknown_word(err, *doc, *kind, "kind", NULL, kinds);
}

static const char *dir_of(const char *path, arena *a)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

/* dir/rel, or rel alone when dir is "." (messages then show the short name). */
static const char *join(arena *a, const char *dir, const char *rel)
{
    return strcmp(dir, ".") == 0 ? arena_strdup(a, rel) : arena_printf(a, "%s/%s", dir, rel);
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
    int rc = expect_kind(doc, t, YNODE_MAP, "translations", err);
    if (rc)
        return rc;
    out->translations = arena_array(a, t->count, sizeof *out->translations);
    if (t->count && !out->translations)
        return OOM(err);
    const char *dir = dir_of(doc->path, a);
    for (size_t i = 0; i < t->count; i++) {
        packet_translation *pt = &out->translations[i];
        const ynode *k = t->keys[i];
        if (!msg_has_language(k->str))
            return node_err(err, EX_DATAERR, doc, k,
                            "translation language \"%s\" is not supported (supported: en, es)",
                            k->str);
        pt->lang = (mp_text){.s = k->str, .len = k->len, .doc = doc, .node = k};
        mp_text rel;
        if ((rc = get_text(doc, t->vals[i], "a translation", &rel, a, err)) ||
            (rc = safe_relative(doc, &rel, err)))
            return rc;
        pt->path = join(a, dir, rel.s);
        if (!pt->path)
            return OOM(err);
    }
    out->ntranslations = t->count;
    return 0;
}

const char *packet_language_code(const char *name)
{
    static const struct {
        const char *name, *code;
    } names[] = {
        {"english", "en"}, {"inglés", "en"},  {"ingles", "en"},
        {"spanish", "es"}, {"español", "es"}, {"espanol", "es"},
    };
    char low[32];
    size_t n = 0;
    for (; n < sizeof low - 1 && name[n]; n++)
        low[n] = (name[n] >= 'A' && name[n] <= 'Z') ? (char)(name[n] - 'A' + 'a') : name[n];
    low[n] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(low, names[i].name) == 0)
            return names[i].code;
    /* "es", "es-MX", "es_US" */
    if (n >= 2 && low[0] >= 'a' && low[0] <= 'z' && low[1] >= 'a' && low[1] <= 'z' &&
        (n == 2 || low[2] == '-' || low[2] == '_')) {
        static const char *const codes[] = {"en", "es"};
        for (size_t i = 0; i < 2; i++)
            if (strncmp(low, codes[i], 2) == 0)
                return codes[i];
    }
    return NULL;
}

int packet_load(const char *path, arena *a, packet *out, mp_err *err)
{
    memset(out, 0, sizeof *out);
    ydoc *doc;
    const ynode *kind;
    int rc = load_root(path, a, &doc, &kind, err);
    if (rc)
        return rc;
    const ynode *root = doc->root;

    if (strcmp(kind->str, "packet") != 0) {
        out->entries = arena_alloc(a, sizeof *out->entries);
        form *f = arena_alloc(a, sizeof *f);
        if (!out->entries || !f)
            return OOM(err);
        if ((rc = load_form_doc(doc, root, f, a, err)))
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

    static const char *const keys[] = {"kind",         "id",    "title", "clinic",
                                       "translations", "forms", NULL};
    if ((rc = check_keys(doc, root, "a packet", keys, err)) ||
        (rc = required_text(doc, root, "id", "a packet", &out->id, a, err)) ||
        (rc = required_text(doc, root, "title", "a packet", &out->title, a, err)) ||
        (rc = optional_text(doc, root, "clinic", &out->clinic, a, err)))
        return rc;
    out->doc = doc;
    const ynode *forms;
    if ((rc = required(doc, root, "forms", "a packet", &forms, err)) ||
        (rc = expect_kind(doc, forms, YNODE_SEQ, "forms", err)))
        return rc;
    if (forms->count == 0)
        return node_err(err, EX_DATAERR, doc, forms, "forms is empty");
    out->entries = arena_array(a, forms->count, sizeof *out->entries);
    if (!out->entries)
        return OOM(err);
    out->nentries = forms->count;
    const char *dir = dir_of(doc->path, a);
    if (!dir)
        return OOM(err);
    static const char *const entry_keys[] = {"form", "copy", NULL};
    for (size_t i = 0; i < forms->count; i++) {
        const ynode *e = forms->items[i];
        packet_entry *pe = &out->entries[i];
        mp_text rel = {0};
        if (e->kind == YNODE_MAP) {
            if ((rc = check_keys(doc, e, "a packet entry", entry_keys, err)) ||
                (rc = required_text(doc, e, "form", "a packet entry", &rel, a, err)) ||
                (rc = optional_text(doc, e, "copy", &pe->copy_label, a, err)))
                return rc;
        } else if ((rc = get_text(doc, e, "a packet entry", &rel, a, err))) {
            return rc;
        }
        if ((rc = safe_relative(doc, &rel, err)))
            return rc;
        pe->path = join(a, dir, rel.s);
        pe->form = arena_alloc(a, sizeof *pe->form);
        if (!pe->path || !pe->form)
            return OOM(err);
        ydoc *fdoc;
        const ynode *fkind;
        if ((rc = load_root(pe->path, a, &fdoc, &fkind, err))) {
            /* A form that cannot be opened is reported where the packet names it. */
            if (rc == EX_NOINPUT) {
                const char *why =
                    strncmp(err->msg, "cannot open: ", 13) == 0 ? err->msg + 13 : err->msg;
                return node_err(err, rc, doc, rel.node, "cannot open form \"%s\": %s", rel.s, why);
            }
            return rc;
        }
        if (strcmp(fkind->str, "packet") == 0)
            return node_err(err, EX_DATAERR, doc, rel.node,
                            "\"%s\" is a packet; a packet lists forms, not packets", rel.s);
        if ((rc = load_form_doc(fdoc, fdoc->root, pe->form, a, err)))
            return rc;
    }
    out->language = out->entries[0].form->language.s;
    return load_translations(doc, root, out, a, err);
}

const packet *packet_pick(const packet *const *variants, size_t n, const char *requested)
{
    const char *code = requested ? packet_language_code(requested) : NULL;
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(variants[i]->language, code) == 0)
            return variants[i];
    return variants[0];
}

/* ---- clinic ------------------------------------------------------------ */

int clinic_load(const char *path, arena *a, clinic *out, mp_err *err)
{
    memset(out, 0, sizeof *out);
    ydoc *doc;
    int rc = ydoc_open(path, a, &doc, err);
    if (rc)
        return rc;
    const ynode *root = doc->root;
    static const char *const keys[] = {
        "name",      "address",     "phone", "booking_url", "booking_key_file", "booking_key",
        "page_size", "large_print", "fonts", "logo",        "date_order",       NULL};
    if ((rc = expect_kind(doc, root, YNODE_MAP, "clinic settings", err)) ||
        (rc = check_keys(doc, root, "clinic settings", keys, err)) ||
        (rc = required_text(doc, root, "name", "clinic settings", &out->name, a, err)) ||
        (rc = required_text(doc, root, "address", "clinic settings", &out->address, a, err)) ||
        (rc = required_text(doc, root, "phone", "clinic settings", &out->phone, a, err)) ||
        (rc = optional_text(doc, root, "booking_url", &out->booking_url, a, err)) ||
        (rc = optional_text(doc, root, "booking_key", &out->booking_key, a, err)) ||
        (rc = optional_text(doc, root, "page_size", &out->page_size, a, err)))
        return rc;
    out->doc = doc;
    mp_text key_file = {0};
    if ((rc = optional_text(doc, root, "booking_key_file", &key_file, a, err)))
        return rc;
    if (key_file.s && out->booking_key.s)
        return node_err(err, EX_DATAERR, doc, out->booking_key.node,
                        "give booking_key_file or booking_key, not both");
    if (key_file.s) {
        const char *kp = key_file.s[0] == '/' ? key_file.s : join(a, dir_of(path, a), key_file.s);
        if (!kp)
            return OOM(err);
        /* Reported where the settings name the file. */
        if ((rc = secret_read(kp, "booking key", "medpacket new-key FILE", a, &out->booking_key.s,
                              &out->booking_key.len, err)))
            return node_err(err, rc, doc, key_file.node, "booking_key_file \"%s\": %s", key_file.s,
                            err->msg);
        out->booking_key.node = key_file.node;
        out->booking_key_from_file = true;
    }
    mp_text fonts = {0};
    if ((rc = optional_text(doc, root, "fonts", &fonts, a, err)))
        return rc;
    if (fonts.s &&
        !(out->fonts_dir = fonts.s[0] == '/' ? fonts.s : join(a, dir_of(path, a), fonts.s)))
        return OOM(err);
    mp_text logo = {0};
    if ((rc = optional_text(doc, root, "logo", &logo, a, err)))
        return rc;
    if (logo.s) {
        layout_image *img = arena_alloc(a, sizeof *img);
        const char *lp_path = logo.s[0] == '/' ? logo.s : join(a, dir_of(path, a), logo.s);
        if (!img || !lp_path)
            return OOM(err);
        /* Reported where the settings name the logo. */
        if ((rc = image_load(lp_path, a, img, err)))
            return node_err(err, rc, doc, logo.node, "logo \"%s\": %s", logo.s, err->msg);
        out->logo = img;
    }
    mp_text order = {0};
    if ((rc = optional_text(doc, root, "date_order", &order, a, err)))
        return rc;
    if (order.s && !date_order_parse(order.s, &out->date_order)) {
        static const char *const orders[] = {"iso", "mdy", "dmy", NULL};
        return unknown_word(err, doc, order.node, "date_order", NULL, orders);
    }
    const ynode *lp = ydoc_get(root, "large_print");
    if (lp && (rc = get_bool(doc, lp, "large_print", &out->large_print, err)))
        return rc;
    page_size ps;
    if (out->page_size.s && !page_size_parse(out->page_size.s, &ps)) {
        static const char *const sizes[] = {"letter", "a4", NULL};
        return unknown_word(err, doc, out->page_size.node, "page_size", NULL, sizes);
    }
    if (out->booking_key.s && out->booking_key.len < 16)
        return node_err(
            err, EX_DATAERR, doc, out->booking_key.node,
            "booking_key is too short to keep references private (use 16 or more characters)");
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

/* The key the shipped example clinic once held in its settings, published
 * with the source: every reference made with it can be reversed. */
static const char published_example_key[] = "WE2HBmK2ivf5VJtmHTRSfVYTrTZA3bKW";

const char *clinic_key_problem(const clinic *c)
{
    if (!c->booking_key.s)
        return NULL;
    if (c->booking_key.len == sizeof published_example_key - 1 &&
        memcmp(c->booking_key.s, published_example_key, c->booking_key.len) == 0)
        return "the booking key is the published example's: anyone can turn its references back "
               "into record numbers (make your own with medpacket new-key FILE)";
    if (!c->booking_key_from_file)
        return "booking_key is written in the clinic settings, where everyone who reads the forms "
               "reads it: put it in a file of its own (medpacket new-key FILE) and name that "
               "file with booking_key_file:";
    return NULL; /* a file's key was checked for strength as it was read */
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *clinic_find(const packet *p, const char *packet_path, arena *a, mp_err *err)
{
    /* An explicit `clinic:` wins: the packet's, else its first form's. */
    const mp_text *named = NULL;
    const char *base = packet_path;
    if (p->clinic.s) {
        named = &p->clinic;
    } else if (p->nentries && p->entries[0].form->clinic.s) {
        named = &p->entries[0].form->clinic;
        base = p->entries[0].path;
    }
    if (named) {
        const char *dir = dir_of(base, a);
        const char *path = named->s[0] == '/' ? arena_strdup(a, named->s) : join(a, dir, named->s);
        if (!path) {
            OOM(err);
            return NULL;
        }
        if (!is_file(path)) {
            node_err(err, EX_CONFIG, named->doc, named->node, "clinic settings \"%s\" not found",
                     named->s);
            return NULL;
        }
        return path;
    }
    /* Otherwise the nearest clinic.yaml upwards, as git finds .git. */
    char *dir = arena_strdup(a, dir_of(packet_path, a));
    for (int depth = 0; dir && depth < 32; depth++) {
        const char *cand = arena_printf(a, "%s/clinic.yaml", dir);
        if (cand && is_file(cand))
            return cand;
        if (strcmp(dir, "/") == 0)
            break;
        const char *up = arena_printf(a, "%s/..", dir);
        char real[4096];
        if (!up || !realpath(up, real))
            break;
        dir = arena_strdup(a, real);
    }
    err_set(err, EX_CONFIG, packet_path, 0, 0,
            "no clinic settings: add \"clinic: PATH\" to the form, put a clinic.yaml beside it, "
            "or pass --clinic FILE");
    return NULL;
}
