/*
 * tzone.h — instants to a clinic's local date and time, in its IANA time
 * zone (ICU's calendar and zone data: thread-safe, unlike setting TZ for
 * localtime_r).
 *
 * FHIR writes an appointment's start as an instant with an offset
 * ("2026-12-01T09:30:00-05:00", or "...Z"); the packet prints the clinic's
 * local date, which is not the instant's when the EHR writes UTC.
 */
#ifndef MP_TZONE_H
#define MP_TZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A local date and time. */
typedef struct tz_local {
    int year, month, day; /* month 1..12 */
    int hour, minute;
} tz_local;

/* True when name is an IANA time zone ICU knows ("America/New_York",
 * "Europe/Madrid", "UTC"); false for abbreviations that are not zones
 * ("EST5" is, "Eastern" is not) and anything else. */
bool tz_valid(const char *name);

/* FHIR's instant (and dateTime with a time): YYYY-MM-DDThh:mm:ss[.fff...]
 * followed by Z or +hh:mm / -hh:mm. NULL with *ms (Unix time, milliseconds)
 * and *offset_min (the offset as written) set; else why not, in words that
 * do not repeat the text: "has no time zone offset (FHIR instants end in Z
 * or +hh:mm)", "is not an instant (YYYY-MM-DDThh:mm:ss+hh:mm)". */
const char *tz_parse_instant(const char *s, size_t n, int64_t *ms, int *offset_min);

/* The local date and time of ms in zone (tz_valid). false when ICU fails. */
bool tz_to_local(const char *zone, int64_t ms, tz_local *out);

/* The same at a fixed offset from UTC (the instant's own, for a clinic
 * that names no zone). */
void tz_to_offset(int64_t ms, int offset_min, tz_local *out);

/* YYYY-MM-DD of now (Unix seconds) in zone, or in UTC when zone is NULL;
 * false when ICU fails. out holds 11 bytes. */
bool tz_today(const char *zone, int64_t now, char out[11]);

#endif
