/*
 * date.h — calendar dates as clinics write them (YYYY-MM-DD in data) and as
 * patients read them ("April 12, 1968"; Spanish "12 de abril de 1968";
 * Chinese "1968年4月12日": each language's long form, from ICU). No time
 * zones: a date of birth is a calendar date.
 */
#ifndef MP_DATE_H
#define MP_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mp_date {
    int year, month, day; /* month 1-12, day 1-31 */
} mp_date;

/* Strict ISO 8601 calendar date: exactly "YYYY-MM-DD", a real day (leap years
 * counted), year 1800-2999. s need not be NUL-terminated. */
bool date_parse_iso(const char *s, size_t n, mp_date *out);

/* The order of a date written with slashes, as a clinic's exports write it.
 * There is no guessing: 03/04/2025 is March 4 or April 3 only by the
 * clinic's word (date_order: in clinic.yaml, --date-order). */
typedef enum { DATE_ORDER_ISO, DATE_ORDER_MDY, DATE_ORDER_DMY } date_order;

/* "iso", "mdy", "dmy" (any case); false for anything else. */
bool date_order_parse(const char *s, date_order *out);

/* A date as written in data: YYYY-MM-DD always, and with DATE_ORDER_MDY or
 * DATE_ORDER_DMY also M/D/YYYY or D/M/YYYY (one or two digits, four for the
 * year). Returns NULL with *out set, or why not, in words that say what to
 * fix without repeating the value. */
const char *date_parse_data(const char *s, size_t n, date_order order, mp_date *out);

/* The UTC calendar date of a Unix time (SOURCE_DATE_EPOCH, or now). */
mp_date date_from_unix(int64_t t);

struct mp_err;
/* The run's clock: SOURCE_DATE_EPOCH when set (then the date is its UTC
 * date, so that builds are reproducible), else now and the local date. A
 * server asks again per request: a packet printed after midnight carries the
 * new day. EX_USAGE when SOURCE_DATE_EPOCH is not a number of seconds. */
int date_clock(int64_t *now_unix, mp_date *today, struct mp_err *err);

/* Long, readable form in language lang, a BCP 47 tag in any case ("en",
 * "es", "ar", "zh-Hant"; NULL or not a tag: "en"): CLDR's long date for the
 * language, with Western digits and the Gregorian calendar unless the tag
 * asks otherwise ("ar-u-nu-arab"; see date.c for why). A day that does not
 * exist is written as its numbers (YYYY-MM-DD). Writes at most n bytes
 * including the NUL, never half a UTF-8 character; returns the length it
 * needed. Thread-safe: each language's ICU format is opened once and kept. */
size_t date_format_long(mp_date d, const char *lang, char *buf, size_t n);

/* Closes the kept ICU formats; for the process's exit, before u_cleanup()
 * (text_cleanup calls it). */
void date_cleanup(void);

/* "YYYY-MM-DD". buf must hold 11 bytes. */
void date_format_iso(mp_date d, char buf[11]);

#endif
