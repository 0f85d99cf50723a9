/*
 * readability.c — the Flesch-Kincaid grade of consent wording; see
 * readability.h.
 *
 * Three layers, each blind to the one above:
 *   - a tokenizer that finds words, numbers, placeholders and sentence ends
 *     in UTF-8 text (readability_add);
 *   - a letter folder that turns one word into lowercase Latin letters,
 *     remembering which vowels carried an accent ("é" is an "e" that is
 *     never silent) or a diaeresis ("naïve": the "i" starts a new syllable);
 *   - a per-language syllable counter over those letters.
 *
 * A language is a table (syllable counter, abbreviations that end in a
 * period without ending a sentence, grade formula): English (lang_en) and
 * Spanish (lang_es), sharing the tokenizer and the folder; the caller picks
 * one with readability.lang. Other languages have no table, and no grade.
 *
 * Syllables are estimated by rule, not looked up: there is no dictionary to
 * ship, and the grade formulas are themselves estimates. Spanish spelling
 * follows its sounds, so its rules are exact for native words (see
 * es_syllables); English needs many more. The English rules count
 * vowel groups and then correct the spellings that mislead that count (a
 * silent final "e", "-ed" and "-es" endings, vowel pairs that are two
 * syllables as in "i-de-a" or "ra-di-o"); a short list holds the words the
 * rules still get wrong that consent forms use.
 *
 * Counting conventions (FK leaves them to the implementer):
 *   - a word is a run of letters, digits, apostrophes and hyphens holding at
 *     least one letter; its hyphenated parts are counted separately
 *     ("follow-up" = 2 + 1);
 *   - a number (digits, with "." "," ":" "/" between digits: 3.5, 1,000,
 *     10:30) is one word of one syllable per digit group, so "3.5" counts 2;
 *     a number opening a sentence and followed by "." is a list marker
 *     ("1. Take ...") and is not counted at all;
 *   - a placeholder {{name}} is one word of one syllable, since a short
 *     name or value stands there;
 *   - a word without vowels (CT, BP, Dr, mg) is read letter by letter or
 *     expanded, so each letter counts one syllable;
 *   - sentences end at ". ! ? …" followed by a space or the end, at a blank
 *     line, and at the end of each added piece.
 */
#include "readability.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* ---------------------------------------------------------------------------
 * Letters
 */

enum {
    LETTER_SOUNDED = 1,   /* an accented vowel: pronounced, never a silent "e" */
    LETTER_DIAERESIS = 2, /* ä ë ï ö ü ÿ: starts a new syllable (naïve, Zoë) */
};

/* Longest run of letters counted at once. No English word comes near it
 * (pneumonoultramicroscopicsilicovolcanoconiosis has 45); longer runs are
 * counted in pieces, which keeps the counter free of allocation. */
#define WORD_MAX 64

/* Latin-1 Supplement U+00C0..U+00DF; U+00E0..U+00FF are the same letters in
 * lower case. "_" marks the multiplication and division signs. Æ is read as
 * the "e" it stands for in anæmia; Þ as the "t" of "th". */
static const char latin1_base[33] = "aaaaaaeceeeeiiiidnooooo_ouuuuyts";

/* Latin Extended-A, U+0100..U+017F, in code point order. Ĳ is Dutch "ij",
 * a vowel; Œ is the "e" of œdema. */
static const char latin_ext_a_base[] = "aaaaaa"       /* U+0100 Ā ā Ă ă Ą ą */
                                       "cccccccc"     /* U+0106 Ć ... č */
                                       "dddd"         /* U+010E Ď ď Đ đ */
                                       "eeeeeeeeee"   /* U+0112 Ē ... ě */
                                       "gggggggg"     /* U+011C Ĝ ... ģ */
                                       "hhhh"         /* U+0124 Ĥ ĥ Ħ ħ */
                                       "iiiiiiiiii"   /* U+0128 Ĩ ... ı */
                                       "ii"           /* U+0132 Ĳ ĳ */
                                       "jj"           /* U+0134 Ĵ ĵ */
                                       "kkk"          /* U+0136 Ķ ķ ĸ */
                                       "llllllllll"   /* U+0139 Ĺ ... ł */
                                       "nnnnnnnnn"    /* U+0143 Ń ... ŋ */
                                       "oooooo"       /* U+014C Ō ... ő */
                                       "ee"           /* U+0152 Œ œ */
                                       "rrrrrr"       /* U+0154 Ŕ ... ř */
                                       "ssssssss"     /* U+015A Ś ... š */
                                       "tttttt"       /* U+0162 Ţ ... ŧ */
                                       "uuuuuuuuuuuu" /* U+0168 Ũ ... ų */
                                       "ww"           /* U+0174 Ŵ ŵ */
                                       "yyy"          /* U+0176 Ŷ ŷ Ÿ */
                                       "zzzzzz"       /* U+0179 Ź ... ž */
                                       "s";           /* U+017F ſ */

_Static_assert(sizeof latin_ext_a_base == 0x80 + 1, "one letter per code point U+0100..U+017F");

