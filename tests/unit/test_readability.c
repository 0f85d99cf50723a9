/* Unit tests for readability.c: English syllable counts against a word list
 * with dictionary counts, and Flesch-Kincaid grades worked out by hand. */
#include "check.h"
#include "readability.h"

/* Expected syllables: Merriam-Webster's first pronunciation. Where
 * dictionaries differ the choice is noted; the counter must agree exactly. */
static const struct {
    const char *word;
    size_t syllables;
} words[] = {
    /* From consent forms. */
    {"injection", 3},
    {"anesthetic", 4},
    {"steroid", 2},
    {"infection", 3},
    {"bleeding", 2},
    {"procedure", 3},
    {"alternative", 4},
    {"myofascial", 4},
    {"fibromyalgia", 5}, /* fi-bro-my-al-gia; some say -gi-a, 6 */
    {"referred", 2},
    {"anesthesiologist", 7},
    {"physiotherapy", 6},
    {"corticosteroid", 5},
    {"osteoporosis", 6},
    {"osteoarthritis", 6},
    {"diarrhea", 4},
    {"nausea", 3},
    {"pneumonia", 3},
    {"diabetes", 4},
    {"hernia", 3},
    {"pregnancy", 3},
    {"acupuncture", 4},
    {"chemotherapy", 5},
    {"colonoscopy", 5},
    {"epidural", 4},
    {"intravenous", 4},
    {"gastrointestinal", 6},
    {"rheumatoid", 3},
    {"inflammation", 4},
    {"vaccine", 2},
    {"seizure", 2},
    {"tissue", 2},
    {"ultrasound", 3},
    {"hematoma", 4},
    {"dizziness", 3},
    {"lidocaine", 3},
    {"immediately", 5},
    {"individual", 5},
    {"evaluate", 4},
    {"guardian", 3},
    {"signature", 3},
    {"consequences", 4},
    {"diagnosis", 4},
    {"anesthesia", 4},
    {"bacteria", 4},
    {"physician", 3},
    {"patient", 2},
    {"surgeon", 2},
    {"embryo", 3},
    {"needle", 2},
    {"muscle", 2},
    {"fatigue", 2},
    {"preexisting", 4},
    {"cooperate", 4},
    {"coordinate", 4},
    {"reaction", 3},
    {"fluid", 2},
    {"suicide", 3},
    {"autism", 3},
    {"spasm", 2},
    {"baseline", 2},
    {"guidelines", 2},

    /* Everyday words, and the spellings that fool a vowel count. */
    {"the", 1},
    {"cat", 1},
    {"every", 2}, /* ev-ery; some say ev-er-y, 3 */
    {"everyone", 3},
    {"someone", 2},
    {"something", 2},
    {"sometimes", 2},
    {"therefore", 2},
    {"business", 2}, /* biz-ness; some say bi-zi-ness, 3 */
    {"area", 3},
    {"idea", 3},
    {"create", 2},
    {"used", 1},
    {"hoped", 1},
    {"wanted", 2},
    {"needed", 2},
    {"asked", 1},
    {"called", 1},
    {"covered", 2},
    {"answered", 2},
    {"hundred", 2},
    {"handled", 2},
    {"agreed", 2},
    {"studied", 2},
    {"played", 1},
    {"table", 2},
    {"little", 2},
    {"apple", 2},
    {"people", 2},
    {"simple", 2},
    {"trouble", 2},
    {"whole", 1},
    {"style", 1},
    {"hope", 1},
    {"hopes", 1},
    {"making", 2},
    {"boxes", 2},
    {"places", 2},
    {"changes", 2},
    {"nurses", 2},
    {"causes", 2},
    {"times", 1},
    {"types", 1},
    {"tables", 2},
    {"values", 2},
    {"league", 1},
    {"unique", 2},
    {"technique", 2},
    {"language", 2},
    {"guide", 1},
    {"argue", 2},
    {"queen", 1},
    {"careful", 2},
    {"carefully", 3},
    {"completely", 3},
    {"statement", 2},
    {"management", 3},
    {"useful", 2},
    {"awareness", 3},
    {"safety", 2},
    {"likely", 2},
    {"only", 2},
    {"lonely", 2},
    {"basically", 3},
    {"usually", 4},
    {"usual", 3},
    {"situation", 4},
    {"radio", 3},
    {"period", 3},
    {"serious", 3},
    {"various", 3},
    {"previous", 3},
    {"precious", 2},
    {"anxious", 2},
    {"religion", 3},
    {"million", 2},
    {"opinion", 3},
    {"union", 2},
    {"senior", 2},
    {"behavior", 3},
    {"social", 2},
    {"special", 2},
    {"initial", 3},
    {"media", 3},
    {"associate", 4},
    {"diet", 2},
    {"quiet", 2},
    {"client", 2},
    {"science", 2},
    {"ancient", 2},
    {"experience", 4},
    {"easier", 3},
    {"friend", 1},
    {"field", 1},
    {"believe", 2},
    {"video", 3},
    {"gorgeous", 2},
    {"ruin", 2},
    {"duet", 2},
    {"fluent", 2},
    {"influence", 3},
    {"poem", 2},
    {"being", 2},
    {"going", 2},
    {"seeing", 2},
    {"react", 2},
    {"realize", 3},
    {"museum", 3},
    {"chaos", 2},
    {"mosaic", 3},
    {"deity", 3},
    {"layer", 2},
    {"player", 2},
    {"beyond", 2},
    {"anyone", 3},
    {"rhythm", 2},

    /* Case, apostrophes, hyphens, accents. */
    {"INJECTION", 3},
    {"Bleeding", 2},
    {"couldn't", 2},
    {"don't", 1},
    {"patient's", 2},
    {"nurse\xE2\x80\x99s", 2}, /* nurse’s */
    {"follow-up", 3},
    {"x-ray", 2},
    {"pre-existing", 4},
    {"self-care", 2},
    {"caf\xC3\xA9", 2},          /* café: an accented "e" is never silent */
    {"cafe\xCC\x81", 2},         /* the same, e + combining acute */
    {"r\xC3\xA9sum\xC3\xA9", 3}, /* résumé */
    {"na\xC3\xAFve", 2},         /* naïve: the diaeresis starts a syllable */
    {"Zo\xC3\xAB", 2},           /* Zoë */

    /* Letters without vowels are said one by one; digits are numbers. */
    {"CT", 2},
    {"mg", 2},
    {"COVID-19", 3},
    {"3rd", 1},
    {"B12", 1},
    {"19", 0},
    {"3.5", 0},
    {"...", 0},
    {"", 0},
};

