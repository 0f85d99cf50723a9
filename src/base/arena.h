/*
 * arena.h — region allocator.
 *
 * One arena per loaded document or per rendered patient: everything a module
 * builds for it lives here and is freed at once by arena_free(). No individual
 * frees, so no leaks by construction (the PostgreSQL memory-context idea).
 * An arena is not thread-safe; give each thread its own.
 */
#ifndef MP_ARENA_H
#define MP_ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* Returns NULL when out of memory. Free with arena_free(). */
arena *arena_new(void);
void arena_free(arena *a);

/* Zero-filled, aligned for any type; NULL when out of memory or n overflows. */
void *arena_alloc(arena *a, size_t n);
/* n elements of size sz, with overflow checked. */
void *arena_array(arena *a, size_t n, size_t sz);
/* Grows an arena array of *cap elements to at least want; old contents copied.
 * Returns the new array (or NULL on failure, leaving the old one intact). */
void *arena_grow(arena *a, void *old, size_t *cap, size_t want, size_t sz);
/* NUL-terminated copy of s[0..n). */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes handed out so far (for tests and the memory budget). */
size_t arena_used(const arena *a);

#endif
