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
#include <stdio.h>
#include <time.h>

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
    char *config_json;             /* GET /api/config: built once, the packets do not change */
    bool required[WALKIN_NFIELDS]; /* per walk-in field: some packet cannot print without it */
    size_t config_len;
    /* needs[p][v]: bit i set when variant v of packet p cannot be laid out
     * without walkin_probe_fields[i] (walkin_probe), so the list can say
     * which rows lack what before anyone presses Preview. */
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

/* A JSON document written with stdio into memory. */
typedef struct jout {
    FILE *f;
    char *buf;
    size_t len;
} jout;

/* Opens j; false when out of memory. */
bool serve_jopen(jout *j);

/* The request's log line, with its status. */
void serve_log_line(server *s, const char *method, const request *r, unsigned status);

/* The headers every answer carries. */
void serve_common_headers(struct MHD_Response *resp);

/* Queues a response that takes ownership of buf (malloc'd) or, when
 * persistent, points at static data. extra_name may be NULL. */
enum MHD_Result serve_reply(server *s, struct MHD_Connection *c, const char *method, request *r,
                            unsigned status, const char *type, void *buf, size_t len,
                            bool persistent, const char *extra_name, const char *extra_value);

/* Closes j and answers with its document, which it takes: j is left
 * empty. */
enum MHD_Result serve_reply_json(server *s, struct MHD_Connection *c, const char *method,
                                 request *r, unsigned status, jout *j);

/* {"error": msg}, with a header more (extra_name may be NULL). */
enum MHD_Result serve_reply_error_extra(server *s, struct MHD_Connection *c, const char *method,
                                        request *r, unsigned status, const char *msg,
                                        const char *extra_name, const char *extra_value);
enum MHD_Result serve_reply_error(server *s, struct MHD_Connection *c, const char *method,
                                  request *r, unsigned status, const char *msg);

#endif
