/*
 * date.c — calendar dates for consent forms: strict parsing of the ISO dates
 * in clinic data, the UTC date of a timestamp (for {{today}} and
 * reproducible builds), and the long forms patients read (ICU: each
 * language's usual long date as CLDR gives it).
 *
 * Parsing is strict because a date of birth is an identifier on a consent
 * form: "1968-4-12" or "1968-02-30" is a data error to report, not something
 * to guess at.
 */
#include "date.h"

#include "err.h"
#include "language.h"
#include "utf8.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <pthread.h>
#include <unicode/udat.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

/* UTF-16 units of the longest long date (CLDR's longest are under 40). */
#define DATE_LONG_MAX 128

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* s[0..n) as a decimal number, or -1 unless every byte is an ASCII digit
 * (isdigit would follow the locale, and strtol accepts signs and spaces). */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool date_parse_iso(const char *s, size_t n, mp_date *out)
{
    if (!s || n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1800 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    if (out)
        *out = (mp_date){.year = y, .month = m, .day = d};
    return true;
}

bool date_order_parse(const char *s, date_order *out)
{
    static const struct {
        const char *name;
        date_order order;
    } names[] = {{"iso", DATE_ORDER_ISO}, {"mdy", DATE_ORDER_MDY}, {"dmy", DATE_ORDER_DMY}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].order;
            return true;
        }
    return false;
}

/* One or two digits from s[*i], up to '/'; -1 if not. */
static int small_number(const char *s, size_t n, size_t *i)
{
    int v = 0, k = 0;
    for (; *i < n && k < 3 && s[*i] >= '0' && s[*i] <= '9'; (*i)++, k++)
        v = v * 10 + (s[*i] - '0');
    return k >= 1 && k <= 2 ? v : -1;
}

static const char *date_problem(int y, int m, int d)
{
    if (y < 1800 || y > 2999)
        return "is not a date from the years 1800 to 2999";
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return "is not a date that exists (check the month and the day)";
    return NULL;
}

const char *date_parse_data(const char *s, size_t n, date_order order, mp_date *out)
{
    bool iso = n == 10 && s[4] == '-' && s[7] == '-';
    for (size_t i = 0; iso && i < n; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            iso = false;
    int y, m, d;
    if (iso) {
        y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    } else if (order != DATE_ORDER_ISO) {
        size_t i = 0;
        int a = small_number(s, n, &i);
        int b = i < n && s[i] == '/' ? (i++, small_number(s, n, &i)) : -1;
        bool slash = a >= 0 && b >= 0 && i + 5 == n && s[i] == '/';
        for (size_t k = i + 1; slash && k < n; k++)
            slash = s[k] >= '0' && s[k] <= '9';
        if (!slash)
            return order == DATE_ORDER_MDY ? "is not a valid date (write it as MM/DD/YYYY or "
                                             "YYYY-MM-DD)"
                                           : "is not a valid date (write it as DD/MM/YYYY or "
                                             "YYYY-MM-DD)";
        y = digits(s + i + 1, 4);
        m = order == DATE_ORDER_MDY ? a : b;
        d = order == DATE_ORDER_MDY ? b : a;
    } else {
        return "is not a valid date (write it as YYYY-MM-DD)";
    }
    const char *why = date_problem(y, m, d);
    if (!why && out)
        *out = (mp_date){.year = y, .month = m, .day = d};
    return why;
}

mp_date date_from_unix(int64_t t)
{
    /* Floor division: one second before the epoch is 1969-12-31. */
    int64_t days = t / 86400;
    if (t % 86400 < 0)
        days--;

    /* Howard Hinnant's civil_from_days: counts in 400-year eras starting on
     * March 1st, so that the leap day falls at the end of each year. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t year = yoe + era * 400 + (month <= 2);

    /* Only absurd timestamps (beyond ±6.7e16 s) leave int's range; saturate
     * rather than wrap into a plausible-looking year. */
    if (year > INT_MAX)
        return (mp_date){INT_MAX, 12, 31};
    if (year < INT_MIN)
        return (mp_date){INT_MIN, 1, 1};
    return (mp_date){.year = (int)year, .month = month, .day = day};
}

/* ---- long dates, by ICU ----------------------------------------------------- */

/* Opening a date format loads the locale's CLDR patterns and symbols (tens
 * of microseconds at best); a run prints a handful of languages, so each
 * one's format is opened once and kept. ICU does not promise that one
 * format may be used by two threads at once (it keeps a calendar inside),
 * and formatting takes microseconds, so one lock covers the list and its
 * use; past DATE_FORMATS_MAX languages a format is opened per call. */
#define DATE_FORMATS_MAX 16
static pthread_mutex_t formats_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char lang[LANGUAGE_TAG_MAX];
    UDateFormat *fmt;
} formats[DATE_FORMATS_MAX];
static size_t nformats;

