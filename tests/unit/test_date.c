/* Unit tests for date.c: strict ISO parsing, UTC dates of Unix times, and the
 * long forms printed on consent forms. */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "check.h"
#include "date.h"

static bool parse(const char *s, mp_date *d)
{
    return date_parse_iso(s, strlen(s), d);
}

static void check_rejected(const char *s)
{
    mp_date d = {-1, -1, -1};
    if (parse(s, &d))
        fprintf(stderr, "accepted: \"%s\"\n", s);
    CHECK(!parse(s, &d));
    CHECK(d.year == -1 && d.month == -1 && d.day == -1); /* untouched */
}

static void check_date(mp_date d, int y, int m, int day)
{
    CHECK_INT(d.year, y);
    CHECK_INT(d.month, m);
    CHECK_INT(d.day, day);
}

static void test_parse(void)
{
    mp_date d;
    CHECK(parse("1968-04-12", &d));
    check_date(d, 1968, 4, 12);
    CHECK(parse("2000-02-29", &d)); /* divisible by 400: leap */
    check_date(d, 2000, 2, 29);
    CHECK(parse("2024-02-29", &d));
    CHECK(parse("1800-01-01", &d));
    check_date(d, 1800, 1, 1);
    CHECK(parse("2999-12-31", &d));
    check_date(d, 2999, 12, 31);
    CHECK(parse("1968-01-31", &d));
    CHECK(parse("1968-04-30", &d));
    /* n is the exact length; what follows is not looked at. */
    CHECK(date_parse_iso("1968-04-12T10:00:00Z", 10, &d));
    check_date(d, 1968, 4, 12);
    CHECK(date_parse_iso("1968-04-12", 10, NULL));

    check_rejected("1968-4-12");
    check_rejected("1968-04-1");
    check_rejected("68-04-12");
    check_rejected("1968-02-30");
    check_rejected("1968-04-31");
    check_rejected("1900-02-29"); /* divisible by 100, not 400: common */
    check_rejected("2023-02-29");
    check_rejected("1968-13-01");
    check_rejected("1968-00-10");
    check_rejected("1968-04-00");
    check_rejected("1968-04-32");
    check_rejected("1799-12-31");
    check_rejected("3000-01-01");
    check_rejected("0000-01-01");
    check_rejected("1968-04-12 ");
    check_rejected("1968-04-12\n");
    check_rejected("1968-04-12T10:00");
    check_rejected(" 1968-04-12");
    check_rejected("+968-04-12");
    check_rejected("-968-04-12");
    check_rejected(" 968-04-12");
    check_rejected("1968-+4-12");
    check_rejected("1968- 4-12");
    check_rejected("1968-04- 2");
    check_rejected("1968-04-+2");
    check_rejected("1968/04/12");
    check_rejected("1968.04.12");
    check_rejected("19680412");
    check_rejected("1968-04-1a");
    check_rejected("12-04-1968");
    check_rejected("");
    CHECK(!date_parse_iso("1968-04-12", 9, &d));
    CHECK(!date_parse_iso("1968-04-12", 11, &d)); /* includes the NUL */
    CHECK(!date_parse_iso(NULL, 0, &d));
}

