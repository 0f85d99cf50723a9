/*
 * http.c — see http.h.
 */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool http_is_url(const char *s)
{
    return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
}

bool http_origin(const char *url, char *buf, size_t n)
{
    if (!http_is_url(url) || n == 0)
        return false;
    const char *host = strstr(url, "://") + 3;
    size_t scheme = (size_t)(host - url), len = strcspn(host, "/?#");
    /* userinfo@ is not part of the origin (and is no place for a secret). */
    const char *at = memchr(host, '@', len);
    if (at) {
        len -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    if (scheme + len + 1 > n)
        return false;
    for (size_t i = 0; i < scheme; i++)
        buf[i] = (char)tolower((unsigned char)url[i]);
    for (size_t i = 0; i < len; i++)
        buf[scheme + i] = (char)tolower((unsigned char)host[i]);
    buf[scheme + len] = '\0';
    return len > 0;
}

typedef struct sink {
    http_resp *resp;
    size_t max;
    bool over;
} sink;

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
    sink *s = ctx;
    size_t n = size * nmemb;
    if (s->resp->body.len + n > s->max) {
        s->over = true;
        return 0; /* stops the transfer: CURLE_WRITE_ERROR */
    }
    buf_put(&s->resp->body, p, n);
    return s->resp->body.oom ? 0 : n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
    http_resp *resp = ctx;
    size_t n = size * nmemb;
    if (n > 9 && strncasecmp(p, "Location:", 9) == 0) {
        const char *v = p + 9;
        size_t k = n - 9;
        while (k && (*v == ' ' || *v == '\t'))
            v++, k--;
        while (k && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' '))
            k--;
        snprintf(resp->location, sizeof resp->location, "%.*s", (int)k, v);
    }
    return n;
}

int http_exchange(const http_req *req, http_resp *resp, mp_err *err)
{
    memset(resp, 0, sizeof *resp);
    buf_init(&resp->body, NULL);
    char origin[512];
    if (!http_origin(req->url, origin, sizeof origin))
        return err_set(err, EX_USAGE, NULL, 0, 0, "not an http:// or https:// URL");
    pthread_once(&once, global_init);
    if (global_rc != CURLE_OK)
        return err_set(err, EX_OSERR, NULL, 0, 0, "cannot start libcurl: %s",
                       curl_easy_strerror(global_rc));
    CURL *h = curl_easy_init();
    if (!h)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    struct curl_slist *hdr = NULL, *more;
    char line[4200];
    snprintf(line, sizeof line, "Accept: %s", req->accept ? req->accept : "application/fhir+json");
    hdr = curl_slist_append(hdr, line);
    if (req->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", req->content_type);
        if ((more = curl_slist_append(hdr, line)))
            hdr = more;
    }
    if (req->bearer) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", req->bearer);
        if ((more = curl_slist_append(hdr, line)))
            hdr = more;
    }
    /* libcurl adds "Expect: 100-continue" to large POSTs, which some
     * servers answer slowly: not asked for. */
    if ((more = curl_slist_append(hdr, "Expect:")))
        hdr = more;
    sink s = {resp, req->max_answer ? req->max_answer : (16u << 20), false};
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, req->timeout_s ? req->timeout_s : 30L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "medpacket");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* gzip, as servers offer it */
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    if (s.over)
        return err_set(err, EX_PROTOCOL, NULL, 0, 0,
                       "%s answered with more than %zu MiB: not a FHIR answer medpacket reads",
                       origin, s.max >> 20);
    if (resp->body.oom)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (rc != CURLE_OK) {
        /* curl's own words may quote the URL, query and all: only its kind
         * is said, with the origin. */
        return err_set(err, EX_UNAVAILABLE, NULL, 0, 0, "cannot reach %s: %s", origin,
                       curl_easy_strerror(rc));
    }
    return 0;
}

void http_resp_free(http_resp *resp)
{
    buf_free(&resp->body);
}
