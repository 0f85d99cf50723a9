/*
 * schedule.c — see schedule.h.
 *
 * The list is read only from a regular file, copied whole (at most
 * SCHEDULE_MAX_BYTES) into a memory file first and parsed from that copy:
 * a FIFO would block open() and read(), a device such as /dev/zero never
 * ends, and a file the scheduling system rewrites in place would otherwise
 * be parsed half old, half new. The copy and the parse run outside the
 * lock, by the one request that noticed the change; the others go on with
 * the current list meanwhile, and the new snapshot is swapped in under the
 * lock. Nothing that can wait on the file system ever holds it.
 */
#define _GNU_SOURCE /* memfd_create */
#include "schedule.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "fhirsource.h"
#include "http.h"
#include "roster.h"

/* A day's list; past this the file is not a day's schedule. A few hundred
 * rows are tens of KiB. */
#define SCHEDULE_MAX_ROWS 100000
#define SCHEDULE_MAX_BYTES (8u << 20)

typedef struct snap {
    schedule_snap pub; /* first: the public view is a pointer to it */
    arena *a;          /* rows and patients */
    int refs;          /* the schedule's own reference + one per schedule_get */
} snap;

struct schedule {
    char *path;
    roster_format format;
    schedule_opts o; /* its strings copied */
    bool remote;     /* path is a FHIR server's search */
    char source[512];
    int64_t fetched_ms; /* a remote list's last read, good or not */
    pthread_mutex_t mu; /* guards what follows; never held across I/O */
    snap *cur;
    struct stat st; /* of the file last read (cur's, or a failed reload's) */
    bool loading;   /* a request is reading a changed file */
    int settle_ms;
    mp_err reload_err; /* the last failed reload, reported once */
    bool reload_reported;
    int64_t stale_since_ms; /* the list is not the file's since (ms); 0: it is */
    mp_err stale_err;       /* why */
    int64_t gone_since_ms;  /* the file has been missing since (ms); 0: it is there */
    bool gone_marked;       /* ...long enough to make the list stale */
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

static void snap_free(snap *sn)
{
    if (sn) {
        arena_free(sn->a);
        free(sn);
    }
}

/* With s->mu held. True when that was the last reference: the caller frees
 * the snapshot once it has let the lock go. */
static bool snap_unref(snap *sn)
{
    return sn && --sn->refs == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char *file_kind(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a file";
}

static int not_regular(const char *path, mode_t mode, mp_err *err)
{
    return err_set(err, EX_NOINPUT, path, 0, 0,
                   "not a regular file (%s): the day's list must be a file", file_kind(mode));
}

static int too_large(const char *path, mp_err *err)
{
    return err_set(err, EX_DATAERR, path, 0, 0, "larger than %u MiB: not a day's list",
                   SCHEDULE_MAX_BYTES >> 20);
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copies the list at path into a new memory file (*out, to close). */
static int copy_list(const char *path, int *out, mp_err *err)
{
    /* stat first, so that a device is not even opened (opening some has
     * effects); then open without blocking (a FIFO's open waits for a
     * writer) and decide on what was opened, which a rename in between
     * cannot change. */
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot read the day's list: %s",
                       strerror(errno));
    if (!S_ISREG(st.st_mode))
        return not_regular(path, st.st_mode, err);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot read the day's list: %s",
                       strerror(errno));
    int rc = 0, mem = -1;
    if (fstat(fd, &st) != 0)
        rc = err_set(err, EX_IOERR, path, 0, 0, "cannot read the day's list: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = not_regular(path, st.st_mode, err);
    else if (st.st_size > (off_t)SCHEDULE_MAX_BYTES)
        rc = too_large(path, err);
    else if ((mem = memfd_create("medpacket-list", MFD_CLOEXEC)) < 0)
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "cannot hold the day's list in memory: %s",
                     strerror(errno));
    /* The size limit is kept while reading too: the file may grow. */
    size_t total = 0;
    char buf[64 * 1024];
    while (!rc) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = err_set(err, EX_IOERR, path, 0, 0, "cannot read the day's list: %s",
                         strerror(errno));
        else if (n == 0)
            break;
        else if ((total += (size_t)n) > SCHEDULE_MAX_BYTES)
            rc = too_large(path, err);
        else if (write_all(mem, buf, (size_t)n) != 0)
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "cannot hold the day's list in memory: %s",
                         strerror(errno));
    }
    close(fd);
    if (rc) {
        if (mem >= 0)
            close(mem);
        return rc;
    }
    *out = mem;
    return 0;
}

/* Names that belong to the reader, which is closed once the list is read,
 * are copied into the snapshot; the source is the list's own path, not the
 * memory file's. */
static int keep_names(patient *p, const char *source, arena *a)
{
    p->source = source;
    for (size_t i = 0; i < p->nfields; i++)
        if (!(p->fields[i].name = arena_strdup(a, p->fields[i].name)))
            return -1;
    return 0;
}

