/*
 * schema.c — see schema.h: messages at a place in a YAML file, and the typed
 * getters every loader of the model uses.
 */
#include "schema.h"

#include "suggest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- schema helpers ---------------------------------------------------- */

/* "unknown key "stauts" in a form; did you mean "status"?" (where may be NULL) */
int schema_unknown_word(mp_err *err, const ydoc *doc, const ynode *n, const char *what,
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
int schema_check_keys(const ydoc *doc, const ynode *map, const char *where,
                      const char *const *allowed, mp_err *err)
{
    for (size_t i = 0; i < map->count; i++) {
        const ynode *k = map->keys[i];
        bool ok = false;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = strcmp(k->str, allowed[j]) == 0;
        if (!ok) {
            return schema_unknown_word(err, doc, k, "key", where, allowed);
        }
    }
    return 0;
}

int schema_expect_kind(const ydoc *doc, const ynode *n, ynode_kind kind, const char *what,
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
int schema_get_text(const ydoc *doc, const ynode *n, const char *what, mp_text *out, arena *a,
                    mp_err *err)
{
    int rc = schema_expect_kind(doc, n, YNODE_SCALAR, what, err);
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

int schema_get_bool(const ydoc *doc, const ynode *n, const char *what, bool *out, mp_err *err)
{
    if (n->kind != YNODE_SCALAR || !ydoc_bool(n, out))
        return node_err(err, EX_DATAERR, doc, n, "%s must be true or false", what);
    return 0;
}

int schema_required(const ydoc *doc, const ynode *map, const char *key, const char *where,
                    const ynode **out, mp_err *err)
{
    *out = ydoc_get(map, key);
    if (!*out)
        return node_err(err, EX_DATAERR, doc, map, "%s is missing required key \"%s\"", where, key);
    return 0;
}

int schema_optional_text(const ydoc *doc, const ynode *map, const char *key, mp_text *out, arena *a,
                         mp_err *err)
{
    const ynode *n = ydoc_get(map, key);
    if (!n)
        return 0;
    return schema_get_text(doc, n, key, out, a, err);
}

int schema_required_text(const ydoc *doc, const ynode *map, const char *key, const char *where,
                         mp_text *out, arena *a, mp_err *err)
{
    const ynode *n;
    int rc = schema_required(doc, map, key, where, &n, err);
    return rc ? rc : schema_get_text(doc, n, key, out, a, err);
}

/* ---- paths ----------------------------------------------------------- */

const char *schema_dir_of(const char *path, arena *a)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

/* dir/rel, or rel alone when dir is "." (messages then show the short name). */
const char *schema_join(arena *a, const char *dir, const char *rel)
{
    return strcmp(dir, ".") == 0 ? arena_strdup(a, rel) : arena_printf(a, "%s/%s", dir, rel);
}