static bool is_vowel_char(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* The letter cp stands for, lower case a-z, or '*' for a letter with no
 * Latin base (Greek, Cyrillic ...; counted as a consonant), or 0 when cp is
 * not a letter. *flags gets LETTER_* for accented vowels. */
static char fold_letter(uint32_t cp, unsigned *flags)
{
    *flags = 0;
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            return (char)(cp - 'A' + 'a');
        return cp >= 'a' && cp <= 'z' ? (char)cp : 0;
    }
    if (cp >= 0xC0 && cp <= 0xFF) {
        unsigned i = (cp - 0xC0) & 0x1F;
        char c = cp == 0xFF ? 'y' : latin1_base[i];
        if (c == '_')
            return 0;
        if (is_vowel_char(c) && i != 0x06 && i != 0x18) /* not Æ, Ø: letters, not accents */
            *flags = (i == 0x04 || i == 0x0B || i == 0x0F || i == 0x16 || i == 0x1C || cp == 0xFF)
                         ? LETTER_DIAERESIS
                         : LETTER_SOUNDED;
        return c;
    }
    if (cp >= 0x100 && cp <= 0x17F) {
        char c = latin_ext_a_base[cp - 0x100];
        if (is_vowel_char(c) && cp != 0x132 && cp != 0x133 && cp != 0x152 && cp != 0x153)
            *flags = cp == 0x178 ? LETTER_DIAERESIS : LETTER_SOUNDED;
        return c;
    }
    if (cp >= 0x1EA0 && cp <= 0x1EF9) { /* Vietnamese vowels: Nguyễn, Phạm */
        *flags = LETTER_SOUNDED;
        return cp <= 0x1EB7   ? 'a'
               : cp <= 0x1EC7 ? 'e'
               : cp <= 0x1ECB ? 'i'
               : cp <= 0x1EE3 ? 'o'
               : cp <= 0x1EF1 ? 'u'
                              : 'y';
    }
    if ((cp >= 0x180 && cp <= 0x2AF) ||
        (cp >= 0x370 && cp <= 0x3FF && cp != 0x37E && cp != 0x387) ||
        (cp >= 0x400 && cp <= 0x52F) || (cp >= 0x1E00 && cp <= 0x1EFF))
        return '*';
    return 0;
}

/* ---------------------------------------------------------------------------
 * Characters, as the tokenizer sees them
 */

typedef enum {
    CH_OTHER, /* punctuation, symbols, anything unknown */
    CH_SPACE,
    CH_LETTER,
    CH_DIGIT,
    CH_APOS,   /* ' ’ ʼ: inside words (don't, patient's) */
    CH_HYPHEN, /* - ‐ ‑: inside words (follow-up), a part boundary for syllables */
    CH_JOINER, /* soft hyphen, ZWJ, ZWNJ, word joiner: invisible inside a word */
    CH_MARK,   /* combining mark: belongs to the letter before it */
} ch_class;

static bool is_space_cp(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

static ch_class classify(uint32_t cp)
{
    unsigned flags;
    if (cp >= '0' && cp <= '9')
        return CH_DIGIT;
    if (cp == '\'' || cp == 0x2019 || cp == 0x02BC)
        return CH_APOS;
    if (cp == '-' || cp == 0x2010 || cp == 0x2011)
        return CH_HYPHEN;
    if (cp == 0xAD || cp == 0x200C || cp == 0x200D || cp == 0x2060)
        return CH_JOINER;
    if (is_space_cp(cp))
        return CH_SPACE;
    if (fold_letter(cp, &flags))
        return CH_LETTER;
    if (utf8_is_combining(cp))
        return CH_MARK;
    return CH_OTHER;
}

/* Decodes one character; invalid bytes become one U+FFFD each, so a bad byte
 * never stops the scan. */
static size_t next_cp(const char *s, size_t n, uint32_t *cp)
{
    size_t k = utf8_decode(s, n, cp);
    return k ? k : 1;
}

/* ---------------------------------------------------------------------------
 * Languages
 */

typedef struct abbreviation {
    const char *text;   /* lower case, without the final period */
    bool before_number; /* only before a number: "No. 5" (but "say no. Then") */
} abbreviation;

typedef struct lang {
    /* Syllables in s[0..n): lowercase letters a-z or '*', flags[i] LETTER_*.
     * At least 1. */
    size_t (*syllables)(const char *s, const unsigned char *flags, size_t n);
    const abbreviation *abbreviations; /* lower case; UTF-8 allowed (pág) */
    size_t n_abbreviations;
    /* The grade of a text with these counts; words > 0, sentences > 0. */
    double (*grade)(double words, double sentences, double syllables);
    const char *formula; /* its name, for readability_formula */
} lang;

/* ---------------------------------------------------------------------------
 * English syllables
 */

/* True when s[i..) starts with pat (and fits in n). */
static bool has(const char *s, size_t n, size_t i, const char *pat)
{
    size_t m = strlen(pat);
    return i <= n && m <= n - i && memcmp(s + i, pat, m) == 0;
}

static bool ends_with(const char *s, size_t n, const char *pat)
{
    size_t m = strlen(pat);
    return m <= n && memcmp(s + n - m, pat, m) == 0;
}

static char at(const char *s, size_t n, size_t i)
{
    return i < n ? s[i] : 0;
}

/* Any vowel before index k. */
static bool vowel_before(const bool *v, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (v[j])
            return true;
    return false;
}

/* Which letters are vowels. "y" is one except before a vowel at the start
 * (yes, you); "u" is not after "q" (quite) nor between "g" and a vowel
 * (guide, language, fatigue), except in argue and ambiguous. */
static void en_vowels(const char *s, size_t n, bool *v)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool next_vowel = i + 1 < n && is_vowel_char(s[i + 1]);
        if (c == 'y')
            v[i] = !(i == 0 && next_vowel);
        else if (c == 'u')
            v[i] =
                !(i > 0 && s[i - 1] == 'q') &&
                !(i > 0 && s[i - 1] == 'g' && next_vowel && !(i >= 3 && has(s, n, i - 3, "argu")) &&
                  !has(s, n, i + 1, "ou") && !has(s, n, i + 1, "ity"));
        else
            v[i] = c == 'a' || c == 'e' || c == 'i' || c == 'o';
    }
}

/* Prefixes that end in a vowel and are followed by one that starts a new
 * syllable (co-operate, re-act, pre-existing), listed one stem at a time
 * because "reach", "really", "coin" and "coop" are not prefixed. */
