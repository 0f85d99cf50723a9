/*
 * fill.c — expands {{placeholders}} in form text; see fill.h for the syntax.
 *
 * One scanner splits the input into literal runs and placeholder names, so
 * that fill_text (which needs values) and fill_each (which only lists names,
 * for `check`) can never disagree about what counts as a placeholder or where
 * a syntax error is.
 */
#include "fill.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

/* A longer name could not be reported whole in fill_problem.name, so it is
 * refused rather than silently shortened. */
#define FILL_NAME_MAX 127
_Static_assert(sizeof(((fill_problem){0}).name) == FILL_NAME_MAX + 1,
               "FILL_NAME_MAX must match fill_problem.name");

typedef enum { TOK_END, TOK_TEXT, TOK_PLACEHOLDER, TOK_ERROR } tok_kind;

typedef struct token {
    tok_kind kind;
    const char *text; /* TOK_TEXT: bytes to copy; TOK_PLACEHOLDER: the name */
    size_t len;
    size_t offset;   /* TOK_PLACEHOLDER, TOK_ERROR: offset of the "{{" */
    const char *why; /* TOK_ERROR */
} token;

typedef struct scanner {
    const char *in;
    size_t len, pos;
} scanner;

static bool is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* NAME: runs of [A-Za-z0-9_] joined by single dots. Returns NULL when s[0..n)
 * is a valid name, else why not. */
static const char *check_name(const char *s, size_t n)
{
    static const char bad_name[] = "bad placeholder name: use letters, digits and _ in parts "
                                   "joined by dots, as in {{patient.first_name}}";
    if (n == 0)
        return "empty placeholder name";
    bool need_char = true; /* at the start, and right after a dot */
    for (size_t i = 0; i < n; i++) {
        if (is_name_char(s[i]))
            need_char = false;
        else if (s[i] == '.' && !need_char)
            need_char = true;
        else
            return bad_name;
    }
    if (need_char)
        return bad_name;
    if (n > FILL_NAME_MAX)
        return "placeholder name too long";
    return NULL;
}

/* First "}}" at or after from, or len when there is none. */
static size_t find_close(const char *in, size_t len, size_t from)
{
    while (from + 1 < len) {
        const char *c = memchr(in + from, '}', len - from - 1);
        if (!c)
            break;
        size_t i = (size_t)(c - in);
        if (in[i + 1] == '}')
            return i;
        from = i + 1;
    }
    return len;
}

/* The placeholder whose "{{" is at open; leaves the scanner after its "}}". */
static token scan_placeholder(scanner *s, size_t open)
{
    token t = {.kind = TOK_ERROR, .offset = open};
    size_t close = find_close(s->in, s->len, open + 2);
    if (close == s->len) {
        t.why = "unterminated placeholder: \"{{\" without \"}}\"";
        return t;
    }
    size_t b = open + 2, e = close;
    while (b < e && s->in[b] == ' ')
        b++;
    while (e > b && s->in[e - 1] == ' ')
        e--;
    t.why = check_name(s->in + b, e - b);
    if (t.why)
        return t;
    t.kind = TOK_PLACEHOLDER;
    t.text = s->in + b;
    t.len = e - b;
    s->pos = close + 2;
    return t;
}

/* The next literal run, escaped "{{" or placeholder. A syntax error does not
 * advance the scanner: callers stop at the first one. */
static token scan_next(scanner *s)
{
    token t = {.kind = TOK_END};
    const char *in = s->in;
    size_t from = s->pos;
    while (from + 1 < s->len) {
        const char *c = memchr(in + from, '{', s->len - from - 1);
        if (!c)
            break;
        size_t j = (size_t)(c - in);
        if (in[j + 1] != '{') {
            from = j + 1;
            continue;
        }
        /* "\{{" is an escape only if the backslash is not already used up as
         * ordinary text of an earlier token. */
        size_t stop = (j > s->pos && in[j - 1] == '\\') ? j - 1 : j;
        if (stop > s->pos) {
            t.kind = TOK_TEXT;
            t.text = in + s->pos;
            t.len = stop - s->pos;
            s->pos = stop;
            return t;
        }
        if (stop < j) {
            /* Emit the braces from the input itself, dropping the backslash. */
            t.kind = TOK_TEXT;
            t.text = in + j;
            t.len = 2;
            s->pos = j + 2;
            return t;
        }
        return scan_placeholder(s, j);
    }
    if (s->pos < s->len) {
        t.kind = TOK_TEXT;
        t.text = in + s->pos;
        t.len = s->len - s->pos;
        s->pos = s->len;
    }
    return t;
}

