/*
 * brkpool.h — ICU break iterators for the text stage, opened once per
 * (kind, locale) and cloned for each caller.
 *
 * Opening a break iterator loads and compiles its rules (milliseconds);
 * cloning an opened one takes microseconds. The opened prototypes live in a
 * small process-wide cache behind a mutex and are never given out or
 * iterated themselves, so callers on any thread get private clones.
 */
#ifndef MP_BRKPOOL_H
#define MP_BRKPOOL_H

#include <unicode/ubrk.h>

/* A private break iterator of the given type for an ICU locale ID ("en",
 * "ja", "" for root), or NULL with *err set. The caller owns it: ubrk_close(). */
UBreakIterator *brkpool_take(UBreakIteratorType type, const char *locale, UErrorCode *err);

/* Closes every cached prototype. Only safe when no other thread is inside
 * brkpool_take(); clones already taken stay valid. */
void brkpool_cleanup(void);

#endif