static void check_syllables(void)
{
    size_t n = sizeof words / sizeof words[0], right = 0;
    for (size_t i = 0; i < n; i++) {
        size_t got = readability_syllables(words[i].word, strlen(words[i].word));
        if (got == words[i].syllables) {
            right++;
        } else {
            fprintf(stderr, "%s:%d: syllables of \"%s\" is %zu, want %zu\n", __FILE__, __LINE__,
                    words[i].word, got, words[i].syllables);
            check_failures++;
        }
    }
    if (right != n)
        fprintf(stderr, "syllables: %zu of %zu words right\n", right, n);

    /* Runs longer than the counter's buffer are counted in pieces. */
    char banana[6 * 30 + 1] = "";
    for (int i = 0; i < 30; i++)
        strcat(banana, "banana");
    CHECK_INT(readability_syllables(banana, strlen(banana)), 90);
}

/* Adds each piece in turn, then finishes. */
static readability measure(const char *const *pieces, size_t n)
{
    readability r = {0};
    for (size_t i = 0; i < n; i++)
        readability_add(&r, pieces[i], strlen(pieces[i]));
    readability_finish(&r);
    return r;
}

static readability measure1(const char *text)
{
    return measure(&text, 1);
}

#define CHECK_GRADE(got, want)                                                                     \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (g_ - w_ > 1e-9 || w_ - g_ > 1e-9) {                                                    \
            fprintf(stderr, "%s:%d: %s is %.6f, want %.6f\n", __FILE__, __LINE__, #got, g_, w_);   \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

static void check_known_grades(void)
{
    /* 6 words, 1 sentence, 6 syllables:
     * 0.39 * 6 + 11.8 * 6/6 - 15.59 = 2.34 + 11.8 - 15.59 = -1.45 */
    readability r = measure1("The cat sat on the mat.");
    CHECK_INT(r.words, 6);
    CHECK_INT(r.sentences, 1);
    CHECK_INT(r.syllables, 6);
    CHECK_GRADE(r.grade, -1.45);

    /* please read this form (4 words, 4 syllables); ask us an-y ques-tions
     * (4 words, 6 syllables): 0.39 * 8/2 + 11.8 * 10/8 - 15.59
     * = 1.56 + 14.75 - 15.59 = 0.72 */
    r = measure1("Please read this form. Ask us any questions.");
    CHECK_INT(r.words, 8);
    CHECK_INT(r.sentences, 2);
    CHECK_INT(r.syllables, 10);
    CHECK_GRADE(r.grade, 0.72);

    /* "Dr." does not end the sentence and, said "doc-tor", counts 2:
     * Dr Lee gave the shot = 5 words, 6 syllables, 1 sentence;
     * 0.39 * 5 + 11.8 * 6/5 - 15.59 = 1.95 + 14.16 - 15.59 = 0.52 */
    r = measure1("Dr. Lee gave the shot.");
    CHECK_INT(r.words, 5);
    CHECK_INT(r.sentences, 1);
    CHECK_INT(r.syllables, 6);
    CHECK_GRADE(r.grade, 0.52);

    /* A placeholder is one word of one syllable: {{...}} please sign here =
     * 4 words, 4 syllables; 0.39 * 4 + 11.8 - 15.59 = -2.23 */
    r = measure1("{{patient.first_name}}, please sign here.");
    CHECK_INT(r.words, 4);
    CHECK_INT(r.syllables, 4);
    CHECK_GRADE(r.grade, -2.23);

    /* Numbers are words of one syllable per digit group: take 2 tab-lets
     * ev-ery 4.5 hours = 6 words, 1+1+2+2+2+1 = 9 syllables;
     * 0.39 * 6 + 11.8 * 9/6 - 15.59 = 2.34 + 17.7 - 15.59 = 4.45 */
    r = measure1("Take 2 tablets every 4.5 hours.");
    CHECK_INT(r.words, 6);
    CHECK_INT(r.sentences, 1);
    CHECK_INT(r.syllables, 9);
    CHECK_GRADE(r.grade, 4.45);

    /* A heading without a period is a sentence of its own:
     *   Risks and side ef-fects            4 words,  5 syllables
     *   Most side ef-fects are mild.       5 words,  6 syllables
     *   Se-ri-ous prob-lems are rare.      4 words,  7 syllables
     * 0.39 * 13/3 + 11.8 * 18/13 - 15.59 = 1.69 + 16.338462 - 15.59 = 2.438462 */
    const char *section[] = {"Risks and side effects",
                             "Most side effects are mild. Serious problems are rare."};
    r = measure(section, 2);
    CHECK_INT(r.words, 13);
    CHECK_INT(r.sentences, 3);
    CHECK_INT(r.syllables, 18);
    CHECK_GRADE(r.grade, 0.39 * 13.0 / 3.0 + 11.8 * 18.0 / 13.0 - 15.59);
    CHECK(r.grade > 2.438 && r.grade < 2.439);
}

static void check_sentences(void)
{
    /* Abbreviations, initials and decimals do not end sentences. */
    CHECK_INT(measure1("Call Dr. Ruiz, Mrs. Diaz, Mr. Park or Ms. Lee at St. Mary's.").sentences,
              1);
    CHECK_INT(
        measure1("Bring a list (e.g. pills, vitamins, etc. you take) to the visit.").sentences, 1);
    CHECK_INT(measure1("Ana Ruiz, i.e. the doctor, and Jane R. Doe will sign.").sentences, 1);
    CHECK_INT(measure1("Take 2.5 mg at 8 a.m. every day.").sentences, 1);
    CHECK_INT(measure1("Apples vs. pears is form No. 5 of 9.").sentences, 1);

    /* ... but "no" ends one when it is the word, not "number". */
    CHECK_INT(measure1("You can say no. Then we will stop.").sentences, 2);
    CHECK_INT(measure1("Stop! Why? Go on.").sentences, 3);
    CHECK_INT(measure1("Is it safe?! Yes.").sentences, 2);
    CHECK_INT(measure1("He said \"stop.\" Then he left.").sentences, 2);
    CHECK_INT(measure1("Wait\xE2\x80\xA6 then go.").sentences, 2); /* … */
    CHECK_INT(measure1("See www.example.org for more").sentences, 1);

    /* A blank line ends a paragraph and its sentence; a line break does not. */
    CHECK_INT(measure1("What to bring\n\nBring your card").sentences, 2);
    CHECK_INT(measure1("Bring your card\nand your list").sentences, 1);

    /* Each piece ends a sentence: a heading, list items. */
    const char *list[] = {"Keep moving", "Use ice or heat.", "Call us"};
    readability r = measure(list, 3);
    CHECK_INT(r.sentences, 3);
    CHECK_INT(r.words, 8);

    /* Punctuation without words is no sentence. */
    r = measure1("... !?");
    CHECK_INT(r.sentences, 0);
    CHECK_INT(r.words, 0);
}

static void check_words(void)
{
    /* A list marker is not a word; a number in the text is. */
    readability r = measure1("1. Take the pill.");
    CHECK_INT(r.words, 3);
    r = measure1("Call 911 or 1-800-555-0100.");
    CHECK_INT(r.words, 4); /* the phone number is one word of four groups */
    CHECK_INT(r.syllables, 1 + 1 + 1 + 4);
    r = measure1("It costs $1,000.");
    CHECK_INT(r.words, 3);
    CHECK_INT(r.syllables, 4); /* it costs 1,000 (two digit groups) */

    /* Apostrophes and hyphens inside a word keep it one word; quotes and
     * dashes around it do not make words. */
    r = measure1("Don't skip the follow-up \xE2\x80\x94 it's 'important'.");
    CHECK_INT(r.words, 6);
    CHECK_INT(r.syllables, 1 + 1 + 1 + 3 + 1 + 3);

    /* A placeholder with a possessive is still one word. */
    r = measure1("{{patient.first_name}}'s form");
    CHECK_INT(r.words, 2);
    CHECK_INT(r.syllables, 2);

    /* An unclosed "{{" is punctuation, and the text after it still counts. */
    r = measure1("Sign {{here");
    CHECK_INT(r.words, 2);

    /* Invalid UTF-8 separates words and is otherwise ignored. */
    r = measure1("caf\xC3 ok\xFF now.");
    CHECK_INT(r.words, 3);
    CHECK_INT(r.sentences, 1);

    /* Only the given length is read. */
    r = measure1("");
    readability_add(&r, "Stop here. Not this.", 10);
    readability_finish(&r);
    CHECK_INT(r.words, 2);
    CHECK_INT(r.sentences, 1);
}

static void check_empty(void)
{
    readability r = {0};
    readability_finish(&r);
    CHECK_INT(r.words, 0);
    CHECK_GRADE(r.grade, 0.0);

    r = measure1("  \n -- ...  ");
    CHECK_GRADE(r.grade, 0.0);
}

static void check_plain_and_legalistic(void)
{
    /* From forms/trigger-point/consent.yaml: short sentences, short words. */
    readability r = measure1(
        "Trigger points are tight, tender knots in a muscle. They can hurt where they are and "
        "send pain to other places. The clinician will press on the muscle to find each knot and "
        "clean the skin. Then they will put a small, thin needle into the knot. The shot has a "
        "numbing medicine, called a local anesthetic.");
    CHECK_INT(r.sentences, 5);
    CHECK(r.grade < 8.0);

    /* The same kind of content as lawyers write it: one long sentence. */
    r = measure1(
        "The undersigned patient hereby acknowledges and understands that the administration of "
        "corticosteroid medications, notwithstanding their generally recognized therapeutic "
        "efficacy, may occasionally precipitate unanticipated physiological complications, "
        "including but not limited to localized subcutaneous atrophy, transient hyperglycemia "
        "and immunological suppression, for which the institution assumes no responsibility "
        "whatsoever.");
    CHECK_INT(r.sentences, 1);
    CHECK(r.grade > 12.0);
}

int main(void)
{
    check_syllables();
    check_known_grades();
    check_sentences();
    check_words();
    check_empty();
    check_plain_and_legalistic();
    CHECK_DONE();
}
