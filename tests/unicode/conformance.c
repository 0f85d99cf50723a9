/*
 * conformance.c — the text stage (src/text/text.h) against Unicode's own
 * test data: BidiCharacterTest (levels and visual order, UAX #9),
 * LineBreakTest (UAX #14) and GraphemeBreakTest (UAX #29), as shipped by
 * Debian's unicode-data. Everything goes through our API, as the layout
 * would use it: levels from text_analyze's runs, order from text_reorder,
 * breaks and clusters from the flags.
 *
 * Every failure must be a known deviation listed in deviations.txt, and
 * every listed deviation must still happen, so the list stays true.
 *
 *   conformance [UNICODE_DIR [DEVIATIONS]]   (default /usr/share/unicode)
 *
 * Exits 0 when all is as listed, 1 otherwise, 77 (skip) when the data is
 * not installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

#include "text.h"
#include "utf8.h"

#define MAX_CPS 256

/* A listed deviation: a file's test line, or a class of failures that the
 * harness recognises (class:NAME). */
typedef struct deviation {
    char file[32];
    char id[64];
    int hits;
} deviation;

static deviation devs[512];
static size_t ndevs;
static int unexpected;

static int load_deviations(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (ndevs == sizeof devs / sizeof devs[0])
            break;
        deviation *d = &devs[ndevs];
        if (sscanf(line, "%31s %63s", d->file, d->id) == 2)
            ndevs++;
    }
    fclose(f);
    return 0;
}

/* True (and counted) when this failure is listed. */
static bool listed(const char *file, const char *id)
{
    for (size_t i = 0; i < ndevs; i++) {
        if (strcmp(devs[i].file, file) == 0 && strcmp(devs[i].id, id) == 0) {
            devs[i].hits++;
            return true;
        }
    }
    return false;
}

/* A failure of line lineno (or of a class, when cls is not NULL). */
static bool known(const char *file, long lineno, const char *cls)
{
    char id[64];
    if (cls)
        snprintf(id, sizeof id, "class:%s", cls);
    else
        snprintf(id, sizeof id, "%ld", lineno);
    return listed(file, id);
}

static void unexpected_failure(const char *file, long lineno, const char *what)
{
    if (unexpected < 1000)
        fprintf(stderr, "%s:%ld: %s\n", file, lineno, what);
    unexpected++;
}

/* UTF-8 for cps, with offs[k] the byte offset of cps[k] (offs[n] the length). */
static size_t encode(const uint32_t *cps, size_t n, char *out, size_t *offs)
{
    size_t len = 0;
    for (size_t k = 0; k < n; k++) {
        offs[k] = len;
        len += utf8_encode(cps[k], out + len);
    }
    offs[n] = len;
    return len;
}

static void report(const char *name, long total, long pass, long deviations)
{
    printf("%s: %ld of %ld pass, %ld known deviations\n", name, pass, total, deviations);
}

/* ---- LineBreakTest and GraphemeBreakTest: "× 0023 ÷ 0020 ×" ---------- */

static int run_breaks(const char *path, const char *name, uint8_t flag, arena *a)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    long lineno = 0, total = 0, pass = 0, devcount = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        uint32_t cps[MAX_CPS];
        bool brk[MAX_CPS + 1]; /* brk[k]: a break before cps[k] */
        size_t n = 0;
        for (char *p = line; *p;) {
            if (strncmp(p, "\xC3\xB7", 2) == 0) { /* ÷ */
                brk[n] = true;
                p += 2;
            } else if (strncmp(p, "\xC3\x97", 2) == 0) { /* × */
                brk[n] = false;
                p += 2;
            } else if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F')) {
                char *end;
                cps[n++] = (uint32_t)strtoul(p, &end, 16);
                p = end;
            } else {
                p++;
            }
        }
        if (n == 0)
            continue;
        total++;
        char text[MAX_CPS * 4];
        size_t offs[MAX_CPS + 1];
        size_t len = encode(cps, n, text, offs);
        text_para para;
        if (text_analyze(text, len, NULL, TEXT_DIR_LTR, a, &para) != 0) {
            unexpected_failure(name, lineno, "text_analyze failed");
            continue;
        }
        /* The break before the first character is no opportunity (we never
         * set one there, the files mark it ×); compare 1..n. */
        bool ok = true, only_in_clusters = true;
        char what[256] = "";
        for (size_t k = 1; k <= n; k++) {
            bool got = para.flags[offs[k]] & flag;
            if (got == brk[k])
                continue;
            ok = false;
            if (!(brk[k] && !(para.flags[offs[k]] & TEXT_CLUSTER)))
                only_in_clusters = false;
            size_t w = strlen(what);
            snprintf(what + w, sizeof what - w, "%s before char %zu (U+%04X); ",
                     got ? "unexpected break" : "missing break", k, (unsigned)cps[k < n ? k : 0]);
        }
        if (ok) {
            pass++;
        } else if (flag == TEXT_BREAK && only_in_clusters &&
                   known(name, lineno, "break-inside-cluster")) {
            devcount++;
        } else if (known(name, lineno, NULL)) {
            devcount++;
        } else {
            unexpected_failure(name, lineno, what);
        }
    }
    fclose(f);
    report(name, total, pass, devcount);
    return 0;
}

