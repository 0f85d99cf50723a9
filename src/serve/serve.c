/*
 * serve.c — see serve.h. The routes are documented in docs/serve-api.md.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
/* jansson reads request bodies; its json_string() (a constructor this file
 * never calls) has the name of json.h's writer, which answers them. */
#define json_string jansson_json_string
#include <jansson.h>
#undef json_string
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "date.h"
#include "json.h"
#include "msg.h"
#include "print.h"
#include "web_assets.h"
#include "webguard.h"

#define MAX_BODY (16u * 1024u) /* a walk-in's fields are a few hundred bytes */
#define MAX_HEADERS 64u        /* browsers send about 15 */
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
#define MAX_FIELD 200u    /* bytes in one walk-in field */
#define MAX_JSON_DEPTH 8u /* a walk-in is {"fields": {...}}: depth 2 */
#define RENDER_WAIT_S 10  /* then 503: the desk sees "busy", not a hang */
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
typedef struct conn {
    struct conn *prev, *next;
    int fd;
    int64_t deadline_ms; /* 0 while a request that arrived whole is answered */
    bool answered_one;   /* it sent a whole request once: an idle browser, not a slow one */
    bool shut;
} conn;

struct server {
    serve_config cfg;
    struct MHD_Daemon *d;
    unsigned port;
    char **hosts; /* Host values accepted, with the port */
    size_t nhosts;
    sem_t renders;
    char *config_json; /* GET /api/config: built once, the packets do not change */
    bool required[8];  /* per walk-in field: some packet cannot print without it */
    size_t config_len;
    /* needs[p][v]: bit i set when variant v of packet p cannot be laid out
     * without row_fields[i] (probe_needs), so the list can say which rows
     * lack what before anyone presses Preview. */
    unsigned **needs;
    char *offered_ids; /* "tpi-packet, other-packet": for a packets column naming others */
    /* The connections, and the thread that closes those too slow to send a
     * request; stopping ends it. */
    pthread_mutex_t conns_mu;
    pthread_cond_t reaper_wake;
    conn *conns;
    bool stopping, reaper_running;
    pthread_t reaper;
    /* Wrong tokens per client address (webguard.h). */
    pthread_mutex_t throttle_mu;
    web_throttle throttle;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One request: its body as it arrives, and what the log line needs. */
typedef struct request {
    struct timespec t0;
    const char *route; /* a known route, or "(other)": the raw path is not logged */
    long row;          /* for the log, when the request names one */
    const char *why;   /* for the log, after the time: a failure's reason, free of patient data */
    bool is_post;
    bool answered; /* a response is queued; ignore the rest of the body */
    bool too_big;  /* the body passed MAX_BODY: answered 413 at its end */
    size_t dropped;
    char *body;
    size_t len, cap;
} request;

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
                    "serve: closed %u connection%s that sent no whole request within %d s\n", slow,
                    slow == 1 ? "" : "s", REQUEST_DEADLINE_MS / 1000);
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

static void log_line(server *s, const char *method, const request *r, unsigned status)
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
    /* One fprintf per line: stdio locks the stream, so lines never interleave. */
    fprintf(s->cfg.log, "serve: %s %s %u%s %.1f ms%s%s\n", method, r->route, status, row, ms,
            r->why ? ": " : "", r->why ? r->why : "");
}

/* The headers every answer carries: nothing patient-related is cached, the
 * page can only load its own files, and no other site can frame it. */
static void common_headers(struct MHD_Response *resp)
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
static enum MHD_Result reply(server *s, struct MHD_Connection *c, const char *method, request *r,
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
    common_headers(resp);
    if (type)
        MHD_add_response_header(resp, "Content-Type", type);
    if (extra_name)
        MHD_add_response_header(resp, extra_name, extra_value);
    conn_received(s, c); /* answered early (a 4xx): no deadline while it is sent */
    r->answered = true;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    log_line(s, method, r, status);
    return ret;
}

/* A JSON document written with stdio into memory. */
typedef struct jout {
    FILE *f;
    char *buf;
    size_t len;
} jout;

static bool jopen(jout *j)
{
    j->buf = NULL;
    j->len = 0;
    j->f = open_memstream(&j->buf, &j->len);
    return j->f != NULL;
}

static enum MHD_Result reply_json(server *s, struct MHD_Connection *c, const char *method,
                                  request *r, unsigned status, jout *j)
{
    if (fclose(j->f) != 0) {
        free(j->buf);
        return MHD_NO;
    }
    return reply(s, c, method, r, status, "application/json; charset=utf-8", j->buf, j->len, false,
                 NULL, NULL);
}

static enum MHD_Result reply_error_extra(server *s, struct MHD_Connection *c, const char *method,
                                         request *r, unsigned status, const char *msg,
                                         const char *extra_name, const char *extra_value)
{
    jout j;
    if (!jopen(&j))
        return MHD_NO;
    fputs("{\"error\": ", j.f);
    json_string(j.f, msg);
    fputs("}\n", j.f);
    if (fclose(j.f) != 0) {
        free(j.buf);
        return MHD_NO;
    }
    return reply(s, c, method, r, status, "application/json; charset=utf-8", j.buf, j.len, false,
                 extra_name, extra_value);
}

static enum MHD_Result reply_error(server *s, struct MHD_Connection *c, const char *method,
                                   request *r, unsigned status, const char *msg)
{
    return reply_error_extra(s, c, method, r, status, msg, NULL, NULL);
}

/* --- the day's list and the packets ------------------------------------- */