/* The ICU locale a language's dates are written in. Two choices are made
 * for the patient's sake, each unless the form's tag asks otherwise with a
 * -u- keyword:
 *  - Western digits (numbers=latn). CLDR's Arabic writes ١٥ مارس ٢٠٢٥
 *    (Persian, Bengali, Marathi, Nepali, Burmese too have digits of their
 *    own), but on a US clinic's consent the date of birth sits beside the
 *    record number, phone and appointment time, which are in Western digits
 *    on every form and in the data, and it is read by staff who check it
 *    against the chart and the patient's ID; Arabic readers use Western
 *    digits daily (and CLDR's own Maghreb locales default to them). A form
 *    tagged ar-u-nu-arab gets Arabic-Indic digits.
 *  - The Gregorian calendar (calendar=gregorian): CLDR's default for fa is
 *    the Persian calendar, for ar-SA the Hijri, for th the Buddhist era; a
 *    date of birth must be the one on the patient's ID and in the record.
 * Only the month names, word order and punctuation follow the language. */
static bool date_locale(const char *lang, char *loc, size_t size)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t parsed = 0;
    if (!lang || !*lang || uloc_forLanguageTag(lang, loc, (int32_t)size, &parsed, &e) <= 0 ||
        U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING || (size_t)parsed != strlen(lang))
        return false;
    char value[32];
    static const char *const keywords[][2] = {{"numbers", "latn"}, {"calendar", "gregorian"}};
    for (size_t i = 0; i < 2; i++) {
        e = U_ZERO_ERROR;
        if (uloc_getKeywordValue(loc, keywords[i][0], value, (int32_t)sizeof value, &e) <= 0)
            uloc_setKeywordValue(keywords[i][0], keywords[i][1], loc, (int32_t)size, &e);
        if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
            return false;
    }
    return true;
}

static UDateFormat *open_format(const char *loc)
{
    /* Calendar dates: midnight UTC of the day, formatted in UTC, is the day. */
    static const UChar utc[] = {'U', 'T', 'C', 0};
    UErrorCode e = U_ZERO_ERROR;
    UDateFormat *f = udat_open(UDAT_NONE, UDAT_LONG, loc, utc, -1, NULL, 0, &e);
    if (U_FAILURE(e)) {
        if (f)
            udat_close(f);
        return NULL;
    }
    return f;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil, the inverse of date_from_unix's). */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* d long in lang as UTF-16 into out[cap]: its length, or -1. */
static int32_t format_long(mp_date d, const char *lang, UChar *out, int32_t cap)
{
    char loc[ULOC_FULLNAME_CAPACITY];
    if (!date_locale(lang, loc, sizeof loc) && !date_locale("en", loc, sizeof loc))
        return -1;
    UDate when = (UDate)days_from_civil(d.year, d.month, d.day) * 86400000.0;
    int32_t n = -1;
    UErrorCode e = U_ZERO_ERROR;
    pthread_mutex_lock(&formats_lock);
    UDateFormat *f = NULL, *own = NULL;
    for (size_t i = 0; i < nformats && !f; i++)
        if (strcmp(formats[i].lang, loc) == 0)
            f = formats[i].fmt;
    if (!f && strlen(loc) < sizeof formats[0].lang) {
        f = own = open_format(loc);
        if (own && nformats < DATE_FORMATS_MAX) {
            memcpy(formats[nformats].lang, loc, strlen(loc) + 1);
            formats[nformats++].fmt = own;
            own = NULL; /* kept */
        }
    }
    if (f)
        n = udat_format(f, when, out, cap, NULL, &e);
    pthread_mutex_unlock(&formats_lock);
    if (own)
        udat_close(own);
    return f && U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING ? n : -1;
}

size_t date_format_long(mp_date d, const char *lang, char *buf, size_t n)
{
    UChar text[DATE_LONG_MAX];
    char utf8[4 * DATE_LONG_MAX];
    int32_t len = -1, k = 0;
    /* A month or day no parser here produces would roll over into another
     * date: show the numbers instead. */
    if (d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= days_in_month(d.year, d.month))
        len = format_long(d, lang, text, DATE_LONG_MAX);
    UErrorCode e = U_ZERO_ERROR;
    if (len > 0)
        u_strToUTF8(utf8, (int32_t)sizeof utf8, &k, text, len, &e);
    if (len <= 0 || U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
        k = snprintf(utf8, sizeof utf8, "%04d-%02d-%02d", d.year, d.month, d.day);
    if (k < 0)
        return 0;
    return utf8_copy(buf, n, utf8, (size_t)k);
}

void date_cleanup(void)
{
    pthread_mutex_lock(&formats_lock);
    for (size_t i = 0; i < nformats; i++)
        udat_close(formats[i].fmt);
    nformats = 0;
    pthread_mutex_unlock(&formats_lock);
}

void date_format_iso(mp_date d, char buf[11])
{
    /* snprintf bounds the write should a caller pass a year past 9999. */
    snprintf(buf, 11, "%04d-%02d-%02d", d.year, d.month, d.day);
}

int date_clock(int64_t *now_unix, mp_date *today, mp_err *err)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0 || v > 32503680000LL)
            return err_set(err, EX_USAGE, NULL, 0, 0,
                           "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970");
        *now_unix = v;
        *today = date_from_unix(v);
        return 0;
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    *now_unix = (int64_t)t;
    *today = (mp_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    return 0;
}