/* ---- BidiCharacterTest: "cps;dir;para level;levels;order" ------------- */

static bool bidi_whitespace_like(UCharDirection d)
{
    /* Rule L1's whitespace, with the isolates, and the characters X9 removed
     * (kept here, as ICU keeps them: they go with the whitespace). */
    return d == U_WHITE_SPACE_NEUTRAL || d == U_LEFT_TO_RIGHT_ISOLATE ||
           d == U_RIGHT_TO_LEFT_ISOLATE || d == U_FIRST_STRONG_ISOLATE ||
           d == U_POP_DIRECTIONAL_ISOLATE || d == U_BOUNDARY_NEUTRAL ||
           d == U_LEFT_TO_RIGHT_EMBEDDING || d == U_RIGHT_TO_LEFT_EMBEDDING ||
           d == U_LEFT_TO_RIGHT_OVERRIDE || d == U_RIGHT_TO_LEFT_OVERRIDE ||
           d == U_POP_DIRECTIONAL_FORMAT;
}

/* UAX #9 L1 on one line: segment and paragraph separators, and whitespace
 * (and isolates) before them or at the end of the line, go to the paragraph
 * level. The layout does the same for each line it makes. */
static void bidi_l1(const uint32_t *cps, size_t n, uint8_t para, uint8_t *levels)
{
    bool trailing = true;
    for (size_t k = n; k-- > 0;) {
        UCharDirection d = u_charDirection((UChar32)cps[k]);
        if (d == U_SEGMENT_SEPARATOR || d == U_BLOCK_SEPARATOR) {
            levels[k] = para;
            trailing = true;
        } else if (trailing && bidi_whitespace_like(d)) {
            levels[k] = para;
        } else {
            trailing = false;
        }
    }
}