static const serve_packet *find_packet(const server *s, const char *id)
{
    for (size_t i = 0; id && i < s->cfg.npackets; i++)
        if (strcmp(s->cfg.packets[i].id, id) == 0)
            return &s->cfg.packets[i];
    return NULL;
}

/* The packets a row is offered: offered[k] for each packet its `packets`
 * column names (ids separated by commas, semicolons or spaces), or every
 * packet when the list has no such column or it names none. Returns how
 * many of the ids it names this server does not offer. */
static size_t row_packets(const server *s, const patient *pt, bool *offered)
{
    const mp_text *f = patient_get(pt, "packets", 7);
    size_t named = 0, unknown = 0;
    for (size_t k = 0; k < s->cfg.npackets; k++)
        offered[k] = false;
    const char *p = f ? f->s : "", *end = f ? f->s + f->len : p;
    while (p < end) {
        while (p < end && (*p == ',' || *p == ';' || *p == ' '))
            p++;
        const char *w = p;
        while (p < end && *p != ',' && *p != ';' && *p != ' ')
            p++;
        size_t len = (size_t)(p - w);
        if (!len)
            continue;
        named++;
        bool known = false;
        for (size_t k = 0; k < s->cfg.npackets; k++)
            if (strlen(s->cfg.packets[k].id) == len && memcmp(s->cfg.packets[k].id, w, len) == 0)
                known = offered[k] = true;
        unknown += !known;
    }
    if (!named)
        for (size_t k = 0; k < s->cfg.npackets; k++)
            offered[k] = true;
    return unknown;
}

/* The fields of a row that a packet may print, with the made-up value each
 * has in probe_needs. */
static const struct row_field {
    const char *name, *sample;
} row_fields[] = {
    {"first_name", "Sample"},
    {"last_name", "Patient"},
    {"dob", "2000-01-01"},
    {"mrn", "X0"},
    {"appointment_date", "2000-01-01"},
    {"appointment_time", "09:30"},
    {"clinician", "Sample Clinician"},
};
#define NROW_FIELDS (sizeof row_fields / sizeof row_fields[0])
_Static_assert(NROW_FIELDS <= sizeof(unsigned) * 8, "server.needs holds a bit per row field");

/* Which variant of sp the row's packet prints in: its index. */
static size_t variant_of(const serve_packet *sp, const patient *pt)
{
    const packet *pk = render_pick(sp->variants, sp->nvariants, pt, NULL);
    for (size_t v = 0; v < sp->nvariants; v++)
        if (sp->variants[v] == pk)
            return v;
    return 0;
}

static void json_field(FILE *f, const patient *pt, const char *name)
{
    const mp_text *v = patient_get(pt, name, strlen(name));
    fprintf(f, "\"%s\": ", name);
    if (!v) {
        fputs("null", f);
        return;
    }
    /* Values are NUL-terminated copies (patient.h), so json_string can take them. */
    json_string(f, v->s);
}

/* t (Unix time) as 2026-11-25T09:30:00Z into buf[32]. */
static void iso_time(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static enum MHD_Result get_patients(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    mp_err reload;
    schedule_stale stale;
    const schedule_snap *snap = schedule_get(s->cfg.sched, &reload, &stale);
    if (reload.code && s->cfg.log)
        /* The message names the file and row, never a value (roster.h). */
        fprintf(s->cfg.log,
                "serve: the list changed but cannot be read; keeping the last one: %s\n",
                reload.msg);
    jout j;
    bool *offered = calloc(s->cfg.npackets + 1, sizeof *offered);
    if (!offered || !jopen(&j)) {
        free(offered);
        schedule_put(s->cfg.sched, snap);
        return MHD_NO;
    }
    char when[32];
    iso_time(snap->loaded_at, when);
    fputs("{\"source\": ", j.f);
    json_string(j.f, s->cfg.source_name);
    fprintf(j.f, ", \"loaded_at\": \"%s\", \"stale\": ", when);
    if (stale.since) {
        /* The page shows the list it has, saying plainly that it is old. */
        iso_time(stale.since, when);
        fprintf(j.f, "{\"since\": \"%s\", \"reason\": ", when);
        json_string(j.f, stale.why);
        fputc('}', j.f);
    } else {
        fputs("null", j.f);
    }
    fputs(", \"patients\": [", j.f);
    bool first = true;
    for (size_t i = 0; i < snap->nrows; i++) {
        const schedule_row *row = &snap->rows[i];
        if (row->problem)
            continue;
        const patient *pt = &row->patient;
        fprintf(j.f, "%s\n  {\"row\": %ld", first ? "" : ",", row->row);
        first = false;
        static const char *const shown[] = {"first_name", "last_name",        "dob",
                                            "mrn",        "appointment_date", "appointment_time",
                                            "clinician"};
        for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++) {
            fputs(", ", j.f);
            json_field(j.f, pt, shown[k]);
        }
        const char *lang = "en";
        if (s->cfg.npackets) {
            const serve_packet *sp = &s->cfg.packets[0];
            lang = render_pick(sp->variants, sp->nvariants, pt, NULL)->language;
        }
        fputs(", \"language\": ", j.f);
        json_string(j.f, lang);
        fputs(", \"packets\": [", j.f);
        size_t unknown = row_packets(s, pt, offered);
        bool pfirst = true;
        for (size_t k = 0; k < s->cfg.npackets; k++) {
            if (!offered[k])
                continue;
            fputs(pfirst ? "" : ", ", j.f);
            json_string(j.f, s->cfg.packets[k].id);
            pfirst = false;
        }
        /* Per packet, the fields it prints that the row leaves empty: the
         * page says so before anyone presses Preview (names only). */
        fputs("], \"missing\": {", j.f);
        pfirst = true;
        for (size_t k = 0; k < s->cfg.npackets; k++) {
            const serve_packet *sp = &s->cfg.packets[k];
            unsigned need = offered[k] ? s->needs[k][variant_of(sp, pt)] : 0;
            bool ffirst = true;
            for (size_t f = 0; f < NROW_FIELDS; f++) {
                if (!(need & (1u << f)) ||
                    patient_get(pt, row_fields[f].name, strlen(row_fields[f].name)))
                    continue;
                if (ffirst) {
                    fputs(pfirst ? "" : ", ", j.f);
                    json_string(j.f, sp->id);
                    fputs(": [", j.f);
                    pfirst = false;
                }
                fprintf(j.f, "%s\"%s\"", ffirst ? "" : ", ", row_fields[f].name);
                ffirst = false;
            }
            if (!ffirst)
                fputc(']', j.f);
        }
        /* A packet id the server does not offer: by row and column, not
         * repeated (a cell may hold anything). */
        fputs("}, \"problems\": [", j.f);
        if (unknown) {
            size_t n = strlen(s->offered_ids) + 96;
            char *msg = malloc(n);
            if (!msg) {
                fclose(j.f);
                free(j.buf);
                free(offered);
                schedule_put(s->cfg.sched, snap);
                return MHD_NO;
            }
            char what[32] = "a packet";
            if (unknown > 1)
                snprintf(what, sizeof what, "%zu packets", unknown);
            snprintf(msg, n, "column packets names %s this server does not offer (it offers %s)",
                     what, s->offered_ids);
            json_string(j.f, msg);
            free(msg);
        }
        fputs("]}", j.f);
    }
    fputs("\n], \"bad_rows\": [", j.f);
    first = true;
    for (size_t i = 0; i < snap->nrows; i++) {
        const schedule_row *row = &snap->rows[i];
        if (!row->problem)
            continue;
        fprintf(j.f, "%s{\"row\": %ld, \"problem\": ", first ? "" : ", ", row->row);
        json_string(j.f, row->problem);
        fputc('}', j.f);
        first = false;
    }
    fputs("]}\n", j.f);
    schedule_put(s->cfg.sched, snap);
    free(offered);
    return reply_json(s, c, m, r, 200, &j);
}

