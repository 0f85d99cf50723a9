/*
 * fhirsource.c — see fhirsource.h.
 */
#include "fhirsource.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhirin.h"
#include "http.h"
#include "tzone.h"

static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int fhirsource_url(const char *url, const char *timezone, int64_t now, char *out, size_t n,
                   mp_err *err)
{
    char today[11];
    if (!tz_today(timezone, now, today))
        return err_set(err, EX_SOFTWARE, NULL, 0, 0, "cannot tell today's date in %s",
                       timezone ? timezone : "UTC");
    const char *query = strchr(url, '?');
    size_t k = 0;
    for (const char *p = url; *p; p++) {
        /* "today" as a whole word of the query: after "=", ",", or a search
         * prefix (ge, lt ...) right after one of those. */
        bool word = query && p > query && strncmp(p, "today", 5) == 0 && !is_word_char(p[5]);
        if (word) {
            const char *b = p;
            if (b - 2 > query && is_word_char(b[-1]) && is_word_char(b[-2]) &&
                (b[-3] == '=' || b[-3] == ','))
                b -= 2;
            word = b[-1] == '=' || b[-1] == ',';
        }
        const char *piece = word ? today : p;
        size_t len = word ? 10 : 1;
        if (k + len + 1 > n)
            return err_set(err, EX_SOFTWARE, NULL, 0, 0, "the FHIR URL is too long");
        memcpy(out + k, piece, len);
        k += len;
        if (word)
            p += 4;
    }
    out[k] = '\0';
    return 0;
}

typedef struct fetch {
    const fhirsource_opts *o;
    char origin[512];
    char base[2048]; /* the server's base: the search URL without its type and query */
    json_t *entries;
    json_t *have; /* "Type/id" and fullUrls already among the entries */
    size_t pages, bytes;
} fetch;

/* What an OperationOutcome says, for a refusal's message. */
static void outcome_text(const json_t *oo, char *buf, size_t n)
{
    buf[0] = '\0';
    const json_t *issue = json_array_get(json_object_get(oo, "issue"), 0);
    const char *t = json_string_value(json_object_get(issue, "diagnostics"));
    if (!t)
        t = json_string_value(json_object_get(json_object_get(issue, "details"), "text"));
    if (t)
        snprintf(buf, n, ": %.300s", t);
}

/* GET url as a Bundle, into *out (a new reference). */
static int get_bundle(fetch *f, const char *url, json_t **out, mp_err *err)
{
    if (++f->pages > FHIRSOURCE_MAX_PAGES)
        return err_set(err, EX_PROTOCOL, NULL, 0, 0,
                       "%s: more than %d pages for one day's list; ask for larger pages "
                       "(_count)",
                       f->origin, FHIRSOURCE_MAX_PAGES);
    http_req req = {.method = "GET",
                    .url = url,
                    .bearer = f->o->bearer,
                    .max_answer = FHIRSOURCE_MAX_BYTES - f->bytes};
    http_resp resp;
    int rc = http_exchange(&req, &resp, err);
    if (rc) {
        http_resp_free(&resp);
        return rc;
    }
    f->bytes += resp.body.len;
    json_error_t je;
    json_t *v = resp.body.len
                    ? json_loadb(resp.body.data, resp.body.len, JSON_REJECT_DUPLICATES, &je)
                    : NULL;
    http_resp_free(&resp);
    const char *type = json_string_value(json_object_get(v, "resourceType"));
    if (resp.status == 401 || resp.status == 403) {
        json_decref(v);
        return err_set(err, EX_NOPERM, NULL, 0, 0,
                       "%s refused the request (HTTP %ld): check the token (--fhir-token-file)",
                       f->origin, resp.status);
    }
    if (resp.status < 200 || resp.status > 299) {
        char said[320] = "";
        if (type && strcmp(type, "OperationOutcome") == 0)
            outcome_text(v, said, sizeof said);
        json_decref(v);
        return err_set(err, resp.status >= 500 || resp.status == 0 ? EX_UNAVAILABLE : EX_DATAERR,
                       NULL, 0, 0, "%s answered HTTP %ld%s", f->origin, resp.status, said);
    }
    if (!type || strcmp(type, "Bundle") != 0) {
        json_decref(v);
        return err_set(err, EX_PROTOCOL, NULL, 0, 0,
                       "%s did not answer with a FHIR Bundle: is the URL a search "
                       "(.../Appointment?date=today)?",
                       f->origin);
    }
    *out = v;
    return 0;
}

static const char *next_link(const json_t *bundle)
{
    size_t i;
    const json_t *l;
    json_array_foreach(json_object_get(bundle, "link"), i, l)
    {
        const char *rel = json_string_value(json_object_get(l, "relation"));
        if (rel && strcmp(rel, "next") == 0)
            return json_string_value(json_object_get(l, "url"));
    }
    return NULL;
}

/* "Type/id" of a resource, or "" when it has none. */
static void key_of(const json_t *res, char *buf, size_t n)
{
    const char *type = json_string_value(json_object_get(res, "resourceType"));
    const char *id = json_string_value(json_object_get(res, "id"));
    if (type && id)
        snprintf(buf, n, "%s/%s", type, id);
    else
        buf[0] = '\0';
}

