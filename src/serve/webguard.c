/*
 * webguard.c — see webguard.h.
 */
#include "webguard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

bool web_parse_listen(const char *s, char *host, size_t host_size, unsigned *port)
{
    const char *colon, *h = s;
    size_t hlen;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return false;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || memchr(s, ':', (size_t)(colon - s)))
            return false; /* a bare IPv6 address needs brackets */
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= host_size)
        return false;
    const char *p = colon + 1;
    unsigned long v = 0;
    if (!*p)
        return false;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || (v = v * 10 + (unsigned long)(*p - '0')) > 65535)
            return false;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (unsigned)v;
    return true;
}

bool web_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

bool web_is_wildcard(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return a4.s_addr == INADDR_ANY;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_UNSPECIFIED(&a6);
}

bool web_host_ok(const char *host, const char *const *allowed, size_t nallowed)
{
    if (!host)
        return false;
    for (size_t i = 0; i < nallowed; i++)
        if (strcasecmp(host, allowed[i]) == 0)
            return true;
    return false;
}

bool web_origin_ok(const char *origin, const char *scheme, const char *host)
{
    if (!origin)
        return true;
    /* "null" (a sandboxed frame, a file: page) is foreign too. */
    size_t n = strlen(scheme);
    return host && strncasecmp(origin, scheme, n) == 0 && strncmp(origin + n, "://", 3) == 0 &&
           strcasecmp(origin + n + 3, host) == 0;
}

bool web_token_ok(const char *given, const char *token)
{
    if (!given || !token)
        return false;
    size_t gl = strlen(given), tl = strlen(token);
    /* Compare over the token's whole length whatever given holds, so that
     * the time taken says nothing about how much of it was right. */
    unsigned char diff = (unsigned char)(gl != tl);
    for (size_t i = 0; i < tl; i++)
        diff |= (unsigned char)(token[i] ^ (i < gl ? given[i] : 0));
    return diff == 0;
}

const char *web_bearer(const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    return *t ? t : NULL;
}

bool web_is_json(const char *content_type)
{
    if (!content_type || strncasecmp(content_type, "application/json", 16) != 0)
        return false;
    char next = content_type[16];
    return next == '\0' || next == ';' || next == ' ';
}

bool web_parse_row(const char *s, long *row)
{
    long v = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (*s - '0')) > 1000000000L)
            return false;
    }
    if (v < 1)
        return false;
    *row = v;
    return true;
}

/* --- the token itself ---------------------------------------------------- */

static bool token_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

const char *web_token_weakness(const char *token)
{
    for (const char *c = token; *c; c++)
        if (!token_char(*c))
            return "the token may hold letters, digits and - _ . ~ only";
    return NULL;
}

/* --- wrong tokens, per client address ------------------------------------ */

bool web_addr_of(const struct sockaddr *sa, web_addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET) {
        memcpy(out->b, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        out->b[15] = 4;
        return true;
    }
    if (sa->sa_family != AF_INET6)
        return false;
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6)) {
        memcpy(out->b, a6->s6_addr + 12, 4);
        out->b[15] = 4;
    } else {
        memcpy(out->b, a6->s6_addr, 8);
        out->b[15] = 6;
    }
    return true;
}

static bool slot_live(const web_throttle_slot *sl, int64_t now_ms)
{
    return sl->used && (now_ms - sl->last_ms < WEB_THROTTLE_FORGET_MS || now_ms < sl->until_ms);
}

static const web_throttle_slot *find_slot(const web_throttle *t, const web_addr *from,
                                          int64_t now_ms)
{
    for (size_t i = 0; i < WEB_THROTTLE_SLOTS; i++) {
        const web_throttle_slot *sl = &t->slot[i];
        if (slot_live(sl, now_ms) && memcmp(&sl->addr, from, sizeof *from) == 0)
            return sl;
    }
    return NULL;
}

unsigned web_throttle_wait_s(const web_throttle *t, const web_addr *from, int64_t now_ms)
{
    const web_throttle_slot *sl = find_slot(t, from, now_ms);
    if (!sl || now_ms >= sl->until_ms)
        return 0;
    return (unsigned)((sl->until_ms - now_ms + 999) / 1000);
}

void web_throttle_wrong(web_throttle *t, const web_addr *from, const char *given, int64_t now_ms)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!EVP_Digest(given, strlen(given), md, &mdlen, EVP_sha256(), NULL))
        memset(md, 0, sizeof md); /* then every wrong token counts */
    web_throttle_slot *sl = (web_throttle_slot *)find_slot(t, from, now_ms);
    if (!sl) {
        /* A free slot, else the one quiet longest. */
        sl = &t->slot[0];
        for (size_t i = 0; i < WEB_THROTTLE_SLOTS; i++) {
            web_throttle_slot *c = &t->slot[i];
            if (!slot_live(c, now_ms)) {
                sl = c;
                break;
            }
            if (c->last_ms < sl->last_ms)
                sl = c;
        }
        memset(sl, 0, sizeof *sl);
        sl->addr = *from;
        sl->used = true;
    } else if (mdlen && memcmp(sl->last_wrong, md, sizeof sl->last_wrong) == 0) {
        sl->last_ms = now_ms;
        return; /* the same wrong token again: not a new guess */
    }
    memcpy(sl->last_wrong, md, sizeof sl->last_wrong);
    sl->last_ms = now_ms;
    if (++sl->wrong >= WEB_THROTTLE_FREE) {
        unsigned shift = sl->wrong - WEB_THROTTLE_FREE;
        int64_t wait_s = shift >= 10 ? WEB_THROTTLE_MAX_WAIT_S : (int64_t)1 << shift;
        if (wait_s > WEB_THROTTLE_MAX_WAIT_S)
            wait_s = WEB_THROTTLE_MAX_WAIT_S;
        sl->until_ms = now_ms + wait_s * 1000;
    }
}

void web_throttle_right(web_throttle *t, const web_addr *from)
{
    for (size_t i = 0; i < WEB_THROTTLE_SLOTS; i++)
        if (t->slot[i].used && memcmp(&t->slot[i].addr, from, sizeof *from) == 0)
            memset(&t->slot[i], 0, sizeof t->slot[i]);
}

/* --- request bodies ------------------------------------------------------ */

bool web_json_depth_ok(const char *s, size_t n, unsigned max)
{
    unsigned depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_string) {
            if (ch == '\\')
                i++; /* the escaped character, whatever it is */
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max)
                return false;
        } else if ((ch == ']' || ch == '}') && depth) {
            depth--;
        }
    }
    return true;
}