/* --- rendering and printing --------------------------------------------- */

/* Renders sp for pt with today's clock (the server runs all day: a packet
 * printed after midnight carries the new date). Waits for a render slot. */
static int render_for(server *s, const serve_packet *sp, const patient *pt, unsigned char **pdf,
                      size_t *len, int *pages, unsigned *status, mp_err *err)
{
    render_env env = *sp->env;
    int rc = date_clock(&env.now_unix, &env.today, err);
    if (rc) {
        *status = 500;
        return rc;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += RENDER_WAIT_S;
    while (sem_timedwait(&s->renders, &deadline) != 0) {
        if (errno != EINTR) {
            *status = 503;
            return err_set(err, EX_TEMPFAIL, NULL, 0, 0, "the server is busy; try again");
        }
    }
    const packet *pk = render_pick(sp->variants, sp->nvariants, pt, NULL);
    arena *a = arena_new();
    if (!a)
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    else
        rc = render_packet(pk, &env, pt, a, pdf, len, pages, err);
    arena_free(a);
    sem_post(&s->renders);
    /* A render error is the data's (a placeholder without a value, a
     * character the fonts lack): the desk can fix the row. */
    *status = rc == EX_DATAERR ? 422 : 500;
    return rc;
}

static enum MHD_Result reply_pdf(server *s, struct MHD_Connection *c, const char *m, request *r,
                                 unsigned char *pdf, size_t len)
{
    /* The file name holds no patient data: a browser may keep it in its
     * download history. */
    return reply(s, c, m, r, 200, "application/pdf", pdf, len, false, "Content-Disposition",
                 "inline; filename=\"preview.pdf\"");
}

static enum MHD_Result print_and_reply(server *s, struct MHD_Connection *c, const char *m,
                                       request *r, const serve_packet *sp, unsigned char *pdf,
                                       size_t len, int pages, const char *who)
{
    char title[160];
    snprintf(title, sizeof title, "medpacket %s %s", sp->id, who);
    print_opts po = {.printer = s->cfg.printer, .copies = 1, .title = title};
    print_result pr;
    mp_err err;
    err_clear(&err);
    int rc = print_pdf(&po, pdf, len, &pr, &err);
    free(pdf);
    if (rc) {
        /* Whoever looks into a failed print at the desk has the log: CUPS's
         * words name the printer and the server, never the job's title
         * (print.h). */
        r->why = err.msg;
        enum MHD_Result ret = reply_error(s, c, m, r, 502, err.msg);
        r->why = NULL; /* err is this frame's */
        return ret;
    }
    jout j;
    if (!jopen(&j))
        return MHD_NO;
    fprintf(j.f, "{\"job\": %d, \"printer\": ", pr.job_id);
    json_string(j.f, pr.printer);
    fprintf(j.f, ", \"pages\": %d}\n", pages);
    if (s->cfg.log)
        fprintf(s->cfg.log, "serve: printed %s job %d\n", who, pr.job_id);
    return reply_json(s, c, m, r, 200, &j);
}

/* The row is still the patient the page showed: the page sends the record
 * number it listed with the row number, and a list that changed in between
 * (row 5 is now someone else) must not print someone else's packet. */
static bool same_patient(const schedule_row *row, const char *mrn)
{
    if (!mrn)
        return true; /* a script that asks by row number alone */
    const mp_text *have = patient_get(&row->patient, "mrn", 3);
    return strcmp(have ? have->s : "", mrn) == 0;
}

#define CHANGED_MSG "today's list changed since it was shown: look the patient up again"

static enum MHD_Result get_preview(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "packet");
    const char *rowarg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "row");
    const serve_packet *sp = find_packet(s, id);
    long rown;
    if (!web_parse_row(rowarg, &rown))
        return reply_error(s, c, m, r, 400, "row must be a row number");
    r->row = rown;
    if (!sp)
        return reply_error(s, c, m, r, 404, "no such packet");
    const schedule_snap *snap = schedule_get(s->cfg.sched, NULL, NULL);
    const schedule_row *row = schedule_find(snap, rown);
    enum MHD_Result ret;
    if (!row) {
        ret = reply_error(s, c, m, r, 404, "no such row in today's list");
    } else if (row->problem) {
        ret = reply_error(s, c, m, r, 422, row->problem);
    } else if (!same_patient(row, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mrn"))) {
        ret = reply_error(s, c, m, r, 409, CHANGED_MSG);
    } else {
        unsigned char *pdf = NULL;
        size_t len = 0;
        unsigned status;
        mp_err err;
        err_clear(&err);
        if (render_for(s, sp, &row->patient, &pdf, &len, NULL, &status, &err))
            ret = reply_error(s, c, m, r, status, err.msg);
        else
            ret = reply_pdf(s, c, m, r, pdf, len);
    }
    schedule_put(s->cfg.sched, snap);
    return ret;
}