/* The day's search on a FHIR server, into a new memory file (*out). */
static int fetch_list(const schedule *s, int *out, mp_err *err)
{
    int mem = memfd_create("medpacket-fhir", MFD_CLOEXEC);
    if (mem < 0)
        return err_set(err, EX_OSERR, NULL, 0, 0, "cannot hold the day's list in memory: %s",
                       strerror(errno));
    fhirsource_opts fo = {s->path, s->o.bearer, s->o.timezone, now_ms() / 1000};
    int rc = fhirsource_fetch(&fo, mem, err);
    if (rc) {
        close(mem);
        return rc;
    }
    *out = mem;
    return 0;
}

/* Reads the whole list into a new snapshot. Called without s->mu. */
static int load(const schedule *s, snap **out, mp_err *err)
{
    const char *path = s->source;
    int mem;
    int rc = s->remote ? fetch_list(s, &mem, err) : copy_list(s->path, &mem, err);
    if (rc)
        return rc; /* a server's messages name its origin themselves */
    snap *sn = calloc(1, sizeof *sn);
    arena *a = arena_new();
    roster *r = NULL;
    if (!sn || !a) {
        free(sn);
        arena_free(a);
        close(mem);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    sn->a = a;
    sn->refs = 1;
    /* roster.h reads a path: the memory file's own, which names the copy
     * (opened anew at offset 0). Messages are given the list's path back. */
    char copy[64];
    snprintf(copy, sizeof copy, "/proc/self/fd/%d", mem);
    const char *source = arena_strdup(a, path);
    rc = source ? roster_open(copy, s->format, &r, err)
                : err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (!rc) {
        roster_set_date_order(r, s->o.order);
        roster_set_fhir(r, s->o.timezone, s->o.mrn_system);
    }
    schedule_row *rows = NULL;
    size_t n = 0, cap = 0;
    roster_row rr;
    while (!rc && (rc = roster_next(r, a, &rr, err)) == 1) {
        rc = 0;
        if (n == SCHEDULE_MAX_ROWS) {
            rc = err_set(err, EX_DATAERR, path, 0, 0, "more than %d rows: not a day's schedule",
                         SCHEDULE_MAX_ROWS);
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
        if (keep_names(&rows[n].patient, source, a)) {
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
    close(mem);
    if (rc) {
        if (strcmp(err->file, copy) == 0) {
            snprintf(err->file, sizeof err->file, "%s", path);
            if (access("/proc/self/fd", F_OK) != 0)
                snprintf(err->msg, sizeof err->msg,
                         "cannot read the day's list: /proc is not mounted");
        }
        snap_free(sn);
        return rc;
    }
    sn->pub.rows = rows;
    sn->pub.nrows = n;
    sn->pub.loaded_at = now_ms() / 1000;
    *out = sn;
    return 0;
}

static char *dup_or_null(const char *s, bool *failed)
{
    char *d = s ? strdup(s) : NULL;
    *failed = *failed || (s && !d);
    return d;
}

int schedule_open(const char *path, const schedule_opts *o, schedule **out, mp_err *err)
{
    schedule *s = calloc(1, sizeof *s);
    bool failed = false;
    if (s) {
        s->path = dup_or_null(path, &failed);
        s->o = *o;
        s->o.timezone = dup_or_null(o->timezone, &failed);
        s->o.mrn_system = dup_or_null(o->mrn_system, &failed);
        s->o.bearer = dup_or_null(o->bearer, &failed);
    }
    if (!s || failed) {
        schedule_close(s);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    s->remote = http_is_url(path);
    /* A list named by its kind is read as that kind; any other file is CSV
     * unless it starts with "{" (roster.h). */
    s->format = s->remote                                                ? ROSTER_FHIR
                : ends_with(path, ".yaml") || ends_with(path, ".yml")    ? ROSTER_YAML
                : ends_with(path, ".json") || ends_with(path, ".ndjson") ? ROSTER_FHIR
                                                                         : ROSTER_AUTO;
    if (!s->remote || !http_origin(path, s->source, sizeof s->source))
        snprintf(s->source, sizeof s->source, "%s", path);
    s->settle_ms = 500;
    pthread_mutex_init(&s->mu, NULL);
    int rc = 0;
    if (s->remote)
        s->fetched_ms = now_ms();
    else if (stat(path, &s->st) != 0)
        rc =
            err_set(err, EX_NOINPUT, path, 0, 0, "cannot read the day's list: %s", strerror(errno));
    if (!rc)
        rc = load(s, &s->cur, err);
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
    if (snap_unref(s->cur))
        snap_free(s->cur);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free((char *)s->o.timezone);
    free((char *)s->o.mrn_system);
    free((char *)s->o.bearer);
    free(s);
}

const char *schedule_source(const schedule *s)
{
    return s->source;
}

void schedule_set_settle(schedule *s, int settle_ms)
{
    pthread_mutex_lock(&s->mu);
    s->settle_ms = settle_ms;
    pthread_mutex_unlock(&s->mu);
}

/* A file that changed is read once it has been still for settle_ms (the
 * scheduling system may be writing it in place), by the first request that
 * sees it; a request that comes while it is read is not held up. */
/* With s->mu held: the list is not the file's, because of err. */
static void mark_stale(schedule *s, const mp_err *err, int64_t since_ms)
{
    /* Keep serving the last good list; the log hears why once per change,
     * the page on every request until the file can be read again. */
    s->reload_err = *err;
    s->reload_reported = false;
    if (!s->stale_since_ms)
        s->stale_since_ms = since_ms;
    s->stale_err = *err;
}

/* The file cannot be stat'ed. Missing for a moment is routine (a system that
 * deletes and rewrites it); missing for settle_ms, the list is stale. */
static void file_gone(schedule *s, int errnum)
{
    pthread_mutex_lock(&s->mu);
    int64_t now = now_ms();
    if (!s->gone_since_ms)
        s->gone_since_ms = now;
    if (!s->gone_marked && now - s->gone_since_ms >= s->settle_ms) {
        s->gone_marked = true;
        mp_err err;
        err_clear(&err);
        err_set(&err, EX_NOINPUT, s->path, 0, 0, "cannot read the day's list: %s",
                strerror(errnum));
        mark_stale(s, &err, s->gone_since_ms);
        /* Whatever file comes back, even one that looks like the last one
         * read, is read again. */
        memset(&s->st, 0, sizeof s->st);
    }
    pthread_mutex_unlock(&s->mu);
}

/* The reload a caller found due (s->loading set by it): read without the
 * lock, then swapped in, or the list marked stale; st, for a file, is what
 * was read (NULL for a server's list, which records the time of the read). */
static void reload(schedule *s, const struct stat *st)
{
    snap *fresh = NULL, *old = NULL;
    mp_err err;
    err_clear(&err);
    int rc = load(s, &fresh, &err);
    pthread_mutex_lock(&s->mu);
    if (rc) {
        mark_stale(s, &err, now_ms());
    } else {
        old = snap_unref(s->cur) ? s->cur : NULL;
        s->cur = fresh;
        err_clear(&s->reload_err);
        err_clear(&s->stale_err);
        s->stale_since_ms = 0;
    }
    if (st)
        s->st = *st;
    else
        s->fetched_ms = now_ms();
    s->loading = false;
    pthread_mutex_unlock(&s->mu);
    snap_free(old);
}

/* A server's list is read again every poll_s seconds, by the request that
 * notices it is due (the others are answered from the current list
 * meanwhile, as for a file); a file, once it changed and settled. */
static void maybe_reload(schedule *s)
{
    /* Read once: whether the list is a server's never changes. */
    const bool remote = s->remote;
    struct stat st = {0};
    if (!remote && stat(s->path, &st) != 0) {
        file_gone(s, errno);
        return;
    }
    pthread_mutex_lock(&s->mu);
    bool due;
    if (remote) {
        int64_t poll = (s->o.poll_s > 0 ? s->o.poll_s : 60) * (int64_t)1000;
        due = !s->loading && now_ms() - s->fetched_ms >= poll;
    } else {
        s->gone_since_ms = 0;
        s->gone_marked = false;
        due = !s->loading && !same_file(&st, &s->st) && now_ms() - mtime_ms(&st) >= s->settle_ms;
    }
    if (due)
        s->loading = true;
    pthread_mutex_unlock(&s->mu);
    if (due)
        reload(s, remote ? NULL : &st);
}

const schedule_snap *schedule_get(schedule *s, mp_err *reload_err, schedule_stale *stale)
{
    maybe_reload(s);
    pthread_mutex_lock(&s->mu);
    snap *sn = s->cur;
    sn->refs++;
    if (reload_err) {
        err_clear(reload_err);
        if (s->reload_err.code && !s->reload_reported) {
            *reload_err = s->reload_err;
            s->reload_reported = true;
        }
    }
    if (stale) {
        stale->since = s->stale_since_ms / 1000;
        stale->why[0] = '\0';
        if (s->stale_since_ms) {
            /* The row or line, when the message is about one; the file is
             * the list's, which the caller names already. */
            const mp_err *e = &s->stale_err;
            char place[32];
            if (e->row > 0)
                snprintf(stale->why, sizeof stale->why, "%s: %s",
                         err_row_place(e, place, sizeof place), e->msg);
            else if (e->line > 0)
                snprintf(stale->why, sizeof stale->why, "line %d: %s", e->line, e->msg);
            else
                snprintf(stale->why, sizeof stale->why, "%s", e->msg);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return &sn->pub;
}

void schedule_put(schedule *s, const schedule_snap *pub)
{
    if (!pub)
        return;
    snap *sn = (snap *)(void *)(uintptr_t)pub; /* pub is the first member of a snap */
    pthread_mutex_lock(&s->mu);
    bool last = snap_unref(sn);
    pthread_mutex_unlock(&s->mu);
    if (last)
        snap_free(sn);
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
