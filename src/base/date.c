/*
 * date.c — calendar dates for consent forms: strict parsing of the ISO dates
 * in clinic data, the UTC date of a timestamp (for {{today}} and
 * reproducible builds), and the long forms patients read.
 *
 * Parsing is strict because a date of birth is an identifier on a consent
 * form: "1968-4-12" or "1968-02-30" is a data error to report, not something
 * to guess at.
 */
#include "date.h"

#include "err.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

static const char *const months_en[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

/* Spanish month names are common nouns, written in lower case (RAE). */
static const char *const months_es[12] = {
    "enero", "febrero", "marzo",      "abril",   "mayo",      "junio",
    "julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre",
};

size_t date_format_long(mp_date d, const char *lang, char *buf, size_t n)
{
    int r;
    if (d.month < 1 || d.month > 12)
        /* Not a date any parser here produces; show the numbers rather than
         * index past the month table. */
        r = snprintf(buf, n, "%04d-%02d-%02d", d.year, d.month, d.day);
    else if (lang && strcmp(lang, "es") == 0)
        r = snprintf(buf, n, "%d de %s de %d", d.day, months_es[d.month - 1], d.year);
    else
        r = snprintf(buf, n, "%s %d, %d", months_en[d.month - 1], d.day, d.year);
    return r < 0 ? 0 : (size_t)r;
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
