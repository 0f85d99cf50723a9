/*
 * buf.c — see buf.h.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(mp_buf *b, arena *a)
{
    *b = (mp_buf){.a = a};
}

void buf_free(mp_buf *b)
{
    if (!b->a)
        free(b->data);
    *b = (mp_buf){.a = b->a};
}

void buf_reset(mp_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

bool buf_grow(mp_buf *b, size_t n)
{
    if (b->oom)
        return false;
    if (n > SIZE_MAX - 1 - b->len) {
        b->oom = true;
        return false;
    }
    size_t want = b->len + n + 1;
    if (want > b->cap || !b->data) {
        char *data;
        size_t cap = b->cap;
        if (b->a) {
            data = arena_grow(b->a, b->data, &cap, want, 1);
        } else {
            cap = cap ? cap : 64;
            while (cap < want)
                cap = cap > SIZE_MAX / 2 ? want : 2 * cap;
            data = realloc(b->data, cap);
        }
        if (!data) {
            b->oom = true;
            return false;
        }
        b->data = data;
        b->cap = cap;
    }
    b->data[b->len] = '\0';
    return true;
}

char *buf_room(mp_buf *b, size_t n)
{
    return buf_grow(b, n) ? b->data + b->len : NULL;
}

void buf_commit(mp_buf *b, size_t n)
{
    if (b->oom || !b->data || n > b->cap - 1 - b->len)
        return;
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_put(mp_buf *b, const void *bytes, size_t n)
{
    char *p = buf_room(b, n);
    if (!p)
        return;
    if (n)
        memcpy(p, bytes, n);
    buf_commit(b, n);
}

void buf_puts(mp_buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

void buf_putc(mp_buf *b, char c)
{
    buf_put(b, &c, 1);
}

void buf_putf(mp_buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    /* Printed straight into the spare room; when it does not fit, the room
     * is made and it is printed again. */
    size_t spare = b->cap > b->len ? b->cap - b->len : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data ? b->data + b->len : NULL, spare, fmt, ap);
    va_end(ap);
    if (n < 0) {
        /* A result past INT_MAX bytes (or a bad wide character): nothing
         * sensible to keep, so the buffer fails as when memory runs out. */
        if (b->data)
            b->data[b->len] = '\0';
        b->oom = true;
        return;
    }
    if ((size_t)n >= spare) {
        if (!buf_grow(b, (size_t)n))
            return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

const char *buf_str(const mp_buf *b)
{
    if (b->oom)
        return NULL;
    return b->data ? b->data : "";
}
