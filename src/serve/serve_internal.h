/*
 * serve_internal.h — what serve.c shares with routes.c, and no one else
 * includes: the server's state, one request, and the replies (each answer
 * carries the common headers, ends the connection's deadline and is logged
 * in one line; see serve.h for what the log may name).
 */
#ifndef MP_SERVE_INTERNAL_H
#define MP_SERVE_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "serve.h"
#include "walkin.h"
#include "webguard.h"

#define MAX_BODY (16u * 1024u) /* a walk-in's fields are a few hundred bytes */

/* A connection, from accept to close (serve.c). */
typedef struct conn conn;

struct server {
    serve_config cfg;
    struct MHD_Daemon *d;
    unsigned port;
    char **hosts; /* Host values accepted, with the port */
    size_t nhosts;
    sem_t renders;
    mp_buf config;                 /* GET /api/config: built once, the packets do not change */
    bool required[WALKIN_NFIELDS]; /* per walk-in field: some packet cannot print without it */
    /* needs[p][v]: bit i set when variant v of packet p cannot be laid out
     * without walkin_probe_fields[i] (walkin_probe), so the list can say
     * which rows lack what before anyone presses Preview. */
    unsigned **needs;
    mp_buf offered_ids; /* "tpi-packet, other-packet": for a packets column naming others */
    /* The connections, and the thread that closes those too slow to send a
     * request; stopping ends it. */
    pthread_mutex_t conns_mu;
    pthread_cond_t reaper_wake;
    conn *conns;
    bool stopping, reaper_running;
    pthread_t reaper;
    /* Stopping gracefully (serve_shutdown): the listening socket, taken
     * back from libmicrohttpd, and the requests being answered (those that
     * arrived before draining began); guarded by conns_mu, like draining. */
    int quiesced_fd;
    unsigned active;
    bool draining;
    pthread_cond_t idle;
    /* Wrong tokens per client address (webguard.h). */
    pthread_mutex_t throttle_mu;
    web_throttle throttle;
};

/* One request: its body as it arrives, and what the log line needs. */
typedef struct request {
    struct timespec t0;
    const char *route; /* a known route, or "(other)": the raw path is not logged */
    long row;          /* for the log, when the request names one */
    const char *why;   /* for the log, after the time: a failure's reason, free of patient data */
    /* For the log: the variant whose PDF this answer carries or printed
     * (its forms and their wording fingerprints); NULL when none. */
    const packet *printed;
    bool is_post;
    bool counted;  /* in server.active until it completes */
    bool answered; /* a response is queued; ignore the rest of the body */
    bool too_big;  /* the body passed MAX_BODY: answered 413 at its end */
    size_t dropped;
    mp_buf body; /* on the heap */
} request;

/* A JSON answer as it is written: the writer, on a buffer on the heap that
 * serve_reply_json hands to libmicrohttpd. Not to be copied (j->w points
 * at j->b). */
typedef struct jreply {
    mp_buf b;
    json_writer w;
} jreply;

/* An empty answer, spaced as the API has always been (", " and ": "). An
 * answer not handed to serve_reply_json is freed with buf_free(&j->b). */
void serve_json_init(jreply *j);
/* Ends j's document with the newline every answer ends with; false when
 * it was not written whole (out of memory). */
bool serve_json_end(jreply *j);

/* "<3>" and the like before a log line of that syslog(3) priority
 * (LOG_ERR ...) when cfg.log_priority says the log is the journal
 * (sd-daemon(3)); "" otherwise. */
const char *serve_log_prefix(const server *s, int priority);

/* The request's log line, with its status. */
void serve_log_line(server *s, const char *method, const request *r, unsigned status);

/* The headers every answer carries. */
void serve_common_headers(struct MHD_Response *resp);

/* Queues a response that takes ownership of buf (malloc'd) or, when
 * persistent, points at static data. extra_name may be NULL. */
enum MHD_Result serve_reply(server *s, struct MHD_Connection *c, const char *method, request *r,
                            unsigned status, const char *type, void *buf, size_t len,
                            bool persistent, const char *extra_name, const char *extra_value);

/* Answers with j's document and a newline, and takes its bytes: j is left
 * empty. MHD_NO when the document could not be written whole (out of
 * memory). */
enum MHD_Result serve_reply_json(server *s, struct MHD_Connection *c, const char *method,
                                 request *r, unsigned status, jreply *j);

/* {"error": msg}, with a header more (extra_name may be NULL). */
enum MHD_Result serve_reply_error_extra(server *s, struct MHD_Connection *c, const char *method,
                                        request *r, unsigned status, const char *msg,
                                        const char *extra_name, const char *extra_value);
enum MHD_Result serve_reply_error(server *s, struct MHD_Connection *c, const char *method,
                                  request *r, unsigned status, const char *msg);

#endif
