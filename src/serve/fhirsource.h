/*
 * fhirsource.h — the day's list from a FHIR server: `serve --data
 * https://ehr.example/fhir/Appointment?date=today&_include=...`.
 *
 * One fetch reads every page of the search (following Bundle.link "next",
 * on the same server only: the bearer token never goes to another host),
 * then asks for the Patients and Practitioners the Appointments name that
 * the pages did not include (Patient?_id=a,b,...: a server that ignores
 * _include still gives a whole list), and writes it all as one Bundle
 * (type collection) that fhirin.h reads as it reads a file. schedule.h polls
 * it like a changed file.
 *
 * "today" in the query (date=today, date=getoday, date=eq2026-01-02,today:
 * a value, after a search prefix or not) is the clinic's date at the time of the fetch, in its time
 * zone: a server that runs all day rolls over at the clinic's midnight.
 */
#ifndef MP_FHIRSOURCE_H
#define MP_FHIRSOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct fhirsource_opts {
    const char *url;      /* the search, with "today" words */
    const char *bearer;   /* the token, or NULL */
    const char *timezone; /* the clinic's, or NULL: UTC */
    int64_t now;          /* Unix seconds: what "today" is */
} fhirsource_opts;

/* At most this many pages (and follow-up searches) per fetch. */
#define FHIRSOURCE_MAX_PAGES 100
/* At most this many bytes of answers per fetch. */
#define FHIRSOURCE_MAX_BYTES (32u << 20)

/* url with "today" words made YYYY-MM-DD into out; EX_SOFTWARE when out is
 * too small or the zone fails. */
int fhirsource_url(const char *url, const char *timezone, int64_t now, char *out, size_t n,
                   mp_err *err);

/* Fetches the list and writes it to fd as one Bundle. Errors are
 * EX_UNAVAILABLE (the server cannot be reached, or answers 5xx), EX_NOPERM
 * (401/403: the token), EX_PROTOCOL (an answer that is not a FHIR Bundle, a
 * next page on another server, too many pages) or EX_DATAERR (4xx with the
 * server's OperationOutcome text); messages name the server by its origin
 * and never repeat the query. */
int fhirsource_fetch(const fhirsource_opts *o, int fd, mp_err *err);

#endif
