/*
 * wdiff.c — see wdiff.h. Myers, "An O(ND) Difference Algorithm and Its
 * Variations" (1986): the greedy forward search, keeping every step's
 * furthest-reaching points so that the path can be walked back.
 *
 * Decisions the header leaves open, made here:
 *
 * - The common prefix and suffix are matched first, and only the middle is
 *   searched. A revised form usually changes a few words, so the search is
 *   left with almost nothing, and the script keeps those items as SAME even
 *   when the middle is too big and falls back. The WDIFF_MAX and WDIFF_MAX_D
 *   bounds therefore apply to that middle, not to the whole input.
 * - Step d only ever sets the diagonals of its own parity, so it stores d + 1
 *   values: the whole trace is (D+1)(D+2)/2 ints, about 32 MB at
 *   WDIFF_MAX_D, grown as the search goes, so a small edit costs little.
 * - Moves that would leave the edit grid are never taken. The textbook
 *   version lets points run past the end and is still right, but a trace of
 *   real points only is easier to trust when walking it back.
 * - Readers expect a changed word as "-old +new", so within a run of edits
 *   the DELs come first. That needs no pass of its own: when both moves
 *   reach equally far, the search takes the move down (ADD) as the later
 *   one, and then an ADD is never directly followed by a DEL (the diagonal
 *   above would have reached as far, and been taken; at the bottom edge such
 *   a path would not be the shortest). The unit tests check it on random pairs.
 * - The index that the header leaves unset (b for DEL, a for ADD) is the
 *   position reached in that sequence, so every edit says where it happens
 *   in both texts.
 */
#include "wdiff.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(WDIFF_MAX <= INT_MAX / 2 && WDIFF_MAX_D <= WDIFF_MAX,
               "positions and diagonals are ints");

#define UNREACHED (-1)

/* Where step d keeps diagonal k (k = -d, -d+2, ..., d) in the trace. */
static size_t slot(int d, int k)
{
    return (size_t)d * (size_t)(d + 1) / 2 + (size_t)((k + d) / 2);
}

/* How the furthest point on diagonal k at step d > 0 is reached from step
 * d-1 (prev = that step's values, prev[(j + d - 1) / 2] for diagonal j):
 * returns +1 for a move down from k+1 (an ADD), -1 for a move right from k-1
 * (a DEL), 0 if no move in the grid reaches k; *x is where the move lands.
 * On equal reach the move down wins, so walked forward the ADD comes after
 * the DEL. */
static int step_from(const int *prev, int d, int k, int n, int m, int *x)
{
    int down = UNREACHED, right = UNREACHED;
    if (k < d) {
        int px = prev[(k + 1 + d - 1) / 2];
        if (px != UNREACHED && px - (k + 1) < m)
            down = px;
    }
    if (k > -d) {
        int px = prev[(k - 1 + d - 1) / 2];
        if (px != UNREACHED && px < n)
            right = px + 1;
    }
    if (down != UNREACHED && down >= right) {
        *x = down;
        return 1;
    }
    if (right != UNREACHED) {
        *x = right;
        return -1;
    }
    return 0;
}

/* Searches for the shortest edit from a[0..n) to b[0..m). Returns 0 with the
 * trace in *trace (caller frees) and the distance in *dist; 1 if it needs more
 * than WDIFF_MAX_D steps (nothing to free); -1 on OOM. */
static int search(const char *const *a, int n, const char *const *b, int m, int **trace, int *dist)
{
    int *v = NULL;
    size_t cap = 0;
    int dmax = n + m < WDIFF_MAX_D ? n + m : WDIFF_MAX_D;
    for (int d = 0; d <= dmax; d++) {
        size_t need = slot(d, d) + 1;
        if (need > cap) {
            size_t ncap = cap ? cap : 64;
            while (ncap < need)
                ncap *= 2;
            int *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                free(v);
                return -1;
            }
            v = nv, cap = ncap;
        }
        int *cur = v + slot(d, -d);
        const int *prev = d ? v + slot(d - 1, -(d - 1)) : NULL;
        for (int k = -d; k <= d; k += 2) {
            int x = 0;
            if (d > 0 && !step_from(prev, d, k, n, m, &x)) {
                cur[(k + d) / 2] = UNREACHED;
                continue;
            }
            int y = x - k;
            while (x < n && y < m && strcmp(a[x], b[y]) == 0)
                x++, y++;
            cur[(k + d) / 2] = x;
            if (x == n && y == m) {
                *trace = v;
                *dist = d;
                return 0;
            }
        }
    }
    free(v);
    return 1;
}

static wdiff_edit edit(wdiff_op op, size_t a, size_t b)
{
    return (wdiff_edit){.op = op, .a = a, .b = b};
}

