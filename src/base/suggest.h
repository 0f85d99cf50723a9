/*
 * suggest.h — "did you mean ...?": the allowed word closest to a mistyped
 * one (a YAML key, a block type, a command, an option), when it is close
 * enough to be a typo.
 */
#ifndef MP_SUGGEST_H
#define MP_SUGGEST_H

#include <stddef.h>

/* The word of allowed (NULL-terminated) within two edits of word, the
 * closest first; a prefix of it by up to four letters counts as one edit
 * ("risk" for "risks"). NULL when none is that close. */
const char *suggest_word(const char *word, const char *const *allowed);

#endif
