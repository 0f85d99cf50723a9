/*
 * print.c — see print.h. One connection per job, opened here and closed here,
 * rather than libcups's per-thread default connection (CUPS_HTTP_DEFAULT):
 * "CUPS does not answer" is then told apart from "no such printer" before
 * anything is sent, and a server thread keeps no idle connection to cupsd.
 */
#include "print.h"

#include <cups/cups.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* Where the job's bytes come from: memory, or an open file read in chunks
 * (a day's merged PDF can be hundreds of megabytes). */
typedef struct source {
    const unsigned char *pdf;
    size_t len;
    int fd; /* >= 0: read from here instead */
} source;

/* Sends the document's bytes; false on a failure (libcups's last error, or
 * *read_errno for a read error). */
static bool send_data(http_t *http, const source *src, int *read_errno)
{
    if (src->fd < 0) {
        for (size_t off = 0; off < src->len;) {
            size_t n = src->len - off < PRINT_CHUNK ? src->len - off : PRINT_CHUNK;
            if (cupsWriteRequestData(http, (const char *)src->pdf + off, n) != HTTP_STATUS_CONTINUE)
                return false;
            off += n;
        }
        return true;
    }
    char buf[PRINT_CHUNK];
    for (;;) {
        ssize_t n = read(src->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *read_errno = errno;
            return false;
        }
        if (n == 0)
            return true;
        if (cupsWriteRequestData(http, buf, (size_t)n) != HTTP_STATUS_CONTINUE)
            return false;
    }
}

/* "medpacket tpi-packet row 4" -> "medpacket-tpi-packet-row-4.pdf": letters,
 * digits, '.', '_' and '-' only, so that no byte reaches cupsd that it might
 * parse as a separator or mishandle. */
static void document_name(const char *title, char *buf, size_t n)
{
    size_t i = 0;
    for (; title[i] && i + sizeof ".pdf" < n; i++) {
        unsigned char c = (unsigned char)title[i];
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
        buf[i] = safe ? (char)c : '-';
    }
    snprintf(buf + i, n - i, ".pdf");
}

static int send_job(http_t *http, const char *server, const print_opts *o, const source *src,
                    print_result *out, mp_err *err)
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

    /* The document's name comes from the job's, not from a file name, which
     * could be a patient's; and it holds no space: today's cupsd (2.4.2-3+deb12u10)
     * dies of a segmentation fault on a document-name with a space in it,
     * taking every queue of the clinic down with it. */
    char docname[128];
    document_name(title, docname, sizeof docname);
    int read_errno = 0;
    bool sent = cupsStartDocument(http, out->printer, job, docname, CUPS_FORMAT_PDF, 1) ==
                HTTP_STATUS_CONTINUE;
    if (sent)
        sent = send_data(http, src, &read_errno);
    if (sent)
        sent = cupsFinishDocument(http, out->printer) <= IPP_STATUS_OK_CONFLICTING;
    if (!sent) {
        /* Said before the cancel, which overwrites libcups's last error; a
         * job left half-sent would only wait in the queue until it timed out. */
        rc = read_errno
                 ? err_set(err, EX_IOERR, NULL, 0, 0, "reading the PDF for job %d failed: %s", job,
                           strerror(read_errno))
                 : err_set(err, EX_UNAVAILABLE, NULL, 0, 0,
                           "sending job %d to printer \"%s\" failed: %s", job, out->printer,
                           cups_why());
        cupsCancelJob2(http, out->printer, job, 0);
        return rc;
    }
    out->job_id = job;
    return 0;
}

static int print_source(const print_opts *o, const source *src, print_result *out, mp_err *err)
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
    int rc = send_job(http, server, o, src, out, err);
    httpClose(http);
    return rc;
}

int print_pdf(const print_opts *o, const unsigned char *pdf, size_t len, print_result *out,
              mp_err *err)
{
    source src = {.pdf = pdf, .len = len, .fd = -1};
    return print_source(o, &src, out, err);
}

int print_pdf_fd(const print_opts *o, int fd, print_result *out, mp_err *err)
{
    source src = {.fd = fd};
    return print_source(o, &src, out, err);
}
