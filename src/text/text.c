/*
 * text.c — see text.h. ICU works in UTF-16 and the layout in UTF-8 byte
 * offsets, so each call converts the paragraph once, keeps a map from
 * UTF-16 index to byte offset, and maps every ICU answer back through it.
 * The scratch buffers are malloc'd and freed before return; only what
 * text_para points at lives in the caller's arena.
 */
#include "text.h"

#include <ctype.h>
#include <hb.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubidi.h>
#include <unicode/uchar.h>
#include <unicode/uclean.h>
#include <unicode/uloc.h>
#include <unicode/uscript.h>
#include <unicode/utf16.h>

#include "brkpool.h"
#include "date.h"
#include "language.h"
#include "utf8.h"

/* The paragraph in UTF-16, with where each unit and each code point came
 * from in the UTF-8. */
typedef struct text_u16 {
    UChar *u16;
    int32_t n16;
    int32_t *byte_of; /* n16 + 1 entries: UTF-16 index -> byte offset */
    int32_t *cp_u16;  /* ncp entries: code point -> its first UTF-16 index */
    UScriptCode *script;
    size_t ncp;
} text_u16;

static void text_u16_free(text_u16 *t)
{
    free(t->u16);
    free(t->byte_of);
    free(t->cp_u16);
    free(t->script);
}

/* Decodes strictly (utf8.c): a byte that starts no valid sequence becomes one
 * U+FFFD of one byte, so the bytes of a damaged name keep their offsets. */
static int text_u16_from_utf8(const char *text, size_t len, text_u16 *t)
{
    memset(t, 0, sizeof *t);
    /* Every UTF-16 unit comes from at least one byte, so len bounds n16. */
    t->u16 = malloc(len * sizeof *t->u16);
    t->byte_of = malloc((len + 1) * sizeof *t->byte_of);
    t->cp_u16 = malloc(len * sizeof *t->cp_u16);
    t->script = malloc(len * sizeof *t->script);
    if (!t->u16 || !t->byte_of || !t->cp_u16 || !t->script)
        return -1;
    int32_t n16 = 0;
    size_t ncp = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(text + i, len - i, &cp);
        if (n == 0) {
            cp = 0xFFFD;
            n = 1;
        }
        t->cp_u16[ncp] = n16;
        UErrorCode err = U_ZERO_ERROR;
        t->script[ncp] = uscript_getScript((UChar32)cp, &err);
        if (U_FAILURE(err))
            t->script[ncp] = USCRIPT_UNKNOWN;
        ncp++;
        if (cp > 0xFFFF) {
            t->byte_of[n16] = (int32_t)i;
            t->u16[n16++] = U16_LEAD(cp);
            t->byte_of[n16] = (int32_t)i;
            t->u16[n16++] = U16_TRAIL(cp);
        } else {
            t->byte_of[n16] = (int32_t)i;
            t->u16[n16++] = (UChar)cp;
        }
        i += n;
    }
    t->byte_of[n16] = (int32_t)len;
    t->n16 = n16;
    t->ncp = ncp;
    return 0;
}

/* ICU's locale ID for a BCP 47 tag. Only the language (and any -u-
 * keywords such as lb=loose) changes line breaking, so "en-US" and "en-GB"
 * share one cached iterator. */
static void text_break_locale(const char *lang, char *id, int32_t cap)
{
    char full[ULOC_FULLNAME_CAPACITY] = "";
    UErrorCode err = U_ZERO_ERROR;
    int32_t parsed = 0;
    if (lang && *lang)
        uloc_forLanguageTag(lang, full, (int32_t)sizeof full, &parsed, &err);
    if (!lang || !*lang || U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING ||
        full[0] == '\0') {
        strcpy(full, "en");
        err = U_ZERO_ERROR;
    }
    if (strchr(full, '@')) {
        snprintf(id, (size_t)cap, "%s", full);
        return;
    }
    uloc_getLanguage(full, id, cap, &err);
    if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING || id[0] == '\0')
        snprintf(id, (size_t)cap, "en");
}

/* The code point of text[0..len) that starts at byte i, and the one that
 * ends just before it. */
static UChar32 cp_at(const char *text, size_t len, size_t i)
{
    uint32_t cp = 0;
    return i < len && utf8_decode(text + i, len - i, &cp) ? (UChar32)cp : 0;
}