/* The request body as a JSON object (jansson: a real JSON parser, so that
 * escapes such as surrogate pairs mean what JSON says), or NULL with *ret
 * the answer (400, or MHD_NO). The body is at most MAX_BODY bytes and its
 * nesting is checked before it is parsed; a duplicate key, a "\u0000" and
 * invalid UTF-8 are not JSON here. The caller json_decref's the object. */
static json_t *parse_body(server *s, struct MHD_Connection *c, const char *m, request *r,
                          enum MHD_Result *ret)
{
    const char *body = r->body ? r->body : "";
    json_t *root = NULL;
    json_error_t jerr;
    if (web_json_depth_ok(body, r->len, MAX_JSON_DEPTH))
        root = json_loadb(body, r->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        /* jansson's message may quote the body (a patient's name): not sent. */
        json_decref(root);
        *ret = reply_error(s, c, m, r, 400, "the body must be a JSON object");
        return NULL;
    }
    return root;
}

/* A member's value as text: a string as it is, an integer as its digits (a
 * script may send a row or a record number as a number); NULL otherwise. */
static const char *text_of(const json_t *v, char *buf, size_t bufsize)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, bufsize, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    return NULL;
}

static const char *member(const json_t *obj, const char *key, char *buf, size_t bufsize)
{
    return text_of(json_object_get(obj, key), buf, bufsize);
}

#define NO_PRINT_MSG "printing is off (serve --no-print)"

static enum MHD_Result post_print(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    if (!s->cfg.can_print) /* before anything is rendered for nothing */
        return reply_error(s, c, m, r, 403, NO_PRINT_MSG);
    enum MHD_Result ret;
    json_t *root = parse_body(s, c, m, r, &ret);
    if (!root)
        return ret;
    char num[2][32];
    const serve_packet *sp = find_packet(s, member(root, "packet", num[0], sizeof num[0]));
    long rown;
    if (!web_parse_row(member(root, "row", num[0], sizeof num[0]), &rown)) {
        json_decref(root);
        return reply_error(s, c, m, r, 400, "row must be a row number");
    }
    r->row = rown;
    if (!sp) {
        json_decref(root);
        return reply_error(s, c, m, r, 404, "no such packet");
    }
    const schedule_snap *snap = schedule_get(s->cfg.sched, NULL, NULL);
    const schedule_row *row = schedule_find(snap, rown);
    if (!row || row->problem || !same_patient(row, member(root, "mrn", num[1], sizeof num[1]))) {
        /* Answered before the snapshot is let go: row->problem lives in it. */
        ret = !row           ? reply_error(s, c, m, r, 404, "no such row in today's list")
              : row->problem ? reply_error(s, c, m, r, 422, row->problem)
                             : reply_error(s, c, m, r, 409, CHANGED_MSG);
        schedule_put(s->cfg.sched, snap);
        json_decref(root);
        return ret;
    }
    json_decref(root);
    unsigned char *pdf = NULL;
    size_t len = 0;
    int pages = 0;
    unsigned status;
    mp_err err;
    err_clear(&err);
    int rc = render_for(s, sp, &row->patient, &pdf, &len, &pages, &status, &err);
    schedule_put(s->cfg.sched, snap);
    if (rc)
        return reply_error(s, c, m, r, status, err.msg);
    char who[32];
    snprintf(who, sizeof who, "row %ld", rown);
    return print_and_reply(s, c, m, r, sp, pdf, len, pages, who);
}

/* The walk-in form's fields, as /api/config lists them. */
static const struct walkin_field {
    const char *name;
    bool required;
    const char *type;
} walkin_fields[] = {
    {"first_name", true, "text"},
    {"last_name", true, "text"},
    {"dob", true, "date"},
    {"mrn", true, "text"},
    {"appointment_date", false, "date"},
    {"clinician", false, "text"},
    {"language", false, "language"},
};
#define NWALKIN (sizeof walkin_fields / sizeof walkin_fields[0])
_Static_assert(NWALKIN <= sizeof((server *)0)->required, "server.required is too small");

