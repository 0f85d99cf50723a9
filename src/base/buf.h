/*
 * buf.h — the one growable byte buffer (git's strbuf, curl's dynbuf).
 *
 * Appends never fail loudly: the first allocation that fails sets b->oom,
 * and from then on every call is a no-op, so a caller builds its whole
 * output and checks once at the end. The bytes are kept NUL-terminated
 * (b->data[b->len] is '\0' whenever b->data is not NULL), so text can be
 * used as a C string.
 *
 * Ownership: a buffer made with buf_init(b, a) for an arena a lives in that
 * arena and is freed with it (buf_free is then a no-op, and b->data may be
 * returned to a caller who shares the arena). With a NULL arena the bytes
 * are malloc'd and buf_free() frees them. Not thread-safe; one per thread.
 */
#ifndef MP_BUF_H
#define MP_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

typedef struct mp_buf {
    char *data; /* NULL until the first byte (or buf_grow) */
    size_t len, cap;
    arena *a; /* NULL: malloc'd */
    bool oom; /* stays set once set */
} mp_buf;

/* An empty buffer in arena a, or on the heap when a is NULL. */
void buf_init(mp_buf *b, arena *a);
/* Frees heap bytes (arena bytes go with their arena); b is empty again,
 * with its oom flag cleared. */
void buf_free(mp_buf *b);
/* Empties b, keeping its memory and its oom flag. */
void buf_reset(mp_buf *b);

/* Makes room for n more bytes (and the NUL); false when out of memory. */
bool buf_grow(mp_buf *b, size_t n);
/* Room for n bytes at the end, to be filled and then kept with
 * buf_commit(b, k) for k <= n; NULL when out of memory. */
char *buf_room(mp_buf *b, size_t n);
void buf_commit(mp_buf *b, size_t n);

void buf_put(mp_buf *b, const void *bytes, size_t n);
void buf_puts(mp_buf *b, const char *s);
void buf_putc(mp_buf *b, char c);
/* printf-style; the whole result, however long. */
void buf_putf(mp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* b's bytes as a C string: "" while empty, NULL after out of memory. */
const char *buf_str(const mp_buf *b);

#endif
