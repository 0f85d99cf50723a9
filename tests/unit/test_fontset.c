/* Unit tests for fontset.c: the family answers for its own characters, and
 * for every script a form may be translated into fontconfig finds a face
 * that really has the character; nothing is found for a code point no font
 * maps; answers repeat, files open once, bold asks for bold, the language
 * picks among a collection's faces, threads agree with one another, and a
 * family in OpenType CFF (.otf) works as one in TrueType.
 * Without the Noto fonts it says "skip:" and exits 77. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fontset.h"

#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define DEJAVU_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define CJK "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
#define CJK_BOLD "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
#define NIMBUS "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf"
#define NIMBUS_BOLD "/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf"

/* Arabic, CJK, Khmer, Thai, Devanagari, Gurmukhi, Hangul, Ethiopic,
 * Armenian, Georgian, Hebrew. */
static const uint32_t scripts[] = {0x0645, 0x82B3, 0x1780, 0x0E2A, 0x0915, 0x0A17,
                                   0xD55C, 0x1208, 0x0531, 0x10D0, 0x05D0};
#define NSCRIPTS (sizeof scripts / sizeof *scripts)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = s ? strlen(s) : 0, b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static void test_scripts(fontset *fs)
{
    const mp_font *family = fontset_font(fs, 0);
    for (size_t i = 0; i < NSCRIPTS; i++) {
        uint32_t cp = scripts[i];
        int face = fontset_face_for(fs, 0, cp, NULL);
        const mp_font *f = fontset_font(fs, face);
        CHECK(f != NULL);
        if (!f) {
            fprintf(stderr, "no face for U+%04X\n", (unsigned)cp);
            continue;
        }
        CHECK(font_glyph(f, cp) != 0);
        /* DejaVu Sans itself has Arabic, Armenian, Georgian and Hebrew. */
        if (font_glyph(family, cp))
            CHECK_INT(face, 0);
        else
            CHECK(face >= 2);
        fprintf(stderr, "note: U+%04X -> face %d %s (%s)\n", (unsigned)cp, face,
                fontset_describe(fs, face), font_family(f));
        /* The same question, the same answer, no new face. */
        int count = fontset_count(fs);
        CHECK_INT(fontset_face_for(fs, 0, cp, NULL), face);
        CHECK_INT(fontset_count(fs), count);
    }
    CHECK_STR(fontset_describe(fs, fontset_face_for(fs, 0, 0x82B3, NULL)), CJK);

    /* Private use U+E000 and the unassigned U+0378: no installed font maps
     * either (fc-list ':charset=e000' lists nothing), and the family's
     * .notdef is no answer. */
    CHECK_INT(fontset_face_for(fs, 0, 0xE000, NULL), -1);
    CHECK_INT(fontset_face_for(fs, 0, 0x0378, NULL), -1);
    CHECK_INT(fontset_face_for(fs, 1, 0xE000, "ja"), -1);
    CHECK_INT(fontset_face_for(fs, 0, 0x110000, NULL), -1);
    CHECK(fontset_font(fs, -1) == NULL);
    CHECK(fontset_font(fs, fontset_count(fs)) == NULL);
    CHECK(fontset_describe(fs, 99) == NULL);
}

static void test_family(fontset *fs)
{
    CHECK_INT(fontset_count(fs) >= 2, 1);
    CHECK_STR(fontset_describe(fs, 0), DEJAVU);
    CHECK_STR(fontset_describe(fs, 1), DEJAVU_BOLD);
    CHECK_INT(fontset_face_for(fs, 0, 'A', NULL), 0);
    CHECK_INT(fontset_face_for(fs, 1, 'A', NULL), 1);
    CHECK_INT(fontset_face_for(fs, 7, 0xE9, "fr"), 1); /* any non-zero style is bold */
}

/* A family in OpenType CFF (.otf): its own faces answer for Latin, and
 * what it lacks falls back as for TrueType. */
static void test_cff_family(void)
{
    if (access(NIMBUS, R_OK) != 0 || access(NIMBUS_BOLD, R_OK) != 0) {
        fprintf(stderr, "note: fonts-urw-base35 missing; the CFF family check skipped\n");
        return;
    }
    fontset *fs = NULL;
    mp_err err;
    err_clear(&err);
    CHECK_INT(fontset_open(NIMBUS, NIMBUS_BOLD, &fs, &err), 0);
    if (!fs)
        return;
    CHECK(font_is_cff(fontset_font(fs, 0)) && font_is_cff(fontset_font(fs, 1)));
    CHECK_INT(fontset_face_for(fs, 0, 0xF1, "es"), 0); /* ñ */
    CHECK_INT(fontset_face_for(fs, 1, 0xF1, "es"), 1);
    int cjk = fontset_face_for(fs, 0, 0x82B3, NULL);
    CHECK(cjk >= 2);
    CHECK_STR(fontset_describe(fs, cjk), CJK);
    fontset_free(fs);
}

