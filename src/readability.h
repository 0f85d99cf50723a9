/*
 * readability.h — how hard a text is to read: the Flesch-Kincaid grade level.
 *
 *   grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59
 *
 * Consent wording for patients should read at or below a US 8th-grade level.
 * Pure functions over UTF-8 text; placeholders ({{patient.first_name}}) count
 * as one one-syllable word, since a name stands there.
 */
#ifndef MP_READABILITY_H
#define MP_READABILITY_H

#include <stddef.h>

typedef struct readability {
    size_t words, sentences, syllables;
    double grade; /* Flesch-Kincaid grade level; 0 when there are no words */
} readability;

/* Syllables in one word (letters only, any case; UTF-8 letters such as "é"
 * count as vowels when they are accented vowels). At least 1 for a word with
 * letters; 0 for something with no letters (a number, punctuation). */
size_t readability_syllables(const char *word, size_t len);

/* Adds text[0..len) to *r, which starts zeroed (readability r = {0}); call it
 * for each piece of a section, then
 * readability_finish() computes the grade. Sentences end at ". ! ?" followed
 * by space or the end (abbreviations like "Dr." are not sentence ends), and
 * every separately added piece ends a sentence (a heading, a list item). */
void readability_add(readability *r, const char *text, size_t len);
void readability_finish(readability *r);

#endif
