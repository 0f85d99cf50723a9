/*
 * language.c — see language.h. Everything here is ICU's: tags are parsed
 * and canonicalized by uloc_forLanguageTag/uloc_toLanguageTag, scripts come
 * from CLDR's likely subtags (uloc_addLikelySubtags), and a language's
 * names are ICU's display names (uldn_*), so that a language CLDR knows is
 * known here without a table of our own.
 *
 * Names are matched after NFKC case folding (unorm2's NFKC_Casefold: case,
 * compatibility forms such as fullwidth parentheses, and combining accents
 * typed apart are all the same), against a table built once per process:
 * every ICU language's English name, and for every locale ICU has data for
 * (languages, script forms such as zh_Hant, regional forms such as es_MX),
 * its English and own names, each both in CLDR's dialect form ("Traditional
 * Chinese", "繁體中文", "Mexican Spanish") and its standard one ("Chinese
 * (Traditional)", "中文（繁體）", "Spanish (Mexico)"). CLDR gives every name
 * the brief and the clinics' data ask for (checked with ICU 72: "Traditional
 * Chinese" and "简体中文" are zh_Hant's and zh_Hans's dialect names), save
 * the few in extra_names below.
 */
#include "language.h"

#include "utf8.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicode/udisplaycontext.h>
#include <unicode/uldnames.h>
#include <unicode/uloc.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

/* The longest name compared: a language name typed into a form field. */
#define NAME_MAX_UNITS 128

/* ---- tags ------------------------------------------------------------------- */

/* The ICU locale ID of a tag ("zh-Hant-TW" -> "zh_Hant_TW"); false unless
 * the whole of tag parses. */
static bool locale_of(const char *tag, char *loc, size_t size)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t parsed = 0;
    int32_t n = uloc_forLanguageTag(tag, loc, (int32_t)size, &parsed, &e);
    return U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING && n > 0 &&
           (size_t)parsed == strlen(tag);
}

/* Whether ICU has an English name for a subtag of loc (its language, script
 * or region, as get asks): ICU names one it does not know by the code. */
static bool named(const char *loc, const char *code,
                  int32_t (*get)(const char *, const char *, UChar *, int32_t, UErrorCode *))
{
    UChar name[64];
    UErrorCode e = U_ZERO_ERROR;
    int32_t n = get(loc, "en", name, 64, &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING || n <= 0)
        return false;
    char ascii[ULOC_FULLNAME_CAPACITY];
    if (n >= (int32_t)sizeof ascii)
        return true;
    u_UCharsToChars(name, ascii, n);
    ascii[n] = '\0';
    return strcasecmp(ascii, code) != 0;
}

/* Whether ICU knows the language of loc, and its script and region if it
 * has them. A tag's syntax alone allows "xx", "en-XX" and, as a five-to-eight
 * letter language subtag, "french". (Not ICU's list of ISO languages: it
 * leaves out codes CLDR still names, such as tl, Tagalog, listing fil.)
 * ISO 639's special codes are no language a form can be written in. */
static bool known_locale(const char *loc)
{
    static const char *const special[] = {"und", "mis", "mul", "zxx"};
    char lang[ULOC_LANG_CAPACITY], script[ULOC_SCRIPT_CAPACITY], region[ULOC_COUNTRY_CAPACITY];
    UErrorCode e = U_ZERO_ERROR;
    uloc_getLanguage(loc, lang, (int32_t)sizeof lang, &e);
    uloc_getScript(loc, script, (int32_t)sizeof script, &e);
    uloc_getCountry(loc, region, (int32_t)sizeof region, &e);
    if (U_FAILURE(e) || !lang[0])
        return false;
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (strcmp(lang, special[i]) == 0)
            return false;
    return named(loc, lang, uloc_getDisplayLanguage) &&
           (!script[0] || named(loc, script, uloc_getDisplayScript)) &&
           (!region[0] || named(loc, region, uloc_getDisplayCountry));
}

/* s[0..n) as a tag: only letters, digits, "-" and "_", which ICU parses
 * whole, and whose language ICU knows. */
static bool resolve_tag(const char *s, size_t n, char *tag, size_t size)
{
    char in[LANGUAGE_TAG_MAX], loc[ULOC_FULLNAME_CAPACITY];
    if (n == 0 || n >= sizeof in)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false;
        in[i] = c == '_' ? '-' : c;
    }
    in[n] = '\0';
    if (!locale_of(in, loc, sizeof loc))
        return false;
    UErrorCode e = U_ZERO_ERROR;
    int32_t k = uloc_toLanguageTag(loc, tag, (int32_t)size, true, &e);
    /* Known by its canonical form: "iw" is Hebrew's old code. */
    return U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING && k > 0 &&
           locale_of(tag, loc, sizeof loc) && known_locale(loc);
}

