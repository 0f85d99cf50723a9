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
#include <stdint.h>
#include <sys/socket.h>

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

/* --- the token itself ---------------------------------------------------
 *
 * The token is all that keeps a listener off loopback from handing today's
 * list to anyone on the network: it is a secret of its own file (secret.h:
 * strong, in a file no one else can read, made by serve --new-token), and it
 * goes into a URL and a cookie as it is. */

/* Why token cannot go into a URL and a cookie as it is (a character other
 * than A-Z a-z 0-9 - _ . ~), or NULL. */
const char *web_token_weakness(const char *token);

/* --- wrong tokens, per client address ------------------------------------
 *
 * Guessing is slowed per address: WEB_THROTTLE_FREE wrong tokens, then the
 * address waits 1 s before its next token is even looked at, then 2 s after
 * the next wrong one, 4 s..., at most WEB_THROTTLE_MAX_WAIT_S; the server
 * answers 429 with Retry-After meanwhile instead of holding a thread. The
 * right token clears the address's count, and an address without a wrong
 * token for an hour is forgotten. The same wrong token again (a browser
 * repeating a stale cookie on every poll) teaches a guesser nothing and is
 * not counted. The table is fixed (WEB_THROTTLE_SLOTS addresses; when full,
 * the one quiet longest is forgotten): memory does not grow with an attack.
 * Not thread-safe: the caller locks. Times are the caller's clock, in ms. */
#define WEB_THROTTLE_SLOTS 256
#define WEB_THROTTLE_FREE 5
#define WEB_THROTTLE_MAX_WAIT_S 600
#define WEB_THROTTLE_FORGET_MS (3600 * 1000)

/* A client, as the table keys it: an IPv4 address (IPv4-mapped IPv6 too)
 * whole; an IPv6 address by its /64, since one machine usually holds a
 * whole /64. */
typedef struct web_addr {
    unsigned char b[16];
} web_addr;

typedef struct web_throttle_slot {
    web_addr addr;
    unsigned char last_wrong[16]; /* SHA-256 of the last wrong token, cut: never the token */
    unsigned wrong;               /* wrong tokens, repeats not counted */
    int64_t last_ms;              /* the last wrong token */
    int64_t until_ms;             /* no token from addr is looked at before */
    bool used;
} web_throttle_slot;

typedef struct web_throttle {
    web_throttle_slot slot[WEB_THROTTLE_SLOTS];
} web_throttle;

/* False for an address that is neither IPv4 nor IPv6. */
bool web_addr_of(const struct sockaddr *sa, web_addr *out);

/* Seconds (rounded up) the client must wait before a token of its is
 * looked at; 0: look at it now. */
unsigned web_throttle_wait_s(const web_throttle *t, const web_addr *from, int64_t now_ms);

/* given (not NULL) was wrong. */
void web_throttle_wrong(web_throttle *t, const web_addr *from, const char *given, int64_t now_ms);

/* The client gave the right token. */
void web_throttle_right(web_throttle *t, const web_addr *from);

/* --- request bodies ------------------------------------------------------ */

/* The JSON text s (n bytes) nests arrays and objects at most max deep,
 * strings and their escapes skipped: checked before a recursive parser
 * sees it. Says nothing else about s. */
bool web_json_depth_ok(const char *s, size_t n, unsigned max);

/* "application/json", optionally with parameters ("; charset=utf-8"). */
bool web_is_json(const char *content_type);

/* A row number: decimal digits only, 1..10^9. */
bool web_parse_row(const char *s, long *row);

#endif
