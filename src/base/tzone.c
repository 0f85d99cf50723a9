/*
 * tzone.c — see tzone.h.
 */
#include "tzone.h"

#include <stdio.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

bool tz_valid(const char *name)
{
    UChar id[128], canon[128];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof id / sizeof id[0])
        return false;
    u_charsToUChars(name, id, (int32_t)n + 1);
    UBool system = 0;
    UErrorCode st = U_ZERO_ERROR;
    ucal_getCanonicalTimeZoneID(id, (int32_t)n, canon, 128, &system, &st);
    /* ICU answers "Etc/Unknown" (with success) for a name it does not know. */
    return U_SUCCESS(st) && system;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

const char *tz_parse_instant(const char *s, size_t n, int64_t *ms, int *offset_min)
{
    static const char *const bad = "is not an instant (YYYY-MM-DDThh:mm:ss+hh:mm)";
    int y, mo, d, h, mi, se;
    if (n < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return bad;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || se > 60)
        return bad;
    size_t i = 19;
    int frac_ms = 0;
    if (i < n && s[i] == '.') {
        size_t k = ++i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (i - k < 3)
                frac_ms = frac_ms * 10 + (s[i] - '0');
        if (i == k)
            return bad;
        for (size_t z = i - k; z < 3; z++)
            frac_ms *= 10;
    }
    int off;
    if (i == n)
        return "has no time zone offset (FHIR instants end in Z or +hh:mm)";
    if (s[i] == 'Z' && i + 1 == n) {
        off = 0;
    } else if ((s[i] == '+' || s[i] == '-') && n - i == 6 && s[i + 3] == ':') {
        int oh, om;
        if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) || oh > 14 || om > 59)
            return bad;
        off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    } else {
        return bad;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (se > 59 ? 59 : se);
    *ms = (secs - (int64_t)off * 60) * 1000 + frac_ms;
    *offset_min = off;
    return NULL;
}

bool tz_to_local(const char *zone, int64_t ms, tz_local *out)
{
    UChar id[128];
    size_t n = strlen(zone);
    if (n == 0 || n >= sizeof id / sizeof id[0])
        return false;
    u_charsToUChars(zone, id, (int32_t)n + 1);
    UErrorCode st = U_ZERO_ERROR;
    UCalendar *cal = ucal_open(id, (int32_t)n, "en_US_POSIX", UCAL_GREGORIAN, &st);
    if (U_FAILURE(st))
        return false;
    /* Gregorian all the way back: a birth year is never near 1582, but an
     * instant a user mistyped may be. */
    ucal_setGregorianChange(cal, -8.64e15, &st);
    ucal_setMillis(cal, (UDate)ms, &st);
    out->year = ucal_get(cal, UCAL_EXTENDED_YEAR, &st);
    out->month = ucal_get(cal, UCAL_MONTH, &st) + 1;
    out->day = ucal_get(cal, UCAL_DATE, &st);
    out->hour = ucal_get(cal, UCAL_HOUR_OF_DAY, &st);
    out->minute = ucal_get(cal, UCAL_MINUTE, &st);
    ucal_close(cal);
    return U_SUCCESS(st);
}

void tz_to_offset(int64_t ms, int offset_min, tz_local *out)
{
    int64_t secs = ms / 1000 - (ms % 1000 < 0) + (int64_t)offset_min * 60;
    int64_t days = secs / 86400 - (secs % 86400 < 0);
    int64_t rem = secs - days * 86400;
    civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(rem / 3600);
    out->minute = (int)(rem % 3600 / 60);
}

bool tz_today(const char *zone, int64_t now, char out[11])
{
    tz_local l;
    if (zone) {
        if (!tz_to_local(zone, now * 1000, &l))
            return false;
    } else {
        tz_to_offset(now * 1000, 0, &l);
    }
    if (l.year < 0 || l.year > 9999)
        return false;
    snprintf(out, 11, "%04d-%02d-%02d", l.year, l.month, l.day);
    return true;
}
