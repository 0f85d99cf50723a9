/*
 * suggest.c — see suggest.h. Levenshtein distance over bytes: the words are
 * the program's own ASCII names, at most 63 bytes.
 */
#include "suggest.h"

#include <string.h>

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *suggest_word(const char *word, const char *const *allowed)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; allowed[i]; i++) {
        size_t d = edit_distance(word, allowed[i]);
        size_t lw = strlen(word), la = strlen(allowed[i]);
        if (lw >= 3 && la > lw && strncmp(word, allowed[i], lw) == 0 && la - lw <= 4)
            d = 1;
        if (d < best_d) {
            best_d = d;
            best = allowed[i];
        }
    }
    return best;
}
