/*
 * serve.c — see serve.h: the daemon (libmicrohttpd's setup, start and
 * stop), the reaper of slow connections, the checks every request passes
 * (header size, Host, Origin, token, method, body size), the replies, and
 * the dispatch to the route handlers of routes.c. The routes are documented
 * in docs/serve-api.md.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "json.h"
#include "routes.h"
#include "serve_internal.h"
#include "web_assets.h"
#include "webguard.h"

#define MAX_HEADERS 64u /* browsers send about 15 */
/* The header fields' size, each counted as sent (name, ": ", value, CRLF).
 * Browsers send a few KiB; 64 KiB is a broken client or an attack. */
#define MAX_HEADER_BYTES (64u * 1024u)
/* libmicrohttpd keeps a request's header in the connection's memory pool
 * and, when it outgrows the pool, answers 431 itself with an HTML page and
 * no Cache-Control (0.9.75 has no hook for that answer). So the pool is
 * four times MAX_HEADER_BYTES: header fields from 64 KiB to about 250 KiB
 * (to about 124 KiB when most of it is a Cookie, which libmicrohttpd copies
 * to parse) reach guard(), which answers with the API's JSON 431; only a
 * larger header still gets libmicrohttpd's page. The pool is reserved per
 * connection but touched only as far as a request fills it: 64 idle
 * connections cost little, 64 full ones 16 MiB. */
#define CONNECTION_MEMORY (4u * MAX_HEADER_BYTES)
/* Slow clients (slowloris): libmicrohttpd's idle timeout restarts on every
 * byte, so a byte every few seconds would hold a connection for ever, and
 * MAX_CONNECTIONS of them lock every desk out. A request must arrive whole
 * (headers and body) within REQUEST_DEADLINE_MS of the connection being
 * accepted, or of the previous answer on it; past that, the reaper thread
 * shuts the socket down, whatever trickled in. */
#define MAX_CONNECTIONS 64u
#define MAX_PER_ADDRESS 16u /* off loopback; a browser opens up to 6 */
#define REQUEST_DEADLINE_MS 10000
#define REAP_EVERY_MS 250

/* A connection, from accept to close (the socket context of
 * MHD_OPTION_NOTIFY_CONNECTION). Guarded by server.conns_mu. */
struct conn {
    struct conn *prev, *next;
    int fd;
    int64_t deadline_ms; /* 0 while a request that arrived whole is answered */
    bool answered_one;   /* it sent a whole request once: an idle browser, not a slow one */
    bool shut;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- connections and slow clients --------------------------------------- */

static conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The request on c arrived whole: answering it has no deadline (a render
 * may wait RENDER_WAIT_S for a slot). */
static void conn_received(server *s, struct MHD_Connection *c)
{
    conn *cn = conn_of(c);
    if (!cn)
        return;
    pthread_mutex_lock(&s->conns_mu);
    cn->deadline_ms = 0;
    cn->answered_one = true;
    pthread_mutex_unlock(&s->conns_mu);
}

/* The answer is sent: the next request on the connection (a browser keeps
 * it open) has a deadline of its own. */
static void conn_idle(server *s, struct MHD_Connection *c)
{
    conn *cn = conn_of(c);
    if (!cn)
        return;
    pthread_mutex_lock(&s->conns_mu);
    cn->deadline_ms = mono_ms() + REQUEST_DEADLINE_MS;
    pthread_mutex_unlock(&s->conns_mu);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci)
            return;
        conn *cn = calloc(1, sizeof *cn);
        if (!cn) {
            /* Without a deadline it could be held for ever: not served. */
            shutdown(ci->connect_fd, SHUT_RDWR);
            return;
        }
        cn->fd = ci->connect_fd;
        cn->deadline_ms = mono_ms() + REQUEST_DEADLINE_MS;
        pthread_mutex_lock(&s->conns_mu);
        cn->next = s->conns;
        if (s->conns)
            s->conns->prev = cn;
        s->conns = cn;
        pthread_mutex_unlock(&s->conns_mu);
        *socket_context = cn;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        conn *cn = *socket_context;
        pthread_mutex_lock(&s->conns_mu);
        if (cn->prev)
            cn->prev->next = cn->next;
        else
            s->conns = cn->next;
        if (cn->next)
            cn->next->prev = cn->prev;
        pthread_mutex_unlock(&s->conns_mu);
        free(cn);
        *socket_context = NULL;
    }
}

