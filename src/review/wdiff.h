/*
 * wdiff.h — the shortest edit between two sequences of strings (Myers'
 * O(ND) algorithm), for `medpacket diff`: blocks of wording compared as
 * lines, then words compared inside a changed block.
 *
 * Pure; memory is O(N + M + D^2) at worst and bounded. The common prefix and
 * suffix are matched first; a middle longer than WDIFF_MAX items, or needing
 * more than WDIFF_MAX_D edits, falls back to "all removed, all added" (still
 * correct, just coarse).
 */
#ifndef MP_WDIFF_H
#define MP_WDIFF_H

#include <stddef.h>

#define WDIFF_MAX 100000
#define WDIFF_MAX_D 4000

typedef enum { WDIFF_SAME, WDIFF_DEL, WDIFF_ADD } wdiff_op;

typedef struct wdiff_edit {
    wdiff_op op;
    /* Index in a (SAME, DEL) and in b (SAME, ADD); for DEL, b is the position
     * reached in b, and for ADD, a the position reached in a. */
    size_t a, b;
} wdiff_edit;

/* The edit script turning a[0..na) into b[0..nb), strings compared with
 * strcmp. *out is malloc'd (caller frees) and holds *nout edits, in order:
 * SAME and DEL walk a, SAME and ADD walk b. Returns 0, or -1 on OOM. */
int wdiff(const char *const *a, size_t na, const char *const *b, size_t nb, wdiff_edit **out,
          size_t *nout);

/* Splits text into words (runs of non-space), for a word-level diff: *words
 * is malloc'd (array of pointers into one malloc'd copy, freed together by
 * wdiff_words_free). Returns the count, or (size_t)-1 on OOM. */
size_t wdiff_words(const char *text, char ***words);
void wdiff_words_free(char **words);

#endif
