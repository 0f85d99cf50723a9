/* Unit tests for print.c without a CUPS scheduler: copies out of range are
 * refused before anything is sent, and a CUPS that does not answer is
 * EX_UNAVAILABLE with the server's name, from several threads at once, each
 * with its own result (tests/e2e/print.sh prints to a real cupsd). */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "print.h"

#define NO_CUPS "/nonexistent-medpacket-test/cups.sock"

static const unsigned char pdf[] = "%PDF-1.4\n%%EOF\n";

typedef struct attempt {
    int rc, job_id;
    char printer[128];
    mp_err err;
} attempt;

static void *print_once(void *arg)
{
    attempt *t = arg;
    print_opts o = {
        .printer = "Front_Desk", .copies = 2, .duplex = true, .title = "medpacket test"};
    print_result r;
    err_clear(&t->err);
    t->rc = print_pdf(&o, pdf, sizeof pdf - 1, &r, &t->err);
    t->job_id = r.job_id;
    memcpy(t->printer, r.printer, sizeof t->printer);
    return NULL;
}

int main(void)
{
    /* libcups takes the scheduler from $CUPS_SERVER, read at first use. */
    setenv("CUPS_SERVER", NO_CUPS, 1);

    mp_err err;
    print_result r;
    print_opts o = {.printer = "Front_Desk", .copies = 0, .title = "medpacket test"};
    err_clear(&err);
    CHECK_INT(print_pdf(&o, pdf, sizeof pdf - 1, &r, &err), EX_USAGE);
    CHECK_STR(err.msg, "copies must be from 1 to 99, not 0");
    o.copies = 100;
    err_clear(&err);
    CHECK_INT(print_pdf(&o, pdf, sizeof pdf - 1, &r, &err), EX_USAGE);
    CHECK_STR(err.msg, "copies must be from 1 to 99, not 100");

    enum { N = 4 };
    attempt t[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++)
        CHECK_INT(pthread_create(&th[i], NULL, print_once, &t[i]), 0);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(t[i].rc, EX_UNAVAILABLE);
        CHECK_STR(t[i].err.msg, "CUPS does not answer at " NO_CUPS " (is cupsd running?)");
        CHECK_STR(t[i].err.file, "");
        CHECK_INT(t[i].job_id, 0);
        CHECK_STR(t[i].printer, "");
    }
    CHECK_DONE();
}