static void test_bold_and_lang(fontset *fs)
{
    int regular = fontset_face_for(fs, 0, 0x82B3, NULL);
    int bold = fontset_face_for(fs, 1, 0x82B3, NULL);
    CHECK(bold >= 2 && bold != regular);
    CHECK_STR(fontset_describe(fs, bold), CJK_BOLD);
    int khmer_bold = fontset_face_for(fs, 1, 0x1780, NULL);
    CHECK(ends_with(fontset_describe(fs, khmer_bold), "-Bold.ttf"));

    /* One ideograph, four languages: four faces of one collection, each
     * opened once and told apart by its index. */
    int ja = fontset_face_for(fs, 0, 0x82B3, "ja");
    int ko = fontset_face_for(fs, 0, 0x82B3, "ko");
    int sc = fontset_face_for(fs, 0, 0x82B3, "zh-CN");
    int tc = fontset_face_for(fs, 0, 0x82B3, "zh-TW");
    CHECK_INT(ja, regular); /* fontconfig's own preference is the JP face */
    CHECK_STR(fontset_describe(fs, ja), CJK);
    CHECK_STR(fontset_describe(fs, ko), CJK "#1");
    CHECK_STR(fontset_describe(fs, sc), CJK "#2");
    CHECK_STR(fontset_describe(fs, tc), CJK "#3");
    CHECK_INT(font_face_index(fontset_font(fs, tc)), 3);
    CHECK_STR(font_family(fontset_font(fs, ko)), "Noto Sans CJK KR");
    /* Hangul in Korean text: the KR face again, not a new one. */
    int count = fontset_count(fs);
    CHECK_INT(fontset_face_for(fs, 0, 0xD55C, "ko"), ko);
    CHECK_INT(fontset_count(fs), count);
}

typedef struct job {
    fontset *fs;
    int start;
    const char *answer[NSCRIPTS * 2];
} job;

static void *lookups(void *arg)
{
    job *j = arg;
    for (size_t k = 0; k < NSCRIPTS * 2; k++) {
        size_t i = (k + (size_t)j->start) % (NSCRIPTS * 2);
        int face = fontset_face_for(j->fs, (int)(i % 2), scripts[i / 2], NULL);
        j->answer[i] = fontset_describe(j->fs, face);
    }
    return NULL;
}

/* Four threads ask in different orders: they may number the faces
 * differently from a lone thread, but name the same files. */
static void test_threads(fontset *serial)
{
    job want = {serial, 0, {0}};
    lookups(&want);
    fontset *fs = NULL;
    mp_err err;
    CHECK_INT(fontset_open(DEJAVU, DEJAVU_BOLD, &fs, &err), 0);
    if (!fs)
        return;
    job jobs[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (job){fs, t * 5, {0}};
        CHECK_INT(pthread_create(&th[t], NULL, lookups, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        for (size_t i = 0; i < NSCRIPTS * 2; i++)
            CHECK_STR(jobs[t].answer[i], want.answer[i]);
    }
    /* No file#index twice in the table. */
    for (int a = 0; a < fontset_count(fs); a++)
        for (int b = a + 1; b < fontset_count(fs); b++)
            CHECK(strcmp(fontset_describe(fs, a), fontset_describe(fs, b)) != 0);
    fontset_free(fs);
}

int main(void)
{
    if (access(CJK, R_OK) != 0 || access(CJK_BOLD, R_OK) != 0 || access(DEJAVU, R_OK) != 0 ||
        access("/usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf", R_OK) != 0) {
        printf("skip: fonts-noto-core, fonts-noto-cjk or fonts-dejavu-core not installed\n");
        return 77;
    }
    fontset *fs = NULL;
    mp_err err;
    err_clear(&err);
    CHECK_INT(fontset_open("/nonexistent.ttf", DEJAVU_BOLD, &fs, &err), EX_NOINPUT);
    CHECK(fs == NULL);
    CHECK_INT(fontset_open(DEJAVU, DEJAVU_BOLD, &fs, &err), 0);
    if (!fs) {
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
        return 1;
    }
    test_family(fs);

    /* Timing: the first fallback loads fontconfig's configuration and
     * cache; a remembered answer is a hash lookup under a lock. */
    double t0 = now_ms();
    int khmer = fontset_face_for(fs, 0, 0x1780, NULL);
    double first = now_ms() - t0;
    t0 = now_ms();
    int other = fontset_face_for(fs, 0, 0x0E2A, NULL);
    double second = now_ms() - t0;
    t0 = now_ms();
    for (int i = 0; i < 100000; i++)
        CHECK_INT(fontset_face_for(fs, 0, 0x1780, NULL), khmer);
    double cached = (now_ms() - t0) / 100000 * 1e6;
    CHECK(khmer >= 2 && other >= 2);
    fprintf(stderr,
            "note: first fallback lookup %.1f ms (fontconfig init), a second script %.2f ms, "
            "a remembered one %.0f ns\n",
            first, second, cached);

    test_scripts(fs);
    test_bold_and_lang(fs);
    test_threads(fs);
    test_cff_family();

    /* The same file as regular and bold: one face, two numbers. */
    fontset *same = NULL;
    CHECK_INT(fontset_open(DEJAVU, DEJAVU, &same, &err), 0);
    if (same) {
        CHECK(fontset_font(same, 0) == fontset_font(same, 1));
        CHECK_INT(fontset_face_for(same, 1, 'A', NULL), 1);
        fontset_free(same);
    }
    fontset_free(fs);
    fontset_cleanup();
    CHECK_DONE();
}
