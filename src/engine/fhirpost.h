/*
 * fhirpost.h — a row's transaction Bundle, sent to a FHIR server (libcurl),
 * and the server's answer read (jansson): the DocumentReference's id, or why
 * it was refused in the server's own words (its OperationOutcome).
 *
 * The one HTTP client of the engine, kept out of batch.c: the command line
 * gives batch a hook that calls it (fhirout.h), so that the engine's
 * pipeline knows nothing of HTTP. It is in engine/ rather than base/ since
 * all it knows is FHIR's: a transaction's answer, an OperationOutcome.
 *
 * What it does not do, on purpose: follow a redirect (a POST that a server
 * turns into a GET somewhere else files nothing; the message names the URL
 * to give instead), use a proxy from the environment (patient data goes
 * where --fhir-post says, and nowhere else), skip TLS verification, or send
 * patient data over plain HTTP to another machine (fhirpost_url_problem).
 * Timeouts: 10 s to connect, 120 s for the whole exchange.
 *
 * Not thread-safe: one per thread (batch files rows on one thread).
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
 * sending token as "Authorization: Bearer" when not NULL. The connection is
 * kept between posts. 0, or EX_OSERR. */
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
 *     connection, a timeout, TLS refused) or says it is down (502, 503,
 *     504): "cannot reach the FHIR server at URL: ...";
 *   EX_DATAERR: refused, "the FHIR server refused the DocumentReference
 *     (HTTP 422): " and its OperationOutcome's diagnostics or details;
 *     res->stop when no row can pass (a redirect, 401, 403, 404, 405);
 *   EX_PROTOCOL, res->stop: an answer that is not a transaction-response
 *     naming a DocumentReference (the URL is not a FHIR server's base);
 *   EX_OSERR: out of memory.
 * The server's words are cut to a few hundred bytes, without control
 * characters. */
int fhirpost_transaction(fhirpost *p, const char *json, size_t len, fhirpost_result *res,
                         mp_err *err);

#endif
