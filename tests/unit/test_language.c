/*
 * test_language.c — languages as patient data and options name them
 * (base/language.c, ICU), the variant of a packet chosen for one
 * (packet_pick), and how a fallback and a packet's languages are said
 * (render_fallback_words, render_language_list).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "form.h"
#include "language.h"
#include "render.h"

static const char *resolved(const char *s)
{
    static char tag[LANGUAGE_TAG_MAX];
    return language_resolve(s, tag, sizeof tag) ? tag : NULL;
}

static void test_tags(void)
{
    /* Any case, "-" or "_": the canonical tag. */
    CHECK_STR(resolved("zh_TW"), "zh-TW");
    CHECK_STR(resolved("ES-mx"), "es-MX");
    CHECK_STR(resolved("pa-Guru-IN"), "pa-Guru-IN");
    CHECK_STR(resolved("es"), "es");
    CHECK_STR(resolved("EN_us"), "en-US");
    CHECK_STR(resolved("zh-hant-tw"), "zh-Hant-TW");
    CHECK_STR(resolved("es-419"), "es-419");
    CHECK_STR(resolved("ar-u-nu-latn"), "ar-u-nu-latn");
    CHECK_STR(resolved(" es "), "es");
    CHECK_STR(resolved("iw"), "he"); /* Hebrew's old code */
}

