/*
 * utf8.h — strict UTF-8 decoding (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF. Patient names arrive from exports of
 * uneven quality, so every byte is checked before it reaches a font.
 */
#ifndef MP_UTF8_H
#define MP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[0..n). Returns the bytes it takes (1-4), or 0
 * when the sequence is invalid or truncated (then *cp is U+FFFD). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* True when s[0..n) is valid UTF-8; otherwise *bad (if not NULL) is the byte
 * offset of the first invalid sequence. */
bool utf8_valid(const char *s, size_t n, size_t *bad);

/* Writes cp as UTF-8 into out; returns 1-4 bytes, 0 for an invalid code point. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* True for code points that attach to the one before (combining marks, ZWJ,
 * variation selectors): a line is never broken in front of one. */
bool utf8_is_combining(uint32_t cp);

/* Copies s[0..n) into buf[size] NUL-terminated, like snprintf: as much as
 * fits, never half a character. Returns n, the length it needed. */
size_t utf8_copy(char *buf, size_t size, const char *s, size_t n);

#endif
