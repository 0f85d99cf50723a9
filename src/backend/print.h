/*
 * print.h — sending a PDF to a CUPS printer: the only module that calls libcups.
 *
 * render --print and batch --print use it now, the front-desk server later,
 * from several threads at once: each call opens its own connection to the
 * CUPS scheduler (cupsServer(), so $CUPS_SERVER or client.conf), sends one
 * job, and closes it. No state is kept between calls beyond what libcups
 * keeps per thread (its last error, its settings).
 *
 * The job's name (title) is shown by lpstat, the CUPS web page, the printer's
 * panel and often on a banner page, to anyone near the printer: it must hold
 * no patient data. Callers name the packet and a row number, never a person.
 *
 * libcups ignores SIGPIPE for the whole process once it has been used (a
 * dropped connection is an error, not a signal).
 */
#ifndef MP_PRINT_H
#define MP_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

typedef struct print_opts {
    const char *printer; /* NULL: the CUPS default destination */
    int copies;          /* 1..99 */
    bool duplex;         /* sides=two-sided-long-edge */
    const char *title;   /* the job's name; must hold no patient data */
} print_opts;

typedef struct print_result {
    int job_id;
    char printer[128]; /* the destination actually used */
} print_result;

/* Sends len bytes of PDF as one job (cupsCreateJob / cupsStartDocument /
 * cupsWriteRequestData / cupsFinishDocument with CUPS_FORMAT_PDF over a
 * connection of its own to the scheduler). Returns 0 with *out filled, or:
 *   EX_UNAVAILABLE  CUPS does not answer ("CUPS does not answer at SERVER (is
 *                   cupsd running?)"); no printer of that name (the message
 *                   names it and lists the printers CUPS knows, or says there
 *                   are none); no default printer (pass --printer); the
 *                   printer refused the job or the connection broke (CUPS's
 *                   own words). A job created before a failure is cancelled.
 *   EX_USAGE        copies outside 1..99.
 * Messages hold the printer's and the server's names, never the title. */
int print_pdf(const print_opts *o, const unsigned char *pdf, size_t len, print_result *out,
              mp_err *err);

/* The same, reading the PDF from fd (from its current offset to its end) in
 * 64 KiB chunks, so that a day's merged file is never held in memory. A read
 * error is EX_IOERR (the job is cancelled). fd stays open. */
int print_pdf_fd(const print_opts *o, int fd, print_result *out, mp_err *err);

#endif
