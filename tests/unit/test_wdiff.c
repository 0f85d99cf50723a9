/* Unit tests for wdiff.c: exact scripts for the everyday edits of a revised
 * form, shortest scripts checked against an independent LCS over random
 * pairs, the WDIFF_MAX and WDIFF_MAX_D bounds on both sides, and splitting a
 * block into words. */
#include "check.h"
#include "wdiff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Why e[0..ne) is not an edit script from a to b, or NULL if it is: SAME and
 * DEL walk a one by one, SAME and ADD walk b, SAME pairs equal strings, and
 * replaying it on a (keep SAME, drop DEL, take ADD from b) gives b. */
static const char *invalid(const char *const *a, size_t na, const char *const *b, size_t nb,
                           const wdiff_edit *e, size_t ne)
{
    const char **got = malloc((ne ? ne : 1) * sizeof *got);
    if (!got)
        return "out of memory in the test";
    const char *why = NULL;
    size_t ia = 0, ib = 0, ng = 0;
    for (size_t i = 0; i < ne && !why; i++) {
        switch (e[i].op) {
        case WDIFF_SAME:
            if (e[i].a != ia || e[i].b != ib || ia >= na || ib >= nb)
                why = "SAME out of step";
            else if (strcmp(a[ia], b[ib]) != 0)
                why = "SAME on different strings";
            else
                got[ng++] = a[ia];
            ia++, ib++;
            break;
        case WDIFF_DEL:
            if (e[i].a != ia || ia >= na)
                why = "DEL out of step";
            ia++;
            break;
        case WDIFF_ADD:
            if (e[i].b != ib || ib >= nb)
                why = "ADD out of step";
            else
                got[ng++] = b[ib];
            ib++;
            break;
        default:
            why = "unknown op";
        }
    }
    if (!why && (ia != na || ib != nb))
        why = "does not end at the end of both";
    for (size_t i = 0; !why && i < ng; i++)
        if (strcmp(got[i], b[i]) != 0)
            why = "replayed on a, does not give b";
    if (!why && ng != nb)
        why = "replayed on a, does not give b";
    free(got);
    return why;
}