/* ---- names ------------------------------------------------------------------ */

typedef struct name_entry {
    UChar *key; /* NFKC_Casefold of the name, NUL-terminated */
    char tag[32];
    unsigned order; /* the first name added wins a tie (the bare language) */
} name_entry;

static pthread_once_t names_once = PTHREAD_ONCE_INIT;
static name_entry *names;
static size_t nnames, names_cap;

static int32_t fold(const UChar *s, int32_t n, UChar *out, int32_t cap)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nf = unorm2_getNFKCCasefoldInstance(&e);
    int32_t k = U_SUCCESS(e) ? unorm2_normalize(nf, s, n, out, cap, &e) : -1;
    return U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING ? k : -1;
}

static void add_name(const UChar *name, int32_t n, const char *loc, const char *tag)
{
    if (n <= 0)
        return;
    /* ICU names a locale it has no name for by its code: not a name. */
    char ascii[ULOC_FULLNAME_CAPACITY];
    if (n < (int32_t)sizeof ascii && u_strlen(name) == n) {
        bool plain = true;
        for (int32_t i = 0; i < n && plain; i++)
            plain = name[i] < 0x80;
        if (plain) {
            u_UCharsToChars(name, ascii, n);
            ascii[n] = '\0';
            if (strcasecmp(ascii, loc) == 0 || strcasecmp(ascii, tag) == 0)
                return;
        }
    }
    UChar key[NAME_MAX_UNITS];
    int32_t k = fold(name, n, key, NAME_MAX_UNITS - 1);
    if (k <= 0 || strlen(tag) >= sizeof names->tag)
        return;
    key[k] = 0;
    if (nnames == names_cap) {
        size_t cap = names_cap ? names_cap * 2 : 1024;
        name_entry *grown = realloc(names, cap * sizeof *names);
        if (!grown)
            return;
        names = grown;
        names_cap = cap;
    }
    UChar *copy = malloc(((size_t)k + 1) * sizeof *copy);
    if (!copy)
        return;
    memcpy(copy, key, ((size_t)k + 1) * sizeof *copy);
    name_entry *ne = &names[nnames];
    ne->key = copy;
    snprintf(ne->tag, sizeof ne->tag, "%s", tag);
    ne->order = (unsigned)nnames++;
}

/* Both of a locale's names (dialect and standard) by the two name sets. */
static void add_names(ULocaleDisplayNames *dialect, ULocaleDisplayNames *standard, const char *loc,
                      const char *tag)
{
    UChar name[NAME_MAX_UNITS];
    ULocaleDisplayNames *ld[2] = {dialect, standard};
    for (int i = 0; i < 2; i++) {
        UErrorCode e = U_ZERO_ERROR;
        int32_t n = ld[i] ? uldn_localeDisplayName(ld[i], loc, name, NAME_MAX_UNITS, &e) : 0;
        if (U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING)
            add_name(name, n, loc, tag);
    }
}

static ULocaleDisplayNames *open_names(const char *loc, bool dialect)
{
    UDisplayContext ctx[] = {dialect ? UDISPCTX_DIALECT_NAMES : UDISPCTX_STANDARD_NAMES,
                             UDISPCTX_CAPITALIZATION_FOR_UI_LIST_OR_MENU};
    UErrorCode e = U_ZERO_ERROR;
    ULocaleDisplayNames *ld = uldn_openForContext(loc, ctx, 2, &e);
    if (U_FAILURE(e)) {
        if (ld)
            uldn_close(ld);
        return NULL;
    }
    return ld;
}

static int by_key(const void *a, const void *b)
{
    const name_entry *x = a, *y = b;
    int c = u_strcmp(x->key, y->key);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Names of languages that US clinics' records use (the language lists of
 * the Census and of EHRs) and CLDR does not give: "Farsi" (CLDR says
 * Persian), "Mandarin" (CLDR names Chinese as written, and Mandarin
 * speakers read it), and "Tagalog" (CLDR's name for tl, which ICU's list of
 * languages leaves out for fil, so that the loop below never meets it). */
static const struct {
    const char *name, *tag;
} extra_names[] = {
    {"Farsi", "fa"},
    {"Mandarin", "zh"},
    {"Tagalog", "tl"},
};