/* Writes the path found by search() into e[0..(n+m+dist)/2), walking back
 * from (n, m); positions are offset by off in both sequences. */
static void walk_back(const int *v, int dist, int n, int m, size_t off, wdiff_edit *e)
{
    size_t w = ((size_t)n + (size_t)m + (size_t)dist) / 2;
    int x = n, y = m;
    for (int d = dist; d > 0; d--) {
        /* step_from finds the move on the path search() found; xs = x keeps
         * a trace that is not one from reading an unset value (clang-tidy). */
        int k = x - y, xs = x;
        int dir = step_from(v + slot(d - 1, -(d - 1)), d, k, n, m, &xs);
        while (x > xs) {
            x--, y--;
            e[--w] = edit(WDIFF_SAME, off + (size_t)x, off + (size_t)y);
        }
        if (dir > 0) {
            y--;
            e[--w] = edit(WDIFF_ADD, off + (size_t)x, off + (size_t)y);
        } else {
            x--;
            e[--w] = edit(WDIFF_DEL, off + (size_t)x, off + (size_t)y);
        }
    }
    while (x > 0) {
        x--, y--;
        e[--w] = edit(WDIFF_SAME, off + (size_t)x, off + (size_t)y);
    }
}

int wdiff(const char *const *a, size_t na, const char *const *b, size_t nb, wdiff_edit **out,
          size_t *nout)
{
    *out = NULL;
    *nout = 0;
    /* The script has at most na + nb edits. */
    if (nb > SIZE_MAX / sizeof(wdiff_edit) || na > SIZE_MAX / sizeof(wdiff_edit) - nb)
        return -1;
    size_t pre = 0, suf = 0;
    while (pre < na && pre < nb && strcmp(a[pre], b[pre]) == 0)
        pre++;
    while (suf < na - pre && suf < nb - pre && strcmp(a[na - 1 - suf], b[nb - 1 - suf]) == 0)
        suf++;
    size_t n = na - pre - suf, m = nb - pre - suf;

    /* With one side empty the coarse script is the shortest one. A length
     * difference above WDIFF_MAX_D is a distance above it: no need to look. */
    int *trace = NULL, dist = -1;
    if (n > 0 && m > 0 && n <= WDIFF_MAX && m <= WDIFF_MAX &&
        (n > m ? n - m : m - n) <= WDIFF_MAX_D) {
        int rc = search(a + pre, (int)n, b + pre, (int)m, &trace, &dist);
        if (rc < 0)
            return -1;
        if (rc > 0)
            dist = -1;
    }

    size_t mid = dist >= 0 ? (n + m + (size_t)dist) / 2 : n + m;
    size_t total = pre + mid + suf;
    wdiff_edit *e = malloc((total ? total : 1) * sizeof *e);
    if (!e) {
        free(trace);
        return -1;
    }

    for (size_t i = 0; i < pre; i++)
        e[i] = edit(WDIFF_SAME, i, i);
    if (dist >= 0) {
        walk_back(trace, dist, (int)n, (int)m, pre, e + pre);
        free(trace);
    } else {
        for (size_t i = 0; i < n; i++)
            e[pre + i] = edit(WDIFF_DEL, pre + i, pre);
        for (size_t j = 0; j < m; j++)
            e[pre + n + j] = edit(WDIFF_ADD, pre + n, pre + j);
    }
    for (size_t i = 0; i < suf; i++)
        e[pre + mid + i] = edit(WDIFF_SAME, pre + n + i, pre + m + i);

    *out = e;
    *nout = total;
    return 0;
}

/* The separators of the brief: ASCII space, tab, CR, LF. A no-break space
 * (U+00A0) joins words on purpose, as it does on the page. */
static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One allocation: the pointer array (NULL-terminated), then the words, each
 * followed by its NUL; wdiff_words_free frees it all at once. */
size_t wdiff_words(const char *text, char ***words)
{
    *words = NULL;
    if (!text)
        text = "";
    size_t count = 0, bytes = 0;
    for (const char *p = text; *p; p++) {
        if (!is_space(*p)) {
            bytes++;
            if (p == text || is_space(p[-1]))
                count++;
        }
    }
    size_t head = (count + 1) * sizeof(char *);
    char **w = malloc(head + bytes + count);
    if (!w)
        return (size_t)-1;
    char *dst = (char *)w + head;
    size_t i = 0;
    for (const char *p = text; *p;) {
        if (is_space(*p)) {
            p++;
            continue;
        }
        w[i++] = dst;
        while (*p && !is_space(*p))
            *dst++ = *p++;
        *dst++ = '\0';
    }
    w[i] = NULL;
    *words = w;
    return count;
}

void wdiff_words_free(char **words)
{
    free(words);
}
