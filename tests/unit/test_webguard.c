/* Unit tests for webguard.c: the serve command's checks on Host, Origin,
 * tokens, content types, row numbers and listen addresses, each rule on the
 * strings an attacker or a confused client would send; the token's
 * strength, new tokens, the slowing of wrong tokens per address, and the
 * nesting of JSON bodies. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "webguard.h"

static void test_listen(void)
{
    char host[64];
    unsigned port = 1;
    CHECK(web_parse_listen("127.0.0.1:8470", host, sizeof host, &port));
    CHECK_STR(host, "127.0.0.1");
    CHECK_INT(port, 8470);
    CHECK(web_parse_listen("[::1]:0", host, sizeof host, &port));
    CHECK_STR(host, "::1");
    CHECK_INT(port, 0);
    CHECK(web_parse_listen("localhost:65535", host, sizeof host, &port));
    CHECK(!web_parse_listen("localhost:65536", host, sizeof host, &port));
    CHECK(!web_parse_listen("127.0.0.1", host, sizeof host, &port));
    CHECK(!web_parse_listen("127.0.0.1:", host, sizeof host, &port));
    CHECK(!web_parse_listen(":8470", host, sizeof host, &port));
    CHECK(!web_parse_listen("::1:8470", host, sizeof host, &port)); /* needs brackets */
    CHECK(!web_parse_listen("[::1]8470", host, sizeof host, &port));
    CHECK(!web_parse_listen("127.0.0.1:80a", host, sizeof host, &port));
    CHECK(!web_parse_listen("127.0.0.1:-1", host, sizeof host, &port));
    char tiny[4];
    CHECK(!web_parse_listen("127.0.0.1:1", tiny, sizeof tiny, &port)); /* never overruns */
}

static void test_addresses(void)
{
    CHECK(web_is_loopback("127.0.0.1"));
    CHECK(web_is_loopback("127.1.2.3"));
    CHECK(web_is_loopback("::1"));
    CHECK(web_is_loopback("LOCALHOST"));
    CHECK(!web_is_loopback("128.0.0.1"));
    CHECK(!web_is_loopback("0.0.0.0"));
    CHECK(!web_is_loopback("192.168.1.20"));
    CHECK(!web_is_loopback("localhost.evil.com"));
    CHECK(web_is_wildcard("0.0.0.0"));
    CHECK(web_is_wildcard("::"));
    CHECK(!web_is_wildcard("127.0.0.1"));
}

