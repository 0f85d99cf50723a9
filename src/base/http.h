/*
 * http.h — one HTTP exchange with a FHIR server, through libcurl: the only
 * network medpacket makes, and only to a server the user names.
 *
 * What every exchange does the same way: http and https only (no file:,
 * no other scheme libcurl knows), certificates verified, no redirects
 * followed (a 3xx is an answer, so that a bearer token never travels to
 * another host), timeouts on connecting and on the whole exchange, and a
 * limit on the answer's size (past it the exchange stops: an answer that
 * large is not a FHIR page). Proxies are taken from the usual environment
 * (https_proxy, no_proxy), as curl itself does.
 *
 * Thread-safe: each call uses its own handle; curl_global_init runs once.
 */
#ifndef MP_HTTP_H
#define MP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

typedef struct http_req {
    const char *method;       /* "GET" or "POST" */
    const char *url;          /* http:// or https:// */
    const char *bearer;       /* Authorization: Bearer ...; NULL for none */
    const char *content_type; /* of body; NULL when there is none */
    const void *body;
    size_t body_len;
    const char *accept; /* NULL: application/fhir+json */
    size_t max_answer;  /* 0: 16 MiB */
    long timeout_s;     /* the whole exchange; 0: 30 s */
} http_req;

typedef struct http_resp {
    long status;         /* HTTP status, or 0 when none came */
    mp_buf body;         /* the answer's bytes (heap); free with buf_free */
    char location[1024]; /* the Location header, when given */
} http_resp;

/* Sends req; 0 with *resp filled whatever the HTTP status (the caller judges
 * it), or on a failed exchange EX_UNAVAILABLE (cannot connect, timed out,
 * TLS refused: "cannot reach HOST: why"), EX_PROTOCOL (an answer past
 * max_answer), EX_USAGE (not an http(s) URL) or EX_OSERR. Messages name the
 * server by scheme, host and port only: a URL's query can hold a patient's
 * name. resp->body is set (empty) even on failure. */
int http_exchange(const http_req *req, http_resp *resp, mp_err *err);
void http_resp_free(http_resp *resp);

/* "https://host:port" of url into buf (lowercased host); false when url is
 * not http(s). For comparing origins and for messages. */
bool http_origin(const char *url, char *buf, size_t n);

/* Whether url is an http:// or https:// URL (a --data that names a server,
 * not a file). */
bool http_is_url(const char *s);

#endif
