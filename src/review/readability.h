/*
 * readability.h — how hard a text is to read, as a US school grade level.
 *
 * English (the default): the Flesch-Kincaid grade level,
 *
 *   grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59
 *
 * Spanish: Crawford's formula (A. N. Crawford, "A Spanish language Fry-type
 * readability procedure", 1984), which was fitted to Spanish primary-school
 * texts to give the same kind of US-style grade,
 *
 *   grade = -0.205 * (sentences per 100 words)
 *           + 0.049 * (syllables per 100 words) - 3.407
 *
 * FK applied to Spanish reads several grades too high, because Spanish words
 * carry more syllables for the same difficulty; hence a formula of its own.
 *
 * Any other language (Arabic, Chinese, Vietnamese ...) has no formula here,
 * and gets no grade rather than an English one: readability_formula() says
 * NULL, and nothing is counted.
 *
 * Consent wording for patients should read at or below a US 8th-grade level.
 * Pure functions over UTF-8 text; placeholders ({{patient.first_name}}) count
 * as one one-syllable word, since a name stands there.
 */
#ifndef MP_READABILITY_H
#define MP_READABILITY_H

#include <stddef.h>

typedef struct readability {
    /* The language of the text, set by the caller before the first
     * readability_add: "es" (or a regional tag such as "es-MX") for Spanish
     * syllables, abbreviations and Crawford's formula; "en", "en-GB", NULL
     * or "" for English and Flesch-Kincaid; any other language for none.
     * Not owned: the string must outlive the struct's use. */
    const char *lang;
    size_t words, sentences, syllables; /* all 0 for a language without a formula */
    double grade; /* by the language's formula (above); 0 when there are no words or no formula */
} readability;

/* Syllables in one English word (letters only, any case; UTF-8 letters such
 * as "é" count as vowels when they are accented vowels). At least 1 for a
 * word with letters; 0 for something with no letters (a number,
 * punctuation). */
size_t readability_syllables(const char *word, size_t len);

/* Adds text[0..len) to *r, which starts zeroed (readability r = {0}, or
 * {.lang = "es"}); call it for each piece of a section, then
 * readability_finish() computes the grade. Sentences end at ". ! ?" followed
 * by space or the end (abbreviations like "Dr." are not sentence ends; the
 * Spanish "¿" and "¡" that open a question or exclamation are plain
 * punctuation), and every separately added piece ends a sentence (a
 * heading, a list item). */
void readability_add(readability *r, const char *text, size_t len);
void readability_finish(readability *r);

/* The name of the formula r->grade is computed with, for labels:
 * "Flesch-Kincaid" or "Crawford"; NULL when r->lang has none (then there is
 * no grade to show). A static string. */
const char *readability_formula(const readability *r);

#endif