static int run_bidi(const char *path, arena *a)
{
    const char *name = "BidiCharacterTest";
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[8192];
    long lineno = 0, total = 0, pass = 0, devcount = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *field[5];
        char *save = NULL;
        size_t nf = 0;
        for (char *tok = strtok_r(line, ";", &save); tok && nf < 5;
             tok = strtok_r(NULL, ";", &save))
            field[nf++] = tok;
        if (nf != 5)
            continue;
        total++;
        uint32_t cps[MAX_CPS];
        size_t n = 0;
        for (char *p = field[0], *end; n < MAX_CPS; p = end) {
            unsigned long cp = strtoul(p, &end, 16);
            if (end == p)
                break;
            cps[n++] = (uint32_t)cp;
        }
        int dir = atoi(field[1]);
        int want_para = atoi(field[2]);
        int want_level[MAX_CPS]; /* -1: removed by X9 */
        size_t nl = 0;
        for (char *p = field[3]; *p && nl < MAX_CPS;) {
            while (*p == ' ')
                p++;
            if (*p == 'x') {
                want_level[nl++] = -1;
                p++;
            } else if (*p >= '0' && *p <= '9') {
                char *end;
                want_level[nl++] = (int)strtol(p, &end, 10);
                p = end;
            } else {
                p++;
            }
        }
        long want_order[MAX_CPS];
        size_t no = 0;
        for (char *p = field[4], *end; no < MAX_CPS; p = end) {
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            want_order[no++] = v;
        }
        if (nl != n) {
            unexpected_failure(name, lineno, "cannot parse");
            continue;
        }

        char text[MAX_CPS * 4];
        size_t offs[MAX_CPS + 1];
        size_t len = encode(cps, n, text, offs);
        text_dir tdir = dir == 0 ? TEXT_DIR_LTR : dir == 1 ? TEXT_DIR_RTL : TEXT_DIR_AUTO;
        text_para para;
        if (text_analyze(text, len, NULL, tdir, a, &para) != 0) {
            unexpected_failure(name, lineno, "text_analyze failed");
            continue;
        }
        uint8_t levels[MAX_CPS];
        size_t r = 0;
        for (size_t k = 0; k < n; k++) {
            while (para.runs[r].end <= offs[k])
                r++;
            levels[k] = para.runs[r].level;
        }
        bidi_l1(cps, n, para.base_level, levels);

        char what[256] = "";
        bool para_ok = para.base_level == want_para, levels_ok = true, order_ok = true;
        if (!para_ok)
            snprintf(what, sizeof what, "paragraph level %d, want %d", para.base_level, want_para);
        /* The characters X9 removed take no part in levels or order. */
        uint8_t kept_levels[MAX_CPS];
        size_t kept_index[MAX_CPS], nk = 0;
        unsigned want_parities = 0, got_parities = 0;
        for (size_t k = 0; k < n; k++) {
            if (want_level[k] < 0)
                continue;
            want_parities |= 1u << (want_level[k] & 1);
            got_parities |= 1u << (levels[k] & 1);
            if (levels_ok && levels[k] != want_level[k]) {
                levels_ok = false;
                size_t w = strlen(what);
                snprintf(what + w, sizeof what - w, "level of char %zu is %d, want %d; ", k,
                         levels[k], want_level[k]);
            }
            kept_levels[nk] = levels[k];
            kept_index[nk++] = k;
        }
        int32_t order[MAX_CPS];
        text_reorder(kept_levels, nk, order);
        if (nk != no) {
            order_ok = false;
            size_t w = strlen(what);
            snprintf(what + w, sizeof what - w, "%zu characters in the order, want %zu", nk, no);
        }
        for (size_t v = 0; order_ok && v < nk; v++) {
            if ((long)kept_index[order[v]] != want_order[v]) {
                order_ok = false;
                size_t w = strlen(what);
                snprintf(what + w, sizeof what - w, "visual position %zu shows char %zu, want %ld",
                         v, kept_index[order[v]], want_order[v]);
            }
        }
        /* ICU keeps no resolved levels for text whose levels all have one
         * parity: it reports the paragraph level throughout. The order it
         * gives is the same (ICU's own bidiconf accepts this too). */
        bool shortcut = para_ok && !levels_ok && order_ok && want_parities == got_parities &&
                        (want_parities == 1u || want_parities == 2u);
        if (para_ok && levels_ok && order_ok)
            pass++;
        else if (shortcut && known(name, lineno, "unidirectional-shortcut"))
            devcount++;
        else if (known(name, lineno, NULL))
            devcount++;
        else
            unexpected_failure(name, lineno, what);
    }
    fclose(f);
    report(name, total, pass, devcount);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/usr/share/unicode";
    const char *devpath = argc > 2 ? argv[2] : "deviations.txt";
    char bidi[1024], line[1024], grapheme[1024];
    snprintf(bidi, sizeof bidi, "%s/BidiCharacterTest.txt", dir);
    snprintf(line, sizeof line, "%s/auxiliary/LineBreakTest.txt", dir);
    snprintf(grapheme, sizeof grapheme, "%s/auxiliary/GraphemeBreakTest.txt", dir);
    const char *need[] = {bidi, line, grapheme};
    for (size_t i = 0; i < 3; i++) {
        FILE *f = fopen(need[i], "r");
        if (!f) {
            printf("skip: %s: %s (Debian: apt-get install unicode-data)\n", need[i],
                   strerror(errno));
            return 77;
        }
        fclose(f);
    }
    if (load_deviations(devpath) != 0)
        return 1;

    int rc = 0;
    /* One arena per file, reset between lines would be nicer; the files are
     * small enough (a few MB of results) to keep everything. */
    arena *a = arena_new();
    if (!a || run_bidi(bidi, a) != 0 || run_breaks(line, "LineBreakTest", TEXT_BREAK, a) != 0 ||
        run_breaks(grapheme, "GraphemeBreakTest", TEXT_CLUSTER, a) != 0)
        rc = 1;
    arena_free(a);
    text_cleanup();

    for (size_t i = 0; i < ndevs; i++) {
        if (devs[i].hits == 0) {
            fprintf(stderr, "%s %s: listed as a deviation but passes now: remove it from %s\n",
                    devs[i].file, devs[i].id, devpath);
            rc = 1;
        }
    }
    if (unexpected) {
        fprintf(stderr, "%d unexpected failure(s)\n", unexpected);
        rc = 1;
    }
    return rc;
}