/* Why value cannot be field f's, or NULL. The same rules as a CSV row's
 * (patient.h), said without repeating the value. */
static const char *walkin_problem(const struct walkin_field *f, bool required, const json_t *v,
                                  const serve_packet *sp, char *buf, size_t bufsize, msg_id *id)
{
    /* null is an empty field, as an absent one. */
    char num[32];
    const char *s = json_is_null(v) ? "" : text_of(v, num, sizeof num);
    if (v && !s)
        return *id = MSG_UI_ERR_ONE_LINE, "must be a text";
    if (!s)
        s = "";
    size_t n = strlen(s); /* no NUL inside: the parser refuses "\u0000" */
    while (n && s[n - 1] == ' ')
        n--;
    while (n && *s == ' ')
        s++, n--;
    if (n == 0)
        return required ? (*id = MSG_UI_ERR_REQUIRED, "is required") : NULL;
    if (n > MAX_FIELD)
        return *id = MSG_UI_ERR_TOO_LONG, "is too long";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return *id = MSG_UI_ERR_ONE_LINE, "must be one line of text";
    if (strcmp(f->type, "date") == 0)
        return *id = MSG_UI_ERR_DATE, patient_date_problem(s, n);
    if (strcmp(f->type, "language") == 0) {
        *id = MSG_UI_ERR_LANGUAGE;
        char want[16];
        if (n >= sizeof want)
            return "is not a language of this packet";
        memcpy(want, s, n);
        want[n] = '\0';
        const char *code = packet_language_code(want);
        for (size_t i = 0; code && i < sp->nvariants; i++)
            if (strcmp(sp->variants[i]->language, code) == 0)
                return NULL;
        size_t used = (size_t)snprintf(buf, bufsize, "is not a language of this packet (");
        for (size_t i = 0; i < sp->nvariants && used < bufsize; i++)
            used += (size_t)snprintf(buf + used, bufsize - used, "%s%s", i ? ", " : "",
                                     sp->variants[i]->language);
        if (used < bufsize)
            snprintf(buf + used, bufsize - used, ")");
        return buf;
    }
    return NULL;
}

/* English keeps the detailed words (which part of a date is wrong); other
 * languages get their table's message for the kind of problem. */
static const char *say_in(const char *lang, msg_id id, const char *english)
{
    return strcmp(lang, "en") == 0 ? english : msg_get(lang, id);
}

/* The walk-in field a render error says is missing (err.h: field), or NULL
 * when the problem is not a missing walk-in field. */
static const char *missing_field(const mp_err *err)
{
    for (size_t f = 0; f < NWALKIN; f++)
        if (strcmp(walkin_fields[f].name, err->field) == 0)
            return walkin_fields[f].name;
    return NULL;
}

