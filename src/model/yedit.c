/*
 * yedit.c — see yedit.h.
 */
#include "yedit.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

/* Words a plain scalar would be read as null or a boolean by YAML 1.1
 * readers (PyYAML, and ydoc_bool): written quoted, they stay text. */
static bool special_word(const char *v)
{
    static const char *const words[] = {"~",  "null", "true", "false", "yes", "no",
                                        "on", "off",  "y",    "n",     NULL};
    for (size_t i = 0; words[i]; i++)
        if (strcasecmp(v, words[i]) == 0)
            return true;
    return false;
}

static bool plain_ok(const char *v, int flow)
{
    size_t n = strlen(v);
    if (n == 0 || v[0] == ' ' || v[n - 1] == ' ' || v[n - 1] == ':' || special_word(v))
        return false;
    if (strchr("-?:,[]{}#&*!|>'\"%@`", v[0]))
        return false;
    if (strstr(v, ": ") || strstr(v, " #"))
        return false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\t')
            return false;
        if (flow && strchr(",[]{}", *p))
            return false;
    }
    return true;
}

char *yedit_scalar(const char *value, int flow, arena *a)
{
    if (strpbrk(value, "\r\n"))
        return NULL;
    if (plain_ok(value, flow))
        return arena_strndup(a, value, strlen(value));
    mp_buf b;
    buf_init(&b, a);
    buf_putc(&b, '"');
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_putc(&b, '\\');
        buf_putc(&b, *p);
    }
    buf_putc(&b, '"');
    return b.oom ? NULL : b.data;
}

/* The offset just past the line break that ends the line holding offset
 * at - 1 (the pair's last byte), or the end of the text. */
static size_t after_line(const ydoc *doc, size_t at)
{
    if (at > 0 && doc->src[at - 1] == '\n')
        return at; /* a block scalar ends after its line break */
    const char *nl = memchr(doc->src + at, '\n', doc->src_len - at);
    return nl ? (size_t)(nl - doc->src) + 1 : doc->src_len;
}

/* The text with bytes [start, end) replaced by ins. */
static char *splice(const ydoc *doc, size_t start, size_t end, const char *ins, arena *a,
                    size_t *len)
{
    mp_buf b;
    buf_init(&b, a);
    buf_put(&b, doc->src, start);
    buf_puts(&b, ins);
    buf_put(&b, doc->src + end, doc->src_len - end);
    if (b.oom || !buf_str(&b))
        return NULL;
    *len = b.len;
    return b.data;
}

char *yedit_set(const ydoc *doc, const ynode *map, const char *key, const char *value,
                const char *const *after, arena *a, size_t *len)
{
    if (!map || map->kind != YNODE_MAP || map->count == 0 || map->end > doc->src_len)
        return NULL;
    bool flow = doc->src[map->start] == '{';
    char *v = yedit_scalar(value, flow, a);
    if (!v)
        return NULL;
    for (size_t i = 0; i < map->count; i++) {
        if (strcmp(map->keys[i]->str, key) != 0)
            continue;
        const ynode *old = map->vals[i];
        /* A block scalar's range takes its line break: give it back. */
        bool block = old->style == YSTYLE_LITERAL || old->style == YSTYLE_FOLDED;
        bool nl = block && old->end > old->start && doc->src[old->end - 1] == '\n';
        char *ins = arena_printf(a, "%s%s", v, nl ? "\n" : "");
        if (old->kind != YNODE_SCALAR || !ins)
            return NULL;
        return splice(doc, old->start, old->end, ins, a, len);
    }
    /* The pair to insert after: the last of `after` that map holds. */
    size_t at = map->count - 1;
    for (size_t k = 0; after && after[k]; k++)
        for (size_t i = 0; i < map->count; i++)
            if (strcmp(map->keys[i]->str, after[k]) == 0)
                at = i;
    const ynode *prev_key = map->keys[at], *prev_val = map->vals[at];
    if (flow) {
        char *ins = arena_printf(a, ", %s: %s", key, v);
        return ins ? splice(doc, prev_val->end, prev_val->end, ins, a, len) : NULL;
    }
    size_t pos = after_line(doc, prev_val->end);
    /* The new line takes the key column of the pair it follows (past the
     * "- " of a list item's first pair). */
    size_t line_start = prev_key->start;
    while (line_start > 0 && doc->src[line_start - 1] != '\n')
        line_start--;
    int indent = (int)(prev_key->start - line_start);
    bool unended = pos == doc->src_len && pos > 0 && doc->src[pos - 1] != '\n';
    char *ins = arena_printf(a, "%s%*s%s: %s\n", unended ? "\n" : "", indent, "", key, v);
    return ins ? splice(doc, pos, pos, ins, a, len) : NULL;
}