static void test_from_unix(void)
{
    check_date(date_from_unix(0), 1970, 1, 1);
    check_date(date_from_unix(86399), 1970, 1, 1);
    check_date(date_from_unix(86400), 1970, 1, 2);
    /* Before the epoch the day is floored, not truncated toward zero. */
    check_date(date_from_unix(-1), 1969, 12, 31);
    check_date(date_from_unix(-86400), 1969, 12, 31);
    check_date(date_from_unix(-86401), 1969, 12, 30);
    check_date(date_from_unix(951782400), 2000, 2, 29);
    check_date(date_from_unix(951782400 - 1), 2000, 2, 28);
    check_date(date_from_unix(951782400 + 86400), 2000, 3, 1);
    check_date(date_from_unix(-2208988800), 1900, 1, 1);
    check_date(date_from_unix(4107542400), 2100, 3, 1);
    check_date(date_from_unix(4107542400 - 1), 2100, 2, 28);
    check_date(date_from_unix(1700000000), 2023, 11, 14);
    check_date(date_from_unix(-5364662400), 1800, 1, 1);
    check_date(date_from_unix(32503680000), 3000, 1, 1);
    check_date(date_from_unix(INT32_MAX), 2038, 1, 19);
    check_date(date_from_unix(INT32_MIN), 1901, 12, 13);
    check_date(date_from_unix(-62135596800), 1, 1, 1);
    check_date(date_from_unix(253402214400), 9999, 12, 31);
    /* Absurd times saturate instead of wrapping. */
    check_date(date_from_unix(INT64_MAX), INT_MAX, 12, 31);
    check_date(date_from_unix(INT64_MIN), INT_MIN, 1, 1);

    /* Every day from 1800 to 2999, at both ends of the day: each is the day
     * after the one before and survives an ISO round trip. */
    mp_date prev = {1799, 12, 31};
    int bad = 0;
    for (int64_t day = -5364662400 / 86400; day < 32503680000 / 86400; day++) {
        mp_date d = date_from_unix(day * 86400), e = date_from_unix(day * 86400 + 86399);
        char iso[11];
        date_format_iso(d, iso);
        mp_date back;
        /* A new month only after the last day of the old one. */
        char after[40];
        snprintf(after, sizeof after, "%04d-%02d-%02d", prev.year, prev.month, prev.day + 1);
        bool month_ended = prev.year == 1799 || !date_parse_iso(after, 10, NULL);
        bool next =
            (d.year == prev.year && d.month == prev.month && d.day == prev.day + 1) ||
            (month_ended && d.year == prev.year && d.month == prev.month + 1 && d.day == 1) ||
            (month_ended && d.year == prev.year + 1 && d.month == 1 && d.day == 1 &&
             prev.month == 12);
        if (!next || !date_parse_iso(iso, 10, &back) || back.year != d.year ||
            back.month != d.month || back.day != d.day || e.year != d.year || e.month != d.month ||
            e.day != d.day) {
            if (bad++ < 5)
                fprintf(stderr, "day %lld: %s after %d-%d-%d\n", (long long)day, iso, prev.year,
                        prev.month, prev.day);
        }
        prev = d;
    }
    CHECK_INT(bad, 0);
    check_date(prev, 2999, 12, 31);
}

static const char *longdate(int y, int m, int d, const char *lang)
{
    static char buf[128];
    size_t n = date_format_long((mp_date){y, m, d}, lang, buf, sizeof buf);
    CHECK_INT(n, strlen(buf));
    return buf;
}

