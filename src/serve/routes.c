/*
 * routes.c — see routes.h; the routes and their JSON are documented in
 * docs/serve-api.md. The walk-in form's rules are walkin.c's; this file
 * reads its fields from the request and answers.
 */
#include "routes.h"

#include <errno.h>
#include <jansson.h> /* reads request bodies; json.h's writer answers them */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h> /* the log's priorities */
#include <time.h>

#include "arena.h"
#include "date.h"
#include "json.h"
#include "language.h"
#include "msg.h"
#include "print.h"
#include "text.h"
#include "web_assets.h"

#define MAX_JSON_DEPTH 8u /* a walk-in is {"fields": {...}}: depth 2 */
#define RENDER_WAIT_S 10  /* then 503: the desk sees "busy", not a hang */

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

/* Which variant of sp the row's packet prints in: its index. */
static size_t variant_of(const serve_packet *sp, const patient *pt)
{
    const packet *pk = render_pick(sp->variants, sp->nvariants, pt, NULL, NULL);
    for (size_t v = 0; v < sp->nvariants; v++)
        if (sp->variants[v] == pk)
            return v;
    return 0;
}

static void json_field(json_writer *w, const patient *pt, const char *name)
{
    const mp_text *v = patient_get(pt, name, strlen(name));
    json_key(w, name);
    if (v) /* values are NUL-terminated copies (patient.h) */
        json_put_str(w, v->s);
    else
        json_put_null(w);
}