static enum MHD_Result post_walkin(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    enum MHD_Result ret;
    json_t *root = parse_body(s, c, m, r, &ret);
    if (!root)
        return ret;
    arena *a = arena_new();
    if (!a) {
        json_decref(root);
        return MHD_NO;
    }
    char num[32];
    const serve_packet *sp = find_packet(s, member(root, "packet", num, sizeof num));
    const char *action = member(root, "action", num, sizeof num);
    /* The page's language, for the messages shown beside the fields. */
    char lang[8] = "en"; /* a copy: the body is freed before the answer */
    const char *want = json_string_value(json_object_get(root, "lang"));
    if (want && strlen(want) < sizeof lang && msg_has_language(want))
        snprintf(lang, sizeof lang, "%s", want);
    json_t *fields = json_object_get(root, "fields");
    bool print = action && strcmp(action, "print") == 0;
    if (!sp || !action || (!print && strcmp(action, "preview") != 0) || !json_is_object(fields)) {
        json_decref(root);
        arena_free(a);
        return reply_error(s, c, m, r, sp ? 400 : 404,
                           sp ? "expected {\"packet\", \"action\": \"preview\" or \"print\", "
                                "\"fields\": {...}}"
                              : "no such packet");
    }
    if (print && !s->cfg.can_print) {
        json_decref(root);
        arena_free(a);
        return reply_error(s, c, m, r, 403, NO_PRINT_MSG);
    }
    /* Every problem at once, each under its field's name. */
    jout bad;
    if (!jopen(&bad)) {
        json_decref(root);
        arena_free(a);
        return MHD_NO;
    }
    size_t nbad = 0;
    patient pt = {.source = "walk-in"};
    mp_err err;
    err_clear(&err);
    const char *k;
    json_t *kv;
    json_object_foreach(fields, k, kv)
    {
        (void)kv;
        bool known = false;
        for (size_t f = 0; f < NWALKIN && !known; f++)
            known = strcmp(walkin_fields[f].name, k) == 0;
        if (!known) {
            fprintf(bad.f, "%s", nbad++ ? ", " : "");
            json_string(bad.f, k);
            fputs(": ", bad.f);
            json_string(bad.f, msg_get(lang, MSG_UI_ERR_UNKNOWN));
        }
    }
    for (size_t f = 0; f < NWALKIN; f++) {
        char buf[128];
        const json_t *v = json_object_get(fields, walkin_fields[f].name);
        msg_id id = MSG_UI_ERR_REQUIRED;
        const char *why =
            walkin_problem(&walkin_fields[f], s->required[f], v, sp, buf, sizeof buf, &id);
        if (why) {
            fprintf(bad.f, "%s\"%s\": ", nbad++ ? ", " : "", walkin_fields[f].name);
            json_string(bad.f, say_in(lang, id, why));
            continue;
        }
        char digits[32];
        const char *val = text_of(v, digits, sizeof digits);
        if (!val || !*val)
            continue;
        /* Trimmed as checked above; patient_set copies into a. */
        size_t n = strlen(val);
        while (n && val[n - 1] == ' ')
            n--;
        while (n && *val == ' ')
            val++, n--;
        char *copy = arena_strndup(a, val, n);
        if (n && (!copy || patient_set(&pt, walkin_fields[f].name, copy, a, &err))) {
            fclose(bad.f);
            free(bad.buf);
            json_decref(root);
            arena_free(a);
            return reply_error(s, c, m, r, 500, "cannot take the walk-in's fields");
        }
    }
    json_decref(root); /* what is kept was copied into a */
    if (fclose(bad.f) != 0) {
        free(bad.buf);
        arena_free(a);
        return MHD_NO;
    }
    if (nbad) {
        jout j;
        if (!jopen(&j)) {
            free(bad.buf);
            arena_free(a);
            return MHD_NO;
        }
        fprintf(j.f, "{\"error\": \"%zu field%s to correct\", \"fields\": {", nbad,
                nbad == 1 ? "" : "s");
        fwrite(bad.buf, 1, bad.len, j.f);
        fputs("}}\n", j.f);
        free(bad.buf);
        arena_free(a);
        return reply_json(s, c, m, r, 422, &j);
    }
    free(bad.buf);
    /* A walk-in is seen today. */
    if (!patient_get(&pt, "appointment_date", 16)) {
        int64_t now;
        mp_date today;
        char iso[11];
        if (date_clock(&now, &today, &err) == 0) {
            date_format_iso(today, iso);
            patient_set(&pt, "appointment_date", iso, a, &err);
        }
    }
    unsigned char *pdf = NULL;
    size_t len = 0;
    int pages = 0;
    unsigned status;
    int rc = render_for(s, sp, &pt, &pdf, &len, &pages, &status, &err);
    arena_free(a);
    if (rc) {
        /* A field this packet prints that the walk-in left empty: say so
         * beside that field, as for the others. */
        const char *field = missing_field(&err);
        if (field) {
            jout j;
            if (!jopen(&j))
                return MHD_NO;
            fprintf(j.f, "{\"error\": \"1 field to correct\", \"fields\": {\"%s\": ", field);
            json_string(j.f, msg_get(lang, MSG_UI_ERR_NEEDED));
            fputs("}}\n", j.f);
            return reply_json(s, c, m, r, 422, &j);
        }
        return reply_error(s, c, m, r, status, err.msg);
    }
    if (!print)
        return reply_pdf(s, c, m, r, pdf, len);
    return print_and_reply(s, c, m, r, sp, pdf, len, pages, "walk-in");
}

/* --- /api/config --------------------------------------------------------- */

/* Lays out pk for a made-up patient with every row field but row_fields[skip]
 * (none when skip is NROW_FIELDS). 0, or the layout's error in *err; -1
 * when out of memory. */
static int layout_without(const packet *pk, const render_env *env, size_t skip, mp_err *err)
{
    arena *a = arena_new();
    if (!a)
        return -1;
    patient pt = {.source = "probe"};
    int rc = 0;
    for (size_t f = 0; f < NROW_FIELDS && !rc; f++)
        if (f != skip && patient_set(&pt, row_fields[f].name, row_fields[f].sample, a, err))
            rc = -1; /* the made-up values are valid: only memory can fail */
    const layout_doc *doc;
    err_clear(err);
    if (!rc)
        rc = render_layout(pk, env, &pt, a, &doc, err);
    arena_free(a);
    return rc;
}

/* Which row fields each offered packet cannot be laid out without (the
 * shipped consent prints the clinician and the appointment date, and its
 * booking reference is made of the mrn): each is left out in turn from a
 * made-up patient who has them all, and the packet laid out. From that, the
 * list marks the rows that lack one, and the walk-in form marks the
 * optional fields some packet needs as required, instead of either failing
 * after Preview is pressed. A packet that cannot be laid out even with them
 * all needs something more (a form's own {{patient.room}}): then only an
 * error naming the field left out counts. Returns 0 or -1 (out of memory). */