static void build_names(void)
{
    for (size_t i = 0; i < sizeof extra_names / sizeof extra_names[0]; i++) {
        UChar name[NAME_MAX_UNITS];
        int32_t n = (int32_t)strlen(extra_names[i].name);
        u_charsToUChars(extra_names[i].name, name, n);
        add_name(name, n, "", extra_names[i].tag);
    }
    ULocaleDisplayNames *en_dialect = open_names("en", true);
    ULocaleDisplayNames *en_standard = open_names("en", false);
    char tag[LANGUAGE_TAG_MAX];
    /* Every language ICU knows, by its English name. */
    for (const char *const *l = uloc_getISOLanguages(); *l; l++)
        if (resolve_tag(*l, strlen(*l), tag, sizeof tag))
            add_names(en_dialect, NULL, *l, tag);
    /* Every locale ICU has data for, by its English names and its own. A
     * regional form is named in its language and script (es_MX by es_Latn,
     * zh_HK by zh_Hant: the same words), so that the names are opened once per
     * language rather than per locale: a third of the time, and this
     * table is built while a batch or a render waits. ICU lists the
     * locales sorted, a language's forms together. */
    char base[ULOC_FULLNAME_CAPACITY] = "";
    ULocaleDisplayNames *own[2] = {NULL, NULL};
    int32_t count = uloc_countAvailable();
    for (int32_t i = 0; i < count; i++) {
        const char *loc = uloc_getAvailable(i);
        char lang[ULOC_LANG_CAPACITY], script[ULOC_SCRIPT_CAPACITY], b[ULOC_FULLNAME_CAPACITY];
        char max[ULOC_FULLNAME_CAPACITY];
        UErrorCode e = U_ZERO_ERROR;
        /* By its likely script: zh_HK is named in Traditional characters. */
        uloc_addLikelySubtags(loc, max, (int32_t)sizeof max, &e);
        uloc_getLanguage(max, lang, (int32_t)sizeof lang, &e);
        uloc_getScript(max, script, (int32_t)sizeof script, &e);
        if (uloc_toLanguageTag(loc, tag, (int32_t)sizeof tag, true, &e) <= 0 || U_FAILURE(e) ||
            e == U_STRING_NOT_TERMINATED_WARNING)
            continue;
        add_names(en_dialect, en_standard, loc, tag);
        snprintf(b, sizeof b, "%s%s%s", lang, script[0] ? "_" : "", script);
        if (strcmp(b, base) != 0) {
            for (int k = 0; k < 2; k++)
                if (own[k])
                    uldn_close(own[k]);
            own[0] = open_names(b, true);
            own[1] = open_names(b, false);
            memcpy(base, b, sizeof base);
        }
        add_names(own[0], own[1], loc, tag);
    }
    ULocaleDisplayNames *opened[] = {own[0], own[1], en_dialect, en_standard};
    for (size_t k = 0; k < sizeof opened / sizeof opened[0]; k++)
        if (opened[k])
            uldn_close(opened[k]);
    if (nnames)
        qsort(names, nnames, sizeof *names, by_key);
}