#define CHECK_SCRIPT(a, na, b, nb, e, ne)                                                          \
    do {                                                                                           \
        const char *why_ = invalid((a), (na), (b), (nb), (e), (ne));                               \
        if (why_) {                                                                                \
            fprintf(stderr, "%s:%d: bad script: %s\n", __FILE__, __LINE__, why_);                  \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

static size_t count_edits(const wdiff_edit *e, size_t ne)
{
    size_t n = 0;
    for (size_t i = 0; i < ne; i++)
        n += e[i].op != WDIFF_SAME;
    return n;
}

/* The script's ops as text, '=' SAME, '-' DEL, '+' ADD (first 255). */
static const char *ops(const wdiff_edit *e, size_t ne)
{
    static char s[256];
    size_t i = 0;
    for (; i < ne && i < sizeof s - 1; i++)
        s[i] = e[i].op == WDIFF_SAME ? '=' : e[i].op == WDIFF_DEL ? '-' : '+';
    s[i] = '\0';
    return s;
}

/* wdiff between the words of two texts, checked valid; returns its ops, or
 * "!" if it failed. */
static const char *diff_text(const char *ta, const char *tb)
{
    char **a, **b;
    size_t na = wdiff_words(ta, &a), nb = wdiff_words(tb, &b);
    if (na == (size_t)-1 || nb == (size_t)-1) {
        wdiff_words_free(a), wdiff_words_free(b);
        return "!";
    }
    wdiff_edit *e;
    size_t ne;
    const char *s = "!";
    if (wdiff((const char *const *)a, na, (const char *const *)b, nb, &e, &ne) == 0) {
        const char *why = invalid((const char *const *)a, na, (const char *const *)b, nb, e, ne);
        if (why) {
            fprintf(stderr, "bad script for \"%s\" -> \"%s\": %s\n", ta, tb, why);
            check_failures++;
        }
        s = ops(e, ne);
        free(e);
    }
    wdiff_words_free(a);
    wdiff_words_free(b);
    return s;
}

static void test_small(void)
{
    CHECK_STR(diff_text("a b c", "a b c"), "===");
    CHECK_STR(diff_text("", ""), "");
    CHECK_STR(diff_text("", "a b"), "++");
    CHECK_STR(diff_text("a b", ""), "--");
    CHECK_STR(diff_text("a b c", "x a b c"), "+===");
    CHECK_STR(diff_text("a b c", "a b x c"), "==+=");
    CHECK_STR(diff_text("a b c", "a b c x"), "===+");
    CHECK_STR(diff_text("a b c", "a x y b c"), "=++==");
    CHECK_STR(diff_text("a b c", "b c"), "-==");
    CHECK_STR(diff_text("a b c", "a c"), "=-=");
    CHECK_STR(diff_text("a b c", "a b"), "==-");
    CHECK_STR(diff_text("a b c", "a x c"), "=-+=");
    CHECK_STR(diff_text("a b c d", "a x d"), "=--+=");
    CHECK_STR(diff_text("a b c", "x y z"), "---+++");
    CHECK_STR(diff_text("a b a", "b a b"), "-==+");

    /* Empty on both sides: no edits, and still something to free. */
    wdiff_edit *e = NULL;
    size_t ne = 99;
    CHECK_INT(wdiff(NULL, 0, NULL, 0, &e, &ne), 0);
    CHECK_INT(ne, 0);
    free(e);
}

static void test_changed_word(void)
{
    char **a, **b;
    size_t na = wdiff_words("You may feel mild pain after the procedure.", &a);
    size_t nb = wdiff_words("You may feel moderate pain after the procedure.", &b);
    CHECK_INT(na, 8);
    CHECK_INT(nb, 8);
    wdiff_edit *e;
    size_t ne;
    CHECK_INT(wdiff((const char *const *)a, na, (const char *const *)b, nb, &e, &ne), 0);
    CHECK_INT(ne, 9);
    CHECK_STR(ops(e, ne), "===-+====");
    CHECK_INT(e[3].a, 3);
    CHECK_STR(a[e[3].a], "mild");
    CHECK_INT(e[4].b, 3);
    CHECK_STR(b[e[4].b], "moderate");
    CHECK_INT(e[5].a, 4);
    CHECK_INT(e[5].b, 4);
    CHECK_INT(e[8].a, 7);
    CHECK_INT(e[8].b, 7);
    free(e);
    wdiff_words_free(a);
    wdiff_words_free(b);
}

/* Myers' own example (1986, fig. 1): D = 5. */
static void test_known_distance(void)
{
    const char *a[] = {"A", "B", "C", "A", "B", "B", "A"};
    const char *b[] = {"C", "B", "A", "B", "A", "C"};
    wdiff_edit *e;
    size_t ne;
    CHECK_INT(wdiff(a, 7, b, 6, &e, &ne), 0);
    CHECK_SCRIPT(a, 7, b, 6, e, ne);
    CHECK_INT(count_edits(e, ne), 5);
    CHECK_INT(ne, 9); /* 4 SAME: the LCS has length 4 */
    free(e);
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; /* xorshift64 */
    return (unsigned)(rng % n);
}

enum { RMAX = 16 };

/* na + nb - 2 * LCS, by the O(na * nb) table: what the shortest script costs. */
static size_t lcs_distance(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    size_t t[RMAX + 1][RMAX + 1];
    for (size_t i = 0; i <= na; i++)
        for (size_t j = 0; j <= nb; j++) {
            if (i == 0 || j == 0)
                t[i][j] = 0;
            else if (strcmp(a[i - 1], b[j - 1]) == 0)
                t[i][j] = t[i - 1][j - 1] + 1;
            else
                t[i][j] = t[i - 1][j] > t[i][j - 1] ? t[i - 1][j] : t[i][j - 1];
        }
    return na + nb - 2 * t[na][nb];
}

static void test_random(void)
{
    static const char *const alphabet[] = {"the", "risk", "is", "low"};
    int bad = 0;
    for (int round = 0; round < 2000 && bad < 5; round++) {
        const char *a[RMAX], *b[RMAX];
        unsigned letters = 2 + rnd(3);
        size_t na = rnd(RMAX + 1), nb = rnd(RMAX + 1);
        for (size_t i = 0; i < na; i++)
            a[i] = alphabet[rnd(letters)];
        /* Half the time b is a few edits away from a, as a revision is. */
        if (rnd(2)) {
            nb = 0;
            for (size_t i = 0; i < na && nb < RMAX; i++) {
                unsigned r = rnd(6);
                if (r == 0)
                    continue;
                if (r == 1 && nb < RMAX - 1)
                    b[nb++] = alphabet[rnd(letters)];
                b[nb++] = a[i];
            }
        } else {
            for (size_t i = 0; i < nb; i++)
                b[i] = alphabet[rnd(letters)];
        }

        wdiff_edit *e, *e2;
        size_t ne, ne2;
        if (wdiff(a, na, b, nb, &e, &ne) != 0 || wdiff(a, na, b, nb, &e2, &ne2) != 0) {
            CHECK(!"wdiff failed");
            return;
        }
        int before = check_failures;
        CHECK_SCRIPT(a, na, b, nb, e, ne);
        CHECK_INT(count_edits(e, ne), lcs_distance(a, na, b, nb));

        /* The common prefix and suffix come out as SAME. */
        size_t pre = 0, suf = 0;
        while (pre < na && pre < nb && strcmp(a[pre], b[pre]) == 0)
            pre++;
        while (suf < na - pre && suf < nb - pre && strcmp(a[na - 1 - suf], b[nb - 1 - suf]) == 0)
            suf++;
        for (size_t i = 0; i < pre && i < ne; i++)
            CHECK(e[i].op == WDIFF_SAME);
        for (size_t i = 0; i < suf && i < ne; i++)
            CHECK(e[ne - 1 - i].op == WDIFF_SAME);

        /* "-old +new": never an ADD right before a DEL. */
        for (size_t i = 1; i < ne; i++)
            CHECK(!(e[i - 1].op == WDIFF_ADD && e[i].op == WDIFF_DEL));

        /* The same input gives the same script. */
        CHECK_INT(ne2, ne);
        for (size_t i = 0; i < ne && i < ne2; i++)
            CHECK(e[i].op == e2[i].op && e[i].a == e2[i].a && e[i].b == e2[i].b);

        if (check_failures != before) {
            fprintf(stderr, "  in round %d: a has %zu, b has %zu, script %s\n", round, na, nb,
                    ops(e, ne));
            bad++;
        }
        free(e);
        free(e2);
    }
}

/* n distinct names with the given prefix ("a0", "a1", ...) in one block. */
enum { NAME_SIZE = 24 }; /* a letter, any size_t, the NUL */

static const char **names(char prefix, size_t n, char **store)
{
    const char **v = malloc(n * sizeof *v);
    *store = malloc(n * NAME_SIZE);
    if (!v || !*store) {
        fprintf(stderr, "out of memory in the test\n");
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(*store + NAME_SIZE * i, NAME_SIZE, "%c%zu", prefix, i);
        v[i] = *store + NAME_SIZE * i;
    }
    return v;
}

/* Two sequences of n items with nothing in common but "X" at position at. */
static void one_common(size_t n, size_t at, wdiff_edit **e, size_t *ne, int *ok)
{
    char *sa, *sb;
    const char **a = names('a', n, &sa), **b = names('b', n, &sb);
    a[at] = b[at] = "X";
    *ok = wdiff(a, n, b, n, e, ne) == 0;
    if (*ok)
        CHECK_SCRIPT(a, n, b, n, *e, *ne);
    free(a), free(b), free(sa), free(sb);
}

static void test_max_d(void)
{
    wdiff_edit *e;
    size_t ne;
    int ok;

    /* D = 4000 = WDIFF_MAX_D: still searched, X kept. */
    one_common(2001, 1000, &e, &ne, &ok);
    CHECK(ok);
    if (ok) {
        CHECK_INT(ne, 4001);
        CHECK_INT(count_edits(e, ne), WDIFF_MAX_D);
        CHECK(e[2000].op == WDIFF_SAME && e[2000].a == 1000 && e[2000].b == 1000);
        CHECK(e[999].op == WDIFF_DEL && e[1000].op == WDIFF_ADD);
        free(e);
    }

    /* D = 4002: falls back to all removed, all added; X is not kept. */
    one_common(2002, 1000, &e, &ne, &ok);
    CHECK(ok);
    if (ok) {
        CHECK_INT(ne, 4004);
        CHECK_INT(count_edits(e, ne), 4004);
        CHECK(e[2001].op == WDIFF_DEL && e[2002].op == WDIFF_ADD);
        free(e);
    }

    /* Nothing in common, 3,000 each: D = 6,000, fallback, same answer. */
    char *sa, *sb;
    const char **a = names('a', 3000, &sa), **b = names('b', 3000, &sb);
    CHECK_INT(wdiff(a, 3000, b, 3000, &e, &ne), 0);
    CHECK_SCRIPT(a, 3000, b, 3000, e, ne);
    CHECK_INT(ne, 6000);
    CHECK(e[2999].op == WDIFF_DEL && e[3000].op == WDIFF_ADD);
    free(e);

    /* The fallback covers only the middle: a shared first and last item stay. */
    a[0] = b[0] = "Consent";
    a[2999] = b[2999] = "Signed";
    a[1500] = b[1500] = "X";
    CHECK_INT(wdiff(a, 3000, b, 3000, &e, &ne), 0);
    CHECK_SCRIPT(a, 3000, b, 3000, e, ne);
    CHECK_INT(ne, 2 + 2 * 2998);
    CHECK(e[0].op == WDIFF_SAME && e[ne - 1].op == WDIFF_SAME);
    CHECK_INT(count_edits(e, ne), 2 * 2998);
    free(e);
    free(a), free(b), free(sa), free(sb);
}

/* n items: first, then "w" n - 2 times, then last. */
static const char **framed(size_t n, const char *first, const char *last)
{
    const char **v = malloc(n * sizeof *v);
    if (!v) {
        fprintf(stderr, "out of memory in the test\n");
        exit(2);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = "w";
    v[0] = first;
    v[n - 1] = last;
    return v;
}

static void test_max(void)
{
    wdiff_edit *e;
    size_t ne;

    /* Middle of WDIFF_MAX items, D = 4: searched. */
    const char **a = framed(WDIFF_MAX, "A", "Z"), **b = framed(WDIFF_MAX, "B", "Y");
    CHECK_INT(wdiff(a, WDIFF_MAX, b, WDIFF_MAX, &e, &ne), 0);
    CHECK_SCRIPT(a, WDIFF_MAX, b, WDIFF_MAX, e, ne);
    CHECK_INT(count_edits(e, ne), 4);
    CHECK_INT(ne, WDIFF_MAX + 2);
    free(e);
    free(a), free(b);

    /* One more item: too long to search, all removed and all added. */
    a = framed(WDIFF_MAX + 1, "A", "Z"), b = framed(WDIFF_MAX + 1, "B", "Y");
    CHECK_INT(wdiff(a, WDIFF_MAX + 1, b, WDIFF_MAX + 1, &e, &ne), 0);
    CHECK_SCRIPT(a, WDIFF_MAX + 1, b, WDIFF_MAX + 1, e, ne);
    CHECK_INT(ne, 2 * (WDIFF_MAX + 1));
    CHECK_INT(count_edits(e, ne), 2 * (WDIFF_MAX + 1));
    free(e);
    free(a), free(b);

    /* Long, but the prefix is trimmed first: only the last item differs. */
    a = framed(WDIFF_MAX + 2, "w", "x"), b = framed(WDIFF_MAX + 2, "w", "y");
    CHECK_INT(wdiff(a, WDIFF_MAX + 2, b, WDIFF_MAX + 2, &e, &ne), 0);
    CHECK_SCRIPT(a, WDIFF_MAX + 2, b, WDIFF_MAX + 2, e, ne);
    CHECK_INT(ne, WDIFF_MAX + 3);
    CHECK(e[ne - 2].op == WDIFF_DEL && e[ne - 1].op == WDIFF_ADD);
    free(e);
    free(a), free(b);
}

static void test_words(void)
{
    char **w;
    CHECK_INT(wdiff_words("  Hello,  world!\n\tBye ", &w), 3);
    CHECK_STR(w[0], "Hello,");
    CHECK_STR(w[1], "world!");
    CHECK_STR(w[2], "Bye");
    wdiff_words_free(w);

    CHECK_INT(wdiff_words("", &w), 0);
    wdiff_words_free(w);
    CHECK_INT(wdiff_words(" \t\r\n ", &w), 0);
    wdiff_words_free(w);

    CHECK_INT(wdiff_words("consent\r\nform", &w), 2);
    CHECK_STR(w[0], "consent");
    CHECK_STR(w[1], "form");
    wdiff_words_free(w);

    /* A no-break space is not ASCII whitespace: "10 mg" stays one word. */
    CHECK_INT(wdiff_words("Dr. Nguy\xE1\xBB\x85n: 10\xC2\xA0mg", &w), 3);
    CHECK_STR(w[1], "Nguy\xE1\xBB\x85n:");
    CHECK_STR(w[2], "10\xC2\xA0mg");
    wdiff_words_free(w);
}

int main(void)
{
    test_small();
    test_changed_word();
    test_known_distance();
    test_random();
    test_max_d();
    test_max();
    test_words();
    CHECK_DONE();
}
