/* Unit tests for schedule.c: the day's list in memory, found by row number,
 * read again when the file changes, kept when the new file is broken, and
 * a snapshot in use surviving a reload. */
#include <stdlib.h>
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
    CHECK_INT(schedule_open(path, &s, &err), 0);
    if (!s)
        CHECK_DONE();
    schedule_set_settle(s, 0);

    const schedule_snap *a = schedule_get(s, NULL);
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
    const schedule_snap *b = schedule_get(s, &reload);
    CHECK_INT(reload.code, 0);
    CHECK_INT(b->nrows, 1);
    CHECK_STR(field(schedule_find(b, 2), "first_name"), "Dee");
    CHECK_STR(field(schedule_find(a, 2), "first_name"), "Ana");
    schedule_put(s, a);
    schedule_put(s, b);

    /* A broken file: the last good list stays, and the problem is told once. */
    write_file(path, ""); /* empty: no header row */
    const schedule_snap *c = schedule_get(s, &reload);
    CHECK(reload.code != 0);
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Dee");
    schedule_put(s, c);
    c = schedule_get(s, &reload);
    CHECK_INT(reload.code, 0);
    schedule_put(s, c);

    /* A file still being written (changed less than settle_ms ago) waits. */
    schedule_set_settle(s, 60000);
    write_file(path, "first_name,last_name,dob,mrn\nEve,Ng,1991-01-01,C1\n");
    c = schedule_get(s, NULL);
    CHECK_STR(field(schedule_find(c, 2), "first_name"), "Dee");
    schedule_put(s, c);

    schedule_close(s);
    unlink(path);
    rmdir(dir);

    err_clear(&err);
    CHECK(schedule_open("/nonexistent/today.csv", &s, &err) == EX_NOINPUT);
    CHECK_DONE();
}
