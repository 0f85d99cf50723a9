/*
 * serve.h — `medpacket serve`: the front desk's local web page, an HTTP
 * server (libmicrohttpd) over the same render pipeline as the command line.
 *
 * The routes and their JSON are in docs/serve-api.md; the request checks
 * (Host, Origin, token, JSON bodies) in webguard.h. serve.c is the daemon
 * and the checks every request passes; the route handlers are routes.c
 * (routes.h), the walk-in form's rules walkin.h. Requests are served by a
 * small pool of threads; renders run in them, at most max_renders at once
 * (the rest wait, then get 503), each in an arena of its own. A request
 * must arrive whole within 10 s of its connection, and wrong tokens are
 * slowed per address (docs/serve-api.md, "Access"). The log names
 * methods, routes, status codes, row numbers, times, a failed print's
 * reason in CUPS's words, and the forms a preview or print holds with their
 * wording fingerprints; never a patient's data, nor do the CUPS job titles.
 * The list answer says when the list is stale, and per row which fields a
 * packet needs that the row lacks (found once, at start-up, by laying each
 * packet out without each field in turn).
 */
#ifndef MP_SERVE_H
#define MP_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "form.h"
#include "render.h"
#include "schedule.h"

/* A packet the page offers, loaded once at start-up. */
typedef struct serve_packet {
    const char *id, *title;
    const packet *const *variants; /* variants[0] the packet, then its translations */
    size_t nvariants;
    const render_env *env; /* its clinic, fonts and page geometry */
} serve_packet;

typedef struct serve_config {
    const char *host;               /* address to listen on ("127.0.0.1") */
    unsigned port;                  /* 0: any free port (see serve_port) */
    const char *const *allow_hosts; /* further names the desks use in URLs */
    size_t nallow_hosts;
    const char *token;              /* when not NULL, every request must carry it */
    const char *tls_cert, *tls_key; /* PEM texts: HTTPS when both are set */
    const char *printer;            /* NULL: the CUPS default destination */
    bool can_print;
    schedule *sched;
    const char *source_name; /* the list's file name, as the page shows it */
    const serve_packet *packets;
    size_t npackets;
    const char *clinic_name;
    unsigned threads;     /* request threads */
    unsigned max_renders; /* renders at once */
    FILE *log;            /* one line per request (standard error: stdout may be an unread pipe) */
    bool log_priority;    /* each line starts "<N>", its syslog priority: log is the journal */
} serve_config;

typedef struct server server;

/* Starts listening and serving in background threads. cfg and everything it
 * points to must outlive the server. EX_UNAVAILABLE when the address cannot
 * be bound, EX_OSERR on other failures. */
int serve_start(const serve_config *cfg, server **out, mp_err *err);

/* The port actually bound. */
unsigned serve_port(const server *s);

/* Stops gracefully: stops accepting connections, answers any request that
 * arrives on a connection already open with 503 "the server is stopping",
 * and waits up to grace_s for the requests already being answered (a
 * render, a print being sent to CUPS) to be answered; then serve_stop.
 * Returns how many were still unanswered when it gave up (0: none). */
unsigned serve_shutdown(server *s, unsigned grace_s);

/* Stops at once (a handler that runs finishes, but its answer may not be
 * sent) and frees everything. */
void serve_stop(server *s);

#endif
