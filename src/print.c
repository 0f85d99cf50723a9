/*
 * print.c — see print.h. One connection per job, opened here and closed here,
 * rather than libcups's per-thread default connection (CUPS_HTTP_DEFAULT):
 * "CUPS does not answer" is then told apart from "no such printer" before
 * anything is sent, and a server thread keeps no idle connection to cupsd.
 */
#include "print.h"

#include <cups/cups.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Long enough for a busy scheduler on another host, short enough that the
 * front desk is not left waiting on a host that is gone. */
#define PRINT_CONNECT_MS 10000
#define PRINT_CHUNK 65536

/* Where libcups is talking to, as $CUPS_SERVER would say it: a socket's path,
 * or host:port. */
static void server_name(char *buf, size_t n)
{
    const char *host = cupsServer();
    if (host[0] == '/')
        snprintf(buf, n, "%s", host);
    else
        snprintf(buf, n, "%s:%d", host, ippPort());
}

/* "CUPS knows: A, B, C" (the queues, not lpoptions instances), cut short
 * with "..." to fit n, or "CUPS knows no printers". */
static void known_printers(http_t *http, char *buf, size_t n)
{
    cups_dest_t *dests = NULL;
    int ndests = cupsGetDests2(http, &dests);
    size_t used = (size_t)snprintf(buf, n, "CUPS knows: ");
    int listed = 0;
    for (int i = 0; i < ndests; i++) {
        if (dests[i].instance)
            continue;
        const char *sep = listed ? ", " : "";
        if (used + strlen(sep) + strlen(dests[i].name) + sizeof ", ..." > n) {
            snprintf(buf + used, n - used, ", ...");
            break;
        }
        used += (size_t)snprintf(buf + used, n - used, "%s%s", sep, dests[i].name);
        listed++;
    }
    cupsFreeDests(ndests, dests);
    if (!listed)
        snprintf(buf, n, "CUPS knows no printers");
}

/* CUPS's own words for what went wrong last on this thread. */
static const char *cups_why(void)
{
    const char *s = cupsLastErrorString();
    return s && *s ? s : ippErrorString(cupsLastError());
}

/* The destination: the named one, or the default; the caller frees it. */
static int find_dest(http_t *http, const char *printer, const char *server, cups_dest_t **dest,
                     mp_err *err)
{
    if ((*dest = cupsGetNamedDest(http, printer, NULL)))
        return 0;
    ipp_status_t st = cupsLastError();
    /* "Not found" (or, for the default, no answer at all) is a missing
     * printer; anything else is the scheduler failing. */
    if (st != IPP_STATUS_ERROR_NOT_FOUND && st > IPP_STATUS_OK_CONFLICTING)
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "CUPS at %s: %s", server, cups_why());
    char known[300];
    known_printers(http, known, sizeof known);
    if (printer)
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "no printer named \"%s\" (%s)", printer,
                       known);
    return err_set(err, EX_UNAVAILABLE, NULL, 0, 0,
                   "CUPS has no default printer; name one with --printer (%s)", known);
}

static int send_job(http_t *http, const char *server, const print_opts *o, const unsigned char *pdf,
                    size_t len, print_result *out, mp_err *err)
{
    cups_dest_t *dest;
    int rc = find_dest(http, o->printer, server, &dest, err);
    if (rc)
        return rc;
    snprintf(out->printer, sizeof out->printer, "%s", dest->name);
    cupsFreeDests(1, dest);

    const char *title = o->title ? o->title : "medpacket";
    cups_option_t *options = NULL;
    int noptions = 0;
    char copies[8];
    snprintf(copies, sizeof copies, "%d", o->copies);
    noptions = cupsAddOption(CUPS_COPIES, copies, noptions, &options);
    if (o->duplex)
        noptions = cupsAddOption(CUPS_SIDES, CUPS_SIDES_TWO_SIDED_PORTRAIT, noptions, &options);
    int job = cupsCreateJob(http, out->printer, title, noptions, options);
    cupsFreeOptions(noptions, options);
    if (job <= 0)
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "printer \"%s\" did not take the job: %s",
                       out->printer, cups_why());

    /* The document's name is the job's: a file name could be a patient's. */
    bool sent = cupsStartDocument(http, out->printer, job, title, CUPS_FORMAT_PDF, 1) ==
                HTTP_STATUS_CONTINUE;
    for (size_t off = 0; sent && off < len;) {
        size_t n = len - off < PRINT_CHUNK ? len - off : PRINT_CHUNK;
        sent = cupsWriteRequestData(http, (const char *)pdf + off, n) == HTTP_STATUS_CONTINUE;
        off += n;
    }
    if (sent)
        sent = cupsFinishDocument(http, out->printer) <= IPP_STATUS_OK_CONFLICTING;
    if (!sent) {
        /* Said before the cancel, which overwrites libcups's last error; a
         * job left half-sent would only wait in the queue until it timed out. */
        rc = err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "sending job %d to printer \"%s\" failed: %s",
                     job, out->printer, cups_why());
        cupsCancelJob2(http, out->printer, job, 0);
        return rc;
    }
    out->job_id = job;
    return 0;
}

int print_pdf(const print_opts *o, const unsigned char *pdf, size_t len, print_result *out,
              mp_err *err)
{
    memset(out, 0, sizeof *out);
    if (o->copies < 1 || o->copies > 99)
        return err_set(err, EX_USAGE, NULL, 0, 0, "copies must be from 1 to 99, not %d", o->copies);
    char server[300];
    server_name(server, sizeof server);
    http_t *http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(), 1,
                                PRINT_CONNECT_MS, NULL);
    if (!http)
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0,
                       "CUPS does not answer at %s (is cupsd running?)", server);
    int rc = send_job(http, server, o, pdf, len, out, err);
    httpClose(http);
    return rc;
}
