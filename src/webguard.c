/*
 * webguard.c — see webguard.h.
 */
#include "webguard.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
