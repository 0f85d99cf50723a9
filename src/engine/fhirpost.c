/*
 * fhirpost.c — see fhirpost.h.
 */
#include "fhirpost.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"

/* A transaction-response or an OperationOutcome is small; a server that
 * echoes the resource back (its PDF inline) is still read. */
#define MAX_ANSWER (16L << 20)
/* How much of the server's own words a message quotes. */
#define MAX_WORDS 400
/* A transaction carries a PDF: more time than a search page. */
#define TIMEOUT_S 120

struct fhirpost {
    char *url;
    char *token;
};

static bool loopback(const char *host, size_t n)
{
    static const char *const names[] = {"127.0.0.1", "[::1]", "localhost"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(host, names[i], n) == 0)
            return true;
    return false;
}

const char *fhirpost_url_problem(const char *url)
{
    char origin[512];
    if (!http_origin(url, origin, sizeof origin))
        return "--fhir-post takes the FHIR server's base URL, as https://ehr.example/fhir/R4";
    const char *host = strstr(origin, "://") + 3;
    /* The host without its port: [v6] in brackets, else up to the colon. */
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    const char *authority = strstr(url, "://") + 3;
    size_t alen = strcspn(authority, "/?#");
    if (strncmp(origin, "http:", 5) == 0 && !loopback(host, n))
        return "--fhir-post sends patient data: give an https:// URL (http:// only to this "
               "machine: 127.0.0.1, [::1] or localhost)";
    if (memchr(authority, '@', alen))
        return "--fhir-post's URL holds a user name: the server's token goes in a file of its "
               "own (--fhir-token-file)";
    if (strpbrk(url, "?#"))
        return "--fhir-post takes the FHIR server's base URL, without a query (?...) or a "
               "fragment (#...)";
    return NULL;
}