/* Every page of a search from url, its entries added to f->entries. */
static int read_search(fetch *f, const char *url, mp_err *err)
{
    char *next = strdup(url);
    int rc = next ? 0 : err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    while (!rc && next) {
        json_t *page = NULL;
        rc = get_bundle(f, next, &page, err);
        free(next);
        next = NULL;
        if (rc)
            break;
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(page, "entry"), i, e)
        {
            json_t *res = json_object_get(e, "resource");
            const char *mode =
                json_string_value(json_object_get(json_object_get(e, "search"), "mode"));
            if (!json_is_object(res) || (mode && strcmp(mode, "outcome") == 0))
                continue;
            char key[300];
            key_of(res, key, sizeof key);
            const char *full = json_string_value(json_object_get(e, "fullUrl"));
            /* A resource two pages include (the same Patient for two
             * appointments) is kept once. */
            if (key[0] && json_object_get(f->have, key))
                continue;
            if ((key[0] && json_object_set_new(f->have, key, json_true())) ||
                (full && json_object_set_new(f->have, full, json_true())) ||
                json_array_append(f->entries, e))
                rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        }
        const char *nl = next_link(page);
        char norigin[512];
        if (!rc && nl) {
            if (!http_origin(nl, norigin, sizeof norigin) || strcmp(norigin, f->origin) != 0)
                rc = err_set(err, EX_PROTOCOL, NULL, 0, 0,
                             "%s gave a next page on another server; not followed (the token "
                             "is for this one only)",
                             f->origin);
            else if (!(next = strdup(nl)))
                rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        }
        json_decref(page);
    }
    free(next);
    return rc;
}

/* The id a reference to type names, when it is "Type/id" or this server's
 * base + "/Type/id"; NULL otherwise (a urn:uuid, another server's). */
static const char *ref_id(const fetch *f, const char *ref, const char *type, size_t *len)
{
    size_t bl = strlen(f->base), tl = strlen(type);
    if (http_is_url(ref)) {
        if (strncmp(ref, f->base, bl) != 0 || ref[bl] != '/')
            return NULL;
        ref += bl + 1;
    }
    if (strncmp(ref, type, tl) != 0 || ref[tl] != '/')
        return NULL;
    const char *id = ref + tl + 1;
    *len = strcspn(id, "/");
    return fhirin_good_id(id, *len) ? id : NULL;
}

/* The Patients and Practitioners the Appointments name and no page held,
 * asked for by id, 50 at a time. */
static int read_missing(fetch *f, const char *type, mp_err *err)
{
    json_t *want = json_object(); /* id -> true, in the order first named */
    if (!want)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    size_t i;
    const json_t *e;
    json_array_foreach(f->entries, i, e)
    {
        const json_t *res = json_object_get(e, "resource");
        const char *rt = json_string_value(json_object_get(res, "resourceType"));
        if (!rt || strcmp(rt, "Appointment") != 0)
            continue;
        size_t k;
        const json_t *pt;
        json_array_foreach(json_object_get(res, "participant"), k, pt)
        {
            const char *ref =
                json_string_value(json_object_get(json_object_get(pt, "actor"), "reference"));
            size_t len;
            const char *id = ref ? ref_id(f, ref, type, &len) : NULL;
            char key[140], bare[65];
            if (!id)
                continue;
            snprintf(key, sizeof key, "%s/%.*s", type, (int)len, id);
            snprintf(bare, sizeof bare, "%.*s", (int)len, id);
            if (!json_object_get(f->have, key) && !json_object_get(f->have, ref) &&
                json_object_set_new(want, bare, json_true())) {
                json_decref(want);
                return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            }
        }
    }
    int rc = 0;
    size_t n = 0, total = json_object_size(want);
    char url[8192];
    int k = 0;
    const char *id;
    json_t *v;
    json_object_foreach(want, id, v)
    {
        if (n % 50 == 0)
            k = snprintf(url, sizeof url, "%s/%s?_id=", f->base, type);
        k += snprintf(url + k, sizeof url - (size_t)k, "%s%s", n % 50 ? "," : "", id);
        n++;
        if (n % 50 == 0 || n == total) {
            snprintf(url + k, sizeof url - (size_t)k, "&_count=50");
            if ((rc = read_search(f, url, err)))
                break;
        }
    }
    json_decref(want);
    return rc;
}

int fhirsource_fetch(const fhirsource_opts *o, int fd, mp_err *err)
{
    fetch f = {.o = o};
    char url[4096];
    int rc = fhirsource_url(o->url, o->timezone, o->now, url, sizeof url, err);
    if (rc)
        return rc;
    if (!http_origin(url, f.origin, sizeof f.origin))
        return err_set(err, EX_USAGE, NULL, 0, 0, "not an http:// or https:// URL");
    /* The base: the search's path without its last segment (the type). */
    size_t path_end = strcspn(url, "?#");
    snprintf(f.base, sizeof f.base, "%.*s", (int)path_end, url);
    char *slash = strrchr(f.base, '/');
    if (slash && slash > f.base + strlen(f.origin))
        *slash = '\0';
    f.entries = json_array();
    f.have = json_object();
    if (!f.entries || !f.have)
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (!rc)
        rc = read_search(&f, url, err);
    if (!rc)
        rc = read_missing(&f, "Patient", err);
    if (!rc)
        rc = read_missing(&f, "Practitioner", err);
    json_t *b = rc ? NULL
                   : json_pack("{s:s, s:s, s:O}", "resourceType", "Bundle", "type", "collection",
                               "entry", f.entries);
    if (!rc && !b)
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (!rc && json_dumpfd(b, fd, JSON_COMPACT) != 0)
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "cannot hold the day's list in memory");
    json_decref(b);
    json_decref(f.entries);
    json_decref(f.have);
    return rc;
}