static UChar32 cp_before(const char *text, size_t len, size_t i)
{
    while (i > 0 && ((unsigned char)text[i - 1] & 0xC0) == 0x80)
        i--;
    return i > 0 ? cp_at(text, len, i - 1) : 0;
}

/* Grapheme clusters, then line breaks. A break is dropped where no cluster
 * starts: a line never splits a base from its marks or an emoji sequence,
 * even where UAX #14 alone would allow it. */
static int text_flags(const text_u16 *t, const char *text, const char *lang, uint8_t *flags,
                      size_t len)
{
    UErrorCode err = U_ZERO_ERROR;
    UBreakIterator *chars = brkpool_take(UBRK_CHARACTER, "", &err);
    if (U_FAILURE(err))
        return -1;
    ubrk_setText(chars, t->u16, t->n16, &err);
    for (int32_t b = ubrk_first(chars); U_SUCCESS(err) && b != UBRK_DONE; b = ubrk_next(chars))
        flags[t->byte_of[b]] |= TEXT_CLUSTER;
    ubrk_close(chars);
    if (U_FAILURE(err))
        return -1;

    char locale[ULOC_FULLNAME_CAPACITY];
    text_break_locale(lang, locale, (int32_t)sizeof locale);
    UBreakIterator *lines = brkpool_take(UBRK_LINE, locale, &err);
    if (U_FAILURE(err))
        return -1;
    /* Korean is written with spaces between words, and breaks there:
     * UAX #14 breaks between any two hangul syllables, which cuts words in
     * two (수|어 for 수어, sign language). Browsers do what Korean
     * typesetting does with CSS word-break: keep-all: no break between two
     * letters or digits. ICU 72 has no such option; it is done here. */
    bool keep_all = strcmp(locale, "ko") == 0;
    ubrk_setText(lines, t->u16, t->n16, &err);
    for (int32_t b = ubrk_first(lines); U_SUCCESS(err) && b != UBRK_DONE; b = ubrk_next(lines)) {
        if (b == 0 || b == t->n16)
            continue;
        int32_t status = ubrk_getRuleStatus(lines);
        uint8_t f = TEXT_BREAK;
        if (status >= UBRK_LINE_HARD && status < UBRK_LINE_HARD_LIMIT)
            f |= TEXT_MANDATORY;
        if (keep_all && !(f & TEXT_MANDATORY)) {
            size_t at = (size_t)t->byte_of[b];
            UChar32 before = cp_before(text, len, at), after = cp_at(text, len, at);
            if ((u_isalpha(before) || u_isdigit(before)) && (u_isalpha(after) || u_isdigit(after)))
                continue;
        }
        flags[t->byte_of[b]] |= f;
    }
    ubrk_close(lines);
    if (U_FAILURE(err))
        return -1;

    for (size_t i = 0; i < len; i++) {
        if (!(flags[i] & TEXT_CLUSTER))
            flags[i] &= (uint8_t) ~(TEXT_BREAK | TEXT_MANDATORY);
    }
    flags[len] = TEXT_CLUSTER | TEXT_BREAK;
    return 0;
}

static bool text_script_weak(UScriptCode sc)
{
    return sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED || sc == USCRIPT_UNKNOWN;
}

/* Each code point's script, with Common, Inherited and Unknown resolved to
 * the strong script before them (or after them, at the start). Text with no
 * strong script at all stays Common; the shaper picks Latin for it. */
static void text_scripts(const text_u16 *t)
{
    UScriptCode last = USCRIPT_INVALID_CODE;
    size_t pending = 0; /* leading weak code points waiting for a script */
    for (size_t k = 0; k < t->ncp; k++) {
        UScriptCode sc = t->script[k];
        if (text_script_weak(sc)) {
            if (last == USCRIPT_INVALID_CODE) {
                t->script[k] = USCRIPT_COMMON;
                pending++;
            } else {
                t->script[k] = last;
            }
            continue;
        }
        for (size_t j = k - pending; j < k; j++)
            t->script[j] = sc;
        pending = 0;
        t->script[k] = sc;
        last = sc;
    }
}

static hb_script_t text_hb_script(UScriptCode sc)
{
    const char *tag = uscript_getShortName(sc);
    return tag ? hb_script_from_string(tag, -1) : HB_SCRIPT_COMMON;
}

/* Maximal runs of one (level, script), in two passes: count, then fill, so
 * the arena holds exactly nruns entries even for a megabyte of text. */
