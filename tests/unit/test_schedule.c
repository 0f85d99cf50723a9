/* Unit tests for schedule.c: the day's list in memory, found by row number,
 * read again when the file changes, kept when the new file is broken (and
 * said to be stale, since when and why, until it can be read again), a
 * snapshot in use surviving a reload, a list that becomes a FIFO or a
 * device (issue 12) answered at once, with the last good list, and a list
 * that goes away. */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "schedule.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static const char *field(const schedule_row *r, const char *name)
{
    const mp_text *t = r ? patient_get(&r->patient, name, strlen(name)) : NULL;
    return t ? t->s : NULL;
}

int main(void)
{
    char dir[] = "/tmp/test_schedule.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/today.csv", dir);
    write_file(path, "First Name,Last Name,DOB,MRN\n"
                     "Ana,Ruiz,1970-01-02,A1\n"
                     "Bo,Li,1970-02-30,A2\n"
                     "Cy,Oh,1980-03-04,A3\n");
    schedule *s = NULL;
    mp_err err;
    err_clear(&err);
    CHECK_INT(schedule_open(path, &(schedule_opts){.order = DATE_ORDER_ISO}, &s, &err), 0);
    if (!s)
        CHECK_DONE();
    schedule_set_settle(s, 0);

    const schedule_snap *a = schedule_get(s, NULL, NULL);
    CHECK_INT(a->nrows, 3);
    CHECK_STR(field(schedule_find(a, 2), "first_name"), "Ana");
    CHECK_STR(field(schedule_find(a, 4), "mrn"), "A3");
    const schedule_row *bad = schedule_find(a, 3);
    CHECK(bad && bad->problem && strstr(bad->problem, "column dob") != NULL);
    CHECK(schedule_find(a, 1) == NULL); /* the header */
    CHECK(schedule_find(a, 5) == NULL);

    /* A new list: the next get sees it, while a (in use) stays as it was. */
    write_file(path, "first_name,last_name,dob,mrn\nDee,Kay,1990-05-06,B1\n");
    mp_err reload;
    const schedule_snap *b = schedule_get(s, &reload, NULL);
    CHECK_INT(reload.code, 0);
    CHECK_INT(b->nrows, 1);
    CHECK_STR(field(schedule_find(b, 2), "first_name"), "Dee");
    CHECK_STR(field(schedule_find(a, 2), "first_name"), "Ana");
    schedule_put(s, a);
    schedule_put(s, b);

    /* A broken file: the last good list stays, and the problem is told once
     * to the log, and on every get as the list's staleness. */
    schedule_stale stale;
    b = schedule_get(s, NULL, &stale);
    CHECK_INT(stale.since, 0);
    CHECK_STR(stale.why, "");
    schedule_put(s, b);
    int64_t before = (int64_t)time(NULL);
    write_file(path, ""); /* empty: no header row */
    const schedule_snap *c = schedule_get(s, &reload, &stale);
    CHECK(reload.code != 0);
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Dee");
    CHECK(stale.since >= before && stale.since <= (int64_t)time(NULL));
    CHECK_STR(stale.why, "the file is empty: a CSV needs a header row");
    int64_t since = stale.since;
    schedule_put(s, c);
    c = schedule_get(s, &reload, &stale);
    CHECK_INT(reload.code, 0);
    CHECK_INT(stale.since, since);
    CHECK_STR(stale.why, "the file is empty: a CSV needs a header row");
    schedule_put(s, c);
    /* Readable again: no longer stale. */
    write_file(path, "first_name,last_name,dob,mrn\nDee,Kay,1990-05-06,B1\n");
    c = schedule_get(s, &reload, &stale);
    CHECK_INT(reload.code, 0);
    CHECK_INT(stale.since, 0);
    schedule_put(s, c);
    /* Gone for less than the settle time: not stale (a system that deletes
     * and rewrites it); gone longer: stale, and why; back: read again, even
     * the same bytes. */
    schedule_set_settle(s, 300);
    char kept[80];
    snprintf(kept, sizeof kept, "%s.kept", path);
    CHECK_INT(rename(path, kept), 0);
    c = schedule_get(s, &reload, &stale);
    CHECK_INT(stale.since, 0);
    schedule_put(s, c);
    struct timespec pause = {0, 350 * 1000000L};
    nanosleep(&pause, NULL);
    c = schedule_get(s, &reload, &stale);
    CHECK_STR(reload.msg, "cannot read the day's list: No such file or directory");
    CHECK_STR(stale.why, "cannot read the day's list: No such file or directory");
    CHECK(stale.since > 0);
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Dee");
    schedule_put(s, c);
    CHECK_INT(rename(kept, path), 0);
    schedule_set_settle(s, 0);
    c = schedule_get(s, &reload, &stale);
    CHECK_INT(reload.code, 0);
    CHECK_INT(stale.since, 0);
    schedule_put(s, c);

    /* A file still being written (changed less than settle_ms ago) waits. */
    schedule_set_settle(s, 60000);
    write_file(path, "first_name,last_name,dob,mrn\nEve,Ng,1991-01-01,C1\n");
    c = schedule_get(s, NULL, NULL);
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Dee");
    schedule_put(s, c);

    /* The list becomes a FIFO, then a link to /dev/zero: neither blocks nor
     * spins (the alarm fails the test if one does), the last good list
     * stays, and the problem says what the file is. */
    schedule_set_settle(s, 0);
    unlink(path);
    CHECK_INT(mkfifo(path, 0600), 0);
    alarm(5);
    c = schedule_get(s, &reload, NULL);
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Dee");
    CHECK_INT(reload.code, EX_NOINPUT);
    CHECK_STR(reload.msg, "not a regular file (a FIFO): the day's list must be a file");
    CHECK_STR(reload.file, path);
    schedule_put(s, c);
    unlink(path);
    CHECK_INT(symlink("/dev/zero", path), 0);
    c = schedule_get(s, &reload, NULL);
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Dee");
    CHECK_STR(reload.msg, "not a regular file (a device): the day's list must be a file");
    schedule_put(s, c);
    alarm(0);
    /* A regular file again: read. */
    unlink(path);
    write_file(path, "first_name,last_name,dob,mrn\nFay,Po,1992-02-02,D1\n");
    c = schedule_get(s, &reload, NULL);
    CHECK_INT(reload.code, 0);
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Fay");
    /* Messages about a row name the list's own file. */
    CHECK_STR(schedule_find(c, 2)->patient.source, path);
    schedule_put(s, c);
    /* Larger than a day's list can be: refused before it is parsed. */
    FILE *big = fopen(path, "w");
    CHECK(big != NULL);
    if (big) {
        fputs("first_name,last_name,dob,mrn\n", big);
        for (int i = 0; i < 450000; i++)
            fputs("Gus,Ray,1993-03-03,E1\n", big);
        fclose(big);
    }
    c = schedule_get(s, &reload, NULL);
    CHECK_STR(reload.msg, "larger than 8 MiB: not a day's list");
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Fay");
    schedule_put(s, c);

    schedule_close(s);
    unlink(path);

    /* A YAML list is read through the same copy. */
    char ypath[80];
    snprintf(ypath, sizeof ypath, "%s/today.yaml", dir);
    write_file(ypath, "- first_name: Hal\n  last_name: Ives\n  dob: 1994-04-04\n  mrn: F1\n");
    err_clear(&err);
    CHECK_INT(schedule_open(ypath, &(schedule_opts){.order = DATE_ORDER_ISO}, &s, &err), 0);
    if (s) {
        c = schedule_get(s, NULL, NULL);
        /* Rows are counted as a spreadsheet counts them: row 2 is the first
         * patient in a YAML list too. */
        CHECK_STR(field(schedule_find(c, 2), "first_name"), "Hal");
        CHECK_STR(schedule_find(c, 2)->patient.source, ypath);
        schedule_put(s, c);
        schedule_close(s);
    }
    /* The clinic's date order: 04/12/1968 is April 12 by its word, and a
     * list read as YYYY-MM-DD says how to say so. */
    char mpath[80];
    snprintf(mpath, sizeof mpath, "%s/mdy.csv", dir);
    write_file(mpath, "first_name,dob,mrn\nIda,04/12/1968,G1\n");
    err_clear(&err);
    CHECK_INT(schedule_open(mpath, &(schedule_opts){.order = DATE_ORDER_MDY}, &s, &err), 0);
    if (s) {
        c = schedule_get(s, NULL, NULL);
        CHECK(schedule_find(c, 2)->problem == NULL);
        CHECK_STR(field(schedule_find(c, 2), "dob"), "1968-04-12");
        schedule_put(s, c);
        schedule_close(s);
    }
    CHECK_INT(schedule_open(mpath, &(schedule_opts){.order = DATE_ORDER_ISO}, &s, &err), 0);
    if (s) {
        c = schedule_get(s, NULL, NULL);
        CHECK_STR(schedule_find(c, 2)->problem,
                  "column dob is not a valid date (write it as YYYY-MM-DD); if the list writes "
                  "dates as MM/DD/YYYY, say so with date_order: mdy in clinic.yaml or "
                  "--date-order mdy");
        schedule_put(s, c);
        schedule_close(s);
    }
    unlink(mpath);
    write_file(ypath, "first_name: Hal\n");
    err_clear(&err);
    CHECK_INT(schedule_open(ypath, &(schedule_opts){.order = DATE_ORDER_ISO}, &s, &err),
              EX_DATAERR);
    CHECK_STR(err.file, ypath); /* the list's name, not the copy's */
    unlink(ypath);

    /* At start-up, a FIFO is refused at once. */
    CHECK_INT(mkfifo(path, 0600), 0);
    alarm(5);
    err_clear(&err);
    CHECK_INT(schedule_open(path, &(schedule_opts){.order = DATE_ORDER_ISO}, &s, &err), EX_NOINPUT);
    CHECK_STR(err.msg, "not a regular file (a FIFO): the day's list must be a file");
    alarm(0);
    unlink(path);
    rmdir(dir);

    err_clear(&err);
    CHECK(schedule_open("/nonexistent/today.csv", &(schedule_opts){.order = DATE_ORDER_ISO}, &s,
                        &err) == EX_NOINPUT);
    CHECK_DONE();
}
