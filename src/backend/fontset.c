/*
 * fontset.c — see fontset.h.
 *
 * Fallback faces come from fontconfig's ranking (FcFontSort) for a pattern
 * holding just the character: fontconfig ranks coverage of the character
 * above family and language, so the first candidates are fonts that claim
 * it, ordered for sans-serif, the weight asked for and the text's language
 * (which tells a Japanese from a Chinese form of the same ideograph). A
 * font's claim is its fontconfig charset, which the cache may have taken
 * from another version of the file; the face's own cmap decides.
 *
 * Locking: the face table is a fixed array written only under the mutex,
 * and its count is published with a release store after the slot is
 * filled, so readers take no lock. Everything else (fontconfig, the answer
 * cache, opening files) happens under the mutex: misses are rare once a
 * document's scripts have been seen.
 */
#include "fontset.h"

#include <fontconfig/fontconfig.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uloc.h>

/* Remembered answers: a power of two; cleared when three quarters full, so
 * a long batch keeps its recent scripts without growing. */
#define CACHE_SLOTS 4096
/* Distinct languages the cache tells apart; lookups for more still work,
 * uncached. Five bits of the cache key. */
#define MAX_LANGS 31
/* Candidates opened per lookup before giving up: fonts whose charset
 * claims the character but whose cmap does not are rare. */
#define MAX_TRIES 8
/* Files that failed to open or lacked what they claimed: not tried again. */
#define MAX_REJECTS 32

typedef struct face_slot {
    mp_font *font;
    bool owned;  /* false when it shares the font of an earlier slot */
    char *key;   /* canonical path and index, "path#index": the identity */
    char *label; /* what fontset_describe() returns */
} face_slot;

struct fontset {
    face_slot faces[FONTSET_MAX];
    atomic_int count;

    pthread_mutex_t lock; /* guards all below */
    FcConfig *config;     /* loaded at the first fallback lookup */
    uint32_t *cache_keys; /* key + 1; 0 marks an empty slot */
    int16_t *cache_faces;
    unsigned cache_used;
    char *langs[MAX_LANGS];
    char *rejects[MAX_REJECTS];
    unsigned nrejects;
};

/* "path#index" for index > 0, the path alone otherwise (malloc'd). */
static char *face_label(const char *path, unsigned index)
{
    size_t n = strlen(path) + 16;
    char *s = malloc(n);
    if (!s)
        return NULL;
    if (index)
        snprintf(s, n, "%s#%u", path, index);
    else
        snprintf(s, n, "%s", path);
    return s;
}

/* The identity of a face: its file's canonical path (so that a symlink and
 * fontconfig's path name one file) and the index, always written. */
static char *face_key(const char *path, unsigned index)
{
    char real[PATH_MAX];
    const char *p = realpath(path, real) ? real : path;
    size_t n = strlen(p) + 16;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s#%u", p, index);
    return s;
}

/* Fills the next slot and publishes it. Caller holds the lock or is
 * fontset_open(). Returns the face number, or -1 when the table is full. */
static int add_face(fontset *fs, mp_font *f, bool owned, char *key, char *label)
{
    int n = atomic_load_explicit(&fs->count, memory_order_relaxed);
    if (n >= FONTSET_MAX)
        return -1;
    fs->faces[n] = (face_slot){f, owned, key, label};
    atomic_store_explicit(&fs->count, n + 1, memory_order_release);
    return n;
}

static int find_face(const fontset *fs, const char *key)
{
    int n = atomic_load_explicit(&fs->count, memory_order_acquire);
    for (int i = 0; i < n; i++)
        if (strcmp(fs->faces[i].key, key) == 0)
            return i;
    return -1;
}

int fontset_open(const char *regular, const char *bold, fontset **out, mp_err *err)
{
    *out = NULL;
    fontset *fs = calloc(1, sizeof *fs);
    if (!fs)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    atomic_init(&fs->count, 0);
    fs->cache_keys = calloc(CACHE_SLOTS, sizeof *fs->cache_keys);
    fs->cache_faces = calloc(CACHE_SLOTS, sizeof *fs->cache_faces);
    if (!fs->cache_keys || !fs->cache_faces || pthread_mutex_init(&fs->lock, NULL) != 0) {
        free(fs->cache_keys);
        free(fs->cache_faces);
        free(fs);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }

    const char *paths[2] = {regular, bold};
    for (int i = 0; i < 2; i++) {
        char *key = face_key(paths[i], 0), *label = face_label(paths[i], 0);
        if (!key || !label) {
            free(key);
            free(label);
            fontset_free(fs);
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        }
        int same = find_face(fs, key);
        mp_font *f = same >= 0 ? fs->faces[same].font : NULL;
        int rc = f ? 0 : font_open_face(paths[i], 0, &f, err);
        if (rc) {
            free(key);
            free(label);
            fontset_free(fs);
            return rc;
        }
        if (add_face(fs, f, same < 0, key, label) < 0) { /* two of FONTSET_MAX: cannot be */
            free(key);
            free(label);
            if (same < 0)
                font_close(f);
            fontset_free(fs);
            return err_set(err, EX_SOFTWARE, NULL, 0, 0, "font table full");
        }
    }
    *out = fs;
    return 0;
}