static const struct {
    const char *prefix;
    unsigned char at; /* the split falls before this index */
} en_prefix_splits[] = {
    {"coag", 2},    {"coalesc", 2}, {"coauth", 2}, {"coeff", 2},   {"coerc", 2},   {"coex", 2},
    {"coinc", 2},   {"coinf", 2},   {"coinsu", 2}, {"coope", 2},   {"coord", 2},   {"preadm", 3},
    {"preauth", 3}, {"pream", 3},   {"preecl", 3}, {"preemp", 3},  {"preex", 3},   {"react", 2},
    {"readj", 2},   {"readm", 2},   {"reaff", 2},  {"reali", 2},   {"reapp", 2},   {"rearr", 2},
    {"reass", 2},   {"reatt", 2},   {"reaw", 2},   {"reelect", 2}, {"reemerg", 2}, {"reent", 2},
    {"reev", 2},    {"reexa", 2},   {"reimb", 2},  {"reimp", 2},   {"reinf", 2},   {"reinse", 2},
    {"reinst", 2},  {"reinsu", 2},  {"reint", 2},  {"reit", 2},    {"reun", 2},    {"reupt", 2},
    {"reus", 2},
};

/* Whether the vowels at i-1 and i, next to each other, are two syllables.
 * Most English vowel pairs are one (rain, field, out); the exceptions are
 * spelled out pair by pair, each with the words that taught it. */
static bool en_split(const char *s, const unsigned char *flags, size_t n, const bool *v, size_t i)
{
    char a = s[i - 1], b = s[i];
    char p = i >= 2 ? s[i - 2] : 0; /* the letter before the pair */
    bool p_inside = i >= 3;         /* p is not the first letter */
    char q1 = at(s, n, i + 1), q2 = at(s, n, i + 2), q3 = at(s, n, i + 3);
    bool word_end = i + 1 == n || (q1 == 's' && i + 2 == n); /* idea, ideas */

    if (flags[i] & LETTER_DIAERESIS)
        return true;
    if (a == 'y') /* y closes its syllable: lay-er, an-y-one, my-o-fascial */
        return true;
    if (b == 'i' && q1 == 'n' && q2 == 'g' &&
        (i + 3 == n || (q3 == 's' && i + 4 == n) || (i + 5 == n && has(s, n, i + 3, "ly"))))
        return true; /* be-ing, go-ing, see-ing, con-tin-u-ing */
    for (size_t k = 0; k < sizeof en_prefix_splits / sizeof en_prefix_splits[0]; k++)
        if (i == en_prefix_splits[k].at && has(s, n, 0, en_prefix_splits[k].prefix))
            return true;

    switch (a) {
    case 'i':
        switch (b) {
        case 'a': /* di-al, me-di-a, but so-cial, par-tial, neural-gia, anesthe-sia, A-sian */
            if ((p == 'c' || p == 't' || p == 'g') && p_inside && q1 != 't') /* ap-pre-ci-ate */
                return false;
            if (p == 's' && p_inside && v[i - 3] && (word_end || q1 == 'n'))
                return false;
            return true;
        case 'e': /* field, pie, stud-ies; but di-et, eas-i-er, cli-ent, sci-ence */
            if (q1 == 't')
                return true;
            if ((q1 == 'r' && i + 2 == n) || (q1 == 'r' && q2 == 's' && i + 3 == n) ||
                (q1 == 's' && q2 == 't' && i + 3 == n))
                return p && !v[i - 2] && vowel_before(v, i - 2); /* not pier, priest */
            if (q1 == 'n' && (q2 == 't' || q2 == 'c' || i + 2 == n))
                return !((p == 'c' || p == 't') && !(i >= 3 && s[i - 3] == 's')); /* pa-tient */
            return false;
        case 'o': /* ra-di-o, bi-op-sy, se-ri-ous; but na-tion, mil-lion, pre-cious, sen-ior */
            if (q1 == 'n' && (p == 't' || p == 's' || p == 'c' || p == 'g' || p == 'x' || p == 'h'))
                return false;
            if (q1 == 'n' && (p == 'l' || p == 'n') && p_inside)
                return false;
            if (q1 == 'u' && q2 == 's' && (p == 't' || p == 'c' || p == 'g' || p == 'x'))
                return false;
            if ((q1 == 'r' || (q1 == 'u' && q2 == 'r')) && (p == 'n' || p == 'v'))
                return false; /* be-hav-iour */
            return true;
        case 'i': /* ski-ing */
        case 'u': /* medi-um, calci-um */
            return true;
        default:
            return false;
        }
    case 'e':
        switch (b) {
        case 'a': /* heat, great, ocean; but are-a, cre-ate, re-al-ize, Kore-an, agree-able */
            if (p == 'e')
                return true;
            if (word_end && vowel_before(v, i - 1))
                return true;
            if (q1 == 'n' && (i + 2 == n || (q2 == 's' && i + 3 == n)) && vowel_before(v, i - 1) &&
                p != 'c' && p != 'g')
                return true;
            if (q1 == 't' && q2 == 'e' && i + 3 == n)
                return true;
            if (i >= 3 && has(s, n, i - 3, "creat") && q2 != 'u') /* not creature */
                return true;
            return (i >= 3 && has(s, n, i - 3, "idea")) || (i >= 6 && has(s, n, i - 6, "pancrea"));
        case 'o': /* vid-e-o, ge-og-ra-phy; but sur-geon, gor-geous, lun-cheon */
            return !(p_inside && (p == 'g' || p == 'c' || (p == 'h' && s[i - 3] == 'c')));
        case 'i': /* their, pro-tein; but de-i-ty */
            return q1 == 't' && q2 == 'y';
        case 'u': /* neu-ral, feud; but muse-um, nucle-us */
            return ((q1 == 'm' && (i + 2 == n || (q2 == 's' && i + 3 == n))) ||
                    (q1 == 's' && i + 2 == n)) &&
                   vowel_before(v, i - 1);
        default:
            return false;
        }
    case 'o':
        switch (b) {
        case 'a': /* road; but oste-o-ar-thri-tis, proto-zo-a */
            return (i >= 2 && v[i - 2]) || (word_end && vowel_before(v, i - 1));
        case 'e': /* does, toe; but po-em, po-et */
            return q1 == 'm' || q1 == 't';
        default:
            return false;
        }
    case 'u':
        switch (b) {
        case 'a': /* u-su-al, sit-u-a-tion (qu, gu are consonants, not here) */
        case 'o': /* du-o, contin-u-ous */
        case 'u':
            return true;
        case 'e': /* due, val-ue; but flu-ent, in-flu-ence, fu-el, du-et */
            return (q1 == 'n' && (q2 == 't' || q2 == 'c')) || q1 == 'l' || q1 == 't';
        case 'i': /* fruit, build; but flu-id, ru-in, su-i-cide, tu-i-tion, acu-i-ty */
            return q1 == 'd' || q1 == 'n' || (q1 == 'c' && q2 == 'i') ||
                   (q1 == 't' &&
                    (q2 == 'y' || q2 == 'o' || (q2 == 'i' && (q3 == 'o' || q3 == 'v'))));
        default:
            return false;
        }
    case 'a':
        switch (b) {
        case 'o': /* cha-os, a-or-ta */
            return true;
        case 'i': /* rain; but mosa-ic */
            return q1 == 'c' && (i + 2 == n || q2 == 's' || q2 == 'i');
        default:
            return false;
        }
    default:
        return false;
    }
}