static void test_format(void)
{
    CHECK_STR(longdate(1968, 4, 12, "en"), "April 12, 1968");
    CHECK_STR(longdate(1968, 4, 12, "es"), "12 de abril de 1968");
    CHECK_STR(longdate(2000, 1, 1, "es"), "1 de enero de 2000");
    CHECK_STR(longdate(2000, 1, 1, "en"), "January 1, 2000");
    CHECK_STR(longdate(2999, 12, 31, "en"), "December 31, 2999");
    CHECK_STR(longdate(2999, 12, 31, "es"), "31 de diciembre de 2999");
    CHECK_STR(longdate(1968, 4, 12, ""), "April 12, 1968");
    CHECK_STR(longdate(1968, 4, 12, NULL), "April 12, 1968");
    CHECK_STR(longdate(1968, 4, 12, "not a tag"), "April 12, 1968");
    CHECK_STR(longdate(1968, 4, 12, "ES"), "12 de abril de 1968"); /* tags in any case */
    CHECK_STR(longdate(1968, 4, 12, "es-MX"), "12 de abril de 1968");

    /* Each language's long form as CLDR writes it (ICU). */
    CHECK_STR(longdate(2025, 3, 15, "en"), "March 15, 2025");
    CHECK_STR(longdate(2025, 3, 15, "es"), "15 de marzo de 2025");
    CHECK_STR(longdate(2025, 3, 15, "fr"), "15 mars 2025");
    CHECK_STR(longdate(2025, 3, 15, "zh-Hant"), "2025年3月15日");
    CHECK_STR(longdate(2025, 3, 15, "zh-TW"), "2025年3月15日");
    CHECK_STR(longdate(2025, 3, 15, "ja"), "2025年3月15日");
    CHECK_STR(longdate(2025, 3, 15, "ko"), "2025년 3월 15일");
    /* Arabic: CLDR's words, Western digits unless the tag asks for others. */
    CHECK_STR(longdate(2025, 3, 15, "ar"), "15 مارس 2025");
    CHECK_STR(longdate(2025, 3, 15, "ar-u-nu-arab"), "١٥ مارس ٢٠٢٥");
    /* The Gregorian calendar always: a date of birth is the one on the
     * patient's ID (CLDR's fa is otherwise Persian, ar-SA Hijri). */
    CHECK_STR(longdate(2025, 3, 15, "ar-SA"), "15 مارس 2025");
    CHECK_STR(longdate(2025, 3, 15, "fa"), "15 مارس 2025");

    static const char *const en[12] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
    static const char *const es[12] = {"enero",      "febrero", "marzo",     "abril",
                                       "mayo",       "junio",   "julio",     "agosto",
                                       "septiembre", "octubre", "noviembre", "diciembre"};
    for (int m = 1; m <= 12; m++) {
        char want[64];
        snprintf(want, sizeof want, "%s 5, 1990", en[m - 1]);
        CHECK_STR(longdate(1990, m, 5, "en"), want);
        snprintf(want, sizeof want, "5 de %s de 1990", es[m - 1]);
        CHECK_STR(longdate(1990, m, 5, "es"), want);
    }

    /* Like snprintf: the length needed, and a truncated, terminated string. */
    char small[6];
    memset(small, 'x', sizeof small);
    CHECK_INT(date_format_long((mp_date){1968, 4, 12}, "en", small, sizeof small), 14);
    CHECK_STR(small, "April");
    CHECK_INT(date_format_long((mp_date){1968, 4, 12}, "es", NULL, 0), 19);
    char exact[15];
    CHECK_INT(date_format_long((mp_date){1968, 4, 12}, "en", exact, sizeof exact), 14);
    CHECK_STR(exact, "April 12, 1968");

    /* Never half a character. "2025年" is 7 bytes: 4 digits and 3 for 年. */
    char cut[7];
    CHECK_INT(date_format_long((mp_date){2025, 3, 15}, "ja", cut, sizeof cut), 16);
    CHECK_STR(cut, "2025");

    /* A month or day no parser produces is shown as numbers, not rolled
     * over into another date. */
    CHECK_STR(longdate(1968, 13, 12, "en"), "1968-13-12");
    CHECK_STR(longdate(1968, 0, 12, "es"), "1968-00-12");
    CHECK_STR(longdate(2025, 2, 30, "en"), "2025-02-30");

    char iso[11];
    date_format_iso((mp_date){1968, 4, 12}, iso);
    CHECK_STR(iso, "1968-04-12");
    date_format_iso((mp_date){2000, 1, 1}, iso);
    CHECK_STR(iso, "2000-01-01");
    date_format_iso((mp_date){12345, 1, 1}, iso); /* too wide: cut, never overrun */
    CHECK_INT(strlen(iso), 10);
}

/* The kept formats are shared by --jobs threads: each thread's dates come
 * out whole and in its own language. */
static const char *const thread_langs[4] = {"en", "es", "ar", "zh-Hant"};
static const char *const thread_want[4] = {"March 15, 2025", "15 de marzo de 2025", "15 مارس 2025",
                                           "2025年3月15日"};

static void *format_many(void *arg)
{
    size_t t = (size_t)(uintptr_t)arg, bad = 0;
    char buf[64];
    for (int i = 0; i < 2000; i++) {
        date_format_long((mp_date){2025, 3, 15}, thread_langs[(t + (size_t)i) % 4], buf,
                         sizeof buf);
        bad += strcmp(buf, thread_want[(t + (size_t)i) % 4]) != 0;
    }
    return (void *)(uintptr_t)bad;
}

static void test_threads(void)
{
    pthread_t th[4];
    for (size_t t = 0; t < 4; t++)
        CHECK_INT(pthread_create(&th[t], NULL, format_many, (void *)(uintptr_t)t), 0);
    for (size_t t = 0; t < 4; t++) {
        void *bad = NULL;
        pthread_join(th[t], &bad);
        CHECK_INT((uintptr_t)bad, 0);
    }
}

int main(void)
{
    test_parse();
    test_from_unix();
    test_format();
    test_threads();
    date_cleanup();
    CHECK_DONE();
}