void fontset_free(fontset *fs)
{
    if (!fs)
        return;
    int n = atomic_load(&fs->count);
    for (int i = 0; i < n; i++) {
        if (fs->faces[i].owned)
            font_close(fs->faces[i].font);
        free(fs->faces[i].key);
        free(fs->faces[i].label);
    }
    if (fs->config)
        FcConfigDestroy(fs->config);
    for (int i = 0; i < MAX_LANGS; i++)
        free(fs->langs[i]);
    for (unsigned i = 0; i < fs->nrejects; i++)
        free(fs->rejects[i]);
    free(fs->cache_keys);
    free(fs->cache_faces);
    pthread_mutex_destroy(&fs->lock);
    free(fs);
}

void fontset_cleanup(void)
{
    FcFini();
}

const mp_font *fontset_font(const fontset *fs, int face)
{
    int n = atomic_load_explicit(&((fontset *)fs)->count, memory_order_acquire);
    return face >= 0 && face < n ? fs->faces[face].font : NULL;
}

int fontset_count(const fontset *fs)
{
    return atomic_load_explicit(&((fontset *)fs)->count, memory_order_acquire);
}

const char *fontset_describe(const fontset *fs, int face)
{
    int n = atomic_load_explicit(&((fontset *)fs)->count, memory_order_acquire);
    return face >= 0 && face < n ? fs->faces[face].label : NULL;
}

/* ---- the answer cache (under the lock) ---- */

/* The cache's number for lang, 1..MAX_LANGS (0 for none), or -1 when the
 * table of languages is full. */
static int lang_id(fontset *fs, const char *lang)
{
    if (!lang || !*lang)
        return 0;
    for (int i = 0; i < MAX_LANGS; i++) {
        if (!fs->langs[i]) {
            fs->langs[i] = strdup(lang);
            return fs->langs[i] ? i + 1 : -1;
        }
        if (strcmp(fs->langs[i], lang) == 0)
            return i + 1;
    }
    return -1;
}

static uint32_t cache_key(int style, uint32_t cp, int lang)
{
    /* cp takes 21 bits, the style one, the language five. */
    return (cp | (uint32_t)style << 21 | (uint32_t)lang << 22) + 1;
}

static unsigned cache_slot(uint32_t key)
{
    return (key * 2654435761u) >> 20 & (CACHE_SLOTS - 1); /* Knuth's multiplicative hash */
}

static bool cache_get(const fontset *fs, uint32_t key, int *face)
{
    for (unsigned i = cache_slot(key);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        if (fs->cache_keys[i] == 0)
            return false;
        if (fs->cache_keys[i] == key) {
            *face = fs->cache_faces[i];
            return true;
        }
    }
}

static void cache_put(fontset *fs, uint32_t key, int face)
{
    if (fs->cache_used >= CACHE_SLOTS / 4 * 3) {
        memset(fs->cache_keys, 0, CACHE_SLOTS * sizeof *fs->cache_keys);
        fs->cache_used = 0;
    }
    unsigned i = cache_slot(key);
    while (fs->cache_keys[i] != 0 && fs->cache_keys[i] != key)
        i = (i + 1) & (CACHE_SLOTS - 1);
    if (fs->cache_keys[i] == 0)
        fs->cache_used++;
    fs->cache_keys[i] = key;
    fs->cache_faces[i] = (int16_t)face;
}

/* ---- fontconfig (under the lock) ---- */

static bool rejected(const fontset *fs, const char *key)
{
    for (unsigned i = 0; i < fs->nrejects; i++)
        if (strcmp(fs->rejects[i], key) == 0)
            return true;
    return false;
}

static void reject(fontset *fs, char *key)
{
    if (fs->nrejects < MAX_REJECTS)
        fs->rejects[fs->nrejects++] = key;
    else
        free(key);
}

/* The face number for file#index when that face maps cp: found in the table
 * or opened and added. -1 when it cannot be opened or lacks cp. */
static int face_with(fontset *fs, const char *file, unsigned index, uint32_t cp)
{
    char *key = face_key(file, index);
    if (!key)
        return -1;
    int face = find_face(fs, key);
    if (face >= 0) {
        free(key);
        return font_glyph(fs->faces[face].font, cp) ? face : -1;
    }
    if (rejected(fs, key)) {
        free(key);
        return -1;
    }
    mp_font *f = NULL;
    if (font_open_face(file, index, &f, NULL) != 0 || !font_glyph(f, cp)) {
        /* An unopenable face (a Type 1 or CFF2 font, a restricted licence)
         * is never tried again; one that lacks cp may serve another
         * character, so it is only passed over. */
        if (f)
            free(key);
        else
            reject(fs, key);
        font_close(f);
        return -1;
    }
    char *label = face_label(file, index);
    face = label ? add_face(fs, f, true, key, label) : -1;
    if (face < 0) {
        free(key);
        free(label);
        font_close(f);
    }
    return face;
}

