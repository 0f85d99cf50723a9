/*
 * json.c — see json.h.
 */
#include "json.h"

#include <math.h>

/* The escaped form of byte c into out (not NUL-terminated); its length. */
static size_t escape_byte(unsigned char c, char out[6])
{
    static const char hex[] = "0123456789abcdef";
    if (c == '"' || c == '\\') {
        out[0] = '\\';
        out[1] = (char)c;
        return 2;
    }
    if (c < 0x20) {
        out[0] = '\\';
        out[1] = 'u';
        out[2] = '0';
        out[3] = '0';
        out[4] = hex[c >> 4];
        out[5] = hex[c & 15];
        return 6;
    }
    out[0] = (char)c;
    return 1;
}

void json_escape(mp_buf *b, const char *s)
{
    buf_putc(b, '"');
    while (s && *s) {
        /* Runs that need no escape go in whole. */
        const char *run = s;
        while (*s && *s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
            s++;
        buf_put(b, run, (size_t)(s - run));
        if (*s) {
            char e[6];
            size_t n = escape_byte((unsigned char)*s, e);
            buf_put(b, e, n);
            s++;
        }
    }
    buf_putc(b, '"');
}

void json_init(json_writer *w, mp_buf *b)
{
    *w = (json_writer){.b = b};
}

bool json_ok(const json_writer *w)
{
    return !w->misused && w->depth == 0 && !w->b->oom;
}

void json_newline(json_writer *w, unsigned indent)
{
    w->newline = true;
    w->indent = indent;
}

/* The line break json_newline asked for, if any. */
static void line_break(json_writer *w)
{
    if (!w->newline)
        return;
    w->newline = false;
    buf_putc(w->b, '\n');
    for (unsigned i = 0; i < w->indent; i++)
        buf_putc(w->b, ' ');
}

/* The comma, if any, before an item of the current container, and a line
 * break asked for. */
static void before_item(json_writer *w)
{
    if (w->after_key) {
        w->after_key = false;
    } else if (w->depth > 0) {
        uint64_t bit = (uint64_t)1 << (w->depth - 1);
        if (w->has_item & bit)
            buf_puts(w->b, w->spaced && !w->newline ? ", " : ",");
        w->has_item |= bit;
    }
    line_break(w);
}

static void begin(json_writer *w, char open)
{
    before_item(w);
    if (w->depth == JSON_MAX_DEPTH) {
        w->misused = true;
        return;
    }
    w->depth++;
    w->has_item &= ~((uint64_t)1 << (w->depth - 1));
    buf_putc(w->b, open);
}

static void end(json_writer *w, char close)
{
    if (w->depth == 0 || w->after_key) {
        w->misused = true;
        return;
    }
    w->depth--;
    line_break(w);
    buf_putc(w->b, close);
}

void json_begin_object(json_writer *w)
{
    begin(w, '{');
}

void json_end_object(json_writer *w)
{
    end(w, '}');
}

void json_begin_array(json_writer *w)
{
    begin(w, '[');
}

void json_end_array(json_writer *w)
{
    end(w, ']');
}

void json_key(json_writer *w, const char *key)
{
    if (w->after_key)
        w->misused = true;
    before_item(w);
    json_escape(w->b, key);
    buf_puts(w->b, w->spaced ? ": " : ":");
    w->after_key = true;
}

void json_put_str(json_writer *w, const char *s)
{
    before_item(w);
    json_escape(w->b, s);
}

void json_put_int(json_writer *w, long long v)
{
    before_item(w);
    buf_putf(w->b, "%lld", v);
}

void json_put_uint(json_writer *w, unsigned long long v)
{
    before_item(w);
    buf_putf(w->b, "%llu", v);
}

void json_put_fixed(json_writer *w, double v, int decimals)
{
    before_item(w);
    if (isfinite(v))
        buf_putf(w->b, "%.*f", decimals, v);
    else
        buf_puts(w->b, "null");
}

void json_put_bool(json_writer *w, bool v)
{
    before_item(w);
    buf_puts(w->b, v ? "true" : "false");
}

void json_put_null(json_writer *w)
{
    before_item(w);
    buf_puts(w->b, "null");
}
