/*
 * schedule.c — see schedule.h.
 */
#include "schedule.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "arena.h"
#include "roster.h"

/* A day's list; past this the file is not a day's schedule. */
#define SCHEDULE_MAX_ROWS 100000

typedef struct snap {
    schedule_snap pub; /* first: the public view is a pointer to it */
    arena *a;          /* rows and patients */
    int refs;          /* the schedule's own reference + one per schedule_get */
} snap;

struct schedule {
    char *path;
    pthread_mutex_t mu;
    snap *cur;
    struct stat st;     /* of the file cur was read from */
    int settle_ms;
    mp_err reload_err;  /* the last failed reload, reported once */
    bool reload_reported;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mtime_ms(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void snap_unref(snap *sn)
{
    if (sn && --sn->refs == 0) {
        arena_free(sn->a);
        free(sn);
    }
}

static int keep_names(patient *p, arena *a)
{
    if (p->source && !(p->source = arena_strdup(a, p->source)))
        return -1;
    for (size_t i = 0; i < p->nfields; i++)
        if (!(p->fields[i].name = arena_strdup(a, p->fields[i].name)))
            return -1;
    return 0;
}

/* Reads the whole list into a new snapshot. */
static int load(const char *path, snap **out, mp_err *err)
{
    snap *sn = calloc(1, sizeof *sn);
    arena *a = arena_new();
    roster *r = NULL;
    if (!sn || !a) {
        free(sn);
        arena_free(a);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    sn->a = a;
    sn->refs = 1;
    int rc = roster_open(path, ROSTER_AUTO, &r, err);
    schedule_row *rows = NULL;
    size_t n = 0, cap = 0;
    roster_row rr;
    while (!rc && (rc = roster_next(r, a, &rr, err)) == 1) {
        rc = 0;
        if (n == SCHEDULE_MAX_ROWS) {
            rc = err_set(err, EX_DATAERR, roster_name(r), 0, 0,
                         "more than %d rows: not a day's schedule", SCHEDULE_MAX_ROWS);
            break;
        }
        schedule_row *grown = arena_grow(a, rows, &cap, n + 1, sizeof *rows);
        if (!grown) {
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            break;
        }
        rows = grown;
        rows[n] = (schedule_row){.row = rr.row, .patient = rr.patient};
        /* Column names and the source name belong to the reader, which is
         * closed below: the snapshot keeps copies. */
        if (keep_names(&rows[n].patient, a)) {
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            break;
        }
        /* The problem may point into rr's own buffer, which the next row reuses. */
        if (rr.problem && !(rows[n].problem = arena_strdup(a, rr.problem))) {
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            break;
        }
        n++;
    }
    if (r)
        roster_close(r);
    if (rc) {
        snap_unref(sn);
        return rc;
    }
    sn->pub.rows = rows;
    sn->pub.nrows = n;
    sn->pub.loaded_at = now_ms() / 1000;
    *out = sn;
    return 0;
}

int schedule_open(const char *path, schedule **out, mp_err *err)
{
    schedule *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    s->settle_ms = 500;
    pthread_mutex_init(&s->mu, NULL);
    int rc = 0;
    if (stat(path, &s->st) != 0)
        rc = err_set(err, EX_NOINPUT, path, 0, 0, "cannot read the day's list: %s",
                     strerror(errno));
    if (!rc)
        rc = load(path, &s->cur, err);
    if (rc) {
        schedule_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void schedule_close(schedule *s)
{
    if (!s)
        return;
    snap_unref(s->cur);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

void schedule_set_settle(schedule *s, int settle_ms)
{
    s->settle_ms = settle_ms;
}

/* Called with s->mu held. A file that changed is read once it has been
 * still for settle_ms: the scheduling system may be writing it in place. */
static void maybe_reload(schedule *s)
{
    struct stat st;
    if (stat(s->path, &st) != 0 || same_file(&st, &s->st))
        return; /* gone for a moment (replaced by rename) or unchanged */
    if (now_ms() - mtime_ms(&st) < s->settle_ms)
        return;
    snap *fresh;
    mp_err err;
    err_clear(&err);
    if (load(s->path, &fresh, &err)) {
        /* Keep serving the last good list; say why once per change. */
        s->reload_err = err;
        s->reload_reported = false;
        s->st = st;
        return;
    }
    snap_unref(s->cur);
    s->cur = fresh;
    s->st = st;
    err_clear(&s->reload_err);
}

const schedule_snap *schedule_get(schedule *s, mp_err *reload_err)
{
    pthread_mutex_lock(&s->mu);
    maybe_reload(s);
    snap *sn = s->cur;
    sn->refs++;
    if (reload_err) {
        err_clear(reload_err);
        if (s->reload_err.code && !s->reload_reported) {
            *reload_err = s->reload_err;
            s->reload_reported = true;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return &sn->pub;
}

void schedule_put(schedule *s, const schedule_snap *pub)
{
    if (!pub)
        return;
    pthread_mutex_lock(&s->mu);
    snap_unref((snap *)(void *)(uintptr_t)pub); /* pub is the first member of a snap */
    pthread_mutex_unlock(&s->mu);
}

const schedule_row *schedule_find(const schedule_snap *snap_, long row)
{
    size_t lo = 0, hi = snap_->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (snap_->rows[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < snap_->nrows && snap_->rows[lo].row == row ? &snap_->rows[lo] : NULL;
}