static void test_names(void)
{
    static const char *const names[][2] = {
        {"Spanish", "es"},
        {"Español", "es"},
        {"español", "es"},
        {"ESPAÑOL", "es"},
        {"Arabic", "ar"},
        {"العربية", "ar"},
        {"Chinese", "zh"},
        {"中文", "zh"},
        {"Traditional Chinese", "zh-Hant"},
        {"繁體中文", "zh-Hant"},
        {"Chinese (Traditional)", "zh-Hant"},
        {"中文（繁體）", "zh-Hant"},
        {"中文(繁體)", "zh-Hant"}, /* NFKC: fullwidth parentheses or not */
        {"Simplified Chinese", "zh-Hans"},
        {"简体中文", "zh-Hans"},
        {"Vietnamese", "vi"},
        {"Tiếng Việt", "vi"},
        {"Tie\xcc\x82\xcc\x81ng Vie\xcc\xa3\xcc\x82t", "vi"}, /* the accents typed apart */
        {"Korean", "ko"},
        {"한국어", "ko"},
        {"French", "fr"},
        {"Français", "fr"},
        {"french", "fr"}, /* a well-formed tag whose language no one speaks: a name */
        {"English", "en"},
        {"Mexican Spanish", "es-MX"},
        {"Haitian Creole", "ht"},
        {"Russian", "ru"},
        /* The short hand table: names US records use that CLDR lacks. */
        {"Farsi", "fa"},
        {"Mandarin", "zh"},
        {"Tagalog", "tl"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_STR(resolved(names[i][0]), names[i][1]);
}

static void test_junk(void)
{
    static const char *const junk[] = {
        "",         " ",        "xx",  "und", "root", "zxx",        "qaa",    "en-XX",
        "x-foo",    "es--MX",   "es-", "e",   "123",  "Klingonese", "Englsh", "not a language",
        "\xff\xfe", "español!",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        char tag[LANGUAGE_TAG_MAX] = "?";
        CHECK(!language_resolve(junk[i], tag, sizeof tag));
        CHECK_STR(tag, "");
    }
    CHECK(!language_resolve(NULL, NULL, 0));
    char tiny[3];
    CHECK(!language_resolve("zh-Hant", tiny, sizeof tiny)); /* does not fit */
}

static void test_fit(void)
{
    CHECK_INT(language_fit_of("es", "es"), LANGUAGE_EXACT);
    CHECK_INT(language_fit_of("zh-TW", "zh-Hant"), LANGUAGE_CLOSE);
    CHECK_INT(language_fit_of("zh-HK", "zh-Hant"), LANGUAGE_COMPATIBLE);
    CHECK_INT(language_fit_of("zh-CN", "zh-Hans"), LANGUAGE_CLOSE);
    CHECK_INT(language_fit_of("zh", "zh-Hant"), LANGUAGE_COMPATIBLE);
    CHECK_INT(language_fit_of("zh", "zh-Hans"), LANGUAGE_CLOSE);
    CHECK_INT(language_fit_of("zh-Hans", "zh-Hant"), LANGUAGE_OTHER_SCRIPT);
    CHECK_INT(language_fit_of("zh-CN", "zh-Hant"), LANGUAGE_OTHER_SCRIPT);
    CHECK_INT(language_fit_of("es-MX", "es"), LANGUAGE_COMPATIBLE);
    CHECK_INT(language_fit_of("es", "es-MX"), LANGUAGE_COMPATIBLE);
    CHECK_INT(language_fit_of("pa-IN", "pa-Arab"), LANGUAGE_OTHER_SCRIPT);
    CHECK_INT(language_fit_of("he", "iw"), LANGUAGE_EXACT);
    CHECK_INT(language_fit_of("fr", "en"), LANGUAGE_OTHER);
    CHECK_INT(language_fit_of("xx", "en"), LANGUAGE_OTHER);
}

static packet pk_en = {.language = "en"}, pk_es = {.language = "es"}, pk_ar = {.language = "ar"},
              pk_hant = {.language = "zh-Hant"}, pk_hans = {.language = "zh-Hans"};

static const packet *pick(const packet *const *v, size_t n, const char *asked, packet_fit *fit)
{
    packet_choice c;
    const packet *p = packet_pick(v, n, asked, &c);
    CHECK(p == c.packet);
    *fit = c.fit;
    return p;
}

static void test_pick(void)
{
    const packet *offered[] = {&pk_en, &pk_es, &pk_ar, &pk_hant};
    packet_fit fit;
    CHECK(pick(offered, 4, NULL, &fit) == &pk_en);
    CHECK_INT(fit, PACKET_NOT_ASKED);
    CHECK(pick(offered, 4, "  ", &fit) == &pk_en);
    CHECK_INT(fit, PACKET_NOT_ASKED);
    CHECK(pick(offered, 4, "es", &fit) == &pk_es);
    CHECK_INT(fit, PACKET_EXACT);
    CHECK(pick(offered, 4, "Español", &fit) == &pk_es);
    CHECK_INT(fit, PACKET_EXACT);
    CHECK(pick(offered, 4, "es-MX", &fit) == &pk_es);
    CHECK_INT(fit, PACKET_COMPATIBLE);
    CHECK(pick(offered, 4, "العربية", &fit) == &pk_ar);
    CHECK_INT(fit, PACKET_EXACT);
    /* Chinese: the clinic's packet is Traditional. */
    CHECK(pick(offered, 4, "zh-TW", &fit) == &pk_hant);
    CHECK_INT(fit, PACKET_COMPATIBLE);
    CHECK(pick(offered, 4, "zh_HK", &fit) == &pk_hant);
    CHECK_INT(fit, PACKET_COMPATIBLE);
    CHECK(pick(offered, 4, "Chinese", &fit) == &pk_hant);
    CHECK_INT(fit, PACKET_COMPATIBLE);
    CHECK(pick(offered, 4, "中文", &fit) == &pk_hant);
    CHECK_INT(fit, PACKET_COMPATIBLE);
    CHECK(pick(offered, 4, "zh", &fit) == &pk_hant);
    CHECK_INT(fit, PACKET_COMPATIBLE);
    CHECK(pick(offered, 4, "繁體中文", &fit) == &pk_hant);
    CHECK_INT(fit, PACKET_EXACT);
    /* Simplified asked, Traditional only: it stands in, as a fallback. */
    CHECK(pick(offered, 4, "zh-Hans", &fit) == &pk_hant);
    CHECK_INT(fit, PACKET_OTHER_SCRIPT);
    CHECK(pick(offered, 4, "zh-CN", &fit) == &pk_hant);
    CHECK_INT(fit, PACKET_OTHER_SCRIPT);
    /* No French version: the packet's own, as a fallback. */
    CHECK(pick(offered, 4, "fr", &fit) == &pk_en);
    CHECK_INT(fit, PACKET_MISSING);
    CHECK(pick(offered, 4, "Klingonese", &fit) == &pk_en);
    CHECK_INT(fit, PACKET_UNKNOWN);

    /* Both scripts offered: each reader gets theirs, and "Chinese" the one
     * CLDR gives as likely (Simplified). */
    const packet *both[] = {&pk_en, &pk_hant, &pk_hans};
    CHECK(pick(both, 3, "zh-CN", &fit) == &pk_hans);
    CHECK_INT(fit, PACKET_COMPATIBLE);
    CHECK(pick(both, 3, "zh-TW", &fit) == &pk_hant);
    CHECK(pick(both, 3, "Chinese", &fit) == &pk_hans);
    CHECK(pick(both, 3, "zh-Hans", &fit) == &pk_hans);
    CHECK_INT(fit, PACKET_EXACT);

    packet_choice c;
    packet_pick(offered, 4, "French", &c);
    CHECK_STR(c.asked, "French");
    CHECK_STR(c.asked_tag, "fr");
    CHECK(packet_choice_fallback(&c));
    packet_pick(offered, 4, "Klingonese", &c);
    CHECK_STR(c.asked_tag, "");
    packet_pick(offered, 4, "es", &c);
    CHECK(!packet_choice_fallback(&c));
    /* Long words are kept cut between characters. */
    packet_pick(offered, 4, "ñññññññññññññññññññññññññññññññññññññññññññññññ", &c);
    CHECK_INT(strlen(c.asked), 46);
}

static void test_words(void)
{
    const packet *offered[] = {&pk_en, &pk_es, &pk_ar, &pk_hant};
    const packet *es_first[] = {&pk_es, &pk_en};
    packet_choice c;
    char buf[512];
    packet_pick(offered, 4, "French", &c);
    render_fallback_words(&c, NULL, buf, sizeof buf);
    CHECK_STR(buf, "language \"French\" (fr): this packet has no French version; printed "
                   "English (en)");
    packet_pick(offered, 4, "fr", &c);
    render_fallback_words(&c, NULL, buf, sizeof buf);
    CHECK_STR(buf, "language \"fr\": this packet has no French version; printed English (en)");
    packet_pick(offered, 4, "zh-Hans", &c);
    render_fallback_words(&c, NULL, buf, sizeof buf);
    CHECK_STR(buf, "language \"zh-Hans\": this packet has no Simplified Chinese version; printed "
                   "繁體中文 (zh-Hant)");
    packet_pick(es_first, 2, "Deutsch", &c);
    render_fallback_words(&c, NULL, buf, sizeof buf);
    CHECK_STR(buf, "language \"Deutsch\" (de): this packet has no German version; printed "
                   "Español (es)");
    packet_pick(offered, 4, "Klingonese", &c);
    render_fallback_words(&c, NULL, buf, sizeof buf);
    CHECK_STR(buf, "language \"Klingonese\" is not a language medpacket knows (a tag such as es "
                   "or zh-Hant, or a name such as Spanish); printed English (en)");
    /* A draft translation the run withheld: said so. */
    const packet *en_only[] = {&pk_en};
    render_withheld draft = {.lang = "ar", .why = "tpi-consent-ar is a draft, not approved"};
    render_env env = {.withheld = &draft, .nwithheld = 1};
    packet_pick(en_only, 1, "Arabic", &c);
    render_fallback_words(&c, &env, buf, sizeof buf);
    CHECK_STR(buf, "language \"Arabic\" (ar): this packet's Arabic version is a draft "
                   "(tpi-consent-ar is a draft, not approved; --allow-draft prints it); printed "
                   "English (en)");
    CHECK(render_withheld_for(&env, "ar-EG") == &draft);
    CHECK(render_withheld_for(&env, "fa") == NULL);
    packet_pick(offered, 4, "Chinese", &c);
    CHECK_INT(render_fallback_words(&c, NULL, buf, sizeof buf), 0);
    CHECK_STR(buf, "");

    CHECK_INT(render_language_list(offered, 4, false, buf, sizeof buf),
              strlen("English, Español, العربية, 繁體中文"));
    CHECK_STR(buf, "English, Español, العربية, 繁體中文");
    render_language_list(offered, 2, true, buf, sizeof buf);
    CHECK_STR(buf, "English (en), Español (es)");
    /* Short of room: whole names only. */
    char small[20];
    render_language_list(offered, 4, false, small, sizeof small);
    CHECK_STR(small, "English, Español");
}

static void test_own_names(void)
{
    char buf[64];
    static const char *const own[][2] = {
        {"en", "English"},       {"es", "Español"},    {"ar", "العربية"},  {"zh-Hant", "繁體中文"},
        {"zh-Hans", "简体中文"}, {"vi", "Tiếng Việt"}, {"fr", "Français"},
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        language_name(own[i][0], NULL, buf, sizeof buf);
        CHECK_STR(buf, own[i][1]);
    }
    language_name("zh-Hant", "en", buf, sizeof buf);
    CHECK_STR(buf, "Traditional Chinese");
    language_name("not a tag", NULL, buf, sizeof buf);
    CHECK_STR(buf, "not a tag");
    /* Like snprintf, but never half a character: "ñ" is two bytes. */
    char cut[5];
    CHECK_INT(language_name("es", NULL, cut, sizeof cut), strlen("Español"));
    CHECK_STR(cut, "Espa");
    char cut2[6];
    language_name("es", NULL, cut2, sizeof cut2);
    CHECK_STR(cut2, "Espa");
    char cut3[7];
    language_name("es", NULL, cut3, sizeof cut3);
    CHECK_STR(cut3, "Españ");
}

/* The first names looked up race to build the table (pthread_once) and to
 * open the display names: every thread gets every answer right. */
static void *resolve_many(void *arg)
{
    (void)arg;
    uintptr_t bad = 0;
    for (int i = 0; i < 200; i++) {
        char tag[LANGUAGE_TAG_MAX], name[64];
        bad += !language_resolve("繁體中文", tag, sizeof tag) || strcmp(tag, "zh-Hant") != 0;
        bad += !language_resolve("Spanish", tag, sizeof tag) || strcmp(tag, "es") != 0;
        language_name("ar", NULL, name, sizeof name);
        bad += strcmp(name, "العربية") != 0;
    }
    return (void *)bad;
}

static void test_threads(void)
{
    pthread_t th[4];
    for (int t = 0; t < 4; t++)
        CHECK_INT(pthread_create(&th[t], NULL, resolve_many, NULL), 0);
    for (int t = 0; t < 4; t++) {
        void *bad = NULL;
        pthread_join(th[t], &bad);
        CHECK_INT((uintptr_t)bad, 0);
    }
}

int main(void)
{
    test_threads(); /* first, so that the threads race to build the table */
    test_tags();
    test_names();
    test_junk();
    test_fit();
    test_pick();
    test_words();
    test_own_names();
    language_cleanup();
    CHECK_DONE();
}