static fill_result syntax_problem(fill_problem *p, const token *t, size_t index)
{
    p->result = FILL_ERR_SYNTAX;
    p->offset = t->offset;
    p->index = index;
    p->name[0] = '\0';
    p->why = t->why;
    return FILL_ERR_SYNTAX;
}

static const char *status_why(fill_status st, const char *why)
{
    switch (st) {
    case FILL_UNKNOWN:
        return "unknown placeholder";
    case FILL_MISSING:
        return "no value for placeholder";
    case FILL_INVALID:
        return why ? why : "invalid value for placeholder";
    default:
        return "lookup returned an unexpected status";
    }
}

fill_result fill_text(const char *in, size_t len, fill_lookup_fn lookup, void *ctx, arena *a,
                      char **out, size_t *out_len, fill_problem *p)
{
    fill_problem scratch;
    if (!p)
        p = &scratch;
    memset(p, 0, sizeof *p);
    *out = NULL;
    if (!in)
        len = 0;

    /* Form text is mostly literal, so the input length is a good first guess
     * (64 bytes more, the NUL among them). */
    mp_buf o;
    buf_init(&o, a);
    if (!buf_grow(&o, len < SIZE_MAX - 64 ? len + 63 : len))
        return p->result = FILL_ERR_NOMEM;

    scanner s = {.in = in, .len = len};
    size_t index = 0;
    for (;;) {
        token t = scan_next(&s);
        if (t.kind == TOK_END)
            break;
        if (t.kind == TOK_ERROR)
            return syntax_problem(p, &t, index);
        if (t.kind == TOK_TEXT) {
            buf_put(&o, t.text, t.len);
            if (o.oom)
                return p->result = FILL_ERR_NOMEM;
            continue;
        }
        const char *value = NULL, *why = NULL;
        size_t value_len = 0;
        fill_status st = lookup(ctx, t.text, t.len, &value, &value_len, &why);
        /* A FOUND without bytes to point at is a lookup bug; refusing it keeps
         * a blank off the form. */
        if (st == FILL_FOUND && !value && value_len > 0) {
            st = FILL_INVALID;
            why = "lookup returned no value";
        }
        if (st != FILL_FOUND) {
            p->result = FILL_ERR_LOOKUP;
            p->status = st;
            p->offset = t.offset;
            p->index = index;
            memcpy(p->name, t.text, t.len); /* t.len <= FILL_NAME_MAX */
            p->name[t.len] = '\0';
            p->why = status_why(st, why);
            return FILL_ERR_LOOKUP;
        }
        buf_put(&o, value, value_len);
        if (o.oom)
            return p->result = FILL_ERR_NOMEM;
        index++;
    }
    *out = o.data; /* NUL-terminated by buf.h, and allocated by buf_grow above */
    if (out_len)
        *out_len = o.len;
    return FILL_OK;
}

fill_result fill_each(const char *in, size_t len, fill_each_fn fn, void *ctx, fill_problem *p)
{
    fill_problem scratch;
    if (!p)
        p = &scratch;
    memset(p, 0, sizeof *p);
    if (!in)
        len = 0;

    scanner s = {.in = in, .len = len};
    size_t index = 0;
    for (;;) {
        token t = scan_next(&s);
        if (t.kind == TOK_END)
            return FILL_OK;
        if (t.kind == TOK_ERROR)
            return syntax_problem(p, &t, index);
        if (t.kind == TOK_PLACEHOLDER) {
            fn(ctx, t.text, t.len, t.offset);
            index++;
        }
    }
}