static int probe_needs(server *s)
{
    if (!(s->needs = calloc(s->cfg.npackets + 1, sizeof *s->needs)))
        return -1;
    for (size_t p = 0; p < s->cfg.npackets; p++) {
        const serve_packet *sp = &s->cfg.packets[p];
        if (!(s->needs[p] = calloc(sp->nvariants + 1, sizeof *s->needs[p])))
            return -1;
        for (size_t v = 0; v < sp->nvariants; v++) {
            mp_err err;
            int full = layout_without(sp->variants[v], sp->env, NROW_FIELDS, &err);
            if (full < 0)
                return -1;
            for (size_t f = 0; f < NROW_FIELDS; f++) {
                int rc = layout_without(sp->variants[v], sp->env, f, &err);
                if (rc < 0)
                    return -1;
                /* With all the others there, any failure is for want of
                 * this one, whatever it says ("placeholder {{booking.ref}}
                 * has no value" for the mrn a booking reference is made
                 * of). */
                if (rc && (full == 0 || strcmp(err.field, row_fields[f].name) == 0))
                    s->needs[p][v] |= 1u << f;
            }
        }
    }
    for (size_t f = 0; f < NWALKIN; f++) {
        s->required[f] = walkin_fields[f].required;
        /* A walk-in without an appointment date is seen today (post_walkin). */
        if (strcmp(walkin_fields[f].name, "appointment_date") == 0)
            continue;
        for (size_t i = 0; i < NROW_FIELDS; i++) {
            if (strcmp(row_fields[i].name, walkin_fields[f].name) != 0)
                continue;
            for (size_t p = 0; p < s->cfg.npackets; p++)
                for (size_t v = 0; v < s->cfg.packets[p].nvariants; v++)
                    if (s->needs[p][v] & (1u << i))
                        s->required[f] = true;
        }
    }
    /* The ids, for a packets column that names others. */
    size_t n = 1;
    for (size_t p = 0; p < s->cfg.npackets; p++)
        n += strlen(s->cfg.packets[p].id) + 2;
    if (!(s->offered_ids = malloc(n)))
        return -1;
    size_t used = 0;
    s->offered_ids[0] = '\0';
    for (size_t p = 0; p < s->cfg.npackets && used < n; p++)
        used += (size_t)snprintf(s->offered_ids + used, n - used, "%s%s", p ? ", " : "",
                                 s->cfg.packets[p].id);
    return 0;
}

static bool has_lang(char langs[][8], size_t n, const char *l)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(langs[i], l) == 0)
            return true;
    return false;
}