/* "-le" after a consonant other than "l" is a syllable of its own: ta-ble,
 * lit-tle, mus-cle (but style, whole, gazelle). l_at is the index of "l". */
static bool en_syllabic_le(const char *s, const bool *v, size_t l_at)
{
    return l_at >= 1 && s[l_at] == 'l' && !v[l_at - 1] && s[l_at - 1] != 'l';
}

/* "-re" after these is a syllable too: a-cre, cen-tre, o-gre. */
static bool en_syllabic_re(const char *s, size_t r_at)
{
    return r_at >= 1 && s[r_at] == 'r' && strchr("bcdgt", s[r_at - 1]) != NULL;
}

enum { EN_KEEP_ED = 1 }; /* a stem before "-ly": mark-ed-ly, sup-pos-ed-ly */

/* Vowel groups, corrected for silent and extra syllables at the end. */
static size_t en_core(const char *s, const unsigned char *flags, size_t n, unsigned opts)
{
    bool v[WORD_MAX], starts[WORD_MAX];
    en_vowels(s, n, v);
    size_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        starts[i] = v[i] && (i == 0 || !v[i - 1] || en_split(s, flags, n, v, i));
        groups += starts[i];
    }
    if (groups == 0) /* CT, BP, mg, Dr: said letter by letter or expanded */
        return n;

    size_t count = groups;
    bool sounded = flags[n - 1] & (LETTER_SOUNDED | LETTER_DIAERESIS);

    /* A final "e" that is a vowel group of its own is silent (hope, whole,
     * fatigue), except in "-le" and "-re" after a consonant (table, acre). */
    if (n >= 3 && s[n - 1] == 'e' && starts[n - 1] && !sounded && groups >= 2 &&
        !en_syllabic_le(s, v, n - 2) && !en_syllabic_re(s, n - 2))
        count--;

    /* "-es" and "-ed" add no syllable (hopes, hoped) unless the stem ends in
     * a sound that needs one: box-es, plac-es, church-es, ta-bles, want-ed,
     * need-ed, ta-bled, hun-dred. A vowel before them (agreed, dies) leaves
     * the "e" in its group, so starts[] says no. */
    if (n >= 4 && s[n - 2] == 'e' && (s[n - 1] == 's' || s[n - 1] == 'd') && starts[n - 2] &&
        !(flags[n - 2] & (LETTER_SOUNDED | LETTER_DIAERESIS)) && groups >= 2) {
        char c = s[n - 3];
        bool syllabic = en_syllabic_le(s, v, n - 3);
        if (s[n - 1] == 's')
            syllabic = syllabic || strchr("sxzcg", c) != NULL ||
                       (c == 'h' && (s[n - 4] == 'c' || s[n - 4] == 's')) ||
                       en_syllabic_re(s, n - 3);
        else
            syllabic = syllabic || c == 't' || c == 'd' || (opts & EN_KEEP_ED) ||
                       (c == 'r' && !v[n - 4] && s[n - 4] != 'r');
        if (!syllabic)
            count--;
    }

    /* Silent "e" before "-ty": safe-ty, nine-ty (not sub-tle-ty, va-ri-e-ty). */
    if (n >= 5 && ends_with(s, n, "ety") && starts[n - 3] && !v[n - 4] && v[n - 5] && count > 1)
        count--;

    /* Endings whose syllable has no vowel letter: spas-m, au-tis-m, rhy-thm,
     * could-n't (the apostrophe is already gone). */
    if ((n >= 3 && ends_with(s, n, "sm") && v[n - 3]) ||
        (n >= 4 && ends_with(s, n, "sms") && v[n - 4]) || ends_with(s, n, "thm") ||
        ends_with(s, n, "thms") || ends_with(s, n, "dnt") || ends_with(s, n, "snt") ||
        ends_with(s, n, "tnt"))
        count++;

    return count ? count : 1;
}

/* Words the rules count wrong and consent forms use. Dictionary counts
 * (Merriam-Webster), first pronunciation. */
