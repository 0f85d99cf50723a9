/*
 * fhirpost.h — a row's transaction Bundle, sent to a FHIR server, and the
 * server's answer read (jansson): the DocumentReference's id, or why it was
 * refused in the server's own words (its OperationOutcome).
 *
 * The exchange itself is base/http.h's, the one HTTP client medpacket has
 * (libcurl; serve reads its FHIR lists through it too): http and https
 * only, certificates verified, no redirect followed (a POST that a server
 * turns into a GET somewhere else files nothing, and the token stays with
 * the server named; the message names the URL to give instead), a timeout
 * (here 120 s for a transaction, which carries a PDF). What this module
 * adds is FHIR's: the base URL checked (no patient data over plain HTTP to
 * another machine), the transaction-response and OperationOutcome read,
 * and which failures no later row would escape. batch.c knows nothing of
 * it: the command line gives batch a hook that files each row (fhirout.h).
 */
#ifndef MP_FHIRPOST_H
#define MP_FHIRPOST_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

typedef struct fhirpost fhirpost;

/* Why url cannot be the base of a FHIR server to post to, in words for
 * the operator ("--fhir-post sends patient data: give an https:// URL (http://
 * only to this machine)"), or NULL: an https:// URL, or http:// to
 * 127.0.0.1, [::1] or localhost; no user name or password in it (the token
 * goes in a file), no query or fragment. */
const char *fhirpost_url_problem(const char *url);

/* A client for the server at base_url (checked with fhirpost_url_problem),
 * sending token as "Authorization: Bearer" when not NULL. 0, or EX_OSERR. */
int fhirpost_open(const char *base_url, const char *token, fhirpost **out, mp_err *err);
void fhirpost_close(fhirpost *p);

typedef struct fhirpost_result {
    int http_status; /* 0 when no answer came */
    /* 201 Created; false when the server had it already (200 OK: the
     * entry's ifNoneExist found it). */
    bool created;
    char id[160]; /* "DocumentReference/123", from the entry's response.location */
    /* A failure no later row would escape (the server is down; the URL or
     * the token is wrong): a batch stops at it. */
    bool stop;
} fhirpost_result;

/* POSTs the transaction Bundle json[0..len) to the base URL. 0 with *res
 * set, or:
 *   EX_UNAVAILABLE, res->stop: the server cannot be reached (no
 *     connection, a timeout, TLS refused: http.h's "cannot reach ORIGIN:
 *     ...") or says it is down (502, 503, 504);
 *   EX_DATAERR: refused, "the FHIR server refused the DocumentReference
 *     (HTTP 422): " and its OperationOutcome's diagnostics or details;
 *     res->stop when no row can pass (a redirect, 401, 403, 404, 405);
 *   EX_PROTOCOL, res->stop: an answer that is not a transaction-response
 *     naming a DocumentReference (the URL is not a FHIR server's base), or
 *     over 16 MiB;
 *   EX_OSERR: out of memory.
 * The server's words are cut to a few hundred bytes, without control
 * characters. */
int fhirpost_transaction(fhirpost *p, const char *json, size_t len, fhirpost_result *res,
                         mp_err *err);

#endif