int fhirpost_open(const char *base_url, const char *token, fhirpost **out, mp_err *err)
{
    fhirpost *p = calloc(1, sizeof *p);
    if (p && !(p->url = strdup(base_url)))
        p->url = NULL;
    if (!p || !p->url || (token && !(p->token = strdup(token)))) {
        fhirpost_close(p);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    *out = p;
    return 0;
}

void fhirpost_close(fhirpost *p)
{
    if (!p)
        return;
    if (p->token) {
        memset(p->token, 0, strlen(p->token));
        free(p->token);
    }
    free(p->url);
    free(p);
}

/* Appends s (the server's words) to b, control characters made spaces,
 * until b holds MAX_WORDS bytes (cut before a UTF-8 continuation byte). */
static void put_words(mp_buf *b, const char *s)
{
    for (; *s && b->len < MAX_WORDS; s++) {
        unsigned char c = (unsigned char)*s;
        buf_putc(b, c < 0x20 || c == 0x7F ? ' ' : (char)c);
    }
    if (*s) {
        while (b->len && ((unsigned char)b->data[b->len - 1] & 0xC0) == 0x80)
            b->len--;
        if (b->len && (unsigned char)b->data[b->len - 1] >= 0xC0)
            b->len--;
        if (b->data)
            b->data[b->len] = '\0';
        buf_puts(b, "...");
    }
}

/* What an OperationOutcome says: each issue's diagnostics, else its
 * details' text or first display, joined by "; ". */
static void outcome_words(const json_t *oo, mp_buf *b)
{
    const json_t *issues = json_object_get(oo, "issue");
    size_t i;
    const json_t *issue;
    json_array_foreach(issues, i, issue)
    {
        const json_t *details = json_object_get(issue, "details");
        const char *words = json_string_value(json_object_get(issue, "diagnostics"));
        if (!words)
            words = json_string_value(json_object_get(details, "text"));
        if (!words)
            words = json_string_value(
                json_object_get(json_array_get(json_object_get(details, "coding"), 0), "display"));
        if (!words)
            continue;
        if (b->len)
            buf_puts(b, "; ");
        put_words(b, words);
    }
}

/* The id of a location such as "DocumentReference/123/_history/1" (or a
 * full URL ending so): "DocumentReference/123" into out. */
static bool reference_of(const char *location, char *out, size_t n)
{
    const char *p = location ? strstr(location, "DocumentReference/") : NULL;
    if (!p)
        return false;
    const char *id = p + strlen("DocumentReference/");
    size_t idlen = strcspn(id, "/?#");
    if (!idlen || idlen > 64)
        return false;
    return (size_t)snprintf(out, n, "DocumentReference/%.*s", (int)idlen, id) < n;
}

/* Why the server's body (a Bundle or an OperationOutcome) refused, into b. */
static void refusal_words(const json_t *body, mp_buf *b)
{
    const char *type = json_string_value(json_object_get(body, "resourceType"));
    if (type && strcmp(type, "OperationOutcome") == 0) {
        outcome_words(body, b);
    } else if (type && strcmp(type, "Bundle") == 0) {
        const json_t *resp =
            json_object_get(json_array_get(json_object_get(body, "entry"), 0), "response");
        outcome_words(json_object_get(resp, "outcome"), b);
    }
    if (!b->len)
        buf_puts(b, "its answer holds no OperationOutcome");
}

static int refused(const fhirpost *p, int status, const json_t *body, fhirpost_result *res,
                   mp_err *err)
{
    mp_buf words;
    buf_init(&words, NULL);
    refusal_words(body, &words);
    const char *hint = "";
    if (status == 401 || status == 403) {
        res->stop = true;
        hint = " (every row would be refused alike: check --fhir-token-file)";
    } else if (status == 404 || status == 405) {
        res->stop = true;
        hint = " (every row would be refused alike: check that --fhir-post names the server's "
               "base URL)";
    }
    int rc = err_set(err, EX_DATAERR, NULL, 0, 0,
                     "the FHIR server refused the DocumentReference (HTTP %d): %s%s", status,
                     words.oom ? "" : buf_str(&words), hint);
    (void)p;
    buf_free(&words);
    return rc;
}

/* The answer of a 2xx: entry[0].response of a transaction-response. */
static int accepted(const fhirpost *p, int status, const json_t *body, fhirpost_result *res,
                    mp_err *err)
{
    const char *type = json_string_value(json_object_get(body, "resourceType"));
    const json_t *resp =
        json_object_get(json_array_get(json_object_get(body, "entry"), 0), "response");
    const char *entry_status = json_string_value(json_object_get(resp, "status"));
    /* An answer no FHIR base gives to a transaction: the URL is not one,
     * and no row would fare better. */
    res->stop = true;
    if (!type || strcmp(type, "Bundle") != 0 || !entry_status)
        return err_set(err, EX_PROTOCOL, NULL, 0, 0,
                       "the FHIR server at %s answered HTTP %d without a transaction-response "
                       "Bundle",
                       p->url, status);
    /* "201 Created": the status is the number it starts with. */
    long code = strtol(entry_status, NULL, 10);
    res->stop = false;
    if (code < 200 || code > 299)
        return refused(p, (int)code, body, res, err);
    if (!reference_of(json_string_value(json_object_get(resp, "location")), res->id,
                      sizeof res->id)) {
        res->stop = true;
        return err_set(err, EX_PROTOCOL, NULL, 0, 0,
                       "the FHIR server at %s took the DocumentReference but did not say where "
                       "it is (no response.location)",
                       p->url);
    }
    res->created = code == 201;
    return 0;
}

int fhirpost_transaction(fhirpost *p, const char *json, size_t len, fhirpost_result *res,
                         mp_err *err)
{
    memset(res, 0, sizeof *res);
    http_req req = {.method = "POST",
                    .url = p->url,
                    .bearer = p->token,
                    .content_type = "application/fhir+json",
                    .body = json,
                    .body_len = len,
                    .max_answer = (size_t)MAX_ANSWER,
                    .timeout_s = TIMEOUT_S};
    http_resp resp;
    int rc = http_exchange(&req, &resp, err);
    long status = resp.status;
    res->http_status = (int)status;
    if (rc) {
        /* No answer (EX_UNAVAILABLE: no connection, a timeout, TLS refused),
         * or one too large to be a FHIR server's: no row would fare better. */
        res->stop = rc == EX_UNAVAILABLE || rc == EX_PROTOCOL;
        http_resp_free(&resp);
        return rc;
    }
    if (status == 502 || status == 503 || status == 504) {
        res->stop = true;
        http_resp_free(&resp);
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0,
                       "the FHIR server at %s is not available (HTTP %ld)", p->url, status);
    }
    if (status >= 300 && status < 400) {
        res->stop = true;
        rc = err_set(err, EX_DATAERR, NULL, 0, 0,
                     "the FHIR server at %s answered with a redirect (HTTP %ld)%s%s, which is "
                     "not followed: give --fhir-post the URL it names",
                     p->url, status, resp.location[0] ? " to " : "", resp.location);
        http_resp_free(&resp);
        return rc;
    }
    json_error_t jerr;
    json_t *body = resp.body.len ? json_loadb(resp.body.data, resp.body.len, 0, &jerr) : NULL;
    rc = status >= 200 && status < 300 ? accepted(p, (int)status, body, res, err)
                                       : refused(p, (int)status, body, res, err);
    json_decref(body);
    http_resp_free(&resp);
    return rc;
}
