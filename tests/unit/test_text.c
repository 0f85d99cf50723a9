/* Unit tests for text.c: clusters, line breaks (with the Japanese, Thai and
 * Khmer rules), bidi levels, script runs and run reordering, on the kinds of
 * text a consent form carries: patient names in many scripts, record numbers,
 * quoted wording. */
#include <hb.h>
#include <stdlib.h>

#include "check.h"
#include "text.h"
#include "utf8.h"

static arena *A;

static text_para analyze(const char *s, const char *lang, text_dir dir)
{
    text_para p;
    int rc = text_analyze(s, strlen(s), lang, dir, A, &p);
    CHECK_INT(rc, 0);
    return p;
}

/* The byte offsets with flag f set, as "3,7,12", so a failure shows them all. */
static const char *offsets(const text_para *p, uint8_t f)
{
    static char buf[1024];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i <= p->len && n + 24 < sizeof buf; i++) {
        if (p->flags[i] & f)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%zu", n ? "," : "", i);
    }
    return buf;
}

/* Runs as "start-end:level:Scpt ...". */
static const char *runs(const text_para *p)
{
    static char buf[1024];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t r = 0; r < p->nruns && n + 40 < sizeof buf; r++) {
        char tag[5];
        hb_tag_to_string((hb_tag_t)p->runs[r].script, tag);
        tag[4] = '\0';
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%zu-%zu:%u:%s", r ? " " : "",
                              p->runs[r].start, p->runs[r].end, p->runs[r].level, tag);
    }
    return buf;
}

/* The invariants of every analysis: runs tile [0, len) in order, each
 * starting on a character; a break is always a cluster boundary; the end is
 * both; mandatory only with break and never at 0 or at the end. */
static void check_invariants(const text_para *p)
{
    size_t at = 0;
    for (size_t r = 0; r < p->nruns; r++) {
        CHECK_INT(p->runs[r].start, at);
        CHECK(p->runs[r].end > p->runs[r].start);
        CHECK(p->flags[p->runs[r].start] & TEXT_CLUSTER || (p->text[at] & 0xC0) != 0x80);
        if (r > 0)
            CHECK(p->runs[r].level != p->runs[r - 1].level ||
                  p->runs[r].script != p->runs[r - 1].script);
        at = p->runs[r].end;
    }
    CHECK_INT(at, p->len);
    for (size_t i = 0; i <= p->len; i++) {
        if (p->flags[i] & TEXT_BREAK)
            CHECK(p->flags[i] & TEXT_CLUSTER);
        if (p->flags[i] & TEXT_MANDATORY)
            CHECK(p->flags[i] & TEXT_BREAK);
    }
    CHECK_INT(p->flags[p->len], TEXT_CLUSTER | TEXT_BREAK);
    CHECK(!(p->flags[0] & (TEXT_BREAK | TEXT_MANDATORY)) || p->len == 0);
}

/* The line as shown, left to right: each code point takes its run's level,
 * and text_reorder orders them (UAX #9 L2), as the layout will do for the
 * glyphs of a line. */
static const char *visual(const text_para *p)
{
    static char buf[1024];
    uint8_t levels[256] = {0};
    size_t starts[256] = {0}, lens[256] = {0}, n = 0, r = 0;
    for (size_t i = 0; i < p->len && n < 256;) {
        uint32_t cp;
        size_t k = utf8_decode(p->text + i, p->len - i, &cp);
        k = k ? k : 1;
        while (p->runs[r].end <= i)
            r++;
        levels[n] = p->runs[r].level;
        starts[n] = i;
        lens[n++] = k;
        i += k;
    }
    int32_t order[256];
    text_reorder(levels, n, order);
    size_t o = 0;
    for (size_t v = 0; v < n; v++) {
        memcpy(buf + o, p->text + starts[order[v]], lens[order[v]]);
        o += lens[order[v]];
    }
    buf[o] = '\0';
    return buf;
}