/* t (Unix time) as 2026-11-25T09:30:00Z into buf[32]. */
static void iso_time(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One row of the day's list: its fields, language and packets, what each
 * packet needs that the row lacks, and its problems. msg is room for a
 * problem's words; false when it ran out of memory. */
static bool patient_row(const server *s, json_writer *w, const schedule_row *row, bool *offered,
                        mp_buf *msg)
{
    const patient *pt = &row->patient;
    json_begin_object(w);
    json_key(w, "row");
    json_put_int(w, row->row);
    static const char *const shown[] = {"first_name",       "last_name",        "dob",      "mrn",
                                        "appointment_date", "appointment_time", "clinician"};
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
        json_field(w, pt, shown[k]);
    const char *lang = "en";
    if (s->cfg.npackets) {
        const serve_packet *sp = &s->cfg.packets[0];
        lang = render_pick(sp->variants, sp->nvariants, pt, NULL, NULL)->language;
    }
    json_key(w, "language");
    json_put_str(w, lang);
    json_key(w, "packets");
    json_begin_array(w);
    size_t unknown = row_packets(s, pt, offered);
    for (size_t k = 0; k < s->cfg.npackets; k++)
        if (offered[k])
            json_put_str(w, s->cfg.packets[k].id);
    json_end_array(w);
    /* Per packet, the fields it prints that the row leaves empty: the page
     * says so before anyone presses Preview (names only). */
    json_key(w, "missing");
    json_begin_object(w);
    for (size_t k = 0; k < s->cfg.npackets; k++) {
        const serve_packet *sp = &s->cfg.packets[k];
        unsigned need = offered[k] ? s->needs[k][variant_of(sp, pt)] : 0;
        bool listed = false;
        for (size_t f = 0; f < WALKIN_NPROBE_FIELDS; f++) {
            const char *name = walkin_probe_fields[f].name;
            if (!(need & (1u << f)) || patient_get(pt, name, strlen(name)))
                continue;
            if (!listed) {
                json_key(w, sp->id);
                json_begin_array(w);
                listed = true;
            }
            json_put_str(w, name);
        }
        if (listed)
            json_end_array(w);
    }
    json_end_object(w);
    /* A packet id the server does not offer: by row and column, not
     * repeated (a cell may hold anything). */
    json_key(w, "problems");
    json_begin_array(w);
    if (unknown) {
        char what[32] = "a packet";
        if (unknown > 1)
            snprintf(what, sizeof what, "%zu packets", unknown);
        buf_reset(msg);
        buf_putf(msg, "column packets names %s this server does not offer (it offers %s)", what,
                 buf_str(&s->offered_ids));
        if (msg->oom)
            return false;
        json_put_str(w, buf_str(msg));
    }
    json_end_array(w);
    json_end_object(w);
    return true;
}

enum MHD_Result routes_patients(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    mp_err reload;
    schedule_stale stale;
    const schedule_snap *snap = schedule_get(s->cfg.sched, &reload, &stale);
    if (reload.code && s->cfg.log)
        /* The message names the file and row, never a value (roster.h). */
        fprintf(s->cfg.log,
                "%sserve: the list changed but cannot be read; keeping the last one: %s\n",
                serve_log_prefix(s, LOG_WARNING), reload.msg);
    enum MHD_Result ret = MHD_NO;
    jreply j;
    serve_json_init(&j);
    json_writer *w = &j.w;
    mp_buf msg;
    buf_init(&msg, NULL);
    bool *offered = calloc(s->cfg.npackets + 1, sizeof *offered);
    if (!offered)
        goto out;
    char when[32];
    iso_time(snap->loaded_at, when);
    json_begin_object(w);
    json_key(w, "source");
    json_put_str(w, s->cfg.source_name);
    json_key(w, "loaded_at");
    json_put_str(w, when);
    json_key(w, "stale");
    if (stale.since) {
        /* The page shows the list it has, saying plainly that it is old. */
        iso_time(stale.since, when);
        json_begin_object(w);
        json_key(w, "since");
        json_put_str(w, when);
        json_key(w, "reason");
        json_put_str(w, stale.why);
        json_end_object(w);
    } else {
        json_put_null(w);
    }
    /* One patient a line, for anyone reading the answer itself. */
    json_key(w, "patients");
    json_begin_array(w);
    for (size_t i = 0; i < snap->nrows; i++) {
        if (snap->rows[i].problem)
            continue;
        json_newline(w, 2);
        if (!patient_row(s, w, &snap->rows[i], offered, &msg))
            goto out;
    }
    json_newline(w, 0);
    json_end_array(w);
    json_key(w, "bad_rows");
    json_begin_array(w);
    for (size_t i = 0; i < snap->nrows; i++) {
        const schedule_row *row = &snap->rows[i];
        if (!row->problem)
            continue;
        json_begin_object(w);
        json_key(w, "row");
        json_put_int(w, row->row);
        json_key(w, "problem");
        json_put_str(w, row->problem);
        json_end_object(w);
    }
    json_end_array(w);
    json_end_object(w);
    ret = serve_reply_json(s, c, m, r, 200, &j);
out:
    buf_free(&j.b);
    buf_free(&msg);
    free(offered);
    schedule_put(s->cfg.sched, snap);
    return ret;
}

/* --- rendering and printing --------------------------------------------- */

/* Renders sp for pt with today's clock (the server runs all day: a packet
 * printed after midnight carries the new date). Waits for a render slot.
 * The variant rendered goes to r->printed, for the log. */
static int render_for(server *s, request *r, const serve_packet *sp, const patient *pt,
                      unsigned char **pdf, size_t *len, int *pages, unsigned *status, mp_err *err)
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
    const packet *pk = render_pick(sp->variants, sp->nvariants, pt, NULL, NULL);
    render_info info = {0};
    arena *a = arena_new();
    if (!a)
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    else
        rc = render_packet(pk, &env, pt, a, pdf, len, &info, err);
    if (!rc && pages)
        *pages = info.pages;
    if (!rc)
        r->printed = pk;
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
    return serve_reply(s, c, m, r, 200, "application/pdf", pdf, len, false, "Content-Disposition",
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
        r->printed = NULL; /* nothing printed */
        enum MHD_Result ret = serve_reply_error(s, c, m, r, 502, err.msg);
        r->why = NULL; /* err is this frame's */
        return ret;
    }
    jreply j;
    serve_json_init(&j);
    json_begin_object(&j.w);
    json_key(&j.w, "job");
    json_put_int(&j.w, pr.job_id);
    json_key(&j.w, "printer");
    json_put_str(&j.w, pr.printer);
    json_key(&j.w, "pages");
    json_put_int(&j.w, pages);
    json_end_object(&j.w);
    if (s->cfg.log)
        fprintf(s->cfg.log, "%sserve: printed %s job %d\n", serve_log_prefix(s, LOG_INFO), who,
                pr.job_id);
    return serve_reply_json(s, c, m, r, 200, &j);
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

enum MHD_Result routes_preview(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "packet");
    const char *rowarg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "row");
    const serve_packet *sp = find_packet(s, id);
    long rown;
    if (!web_parse_row(rowarg, &rown))
        return serve_reply_error(s, c, m, r, 400, "row must be a row number");
    r->row = rown;
    if (!sp)
        return serve_reply_error(s, c, m, r, 404, "no such packet");
    const schedule_snap *snap = schedule_get(s->cfg.sched, NULL, NULL);
    const schedule_row *row = schedule_find(snap, rown);
    enum MHD_Result ret;
    if (!row) {
        ret = serve_reply_error(s, c, m, r, 404, "no such row in today's list");
    } else if (row->problem) {
        ret = serve_reply_error(s, c, m, r, 422, row->problem);
    } else if (!same_patient(row, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mrn"))) {
        ret = serve_reply_error(s, c, m, r, 409, CHANGED_MSG);
    } else {
        unsigned char *pdf = NULL;
        size_t len = 0;
        unsigned status;
        mp_err err;
        err_clear(&err);
        if (render_for(s, r, sp, &row->patient, &pdf, &len, NULL, &status, &err))
            ret = serve_reply_error(s, c, m, r, status, err.msg);
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
    const char *body = buf_str(&r->body); /* "" when none came (serve.c failed it on OOM) */
    json_t *root = NULL;
    json_error_t jerr;
    if (web_json_depth_ok(body, r->body.len, MAX_JSON_DEPTH))
        root = json_loadb(body, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        /* jansson's message may quote the body (a patient's name): not sent. */
        json_decref(root);
        *ret = serve_reply_error(s, c, m, r, 400, "the body must be a JSON object");
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

enum MHD_Result routes_print(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    if (!s->cfg.can_print) /* before anything is rendered for nothing */
        return serve_reply_error(s, c, m, r, 403, NO_PRINT_MSG);
    enum MHD_Result ret;
    json_t *root = parse_body(s, c, m, r, &ret);
    if (!root)
        return ret;
    char num[2][32];
    const schedule_snap *snap = NULL;
    const serve_packet *sp = find_packet(s, member(root, "packet", num[0], sizeof num[0]));
    long rown;
    if (!web_parse_row(member(root, "row", num[0], sizeof num[0]), &rown)) {
        ret = serve_reply_error(s, c, m, r, 400, "row must be a row number");
        goto out;
    }
    r->row = rown;
    if (!sp) {
        ret = serve_reply_error(s, c, m, r, 404, "no such packet");
        goto out;
    }
    snap = schedule_get(s->cfg.sched, NULL, NULL);
    const schedule_row *row = schedule_find(snap, rown);
    if (!row || row->problem || !same_patient(row, member(root, "mrn", num[1], sizeof num[1]))) {
        /* Answered before the snapshot is let go: row->problem lives in it. */
        ret = !row           ? serve_reply_error(s, c, m, r, 404, "no such row in today's list")
              : row->problem ? serve_reply_error(s, c, m, r, 422, row->problem)
                             : serve_reply_error(s, c, m, r, 409, CHANGED_MSG);
        goto out;
    }
    json_decref(root);
    unsigned char *pdf = NULL;
    size_t len = 0;
    int pages = 0;
    unsigned status;
    mp_err err;
    err_clear(&err);
    int rc = render_for(s, r, sp, &row->patient, &pdf, &len, &pages, &status, &err);
    schedule_put(s->cfg.sched, snap);
    if (rc)
        return serve_reply_error(s, c, m, r, status, err.msg);
    char who[32];
    snprintf(who, sizeof who, "row %ld", rown);
    return print_and_reply(s, c, m, r, sp, pdf, len, pages, who);
out:
    schedule_put(s->cfg.sched, snap);
    json_decref(root);
    return ret;
}

/* A field's value as walkin_problem takes it: "" when absent or null, NULL
 * when not a text. */
static const char *field_text(const json_t *v, char *buf, size_t bufsize)
{
    return !v || json_is_null(v) ? "" : text_of(v, buf, bufsize);
}

/* The start of a 422 answer to a walk-in: {"error": "N fields to correct",
 * "fields": {, then the caller's NAME: PROBLEM members, then
 * reply_field_problems. */
static void begin_field_problems(jreply *j, size_t n)
{
    char what[48];
    snprintf(what, sizeof what, "%zu field%s to correct", n, n == 1 ? "" : "s");
    serve_json_init(j);
    json_begin_object(&j->w);
    json_key(&j->w, "error");
    json_put_str(&j->w, what);
    json_key(&j->w, "fields");
    json_begin_object(&j->w);
}

static enum MHD_Result reply_field_problems(server *s, struct MHD_Connection *c, const char *m,
                                            request *r, jreply *j)
{
    json_end_object(&j->w);
    json_end_object(&j->w);
    return serve_reply_json(s, c, m, r, 422, j);
}

enum MHD_Result routes_walkin(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    enum MHD_Result ret;
    json_t *root = parse_body(s, c, m, r, &ret);
    if (!root)
        return ret;
    ret = MHD_NO;
    arena *a = arena_new();
    if (!a)
        goto out;
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
        ret = serve_reply_error(s, c, m, r, sp ? 400 : 404,
                                sp ? "expected {\"packet\", \"action\": \"preview\" or \"print\", "
                                     "\"fields\": {...}}"
                                   : "no such packet");
        goto out;
    }
    if (print && !s->cfg.can_print) {
        ret = serve_reply_error(s, c, m, r, 403, NO_PRINT_MSG);
        goto out;
    }
    /* Every problem at once, each under its field's name: names the form
     * does not have, then each field's problem (walkin_problem's words are
     * in why_buf or static). */
    size_t nbad = 0;
    const char *why[WALKIN_NFIELDS];
    msg_id why_id[WALKIN_NFIELDS];
    char why_buf[WALKIN_NFIELDS][512];
    patient pt = {.source = "walk-in"};
    mp_err err;
    err_clear(&err);
    const char *k;
    json_t *kv;
    json_object_foreach(fields, k, kv)
    {
        (void)kv;
        nbad += !walkin_field_named(k);
    }
    for (size_t f = 0; f < WALKIN_NFIELDS; f++) {
        const walkin_field *wf = &walkin_fields[f];
        char digits[32];
        const char *text = field_text(json_object_get(fields, wf->name), digits, sizeof digits);
        why_id[f] = MSG_UI_ERR_REQUIRED;
        why[f] = walkin_problem(wf, s->required[f], text, sp->variants, sp->nvariants, why_buf[f],
                                sizeof why_buf[f], &why_id[f]);
        if (why[f]) {
            nbad++;
            continue;
        }
        /* patient_set copies into a. */
        if (walkin_set(&pt, wf, text, a, &err)) {
            ret = serve_reply_error(s, c, m, r, 500, "cannot take the walk-in's fields");
            goto out;
        }
    }
    if (nbad) {
        jreply j;
        begin_field_problems(&j, nbad);
        json_object_foreach(fields, k, kv)
        {
            (void)kv;
            if (!walkin_field_named(k)) {
                json_key(&j.w, k);
                json_put_str(&j.w, msg_get(lang, MSG_UI_ERR_UNKNOWN));
            }
        }
        for (size_t f = 0; f < WALKIN_NFIELDS; f++)
            if (why[f]) {
                json_key(&j.w, walkin_fields[f].name);
                json_put_str(&j.w, walkin_say(lang, why_id[f], why[f]));
            }
        ret = reply_field_problems(s, c, m, r, &j);
        goto out;
    }
    json_decref(root); /* what is kept was copied into a */
    root = NULL;
    walkin_seen_today(&pt, a, &err);
    unsigned char *pdf = NULL;
    size_t len = 0;
    int pages = 0;
    unsigned status;
    if (render_for(s, r, sp, &pt, &pdf, &len, &pages, &status, &err)) {
        /* A field this packet prints that the walk-in left empty: say so
         * beside that field, as for the others. */
        const walkin_field *missing = walkin_field_named(err.field);
        if (missing) {
            jreply j;
            begin_field_problems(&j, 1);
            json_key(&j.w, missing->name);
            json_put_str(&j.w, msg_get(lang, MSG_UI_ERR_NEEDED));
            ret = reply_field_problems(s, c, m, r, &j);
        } else {
            ret = serve_reply_error(s, c, m, r, status, err.msg);
        }
        goto out;
    }
    ret = print ? print_and_reply(s, c, m, r, sp, pdf, len, pages, "walk-in")
                : reply_pdf(s, c, m, r, pdf, len);
out:
    json_decref(root);
    arena_free(a);
    return ret;
}

/* --- start-up: what the packets need, and /api/config ------------------- */

/* Which row fields each offered packet cannot be laid out without
 * (walkin_probe), for each of its variants. From that, the list marks the
 * rows that lack one, and the walk-in form marks the optional fields some
 * packet needs as required, instead of either failing after Preview is
 * pressed. Returns 0 or -1 (out of memory). */
static int probe_needs(server *s)
{
    if (!(s->needs = calloc(s->cfg.npackets + 1, sizeof *s->needs)))
        return -1;
    unsigned any = 0;
    for (size_t p = 0; p < s->cfg.npackets; p++) {
        const serve_packet *sp = &s->cfg.packets[p];
        if (!(s->needs[p] = calloc(sp->nvariants + 1, sizeof *s->needs[p])))
            return -1;
        for (size_t v = 0; v < sp->nvariants; v++) {
            if (walkin_probe(sp->variants[v], sp->env, &s->needs[p][v]))
                return -1;
            any |= s->needs[p][v];
        }
    }
    for (size_t f = 0; f < WALKIN_NFIELDS; f++)
        s->required[f] = walkin_required(&walkin_fields[f], any);
    /* The ids, for a packets column that names others. */
    buf_init(&s->offered_ids, NULL);
    for (size_t p = 0; p < s->cfg.npackets; p++) {
        buf_puts(&s->offered_ids, p ? ", " : "");
        buf_puts(&s->offered_ids, s->cfg.packets[p].id);
    }
    return s->offered_ids.oom ? -1 : 0;
}

static bool has_lang(char langs[][8], size_t n, const char *l)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(langs[i], l) == 0)
            return true;
    return false;
}

