/* Unit tests for msg.c: every label exists in every language's table, the
 * printf formats take exactly the arguments the renderer passes, and an
 * unknown language falls back to English. */
#include <stdbool.h>

#include "check.h"
#include "msg.h"

/* The conversions of a printf format, in order ("dd" for "Page %d of %d"),
 * or NULL when it holds anything but plain %d / %s / %%. */
static const char *conversions(const char *fmt, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        if ((*p != 'd' && *p != 's') || k + 1 >= n)
            return NULL;
        out[k++] = *p;
    }
    out[k] = '\0';
    return out;
}

static void test_tables(void)
{
    int n = msg_table_count();
    CHECK(n >= 1);
    bool has_en = false;
    for (int i = 0; i < n; i++) {
        const char *lang = NULL;
        for (int id = 0; id < MSG_COUNT; id++) {
            const char *s = msg_table_entry(i, (msg_id)id, &lang);
            if (!s || !*s) {
                fprintf(stderr, "%s:%d: table %d (%s) has no message %d\n", __FILE__, __LINE__, i,
                        lang ? lang : "?", id);
                check_failures++;
            }
        }
        CHECK(lang != NULL && *lang);
        if (!lang)
            continue;
        if (strcmp(lang, "en") == 0)
            has_en = true;
        CHECK(msg_has_language(lang));

        char conv[8];
        const char *page = msg_table_entry(i, MSG_PAGE_X_OF_Y, &lang);
        const char *sig = msg_table_entry(i, MSG_SIGNATURE_OF, &lang);
        if (page)
            CHECK_STR(conversions(page, conv, sizeof conv), "dd");
        if (sig)
            CHECK_STR(conversions(sig, conv, sizeof conv), "s");
        /* The web page fills "Sent to %s as job %d" itself (web/app.js). */
        const char *printed = msg_table_entry(i, MSG_UI_PRINTED, &lang);
        if (printed)
            CHECK_STR(conversions(printed, conv, sizeof conv), "sd");
        /* ... and the stale-list banner: the file, two times and the reason. */
        const char *stale = msg_table_entry(i, MSG_UI_STALE_TEXT, &lang);
        if (stale)
            CHECK_STR(conversions(stale, conv, sizeof conv), "ssss");
        /* What a screen reader says for a box to tick, an initials box and
         * the QR code: each names one thing. */
        const msg_id alts[] = {MSG_ALT_CHECKBOX, MSG_ALT_INITIALS, MSG_ALT_QR};
        for (size_t k = 0; k < sizeof alts / sizeof *alts; k++) {
            const char *alt = msg_table_entry(i, alts[k], &lang);
            CHECK(alt != NULL);
            if (alt)
                CHECK_STR(conversions(alt, conv, sizeof conv), "s");
        }
        /* Only these formats have conversions: the others are printed as text. */
        for (int id = 0; id < MSG_COUNT; id++) {
            const char *s = msg_table_entry(i, (msg_id)id, &lang);
            if (!s || id == MSG_PAGE_X_OF_Y || id == MSG_SIGNATURE_OF || id == MSG_UI_PRINTED ||
                id == MSG_UI_STALE_TEXT || id == MSG_ALT_CHECKBOX || id == MSG_ALT_INITIALS ||
                id == MSG_ALT_QR)
                continue;
            CHECK(strchr(s, '%') == NULL);
        }
    }
    CHECK(has_en);
}

/* Every web label has a key, keys are distinct, and a printed label keeps no key. */
static void test_keys(void)
{
    for (int id = MSG_UI_TITLE; id < MSG_COUNT; id++)
        CHECK(msg_key((msg_id)id) != NULL);
    for (int x = 0; x < MSG_COUNT; x++)
        for (int y = x + 1; y < MSG_COUNT; y++)
            if (msg_key((msg_id)x) && msg_key((msg_id)y))
                CHECK(strcmp(msg_key((msg_id)x), msg_key((msg_id)y)) != 0);
    CHECK_STR(msg_key(MSG_DATE_OF_BIRTH), "dob");
    CHECK(msg_key(MSG_PAGE_X_OF_Y) == NULL);
    CHECK(msg_key(MSG_COUNT) == NULL);
}

static void test_get(void)
{
    CHECK(msg_has_language("en"));
    CHECK(!msg_has_language("xx"));
    CHECK(!msg_has_language(""));
    CHECK(!msg_has_language(NULL));
    CHECK_STR(msg_get("en", MSG_PAGE_X_OF_Y), "Page %d of %d");
    CHECK_STR(msg_get("en", MSG_SIGNATURE_OF), "Signature of %s");
    CHECK_STR(msg_get("en", MSG_INITIALS), "Initials");
    /* A language without a table: English, for every message. */
    for (int id = 0; id < MSG_COUNT; id++) {
        CHECK_STR(msg_get("xx", (msg_id)id), msg_get("en", (msg_id)id));
        CHECK_STR(msg_get(NULL, (msg_id)id), msg_get("en", (msg_id)id));
        CHECK_STR(msg_get("", (msg_id)id), msg_get("en", (msg_id)id));
    }
    CHECK_STR(msg_get("xx", MSG_INITIALS), "Initials");
    /* And every language's label is the one in its table. */
    for (int i = 0; i < msg_table_count(); i++) {
        const char *lang = NULL;
        const char *s = msg_table_entry(i, MSG_DATE, &lang);
        if (lang)
            CHECK_STR(msg_get(lang, MSG_DATE), s);
    }
}

int main(void)
{
    test_tables();
    test_get();
    test_keys();
    CHECK_DONE();
}