static void test_latin(void)
{
    text_para p = analyze("Consent to surgery.", "en", TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_INT(p.base_level, 0);
    CHECK_STR(runs(&p), "0-19:0:Latn");
    CHECK_STR(offsets(&p, TEXT_BREAK), "8,11,19");
    CHECK_STR(offsets(&p, TEXT_CLUSTER), "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19");
    CHECK_STR(offsets(&p, TEXT_MANDATORY), "");

    /* "Rene\u0301e": e + combining acute is one cluster, no break inside. */
    p = analyze("Rene\xCC\x81"
                "e Dupont",
                NULL, TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_STR(offsets(&p, TEXT_CLUSTER), "0,1,2,3,6,7,8,9,10,11,12,13,14");
    CHECK_STR(offsets(&p, TEXT_BREAK), "8,14");
    CHECK_STR(runs(&p), "0-14:0:Latn");

    p = analyze("", "en", TEXT_DIR_AUTO);
    CHECK_INT(p.nruns, 0);
    CHECK_INT(p.flags[0], TEXT_CLUSTER | TEXT_BREAK);
    CHECK_INT(p.base_level, 0);

    /* No strong script at all: Common, which the shaper treats as Latin. */
    p = analyze("123 - 456", NULL, TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_STR(runs(&p), "0-9:0:Zyyy");
}

static void test_arabic_in_latin(void)
{
    const char *s = "Patient: محمد عبد الله, record A1003";
    text_para p = analyze(s, "en", TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_INT(p.base_level, 0);
    /* The comma after the name is Arabic by script (it follows Arabic) but
     * level 0 (between the Arabic and the Latin in a left-to-right
     * paragraph), hence a run of its own. */
    CHECK_STR(runs(&p), "0-9:0:Latn 9-33:1:Arab 33-35:0:Arab 35-47:0:Latn");
    uint8_t levels[4] = {p.runs[0].level, p.runs[1].level, p.runs[2].level, p.runs[3].level};
    int32_t order[4];
    text_reorder(levels, 4, order);
    CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2 && order[3] == 3);
    /* Shown left to right, the name's letters run backwards in memory. */
    CHECK_STR(visual(&p), "Patient: هللا دبع دمحم, record A1003");

    /* The same name first: the paragraph turns right to left. */
    p = analyze("محمد عبد الله, record A1003", NULL, TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_INT(p.base_level, 1);
    CHECK_STR(runs(&p), "0-26:1:Arab 26-38:2:Latn");
    CHECK_STR(visual(&p), "record A1003 ,هللا دبع دمحم");
}

static void test_hebrew_rtl(void)
{
    /* Record numbers inside Hebrew: each number stays left to right, the
     * numbers' order follows the paragraph, right to left. */
    text_para p = analyze("תיק 123 456", "he", TEXT_DIR_RTL);
    check_invariants(&p);
    CHECK_INT(p.base_level, 1);
    CHECK_STR(runs(&p), "0-7:1:Hebr 7-10:2:Hebr 10-11:1:Hebr 11-14:2:Hebr");
    uint8_t levels[4] = {1, 2, 1, 2};
    int32_t order[4];
    text_reorder(levels, 4, order);
    CHECK(order[0] == 3 && order[1] == 2 && order[2] == 1 && order[3] == 0);
    CHECK_STR(visual(&p), "456 123 קית");
    /* Forced left to right: base level 0, yet the numbers still follow the
     * Hebrew word (UAX #9 W7, N1), so the line looks the same. */
    p = analyze("תיק 123 456", "he", TEXT_DIR_LTR);
    CHECK_INT(p.base_level, 0);
    CHECK_STR(runs(&p), "0-7:1:Hebr 7-10:2:Hebr 10-11:1:Hebr 11-14:2:Hebr");
    CHECK_STR(visual(&p), "456 123 קית");
    /* With a Latin word after the number, the space between them takes the
     * paragraph's direction; the number stays with the Hebrew. */
    p = analyze("תיק 123 file", "he", TEXT_DIR_LTR);
    CHECK_STR(runs(&p), "0-7:1:Hebr 7-10:2:Hebr 10-11:0:Hebr 11-15:0:Latn");
    CHECK_STR(visual(&p), "123 קית file");
}

static void test_japanese(void)
{
    const char *s = "日本語の文章です。次の文。";
    text_para p = analyze(s, "ja", TEXT_DIR_AUTO);
    check_invariants(&p);
    /* Between ideographs and kana, but never before 。 (kinsoku). */
    CHECK_STR(offsets(&p, TEXT_BREAK), "3,6,9,12,15,18,21,27,30,33,39");
    CHECK(!(p.flags[24] & TEXT_BREAK) && !(p.flags[36] & TEXT_BREAK));

    p = analyze("同意書、説明書", "ja", TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK(!(p.flags[9] & TEXT_BREAK)); /* before 、 */
    CHECK(p.flags[12] & TEXT_BREAK);   /* after it */

    /* 「引用」: nothing after the opening bracket or before the closing one. */
    p = analyze("「引用」です", "ja", TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_STR(offsets(&p, TEXT_BREAK), "6,12,15,18");
    CHECK_STR(runs(&p), "0-12:0:Hani 12-18:0:Hira");
}

static void test_korean_keep_all(void)
{
    /* 수어 통역사 (sign language interpreter): Korean breaks between words,
     * at spaces, never between the syllables of one word. */
    text_para p = analyze("수어 통역사", "ko", TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_STR(offsets(&p, TEXT_BREAK), "7,16");
    /* The same text in a Japanese form would break between syllables. */
    p = analyze("수어 통역사", "ja", TEXT_DIR_AUTO);
    CHECK_STR(offsets(&p, TEXT_BREAK), "3,7,10,13,16");
}

/* Every break is in allowed (the word boundaries of the sentence), and every
 * offset in required is a break. */
static void check_words(const text_para *p, const size_t *allowed, size_t nallowed,
                        const size_t *required, size_t nrequired)
{
    for (size_t i = 1; i < p->len; i++) {
        if (!(p->flags[i] & TEXT_BREAK))
            continue;
        size_t k = 0;
        while (k < nallowed && allowed[k] != i)
            k++;
        if (k == nallowed) {
            fprintf(stderr, "break at %zu inside a word of \"%s\" (breaks %s)\n", i, p->text,
                    offsets(p, TEXT_BREAK));
            check_failures++;
        }
    }
    for (size_t k = 0; k < nrequired; k++) {
        if (!(p->flags[required[k]] & TEXT_BREAK)) {
            fprintf(stderr, "no break at %zu in \"%s\" (breaks %s)\n", required[k], p->text,
                    offsets(p, TEXT_BREAK));
            check_failures++;
        }
    }
}

static void test_dictionaries(void)
{
    /* สวัสดี|ครับ |ผม|ชื่อ|สม|ชาย: Thai has no spaces between words; ICU's
     * dictionary finds them. The name สมชาย may or may not be split. */
    text_para p = analyze("สวัสดีครับ ผมชื่อสมชาย", "th", TEXT_DIR_AUTO);
    check_invariants(&p);
    const size_t thai_ok[] = {18, 31, 37, 49, 55};
    const size_t thai_need[] = {18, 31, 37, 49};
    check_words(&p, thai_ok, 5, thai_need, 4);
    CHECK_STR(runs(&p), "0-64:0:Thai");

    /* សុខ ចាន់ធី (a name): at the space, and maybe between ចាន់ and ធី. */
    p = analyze("សុខ ចាន់ធី", "km", TEXT_DIR_AUTO);
    check_invariants(&p);
    const size_t name_ok[] = {10, 22};
    const size_t name_need[] = {10};
    check_words(&p, name_ok, 2, name_need, 1);

    /* សូម|អាន|ឯកសារ|នេះ|ដោយ|យក|ចិត្ត|ទុក|ដាក់ |មុន|ពេល|ចុះ|ហត្ថលេខា: "please read
     * this document carefully before signing". */
    p = analyze("សូមអានឯកសារនេះដោយយកចិត្តទុកដាក់ មុនពេលចុះហត្ថលេខា", "km", TEXT_DIR_AUTO);
    check_invariants(&p);
    const size_t km_ok[] = {9, 18, 33, 42, 51, 57, 72, 81, 94, 103, 112, 121};
    const size_t km_need[] = {9, 18, 33, 42, 51, 94, 103, 112};
    check_words(&p, km_ok, 12, km_need, 8);
    CHECK_STR(runs(&p), "0-145:0:Khmr");
}

static void test_mandatory(void)
{
    /* U+2028 LINE SEPARATOR: a line must end after it. */
    text_para p = analyze("Name:\xE2\x80\xA8"
                          "Date",
                          NULL, TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_STR(offsets(&p, TEXT_MANDATORY), "8");
    CHECK_STR(offsets(&p, TEXT_BREAK), "8,12");
}

static void test_bad_bytes(void)
{
    /* A stray Latin-1 byte and a truncated sequence: each byte one U+FFFD,
     * one cluster, and the text around them untouched. */
    text_para p = analyze("Jos\xE9 \xC3(x)", NULL, TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_STR(offsets(&p, TEXT_CLUSTER), "0,1,2,3,4,5,6,7,8,9");
    CHECK_STR(offsets(&p, TEXT_BREAK), "5,9");
    CHECK_STR(runs(&p), "0-9:0:Latn");
}

static void test_emoji(void)
{
    /* 👩‍⚕️ (woman, ZWJ, staff of Aesculapius, VS16): one cluster of 13 bytes. */
    text_para p =
        analyze("Dr \xF0\x9F\x91\xA9\xE2\x80\x8D\xE2\x9A\x95\xEF\xB8\x8F ok", NULL, TEXT_DIR_AUTO);
    check_invariants(&p);
    CHECK_STR(offsets(&p, TEXT_CLUSTER), "0,1,2,3,16,17,18,19");
    CHECK_STR(offsets(&p, TEXT_BREAK), "3,17,19");
}

/* What render.c lets through without a face: only characters that print
 * no glyph. */
static void test_needs_no_glyph(void)
{
    static const uint32_t none[] = {' ',    '\t',   '\n',   0xA0,   0x200B, 0x200C, 0x200D, 0x200E,
                                    0x200F, 0x202B, 0x2066, 0x2069, 0xFE0F, 0xFEFF, 0x7F};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++)
        CHECK(text_needs_no_glyph(none[i]));
    static const uint32_t some[] = {'A', 0x0627, 0x82B3, 0x1780, 0x1F600, 0xF0000, 0xE000};
    for (size_t i = 0; i < sizeof some / sizeof *some; i++)
        CHECK(!text_needs_no_glyph(some[i]));
}

static void test_lang_rtl(void)
{
    CHECK(text_lang_rtl("ar"));
    CHECK(text_lang_rtl("ar-EG"));
    CHECK(text_lang_rtl("fa_IR"));
    CHECK(text_lang_rtl("HE"));
    CHECK(text_lang_rtl("iw"));
    CHECK(text_lang_rtl("ckb"));
    CHECK(text_lang_rtl("ur-PK"));
    CHECK(text_lang_rtl("dv"));
    CHECK(!text_lang_rtl("en"));
    CHECK(!text_lang_rtl("ja"));
    CHECK(!text_lang_rtl("ark"));
    CHECK(!text_lang_rtl("a"));
    CHECK(!text_lang_rtl(""));
    CHECK(!text_lang_rtl(NULL));
    CHECK(!text_lang_rtl("ck"));
}

int main(void)
{
    A = arena_new();
    if (!A)
        return 1;
    test_latin();
    test_arabic_in_latin();
    test_hebrew_rtl();
    test_japanese();
    test_korean_keep_all();
    test_dictionaries();
    test_mandatory();
    test_bad_bytes();
    test_emoji();
    test_lang_rtl();
    test_needs_no_glyph();
    arena_free(A);
    text_cleanup();
    CHECK_DONE();
}