static void put_language_name(json_writer *w, const char *tag)
{
    char name[128];
    language_name(tag, NULL, name, sizeof name);
    json_key(w, tag);
    json_put_str(w, name);
}

/* Whether a variant before packet p's variant v has v's language. */
static bool named_before(const server *s, size_t p, size_t v)
{
    const char *l = s->cfg.packets[p].variants[v]->language;
    for (size_t q = 0; q <= p; q++)
        for (size_t u = 0; u < (q < p ? s->cfg.packets[q].nvariants : v); u++)
            if (strcmp(s->cfg.packets[q].variants[u]->language, l) == 0)
                return true;
    return false;
}

static int build_config(server *s)
{
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
    jreply j;
    serve_json_init(&j);
    json_writer *w = &j.w;
    json_begin_object(w);
    json_key(w, "clinic");
    json_put_str(w, s->cfg.clinic_name);
    json_key(w, "printer");
    if (s->cfg.printer)
        json_put_str(w, s->cfg.printer);
    else
        json_put_null(w);
    json_key(w, "can_print");
    json_put_bool(w, s->cfg.can_print);
    json_key(w, "languages");
    json_begin_array(w);
    for (size_t i = 0; i < nl; i++)
        json_put_str(w, langs[i]);
    json_end_array(w);
    /* The label languages written right to left: the page turns its
     * layout around for them (dir="rtl"). */
    json_key(w, "rtl");
    json_begin_array(w);
    for (size_t i = 0; i < nl; i++)
        if (text_lang_rtl(langs[i]))
            json_put_str(w, langs[i]);
    json_end_array(w);
    /* Every language of the labels and of the packets, by its own name
     * (ICU's: "Español", "العربية", "繁體中文"), the way its readers look
     * for it: the page's language buttons, the walk-in form's choice and
     * the list's language column show these. */
    json_newline(w, 1);
    json_key(w, "language_names");
    json_begin_object(w);
    for (size_t i = 0; i < nl; i++)
        put_language_name(w, langs[i]);
    for (size_t p = 0; p < s->cfg.npackets; p++)
        for (size_t v = 0; v < s->cfg.packets[p].nvariants; v++) {
            const char *l = s->cfg.packets[p].variants[v]->language;
            if (!has_lang(langs, nl, l) && !named_before(s, p, v))
                put_language_name(w, l);
        }
    json_end_object(w);
    /* A line for each language's labels, and for each list after them. */
    json_newline(w, 1);
    json_key(w, "labels");
    json_begin_object(w);
    for (size_t i = 0; i < nl; i++) {
        json_newline(w, 2);
        json_key(w, langs[i]);
        json_begin_object(w);
        for (int id = 0; id < MSG_COUNT; id++) {
            const char *key = msg_key((msg_id)id);
            if (!key)
                continue;
            json_key(w, key);
            json_put_str(w, msg_get(langs[i], (msg_id)id));
        }
        json_end_object(w);
    }
    json_end_object(w);
    json_newline(w, 1);
    json_key(w, "packets");
    json_begin_array(w);
    for (size_t p = 0; p < s->cfg.npackets; p++) {
        const serve_packet *sp = &s->cfg.packets[p];
        json_begin_object(w);
        json_key(w, "id");
        json_put_str(w, sp->id);
        json_key(w, "title");
        json_put_str(w, sp->title);
        json_key(w, "languages");
        json_begin_array(w);
        for (size_t v = 0; v < sp->nvariants; v++)
            json_put_str(w, sp->variants[v]->language);
        json_end_array(w);
        json_end_object(w);
    }
    json_end_array(w);
    json_newline(w, 1);
    json_key(w, "walkin_fields");
    json_begin_array(w);
    for (size_t f = 0; f < WALKIN_NFIELDS; f++) {
        json_begin_object(w);
        json_key(w, "name");
        json_put_str(w, walkin_fields[f].name);
        json_key(w, "required");
        json_put_bool(w, s->required[f]);
        json_key(w, "type");
        json_put_str(w, walkin_fields[f].type);
        json_end_object(w);
    }
    json_end_array(w);
    json_end_object(w);
    if (!serve_json_end(&j)) {
        buf_free(&j.b);
        return -1;
    }
    s->config = j.b; /* the bytes are the server's now */
    return 0;
}