/* A BCP 47 tag as fontconfig's languages are named (RFC 3066 "ll" or
 * "ll-tt"), in out; false when there is none. fontconfig knows no script
 * subtags: given "zh-Hant" it warns and matches no Chinese in particular,
 * and the Han characters that Traditional and Simplified write alike came
 * out in the Simplified face. Chinese is told by its likely region (ICU:
 * zh-Hant is zh_Hant_TW, zh is zh_Hans_CN, zh-HK stays HK); other languages
 * by their language subtag alone ("pa-Guru-IN" is "pa"). */
static bool fc_lang(const char *lang, char out[16])
{
    if (!lang || !*lang)
        return false;
    UErrorCode ec = U_ZERO_ERROR;
    char loc[64], full[64];
    uloc_forLanguageTag(lang, loc, sizeof loc, NULL, &ec);
    char ll[8] = "", tt[8] = "";
    if (U_SUCCESS(ec))
        uloc_getLanguage(loc, ll, sizeof ll, &ec);
    if (U_FAILURE(ec) || !*ll)
        return false;
    if (strcmp(ll, "zh") == 0) {
        uloc_addLikelySubtags(loc, full, sizeof full, &ec);
        if (U_SUCCESS(ec))
            uloc_getCountry(full, tt, sizeof tt, &ec);
    }
    snprintf(out, 16, "%s%s%s", ll, *tt ? "-" : "", U_SUCCESS(ec) ? tt : "");
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return true;
}

static FcPattern *query(uint32_t cp, int style, const char *lang)
{
    FcPattern *pat = FcPatternCreate();
    FcCharSet *cs = FcCharSetCreate();
    bool ok = pat && cs && FcCharSetAddChar(cs, cp) && FcPatternAddCharSet(pat, FC_CHARSET, cs) &&
              FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)"sans-serif") &&
              FcPatternAddInteger(pat, FC_WEIGHT, style ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR) &&
              FcPatternAddInteger(pat, FC_SLANT, FC_SLANT_ROMAN) &&
              FcPatternAddBool(pat, FC_OUTLINE, FcTrue);
    char fl[16];
    if (ok && fc_lang(lang, fl)) {
        FcChar8 *norm = FcLangNormalize((const FcChar8 *)fl);
        ok = FcPatternAddString(pat, FC_LANG, norm ? norm : (const FcChar8 *)fl);
        FcStrFree(norm);
    }
    if (cs)
        FcCharSetDestroy(cs);
    if (!ok) {
        if (pat)
            FcPatternDestroy(pat);
        return NULL;
    }
    return pat;
}

static int fallback(fontset *fs, int style, uint32_t cp, const char *lang)
{
    if (!fs->config) {
        fs->config = FcInitLoadConfigAndFonts();
        if (!fs->config)
            return -1;
    }
    FcPattern *pat = query(cp, style, lang);
    if (!pat)
        return -1;
    FcConfigSubstitute(fs->config, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcFontSet *sorted = FcFontSort(fs->config, pat, FcFalse, NULL, &res);
    FcPatternDestroy(pat);
    if (!sorted)
        return -1;
    int face = -1, tries = 0;
    for (int i = 0; i < sorted->nfont && face < 0 && tries < MAX_TRIES; i++) {
        FcPattern *font = sorted->fonts[i];
        FcCharSet *cs;
        FcChar8 *file;
        int index = 0;
        FcBool outline = FcFalse;
        if (FcPatternGetCharSet(font, FC_CHARSET, 0, &cs) != FcResultMatch ||
            !FcCharSetHasChar(cs, cp) ||
            FcPatternGetString(font, FC_FILE, 0, &file) != FcResultMatch)
            continue;
        if (FcPatternGetBool(font, FC_OUTLINE, 0, &outline) == FcResultMatch && !outline)
            continue;
        FcPatternGetInteger(font, FC_INDEX, 0, &index);
        /* Above 0xFFFF an index names a variable font's named instance,
         * which HarfBuzz would open as its default outlines: skip it. */
        if (index < 0 || index > 0xFFFF)
            continue;
        tries++;
        face = face_with(fs, (const char *)file, (unsigned)index, cp);
    }
    FcFontSetDestroy(sorted);
    return face;
}

int fontset_face_for(fontset *fs, int style, uint32_t cp, const char *lang)
{
    style = style ? 1 : 0;
    if (cp > 0x10FFFF)
        return -1;
    /* The family is read-only after fontset_open(): no lock. */
    if (font_glyph(fs->faces[style].font, cp))
        return style;

    pthread_mutex_lock(&fs->lock);
    int id = lang_id(fs, lang), face;
    uint32_t key = cache_key(style, cp, id < 0 ? 0 : id);
    if (id < 0 || !cache_get(fs, key, &face)) {
        face = fallback(fs, style, cp, lang);
        if (id >= 0)
            cache_put(fs, key, face);
    }
    pthread_mutex_unlock(&fs->lock);
    return face;
}