static const struct {
    const char *word;
    unsigned char syllables;
} en_exceptions[] = {
    {"aches", 1},        {"acne", 2},        {"aisle", 1},    {"business", 2},
    {"businesses", 3},   {"cafe", 2},        {"canyon", 2},   {"conscience", 2},
    {"diabetes", 4},     {"element", 3},     {"elements", 3}, {"gastrointestinal", 6},
    {"headaches", 2},    {"herpes", 2},      {"isle", 1},     {"lawyer", 2},
    {"lawyers", 2},      {"maybe", 2},       {"moreover", 3}, {"naive", 2},
    {"nevertheless", 4}, {"nonetheless", 3}, {"people", 2},   {"peoples", 2},
    {"pneumonia", 3},    {"recipe", 3},      {"recipes", 3},  {"syncope", 3},
    {"wherever", 3},
};

/* First halves of compounds whose silent "e" the end-of-word rules cannot
 * see (some-one, there-fore, care-giv-er, base-line), with their syllables.
 * "every" is two (ev-ery), as dictionaries give it. The heads marked
 * before_consonant begin other words too (home-o-path-ic, lin-e-ar), so
 * they count only before a consonant and a rest of three letters or more. */
static const struct {
    const char *head;
    unsigned char syllables;
    bool before_consonant;
} en_compound_heads[] = {
    {"every", 2, false}, {"some", 1, false}, {"there", 1, false}, {"where", 1, false},
    {"else", 1, false},  {"life", 1, false}, {"care", 1, false},  {"time", 1, false},
    {"like", 1, false},  {"safe", 1, false}, {"whole", 1, false}, {"base", 1, true},
    {"fire", 1, true},   {"frame", 1, true}, {"guide", 1, true},  {"home", 1, true},
    {"house", 1, true},  {"name", 1, true},  {"nine", 1, true},   {"pipe", 1, true},
    {"side", 1, true},   {"trade", 1, true}, {"type", 1, true},   {"wide", 1, true},
};

/* Suffixes that keep their own syllable and leave the stem's silent "e"
 * silent: complete-ly, state-ment, use-ful, care-less, aware-ness, awe-some;
 * and "-ically", said "-ic-ly" (bas-ic-ly, spe-cif-ic-ly). */
static const struct {
    const char *suffix;
    unsigned char syllables;
    unsigned stem_opts;
} en_suffixes[] = {
    {"ically", 2, 0}, {"ments", 1, 0}, {"ment", 1, 0}, {"ness", 1, 0},
    {"less", 1, 0},   {"ful", 1, 0},   {"some", 1, 0}, {"ly", 1, EN_KEEP_ED},
};

static bool any_vowel_char(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_vowel_char(s[i]))
            return true;
    return false;
}

static size_t en_count(const char *s, const unsigned char *flags, size_t n, unsigned opts)
{
    bool plain = true;
    for (size_t i = 0; i < n; i++)
        plain = plain && !flags[i];
    if (plain)
        for (size_t k = 0; k < sizeof en_exceptions / sizeof en_exceptions[0]; k++)
            if (strlen(en_exceptions[k].word) == n && memcmp(en_exceptions[k].word, s, n) == 0)
                return en_exceptions[k].syllables;

    for (size_t k = 0; k < sizeof en_compound_heads / sizeof en_compound_heads[0]; k++) {
        size_t m = strlen(en_compound_heads[k].head);
        if (!has(s, n, 0, en_compound_heads[k].head))
            continue;
        bool fits = m == n || (n - m >= 2 && any_vowel_char(s + m, n - m));
        if (fits && en_compound_heads[k].before_consonant)
            fits = n - m >= 3 && !is_vowel_char(s[m]);
        if (fits)
            return en_compound_heads[k].syllables +
                   (m < n ? en_count(s + m, flags + m, n - m, opts) : 0);
    }

    for (size_t k = 0; k < sizeof en_suffixes / sizeof en_suffixes[0]; k++) {
        size_t m = strlen(en_suffixes[k].suffix);
        if (n >= m + 2 && ends_with(s, n, en_suffixes[k].suffix) && any_vowel_char(s, n - m))
            return en_count(s, flags, n - m, en_suffixes[k].stem_opts) + en_suffixes[k].syllables;
    }
    return en_core(s, flags, n, opts);
}

static size_t en_syllables(const char *s, const unsigned char *flags, size_t n)
{
    return n ? en_count(s, flags, n, 0) : 0;
}

/* "No." only before a number: "You can say no." ends a sentence. Single
 * letters with periods (e.g., i.e., a.m., M.D.) and initials are handled in
 * is_abbreviation. */
static const abbreviation en_abbreviations[] = {
    {"dr", false},     {"mr", false},  {"mrs", false},  {"ms", false},  {"st", false},
    {"jr", false},     {"sr", false},  {"prof", false}, {"etc", false}, {"vs", false},
    {"approx", false}, {"e.g", false}, {"i.e", false},  {"no", true},
};

static double flesch_kincaid(double words, double sentences, double syllables)
{
    return 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59;
}

static const lang lang_en = {
    en_syllables,   en_abbreviations, sizeof en_abbreviations / sizeof en_abbreviations[0],
    flesch_kincaid, "Flesch-Kincaid",
};

/* ---------------------------------------------------------------------------
 * Spanish syllables
 *
 * Spanish spelling is regular enough that counting vowel nuclei gives the
 * syllables of the Real Academia's division (Ortografía, 2010, §4.1):
 *   - a e o are strong vowels, i u weak; an accent makes a weak vowel strong
 *     (the accent on "í" "ú" marks a hiatus: dí-a, pa-ís, rí-o, ba-úl);
 *   - vowels side by side share a syllable (a diphthong: cau-sa, pie, ciu-dad,
 *     cui-da-do; a triphthong: buey, U-ru-guay) unless both are strong
 *     (hiatus: le-er, po-e-ta, te-a-tro);
 *   - "u" is silent in que, qui, gue, gui (que, a-quí, gue-rra), but sounded
 *     with a diaeresis (pin-güi-no, ver-güen-za);
 *   - "y" is a vowel where no vowel follows it: hoy, muy, rey, the word "y"
 *     (and names such as Lynn); before a vowel it is a consonant (ya, a-yu-da,
 *     in-yec-ción);
 *   - "h" is silent and does not part the vowels around it: pro-hi-bir is
 *     "proi-bir", two syllables (RAE: prohi-bir, ahu-ma-do, rehu-sar), while
 *     strong vowels stay apart as ever (bú-ho, a-hí, co-he-te).
 * Prefixes are not told apart (re-u-nir is counted reu-nir, as the RAE
 * divides it), nor is the hiatus some speakers make where the RAE writes a
 * diphthong (guion, one syllable in the 2010 Ortografía).
 */