static void test_host_origin(void)
{
    const char *allowed[] = {"127.0.0.1:8470", "localhost:8470"};
    CHECK(web_host_ok("127.0.0.1:8470", allowed, 2));
    CHECK(web_host_ok("LocalHost:8470", allowed, 2));
    CHECK(!web_host_ok(NULL, allowed, 2));
    CHECK(!web_host_ok("evil.com", allowed, 2)); /* DNS rebinding */
    CHECK(!web_host_ok("evil.com:8470", allowed, 2));
    CHECK(!web_host_ok("127.0.0.1:8471", allowed, 2));
    CHECK(!web_host_ok("127.0.0.1:8470.evil.com", allowed, 2));
    CHECK(!web_host_ok("127.0.0.1", allowed, 2));

    CHECK(web_origin_ok(NULL, "http", "127.0.0.1:8470")); /* curl, scripts */
    CHECK(web_origin_ok("http://127.0.0.1:8470", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("http://evil.com", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("null", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("https://127.0.0.1:8470", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("http://127.0.0.1:8470.evil.com", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("http://localhost:8470", "http", "127.0.0.1:8470")); /* another origin */
    /* Under TLS the page's own origin is https:, and http: is another. */
    CHECK(web_origin_ok("https://desk.local:8470", "https", "desk.local:8470"));
    CHECK(!web_origin_ok("http://desk.local:8470", "https", "desk.local:8470"));
    CHECK(!web_origin_ok("https:/desk.local:8470", "https", "desk.local:8470"));
}

static void test_token(void)
{
    const char *t = "s3cret-token-0123456789";
    CHECK(web_token_ok("s3cret-token-0123456789", t));
    CHECK(!web_token_ok("s3cret-token-012345678", t));   /* a prefix */
    CHECK(!web_token_ok("s3cret-token-01234567890", t)); /* longer */
    CHECK(!web_token_ok("", t));
    CHECK(!web_token_ok(NULL, t));
    CHECK(!web_token_ok("x", NULL));
    CHECK_STR(web_bearer("Bearer abc"), "abc");
    CHECK_STR(web_bearer("bearer   abc"), "abc");
    CHECK(web_bearer("Basic abc") == NULL);
    CHECK(web_bearer("Bearer ") == NULL);
    CHECK(web_bearer(NULL) == NULL);
}

static void test_json_and_rows(void)
{
    CHECK(web_is_json("application/json"));
    CHECK(web_is_json("application/json; charset=utf-8"));
    CHECK(web_is_json("Application/JSON"));
    CHECK(!web_is_json("application/jsonp"));
    CHECK(!web_is_json("application/x-www-form-urlencoded")); /* what an HTML form sends */
    CHECK(!web_is_json("text/plain"));
    CHECK(!web_is_json(NULL));

    long row = 0;
    CHECK(web_parse_row("2", &row));
    CHECK_INT(row, 2);
    CHECK(web_parse_row("1000000000", &row));
    CHECK(!web_parse_row("1000000001", &row));
    CHECK(!web_parse_row("0", &row));
    CHECK(!web_parse_row("-3", &row));
    CHECK(!web_parse_row("3a", &row));
    CHECK(!web_parse_row("", &row));
    CHECK(!web_parse_row(NULL, &row));
    CHECK(!web_parse_row("99999999999999999999999", &row));
}

/* Strength is secret.h's (test_secret); a token must also go into a URL and
 * a cookie as it is. */
static void test_token_chars(void)
{
    CHECK(web_token_weakness("q8Vn2xLr7KpT4mZs9WcY3hJd6FbN1gRe5UaX0oIiEk") == NULL);
    CHECK(web_token_weakness("f47ac10b-58cc-4372-a567-0e02b2c3d479.~_") == NULL);
    CHECK_STR(web_token_weakness("q8Vn2xLr7KpT4mZs9WcY3hJd6FbN1gRe5UaX0oIi/Ek"),
              "the token may hold letters, digits and - _ . ~ only");
    CHECK_STR(web_token_weakness("q8Vn2xLr7KpT4mZs9WcY3hJd6FbN1gRe5UaX0oIi;Ek"),
              "the token may hold letters, digits and - _ . ~ only");
}

static struct sockaddr_in v4(const char *ip)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    return sa;
}

static struct sockaddr_in6 v6(const char *ip)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, ip, &sa.sin6_addr);
    return sa;
}

static void test_addr_keys(void)
{
    web_addr x, y;
    struct sockaddr_in a = v4("192.168.1.20"), b = v4("192.168.1.21");
    struct sockaddr_in6 m = v6("::ffff:192.168.1.20"), p = v6("2001:db8:1:2::1"),
                        q = v6("2001:db8:1:2:ffff::9"), r = v6("2001:db8:1:3::1");
    CHECK(web_addr_of((struct sockaddr *)&a, &x));
    CHECK(web_addr_of((struct sockaddr *)&b, &y));
    CHECK(memcmp(&x, &y, sizeof x) != 0);
    CHECK(web_addr_of((struct sockaddr *)&m, &y));
    CHECK(memcmp(&x, &y, sizeof x) == 0); /* IPv4-mapped: the same client */
    CHECK(web_addr_of((struct sockaddr *)&p, &x));
    CHECK(web_addr_of((struct sockaddr *)&q, &y));
    CHECK(memcmp(&x, &y, sizeof x) == 0); /* the same /64 */
    CHECK(web_addr_of((struct sockaddr *)&r, &y));
    CHECK(memcmp(&x, &y, sizeof x) != 0);
    struct sockaddr un = {.sa_family = AF_UNIX};
    CHECK(!web_addr_of(&un, &x));
}

static void test_throttle(void)
{
    static web_throttle t; /* 256 slots: not on the stack */
    web_addr me, other;
    struct sockaddr_in a = v4("10.0.0.7"), b = v4("10.0.0.8");
    web_addr_of((struct sockaddr *)&a, &me);
    web_addr_of((struct sockaddr *)&b, &other);
    int64_t now = 1000000;
    char guess[32];
    for (int i = 0; i < WEB_THROTTLE_FREE - 1; i++) {
        CHECK_INT(web_throttle_wait_s(&t, &me, now), 0);
        snprintf(guess, sizeof guess, "guess-%d", i);
        web_throttle_wrong(&t, &me, guess, now);
    }
    CHECK_INT(web_throttle_wait_s(&t, &me, now), 0);
    web_throttle_wrong(&t, &me, "guess-5", now); /* the fifth: now wait */
    CHECK_INT(web_throttle_wait_s(&t, &me, now), 1);
    CHECK_INT(web_throttle_wait_s(&t, &me, now + 999), 1);
    CHECK_INT(web_throttle_wait_s(&t, &me, now + 1000), 0);
    CHECK_INT(web_throttle_wait_s(&t, &other, now), 0); /* another address is not held */
    /* Each further wrong token doubles the wait, up to the cap. */
    int64_t waits[14];
    for (int i = 0; i < 14; i++) {
        now += 3600 * 1000 - 1; /* whatever the wait was, it is over */
        snprintf(guess, sizeof guess, "more-%d", i);
        web_throttle_wrong(&t, &me, guess, now);
        waits[i] = web_throttle_wait_s(&t, &me, now);
    }
    CHECK_INT(waits[0], 2);
    CHECK_INT(waits[1], 4);
    CHECK_INT(waits[7], 256);
    CHECK_INT(waits[8], 512);
    CHECK_INT(waits[9], WEB_THROTTLE_MAX_WAIT_S);
    CHECK_INT(waits[13], WEB_THROTTLE_MAX_WAIT_S);
    /* The same wrong token again (a stale cookie) is not a new guess. */
    now += WEB_THROTTLE_MAX_WAIT_S * 1000;
    web_throttle_wrong(&t, &me, "more-13", now);
    CHECK_INT(web_throttle_wait_s(&t, &me, now), 0);
    /* The right token forgets the address. */
    web_throttle_right(&t, &me);
    for (int i = 0; i < WEB_THROTTLE_FREE - 1; i++) {
        snprintf(guess, sizeof guess, "again-%d", i);
        web_throttle_wrong(&t, &me, guess, now);
    }
    CHECK_INT(web_throttle_wait_s(&t, &me, now), 0);
    /* An hour without a wrong token forgets it too. */
    web_throttle_wrong(&t, &me, "again-x", now);
    CHECK_INT(web_throttle_wait_s(&t, &me, now), 1);
    now += WEB_THROTTLE_FORGET_MS;
    web_throttle_wrong(&t, &me, "again-y", now);
    CHECK_INT(web_throttle_wait_s(&t, &me, now), 0);
    /* More addresses than slots: the table stays its size, and the
     * address that is waiting is the last to be forgotten. */
    for (int i = 0; i < WEB_THROTTLE_FREE; i++) {
        snprintf(guess, sizeof guess, "late-%d", i);
        web_throttle_wrong(&t, &other, guess, now + 10);
    }
    for (unsigned i = 0; i < WEB_THROTTLE_SLOTS - 2; i++) {
        struct sockaddr_in c = v4("172.16.0.0");
        c.sin_addr.s_addr = htonl(ntohl(c.sin_addr.s_addr) + i);
        web_addr who;
        web_addr_of((struct sockaddr *)&c, &who);
        web_throttle_wrong(&t, &who, "x", now + 20);
    }
    CHECK_INT(web_throttle_wait_s(&t, &other, now + 30), 1);
}

static void test_json_depth(void)
{
    const char *walkin = "{\"packet\": \"p\", \"fields\": {\"first_name\": \"[[[[{{{{\"}}";
    CHECK(web_json_depth_ok(walkin, strlen(walkin), 2));
    CHECK(!web_json_depth_ok(walkin, strlen(walkin), 1));
    const char *escaped = "{\"a\": \"\\\" [[[[\"}"; /* {"a": "\" [[[["} */
    CHECK(web_json_depth_ok(escaped, strlen(escaped), 1));
    CHECK(!web_json_depth_ok("[[[[[[[[[", 9, 8));
    CHECK(web_json_depth_ok("[[[[[[[[]]]]]]]][]", 18, 8));
    CHECK(web_json_depth_ok("", 0, 1));
}

int main(void)
{
    test_listen();
    test_addresses();
    test_host_origin();
    test_token();
    test_json_and_rows();
    test_token_chars();
    test_addr_keys();
    test_throttle();
    test_json_depth();
    CHECK_DONE();
}