/* The reaper: every REAP_EVERY_MS, shuts down the sockets past their
 * deadline. It is safe to touch the socket from this thread: under
 * conns_mu the connection is still in the list, and libmicrohttpd closes a
 * socket only after NOTIFY_CLOSED, which takes conns_mu first, so the
 * number cannot have been reused. shutdown() wakes the connection's thread,
 * which reads the end of the stream and closes the connection itself. */
static void *reap(void *arg)
{
    server *s = arg;
    pthread_mutex_lock(&s->conns_mu);
    while (!s->stopping) {
        int64_t now = mono_ms();
        unsigned slow = 0;
        for (conn *cn = s->conns; cn; cn = cn->next) {
            if (cn->shut || !cn->deadline_ms || now < cn->deadline_ms)
                continue;
            shutdown(cn->fd, SHUT_RDWR);
            cn->shut = true;
            slow += !cn->answered_one; /* an idle browser connection is routine */
        }
        if (slow && s->cfg.log) {
            pthread_mutex_unlock(&s->conns_mu);
            fprintf(s->cfg.log,
                    "%sserve: closed %u connection%s that sent no whole request within %d s\n",
                    serve_log_prefix(s, LOG_NOTICE), slow, slow == 1 ? "" : "s",
                    REQUEST_DEADLINE_MS / 1000);
            pthread_mutex_lock(&s->conns_mu);
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += REAP_EVERY_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!s->stopping)
            pthread_cond_timedwait(&s->reaper_wake, &s->conns_mu, &until);
    }
    pthread_mutex_unlock(&s->conns_mu);
    return NULL;
}

/* --- replies ------------------------------------------------------------ */

/* An id or version as the log writes it: letters, digits, "-", "_" and "."
 * as they are (all an id may hold), any other byte as %XX, so that a version
 * with a space, a comma or a colon in it cannot split or mislead the line. */
static void log_word(mp_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.')
            buf_putc(b, (char)*p);
        else
            buf_putf(b, "%%%02X", *p);
    }
}

/* " forms=ID@VERSION:WORDING,..." for the packet printed: each form in
 * packet order with its whole wording fingerprint, so that a preview or a
 * print is traced to the wording approved (what batch's manifest and render
 * --json record as JSON). One word, split at "," then "@" and ":". */
static void log_forms(mp_buf *b, const packet *p)
{
    buf_puts(b, " forms=");
    for (size_t i = 0; i < p->nentries; i++) {
        const form *f = p->entries[i].form;
        if (i)
            buf_putc(b, ',');
        log_word(b, f->id.s);
        buf_putc(b, '@');
        log_word(b, f->version.s);
        buf_putc(b, ':');
        buf_puts(b, f->fingerprint);
    }
}

const char *serve_log_prefix(const server *s, int priority)
{
    return s->cfg.log_priority ? journal_prefix(priority) : "";
}

void serve_log_line(server *s, const char *method, const request *r, unsigned status)
{
    if (!s->cfg.log)
        return;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms =
        (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
    char row[32] = "";
    if (r->row > 0)
        snprintf(row, sizeof row, " row=%ld", r->row);
    mp_buf forms;
    buf_init(&forms, NULL);
    if (r->printed)
        log_forms(&forms, r->printed);
    const char *printed = buf_str(&forms);
    /* One fprintf per line: stdio locks the stream, so lines never interleave. */
    /* A 5xx is the server's or CUPS's failure (a print that did not go):
     * an error to whoever reads the journal; a 4xx the client's. */
    int priority = status >= 500 ? LOG_ERR : status >= 400 ? LOG_NOTICE : LOG_INFO;
    fprintf(s->cfg.log, "%sserve: %s %s %u%s %.1f ms%s%s%s\n", serve_log_prefix(s, priority),
            method, r->route, status, row, ms, printed ? printed : " forms=(out of memory)",
            r->why ? ": " : "", r->why ? r->why : "");
    buf_free(&forms);
}

/* The headers every answer carries: nothing patient-related is cached, the
 * page can only load its own files, and no other site can frame it. */
void serve_common_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "SAMEORIGIN");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' blob: data:; "
                            "frame-src 'self' blob:; object-src 'self' blob:; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'self'");
}