enum { ES_NOT_VOWEL, ES_WEAK, ES_STRONG };

static bool is_plain_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* The part s[i] plays in a syllable. */
static int es_vowel(const char *s, const unsigned char *flags, size_t n, size_t i)
{
    char c = s[i], next = at(s, n, i + 1);
    switch (c) {
    case 'a':
    case 'e':
    case 'o':
        return ES_STRONG;
    case 'i':
        return flags[i] & LETTER_SOUNDED ? ES_STRONG : ES_WEAK;
    case 'u':
        if (flags[i] & LETTER_SOUNDED)
            return ES_STRONG;
        if (!(flags[i] & LETTER_DIAERESIS) && i > 0 && (s[i - 1] == 'q' || s[i - 1] == 'g') &&
            (next == 'e' || next == 'i'))
            return ES_NOT_VOWEL;
        return ES_WEAK;
    case 'y':
        return is_plain_vowel(next) ? ES_NOT_VOWEL : ES_WEAK;
    default:
        return ES_NOT_VOWEL;
    }
}

/* Abbreviations are read as the words they stand for (no Spanish word is
 * spelled like one of them), so they count those words' syllables. */
static const struct {
    const char *abbreviation; /* folded: "pag" is pág */
    unsigned char syllables;
} es_expansions[] = {
    {"dr", 2},    /* doc-tor */
    {"dra", 3},   /* doc-to-ra */
    {"dres", 3},  /* doc-to-res */
    {"sr", 2},    /* se-ñor */
    {"sra", 3},   /* se-ño-ra */
    {"sres", 3},  /* se-ño-res */
    {"srta", 4},  /* se-ño-ri-ta */
    {"ud", 2},    /* us-ted */
    {"uds", 3},   /* us-te-des */
    {"etc", 4},   /* et-cé-te-ra */
    {"pag", 3},   /* pá-gi-na */
    {"num", 3},   /* nú-me-ro */
    {"aprox", 7}, /* a-pro-xi-ma-da-men-te */
};

static size_t es_syllables(const char *s, const unsigned char *flags, size_t n)
{
    for (size_t k = 0; k < sizeof es_expansions / sizeof es_expansions[0]; k++)
        if (strlen(es_expansions[k].abbreviation) == n &&
            memcmp(es_expansions[k].abbreviation, s, n) == 0)
            return es_expansions[k].syllables;

    size_t count = 0;
    int prev = ES_NOT_VOWEL; /* the vowel just before, with only "h" between */
    for (size_t i = 0; i < n; i++) {
        int v = es_vowel(s, flags, n, i);
        if (v == ES_NOT_VOWEL) {
            if (s[i] != 'h')
                prev = ES_NOT_VOWEL;
            continue;
        }
        /* A diaeresis on a vowel other than "u" marks a hiatus in verse
         * (ru-ï-do) and in foreign names (No-ël). */
        bool apart = (flags[i] & LETTER_DIAERESIS) && s[i] != 'u';
        if (prev == ES_NOT_VOWEL || (prev == ES_STRONG && v == ES_STRONG) || apart)
            count++;
        prev = v;
    }
    /* No vowel at all (CT, mg): read letter by letter. */
    return count ? count : n;
}

/* Abbreviations that end in a period without ending a sentence; initials
 * and single letters joined by periods are handled in is_abbreviation. */
static const abbreviation es_abbreviations[] = {
    {"dr", false},
    {"dra", false},
    {"dres", false},
    {"sr", false},
    {"sra", false},
    {"sres", false},
    {"srta", false},
    {"ud", false},
    {"uds", false},
    {"etc", false},
    {"aprox", false},
    {"p\xC3\xA1g", false},
    /* pág */ {"n\xC3\xBAm", false}, /* núm */
};

/* Crawford (1984): grade from sentences and syllables per 100 words. */
static double crawford(double words, double sentences, double syllables)
{
    return -0.205 * (100.0 * sentences / words) + 0.049 * (100.0 * syllables / words) - 3.407;
}

static const lang lang_es = {
    es_syllables, es_abbreviations, sizeof es_abbreviations / sizeof es_abbreviations[0],
    crawford,     "Crawford",
};

/* Whether code is the two-letter language c0 c1, alone or with a region or
 * script after "-" or "_" ("es", "es-MX", "ES_es"). */
static bool lang_is(const char *code, char c0, char c1)
{
    return (code[0] | 0x20) == c0 && (code[1] | 0x20) == c1 &&
           (code[2] == '\0' || code[2] == '-' || code[2] == '_');
}

/* The language a readability's lang names: Spanish, English (NULL and ""
 * included: a form without a language is read as English), or NULL for any
 * other language. Flesch-Kincaid on Arabic, Chinese or Thai would be a
 * number with no meaning (their words are not space-separated Latin
 * letters, nor their syllables vowel groups), and a reviewer would trust
 * it: no grade is better than a wrong one. */
static const lang *lang_of(const char *code)
{
    if (!code || !code[0] || lang_is(code, 'e', 'n'))
        return &lang_en;
    return lang_is(code, 'e', 's') ? &lang_es : NULL;
}

/* ---------------------------------------------------------------------------
 * Words
 */