/* The tag of the name s[0..n), or NULL. */
static const char *resolve_name(const char *s, size_t n)
{
    UChar in[NAME_MAX_UNITS], key[NAME_MAX_UNITS];
    int32_t un = 0;
    UErrorCode e = U_ZERO_ERROR;
    if (n >= NAME_MAX_UNITS)
        return NULL;
    u_strFromUTF8(in, NAME_MAX_UNITS, &un, s, (int32_t)n, &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
        return NULL; /* not UTF-8, or too long to be a name */
    int32_t k = fold(in, un, key, NAME_MAX_UNITS - 1);
    if (k <= 0)
        return NULL;
    key[k] = 0;
    pthread_once(&names_once, build_names);
    /* The first entry of the key: entries of one key are in the order added. */
    size_t lo = 0, hi = nnames;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u_strcmp(names[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < nnames && u_strcmp(names[lo].key, key) == 0 ? names[lo].tag : NULL;
}

bool language_resolve(const char *s, char *tag, size_t size)
{
    if (size)
        tag[0] = '\0';
    if (!s || !size)
        return false;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    if (resolve_tag(s, n, tag, size))
        return true;
    tag[0] = '\0';
    const char *named = resolve_name(s, n);
    if (!named || strlen(named) >= size)
        return false;
    memcpy(tag, named, strlen(named) + 1);
    return true;
}

/* ---- fit -------------------------------------------------------------------- */

/* A tag's canonical locale ID, and its likely script and region. */
typedef struct parts {
    char loc[ULOC_FULLNAME_CAPACITY];
    char lang[ULOC_LANG_CAPACITY], script[ULOC_SCRIPT_CAPACITY], region[ULOC_COUNTRY_CAPACITY];
    bool bare; /* no script, no region: the language alone */
} parts;

static bool parts_of(const char *tag, parts *p)
{
    char first[ULOC_FULLNAME_CAPACITY], canon[LANGUAGE_TAG_MAX], max[ULOC_FULLNAME_CAPACITY];
    UErrorCode e = U_ZERO_ERROR;
    /* Through the canonical tag, so that "iw" and "he" are one language. */
    if (!locale_of(tag, first, sizeof first) ||
        uloc_toLanguageTag(first, canon, (int32_t)sizeof canon, false, &e) <= 0 || U_FAILURE(e) ||
        e == U_STRING_NOT_TERMINATED_WARNING || !locale_of(canon, p->loc, sizeof p->loc))
        return false;
    char script[ULOC_SCRIPT_CAPACITY], region[ULOC_COUNTRY_CAPACITY];
    uloc_getLanguage(p->loc, p->lang, (int32_t)sizeof p->lang, &e);
    uloc_getScript(p->loc, script, (int32_t)sizeof script, &e);
    uloc_getCountry(p->loc, region, (int32_t)sizeof region, &e);
    p->bare = !script[0] && !region[0];
    uloc_addLikelySubtags(p->loc, max, (int32_t)sizeof max, &e);
    uloc_getScript(max, p->script, (int32_t)sizeof p->script, &e);
    uloc_getCountry(max, p->region, (int32_t)sizeof p->region, &e);
    return U_SUCCESS(e);
}

language_fit language_fit_of(const char *wanted, const char *offered)
{
    parts w, o;
    if (!wanted || !offered || !parts_of(wanted, &w) || !parts_of(offered, &o))
        return LANGUAGE_OTHER;
    if (strcmp(w.lang, o.lang) != 0)
        return LANGUAGE_OTHER;
    if (strcmp(w.loc, o.loc) == 0)
        return LANGUAGE_EXACT;
    if (strcmp(w.script, o.script) == 0)
        return strcmp(w.region, o.region) == 0 ? LANGUAGE_CLOSE : LANGUAGE_COMPATIBLE;
    return w.bare ? LANGUAGE_COMPATIBLE : LANGUAGE_OTHER_SCRIPT;
}

/* ---- names for people ----------------------------------------------------------- */

/* A display-name object per language names are shown in (English for the
 * operator, each packet language's own): opening one loads CLDR data, so
 * they are kept; one lock covers the list and their use, since ICU does not
 * promise that one object may be used by two threads at once. */
#define SHOWN_MAX 16
static pthread_mutex_t shown_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char loc[ULOC_FULLNAME_CAPACITY];
    ULocaleDisplayNames *ld;
} shown[SHOWN_MAX];
static size_t nshown;

size_t language_name(const char *tag, const char *in, char *buf, size_t size)
{
    char loc[ULOC_FULLNAME_CAPACITY], in_loc[ULOC_FULLNAME_CAPACITY];
    if (!tag)
        tag = "";
    if (!locale_of(tag, loc, sizeof loc) || (in && !locale_of(in, in_loc, sizeof in_loc)))
        return utf8_copy(buf, size, tag, strlen(tag));
    if (!in)
        memcpy(in_loc, loc, sizeof loc);
    UChar name[NAME_MAX_UNITS];
    int32_t n = 0;
    UErrorCode e = U_ZERO_ERROR;
    pthread_mutex_lock(&shown_lock);
    ULocaleDisplayNames *ld = NULL, *own = NULL;
    for (size_t i = 0; i < nshown && !ld; i++)
        if (strcmp(shown[i].loc, in_loc) == 0)
            ld = shown[i].ld;
    if (!ld) {
        ld = own = open_names(in_loc, true);
        if (own && nshown < SHOWN_MAX) {
            snprintf(shown[nshown].loc, sizeof shown[nshown].loc, "%s", in_loc);
            shown[nshown++].ld = own;
            own = NULL; /* kept */
        }
    }
    if (ld)
        n = uldn_localeDisplayName(ld, loc, name, NAME_MAX_UNITS, &e);
    pthread_mutex_unlock(&shown_lock);
    if (own)
        uldn_close(own);
    char utf8[4 * NAME_MAX_UNITS];
    int32_t k = 0;
    if (ld && U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING && n > 0)
        u_strToUTF8(utf8, (int32_t)sizeof utf8, &k, name, n, &e);
    if (!ld || U_FAILURE(e) || k <= 0 || strcasecmp(utf8, loc) == 0)
        return utf8_copy(buf, size, tag, strlen(tag));
    return utf8_copy(buf, size, utf8, (size_t)k);
}

void language_cleanup(void)
{
    pthread_mutex_lock(&shown_lock);
    for (size_t i = 0; i < nshown; i++)
        uldn_close(shown[i].ld);
    nshown = 0;
    pthread_mutex_unlock(&shown_lock);
}