/* Queues a response that takes ownership of buf (malloc'd) or, when
 * persistent, points at static data. */
enum MHD_Result serve_reply(server *s, struct MHD_Connection *c, const char *method, request *r,
                            unsigned status, const char *type, void *buf, size_t len,
                            bool persistent, const char *extra_name, const char *extra_value)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, buf, persistent ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        if (!persistent)
            free(buf);
        return MHD_NO;
    }
    serve_common_headers(resp);
    if (type)
        MHD_add_response_header(resp, "Content-Type", type);
    if (extra_name)
        MHD_add_response_header(resp, extra_name, extra_value);
    conn_received(s, c); /* answered early (a 4xx): no deadline while it is sent */
    r->answered = true;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    serve_log_line(s, method, r, status);
    return ret;
}

void serve_json_init(jreply *j)
{
    buf_init(&j->b, NULL);
    json_init(&j->w, &j->b);
    j->w.spaced = true;
}

bool serve_json_end(jreply *j)
{
    buf_putc(&j->b, '\n');
    return json_ok(&j->w);
}

/* j's document, with a header more (extra_name may be NULL). */
static enum MHD_Result reply_json(server *s, struct MHD_Connection *c, const char *method,
                                  request *r, unsigned status, jreply *j, const char *extra_name,
                                  const char *extra_value)
{
    bool whole = serve_json_end(j);
    char *doc = j->b.data;
    size_t len = j->b.len;
    buf_init(&j->b, NULL); /* the bytes are the answer's now, or freed here */
    if (!whole) {
        free(doc);
        return MHD_NO;
    }
    return serve_reply(s, c, method, r, status, "application/json; charset=utf-8", doc, len, false,
                       extra_name, extra_value);
}

enum MHD_Result serve_reply_json(server *s, struct MHD_Connection *c, const char *method,
                                 request *r, unsigned status, jreply *j)
{
    return reply_json(s, c, method, r, status, j, NULL, NULL);
}

enum MHD_Result serve_reply_error_extra(server *s, struct MHD_Connection *c, const char *method,
                                        request *r, unsigned status, const char *msg,
                                        const char *extra_name, const char *extra_value)
{
    jreply j;
    serve_json_init(&j);
    json_begin_object(&j.w);
    json_key(&j.w, "error");
    json_put_str(&j.w, msg);
    json_end_object(&j.w);
    return reply_json(s, c, method, r, status, &j, extra_name, extra_value);
}

enum MHD_Result serve_reply_error(server *s, struct MHD_Connection *c, const char *method,
                                  request *r, unsigned status, const char *msg)
{
    return serve_reply_error_extra(s, c, method, r, status, msg, NULL, NULL);
}

/* --- the request handler ------------------------------------------------- */

typedef struct header_count {
    unsigned fields;
    size_t bytes; /* as sent: name, ": ", value and CRLF each */
} header_count;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    size_t key_size, const char *value, size_t value_size)
{
    (void)kind, (void)key, (void)value;
    header_count *n = cls;
    n->fields++;
    n->bytes += key_size + value_size + 4;
    return MHD_YES;
}

/* Whether the token is right, counting a wrong one against the client's
 * address (webguard.h: guessing is slowed per address). Returns 0, or the
 * status to answer with: 401, or 429 with *retry_after_s while the address
 * must wait (its token is not even looked at then). */
static unsigned check_token(server *s, struct MHD_Connection *c, const char *url,
                            unsigned *retry_after_s)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    web_addr from;
    bool known = ci && ci->client_addr && web_addr_of(ci->client_addr, &from);
    int64_t now = mono_ms();
    if (known) {
        pthread_mutex_lock(&s->throttle_mu);
        *retry_after_s = web_throttle_wait_s(&s->throttle, &from, now);
        pthread_mutex_unlock(&s->throttle_mu);
        if (*retry_after_s)
            return 429;
    }
    const char *given =
        web_bearer(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
    /* The page opened as /?token=T (dispatch turns it into the cookie):
     * before the cookie, which may be an old token's. */
    if (!given && strcmp(url, "/") == 0)
        given = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    if (!given)
        given = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "mp_token");
    bool right = web_token_ok(given, s->cfg.token);
    /* No token at all is not a guess: a browser opening the bare address. */
    if (known && (right || (given && *given))) {
        pthread_mutex_lock(&s->throttle_mu);
        if (right)
            web_throttle_right(&s->throttle, &from);
        else
            web_throttle_wrong(&s->throttle, &from, given, now);
        pthread_mutex_unlock(&s->throttle_mu);
    }
    return right ? 0 : 401;
}