/* The letters of one hyphen-free part of a word, and its digit groups. */
typedef struct part {
    char s[WORD_MAX + 1];
    unsigned char flags[WORD_MAX];
    size_t n;
    size_t letter_syllables; /* of letters already counted when the buffer filled */
    bool has_letter, has_vowel, in_digits;
    size_t digit_groups;
} part;

static size_t part_end(const lang *l, part *p)
{
    size_t letters = p->letter_syllables + (p->n ? l->syllables(p->s, p->flags, p->n) : 0);
    /* Letters beside digits that hold no vowel are an ordinal or a code read
     * with the number: 3rd, B12. */
    if (p->digit_groups && !p->has_vowel)
        letters = 0;
    size_t total = p->digit_groups + (p->has_letter ? letters : 0);
    *p = (part){0};
    return total;
}

static size_t word_syllables(const lang *l, const char *word, size_t len)
{
    part p = {0};
    size_t total = 0;
    bool any_letter = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = next_cp(word + i, len - i, &cp);
        ch_class c = classify(cp);
        bool digit = c == CH_DIGIT;
        if (c == CH_LETTER) {
            unsigned fl;
            char base = fold_letter(cp, &fl);
            if (p.n == WORD_MAX) {
                p.letter_syllables += l->syllables(p.s, p.flags, p.n);
                p.n = 0;
            }
            p.s[p.n] = base;
            p.flags[p.n++] = (unsigned char)fl;
            p.s[p.n] = '\0';
            p.has_letter = any_letter = true;
            p.has_vowel = p.has_vowel || is_vowel_char(base);
        } else if (c == CH_MARK) {
            /* e + U+0301 is é, decomposed (as macOS writes file names). */
            if (p.n && is_vowel_char(p.s[p.n - 1]))
                p.flags[p.n - 1] |= cp == 0x308 ? LETTER_DIAERESIS : LETTER_SOUNDED;
        } else if (digit) {
            if (!p.in_digits)
                p.digit_groups++;
        } else if (c != CH_APOS && c != CH_JOINER) {
            total += part_end(l, &p); /* hyphen, or anything else between parts */
        }
        p.in_digits = digit;
        i += k;
    }
    total += part_end(l, &p);
    return any_letter ? total : 0;
}

size_t readability_syllables(const char *word, size_t len)
{
    return word_syllables(&lang_en, word, len);
}

/* ---------------------------------------------------------------------------
 * Sentences
 */

static bool ascii_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Where the letter or period that ends just before t[b] starts, or b when
 * t[b - 1] is neither. A letter outside ASCII is several bytes (the "á" of
 * "pág."). */
static size_t abbreviation_char_before(const char *t, size_t b)
{
    if (b == 0)
        return b;
    unsigned char c = (unsigned char)t[b - 1];
    if (c < 0x80)
        return ascii_alpha((char)c) || c == '.' ? b - 1 : b;
    size_t start = b - 1;
    while (start > 0 && b - start < 4 && ((unsigned char)t[start] & 0xC0) == 0x80)
        start--;
    uint32_t cp;
    unsigned flags;
    size_t k = utf8_decode(t + start, b - start, &cp);
    return k == b - start && fold_letter(cp, &flags) ? start : b;
}

/* Whether the period at t[dot] closes an abbreviation rather than a
 * sentence; after is where the text resumes after it. */
static bool is_abbreviation(const lang *l, const char *t, size_t len, size_t dot, size_t after)
{
    size_t b = dot;
    for (size_t prev; (prev = abbreviation_char_before(t, b)) != b;)
        b = prev;
    if (b > 0 && (ascii_digit(t[b - 1]) || (unsigned char)t[b - 1] >= 0x80))
        return false; /* after a digit or a symbol: 3.5, "©." */
    size_t m = dot - b;
    if (m == 0)
        return false;
    if (m == 1 && t[b] >= 'A' && t[b] <= 'Z')
        return true; /* an initial: Jane R. Doe */

    /* Single letters joined by periods: e.g, i.e, a.m, U.S, M.D */
    bool dotted = m >= 3;
    for (size_t j = 0; j < m && dotted; j++)
        dotted = (j % 2 == 0) ? ascii_alpha(t[b + j]) : t[b + j] == '.';
    if (dotted && m % 2 == 1)
        return true;

    /* Lower case, for ASCII and for the Latin-1 capitals (Á is C3 81, á is
     * C3 A1), which is all the abbreviation lists hold; a word with other
     * letters matches none of them, as "Ramírez." must not. */
    char lower[16];
    if (m >= sizeof lower)
        return false;
    for (size_t j = 0; j < m; j++) {
        unsigned char c = (unsigned char)t[b + j];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (j > 0 && (unsigned char)t[b + j - 1] == 0xC3 && c >= 0x80 && c <= 0x9E &&
                 c != 0x97) /* not the multiplication sign */
            c = (unsigned char)(c + 0x20);
        lower[j] = (char)c;
    }
    lower[m] = '\0';
    for (size_t k = 0; k < l->n_abbreviations; k++) {
        if (strcmp(lower, l->abbreviations[k].text) != 0)
            continue;
        if (!l->abbreviations[k].before_number)
            return true;
        size_t j = after;
        while (j < len && (t[j] == ' ' || t[j] == '\t'))
            j++;
        return j < len && ascii_digit(t[j]);
    }
    return false;
}

/* Terminal punctuation: . ! ? and the ellipsis character. */
static bool is_terminal(uint32_t cp)
{
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026;
}

/* Quotes and brackets that may close a sentence after its period. */
static bool is_closer(uint32_t cp)
{
    return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == 0x2019 || cp == 0x201D ||
           cp == 0xBB;
}

typedef struct scan {
    const lang *l;
    readability *r;
    const char *t;
    size_t len;
    size_t pending; /* words since the last sentence end */
} scan;

static void end_sentence(scan *sc)
{
    if (sc->pending) {
        sc->r->sentences++;
        sc->pending = 0;
    }
}

