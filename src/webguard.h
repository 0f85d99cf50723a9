/*
 * webguard.h — the front-desk server's checks on a request, as pure
 * functions over strings so that each rule is unit-tested without a socket.
 *
 * The threat they answer: the server runs on a desk computer that also
 * browses the web. A page from anywhere can make the browser send requests
 * to 127.0.0.1 (cross-site requests) or resolve its own name to 127.0.0.1
 * (DNS rebinding). Checking Host against the server's own names, Origin
 * against Host, and requiring JSON for every state change closes both.
 */
#ifndef MP_WEBGUARD_H
#define MP_WEBGUARD_H

#include <stdbool.h>
#include <stddef.h>

/* "ADDR:PORT", "[V6]:PORT" or "localhost:PORT" into host (without
 * brackets) and port. False when malformed or host does not fit. */
bool web_parse_listen(const char *s, char *host, size_t host_size, unsigned *port);

/* True for 127.0.0.0/8, ::1 and "localhost". */
bool web_is_loopback(const char *host);

/* True for 0.0.0.0 and :: (every address of the machine). */
bool web_is_wildcard(const char *host);

/* Host header value matches one of allowed[] ("127.0.0.1:8470"), ignoring
 * ASCII case. A missing Host (NULL) never matches. */
bool web_host_ok(const char *host, const char *const *allowed, size_t nallowed);

/* No Origin (a script, curl) or scheme ("http" or "https") + "://" + host
 * exactly. */
bool web_origin_ok(const char *origin, const char *scheme, const char *host);

/* given equals token, compared in time that does not depend on where they
 * first differ. NULL given never matches. */
bool web_token_ok(const char *given, const char *token);

/* The token of an "Authorization: Bearer TOKEN" header, or NULL. */
const char *web_bearer(const char *authorization);

/* "application/json", optionally with parameters ("; charset=utf-8"). */
bool web_is_json(const char *content_type);

/* A row number: decimal digits only, 1..10^9. */
bool web_parse_row(const char *s, long *row);

#endif