/* Host, token and Origin: checked before anything else, on every request.
 * Returns 0, or the status to answer with (and *msg; for 429, msg is
 * written into msgbuf and *retry_after_s set). */
static unsigned guard(server *s, struct MHD_Connection *c, const char *url, const char **msg,
                      char *msgbuf, size_t msgsize, unsigned *retry_after_s)
{
    header_count n = {0, 0};
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, count_header, &n);
    if (n.fields > MAX_HEADERS) {
        *msg = "too many header fields";
        return 431;
    }
    if (n.bytes > MAX_HEADER_BYTES) {
        *msg = "the request's header fields are larger than 64 KiB";
        return 431;
    }
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!web_host_ok(host, (const char *const *)s->hosts, s->nhosts)) {
        *msg = "this server answers to its own address only";
        return 403;
    }
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!web_origin_ok(origin, s->cfg.tls_cert ? "https" : "http", host)) {
        *msg = "requests from other sites are refused";
        return 403;
    }
    unsigned st = s->cfg.token ? check_token(s, c, url, retry_after_s) : 0;
    if (st == 429) {
        snprintf(msgbuf, msgsize, "too many wrong tokens from this address: try again in %u s",
                 *retry_after_s);
        *msg = msgbuf;
    } else if (st) {
        *msg = "open the address with ?token=... once (see --token-file)";
    }
    return st;
}

typedef enum { R_STATIC, R_CONFIG, R_PATIENTS, R_PREVIEW, R_PRINT, R_WALKIN, R_UNKNOWN } route_id;

static route_id route_of(const char *url, const char **name)
{
    static const struct {
        const char *path;
        route_id id;
    } routes[] = {
        {"/api/config", R_CONFIG}, {"/api/patients", R_PATIENTS}, {"/api/preview", R_PREVIEW},
        {"/api/print", R_PRINT},   {"/api/walkin", R_WALKIN},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(url, routes[i].path) == 0) {
            *name = routes[i].path;
            return routes[i].id;
        }
    const web_asset *as = web_asset_find(url);
    if (as) {
        *name = as->path;
        return R_STATIC;
    }
    *name = "(other)";
    return R_UNKNOWN;
}

