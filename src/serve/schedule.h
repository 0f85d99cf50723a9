/*
 * schedule.h — the day's list for the front-desk server: the whole CSV (or
 * YAML list) export in memory, read again when the file changes.
 *
 * A day's schedule is hundreds of rows, not millions, so the server keeps it
 * whole (unlike batch, which streams). Each load is an immutable snapshot
 * with a reference count: a request that is rendering row 12 keeps the
 * snapshot it looked row 12 up in, while the next request may already see
 * the file the scheduling system wrote since. Thread-safe.
 */
#ifndef MP_SCHEDULE_H
#define MP_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "patient.h"

typedef struct schedule_row {
    long row;            /* as the user counts rows (roster.h) */
    patient patient;     /* unusable when problem is set */
    const char *problem; /* a bad row: why, naming the column, never its content */
} schedule_row;

typedef struct schedule_snap {
    const schedule_row *rows; /* in file order, row numbers ascending */
    size_t nrows;
    int64_t loaded_at; /* Unix time of the load */
} schedule_snap;

typedef struct schedule schedule;

typedef struct schedule_opts {
    date_order order;       /* how the list writes dates with slashes (roster_set_date_order) */
    const char *timezone;   /* the clinic's (FHIR appointments, "today"); may be NULL */
    const char *mrn_system; /* the clinic's record number system (FHIR); may be NULL */
    const char *bearer;     /* a FHIR server's token, for a URL; may be NULL */
    int poll_s;             /* a URL is read again this often; 0: every 60 s */
} schedule_opts;

/* Loads path (CSV, a YAML list for .yaml/.yml, FHIR JSON for .json/.ndjson
 * or a file that starts with "{"), or the day's search on a FHIR server
 * when path is an http(s) URL (fhirsource.h: read at start-up, then again
 * every poll_s seconds; a failed read keeps the last good list, stale, as
 * for a file). Only a regular file of at most 8 MiB is read (a FIFO or a device is EX_NOINPUT, "not
 * a regular file (a FIFO): ...", without blocking). An unreadable or malformed file is an error
 * here, at start-up; later, a reload that fails keeps the last good list (schedule_get reports it
 * once through *reload_err, and as stale until the file can be read again). order is how the list
 * writes dates with slashes (roster_set_date_order). */
int schedule_open(const char *path, const schedule_opts *o, schedule **out, mp_err *err);

/* How messages and the page name the list: the file's name, or a server's
 * origin (https://ehr.example: a search's query is not shown). */
const char *schedule_source(const schedule *s);
void schedule_close(schedule *s);

/* Why the list served is not the file as it is now: the file changed, or
 * went away, and could not be read. The desk must not take an old list for
 * today's. */
typedef struct schedule_stale {
    int64_t since;  /* Unix time the file was first found unreadable; 0: the list is current */
    char why[1100]; /* the failed read's message (a kind of file, a row, a column; never a value) */
} schedule_stale;

/* The current list, reloaded first when the file's size, modification time
 * or inode changed and the change is at least settle_ms old (a file being
 * written is not read half-way). The reload is done by the caller that
 * notices the change, outside the lock; callers meanwhile get the previous
 * list without waiting. The snapshot stays valid until schedule_put. When a
 * reload failed, *reload_err (if not NULL) says why, once, and the previous
 * list is returned; otherwise reload_err->code is 0. *stale (if not NULL)
 * says, on every call until a read succeeds again, that the list returned is
 * stale, since when and why; a file that is missing for settle_ms counts as
 * unreadable (replaced by rename, it is never missing at all). */
const schedule_snap *schedule_get(schedule *s, mp_err *reload_err, schedule_stale *stale);
void schedule_put(schedule *s, const schedule_snap *snap);

/* Row number row of snap, or NULL. */
const schedule_row *schedule_find(const schedule_snap *snap, long row);

/* How long a changed file must stay unchanged before it is read (ms);
 * default 500. For tests. */
void schedule_set_settle(schedule *s, int settle_ms);

#endif