int routes_prepare(server *s)
{
    return probe_needs(s) || build_config(s) ? -1 : 0;
}

void routes_free(server *s)
{
    buf_free(&s->config);
    for (size_t p = 0; s->needs && p < s->cfg.npackets; p++)
        free(s->needs[p]);
    free(s->needs);
    buf_free(&s->offered_ids);
}

/* --- the page's files ---------------------------------------------------- */

enum MHD_Result routes_static(server *s, struct MHD_Connection *c, const char *url, const char *m,
                              request *r)
{
    /* Opened once as /?token=T: keep the token in a cookie the page's own
     * requests carry, and drop it from the address bar. */
    const char *tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    if (tok && s->cfg.token && web_token_ok(tok, s->cfg.token)) {
        char cookie[512];
        snprintf(cookie, sizeof cookie, "mp_token=%s; HttpOnly; SameSite=Strict; Path=/%s",
                 s->cfg.token, s->cfg.tls_cert ? "; Secure" : "");
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        serve_common_headers(resp);
        MHD_add_response_header(resp, "Set-Cookie", cookie);
        MHD_add_response_header(resp, "Location", "/");
        r->answered = true;
        enum MHD_Result ret = MHD_queue_response(c, 303, resp);
        MHD_destroy_response(resp);
        serve_log_line(s, m, r, 303);
        return ret;
    }
    const web_asset *as = web_asset_find(url);
    return serve_reply(s, c, m, r, 200, as->type, (void *)(uintptr_t)as->data, as->len, true, NULL,
                       NULL);
}

enum MHD_Result routes_config(server *s, struct MHD_Connection *c, const char *m, request *r)
{
    return serve_reply(s, c, m, r, 200, "application/json; charset=utf-8", s->config.data,
                       s->config.len, true, NULL, NULL);
}