static void count_word(scan *sc, size_t syllables)
{
    sc->r->words++;
    sc->r->syllables += syllables;
    sc->pending++;
}

/* Where the word or number starting at i ends: letters, digits, marks and
 * joiners, with apostrophes and hyphens inside (not trailing), and . , : /
 * between two digits (3.5, 1,000, 10:30, 1/2). */
static size_t token_end(const char *t, size_t len, size_t i)
{
    size_t end = i;
    while (i < len) {
        uint32_t cp;
        size_t k = next_cp(t + i, len - i, &cp);
        ch_class c = classify(cp);
        if (c == CH_LETTER || c == CH_DIGIT || c == CH_MARK || c == CH_JOINER) {
            end = i + k;
            /* NOLINTNEXTLINE(bugprone-branch-clone): two empty branches, each saying why */
        } else if (c == CH_APOS || c == CH_HYPHEN) {
            /* kept only if a letter or digit follows; end stays put until then */
        } else if ((cp == '.' || cp == ',' || cp == ':' || cp == '/') && i > 0 &&
                   ascii_digit(t[i - 1]) && i + 1 < len && ascii_digit(t[i + 1])) {
            /* inside a number */
        } else {
            break;
        }
        i += k;
    }
    return end;
}

static size_t digit_groups(const char *t, size_t n)
{
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_digit(t[i]) && (i == 0 || !ascii_digit(t[i - 1])))
            groups++;
    return groups;
}

/* Counts the token at t[i..); returns where scanning resumes. */
static size_t scan_token(scan *sc, size_t i)
{
    const char *t = sc->t;
    size_t end = token_end(t, sc->len, i);
    bool letters = false;
    for (size_t j = i; j < end && !letters;) {
        uint32_t cp;
        size_t k = next_cp(t + j, end - j, &cp);
        letters = classify(cp) == CH_LETTER;
        j += k;
    }
    if (letters) {
        count_word(sc, word_syllables(sc->l, t + i, end - i));
        return end;
    }
    /* A number opening a sentence, then ". ": a list marker, not a word. */
    if (sc->pending == 0 && end < sc->len && t[end] == '.' &&
        (end + 1 == sc->len || is_space_cp((unsigned char)t[end + 1])))
        return end + 1;
    count_word(sc, digit_groups(t + i, end - i));
    return end;
}

/* A placeholder at t[i] ("{{" seen): one word of one syllable, with any
 * letters glued to it ({{patient.first_name}}'s). Returns where scanning
 * resumes, or i when there is no closing "}}". */
static size_t scan_placeholder(scan *sc, size_t i)
{
    const char *t = sc->t;
    for (size_t j = i + 2; j + 1 < sc->len; j++) {
        if (t[j] == '}' && t[j + 1] == '}') {
            size_t end = j + 2;
            if (end < sc->len) {
                uint32_t cp;
                next_cp(t + end, sc->len - end, &cp);
                ch_class c = classify(cp);
                if (c == CH_APOS || c == CH_HYPHEN || c == CH_LETTER || c == CH_DIGIT) {
                    size_t glued = token_end(t, sc->len, end);
                    end = glued > end ? glued : end;
                }
            }
            count_word(sc, 1);
            return end;
        }
    }
    return i;
}

/* Terminal punctuation at t[i]; returns where scanning resumes. */
static size_t scan_terminal(scan *sc, size_t i)
{
    const char *t = sc->t;
    size_t j = i, marks = 0;
    bool only_period = true;
    uint32_t cp;
    while (j < sc->len) {
        size_t k = next_cp(t + j, sc->len - j, &cp);
        if (!is_terminal(cp))
            break;
        only_period = only_period && cp == '.';
        marks++;
        j += k;
    }
    size_t after = j;
    while (j < sc->len) {
        size_t k = next_cp(t + j, sc->len - j, &cp);
        if (!is_closer(cp))
            break;
        j += k;
    }
    bool at_break = j == sc->len;
    if (!at_break) {
        next_cp(t + j, sc->len - j, &cp);
        at_break = is_space_cp(cp);
    }
    if (at_break && !(marks == 1 && only_period && is_abbreviation(sc->l, t, sc->len, i, after)))
        end_sentence(sc);
    return j;
}

static void add_text(const lang *l, readability *r, const char *text, size_t len)
{
    scan sc = {l, r, text, len, 0};
    size_t i = 0;
    while (i < len) {
        if (text[i] == '{' && i + 1 < len && text[i + 1] == '{') {
            size_t next = scan_placeholder(&sc, i);
            if (next != i) {
                i = next;
                continue;
            }
        }
        uint32_t cp;
        size_t k = next_cp(text + i, len - i, &cp);
        ch_class c = classify(cp);
        if (c == CH_LETTER || c == CH_DIGIT) {
            i = scan_token(&sc, i);
        } else if (is_terminal(cp)) {
            i = scan_terminal(&sc, i);
        } else {
            if (cp == '\n') { /* a blank line ends a paragraph, and its sentence */
                size_t j = i + 1;
                while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r'))
                    j++;
                if (j < len && text[j] == '\n')
                    end_sentence(&sc);
            }
            i += k;
        }
    }
    end_sentence(&sc); /* a heading or list item without a period is a sentence too */
}

void readability_add(readability *r, const char *text, size_t len)
{
    const lang *l = lang_of(r->lang);
    if (l)
        add_text(l, r, text, len);
}

void readability_finish(readability *r)
{
    const lang *l = lang_of(r->lang);
    if (!l || r->words == 0) {
        r->grade = 0;
        return;
    }
    double sentences = r->sentences ? (double)r->sentences : 1.0;
    r->grade = l->grade((double)r->words, sentences, (double)r->syllables);
}

const char *readability_formula(const readability *r)
{
    const lang *l = lang_of(r->lang);
    return l ? l->formula : NULL;
}