static int text_runs(const text_u16 *t, const UBiDiLevel *levels, size_t len, arena *a,
                     text_para *out)
{
    size_t nruns = 0;
    for (size_t k = 0; k < t->ncp; k++) {
        if (k == 0 || levels[t->cp_u16[k]] != levels[t->cp_u16[k - 1]] ||
            t->script[k] != t->script[k - 1])
            nruns++;
    }
    text_run *runs = arena_array(a, nruns, sizeof *runs);
    if (!runs)
        return -1;
    size_t r = 0;
    for (size_t k = 0; k < t->ncp; k++) {
        UBiDiLevel level = levels[t->cp_u16[k]];
        if (k > 0 && level == levels[t->cp_u16[k - 1]] && t->script[k] == t->script[k - 1])
            continue;
        size_t start = (size_t)t->byte_of[t->cp_u16[k]];
        if (r > 0)
            runs[r - 1].end = start;
        runs[r].start = start;
        runs[r].level = level;
        runs[r].script = (uint32_t)text_hb_script(t->script[k]);
        r++;
    }
    runs[r - 1].end = len;
    out->runs = runs;
    out->nruns = nruns;
    return 0;
}

static int text_bidi(const text_u16 *t, text_dir dir, size_t len, arena *a, text_para *out)
{
    UErrorCode err = U_ZERO_ERROR;
    UBiDi *bidi = ubidi_openSized(t->n16, 0, &err);
    UBiDiLevel para = dir == TEXT_DIR_AUTO ? UBIDI_DEFAULT_LTR : dir == TEXT_DIR_RTL ? 1 : 0;
    ubidi_setPara(bidi, t->u16, t->n16, para, NULL, &err);
    const UBiDiLevel *levels = ubidi_getLevels(bidi, &err);
    int rc = -1;
    if (U_SUCCESS(err)) {
        out->base_level = (uint8_t)(ubidi_getParaLevel(bidi) & 1);
        rc = text_runs(t, levels, len, a, out);
    }
    ubidi_close(bidi);
    return rc;
}

int text_analyze(const char *text, size_t len, const char *lang, text_dir dir, arena *a,
                 text_para *out)
{
    memset(out, 0, sizeof *out);
    out->text = text;
    out->len = len;
    out->base_level = dir == TEXT_DIR_RTL ? 1 : 0;
    /* ICU counts in int32_t. */
    if (len >= INT32_MAX)
        return -1;
    out->flags = arena_alloc(a, len + 1);
    if (!out->flags)
        return -1;
    if (len == 0) {
        out->flags[0] = TEXT_CLUSTER | TEXT_BREAK;
        return 0;
    }
    text_u16 t;
    int rc = text_u16_from_utf8(text, len, &t);
    if (rc == 0)
        rc = text_flags(&t, text, lang, out->flags, len);
    if (rc == 0) {
        text_scripts(&t);
        rc = text_bidi(&t, dir, len, a, out);
    }
    text_u16_free(&t);
    return rc;
}

void text_reorder(const uint8_t *levels, size_t n, int32_t *order)
{
    for (size_t i = 0; i < n; i++)
        order[i] = (int32_t)i;
    if (n == 0 || n > INT32_MAX)
        return;
    ubidi_reorderVisual(levels, (int32_t)n, order);
}

bool text_needs_no_glyph(uint32_t cp)
{
    UChar32 c = (UChar32)cp;
    return u_isWhitespace(c) || u_iscntrl(c) || c == 0xA0 ||
           u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

bool text_lang_rtl(const char *lang)
{
    static const char *const rtl[] = {"ar", "fa", "he", "iw", "ur", "yi",
                                      "ps", "sd", "ug", "dv", "ckb"};
    if (!lang)
        return false;
    size_t n = strcspn(lang, "-_");
    for (size_t i = 0; i < sizeof rtl / sizeof rtl[0]; i++) {
        if (strlen(rtl[i]) != n)
            continue;
        size_t j = 0;
        while (j < n && tolower((unsigned char)lang[j]) == rtl[i][j])
            j++;
        if (j == n)
            return true;
    }
    return false;
}

void text_cleanup(void)
{
    brkpool_cleanup();
    /* base/'s ICU objects too (long dates, language names): u_cleanup()
     * must come after every object is closed. */
    date_cleanup();
    language_cleanup();
    u_cleanup();
}