static enum MHD_Result dispatch(server *s, struct MHD_Connection *c, const char *url, const char *m,
                                request *r)
{
    conn_received(s, c);
    const char *name;
    route_id id = route_of(url, &name);
    bool post = strcmp(m, "POST") == 0;
    bool wants_post = id == R_PRINT || id == R_WALKIN;
    if (id == R_UNKNOWN)
        return serve_reply_error(s, c, m, r, 404, "not found");
    if (post != wants_post)
        return serve_reply_error_extra(
            s, c, m, r, 405, wants_post ? "this route changes something: POST only" : "GET only",
            "Allow", wants_post ? "POST" : "GET, HEAD");
    switch (id) {
    case R_STATIC:
        return routes_static(s, c, url, m, r);
    case R_CONFIG:
        return routes_config(s, c, m, r);
    case R_PATIENTS:
        return routes_patients(s, c, m, r);
    case R_PREVIEW:
        return routes_preview(s, c, m, r);
    case R_PRINT:
        return routes_print(s, c, m, r);
    case R_WALKIN:
        return routes_walkin(s, c, m, r);
    case R_UNKNOWN:
        break;
    }
    return MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **ctx)
{
    (void)version;
    server *s = cls;
    request *r = *ctx;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        buf_init(&r->body, NULL);
        *ctx = r;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        route_of(url, &r->route);
        /* Once stopping, a request on a connection still open (a browser
         * keeps them) is turned away, so that those being answered are the
         * only ones the stop waits for. */
        pthread_mutex_lock(&s->conns_mu);
        bool draining = s->draining;
        r->counted = !draining;
        s->active += !draining;
        pthread_mutex_unlock(&s->conns_mu);
        if (draining)
            return serve_reply_error_extra(s, c, method, r, 503, "the server is stopping",
                                           "Connection", "close");
        const char *msg;
        char msgbuf[128], retry[16];
        unsigned wait_s = 0;
        unsigned st = guard(s, c, url, &msg, msgbuf, sizeof msgbuf, &wait_s);
        if (st == 429) {
            snprintf(retry, sizeof retry, "%u", wait_s);
            return serve_reply_error_extra(s, c, method, r, st, msg, "Retry-After", retry);
        }
        if (st)
            return serve_reply_error(s, c, method, r, st, msg);
        r->is_post = strcmp(method, "POST") == 0;
        if (!r->is_post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return serve_reply_error_extra(s, c, method, r, 405, "method not allowed", "Allow",
                                           "GET, HEAD, POST");
        if (!r->is_post)
            return dispatch(s, c, url, method, r);
        const char *type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        const char *clen =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* An HTML form cannot send JSON: this also stops cross-site posts
         * from browsers that send no Origin. */
        if (!web_is_json(type))
            return serve_reply_error(s, c, method, r, 415, "send Content-Type: application/json");
        if (clen && strtoull(clen, NULL, 10) > MAX_BODY)
            return serve_reply_error(s, c, method, r, 413, "the request body is too large");
        return MHD_YES; /* the body follows */
    }
    if (r->answered) {
        *upload_size = 0; /* answered already: drop the rest */
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        /* Too large without a Content-Length that said so (chunked): read
         * and drop the rest, up to a point, so that the 413 can be sent
         * once the request is complete; past that, close. */
        if (r->too_big || r->body.len + n > MAX_BODY) {
            r->too_big = true;
            r->dropped += n;
            return r->dropped > 64 * MAX_BODY ? MHD_NO : MHD_YES;
        }
        buf_put(&r->body, upload, n);
        return r->body.oom ? MHD_NO : MHD_YES;
    }
    if (r->too_big)
        return serve_reply_error(s, c, method, r, 413, "the request body is too large");
    return dispatch(s, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    server *s = cls;
    conn_idle(s, c);
    request *r = *ctx;
    if (r && r->counted) {
        pthread_mutex_lock(&s->conns_mu);
        if (--s->active == 0)
            pthread_cond_broadcast(&s->idle);
        pthread_mutex_unlock(&s->conns_mu);
    }
    if (r) {
        buf_free(&r->body);
        free(r);
        *ctx = NULL;
    }
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    server *s = cls;
    if (!s->cfg.log)
        return;
    /* libmicrohttpd's own messages are about sockets and limits, never
     * about request contents. */
    char line[256];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    fprintf(s->cfg.log, "%sserve: %s\n", serve_log_prefix(s, LOG_WARNING), line);
}

/* --- start and stop ------------------------------------------------------ */

static int add_host(server *s, const char *host, unsigned port)
{
    char **grown = realloc(s->hosts, (s->nhosts + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->hosts = grown;
    size_t n = strlen(host) + 16;
    char *h = malloc(n);
    if (!h)
        return -1;
    if (strchr(host, ':'))
        snprintf(h, n, "[%s]:%u", host, port);
    else
        snprintf(h, n, "%s:%u", host, port);
    s->hosts[s->nhosts++] = h;
    return 0;
}

int serve_start(const serve_config *cfg, server **out, mp_err *err)
{
    server *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    int fd = -1, rc;
    s->cfg = *cfg;
    pthread_mutex_init(&s->conns_mu, NULL);
    pthread_mutex_init(&s->throttle_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->reaper_wake, &ca);
    pthread_cond_init(&s->idle, &ca);
    pthread_condattr_destroy(&ca);
    s->quiesced_fd = -1;
    if (!s->cfg.threads)
        s->cfg.threads = 4;
    if (!s->cfg.max_renders)
        s->cfg.max_renders = 2;
    sem_init(&s->renders, 0, s->cfg.max_renders);
    if (routes_prepare(s)) {
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        goto fail;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    bool v6 = strchr(cfg->host, ':') != NULL;
    const char *numeric = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;
    int parsed;
    if (v6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        parsed = inet_pton(AF_INET6, numeric, &a6->sin6_addr);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
        parsed = inet_pton(AF_INET, numeric, &a4->sin_addr);
    }
    if (parsed != 1) {
        rc = err_set(err, EX_USAGE, NULL, 0, 0, "--listen: %s is not an IP address", cfg->host);
        goto fail;
    }
    /* The socket is bound here, before the daemon starts, so that the port
     * (0: any free one) and with it the Host names below are known before
     * the first request can arrive: the request threads only read them. */
    socklen_t sslen = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
        int e = errno;
        rc = err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "cannot listen on %s:%u: %s", cfg->host,
                     cfg->port, strerror(e));
        goto fail;
    }
    s->port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    /* The names this server answers to (the Host header): its own address,
     * the loopback names when it listens there, and --allow-host names. */
    int bad = 0;
    if (!web_is_wildcard(cfg->host))
        bad |= add_host(s, cfg->host, s->port);
    if (web_is_loopback(cfg->host) || web_is_wildcard(cfg->host)) {
        bad |= add_host(s, "127.0.0.1", s->port);
        bad |= add_host(s, "localhost", s->port);
        bad |= add_host(s, "::1", s->port);
    }
    for (size_t i = 0; i < cfg->nallow_hosts; i++)
        bad |= add_host(s, cfg->allow_hosts[i], s->port);
    if (bad) {
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        goto fail;
    }
    bool tls = cfg->tls_cert && cfg->tls_key;
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        rc = err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "this libmicrohttpd was built without TLS");
        goto fail;
    }
    /* MHD_USE_ITC: MHD_quiesce_daemon needs it (serve_shutdown). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC | (v6 ? MHD_USE_IPv6 : 0) | (tls ? MHD_USE_TLS : 0);
    /* On loopback every desk is 127.0.0.1: no limit per address there. The
     * idle timeout (15 s without a byte) still ends an answer that is not
     * being read. Without TLS the two certificate options are skipped: the
     * list ends at the first MHD_OPTION_END. */
    unsigned per_address = web_is_loopback(cfg->host) ? 0 : MAX_PER_ADDRESS;
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, s,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)s->cfg.threads,
        MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        per_address, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)15,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, cfg->tls_key, MHD_OPTION_HTTPS_MEM_CERT,
        cfg->tls_cert, MHD_OPTION_END);
    if (!s->d) {
        rc = err_set(err, tls ? EX_CONFIG : EX_OSERR, NULL, 0, 0,
                     tls ? "cannot start the HTTPS server (is the key the certificate's?)"
                         : "cannot start the HTTP server");
        goto fail;
    }
    fd = -1; /* the daemon's now: MHD_stop_daemon closes it */
    int e = pthread_create(&s->reaper, NULL, reap, s);
    if (e) {
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "cannot start a thread: %s", strerror(e));
        goto fail;
    }
    s->reaper_running = true;
    *out = s;
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    serve_stop(s);
    return rc;
}

