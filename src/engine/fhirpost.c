/*
 * fhirpost.c — see fhirpost.h.
 */
#include "fhirpost.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* A transaction-response or an OperationOutcome is small; anything bigger
 * is not read (a server that echoes the PDF back despite Prefer). */
#define MAX_ANSWER (4L << 20)
/* How much of the server's own words a message quotes. */
#define MAX_WORDS 400

struct fhirpost {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    char errbuf[CURL_ERROR_SIZE];
    mp_buf answer;
};

static bool loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0 ||
           strcmp(host, "::1") == 0 || strcmp(host, "localhost") == 0;
}

const char *fhirpost_url_problem(const char *url)
{
    CURLU *u = curl_url();
    if (!u)
        return "out of memory";
    const char *why = NULL;
    char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *fragment = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        why = "--fhir-post takes the FHIR server's base URL, as https://ehr.example/fhir/R4";
    else if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
        why = "--fhir-post takes an https:// URL";
    else if (strcmp(scheme, "http") == 0 && !loopback(host))
        why = "--fhir-post sends patient data: give an https:// URL (http:// only to this "
              "machine: 127.0.0.1, [::1] or localhost)";
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
        why = "--fhir-post's URL holds a user name: the server's token goes in a file of its "
              "own (--fhir-token-file)";
    else if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
             curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK)
        why = "--fhir-post takes the FHIR server's base URL, without a query (?...) or a "
              "fragment (#...)";
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(query);
    curl_free(fragment);
    curl_url_cleanup(u);
    return why;
}

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    mp_buf *b = ctx;
    if (b->len + n > (size_t)MAX_ANSWER)
        return 0; /* curl then fails the transfer: CURLE_WRITE_ERROR */
    buf_put(b, data, size * n);
    return b->oom ? 0 : size * n;
}

int fhirpost_open(const char *base_url, const char *token, fhirpost **out, mp_err *err)
{
    fhirpost *p = calloc(1, sizeof *p);
    if (!p)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    buf_init(&p->answer, NULL);
    p->curl = curl_easy_init();
    p->url = strdup(base_url);
    mp_buf auth;
    buf_init(&auth, NULL);
    if (token)
        buf_putf(&auth, "Authorization: Bearer %s", token);
    static const char *const fixed[] = {
        "Content-Type: application/fhir+json", "Accept: application/fhir+json",
        /* The answer need not carry the resource back (with its PDF). */
        "Prefer: return=minimal",
        /* No "Expect: 100-continue" wait before a large body. */
        "Expect:"};
    bool ok = p->curl && p->url && !auth.oom;
    for (size_t i = 0; ok && i < sizeof fixed / sizeof fixed[0]; i++) {
        struct curl_slist *l = curl_slist_append(p->headers, fixed[i]);
        ok = l != NULL;
        if (l)
            p->headers = l;
    }
    if (ok && token) {
        struct curl_slist *l = curl_slist_append(p->headers, buf_str(&auth));
        ok = l != NULL;
        if (l)
            p->headers = l;
    }
    /* The token is in the header list now; this copy goes. */
    if (auth.data)
        memset(auth.data, 0, auth.len);
    buf_free(&auth);
    CURL *c = p->curl;
    ok = ok && curl_easy_setopt(c, CURLOPT_URL, p->url) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_HTTPHEADER, p->headers) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
         /* "": no proxy, whatever http_proxy and https_proxy say. */
         curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L) == CURLE_OK &&
         /* No SIGALRM for name lookups: batch has threads. */
         curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_ERRORBUFFER, p->errbuf) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_WRITEDATA, &p->answer) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_USERAGENT, "medpacket/" MP_VERSION) == CURLE_OK;
    if (!ok) {
        fhirpost_close(p);
        return err_set(err, EX_OSERR, NULL, 0, 0, "cannot set up the HTTP client (libcurl)");
    }
    *out = p;
    return 0;
}

void fhirpost_close(fhirpost *p)
{
    if (!p)
        return;
    if (p->curl)
        curl_easy_cleanup(p->curl);
    curl_slist_free_all(p->headers);
    free(p->url);
    buf_free(&p->answer);
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
    int code = atoi(entry_status);
    res->stop = false;
    if (code < 200 || code > 299)
        return refused(p, code, body, res, err);
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
    buf_reset(&p->answer);
    p->answer.oom = false;
    p->errbuf[0] = '\0';
    CURL *c = p->curl;
    if (curl_easy_setopt(c, CURLOPT_POSTFIELDS, json) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK)
        return err_set(err, EX_OSERR, NULL, 0, 0, "cannot set up the HTTP request (libcurl)");
    CURLcode cc = curl_easy_perform(c);
    if (cc == CURLE_WRITE_ERROR && p->answer.oom)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    res->http_status = (int)status;
    if (cc != CURLE_OK && cc != CURLE_WRITE_ERROR) {
        res->stop = true;
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "cannot reach the FHIR server at %s: %s",
                       p->url, p->errbuf[0] ? p->errbuf : curl_easy_strerror(cc));
    }
    if (status == 502 || status == 503 || status == 504) {
        res->stop = true;
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0,
                       "the FHIR server at %s is not available (HTTP %ld)", p->url, status);
    }
    if (status >= 300 && status < 400) {
        char *to = NULL;
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &to);
        res->stop = true;
        return err_set(err, EX_DATAERR, NULL, 0, 0,
                       "the FHIR server at %s answered with a redirect (HTTP %ld)%s%s, which is "
                       "not followed: give --fhir-post the URL it names",
                       p->url, status, to ? " to " : "", to ? to : "");
    }
    json_error_t jerr;
    json_t *body = cc == CURLE_OK && p->answer.len
                       ? json_loadb(p->answer.data, p->answer.len, 0, &jerr)
                       : NULL;
    int rc = status >= 200 && status < 300 ? accepted(p, (int)status, body, res, err)
                                           : refused(p, (int)status, body, res, err);
    json_decref(body);
    return rc;
}