static int build_config(server *s)
{
    jout j;
    if (!jopen(&j))
        return -1;
    /* The label languages: every language a packet is offered in that has
     * a message table, in the order the packets give them. */
    char langs[8][8];
    size_t nl = 0;
    for (size_t p = 0; p < s->cfg.npackets; p++)
        for (size_t v = 0; v < s->cfg.packets[p].nvariants; v++) {
            const char *l = s->cfg.packets[p].variants[v]->language;
            if (nl < 8 && msg_has_language(l) && strlen(l) < 8 && !has_lang(langs, nl, l))
                snprintf(langs[nl++], sizeof langs[0], "%s", l);
        }
    if (!nl)
        snprintf(langs[nl++], sizeof langs[0], "en");
    fputs("{\"clinic\": ", j.f);
    json_string(j.f, s->cfg.clinic_name);
    fputs(", \"printer\": ", j.f);
    if (s->cfg.printer)
        json_string(j.f, s->cfg.printer);
    else
        fputs("null", j.f);
    fprintf(j.f, ", \"can_print\": %s, \"languages\": [", s->cfg.can_print ? "true" : "false");
    for (size_t i = 0; i < nl; i++)
        fprintf(j.f, "%s\"%s\"", i ? ", " : "", langs[i]);
    fputs("],\n \"labels\": {", j.f);
    for (size_t i = 0; i < nl; i++) {
        fprintf(j.f, "%s\n  \"%s\": {", i ? "," : "", langs[i]);
        bool first = true;
        for (int id = 0; id < MSG_COUNT; id++) {
            const char *key = msg_key((msg_id)id);
            if (!key)
                continue;
            fprintf(j.f, "%s\"%s\": ", first ? "" : ", ", key);
            json_string(j.f, msg_get(langs[i], (msg_id)id));
            first = false;
        }
        fputc('}', j.f);
    }
    fputs("},\n \"packets\": [", j.f);
    for (size_t p = 0; p < s->cfg.npackets; p++) {
        const serve_packet *sp = &s->cfg.packets[p];
        fputs(p ? ", {\"id\": " : "{\"id\": ", j.f);
        json_string(j.f, sp->id);
        fputs(", \"title\": ", j.f);
        json_string(j.f, sp->title);
        fputs(", \"languages\": [", j.f);
        for (size_t v = 0; v < sp->nvariants; v++) {
            fputs(v ? ", " : "", j.f);
            json_string(j.f, sp->variants[v]->language);
        }
        fputs("]}", j.f);
    }
    fputs("],\n \"walkin_fields\": [", j.f);
    for (size_t f = 0; f < NWALKIN; f++)
        fprintf(j.f, "%s{\"name\": \"%s\", \"required\": %s, \"type\": \"%s\"}", f ? ", " : "",
                walkin_fields[f].name, s->required[f] ? "true" : "false", walkin_fields[f].type);
    fputs("]}\n", j.f);
    if (fclose(j.f) != 0) {
        free(j.buf);
        return -1;
    }
    s->config_json = j.buf;
    s->config_len = j.len;
    return 0;
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
        return reply_error(s, c, m, r, 404, "not found");
    if (post != wants_post)
        return reply_error_extra(
            s, c, m, r, 405, wants_post ? "this route changes something: POST only" : "GET only",
            "Allow", wants_post ? "POST" : "GET, HEAD");
    switch (id) {
    case R_STATIC: {
        /* Opened once as /?token=T: keep the token in a cookie the page's
         * own requests carry, and drop it from the address bar. */
        const char *tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
        if (tok && s->cfg.token && web_token_ok(tok, s->cfg.token)) {
            char cookie[512];
            snprintf(cookie, sizeof cookie, "mp_token=%s; HttpOnly; SameSite=Strict; Path=/%s",
                     s->cfg.token, s->cfg.tls_cert ? "; Secure" : "");
            struct MHD_Response *resp =
                MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
            if (!resp)
                return MHD_NO;
            common_headers(resp);
            MHD_add_response_header(resp, "Set-Cookie", cookie);
            MHD_add_response_header(resp, "Location", "/");
            r->answered = true;
            enum MHD_Result ret = MHD_queue_response(c, 303, resp);
            MHD_destroy_response(resp);
            log_line(s, m, r, 303);
            return ret;
        }
        const web_asset *as = web_asset_find(url);
        return reply(s, c, m, r, 200, as->type, (void *)(uintptr_t)as->data, as->len, true, NULL,
                     NULL);
    }
    case R_CONFIG:
        return reply(s, c, m, r, 200, "application/json; charset=utf-8", s->config_json,
                     s->config_len, true, NULL, NULL);
    case R_PATIENTS:
        return get_patients(s, c, m, r);
    case R_PREVIEW:
        return get_preview(s, c, m, r);
    case R_PRINT:
        return post_print(s, c, m, r);
    case R_WALKIN:
        return post_walkin(s, c, m, r);
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
        *ctx = r;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        route_of(url, &r->route);
        const char *msg;
        char msgbuf[128], retry[16];
        unsigned wait_s = 0;
        unsigned st = guard(s, c, url, &msg, msgbuf, sizeof msgbuf, &wait_s);
        if (st == 429) {
            snprintf(retry, sizeof retry, "%u", wait_s);
            return reply_error_extra(s, c, method, r, st, msg, "Retry-After", retry);
        }
        if (st)
            return reply_error(s, c, method, r, st, msg);
        r->is_post = strcmp(method, "POST") == 0;
        if (!r->is_post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return reply_error_extra(s, c, method, r, 405, "method not allowed", "Allow",
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
            return reply_error(s, c, method, r, 415, "send Content-Type: application/json");
        if (clen && strtoull(clen, NULL, 10) > MAX_BODY)
            return reply_error(s, c, method, r, 413, "the request body is too large");
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
        if (r->too_big || r->len + n > MAX_BODY) {
            r->too_big = true;
            r->dropped += n;
            return r->dropped > 64 * MAX_BODY ? MHD_NO : MHD_YES;
        }
        if (r->len + n + 1 > r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 1024;
            while (cap < r->len + n + 1)
                cap *= 2;
            char *grown = realloc(r->body, cap);
            if (!grown)
                return MHD_NO;
            r->body = grown;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload, n);
        r->len += n;
        r->body[r->len] = '\0';
        return MHD_YES;
    }
    if (r->too_big)
        return reply_error(s, c, method, r, 413, "the request body is too large");
    return dispatch(s, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    conn_idle(cls, c);
    request *r = *ctx;
    if (r) {
        free(r->body);
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
    fprintf(s->cfg.log, "serve: %s\n", line);
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
    s->cfg = *cfg;
    pthread_mutex_init(&s->conns_mu, NULL);
    pthread_mutex_init(&s->throttle_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->reaper_wake, &ca);
    pthread_condattr_destroy(&ca);
    if (!s->cfg.threads)
        s->cfg.threads = 4;
    if (!s->cfg.max_renders)
        s->cfg.max_renders = 2;
    sem_init(&s->renders, 0, s->cfg.max_renders);
    if (probe_needs(s) || build_config(s)) {
        serve_stop(s);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    bool v6 = strchr(cfg->host, ':') != NULL;
    const char *numeric = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;
    if (v6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        if (inet_pton(AF_INET6, numeric, &a6->sin6_addr) != 1) {
            serve_stop(s);
            return err_set(err, EX_USAGE, NULL, 0, 0, "--listen: %s is not an IP address",
                           cfg->host);
        }
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
        if (inet_pton(AF_INET, numeric, &a4->sin_addr) != 1) {
            serve_stop(s);
            return err_set(err, EX_USAGE, NULL, 0, 0, "--listen: %s is not an IP address",
                           cfg->host);
        }
    }
    /* The socket is bound here, before the daemon starts, so that the port
     * (0: any free one) and with it the Host names below are known before
     * the first request can arrive: the request threads only read them. */
    socklen_t sslen = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        serve_stop(s);
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "cannot listen on %s:%u: %s", cfg->host,
                       cfg->port, strerror(e));
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
        close(fd);
        serve_stop(s);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    bool tls = cfg->tls_cert && cfg->tls_key;
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        close(fd);
        serve_stop(s);
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "this libmicrohttpd was built without TLS");
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     (v6 ? MHD_USE_IPv6 : 0) | (tls ? MHD_USE_TLS : 0);
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
        close(fd);
        serve_stop(s);
        return err_set(err, tls ? EX_CONFIG : EX_OSERR, NULL, 0, 0,
                       tls ? "cannot start the HTTPS server (is the key the certificate's?)"
                           : "cannot start the HTTP server");
    }
    int e = pthread_create(&s->reaper, NULL, reap, s);
    if (e) {
        serve_stop(s);
        return err_set(err, EX_OSERR, NULL, 0, 0, "cannot start a thread: %s", strerror(e));
    }
    s->reaper_running = true;
    *out = s;
    return 0;
}

unsigned serve_port(const server *s)
{
    return s->port;
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
    for (size_t i = 0; i < s->nhosts; i++)
        free(s->hosts[i]);
    free(s->hosts);
    free(s->config_json);
    for (size_t p = 0; s->needs && p < s->cfg.npackets; p++)
        free(s->needs[p]);
    free(s->needs);
    free(s->offered_ids);
    sem_destroy(&s->renders);
    pthread_cond_destroy(&s->reaper_wake);
    pthread_mutex_destroy(&s->throttle_mu);
    pthread_mutex_destroy(&s->conns_mu);
    free(s);
}