unsigned serve_port(const server *s)
{
    return s->port;
}

unsigned serve_shutdown(server *s, unsigned grace_s)
{
    if (!s)
        return 0;
    /* libmicrohttpd hands the listening socket back; it is closed only
     * after MHD_stop_daemon, as its threads may still be looking at it. */
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET) {
        s->quiesced_fd = fd;
        /* No longer listening (Linux): a new connection is refused at once
         * rather than left in the backlog, unanswered, until the end. */
        shutdown(fd, SHUT_RDWR);
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += grace_s;
    /* The reaper still runs: a request trickling in its body is closed
     * within REQUEST_DEADLINE_MS, and so stops being waited for. */
    pthread_mutex_lock(&s->conns_mu);
    s->draining = true;
    while (s->active && pthread_cond_timedwait(&s->idle, &s->conns_mu, &until) != ETIMEDOUT)
        ;
    unsigned left = s->active;
    pthread_mutex_unlock(&s->conns_mu);
    serve_stop(s);
    return left;
}

void serve_stop(server *s)
{
    if (!s)
        return;
    if (s->reaper_running) {
        pthread_mutex_lock(&s->conns_mu);
        s->stopping = true;
        pthread_cond_signal(&s->reaper_wake);
        pthread_mutex_unlock(&s->conns_mu);
        pthread_join(s->reaper, NULL);
    }
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->quiesced_fd >= 0)
        close(s->quiesced_fd);
    for (size_t i = 0; i < s->nhosts; i++)
        free(s->hosts[i]);
    free(s->hosts);
    routes_free(s);
    sem_destroy(&s->renders);
    pthread_cond_destroy(&s->reaper_wake);
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->throttle_mu);
    pthread_mutex_destroy(&s->conns_mu);
    free(s);
}
