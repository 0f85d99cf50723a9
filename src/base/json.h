/*
 * json.h — the JSON medpacket writes (batch --json and its manifest, check
 * --json, the serve API): one writer, so strings are escaped one way and
 * commas placed one way everywhere.
 *
 * The writer appends to an mp_buf (buf.h), which owns the bytes. It puts the
 * commas between members and elements itself; keys and values are written
 * in order, a key before each value in an object:
 *
 *     json_writer w;
 *     json_init(&w, &b);
 *     json_begin_object(&w);
 *     json_key(&w, "row");
 *     json_put_int(&w, 12);
 *     json_end_object(&w);              // {"row":12}
 *
 * No white space is written (the house form, byte for byte what batch and
 * check print), unless w.spaced asks for ", " and ": " between items, or
 * json_newline for a line break. The names avoid jansson's (json_object,
 * json_string ...), which serve reads requests with.
 */
#ifndef MP_JSON_H
#define MP_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Containers nest at most this deep; deeper ones make json_ok() false. */
#define JSON_MAX_DEPTH 64

typedef struct json_writer {
    mp_buf *b;
    unsigned depth;
    uint64_t has_item; /* bit d-1: the container at depth d has an item */
    bool after_key;    /* a value comes next, with no comma */
    bool misused;      /* unbalanced or too deep */
    bool spaced;       /* ", " and ": " in place of "," and ":" */
    bool newline;      /* json_newline: a line break comes before the next item */
    unsigned indent;   /* and this many spaces after it */
} json_writer;

void json_init(json_writer *w, mp_buf *b);
/* True when every container was closed and the buffer did not fail. */
bool json_ok(const json_writer *w);

void json_begin_object(json_writer *w);
void json_end_object(json_writer *w);
void json_begin_array(json_writer *w);
void json_end_array(json_writer *w);
/* A member's name, escaped as json_put_str escapes. */
void json_key(json_writer *w, const char *key);
/* The next item (or, when none comes first, the closing bracket) starts a
 * new line, indented by `indent` spaces; a comma before it ends the line
 * above, with no space after it. For a long document people read too (serve's
 * day list: one patient a line). */
void json_newline(json_writer *w, unsigned indent);

/* s as a JSON string: quotes, \" and \\, \u00XX for bytes below 0x20; UTF-8
 * passes through. NULL writes "". */
void json_put_str(json_writer *w, const char *s);
void json_put_int(json_writer *w, long long v);
void json_put_uint(json_writer *w, unsigned long long v);
/* v with `decimals` digits after the point ("%.*f"), as printed in the C
 * locale; null when v is not finite, which JSON has no number for. */
void json_put_fixed(json_writer *w, double v, int decimals);
void json_put_bool(json_writer *w, bool v);
void json_put_null(json_writer *w);

/* The string escaping of json_put_str, onto a buffer. */
void json_escape(mp_buf *b, const char *s);

#endif
